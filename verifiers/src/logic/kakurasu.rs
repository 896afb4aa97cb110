//! `kakurasu`: place 1s in an R x C grid so that each row's 1s, weighted by their column
//! number (1-based), add up to the row sum, and each column's 1s, weighted by their row
//! number, add up to the column sum.
//!
//! ## Accepts
//! Any 0/1 grid of `n_rows` x `n_cols` whose weighted sums equal `metadata.row_sums` and
//! `metadata.col_sums` (the stored `solution` is not consulted). Rows on lines with spaces,
//! commas or nothing between cells (`0110`), labels, fences, JSON/Python nested lists, or one
//! flat run of R*C cells.
//!
//! ## Rejects
//! A cell other than 0/1 (`bad_value 2 at row 1 col 3`), a wrong weighted sum
//! (`row 2 sums to 5, expected 7`), a wrong shape.
//!
//! ## Examples
//! Row sums `[3, 1]`, column sums `[2, 0, 1]`: `<answer>0 0 1\n1 0 0</answer>` is correct;
//! `<answer>1 1 0\n1 0 0</answer>` also makes row 1 worth 3 but is rejected with
//! `column 1 sums to 3, expected 2`.

use super::grid::{self, Cells};
use super::rng::Rng;
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "kakurasu",
    summary: "Place 1s so weighted row and column sums match",
    group: Group::Grid,
    verify,
    solve,
    generate,
};

/// Largest side accepted from metadata (Reasoning Gym allows 3..9).
const MAX_SIDE: usize = 12;
/// Search nodes one solver call may visit.
const NODE_BUDGET: u64 = 2_000_000;

struct Puzzle {
    rows: usize,
    cols: usize,
    row_sums: Vec<i64>,
    col_sums: Vec<i64>,
}

fn read(meta: &Value) -> Result<Puzzle, String> {
    let row_sums = meta.get("row_sums").and_then(grid::int_list);
    let col_sums = meta.get("col_sums").and_then(grid::int_list);
    let (Some(row_sums), Some(col_sums)) = (row_sums, col_sums) else {
        return Err("bad_metadata: need integer lists `row_sums` and `col_sums`".into());
    };
    let (rows, cols) = (row_sums.len(), col_sums.len());
    if rows == 0 || cols == 0 || rows > MAX_SIDE || cols > MAX_SIDE {
        return Err(format!("bad_metadata: grid {rows}x{cols} out of range"));
    }
    if row_sums
        .iter()
        .chain(&col_sums)
        .any(|&s| !(0..=1000).contains(&s))
    {
        return Err("bad_metadata: sums out of range".into());
    }
    Ok(Puzzle {
        rows,
        cols,
        row_sums,
        col_sums,
    })
}

/// Weighted sums of a grid: (rows, cols).
fn sums(g: &[Vec<i64>]) -> (Vec<i64>, Vec<i64>) {
    let cols = g.first().map_or(0, Vec::len);
    let mut rs = vec![0; g.len()];
    let mut cs = vec![0; cols];
    for (r, row) in g.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            if v == 1 {
                rs[r] += c as i64 + 1;
                cs[c] += r as i64 + 1;
            }
        }
    }
    (rs, cs)
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let p = match read(inst.metadata) {
        Ok(p) => p,
        Err(e) => return Verdict::error(e),
    };
    let g = match grid::parse_grid(answer, p.rows, p.cols, Cells::Digits) {
        Ok(g) => g,
        Err(e) => return Verdict::incorrect(e, None),
    };
    for (r, row) in g.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            if v != 0 && v != 1 {
                return Verdict::incorrect(
                    format!("bad_value {v} at row {} col {}", r + 1, c + 1),
                    None,
                );
            }
        }
    }
    let (rs, cs) = sums(&g);
    for (r, (&got, &want)) in rs.iter().zip(&p.row_sums).enumerate() {
        if got != want {
            let why = format!("row {} sums to {}, expected {}", r + 1, got, want);
            return Verdict::incorrect(why, None);
        }
    }
    for (c, (&got, &want)) in cs.iter().zip(&p.col_sums).enumerate() {
        if got != want {
            let why = format!("column {} sums to {}, expected {}", c + 1, got, want);
            return Verdict::incorrect(why, None);
        }
    }
    Verdict::correct("valid_solution", None)
}

/// Solutions up to `limit` (the first kept), by rows: each row takes a bit pattern with the
/// right weighted sum, columns keep a remaining budget.
fn search(p: &Puzzle, limit: usize) -> (usize, Option<Vec<Vec<i64>>>) {
    let patterns: Vec<Vec<u32>> = p
        .row_sums
        .iter()
        .map(|&t| {
            (0u32..1 << p.cols)
                .filter(|&m| {
                    (0..p.cols)
                        .filter(|&j| m >> j & 1 == 1)
                        .map(|j| j as i64 + 1)
                        .sum::<i64>()
                        == t
                })
                .collect()
        })
        .collect();
    let mut left = p.col_sums.clone();
    let mut chosen = vec![0u32; p.rows];
    let mut first = None;
    let mut count = 0;
    let mut nodes = 0;
    rec(
        p,
        &patterns,
        0,
        &mut left,
        &mut chosen,
        limit,
        &mut count,
        &mut first,
        &mut nodes,
    );
    if nodes >= NODE_BUDGET {
        // Out of budget: the count is a lower bound, so report "ambiguous" when asked to
        // count and no answer when asked to solve.
        return (limit.max(2), None);
    }
    let grid = first.map(|masks: Vec<u32>| {
        masks
            .iter()
            .map(|m| (0..p.cols).map(|j| i64::from(m >> j & 1)).collect())
            .collect()
    });
    (count, grid)
}

#[allow(clippy::too_many_arguments)]
fn rec(
    p: &Puzzle,
    patterns: &[Vec<u32>],
    r: usize,
    left: &mut [i64],
    chosen: &mut [u32],
    limit: usize,
    count: &mut usize,
    first: &mut Option<Vec<u32>>,
    nodes: &mut u64,
) {
    if *count >= limit || *nodes >= NODE_BUDGET {
        return;
    }
    *nodes += 1;
    if r == p.rows {
        if left.iter().all(|&x| x == 0) {
            *count += 1;
            if first.is_none() {
                *first = Some(chosen.to_vec());
            }
        }
        return;
    }
    // Rows below r can add at most (r+2) + ... + rows to a column.
    let rest: i64 = ((r + 2)..=p.rows).map(|x| x as i64).sum();
    for &m in &patterns[r] {
        let w = r as i64 + 1;
        let ok = (0..p.cols).all(|j| {
            let after = left[j] - if m >> j & 1 == 1 { w } else { 0 };
            after >= 0 && after <= rest
        });
        if ok {
            for (j, l) in left.iter_mut().enumerate() {
                if m >> j & 1 == 1 {
                    *l -= w;
                }
            }
            chosen[r] = m;
            rec(p, patterns, r + 1, left, chosen, limit, count, first, nodes);
            for (j, l) in left.iter_mut().enumerate() {
                if m >> j & 1 == 1 {
                    *l += w;
                }
            }
        }
    }
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let p = read(inst.metadata).ok()?;
    search(&p, 1).1.map(|g| grid::render(&g, None))
}

/// Knobs: `min_rows`/`max_rows`/`min_cols`/`max_cols` (3..9, default 4 and 5), `p_ones` (a
/// probability, as Reasoning Gym) or `p_ones_pct`
/// (percent of cells set before repair, default 30). Only puzzles with exactly one solution
/// and no zero sum are emitted.
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (rlo, rhi) = (cfg.int("min_rows", 4), cfg.int("max_rows", 5));
    let (clo, chi) = (cfg.int("min_cols", 4), cfg.int("max_cols", 5));
    // Reasoning Gym's `p_ones` (a probability) is read in whole percent.
    let pct = match cfg.difficulty.get("p_ones").and_then(Value::as_f64) {
        Some(p) if (0.0..=1.0).contains(&p) => (p * 100.0).round() as i64,
        Some(_) => -1,
        None => cfg.int("p_ones_pct", 30),
    };
    if !(3..=9).contains(&rlo)
        || !(rlo..=9).contains(&rhi)
        || !(3..=9).contains(&clo)
        || !(clo..=9).contains(&chi)
    {
        return Err(Error::Generate(
            "need 3 <= min <= max <= 9 for rows and cols".into(),
        ));
    }
    if !(1..=100).contains(&pct) {
        return Err(Error::Generate(
            "p_ones must be in 0.01..=1 (p_ones_pct in 1..=100)".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let rows = rng.range(rlo, rhi) as usize;
    let cols = rng.range(clo, chi) as usize;
    for _ in 0..10_000 {
        let mut g: Vec<Vec<i64>> = (0..rows)
            .map(|_| {
                (0..cols)
                    .map(|_| i64::from(rng.below(100) < pct as u64))
                    .collect()
            })
            .collect();
        for row in g.iter_mut() {
            if !row.contains(&1) {
                row[rng.below(cols as u64) as usize] = 1;
            }
        }
        for c in 0..cols {
            if g.iter().all(|row| row[c] == 0) {
                g[rng.below(rows as u64) as usize][c] = 1;
            }
        }
        let (row_sums, col_sums) = sums(&g);
        let p = Puzzle {
            rows,
            cols,
            row_sums: row_sums.clone(),
            col_sums: col_sums.clone(),
        };
        if search(&p, 2).0 != 1 {
            continue;
        }
        let empty = vec![vec![0i64; cols]; rows];
        let question = format!(
            "Kakurasu, {rows} rows by {cols} columns. Write a 1 or a 0 in every cell. In a row, \
             a 1 in column j (counting from 1) is worth j; in a column, a 1 in row i is worth i. \
             The 1s of each row must be worth exactly the row sum, and the 1s of each column \
             exactly the column sum.\nRow sums: {row_sums:?}\nColumn sums: {col_sums:?}\n\
             Empty grid:\n{}\nAnswer with the filled grid: one row per line, cells separated by \
             spaces.",
            grid::render(&empty, None)
        );
        let p_ones = pct as f64 / 100.0;
        return Ok(Generated {
            question,
            answer: grid::render(&g, None),
            metadata: json!({
                "source_dataset": "kakurasu",
                "source_idx": cfg.seed,
                "n_rows": rows,
                "n_cols": cols,
                "p_ones": p_ones,
                "puzzle": empty,
                "row_sums": row_sums,
                "col_sums": col_sums,
                "solution": g,
                "difficulty": {"rows": [rlo, rhi], "cols": [clo, chi], "p_ones": p_ones},
            }),
        });
    }
    Err(Error::Generate(
        "no unique kakurasu found in 10000 tries".into(),
    ))
}
