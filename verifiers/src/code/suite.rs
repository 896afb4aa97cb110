//! Test-suite formats, read from an item's `ground_truth` (an object, or the same object
//! encoded as a JSON string, as verl's prime_code and sandbox_fusion store it):
//!
//! - stdio: `{"tests": [{"stdin": "..", "stdout": ".."}]}` (`input`/`output` also accepted);
//! - APPS/TACO: `{"inputs": [..], "outputs": [..]}` (stdio), or with `"fn_name"` call-based:
//!   each input is the JSON list of arguments, each output the expected return value (or that
//!   value wrapped in a one-element list, as APPS stores it);
//! - verl's call-based rows (prime_code, sandbox_fusion): `"fn_name"` with every input a
//!   *string* holding one JSON value per line (one line per argument) and every output a
//!   string holding the JSON return value. Told apart from APPS by every input being a string
//!   of JSON lines; such outputs are compared exactly (no one-element-list unwrapping).
//! - HumanEval: `{"test": "def check(candidate): ..", "entry_point": "f"}`;
//! - MBPP: `{"test_list": ["assert f(1) == 2", ..]}` (with optional `test_setup_code`,
//!   `test_imports`).
//!
//! An optional `"compare": "tokens" | "exact" | "rstrip"` selects the stdout comparison.

use super::CompareMode;
use crate::Error;
use serde_json::Value;

/// A parsed test suite.
#[derive(Debug, Clone, PartialEq)]
pub enum Suite {
    /// Programs reading stdin and writing stdout.
    Stdio {
        tests: Vec<StdioTest>,
        compare: CompareMode,
    },
    /// A function called with JSON arguments; its return value is compared.
    Call {
        fn_name: String,
        /// (arguments, expected return value) per test; a list of arguments is spread.
        cases: Vec<(Value, Value)>,
        /// The expected value is the return value as it is: no APPS one-element-list
        /// unwrapping (verl's line-encoded rows).
        exact: bool,
    },
    /// HumanEval: `check(entry_point)` must run to the end.
    HumanEval { test: String, entry_point: String },
    /// MBPP: each assert is one test; all share the setup code.
    Mbpp { setup: String, asserts: Vec<String> },
}

/// One stdio test.
#[derive(Debug, Clone, PartialEq)]
pub struct StdioTest {
    pub stdin: String,
    pub stdout: String,
}

impl Suite {
    /// The suite's format name, as reported in verdict details.
    pub fn kind(&self) -> &'static str {
        match self {
            Suite::Stdio { .. } => "stdio",
            Suite::Call { .. } => "call",
            Suite::HumanEval { .. } => "humaneval",
            Suite::Mbpp { .. } => "mbpp",
        }
    }

    /// Number of tests (each one run).
    pub fn len(&self) -> usize {
        match self {
            Suite::Stdio { tests, .. } => tests.len(),
            Suite::Call { cases, .. } => cases.len(),
            Suite::HumanEval { .. } => 1,
            Suite::Mbpp { asserts, .. } => asserts.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn bad(msg: impl Into<String>) -> Error {
    Error::InvalidReference(msg.into())
}

/// A test's text: a string as is, a list of strings as lines, anything else as JSON.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn field<'a>(obj: &'a serde_json::Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| obj.get(*n))
}

/// Read a suite from `ground_truth`.
pub fn parse_suite(ground_truth: &Value) -> Result<Suite, Error> {
    let decoded;
    let gt = match ground_truth {
        Value::String(s) => {
            decoded = serde_json::from_str::<Value>(s)
                .map_err(|e| bad(format!("ground_truth is a string but not JSON: {e}")))?;
            &decoded
        }
        v => v,
    };
    let obj = gt
        .as_object()
        .ok_or_else(|| bad("ground_truth must be an object (or a JSON string of one)"))?;
    let compare = match obj.get("compare") {
        None | Some(Value::Null) => CompareMode::Tokens,
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|_| bad("compare must be one of tokens, exact, rstrip"))?,
    };
    if let Some(tests) = obj.get("tests") {
        let tests = tests
            .as_array()
            .ok_or_else(|| bad("tests must be a list"))?;
        let tests = tests
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let t = t
                    .as_object()
                    .ok_or_else(|| bad(format!("tests[{i}] is not an object")))?;
                let stdin = field(t, &["stdin", "input"])
                    .map(text_of)
                    .unwrap_or_default();
                let stdout = field(t, &["stdout", "output", "expected_output"])
                    .map(text_of)
                    .ok_or_else(|| bad(format!("tests[{i}] has no stdout")))?;
                Ok(StdioTest { stdin, stdout })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        return non_empty(Suite::Stdio { tests, compare });
    }
    if let (Some(inputs), Some(outputs)) = (obj.get("inputs"), obj.get("outputs")) {
        let inputs = inputs
            .as_array()
            .ok_or_else(|| bad("inputs must be a list"))?;
        let outputs = outputs
            .as_array()
            .ok_or_else(|| bad("outputs must be a list"))?;
        if inputs.len() != outputs.len() {
            return Err(bad(format!(
                "{} inputs but {} outputs",
                inputs.len(),
                outputs.len()
            )));
        }
        let fn_name = obj.get("fn_name").and_then(Value::as_str).map(str::trim);
        if let Some(name) = fn_name.filter(|n| !n.is_empty()) {
            if !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(bad(format!("fn_name '{name}' is not an identifier")));
            }
            if let Some(cases) = line_encoded(inputs, outputs) {
                return non_empty(Suite::Call {
                    fn_name: name.to_string(),
                    cases,
                    exact: true,
                });
            }
            let cases = inputs
                .iter()
                .cloned()
                .zip(outputs.iter().cloned())
                .collect();
            return non_empty(Suite::Call {
                fn_name: name.to_string(),
                cases,
                exact: false,
            });
        }
        let tests = inputs
            .iter()
            .zip(outputs)
            .map(|(i, o)| StdioTest {
                stdin: text_of(i),
                stdout: text_of(o),
            })
            .collect();
        return non_empty(Suite::Stdio { tests, compare });
    }
    if let (Some(test), Some(entry)) = (obj.get("test"), obj.get("entry_point")) {
        let test = test.as_str().ok_or_else(|| bad("test must be a string"))?;
        let entry = entry
            .as_str()
            .ok_or_else(|| bad("entry_point must be a string"))?
            .trim();
        if entry.is_empty() || !entry.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(bad(format!("entry_point '{entry}' is not an identifier")));
        }
        return Ok(Suite::HumanEval {
            test: test.to_string(),
            entry_point: entry.to_string(),
        });
    }
    if let Some(list) = obj.get("test_list") {
        let asserts = list
            .as_array()
            .ok_or_else(|| bad("test_list must be a list"))?
            .iter()
            .map(|a| {
                a.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad("test_list holds a non-string"))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let mut setup = String::new();
        if let Some(imports) = obj.get("test_imports").and_then(Value::as_array) {
            for i in imports.iter().filter_map(Value::as_str) {
                setup.push_str(i);
                setup.push('\n');
            }
        }
        if let Some(s) = obj.get("test_setup_code").and_then(Value::as_str) {
            setup.push_str(s);
            setup.push('\n');
        }
        return non_empty(Suite::Mbpp { setup, asserts });
    }
    Err(bad(
        "unknown test format: expected tests, inputs/outputs, test/entry_point or test_list",
    ))
}

/// verl's call-based cases, when every input is a string whose every non-blank line is one
/// JSON value (one line per argument); `None` for anything else (an APPS row, whose string
/// input is the one argument).
fn line_encoded(inputs: &[Value], outputs: &[Value]) -> Option<Vec<(Value, Value)>> {
    if inputs.is_empty() {
        return None;
    }
    inputs
        .iter()
        .zip(outputs)
        .map(|(input, output)| {
            let args = input
                .as_str()?
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|line| serde_json::from_str(line).ok())
                .collect::<Option<Vec<Value>>>()?;
            Some((Value::Array(args), json_text(output)))
        })
        .collect()
}

/// verl's call-based output: the JSON text of the return value; text that is not JSON is the
/// string itself.
fn json_text(output: &Value) -> Value {
    match output {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| output.clone()),
        other => other.clone(),
    }
}

fn non_empty(s: Suite) -> Result<Suite, Error> {
    if s.is_empty() {
        Err(bad("the test suite is empty"))
    } else {
        Ok(s)
    }
}
