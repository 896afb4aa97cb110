//! `futoshiki`: fill an NxN grid (N = 4..9) so every row and column holds 1..N once, keeping the
//! clues and every inequality between neighbouring cells.
//!
//! ## Accepts
//! Any grid that keeps the clues of `metadata.puzzle`, is a Latin square and satisfies every
//! entry `[r1, c1, r2, c2, "<" | ">"]` of `metadata.constraints` (cell (r1,c1) is less/greater
//! than cell (r2,c2)). The stored `solution` is not consulted (generated puzzles have exactly
//! one solution). Read in the puzzle's own layout (inequality signs between cells and `∧`/`∨`
//! lines between rows are skipped), or any layout `sudoku` reads.
//!
//! ## Rejects
//! A changed clue, a repeated value, a value outside 1..N, a broken inequality
//! (`constraint (1,2) < (1,3) broken: 4 vs 2`), a blank cell, a wrong shape. Partial credit
//! (opt-in) is the fraction of cells equal to the stored solution.
//!
//! ## Examples
//! Puzzle `_ < _\n3 _` style rows: `<answer>1 < 2\n2   1</answer>` is read as `[[1,2],[2,1]]`.

use super::grid::{self, Cells};
use super::rng::Rng;
use super::sudoku::matching_fraction;
use super::{Family, GenConfig, Generated, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "futoshiki",
    summary: "Fill a futoshiki grid with inequality constraints",
    verify,
    solve,
    generate,
};

/// Search nodes one solver call may visit (bounded time on any metadata).
const NODE_BUDGET: u64 = 200_000;

/// `(r1, c1, r2, c2, less)`: cell 1 is less than cell 2 when `less`, else greater.
type Ineq = (usize, usize, usize, usize, bool);

fn read_constraints(meta: &Value, n: usize) -> Option<Vec<Ineq>> {
    let mut out = Vec::new();
    for c in meta.get("constraints")?.as_array()? {
        let a = c.as_array()?;
        if a.len() != 5 {
            return None;
        }
        let mut idx = [0usize; 4];
        for (k, slot) in idx.iter_mut().enumerate() {
            *slot = usize::try_from(a[k].as_u64()?).ok().filter(|&x| x < n)?;
        }
        let less = match a[4].as_str()? {
            "<" => true,
            ">" => false,
            _ => return None,
        };
        out.push((idx[0], idx[1], idx[2], idx[3], less));
    }
    Some(out)
}

/// A Latin-square search with inequalities, on bitmasks.
struct Solver {
    n: usize,
    cells: Vec<u8>,
    row: Vec<u16>,
    col: Vec<u16>,
    /// Per cell: `(other cell, this < other)`.
    rel: Vec<Vec<(usize, bool)>>,
    nodes: u64,
}

impl Solver {
    fn new(n: usize, puzzle: &[Vec<i64>], ineqs: &[Ineq]) -> Option<Solver> {
        let mut s = Solver {
            n,
            cells: vec![0; n * n],
            row: vec![0; n],
            col: vec![0; n],
            rel: vec![Vec::new(); n * n],
            nodes: 0,
        };
        for &(r1, c1, r2, c2, less) in ineqs {
            let (a, b) = (r1 * n + c1, r2 * n + c2);
            s.rel[a].push((b, less));
            s.rel[b].push((a, !less));
        }
        for (r, row) in puzzle.iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                if v != 0 {
                    let i = r * n + c;
                    if v < 0 || v > n as i64 || s.candidates(i) & (1 << v) == 0 {
                        return None;
                    }
                    s.place(i, v as u8);
                }
            }
        }
        Some(s)
    }

    fn place(&mut self, i: usize, v: u8) {
        self.cells[i] = v;
        self.row[i / self.n] |= 1 << v;
        self.col[i % self.n] |= 1 << v;
    }

    fn unplace(&mut self, i: usize) {
        let m = !(1u16 << self.cells[i]);
        self.cells[i] = 0;
        self.row[i / self.n] &= m;
        self.col[i % self.n] &= m;
    }

    fn candidates(&self, i: usize) -> u16 {
        let full = ((1u16 << (self.n + 1)) - 1) & !1;
        let mut m = full & !(self.row[i / self.n] | self.col[i % self.n]);
        for &(j, less) in &self.rel[i] {
            let o = self.cells[j];
            m &= match (o, less) {
                (0, true) => !(1u16 << self.n),
                (0, false) => !2,
                (o, true) => (1u16 << o) - 1,
                (o, false) => !((1u16 << (o + 1)) - 1),
            };
        }
        m
    }

    /// Solutions up to `limit` (first kept in `first`); `None` when the budget ran out.
    fn search(&mut self, limit: usize, first: &mut Option<Vec<u8>>) -> Option<usize> {
        self.nodes += 1;
        if self.nodes > NODE_BUDGET {
            return None;
        }
        let mut best: Option<(usize, u16)> = None;
        for i in 0..self.cells.len() {
            if self.cells[i] == 0 {
                let m = self.candidates(i);
                if best.is_none_or(|(_, b)| m.count_ones() < b.count_ones()) {
                    best = Some((i, m));
                    if m.count_ones() <= 1 {
                        break;
                    }
                }
            }
        }
        let Some((i, m)) = best else {
            if first.is_none() {
                *first = Some(self.cells.clone());
            }
            return Some(1);
        };
        let mut count = 0;
        for v in 1..=self.n as u8 {
            if m & (1 << v) != 0 {
                self.place(i, v);
                let sub = self.search(limit - count, first);
                self.unplace(i);
                count += sub?;
                if count >= limit {
                    break;
                }
            }
        }
        Some(count)
    }
}

/// The first broken rule of a complete grid, if any.
fn violation(puzzle: &[Vec<i64>], ineqs: &[Ineq], got: &[Vec<i64>]) -> Option<String> {
    let n = puzzle.len();
    let (mut rows, mut cols) = (vec![0u16; n], vec![0u16; n]);
    for r in 0..n {
        for c in 0..n {
            let v = got[r][c];
            if v < 1 || v > n as i64 {
                return Some(format!("bad_value {v} at row {} col {}", r + 1, c + 1));
            }
            if puzzle[r][c] != 0 && puzzle[r][c] != v {
                return Some(format!("given_changed at row {} col {}", r + 1, c + 1));
            }
            let m = 1u16 << v;
            if rows[r] & m != 0 {
                return Some(format!("duplicate {v} in row {}", r + 1));
            }
            if cols[c] & m != 0 {
                return Some(format!("duplicate {v} in column {}", c + 1));
            }
            rows[r] |= m;
            cols[c] |= m;
        }
    }
    for &(r1, c1, r2, c2, less) in ineqs {
        let (a, b) = (got[r1][c1], got[r2][c2]);
        if (less && a >= b) || (!less && a <= b) {
            let sign = if less { '<' } else { '>' };
            return Some(format!(
                "constraint ({},{}) {sign} ({},{}) broken: {a} vs {b}",
                r1 + 1,
                c1 + 1,
                r2 + 1,
                c2 + 1
            ));
        }
    }
    None
}

/// Puzzle, size and constraints from metadata.
fn read(meta: &Value) -> Result<(Vec<Vec<i64>>, Vec<Ineq>), String> {
    let puzzle = meta
        .get("puzzle")
        .and_then(grid::int_matrix)
        .ok_or("bad_metadata: no integer `puzzle` grid")?;
    let n = puzzle.len();
    if !(1..=9).contains(&n) || puzzle.iter().any(|r| r.len() != n) {
        return Err("bad_metadata: `puzzle` must be NxN with N <= 9".into());
    }
    let ineqs = read_constraints(meta, n).ok_or("bad_metadata: malformed `constraints`")?;
    Ok((puzzle, ineqs))
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let (puzzle, ineqs) = match read(inst.metadata) {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let n = puzzle.len();
    let got = match grid::parse_grid(answer, n, n, Cells::Digits) {
        Ok(g) => g,
        Err(e) => return Verdict::incorrect(e, None),
    };
    match violation(&puzzle, &ineqs, &got) {
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

fn solve(inst: &Instance<'_>) -> Option<String> {
    let (puzzle, ineqs) = read(inst.metadata).ok()?;
    let n = puzzle.len();
    let mut s = Solver::new(n, &puzzle, &ineqs)?;
    let mut first = None;
    s.search(1, &mut first)?;
    let sol: Vec<Vec<i64>> = first?
        .chunks(n)
        .map(|r| r.iter().map(|&v| i64::from(v)).collect())
        .collect();
    Some(render(&sol, &ineqs))
}

/// Reasoning Gym's layout: inequality signs between cells, `∧`/`∨` lines between rows.
fn render(g: &[Vec<i64>], ineqs: &[Ineq]) -> String {
    let n = g.len();
    let sign = |a: (usize, usize), b: (usize, usize), horizontal: bool| -> &'static str {
        for &(r1, c1, r2, c2, less) in ineqs {
            let lt = if (r1, c1) == a && (r2, c2) == b {
                less
            } else if (r1, c1) == b && (r2, c2) == a {
                !less
            } else {
                continue;
            };
            return match (horizontal, lt) {
                (true, true) => "<",
                (true, false) => ">",
                (false, true) => "\u{2227}",
                (false, false) => "\u{2228}",
            };
        }
        " "
    };
    let mut lines = Vec::with_capacity(2 * n);
    for (r, row) in g.iter().enumerate() {
        let mut parts = Vec::with_capacity(2 * n);
        for (c, &v) in row.iter().enumerate() {
            parts.push(if v == 0 {
                "_".to_string()
            } else {
                v.to_string()
            });
            if c + 1 < n {
                parts.push(sign((r, c), (r, c + 1), true).to_string());
            }
        }
        lines.push(parts.join(" "));
        if r + 1 < n {
            let mut v = Vec::with_capacity(2 * n);
            for c in 0..n {
                v.push(sign((r, c), (r + 1, c), false));
                if c + 1 < n {
                    v.push(" ");
                }
            }
            lines.push(v.join(" "));
        }
    }
    lines.join("\n")
}

/// Knobs: `min_board_size`/`max_board_size` (4..9, default 4 and 9), `min_difficulty`/
/// `max_difficulty` (0..3, default 0 and 3; more inequalities at higher difficulty).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (slo, shi) = (cfg.int("min_board_size", 4), cfg.int("max_board_size", 9));
    let (dlo, dhi) = (cfg.int("min_difficulty", 0), cfg.int("max_difficulty", 3));
    if !(4..=9).contains(&slo) || !(slo..=9).contains(&shi) {
        return Err(Error::Generate(
            "need 4 <= min_board_size <= max_board_size <= 9".into(),
        ));
    }
    if !(0..=3).contains(&dlo) || !(dlo..=3).contains(&dhi) {
        return Err(Error::Generate(
            "need 0 <= min_difficulty <= max_difficulty <= 3".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let n = rng.range(slo, shi) as usize;
    let difficulty = rng.range(dlo, dhi);
    let solution = random_latin(n, &mut rng);
    // Inequalities between neighbours, more of them at higher difficulty (per mille).
    let per_mille = 30 + 70 * difficulty as u64;
    let mut ineqs: Vec<Ineq> = Vec::new();
    for r in 0..n {
        for c in 0..n {
            for (r2, c2) in [(r, c + 1), (r + 1, c)] {
                if r2 < n && c2 < n && rng.below(1000) < per_mille {
                    ineqs.push((r, c, r2, c2, solution[r][c] < solution[r2][c2]));
                }
            }
        }
    }
    let puzzle = remove_clues(&solution, &ineqs, &mut rng);
    let constraints: Vec<Value> = ineqs
        .iter()
        .map(|&(a, b, c, d, less)| json!([a, b, c, d, if less { "<" } else { ">" }]))
        .collect();
    let question = format!(
        "Here is a {n}x{n} Futoshiki puzzle (blanks are _):\n\n{}\n\n\
         Fill every blank so that each row and each column contains every number from 1 to {n} \
         exactly once, and every inequality holds: < and > compare horizontal neighbours, \u{2227} \
         and \u{2228} compare the cell above with the cell below (the upper cell is smaller under \
         \u{2227}, larger under \u{2228}). Give your answer in exactly the puzzle's layout, with each _ \
         replaced by its number.",
        render(&puzzle, &ineqs)
    );
    Ok(Generated {
        question,
        answer: render(&solution, &ineqs),
        metadata: json!({
            "source_dataset": "futoshiki",
            "source_index": cfg.seed,
            "puzzle": puzzle,
            "constraints": constraints,
            "solution": solution,
            "board_size": n,
            "difficulty_rating": difficulty,
            "difficulty": {"board_size": [slo, shi], "difficulty": [dlo, dhi]},
        }),
    })
}

/// A random Latin square: a cyclic square with shuffled rows, columns and symbols, then
/// randomized by a solver run from a few random clues (so it is not always cyclic).
fn random_latin(n: usize, rng: &mut Rng) -> Vec<Vec<i64>> {
    let mut perm_r: Vec<usize> = (0..n).collect();
    let mut perm_c: Vec<usize> = (0..n).collect();
    let mut sym: Vec<i64> = (1..=n as i64).collect();
    rng.shuffle(&mut perm_r);
    rng.shuffle(&mut perm_c);
    rng.shuffle(&mut sym);
    let cyclic: Vec<Vec<i64>> = (0..n)
        .map(|r| (0..n).map(|c| sym[(perm_r[r] + perm_c[c]) % n]).collect())
        .collect();
    // Keep a random half of the first row and first column, re-solve the rest in random order.
    let mut seed = vec![vec![0i64; n]; n];
    for k in 0..n {
        if rng.below(2) == 0 {
            seed[0][k] = cyclic[0][k];
        }
        if rng.below(2) == 0 {
            seed[k][0] = cyclic[k][0];
        }
    }
    let mut s = match Solver::new(n, &seed, &[]) {
        Some(s) => s,
        None => return cyclic,
    };
    let mut order: Vec<usize> = (0..n * n).collect();
    rng.shuffle(&mut order);
    if fill_random(&mut s, &order, rng) {
        s.cells
            .chunks(n)
            .map(|r| r.iter().map(|&v| i64::from(v)).collect())
            .collect()
    } else {
        cyclic
    }
}

/// Fill empty cells in `order` with randomly ordered values (backtracking, budgeted).
fn fill_random(s: &mut Solver, order: &[usize], rng: &mut Rng) -> bool {
    s.nodes += 1;
    if s.nodes > NODE_BUDGET {
        return false;
    }
    let Some(&i) = order.iter().find(|&&i| s.cells[i] == 0) else {
        return true;
    };
    let m = s.candidates(i);
    let mut vals: Vec<u8> = (1..=s.n as u8).filter(|v| m & (1 << v) != 0).collect();
    rng.shuffle(&mut vals);
    for v in vals {
        s.place(i, v);
        if fill_random(s, order, rng) {
            return true;
        }
        s.unplace(i);
    }
    false
}

/// Remove clues in random order while the solution stays unique, down to 10% of the cells
/// (a second pass if far from it), as Reasoning Gym does.
fn remove_clues(solution: &[Vec<i64>], ineqs: &[Ineq], rng: &mut Rng) -> Vec<Vec<i64>> {
    let n = solution.len();
    let target = n * n / 10;
    let Some(mut s) = Solver::new(n, solution, ineqs) else {
        return solution.to_vec();
    };
    let mut order: Vec<usize> = (0..n * n).collect();
    for _pass in 0..2 {
        rng.shuffle(&mut order);
        for &i in &order {
            let filled = s.cells.iter().filter(|&&v| v != 0).count();
            if filled <= target {
                break;
            }
            let saved = s.cells[i];
            if saved == 0 {
                continue;
            }
            s.unplace(i);
            // Still unique iff no other value here leads to a solution.
            let mut alternative = false;
            let m = s.candidates(i) & !(1 << saved);
            for v in 1..=n as u8 {
                if m & (1 << v) != 0 {
                    s.place(i, v);
                    s.nodes = 0;
                    alternative = s.search(1, &mut None) != Some(0);
                    s.unplace(i);
                    if alternative {
                        break;
                    }
                }
            }
            if alternative {
                s.place(i, saved);
            }
        }
        if s.cells.iter().filter(|&&v| v != 0).count() <= 2 * target {
            break;
        }
    }
    s.cells
        .chunks(n)
        .map(|r| r.iter().map(|&v| i64::from(v)).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_puzzles_are_unique() {
        for seed in 0..6 {
            let g = generate(&GenConfig {
                seed,
                ..GenConfig::default()
            })
            .unwrap();
            let (p, ineqs) = read(&g.metadata).unwrap();
            let mut s = Solver::new(p.len(), &p, &ineqs).unwrap();
            assert_eq!(s.search(2, &mut None), Some(1), "seed {seed}");
        }
    }
}
