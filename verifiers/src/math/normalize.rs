//! String-level normalization: the conservative canonical form, brace balance, and
//! multiple-choice letters.

pub(super) fn balanced(s: &str) -> bool {
    let mut level: i64 = 0;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' => level += 1,
            '}' => {
                level -= 1;
                if level < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    level == 0
}

pub(super) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Layout spellings and their canonical forms, replaced in this order.
const LAYOUT: [(&str, &str); 15] = [
    ("\\left", ""),
    ("\\right", ""),
    ("\\dfrac", "\\frac"),
    ("\\tfrac", "\\frac"),
    ("\\displaystyle", ""),
    ("\\ldots", "\\dots"),
    ("\\cdots", "\\dots"),
    ("\\dbinom", "\\binom"),
    ("\\qquad", " "),
    ("\\quad", " "),
    ("~", " "),
    ("\\!", ""),
    ("\\,", ""),
    ("\\;", ""),
    ("$", ""),
];

/// Bit `i` set when `LAYOUT[i].0` occurs in `t`: one scan, checking the patterns only where
/// one can start (`\`, `~`, `$`).
fn layout_present(t: &str) -> u32 {
    let b = t.as_bytes();
    let mut present = 0u32;
    for (k, &c) in b.iter().enumerate() {
        if c == b'\\' || c == b'~' || c == b'$' {
            let rest = &b[k..];
            for (i, (from, _)) in LAYOUT.iter().enumerate() {
                if rest.starts_with(from.as_bytes()) {
                    present |= 1 << i;
                }
            }
        }
    }
    present
}

/// A conservative canonical string: layout removed, meaning untouched. Equal canonical strings
/// are equal answers.
pub(super) fn canon(s: &str) -> String {
    let mut t = s.trim().to_string();
    let commands = t.contains('\\');
    // Which patterns occur, found in one pass (and again after each replacement that
    // happened, so the result is that of testing `contains` before every replacement).
    let mut present = layout_present(&t);
    for (i, (from, to)) in LAYOUT.iter().enumerate() {
        if present & (1 << i) != 0 && (commands || !from.starts_with('\\')) {
            t = t.replace(from, to);
            present = layout_present(&t);
        }
    }
    // Drop spaces except between two alphanumerics (`1 2` stays distinct from `12`).
    // One pass: a run of whitespace becomes one space only between two alphanumerics.
    let mut out = String::with_capacity(t.len());
    let mut pending_space = false;
    for c in t.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space
            && c.is_alphanumeric()
            && out.chars().next_back().is_some_and(char::is_alphanumeric)
        {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out.trim_end_matches('.').to_string()
}

/// Strips `\text{..}`-style wrappers and math delimiters for choice-letter matching.
pub(super) fn unwrap_letters(s: &str) -> String {
    let mut t = s.to_string();
    if t.contains('\\') {
        for w in [
            "\\textbf{",
            "\\text{",
            "\\mathrm{",
            "\\mathbf{",
            "\\mbox{",
            "\\textrm{",
        ] {
            if t.contains(w) {
                t = t.replace(w, "");
            }
        }
    }
    t.replace(['{', '}', '$'], "").trim().to_string()
}

/// A gold multiple-choice letter: `C`, `(C)`, `\text{(C)}`, `(c)`, and an AMC-style
/// `\textbf{(C) }\frac12` (letter, then the value of that choice, returned too).
pub(super) fn choice_strict(s: &str) -> Option<(char, Option<String>)> {
    // Without `(` only a lone letter is a choice, and unwrapping never removes a digit: a
    // number (most golds) is not a choice.
    if !s.contains('(') && s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = unwrap_letters(s);
    let t = t.trim_end_matches('.');
    let chars: Vec<char> = t.chars().collect();
    let letter = |c: char| c.is_ascii_alphabetic() && ('A'..='E').contains(&c.to_ascii_uppercase());
    match chars.as_slice() {
        [c] if ('A'..='E').contains(c) => Some((*c, None)),
        ['(', c, ')'] if letter(*c) => Some((c.to_ascii_uppercase(), None)),
        ['(', c, ')', rest @ ..] if letter(*c) && c.is_ascii_uppercase() => {
            let rest: String = rest.iter().collect();
            let rest = rest.trim();
            // `(A), (C)` or `(A) or (C)` names several choices: not one letter.
            if rest.starts_with(',') || rest.contains(" or ") || rest.contains(" and ") {
                return None;
            }
            // The value is read from the original text, where its braces are intact.
            let tag = format!("({c})");
            let after = &s[s.find(&tag)? + tag.len()..];
            let mut value = after.trim_start().trim_start_matches('}').trim();
            while !balanced(value) && value.ends_with('}') {
                value = value[..value.len() - 1].trim_end();
            }
            Some((
                *c,
                (!value.is_empty() && balanced(value)).then(|| value.to_string()),
            ))
        }
        _ => None,
    }
}

/// A response's letter when the gold is a letter: `C`, `(C)`, `(C) 12`, `C)`, `Option C`.
pub(super) fn choice_loose(s: &str) -> Option<char> {
    let t = unwrap_letters(s);
    let lower = t.to_ascii_lowercase();
    let t = ["option ", "choice ", "answer "]
        .iter()
        .find_map(|p| lower.starts_with(p).then(|| &t[p.len()..]))
        .unwrap_or(&t)
        .trim();
    let chars: Vec<char> = t.chars().collect();
    let letter = |c: char| c.is_ascii_alphabetic() && ('A'..='E').contains(&c.to_ascii_uppercase());
    let picked = match chars.as_slice() {
        [c] if letter(*c) => Some(c.to_ascii_uppercase()),
        [c, '.'] if letter(*c) => Some(c.to_ascii_uppercase()),
        ['(', c, ')', ..] if letter(*c) => Some(c.to_ascii_uppercase()),
        [c, ')' | ':', ..] if letter(*c) && c.is_ascii_uppercase() => Some(*c),
        _ => None,
    }?;
    // `(C) or (D)`, `(C), (D)`: naming a second choice is a hedge, not a letter.
    let rest: String = chars
        .iter()
        .skip(3)
        .collect::<String>()
        .to_ascii_lowercase();
    let rest = rest.as_bytes();
    let names_other = rest
        .windows(3)
        .any(|w| w[0] == b'(' && w[2] == b')' && (b'a'..=b'e').contains(&w[1]));
    let lower_rest = String::from_utf8_lossy(rest);
    let lists = [" or ", " and ", ","]
        .iter()
        .any(|sep| lower_rest.contains(sep));
    if names_other || (lists && chars.len() > 3) {
        return None;
    }
    Some(picked)
}

/// A looser key for golds compared as text only (notation the parser does not read): no
/// spaces at all, and a one-character script in braces unwrapped (`^{n}` is `^n`).
pub(super) fn text_key(canonical: &str) -> String {
    let t: String = canonical.chars().filter(|c| !c.is_whitespace()).collect();
    let b = t.as_bytes();
    let mut out = String::with_capacity(t.len());
    let mut k = 0;
    while k < b.len() {
        if (b[k] == b'^' || b[k] == b'_')
            && b.get(k + 1) == Some(&b'{')
            && b.get(k + 2).is_some_and(u8::is_ascii_alphanumeric)
            && b.get(k + 3) == Some(&b'}')
        {
            out.push(b[k] as char);
            out.push(b[k + 2] as char);
            k += 4;
            continue;
        }
        let c = t[k..].chars().next().unwrap_or(' ');
        out.push(c);
        k += c.len_utf8();
    }
    out
}
