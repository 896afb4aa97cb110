//! Surface forms shared by the sequence answers (moves, words, directions, mappings): the same
//! answer may come as a JSON list, a Python list, one item per line with numbering, or items
//! joined by commas, semicolons or arrows, inside a code fence or not. These helpers reduce all
//! of those to a list of items or a stream of alphanumeric tokens. Nothing here evaluates
//! anything; every function is linear in its input.

/// Most items (moves, words, ...) any answer may hold; longer answers are rejected unread.
pub const MAX_ITEMS: usize = 10_000;

pub use super::lit::unfence;

/// Remove a list marker at the start of an item: `1.`, `2)`, `3:`, `Step 4:`, `-`, `*`, `•`.
pub fn strip_marker(item: &str) -> &str {
    let mut t = item.trim();
    for m in ["- ", "* ", "• ", "+ "] {
        if let Some(r) = t.strip_prefix(m) {
            t = r.trim_start();
        }
    }
    let body = match t.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("step ") => t[5..].trim_start(),
        _ => t,
    };
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits < 6 {
        let rest = &body[digits..];
        for m in [".", ")", ":"] {
            if let Some(r) = rest.strip_prefix(m) {
                // `1.5` is a number, not a marker.
                if m == "." && r.starts_with(|c: char| c.is_ascii_digit()) {
                    continue;
                }
                return r.trim_start();
            }
        }
    }
    t
}

/// Split an answer into items: an outer `[...]` is removed, then the text is split on newlines
/// and on every char in `seps`; each item loses quotes, brackets and list markers, and empty
/// items are dropped. `None` when there are more than [`MAX_ITEMS`] items.
pub fn items<'a>(answer: &'a str, seps: &[char]) -> Option<Vec<&'a str>> {
    let t = unfence(answer);
    let t = t
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(t);
    let mut out = Vec::new();
    for raw in t.split(|c: char| c == '\n' || seps.contains(&c)) {
        let item = clean_item(raw);
        if item.is_empty() {
            continue;
        }
        if out.len() == MAX_ITEMS {
            return None;
        }
        out.push(item);
    }
    Some(out)
}

/// Trim whitespace, list markers, quotes and stray brackets from one item.
pub fn clean_item(raw: &str) -> &str {
    const JUNK: &[char] = &[
        '"', '\'', '`', '[', ']', '(', ')', '{', '}', '“', '”', '‘', '’',
    ];
    let mut t = raw.trim().trim_matches(JUNK).trim();
    loop {
        let s = strip_marker(t).trim_matches(JUNK).trim();
        if s.len() == t.len() {
            return t;
        }
        t = s;
    }
}

/// The maximal runs of ASCII letters and digits in `s`, in order: `["w,A1,B3"]` gives
/// `w`, `A1`, `B3`. `None` when there are more than `max` tokens.
pub fn tokens(s: &str, max: usize) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c.is_ascii_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(b) = start.take() {
            if out.len() == max {
                return None;
            }
            out.push(&s[b..i]);
        }
    }
    if let Some(b) = start {
        if out.len() == max {
            return None;
        }
        out.push(&s[b..]);
    }
    Some(out)
}

/// [`tokens`] of each of [`items`]`(answer, seps)`: list markers of numbered lines are dropped
/// before tokenizing, so `1. COLD` reads as `COLD`.
pub fn item_tokens<'a>(answer: &'a str, seps: &[char], max: usize) -> Option<Vec<&'a str>> {
    let mut out = Vec::new();
    for item in items(answer, seps)? {
        let toks = tokens(item, max)?;
        if out.len() + toks.len() > max {
            return None;
        }
        out.extend(toks);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_from_lists_lines_and_markers() {
        let want = vec!["fill A", "pour A->B"];
        assert_eq!(items(r#"["fill A", "pour A->B"]"#, &[',']).unwrap(), want);
        assert_eq!(items("['fill A','pour A->B']", &[',']).unwrap(), want);
        assert_eq!(
            items("```json\n1. fill A\n2) pour A->B\n```", &[',']).unwrap(),
            want
        );
        assert_eq!(items("Step 1: fill A; - pour A->B", &[';']).unwrap(), want);
        assert_eq!(strip_marker("1.5"), "1.5");
    }

    #[test]
    fn tokens_split_on_punctuation() {
        assert_eq!(
            tokens(r#"["w,A1,B3", "B,C2->A3"]"#, 10).unwrap(),
            vec!["w", "A1", "B3", "B", "C2", "A3"]
        );
        assert_eq!(tokens("a b c", 2), None);
    }
}
