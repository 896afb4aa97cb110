//! Spellings of a value that textbooks and contest solutions use and the tokenizer does not
//! read, rewritten into ones it does, before an answer or a gold is parsed:
//!
//! - `{a \over b}` (plain TeX) is `\frac{a}{b}`;
//! - a no-break, narrow no-break, thin or figure space between digit groups (`1 000 000`,
//!   how French, SI and many typesetters separate thousands) is LaTeX's `\,`;
//! - degree-minute-second angles (`22^\circ 30'`, `22°30′15″`, `22^{\circ}30^{\prime}`) are
//!   one angle in degrees, `(22+30/60+15/3600)^\circ`;
//! - the other repeating-decimal notations (`0.(3)`, `0.\dot{3}`, `0.\dot{1}4\dot{2}`) are
//!   `\overline{..}`;
//! - a mixed number before a percent sign (`33\frac{1}{3}\%`) is `(33+\frac{1}{3})\%`;
//! - a parenthesized numeral with a base (`(1011)_2`, `1011_{(2)}`) is `1011_2`.
//!
//! Each rule scans the text once; text none of them matches comes back borrowed.

use std::borrow::Cow;

/// `s` with every spelling above rewritten.
pub(super) fn rewrite(s: &str) -> Cow<'_, str> {
    // Every rewrite below needs one of these: a command, a non-ASCII sign, `%`, `_`, or a
    // point and a parenthesis; most answers (`42`, `x^2+1`) have none, and are left as they are.
    let (mut dot, mut paren) = (false, false);
    let mut any = false;
    for &b in s.as_bytes() {
        match b {
            b'\\' | b'%' | b'_' | 0x80..=0xFF => {
                any = true;
                break;
            }
            b'.' => dot = true,
            b'(' => paren = true,
            _ => {}
        }
    }
    if !(any || (dot && paren)) {
        return Cow::Borrowed(s);
    }
    let mut out = Cow::Borrowed(s);
    if s.contains(['\u{a0}', '\u{202f}', '\u{2009}', '\u{2007}']) {
        out = Cow::Owned(number_spaces(&out));
    }
    if out.contains("\\over") {
        if let Some(r) = over(&out) {
            out = Cow::Owned(r);
        }
    }
    if out.contains("\\circ") || out.contains('°') {
        if let Some(r) = dms(&out) {
            out = Cow::Owned(r);
        }
    }
    if (out.contains('.') && out.contains('(')) || out.contains("\\dot") {
        if let Some(r) = repetend(&out) {
            out = Cow::Owned(r);
        }
    }
    if out.contains('%') && out.contains("frac") {
        if let Some(r) = mixed_percent(&out) {
            out = Cow::Owned(r);
        }
    }
    if out.contains("\\log_") {
        if let Some(r) = log_base(&out) {
            out = Cow::Owned(r);
        }
    }
    if out.contains(")_") || out.contains("_{(") {
        if let Some(r) = based(&out) {
            out = Cow::Owned(r);
        }
    }
    out
}

/// Typographic spaces between digits as `\,`; elsewhere as a plain space.
fn number_spaces(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, '\u{a0}' | '\u{202f}' | '\u{2009}' | '\u{2007}') {
            let digit_before = i > 0 && chars[i - 1].is_ascii_digit();
            let digit_after = chars.get(i + 1).is_some_and(char::is_ascii_digit);
            out.push_str(if digit_before && digit_after {
                "\\,"
            } else {
                " "
            });
        } else {
            out.push(c);
        }
    }
    out
}

/// The first `\over` (not `\overline`, `\overset`, ...) as `\frac`: `{A \over B}` becomes
/// `{\frac{A}{B}}`, and with no enclosing group the whole text is the fraction. Repeated for
/// every `\over`, a bounded number of times.
fn over(s: &str) -> Option<String> {
    let mut text = s.to_string();
    let mut changed = false;
    for _ in 0..16 {
        let Some(k) = find_over(&text) else { break };
        let b = text.as_bytes();
        // The `{` that opens the group holding `\over`, and its `}`.
        let mut depth = 0usize;
        let mut open = None;
        for i in (0..k).rev() {
            match b[i] {
                b'}' => depth += 1,
                b'{' if depth == 0 => {
                    open = Some(i);
                    break;
                }
                b'{' => depth -= 1,
                _ => {}
            }
        }
        let (start, end) = match open {
            Some(o) => {
                let close = matching_close(&text, o + 1)?;
                (o + 1, close)
            }
            None => (0, text.len()),
        };
        let num = text[start..k].trim();
        let den = text[k + "\\over".len()..end].trim();
        if num.is_empty() || den.is_empty() {
            return None;
        }
        let frac = format!("\\frac{{{num}}}{{{den}}}");
        text = format!("{}{frac}{}", &text[..start], &text[end..]);
        changed = true;
    }
    changed.then_some(text)
}

/// Where `\over` stands as a command of its own.
fn find_over(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = s[from..].find("\\over") {
        let at = from + k;
        let next = s[at + "\\over".len()..].chars().next();
        if !next.is_some_and(|c| c.is_ascii_alphabetic()) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Index of the `}` closing a group whose content starts at `from`.
fn matching_close(s: &str, from: usize) -> Option<usize> {
    let mut depth = 1usize;
    for (i, c) in s[from..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(from + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// A decimal number at the start of `s`: its text and the rest.
fn leading_number(s: &str) -> Option<(&str, &str)> {
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (c == '.' && i > 0)))
        .map_or(s.len(), |(i, _)| i);
    let n = s[..end].trim_end_matches('.');
    (!n.is_empty() && n.as_bytes()[0].is_ascii_digit()).then(|| (n, &s[n.len()..]))
}

/// A decimal number at the end of `s`: the text before it and the number.
fn trailing_number(s: &str) -> Option<(&str, &str)> {
    let start = s
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_ascii_digit() || c == '.')
        .last()
        .map(|(i, _)| i)?;
    let n = &s[start..];
    n.as_bytes()
        .first()
        .is_some_and(u8::is_ascii_digit)
        .then(|| (&s[..start], n))
}

/// Strips one of `marks` (after optional spaces) from the front of `s`.
fn strip_any<'a>(s: &'a str, marks: &[&str]) -> Option<&'a str> {
    let t = s.trim_start();
    marks.iter().find_map(|m| t.strip_prefix(m))
}

const DEGREE: &[&str] = &["^{\\circ}", "^\\circ", "^{\\circ }", "°"];
const SECOND: &[&str] = &[
    "^{\\prime\\prime}",
    "^{\\prime \\prime}",
    "''",
    "″",
    "^{''}",
];
const MINUTE: &[&str] = &["^{\\prime}", "^\\prime", "'", "′", "^{'}"];

/// `A^\circ B' C''` as `(A+B/60+C/3600)^\circ`, when minutes follow the degrees.
fn dms(s: &str) -> Option<String> {
    for deg in DEGREE {
        let Some(k) = s.find(deg) else { continue };
        let (before, degrees) = trailing_number(&s[..k])?;
        let after = &s[k + deg.len()..];
        let (minutes, rest) = leading_number(after.trim_start())?;
        let mut rest = strip_any(rest, MINUTE)?;
        // A second prime right after the first is a seconds mark, not minutes.
        if rest.starts_with(['\'', '″']) {
            return None;
        }
        let mut value = format!("{degrees}+{minutes}/60");
        if let Some((seconds, r)) = leading_number(rest.trim_start()) {
            if let Some(r) = strip_any(r, SECOND) {
                value.push_str(&format!("+{seconds}/3600"));
                rest = r;
            }
        }
        return Some(format!("{before}({value})^\\circ{rest}"));
    }
    None
}

/// `0.(3)` and `0.\dot{3}` / `0.\dot{1}4\dot{2}` as `0.\overline{..}`.
fn repetend(s: &str) -> Option<String> {
    // `d.ddd(ddd)`: digits in parentheses right after a decimal's digits.
    if let Some(k) = s.find(".(") {
        let digits_before = s[..k].ends_with(|c: char| c.is_ascii_digit());
        if let Some(close) = s[k + 2..].find(')') {
            let rep = &s[k + 2..k + 2 + close];
            if digits_before && !rep.is_empty() && rep.bytes().all(|b| b.is_ascii_digit()) {
                return Some(format!(
                    "{}.\\overline{{{rep}}}{}",
                    &s[..k],
                    &s[k + 3 + close..]
                ));
            }
        }
    }
    if let Some(p) = s.find('(') {
        // `0.1(6)`: the repetend after some decimals.
        let head = &s[..p];
        let dot = head.rfind('.');
        if dot.is_some_and(|d| {
            d > 0 && head[d + 1..].bytes().all(|b| b.is_ascii_digit()) && d + 1 < head.len()
        }) {
            if let Some(close) = s[p + 1..].find(')') {
                let rep = &s[p + 1..p + 1 + close];
                if !rep.is_empty() && rep.bytes().all(|b| b.is_ascii_digit()) {
                    return Some(format!("{head}\\overline{{{rep}}}{}", &s[p + 2 + close..]));
                }
            }
        }
    }
    // `\dot{1}4\dot{2}`: from the first dotted digit to the last.
    let first = s.find("\\dot")?;
    let mut digits = String::new();
    let mut rest = &s[first..];
    let mut dotted = 0;
    loop {
        if let Some(r) = rest.strip_prefix("\\dot") {
            let r = r.trim_start();
            let (d, r) = match r.strip_prefix('{') {
                Some(inner) => {
                    let close = inner.find('}')?;
                    (&inner[..close], &inner[close + 1..])
                }
                None => (r.get(..1)?, &r[1..]),
            };
            if d.len() != 1 || !d.as_bytes()[0].is_ascii_digit() {
                return None;
            }
            digits.push_str(d);
            dotted += 1;
            rest = r;
            if dotted == 2 {
                break;
            }
        } else if let Some(c) = rest.chars().next().filter(char::is_ascii_digit) {
            digits.push(c);
            rest = &rest[1..];
        } else {
            break;
        }
    }
    if digits.is_empty() {
        return None;
    }
    Some(format!("{}\\overline{{{digits}}}{rest}", &s[..first]))
}

/// `33\frac{1}{3}\%` (a whole number, then a fraction of whole numbers, then a percent sign)
/// as `(33+\frac{1}{3})\%`.
fn mixed_percent(s: &str) -> Option<String> {
    for cmd in ["\\frac", "\\dfrac", "\\tfrac"] {
        let Some(k) = s.find(cmd) else { continue };
        let (before, whole) = trailing_number(&s[..k])?;
        if whole.contains('.') {
            return None;
        }
        let after = &s[k + cmd.len()..];
        let (num, r) = frac_arg(after)?;
        let (den, r) = frac_arg(r)?;
        let whole_numbers = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !whole_numbers(num) || !whole_numbers(den) {
            return None;
        }
        let r_trim = r.trim_start();
        if r_trim.starts_with("\\%") || r_trim.starts_with('%') {
            return Some(format!("{before}({whole}+\\frac{{{num}}}{{{den}}}){r}"));
        }
    }
    None
}

/// `\log_5 125` as `\log_{5} 125`: an unbraced numeric base is its digits, not a number
/// that runs on into the argument.
fn log_base(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    let mut changed = false;
    while let Some(k) = rest.find("\\log_") {
        let after = &rest[k + "\\log_".len()..];
        let n = after.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str(&rest[..k]);
        if n > 0 {
            out.push_str(&format!("\\log_{{{}}}", &after[..n]));
            changed = true;
            rest = &after[n..];
        } else {
            out.push_str("\\log_");
            rest = after;
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// One argument of `\frac`: a braced group or a single character (`\frac13`).
fn frac_arg(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    match s.strip_prefix('{') {
        Some(a) => {
            let c = a.find('}')?;
            Some((&a[..c], &a[c + 1..]))
        }
        None => {
            let c = s.chars().next()?;
            Some((&s[..c.len_utf8()], &s[c.len_utf8()..]))
        }
    }
}

/// `(1011)_2` and `1011_{(2)}` as `1011_2`.
fn based(s: &str) -> Option<String> {
    if let Some(k) = s.find("_{(") {
        let close = s[k..].find(")}")?;
        let base = &s[k + 3..k + close];
        if !base.is_empty() && base.bytes().all(|b| b.is_ascii_digit()) {
            return Some(format!("{}_{{{base}}}{}", &s[..k], &s[k + close + 2..]));
        }
    }
    let t = s.trim();
    let inner = t.strip_prefix('(')?;
    let close = inner.find(")_")?;
    let digits = &inner[..close];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let base = inner[close + 2..]
        .trim_matches(|c| c == '{' || c == '}' || c == '(' || c == ')')
        .trim();
    (!base.is_empty() && base.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{digits}_{{{base}}}"))
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn spellings() {
        let cases = [
            ("{1 \\over 2}", "{\\frac{1}{2}}"),
            ("a \\over b", "\\frac{a}{b}"),
            ("\\overline{3}", "\\overline{3}"),
            ("1\u{a0}000", "1\\,000"),
            ("22^\\circ 30'", "(22+30/60)^\\circ"),
            ("10^\\circ 30' 36''", "(10+30/60+36/3600)^\\circ"),
            ("22°30′", "(22+30/60)^\\circ"),
            ("45^\\circ", "45^\\circ"),
            ("0.(3)", "0.\\overline{3}"),
            ("0.1(6)", "0.1\\overline{6}"),
            ("0.\\dot{3}", "0.\\overline{3}"),
            ("0.\\dot{1}4285\\dot{7}", "0.\\overline{142857}"),
            ("33\\frac{1}{3}\\%", "(33+\\frac{1}{3})\\%"),
            ("(1011)_2", "1011_{2}"),
            ("1011_{(2)}", "1011_{2}"),
            ("\\log_5 125", "\\log_{5} 125"),
            ("33\\frac13\\%", "(33+\\frac{1}{3})\\%"),
            ("f(x)", "f(x)"),
        ];
        for (from, to) in cases {
            assert_eq!(rewrite(from), to, "{from}");
        }
    }
}
