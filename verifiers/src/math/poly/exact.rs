//! From an expression tree to the exact normal form: numbers, symbols, sums, products,
//! quotients, integer and rational powers, square roots of rationals, factorials, binomials
//! and integer logarithms, each sized before it is computed.

use super::{bits, Mono, Poly, PolyErr, RatFn, R};
use crate::math::budget::{Budget, MAX_BITS};
use crate::math::node::{Func, Node};
use num_bigint::BigInt;
use num_integer::Roots;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Square root of a rational constant: `s * sqrt(r)` (times `i` for a negative value).
fn sqrt_rational(c: &BigRational, b: &mut Budget) -> R<RatFn> {
    // sqrt(p/q) = sqrt(p q) / q
    let neg = c.is_negative();
    let pq = (c.numer() * c.denom()).abs();
    let (s, r) = square_free(&pq, b)?;
    let coeff = BigRational::new(s, c.denom().clone());
    let mono = Mono {
        syms: Vec::new(),
        rad: r,
        i: neg,
    };
    Ok(RatFn::from_poly(Poly::mono(mono, coeff)))
}

/// `m = s^2 r` with `r` square-free; `TooBig` when `m` cannot be factored cheaply.
fn square_free(m: &BigInt, b: &mut Budget) -> R<(BigInt, u64)> {
    let root = m.sqrt();
    if &(&root * &root) == m {
        return Ok((root, 1));
    }
    let mut n = m.to_u64().ok_or(PolyErr::TooBig)?;
    let mut s: u64 = 1;
    let mut r: u64 = 1;
    let mut p: u64 = 2;
    const LIMIT: u64 = 1024;
    while p <= LIMIT && p * p <= n {
        b.charge(1)?;
        while n % (p * p) == 0 {
            n /= p * p;
            s *= p;
        }
        if n % p == 0 {
            n /= p;
            r *= p;
        }
        p += if p == 2 { 1 } else { 2 };
    }
    if n > 1 {
        let q = n.sqrt();
        if q * q == n {
            s = s.checked_mul(q).ok_or(PolyErr::TooBig)?;
        } else if n < LIMIT * LIMIT * LIMIT || p * p > n {
            // No factor below LIMIT: n is prime or a product of two distinct large primes.
            r = r.checked_mul(n).ok_or(PolyErr::TooBig)?;
        } else {
            return Err(PolyErr::TooBig);
        }
    }
    Ok((BigInt::from(s), r))
}

/// Exact n-th root of a rational, if it is one.
fn exact_root(c: &BigRational, n: u32) -> Option<BigRational> {
    if c.is_negative() && n & 1 == 0 {
        return None;
    }
    let num = c.numer().abs().nth_root(n);
    let den = c.denom().nth_root(n);
    let sign = if c.is_negative() {
        -BigInt::one()
    } else {
        BigInt::one()
    };
    let cand = BigRational::new(sign * num, den);
    let back = num_traits::Pow::pow(&cand, n);
    (back == *c).then_some(cand)
}

fn as_int(r: &RatFn) -> Option<BigInt> {
    r.as_rational()
        .filter(|q| q.is_integer())
        .map(|q| q.to_integer())
}

/// The exact normal form of a scalar expression.
pub fn normal_form(node: &Node, b: &mut Budget) -> R<RatFn> {
    b.charge(1)?;
    Ok(match node {
        Node::Num { val, .. } => RatFn::constant(val.clone()),
        Node::Var(v) => sym(v),
        Node::Pi => sym("\\pi"),
        Node::E => sym("\\e"),
        Node::I => RatFn::from_poly(Poly::mono(
            Mono {
                syms: Vec::new(),
                rad: 1,
                i: true,
            },
            BigRational::one(),
        )),
        Node::Neg(a) => {
            let v = normal_form(a, b)?;
            RatFn {
                num: v.num.neg(),
                den: v.den,
            }
        }
        Node::Add(items) => {
            let mut acc = RatFn::constant(BigRational::zero());
            for it in items {
                acc = acc.add(&normal_form(it, b)?, b)?;
            }
            acc
        }
        Node::Mul(items) => {
            let mut acc = RatFn::constant(BigRational::one());
            for it in items {
                acc = acc.mul(&normal_form(it, b)?, b)?;
            }
            acc
        }
        Node::Div(x, y) => normal_form(x, b)?.mul(&normal_form(y, b)?.recip()?, b)?,
        Node::Percent(x) => {
            normal_form(x, b)?.mul(&RatFn::constant(BigRational::new(1.into(), 100.into())), b)?
        }
        Node::Pow(base, exp) => pow(base, exp, b)?,
        Node::Root(index, arg) => {
            let n = as_int(&normal_form(index, b)?).ok_or(PolyErr::NotPoly)?;
            let n = n
                .to_u32()
                .filter(|n| *n >= 2 && *n <= 64)
                .ok_or(PolyErr::NotPoly)?;
            root(&normal_form(arg, b)?, n, b)?
        }
        Node::Fact(x) => {
            let n = as_int(&normal_form(x, b)?).ok_or(PolyErr::NotPoly)?;
            RatFn::constant(BigRational::from_integer(factorial(&n, b)?))
        }
        Node::Binom(n, k) => {
            let nf = normal_form(n, b)?;
            let k = as_int(&normal_form(k, b)?).ok_or(PolyErr::NotPoly)?;
            match as_int(&nf) {
                Some(n) => RatFn::constant(BigRational::from_integer(binomial(&n, &k, b)?)),
                None => symbolic_binomial(&nf, &k, b)?,
            }
        }
        Node::Func(Func::Abs, x) => {
            let v = normal_form(x, b)?.as_rational().ok_or(PolyErr::NotPoly)?;
            RatFn::constant(v.abs())
        }
        Node::Func(f @ (Func::Floor | Func::Ceil), x) => {
            let v = normal_form(x, b)?.as_rational().ok_or(PolyErr::NotPoly)?;
            RatFn::constant(if *f == Func::Floor {
                v.floor()
            } else {
                v.ceil()
            })
        }
        Node::Log(base, x) => {
            let base = normal_form(base, b)?
                .as_rational()
                .ok_or(PolyErr::NotPoly)?;
            let x = normal_form(x, b)?.as_rational().ok_or(PolyErr::NotPoly)?;
            RatFn::constant(log_exact(&base, &x, b)?)
        }
        _ => return Err(PolyErr::NotPoly),
    })
}

fn sym(name: &str) -> RatFn {
    RatFn::from_poly(Poly::mono(
        Mono {
            syms: vec![(name.to_string(), 1)],
            rad: 1,
            i: false,
        },
        BigRational::one(),
    ))
}

fn pow(base: &Node, exp: &Node, b: &mut Budget) -> R<RatFn> {
    if matches!(base, Node::E) {
        // e^k with integer k stays exact; other exponents are transcendental.
        let e = normal_form(exp, b)?;
        let k = as_int(&e).ok_or(PolyErr::NotPoly)?;
        return sym("\\e").pow(&k, b);
    }
    let e = normal_form(exp, b)?.as_rational().ok_or(PolyErr::NotPoly)?;
    let x = normal_form(base, b)?;
    if e.is_integer() {
        return x.pow(e.numer(), b);
    }
    // Rational exponent p/q: q-th root then p-th power.
    let q = e
        .denom()
        .to_u32()
        .filter(|q| *q <= 64)
        .ok_or(PolyErr::NotPoly)?;
    root(&x, q, b)?.pow(e.numer(), b)
}

fn root(x: &RatFn, n: u32, b: &mut Budget) -> R<RatFn> {
    let c = x.as_rational().ok_or(PolyErr::NotPoly)?;
    if let Some(r) = exact_root(&c, n) {
        return Ok(RatFn::constant(r));
    }
    if n == 2 {
        return sqrt_rational(&c, b);
    }
    Err(PolyErr::NotPoly)
}

fn factorial(n: &BigInt, b: &mut Budget) -> R<BigInt> {
    let n = n.to_u64().ok_or(PolyErr::Undefined)?;
    // log2(n!) <= n log2 n: size it first.
    let est = n.saturating_mul(64 - n.leading_zeros() as u64);
    if est > MAX_BITS * 2 {
        return Err(PolyErr::TooBig);
    }
    let mut acc = BigInt::one();
    for k in 2..=n {
        b.charge(acc.bits() / 64 + 1)?;
        acc *= k;
    }
    Ok(acc)
}

/// `binom(n, k)` for a symbolic `n` and a small integer `k`: `n (n-1) .. (n-k+1) / k!`.
fn symbolic_binomial(n: &RatFn, k: &BigInt, b: &mut Budget) -> R<RatFn> {
    let k = k.to_u32().filter(|k| *k <= 32).ok_or(PolyErr::NotPoly)?;
    let mut acc = RatFn::constant(BigRational::one());
    for j in 0..k {
        let shifted = n.add(
            &RatFn::constant(BigRational::from_integer((-(j as i64)).into())),
            b,
        )?;
        acc = acc.mul(&shifted, b)?;
        acc = acc.mul(
            &RatFn::constant(BigRational::new(1.into(), (j as i64 + 1).into())),
            b,
        )?;
    }
    Ok(acc)
}

fn binomial(n: &BigInt, k: &BigInt, b: &mut Budget) -> R<BigInt> {
    if k.is_negative() || n.is_negative() || k > n {
        return if n.is_negative() {
            Err(PolyErr::NotPoly)
        } else {
            Ok(BigInt::zero())
        };
    }
    let n = n.to_u64().ok_or(PolyErr::TooBig)?;
    let k = k.to_u64().ok_or(PolyErr::TooBig)?;
    let k = k.min(n - k);
    if k.saturating_mul(64 - n.leading_zeros() as u64) > MAX_BITS * 2 {
        return Err(PolyErr::TooBig);
    }
    let mut acc = BigInt::one();
    for j in 0..k {
        b.charge(acc.bits() / 64 + 1)?;
        acc = acc * (n - j) / (j + 1);
    }
    Ok(acc)
}

/// `log_base(x)` when it is an integer (e.g. `\log_2 8 = 3`, `\log_{10} 0.01 = -2`).
fn log_exact(base: &BigRational, x: &BigRational, b: &mut Budget) -> R<BigRational> {
    if !base.is_positive() || base.is_one() || !x.is_positive() {
        return Err(PolyErr::NotPoly);
    }
    if x.is_one() {
        return Ok(BigRational::zero());
    }
    let (target, sign) = if (x > &BigRational::one()) == (base > &BigRational::one()) {
        (x.clone(), 1)
    } else {
        (x.recip(), -1)
    };
    let mut acc = base.clone();
    for k in 1..=MAX_BITS {
        b.charge(1)?;
        if acc == target {
            return Ok(BigRational::from_integer(BigInt::from(sign * k as i64)));
        }
        if bits(&acc) > bits(&target) + 1 {
            break;
        }
        acc *= base;
    }
    Err(PolyErr::NotPoly)
}
