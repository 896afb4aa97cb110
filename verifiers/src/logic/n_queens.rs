//! `n_queens`: complete an NxN board that already holds some queens so that it holds N queens,
//! no two sharing a row, column or diagonal.
//!
//! ## Accepts
//! Any board with N non-attacking queens that keeps every queen of `metadata.puzzle`, checked
//! directly (not by lookup in `valid_answers`). `Q`/`q` is a queen; `_`, `.`, `-`, `*`, `0`
//! are empty squares; rows on lines with or without spaces, labels, fences, Python/JSON
//! nested lists (`[['_', 'Q', ...], ...]`), or N*N squares in one run.
//!
//! ## Rejects
//! A removed starting queen (`queen_removed at row 2 col 5`), a wrong queen count
//! (`7 queens, 8 expected`), two queens attacking (`queens at (1,1) and (3,3) share a
//! diagonal`), a wrong shape.
//!
//! ## Examples
//! For the 4x4 puzzle `_ Q _ _ / _ _ _ _ / _ _ _ _ / _ _ Q _`:
//! `<answer>_ Q _ _\n_ _ _ Q\nQ _ _ _\n_ _ Q _</answer>` is correct;
//! `<answer>_ Q _ _\nQ _ _ _\n_ _ _ Q\n_ _ Q _</answer>` has queens sharing a diagonal.

use super::grid::{self, Cells};
use super::rng::Rng;
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "n_queens",
    summary: "Complete an N-queens board",
    group: Group::Grid,
    verify,
    solve,
    generate,
};

/// Largest board accepted from metadata.
const MAX_N: usize = 16;

/// The puzzle as a 0/1 matrix (1 = queen).
fn read(meta: &Value) -> Result<Vec<Vec<i64>>, String> {
    let rows = meta
        .get("puzzle")
        .and_then(Value::as_array)
        .ok_or("bad_metadata: no `puzzle` board")?;
    let n = rows.len();
    if !(1..=MAX_N).contains(&n) {
        return Err(format!("bad_metadata: board side {n} out of range"));
    }
    let mut out = Vec::with_capacity(n);
    for row in rows {
        let cells = row
            .as_array()
            .filter(|r| r.len() == n)
            .ok_or("bad_metadata: board is not square")?;
        let mut r = Vec::with_capacity(n);
        for c in cells {
            r.push(match c.as_str() {
                Some("Q") => 1,
                Some("_") => 0,
                _ => return Err("bad_metadata: squares must be \"Q\" or \"_\"".into()),
            });
        }
        out.push(r);
    }
    Ok(out)
}

fn violation(puzzle: &[Vec<i64>], got: &[Vec<i64>]) -> Option<String> {
    let n = puzzle.len();
    let mut queens = Vec::new();
    for r in 0..n {
        for c in 0..n {
            if got[r][c] == 1 {
                queens.push((r, c));
            } else if puzzle[r][c] == 1 {
                return Some(format!("queen_removed at row {} col {}", r + 1, c + 1));
            }
        }
    }
    if queens.len() != n {
        return Some(format!("{} queens, {n} expected", queens.len()));
    }
    for (k, &(r1, c1)) in queens.iter().enumerate() {
        for &(r2, c2) in &queens[k + 1..] {
            let what = if r1 == r2 {
                "row"
            } else if c1 == c2 {
                "column"
            } else if r1.abs_diff(r2) == c1.abs_diff(c2) {
                "diagonal"
            } else {
                continue;
            };
            return Some(format!(
                "queens at ({},{}) and ({},{}) share a {what}",
                r1 + 1,
                c1 + 1,
                r2 + 1,
                c2 + 1
            ));
        }
    }
    None
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let puzzle = match read(inst.metadata) {
        Ok(p) => p,
        Err(e) => return Verdict::error(e),
    };
    let n = puzzle.len();
    let got = match grid::parse_grid(answer, n, n, Cells::Queens) {
        Ok(g) => g,
        Err(e) => return Verdict::incorrect(e, None),
    };
    match violation(&puzzle, &got) {
        None => Verdict::correct("valid_solution", None),
        Some(why) => Verdict::incorrect(why, None),
    }
}

/// Completions of `fixed` (queen column per row, `None` = free), up to `limit`, visiting at
/// most `budget` search nodes.
fn completions(n: usize, fixed: &[Option<usize>], limit: usize, budget: u64) -> Vec<Vec<usize>> {
    struct Search<'a> {
        n: usize,
        fixed: &'a [Option<usize>],
        limit: usize,
        budget: u64,
        cols: Vec<usize>,
        out: Vec<Vec<usize>>,
    }
    impl Search<'_> {
        fn rec(&mut self, r: usize) {
            if self.out.len() >= self.limit || self.budget == 0 {
                return;
            }
            self.budget -= 1;
            if r == self.n {
                self.out.push(self.cols.clone());
                return;
            }
            let (lo, hi) = match self.fixed[r] {
                Some(c) => (c, c + 1),
                None => (0, self.n),
            };
            for c in lo..hi {
                let safe = self
                    .cols
                    .iter()
                    .enumerate()
                    .all(|(r2, &c2)| c2 != c && r.abs_diff(r2) != c.abs_diff(c2));
                if safe {
                    self.cols.push(c);
                    self.rec(r + 1);
                    self.cols.pop();
                }
            }
        }
    }
    let mut s = Search {
        n,
        fixed,
        limit,
        budget,
        cols: Vec::with_capacity(n),
        out: Vec::new(),
    };
    s.rec(0);
    s.out
}

fn board(n: usize, cols: &[usize]) -> Vec<Vec<&'static str>> {
    (0..n)
        .map(|r| {
            (0..n)
                .map(|c| if cols[r] == c { "Q" } else { "_" })
                .collect()
        })
        .collect()
}

fn board_string(b: &[Vec<&str>]) -> String {
    b.iter().map(|r| r.join(" ")).collect::<Vec<_>>().join("\n")
}

/// Queen column per row of a 0/1 puzzle; `None` when a row holds two queens.
fn fixed_columns(puzzle: &[Vec<i64>]) -> Option<Vec<Option<usize>>> {
    puzzle
        .iter()
        .map(|row| {
            let qs: Vec<usize> = (0..row.len()).filter(|&c| row[c] == 1).collect();
            match qs.len() {
                0 => Some(None),
                1 => Some(Some(qs[0])),
                _ => None,
            }
        })
        .collect()
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let puzzle = read(inst.metadata).ok()?;
    let n = puzzle.len();
    let fixed = fixed_columns(&puzzle)?;
    let sol = completions(n, &fixed, 1, 5_000_000).pop()?;
    Some(board_string(&board(n, &sol)))
}

/// Knobs: `n` (4..12, default 8), `min_remove`/`max_remove` (default 1 and 7, at most n).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let n = cfg.int("n", 8);
    let (lo, hi) = (cfg.int("min_remove", 1), cfg.int("max_remove", 7));
    if !(4..=12).contains(&n) || lo < 1 || lo > hi || hi > n {
        return Err(Error::Generate(
            "need 4 <= n <= 12 and 1 <= min_remove <= max_remove <= n".into(),
        ));
    }
    let n = n as usize;
    let mut rng = Rng::new(cfg.seed);
    let all = completions(n, &vec![None; n], usize::MAX, u64::MAX);
    let full = rng.choose(&all).clone();
    let removed = rng.range(lo, hi) as usize;
    let mut rows: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut rows);
    let mut fixed: Vec<Option<usize>> = full.iter().map(|&c| Some(c)).collect();
    for &r in &rows[..removed] {
        fixed[r] = None;
    }
    let puzzle: Vec<Vec<&str>> = (0..n)
        .map(|r| {
            (0..n)
                .map(|c| if fixed[r] == Some(c) { "Q" } else { "_" })
                .collect()
        })
        .collect();
    let sols: Vec<Vec<Vec<&str>>> = completions(n, &fixed, usize::MAX, u64::MAX)
        .iter()
        .map(|cols| board(n, cols))
        .collect();
    let mut valid: Vec<String> = sols.iter().map(|b| board_string(b)).collect();
    valid.sort();
    valid.dedup();
    let answer = rng.choose(&valid).clone();
    let question = format!(
        "Place queens on this {n} x {n} chess board so that it ends up with {n} queens in total and \
         no two of them attack each other (no two in the same row, column or diagonal). Empty \
         squares are _ and queens are Q; the board already holds {} queen(s), so you must add \
         {removed}.\n{}\nAnswer with the whole board in the same format: one row per line, \
         squares separated by spaces, each new queen written as Q in place of an _.\n",
        n - removed,
        board_string(&puzzle)
    );
    Ok(Generated {
        question,
        answer,
        metadata: json!({
            "source_dataset": "n_queens",
            "source_index": cfg.seed,
            "puzzle": puzzle,
            "solutions": sols,
            "num_removed": removed,
            "valid_answers": valid,
            "difficulty": {"n": n, "num_removed": [lo, hi]},
        }),
    })
}
