//! Logic-puzzle verifiers: one module per Reasoning Gym family, one registry.
//!
//! An instance is defined the way Reasoning Gym writes it: `task` is its dataset name and
//! `metadata` its metadata object as it is; `ground_truth` is its `answer` where a family needs
//! one. Every family checks the puzzle's constraints, so any valid solution is accepted, not
//! only the stored one. Each family module carries the same doc template (`## Accepts`,
//! `## Rejects`, `## Examples`) and registers itself in [`registry::FAMILIES`].

pub mod arc_1d;
mod arith;
pub mod boxnet;
pub mod circuit_logic;
pub mod countdown;
mod credit;
pub mod cryptarithm;
pub mod extract;
mod fasthash;
pub mod futoshiki;
pub mod game_of_life_halting;
pub mod graph_color;
mod grid;
pub mod jugs;
pub mod kakurasu;
pub mod knight_swap;
pub mod knights_knaves;
pub mod lit;
pub mod maze;
pub mod mini_sudoku;
pub mod n_queens;
pub mod propositional_logic;
pub mod puzzle24;
mod registry;
pub mod rng;
pub mod rush_hour;
pub mod self_reference;
pub mod shortest_path;
pub mod sokoban;
pub mod sudoku;
mod surface;
pub mod survo;
pub mod syllogism;
pub mod tower_of_hanoi;
pub mod word_ladder;
pub mod zebra_puzzles;

pub use registry::FAMILIES;

use crate::{Detail, Error, Verdict};
use serde_json::Value;

/// Responses longer than this are rejected without parsing (bounded time per call).
pub const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Options shared by every family.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Reasoning Gym's partial-credit rules instead of the default 0/1 reward.
    pub partial_credit: bool,
    /// Move puzzles: a correct but longer-than-optimal solution earns `optimal_len / len`
    /// instead of 1 (families that do not ask for optimality say so in their docs).
    pub length_shaping: bool,
}

/// One instance to verify: the puzzle as its generator wrote it.
#[derive(Debug, Clone, Copy)]
pub struct Instance<'a> {
    /// Reasoning Gym's `metadata` object.
    pub metadata: &'a Value,
    /// Reasoning Gym's `answer`, where the family needs it.
    pub ground_truth: Option<&'a Value>,
    pub options: &'a Options,
}

/// What a generator produces: Reasoning Gym's entry shape.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Generated {
    pub question: String,
    pub answer: String,
    pub metadata: Value,
}

/// Generator settings: a seed and family-specific difficulty knobs (`{"size": 9}`, ...).
#[derive(Debug, Clone, Default)]
pub struct GenConfig {
    pub seed: u64,
    /// Knobs by name; each family documents the ones it reads and ignores the rest.
    pub difficulty: serde_json::Map<String, Value>,
}

impl GenConfig {
    /// An integer knob, or `default` when absent.
    pub fn int(&self, name: &str, default: i64) -> i64 {
        self.difficulty
            .get(name)
            .and_then(Value::as_i64)
            .unwrap_or(default)
    }

    /// A probability knob as a whole percent: `ratio_name` (a fraction, as Reasoning Gym's
    /// configs write it, rounded to a percent so draws stay exact on every platform), else the
    /// integer knob `pct_name`, else `default`.
    pub fn percent(&self, ratio_name: &str, pct_name: &str, default: i64) -> i64 {
        match self.difficulty.get(ratio_name).and_then(Value::as_f64) {
            Some(r) if r.is_finite() => (r * 100.0).round() as i64,
            _ => self.int(pct_name, default),
        }
    }
}

/// The kind of puzzle a family is. `docs/logic.md` groups the families' decisions by it and each
/// group has its own robustness suite (`verifiers/tests/logic_*`), whose inputs are made for
/// answers of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// A grid to fill or read (sudoku, futoshiki, maze, ...); fuzzed from fixture instances.
    Grid,
    /// Arithmetic expressions and move sequences (countdown, tower_of_hanoi, rush_hour, ...).
    Moves,
    /// Deduction from statements, rules or examples, and plans checked by simulation
    /// (knights_knaves, syllogism, arc_1d, sokoban, ...).
    Reasoning,
}

impl Group {
    /// Every group, in the order `docs/logic.md` lists them.
    pub const ALL: [Group; 3] = [Group::Reasoning, Group::Grid, Group::Moves];

    /// The words `docs/logic.md` uses for the group ("Decisions for the grid families").
    pub fn title(self) -> &'static str {
        match self {
            Group::Grid => "grid",
            Group::Moves => "arithmetic and move",
            Group::Reasoning => "reasoning",
        }
    }
}

/// One puzzle family and its functions.
pub struct Family {
    /// The Reasoning Gym dataset name, e.g. `sudoku`.
    pub name: &'static str,
    /// One line: what the family asks.
    pub summary: &'static str,
    /// The kind of puzzle it is.
    pub group: Group,
    /// Check an answer (already extracted from the response) against the instance's constraints.
    pub verify: fn(&Instance<'_>, &str) -> Verdict,
    /// A solution of the instance (ground truth), or `None` if it has none.
    pub solve: fn(&Instance<'_>) -> Option<String>,
    /// A seeded instance, byte-identical across runs and platforms.
    pub generate: fn(&GenConfig) -> Result<Generated, Error>,
}

/// Every registered family, in alphabetical order.
pub fn families() -> &'static [&'static Family] {
    FAMILIES
}

/// The family registered under `name`.
pub fn family(name: &str) -> Option<&'static Family> {
    FAMILIES.iter().copied().find(|f| f.name == name)
}

/// Verify `response` for the instance of `task` defined by `metadata` (and `ground_truth` where
/// the family needs one), with default options.
pub fn verify(
    task: &str,
    response: &str,
    metadata: &Value,
    ground_truth: Option<&Value>,
) -> Result<Verdict, Error> {
    verify_with(task, response, metadata, ground_truth, &Options::default())
}

/// [`verify`] with explicit options.
pub fn verify_with(
    task: &str,
    response: &str,
    metadata: &Value,
    ground_truth: Option<&Value>,
    options: &Options,
) -> Result<Verdict, Error> {
    let fam = family(task).ok_or_else(|| Error::UnknownTask(task.to_string()))?;
    if response.len() > MAX_RESPONSE_BYTES {
        return Ok(Verdict::incorrect("response_too_large", None));
    }
    let Some(answer) = extract::extract(response) else {
        return Ok(Verdict::no_answer("no_answer_found"));
    };
    let inst = Instance {
        metadata,
        ground_truth,
        options,
    };
    let mut v = (fam.verify)(&inst, answer.text);
    v.extracted = Some(answer.text.to_string());
    let fmt = serde_json::json!({"format_ok": answer.rule == extract::Rule::AnswerTag, "rule": answer.rule.as_str()});
    v.detail = Some(Detail::Json(
        match v.detail.take().map(Detail::into_value) {
            Some(Value::Object(mut m)) => {
                if let Value::Object(f) = fmt {
                    m.extend(f);
                }
                Value::Object(m)
            }
            Some(other) => {
                serde_json::json!({"format_ok": answer.rule == extract::Rule::AnswerTag, "rule": answer.rule.as_str(), "info": other})
            }
            None => fmt,
        },
    ));
    Ok(v)
}
