//! `tower_of_hanoi`: move a stack of disks from one peg to another (3 or more pegs).
//!
//! Every move is simulated from the start position read from the metadata (`num_disks`,
//! `num_pegs`, `start_peg`, `target_peg`); the answer is correct when every move is legal and all
//! disks end on the target peg. The prompt does not ask for the fewest moves, so a correct longer
//! solution is correct (reward 1); `Options::length_shaping` (or Reasoning Gym's partial credit)
//! pays `optimal / len` instead, with the optimum computed by Frame-Stewart.
//!
//! ## Accepts
//! - `Move disk 1 from Peg 1 to Peg 3`, one per line, in any case, numbered, as a JSON/Python
//!   list, separated by `;` or `,`; shorter forms such as `disk 1: peg 1 -> peg 3` (any item with
//!   exactly three numbers: disk, from, to). Items without any digit are skipped as commentary.
//!
//! ## Rejects
//! - a move of a disk that is not on top of its peg, onto a smaller disk, from or to a peg that
//!   does not exist (the detail names the move number);
//! - an item that is not a move; a sequence that leaves disks off the target peg.
//!
//! ## Examples
//! 2 disks, pegs 1 -> 3: `Move disk 1 from Peg 1 to Peg 2`, `Move disk 2 from Peg 1 to Peg 3`,
//! `Move disk 1 from Peg 2 to Peg 3` is correct; swapping the first two moves is not (disk 2 is
//! under disk 1).

use super::rng::Rng;
use super::{surface, Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "tower_of_hanoi",
    summary: "Move a tower of disks between pegs",
    group: Group::Moves,
    verify,
    solve,
    generate,
};

/// Most disks and pegs accepted (the optimum is computed in u64; states are small vectors).
const MAX_DISKS: u64 = 40;
const MAX_PEGS: u64 = 16;
/// Longest solution the solver writes out.
const MAX_SOLUTION: u64 = 100_000;

struct Puzzle {
    disks: usize,
    pegs: usize,
    start: usize,
    target: usize,
}

fn read(meta: &Value) -> Result<Puzzle, String> {
    let get = |k: &str| {
        meta.get(k)
            .and_then(Value::as_u64)
            .ok_or(format!("metadata.{k} is not a number"))
    };
    let (disks, pegs) = (get("num_disks")?, get("num_pegs")?);
    let (start, target) = (get("start_peg")?, get("target_peg")?);
    if !(1..=MAX_DISKS).contains(&disks) || !(3..=MAX_PEGS).contains(&pegs) {
        return Err(format!(
            "need 1..={MAX_DISKS} disks and 3..={MAX_PEGS} pegs"
        ));
    }
    if start == target || !(1..=pegs).contains(&start) || !(1..=pegs).contains(&target) {
        return Err("start_peg and target_peg must be distinct pegs".into());
    }
    Ok(Puzzle {
        disks: disks as usize,
        pegs: pegs as usize,
        start: start as usize,
        target: target as usize,
    })
}

/// Fewest moves for `n` disks on `k` pegs (Frame-Stewart; proven optimal for 3 and 4 pegs).
pub fn optimal_moves(n: usize, k: usize) -> u64 {
    let mut t = vec![vec![0u64; n + 1]; k + 1];
    for (kk, row) in t.iter_mut().enumerate().skip(3) {
        for (m, cell) in row.iter_mut().enumerate().skip(1) {
            *cell = if kk == 3 {
                (1u64 << m.min(63)) - 1
            } else {
                u64::MAX
            };
        }
    }
    for kk in 4..=k {
        for m in 1..=n {
            let best = (1..m)
                .map(|j| t[kk][j].saturating_mul(2).saturating_add(t[kk - 1][m - j]))
                .min()
                .unwrap_or(1);
            t[kk][m] = best;
        }
    }
    t[k][n]
}

/// Parse one item into `(disk, from, to)`; `None` for commentary without digits.
fn parse_move(item: &str) -> Option<Result<[usize; 3], String>> {
    if !item.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    // The all-digit alphanumeric runs of the item, in order: exactly three are expected.
    let (mut nums, mut count) = ([0usize; 3], 0);
    for run in item.split(|c: char| !c.is_ascii_alphanumeric()) {
        if run.is_empty() || !run.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        match (count < 3, run.parse::<usize>()) {
            (true, Ok(n)) if run.len() <= 6 => nums[count] = n,
            _ => return Some(Err(format!("cannot read move {item:?}"))),
        }
        count += 1;
    }
    Some(if count == 3 {
        Ok(nums)
    } else {
        Err(format!("cannot read move {item:?}"))
    })
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    // Reasoning Gym: 0.05 for legal moves that do not finish, 0 for an illegal move.
    super::credit::apply(inst.options, check_answer(inst, answer), |r| {
        if r == "not_solved" {
            0.05
        } else {
            0.0
        }
    })
}

fn check_answer(inst: &Instance<'_>, answer: &str) -> Verdict {
    let p = match read(inst.metadata) {
        Ok(p) => p,
        Err(e) => return Verdict::error(e),
    };
    let Some(items) = surface::items(answer, &[';', ',']) else {
        return Verdict::incorrect("too_many_moves", None);
    };
    let mut pegs: Vec<Vec<usize>> = vec![Vec::new(); p.pegs + 1];
    pegs[p.start] = (1..=p.disks).rev().collect();
    let mut n = 0usize;
    for item in items {
        let [d, f, t] = match parse_move(item) {
            None => continue,
            Some(Ok(m)) => m,
            Some(Err(why)) => {
                return Verdict::incorrect("unparseable", None)
                    .with_detail(json!({ "why": why, "move": n + 1 }))
            }
        };
        n += 1;
        let bad = |why: String| {
            Verdict::incorrect("illegal_move", None).with_detail(json!({ "move": n, "why": why }))
        };
        if !(1..=p.pegs).contains(&f) || !(1..=p.pegs).contains(&t) || f == t {
            return bad(format!("no move from peg {f} to peg {t}"));
        }
        if pegs[f].last() != Some(&d) {
            return bad(format!("disk {d} is not on top of peg {f}"));
        }
        if pegs[t].last().is_some_and(|&top| top < d) {
            return bad(format!(
                "disk {d} cannot go on smaller disk {}",
                pegs[t].last().copied().unwrap_or(0)
            ));
        }
        pegs[f].pop();
        pegs[t].push(d);
    }
    if pegs[p.target].len() != p.disks {
        return Verdict::incorrect("not_solved", None)
            .with_detail(json!({ "moves": n, "on_target": pegs[p.target].len() }));
    }
    let best = optimal_moves(p.disks, p.pegs);
    let o = inst.options;
    if (o.length_shaping || o.partial_credit) && n as u64 > best {
        let r = best as f64 / n as f64;
        return Verdict::new(r, crate::Outcome::Correct, "solved_not_optimal", None)
            .with_detail(json!({ "moves": n, "optimal": best }));
    }
    Verdict::correct("solved", None).with_detail(json!({ "moves": n, "optimal": best }))
}

/// Frame-Stewart moves for `n` disks from `src` to `dst` over `pegs`.
fn moves(n: usize, src: usize, dst: usize, spare: &[usize], out: &mut Vec<(usize, usize)>) {
    if n == 0 {
        return;
    }
    if n == 1 {
        out.push((src, dst));
        return;
    }
    let k = spare.len() + 2;
    let split = if k == 3 {
        n - 1
    } else {
        (1..n)
            .min_by_key(|&m| {
                optimal_moves(m, k)
                    .saturating_mul(2)
                    .saturating_add(optimal_moves(n - m, k - 1))
            })
            .unwrap_or(1)
    };
    let via = spare[0];
    let mut rest_for_top: Vec<usize> = spare[1..].to_vec();
    rest_for_top.push(dst);
    if k == 3 {
        moves(split, src, via, &[dst], out);
        out.push((src, dst));
        moves(split, via, dst, &[src], out);
        return;
    }
    moves(split, src, via, &rest_for_top, out);
    moves(n - split, src, dst, &spare[1..], out);
    let mut rest_back: Vec<usize> = spare[1..].to_vec();
    rest_back.push(src);
    moves(split, via, dst, &rest_back, out);
}

fn solution(p: &Puzzle) -> Option<String> {
    if optimal_moves(p.disks, p.pegs) > MAX_SOLUTION {
        return None;
    }
    let spare: Vec<usize> = (1..=p.pegs)
        .filter(|&x| x != p.start && x != p.target)
        .collect();
    let mut out = Vec::new();
    moves(p.disks, p.start, p.target, &spare, &mut out);
    let mut pegs: Vec<Vec<usize>> = vec![Vec::new(); p.pegs + 1];
    pegs[p.start] = (1..=p.disks).rev().collect();
    let mut lines = Vec::with_capacity(out.len());
    for (f, t) in out {
        let d = pegs[f].pop()?;
        pegs[t].push(d);
        lines.push(format!("Move disk {d} from Peg {f} to Peg {t}"));
    }
    Some(lines.join("\n"))
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    solution(&read(inst.metadata).ok()?)
}

/// Knobs: `min_disks` (3), `max_disks` (7), `min_pegs` (3), `max_pegs` (4).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (dmin, dmax) = (cfg.int("min_disks", 3), cfg.int("max_disks", 7));
    let (pmin, pmax) = (cfg.int("min_pegs", 3), cfg.int("max_pegs", 4));
    if !(1 <= dmin && dmin <= dmax && dmax <= 20 && 3 <= pmin && pmin <= pmax && pmax <= 10) {
        return Err(Error::Generate(
            "tower_of_hanoi needs 1 <= min_disks <= max_disks <= 20 and 3 <= min_pegs <= max_pegs <= 10".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let disks = rng.range(dmin, dmax) as usize;
    let pegs = rng.range(pmin, pmax) as usize;
    let start = rng.range(1, pegs as i64) as usize;
    let mut target = rng.range(1, pegs as i64 - 1) as usize;
    if target >= start {
        target += 1;
    }
    let p = Puzzle {
        disks,
        pegs,
        start,
        target,
    };
    let answer = solution(&p).ok_or_else(|| Error::Generate("solution too long".into()))?;
    let aux: Vec<usize> = (1..=pegs).filter(|&x| x != start && x != target).collect();
    let question = format!(
        "Tower of Hanoi with {disks} disks and {pegs} pegs: all disks start on Peg {start}, \
         largest at the bottom. Move them all to Peg {target}.\nRules:\n- Move one disk at a \
         time, always the top disk of a peg.\n- Never put a disk on a smaller disk.\n- A disk is \
         always on some peg.\n\nList the moves.\n\nFormat:\n- One move per line.\n- Write each \
         move as 'Move disk X from Peg Y to Peg Z'.\n- Nothing else.\n"
    );
    Ok(Generated {
        question,
        answer: answer.clone(),
        metadata: json!({
            "source_dataset": "tower_of_hanoi",
            "source_index": cfg.seed,
            "num_disks": disks,
            "num_pegs": pegs,
            "start_peg": start,
            "target_peg": target,
            "auxiliary_pegs": aux,
            "solution_length": answer.lines().count(),
            "difficulty": {"num_disks": [dmin, dmax], "num_pegs": [pmin, pmax]},
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_stewart_numbers() {
        assert_eq!(optimal_moves(3, 3), 7);
        assert_eq!(optimal_moves(5, 4), 13);
        assert_eq!(optimal_moves(7, 4), 25);
        assert_eq!(optimal_moves(10, 5), 31);
    }

    #[test]
    fn solver_output_is_optimal_and_legal() {
        for (d, k) in [(3, 3), (6, 4), (7, 5), (1, 3)] {
            let m = json!({"num_disks": d, "num_pegs": k, "start_peg": 2, "target_peg": 1});
            let o = super::super::Options::default();
            let inst = Instance {
                metadata: &m,
                ground_truth: None,
                options: &o,
            };
            let s = solve(&inst).unwrap();
            assert_eq!(s.lines().count() as u64, optimal_moves(d, k));
            assert_eq!(verify(&inst, &s).reason, "solved");
        }
    }

    #[test]
    fn longer_solutions_are_correct_and_shaped_only_on_request() {
        let m = json!({"num_disks": 2, "num_pegs": 3, "start_peg": 1, "target_peg": 3});
        let long = "Move disk 1 from Peg 1 to Peg 3\nMove disk 1 from Peg 3 to Peg 1\n\
                    Move disk 1 from Peg 1 to Peg 2\nMove disk 2 from Peg 1 to Peg 3\n\
                    Move disk 1 from Peg 2 to Peg 3";
        let plain = super::super::Options::default();
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &plain,
        };
        assert_eq!(verify(&inst, long).reward, 1.0);
        let shaped = super::super::Options {
            length_shaping: true,
            ..Default::default()
        };
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &shaped,
        };
        let v = verify(&inst, long);
        assert_eq!((v.verdict, v.reward), (crate::Outcome::Correct, 3.0 / 5.0));
        assert_eq!(
            verify(&inst, "Move disk 2 from Peg 1 to Peg 3").reason,
            "illegal_move"
        );
    }
}
