//! Finding the final answer in a model's response, in linear time.
//!
//! Rules, first that fires wins (its name goes into the verdict's detail):
//! 1. `boxed`: every complete, non-empty `\boxed{..}` / `\boxed x` / `\fbox{..}`
//!    (brace-balanced, nested); a last box left open (a truncated response) means no answer.
//!    The boxes that end the response *together* (nothing between them but a short gap on
//!    one line without a sentence end, as in `\boxed{3} or \boxed{4}` or `x=\boxed{1},
//!    y=\boxed{2}`) are the final answer; earlier boxes are working a model may correct
//!    ("wait, I forgot the carry"). Empty boxes (`\boxed{}` copied from the prompt) are no
//!    answer and hide nothing: with only empty boxes the rules below still apply;
//! 2. `answer_tag`: `<answer>..</answer>`;
//! 3. `anchor`: the text after the last "the final answer is", "answer is", "answer:",
//!    "correct option is", "答案是" or "####", to the end of its sentence (Minerva's
//!    "I hope it is correct." and trailing clauses such as ", which ..." are dropped).
//!
//! Only in lenient mode ([`Mode::Lenient`], for evaluating base models that do not follow an
//! answer format), when none of the above fires:
//! 4. `bold`: the last markdown `**..**`;
//! 5. `trailing_math`: a `$..$`, `$$..$$`, `\[..\]` or `\(..\)` that ends the response;
//! 6. `last_number`: the last number in the response.
//!
//! By default these weak rules are off: in RL a policy rewarded for its last number learns to
//! end with numbers copied from the prompt, so a response with no explicit answer is
//! `no_answer`.
//!
//! When the response has a `</think>`, only the text after it is searched; when it opens a
//! `<think>` that never closes (cut off mid-thought), only boxes count. No rule uses a
//! backtracking regular expression; each scans the text a bounded number of times.

/// Which rules extraction may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Explicit answers only: boxes, answer tags, answer phrases (the default).
    #[default]
    Explicit,
    /// Also the weak rules: the last bold text, trailing math, the last number.
    Lenient,
}

/// What extraction found.
#[derive(Debug, Clone, PartialEq)]
pub enum Extracted {
    /// One or more answers (several only for several boxes), the rule that fired, and the
    /// index of the first answer of the final group (the boxes that end the response
    /// together; 0 when there is one answer).
    Found(Vec<String>, &'static str, usize),
    /// The response ends inside an unclosed box or answer tag.
    Truncated,
    /// Nothing that looks like an answer.
    Nothing,
}

/// Finds the answer in `response` under the math policy.
pub fn extract(response: &str, mode: Mode) -> Extracted {
    extract_with(response, mode, &[]).0
}

/// [`extract`] with answer phrases added to the math ones (lowercase ASCII or CJK; the
/// `stem` domain adds "the correct option is", "best choice is", a "Final Answer" heading),
/// and the byte offset in `response` where the answer ends: after the last box of the final
/// group, after the last number for `last_number`, the response's length otherwise. What
/// follows a box (`\boxed{5}\text{ cm}`) is where a caller reading units looks.
pub fn extract_with(response: &str, mode: Mode, phrases: &[&str]) -> (Extracted, usize) {
    let all = response.len();
    // `contains` is a vectorized scan; most responses have no `</think>` at all.
    let think_end = if response.contains("</think>") {
        rfind_fast(response, "</think>")
    } else {
        None
    };
    let base = match think_end {
        Some(k) => k + "</think>".len(),
        None => 0,
    };
    let region = &response[base..];
    match boxes(region) {
        Some(Ok(found)) => {
            // An empty box (`put the answer in \boxed{}`) is no answer.
            let found: Vec<Boxed> = found.into_iter().filter(|b| !b.text.is_empty()).collect();
            if let Some(last) = found.last() {
                let end = base + last.end;
                let mut first = found.len() - 1;
                let mut start = last.start;
                while first > 0 && together(&region[found[first - 1].end..start]) {
                    first -= 1;
                    start = found[first].start;
                }
                let answers = found.into_iter().map(|b| box_answer(b.text)).collect();
                return (Extracted::Found(answers, "boxed", first), end);
            }
        }
        Some(Err(())) => return (Extracted::Truncated, all),
        None => {}
    }
    // Thinking that never ended (`<think>` without `</think>`, cut off by the token limit)
    // has no final answer beyond its boxes: no anchors, no last number.
    if think_end.is_none() && find_from(response, "<think>", 0).is_some() {
        return (Extracted::Nothing, all);
    }
    if let Some(k) = rfind_fast(region, "<answer>") {
        let body = &region[k + "<answer>".len()..];
        let found = match body.find("</answer>") {
            Some(end) => {
                let inner = body[..end].trim();
                let inner = anchor(inner, phrases).unwrap_or_else(|| strip_math(inner).to_string());
                non_empty(inner, "answer_tag")
            }
            None => Extracted::Truncated,
        };
        return (found, all);
    }
    if let Some(a) = anchor(region, phrases) {
        return (non_empty(a, "anchor"), all);
    }
    if mode == Mode::Explicit {
        return (Extracted::Nothing, all);
    }
    if let Some(b) = bold(region) {
        return (non_empty(b.to_string(), "bold"), all);
    }
    if let Some(m) = trailing_math(region) {
        return (non_empty(m.to_string(), "trailing_math"), all);
    }
    match last_number(region) {
        Some((n, end)) => (Extracted::Found(vec![n], "last_number", 0), base + end),
        None => (Extracted::Nothing, all),
    }
}

/// A box's answer: its contents with full-width forms folded (`（1，2）` is `(1,2)`), and
/// an answer phrase inside it read as one (`\boxed{\text{The answer is } 7}` is `7`).
fn box_answer(inner: String) -> String {
    let folded = fold_fullwidth(inner);
    if folded.contains("\\text") {
        let plain = unwrap_text(&folded);
        if let Some(a) = anchor(&plain, &[]) {
            return a;
        }
    }
    folded
}

/// Full-width ASCII forms (U+FF01..U+FF5E), the ideographic space and the CJK full stop and
/// comma as their ASCII counterparts: Chinese and Japanese answers write `，`, `：`, `（`.
/// Text with nothing to fold (every ASCII answer) comes back as it is, without a copy.
pub(super) fn fold_fullwidth(s: String) -> String {
    if s.is_ascii() {
        return s;
    }
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '。' => '.',
            '、' => ',',
            _ => c,
        })
        .collect()
}

/// `s` with each `\text{..}`, `\textbf{..}`, `\mathrm{..}` or `\mbox{..}` replaced by its
/// contents.
fn unwrap_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(k) = rest.find('\\') {
        out.push_str(&rest[..k]);
        let after = &rest[k..];
        let cmd = ["\\textbf{", "\\text{", "\\mathrm{", "\\mbox{"]
            .into_iter()
            .find(|c| after.starts_with(c));
        match cmd.and_then(|c| close_brace(&after[c.len()..]).map(|e| (c, e))) {
            Some((c, e)) => {
                out.push_str(&after[c.len()..c.len() + e]);
                rest = &after[c.len() + e + 1..];
            }
            None => {
                out.push('\\');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn non_empty(s: String, rule: &'static str) -> Extracted {
    let t = s.trim();
    if t.is_empty() {
        Extracted::Nothing
    } else {
        Extracted::Found(vec![t.to_string()], rule, 0)
    }
}

/// The longest gap between two boxes offered together as one final answer.
const TOGETHER_GAP: usize = 48;

/// Whether the text between two boxes joins them into one final answer (`\boxed{3} or
/// \boxed{4}`, `$x = \boxed{1}$, $y = \boxed{2}$`) rather than separating working from a
/// later answer (`\boxed{3}. Wait, ...`): short, on one line, no sentence end.
fn together(gap: &str) -> bool {
    if gap.len() > TOGETHER_GAP || gap.contains('\n') {
        return false;
    }
    let b = gap.as_bytes();
    let sentence_end = b
        .windows(2)
        .any(|w| matches!(w[0], b'.' | b'!' | b'?') && w[1] == b' ')
        || gap.contains('。')
        || gap.contains('！')
        || gap.contains('？');
    !sentence_end
}

/// One complete box: its contents and where it stands in the text (from the command to the
/// byte after its end).
struct Boxed {
    text: String,
    start: usize,
    end: usize,
}

/// All complete boxes, in order (at most the last 65); `Err` if the last one is not closed;
/// `None` if there are none.
fn boxes(text: &str) -> Option<Result<Vec<Boxed>, ()>> {
    let mut found = Vec::new();
    let mut pos = 0;
    let mut any = false;
    // One left-to-right scan of the backslashes for either command; `pos` only moves forward,
    // so the whole scan is linear.
    while pos < text.len() {
        let Some((at, name_len)) = next_box(text, pos) else {
            break;
        };
        let k = at - pos;
        let rest = &text[pos..];
        if found.len() > 64 {
            found.remove(0);
        }
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
                    let box_end = text.len() - body.len() + end + 1;
                    found.push(Boxed {
                        text: inner,
                        start: pos + k,
                        end: box_end,
                    });
                    pos = box_end;
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
            let box_end = text.len() - trimmed.len() + end;
            found.push(Boxed {
                text: v.to_string(),
                start: pos + k,
                end: box_end,
            });
            pos = box_end;
        }
    }
    if any {
        Some(Ok(found))
    } else {
        None
    }
}

/// The next `\\boxed` or `\\fbox` at or after byte `from`: its position and the length of
/// the command's name.
fn next_box(text: &str, from: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut at = from;
    while at < bytes.len() {
        let k = at + text.get(at..)?.find('\\')?;
        let rest = &bytes[k..];
        if rest.starts_with(b"\\boxed") {
            return Some((k, 6));
        }
        if rest.starts_with(b"\\fbox") {
            return Some((k, 5));
        }
        at = k + 1;
    }
    None
}

/// Index of the `}` closing a group whose `{` was just consumed.
pub(crate) fn close_brace(body: &str) -> Option<usize> {
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
    "答案为",
    "答案:",
    "答案：",
    "####",
];

/// Text after the last anchor phrase (the math ones and `extra`), up to the end of its
/// sentence.
fn anchor(text: &str, extra: &[&str]) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut best: Option<(usize, usize)> = None;
    for a in ANCHORS.iter().chain(extra) {
        if let Some(k) = lower.rfind(a) {
            let end = k + a.len();
            if best.is_none_or(|(_, e)| end > e) {
                best = Some((k, end));
            }
        }
    }
    let (_, end) = best?;
    // The answer's first line (or math span), full-width forms folded (`答案是：42。`).
    let rest = text[end..].trim_start_matches([':', '：', ' ', '\u{3000}', '\t', '\n', '*']);
    let line = if rest.starts_with('$') || rest.starts_with("\\[") || rest.starts_with("\\(") {
        // The span with its delimiters (each closing one as long as its opening one).
        math_span(rest).map_or(rest, |m| {
            let open = m.as_ptr() as usize - rest.as_ptr() as usize;
            &rest[..(2 * open + m.len()).min(rest.len())]
        })
    } else {
        &rest[..rest.find('\n').unwrap_or(rest.len())]
    };
    let rest = fold_fullwidth(line.to_string());
    let mut tail = rest.trim_start_matches([':', ' ', '\t', '\n', '*']);
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

/// The last number (optional sign, digits with `,` groups, a decimal part, or `a/b`) and
/// the byte offset where it ends.
fn last_number(text: &str) -> Option<(String, usize)> {
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
    Some((text[start..=last].to_string(), last + 1))
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
