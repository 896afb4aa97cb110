//! Where a logic answer sits in a response: the last `<answer>..</answer>`, else the last
//! `\boxed{..}`, else the bare text. Linear time; no regexes.

/// Which rule found the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `<answer>..</answer>`, the format Reasoning Gym prompts ask for.
    AnswerTag,
    /// `\boxed{..}`.
    Boxed,
    /// No markup: the whole response (trimmed).
    Bare,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::AnswerTag => "answer_tag",
            Rule::Boxed => "boxed",
            Rule::Bare => "bare",
        }
    }
}

/// An extracted answer: a slice of the response and the rule that found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer<'a> {
    pub text: &'a str,
    pub rule: Rule,
}

/// Find the answer in `response`; `None` when there is nothing (empty or whitespace only).
pub fn extract(response: &str) -> Option<Answer<'_>> {
    if let Some(t) = last_answer_tag(response) {
        return Some(Answer {
            text: t.trim(),
            rule: Rule::AnswerTag,
        });
    }
    if let Some(t) = last_boxed(response) {
        return Some(Answer {
            text: t.trim(),
            rule: Rule::Boxed,
        });
    }
    // Text after a closing think tag, if any, else everything.
    let body = match response.rfind("</think>") {
        Some(i) => &response[i + "</think>".len()..],
        None => response,
    };
    let t = body.trim();
    (!t.is_empty()).then_some(Answer {
        text: t,
        rule: Rule::Bare,
    })
}

/// Contents of the last complete `<answer>..</answer>` (case-insensitive tags).
fn last_answer_tag(s: &str) -> Option<&str> {
    let lower = s.to_ascii_lowercase();
    let close = lower.rfind("</answer>")?;
    let open = lower[..close].rfind("<answer>")?;
    Some(&s[open + "<answer>".len()..close])
}

/// Contents of the last brace-balanced `\boxed{..}`; a truncated box is ignored.
fn last_boxed(s: &str) -> Option<&str> {
    let start = s.rfind("\\boxed{")? + "\\boxed{".len();
    let mut depth = 1usize;
    for (i, c) in s[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&s[start..start + i]);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_tag_wins_over_decoy() {
        let r = "<answer>decoy</answer> thinking... <answer> 42 </answer>";
        assert_eq!(
            extract(r),
            Some(Answer {
                text: "42",
                rule: Rule::AnswerTag
            })
        );
    }

    #[test]
    fn boxed_then_bare() {
        assert_eq!(extract("so \\boxed{a{b}c}").unwrap().text, "a{b}c");
        assert_eq!(extract("so \\boxed{abc").unwrap().rule, Rule::Bare);
        assert_eq!(extract("  \n "), None);
        assert_eq!(extract("<think>x</think> yes").unwrap().text, "yes");
    }
}
