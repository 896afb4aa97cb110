//! Throughput and latency of `math::verify` over a JSONL mix (see `bench/math/run.sh`).
//!
//! `math_bench --input mix.jsonl [--threads N] [--rounds R]` verifies every item `R` times
//! (default 5) on `N` threads and prints one JSON object: comparisons per second, p50 / p99 /
//! max latency of one call, agreement with the labels and the false positives.
//! `math_bench --adversarial` times the adversarial inputs one by one instead.

use rlvr_verifiers::math::{verify, Config};
use rlvr_verifiers::Outcome;
use serde_json::{json, Value};
use std::time::Instant;

// The allocator the `rlvr` binary ships, so the grader and server are compared like for like.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Item {
    response: String,
    gold: String,
    label: String,
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|k| args.get(k + 1).cloned())
}

fn percentile(sorted: &[u128], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let k = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[k] as f64 / 1000.0
}

/// Nanoseconds this thread has run on a CPU (`/proc/thread-self/schedstat`), if available.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn adversarial(cfg: &Config) {
    let cases: Vec<(&str, String, &str)> = vec![
        ("10^{10^{10}}", "\\boxed{10^{10^{10}}}".into(), "5"),
        ("5^{5^{5^{5^5}}}", "\\boxed{5^{5^{5^{5^5}}}}".into(), "5"),
        (
            "5000 nested braces",
            format!("\\boxed{{{}1{}}}", "{".repeat(5000), "}".repeat(5000)),
            "1",
        ),
        (
            "1 MB response",
            format!("{}\\boxed{{5}}", "a".repeat(1 << 20)),
            "5",
        ),
        (
            "1 MB unclosed box",
            format!("\\boxed{{{}", "x".repeat(1 << 20)),
            "5",
        ),
        ("unbalanced braces", "\\boxed{5}}}}}{{{".into(), "5"),
        ("NUL bytes", "\0\\boxed{\u{0}5}\0".into(), "5"),
        (
            "(x+1)^{200}",
            "\\boxed{(x+1)^{200}}".into(),
            "(1+x)^{200}+1",
        ),
        ("(10^{100})!", "\\boxed{(10^{100})!}".into(), "1"),
    ];
    // Five calls each: the minimum is the cost of the input, the maximum shows machine noise.
    for (name, response, gold) in cases {
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..5 {
            let start = Instant::now();
            let v = verify(&response, &[gold], cfg);
            times.push(start.elapsed().as_micros());
            last = Some(v);
        }
        let Some(v) = last else { continue };
        let min = times.iter().copied().min().unwrap_or(0);
        let max = times.iter().copied().max().unwrap_or(0);
        println!(
            "{}",
            json!({"input": name, "verdict": v.verdict.as_str(), "reason": v.reason, "us": min, "max_us": max})
        );
    }
}

/// One thread's latencies (ns), (item index, verdict) of its first round, and CPU time (ns).
type ThreadResult = (Vec<u128>, Vec<(usize, Outcome)>, Option<u64>);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // As `rlvr grade` and the server run it unless a caller asks for the detail (`--detail`
    // measures with it).
    let mut cfg = Config {
        detail: args.iter().any(|a| a == "--detail"),
        ..Config::default()
    };
    if let Some(w) = arg(&args, "--work").and_then(|s| s.parse().ok()) {
        cfg.work_limit = w;
    }
    if args.iter().any(|a| a == "--adversarial") {
        adversarial(&cfg);
        return;
    }
    let Some(path) = arg(&args, "--input") else {
        eprintln!("usage: math_bench --input MIX.jsonl [--threads N] [--rounds R] [--detail] | --adversarial");
        std::process::exit(2);
    };
    let threads: usize = arg(&args, "--threads")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let rounds: usize = arg(&args, "--rounds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(2);
        }
    };
    let items: Vec<Item> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| Item {
            response: v["response"].as_str().unwrap_or("").to_string(),
            gold: v["gold"].as_str().unwrap_or("").to_string(),
            label: v["label"].as_str().unwrap_or("").to_string(),
        })
        .collect();
    // Thread t takes items t, t + threads, ...: the mix's costs vary by item, and contiguous
    // chunks left one thread idle for a quarter of a 2-thread run.
    let threads = threads.clamp(1, items.len().max(1));
    let start = Instant::now();
    let results: Vec<ThreadResult> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let cfg = &cfg;
                let part: Vec<(usize, &Item)> =
                    items.iter().enumerate().skip(t).step_by(threads).collect();
                s.spawn(move || {
                    let mut lat = Vec::with_capacity(part.len() * rounds);
                    let mut outs = Vec::with_capacity(part.len());
                    for round in 0..rounds {
                        for &(index, it) in &part {
                            let t = Instant::now();
                            let v = verify(&it.response, &[it.gold.as_str()], cfg);
                            let ns = t.elapsed().as_nanos();
                            if round == 0
                                && ns > 500_000
                                && std::env::var_os("MATH_BENCH_SLOW").is_some()
                            {
                                eprintln!(
                                    "slow {} us: gold {:?} -> {:?} {}",
                                    ns / 1000,
                                    it.gold,
                                    v.verdict,
                                    v.reason
                                );
                            }
                            lat.push(ns);
                            if round == 0 {
                                outs.push((index, v.verdict));
                            }
                        }
                    }
                    (lat, outs, thread_cpu_ns())
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let wall = start.elapsed().as_secs_f64();
    let mut lat: Vec<u128> = results.iter().flat_map(|r| r.0.iter().copied()).collect();
    // On-CPU time of the workers (Linux), so a loaded machine does not distort the rate.
    let cpu_s: Option<f64> = results
        .iter()
        .map(|r| r.2)
        .sum::<Option<u64>>()
        .map(|ns| ns as f64 / 1e9);
    let mut outs: Vec<(usize, Outcome)> = results.into_iter().flat_map(|r| r.1).collect();
    outs.sort_by_key(|(index, _)| *index);
    let outs: Vec<Outcome> = outs.into_iter().map(|(_, o)| o).collect();
    lat.sort_unstable();
    let mut agree = 0;
    let mut false_pos = 0;
    let mut false_neg = 0;
    for (it, o) in items.iter().zip(&outs) {
        let said_correct = *o == Outcome::Correct;
        if said_correct == (it.label == "correct") {
            agree += 1;
        } else if said_correct {
            false_pos += 1;
        } else {
            false_neg += 1;
        }
    }
    let calls = lat.len();
    println!(
        "{}",
        json!({
            "engine": "rlvr",
            "items": items.len(),
            "threads": threads,
            "rounds": rounds,
            "comparisons_per_s": calls as f64 / wall,
            "comparisons_per_cpu_s": cpu_s.map(|c| calls as f64 / c),
            "cpu_s": cpu_s,
            "wall_s": wall,
            "p50_ms": percentile(&lat, 0.50) / 1000.0,
            "p99_ms": percentile(&lat, 0.99) / 1000.0,
            "max_ms": percentile(&lat, 1.0) / 1000.0,
            "agree_with_labels": agree as f64 / items.len().max(1) as f64,
            "false_positives": false_pos,
            "false_negatives": false_neg,
        })
    );
}
