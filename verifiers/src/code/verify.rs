//! The code verifier end to end: extract, plan, run through a [`Runner`], judge, and fold the
//! per-test results into one verdict whose reward is the fraction of tests passed.

use super::{extract_code, judge, parse_suite, plan, Ended, TestRun, TestStatus};
use crate::{Outcome, Verdict};
use serde_json::{json, Value};

/// What one run produced, as the runner reports it.
#[derive(Debug, Clone)]
pub struct Execution {
    pub ended: Ended,
    pub stdout: String,
    pub stderr: String,
    pub stdout_truncated: bool,
    pub elapsed_ms: f64,
}

/// Runs programs; the application implements it over the sandbox. Runs of one call may go in
/// parallel; results come back in order. `Err` is a host failure (the run did not happen).
pub trait Runner {
    fn run_all(&self, runs: &[TestRun]) -> Vec<Result<Execution, String>>;
    /// How many runs the runner would do at once (used to batch under `stop_at_first_failure`).
    fn parallelism(&self) -> usize {
        1
    }
}

/// Verifier options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Stop at the first failing test (the rest count as not passed and are not run).
    pub stop_at_first_failure: bool,
}

/// Bytes of stdout/stderr kept per test in the verdict's detail.
const DETAIL_BYTES: usize = 512;

fn clip(s: &str) -> String {
    if s.len() <= DETAIL_BYTES {
        return s.to_string();
    }
    let mut end = DETAIL_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Grade `response` against the suite in `ground_truth`.
pub fn verify(
    response: &str,
    ground_truth: &Value,
    runner: &dyn Runner,
    opts: &Options,
) -> Verdict {
    let suite = match parse_suite(ground_truth) {
        Ok(s) => s,
        Err(e) => return Verdict::error(e.to_string()),
    };
    let Some(code) = extract_code(response) else {
        return Verdict::no_answer("no code in the response");
    };
    let runs = plan(&code, &suite);
    let mut results: Vec<Result<Execution, String>> = Vec::with_capacity(runs.len());
    if opts.stop_at_first_failure {
        for chunk in runs.chunks(runner.parallelism().max(1)) {
            let start = results.len();
            results.extend(runner.run_all(chunk));
            let failed = results[start..].iter().zip(chunk).any(|(r, run)| match r {
                Ok(e) => judge(run, &e.ended, &e.stdout).0 != TestStatus::Passed,
                Err(_) => true,
            });
            if failed {
                break;
            }
        }
    } else {
        results = runner.run_all(&runs);
    }
    let mut tests = Vec::with_capacity(runs.len());
    let mut passed = 0usize;
    let mut first_failure: Option<(usize, TestStatus)> = None;
    for (i, run) in runs.iter().enumerate() {
        let Some(result) = results.get(i) else {
            tests.push(json!({"status": "not_run"}));
            first_failure.get_or_insert((i, TestStatus::Incomplete));
            continue;
        };
        let exec = match result {
            Ok(e) => e,
            Err(host) => {
                return Verdict::error(format!("sandbox failed on test {}: {host}", i + 1))
            }
        };
        let (status, why) = judge(run, &exec.ended, &exec.stdout);
        if status == TestStatus::Passed {
            passed += 1;
        } else {
            first_failure.get_or_insert((i, status.clone()));
        }
        let mut t = json!({
            "status": status.as_str(),
            "time_ms": (exec.elapsed_ms * 1000.0).round() / 1000.0,
        });
        if let Some(why) = why {
            t["reason"] = Value::String(why);
        }
        if status != TestStatus::Passed {
            t["stdout"] = Value::String(clip(&exec.stdout));
            t["stderr"] = Value::String(clip(&exec.stderr));
            t["stdout_truncated"] = Value::Bool(exec.stdout_truncated);
        }
        tests.push(t);
    }
    let total = runs.len();
    let reward = passed as f64 / total as f64;
    let detail = json!({"format": suite.kind(), "passed": passed, "total": total, "tests": tests});
    let (outcome, reason) = match first_failure {
        None => (Outcome::Correct, format!("all {total} tests passed")),
        Some((i, TestStatus::Timeout)) => (Outcome::Timeout, format!("timeout on test {}", i + 1)),
        Some((i, s)) => (
            Outcome::Incorrect,
            format!("{} on test {}", s.as_str(), i + 1),
        ),
    };
    Verdict::new(reward, outcome, reason, Some(code)).with_detail(detail)
}
