//! The programs that run for each test. A stdio test runs the submission as it is; the other
//! formats append a harness that calls the function or runs the asserts and then prints a
//! completion sentinel. A test passes only when the sentinel is the program's last line, so
//! `sys.exit(0)`, `os._exit(0)` or an `atexit` hook before or during the tests is a failure,
//! not full marks.
//!
//! For call-based tests the harness prints the return value as JSON after the sentinel and the
//! host compares it with the expected value; the expected value never enters the program.

use super::suite::Suite;
use super::CompareMode;
use serde_json::Value;
use std::hash::{Hash, Hasher};

/// One program to run and how to judge it.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRun {
    pub program: String,
    pub stdin: String,
    pub check: Check,
}

/// How a run's output decides the test.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// Stdout must match `expected` under `mode`, and the program must exit 0.
    Stdout { expected: String, mode: CompareMode },
    /// The last line must be `sentinel` followed by the JSON return value, which must equal
    /// `expected` (see [`super::values_match`]; `exact`: without the APPS unwrapping).
    Return {
        sentinel: String,
        expected: Value,
        exact: bool,
    },
    /// The last line must be exactly `sentinel`.
    Completed { sentinel: String },
}

/// A Python string literal holding `s` (a JSON string literal is one).
fn py_str(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// A sentinel no program prints by accident: derived from the program and test index.
fn sentinel(code: &str, index: usize) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    code.hash(&mut h);
    index.hash(&mut h);
    "rlvr:tests-finished".hash(&mut h);
    format!("@@rlvr-done-{:016x}@@", h.finish())
}

/// Writes the sentinel line on the real stdout, after flushing whatever the program printed.
fn finish_line(sentinel: &str, value_expr: Option<&str>) -> String {
    let tail = match value_expr {
        Some(expr) => format!(" + _rlvr_json.dumps({expr}, default=repr)"),
        None => String::new(),
    };
    format!(
        "import sys as _rlvr_sys, json as _rlvr_json\n\
         try:\n    _rlvr_sys.stdout.flush()\nexcept BaseException:\n    pass\n\
         _rlvr_sys.__stdout__.write(\"\\n\" + {}{tail} + \"\\n\")\n\
         _rlvr_sys.__stdout__.flush()\n",
        py_str(sentinel)
    )
}

/// The runs for `code` against `suite`, one per test.
pub fn plan(code: &str, suite: &Suite) -> Vec<TestRun> {
    match suite {
        Suite::Stdio { tests, compare } => tests
            .iter()
            .map(|t| TestRun {
                program: code.to_string(),
                stdin: t.stdin.clone(),
                check: Check::Stdout {
                    expected: t.stdout.clone(),
                    mode: *compare,
                },
            })
            .collect(),
        Suite::Call {
            fn_name,
            cases,
            exact,
        } => cases
            .iter()
            .enumerate()
            .map(|(i, (args, expected))| {
                let s = sentinel(code, i);
                TestRun {
                    program: call_program(code, fn_name, args, &s),
                    stdin: String::new(),
                    check: Check::Return {
                        sentinel: s,
                        expected: expected.clone(),
                        exact: *exact,
                    },
                }
            })
            .collect(),
        Suite::HumanEval { test, entry_point } => {
            let s = sentinel(code, 0);
            let program = format!(
                "{code}\n\n{test}\n\ncheck({entry_point})\n{}",
                finish_line(&s, None)
            );
            vec![TestRun {
                program,
                stdin: String::new(),
                check: Check::Completed { sentinel: s },
            }]
        }
        Suite::Mbpp { setup, asserts } => asserts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let s = sentinel(code, i);
                TestRun {
                    program: format!("{code}\n\n{setup}\n{a}\n{}", finish_line(&s, None)),
                    stdin: String::new(),
                    check: Check::Completed { sentinel: s },
                }
            })
            .collect(),
    }
}

/// The submission runs in its own namespace (so its `if __name__ == "__main__":` block does
/// not run); the function is looked up there, or as a method of a `Solution` class
/// (LeetCode style). A list of arguments is spread; any other input is the one argument.
fn call_program(code: &str, fn_name: &str, args: &Value, sentinel: &str) -> String {
    format!(
        "import json as _rlvr_json\n\
         _rlvr_ns = {{\"__name__\": \"solution\"}}\n\
         exec(compile({code}, \"solution.py\", \"exec\"), _rlvr_ns)\n\
         _rlvr_f = _rlvr_ns.get({name})\n\
         if _rlvr_f is None and \"Solution\" in _rlvr_ns:\n    \
             _rlvr_f = getattr(_rlvr_ns[\"Solution\"](), {name})\n\
         if _rlvr_f is None:\n    \
             raise NameError(\"function \" + {name} + \" is not defined\")\n\
         _rlvr_args = _rlvr_json.loads({args})\n\
         _rlvr_out = _rlvr_f(*_rlvr_args) if isinstance(_rlvr_args, list) else _rlvr_f(_rlvr_args)\n\
         {}",
        finish_line(sentinel, Some("_rlvr_out")),
        code = py_str(code),
        name = py_str(fn_name),
        args = py_str(&args.to_string()),
    )
}
