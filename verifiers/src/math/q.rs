//! Big-rational arithmetic that stays fast on huge values.
//!
//! `num-rational` reduces every result with a binary gcd, which takes time quadratic in the
//! size of the larger operand even when the other one is 1 (`gcd(2004!, 1)` takes
//! milliseconds). These helpers skip the gcd for integers, reduce with Euclid's remainder
//! steps (fast when one side is small) and build results with `new_raw`.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// gcd by remainders: one step when one operand is small.
pub fn gcd(a: &BigInt, b: &BigInt) -> BigInt {
    let (mut a, mut b) = (a.abs(), b.abs());
    while !b.is_zero() {
        let r = &a % &b;
        a = b;
        b = r;
    }
    a
}

/// `n / d` reduced; `None` when `d` is zero.
pub fn new(n: BigInt, d: BigInt) -> Option<BigRational> {
    if d.is_zero() {
        return None;
    }
    let g = gcd(&n, &d);
    let (mut n, mut d) = if g.is_one() { (n, d) } else { (n / &g, d / &g) };
    if d.is_negative() {
        n = -n;
        d = -d;
    }
    Some(BigRational::new_raw(n, d))
}

/// `a * b`.
pub fn mul(a: &BigRational, b: &BigRational) -> BigRational {
    if a.is_integer() && b.is_integer() {
        return BigRational::from_integer(a.numer() * b.numer());
    }
    let g1 = gcd(a.numer(), b.denom());
    let g2 = gcd(b.numer(), a.denom());
    let n = (a.numer() / &g1) * (b.numer() / &g2);
    let d = (a.denom() / &g2) * (b.denom() / &g1);
    BigRational::new_raw(n, d)
}

/// `a + b`.
pub fn add(a: &BigRational, b: &BigRational) -> BigRational {
    if a.is_integer() && b.is_integer() {
        return BigRational::from_integer(a.numer() + b.numer());
    }
    let (n, d) = if a.denom() == b.denom() {
        (a.numer() + b.numer(), a.denom().clone())
    } else {
        (
            a.numer() * b.denom() + b.numer() * a.denom(),
            a.denom() * b.denom(),
        )
    };
    new(n, d).unwrap_or_else(BigRational::zero)
}

/// `1 / a`; `None` for zero.
pub fn recip(a: &BigRational) -> Option<BigRational> {
    if a.is_zero() {
        return None;
    }
    let (n, d) = (a.numer().clone(), a.denom().clone());
    Some(if n.is_negative() {
        BigRational::new_raw(-d, -n)
    } else {
        BigRational::new_raw(d, n)
    })
}

/// `a / b`; `None` when `b` is zero.
pub fn div(a: &BigRational, b: &BigRational) -> Option<BigRational> {
    Some(mul(a, &recip(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn matches_num_rational() {
        let vals = [q(1, 2), q(-3, 4), q(5, 1), q(0, 1), q(-7, 3), q(10, 6)];
        for a in &vals {
            for b in &vals {
                assert_eq!(mul(a, b), a * b);
                assert_eq!(add(a, b), a + b);
                if !b.is_zero() {
                    assert_eq!(div(a, b), Some(a / b));
                }
            }
        }
        assert_eq!(recip(&q(-2, 3)), Some(q(-3, 2)));
        assert_eq!(new(4.into(), (-6).into()), Some(q(-2, 3)));
        assert_eq!(new(1.into(), 0.into()), None);
    }
}
