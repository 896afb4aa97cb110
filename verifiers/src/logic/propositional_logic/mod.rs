//! `propositional_logic`: state a conclusion that follows from the given premises.
//!
//! The answer is parsed as a formula and checked by truth tables (bit-parallel, one bit per
//! assignment): it is correct when every assignment that makes all premises true makes it true
//! too, and it is not a tautology (a tautology follows from anything and says nothing). Nothing
//! is compared with a stored conclusion. Instances whose premises are unsatisfiable entail every
//! formula; they get an `error` verdict (`degenerate_instance`) instead of a reward.
//!
//! ## Accepts
//! - `(P ∧ Q)`, `P & Q`, `P and Q`, `P /\ Q`, `\land`; likewise ∨ `|` `or` `\/`, ¬ `~` `!` `not`,
//!   → `->` `=>` `implies`, ↔ `<->` `<=>` `iff`; brackets `()`/`[]`; a code fence or `$..$`.
//! - Precedence ¬ > ∧ > ∨ > → > ↔; `→` groups to the right.
//! - A lead-in (`Conclusion:`, `Therefore,`); several conclusions (`Q, R`, numbered lines),
//!   read as their conjunction.
//!
//! ## Rejects
//! - a formula not entailed by the premises (`not_entailed`, with a counterexample assignment in
//!   the detail), a tautology (`tautology`);
//! - a variable that is not one of the instance's `variables`, or text that is not a formula.
//!
//! ## Examples
//! Premises `P`, `(P → Q)`: `Q`, `P ∧ Q` and `Q ∨ R` are correct; `¬Q`, `R` are not entailed;
//! `(Q ∨ ¬Q)` is a tautology.

mod formula;

use super::{Family, GenConfig, Generated, Group, Instance};
use crate::logic::rng::Rng;
use crate::{Error, Verdict};
use formula::{and_all, mask, parse, random_formula, show, size, table, Op, F};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "propositional_logic",
    summary: "State a conclusion entailed by the premises (checked by truth tables)",
    group: Group::Reasoning,
    verify,
    solve,
    generate,
};

/// Most distinct variables (truth tables have 2^n rows).
const MAX_VARS: usize = 16;
/// The instance's premises and declared variables.
fn premises(m: &Value) -> Option<(Vec<String>, Vec<F>)> {
    let mut vars: Vec<String> = match m.get("variables").and_then(Value::as_array) {
        Some(a) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()?,
        None => Vec::new(),
    };
    let ps = m
        .get("premises")?
        .as_array()?
        .iter()
        .map(|p| parse(p.as_str()?, &mut vars))
        .collect::<Option<Vec<_>>>()?;
    (!ps.is_empty() && vars.len() <= MAX_VARS).then_some((vars, ps))
}

/// Several conclusions (`Q, R`, `Q; R`, one per line, numbered): read as their conjunction,
/// which is entailed exactly when each of them is.
fn parse_list(text: &str, vars: &mut Vec<String>) -> Option<F> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | ';' | '\n' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    let parts: Vec<&str> = parts
        .into_iter()
        .map(|p| crate::logic::lit::strip_marker(p).trim_end_matches('.'))
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 {
        return None;
    }
    let fs = parts
        .iter()
        .map(|p| parse(p, vars))
        .collect::<Option<Vec<F>>>()?;
    fs.into_iter()
        .reduce(|a, b| F::Bin(Op::And, Box::new(a), Box::new(b)))
}

/// Drop a lead-in such as `Conclusion:` or `Therefore,` before the formula.
fn strip_lead_in(t: &str) -> &str {
    let mut t = t;
    if let Some((head, rest)) = t.split_once(':') {
        if head.chars().all(|c| c.is_alphabetic() || c == ' ') && head.contains(char::is_lowercase)
        {
            t = rest.trim();
        }
    }
    for w in [
        "therefore",
        "thus",
        "hence",
        "so",
        "we conclude",
        "we can conclude",
    ] {
        if let Some(h) = t.get(..w.len()) {
            if h.eq_ignore_ascii_case(w) {
                let rest = &t[w.len()..];
                if rest.starts_with([',', ' ']) {
                    return rest
                        .trim_start_matches([',', ' '])
                        .trim_start_matches("that ");
                }
            }
        }
    }
    t
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let Some((mut vars, ps)) = premises(inst.metadata) else {
        return Verdict::error("invalid metadata: need parseable premises (at most 16 variables)");
    };
    let known = vars.len();
    let text = strip_lead_in(
        super::lit::unfence(answer)
            .trim_matches('$')
            .trim()
            .trim_end_matches('.'),
    );
    let Some(f) = parse(text, &mut vars).or_else(|| parse_list(text, &mut vars)) else {
        return Verdict::incorrect("unparseable_formula", None);
    };
    if vars.len() > known {
        return Verdict::incorrect("unknown_variable", None)
            .with_detail(json!({"variables": vars[known..]}));
    }
    let n = vars.len();
    let m = mask(n);
    let pt = and_all(&ps.iter().map(|p| table(p, n)).collect::<Vec<_>>(), &m);
    if pt.iter().all(|&w| w == 0) {
        return Verdict::error("degenerate_instance: the premises are unsatisfiable");
    }
    let at = table(&f, n);
    let entailed = pt.iter().zip(&at).all(|(p, a)| p & !a == 0);
    let tautology = at.iter().zip(&m).all(|(a, k)| a & k == *k);
    let partial = inst.options.partial_credit;
    match (entailed, tautology) {
        (true, false) if partial && matches!(f, F::Var(_)) => {
            // Reasoning Gym counts a bare variable as trivial.
            let mut v = Verdict::incorrect("trivial_conclusion", None);
            v.reward = 0.25;
            v
        }
        (true, false) => Verdict::correct("entailed", None),
        (true, true) => {
            let mut v = Verdict::incorrect("tautology", None);
            if partial {
                v.reward = 0.25;
            }
            v
        }
        (false, _) => {
            // A counterexample: the first assignment where every premise holds and the answer fails.
            let row = pt
                .iter()
                .zip(&at)
                .enumerate()
                .find_map(|(w, (p, a))| {
                    let bad = p & !a;
                    (bad != 0).then(|| w * 64 + bad.trailing_zeros() as usize)
                })
                .unwrap_or(0);
            let cx: serde_json::Map<String, Value> = vars
                .iter()
                .enumerate()
                .map(|(i, name)| (name.clone(), Value::Bool(row >> i & 1 == 1)))
                .collect();
            let mut v =
                Verdict::incorrect("not_entailed", None).with_detail(json!({"counterexample": cx}));
            if partial {
                v.reward = 0.05;
            }
            v
        }
    }
}

/// A literal or small formula entailed by the premises and not a tautology.
fn conclusion(vars: &[String], ps: &[F], rng: Option<&mut Rng>) -> Option<F> {
    let n = vars.len();
    let m = mask(n);
    let pt = and_all(&ps.iter().map(|p| table(p, n)).collect::<Vec<_>>(), &m);
    if pt.iter().all(|&w| w == 0) {
        return None;
    }
    let good = |f: &F| {
        let t = table(f, n);
        pt.iter().zip(&t).all(|(p, a)| p & !a == 0) && !t.iter().zip(&m).all(|(a, k)| a & k == *k)
    };
    if let Some(rng) = rng {
        for _ in 0..200 {
            let f = random_formula(rng, n, 2);
            if good(&f) && !ps.contains(&f) {
                return Some(f);
            }
        }
    }
    let lits = (0..n).flat_map(|i| [F::Var(i), F::Not(Box::new(F::Var(i)))]);
    for l in lits {
        if good(&l) {
            return Some(l);
        }
    }
    // The conjunction of the premises always qualifies when they are satisfiable and not all
    // tautologies.
    let all = ps
        .iter()
        .cloned()
        .reduce(|a, b| F::Bin(Op::And, Box::new(a), Box::new(b)))?;
    good(&all).then_some(all)
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let (vars, ps) = premises(inst.metadata)?;
    conclusion(&vars, &ps, None).map(|f| show(&f, &vars))
}

/// Knobs: `min_vars`/`max_vars` (default 2..4, at most 10), `min_statements`/`max_statements`
/// (default 2..4), `min_complexity`/`max_complexity` (operator depth, default 1..3).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (v0, v1) = (cfg.int("min_vars", 2), cfg.int("max_vars", 4));
    let (s0, s1) = (cfg.int("min_statements", 2), cfg.int("max_statements", 4));
    let (c0, c1) = (cfg.int("min_complexity", 1), cfg.int("max_complexity", 3));
    if !(1 <= v0
        && v0 <= v1
        && v1 <= 10
        && 1 <= s0
        && s0 <= s1
        && s1 <= 20
        && 1 <= c0
        && c0 <= c1
        && c1 <= 6)
    {
        return Err(Error::Generate(
            "propositional_logic: bad vars/statements/complexity range".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let n = rng.range(v0, v1) as usize;
    let vars: Vec<String> = (0..n)
        .map(|i| char::from(b'P' + (i as u8 % 11)).to_string())
        .collect();
    let m = mask(n);
    for _ in 0..1000 {
        let k = rng.range(s0, s1) as usize;
        let ps: Vec<F> = (0..k)
            .map(|_| {
                let d = rng.range(c0, c1);
                random_formula(&mut rng, n, d)
            })
            .collect();
        // Never a tautological premise, never an unsatisfiable set.
        let tabs: Vec<Vec<u64>> = ps.iter().map(|p| table(p, n)).collect();
        if tabs
            .iter()
            .any(|t| t.iter().zip(&m).all(|(a, k)| a & k == *k))
        {
            continue;
        }
        if and_all(&tabs, &m).iter().all(|&w| w == 0) {
            continue;
        }
        let Some(c) = conclusion(&vars, &ps, Some(&mut rng)) else {
            continue;
        };
        let shown: Vec<String> = ps.iter().map(|p| show(p, &vars)).collect();
        let mut q = String::from(
            "Below are premises in propositional logic. Give one conclusion that follows from them \
             (true in every case where all premises are true) and is not a tautology.\n\
             Write it with these symbols: ∧ (and), ∨ (or), → (implies), ↔ (if and only if), ¬ (not), and parentheses.\n\nPremises:\n",
        );
        for (i, p) in shown.iter().enumerate() {
            q.push_str(&format!("{}. {p}\n", i + 1));
        }
        q.push_str("\nWhat follows from these premises?");
        let answer = show(&c, &vars);
        return Ok(Generated {
            question: q,
            answer: answer.clone(),
            metadata: json!({
                "source_dataset": "propositional_logic",
                "premises": shown,
                "variables": vars,
                "complexity": size(&c),
                "example_answer": answer,
                "difficulty": {"vars": [v0, v1], "statements": [s0, s1], "complexity": [c0, c1]},
            }),
        });
    }
    Err(Error::Generate(
        "propositional_logic: no satisfiable premise set found".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Options;

    fn check(m: &Value, a: &str) -> String {
        let o = Options::default();
        verify(
            &Instance {
                metadata: m,
                ground_truth: None,
                options: &o,
            },
            a,
        )
        .reason
    }

    #[test]
    fn entailment_not_string_match() {
        let m = json!({"premises": ["P", "(P → Q)"], "variables": ["P", "Q", "R"]});
        assert_eq!(check(&m, "Q"), "entailed");
        assert_eq!(check(&m, "Conclusion: Q"), "entailed");
        assert_eq!(check(&m, "Q, (P ∧ Q)"), "entailed");
        assert_eq!(check(&m, "1. Q\n2. P"), "entailed");
        assert_eq!(check(&m, "Q; ¬P"), "not_entailed");
        assert_eq!(
            check(&m, "Therefore, we get (P ∧ Q)"),
            "unparseable_formula"
        );
        assert_eq!(check(&m, "Therefore, (P ∧ Q)."), "entailed");
        assert_eq!(check(&m, "P and Q"), "entailed");
        assert_eq!(check(&m, "R v Q"), "entailed");
        assert_eq!(check(&m, "```\nQ ∨ R\n```"), "entailed");
        assert_eq!(check(&m, "\\neg P \\lor Q"), "entailed");
        assert_eq!(check(&m, "¬Q"), "not_entailed");
        let o = Options::default();
        let v = verify(
            &Instance {
                metadata: &m,
                ground_truth: None,
                options: &o,
            },
            "R",
        );
        assert_eq!(
            v.detail.unwrap().into_value()["counterexample"],
            json!({"P": true, "Q": true, "R": false})
        );
        assert_eq!(check(&m, "(Q ∨ ¬Q)"), "tautology");
        assert_eq!(check(&m, "Z"), "unknown_variable");
        assert_eq!(check(&m, "P ∧"), "unparseable_formula");
        let bad = json!({"premises": ["P", "¬P"], "variables": ["P"]});
        assert_eq!(
            check(&bad, "P"),
            "degenerate_instance: the premises are unsatisfiable"
        );
    }

    #[test]
    fn reasoning_gym_partial_credit_is_opt_in() {
        let m = json!({"premises": ["P", "(P → Q)"], "variables": ["P", "Q"]});
        let o = Options {
            partial_credit: true,
            ..Options::default()
        };
        let v = |a: &str| {
            verify(
                &Instance {
                    metadata: &m,
                    ground_truth: None,
                    options: &o,
                },
                a,
            )
            .reward
        };
        assert_eq!(v("(P ∧ Q)"), 1.0);
        assert_eq!(v("Q"), 0.25);
        assert_eq!(v("(Q ∨ ¬Q)"), 0.25);
        assert_eq!(v("¬Q"), 0.05);
    }

    #[test]
    fn precedence() {
        let mut v = Vec::new();
        let f = parse("¬P ∧ Q → R", &mut v).unwrap();
        let g = parse("((¬P ∧ Q) → R)", &mut Vec::new()).unwrap();
        assert_eq!(f, g);
    }
}
