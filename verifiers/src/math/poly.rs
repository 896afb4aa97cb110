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
use super::q;
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::collections::BTreeMap;

mod exact;

pub use exact::normal_form;

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
        // roughly 400 units (~1 us in a large product, measured on (x+1)^200), 150 more per symbol in the
        // monomials (measured on (x+y+z)^30), plus its coefficients.
        let syms = self
            .0
            .keys()
            .chain(other.0.keys())
            .map(|m| m.syms.len() as u64)
            .max()
            .unwrap_or(0);
        let row_cost = other.0.len() as u64 * (400 + 150 * syms + 4 * words * words);
        let mut out: BTreeMap<Mono, BigRational> = BTreeMap::new();
        for (m1, c1) in &self.0 {
            b.charge(row_cost)?;
            if out.len() > 2 * MAX_TERMS {
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
