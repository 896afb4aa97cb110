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
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "futoshiki",
    summary: "Fill a futoshiki grid with inequality constraints",
    group: Group::Grid,
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
    /// Every inequality as `(smaller cell, larger cell)`.
    lt: Vec<(usize, usize)>,
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
            lt: Vec::with_capacity(ineqs.len()),
            nodes: 0,
        };
        for &(r1, c1, r2, c2, less) in ineqs {
            let (a, b) = (r1 * n + c1, r2 * n + c2);
            s.rel[a].push((b, less));
            s.rel[b].push((a, !less));
            s.lt.push(if less { (a, b) } else { (b, a) });
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
        let mut found = Vec::new();
        let r = self.search_with(limit, &mut found, &mut None);
        if first.is_none() {
            *first = found.into_iter().next();
        }
        r
    }

    /// Candidates of every cell after bounds consistency on the inequalities (a filled cell
    /// has its value's bit, or 0 when an inequality rules it out); `None` on a dead end.
    fn propagate(&self) -> Option<[u16; 81]> {
        let n = self.n;
        let full_mask = ((1u16 << (n + 1)) - 1) & !1;
        let mut cand = [0u16; 81];
        for (i, slot) in cand.iter_mut().enumerate().take(n * n) {
            *slot = match self.cells[i] {
                0 => full_mask & !(self.row[i / n] | self.col[i % n]),
                v => 1 << v,
            };
        }
        let mut changed = true;
        while changed {
            changed = false;
            for &(a, b) in &self.lt {
                let (ma, mb) = (cand[a], cand[b]);
                if ma == 0 || mb == 0 {
                    return None;
                }
                let max_b = 15 - mb.leading_zeros();
                let min_a = ma.trailing_zeros();
                let na = ma & ((1u16 << max_b) - 1);
                let nb = mb & !((1u16 << (min_a + 1)) - 1);
                if na != ma || nb != mb {
                    (cand[a], cand[b]) = (na, nb);
                    changed = true;
                }
            }
        }
        cand[..n * n].iter().all(|&m| m != 0).then_some(cand)
    }

    /// What to do next: every forced placement (a cell with one candidate, a value with one
    /// place in its row or column), else the branching with the fewest alternatives.
    fn step(&self) -> Step {
        let n = self.n;
        let Some(mut cand) = self.propagate() else {
            return Step::Dead;
        };
        let mut forced = Vec::new();
        let (mut best_cell, mut best_cnt) = (usize::MAX, u32::MAX);
        for (i, m) in cand.iter_mut().enumerate().take(n * n) {
            if self.cells[i] != 0 {
                *m = 0;
                continue;
            }
            let k = m.count_ones();
            if k == 1 {
                forced.push((i, m.trailing_zeros() as u8));
            }
            if k < best_cnt {
                (best_cell, best_cnt) = (i, k);
            }
        }
        if best_cell == usize::MAX {
            return Step::Full;
        }
        // Rows (axis 0) and columns (axis 1): where can each missing value go? Bit-sliced
        // counts per line: values with no place (dead end), one place (forced), two places
        // (a two-way branch, used when every cell has more than two candidates).
        let full_mask = ((1u16 << (n + 1)) - 1) & !1;
        let mut best_line: Option<(usize, usize, u8)> = None;
        for axis in 0..2 {
            for l in 0..n {
                let present = if axis == 0 { self.row[l] } else { self.col[l] };
                let missing = full_mask & !present;
                let (mut once, mut twice, mut thrice) = (0u16, 0u16, 0u16);
                for x in 0..n {
                    let m = cand[if axis == 0 { l * n + x } else { x * n + l }];
                    thrice |= twice & m;
                    twice |= once & m;
                    once |= m;
                }
                if missing & !once != 0 {
                    return Step::Dead;
                }
                let single = missing & once & !twice;
                if single != 0 {
                    for x in 0..n {
                        let i = if axis == 0 { l * n + x } else { x * n + l };
                        let hit = cand[i] & single;
                        if hit != 0 {
                            forced.push((i, hit.trailing_zeros() as u8));
                        }
                    }
                }
                let pair = missing & twice & !thrice;
                if best_cnt > 2 && pair != 0 && best_line.is_none() {
                    best_line = Some((axis, l, pair.trailing_zeros() as u8));
                }
            }
        }
        if !forced.is_empty() {
            return Step::Forced(forced);
        }
        Step::Branch(match best_line {
            Some((axis, l, v)) => (0..n)
                .map(|x| if axis == 0 { l * n + x } else { x * n + l })
                .filter(|&i| cand[i] >> v & 1 == 1)
                .map(|i| (i, v))
                .collect(),
            None => (1..=n as u8)
                .filter(|&v| cand[best_cell] >> v & 1 == 1)
                .map(|v| (best_cell, v))
                .collect(),
        })
    }

    /// [`Solver::search`], trying alternatives in a random order when `rng` is given.
    fn search_with(
        &mut self,
        limit: usize,
        found: &mut Vec<Vec<u8>>,
        rng: &mut Option<&mut Rng>,
    ) -> Option<usize> {
        let mut placed: Vec<usize> = Vec::new();
        let result = self.search_inner(limit, found, rng, &mut placed);
        for &i in placed.iter().rev() {
            self.unplace(i);
        }
        result
    }

    fn search_inner(
        &mut self,
        limit: usize,
        found: &mut Vec<Vec<u8>>,
        rng: &mut Option<&mut Rng>,
        placed: &mut Vec<usize>,
    ) -> Option<usize> {
        let mut moves = loop {
            self.nodes += 1;
            if self.nodes > NODE_BUDGET {
                return None;
            }
            match self.step() {
                Step::Dead => return Some(0),
                Step::Full => {
                    found.push(self.cells.clone());
                    return Some(1);
                }
                Step::Branch(moves) => break moves,
                Step::Forced(list) => {
                    for (i, v) in list {
                        if self.cells[i] == v {
                            continue;
                        }
                        if self.cells[i] != 0 || self.candidates(i) & (1 << v) == 0 {
                            return Some(0);
                        }
                        self.place(i, v);
                        placed.push(i);
                    }
                }
            }
        };
        if let Some(r) = rng.as_deref_mut() {
            r.shuffle(&mut moves);
        }
        let mut count = 0;
        for (i, v) in moves {
            self.place(i, v);
            let sub = self.search_with(limit - count, found, rng);
            self.unplace(i);
            count += sub?;
            if count >= limit {
                break;
            }
        }
        Some(count)
    }
}

/// The solver's next step.
enum Step {
    Dead,
    Full,
    Forced(Vec<(usize, u8)>),
    Branch(Vec<(usize, u8)>),
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
    let puzzle = make_puzzle(&solution, &ineqs, &mut rng);
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

/// A random Latin square: a randomized solver run from an empty grid.
fn random_latin(n: usize, rng: &mut Rng) -> Vec<Vec<i64>> {
    let cyclic: Vec<Vec<i64>> = (0..n)
        .map(|r| (0..n).map(|c| ((r + c) % n) as i64 + 1).collect())
        .collect();
    let empty = vec![vec![0i64; n]; n];
    let Some(mut s) = Solver::new(n, &empty, &[]) else {
        return cyclic;
    };
    let mut found = Vec::new();
    match s.search_with(1, &mut found, &mut Some(rng)) {
        Some(1) => found
            .pop()
            .unwrap_or_default()
            .chunks(n)
            .map(|r| r.iter().map(|&v| i64::from(v)).collect())
            .collect(),
        _ => cyclic,
    }
}

/// Clues for a unique puzzle: start from no clues; while the search finds two solutions,
/// reveal the solution's value at a random cell where the other solution differs. Each step
/// is one search that stops at the second solution, so only the last one proves uniqueness
/// (cheaper than Reasoning Gym's test of every removal).
fn make_puzzle(solution: &[Vec<i64>], ineqs: &[Ineq], rng: &mut Rng) -> Vec<Vec<i64>> {
    let n = solution.len();
    let mut puzzle = vec![vec![0i64; n]; n];
    // Larger boards need many clues anyway: reveal a fifth of the cells up front, which
    // saves most of the searches (such puzzles may hold a few redundant clues).
    if n >= 7 {
        let mut cells: Vec<usize> = (0..n * n).collect();
        rng.shuffle(&mut cells);
        for &i in &cells[..n * n / 5] {
            puzzle[i / n][i % n] = solution[i / n][i % n];
        }
    }
    loop {
        let Some(mut s) = Solver::new(n, &puzzle, ineqs) else {
            return solution.to_vec();
        };
        let mut found = Vec::new();
        let result = s.search_with(2, &mut found, &mut Some(rng));
        if result == Some(1) {
            return puzzle;
        }
        let open: Vec<usize> = (0..n * n)
            .filter(|&i| puzzle[i / n][i % n] == 0)
            .filter(|&i| {
                found.is_empty()
                    || found
                        .iter()
                        .any(|f| i64::from(f[i]) != solution[i / n][i % n])
            })
            .collect();
        if open.is_empty() {
            return solution.to_vec();
        }
        let i = *rng.choose(&open);
        puzzle[i / n][i % n] = solution[i / n][i % n];
    }
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

    /// Solutions of a small puzzle by plain backtracking with full checks (no propagation),
    /// an independent count for the solver's uniqueness claim.
    fn naive_count(g: &mut [Vec<i64>], ineqs: &[Ineq], k: usize) -> usize {
        let n = g.len();
        if k == n * n {
            return usize::from(violation(g, ineqs, g).is_none());
        }
        let (r, c) = (k / n, k % n);
        if g[r][c] != 0 {
            return naive_count(g, ineqs, k + 1);
        }
        let mut total = 0;
        for v in 1..=n as i64 {
            if (0..n).any(|x| g[r][x] == v || g[x][c] == v) {
                continue;
            }
            g[r][c] = v;
            total += naive_count(g, ineqs, k + 1);
            g[r][c] = 0;
        }
        total
    }

    #[test]
    fn small_puzzles_are_unique_by_brute_force() {
        for seed in 0..40 {
            let mut cfg = GenConfig {
                seed,
                ..GenConfig::default()
            };
            cfg.difficulty.insert("max_board_size".into(), 5.into());
            let g = generate(&cfg).unwrap();
            let (mut p, ineqs) = read(&g.metadata).unwrap();
            let puzzle = p.clone();
            // The naive count checks inequalities on the full grid, with the clues kept.
            assert_eq!(naive_count(&mut p, &ineqs, 0), 1, "seed {seed}");
            assert_eq!(p, puzzle);
        }
    }
}
