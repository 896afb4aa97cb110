//! The final answer of a science response: the math verifier's extraction policy
//! ([`math::extract_with`]), with what science answers add on top.
//!
//! The policy (last complete box with the boxes offered together with it, then the answer
//! tag, then the last answer phrase; the weak rules only in lenient mode; only the text after
//! the last `</think>`) is the math verifier's, not a copy: `docs/math.md` describes it. Added
//! here:
//! - answer phrases multiple-choice and science answers use ("the correct option is",
//!   "best choice is", "answer would be", a "Final Answer" heading);
//! - the text right after the last box or number (`\boxed{5}\text{ cm}`, `\boxed{5} m/s`),
//!   where a unit may stand;
//! - the same answer boxed twice in the final group is one answer.

use crate::math::{self, Extracted, Mode};

/// What was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// The final answer(s) (several only for boxes offered together), the rule that fired,
    /// and the text right after the last box (where `\boxed{5}\text{ cm}` keeps its unit).
    Answer {
        answers: Vec<String>,
        rule: &'static str,
        tail: String,
    },
    /// The response ends inside an unclosed box or answer tag.
    Truncated,
    /// No answer.
    Nothing,
}

/// Answer phrases added to the math ones (matched case-insensitively; the one ending last
/// wins).
const PHRASES: &[&str] = &[
    "final answer is",
    "final answer**:",
    "final answer:**",
    "final answer",
    "answer**:",
    "answer:**",
    "answer :",
    "answer would be",
    "answer should be",
    "answer will be",
    "best option is",
    "best choice is",
    "option is",
    "choice is",
];

/// Longest tail read after the answer (for its unit), in characters.
const TAIL_CHARS: usize = 60;

/// The response's final answer under the math policy plus the science phrases.
pub fn final_answer(response: &str, lenient: bool) -> Found {
    let response = crate::strip_trailing_special_tokens(response);
    let mode = if lenient {
        Mode::Lenient
    } else {
        Mode::Explicit
    };
    match math::extract_with(response, mode, PHRASES) {
        (Extracted::Found(all, rule, first), end) => {
            let mut answers: Vec<String> = Vec::new();
            for a in all.into_iter().skip(first) {
                if !answers.contains(&a) {
                    answers.push(a);
                }
            }
            let tail = match rule {
                "boxed" | "last_number" => response
                    .get(end..)
                    .unwrap_or("")
                    .chars()
                    .take(TAIL_CHARS)
                    .collect(),
                _ => String::new(),
            };
            if answers.is_empty() {
                return Found::Nothing;
            }
            Found::Answer {
                answers,
                rule,
                tail,
            }
        }
        (Extracted::Truncated, _) => Found::Truncated,
        (Extracted::Nothing, _) => Found::Nothing,
    }
}
