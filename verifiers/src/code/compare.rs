//! Output comparison, the competitive-programming standard: per line, per
//! whitespace-separated token; trailing whitespace, trailing blank lines and CRLF ignored;
//! case-sensitive; a token whose expected form is a float literal (it has a `.` or an
//! exponent) matches within absolute-or-relative tolerance [`FLOAT_TOLERANCE`]; integers and
//! words match exactly. Exact and rstrip-only modes are there for judges that need them.

/// Tolerance for float tokens: `|got - want| <= 1e-6` or `<= 1e-6 * |want|`. This is the
/// Codeforces/AtCoder default for "absolute or relative error at most 1e-6".
pub const FLOAT_TOLERANCE: f64 = 1e-6;

/// How stdout is compared with the expected output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareMode {
    /// Lines and tokens, floats with tolerance (the default).
    #[default]
    Tokens,
    /// Byte for byte.
    Exact,
    /// Equal after removing trailing whitespace from the whole output.
    Rstrip,
}

/// Why an output differs (or `None` when it matches).
pub fn compare(got: &str, want: &str, mode: CompareMode) -> Option<String> {
    match mode {
        CompareMode::Exact => (got != want).then(|| "output differs".to_string()),
        CompareMode::Rstrip => (got.trim_end() != want.trim_end()).then(|| "output differs".into()),
        CompareMode::Tokens => compare_tokens(got, want),
    }
}

/// Lines with CRLF folded, trailing whitespace removed, and trailing blank lines dropped.
fn lines(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.split('\n').map(|l| l.trim_end()).collect();
    while v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

fn compare_tokens(got: &str, want: &str) -> Option<String> {
    let (g, w) = (lines(got), lines(want));
    for (i, (gl, wl)) in g.iter().zip(&w).enumerate() {
        let mut gt = gl.split_whitespace();
        let mut wt = wl.split_whitespace();
        loop {
            match (gt.next(), wt.next()) {
                (None, None) => break,
                (Some(a), Some(b)) if token_eq(a, b) => continue,
                (Some(a), Some(b)) => {
                    return Some(format!(
                        "line {}: expected {}, got {}",
                        i + 1,
                        clip(b),
                        clip(a)
                    ))
                }
                (None, Some(_)) => return Some(format!("line {}: too few tokens", i + 1)),
                (Some(_), None) => return Some(format!("line {}: too many tokens", i + 1)),
            }
        }
    }
    match g.len().cmp(&w.len()) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Less => Some(format!("expected {} lines, got {}", w.len(), g.len())),
        std::cmp::Ordering::Greater => Some(format!("expected {} lines, got {}", w.len(), g.len())),
    }
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push_str("...");
    }
    format!("'{out}'")
}

/// True when `want` is written as a float literal: digits with a `.` or an exponent.
fn is_float_literal(want: &str) -> bool {
    let body = want.strip_prefix(['-', '+']).unwrap_or(want);
    let has_digit = body.bytes().any(|b| b.is_ascii_digit());
    let only_float_chars = body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    let marked = body.contains('.') || body.contains(['e', 'E']);
    has_digit && only_float_chars && marked && body.parse::<f64>().is_ok()
}

fn token_eq(got: &str, want: &str) -> bool {
    if got == want {
        return true;
    }
    if !is_float_literal(want) {
        return false;
    }
    match (got.parse::<f64>(), want.parse::<f64>()) {
        (Ok(g), Ok(w)) if g.is_finite() => floats_close(g, w),
        _ => false,
    }
}

/// Absolute-or-relative closeness with [`FLOAT_TOLERANCE`].
pub fn floats_close(got: f64, want: f64) -> bool {
    let diff = (got - want).abs();
    diff <= FLOAT_TOLERANCE || diff <= FLOAT_TOLERANCE * want.abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_mode_ignores_layout_noise_but_not_case() {
        assert_eq!(
            compare("1 2\r\n3  \n\n", "1 2\n3", CompareMode::Tokens),
            None
        );
        assert!(compare("YES", "yes", CompareMode::Tokens).is_some());
        assert!(compare("1\n2", "2\n1", CompareMode::Tokens).is_some());
        assert!(compare("1 2", "1\n2", CompareMode::Tokens).is_some());
    }

    #[test]
    fn floats_within_tolerance_integers_exact() {
        assert_eq!(
            compare("0.3333333", "0.333333333", CompareMode::Tokens),
            None
        );
        assert_eq!(compare("1e9", "1000000000.0", CompareMode::Tokens), None);
        assert!(compare("0.334", "0.333333", CompareMode::Tokens).is_some());
        assert!(compare("3.0", "3", CompareMode::Tokens).is_some());
        assert!(compare("nan", "1.5", CompareMode::Tokens).is_some());
    }

    #[test]
    fn exact_and_rstrip_modes() {
        assert!(compare("1\n", "1", CompareMode::Exact).is_some());
        assert_eq!(compare("1\n  \n", "1", CompareMode::Rstrip), None);
        assert!(compare("1 \n2", "1\n2", CompareMode::Rstrip).is_some());
    }
}
