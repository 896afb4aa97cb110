//! Walks every labelled case in `fixtures/math/*.jsonl` through `math::verify`.
//!
//! One case per line: `{"response": .., "gold": "..." or [..], "expect": "correct" |
//! "incorrect" | "no_answer" | "error" | "timeout", "note": .., "strict": bool (optional),
//! "lenient": bool (optional: the weak extraction rules on), "reason": .. (optional: the
//! verdict's reason must be this)}`.
//! A failure names `file:line`. The suite also enforces the acceptance floor of 600 cases and
//! reports any false positive (a wrong answer scored correct) first.

use rlvr_verifiers::math::{verify, verify_golds, Config, Golds};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/math")
}

#[test]
fn math_fixtures_pass() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixtures/math exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut total = 0;
    let mut failures = Vec::new();
    let mut false_positives = 0;
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
            let at = format!("fixtures/math/{name}:{}", k + 1);
            let case: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{at}: bad JSON: {e}"));
            let response = case["response"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: no response"));
            let gold: Vec<&str> = match &case["gold"] {
                Value::String(s) => vec![s.as_str()],
                Value::Array(v) => v.iter().filter_map(Value::as_str).collect(),
                _ => panic!("{at}: gold must be a string or a list"),
            };
            let expect = case["expect"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: no expect"));
            // The wall-clock limit is raised so that a loaded CI machine cannot turn a verdict
            // into `timeout`; the deterministic work counter still bounds every call.
            let mut cfg = Config {
                time_limit: Duration::from_secs(5),
                ..Config::default()
            };
            if case["strict"].as_bool() == Some(true) {
                cfg.strict = true;
            }
            if case["lenient"].as_bool() == Some(true) {
                cfg.lenient = true;
            }
            if let Some(t) = case["rel_tol"].as_f64() {
                cfg.rel_tol = t;
            }
            let v = verify(response, &gold, &cfg);
            // Without the detail, the same verdict, reward, reason and extraction.
            let bare = verify(
                response,
                &gold,
                &Config {
                    detail: false,
                    ..cfg.clone()
                },
            );
            assert!(
                bare.detail.is_none()
                    && (bare.verdict, &bare.reason, &bare.extracted)
                        == (v.verdict, &v.reason, &v.extracted)
                    && bare.reward.to_bits() == v.reward.to_bits(),
                "{at}: detail off changed the verdict: {bare:?} vs {v:?}"
            );
            // Golds read once and used for several responses (the samples of a prompt): the
            // same verdict each time, and the one `verify` gives.
            let golds = Golds::new(&gold);
            for _ in 0..2 {
                assert_eq!(
                    verify_golds(response, &golds, &cfg),
                    v,
                    "{at}: with golds read once"
                );
            }
            total += 1;
            let reason_ok = case["reason"].as_str().is_none_or(|r| r == v.reason);
            if v.verdict.as_str() != expect || !reason_ok {
                if v.verdict.as_str() == "correct" {
                    false_positives += 1;
                }
                failures.push(format!(
                    "{at}: expected {expect} ({}), got {} ({}); extracted {:?}; detail {}; note: {}",
                    case["reason"].as_str().unwrap_or("any reason"),
                    v.verdict.as_str(),
                    v.reason,
                    v.extracted,
                    v.detail.map(|d| d.to_string()).unwrap_or_default(),
                    case["note"].as_str().unwrap_or("")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} math fixtures failed ({false_positives} false positives):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        total >= 600,
        "only {total} labelled math cases; the floor is 600"
    );
}
