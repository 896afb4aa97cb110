//! fixtures/code/cases.jsonl: graded code cases (stdio, APPS/TACO stdio and call-based,
//! HumanEval, MBPP) through the real verifier and the real sandbox; each must get exactly
//! its expected reward and verdict (and per-test statuses where given).

mod common;

use common::{fixture_lines, SandboxRunner};
use rlvr_sandbox::Limits;
use serde_json::Value;
use std::time::Duration;

#[test]
fn every_case_gets_its_verdict() {
    let sandbox = rlvr_sandbox::shared().expect("sandbox");
    let mut failures = Vec::new();
    let cases = fixture_lines("cases.jsonl");
    assert!(cases.len() >= 150, "only {} cases", cases.len());
    for (line, case) in cases {
        let name = case["name"].as_str().unwrap_or("?");
        let runner = SandboxRunner {
            sandbox: &sandbox,
            limits: Limits {
                wall_time: Duration::from_secs_f64(case["time_s"].as_f64().unwrap_or(10.0)),
                ..Limits::default()
            },
        };
        let v = rlvr_verifiers::code::verify(
            case["response"].as_str().unwrap(),
            &case["ground_truth"],
            &runner,
            &Default::default(),
        );
        let want_reward = case["reward"].as_f64().unwrap();
        let want_verdict = case["verdict"].as_str().unwrap();
        let mut bad = (v.reward - want_reward).abs() > 1e-9 || v.verdict.as_str() != want_verdict;
        if let Some(want) = case["statuses"].as_array() {
            let got: Vec<Value> = v.detail.as_ref().map_or(vec![], |d| {
                d["tests"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| t["status"].clone())
                    .collect()
            });
            bad |= &got != want;
        }
        if bad {
            failures.push(format!(
                "cases.jsonl:{line} {name}: got reward {} {} ({}), want {want_reward} {want_verdict}; detail {}",
                v.reward,
                v.verdict.as_str(),
                v.reason,
                v.detail.map(|d| d.to_string()).unwrap_or_default().chars().take(400).collect::<String>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
