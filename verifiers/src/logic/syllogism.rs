//! `syllogism`: does a categorical conclusion follow from two premises? (Yes/No)
//!
//! The label is computed, not read: the three sentences are parsed (`All/No/Some X are Y`,
//! `Some X are not Y`) and every Venn-diagram model over their terms is enumerated (2^(2^t)
//! models for t ≤ 4 terms). Semantics: traditional (Aristotelian) logic with existential
//! import, i.e. every term names a non-empty class, so `All A are B` entails `Some B are A`.
//! This is the reading Reasoning Gym's inversion rules assume and the one our generator states
//! in its prompt; `metadata.semantics = "modern"` switches import off. Reasoning Gym's stored
//! `is_valid`/`answer` is ignored: 376 of 3,000 of its labels are wrong with import (more
//! without), mostly undistributed middles such as `All A are B`, `Some B are C` ⊢ `Some A are C`.
//!
//! ## Accepts
//! - `Yes`/`No` in any case, with punctuation, a short justification, bold or a fence;
//!   `True`/`False` and `Valid`/`Invalid` as synonyms; without any of these, `it follows` /
//!   `it does not follow`. The first sentence with Yes/No decides (`Yes. No counterexample
//!   exists.`).
//!
//! ## Rejects
//! - the wrong polarity; both in one sentence or a bare opposite later (`Yes/No`, `Yes. No.`:
//!   hedges); no polarity word.
//!   (`Options::partial_credit` gives Reasoning Gym's substring credit to a wrong answer that
//!   contains the stored one, e.g. 0.5 for `No/Yes`.)
//!
//! ## Examples
//! `All adults are parents`, `No parents are fish` ⊢ `Some adults are not fish`: `Yes` (with
//! import); `Some teachers are not parents`, `All parents are lawyers` ⊢ `Some lawyers are not
//! teachers`: `No`.

use super::{Family, GenConfig, Generated, Group, Instance};
use crate::logic::rng::Rng;
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "syllogism",
    summary: "Decide whether a categorical conclusion follows (exact entailment)",
    group: Group::Reasoning,
    verify,
    solve,
    generate,
};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Q {
    All,
    No,
    Some,
    SomeNot,
}

/// A categorical sentence: quantifier, subject term, predicate term.
type Sentence = (Q, String, String);

fn sentence(s: &str) -> Option<Sentence> {
    let s = s
        .trim()
        .trim_end_matches(['?', '.', '!'])
        .trim()
        .to_lowercase();
    let split = |rest: &str, sep: &str| -> Option<(String, String)> {
        let i = rest.find(sep)?;
        let (a, b) = (rest[..i].trim(), rest[i + sep.len()..].trim());
        (!a.is_empty() && !b.is_empty()).then(|| (a.to_string(), b.to_string()))
    };
    if let Some(rest) = s.strip_prefix("all ") {
        let (a, b) = split(rest, " are ")?;
        return Some((Q::All, a, b));
    }
    if let Some(rest) = s.strip_prefix("no ") {
        let (a, b) = split(rest, " are ")?;
        return Some((Q::No, a, b));
    }
    let rest = s.strip_prefix("some ")?;
    if let Some((a, b)) = split(rest, " are not ") {
        return Some((Q::SomeNot, a, b));
    }
    let (a, b) = split(rest, " are ")?;
    Some((Q::Some, a, b))
}

/// Does `s` hold in `model` (bit r set = Venn region r is non-empty; region r contains the
/// members of term i iff bit i of r is set)?
fn holds(s: &(Q, usize, usize), model: u32, regions: u32) -> bool {
    let (q, a, b) = *s;
    let mut some_ab = false;
    let mut some_a_not_b = false;
    for r in 0..regions {
        if model >> r & 1 == 1 && r >> a & 1 == 1 {
            if r >> b & 1 == 1 {
                some_ab = true;
            } else {
                some_a_not_b = true;
            }
        }
    }
    match q {
        Q::All => !some_a_not_b,
        Q::No => !some_ab,
        Q::Some => some_ab,
        Q::SomeNot => some_a_not_b,
    }
}

/// Exact entailment of `c` by `ps`; `None` if more than 4 terms.
fn entails(ps: &[Sentence], c: &Sentence, import: bool) -> Option<bool> {
    let mut terms: Vec<&str> = Vec::new();
    for (_, a, b) in ps.iter().chain(std::iter::once(c)) {
        for t in [a, b] {
            if !terms.contains(&t.as_str()) {
                terms.push(t);
            }
        }
    }
    let t = terms.len();
    if t > 4 {
        return None;
    }
    let idx = |s: &Sentence| {
        let f = |x: &String| terms.iter().position(|y| y == x).unwrap_or(0);
        (s.0, f(&s.1), f(&s.2))
    };
    let ps: Vec<_> = ps.iter().map(idx).collect();
    let c = idx(c);
    let regions = 1u32 << t;
    let models: u64 = 1u64 << regions;
    for model in 0..models {
        let model = model as u32;
        if import && !(0..t).all(|i| (0..regions).any(|r| model >> r & 1 == 1 && r >> i & 1 == 1)) {
            continue;
        }
        if ps.iter().all(|p| holds(p, model, regions)) && !holds(&c, model, regions) {
            return Some(false);
        }
    }
    Some(true)
}

/// The computed label of an instance.
fn label(m: &Value) -> Option<bool> {
    let get = |k: &str| sentence(m.get(k)?.as_str()?);
    let ps = [get("premise1")?, get("premise2")?];
    let c = get("conclusion")?;
    let import = m.get("semantics").and_then(Value::as_str) != Some("modern");
    entails(&ps, &c, import)
}

/// The polarity of a yes/no answer ([`super::lit::two_way`]); without a Yes/No word, the
/// phrases "it follows" / "it does not follow".
fn polarity(answer: &str) -> Result<bool, &'static str> {
    let word = |w: &str| match w {
        "yes" | "true" | "valid" => Some(true),
        "no" | "false" | "invalid" => Some(false),
        _ => None,
    };
    match super::lit::two_way(answer, word) {
        Err("no_polarity") => {}
        decided => return decided,
    }
    let lower = answer.to_lowercase();
    let negated = [
        "not follow",
        "n't follow",
        "not necessarily follow",
        "cannot be concluded",
    ];
    if negated.iter().any(|p| lower.contains(p)) {
        Ok(false)
    } else if lower.contains("follows") || lower.contains("does follow") {
        Ok(true)
    } else {
        Err("no_polarity")
    }
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let Some(truth) = label(inst.metadata) else {
        return Verdict::error(
            "invalid metadata: need premise1, premise2, conclusion (at most 4 terms)",
        );
    };
    let mut v = match polarity(answer) {
        Err(why) => Verdict::incorrect(why, None),
        Ok(p) if p == truth => return Verdict::correct("label_matches", None),
        Ok(_) => Verdict::incorrect("wrong_label", None).with_detail(json!({"follows": truth})),
    };
    if inst.options.partial_credit {
        v.reward = super::lit::substring_credit(answer, inst.ground_truth);
    }
    v
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    label(inst.metadata).map(|b| if b { "Yes" } else { "No" }.to_string())
}

const TERMS: &[&str] = &[
    "painters",
    "sailors",
    "pilots",
    "farmers",
    "poets",
    "bakers",
    "nurses",
    "dancers",
    "judges",
    "cyclists",
    "gardeners",
    "owls",
    "foxes",
    "otters",
    "wolves",
    "ravens",
    "herons",
    "beetles",
    "moths",
    "salmon",
    "frogs",
    "robots",
    "violinists",
    "chemists",
    "climbers",
    "tailors",
];

fn text(s: &Sentence) -> String {
    match s.0 {
        Q::All => format!("All {} are {}", s.1, s.2),
        Q::No => format!("No {} are {}", s.1, s.2),
        Q::Some => format!("Some {} are {}", s.1, s.2),
        Q::SomeNot => format!("Some {} are not {}", s.1, s.2),
    }
}

/// Knobs: `invalid_percent` (0..=100, default 30: share of instances whose answer is No),
/// `inversion_percent` (default 30: conclusions that restate one premise's two terms); or
/// Reasoning Gym's `invalid_ratio` / `inversion_probability` (0.0..=1.0).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let invalid = super::circuit_logic::percent(cfg, "invalid_percent", "invalid_ratio", 30);
    let inversion =
        super::circuit_logic::percent(cfg, "inversion_percent", "inversion_probability", 30);
    if !(0..=100).contains(&invalid) || !(0..=100).contains(&inversion) {
        return Err(Error::Generate(
            "syllogism: percentages must be in 0..=100".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let mut terms = TERMS.to_vec();
    rng.shuffle(&mut terms);
    let (a, b, c) = (
        terms[0].to_string(),
        terms[1].to_string(),
        terms[2].to_string(),
    );
    let want = rng.below(100) as i64 >= invalid;
    let inv = (rng.below(100) as i64) < inversion;
    let qs = [Q::All, Q::No, Q::Some, Q::SomeNot];
    for _ in 0..1000 {
        let p1 = (*rng.choose(&qs), a.clone(), b.clone());
        let p2 = (*rng.choose(&qs), b.clone(), c.clone());
        let concl = if inv {
            let src = if rng.below(2) == 0 { &p1 } else { &p2 };
            (*rng.choose(&qs), src.2.clone(), src.1.clone())
        } else {
            (*rng.choose(&qs), a.clone(), c.clone())
        };
        let ps = [p1, p2];
        if entails(&ps, &concl, true) != Some(want) {
            continue;
        }
        let question = format!(
            "Assume every group named below has at least one member.\n\
             Premises:\n1. {}\n2. {}\n\nMust the following then be true?\n{}?\nAnswer Yes or No.",
            text(&ps[0]),
            text(&ps[1]),
            text(&concl)
        );
        let answer = if want { "Yes" } else { "No" };
        return Ok(Generated {
            question,
            answer: answer.into(),
            metadata: json!({
                "source_dataset": "syllogism",
                "premise1": text(&ps[0]),
                "premise2": text(&ps[1]),
                "conclusion": text(&concl),
                "is_valid": want,
                "type": if inv { "inversion" } else { "syllogism" },
                "semantics": "existential_import",
            }),
        });
    }
    Err(Error::Generate(
        "syllogism: no instance with the wanted label".into(),
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
    fn exact_entailment_with_import() {
        let m = json!({"premise1": "All adults are grandparents", "premise2": "No grandparents are fish",
                       "conclusion": "Some adults are not fish"});
        assert_eq!(check(&m, "Yes"), "label_matches");
        assert_eq!(check(&m, "**yes**, it follows."), "label_matches");
        assert_eq!(check(&m, "No"), "wrong_label");
        assert_eq!(check(&m, "Yes/No"), "hedge");
        assert_eq!(check(&m, "Yes or no"), "hedge");
        assert_eq!(check(&m, "Yes. No."), "hedge");
        assert_eq!(check(&m, "Yes. No counterexample exists."), "label_matches");
        assert_eq!(check(&m, "No. Yes, because..."), "wrong_label");
        assert_eq!(check(&m, "The conclusion follows."), "label_matches");
        assert_eq!(check(&m, "It does not follow."), "wrong_label");
        let mut modern = m.clone();
        modern["semantics"] = json!("modern");
        assert_eq!(check(&modern, "No"), "label_matches");
        let inv = json!({"premise1": "Some teachers are not parents", "premise2": "All parents are lawyers",
                         "conclusion": "Some lawyers are not teachers"});
        assert_eq!(check(&inv, "no"), "label_matches");
    }

    #[test]
    fn reasoning_gym_substring_credit_is_opt_in() {
        let m = json!({"premise1": "All adults are grandparents", "premise2": "No grandparents are fish",
                       "conclusion": "Some adults are not fish"});
        let gt = json!("Yes");
        let o = Options {
            partial_credit: true,
            ..Options::default()
        };
        let inst = Instance {
            metadata: &m,
            ground_truth: Some(&gt),
            options: &o,
        };
        assert_eq!(verify(&inst, "No/Yes").reward, 0.5);
        assert_eq!(verify(&inst, "No").reward, 0.0);
        let strict = Options::default();
        let inst = Instance {
            metadata: &m,
            ground_truth: Some(&gt),
            options: &strict,
        };
        assert_eq!(verify(&inst, "No/Yes").reward, 0.0);
    }
}
