//! Finding the final answer of a science response: the math verifier's policy, plus the unit
//! written after a box.
//!
//! First rule that fires: the last complete `\boxed{..}` / `\fbox{..}` (with the boxes
//! offered together with it at the end, `\boxed{A} or \boxed{B}`, so a hedge can be seen;
//! earlier boxes are working the model may correct; a last box left open is no answer; empty
//! boxes are ignored), then the last `<answer>..</answer>`, then the text after the last
//! answer phrase ("the answer is", "Answer:", "the correct option is", ...) to the end of its
//! sentence. Only in lenient mode, the last number of the response. Only the text after the
//! last `</think>` is searched; a `<think>` that never closes leaves boxes only. Every rule is
//! a linear scan without regular expressions.

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

/// Longest gap between two boxes that are offered together (`\boxed{3} or \boxed{4}`).
const TOGETHER_GAP: usize = 48;
/// Longest answer phrase segment read.
const MAX_SEGMENT: usize = 400;

/// Phrases after which the answer follows, matched case-insensitively (ASCII), last wins.
const ANCHORS: &[&str] = &[
    "final answer is",
    "final answer:",
    "final answer**:",
    "final answer:**",
    "final answer",
    "answer is",
    "answer:",
    "answer**:",
    "answer:**",
    "answer :",
    "answer would be",
    "answer should be",
    "answer will be",
    "correct option is",
    "correct choice is",
    "best option is",
    "best choice is",
    "option is",
    "choice is",
    "答案是",
    "答案为",
    "答案：",
    "####",
];

pub fn final_answer(response: &str, lenient: bool) -> Found {
    let response = crate::strip_trailing_special_tokens(response);
    let region = match response.rfind("</think>") {
        Some(k) => &response[k + "</think>".len()..],
        None => response,
    };
    match boxes(region) {
        Err(()) => return Found::Truncated,
        Ok(found) if !found.is_empty() => {
            let mut first = found.len() - 1;
            while first > 0 && together(&region[found[first - 1].2..found[first].0]) {
                first -= 1;
            }
            let last_end = found[found.len() - 1].2;
            let tail: String = region[last_end..].chars().take(60).collect();
            let mut answers: Vec<String> = Vec::new();
            for (_, text, _) in &found[first..] {
                if !answers.contains(text) {
                    answers.push(text.clone());
                }
            }
            return Found::Answer {
                answers,
                rule: "boxed",
                tail,
            };
        }
        Ok(_) => {}
    }
    if response.contains("<think>") && !response.contains("</think>") {
        return Found::Nothing;
    }
    if let Some(k) = region.rfind("<answer>") {
        let body = &region[k + "<answer>".len()..];
        return match body.find("</answer>") {
            Some(e) if !body[..e].trim().is_empty() => Found::Answer {
                answers: vec![body[..e].trim().to_string()],
                rule: "answer_tag",
                tail: String::new(),
            },
            Some(_) => Found::Nothing,
            None => Found::Truncated,
        };
    }
    if let Some(seg) = anchor(region) {
        return Found::Answer {
            answers: vec![seg],
            rule: "anchor",
            tail: String::new(),
        };
    }
    if lenient {
        if let Some(n) = last_number(region) {
            return Found::Answer {
                answers: vec![n.0],
                rule: "last_number",
                tail: n.1,
            };
        }
    }
    Found::Nothing
}

/// Whether two boxes separated by `gap` are offered together: a short gap on one line with
/// no sentence end.
fn together(gap: &str) -> bool {
    gap.len() <= TOGETHER_GAP
        && !gap.contains('\n')
        && !gap.contains(". ")
        && !gap.contains("。")
        && !gap.trim_end().ends_with('.')
}

/// Every complete, non-empty box as (start, content, end); `Err` when the last box is open.
#[allow(clippy::type_complexity)]
fn boxes(text: &str) -> Result<Vec<(usize, String, usize)>, ()> {
    let mut out = Vec::new();
    let mut from = 0;
    let mut finder = BoxFinder {
        boxed: None,
        fbox: None,
    };
    while let Some(k) = finder.next(text, from) {
        let (start, name_end) = k;
        let rest = &text[name_end..];
        let body_start = name_end + (rest.len() - rest.trim_start().len());
        let rest = &text[body_start..];
        if let Some(inner) = rest.strip_prefix('{') {
            match close(inner) {
                Some(e) => {
                    let content = inner[..e].trim();
                    let end = body_start + 1 + e + 1;
                    if !content.is_empty() {
                        out.push((start, unbox(content).to_string(), end));
                    }
                    from = end;
                }
                // No closing brace anywhere after it: the response was cut off (every later
                // box is inside this one), so stop here; this keeps the scan linear.
                None => return Err(()),
            }
        } else {
            // `\boxed 5`: one token.
            let n = rest
                .char_indices()
                .find(|(_, c)| c.is_whitespace() || *c == '$' || *c == '\\')
                .map_or(rest.len(), |(i, _)| i);
            if n > 0 {
                out.push((start, rest[..n].to_string(), body_start + n));
            }
            from = body_start + n.max(1).min(rest.len().max(1));
            if from > text.len() {
                break;
            }
        }
    }
    Ok(out)
}

/// `\boxed{\boxed{5}}` is 5.
fn unbox(mut s: &str) -> &str {
    for _ in 0..4 {
        let Some(inner) = s
            .strip_prefix("\\boxed{")
            .or_else(|| s.strip_prefix("\\fbox{"))
        else {
            break;
        };
        match close(inner) {
            Some(e) if e + 1 == inner.len() => s = inner[..e].trim(),
            _ => break,
        }
    }
    s
}

/// Finds `\boxed` and `\fbox` left to right; each kind's next position is cached, so a
/// response with many boxes is still scanned once per kind.
struct BoxFinder {
    boxed: Option<Option<usize>>,
    fbox: Option<Option<usize>>,
}

impl BoxFinder {
    /// The next box at or after `from`: (start, end of the command name).
    fn next(&mut self, text: &str, from: usize) -> Option<(usize, usize)> {
        let find = |cache: &mut Option<Option<usize>>, pat: &str| -> Option<usize> {
            if let Some(Some(k)) = cache {
                if *k >= from {
                    return Some(*k);
                }
            }
            if let Some(None) = cache {
                return None;
            }
            let k = text.get(from..)?.find(pat).map(|k| from + k);
            *cache = Some(k);
            k
        };
        let b = find(&mut self.boxed, "\\boxed");
        let f = find(&mut self.fbox, "\\fbox");
        match (b, f) {
            (Some(b), Some(f)) if f < b => Some((f, f + 5)),
            (Some(b), _) => Some((b, b + 6)),
            (None, Some(f)) => Some((f, f + 5)),
            (None, None) => None,
        }
    }
}

/// Index of the brace closing a group opened just before `s`.
pub fn close(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The text after the last answer phrase, to the end of its sentence.
fn anchor(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut best: Option<(usize, usize)> = None;
    for a in ANCHORS {
        if let Some(k) = lower.rfind(a) {
            let end = k + a.len();
            if best.is_none_or(|(bk, be)| k > bk || (k == bk && end > be)) {
                best = Some((k, end));
            }
        }
    }
    let (_, end) = best?;
    let seg = sentence(&text[end..]);
    let seg = strip_segment(seg);
    (!seg.is_empty()).then(|| seg.to_string())
}

/// From the start of `s` (after blank space) to the end of its sentence or line.
pub fn sentence(s: &str) -> &str {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', ':', '*']);
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && i < MAX_SEGMENT {
        match b[i] {
            b'\n' => break,
            b'.' | b'!' | b'?' | b';' => {
                // A sentence ends at a mark followed by a space or the end (`5.2` goes on).
                let next = b.get(i + 1).copied();
                if next.is_none_or(|c| c.is_ascii_whitespace() || c == b'*' || c == b'$') {
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut i = i.min(b.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

/// Markup around a phrase's answer: `**`, `$`, `\(`, a leading "is"/"be", a trailing period,
/// Minerva's "I hope it is correct".
fn strip_segment(s: &str) -> &str {
    let mut s = s.trim();
    for suffix in ["I hope it is correct", "i hope it is correct"] {
        if let Some(k) = s.find(suffix) {
            s = s[..k].trim();
        }
    }
    loop {
        let before = s.len();
        s = s.trim_matches(|c: char| c == '*' || c == '$' || c.is_whitespace());
        for p in ["is ", "be ", ":", "\\(", "\\["] {
            if let Some(r) = s.strip_prefix(p) {
                s = r;
            }
        }
        for p in ["\\)", "\\]", "."] {
            if let Some(r) = s.strip_suffix(p) {
                s = r;
            }
        }
        if s.len() == before {
            return s;
        }
    }
}

/// Lenient mode: the last number, and the text after it (for a unit).
fn last_number(text: &str) -> Option<(String, String)> {
    let b = text.as_bytes();
    let end = b.iter().rposition(u8::is_ascii_digit)? + 1;
    let mut start = end;
    while start > 0 && (b[start - 1].is_ascii_digit() || b[start - 1] == b'.') {
        start -= 1;
    }
    if start > 0 && b[start - 1] == b'-' {
        start -= 1;
    }
    let num = text[start..end].trim_start_matches('.').to_string();
    let tail: String = text[end..].chars().take(60).collect();
    Some((num, tail))
}
