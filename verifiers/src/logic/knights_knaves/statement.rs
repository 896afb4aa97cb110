//! Knights-and-knaves statements: the tree Reasoning Gym stores (`["and", ["telling-truth", 0],
//! ...]`), its evaluation under an assignment (bit i = person i is a knight), and the seeded
//! sampler our generator draws statements from.

use crate::logic::rng::Rng;
use serde_json::{json, Value};

const MAX_DEPTH: usize = 12;

/// A statement about the inhabitants.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum S {
    Truth(usize),
    Lie(usize),
    Not(Box<S>),
    And(Vec<S>),
    Or(Vec<S>),
    Imp(Box<S>, Box<S>),
    Iff(Box<S>, Box<S>),
}

impl S {
    pub(super) fn eval(&self, a: u32) -> bool {
        match self {
            S::Truth(i) => a >> i & 1 == 1,
            S::Lie(i) => a >> i & 1 == 0,
            S::Not(x) => !x.eval(a),
            S::And(xs) => xs.iter().all(|x| x.eval(a)),
            S::Or(xs) => xs.iter().any(|x| x.eval(a)),
            S::Imp(x, y) => !x.eval(a) || y.eval(a),
            S::Iff(x, y) => x.eval(a) == y.eval(a),
        }
    }

    pub(super) fn to_json(&self) -> Value {
        match self {
            S::Truth(i) => json!(["telling-truth", i]),
            S::Lie(i) => json!(["lying", i]),
            S::Not(x) => json!(["not", x.to_json()]),
            S::And(xs) | S::Or(xs) => {
                let op = if matches!(self, S::And(_)) {
                    "and"
                } else {
                    "or"
                };
                let mut v = vec![json!(op)];
                v.extend(xs.iter().map(S::to_json));
                Value::Array(v)
            }
            S::Imp(x, y) => json!(["->", x.to_json(), y.to_json()]),
            S::Iff(x, y) => json!(["<=>", x.to_json(), y.to_json()]),
        }
    }
}

pub(super) fn parse_stmt(v: &Value, n: usize, depth: usize) -> Option<S> {
    let a = v.as_array()?;
    if depth > MAX_DEPTH || a.is_empty() {
        return None;
    }
    let sub = |i: usize| parse_stmt(a.get(i)?, n, depth + 1).map(Box::new);
    let person = || a.get(1)?.as_u64().map(|i| i as usize).filter(|&i| i < n);
    Some(match a[0].as_str()? {
        "telling-truth" => S::Truth(person()?),
        "lying" => S::Lie(person()?),
        "not" if a.len() == 2 => S::Not(sub(1)?),
        "and" | "or" if a.len() >= 2 => {
            let xs = (1..a.len())
                .map(|i| sub(i).map(|b| *b))
                .collect::<Option<Vec<_>>>()?;
            if a[0] == "and" {
                S::And(xs)
            } else {
                S::Or(xs)
            }
        }
        "->" if a.len() == 3 => S::Imp(sub(1)?, sub(2)?),
        "<=>" if a.len() == 3 => S::Iff(sub(1)?, sub(2)?),
        _ => return None,
    })
}

pub(super) fn sample(rng: &mut Rng, me: usize, n: usize, depth: i64, width: i64) -> S {
    let leaf = |rng: &mut Rng| loop {
        let who = rng.below(n as u64) as usize;
        // "I am a knave" has no consistent speaker: never generated.
        if rng.below(2) == 0 {
            return S::Truth(who);
        } else if who != me {
            return S::Lie(who);
        }
    };
    if depth <= 1 {
        return leaf(rng);
    }
    match rng.below(6) {
        0 => leaf(rng),
        1 => S::Not(Box::new(sample(rng, me, n, depth - 1, width))),
        2 | 3 => {
            let k = rng.range(2, width.max(2)) as usize;
            let mut xs: Vec<S> = Vec::new();
            for _ in 0..k * 4 {
                if xs.len() == k {
                    break;
                }
                let x = sample(rng, me, n, depth - 1, width);
                if !xs.contains(&x) {
                    xs.push(x);
                }
            }
            if xs.len() < 2 {
                return leaf(rng);
            }
            if rng.below(2) == 0 {
                S::And(xs)
            } else {
                S::Or(xs)
            }
        }
        k => {
            let x = Box::new(sample(rng, me, n, depth - 1, width));
            let y = Box::new(sample(rng, me, n, depth - 1, width));
            if k == 4 {
                S::Imp(x, y)
            } else {
                S::Iff(x, y)
            }
        }
    }
}
