//! The verdict: what every verifier returns, and what the API and grader serialize.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

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
    pub detail: Option<Detail>,
}

/// A verdict's detail: JSON built by the verifier, or the instruction-following verifier's
/// per-instruction results, kept typed until the verdict is serialized (as a tree of
/// serde_json maps they cost more than a cheap row's checks). Both serialize to JSON; one read
/// back is always `Json`.
#[derive(Debug, Clone)]
pub enum Detail {
    Json(Value),
    Instructions(InstructionDetail),
}

/// Per-instruction results of an instruction-following row, serialized as
/// `{"instructions": [{"id", "loose", "strict"}, ...], "loose_all", "loose_fraction",
/// "strict_all", "strict_fraction"}` (keys in order, as a serde_json map writes them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InstructionDetail {
    /// `(id, strict, loose)` per instruction, in the row's order.
    pub entries: Vec<(&'static str, bool, bool)>,
}

impl Detail {
    /// The JSON value, when the detail was built as one (every verifier but instruction
    /// following).
    pub fn as_json(&self) -> Option<&Value> {
        match self {
            Detail::Json(v) => Some(v),
            Detail::Instructions(_) => None,
        }
    }

    /// The detail as a JSON value, whichever form it is held in.
    pub fn to_value(&self) -> Value {
        match self {
            Detail::Json(v) => v.clone(),
            Detail::Instructions(_) => serde_json::to_value(self).unwrap_or(Value::Null),
        }
    }

    /// [`Detail::to_value`], consuming the detail.
    pub fn into_value(self) -> Value {
        match self {
            Detail::Json(v) => v,
            d => d.to_value(),
        }
    }
}

impl From<Value> for Detail {
    fn from(v: Value) -> Self {
        Detail::Json(v)
    }
}

impl From<InstructionDetail> for Detail {
    fn from(d: InstructionDetail) -> Self {
        Detail::Instructions(d)
    }
}

impl PartialEq for Detail {
    /// Equal when their JSON is.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Detail::Json(a), Detail::Json(b)) => a == b,
            (Detail::Instructions(a), Detail::Instructions(b)) => a == b,
            _ => self.to_value() == other.to_value(),
        }
    }
}

impl std::fmt::Display for Detail {
    /// The JSON text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Detail::Json(v) => v.fmt(f),
            d => f.write_str(&serde_json::to_string(d).map_err(|_| std::fmt::Error)?),
        }
    }
}

impl Serialize for Detail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Detail::Json(v) => v.serialize(s),
            Detail::Instructions(d) => d.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Detail {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(Detail::Json)
    }
}

impl Serialize for InstructionDetail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Entries<'a>(&'a [(&'static str, bool, bool)]);
        struct Entry(&'static str, bool, bool);
        impl Serialize for Entries<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.len()))?;
                for &(id, strict, loose) in self.0 {
                    seq.serialize_element(&Entry(id, strict, loose))?;
                }
                seq.end()
            }
        }
        impl Serialize for Entry {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("id", self.0)?;
                m.serialize_entry("loose", &self.2)?;
                m.serialize_entry("strict", &self.1)?;
                m.end()
            }
        }
        let n = self.entries.len();
        let strict = self.entries.iter().filter(|e| e.1).count();
        let loose = self.entries.iter().filter(|e| e.2).count();
        // A row has at least one instruction; an empty list is written as all-followed.
        let frac = |k: usize| if n == 0 { 1.0 } else { k as f64 / n as f64 };
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("instructions", &Entries(&self.entries))?;
        m.serialize_entry("loose_all", &(loose == n))?;
        m.serialize_entry("loose_fraction", &frac(loose))?;
        m.serialize_entry("strict_all", &(strict == n))?;
        m.serialize_entry("strict_fraction", &frac(strict))?;
        m.end()
    }
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
    pub fn with_detail(mut self, detail: impl Into<Detail>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instruction_detail_writes_the_json_a_map_per_instruction_would() {
        let typed = Detail::from(InstructionDetail {
            entries: vec![
                ("punctuation:no_comma", true, true),
                ("startend:quotation", false, true),
                ("punctuation:no_comma", false, false),
            ],
        });
        let built = json!({
            "instructions": [
                {"id": "punctuation:no_comma", "strict": true, "loose": true},
                {"id": "startend:quotation", "strict": false, "loose": true},
                {"id": "punctuation:no_comma", "strict": false, "loose": false},
            ],
            "strict_fraction": 1.0 / 3.0,
            "loose_fraction": 2.0 / 3.0,
            "strict_all": false,
            "loose_all": false,
        });
        // The same text, byte for byte (serde_json's maps write their keys in order), and
        // the same value; equal across the two forms, read back as JSON.
        assert_eq!(typed.to_string(), built.to_string());
        assert_eq!(typed.to_value(), built);
        assert_eq!(typed, Detail::Json(built.clone()));
        let v = Verdict::correct("ok", None).with_detail(InstructionDetail {
            entries: vec![("change_case:english_lowercase", true, true)],
        });
        let text = serde_json::to_string(&v).unwrap_or_default();
        assert!(text.contains(r#""detail":{"instructions":[{"id":"change_case:english_lowercase","loose":true,"strict":true}],"loose_all":true,"loose_fraction":1.0,"strict_all":true,"strict_fraction":1.0}"#), "{text}");
        let back: Verdict = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(back.detail, Some(Detail::Json(_))));
        assert_eq!(back, v);
    }
}
