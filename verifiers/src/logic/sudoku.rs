//! `sudoku`: fill a 9x9 sudoku so every row, column and 3x3 box holds 1-9 once, keeping the
//! given clues. The engine here (bitmask backtracking with fewest-candidates-first) also serves
//! `mini_sudoku` (4x4 with 2x2 boxes).
//!
//! ## Accepts
//! Any grid that keeps every clue of `metadata.puzzle` and satisfies the row, column and box
//! rules, checked cell by cell (the stored `solution` is not consulted, though generated
//! puzzles have exactly one solution). Rows on lines with spaces, commas, `|` or nothing
//! between digits, box separator lines, row labels (`Row 1:`), code fences, JSON or Python
//! nested lists, LaTeX arrays, Markdown tables, prose lines around the grid, or one flat run
//! of 81 digits.
//!
//! ## Rejects
//! A changed clue (`given_changed at row 2 col 5`), a repeated digit (`duplicate 7 in box 4`),
//! a value outside 1-9, a blank or missing cell, a grid of the wrong shape. With
//! `Options::partial_credit`, a wrong grid earns the fraction of cells equal to the stored
//! solution (Reasoning Gym's rule, without its length penalty); the default is 0/1.
//!
//! ## Examples
//! `<answer>5 3 4 6 7 8 9 1 2\n6 7 2 1 9 5 3 4 8\n...</answer>` is correct when it completes the
//! puzzle; the same grid with two cells swapped inside a row is `duplicate` in a column.

use super::grid::{self, Cells};
use super::rng::Rng;
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "sudoku",
    summary: "Fill a 9x9 sudoku",
    group: Group::Grid,
    verify,
    solve,
    generate,
};

/// Search nodes one solver call may visit before giving up (bounded time on any metadata).
const NODE_BUDGET: u64 = 2_000_000;

/// A sudoku board of side `n = b * b`; 0 is an empty cell.
#[derive(Clone)]
pub(crate) struct Board {
    b: usize,
    n: usize,
    cells: Vec<u8>,
    row: [u16; 9],
    col: [u16; 9],
    bx: [u16; 9],
    nodes: u64,
}

impl Board {
    fn empty(b: usize) -> Board {
        let n = b * b;
        Board {
            b,
            n,
            cells: vec![0; n * n],
            row: [0; 9],
            col: [0; 9],
            bx: [0; 9],
            nodes: 0,
        }
    }

    /// The board of a puzzle grid; `None` when its clues already clash or are out of range.
    pub(crate) fn from_grid(b: usize, grid: &[Vec<i64>]) -> Option<Board> {
        let mut bd = Board::empty(b);
        if grid.len() != bd.n || grid.iter().any(|r| r.len() != bd.n) {
            return None;
        }
        for (r, row) in grid.iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                if v < 0 || v > bd.n as i64 {
                    return None;
                }
                if v > 0 {
                    let i = r * bd.n + c;
                    if bd.candidates(i) & (1 << v) == 0 {
                        return None;
                    }
                    bd.place(i, v as u8);
                }
            }
        }
        Some(bd)
    }

    fn box_of(&self, i: usize) -> usize {
        let (r, c) = (i / self.n, i % self.n);
        (r / self.b) * self.b + c / self.b
    }

    fn place(&mut self, i: usize, v: u8) {
        let (r, c, x, m) = (i / self.n, i % self.n, self.box_of(i), 1u16 << v);
        self.cells[i] = v;
        self.row[r] |= m;
        self.col[c] |= m;
        self.bx[x] |= m;
    }

    fn unplace(&mut self, i: usize) {
        let v = self.cells[i];
        let (r, c, x, m) = (i / self.n, i % self.n, self.box_of(i), !(1u16 << v));
        self.cells[i] = 0;
        self.row[r] &= m;
        self.col[c] &= m;
        self.bx[x] &= m;
    }

    /// Values (as bits 1..=n) that cell `i` may take.
    fn candidates(&self, i: usize) -> u16 {
        let full = ((1u16 << (self.n + 1)) - 1) & !1;
        full & !(self.row[i / self.n] | self.col[i % self.n] | self.bx[self.box_of(i)])
    }

    /// The empty cell with the fewest candidates, or `None` when the board is full.
    fn pick(&self) -> Option<(usize, u16)> {
        let mut best: Option<(usize, u16)> = None;
        for i in 0..self.cells.len() {
            if self.cells[i] == 0 {
                let cand = self.candidates(i);
                if best.is_none_or(|(_, b)| cand.count_ones() < b.count_ones()) {
                    best = Some((i, cand));
                    if cand.count_ones() <= 1 {
                        break;
                    }
                }
            }
        }
        best
    }

    /// Count solutions up to `limit`, keeping the first in `first`. Values are tried in a
    /// random order when `rng` is given. `None` when the node budget ran out.
    fn search(
        &mut self,
        limit: usize,
        rng: &mut Option<&mut Rng>,
        first: &mut Option<Vec<u8>>,
    ) -> Option<usize> {
        self.nodes += 1;
        if self.nodes > NODE_BUDGET {
            return None;
        }
        let Some((i, cand)) = self.pick() else {
            if first.is_none() {
                *first = Some(self.cells.clone());
            }
            return Some(1);
        };
        let mut vals = [0u8; 9];
        let mut k = 0;
        for v in 1..=self.n as u8 {
            if cand & (1 << v) != 0 {
                vals[k] = v;
                k += 1;
            }
        }
        if let Some(r) = rng.as_deref_mut() {
            r.shuffle(&mut vals[..k]);
        }
        let mut count = 0;
        for &v in &vals[..k] {
            self.place(i, v);
            let sub = self.search(limit - count, rng, first);
            self.unplace(i);
            count += sub?;
            if count >= limit {
                break;
            }
        }
        Some(count)
    }

    /// Number of solutions, stopping at `limit`; `None` if the budget ran out.
    pub(crate) fn count(&mut self, limit: usize) -> Option<usize> {
        self.search(limit, &mut None, &mut None)
    }

    /// One solution as a grid.
    pub(crate) fn solution(&mut self) -> Option<Vec<Vec<i64>>> {
        let mut first = None;
        self.search(1, &mut None, &mut first)?;
        first.map(|cells| self.to_grid(&cells))
    }

    fn to_grid(&self, cells: &[u8]) -> Vec<Vec<i64>> {
        cells
            .chunks(self.n)
            .map(|r| r.iter().map(|&v| i64::from(v)).collect())
            .collect()
    }
}

/// Check `answer` against the puzzle of box size `b` (shared with `mini_sudoku`).
pub(crate) fn verify_boxed(inst: &Instance<'_>, answer: &str, b: usize) -> Verdict {
    let n = b * b;
    let Some(puzzle) = inst.metadata.get("puzzle").and_then(grid::int_matrix) else {
        return Verdict::error("bad_metadata: no integer `puzzle` grid");
    };
    if puzzle.len() != n || puzzle.iter().any(|r| r.len() != n) {
        return Verdict::error(format!("bad_metadata: `puzzle` is not {n}x{n}"));
    }
    let got = match grid::parse_grid(answer, n, n, Cells::Digits) {
        Ok(g) => g,
        Err(e) => return Verdict::incorrect(e, None),
    };
    match violation(&puzzle, &got, b) {
        None => Verdict::correct("valid_solution", None),
        Some(why) => {
            let mut v = Verdict::incorrect(why, None);
            if inst.options.partial_credit {
                v.reward = matching_fraction(inst.metadata, &got);
            }
            v
        }
    }
}

/// The first broken rule of a complete grid, if any.
fn violation(puzzle: &[Vec<i64>], got: &[Vec<i64>], b: usize) -> Option<String> {
    let n = b * b;
    for r in 0..n {
        for c in 0..n {
            let v = got[r][c];
            if v < 1 || v > n as i64 {
                return Some(format!("bad_value {v} at row {} col {}", r + 1, c + 1));
            }
            if puzzle[r][c] != 0 && puzzle[r][c] != v {
                return Some(format!("given_changed at row {} col {}", r + 1, c + 1));
            }
        }
    }
    let (mut rows, mut cols, mut boxes) = ([0u16; 9], [0u16; 9], [0u16; 9]);
    for r in 0..n {
        for c in 0..n {
            let m = 1u16 << got[r][c];
            let x = (r / b) * b + c / b;
            let v = got[r][c];
            if rows[r] & m != 0 {
                return Some(format!("duplicate {v} in row {}", r + 1));
            }
            if cols[c] & m != 0 {
                return Some(format!("duplicate {v} in column {}", c + 1));
            }
            if boxes[x] & m != 0 {
                return Some(format!("duplicate {v} in box {}", x + 1));
            }
            rows[r] |= m;
            cols[c] |= m;
            boxes[x] |= m;
        }
    }
    None
}

/// Fraction of cells equal to the stored solution (0 when there is none).
pub(crate) fn matching_fraction(meta: &Value, got: &[Vec<i64>]) -> f64 {
    let Some(sol) = meta.get("solution").and_then(grid::int_matrix) else {
        return 0.0;
    };
    let total: usize = sol.iter().map(Vec::len).sum();
    let same = sol
        .iter()
        .zip(got)
        .flat_map(|(a, b)| a.iter().zip(b).filter(|(x, y)| x == y))
        .count();
    if total == 0 {
        0.0
    } else {
        same as f64 / total as f64
    }
}

/// A solution of the puzzle of box size `b`, rendered as Reasoning Gym writes it.
pub(crate) fn solve_boxed(inst: &Instance<'_>, b: usize) -> Option<String> {
    let puzzle = inst.metadata.get("puzzle").and_then(grid::int_matrix)?;
    let sol = Board::from_grid(b, &puzzle)?.solution()?;
    Some(grid::render(&sol, None))
}

/// A seeded puzzle of box size `b` with a unique solution and up to `num_empty` blanks:
/// `(puzzle, solution)`.
pub(crate) fn make_puzzle(
    b: usize,
    num_empty: usize,
    rng: &mut Rng,
) -> (Vec<Vec<i64>>, Vec<Vec<i64>>) {
    let mut bd = Board::empty(b);
    let mut first = None;
    // An empty board always has a solution within the budget.
    let _ = bd.search(1, &mut Some(rng), &mut first);
    let full = first.unwrap_or_default();
    let n = bd.n;
    for (i, &v) in full.iter().enumerate() {
        bd.place(i, v);
    }
    let mut order: Vec<usize> = (0..n * n).collect();
    rng.shuffle(&mut order);
    let mut removed = 0;
    for i in order {
        if removed == num_empty {
            break;
        }
        let saved = bd.cells[i];
        bd.unplace(i);
        // Unique iff no other value at this cell leads to a solution.
        let others = bd.candidates(i) & !(1 << saved);
        let mut alternative = false;
        for v in 1..=n as u8 {
            if others & (1 << v) != 0 {
                bd.place(i, v);
                bd.nodes = 0;
                alternative = bd.count(1) != Some(0);
                bd.unplace(i);
                if alternative {
                    break;
                }
            }
        }
        if alternative {
            bd.place(i, saved);
        } else {
            removed += 1;
        }
    }
    let solution = bd.to_grid(&full);
    let puzzle = bd.to_grid(&bd.cells);
    (puzzle, solution)
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    verify_boxed(inst, answer, 3)
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    solve_boxed(inst, 3)
}

/// Knobs: `min_empty` (default 30), `max_empty` (default 50), at most 64 (Reasoning Gym's).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (lo, hi) = (cfg.int("min_empty", 30), cfg.int("max_empty", 50));
    if !(0..=64).contains(&lo) || !(lo..=64).contains(&hi) {
        return Err(Error::Generate(
            "need 0 <= min_empty <= max_empty <= 64".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let want = rng.range(lo, hi) as usize;
    let (puzzle, solution) = make_puzzle(3, want, &mut rng);
    let shown = grid::render(&puzzle, Some("_"));
    let question = format!(
        "Complete this sudoku so that every row, every column and every 3x3 box contains each \
         digit from 1 to 9 exactly once (blanks are shown as _):\n{shown}\n\
         Answer with the full 9x9 grid in the same layout: digits separated by spaces, one row \
         per line."
    );
    let empties = puzzle.iter().flatten().filter(|&&v| v == 0).count();
    Ok(Generated {
        question,
        answer: grid::render(&solution, None),
        metadata: json!({
            "source_dataset": "sudoku",
            "source_index": cfg.seed,
            "puzzle": puzzle,
            "solution": solution,
            "num_empty": empties,
            "difficulty": {"empty": [lo, hi]},
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_puzzles_are_unique() {
        for seed in 0..5 {
            let mut rng = Rng::new(seed);
            let (p, s) = make_puzzle(3, 55, &mut rng);
            let mut bd = Board::from_grid(3, &p).unwrap();
            assert_eq!(bd.count(2), Some(1));
            assert_eq!(bd.solution().unwrap(), s);
        }
    }

    #[test]
    fn empty_board_has_many_solutions() {
        let mut bd = Board::empty(3);
        assert_eq!(bd.count(2), Some(2));
    }

    /// Completions of a 4x4 puzzle by plain backtracking (an independent count).
    fn naive_count(g: &mut [Vec<i64>], k: usize) -> usize {
        if k == 16 {
            return usize::from(violation(g, g, 2).is_none());
        }
        let (r, c) = (k / 4, k % 4);
        if g[r][c] != 0 {
            return naive_count(g, k + 1);
        }
        let mut total = 0;
        for v in 1..=4 {
            let (br, bc) = (r / 2 * 2, c / 2 * 2);
            let clash = (0..4).any(|x| g[r][x] == v || g[x][c] == v)
                || (0..4).any(|x| g[br + x / 2][bc + x % 2] == v);
            if !clash {
                g[r][c] = v;
                total += naive_count(g, k + 1);
                g[r][c] = 0;
            }
        }
        total
    }

    #[test]
    fn mini_puzzles_are_unique_by_brute_force() {
        for seed in 0..40 {
            let (mut p, s) = make_puzzle(2, 12, &mut Rng::new(seed));
            assert_eq!(naive_count(&mut p, 0), 1, "seed {seed}");
            assert!(violation(&p, &s, 2).is_none());
        }
    }
}
