//! Multiple choice (GPQA, MMLU, MMLU-Pro, SciQ style): which letter a response chose.
//!
//! A response chooses through, first that fires: its final box (`\boxed{C}`,
//! `\boxed{\text{(C)}}`, `\boxed{C) 12 m}`), its `<answer>` tag, its last answer phrase
//! ("Answer: C", "the answer is (C)", "the correct option is C", "**Answer:** C"), the option's
//! full text as its final answer, then, when none of those is present, a response that is
//! only a letter (`C`, `(C)`, `**C.**`) or the one letter in parentheses on its last line.
//! A letter must stand alone (`A` in "Apple" or the article in "A photon is emitted" is not a
//! choice). Naming two or more different letters as the answer ("A or C", `\boxed{A, C}`,
//! `\boxed{A} or \boxed{C}`) is never rewarded.

use super::extract::{self, Found};

/// What a piece of text chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// One letter (`b'A'`..).
    One(u8),
    /// Several different letters offered as the answer.
    Several(Vec<u8>),
    /// A lone letter that is not one of the options (`E` with four options).
    OutOfRange(u8),
    /// No letter.
    None,
}

/// Words that may stand before the letter in an answer segment ("the correct option is C").
const LEAD_WORDS: &[&str] = &[
    "the",
    "correct",
    "final",
    "best",
    "right",
    "answer",
    "answers",
    "option",
    "options",
    "choice",
    "choices",
    "letter",
    "is",
    "would",
    "be",
    "should",
    "will",
    "it",
    "its",
    "my",
    "therefore",
    "so",
    "thus",
    "hence",
    "choose",
    "select",
    "pick",
    "i",
    "we",
    "that",
    "this",
    "one",
    "text",
    "mathrm",
    "textbf",
    "mathbf",
    "boxed",
    "bf",
    "textit",
    "think",
    "believe",
    "it's",
    "answer's",
    "letters",
    "correctly",
    "must",
];

/// Words that may follow a letter without making it an article or a word ("C is correct").
const AFTER_OK: &[&str] = &[
    "is", "or", "and", "because", "since", "as", "would", "should",
];

/// The letter(s) chosen in an answer segment; letters beyond `max` (`b'D'` for four options)
/// are not choices.
pub fn pick(seg: &str, max: u8) -> Pick {
    let seg = seg.trim();
    if seg.len() > 2000 {
        return Pick::None;
    }
    let b = seg.as_bytes();
    // A whole segment that is a run of distinct choice letters (`AC`, `\boxed{BD}`).
    let core: String = seg
        .chars()
        .filter(|c| !"{}()$*. \\[]".contains(*c))
        .collect();
    let core = core
        .trim_start_matches("text")
        .trim_start_matches("mathrm")
        .trim_start_matches("textbf");
    if (2..=10).contains(&core.len())
        && core.bytes().all(|c| (b'A'..=max).contains(&c))
        && !core
            .bytes()
            .enumerate()
            .any(|(i, c)| core.as_bytes()[..i].contains(&c))
    {
        return Pick::Several(core.bytes().collect());
    }
    let mut found: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphabetic() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'\'') {
                i += 1;
            }
            let word = &seg[start..i];
            let prev = if start > 0 { b[start - 1] } else { b' ' };
            if word.len() == 1 {
                let l = word.as_bytes()[0];
                let upper = l.to_ascii_uppercase();
                let in_range = (b'A'..=max).contains(&upper);
                let next_word = next_word(&seg[i..]);
                let bracketed = prev == b'(' && b.get(i) == Some(&b')');
                let stands = match next_word {
                    // "A photon", "I choose": an article or a pronoun, not a letter.
                    Some(w) if w.starts_with(|c: char| c.is_ascii_lowercase()) => {
                        AFTER_OK.contains(&w)
                    }
                    _ => true,
                };
                let case_ok = l.is_ascii_uppercase() || bracketed || seg.len() <= 3;
                if in_range && stands && case_ok && prev != b'\\' && prev != b'_' && prev != b'^' {
                    if !found.contains(&upper) {
                        found.push(upper);
                    }
                    continue;
                }
                if !found.is_empty() {
                    break;
                }
                let rest = seg[i..].trim_start();
                if !in_range
                    && (b'A'..=b'J').contains(&l)
                    && (rest.is_empty() || rest.starts_with([')', '.', ':', ',', '}', '$', '*']))
                {
                    // `E` with four options: a letter, but not one of the options.
                    return Pick::OutOfRange(l);
                }
                continue;
            }
            let lw = word.to_ascii_lowercase();
            if !found.is_empty() {
                if lw == "or" || lw == "and" {
                    continue;
                }
                break;
            }
            if !LEAD_WORDS.contains(&lw.as_str()) {
                return Pick::None;
            }
            continue;
        }
        if !found.is_empty() {
            match c {
                b',' | b'/' | b'&' | b' ' | b')' | b'(' | b'*' | b'$' | b'}' | b'{' | b'\\'
                | b'[' | b']' => {}
                // `C.` or `C:` ends the choice; `C. Because A ...` must not add `A`.
                _ => break,
            }
        } else if c.is_ascii_digit() {
            return Pick::None;
        }
        i += 1;
    }
    match found.len() {
        0 => Pick::None,
        1 => Pick::One(found[0]),
        _ => Pick::Several(found),
    }
}

/// The next word after a letter, if it follows a single space.
fn next_word(s: &str) -> Option<&str> {
    let s = s.strip_prefix(' ')?;
    let n = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    (n > 0).then(|| &s[..n])
}

/// Normalizes an option's or an answer's text for comparison: markup and case dropped,
/// spaces collapsed, a leading label (`(B)`, `B)`, `B.`) and a final period removed.
pub fn option_key(s: &str) -> String {
    let mut t = s.trim();
    for w in ["\\text{", "\\mathrm{", "\\textbf{"] {
        if let Some(r) = t.strip_prefix(w).and_then(|r| r.strip_suffix('}')) {
            t = r;
        }
    }
    let t = strip_label(t);
    let mut out = String::with_capacity(t.len());
    let mut space = false;
    for c in t.chars() {
        if c.is_whitespace() || c == '~' {
            space = !out.is_empty();
            continue;
        }
        if c == '$' || c == '*' {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out.trim_end_matches('.').trim().to_string()
}

/// Removes a leading option label: `(B) `, `B) `, `B. `, `B: `.
pub fn strip_label(s: &str) -> &str {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() >= 3 && b[0] == b'(' && b[1].is_ascii_uppercase() && b[2] == b')' {
        return s[3..].trim_start();
    }
    if b.len() >= 3
        && b[0].is_ascii_uppercase()
        && matches!(b[1], b')' | b'.' | b':')
        && b[2] == b' '
    {
        return s[2..].trim_start();
    }
    s
}

/// The choice a whole response makes, with the extraction rule and the extracted text.
pub struct Chosen {
    pub pick: Pick,
    /// The final answer's text when it is not a letter (to compare with the options' text).
    pub text: Option<String>,
    pub rule: &'static str,
    pub truncated: bool,
}

/// Reads the response's choice; letters beyond `max` are out of range.
pub fn choose(response: &str, max: u8, lenient: bool) -> Chosen {
    let mut chosen = Chosen {
        pick: Pick::None,
        text: None,
        rule: "none",
        truncated: false,
    };
    match extract::final_answer(response, lenient) {
        Found::Answer { answers, rule, .. } => {
            chosen.rule = rule;
            let mut letters: Vec<u8> = Vec::new();
            for a in &answers {
                match pick(a, max) {
                    Pick::One(l) => {
                        if !letters.contains(&l) {
                            letters.push(l);
                        }
                    }
                    p @ (Pick::Several(_) | Pick::OutOfRange(_)) => {
                        chosen.pick = p;
                        return chosen;
                    }
                    Pick::None => {
                        if answers.len() == 1 {
                            chosen.text = Some(a.clone());
                        }
                    }
                }
            }
            chosen.pick = match letters.len() {
                0 => Pick::None,
                1 if answers.len() == 1 || chosen.text.is_none() => Pick::One(letters[0]),
                _ => Pick::Several(letters),
            };
            if chosen.pick != Pick::None || chosen.text.is_some() {
                return chosen;
            }
        }
        Found::Truncated => {
            chosen.truncated = true;
            return chosen;
        }
        Found::Nothing => {}
    }
    // No explicit answer: a response that is only a letter, or the letter in parentheses
    // on the last line.
    let region = crate::strip_trailing_special_tokens(response);
    let region = match region.rfind("</think>") {
        Some(k) => &region[k + "</think>".len()..],
        None => region,
    };
    if region.contains("<think>") && !response.contains("</think>") {
        return chosen;
    }
    let t = region.trim();
    if t.len() <= 40 {
        let p = pick(t, max);
        if p != Pick::None {
            chosen.pick = p;
            chosen.rule = "letter_only";
            return chosen;
        }
    }
    let last = t.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    let lb = last.as_bytes();
    let mut letters: Vec<u8> = Vec::new();
    for w in lb.windows(3) {
        if w[0] == b'(' && w[2] == b')' && (b'A'..=max).contains(&w[1]) && !letters.contains(&w[1])
        {
            letters.push(w[1]);
        }
    }
    chosen.rule = "last_line_letter";
    chosen.pick = match letters.len() {
        0 => Pick::None,
        1 => Pick::One(letters[0]),
        _ => Pick::Several(letters),
    };
    chosen
}
