//! Walks every labelled case in `fixtures/stem/*.jsonl` through `stem::verify`.
//!
//! One case per line: `{"response": .., "gold": "..." | number | [..], "options": [..]
//! (optional), "expect": "correct" | "incorrect" | "no_answer" | "error" | "timeout",
//! "reason": .. (optional: the verdict's reason must be this), "lenient": bool (optional),
//! "note": ..}`. A failure names `file:line`; false positives (a wrong answer scored correct)
//! are counted first. The suite enforces a floor of 250 cases.

use rlvr_verifiers::math::Config;
use rlvr_verifiers::stem::{verify, verify_golds, Golds};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/stem")
}

#[test]
fn stem_fixtures_pass() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixtures/stem exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut total = 0;
    let mut failures = Vec::new();
    let mut false_positives = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable fixture");
        let name = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        for (k, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = format!("fixtures/stem/{name}:{}", k + 1);
            let case: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{at}: bad JSON: {e}"));
            let response = case["response"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: no response"));
            let gold = &case["gold"];
            let options: Option<Vec<String>> = case["options"].as_array().map(|v| {
                v.iter()
                    .map(|o| o.as_str().unwrap_or_default().to_string())
                    .collect()
            });
            let expect = case["expect"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: no expect"));
            // A loaded machine must not turn a verdict into `timeout`; the work counter
            // still bounds every call.
            let mut cfg = Config {
                time_limit: Duration::from_secs(5),
                ..Config::default()
            };
            cfg.lenient = case["lenient"].as_bool() == Some(true);
            let v = verify(response, gold, options.as_deref(), &cfg);
            let bare = verify(
                response,
                gold,
                options.as_deref(),
                &Config {
                    detail: false,
                    ..cfg.clone()
                },
            );
            assert!(
                (bare.verdict, &bare.reason, &bare.extracted)
                    == (v.verdict, &v.reason, &v.extracted),
                "{at}: detail off changed the verdict: {bare:?} vs {v:?}"
            );
            let golds = Golds::new(gold, options.as_deref());
            assert_eq!(
                verify_golds(response, &golds, &cfg),
                v,
                "{at}: with golds read once"
            );
            total += 1;
            let reason_ok = case["reason"].as_str().is_none_or(|r| r == v.reason);
            if v.verdict.as_str() != expect || !reason_ok {
                let msg = format!(
                    "{at}: expected {expect}{}, got {} ({}); extracted {:?}; note: {}",
                    case["reason"]
                        .as_str()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default(),
                    v.verdict.as_str(),
                    v.reason,
                    v.extracted,
                    case["note"].as_str().unwrap_or("")
                );
                if v.verdict.as_str() == "correct" && expect != "correct" {
                    false_positives.push(msg);
                } else {
                    failures.push(msg);
                }
            }
        }
    }
    let n_fp = false_positives.len();
    false_positives.extend(failures);
    assert!(
        false_positives.is_empty(),
        "{} of {total} stem fixtures failed ({n_fp} false positives, listed first):\n{}",
        false_positives.len(),
        false_positives.join("\n")
    );
    assert!(
        total >= 250,
        "only {total} labelled stem cases; the floor is 250"
    );
}
