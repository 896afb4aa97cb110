//! Number literals: digit groups with thousands separators, decimals, `\overline{..}`
//! repetends, exponents, and `1011_2` numerals in another base.

use super::{brace_group, Tok};
use crate::math::q;
use nom::bytes::complete::take_while;
use nom::character::complete::{digit1, one_of};
use nom::combinator::{opt, recognize};
use nom::sequence::tuple;
use nom::IResult;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Pow, Zero};

fn digits_grouped(s: &str, top_level: bool) -> (&str, String) {
    // Leading digit run, then thousands groups: `,ddd` (top level only), `{,}ddd`, `\,ddd`.
    let res: IResult<&str, &str> = digit1(s);
    let Ok((mut rest, first)) = res else {
        return (s, String::new());
    };
    let mut digits = first.to_string();
    if first.len() > 3 {
        return (rest, digits);
    }
    loop {
        let seps: &[&str] = if top_level {
            &["{,}", ",\\!", "\\,", ",", "\\ ", " "]
        } else {
            &["{,}", ",\\!", "\\,"]
        };
        let mut advanced = false;
        for sep in seps {
            if let Some(after) = rest.strip_prefix(sep) {
                // `11,\! 111`: MATH puts a space after the negative thin space.
                let after = if *sep == ",\\!" {
                    after.trim_start_matches(' ')
                } else {
                    after
                };
                let grp: IResult<&str, &str> = digit1(after);
                if let Ok((r2, g)) = grp {
                    let more_digits = r2.starts_with(|c: char| c.is_ascii_digit());
                    let broken_group = *sep == "," && r2.starts_with(',') && !thousands_follow(r2);
                    let next_ok = !(more_digits || broken_group);
                    if g.len() == 3 && next_ok {
                        digits.push_str(g);
                        rest = r2;
                        advanced = true;
                        break;
                    }
                }
            }
        }
        if !advanced {
            return (rest, digits);
        }
    }
}

fn thousands_follow(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 4
        && b[0] == b','
        && b[1..4].iter().all(u8::is_ascii_digit)
        && !b.get(4).is_some_and(u8::is_ascii_digit)
}

/// A number: digits with separators, decimals, `\overline{..}` repetends, exponents,
/// and `1011_2` numerals in another base.
pub(super) fn number(s: &str, top_level: bool) -> (&str, Tok) {
    let (mut rest, int_digits) = digits_grouped(s, top_level);
    // A numeral in another base: `1011_2`, `1011_{2}`.
    if let Some(after) = rest.strip_prefix('_') {
        let (base, r) = match brace_group(after) {
            Some((b, r)) => (b.trim(), r),
            None => {
                let res: IResult<&str, &str> = digit1(after);
                res.map(|(r, d)| (d, r)).unwrap_or(("", after))
            }
        };
        if !base.is_empty() && base.bytes().all(|b| b.is_ascii_digit()) {
            let trimmed = int_digits.trim_start_matches('0');
            let shown = if trimmed.is_empty() { "0" } else { trimmed };
            return (r, Tok::Based(format!("{shown}_{base}")));
        }
    }
    let mut frac_digits = "";
    let mut repetend = "";
    let mut decimal = false;
    if let Some(after) = rest.strip_prefix('.') {
        let res: IResult<&str, &str> = take_while(|c: char| c.is_ascii_digit())(after);
        if let Ok((r, f)) = res {
            let over = r
                .trim_start()
                .strip_prefix("\\overline")
                .and_then(brace_group);
            if let Some((rep, r2)) = over.filter(|(rep, _)| {
                !rep.trim().is_empty() && rep.trim().bytes().all(|b| b.is_ascii_digit())
            }) {
                frac_digits = f;
                repetend = rep.trim();
                rest = r2;
            } else if !f.is_empty() {
                frac_digits = f;
                decimal = true;
                rest = r;
            }
        }
    }
    let mut exp10: i64 = 0;
    let exp: IResult<&str, &str> =
        recognize(tuple((one_of("eE"), opt(one_of("+-")), digit1)))(rest);
    if let Ok((r, e)) = exp {
        let digits = &e[1..];
        if let Ok(v) = digits.parse::<i64>() {
            if v.abs() <= 400 {
                exp10 = v;
                decimal = true;
                rest = r;
            }
        }
    }
    let value = decimal_value(&int_digits, frac_digits, repetend, exp10);
    (rest, Tok::Num(value, decimal))
}

fn big(digits: &str) -> BigInt {
    if digits.is_empty() {
        return BigInt::zero();
    }
    digits.parse::<BigInt>().unwrap_or_else(|_| BigInt::zero())
}

fn decimal_value(int: &str, frac: &str, rep: &str, exp10: i64) -> BigRational {
    // Most literals are short: their digits fit a u64 (the same value, without formatting).
    if rep.is_empty() && exp10 == 0 && int.len() + frac.len() <= 18 {
        let n = int
            .bytes()
            .chain(frac.bytes())
            .fold(0u64, |n, d| n * 10 + u64::from(d.wrapping_sub(b'0') % 10));
        if frac.is_empty() {
            return BigRational::from_integer(BigInt::from(n));
        }
        let scale = 10u64.pow(frac.len() as u32);
        return q::new(BigInt::from(n), BigInt::from(scale)).unwrap_or_else(BigRational::zero);
    }
    let ten = BigInt::from(10);
    let base = format!("{int}{frac}");
    let scale = ten.clone().pow(frac.len() as u32);
    let v = if rep.is_empty() {
        q::new(big(&base), scale.clone())
    } else {
        let with_rep = big(&format!("{base}{rep}"));
        let den = scale * (ten.clone().pow(rep.len() as u32) - BigInt::one());
        q::new(with_rep - big(&base), den)
    };
    let v = v.unwrap_or_else(BigRational::zero);
    let p = BigRational::from_integer(ten.pow(exp10.unsigned_abs() as u32));
    match exp10.signum() {
        1 => q::mul(&v, &p),
        -1 => q::div(&v, &p).unwrap_or(v),
        _ => v,
    }
}
