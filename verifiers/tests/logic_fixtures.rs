//! Walks every `fixtures/logic/*.jsonl` file and checks each line's verdict.
//!
//! One case per line: `{"task", "metadata", "ground_truth"?, "response", "expect", "note"}` where
//! `expect` is `correct`, `incorrect` or `no_answer`. Every failing case is reported with its
//! `file:line`, its note and the verdict actually returned, so one run shows all regressions.

use rlvr_verifiers::logic;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/logic")
}

/// Check one fixture line; `Err` carries a human-readable failure.
fn check_line(line: &str) -> Result<(), String> {
    let case: Value = serde_json::from_str(line).map_err(|e| format!("bad JSON: {e}"))?;
    let field = |k: &str| case.get(k).ok_or_else(|| format!("missing field `{k}`"));
    let task = field("task")?.as_str().ok_or("`task` is not a string")?;
    let metadata = field("metadata")?;
    let response = field("response")?
        .as_str()
        .ok_or("`response` is not a string")?;
    let expect = field("expect")?
        .as_str()
        .ok_or("`expect` is not a string")?;
    if !matches!(expect, "correct" | "incorrect" | "no_answer") {
        return Err(format!(
            "`expect` must be correct|incorrect|no_answer, got {expect:?}"
        ));
    }
    let gt = case.get("ground_truth").filter(|v| !v.is_null());
    let note = case.get("note").and_then(Value::as_str).unwrap_or("");
    let v = logic::verify(task, response, metadata, gt).map_err(|e| format!("error: {e}"))?;
    if v.verdict.as_str() != expect {
        return Err(format!(
            "[{task}] {note}: expected {expect}, got {} (reason: {}, extracted: {:?})",
            v.verdict.as_str(),
            v.reason,
            v.extracted
        ));
    }
    // The reward must agree with the verdict under the default 0/1 semantics.
    let want = if expect == "correct" { 1.0 } else { 0.0 };
    if v.reward != want {
        return Err(format!("[{task}] {note}: reward {} for {expect}", v.reward));
    }
    Ok(())
}

#[test]
fn logic_fixtures() {
    let dir = fixture_dir();
    // A checkout without fixture files yet has no directory (git does not track empty ones).
    let entries = match std::fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => panic!("cannot read {}: {e}", dir.display()),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let (mut cases, mut failures) = (0usize, Vec::new());
    for path in &files {
        let text = std::fs::read_to_string(path).expect("fixture file is readable");
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            cases += 1;
            if let Err(msg) = check_line(line) {
                failures.push(format!("fixtures/logic/{name}:{}: {msg}", i + 1));
            }
        }
    }
    eprintln!("{cases} logic fixture cases in {} files", files.len());
    assert!(
        failures.is_empty(),
        "{} of {cases} logic fixture cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
