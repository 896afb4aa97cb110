//! The tolerance policy's arithmetic on exact values: relative closeness (never an absolute
//! epsilon) and the rule that a decimal written at a precision where the exact value is
//! representable must equal it.

use crate::math::node::Node;
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// Whether a decimal is compared with an exact rational that can be written at the decimal's
/// precision (`100.0001` vs `100`, `0.5000001` vs `\frac12`): then the decimal is not a
/// rounding of the exact value but a different number, and tolerance does not apply.
/// Applies at the default tolerance or tighter; a looser configured tolerance asks for
/// approximations (`4.99` for 5 at 1%).
pub(super) fn exact_at_precision(
    r: &Node,
    g: &Node,
    x: &BigRational,
    y: &BigRational,
    tol: f64,
) -> bool {
    if tol > 1e-6 {
        return false;
    }
    let (dec, exact) = match (r.has_decimal(), g.has_decimal()) {
        (true, false) => (x, y),
        (false, true) => (y, x),
        _ => return false,
    };
    // An integer-valued decimal (`1.2676506002282294e30`) has an unknown written precision.
    match decimal_digits(dec) {
        Some(n) if (1..=4096).contains(&n) => {
            (exact * BigRational::from_integer(BigInt::from(10).pow(n))).is_integer()
        }
        _ => false,
    }
}

/// How many digits after the point write `x` exactly, if its decimal expansion is finite.
fn decimal_digits(x: &BigRational) -> Option<u32> {
    let mut d = x.denom().clone();
    let (two, five) = (BigInt::from(2), BigInt::from(5));
    let (mut a, mut b) = (0u32, 0u32);
    while d.is_even() {
        d /= &two;
        a += 1;
    }
    while (&d % &five).is_zero() {
        d /= &five;
        b += 1;
    }
    d.is_one().then_some(a.max(b))
}

/// `|x - y| <= tol * max(|x|, |y|)`, in exact arithmetic: the boundary is inclusive, and
/// `tol` is read as the decimal it is written as (`1e-6` is exactly one millionth, not the
/// double nearest to it, which is a little less), so a value exactly at the tolerance passes.
pub(super) fn rational_close(x: &BigRational, y: &BigRational, tol: f64) -> bool {
    let Some(t) = decimal_of(tol) else {
        return false;
    };
    let scale = x.abs().max(y.abs());
    (x - y).abs() <= t * scale
}

/// The shortest decimal that reads back as `v` (Rust's `{:e}` formatting), exactly.
fn decimal_of(v: f64) -> Option<BigRational> {
    if !v.is_finite() {
        return None;
    }
    let text = format!("{v:e}");
    let (mantissa, exp) = text.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: BigInt = format!("{int}{frac}").parse().ok()?;
    let shift = exp - i32::try_from(frac.len()).ok()?;
    let ten = BigInt::from(10);
    let mut r = if shift >= 0 {
        BigRational::from_integer(digits * ten.pow(shift.unsigned_abs()))
    } else {
        BigRational::new(digits, ten.pow(shift.unsigned_abs()))
    };
    if neg {
        r = -r;
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerances_are_read_as_written() {
        let millionth = BigRational::new(BigInt::from(1), BigInt::from(1_000_000));
        assert_eq!(decimal_of(1e-6), Some(millionth));
        assert_eq!(
            decimal_of(0.25),
            Some(BigRational::new(BigInt::from(1), BigInt::from(4)))
        );
        assert_eq!(decimal_of(f64::NAN), None);
    }
}
