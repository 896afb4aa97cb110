//! No input makes a grid-family verifier or solver panic, and no garbage answer is judged
//! correct: hostile responses, every truncation of a gold response, and mutated metadata, on
//! instances taken from the fixture files. Every registered family of the grid group
//! (`Group::Grid`), each with gold cases in `fixtures/logic/<family>.jsonl`.

use rlvr_verifiers::logic::{self, Group, Instance, Options};
use rlvr_verifiers::Outcome;
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The families under test: the registry's grid group.
fn families() -> Vec<&'static str> {
    let names: Vec<&str> = logic::families()
        .iter()
        .filter(|f| f.group == Group::Grid)
        .map(|f| f.name)
        .collect();
    assert!(
        !names.is_empty(),
        "no family of the grid group is registered"
    );
    names
}

/// The first `k` fixture cases of `family` whose expected verdict is `correct`.
fn gold_cases(family: &str, k: usize) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../fixtures/logic/{family}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let cases: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|c| c["expect"] == "correct")
        .take(k)
        .collect();
    assert!(
        !cases.is_empty(),
        "no correct fixture cases in {}",
        path.display()
    );
    cases
}

fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        "<answer>",
        "<answer></answer>",
        "<answer> </answer>",
        "\0",
        "ßλ→·…ü😀",
        "→→→ : = -> ::",
        "·_·",
        "{",
        "{\"0\":",
        "1:2:3",
        "99999999999999999999999999999",
        "-9223372036854775808",
        "True False",
        "[[1,2],[3]]",
        "([{}])",
        "\\boxed{",
        "\\boxed{}",
        "Row 1: Row 2: 1. 2)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("[".repeat(5000));
    v.push("]".repeat(5000));
    v.push("9".repeat(20000));
    v.push("Q ".repeat(5000));
    v.push("1 ".repeat(5000));
    v.push("<answer>".repeat(2000));
    v.push("é".repeat(3000));
    v
}

fn run(task: &str, response: &str, meta: &Value, gt: Option<&Value>) -> Result<Outcome, String> {
    catch_unwind(AssertUnwindSafe(|| {
        let opts = Options::default();
        let inst = Instance {
            metadata: meta,
            ground_truth: gt,
            options: &opts,
        };
        if let Some(f) = logic::family(task) {
            let _ = (f.solve)(&inst);
        }
        logic::verify(task, response, meta, gt).map(|v| v.verdict)
    }))
    .map_err(|_| format!("{task}: panic on response {:?}", truncate(response)))?
    .map_err(|e| format!("{task}: error {e}"))
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

#[test]
fn hostile_responses_never_panic_or_pass() {
    let mut failures = Vec::new();
    for fam in families() {
        for case in gold_cases(fam, 2) {
            let gt = case.get("ground_truth").filter(|v| !v.is_null());
            for r in hostile() {
                match run(fam, &r, &case["metadata"], gt) {
                    Ok(Outcome::Correct) => {
                        failures.push(format!("{fam}: garbage {:?} judged correct", truncate(&r)))
                    }
                    Ok(_) => {}
                    Err(e) => failures.push(e),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn truncated_gold_never_panics() {
    let mut failures = Vec::new();
    for fam in families() {
        for case in gold_cases(fam, 2) {
            let resp = case["response"].as_str().unwrap_or("");
            let gt = case.get("ground_truth").filter(|v| !v.is_null());
            for (i, _) in resp.char_indices() {
                if let Err(e) = run(fam, &resp[..i], &case["metadata"], gt) {
                    failures.push(e);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mutated_metadata_never_panics() {
    let junk = [
        Value::Null,
        json!("x"),
        json!([]),
        json!({}),
        json!(-1),
        json!(u64::MAX),
        json!(i64::MIN),
        json!([[-1]]),
        json!([[i64::MAX, i64::MIN], [0, 0]]),
        json!([[0, 0, "<"]]),
        json!([[0, 0, 0, 99, ">"]]),
        json!([1e300]),
    ];
    let mut failures = Vec::new();
    for fam in families() {
        for case in gold_cases(fam, 1) {
            let resp = case["response"].as_str().unwrap_or("");
            let gt = case.get("ground_truth").filter(|v| !v.is_null());
            let Some(obj) = case["metadata"].as_object() else {
                continue;
            };
            for key in obj.keys() {
                for j in &junk {
                    let mut meta = case["metadata"].clone();
                    meta[key.as_str()] = j.clone();
                    if let Err(e) = run(fam, resp, &meta, gt) {
                        failures.push(format!("{e} (metadata.{key} = {j})"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
