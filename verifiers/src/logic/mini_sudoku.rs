//! `mini_sudoku`: fill a 4x4 sudoku so every row, column and 2x2 box holds 1-4 once, keeping
//! the given clues. Uses the sudoku engine with box size 2.
//!
//! ## Accepts
//! Any grid that keeps every clue of `metadata.puzzle` and satisfies the row, column and box
//! rules (the stored `solution` is not consulted), in any of the layouts `sudoku` reads: rows on
//! lines, `1234` compact rows, labels, fences, JSON/Python nested lists, 16 digits in a row.
//!
//! ## Rejects
//! A changed clue, a repeated digit (`duplicate 2 in column 3`), a value outside 1-4, a blank or
//! missing cell, a wrong shape. Partial credit (opt-in) as for `sudoku`.
//!
//! ## Examples
//! For the puzzle `_ 2 _ 4 / 3 _ 1 _ / ...`, `<answer>1 2 3 4\n3 4 1 2\n2 1 4 3\n4 3 2 1</answer>`
//! is correct; `1 2 3 4\n3 4 1 2\n2 1 4 3\n4 3 1 2` is `duplicate` in a column.

use super::grid;
use super::rng::Rng;
use super::sudoku::{make_puzzle, solve_boxed, verify_boxed};
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::json;

pub static FAMILY: Family = Family {
    name: "mini_sudoku",
    summary: "Fill a 4x4 sudoku",
    group: Group::Grid,
    verify,
    solve,
    generate,
};

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    verify_boxed(inst, answer, 2)
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    solve_boxed(inst, 2)
}

/// Knobs: `min_empty` (default 8), `max_empty` (default 12), at most 12. Fewer cells are
/// emptied when emptying more would make the solution ambiguous; `num_empty` says how many.
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (lo, hi) = (cfg.int("min_empty", 8), cfg.int("max_empty", 12));
    if !(0..=12).contains(&lo) || !(lo..=12).contains(&hi) {
        return Err(Error::Generate(
            "need 0 <= min_empty <= max_empty <= 12".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let want = rng.range(lo, hi) as usize;
    let (puzzle, solution) = make_puzzle(2, want, &mut rng);
    let shown = grid::render(&puzzle, Some("_"));
    let question = format!(
        "Mini sudoku (4x4): fill the blanks (_) so that each row, each column and each of the \
         four 2x2 boxes contains the numbers 1, 2, 3 and 4 exactly once.\n{shown}\n\
         Reply with the completed grid in the same layout: numbers separated by spaces, one row \
         per line.\n"
    );
    let empties = puzzle.iter().flatten().filter(|&&v| v == 0).count();
    Ok(Generated {
        question,
        answer: grid::render(&solution, None),
        metadata: json!({
            "source_dataset": "mini_sudoku",
            "source_index": cfg.seed,
            "puzzle": puzzle,
            "solution": solution,
            "num_empty": empties,
            "difficulty": {"empty": [lo, hi]},
        }),
    })
}
