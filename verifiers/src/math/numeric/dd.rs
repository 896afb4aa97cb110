//! The second, higher-precision pass: real double-double arithmetic (about 32 significant
//! digits) for expressions built from numbers, variables, `pi`, `e`, `+ - * /`, integer powers
//! and n-th roots. It re-checks a double-precision "equal" between two exact expressions, so
//! that values that agree only to 15 digits (`2^{1/3}(10^{20}+1)` vs `2^{1/3} 10^{20}`) are told
//! apart. Expressions with other functions skip this pass.

use crate::math::node::Node;
use num_rational::BigRational;
use num_traits::ToPrimitive;

/// A double-double: `hi + lo` with `|lo| <= ulp(hi) / 2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dd {
    hi: f64,
    lo: f64,
}

fn two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    let bb = s - a;
    Dd {
        hi: s,
        lo: (a - (s - bb)) + (b - bb),
    }
}

fn quick(a: f64, b: f64) -> Dd {
    let s = a + b;
    Dd {
        hi: s,
        lo: b - (s - a),
    }
}

impl Dd {
    fn new(hi: f64) -> Dd {
        Dd { hi, lo: 0.0 }
    }

    fn add(self, o: Dd) -> Dd {
        let s = two_sum(self.hi, o.hi);
        let t = two_sum(self.lo, o.lo);
        let r = quick(s.hi, s.lo + t.hi);
        quick(r.hi, r.lo + t.lo)
    }

    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    fn mul(self, o: Dd) -> Dd {
        let p = self.hi * o.hi;
        let e = self.hi.mul_add(o.hi, -p);
        quick(p, e + (self.hi * o.lo + self.lo * o.hi))
    }

    fn mul_f(self, f: f64) -> Dd {
        self.mul(Dd::new(f))
    }

    fn div(self, o: Dd) -> Option<Dd> {
        if o.hi == 0.0 {
            return None;
        }
        let q1 = self.hi / o.hi;
        let r = self.add(o.mul_f(q1).neg());
        let q2 = r.hi / o.hi;
        let r = r.add(o.mul_f(q2).neg());
        let q3 = r.hi / o.hi;
        Some(quick(q1, q2).add(Dd::new(q3)))
    }

    fn powi(self, mut n: u64) -> Dd {
        let mut acc = Dd::new(1.0);
        let mut sq = self;
        while n > 0 {
            if n & 1 == 1 {
                acc = acc.mul(sq);
            }
            sq = sq.mul(sq);
            n >>= 1;
        }
        acc
    }

    /// Real n-th root (odd roots of negatives allowed) by Newton steps from the f64 root.
    fn root(self, n: u64) -> Option<Dd> {
        if self.hi == 0.0 {
            return Some(self);
        }
        let neg = self.hi < 0.0;
        if neg && n & 1 == 0 {
            return None;
        }
        let x = if neg { self.neg() } else { self };
        let mut r = Dd::new(x.hi.powf(1.0 / n as f64));
        for _ in 0..3 {
            // r <- r - (r^n - x) / (n r^(n-1))
            let num = r.powi(n).add(x.neg());
            let den = r.powi(n - 1).mul_f(n as f64);
            r = r.add(num.div(den)?.neg());
        }
        Some(if neg { r.neg() } else { r })
    }

    fn abs(self) -> f64 {
        self.hi.abs()
    }
}

fn from_rational(q: &BigRational) -> Option<Dd> {
    let hi = q.to_f64()?;
    if !hi.is_finite() {
        return None;
    }
    let rest = q - BigRational::from_float(hi)?;
    Some(quick(hi, rest.to_f64().unwrap_or(0.0)))
}

fn small_int(d: Dd) -> Option<i64> {
    (d.lo == 0.0 && d.hi.fract() == 0.0 && d.hi.abs() <= 4096.0).then_some(d.hi as i64)
}

/// Evaluates `node` at real values; `None` when unsupported or undefined here.
pub fn eval(node: &Node, vars: &[String], vals: &[f64], depth: usize) -> Option<Dd> {
    if depth > 200 {
        return None;
    }
    let ev = |n: &Node| eval(n, vars, vals, depth + 1);
    let v = match node {
        Node::Num { val, .. } => from_rational(val)?,
        Node::Var(name) => Dd::new(vals[vars.iter().position(|v| v == name)?]),
        Node::Pi => quick(std::f64::consts::PI, 1.2246467991473532e-16),
        Node::E => quick(std::f64::consts::E, 1.4456468917292502e-16),
        Node::Neg(a) => ev(a)?.neg(),
        Node::Add(items) => items
            .iter()
            .try_fold(Dd::new(0.0), |acc, it| Some(acc.add(ev(it)?)))?,
        Node::Mul(items) => items
            .iter()
            .try_fold(Dd::new(1.0), |acc, it| Some(acc.mul(ev(it)?)))?,
        Node::Div(a, b) => ev(a)?.div(ev(b)?)?,
        Node::Percent(a) => ev(a)?.div(Dd::new(100.0))?,
        Node::Pow(base, exp) => {
            let x = ev(base)?;
            let e = ev(exp)?;
            if let Some(k) = small_int(e) {
                let p = x.powi(k.unsigned_abs());
                if k < 0 {
                    Dd::new(1.0).div(p)?
                } else {
                    p
                }
            } else {
                // p/q with a small q: the q-th root, then the power.
                let exp_q = match &**exp {
                    Node::Div(p, q) => Some((ev(p)?, ev(q)?)),
                    _ => None,
                };
                let (p, q) = exp_q?;
                let (p, q) = (small_int(p)?, small_int(q)?);
                if q <= 0 {
                    return None;
                }
                let r = x.root(q as u64)?.powi(p.unsigned_abs());
                if p < 0 {
                    Dd::new(1.0).div(r)?
                } else {
                    r
                }
            }
        }
        Node::Root(n, x) => {
            let n = small_int(ev(n)?)?;
            if n < 2 {
                return None;
            }
            ev(x)?.root(n as u64)?
        }
        _ => return None,
    };
    (v.hi.is_finite() && v.lo.is_finite()).then_some(v)
}

/// Re-checks an equality at real points in double-double: `Some(false)` when the two sides
/// differ beyond 1e-28 relative at some point, `Some(true)` when they agree at all usable
/// points, `None` when the pass does not apply.
pub fn confirm(a: &Node, b: &Node, vars: &[String], points: &[Vec<f64>]) -> Option<bool> {
    let mut used = 0;
    for vals in points {
        let (Some(x), Some(y)) = (eval(a, vars, vals, 0), eval(b, vars, vals, 0)) else {
            continue;
        };
        let scale = x.abs().max(y.abs());
        if x.add(y.neg()).abs() > 1e-28 * scale {
            return Some(false);
        }
        used += 1;
    }
    (used > 0).then_some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_double_resolves_what_f64_cannot() {
        let x = Dd::new(2.0).root(3).expect("cube root");
        let big = Dd::new(1e20);
        let a = x.mul(big.add(Dd::new(1.0)));
        let b = x.mul(big);
        assert!(a.add(b.neg()).abs() > 1e-24 * a.abs());
        let c = x.powi(3).add(Dd::new(-2.0));
        assert!(c.abs() < 1e-28, "cube of cube root: {c:?}");
        let s = Dd::new(2.0).root(2).expect("sqrt");
        assert!(s.mul(s).add(Dd::new(-2.0)).abs() < 1e-30);
    }
}
