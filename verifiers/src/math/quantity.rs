//! Units in math answers: compared and converted, not stripped, when both sides carry one.
//!
//! A gold that is a number with a unit [`crate::units::split_quantity`] reads (`5\text{ cm}`,
//! `30^\circ`, `9.8\,\mathrm{m/s^2}`) is compared with an answer that carries a unit after
//! converting the answer into the gold's unit, exactly (big rationals; `\pi` for degrees and
//! radians stays symbolic, so the exact normal form decides):
//!
//! - `5\text{ cm}` = `50\text{ mm}`; `5\text{ cm}` is not `5\text{ m}`;
//! - a unit of another dimension is wrong, reason `unit_mismatch` (`5 s` for `5 cm`);
//! - a bare number is read in the gold's unit (the old rule: `5` = `5\text{ cm}`), except a
//!   bare number with `\pi` against a gold in degrees, which is radians (`\frac{\pi}{6}` =
//!   `30^\circ`);
//! - a degree answer against a bare gold with `\pi` is converted to radians (`30^\circ` =
//!   `\frac{\pi}{6}`);
//! - percent is left to the percent rule (`10\%` = `0.1` = `10`), on either side;
//! - money against a physical unit is wrong (`\$5` for `5\text{ cm}`, and the reverse).
//!
//! Everything else (no unit on the gold, an answer that is not a number and a unit, several
//! answers) keeps the comparison with units stripped. When in doubt, the old behaviour: this
//! module only decides where both units were read.

use super::compare::{Cmp, Decision};
use super::node::Node;
use super::parse_answer;
use crate::units::{self, Unit};
use num_traits::{One, Signed, Zero};

/// What a gold's unit means for the comparison.
pub(super) enum GoldQty {
    /// A number with a unit: the number (parsed) and its unit.
    Unit(Node, Unit),
    /// A bare number written with `\pi` (read as radians against an answer in degrees).
    PiBare,
    /// An amount of money (`\$5`, `5 €`): a unit in the answer (`cm`, `%`) is wrong.
    Money,
}

/// Whether `s` names a currency (`\$`, `€`, `£`, `¥`, "dollar").
fn money(s: &str) -> bool {
    s.contains("\\$") || s.contains(['€', '£', '¥']) || s.to_ascii_lowercase().contains("dollar")
}

/// Whether `s` may carry a unit at all: a letter, a backslash command or a non-ASCII sign.
/// Bare numbers (most golds and answers) skip the unit reader.
fn may_have_unit(s: &str) -> bool {
    s.bytes()
        .any(|b| b.is_ascii_alphabetic() || b == b'\\' || b >= 0x80)
}

/// Whether the unit is written apart from the number (`5 m`, `5\,m`, `5\text{ m}`, `30^\circ`,
/// `45°`): `5m` in a math answer may be five times a variable `m`.
fn set_apart(text: &str, head: &str) -> bool {
    let t = text.trim().trim_matches('$').trim();
    let Some(rest) = t.strip_prefix(head) else {
        // The quantity was inside one `\text{..}` group (`\text{5 cm}`): written as prose.
        return t.starts_with("\\text")
            || t.starts_with("\\mathrm")
            || t.starts_with("\\mbox")
            || t.starts_with("\\textrm");
    };
    rest.starts_with(|c: char| c.is_whitespace() || matches!(c, '\\' | '~' | '^' | '°' | '{'))
}

/// Reads a gold's unit, if it has one that matters.
pub(super) fn gold_qty(s: &str) -> Option<GoldQty> {
    if !may_have_unit(s) {
        return None;
    }
    if money(s) {
        // Only an amount alone (`\$5`, `5 dollars`), not a rate (`\$5 per hour`).
        let lower = s.to_ascii_lowercase();
        let amount = lower
            .replace("\\$", "")
            .replace(['€', '£', '¥'], "")
            .replace("dollars", "")
            .replace("dollar", "");
        return units::is_number_expr(amount.trim()).then_some(GoldQty::Money);
    }
    let (num, unit) = units::split_quantity(s)?;
    if unit.is_one() {
        let pi = num.contains("\\pi") || num.contains('π');
        return (pi && parse_answer(&num).is_ok()).then_some(GoldQty::PiBare);
    }
    if unit.percent || !set_apart(s, &num) {
        return None;
    }
    let node = parse_answer(&num).ok()?;
    Some(GoldQty::Unit(node, unit))
}

/// The answer's value in `to`, as a node, from its number and unit; `None` when the number
/// does not parse.
fn converted(num: &str, from: &Unit, to: &Unit) -> Option<(Node, bool)> {
    let f = from.factor_to(to)?;
    let identity = f.ratio.is_one() && f.pi == 0 && f.offset.is_zero();
    if identity {
        return parse_answer(num).ok().map(|n| (n, true));
    }
    let mut s = format!(
        "\\left({num}\\right)\\cdot\\frac{{{}}}{{{}}}",
        f.ratio.numer(),
        f.ratio.denom()
    );
    if f.pi != 0 {
        s.push_str(&format!("\\cdot\\pi^{{{}}}", f.pi));
    }
    if !f.offset.is_zero() {
        let sign = if f.offset.is_negative() { '-' } else { '+' };
        let o = f.offset.abs();
        s.push_str(&format!("{sign}\\frac{{{}}}{{{}}}", o.numer(), o.denom()));
    }
    parse_answer(&s).ok().map(|n| (n, false))
}

/// Decides answer `a` against a gold with a unit (`gold` is the whole gold's node), or `None`
/// to keep the comparison with units stripped.
pub(super) fn decide(
    a: &str,
    g: &GoldQty,
    gold: &Node,
    cmp: &mut Cmp<'_>,
) -> Option<(Decision, String)> {
    if !may_have_unit(a) {
        return None;
    }
    match g {
        // Any unit (`cm`, `%`) against an amount of money is wrong.
        GoldQty::Money => units::split_quantity(a)
            .filter(|(_, u)| !u.is_one())
            .map(|_| (Decision::NotEqual("unit_mismatch"), a.to_string())),
        GoldQty::Unit(..) if money(a) => Some((Decision::NotEqual("unit_mismatch"), a.to_string())),
        GoldQty::Unit(gnum, gunit) => {
            let (num, mut unit) = units::split_quantity(a)?;
            if unit.is_one() {
                // A bare number is in the gold's unit, unless it is an angle in radians.
                let pi = num.contains("\\pi") || num.contains('π');
                if !(pi && gunit.is_angle()) {
                    return None;
                }
                unit = units::parse_unit("rad")?;
            }
            if !unit.compatible(gunit) {
                return Some((Decision::NotEqual("unit_mismatch"), a.to_string()));
            }
            if unit.percent {
                return None;
            }
            let Some((node, identity)) = converted(&num, &unit, gunit) else {
                return Some((Decision::Undecided("undecided"), a.to_string()));
            };
            let shown = if cmp.cfg.detail {
                node.to_string()
            } else {
                String::new()
            };
            let d = match cmp.compare(&node, gnum) {
                Decision::Equal(m) if identity => Decision::Equal(m),
                Decision::Equal(_) => Decision::Equal("unit_conversion"),
                d => d,
            };
            Some((d, shown))
        }
        GoldQty::PiBare => {
            let degree = a.contains("circ") || a.contains('°') || a.contains("degree");
            if !degree {
                return None;
            }
            let (num, unit) = units::split_quantity(a)?;
            if !unit.is_angle() || unit.pi == 0 {
                return None;
            }
            let rad = units::parse_unit("rad")?;
            let (node, _) = converted(&num, &unit, &rad)?;
            let shown = if cmp.cfg.detail {
                node.to_string()
            } else {
                String::new()
            };
            let d = match cmp.compare(&node, gold) {
                Decision::Equal(_) => Decision::Equal("unit_conversion"),
                d => d,
            };
            Some((d, shown))
        }
    }
}
