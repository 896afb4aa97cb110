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
    /// Stop at the first failing test, in suite order: the tests after it are not started and
    /// are reported with status `not_run` (they count as not passed, so the reward stays
    /// passed/total). Tests run in parallel batches of [`Runner::parallelism`]; when a batch
    /// holds a failure, the results of the tests after it in that batch are dropped and they
    /// are reported `not_run` too, so the verdict does not depend on the number of cores.
    pub stop_at_first_failure: bool,
}

/// The per-test status of a test skipped under [`Options::stop_at_first_failure`].
pub const NOT_RUN: &str = "not_run";

/// Run `runs` in batches of the runner's parallelism until one fails; the result holds the
/// runs up to and including the first failure (a host failure counts as one), or all of them.
fn run_until_first_failure(
    runs: &[TestRun],
    runner: &dyn Runner,
) -> Vec<Result<Execution, String>> {
    let mut results = Vec::with_capacity(runs.len());
    for chunk in runs.chunks(runner.parallelism().max(1)) {
        let batch = runner.run_all(chunk);
        let first_bad = batch.iter().zip(chunk).position(|(r, run)| match r {
            Ok(e) => judge(run, &e.ended, &e.stdout).0 != TestStatus::Passed,
            Err(_) => true,
        });
        match first_bad {
            Some(k) => {
                results.extend(batch.into_iter().take(k + 1));
                break;
            }
            None => results.extend(batch),
        }
    }
    results
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
    let results = if opts.stop_at_first_failure {
        run_until_first_failure(&runs, runner)
    } else {
        runner.run_all(&runs)
    };
    let mut tests = Vec::with_capacity(runs.len());
    let mut passed = 0usize;
    let mut first_failure: Option<(usize, TestStatus)> = None;
    let mut not_run = 0usize;
    let mut missing = None;
    for (i, run) in runs.iter().enumerate() {
        let Some(result) = results.get(i) else {
            // Only under `stop_at_first_failure`, after a failed test (which is the first
            // failure, so `first_failure` is already set).
            tests.push(json!({"status": NOT_RUN}));
            not_run += 1;
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
        } else if first_failure.is_none() {
            first_failure = Some((i, status.clone()));
            missing = missing_module(&exec.stderr);
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
    let mut detail =
        json!({"format": suite.kind(), "passed": passed, "total": total, "tests": tests});
    if opts.stop_at_first_failure {
        detail["not_run"] = json!(not_run);
    }
    let (outcome, reason) = match first_failure {
        None => (Outcome::Correct, format!("all {total} tests passed")),
        Some((i, TestStatus::Timeout)) => (Outcome::Timeout, format!("timeout on test {}", i + 1)),
        Some((i, s)) => {
            let mut reason = format!("{} on test {}", s.as_str(), i + 1);
            if let Some(module) = missing {
                reason.push_str(&format!(
                    ": no module named '{module}' (the sandbox has the standard library only)"
                ));
            }
            (Outcome::Incorrect, reason)
        }
    };
    Verdict::new(reward, outcome, reason, Some(code)).with_detail(detail)
}

/// The module a program failed to import, from the last `ModuleNotFoundError` line of its
/// stderr: third-party packages (numpy, sortedcontainers, ...) are not in the sandbox, and the
/// verdict says so rather than leaving a bare runtime error.
fn missing_module(stderr: &str) -> Option<String> {
    let line = stderr.lines().rev().find_map(|l| {
        l.trim()
            .strip_prefix("ModuleNotFoundError: No module named ")
    })?;
    let name = line.trim().trim_matches(['\'', '"']);
    (!name.is_empty()).then(|| name.chars().take(100).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Echoes each run's stdin as its stdout, `parallel` runs per call, and counts the runs.
    struct Echo {
        parallel: usize,
        ran: AtomicUsize,
    }

    impl Runner for Echo {
        fn run_all(&self, runs: &[TestRun]) -> Vec<Result<Execution, String>> {
            self.ran.fetch_add(runs.len(), Ordering::SeqCst);
            runs.iter()
                .map(|r| {
                    Ok(Execution {
                        ended: Ended::Exited(0),
                        stdout: r.stdin.clone(),
                        stderr: String::new(),
                        stdout_truncated: false,
                        elapsed_ms: 1.0,
                    })
                })
                .collect()
        }

        fn parallelism(&self) -> usize {
            self.parallel
        }
    }

    /// Five echo tests; the second expects something else.
    fn suite() -> Value {
        json!({"tests": [
            {"stdin": "1", "stdout": "1"}, {"stdin": "2", "stdout": "two"},
            {"stdin": "3", "stdout": "3"}, {"stdin": "4", "stdout": "4"},
            {"stdin": "5", "stdout": "5"}]})
    }

    #[test]
    fn stop_at_first_failure_reports_the_rest_not_run_whatever_the_batch_size() {
        let stop = Options {
            stop_at_first_failure: true,
        };
        for parallel in [1, 2, 4, 8] {
            let runner = Echo {
                parallel,
                ran: AtomicUsize::new(0),
            };
            let v = verify("print(input())", &suite(), &runner, &stop);
            assert_eq!(v.reward, 0.2, "parallel {parallel}");
            let d = v.detail.as_ref().and_then(|d| d.as_json()).expect("detail");
            let statuses: Vec<&str> = d["tests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["status"].as_str().unwrap())
                .collect();
            assert_eq!(
                statuses,
                ["passed", "wrong_answer", NOT_RUN, NOT_RUN, NOT_RUN],
                "parallel {parallel}"
            );
            assert_eq!(d["not_run"], 3);
            // Only the batches up to the failing one were started.
            let batches = 2usize.div_ceil(parallel);
            assert_eq!(
                runner.ran.load(Ordering::SeqCst),
                (batches * parallel).min(5)
            );
        }
        let runner = Echo {
            parallel: 2,
            ran: AtomicUsize::new(0),
        };
        let v = verify("x", &suite(), &runner, &Options::default());
        assert_eq!(v.reward, 0.8);
        assert_eq!(runner.ran.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn a_missing_module_is_named_in_the_reason() {
        let err = "Traceback (most recent call last):\n  File \"main.py\", line 1\n\
                   ModuleNotFoundError: No module named 'numpy'\n";
        assert_eq!(missing_module(err).as_deref(), Some("numpy"));
        assert_eq!(missing_module("ValueError: x\n"), None);
    }
}
