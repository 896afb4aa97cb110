//! The verdict: what every verifier returns, and what the API and grader serialize.

use serde::{Deserialize, Serialize};

/// The kind of result. Serialized in snake_case, as the HTTP API and `rlvr grade` emit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The answer is right.
    Correct,
    /// An answer was found and it is wrong (including hedges and partial answers).
    Incorrect,
    /// No answer could be read from the response.
    NoAnswer,
    /// The verification (or the program under test) ran out of its time budget.
    Timeout,
    /// The item itself is malformed or the engine failed; `reason` says why.
    Error,
}

impl Outcome {
    /// The name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Correct => "correct",
            Outcome::Incorrect => "incorrect",
            Outcome::NoAnswer => "no_answer",
            Outcome::Timeout => "timeout",
            Outcome::Error => "error",
        }
    }
}

/// The result of verifying one response.
///
/// `reward` is in `[0, 1]`; it is 1 only for `Correct` unless a verifier documents opt-in
/// shaping (the code verifier's fraction of tests passed, a logic family's partial credit mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub reward: f64,
    pub verdict: Outcome,
    /// Short machine-readable cause, e.g. `numeric_mismatch`, `wrong_answer on test 3`.
    pub reason: String,
    /// What was read from the response, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extracted: Option<String>,
    /// Domain-specific detail (normalized forms, per-test results, the violated constraint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

impl Verdict {
    pub fn correct(reason: impl Into<String>, extracted: Option<String>) -> Self {
        Self::new(1.0, Outcome::Correct, reason, extracted)
    }

    pub fn incorrect(reason: impl Into<String>, extracted: Option<String>) -> Self {
        Self::new(0.0, Outcome::Incorrect, reason, extracted)
    }

    pub fn no_answer(reason: impl Into<String>) -> Self {
        Self::new(0.0, Outcome::NoAnswer, reason, None)
    }

    pub fn timeout(reason: impl Into<String>, extracted: Option<String>) -> Self {
        Self::new(0.0, Outcome::Timeout, reason, extracted)
    }

    pub fn error(reason: impl Into<String>) -> Self {
        Self::new(0.0, Outcome::Error, reason, None)
    }

    pub fn new(
        reward: f64,
        verdict: Outcome,
        reason: impl Into<String>,
        extracted: Option<String>,
    ) -> Self {
        Verdict {
            reward,
            verdict,
            reason: reason.into(),
            extracted,
            detail: None,
        }
    }

    /// Attach domain-specific detail.
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }
}
