//! Decimal numbers as science answers write them, read exactly, with their significant figures.
//!
//! `6.02 \times 10^{23}`, `6.02e23`, `6.02E+23`, `6.02 \cdot 10^{23}`, `6.02 x 10^23`,
//! `6.02×10²³`, `10^{-3}`, `-1{,}000.5`, `1\,000`, `1 000`: each becomes an exact
//! `mantissa * 10^exp` (no binary floating point) plus the number of significant figures as
//! written, which the STEM verifier compares at. Anything else (a fraction, a root, `\pi`) is
//! not a decimal and is left to the math verifier.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};

/// Longest text read as a number; longer is not a decimal (bounded work).
const MAX_LEN: usize = 200;
/// Largest decimal exponent read (beyond it the exact value would be too big to hold).
const MAX_EXP: i32 = 400;

/// A decimal number as written: `value = (-1)^neg * mantissa * 10^exp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    pub neg: bool,
    /// All digits as written, without separators, sign or point (leading zeros included).
    pub digits: String,
    /// The power of ten of the last written digit.
    pub exp: i32,
}

impl Decimal {
    /// Significant figures as written: the digits from the first non-zero one to the last one
    /// written, trailing zeros included (`500` has 3, `0.050` has 2, `5.0e3` has 2). Zero has
    /// none.
    pub fn sig_figs(&self) -> u32 {
        let t = self.digits.trim_start_matches('0');
        t.len() as u32
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.digits.bytes().all(|b| b == b'0')
    }

    /// The exact value.
    pub fn value(&self) -> BigRational {
        let m: BigInt = self.digits.parse().unwrap_or_else(|_| BigInt::zero());
        let m = if self.neg { -m } else { m };
        let p = BigInt::from(10u32).pow(self.exp.unsigned_abs());
        if self.exp >= 0 {
            BigRational::from_integer(m * p)
        } else {
            BigRational::new(m, p)
        }
    }

    /// The value in double precision (for comparisons involving `pi`).
    pub fn to_f64(&self) -> f64 {
        let s = format!(
            "{}{}e{}",
            if self.neg { "-" } else { "" },
            self.digits,
            self.exp
        );
        s.parse().unwrap_or(f64::NAN)
    }
}

/// `10^e` as an exact rational.
pub fn pow10(e: i32) -> BigRational {
    let p = BigInt::from(10u32).pow(e.unsigned_abs());
    if e >= 0 {
        BigRational::from_integer(p)
    } else {
        BigRational::new(BigInt::one(), p)
    }
}

/// The ASCII character a superscript digit or sign stands for (`²` is `2`, `⁻` is `-`).
pub fn superscript_char(c: char) -> Option<char> {
    Some(match c {
        '⁰' => '0',
        '¹' => '1',
        '²' => '2',
        '³' => '3',
        '⁴' => '4',
        '⁵' => '5',
        '⁶' => '6',
        '⁷' => '7',
        '⁸' => '8',
        '⁹' => '9',
        '⁻' => '-',
        '⁺' => '+',
        _ => return None,
    })
}

/// Whether `c` is a superscript digit or sign.
pub fn superscript_digit(c: char) -> bool {
    superscript_char(c).is_some()
}

/// Rewrites the number into a compact ASCII form: `x` for a multiplication sign, `_` for a
/// digit-group separator, `^` for a power, no spaces or braces. `None` on anything that
/// cannot be part of a decimal.
fn compact(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut in_sup = false;
    while i < s.len() {
        let rest = &s[i..];
        let c = rest.chars().next()?;
        if let Some(d) = superscript_char(c) {
            if !in_sup {
                out.push('^');
                in_sup = true;
            }
            out.push(d);
            i += c.len_utf8();
            continue;
        }
        in_sup = false;
        let prev_digit = out.as_bytes().last().is_some_and(u8::is_ascii_digit);
        let next_digits = |from: usize| {
            let t = &s[from..];
            t.len() >= 3
                && t.as_bytes()[..3].iter().all(u8::is_ascii_digit)
                && !t.as_bytes().get(3).is_some_and(u8::is_ascii_digit)
        };
        if c == '\\' {
            let name_len = rest[1..]
                .bytes()
                .take_while(u8::is_ascii_alphabetic)
                .count();
            let (name, len) = if name_len == 0 {
                (
                    &rest[1..rest[1..].chars().next().map_or(1, |c| 1 + c.len_utf8())],
                    0,
                )
            } else {
                (&rest[1..1 + name_len], name_len)
            };
            let used = 1 + if len == 0 { name.len() } else { len };
            match name {
                "times" | "cdot" => out.push('x'),
                "," | " " | ";" | ":" | "!" | "thinspace" => {
                    if prev_digit && next_digits(i + used) {
                        out.push('_');
                    }
                }
                "left" | "right" | "quad" | "qquad" => {}
                "%" => return None,
                _ => return None,
            }
            i += used;
            continue;
        }
        match c {
            '0'..='9' | '.' | '^' | '+' => out.push(c),
            '-' | '−' => out.push('-'),
            'e' | 'E' => out.push('e'),
            'x' | 'X' | '×' | '·' | '⋅' | '*' => out.push('x'),
            '{' => {
                if rest.starts_with("{,}") {
                    out.push('_');
                    i += 3;
                    continue;
                }
            }
            '}' | '$' => {}
            ',' if prev_digit && next_digits(i + 1) => out.push('_'),
            ',' => return None,
            ' ' | '~' | '\u{a0}' | '\u{2009}' | '\u{202f}' | '\t' => {
                let next = s[i + c.len_utf8()..].trim_start();
                if prev_digit && next_digits(i + c.len_utf8()) {
                    // `1 000`: a group separator only before exactly three digits.
                    out.push('_');
                } else if prev_digit && next.starts_with(|c: char| c.is_ascii_digit()) {
                    // `1 2`: two numbers side by side are not one.
                    return None;
                }
            }
            _ => return None,
        }
        i += c.len_utf8();
    }
    Some(out)
}

/// Reads a decimal number (optionally in scientific notation), or `None`.
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_LEN {
        return None;
    }
    let c = compact(s)?;
    let b = c.as_bytes();
    let mut i = 0;
    let mut neg = false;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        neg = b[i] == b'-';
        i += 1;
    }
    let mut digits = String::new();
    let mut frac = 0i32;
    let mut groups_ok = true;
    let mut run = 0usize;
    let mut grouped = false;
    let mut first_run = 0usize;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        if b[i] == b'_' {
            if run == 0 || (grouped && run != 3) {
                groups_ok = false;
            }
            if !grouped {
                first_run = run;
            }
            grouped = true;
            run = 0;
        } else {
            digits.push(b[i] as char);
            run += 1;
        }
        i += 1;
    }
    if grouped && (run != 3 || first_run > 3) {
        groups_ok = false;
    }
    if !groups_ok {
        return None;
    }
    let int_len = digits.len();
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            digits.push(b[i] as char);
            frac += 1;
            i += 1;
        }
    }
    let mut exp: i32 = 0;
    // `10^{n}` with no mantissa: 1 x 10^n.
    if frac == 0 && digits == "10" && i < b.len() && b[i] == b'^' {
        digits = "1".into();
        i += 1;
        exp = read_int(b, &mut i)?;
        return finish(neg, digits, exp, i, b);
    }
    if digits.is_empty() || (int_len == 0 && frac == 0) {
        return None;
    }
    if i < b.len() {
        match b[i] {
            b'e' => {
                i += 1;
                exp = read_int(b, &mut i)?;
            }
            b'x' => {
                i += 1;
                if b.get(i..i + 2) != Some(b"10") {
                    return None;
                }
                i += 2;
                if i < b.len() && b[i] == b'^' {
                    i += 1;
                    exp = read_int(b, &mut i)?;
                } else {
                    exp = 1;
                }
            }
            _ => return None,
        }
    }
    finish(neg, digits, exp - frac, i, b)
}

fn finish(neg: bool, digits: String, exp: i32, i: usize, b: &[u8]) -> Option<Decimal> {
    if i != b.len() || !(-MAX_EXP..=MAX_EXP).contains(&exp) || digits.len() > 100 {
        return None;
    }
    Some(Decimal { neg, digits, exp })
}

fn read_int(b: &[u8], i: &mut usize) -> Option<i32> {
    let mut neg = false;
    if *i < b.len() && (b[*i] == b'-' || b[*i] == b'+') {
        neg = b[*i] == b'-';
        *i += 1;
    }
    let start = *i;
    let mut v: i32 = 0;
    while *i < b.len() && b[*i].is_ascii_digit() {
        v = v.checked_mul(10)?.checked_add(i32::from(b[*i] - b'0'))?;
        if v > MAX_EXP {
            return None;
        }
        *i += 1;
    }
    if *i == start {
        return None;
    }
    Some(if neg { -v } else { v })
}
