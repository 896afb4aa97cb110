//! Instruction-following rewards: IFEval's verifiable instructions, scored without Python.
//!
//! RL recipes for instruction following (open-instruct / Tülu 3, ProRL's Llama-Nemotron data,
//! NeMo Gym) reward a response by the constraints its prompt carried: "at most 120 words",
//! "no commas", "wrap it in JSON", "end with P.S.". The checkers people run are Google's IFEval
//! code, which downloads nltk data at run time, detects languages at random and fills missing
//! arguments with random values. This module is the same predicates as pure, deterministic
//! Rust: Punkt sentence splitting with the English parameters embedded, nltk's word tokenizer,
//! a deterministic language identifier, Python string and `json` semantics where the
//! reference depends on them, and a failed check instead of a random argument.
//!
//! # API
//!
//! ```text
//! Options { reward: RewardMode /* Fraction (default) | All | Loose */, compat: bool,
//!           omit_detail: bool /* no `detail` in the verdict */ }
//! row_from_item(&Map<String, Value>) -> Result<Row, crate::Error>
//! looks_like_ifeval(&Map<String, Value>) -> bool
//! verify(response: &str, row: &Row, opts: &Options) -> crate::Verdict
//! supported_ids() -> impl Iterator<Item = &'static str>
//! generate(seed: u64, count: usize) -> Vec<Value>
//! ```
//!
//! - [`row_from_item`] reads the row shapes of IFEval (`instruction_id_list` + `kwargs` +
//!   `prompt`, top level or inside `ground_truth` as an object, a JSON string or a Python
//!   literal string as open-instruct stores it), Llama-Nemotron (`args.instruction_id_list` +
//!   `args.instruction_kwargs`), verl's `reward_model.ground_truth` and Tülu 3's `func_name`
//!   rows (their own checkers, under their own ids).
//! - Ids: IFEval's 25, IFBench's 58 out-of-domain ids (`ifbench.rs`), open-instruct's 29
//!   IFEvalG training ids (`ifevalg.rs`), Tülu 3's `func_name`s (`tulu.rs`).
//! - [`verify`] scores the text after the last `</think>`. Each instruction gets a strict
//!   result (`strip(response)` non-empty and the check passes) and a loose one (the check
//!   passes on any of the reference's 8 variants: first/last line dropped, `*` removed).
//!   `detail.instructions` lists `{"id", "strict", "loose"}` in row order (repeated ids stay
//!   separate). The reward is the strict fraction ([`RewardMode::Fraction`], open-instruct's
//!   and ProRL's), 1/0 when all pass strictly ([`RewardMode::All`], NeMo Gym's), or the loose
//!   fraction ([`RewardMode::Loose`]). The verdict is `correct` when every instruction passes
//!   under the chosen rule, `incorrect` otherwise (the fractional reward is the documented
//!   shaping).
//! - Fail closed: an unknown id, a missing or ill-typed argument, an unknown relation or a
//!   row without instructions is an `error` verdict with the reason, never a pass.
//! - `compat: true` reproduces reference quirks that the default fixes: keyword arguments
//!   used as regexes, `NaN`/`Infinity` accepted as JSON, text without letters passing the
//!   language checks. `docs/ifeval.md` lists every difference.
//!
//! Work per call is linear in the response (plus the Punkt contexts around each `.?!`);
//! argument patterns are size-limited and compiled by a linear-time engine.

mod emoji_table;
mod format;
pub mod generate;
mod ifbench;
mod ifevalg;
mod keywords;
mod kwargs;
mod langid;
mod length;
mod misc;
mod punkt;
mod pycsv;
mod pyhelp;
mod pyjson;
mod pyliteral;
pub mod pystr;
mod recache;
mod registry;
mod rows;
mod tulu;
mod wordtok;

pub use generate::generate;
pub use rows::{looks_like_ifeval, row_from_item};

use crate::{Outcome, Verdict};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// How the per-instruction results become one reward.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RewardMode {
    /// Fraction of instructions satisfied under the strict rule (open-instruct, ProRL).
    #[default]
    Fraction,
    /// 1 when every instruction is satisfied under the strict rule, else 0 (NeMo Gym).
    All,
    /// Fraction of instructions satisfied under the loose rule (IFBench reports loose).
    Loose,
}

/// Scoring options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub reward: RewardMode,
    /// Reproduce the reference's quirks where the default fixes them (see the module doc).
    pub compat: bool,
    /// Leave `detail` out of the verdict: for callers that drop it (`/v1/rewards` without
    /// `detail`, the trainer). The detail is typed ([`crate::InstructionDetail`], one small
    /// list per row, written as JSON only when the verdict is), so this saves little now.
    /// Reward, verdict and reason are the same either way.
    pub omit_detail: bool,
}

/// One instruction of a row: its id as the dataset spells it and its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Instruction {
    pub id: String,
    /// Arguments with `null` values removed.
    pub kwargs: Map<String, Value>,
}

/// The constraints of one prompt, in the row's order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Row {
    pub instructions: Vec<Instruction>,
    /// The prompt, when the row carries one.
    pub prompt: Option<String>,
}

/// What a checker builder sees besides the arguments.
pub struct Ctx<'a> {
    pub compat: bool,
    pub prompt: Option<&'a str>,
}

/// A built checker: the reference's `check_following`.
pub type Check = Box<dyn Fn(&str) -> bool + Send + Sync>;

/// Every instruction id this module scores (IFEval, IFEvalG, IFBench, Tülu 3 `func_name`s).
pub fn supported_ids() -> impl Iterator<Item = &'static str> {
    registry::ids()
}

/// The text that is scored: after the last `</think>`, when there is one.
pub fn answer_text(response: &str) -> &str {
    // `rfind("</think>")`, as a backward scan for `>`: most responses have none, and the
    // substring searcher's set-up cost more than the scan. Two occurrences cannot overlap, so
    // the last `>` that ends one ends the last one.
    const TAG: &[u8] = b"</think>";
    // Most responses have none: `str::contains` with a multi-byte needle is a SIMD scan,
    // several times faster than the backward search for `>` below.
    if !response.contains("</think>") {
        return response;
    }
    let b = response.as_bytes();
    let mut end = b.len();
    // `str::rfind` of a character is a word-at-a-time search; `>` is ASCII, so every cut is
    // on a character boundary.
    while let Some(i) = response[..end].rfind('>') {
        if b[..=i].ends_with(TAG) {
            return &response[i + 1..];
        }
        end = i;
    }
    response
}

/// `s` followed by the decimal digits of `n`.
fn push_count(s: &mut String, n: usize) {
    if n < 10 {
        s.push(char::from(b'0' + n as u8));
        return;
    }
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // ASCII digits: always UTF-8.
    s.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// The loose variants of the reference (`evaluation_lib`), duplicates removed, the response
/// itself first. A line-dropped variant is `strip("\n".join(lines[a..b]))`, which is a slice of
/// the response; only the `*`-free copies are new strings, and only when there is a `*`.
fn loose_variants<'a>(r: &'a str) -> Vec<Cow<'a, str>> {
    let (first, last, both) = match (r.find('\n'), r.rfind('\n')) {
        (Some(i), Some(j)) => (
            pystr::strip(&r[i + 1..]),
            pystr::strip(&r[..j]),
            if i < j {
                pystr::strip(&r[i + 1..j])
            } else {
                ""
            },
        ),
        _ => ("", "", ""),
    };
    // The line-dropped variants are slices of `r`: without a `*` in `r` none has one.
    let stars = r.contains('*');
    let star = |v: &'a str| -> Cow<'a, str> {
        if stars && v.contains('*') {
            Cow::Owned(v.replace('*', ""))
        } else {
            Cow::Borrowed(v)
        }
    };
    let mut out: Vec<Cow<'a, str>> = Vec::with_capacity(8);
    let mut add = |v: Cow<'a, str>| {
        if !pystr::strip(&v).is_empty() && !out.contains(&v) {
            out.push(v);
        }
    };
    add(Cow::Borrowed(r));
    if stars {
        add(star(r));
    }
    for v in [first, last, both] {
        add(Cow::Borrowed(v));
    }
    // Without a `*` each starless copy is its line-dropped variant, already listed.
    if stars {
        for v in [first, last, both] {
            add(star(v));
        }
    }
    out
}

/// Score `response` against the row's instructions. See the module doc.
pub fn verify(response: &str, row: &Row, opts: &Options) -> Verdict {
    let text = answer_text(response);
    pyhelp::forget_tokens();
    if row.instructions.is_empty() {
        return Verdict::error("ifeval row has no instructions");
    }
    let ctx = Ctx {
        compat: opts.compat,
        prompt: row.prompt.as_deref(),
    };
    let nonempty = !pystr::strip(text).is_empty();
    // Built on the first strict failure: a row whose instructions all pass needs none.
    let mut variants: Option<Vec<Cow<'_, str>>> = None;
    let mut entries = Vec::with_capacity(if opts.omit_detail {
        0
    } else {
        row.instructions.len()
    });
    let (mut n_strict, mut n_loose) = (0usize, 0usize);
    let mut first_failed: Option<&str> = None;
    // Each checker is built and run in turn (checkers are pure, so running one before the
    // next is built changes nothing; a row with an unbuildable instruction is an error
    // whatever the others gave).
    for ins in &row.instructions {
        let (name, check) = match registry::build(&ins.id, &ins.kwargs, &ctx) {
            Ok(c) => c,
            Err(e) => return Verdict::error(format!("instruction {}: {e}", ins.id)),
        };
        let strict = nonempty && check(text);
        let loose = strict
            || (nonempty
                && variants
                    .get_or_insert_with(|| loose_variants(text))
                    .iter()
                    .skip(1)
                    .any(|v| check(v)));
        n_strict += usize::from(strict);
        n_loose += usize::from(loose);
        let ok = if opts.reward == RewardMode::Loose {
            loose
        } else {
            strict
        };
        if !ok && first_failed.is_none() {
            first_failed = Some(&ins.id);
        }
        if !opts.omit_detail {
            entries.push((name, strict, loose));
        }
    }
    let n = row.instructions.len();
    let frac = |k: usize| k as f64 / n as f64;
    let reward = match opts.reward {
        RewardMode::Fraction => frac(n_strict),
        RewardMode::All => f64::from(u8::from(n_strict == n)),
        RewardMode::Loose => frac(n_loose),
    };
    // The reasons are written out piece by piece (`format!` costs more than the rest of a
    // cheap row's work): "all {n} instructions followed", "{k} of {n} instructions followed;
    // first not followed: {id}", "empty response".
    let (outcome, reason) = match first_failed {
        None => {
            let mut r = String::with_capacity(32);
            r.push_str("all ");
            push_count(&mut r, n);
            r.push_str(" instructions followed");
            (Outcome::Correct, r)
        }
        Some(id) => {
            let k = if opts.reward == RewardMode::Loose {
                n_loose
            } else {
                n_strict
            };
            let reason = if nonempty {
                let mut r = String::with_capacity(64 + id.len());
                push_count(&mut r, k);
                r.push_str(" of ");
                push_count(&mut r, n);
                r.push_str(" instructions followed; first not followed: ");
                r.push_str(id);
                r
            } else {
                "empty response".to_string()
            };
            (Outcome::Incorrect, reason)
        }
    };
    let verdict = Verdict::new(reward, outcome, reason, None);
    if opts.omit_detail {
        return verdict;
    }
    // Typed, serialized with the verdict: the same JSON as a map per instruction, without
    // building one.
    verdict.with_detail(crate::InstructionDetail { entries })
}
