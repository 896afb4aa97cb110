//! Python `str` semantics that the reference checkers depend on.
//!
//! Google's checkers call `strip()`, `split()`, `lower()`, `isupper()`, `islower()` and
//! regexes whose `\s`, `\w` and `\b` are Python's. Rust's equivalents differ at the edges
//! (Python counts U+001C..U+001F as whitespace; Python's `\w` is `isalnum() or '_'`, which
//! excludes combining marks that Rust's Unicode `\w` includes), so the checkers use these
//! helpers instead of `trim()` or `regex`'s classes where the difference could change a label.

/// Python `str.isspace()` for one character (White_Space plus U+001C..U+001F).
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python `re`'s `\w` for a `str` pattern: `c.isalnum() or c == '_'`.
///
/// `isalnum` is the letter categories (L*) plus the numeric ones (Nd, Nl, No); Rust's
/// `is_alphanumeric` adds `Other_Alphabetic` (combining vowel signs), which Python excludes.
pub fn is_word(c: char) -> bool {
    if c == '_' {
        return true;
    }
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    if c.is_numeric() {
        return true;
    }
    // Alphabetic minus the combining marks: letters are cased, or have no case mapping and
    // are not marks. `is_alphabetic` includes Mn/Mc vowel signs (Other_Alphabetic).
    c.is_alphabetic() && !is_mark(c)
}

/// A rough test for combining marks (Mn/Mc/Me) in the ranges that carry Other_Alphabetic.
fn is_mark(c: char) -> bool {
    let u = c as u32;
    matches!(u,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x05BF | 0x05C1..=0x05C2
        | 0x05C4..=0x05C5 | 0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670
        | 0x06D6..=0x06DC | 0x06DF..=0x06E4 | 0x06E7..=0x06E8 | 0x06EA..=0x06ED
        | 0x0711 | 0x0730..=0x074A | 0x07A6..=0x07B0 | 0x0816..=0x082D
        | 0x0900..=0x0903 | 0x093A..=0x093C | 0x093E..=0x094F | 0x0951..=0x0957
        | 0x0962..=0x0963 | 0x0981..=0x0983 | 0x09BC | 0x09BE..=0x09CD | 0x09D7
        | 0x09E2..=0x09E3 | 0x0A01..=0x0A03 | 0x0A3C..=0x0A51 | 0x0A70..=0x0A71 | 0x0A75
        | 0x0A81..=0x0A83 | 0x0ABC | 0x0ABE..=0x0ACD | 0x0AE2..=0x0AE3
        | 0x0B01..=0x0B03 | 0x0B3C | 0x0B3E..=0x0B57 | 0x0B62..=0x0B63
        | 0x0B82 | 0x0BBE..=0x0BCD | 0x0BD7 | 0x0C00..=0x0C04 | 0x0C3C | 0x0C3E..=0x0C56
        | 0x0C62..=0x0C63 | 0x0C81..=0x0C83 | 0x0CBC | 0x0CBE..=0x0CD6 | 0x0CE2..=0x0CE3
        | 0x0D00..=0x0D03 | 0x0D3B..=0x0D3C | 0x0D3E..=0x0D4D | 0x0D57 | 0x0D62..=0x0D63
        | 0x0D81..=0x0D83 | 0x0DCA..=0x0DDF | 0x0DF2..=0x0DF3
        | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x0EB1 | 0x0EB4..=0x0EBC
        | 0x0EC8..=0x0ECE | 0x0F18..=0x0F19 | 0x0F35 | 0x0F37 | 0x0F39 | 0x0F3E..=0x0F3F
        | 0x0F71..=0x0F84 | 0x0F86..=0x0F87 | 0x0F8D..=0x0FBC | 0x102B..=0x103E
        | 0x1056..=0x1059 | 0x105E..=0x1060 | 0x1062..=0x1064 | 0x1067..=0x106D
        | 0x1071..=0x1074 | 0x1082..=0x108D | 0x108F | 0x109A..=0x109D
        | 0x135D..=0x135F | 0x1712..=0x1715 | 0x17B4..=0x17D3 | 0x17DD
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20F0 | 0x302A..=0x302F
        | 0x3099..=0x309A | 0xA806 | 0xA80B | 0xA823..=0xA827 | 0xFB1E
        | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F)
}

/// Python `str.strip()` with no argument.
pub fn strip(s: &str) -> &str {
    // Most texts start and end with a printable ASCII character (U+0021..U+007E), which no
    // whitespace is: nothing to strip.
    let b = s.as_bytes();
    let printable = |c: Option<&u8>| c.is_some_and(|&c| (0x21..0x7f).contains(&c));
    if printable(b.first()) && printable(b.last()) {
        return s;
    }
    s.trim_matches(is_space)
}

/// Python `str.rstrip()` with no argument.
pub fn strip_end(s: &str) -> &str {
    s.trim_end_matches(is_space)
}

/// Python `str.split()` with no argument: runs of whitespace, no empty fields.
pub fn split_ws(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_space).filter(|w| !w.is_empty())
}

/// Python `str.lower()`: full Unicode lower-casing (Rust's agrees, final sigma included).
pub fn lower(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// `lower(s)` without allocating for a short ASCII word: borrowed when it has no capital,
/// written into `buf` when it fits, allocated otherwise (for per-word look-ups in a table).
pub fn lower_word<'a>(s: &'a str, buf: &'a mut [u8; 32]) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    if s.is_ascii() {
        if !s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Borrowed(s);
        }
        if let Some(b) = buf.get_mut(..s.len()) {
            b.copy_from_slice(s.as_bytes());
            b.make_ascii_lowercase();
            // ASCII bytes: always UTF-8.
            return Cow::Borrowed(std::str::from_utf8(b).unwrap_or_default());
        }
    }
    Cow::Owned(lower(s))
}

/// `lower(s) == low` for a `low` that is already lower-cased: no copy when `s` is ASCII (its
/// lower case is then ASCII, byte for byte, and `low` holds no ASCII capital).
pub fn lower_is(s: &str, low: &str) -> bool {
    if s.is_ascii() {
        s.eq_ignore_ascii_case(low)
    } else {
        lower(s) == low
    }
}

/// `lower(a) == lower(b)`: no copy when both are ASCII (a non-ASCII character can lower-case
/// to an ASCII one, e.g. the Kelvin sign, so anything else takes the full path).
pub fn lower_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        lower(a) == lower(b)
    }
}

/// Titlecase letters (Lt): neither upper nor lower case, and they make `isupper` false.
fn is_title(c: char) -> bool {
    matches!(c as u32,
        0x01C5 | 0x01C8 | 0x01CB | 0x01F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F
        | 0x1FA8..=0x1FAF | 0x1FBC | 0x1FCC | 0x1FFC)
}

/// Python `str.isupper()`: at least one cased character and no lower-case or title-case one.
pub fn is_upper(s: &str) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if c.is_lowercase() || is_title(c) {
            return false;
        }
        if c.is_uppercase() {
            cased = true;
        }
    }
    cased
}

/// Python `str.islower()`: at least one cased character and no upper-case or title-case one.
pub fn is_lower(s: &str) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if c.is_uppercase() || is_title(c) {
            return false;
        }
        if c.is_lowercase() {
            cased = true;
        }
    }
    cased
}

/// Python's `\b` at byte offset `at` of `s`: a `\w` on exactly one side.
pub fn is_boundary(s: &str, at: usize) -> bool {
    let before = s[..at].chars().next_back().is_some_and(is_word);
    let after = s[at..].chars().next().is_some_and(is_word);
    before != after
}

/// Python's `\d` (Unicode decimal digits, category Nd) for one character.
pub fn is_decimal(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    // Nd is the numeric characters that have a decimal digit value; `to_digit` only knows
    // ASCII, so accept the common Nd blocks explicitly.
    let u = c as u32;
    let zeros: [u32; 24] = [
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0xFF10, 0x1946,
        0x19D0, 0xA620,
    ];
    zeros.iter().any(|&z| (z..z + 10).contains(&u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_edges() {
        assert_eq!(strip("\u{1f} a \u{a0}"), "a");
        assert!(is_upper("HELLO 123"));
        assert!(!is_upper("123"));
        assert!(!is_upper("HELLO ß"));
        assert!(is_lower("hello 1"));
        assert!(!is_word('\u{093F}'));
        assert!(is_word('é'));
        assert_eq!(split_ws(" a  b\u{3000}c ").count(), 3);
        assert_eq!(lower("İ"), "i\u{307}");
    }
}
