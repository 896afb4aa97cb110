//! `survo`: fill the blanks (0s) of an NxN matrix with the given numbers, each used once, so
//! that the last entry of every row and column is the sum of the others.
//!
//! ## Accepts
//! Any NxN matrix that keeps every non-blank entry of `metadata.puzzle`, places exactly the
//! multiset `metadata.candidate_numbers` in the blanks, and satisfies every row and column sum.
//! Reasoning Gym compares with its stored `solution` and so rejects the other valid fillings
//! that exist when candidates can be swapped; we accept them. Rows on lines (spaces, commas,
//! `|`), labels, fences, JSON/Python nested lists, or one flat run of N*N numbers.
//!
//! ## Rejects
//! A changed given (`given_changed at row 1 col 4`), numbers other than the candidates in the
//! blanks (`blanks use [1, 1, 5], candidates are [1, 5, 7]`), a broken sum
//! (`row 2: 3 + 4 + 1 != 9`), a wrong shape.
//!
//! ## Examples
//! Puzzle `[[0, 2, 5], [3, 0, 4], [6, 3, 9]]` with candidates `[3, 1]`:
//! `<answer>3 2 5\n3 1 4\n6 3 9</answer>` is correct; `<answer>1 2 5\n3 3 4\n6 3 9</answer>`
//! uses the right numbers but is rejected with `row 1: 1 + 2 != 5`.

use super::grid::{self, Cells};
use super::rng::Rng;
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "survo",
    summary: "Fill a matrix so the last row and column hold the sums",
    group: Group::Grid,
    verify,
    solve,
    generate,
};

/// Largest side accepted from metadata (Reasoning Gym's curriculum goes to 7).
const MAX_SIDE: usize = 12;
/// Search nodes one solver call may visit.
const NODE_BUDGET: u64 = 1_000_000;

fn read(meta: &Value) -> Result<(Vec<Vec<i64>>, Vec<i64>), String> {
    let puzzle = meta
        .get("puzzle")
        .and_then(grid::int_matrix)
        .ok_or("bad_metadata: no integer `puzzle` matrix")?;
    let n = puzzle.len();
    if !(2..=MAX_SIDE).contains(&n) || puzzle.iter().any(|r| r.len() != n) {
        return Err("bad_metadata: `puzzle` must be NxN with 2 <= N <= 12".into());
    }
    let mut cands = meta
        .get("candidate_numbers")
        .and_then(grid::int_list)
        .ok_or("bad_metadata: no integer list `candidate_numbers`")?;
    cands.sort_unstable();
    Ok((puzzle, cands))
}

/// The first broken rule, if any.
fn violation(puzzle: &[Vec<i64>], cands: &[i64], got: &[Vec<i64>]) -> Option<String> {
    let n = puzzle.len();
    let mut used = Vec::new();
    for r in 0..n {
        for c in 0..n {
            if puzzle[r][c] == 0 {
                used.push(got[r][c]);
            } else if puzzle[r][c] != got[r][c] {
                return Some(format!("given_changed at row {} col {}", r + 1, c + 1));
            }
        }
    }
    used.sort_unstable();
    if used != cands {
        return Some(format!("blanks use {used:?}, candidates are {cands:?}"));
    }
    let line = |what: &str, k: usize, xs: Vec<i64>| -> Option<String> {
        let (last, rest) = xs.split_last()?;
        let total = rest.iter().try_fold(0i64, |a, &x| a.checked_add(x));
        if total != Some(*last) {
            let terms: Vec<String> = rest.iter().map(i64::to_string).collect();
            return Some(format!("{what} {}: {} != {last}", k + 1, terms.join(" + ")));
        }
        None
    };
    for (r, row) in got.iter().enumerate() {
        if let Some(e) = line("row", r, row.clone()) {
            return Some(e);
        }
    }
    for c in 0..n {
        if let Some(e) = line("column", c, got.iter().map(|row| row[c]).collect()) {
            return Some(e);
        }
    }
    None
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let (puzzle, cands) = match read(inst.metadata) {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let n = puzzle.len();
    let got = match grid::parse_grid(answer, n, n, Cells::Numbers) {
        Ok(g) => g,
        Err(e) => return Verdict::incorrect(e, None),
    };
    match violation(&puzzle, &cands, &got) {
        None => Verdict::correct("valid_solution", None),
        Some(why) => Verdict::incorrect(why, None),
    }
}

/// Fill the blanks with the candidates (each distinct value tried once per blank).
fn fill(
    g: &mut [Vec<i64>],
    blanks: &[(usize, usize)],
    k: usize,
    left: &mut Vec<i64>,
    nodes: &mut u64,
) -> bool {
    *nodes += 1;
    if *nodes > NODE_BUDGET {
        return false;
    }
    let n = g.len();
    let Some(&(r, c)) = blanks.get(k) else {
        return (0..n)
            .all(|i| line_ok(g[i].iter().copied()) && line_ok(g.iter().map(|row| row[i])));
    };
    let mut prev = None;
    for idx in 0..left.len() {
        let v = left[idx];
        if prev == Some(v) {
            continue;
        }
        prev = Some(v);
        g[r][c] = v;
        // Check this row/column once its last blank is filled.
        let row_done = !blanks[k + 1..].iter().any(|&(rr, _)| rr == r);
        let col_done = !blanks[k + 1..].iter().any(|&(_, cc)| cc == c);
        let ok = (!row_done || line_ok(g[r].iter().copied()))
            && (!col_done || line_ok(g.iter().map(|row| row[c])));
        if ok {
            left.remove(idx);
            let found = fill(g, blanks, k + 1, left, nodes);
            left.insert(idx, v);
            if found {
                return true;
            }
        }
        g[r][c] = 0;
    }
    false
}

/// Whether the last entry of a line is the sum of the others.
fn line_ok(xs: impl Iterator<Item = i64>) -> bool {
    let v: Vec<i64> = xs.collect();
    match v.split_last() {
        Some((last, rest)) => {
            rest.iter().map(|&x| i128::from(x)).sum::<i128>() == i128::from(*last)
        }
        None => true,
    }
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let (puzzle, mut cands) = read(inst.metadata).ok()?;
    let n = puzzle.len();
    let blanks: Vec<(usize, usize)> = (0..n * n)
        .map(|i| (i / n, i % n))
        .filter(|&(r, c)| puzzle[r][c] == 0)
        .collect();
    if blanks.len() != cands.len() {
        return None;
    }
    let mut g = puzzle.clone();
    let mut nodes = 0;
    fill(&mut g, &blanks, 0, &mut cands, &mut nodes).then(|| grid::render(&g, None))
}

/// Knobs: `min_board_size`/`max_board_size` (default 4 and 5), `min_empty`/`max_empty`
/// (default 3 and 5, at most (min_board_size-1)^2), `min_num`/`max_num` (default 1 and 9).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (slo, shi) = (cfg.int("min_board_size", 4), cfg.int("max_board_size", 5));
    let (elo, ehi) = (cfg.int("min_empty", 3), cfg.int("max_empty", 5));
    let (vlo, vhi) = (cfg.int("min_num", 1), cfg.int("max_num", 9));
    if !(4..=MAX_SIDE as i64).contains(&slo) || !(slo..=MAX_SIDE as i64).contains(&shi) {
        return Err(Error::Generate(
            "need 4 <= min_board_size <= max_board_size <= 12".into(),
        ));
    }
    if elo < 1 || elo > ehi || ehi > (slo - 1) * (slo - 1) {
        return Err(Error::Generate(
            "need 1 <= min_empty <= max_empty <= (min_board_size-1)^2".into(),
        ));
    }
    if vlo < 1 || vlo >= vhi || vhi > 1_000_000 {
        return Err(Error::Generate("need 1 <= min_num < max_num <= 1e6".into()));
    }
    let mut rng = Rng::new(cfg.seed);
    let n = rng.range(slo, shi) as usize;
    let num_empty = rng.range(elo, ehi) as usize;
    let mut m = vec![vec![0i64; n]; n];
    for row in m.iter_mut().take(n - 1) {
        for v in row.iter_mut().take(n - 1) {
            *v = rng.range(vlo, vhi);
        }
    }
    for row in m.iter_mut().take(n - 1) {
        row[n - 1] = row[..n - 1].iter().sum();
    }
    let col_sums: Vec<i64> = (0..n - 1)
        .map(|c| m[..n - 1].iter().map(|r| r[c]).sum())
        .collect();
    m[n - 1][..n - 1].copy_from_slice(&col_sums);
    m[n - 1][n - 1] = (0..n - 1).map(|r| m[r][n - 1]).sum();
    let mut positions: Vec<(usize, usize)> = (0..(n - 1) * (n - 1))
        .map(|i| (i / (n - 1), i % (n - 1)))
        .collect();
    rng.shuffle(&mut positions);
    let mut puzzle = m.clone();
    let mut cands = Vec::with_capacity(num_empty);
    for &(r, c) in &positions[..num_empty] {
        cands.push(m[r][c]);
        puzzle[r][c] = 0;
    }
    let question = format!(
        "Survo puzzle ({n}x{n}). In the matrix below, the last number of every row and of every \
         column is the sum of the other numbers in that row or column. The 0s are blanks:\n{}\n\
         Fill the blanks using the numbers {cands:?}, each exactly once, so that all the sums \
         hold. Answer with the completed matrix, one row per line, numbers separated by spaces.",
        grid::render(&puzzle, None)
    );
    Ok(Generated {
        question,
        answer: grid::render(&m, None),
        metadata: json!({
            "source_dataset": "survo",
            "source_idx": cfg.seed,
            "puzzle": puzzle,
            "solution": m,
            "candidate_numbers": cands,
            "board_size": n,
            "num_empty": num_empty,
            "min_num": vlo,
            "max_num": vhi,
            "difficulty": {"board_size": [slo, shi], "empty": [elo, ehi]},
        }),
    })
}
