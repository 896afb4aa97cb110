//! `arc_1d`: infer a rule from input/output rows and apply it to a test row.
//!
//! The rule is implied by the examples, so the answer is the test output
//! (`metadata.test_example.output`, else the stored answer): every cell must match, and the
//! length too. The row may be written in any usual way.
//!
//! ## Accepts
//! - `0 0 4 4 0`, `0,0,4,4,0`, `[0, 0, 4, 4, 0]`, `0|0|4`, one cell per line, a fence, an
//!   `Output:` label, a final full stop.
//!
//! ## Rejects
//! - a different cell (the detail names the first one) or length; any other text in the answer.
//!
//! ## Examples
//! Rule "shift the block 2 right", test `0 3 3 0 0 0`: `0 0 0 3 3 0` is correct,
//! `0 3 3 0 0 0` is wrong at cell 2.

use super::{Family, GenConfig, Generated, Group, Instance};
use crate::logic::rng::Rng;
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "arc_1d",
    summary: "Apply the rule shown by example rows to a test row",
    group: Group::Reasoning,
    verify,
    solve,
    generate,
};

const MAX_CELLS: usize = 10_000;

/// Read a row of small integers; `None` if anything else is in the text.
fn parse_row(answer: &str) -> Option<Vec<u64>> {
    let mut t = super::lit::unfence(answer);
    let lower = t.to_ascii_lowercase();
    for label in ["output grid:", "output:", "answer:"] {
        if lower.starts_with(label) {
            t = &t[label.len()..];
            break;
        }
    }
    let mut out = Vec::new();
    for tok in t.split(|c: char| c.is_whitespace() || ",;.|[]()".contains(c)) {
        if tok.is_empty() {
            continue;
        }
        if tok.len() > 3 || !tok.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push(tok.parse().ok()?);
        if out.len() > MAX_CELLS {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn expected(inst: &Instance<'_>) -> Option<Vec<u64>> {
    if let Some(out) = inst
        .metadata
        .pointer("/test_example/output")
        .and_then(Value::as_array)
    {
        return out.iter().map(Value::as_u64).collect();
    }
    parse_row(inst.ground_truth?.as_str()?)
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let Some(want) = expected(inst) else {
        return Verdict::error("invalid metadata: need test_example.output or an answer");
    };
    let mut v = match parse_row(answer) {
        None => Verdict::incorrect("unreadable_row", None),
        Some(got) if got.len() != want.len() => Verdict::incorrect("wrong_length", None)
            .with_detail(json!({"expected": want.len(), "got": got.len()})),
        Some(got) => match got.iter().zip(&want).position(|(a, b)| a != b) {
            None => return Verdict::correct("row_matches", None),
            Some(i) => Verdict::incorrect("wrong_cell", None).with_detail(json!({"cell": i + 1})),
        },
    };
    if inst.options.partial_credit {
        // Reasoning Gym's default scorer: the stored row inside a longer answer.
        v.reward = super::lit::substring_credit(answer, inst.ground_truth);
    }
    v
}

fn show(row: &[u64]) -> String {
    row.iter().map(u64::to_string).collect::<Vec<_>>().join(" ")
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    expected(inst).map(|r| show(&r))
}

/// A rule family: name, and a function from (rng, size) to an input/output pair.
#[derive(Debug, Clone, Copy)]
enum Task {
    Shift(i64),
    Mirror,
    Recolor(u64, u64),
    ExtendRight,
    FillBetween,
    /// Every coloured cell slides to the right end, keeping its order.
    GravityRight,
    /// Isolated single cells vanish; the long block stays.
    Denoise,
}

impl Task {
    fn name(&self) -> String {
        match *self {
            Task::Shift(k) if k > 0 => format!("move_{k}pix_solid_right"),
            Task::Shift(k) => format!("move_{}pix_solid_left", -k),
            Task::Mirror => "mirror".into(),
            Task::Recolor(a, b) => format!("recolor_{a}_to_{b}"),
            Task::ExtendRight => "extend_block_to_right_edge".into(),
            Task::FillBetween => "fill_between_pair".into(),
            Task::GravityRight => "gravity_right".into(),
            Task::Denoise => "denoise_singletons".into(),
        }
    }

    /// One example on a row of `n` cells.
    fn example(&self, rng: &mut Rng, n: usize) -> (Vec<u64>, Vec<u64>) {
        let mut inp = vec![0u64; n];
        let colour = match *self {
            Task::Recolor(a, _) => a,
            _ => rng.range(1, 9) as u64,
        };
        match *self {
            Task::Shift(k) => {
                let len = rng.range(1, (n as i64 / 3).max(1)) as usize;
                let lo = if k > 0 { 0 } else { -k as usize };
                let hi = if k > 0 { n - len - k as usize } else { n - len };
                let s = rng.range(lo as i64, hi as i64) as usize;
                inp[s..s + len].fill(colour);
                let mut out = vec![0u64; n];
                let t = (s as i64 + k) as usize;
                out[t..t + len].fill(colour);
                (inp, out)
            }
            Task::Mirror => {
                for c in inp.iter_mut() {
                    if rng.below(3) == 0 {
                        *c = rng.range(1, 9) as u64;
                    }
                }
                let mut out = inp.clone();
                out.reverse();
                (inp, out)
            }
            Task::Recolor(a, b) => {
                let len = rng.range(1, (n as i64 / 2).max(1)) as usize;
                let s = rng.range(0, (n - len) as i64) as usize;
                inp[s..s + len].fill(a);
                let out = inp.iter().map(|&c| if c == a { b } else { c }).collect();
                (inp, out)
            }
            Task::ExtendRight => {
                let len = rng.range(1, 3) as usize;
                let s = rng.range(0, (n - len - 1) as i64) as usize;
                inp[s..s + len].fill(colour);
                let mut out = inp.clone();
                out[s..].fill(colour);
                (inp, out)
            }
            Task::FillBetween => {
                let a = rng.range(0, n as i64 - 3) as usize;
                let b = rng.range(a as i64 + 2, n as i64 - 1) as usize;
                inp[a] = colour;
                inp[b] = colour;
                let mut out = inp.clone();
                out[a..=b].fill(colour);
                (inp, out)
            }
            Task::GravityRight => {
                for c in inp.iter_mut() {
                    if rng.below(3) == 0 {
                        *c = rng.range(1, 9) as u64;
                    }
                }
                let coloured: Vec<u64> = inp.iter().copied().filter(|&c| c != 0).collect();
                let mut out = vec![0u64; n - coloured.len()];
                out.extend(coloured);
                (inp, out)
            }
            Task::Denoise => {
                let len = rng.range(3, (n as i64 / 2).max(3)) as usize;
                let s = rng.range(0, (n - len) as i64) as usize;
                inp[s..s + len].fill(colour);
                let out = inp.clone();
                // Noise: single cells of the block's colour, never touching the block or each other.
                for _ in 0..rng.range(1, 3) {
                    let i = rng.below(n as u64) as usize;
                    let clear = |j: usize| inp.get(j).is_none_or(|&c| c == 0);
                    if clear(i) && (i == 0 || clear(i - 1)) && clear(i + 1) {
                        inp[i] = colour;
                    }
                }
                (inp, out)
            }
        }
    }
}

/// Knobs: `min_size`/`max_size` (row length, default 10..30, at least 8), `examples` (default 3).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (s0, s1) = (cfg.int("min_size", 10), cfg.int("max_size", 30));
    let k = cfg.int("examples", 3);
    if !(8 <= s0 && s0 <= s1 && s1 <= 200 && (1..=10).contains(&k)) {
        return Err(Error::Generate(
            "arc_1d: size 8..=200, examples 1..=10".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let n = rng.range(s0, s1) as usize;
    let task = match rng.below(7) {
        0 => {
            let k = rng.range(1, 4);
            Task::Shift(if rng.below(2) == 0 { k } else { -k })
        }
        1 => Task::Mirror,
        2 => {
            let a = rng.range(1, 9) as u64;
            Task::Recolor(a, 1 + (a + rng.range(0, 7) as u64) % 9)
        }
        3 => Task::ExtendRight,
        4 => Task::FillBetween,
        5 => Task::GravityRight,
        _ => Task::Denoise,
    };
    let train: Vec<(Vec<u64>, Vec<u64>)> = (0..k).map(|_| task.example(&mut rng, n)).collect();
    let test = task.example(&mut rng, n);
    let mut q = String::from(
        "Each example below maps an input row to an output row by the same rule. Find the rule.\n\n",
    );
    for (i, (a, b)) in train.iter().enumerate() {
        q.push_str(&format!(
            "Example {}:\nInput:  {}\nOutput: {}\n\n",
            i + 1,
            show(a),
            show(b)
        ));
    }
    q.push_str(&format!(
        "Apply the rule to this test input and give only the output row, cells separated by spaces.\n\nInput:\n{}",
        show(&test.0)
    ));
    let pair = |(a, b): &(Vec<u64>, Vec<u64>)| json!({"input": a, "output": b});
    Ok(Generated {
        question: q,
        answer: show(&test.1),
        metadata: json!({
            "source_dataset": "arc_1d",
            "task_name": task.name(),
            "size": n,
            "train_examples": train.iter().map(pair).collect::<Vec<_>>(),
            "test_example": pair(&test),
            "difficulty": {"size": [s0, s1]},
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Options;

    #[test]
    fn row_forms() {
        let m =
            json!({"test_example": {"input": [0, 3, 3, 0, 0, 0], "output": [0, 0, 0, 3, 3, 0]}});
        let o = Options::default();
        let v = |a: &str| {
            verify(
                &Instance {
                    metadata: &m,
                    ground_truth: None,
                    options: &o,
                },
                a,
            )
            .reason
        };
        assert_eq!(v("0 0 0 3 3 0"), "row_matches");
        assert_eq!(v("[0, 0, 0, 3, 3, 0]"), "row_matches");
        assert_eq!(v("Output: 0,0,0,3,3,0"), "row_matches");
        assert_eq!(v("0 0 0 3 3 0."), "row_matches");
        assert_eq!(v("0 3 3 0 0 0"), "wrong_cell");
        assert_eq!(v("0 0 0 3 3"), "wrong_length");
        assert_eq!(v("0 0 0 3 3 0 or 0 0 3 3 0 0"), "unreadable_row");
    }

    #[test]
    fn generated_rows_fit() {
        for seed in 0..200 {
            let g = generate(&GenConfig {
                seed,
                ..GenConfig::default()
            })
            .unwrap();
            assert!(g.metadata["size"].as_u64().unwrap() >= 10);
        }
    }
}
