//! Science answers (SCP-116K style) and multiple choice (GPQA, MMLU style).
//!
//! The math verifier decides equivalence of mathematical answers; science adds what it does
//! not: units that must be compared, not stripped (`5\text{ cm}` is `50\text{ mm}` and not
//! `5\text{ m}`), numeric golds compared at their own significant figures, chemical formulas
//! compared as written, and multiple-choice letters read the ways models write them, never
//! rewarding a response that names several letters. [`verify`] routes each gold:
//!
//! - with `options`, or a gold that is a choice letter: multiple choice ([`choice`]);
//! - a number with or without a unit: [`numeric`] (units from [`crate::units`]);
//! - a chemical formula (`H_2O`, `Fe_2(SO_4)_3`): [`formula`];
//! - anything else (an expression, a set, text): [`crate::math::verify`].
//!
//! Same promises as every verifier: a verdict, never a panic; bounded work (the math
//! verifier's budget, bounded text sizes, linear scans); deterministic. `docs/stem.md` is the
//! policy.

pub mod choice;
pub mod extract;
pub mod formula;
pub mod numeric;

use crate::{math, Verdict};
use choice::{Chosen, Pick};
use extract::Found;
use numeric::GoldQty;
use serde_json::{json, Value};

/// Most options read (A to Z).
const MAX_OPTIONS: usize = 26;

/// The outcome of comparing one answer with one gold.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Equal(&'static str),
    NotEqual(&'static str),
    Timeout,
    /// The answer is not of the gold's kind (not a quantity, not a formula).
    NotApplicable,
}

/// Verify `response` against `gold` (a string, a number, or a list of acceptable answers;
/// with `options`, a letter, the option's text or a 0-based index) under the math verifier's
/// `cfg` (its tolerance applies to math golds, its budget and `lenient` extraction to all).
///
/// ```
/// use rlvr_verifiers::{math, stem, Outcome};
/// let cfg = math::Config::default();
/// let v = stem::verify("so $\\boxed{5\\text{ cm}}$", &"50 mm".into(), None, &cfg);
/// assert_eq!(v.verdict, Outcome::Correct);
/// let opts = ["12 m".to_string(), "15 m".to_string()];
/// let v = stem::verify("Answer: B", &"15 m".into(), Some(&opts), &cfg);
/// assert_eq!(v.verdict, Outcome::Correct);
/// ```
pub fn verify(
    response: &str,
    gold: &Value,
    options: Option<&[String]>,
    cfg: &math::Config,
) -> Verdict {
    verify_golds(response, &Golds::new(gold, options), cfg)
}

/// Golds (and options) read once, to verify many responses (the samples of one prompt).
pub struct Golds {
    read: Result<Kind, Verdict>,
}

enum Kind {
    Choice {
        /// The gold letter(s); several only for a multi-select gold (`AC`).
        letters: Vec<u8>,
        /// The last letter that is an option.
        max: u8,
        options: Vec<String>,
    },
    Answers {
        items: Vec<Item>,
        raw: Vec<String>,
    },
}

enum Item {
    Qty(GoldQty),
    Formula(String),
    Math,
}

impl Golds {
    /// Reads the gold answer(s) and options.
    pub fn new(gold: &Value, options: Option<&[String]>) -> Golds {
        let run = std::panic::catch_unwind(|| prepare(gold, options));
        Golds {
            read: run.unwrap_or_else(|_| Err(Verdict::error("internal_error"))),
        }
    }
}

/// [`verify`] against golds read once by [`Golds::new`].
pub fn verify_golds(response: &str, golds: &Golds, cfg: &math::Config) -> Verdict {
    let kind = match &golds.read {
        Ok(k) => k,
        Err(v) => return v.clone(),
    };
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match kind {
        Kind::Choice {
            letters,
            max,
            options,
        } => verify_choice(response, letters, *max, options, cfg),
        Kind::Answers { items, raw } => verify_answers(response, items, raw, cfg),
    }));
    run.unwrap_or_else(|_| Verdict::error("internal_error"))
}

fn gold_strings(gold: &Value) -> Result<Vec<String>, Verdict> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let out: Vec<String> = match gold {
        Value::Array(v) => v.iter().filter_map(one).collect(),
        v => one(v).into_iter().collect(),
    };
    if out.is_empty() || out.iter().all(|s| s.trim().is_empty()) {
        return Err(Verdict::error("no gold answer given"));
    }
    Ok(out)
}

/// A gold that is only a choice letter: `C`, `(C)`, `C)`, `C.`, `\boxed{C}`, `Option C`.
fn gold_letter(s: &str, max: u8) -> Option<Pick> {
    let t = s.trim();
    if t.len() > 24 {
        return None;
    }
    let t = t
        .strip_prefix("\\boxed{")
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    let core: String = t.chars().filter(|c| !"(){}$.:*, ".contains(*c)).collect();
    let core = core
        .trim_start_matches("\\text")
        .trim_start_matches("\\mathrm")
        .trim_start_matches("Option")
        .trim_start_matches("option")
        .trim_start_matches("Choice");
    // A lone lowercase letter is a letter too (`c`).
    let upper;
    let core = if core.len() == 1 {
        upper = core.to_ascii_uppercase();
        upper.as_str()
    } else {
        core
    };
    if core.is_empty() || !core.bytes().all(|c| (b'A'..=max).contains(&c)) {
        return None;
    }
    let mut v: Vec<u8> = Vec::new();
    for c in core.bytes() {
        if v.contains(&c) {
            return None;
        }
        v.push(c);
    }
    Some(if v.len() == 1 {
        Pick::One(v[0])
    } else {
        Pick::Several(v)
    })
}

fn prepare(gold: &Value, options: Option<&[String]>) -> Result<Kind, Verdict> {
    let golds = gold_strings(gold)?;
    if let Some(opts) = options.filter(|o| !o.is_empty()) {
        if opts.len() > MAX_OPTIONS {
            return Err(Verdict::error("too many options (at most 26)"));
        }
        let max = b'A' + (opts.len() as u8 - 1);
        let keys: Vec<String> = opts.iter().map(|o| choice::option_key(o)).collect();
        for g in &golds {
            let letters = match gold_letter(g, max) {
                Some(Pick::One(l)) => vec![l],
                Some(Pick::Several(v)) => v,
                _ => match gold_option(g, gold, &keys, opts) {
                    Some(l) => vec![l],
                    None => continue,
                },
            };
            return Ok(Kind::Choice {
                letters,
                max,
                options: opts.to_vec(),
            });
        }
        return Err(Verdict::error(format!(
            "gold answer {:?} is not one of the options",
            golds[0]
        )));
    }
    if golds.len() == 1 {
        if let Some(Pick::One(l)) = gold_letter(&golds[0], b'J') {
            return Ok(Kind::Choice {
                letters: vec![l],
                max: b'J',
                options: Vec::new(),
            });
        }
    }
    let mut items = Vec::with_capacity(golds.len());
    for g in &golds {
        let unboxed = unbox_gold(g);
        if let Some(q) = numeric::gold_quantity(unboxed) {
            items.push(Item::Qty(q));
        } else if let Some(k) = formula::gold_key(unboxed) {
            items.push(Item::Formula(k));
        } else {
            items.push(Item::Math);
        }
    }
    Ok(Kind::Answers { items, raw: golds })
}

/// A gold written as `\boxed{..}`: its content.
fn unbox_gold(g: &str) -> &str {
    let t = g.trim().trim_matches('$').trim();
    if let Some(inner) = t.strip_prefix("\\boxed{") {
        if math::extract::close_brace(inner).is_some_and(|e| e + 1 == inner.len()) {
            return inner[..inner.len() - 1].trim();
        }
    }
    t
}

/// The letter of the option a text gold names: same text, or (for numbers) the one option
/// with the same value; a JSON integer gold is a 0-based index.
fn gold_option(g: &str, raw: &Value, keys: &[String], opts: &[String]) -> Option<u8> {
    if let Some(i) = raw.as_u64().filter(|_| raw.is_number()) {
        return (i < keys.len() as u64).then(|| b'A' + i as u8);
    }
    let k = choice::option_key(g);
    if let Some(i) = keys.iter().position(|o| *o == k) {
        return Some(b'A' + i as u8);
    }
    let q = numeric::gold_quantity(g)?;
    let cfg = math::Config {
        detail: false,
        ..math::Config::default()
    };
    let hits: Vec<usize> = opts
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            numeric::compare(choice::strip_label(o), "", &q, &cfg) == Decision::Equal("sig_figs")
        })
        .map(|(i, _)| i)
        .collect();
    (hits.len() == 1).then(|| b'A' + hits[0] as u8)
}

fn letter_str(l: u8) -> String {
    char::from(l).to_string()
}

fn verify_choice(
    response: &str,
    letters: &[u8],
    max: u8,
    options: &[String],
    cfg: &math::Config,
) -> Verdict {
    let Chosen {
        pick,
        text,
        rule,
        truncated,
    } = choice::choose(response, max, cfg.lenient);
    if truncated {
        return Verdict::no_answer("truncated_box");
    }
    let pick = match (pick, text) {
        (Pick::None, Some(t)) => match answer_option(&t, options, cfg) {
            Some(p) => p,
            None => return with_rule(Verdict::incorrect("not_an_option", Some(t)), rule, cfg),
        },
        (p, _) => p,
    };
    let v = match pick {
        Pick::One(l) if letters == [l] => Verdict::correct("choice", Some(letter_str(l))),
        Pick::One(l) => Verdict::incorrect("wrong_choice", Some(letter_str(l))),
        Pick::Several(v) => {
            let shown: String = v.iter().map(|&c| char::from(c)).collect();
            let same = v.len() == letters.len() && v.iter().all(|c| letters.contains(c));
            if same && letters.len() > 1 {
                Verdict::correct("choice", Some(shown))
            } else {
                Verdict::incorrect("multiple_choices", Some(shown))
            }
        }
        Pick::OutOfRange(l) => Verdict::incorrect("not_an_option", Some(letter_str(l))),
        Pick::None => Verdict::no_answer("no_choice"),
    };
    with_rule(v, rule, cfg)
}

fn with_rule(v: Verdict, rule: &str, cfg: &math::Config) -> Verdict {
    if cfg.detail {
        v.with_detail(json!({ "rule": rule }))
    } else {
        v
    }
}

/// The option a response's answer text names: the same text, or the one option with the
/// same value.
fn answer_option(text: &str, options: &[String], cfg: &math::Config) -> Option<Pick> {
    if options.is_empty() {
        return None;
    }
    let k = choice::option_key(text);
    let same: Vec<u8> = options
        .iter()
        .enumerate()
        .filter(|(_, o)| choice::option_key(o) == k)
        .map(|(i, _)| b'A' + i as u8)
        .collect();
    if same.len() == 1 {
        return Some(Pick::One(same[0]));
    }
    let mut hits: Vec<u8> = Vec::new();
    for (i, o) in options.iter().enumerate() {
        if let Some(q) = numeric::gold_quantity(choice::strip_label(o)) {
            if matches!(numeric::compare(text, "", &q, cfg), Decision::Equal(_)) {
                hits.push(b'A' + i as u8);
            }
        }
    }
    match hits.len() {
        1 => Some(Pick::One(hits[0])),
        0 => None,
        _ => Some(Pick::Several(hits)),
    }
}

fn verify_answers(response: &str, items: &[Item], raw: &[String], cfg: &math::Config) -> Verdict {
    let found = extract::final_answer(response, cfg.lenient);
    let mut first_fail: Option<Verdict> = None;
    let mut math_golds: Vec<&str> = Vec::new();
    for (item, g) in items.iter().zip(raw) {
        let v = match item {
            Item::Math => {
                math_golds.push(g);
                continue;
            }
            _ => match &found {
                Found::Truncated => Verdict::no_answer("truncated_box"),
                Found::Nothing => Verdict::no_answer("no_answer"),
                Found::Answer {
                    answers,
                    rule,
                    tail,
                } => decide(answers, tail, item, cfg).into_verdict(answers, rule, g, cfg),
            },
        };
        if v.verdict == crate::Outcome::Correct {
            return v;
        }
        first_fail.get_or_insert(v);
    }
    if !math_golds.is_empty() {
        let v = math::verify(response, &math_golds, cfg);
        if v.verdict == crate::Outcome::Correct || first_fail.is_none() {
            return v;
        }
    }
    first_fail.unwrap_or_else(|| Verdict::error("no gold answer given"))
}

impl Decision {
    fn into_verdict(
        self,
        answers: &[String],
        rule: &str,
        gold: &str,
        cfg: &math::Config,
    ) -> Verdict {
        let extracted = Some(answers.join(", "));
        let v = match self {
            Decision::Equal(r) => Verdict::correct(r, extracted),
            Decision::NotEqual(r) => Verdict::incorrect(r, extracted),
            Decision::Timeout => Verdict::timeout("budget_exhausted", extracted),
            Decision::NotApplicable => Verdict::incorrect("unparseable_answer", extracted),
        };
        if cfg.detail {
            v.with_detail(json!({ "rule": rule, "gold": gold }))
        } else {
            v
        }
    }
}

/// One gold against the final answer(s): several boxes offered together must all be right.
fn decide(answers: &[String], tail: &str, item: &Item, cfg: &math::Config) -> Decision {
    let mut last = Decision::NotApplicable;
    for (i, a) in answers.iter().enumerate() {
        let t = if i + 1 == answers.len() { tail } else { "" };
        let d = match item {
            Item::Qty(q) => {
                let d = numeric::compare(a, t, q, cfg);
                if d == Decision::NotApplicable && q.unit.is_one() {
                    // A gold without a unit, an answer that is not a quantity: math decides.
                    run_math_one(a, &q.number, cfg)
                } else {
                    d
                }
            }
            Item::Formula(k) => match formula::key(a) {
                Some((mine, _)) if mine == *k => Decision::Equal("formula"),
                Some(_) => Decision::NotEqual("formula_mismatch"),
                None => Decision::NotEqual("formula_mismatch"),
            },
            Item::Math => Decision::NotApplicable,
        };
        match d {
            Decision::Equal(_) => last = d,
            _ if answers.len() > 1 => {
                return if matches!(d, Decision::Timeout) {
                    d
                } else {
                    Decision::NotEqual("hedge_multiple_boxes")
                };
            }
            _ => return d,
        }
    }
    match last {
        Decision::Equal(_) if answers.len() > 1 => Decision::Equal("repeated_answer"),
        d => d,
    }
}

fn run_math_one(answer: &str, gold: &str, cfg: &math::Config) -> Decision {
    let c = math::Config {
        detail: false,
        ..cfg.clone()
    };
    let v = math::verify(&format!("\\boxed{{{answer}}}"), &[gold], &c);
    match v.verdict {
        crate::Outcome::Correct => Decision::Equal("exact"),
        crate::Outcome::Timeout => Decision::Timeout,
        _ => Decision::NotEqual("value_mismatch"),
    }
}
