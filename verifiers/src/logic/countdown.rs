//! `countdown`: reach a target with `+ - * /` using every given number exactly once.
//!
//! The answer is parsed and evaluated in exact rational arithmetic (module `arith`), never
//! with `eval` or floats; the literals it uses must be exactly the given numbers (as a multiset)
//! and its value exactly the target. Any such expression is correct, not only the stored one.
//!
//! ## Accepts
//! - `(75 - 25) * 4 + 10 / 5`, with any spacing, `×` `÷` `−`, LaTeX `\times` `\frac{a}{b}`,
//!   brackets as parentheses, inside a code fence;
//! - `EXPR = TARGET` (the prompt asks for no `=`, but the equation is checked as written).
//!
//! ## Rejects
//! - a number not given, a given number unused or used twice (the detail says which);
//! - a value other than the target (fractions count: `7/2` is not `3`), division by zero;
//! - decimals, exponents, unknown characters, unbalanced parentheses, `EXPR = OTHER`.
//!
//! ## Examples
//! Numbers `[25, 4, 10, 5]`, target `102`: `25*4 + 10/5` is correct; `25*4 + 2` (2 not given)
//! and `25*4 + 10 - 5` (wrong value, 105) are not.

use super::arith::{self, Q};
use super::rng::Rng;
use super::{surface, Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "countdown",
    summary: "Reach a target with arithmetic on given numbers",
    group: Group::Moves,
    verify,
    solve,
    generate,
};

/// Most given numbers an instance may have.
const MAX_NUMBERS: usize = 32;
/// Search budget (combinations tried) of the solver when the stored expression is unusable.
const SOLVE_BUDGET: usize = 2_000_000;

/// `numbers` and `target` from the metadata.
fn read(meta: &Value) -> Result<(Vec<u64>, i128), String> {
    let numbers =
        u64_list(meta.get("numbers")).ok_or("metadata.numbers is not a list of numbers")?;
    if numbers.is_empty() || numbers.len() > MAX_NUMBERS {
        return Err(format!(
            "metadata.numbers must hold 1..={MAX_NUMBERS} numbers"
        ));
    }
    let target = meta
        .get("target")
        .and_then(Value::as_i64)
        .ok_or("metadata.target is not an integer")?;
    Ok((numbers, target as i128))
}

/// A JSON list of non-negative integers.
pub(crate) fn u64_list(v: Option<&Value>) -> Option<Vec<u64>> {
    v?.as_array()?.iter().map(Value::as_u64).collect()
}

/// Check `answer` as an expression over `numbers` that must equal `target`.
pub(crate) fn check_expression(answer: &str, numbers: &[u64], target: i128) -> Verdict {
    let text = surface::unfence(answer).trim_end_matches('.').trim();
    let expr = match split_equation(text, target) {
        Ok(e) => e,
        Err(why) => {
            return Verdict::incorrect("bad_equation", None).with_detail(json!({ "why": why }))
        }
    };
    let ev = match arith::evaluate(expr) {
        Ok(ev) => ev,
        Err(why) => {
            return Verdict::incorrect("unparseable", None).with_detail(json!({ "why": why }))
        }
    };
    if let Err(why) = arith::check_numbers(&ev.literals, numbers) {
        return Verdict::incorrect("wrong_numbers", None).with_detail(json!({ "why": why }));
    }
    if ev.value != Q::int(target) {
        let got = if ev.value.den == 1 {
            ev.value.num.to_string()
        } else {
            format!("{}/{}", ev.value.num, ev.value.den)
        };
        return Verdict::incorrect("wrong_value", None)
            .with_detail(json!({ "value": got, "target": target.to_string() }));
    }
    Verdict::correct("reaches_target", None)
}

/// `EXPR`, or `EXPR = TARGET` / `TARGET = EXPR` reduced to `EXPR`.
fn split_equation(text: &str, target: i128) -> Result<&str, String> {
    let parts: Vec<&str> = text.split('=').map(str::trim).collect();
    match parts.as_slice() {
        [e] => Ok(e),
        [l, r] => {
            let is_target = |s: &str| s.parse::<i128>().ok() == Some(target);
            if is_target(r) {
                Ok(l)
            } else if is_target(l) {
                Ok(r)
            } else {
                Err("an equation whose one side is not the target".into())
            }
        }
        _ => Err("more than one '='".into()),
    }
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    match read(inst.metadata) {
        // Reasoning Gym: 0.05 for a readable expression that is wrong, 0.01 otherwise.
        Ok((numbers, target)) => super::credit::apply(
            inst.options,
            check_expression(answer, &numbers, target),
            |r| {
                if matches!(r, "wrong_numbers" | "wrong_value") {
                    0.05
                } else {
                    0.01
                }
            },
        ),
        Err(e) => Verdict::error(e),
    }
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let (numbers, target) = read(inst.metadata).ok()?;
    // The stored expression is a solution when it checks; otherwise search.
    for stored in [inst.metadata.get("expression"), inst.ground_truth] {
        if let Some(s) = stored.and_then(Value::as_str) {
            if check_expression(s, &numbers, target).reward == 1.0 {
                return Some(s.to_string());
            }
        }
    }
    arith::solve(&numbers, Q::int(target), SOLVE_BUDGET)
}

/// Knobs: `min_numbers` (4), `max_numbers` (6), `min_value` (1), `max_value` (100),
/// `min_target` (100), `max_target` (999).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let k = |n, d| cfg.int(n, d);
    let (nmin, nmax) = (k("min_numbers", 4), k("max_numbers", 6));
    let (vmin, vmax) = (k("min_value", 1), k("max_value", 100));
    let (tmin, tmax) = (k("min_target", 100), k("max_target", 999));
    if !(2 <= nmin && nmin <= nmax && nmax as usize <= MAX_NUMBERS && 1 <= vmin && vmin <= vmax)
        || vmax > 1_000_000
        || tmin > tmax
    {
        return Err(Error::Generate(format!(
            "countdown needs 2 <= min_numbers <= max_numbers <= {MAX_NUMBERS}, 1 <= min_value <= max_value <= 1e6, min_target <= max_target"
        )));
    }
    let mut rng = Rng::new(cfg.seed);
    let n = rng.range(nmin, nmax) as usize;
    for _ in 0..10_000 {
        let Some((expr, mut numbers, value)) = candidate(&mut rng, n, vmin, vmax) else {
            continue;
        };
        if value < tmin as i128 || value > tmax as i128 {
            continue;
        }
        rng.shuffle(&mut numbers);
        let list = numbers
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let question = format!(
            "Make {value} from the numbers {list}, using each number exactly once and only the \
             operations +, -, * and /.\n\nFinal answer format: a single arithmetic expression, \
             without '=' and without the target; write '*' for multiplication and '/' for \
             division; nothing else.\n"
        );
        return Ok(Generated {
            question,
            answer: expr.clone(),
            metadata: json!({
                "source_dataset": "countdown",
                "source_index": cfg.seed,
                "numbers": numbers,
                "target": value as i64,
                "expression": expr,
                "difficulty": {
                    "numbers": [nmin, nmax],
                    "target": [tmin, tmax],
                    "value": [vmin, vmax],
                },
            }),
        });
    }
    Err(Error::Generate(format!(
        "no countdown puzzle with a target in [{tmin}, {tmax}] found"
    )))
}

/// A left-to-right random expression over `n` random numbers; division only where exact.
fn candidate(rng: &mut Rng, n: usize, vmin: i64, vmax: i64) -> Option<(String, Vec<u64>, i128)> {
    let mut numbers: Vec<u64> = (0..n).map(|_| rng.range(vmin, vmax) as u64).collect();
    let mut value = numbers[0] as i128;
    let mut text = numbers[0].to_string();
    let mut low = false; // whether `text` ends in a top-level + or -
    for i in 1..n {
        let mut op = *rng.choose(b"+-*/");
        if op == b'/' {
            // Use a later number that divides the running value, else subtract.
            let mut rest: Vec<usize> = (i..n).collect();
            rng.shuffle(&mut rest);
            match rest.into_iter().find(|&j| value % numbers[j] as i128 == 0) {
                Some(j) => numbers.swap(i, j),
                None => op = b'-',
            }
        }
        let x = numbers[i] as i128;
        value = Q::int(value).apply(op, Q::int(x)).ok()?.num;
        if (op == b'*' || op == b'/') && low {
            text = format!("({text})");
        }
        text = format!("{text} {} {x}", op as char);
        low = op == b'+' || op == b'-';
    }
    Some((text, numbers, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(meta: &Value, a: &str) -> String {
        let o = super::super::Options::default();
        let inst = Instance {
            metadata: meta,
            ground_truth: None,
            options: &o,
        };
        verify(&inst, a).reason
    }

    #[test]
    fn checks_numbers_and_value() {
        let m = json!({"numbers": [25, 4, 10, 5], "target": 102});
        assert_eq!(v(&m, "25*4 + 10/5"), "reaches_target");
        assert_eq!(v(&m, "10/5 + 4 × 25 = 102"), "reaches_target");
        assert_eq!(v(&m, "25*4 + 2"), "wrong_numbers");
        assert_eq!(v(&m, "25*4 + 10 - 5"), "wrong_value");
        assert_eq!(v(&m, "25*4 + 10/5 = 103"), "bad_equation");
        assert_eq!(v(&m, "25*4 + 10/5 + 0"), "wrong_numbers");
    }
}
