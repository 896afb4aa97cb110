//! `circuit_logic`: the output bit of a two-level logic circuit for given inputs.
//!
//! The circuit is re-evaluated from the metadata (`term_strings`, `final_gate`, `assignments`):
//! each term joins literals (`A`, `B'` = not B) with one gate, `&` AND, `↑` NAND or `⊕` XOR,
//! and the final gate (OR, NOR, XOR, AND) combines the terms. A term of a single literal does
//! not show its gate, so for such instances the stored answer decides (Reasoning Gym's default
//! generator never makes them).
//!
//! ## Accepts
//! - `1`/`0`, `true`/`false`, with whitespace, a fence or a short sentence (`The output is 1.`);
//!   the first sentence with a bit decides (`1. The NAND term is 1 since A is 0.`).
//!
//! ## Rejects
//! - the other bit; both bits (`0 or 1`, a hedge); no bit at all.
//!
//! ## Examples
//! Terms `A&B'`, `B⊕C`, final OR, A=1 B=0 C=0: `1`; `0` is rejected.

use super::{Family, GenConfig, Generated, Group, Instance};
use crate::logic::rng::Rng;
use crate::{Error, Verdict};
use serde_json::{json, Map, Value};

pub static FAMILY: Family = Family {
    name: "circuit_logic",
    summary: "Evaluate a logic circuit's output bit for given inputs",
    group: Group::Reasoning,
    verify,
    solve,
    generate,
};

const GATES: [(char, &str); 3] = [('&', "AND"), ('↑', "NAND"), ('⊕', "XOR")];

/// One term's value, or `None` if the term cannot be read (or its gate is not shown).
fn term(t: &str, inputs: &Map<String, Value>) -> Option<bool> {
    let gate = GATES.iter().find(|(c, _)| t.contains(*c))?;
    let mut vals = Vec::new();
    for lit in t.split(gate.0) {
        let lit = lit.trim();
        let (name, neg) = match lit.strip_suffix('\'') {
            Some(n) => (n, true),
            None => (lit, false),
        };
        let v = inputs.get(name)?.as_u64()?;
        if v > 1 {
            return None;
        }
        vals.push((v == 1) != neg);
    }
    if vals.len() < 2 {
        return None;
    }
    Some(match gate.1 {
        "AND" => vals.iter().all(|&v| v),
        "NAND" => !vals.iter().all(|&v| v),
        _ => vals.iter().filter(|&&v| v).count() % 2 == 1,
    })
}

/// The circuit's output computed from the metadata.
fn output(m: &Value) -> Option<bool> {
    let inputs = m.get("assignments")?.as_object()?;
    let terms = m.get("term_strings")?.as_array()?;
    if terms.is_empty() || terms.len() > 1000 {
        return None;
    }
    let vals = terms
        .iter()
        .map(|t| term(t.as_str()?, inputs))
        .collect::<Option<Vec<bool>>>()?;
    let any = vals.iter().any(|&v| v);
    Some(match m.get("final_gate")?.as_str()? {
        "OR" => any,
        "NOR" => !any,
        "AND" => vals.iter().all(|&v| v),
        "NAND" => !vals.iter().all(|&v| v),
        "XOR" => vals.iter().filter(|&&v| v).count() % 2 == 1,
        _ => return None,
    })
}

/// The bit in an answer ([`super::lit::two_way`]: the first sentence with a bit decides);
/// `Err` for none or both.
fn bit(answer: &str) -> Result<bool, &'static str> {
    let word = |w: &str| match w {
        "1" | "true" | "high" => Some(true),
        "0" | "false" | "low" => Some(false),
        _ => None,
    };
    match super::lit::two_way(answer, word) {
        Err("no_polarity") => Err("no_bit"),
        other => other,
    }
}

fn stored(gt: Option<&Value>) -> Option<bool> {
    match gt? {
        Value::String(s) => bit(s).ok(),
        Value::Number(n) => n.as_u64().filter(|&x| x <= 1).map(|x| x == 1),
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let Some(truth) = output(inst.metadata).or_else(|| stored(inst.ground_truth)) else {
        return Verdict::error("invalid metadata: cannot evaluate the circuit and no answer given");
    };
    match bit(answer) {
        Err(why) => Verdict::incorrect(why, None),
        Ok(b) if b == truth => Verdict::correct("output_matches", None),
        Ok(_) => Verdict::incorrect("wrong_output", None),
    }
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    output(inst.metadata)
        .or_else(|| stored(inst.ground_truth))
        .map(|b| if b { "1" } else { "0" }.to_string())
}

fn input_name(i: usize) -> String {
    // A..Z, then AA, AB, ...
    let mut i = i;
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A percentage knob, also read from Reasoning Gym's probability name (`neg_prob: 0.3`).
pub(super) fn percent(cfg: &GenConfig, name: &str, prob_name: &str, default: i64) -> i64 {
    match cfg.difficulty.get(prob_name).and_then(Value::as_f64) {
        Some(p) if (0.0..=1.0).contains(&p) => (p * 100.0).round() as i64,
        Some(_) => -1,
        None => cfg.int(name, default),
    }
}

/// Knobs: `min_terms`/`max_terms` (default 3..5), `min_inputs`/`max_inputs` (literals per term,
/// default 2..4), `neg_percent` (default 30; or Reasoning Gym's `neg_prob`).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (t0, t1) = (cfg.int("min_terms", 3), cfg.int("max_terms", 5));
    let (i0, i1) = (cfg.int("min_inputs", 2), cfg.int("max_inputs", 4));
    let neg = percent(cfg, "neg_percent", "neg_prob", 30);
    if !(1 <= t0
        && t0 <= t1
        && t1 <= 30
        && 2 <= i0
        && i0 <= i1
        && i1 <= 10
        && (0..=100).contains(&neg))
    {
        return Err(Error::Generate(
            "circuit_logic: terms 1..=30, inputs 2..=10, neg_percent 0..=100".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let finals = [("OR", "+"), ("NOR", "↓"), ("XOR", "⊕"), ("AND", "&")];
    let (final_name, final_sym) = *rng.choose(&finals);
    let mut names: Vec<String> = Vec::new();
    let mut terms = Vec::new();
    for _ in 0..rng.range(t0, t1) {
        let (sym, _) = *rng.choose(&GATES);
        let k = rng.range(i0, i1);
        let mut parts = Vec::new();
        for _ in 0..k {
            let name = if !names.is_empty() && rng.below(2) == 0 {
                rng.choose(&names).clone()
            } else {
                names.push(input_name(names.len()));
                names[names.len() - 1].clone()
            };
            let n = (rng.below(100) as i64) < neg;
            parts.push(format!("{name}{}", if n { "'" } else { "" }));
        }
        terms.push(parts.join(&sym.to_string()));
    }
    let mut assignments = Map::new();
    for n in &names {
        assignments.insert(n.clone(), json!(rng.below(2)));
    }
    let expression = terms
        .iter()
        .map(|t| format!("({t})"))
        .collect::<Vec<_>>()
        .join(final_sym);
    let mut meta = json!({
        "source_dataset": "circuit_logic",
        "expression": expression,
        "assignments": assignments,
        "term_strings": terms,
        "final_gate": final_name,
        "inputs": names,
        "difficulty": {"terms": [t0, t1], "inputs": [i0, i1]},
    });
    let out = output(&meta)
        .ok_or_else(|| Error::Generate("circuit_logic: internal evaluation failed".into()))?;
    let mut q = format!(
        "A circuit computes OUT = {expression}\nNotation: & is AND, ↑ is NAND, ⊕ is XOR, X' is NOT X; \
         the bracketed terms feed one {final_name} gate ({final_sym}).\n\nInputs:\n"
    );
    for n in &names {
        q.push_str(&format!("  {n} = {}\n", meta["assignments"][n]));
    }
    q.push_str("\nWhat is OUT (0 or 1)?");
    if let Some(d) = meta.get_mut("difficulty") {
        d["neg_percent"] = json!(neg);
    }
    Ok(Generated {
        question: q,
        answer: if out { "1" } else { "0" }.into(),
        metadata: meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Options;

    #[test]
    fn evaluates_the_circuit() {
        let m = json!({"term_strings": ["A↑A", "A&B'&A", "A&B&C"], "final_gate": "OR",
                       "assignments": {"A": 0, "B": 1, "C": 1}});
        let o = Options::default();
        let v = |a: &str| {
            verify(
                &Instance {
                    metadata: &m,
                    ground_truth: None,
                    options: &o,
                },
                a,
            )
            .reason
        };
        assert_eq!(v("1"), "output_matches");
        assert_eq!(v("The output is **1**."), "output_matches");
        assert_eq!(v("0"), "wrong_output");
        assert_eq!(v("0 or 1"), "hedge");
        assert_eq!(v("1. The NAND term is 1 since A is 0."), "output_matches");
        assert_eq!(v("1 since A is 0"), "hedge");
        assert_eq!(v("1.\nThe first term is high."), "output_matches");
        assert_eq!(v("1. 0."), "hedge");
        assert_eq!(input_name(0), "A");
        assert_eq!(input_name(26), "AA");
    }

    #[test]
    fn reasoning_gym_knob_names() {
        let mut cfg = GenConfig {
            seed: 5,
            ..GenConfig::default()
        };
        cfg.difficulty.insert("neg_prob".into(), json!(0.0));
        let g = generate(&cfg).unwrap();
        assert!(!g.metadata["expression"].as_str().unwrap().contains('\''));
        cfg.difficulty.insert("neg_prob".into(), json!(1.5));
        assert!(generate(&cfg).is_err());
    }
}
