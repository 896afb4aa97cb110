//! Finding the final answer in a model's response, in linear time.
//!
//! Rules, first that fires wins (its name goes into the verdict's detail):
//! 1. `boxed`: every complete `\boxed{..}` / `\boxed x` / `\fbox{..}` (brace-balanced, nested);
//!    a last box left open (a truncated response) means no answer;
//! 2. `answer_tag`: `<answer>..</answer>`;
//! 3. `anchor`: the text after the last "the final answer is", "answer is", "answer:",
//!    "correct option is", "答案是" or "####", to the end of its sentence (Minerva's
//!    "I hope it is correct." and trailing clauses such as ", which ..." are dropped);
//! 4. `bold`: the last markdown `**..**`;
//! 5. `trailing_math`: a `$..$`, `$$..$$`, `\[..\]` or `\(..\)` that ends the response;
//! 6. `last_number`: the last number in the response.
//!
//! When the response has a `</think>`, only the text after it is searched; when it opens a
//! `<think>` that never closes (cut off mid-thought), only boxes count. No rule uses a
//! backtracking regular expression; each scans the text a bounded number of times.

/// What extraction found.
#[derive(Debug, Clone, PartialEq)]
pub enum Extracted {
    /// One or more answers (several only for several boxes) and the rule that fired.
    Found(Vec<String>, &'static str),
    /// The response ends inside an unclosed box or answer tag.
    Truncated,
    /// Nothing that looks like an answer.
    Nothing,
}

/// Finds the answer in `response`.
pub fn extract(response: &str) -> Extracted {
    let region = match rfind_fast(response, "</think>") {
        Some(k) => &response[k + "</think>".len()..],
        None => response,
    };
    match boxes(region) {
        Some(Ok(mut found)) if !found.is_empty() => {
            // An empty box (`put the answer in \boxed{}`) is not an answer when others exist.
            if found.iter().any(|f| !f.is_empty()) {
                found.retain(|f| !f.is_empty());
            }
            return Extracted::Found(found, "boxed");
        }
        Some(Err(())) => return Extracted::Truncated,
        _ => {}
    }
    // Thinking that never ended (`<think>` without `</think>`, cut off by the token limit)
    // has no final answer beyond its boxes: no anchors, no last number.
    if find_from(response, "<think>", 0).is_some() && rfind_fast(response, "</think>").is_none() {
        return Extracted::Nothing;
    }
    if let Some(k) = rfind_fast(region, "<answer>") {
        let body = &region[k + "<answer>".len()..];
        return match body.find("</answer>") {
            Some(end) => {
                let inner = body[..end].trim();
                let inner = anchor(inner).unwrap_or_else(|| strip_math(inner).to_string());
                non_empty(inner, "answer_tag")
            }
            None => Extracted::Truncated,
        };
    }
    if let Some(a) = anchor(region) {
        return non_empty(a, "anchor");
    }
    if let Some(b) = bold(region) {
        return non_empty(b.to_string(), "bold");
    }
    if let Some(m) = trailing_math(region) {
        return non_empty(m.to_string(), "trailing_math");
    }
    match last_number(region) {
        Some(n) => Extracted::Found(vec![n], "last_number"),
        None => Extracted::Nothing,
    }
}

fn non_empty(s: String, rule: &'static str) -> Extracted {
    let t = s.trim();
    if t.is_empty() {
        Extracted::Nothing
    } else {
        Extracted::Found(vec![t.to_string()], rule)
    }
}

/// All complete boxes, in order; `Err` if the last one is not closed; `None` if there are none.
fn boxes(text: &str) -> Option<Result<Vec<String>, ()>> {
    let mut found = Vec::new();
    let mut pos = 0;
    let mut any = false;
    // Next occurrence of each command at or after `pos`, cached so the scan stays linear.
    let mut next_boxed = find_from(text, "\\boxed", 0);
    let mut next_fbox = find_from(text, "\\fbox", 0);
    while pos < text.len() {
        if next_boxed.is_some_and(|k| k < pos) {
            next_boxed = find_from(text, "\\boxed", pos);
        }
        if next_fbox.is_some_and(|k| k < pos) {
            next_fbox = find_from(text, "\\fbox", pos);
        }
        let k = match (next_boxed, next_fbox) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => break,
        } - pos;
        let rest = &text[pos..];
        if found.len() > 64 {
            found.remove(0);
        }
        let name_len = if rest[k..].starts_with("\\boxed") {
            6
        } else {
            5
        };
        let after = &rest[k + name_len..];
        any = true;
        let trimmed = after.trim_start_matches([' ', '\t']);
        if let Some(body) = trimmed.strip_prefix('{') {
            match close_brace(body) {
                Some(end) => {
                    let mut inner = body[..end].trim().to_string();
                    // `\boxed{\boxed{5}}`: the inner box is the answer. Peeled in a bounded
                    // loop, never by recursion (3,000 nested boxes must not grow the stack).
                    for _ in 0..8 {
                        let Some(b) = inner.strip_prefix("\\boxed{") else {
                            break;
                        };
                        match close_brace(b) {
                            Some(e) if e + 1 == b.len() => inner = b[..e].trim().to_string(),
                            _ => break,
                        }
                    }
                    found.push(inner);
                    pos = text.len() - body.len() + end + 1;
                }
                None => return Some(Err(())),
            }
        } else if after.starts_with(|c: char| c.is_ascii_alphabetic()) {
            // `\boxedfoo`: some other command; skip it.
            pos += k + name_len;
        } else {
            // `\boxed 5`: up to the next space or `$`.
            let end = trimmed
                .find(|c: char| c.is_whitespace() || c == '$')
                .unwrap_or(trimmed.len());
            let v = trimmed[..end].trim_end_matches(['.', ',']);
            if v.is_empty() {
                return Some(Err(()));
            }
            found.push(v.to_string());
            pos = text.len() - trimmed.len() + end;
        }
    }
    if any {
        Some(Ok(found))
    } else {
        None
    }
}

/// Index of the `}` closing a group whose `{` was just consumed.
fn close_brace(body: &str) -> Option<usize> {
    let mut level = 1usize;
    let bytes = body.as_bytes();
    let mut k = 0;
    while k < bytes.len() {
        match bytes[k] {
            b'\\' => k += 1, // `\{` and `\}` do not count
            b'{' => level += 1,
            b'}' => {
                level -= 1;
                if level == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
        k += 1;
    }
    None
}

const ANCHORS: &[&str] = &[
    "the final answer is",
    "final answer:",
    "answer is",
    "answer:",
    "correct option is",
    "correct choice is",
    "答案是",
    "####",
];

/// Text after the last anchor phrase, up to the end of its sentence.
fn anchor(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut best: Option<(usize, usize)> = None;
    for a in ANCHORS {
        if let Some(k) = lower.rfind(a) {
            let end = k + a.len();
            if best.is_none_or(|(_, e)| end > e) {
                best = Some((k, end));
            }
        }
    }
    let (_, end) = best?;
    let mut tail = text[end..].trim_start_matches([':', ' ', '\t', '\n', '*']);
    if let Some(k) = tail.to_ascii_lowercase().find("i hope it is correct") {
        tail = &tail[..k];
    }
    // Up to the end of the line, or of the first math span if the answer starts with one.
    let tail = tail.trim_start();
    let answer = if tail.starts_with('$') || tail.starts_with("\\[") || tail.starts_with("\\(") {
        math_span(tail).unwrap_or(tail)
    } else {
        let line_end = tail.find('\n').unwrap_or(tail.len());
        let line = &tail[..line_end];
        let mut end = line.find(". ").unwrap_or(line.len());
        // "12, which is choice (B)": a trailing clause is not part of the answer.
        let lower = line.to_ascii_lowercase();
        for clause in [
            ", which", ", so ", ", since", " because", " since ", ", as ", ", i.e.",
        ] {
            if let Some(k) = lower.find(clause) {
                end = end.min(k);
            }
        }
        &line[..end]
    };
    let answer = answer
        .trim()
        .trim_end_matches(['.', '*', ' '])
        .trim_start_matches(['*', ' ']);
    let answer = strip_math(answer);
    if answer.is_empty() {
        None
    } else {
        Some(answer.to_string())
    }
}

/// The content of the math span that starts `s` (`$..$`, `$$..$$`, `\[..\]`, `\(..\)`).
fn math_span(s: &str) -> Option<&str> {
    let (open, close) = if s.starts_with("$$") {
        ("$$", "$$")
    } else if s.starts_with('$') {
        ("$", "$")
    } else if s.starts_with("\\[") {
        ("\\[", "\\]")
    } else if s.starts_with("\\(") {
        ("\\(", "\\)")
    } else {
        return None;
    };
    let body = &s[open.len()..];
    body.find(close).map(|k| &body[..k])
}

/// Removes math delimiters around a whole answer.
fn strip_math(s: &str) -> &str {
    let t = s.trim();
    for (o, c) in [("$$", "$$"), ("$", "$"), ("\\[", "\\]"), ("\\(", "\\)")] {
        if t.len() >= o.len() + c.len() && t.starts_with(o) && t.ends_with(c) {
            return t[o.len()..t.len() - c.len()].trim();
        }
    }
    t
}

fn bold(text: &str) -> Option<&str> {
    let end = text.rfind("**")?;
    let start = text[..end].rfind("**")?;
    let inner = text[start + 2..end].trim();
    // A heading (`**Step 2:**`, `**Case 1**`) is not an answer.
    let lower = inner.to_ascii_lowercase();
    let heading = [
        "step",
        "case",
        "part",
        "solution",
        "note",
        "verification",
        "check",
    ]
    .iter()
    .any(|h| lower.starts_with(h))
        || inner.ends_with(':');
    if inner.is_empty() || inner.len() > 200 || heading {
        return None;
    }
    Some(strip_math(inner))
}

fn trailing_math(text: &str) -> Option<&str> {
    let t = text.trim_end().trim_end_matches('.').trim_end();
    for (o, c) in [("$$", "$$"), ("\\]", ""), ("\\)", ""), ("$", "$")] {
        let _ = c;
        if !t.ends_with(o) {
            continue;
        }
        let body = &t[..t.len() - o.len()];
        let open = match o {
            "\\]" => "\\[",
            "\\)" => "\\(",
            other => other,
        };
        let start = body.rfind(open)?;
        let inner = body[start + open.len()..].trim();
        return if inner.is_empty() { None } else { Some(inner) };
    }
    None
}

/// The last number: optional sign, digits with `,` groups, a decimal part, or `a/b`.
fn last_number(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let last = bytes.iter().rposition(u8::is_ascii_digit)?;
    let mut start = last;
    while start > 0 {
        let c = bytes[start - 1];
        let joins = c.is_ascii_digit()
            || ((c == b',' || c == b'.' || c == b'/')
                && start >= 2
                && bytes[start - 2].is_ascii_digit());
        if !joins {
            break;
        }
        start -= 1;
    }
    if start > 0 && bytes[start - 1] == b'-' {
        start -= 1;
    }
    // All bytes in the span are ASCII, so these are char boundaries.
    Some(text[start..=last].to_string())
}

/// First `pat` at or after byte `from`: a memchr scan for its first byte, then a prefix check
/// (much faster than a two-way search for these short ASCII patterns).
fn find_from(hay: &str, pat: &str, from: usize) -> Option<usize> {
    let first = pat.chars().next()?;
    let bytes = hay.as_bytes();
    let mut at = from;
    while at < hay.len() {
        let k = at + hay.get(at..)?.find(first)?;
        if bytes[k..].starts_with(pat.as_bytes()) {
            return Some(k);
        }
        at = k + first.len_utf8();
    }
    None
}

/// Last `pat` in `hay`, scanning backwards for its first byte.
fn rfind_fast(hay: &str, pat: &str) -> Option<usize> {
    let first = pat.chars().next()?;
    let bytes = hay.as_bytes();
    let mut end = hay.len();
    while let Some(k) = hay.get(..end)?.rfind(first) {
        if bytes[k..].starts_with(pat.as_bytes()) {
            return Some(k);
        }
        end = k;
    }
    None
}
