//! Numeric answers with units, compared at the gold's significant figures.
//!
//! The rule (`docs/stem.md`): a gold written as a decimal with `n` significant figures
//! (trailing zeros count: `500` has 3, `2.50` has 3) stands for the interval of half a unit in
//! its last place, widened to `max(n, 2)` figures: the response, converted to the gold's unit,
//! is correct when it lies in `[g - h, g + h]`, both ends included, with
//! `h = 0.5 * 10^(last place of g at max(n, 2) figures)`. A gold of zero written `0` must be
//! matched exactly; `0.00` has `h = 0.005`. A gold that is not a decimal (`\frac{1}{3}`,
//! `2\sqrt{2}`) is exact: an exact response must equal it, a decimal response of at least 3
//! significant figures must be its correct rounding (within half a unit of the response's own
//! last place). Exact arithmetic throughout; `pi` (degrees and radians) in double precision.

use super::Decision;
use crate::math;
use crate::units::{self, number::pow10, parse_decimal, split_quantity, Decimal, Factor, Unit};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Fewest significant figures a gold is compared at.
pub const SIG_FIG_FLOOR: u32 = 2;
/// Fewest significant figures a decimal response to an exact gold must have.
pub const EXACT_GOLD_MIN_FIGS: u32 = 3;

/// A gold quantity: its number as written, the number as a decimal when it is one, its unit.
#[derive(Debug, Clone)]
pub struct GoldQty {
    pub number: String,
    pub dec: Option<Decimal>,
    pub unit: Unit,
    pub has_pi: bool,
}

/// Reads a gold as a quantity (a number with or without a unit).
pub fn gold_quantity(s: &str) -> Option<GoldQty> {
    let (number, unit) = split_quantity(strip_approx(s))?;
    let dec = parse_decimal(&number);
    let has_pi = number.contains("\\pi") || number.contains('π');
    Some(GoldQty {
        number,
        dec,
        unit,
        has_pi,
    })
}

/// Drops a leading `\approx`, `~`, "approximately", "about".
fn strip_approx(s: &str) -> &str {
    let mut s = s.trim().trim_matches('$').trim();
    for p in [
        "\\approx",
        "≈",
        "\\sim",
        "~",
        "approximately",
        "approx.",
        "about",
        "roughly",
        "around",
    ] {
        if let Some(r) = s.strip_prefix(p) {
            s = r.trim_start();
        }
    }
    s
}

/// The half-width of the gold's interval.
fn half_width(g: &Decimal) -> BigRational {
    let half = BigRational::new(BigInt::one(), BigInt::from(2));
    if g.is_zero() {
        return if g.exp < 0 {
            half * pow10(g.exp)
        } else {
            BigRational::zero()
        };
    }
    let short = SIG_FIG_FLOOR.saturating_sub(g.sig_figs()) as i32;
    half * pow10(g.exp - short)
}

/// The last part of an answer after `=`, `\approx`, `≈` that reads as a quantity.
fn answer_quantity(answer: &str) -> Option<(String, Unit)> {
    let a = answer.trim();
    let mut cut = 0;
    for sep in ["=", "\\approx", "≈", "\\simeq", "\\sim"] {
        if let Some(k) = a.rfind(sep) {
            cut = cut.max(k + sep.len());
        }
    }
    if cut > 0 {
        if let Some(q) = split_quantity(strip_approx(&a[cut..])) {
            return Some(q);
        }
    }
    split_quantity(strip_approx(a))
}

/// A unit written right after a box: `\boxed{5}\text{ cm}`, `\boxed{5} m/s.`
pub fn tail_unit(tail: &str) -> Option<Unit> {
    let mut t = tail;
    loop {
        let before = t.len();
        t = t.trim_start_matches(['$', ' ', '}']);
        for p in ["\\)", "\\]"] {
            t = t.strip_prefix(p).unwrap_or(t);
        }
        if t.len() == before {
            break;
        }
    }
    let end = t
        .find(['\n', ',', ';', '!', '?', '$'])
        .unwrap_or(t.len())
        .min(t.find(". ").unwrap_or(t.len()));
    let t = t[..end].trim().trim_end_matches('.');
    let words: Vec<&str> = t.split_whitespace().take(6).collect();
    for k in (1..=words.len()).rev() {
        let cand = words[..k].join(" ");
        if cand == "in" && words.len() > 1 {
            // "\boxed{5} in total": a preposition, not inches.
            return None;
        }
        if let Some(u) = units::parse_unit(&cand) {
            return Some(u);
        }
    }
    None
}

fn identity() -> Factor {
    Factor {
        ratio: BigRational::one(),
        pi: 0,
        offset: BigRational::zero(),
    }
}

/// Compares one extracted answer with a gold quantity. `Decision::NotApplicable` when the
/// answer is not a quantity.
pub fn compare(answer: &str, tail: &str, g: &GoldQty, cfg: &math::Config) -> Decision {
    let Some((num, mut unit)) = answer_quantity(answer) else {
        return Decision::NotApplicable;
    };
    if unit.is_one() {
        if let Some(u) = tail_unit(tail) {
            unit = u;
        }
    }
    let r_pi = num.contains("\\pi") || num.contains('π');
    // Interpretations of the response in the gold's unit: (power-of-ten shift, factor).
    let mut ways: Vec<(i32, Factor)> = Vec::with_capacity(2);
    if g.unit.percent && unit.is_one() {
        // `10\%` against `0.1`: the number as written, or the value.
        ways.push((0, identity()));
        ways.push((2, identity()));
    } else if g.unit.is_one() && unit.percent {
        ways.push((0, identity()));
        ways.push((-2, identity()));
    } else if g.unit.is_one() {
        // A gold without a unit: the number as written (a unit is not compared), except an
        // angle in degrees against a gold in radians (`\frac{\pi}{6}`).
        let rad = Unit {
            dim: [0, 0, 0, 0, 0, 0, 0, 1],
            ..Unit::one()
        };
        match (g.has_pi && unit.is_angle(), unit.factor_to(&rad)) {
            (true, Some(f)) => ways.push((0, f)),
            _ => ways.push((0, identity())),
        }
    } else if unit.is_one() {
        // A bare number is read in the gold's unit; `\frac{\pi}{6}` against degrees is radians.
        let rad = Unit {
            scale: BigRational::one(),
            pi: 0,
            ..g.unit.clone()
        };
        match (r_pi && g.unit.is_angle(), rad.factor_to(&g.unit)) {
            (true, Some(f)) => ways.push((0, f)),
            _ => ways.push((0, identity())),
        }
    } else {
        match unit.factor_to(&g.unit) {
            Some(f) => ways.push((0, f)),
            None => return Decision::NotEqual("unit_mismatch"),
        }
    }
    let mut first: Option<Decision> = None;
    for (shift, f) in &ways {
        let d = value_equal(&num, *shift, f, g, cfg);
        if matches!(d, Decision::Equal(_) | Decision::Timeout) {
            return d;
        }
        first.get_or_insert(d);
    }
    first.unwrap_or(Decision::NotEqual("value_mismatch"))
}

fn value_equal(num: &str, shift: i32, f: &Factor, g: &GoldQty, cfg: &math::Config) -> Decision {
    let r = parse_decimal(num);
    if let (Some(r), Some(gd)) = (&r, &g.dec) {
        let h = half_width(gd);
        let gv = gd.value();
        // The response's own interval, in the gold's unit: is the gold inside it?
        let own = BigRational::new(BigInt::one(), BigInt::from(2)) * pow10(r.exp + shift);
        if f.pi == 0 {
            let conv = r.value() * pow10(shift) * &f.ratio + &f.offset;
            let diff = (&conv - &gv).abs();
            if diff <= h {
                return Decision::Equal("sig_figs");
            }
            return if diff <= own * f.ratio.abs() {
                Decision::NotEqual("sig_fig_mismatch")
            } else {
                Decision::NotEqual("value_mismatch")
            };
        }
        let (Some(fr), Some(off), Some(hf)) = (units::factor_f64(f), f.offset.to_f64(), h.to_f64())
        else {
            return Decision::NotEqual("value_mismatch");
        };
        let conv = r.to_f64() * 10f64.powi(shift) * fr + off;
        let diff = (conv - gd.to_f64()).abs();
        if diff <= hf * (1.0 + 1e-12) {
            return Decision::Equal("sig_figs");
        }
        return Decision::NotEqual("value_mismatch");
    }
    // One side is not a decimal: the math verifier decides, on the converted expression.
    let expr = expression(num, shift, f);
    let response = format!("\\boxed{{{expr}}}");
    let mut c = math::Config {
        detail: false,
        ..cfg.clone()
    };
    if let Some(gd) = &g.dec {
        // An exact response against a decimal gold: within the gold's interval.
        let gv = gd.value().abs();
        if !gv.is_zero() {
            let rel = (half_width(gd) / gv).to_f64().unwrap_or(0.0);
            c.rel_tol = c.rel_tol.max(rel * (1.0 + 1e-9));
        }
        return run_math(&response, &g.number, &c, "sig_figs");
    }
    match run_math(&response, &g.number, &c, "exact") {
        Decision::NotEqual(_) => {}
        d => return d,
    }
    // A decimal response against an exact gold: its correct rounding, with enough figures.
    let Some(r) = r else {
        return Decision::NotEqual("value_mismatch");
    };
    if r.sig_figs() < EXACT_GOLD_MIN_FIGS || r.is_zero() {
        return Decision::NotEqual("value_mismatch");
    }
    let rv = r.value().abs();
    let own = BigRational::new(BigInt::one(), BigInt::from(2)) * pow10(r.exp);
    let rel = (own / rv).to_f64().unwrap_or(0.0);
    c.rel_tol = c.rel_tol.max(rel * (1.0 + 1e-9));
    run_math(&response, &g.number, &c, "rounded")
}

fn run_math(response: &str, gold: &str, c: &math::Config, ok: &'static str) -> Decision {
    let v = math::verify(response, &[gold], c);
    match v.verdict {
        crate::Outcome::Correct => Decision::Equal(ok),
        crate::Outcome::Timeout => Decision::Timeout,
        _ => Decision::NotEqual("value_mismatch"),
    }
}

/// `(num) * 10^shift * ratio * pi^k + offset` in LaTeX, for the math verifier.
fn expression(num: &str, shift: i32, f: &Factor) -> String {
    let mut s = format!("\\left({num}\\right)");
    if shift != 0 {
        s.push_str(&format!("\\cdot 10^{{{shift}}}"));
    }
    if !f.ratio.is_one() {
        s.push_str(&format!(
            "\\cdot\\frac{{{}}}{{{}}}",
            f.ratio.numer(),
            f.ratio.denom()
        ));
    }
    if f.pi != 0 {
        s.push_str(&format!("\\cdot\\pi^{{{}}}", f.pi));
    }
    if !f.offset.is_zero() {
        s.push_str(&format!(
            "+\\frac{{{}}}{{{}}}",
            f.offset.numer(),
            f.offset.denom()
        ));
    }
    s
}
