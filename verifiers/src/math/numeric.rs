//! Randomized numeric identity testing, for what the exact normal form cannot hold
//! (trig, logarithms, exponentials with symbolic exponents, nested or higher roots).
//!
//! Both expressions are evaluated in complex double precision at the same points: several real
//! points in `(0.3, 2.7)` per variable, then complex points (which separate `sqrt(x^2)` from
//! `x`). Points are drawn from a fixed-seed generator, so verdicts are deterministic. A point
//! where either side is undefined or infinite is skipped; at least three points must be usable.
//! Equality is relative (`|a-b| <= tol * max(|a|,|b|)`), never an absolute epsilon. An
//! "equal" between two exact expressions is re-checked in double-double precision ([`dd`]).

use super::budget::{Budget, Exhausted};
use super::node::{Func, Node};
use num_complex::Complex64 as C;
use num_traits::ToPrimitive;

mod dd;

/// Result of numeric testing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numeric {
    Equal,
    NotEqual,
    /// Too few points where both sides are defined and finite.
    Unknown,
}

/// Evaluates `node` with `vars[k]` bound to `vals[k]`; `None` where undefined.
pub fn eval(
    node: &Node,
    vars: &[String],
    vals: &[C],
    b: &mut Budget,
) -> Result<Option<C>, Exhausted> {
    b.charge(20)?;
    let v = match node {
        Node::Num { val, .. } => val.to_f64().map(|f| C::new(f, 0.0)),
        Node::Var(name) => vars.iter().position(|v| v == name).map(|k| vals[k]),
        Node::Pi => Some(C::new(std::f64::consts::PI, 0.0)),
        Node::E => Some(C::new(std::f64::consts::E, 0.0)),
        Node::I => Some(C::new(0.0, 1.0)),
        Node::Neg(a) => eval(a, vars, vals, b)?.map(|x| -x),
        Node::Add(items) => {
            let mut acc = C::new(0.0, 0.0);
            for it in items {
                match eval(it, vars, vals, b)? {
                    Some(x) => acc += x,
                    None => return Ok(None),
                }
            }
            Some(acc)
        }
        Node::Mul(items) => {
            let mut acc = C::new(1.0, 0.0);
            for it in items {
                match eval(it, vars, vals, b)? {
                    Some(x) => acc *= x,
                    None => return Ok(None),
                }
            }
            Some(acc)
        }
        Node::Div(x, y) => match (eval(x, vars, vals, b)?, eval(y, vars, vals, b)?) {
            (Some(x), Some(y)) if y.norm() != 0.0 => Some(x / y),
            _ => None,
        },
        Node::Percent(x) => eval(x, vars, vals, b)?.map(|x| x / 100.0),
        Node::Pow(base, exp) => {
            let e = eval(exp, vars, vals, b)?;
            if matches!(**base, Node::E) {
                e.map(|e| e.exp())
            } else {
                match (eval(base, vars, vals, b)?, e) {
                    (Some(x), Some(e)) => Some(power(x, e)),
                    _ => None,
                }
            }
        }
        Node::Root(n, x) => match (eval(n, vars, vals, b)?, eval(x, vars, vals, b)?) {
            (Some(n), Some(x)) => root(x, n),
            _ => None,
        },
        Node::Fact(x) => eval(x, vars, vals, b)?.and_then(factorial),
        Node::Binom(n, k) => match (eval(n, vars, vals, b)?, eval(k, vars, vals, b)?) {
            (Some(n), Some(k)) => binom(n, k),
            _ => None,
        },
        // Floor and ceiling jump: sampled at random points they would equate different
        // functions, so they are evaluated only on constants, and only away from a jump.
        Node::Func(f @ (Func::Floor | Func::Ceil), x) => {
            if has_var(x) {
                None
            } else {
                eval(x, vars, vals, b)?.and_then(|x| step(*f, x))
            }
        }
        Node::Func(f, x) => eval(x, vars, vals, b)?.map(|x| apply(*f, x)),
        Node::Log(base, x) => match (eval(base, vars, vals, b)?, eval(x, vars, vals, b)?) {
            (Some(base), Some(x)) if base.ln().norm() != 0.0 => Some(x.ln() / base.ln()),
            _ => None,
        },
        _ => None,
    };
    Ok(v.filter(|z| z.re.is_finite() && z.im.is_finite()))
}

fn has_var(node: &Node) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if matches!(n, Node::Var(_)) {
            return true;
        }
        n.for_each_child(|c| stack.push(c));
    }
    false
}

/// Floor or ceiling of a real constant, when it is not within round-off of an integer.
fn step(f: Func, x: C) -> Option<C> {
    let r = x.re.round();
    if x.im != 0.0 || (x.re - r).abs() <= 1e-9 * x.re.abs().max(1.0) {
        return None;
    }
    Some(C::new(
        if f == Func::Floor {
            x.re.floor()
        } else {
            x.re.ceil()
        },
        0.0,
    ))
}

fn real_int(z: C) -> Option<i64> {
    (z.im == 0.0 && z.re.fract() == 0.0 && z.re.abs() < 1e15).then_some(z.re as i64)
}

fn power(x: C, e: C) -> C {
    if let Some(k) = real_int(e) {
        if k.abs() <= 1024 {
            return x.powi(k as i32);
        }
    }
    if x.im == 0.0 && x.re > 0.0 && e.im == 0.0 {
        return C::new(x.re.powf(e.re), 0.0);
    }
    x.powc(e)
}

fn root(x: C, n: C) -> Option<C> {
    let n = real_int(n)?;
    if n < 2 {
        return None;
    }
    if x.im == 0.0 {
        if x.re >= 0.0 {
            return Some(C::new(x.re.powf(1.0 / n as f64), 0.0));
        }
        if n % 2 == 1 {
            return Some(C::new(-(-x.re).powf(1.0 / n as f64), 0.0));
        }
    }
    Some(x.powf(1.0 / n as f64))
}

fn factorial(x: C) -> Option<C> {
    let n = real_int(x)?;
    if !(0..=170).contains(&n) {
        return None;
    }
    Some(C::new((2..=n).map(|k| k as f64).product(), 0.0))
}

fn binom(n: C, k: C) -> Option<C> {
    let (n, k) = (real_int(n)?, real_int(k)?);
    if n < 0 || k < 0 || k > n || n > 1000 {
        return None;
    }
    let k = k.min(n - k);
    let mut acc = 1.0f64;
    for j in 0..k {
        acc = acc * (n - j) as f64 / (j + 1) as f64;
    }
    Some(C::new(acc.round(), 0.0))
}

fn apply(f: Func, x: C) -> C {
    match f {
        Func::Sin => x.sin(),
        Func::Cos => x.cos(),
        Func::Tan => x.tan(),
        Func::Cot => x.tan().inv(),
        Func::Sec => x.cos().inv(),
        Func::Csc => x.sin().inv(),
        Func::Asin => x.asin(),
        Func::Acos => x.acos(),
        Func::Atan => x.atan(),
        Func::Sinh => x.sinh(),
        Func::Cosh => x.cosh(),
        Func::Tanh => x.tanh(),
        Func::Ln => x.ln(),
        Func::Exp => x.exp(),
        Func::Abs => C::new(x.norm(), 0.0),
        Func::Floor | Func::Ceil => C::new(f64::NAN, 0.0),
    }
}

/// Deterministic xorshift generator for sample points.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Sample point of round `round`: real and positive for rounds 0-4, then complex (round 7 with
/// a negative real part, which separates `sqrt(x^2)` and `|x|` from `x`).
fn point(rng: &mut Rng, round: usize) -> C {
    let re = 0.3 + 2.4 * rng.next();
    match round {
        0..=4 => C::new(re, 0.0),
        5 | 6 => C::new(re, 0.2 + 0.8 * rng.next()),
        _ => C::new(-re, 0.2 + 0.8 * rng.next()),
    }
}

/// Whether `a` and `b` agree within relative `tol`.
pub fn close(a: C, b: C, tol: f64) -> bool {
    let scale = a.norm().max(b.norm());
    (a - b).norm() <= tol * scale
}

/// Tests `a == b` at shared random points. `f` maps each side's value before comparing (e.g. to
/// test a ratio); plain comparison passes `None`.
///
/// With `precise` (two exact expressions), an "equal" is re-checked in double-double
/// arithmetic at the real points ([`dd`]) where the expressions allow it.
pub fn identical(
    a: &Node,
    b: &Node,
    tol: f64,
    precise: bool,
    budget: &mut Budget,
) -> Result<Numeric, Exhausted> {
    let mut vars = a.vars();
    vars.extend(b.vars());
    vars.sort();
    vars.dedup();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let rounds = if vars.is_empty() { 1 } else { 8 };
    let mut usable = 0;
    let mut real_points: Vec<Vec<f64>> = Vec::new();
    for round in 0..rounds {
        let vals: Vec<C> = vars.iter().map(|_| point(&mut rng, round)).collect();
        if vals.iter().all(|z| z.im == 0.0) {
            real_points.push(vals.iter().map(|z| z.re).collect());
        }
        let (Some(x), Some(y)) = (
            eval(a, &vars, &vals, budget)?,
            eval(b, &vars, &vals, budget)?,
        ) else {
            continue;
        };
        if !close(x, y, tol) {
            return Ok(Numeric::NotEqual);
        }
        usable += 1;
    }
    let needed = if vars.is_empty() { 1 } else { 3 };
    if usable < needed {
        return Ok(Numeric::Unknown);
    }
    budget.charge(400)?;
    if precise && dd::confirm(a, b, &vars, &real_points) == Some(false) {
        return Ok(Numeric::NotEqual);
    }
    Ok(Numeric::Equal)
}

/// Tests whether `a / b` is a nonzero constant (equations up to scaling) at random points.
pub fn proportional(
    a: &Node,
    b: &Node,
    tol: f64,
    budget: &mut Budget,
) -> Result<Numeric, Exhausted> {
    let mut vars = a.vars();
    vars.extend(b.vars());
    vars.sort();
    vars.dedup();
    if vars.is_empty() {
        return Ok(Numeric::Unknown);
    }
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut ratio: Option<C> = None;
    let mut usable = 0;
    for round in 0..8 {
        let vals: Vec<C> = vars.iter().map(|_| point(&mut rng, round)).collect();
        let (Some(x), Some(y)) = (
            eval(a, &vars, &vals, budget)?,
            eval(b, &vars, &vals, budget)?,
        ) else {
            continue;
        };
        if x.norm() == 0.0 || y.norm() == 0.0 {
            if x.norm() == y.norm() {
                continue;
            }
            return Ok(Numeric::NotEqual);
        }
        let r = x / y;
        match ratio {
            None => ratio = Some(r),
            Some(r0) if !close(r0, r, tol) => return Ok(Numeric::NotEqual),
            _ => {}
        }
        usable += 1;
    }
    Ok(if usable >= 3 {
        Numeric::Equal
    } else {
        Numeric::Unknown
    })
}
