//! The rlvr half of `bench/logic/run.sh`: reads Reasoning Gym instances (JSONL rows with
//! `task`, `answer`, `metadata`), checks that rlvr accepts each gold answer (wrapped in
//! `<answer>` tags) on its own instance, times every verification, and measures generation
//! rate per family. Prints one JSON object per family on stdout and writes the answer it used
//! per row (the gold, else rlvr's own solver's) to the file given as the second argument, so
//! the Python half can time Reasoning Gym's scorer on the same answers.
//!
//! Usage: `logic_bench INSTANCES.jsonl ANSWERS_OUT.jsonl [GEN_SECONDS_PER_FAMILY]`

use rlvr_verifiers::logic::{self, GenConfig, Instance, Options};
use rlvr_verifiers::Outcome;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

/// Timed repetitions of each verification (the median of them is that row's time).
const REPS: usize = 5;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// The gold answer Reasoning Gym stores, or its example answer where `answer` is null.
fn gold(row: &Value) -> Option<String> {
    match row.get("answer") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => row
            .pointer("/metadata/example_answer")
            .and_then(Value::as_str)
            .map(str::to_string),
        Some(other) => Some(other.to_string()),
    }
}

#[derive(Default)]
struct Stats {
    n: usize,
    agree: usize,
    gold_missing: usize,
    not_built: bool,
    disagreements: Vec<String>,
    reasons: BTreeMap<String, usize>,
    times_us: Vec<f64>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: logic_bench INSTANCES.jsonl ANSWERS_OUT.jsonl [GEN_SECONDS]");
        std::process::exit(2);
    }
    let gen_secs: f64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0.5);
    let text = std::fs::read_to_string(&args[1])?;
    let mut answers = std::io::BufWriter::new(std::fs::File::create(&args[2])?);
    let mut stats: BTreeMap<String, Stats> = BTreeMap::new();
    let opts = Options::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let row: Value = serde_json::from_str(line)?;
        let task = row["task"].as_str().unwrap_or_default().to_string();
        let meta = &row["metadata"];
        let st = stats.entry(task.clone()).or_default();
        st.n += 1;
        let Some(fam) = logic::family(&task) else {
            st.not_built = true;
            continue;
        };
        // The answer to check: the gold, else our solver's (e.g. boxnet has no gold).
        let gt = gold(&row);
        let gt_value = gt.clone().map(Value::String);
        let answer = match &gt {
            Some(g) => Some(g.clone()),
            None => {
                st.gold_missing += 1;
                let inst = Instance {
                    metadata: meta,
                    ground_truth: None,
                    options: &opts,
                };
                (fam.solve)(&inst)
            }
        };
        let Some(answer) = answer else {
            continue;
        };
        let response = format!("<answer>{answer}</answer>");
        let v = logic::verify(&task, &response, meta, gt_value.as_ref())?;
        if v.verdict == Outcome::Error && v.reason.contains("not built") {
            st.not_built = true;
            continue;
        }
        if v.verdict == Outcome::Correct {
            st.agree += 1;
        } else {
            let reason = v.reason.split(':').next().unwrap_or_default().to_string();
            *st.reasons.entry(reason).or_default() += 1;
            if st.disagreements.len() < 3 {
                st.disagreements
                    .push(format!("{}: {}", v.verdict.as_str(), v.reason));
            }
        }
        let mut reps = [0f64; REPS];
        for r in reps.iter_mut() {
            let t = Instant::now();
            let out = logic::verify(&task, &response, meta, gt_value.as_ref());
            *r = t.elapsed().as_secs_f64() * 1e6;
            std::hint::black_box(out.ok());
        }
        reps.sort_by(f64::total_cmp);
        st.times_us.push(reps[REPS / 2]);
        writeln!(
            answers,
            "{}",
            json!({"task": task, "index": st.n - 1, "answer": answer, "rlvr": v.verdict.as_str()})
        )?;
    }
    answers.flush()?;
    let out = std::io::stdout();
    let mut out = out.lock();
    for fam in logic::families() {
        // Generation rate: as many seeds as fit in `gen_secs`.
        let start = Instant::now();
        let mut made = 0u64;
        let mut gen_err = None;
        while start.elapsed() < Duration::from_secs_f64(gen_secs) {
            match (fam.generate)(&GenConfig {
                seed: made,
                ..GenConfig::default()
            }) {
                Ok(g) => {
                    std::hint::black_box(g);
                    made += 1;
                }
                Err(e) => {
                    gen_err = Some(e.to_string());
                    break;
                }
            }
        }
        let rate = made as f64 / start.elapsed().as_secs_f64();
        let st = stats.remove(fam.name).unwrap_or_default();
        let mut t = st.times_us.clone();
        t.sort_by(f64::total_cmp);
        writeln!(
            out,
            "{}",
            json!({
                "family": fam.name,
                "n": st.n,
                "checked": t.len(),
                "agree": st.agree,
                "gold_missing": st.gold_missing,
                "verifier_built": !st.not_built && !t.is_empty(),
                "disagreements": st.disagreements,
                "disagree_reasons": st.reasons,
                "median_us": percentile(&t, 0.5),
                "p99_us": percentile(&t, 0.99),
                "gen_per_s": if gen_err.is_some() { Value::Null } else { json!(rate) },
                "gen_error": gen_err,
            })
        )?;
    }
    Ok(())
}
