//! `puzzle24`: make 24 from four given numbers with `+ - * /`, each number used exactly once.
//!
//! Reasoning Gym's scorer only counts that four numbers in range appear; this verifier checks
//! that the literals are exactly the given numbers (as a multiset) and that the expression equals
//! 24 in exact rational arithmetic (`8 / (3 - 8/3)` is 24; nothing is rounded).
//!
//! ## Accepts
//! - `(10 - 4) * (5 - 1)` with any spacing, unicode `×` `÷` `−`, LaTeX `\times` `\frac{a}{b}`;
//! - `EXPR = 24`.
//!
//! ## Rejects
//! - a number not given, a given number unused or used twice (the detail says which);
//! - any value other than exactly 24; division by zero; decimals; unknown characters.
//!
//! ## Examples
//! Numbers `[3, 3, 8, 8]`: `8 / (3 - 8/3)` is correct; `8 * 3` (two numbers unused) and
//! `3 * 8 + 8 - 8 + 3 - 3` (numbers repeated) are not.

use super::arith::{self, Q};
use super::countdown::{check_expression, u64_list};
use super::rng::Rng;
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "puzzle24",
    summary: "Make 24 from four numbers",
    group: Group::Moves,
    verify,
    solve,
    generate,
};

const TARGET: i128 = 24;
/// Most given numbers an instance may have (the family uses four).
const MAX_NUMBERS: usize = 8;

fn read(meta: &Value) -> Result<Vec<u64>, String> {
    let numbers =
        u64_list(meta.get("numbers")).ok_or("metadata.numbers is not a list of numbers")?;
    if numbers.is_empty() || numbers.len() > MAX_NUMBERS {
        return Err(format!(
            "metadata.numbers must hold 1..={MAX_NUMBERS} numbers"
        ));
    }
    Ok(numbers)
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    match read(inst.metadata) {
        // Reasoning Gym: 0.01 for any wrong answer.
        Ok(numbers) => super::credit::apply(
            inst.options,
            check_expression(answer, &numbers, TARGET),
            |_| 0.01,
        ),
        Err(e) => Verdict::error(e),
    }
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let numbers = read(inst.metadata).ok()?;
    arith::solve(&numbers, Q::int(TARGET), 10_000_000)
}

/// Knobs: `min_value` (1), `max_value` (10).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (lo, hi) = (cfg.int("min_value", 1), cfg.int("max_value", 10));
    if !(1 <= lo && lo <= hi && hi <= 100) {
        return Err(Error::Generate(
            "puzzle24 needs 1 <= min_value <= max_value <= 100".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    for _ in 0..10_000 {
        let numbers: Vec<u64> = (0..4).map(|_| rng.range(lo, hi) as u64).collect();
        let Some(expr) = arith::solve(&numbers, Q::int(TARGET), 100_000) else {
            continue;
        };
        let list = numbers
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let question = format!(
            "Use the numbers {list} to make 24. Each number must be used exactly once; the \
             operators allowed are +, -, *, /.\nFinal answer format:\n1. One arithmetic \
             expression, with no '=' sign.\n2. Leave the target number out of it.\n3. Write '*' \
             for multiplication and '/' for division.\n"
        );
        return Ok(Generated {
            question,
            answer: expr,
            metadata: json!({
                "source_dataset": "puzzle24",
                "source_index": cfg.seed,
                "numbers": numbers,
                "difficulty": {"value": [lo, hi]},
            }),
        });
    }
    Err(Error::Generate(format!(
        "no solvable four numbers found in [{lo}, {hi}]"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_rationals_and_number_use() {
        let m = json!({"numbers": [3, 3, 8, 8]});
        let o = super::super::Options::default();
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &o,
        };
        assert_eq!(verify(&inst, "8 / (3 - 8/3)").reason, "reaches_target");
        assert_eq!(verify(&inst, "8 * 3").reason, "wrong_numbers");
        assert_eq!(
            verify(&inst, "8 * 3 + 3 - 3 + 8 - 8").reason,
            "wrong_numbers"
        );
        assert_eq!(verify(&inst, "8 + 8 + 3 + 3").reason, "wrong_value");
    }
}
