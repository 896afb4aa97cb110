//! Code test formats and output comparison; the sandbox runs the programs.
//!
//! The flow: [`extract_code`] finds the program in a response, [`parse_suite`] reads the test
//! suite from `ground_truth`, [`plan`] turns both into one program run per test, the caller
//! runs them (in the sandbox; this crate does no I/O), and [`judge`] decides each test from
//! what its run produced. Reward is the fraction of tests passed. [`verify`] does all of it,
//! asking a [`Runner`] (the application's adapter over the sandbox) to run the programs.

mod compare;
mod extract;
mod harness;
mod suite;
mod verify;

pub use compare::{compare, floats_close, CompareMode, FLOAT_TOLERANCE};
pub use extract::extract_code;
pub use harness::{plan, Check, TestRun};
pub use suite::{parse_suite, StdioTest, Suite};
pub use verify::{verify, Execution, Options, Runner, NOT_RUN};

use serde_json::Value;

/// How a run ended, as the sandbox reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Exited(i32),
    Timeout,
    MemoryLimit,
    OutputLimit,
    Trap(String),
}

/// The result of one test.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    Passed,
    /// Ran to the end with the wrong output.
    WrongAnswer,
    /// Non-zero exit, an uncaught exception, or a trap.
    RuntimeError,
    /// Exited (with status 0 or not) before the harness finished the tests.
    Incomplete,
    Timeout,
    MemoryLimit,
    OutputLimit,
}

impl TestStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            TestStatus::Passed => "passed",
            TestStatus::WrongAnswer => "wrong_answer",
            TestStatus::RuntimeError => "runtime_error",
            TestStatus::Incomplete => "incomplete",
            TestStatus::Timeout => "timeout",
            TestStatus::MemoryLimit => "memory_limit",
            TestStatus::OutputLimit => "output_limit",
        }
    }
}

/// Decide one test from its run: the status and, when it failed, a short reason.
pub fn judge(run: &TestRun, ended: &Ended, stdout: &str) -> (TestStatus, Option<String>) {
    match ended {
        Ended::Timeout => return (TestStatus::Timeout, None),
        Ended::MemoryLimit => return (TestStatus::MemoryLimit, None),
        Ended::OutputLimit => return (TestStatus::OutputLimit, None),
        Ended::Trap(m) => return (TestStatus::RuntimeError, Some(format!("trap: {m}"))),
        Ended::Exited(_) => {}
    }
    let status = match ended {
        Ended::Exited(s) => *s,
        _ => 1,
    };
    match &run.check {
        Check::Stdout { expected, mode } => {
            if status != 0 {
                return (
                    TestStatus::RuntimeError,
                    Some(format!("exit status {status}")),
                );
            }
            match compare(stdout, expected, *mode) {
                None => (TestStatus::Passed, None),
                Some(why) => (TestStatus::WrongAnswer, Some(why)),
            }
        }
        Check::Completed { sentinel } => match last_line(stdout) {
            Some(l) if l == sentinel && status == 0 => (TestStatus::Passed, None),
            _ => not_finished(status),
        },
        Check::Return {
            sentinel,
            expected,
            exact,
        } => {
            let Some(value) = last_line(stdout).and_then(|l| l.strip_prefix(sentinel.as_str()))
            else {
                return not_finished(status);
            };
            if status != 0 {
                return (
                    TestStatus::RuntimeError,
                    Some(format!("exit status {status}")),
                );
            }
            match serde_json::from_str::<Value>(value) {
                Ok(got) if values_match(&got, expected, *exact) => (TestStatus::Passed, None),
                Ok(got) => (
                    TestStatus::WrongAnswer,
                    Some(format!("expected {}, got {}", clip(expected), clip(&got))),
                ),
                Err(_) => (
                    TestStatus::WrongAnswer,
                    Some("return value is not JSON".into()),
                ),
            }
        }
    }
}

fn not_finished(status: i32) -> (TestStatus, Option<String>) {
    if status == 0 {
        (
            TestStatus::Incomplete,
            Some("exited before the tests finished".into()),
        )
    } else {
        (
            TestStatus::RuntimeError,
            Some(format!("exit status {status}")),
        )
    }
}

fn last_line(stdout: &str) -> Option<&str> {
    stdout.trim_end_matches(['\n', '\r']).rsplit('\n').next()
}

fn clip(v: &Value) -> String {
    let s = v.to_string();
    if s.len() <= 60 {
        return s;
    }
    let mut end = 60;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Return-value equality for call-based tests: JSON equality with numbers compared with
/// [`floats_close`] when either side is a float, tuples already lists; and, as APPS's own
/// checker does, a non-empty expected list also matches its first element (datasets store
/// `[answer]` for a function returning `answer`) unless `exact` (verl's rows store the value
/// itself, and there `[1, 2]` must not accept `1`).
pub fn values_match(got: &Value, want: &Value, exact: bool) -> bool {
    if json_eq(got, want) {
        return true;
    }
    match want {
        Value::Array(w) if !exact && !w.is_empty() => json_eq(got, &w[0]),
        _ => false,
    }
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_f64(), y.as_f64()) {
                (Some(f), Some(g)) => floats_close(f, g),
                _ => x == y,
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}
