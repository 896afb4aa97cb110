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
            let got: Vec<Value> = v
                .detail
                .as_ref()
                .and_then(|d| d.as_json())
                .map_or(vec![], |d| {
                    d["tests"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|t| t["status"].clone())
                        .collect()
                });
            bad |= &got != want;
        }
        if let Some(want) = case["reason"].as_str() {
            bad |= v.reason != want;
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

/// `stop_at_first_failure` through the real sandbox: five stdio tests, the second fails, so
/// tests 3-5 are not run and the reward stays passed/total = 1/5.
#[test]
fn stop_at_first_failure_skips_the_tests_after_the_first_failure() {
    let sandbox = rlvr_sandbox::shared().expect("sandbox");
    let runner = SandboxRunner {
        sandbox: &sandbox,
        limits: Limits::default(),
    };
    let gt = serde_json::json!({"tests": [
        {"stdin": "1\n", "stdout": "2\n"}, {"stdin": "2\n", "stdout": "5\n"},
        {"stdin": "3\n", "stdout": "6\n"}, {"stdin": "4\n", "stdout": "8\n"},
        {"stdin": "5\n", "stdout": "10\n"}]});
    let response = "```python\nprint(int(input()) * 2)\n```";
    let opts = rlvr_verifiers::code::Options {
        stop_at_first_failure: true,
    };
    let v = rlvr_verifiers::code::verify(response, &gt, &runner, &opts);
    assert_eq!(v.reward, 0.2, "{v:?}");
    assert_eq!(v.verdict.as_str(), "incorrect");
    let d = v.detail.as_ref().and_then(|d| d.as_json()).expect("detail");
    let statuses: Vec<&str> = d["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["passed", "wrong_answer", "not_run", "not_run", "not_run"]
    );
    // Without the option every test runs: 4 of 5 pass.
    let v = rlvr_verifiers::code::verify(response, &gt, &runner, &Default::default());
    assert_eq!(v.reward, 0.8, "{v:?}");
}

/// `os._exit` keeps its status now; the call-based exit-0 reward hack still gets nothing, and
/// a stdio program that prints the right answer and then `os._exit(3)`s fails with that status.
#[test]
fn os_exit_keeps_its_status_and_still_cannot_fake_a_pass() {
    let sandbox = rlvr_sandbox::shared().expect("sandbox");
    let runner = SandboxRunner {
        sandbox: &sandbox,
        limits: Limits::default(),
    };
    let opts = Default::default();
    let hack =
        "```python\nimport os\ndef f(x):\n    print(x + 1, flush=True)\n    os._exit(0)\n```";
    let gt = serde_json::json!({"fn_name": "f", "inputs": [[1], [2]], "outputs": [2, 3]});
    let v = rlvr_verifiers::code::verify(hack, &gt, &runner, &opts);
    assert_eq!(v.reward, 0.0, "{v:?}");
    let statuses: Vec<Value> = v.detail.as_ref().and_then(|d| d.as_json()).unwrap()["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].clone())
        .collect();
    assert_eq!(statuses, ["incomplete", "incomplete"]);
    let stdio = "```python\nimport os\nprint(int(input()) * 2, flush=True)\nos._exit(3)\n```";
    let gt = serde_json::json!({"tests": [{"stdin": "2\n", "stdout": "4\n"}]});
    let v = rlvr_verifiers::code::verify(stdio, &gt, &runner, &opts);
    assert_eq!(v.reward, 0.0, "{v:?}");
    let t = &v.detail.as_ref().and_then(|d| d.as_json()).unwrap()["tests"][0];
    assert_eq!(t["status"], "runtime_error");
    assert_eq!(t["reason"], "exit status 3");
}
