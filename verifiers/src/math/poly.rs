//! Exact normal form: rational functions with big-rational coefficients.
//!
//! A value is `num / den`, each a polynomial whose monomials are products of symbols
//! (variables, `pi`, `e`) with one square-root radical `sqrt(r)` (r square-free) and at most
//! one factor `i`. Products reduce `sqrt(a) sqrt(b)` to `g sqrt(ab/g^2)` and `i^2` to `-1`, so the
//! representation of a polynomial is canonical and two values are equal exactly when
//! `num1 * den2 == num2 * den1`, with no polynomial gcd needed.
//!
//! Cost model: every power and factorial is sized before it is computed ([`MAX_BITS`],
//! [`MAX_TERMS`]) and every multiplication is charged to the [`Budget`]; anything larger is
//! `TooBig` (undecided), never a hang. Functions other than roots and integer powers
//! (trig, log, exp, cube roots of non-cubes) are `NotPoly` and left to numeric testing.

use super::budget::{Budget, Exhausted, MAX_BITS, MAX_TERMS};
use super::node::{Func, Node};
use super::q;
use num_bigint::BigInt;
use num_integer::{Integer, Roots};
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::collections::BTreeMap;

/// Why a value has no exact normal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolyErr {
    NotPoly,
    TooBig,
    Undefined,
    Budget,
}

impl From<Exhausted> for PolyErr {
    fn from(_: Exhausted) -> Self {
        PolyErr::Budget
    }
}

type R<T> = Result<T, PolyErr>;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Mono {
    /// (symbol name, exponent), sorted by name, exponents > 0.
    syms: Vec<(String, u32)>,
    /// Square-free radicand; 1 for none.
    rad: u64,
    i: bool,
}

impl Mono {
    fn one() -> Mono {
        Mono {
            syms: Vec::new(),
            rad: 1,
            i: false,
        }
    }
}

/// A polynomial: monomial -> nonzero coefficient.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Poly(BTreeMap<Mono, BigRational>);

/// `num / den`.
#[derive(Debug, Clone, PartialEq)]
pub struct RatFn {
    num: Poly,
    den: Poly,
}

fn bits(q: &BigRational) -> u64 {
    q.numer().bits().max(q.denom().bits())
}

impl Poly {
    fn constant(c: BigRational) -> Poly {
        let mut m = BTreeMap::new();
        if !c.is_zero() {
            m.insert(Mono::one(), c);
        }
        Poly(m)
    }

    fn mono(m: Mono, c: BigRational) -> Poly {
        let mut map = BTreeMap::new();
        if !c.is_zero() {
            map.insert(m, c);
        }
        Poly(map)
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// The value if this is a rational constant.
    fn as_rational(&self) -> Option<BigRational> {
        match self.0.len() {
            0 => Some(BigRational::zero()),
            1 => {
                let (m, c) = self.0.iter().next()?;
                (*m == Mono::one()).then(|| c.clone())
            }
            _ => None,
        }
    }

    fn add(&self, other: &Poly, b: &mut Budget) -> R<Poly> {
        b.charge(200 * (self.0.len() + other.0.len()) as u64)?;
        let mut out = self.0.clone();
        for (m, c) in &other.0 {
            let sum = out.get(m).map_or_else(|| c.clone(), |x| q::add(x, c));
            if sum.is_zero() {
                out.remove(m);
            } else {
                check_bits(&sum)?;
                out.insert(m.clone(), sum);
            }
        }
        Ok(Poly(out))
    }

    fn neg(&self) -> Poly {
        Poly(self.0.iter().map(|(m, c)| (m.clone(), -c)).collect())
    }

    fn mul(&self, other: &Poly, b: &mut Budget) -> R<Poly> {
        let words = self
            .0
            .values()
            .chain(other.0.values())
            .map(bits)
            .max()
            .unwrap_or(0)
            / 64
            + 1;
        // Charged one row of products at a time, so the budget is seen while a product runs.
        // One term product (monomial merge, map update, rational product with its gcd) costs
        // roughly 2,500 units (~6 us, measured on (x+1)^100) plus its coefficients.
        let row_cost = other.0.len() as u64 * (2500 + 4 * words * words);
        let mut out: BTreeMap<Mono, BigRational> = BTreeMap::new();
        for (m1, c1) in &self.0 {
            b.charge(row_cost)?;
            if out.len() > 4 * MAX_TERMS {
                return Err(PolyErr::TooBig);
            }
            for (m2, c2) in &other.0 {
                let (m, factor) = mono_mul(m1, m2)?;
                let c = q::mul(&q::mul(c1, c2), &factor);
                let sum = out.remove(&m).map_or_else(|| c.clone(), |x| q::add(&x, &c));
                if !sum.is_zero() {
                    check_bits(&sum)?;
                    out.insert(m, sum);
                }
            }
        }
        if out.len() > MAX_TERMS {
            return Err(PolyErr::TooBig);
        }
        Ok(Poly(out))
    }

    fn scale(&self, k: &BigRational) -> Poly {
        Poly(
            self.0
                .iter()
                .map(|(m, c)| (m.clone(), q::mul(c, k)))
                .collect(),
        )
    }
}

fn check_bits(q: &BigRational) -> R<()> {
    if bits(q) > MAX_BITS {
        Err(PolyErr::TooBig)
    } else {
        Ok(())
    }
}

fn mono_mul(a: &Mono, b: &Mono) -> R<(Mono, BigRational)> {
    let mut syms: Vec<(String, u32)> = Vec::with_capacity(a.syms.len() + b.syms.len());
    let (mut x, mut y) = (0, 0);
    while x < a.syms.len() || y < b.syms.len() {
        match (a.syms.get(x), b.syms.get(y)) {
            (Some(p), Some(q)) if p.0 == q.0 => {
                let e = p.1.checked_add(q.1).ok_or(PolyErr::TooBig)?;
                syms.push((p.0.clone(), e));
                x += 1;
                y += 1;
            }
            (Some(p), Some(q)) if p.0 < q.0 => {
                syms.push(p.clone());
                x += 1;
            }
            (Some(_), Some(q)) | (None, Some(q)) => {
                syms.push(q.clone());
                y += 1;
            }
            (Some(p), None) => {
                syms.push(p.clone());
                x += 1;
            }
            (None, None) => break,
        }
    }
    let g = a.rad.gcd(&b.rad);
    let rad = (a.rad / g).checked_mul(b.rad / g).ok_or(PolyErr::TooBig)?;
    let mut factor = BigRational::from_integer(BigInt::from(g));
    let i = a.i ^ b.i;
    if a.i && b.i {
        factor = -factor;
    }
    Ok((Mono { syms, rad, i }, factor))
}

impl RatFn {
    fn from_poly(p: Poly) -> RatFn {
        RatFn {
            num: p,
            den: Poly::constant(BigRational::one()),
        }
    }

    fn constant(c: BigRational) -> RatFn {
        RatFn::from_poly(Poly::constant(c))
    }

    /// The value if this is a rational constant.
    pub fn as_rational(&self) -> Option<BigRational> {
        let n = self.num.as_rational()?;
        let d = self.den.as_rational()?;
        if d.is_zero() {
            None
        } else {
            q::div(&n, &d)
        }
    }

    /// Folds a constant denominator into the numerator.
    fn tidy(self) -> RatFn {
        match self.den.as_rational() {
            Some(d) if !d.is_zero() && !d.is_one() => RatFn {
                num: self
                    .num
                    .scale(&q::recip(&d).unwrap_or_else(BigRational::one)),
                den: Poly::constant(BigRational::one()),
            },
            _ => self,
        }
    }

    fn add(&self, o: &RatFn, b: &mut Budget) -> R<RatFn> {
        if self.den == o.den {
            return Ok(RatFn {
                num: self.num.add(&o.num, b)?,
                den: self.den.clone(),
            });
        }
        let n = self.num.mul(&o.den, b)?.add(&o.num.mul(&self.den, b)?, b)?;
        Ok(RatFn {
            num: n,
            den: self.den.mul(&o.den, b)?,
        }
        .tidy())
    }

    fn mul(&self, o: &RatFn, b: &mut Budget) -> R<RatFn> {
        Ok(RatFn {
            num: self.num.mul(&o.num, b)?,
            den: self.den.mul(&o.den, b)?,
        }
        .tidy())
    }

    fn recip(&self) -> R<RatFn> {
        if self.num.is_zero() {
            return Err(PolyErr::Undefined);
        }
        Ok(RatFn {
            num: self.den.clone(),
            den: self.num.clone(),
        }
        .tidy())
    }

    fn pow(&self, n: &BigInt, b: &mut Budget) -> R<RatFn> {
        let base = if n.is_negative() {
            self.recip()?
        } else {
            self.clone()
        };
        let e = n.abs().to_u64().ok_or(PolyErr::TooBig)?;
        if e == 0 {
            return Ok(RatFn::constant(BigRational::one()));
        }
        // Size the result before computing it.
        if let Some(c) = base.as_rational() {
            if c.is_zero() || c.abs().is_one() {
                let odd = e % 2 == 1;
                return Ok(RatFn::constant(if odd { c } else { c.abs() }));
            }
            if bits(&c).saturating_mul(e) > MAX_BITS {
                return Err(PolyErr::TooBig);
            }
        } else if e > 256 {
            return Err(PolyErr::TooBig);
        }
        let mut result = RatFn::constant(BigRational::one());
        let mut sq = base;
        let mut k = e;
        loop {
            if k & 1 == 1 {
                result = result.mul(&sq, b)?;
            }
            k >>= 1;
            if k == 0 {
                break;
            }
            sq = sq.mul(&sq, b)?;
        }
        Ok(result)
    }

    /// Exact equality of two normal forms.
    pub fn equals(&self, o: &RatFn, b: &mut Budget) -> R<bool> {
        if self.den == o.den {
            return Ok(self.num == o.num);
        }
        Ok(self.num.mul(&o.den, b)? == o.num.mul(&self.den, b)?)
    }
}

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
            let n = as_int(&normal_form(n, b)?).ok_or(PolyErr::NotPoly)?;
            let k = as_int(&normal_form(k, b)?).ok_or(PolyErr::NotPoly)?;
            RatFn::constant(BigRational::from_integer(binomial(&n, &k, b)?))
        }
        Node::Func(Func::Abs, x) => {
            let v = normal_form(x, b)?.as_rational().ok_or(PolyErr::NotPoly)?;
            RatFn::constant(v.abs())
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
