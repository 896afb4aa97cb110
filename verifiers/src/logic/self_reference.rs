//! `self_reference`: how many truth assignments make seven self-referential statements consistent?
//!
//! Reasoning Gym's metadata carries only the difficulty, so for its instances the stored count
//! (`ground_truth`) decides. Our generator also writes the statements themselves
//! (`metadata.statements`, e.g. `["at_least_true", 3]`); then the count is recomputed by
//! enumerating all 2^n assignments, and the stored number is not trusted.
//!
//! ## Accepts
//! - one integer, as digits or a word (`2`, `two`, `There are 2 solutions.`), in a fence or not;
//!   the first sentence with a number decides (`2. Statements 1 and 6 hold in both.`).
//!
//! ## Rejects
//! - a different count; several different numbers (a hedge); no number.
//!
//! ## Examples
//! Reasoning Gym's seven statements with (a, b, c, d) = (3, 2, 0, 3) have exactly two consistent
//! assignments: `2` is accepted, `3` is wrong and `2 or 3` is a hedge.

use super::{Family, GenConfig, Generated, Group, Instance};
use crate::logic::rng::Rng;
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "self_reference",
    summary: "Count the consistent truth assignments of self-referential statements",
    group: Group::Reasoning,
    verify,
    solve,
    generate,
};

/// Most statements an instance may have (2^n assignments are enumerated).
const MAX_STATEMENTS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq)]
enum St {
    AtLeastTrue(u32),
    AtMostFalse(u32),
    ExactlyTrue(u32),
    ExactlyFalse(u32),
    /// Exactly one of two statements (0-based) is true.
    Xor(usize, usize),
    TruePrime,
    FalseComposite,
}

fn prime(n: u32) -> bool {
    n >= 2
        && (2..n)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

fn parse(v: &Value, n: usize) -> Option<St> {
    let a = v.as_array()?;
    let k = |i: usize| a.get(i)?.as_u64().filter(|&x| x <= 64).map(|x| x as u32);
    let s = |i: usize| {
        a.get(i)?
            .as_u64()
            .map(|x| x as usize)
            .filter(|&x| (1..=n).contains(&x))
            .map(|x| x - 1)
    };
    Some(match a.first()?.as_str()? {
        "at_least_true" => St::AtLeastTrue(k(1)?),
        "at_most_false" => St::AtMostFalse(k(1)?),
        "exactly_true" => St::ExactlyTrue(k(1)?),
        "exactly_false" => St::ExactlyFalse(k(1)?),
        "exactly_one_of" => St::Xor(s(1)?, s(2)?),
        "true_count_prime" => St::TruePrime,
        "false_count_composite" => St::FalseComposite,
        _ => return None,
    })
}

fn statements(m: &Value) -> Option<Vec<St>> {
    let a = m.get("statements")?.as_array()?;
    if a.is_empty() || a.len() > MAX_STATEMENTS {
        return None;
    }
    a.iter().map(|v| parse(v, a.len())).collect()
}

/// Number of assignments in which each statement is true exactly when its claim holds.
fn count(sts: &[St]) -> u64 {
    let n = sts.len() as u32;
    (0..1u32 << n)
        .filter(|&a| {
            let t = a.count_ones();
            let f = n - t;
            sts.iter().enumerate().all(|(i, s)| {
                let claim = match *s {
                    St::AtLeastTrue(k) => t >= k,
                    St::AtMostFalse(k) => f <= k,
                    St::ExactlyTrue(k) => t == k,
                    St::ExactlyFalse(k) => f == k,
                    St::Xor(x, y) => (a >> x & 1) != (a >> y & 1),
                    St::TruePrime => prime(t),
                    St::FalseComposite => f >= 4 && !prime(f),
                };
                (a >> i & 1 == 1) == claim
            })
        })
        .count() as u64
}

const WORDS: [&str; 11] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
];

/// The count in an answer: the first sentence that holds a number decides, and must hold only
/// that number; a later sentence that is nothing but another number is a hedge (`2. 3.`).
fn number(answer: &str) -> Result<u64, &'static str> {
    let lower = answer.to_lowercase();
    let mut decided: Option<u64> = None;
    for sentence in lower.split(['.', '!', '?', '\n', ';']) {
        let (mut found, mut bare) = (None::<u64>, true);
        for w in sentence
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let v = if w.len() <= 12 && w.bytes().all(|b| b.is_ascii_digit()) {
                w.parse::<u64>().ok()
            } else {
                WORDS.iter().position(|x| *x == w).map(|i| i as u64)
            };
            match v {
                Some(v) if found.is_some_and(|f| f != v) => {
                    if decided.is_none() {
                        return Err("several_numbers");
                    }
                    bare = false;
                }
                Some(v) => found = Some(v),
                None => bare = false,
            }
        }
        match (decided, found) {
            (None, Some(v)) => decided = Some(v),
            (Some(d), Some(v)) if bare && v != d => return Err("several_numbers"),
            _ => {}
        }
    }
    decided.ok_or("no_number")
}

fn truth(inst: &Instance<'_>) -> Option<u64> {
    if let Some(sts) = statements(inst.metadata) {
        return Some(count(&sts));
    }
    match inst.ground_truth? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let Some(want) = truth(inst) else {
        return Verdict::error("invalid instance: no statements in metadata and no stored count");
    };
    match number(answer) {
        Err(why) => Verdict::incorrect(why, None),
        Ok(n) if n == want => Verdict::correct("count_matches", None),
        Ok(_) => Verdict::incorrect("wrong_count", None),
    }
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    truth(inst).map(|n| n.to_string())
}

fn say(s: &St, n: usize) -> String {
    match *s {
        St::AtLeastTrue(k) => format!("At least {k} of these {n} statements are true."),
        St::AtMostFalse(k) => format!("At most {k} of these {n} statements are false."),
        St::ExactlyTrue(k) => format!("Exactly {k} of these {n} statements are true."),
        St::ExactlyFalse(k) => format!("Exactly {k} of these {n} statements are false."),
        St::Xor(x, y) => format!(
            "Exactly one of Statement {} and Statement {} is true.",
            x + 1,
            y + 1
        ),
        St::TruePrime => "The number of true statements is prime.".into(),
        St::FalseComposite => "The number of false statements is composite.".into(),
    }
}

fn to_json(s: &St) -> Value {
    match *s {
        St::AtLeastTrue(k) => json!(["at_least_true", k]),
        St::AtMostFalse(k) => json!(["at_most_false", k]),
        St::ExactlyTrue(k) => json!(["exactly_true", k]),
        St::ExactlyFalse(k) => json!(["exactly_false", k]),
        St::Xor(x, y) => json!(["exactly_one_of", x + 1, y + 1]),
        St::TruePrime => json!(["true_count_prime"]),
        St::FalseComposite => json!(["false_count_composite"]),
    }
}

/// Knob: `difficulty` (1..=10, default 5): higher values put the numeric parameters closer to a
/// planted number of true statements, which makes the cases harder to rule out.
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let d = cfg.int("difficulty", 5);
    if !(1..=10).contains(&d) {
        return Err(Error::Generate("self_reference: difficulty 1..=10".into()));
    }
    let mut rng = Rng::new(cfg.seed);
    let n = 7u32;
    for _ in 0..1000 {
        let planted = rng.range(1, 6) as u32;
        let spread = (11 - d) as u32 / 2 + 1;
        let near = |rng: &mut Rng| {
            let lo = planted.saturating_sub(spread) as i64;
            let hi = (planted + spread).min(n) as i64;
            rng.range(lo, hi) as u32
        };
        let sts = vec![
            St::AtLeastTrue(near(&mut rng)),
            St::AtMostFalse(n - near(&mut rng)),
            St::ExactlyTrue(near(&mut rng)),
            St::ExactlyFalse(n - near(&mut rng)),
            St::Xor(2, 3),
            St::TruePrime,
            St::FalseComposite,
        ];
        let c = count(&sts);
        if c == 0 {
            continue;
        }
        let mut q = String::from(
            "Each statement below is either true or false, and what it claims must match its truth value. \
             How many assignments of truth values to the statements are consistent?\n",
        );
        for (i, s) in sts.iter().enumerate() {
            q.push_str(&format!(
                " - Statement {}: '{}'\n",
                i + 1,
                say(s, n as usize)
            ));
        }
        return Ok(Generated {
            question: q,
            answer: c.to_string(),
            metadata: json!({
                "source_dataset": "self_reference",
                "statements": sts.iter().map(to_json).collect::<Vec<_>>(),
                "difficulty": {"difficulty": d},
            }),
        });
    }
    Err(Error::Generate(
        "self_reference: no consistent instance found".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Options;

    #[test]
    fn counts_and_reads_numbers() {
        // Reasoning Gym's first seed-1 instance: (a,b,c,d) = (3,2,0,3), count 2.
        let sts = [
            St::AtLeastTrue(3),
            St::AtMostFalse(2),
            St::ExactlyTrue(0),
            St::ExactlyFalse(3),
            St::Xor(2, 3),
            St::TruePrime,
            St::FalseComposite,
        ];
        assert_eq!(count(&sts), 2);
        assert_eq!(number("There are **two** solutions."), Ok(2));
        assert_eq!(number("2 or 3"), Err("several_numbers"));
        assert_eq!(number("2. 3."), Err("several_numbers"));
        assert_eq!(
            number("2. Statements 1, 6 and 7 hold in one of them."),
            Ok(2)
        );
        let o = Options::default();
        let m = json!({"difficulty": {"difficulty": 5}});
        let gt = json!("2");
        let inst = Instance {
            metadata: &m,
            ground_truth: Some(&gt),
            options: &o,
        };
        assert_eq!(verify(&inst, "2").reason, "count_matches");
        assert_eq!(verify(&inst, "1").reason, "wrong_count");
    }
}
