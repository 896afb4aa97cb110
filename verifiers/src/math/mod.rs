//! Math answer equivalence: extraction, a LaTeX/plain parser, exact values, comparison.
//!
//! [`verify`] reads the final answer from a model's response ([`extract`]), parses it and each
//! gold answer ([`parse`]) and decides equivalence ([`compare`]): exact big-rational arithmetic
//! and an exact rational-function normal form first, randomized numeric testing only where
//! those cannot decide, and type-aware rules for sets, tuples, intervals, relations, equations,
//! matrices, text and choice letters. False positives are the failure we never trade for
//! coverage: when two forms cannot be shown equivalent, the answer is not correct.
//!
//! Every call is bounded by a work budget and a deadline ([`budget`]), never by signals, so it
//! is safe on any thread; verdicts are deterministic. See `docs/math.md` for the policy.

mod budget;
mod compare;
pub(crate) mod extract;
mod lex;
mod node;
mod normalize;
mod numeric;
mod parse;
mod poly;
mod q;
mod quantity;
mod rewrite;
mod words;

use crate::Verdict;
use budget::{Budget, MAX_ANSWER_BYTES};
use compare::{Cmp, Decision};
/// The final-answer extraction policy, shared with the `stem` domain (see [`extract_with`]).
pub use extract::{extract, extract_with, Extracted, Mode};
use node::{Node, Sep};
use normalize::{balanced, canon, choice_loose, choice_strict, collapse, text_key, unwrap_letters};
use serde_json::json;
use std::time::{Duration, Instant};

/// Options of the math verifier. `Config::default()` is the documented policy.
#[derive(Debug, Clone)]
pub struct Config {
    /// Relative tolerance when a decimal is compared with an exact value (or another decimal).
    /// Default `1e-6`. There is never an absolute tolerance.
    pub rel_tol: f64,
    /// Reject unreduced fractions (`2/4` for `1/2`, `\frac{4}{2}` for `2`). Default `false`.
    pub strict: bool,
    /// Wall-clock limit for one call. Default 50 ms; when hit the verdict is `timeout`.
    pub time_limit: Duration,
    /// Work units for one call (one unit is about 2.5 ns of release-build work on one core).
    /// Default 10 million (~25 ms), so that in release builds this deterministic counter, not
    /// the clock, is what stops a runaway comparison; when hit the verdict is `timeout`.
    pub work_limit: u64,
    /// Attach [`Verdict::detail`]: the extraction rule, the method, both normalized forms.
    /// Default `true`. Callers that drop it (`rlvr grade` without `--detail`, the server
    /// unless a request asks, the trainer) set `false` and skip formatting it, about 6% of a
    /// verification.
    pub detail: bool,
    /// Read answers with the weak extraction rules too (the last bold text, trailing math,
    /// the last number) when the response states none explicitly. Default `false`: for RL,
    /// a response without a box, an answer tag or an answer phrase is `no_answer`. Turn it on
    /// to evaluate base models that do not follow an answer format.
    pub lenient: bool,
    /// When the time limit starts counting: a caller that already read the clock for this
    /// call (the reward engine times every response) passes that reading instead of having it
    /// read again. `None` (the default): when the comparison starts.
    pub started: Option<Instant>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rel_tol: 1e-6,
            strict: false,
            time_limit: Duration::from_millis(50),
            work_limit: 10_000_000,
            detail: true,
            lenient: false,
            started: None,
        }
    }
}

/// Verify `response` against any of the acceptable `gold` answers.
///
/// ```
/// use rlvr_verifiers::{math, Outcome};
/// let v = math::verify("... so the answer is $\\boxed{\\dfrac{2}{4}}$.", &["0.5"], &math::Config::default());
/// assert_eq!(v.verdict, Outcome::Correct);
/// ```
pub fn verify(response: &str, gold: &[&str], config: &Config) -> Verdict {
    verify_golds(response, &Golds::new(gold), config)
}

/// Gold answers read once, to verify many responses against them (the samples of one prompt):
/// reading a gold costs about as much as reading a response's answer.
pub struct Golds {
    /// The golds, or the `error` verdict every response gets when one cannot be read.
    read: Result<Vec<Gold>, Verdict>,
}

impl Golds {
    /// Read the acceptable `gold` answers.
    pub fn new(gold: &[&str]) -> Golds {
        let run = std::panic::catch_unwind(|| prepare_golds(gold));
        Golds {
            read: run.unwrap_or_else(|_| Err(Verdict::error("internal_error"))),
        }
    }
}

/// [`verify`] against golds read once by [`Golds::new`]: the verdict `verify` gives with them.
pub fn verify_golds(response: &str, golds: &Golds, config: &Config) -> Verdict {
    let golds = match &golds.read {
        Ok(golds) => golds,
        Err(verdict) => return verdict.clone(),
    };
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        verify_inner(response, golds, config)
    }));
    run.unwrap_or_else(|_| Verdict::error("internal_error"))
}

struct Gold {
    raw: String,
    canon: String,
    node: Node,
    choice: Option<char>,
    /// The gold uses notation the parser does not read (`\sum`, `\dots`, ...): it is compared
    /// as a canonical string only, so an identical answer is correct and nothing else is.
    opaque: bool,
    /// The gold's unit, when it has one the answer's unit is compared with.
    qty: Option<quantity::GoldQty>,
}

/// Whether a gold that failed to parse is written in notation we do not read (an unknown
/// command, `\dots`, set notation, a non-ASCII symbol) rather than being malformed (`3 +* 4`,
/// `\frac{}{}`).
fn unsupported_notation(s: &str) -> bool {
    lex::lex(s).is_ok_and(|toks| {
        toks.iter().any(|t| match t {
            // `\{(x, y) \mid x + y = 1\}`: set notation beyond what is read.
            lex::Tok::Dots | lex::Tok::LSet => true,
            lex::Tok::Unknown(u) => u.starts_with('\\') || u.starts_with("mathbb") || !u.is_ascii(),
            _ => false,
        })
    })
}

fn prepare_gold(raw: &str) -> Result<Gold, String> {
    // A gold written as `\boxed{..}`: its box is the gold (read once, not recursively).
    let boxed = match raw
        .contains("\\boxed")
        .then(|| extract::extract(raw, extract::Mode::Explicit))
    {
        Some(Extracted::Found(mut v, ..)) => v.pop(),
        _ => None,
    };
    let mut s = boxed.as_deref().unwrap_or(raw).trim();
    s = s.trim_matches('$').trim();
    if s.is_empty() {
        return Err("empty".into());
    }
    if s.len() > MAX_ANSWER_BYTES {
        return Err("too long".into());
    }
    if !balanced(s) {
        return Err("unbalanced braces".into());
    }
    let (choice, value) = match choice_strict(s) {
        Some((c, v)) => (Some(c), v),
        None => (None, None),
    };
    // An AMC gold `(C) 12` is compared by letter, or by the value of that choice.
    let full = s;
    let s = value.as_deref().unwrap_or(s);
    let mut opaque = false;
    let node = match parse::parse(&rewrite::rewrite(s)) {
        Ok(n) => n,
        Err(_) if unsupported_notation(s) => {
            opaque = true;
            Node::Text(canon(full))
        }
        Err(e) => {
            // Free text (`\text{Route 66}`, `June 20`) is a text answer.
            let plain = unwrap_letters(s);
            if plain.chars().any(char::is_alphanumeric)
                && plain
                    .chars()
                    .all(|c| c.is_alphanumeric() || " ,.'-():;!?".contains(c))
            {
                Node::Text(collapse(&plain.to_lowercase()))
            } else {
                return Err(e);
            }
        }
    };
    let qty = if opaque || choice.is_some() {
        None
    } else {
        quantity::gold_qty(s)
    };
    Ok(Gold {
        raw: raw.to_string(),
        canon: canon(full),
        node,
        choice,
        opaque,
        qty,
    })
}

fn prepare_golds(gold: &[&str]) -> Result<Vec<Gold>, Verdict> {
    if gold.is_empty() {
        return Err(Verdict::error("no gold answer given"));
    }
    gold.iter()
        .map(|g| {
            prepare_gold(g)
                .map_err(|e| Verdict::error(format!("unparseable gold answer {g:?}: {e}")))
        })
        .collect()
}

fn verify_inner(response: &str, golds: &[Gold], config: &Config) -> Verdict {
    let mode = if config.lenient {
        extract::Mode::Lenient
    } else {
        extract::Mode::Explicit
    };
    let (answers, rule, final_start) = match extract::extract(response, mode) {
        Extracted::Found(a, rule, first) => (a, rule, first),
        Extracted::Truncated => return Verdict::no_answer("truncated_box"),
        Extracted::Nothing => return Verdict::no_answer("no_answer"),
    };
    // The final answer: the boxes that end the response together. All the boxes matter only
    // when together they form a gold's list (`\boxed{2}` ... `\boxed{3}` for roots `2, 3`).
    let all = dedup(&answers);
    let distinct = dedup(&answers[final_start.min(answers.len())..]);
    let extracted = distinct.join(", ");
    let mut cmp = Cmp {
        cfg: config,
        budget: Budget::new(config.work_limit, config.time_limit, config.started),
    };
    let mut first_fail: Option<(Decision, String, String)> = None;
    for g in golds {
        let (d, shown) = match decide_all(&all, &distinct, g, &mut cmp) {
            Some(whole_list) => whole_list,
            None => decide(&distinct, g, &mut cmp),
        };
        let detail = |method: &str, shown: &str| {
            json!({
                "rule": rule,
                "method": method,
                "response_normalized": shown,
                "gold_normalized": g.node.to_string(),
                "gold": g.raw,
            })
        };
        match d {
            Decision::Equal(m) => {
                let v = Verdict::correct(m, Some(extracted.clone()));
                return if config.detail {
                    v.with_detail(detail(m, &shown))
                } else {
                    v
                };
            }
            _ if first_fail.is_none() => {
                first_fail = Some((d, shown, normalized(config, &g.node)));
            }
            _ => {}
        }
    }
    let (d, shown, gold_norm) = first_fail.unwrap_or((
        Decision::Undecided("undecided"),
        String::new(),
        String::new(),
    ));
    let (reason, timeout) = match d {
        Decision::NotEqual(r) => (r, false),
        Decision::Undecided(r) => (r, r == "budget_exhausted"),
        Decision::Equal(r) => (r, false),
    };
    let v = if timeout {
        Verdict::timeout(reason, Some(extracted))
    } else {
        Verdict::incorrect(reason, Some(extracted))
    };
    if !config.detail {
        return v;
    }
    v.with_detail(json!({
        "rule": rule,
        "method": reason,
        "response_normalized": shown,
        "gold_normalized": gold_norm,
        "gold": golds.first().map(|g| g.raw.clone()),
    }))
}

/// `answers` without repeats (compared in canonical form), in order of first appearance.
fn dedup(answers: &[String]) -> Vec<String> {
    if answers.len() <= 1 {
        // Nothing to compare (and no canonical form to build).
        return answers.to_vec();
    }
    let mut distinct: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for a in answers {
        let c = if a.len() > MAX_ANSWER_BYTES {
            a.clone()
        } else {
            canon(a)
        };
        if !seen.contains(&c) {
            seen.push(c);
            distinct.push(a.clone());
        }
    }
    distinct
}

/// Every box of the response (`all`, more than the final group `last`) taken together as the
/// gold's list: `Some` only when the gold has several elements and the boxes form it.
fn decide_all(
    all: &[String],
    last: &[String],
    g: &Gold,
    cmp: &mut Cmp<'_>,
) -> Option<(Decision, String)> {
    let multi =
        matches!(&g.node, Node::List(v, _) | Node::Set(v) | Node::Tuple(v, ..) if v.len() > 1);
    if !multi || g.opaque || all.len() <= last.len() {
        return None;
    }
    let nodes = all
        .iter()
        .map(|a| parse_answer(a).ok())
        .collect::<Option<Vec<Node>>>()?;
    let list = Node::List(nodes, Sep::Comma);
    let d = cmp.compare(&list, &g.node);
    d.is_equal().then(|| (d, normalized(cmp.cfg, &list)))
}

/// A normalized form for the verdict's detail, formatted only when the caller keeps it.
fn normalized(config: &Config, node: &impl std::fmt::Display) -> String {
    if config.detail {
        node.to_string()
    } else {
        String::new()
    }
}

/// Decides one gold against the extracted answer(s); returns the decision and the response's
/// normalized form.
fn decide(answers: &[String], g: &Gold, cmp: &mut Cmp<'_>) -> (Decision, String) {
    if answers.len() == 1 {
        return decide_one(&answers[0], g, cmp);
    }
    if g.opaque {
        return (
            Decision::NotEqual("gold_compared_as_text"),
            answers.join(", "),
        );
    }
    // Several different boxes: one answer only if together they form the gold's list.
    let mut nodes = Vec::new();
    for a in answers {
        match parse_answer(a) {
            Ok(n) => nodes.push(n),
            Err(_) => {
                return (
                    Decision::NotEqual("hedge_multiple_boxes"),
                    answers.join(", "),
                )
            }
        }
    }
    let multi =
        matches!(&g.node, Node::List(v, _) | Node::Set(v) | Node::Tuple(v, ..) if v.len() > 1);
    let list = Node::List(nodes, Sep::Comma);
    let shown = normalized(cmp.cfg, &list);
    if multi {
        return (cmp.compare(&list, &g.node), shown);
    }
    let Node::List(nodes, _) = &list else {
        return (Decision::Undecided("undecided"), shown);
    };
    for (a, n) in answers.iter().zip(nodes) {
        // With units, each answer's unit counts (`\boxed{5 cm} or \boxed{5 m}`).
        let by_unit = g
            .qty
            .as_ref()
            .and_then(|q| quantity::decide(a, q, &g.node, cmp));
        let d = match by_unit {
            Some((d, _)) => d,
            None => cmp.compare(n, &g.node),
        };
        if !d.is_equal() {
            return (Decision::NotEqual("hedge_multiple_boxes"), shown);
        }
    }
    (Decision::Equal("repeated_answer"), shown)
}

fn parse_answer(a: &str) -> Result<Node, String> {
    if a.len() > MAX_ANSWER_BYTES {
        return Err("answer too long".into());
    }
    // Unbalanced braces are unreadable (and would make `\text{` scans quadratic).
    if !balanced(a) {
        return Err("unbalanced braces".into());
    }
    // `\frac13 \approx 0.333`: the exact value comes first.
    let a = match a.find("\\approx").or_else(|| a.find('≈')) {
        Some(k) if k > 0 => &a[..k],
        _ => a,
    };
    parse::parse(&rewrite::rewrite(a))
}

fn decide_one(a: &str, g: &Gold, cmp: &mut Cmp<'_>) -> (Decision, String) {
    if a.len() > MAX_ANSWER_BYTES {
        return (Decision::NotEqual("answer_too_long"), String::new());
    }
    let ca = canon(a);
    if ca == g.canon && !(cmp.cfg.strict && ca.contains("frac")) {
        return (Decision::Equal("string"), ca);
    }
    if let Some(c) = g.choice {
        if let Some(rc) = choice_loose(a) {
            let d = if rc == c {
                Decision::Equal("choice")
            } else {
                Decision::NotEqual("wrong_choice")
            };
            return (d, format!("({rc})"));
        }
    }
    if let Some(q) = &g.qty {
        if let Some(d) = quantity::decide(a, q, &g.node, cmp) {
            return d;
        }
    }
    if g.opaque {
        let d = if text_key(&ca) == text_key(&g.canon) {
            Decision::Equal("string")
        } else {
            Decision::NotEqual("gold_compared_as_text")
        };
        return (d, ca);
    }
    // `\textbf{(A) }\frac12` against a value gold: the value after the letter is the answer.
    let tagged = a
        .as_bytes()
        .windows(3)
        .any(|w| w[0] == b'(' && w[2] == b')' && (b'A'..=b'E').contains(&w[1]));
    // One tag is stripped, once (no recursion: `(A) (A) (A) ..` must not nest calls).
    let value = match (g.choice.is_none() && tagged).then(|| choice_strict(a)) {
        Some(Some((_, Some(v)))) if v.len() < a.len() => Some(v),
        _ => None,
    };
    let a = value.as_deref().unwrap_or(a);
    match parse_answer(a) {
        Ok(n) => {
            let shown = normalized(cmp.cfg, &n);
            (cmp.compare(&n, &g.node), shown)
        }
        Err(_) => {
            // Free text (`June 20`, `\text{Route 66}`) against a text gold.
            if let Node::Text(t) = &g.node {
                let mine = collapse(&unwrap_letters(a).to_lowercase());
                if mine.trim_end_matches('.') == t.trim_end_matches('.') {
                    return (Decision::Equal("text"), mine);
                }
            }
            (Decision::NotEqual("unparseable_answer"), ca)
        }
    }
}
