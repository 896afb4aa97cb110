//! `shortest_path`: the shortest walk from `*` to `#` through open cells of a grid.
//!
//! The prompt asks for a *shortest* path, so the answer is correct when it walks from `*` to `#`
//! without leaving the grid or entering an `X`, and its length equals the breadth-first-search
//! distance computed here from `metadata.matrix` (any shortest path is accepted, not only the
//! stored one). `infeasible` is correct exactly when `#` cannot be reached.
//!
//! ## Accepts
//! - `right right down up left`, separated by spaces, commas, arrows or newlines, any case,
//!   numbered, as a JSON/Python list; single letters `R D L U`; `infeasible` (also `impossible`).
//!
//! ## Rejects
//! - a step off the grid or into a blocked cell, an unknown direction (the detail names the
//!   step); a path that ends elsewhere; a valid path longer than the shortest; `infeasible` when
//!   a path exists; a path when none exists (impossible to write anyway).
//!
//! ## Examples
//! Grid `* O #` / `O X O`: `right right` is correct; `down right` (into X) and
//! `right left right right` (valid but longer) are not.

use super::rng::Rng;
use super::{surface, Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};
use std::collections::VecDeque;

pub static FAMILY: Family = Family {
    name: "shortest_path",
    summary: "Shortest path through a grid",
    group: Group::Moves,
    verify,
    solve,
    generate,
};

/// Largest grid side accepted.
const MAX_SIDE: usize = 200;

struct Grid {
    rows: usize,
    cols: usize,
    /// `true` for a blocked cell.
    blocked: Vec<bool>,
    start: usize,
    goal: usize,
}

fn read(meta: &Value) -> Result<Grid, String> {
    let m = meta
        .get("matrix")
        .and_then(Value::as_array)
        .ok_or("metadata.matrix is not a list")?;
    let rows = m.len();
    let cols = m.first().and_then(Value::as_array).map_or(0, Vec::len);
    if rows == 0 || cols == 0 || rows > MAX_SIDE || cols > MAX_SIDE {
        return Err(format!("the grid must be 1..={MAX_SIDE} on each side"));
    }
    let (mut blocked, mut start, mut goal) = (Vec::with_capacity(rows * cols), None, None);
    for row in m {
        let row = row
            .as_array()
            .filter(|r| r.len() == cols)
            .ok_or("metadata.matrix rows differ in length")?;
        for cell in row {
            let i = blocked.len();
            match cell.as_str() {
                Some("X") => blocked.push(true),
                Some("O") => blocked.push(false),
                Some("*") => {
                    start = Some(i);
                    blocked.push(false)
                }
                Some("#") => {
                    goal = Some(i);
                    blocked.push(false)
                }
                _ => return Err(format!("unknown cell {cell}")),
            }
        }
    }
    Ok(Grid {
        rows,
        cols,
        blocked,
        start: start.ok_or("no start cell")?,
        goal: goal.ok_or("no destination cell")?,
    })
}

const DIRS: [(&str, i64, i64); 4] = [
    ("right", 0, 1),
    ("down", 1, 0),
    ("left", 0, -1),
    ("up", -1, 0),
];

impl Grid {
    fn step(&self, at: usize, d: usize) -> Option<usize> {
        let (r, c) = (
            (at / self.cols) as i64 + DIRS[d].1,
            (at % self.cols) as i64 + DIRS[d].2,
        );
        (0..self.rows as i64).contains(&r).then_some(())?;
        (0..self.cols as i64).contains(&c).then_some(())?;
        Some(r as usize * self.cols + c as usize)
    }

    /// A shortest path as direction indices, or `None` when the goal is unreachable.
    fn shortest(&self) -> Option<Vec<usize>> {
        let mut via = vec![u8::MAX; self.blocked.len()];
        let mut queue = VecDeque::from([self.start]);
        via[self.start] = 4;
        while let Some(at) = queue.pop_front() {
            if at == self.goal {
                let mut path = Vec::new();
                let mut cur = at;
                while cur != self.start {
                    let d = via[cur] as usize;
                    path.push(d);
                    cur = self.step(cur, (d + 2) % 4)?;
                }
                path.reverse();
                return Some(path);
            }
            for d in 0..4 {
                if let Some(n) = self.step(at, d) {
                    if !self.blocked[n] && via[n] == u8::MAX {
                        via[n] = d as u8;
                        queue.push_back(n);
                    }
                }
            }
        }
        None
    }
}

fn direction(tok: &str) -> Option<usize> {
    let t = tok.to_ascii_lowercase();
    DIRS.iter()
        .position(|(name, _, _)| *name == t || (t.len() == 1 && name.starts_with(&t)))
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    // Reasoning Gym: 0.5 for a valid path longer than the shortest.
    super::credit::apply(inst.options, check_answer(inst, answer), |r| {
        if r == "not_shortest" {
            0.5
        } else {
            0.0
        }
    })
}

fn check_answer(inst: &Instance<'_>, answer: &str) -> Verdict {
    let g = match read(inst.metadata) {
        Ok(g) => g,
        Err(e) => return Verdict::error(e),
    };
    let Some(toks) = surface::item_tokens(answer, &[',', ';'], surface::MAX_ITEMS) else {
        return Verdict::incorrect("too_many_steps", None);
    };
    let best = g.shortest().map(|p| p.len());
    if let [t] = toks.as_slice() {
        if t.eq_ignore_ascii_case("infeasible") || t.eq_ignore_ascii_case("impossible") {
            return match best {
                None => Verdict::correct("infeasible", None),
                Some(n) => {
                    Verdict::incorrect("feasible", None).with_detail(json!({ "shortest": n }))
                }
            };
        }
    }
    let mut at = g.start;
    for (k, t) in toks.iter().enumerate() {
        let bad = |why: String| {
            Verdict::incorrect("illegal_step", None)
                .with_detail(json!({ "step": k + 1, "why": why }))
        };
        let Some(d) = direction(t) else {
            return bad(format!("unknown direction {t:?}"));
        };
        match g.step(at, d) {
            None => return bad("leaves the grid".into()),
            Some(n) if g.blocked[n] => {
                return bad(format!(
                    "enters blocked cell ({}, {})",
                    n / g.cols,
                    n % g.cols
                ))
            }
            Some(n) => at = n,
        }
    }
    if at != g.goal {
        return Verdict::incorrect("wrong_end", None)
            .with_detail(json!({ "end": [at / g.cols, at % g.cols] }));
    }
    match best {
        Some(n) if n == toks.len() => {
            Verdict::correct("shortest", None).with_detail(json!({ "length": n }))
        }
        Some(n) => Verdict::incorrect("not_shortest", None)
            .with_detail(json!({ "length": toks.len(), "shortest": n })),
        None => Verdict::error("walked to an unreachable goal"),
    }
}

fn format(path: Option<Vec<usize>>) -> String {
    match path {
        None => "infeasible".into(),
        Some(p) => p.iter().map(|&d| DIRS[d].0).collect::<Vec<_>>().join(" "),
    }
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    Some(format(read(inst.metadata).ok()?.shortest()))
}

/// Knobs: `min_rows` (5), `max_rows` (8), `min_cols` (5), `max_cols` (8), `p_blocked_pct`
/// (40: percent of cells blocked, an integer so the draw is exact on every platform; Reasoning
/// Gym's `p_blocked` fraction is read too).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (rmin, rmax) = (cfg.int("min_rows", 5), cfg.int("max_rows", 8));
    let (cmin, cmax) = (cfg.int("min_cols", 5), cfg.int("max_cols", 8));
    let pct = cfg.percent("p_blocked", "p_blocked_pct", 40);
    let side = 1..=MAX_SIDE as i64;
    if !(side.contains(&rmin)
        && side.contains(&rmax)
        && side.contains(&cmin)
        && side.contains(&cmax))
        || rmin > rmax
        || cmin > cmax
        || rmax * cmax < 2
        || !(0..=100).contains(&pct)
    {
        return Err(Error::Generate(format!("shortest_path needs sides in 1..={MAX_SIDE}, min <= max, and 0 <= p_blocked_pct <= 100")));
    }
    let mut rng = Rng::new(cfg.seed);
    let (mut rows, mut cols) = (
        rng.range(rmin, rmax) as usize,
        rng.range(cmin, cmax) as usize,
    );
    if rows * cols < 2 {
        (rows, cols) = (rmax as usize, cmax as usize);
    }
    let mut cells: Vec<&str> = (0..rows * cols)
        .map(|_| if rng.range(0, 99) < pct { "X" } else { "O" })
        .collect();
    let start = rng.below((rows * cols) as u64) as usize;
    let mut goal = rng.below((rows * cols - 1) as u64) as usize;
    if goal >= start {
        goal += 1;
    }
    cells[start] = "*";
    cells[goal] = "#";
    let matrix: Vec<Vec<&str>> = cells.chunks(cols).map(<[&str]>::to_vec).collect();
    let meta = json!({"matrix": matrix});
    let path = read(&meta).map_err(Error::Generate)?.shortest();
    let solution: Vec<&str> = path.iter().flatten().map(|&d| DIRS[d].0).collect();
    let grid = matrix
        .iter()
        .map(|r| r.join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    let question = format!(
        "Find the shortest path from the start to the destination in the grid below.\n\nCells:\n\
         - *: start\n- #: destination\n- O: open\n- X: blocked\n\nYou may step up, down, left or \
         right, onto open cells only.\n\nIf # cannot be reached from *, answer \"infeasible\" \
         (without quotes).\n\nOtherwise answer with the sequence of directions from * to #, \
         e.g. right right down down up left\n\nGrid:\n{grid}\n"
    );
    Ok(Generated {
        question,
        answer: format(path),
        metadata: json!({
            "source_dataset": "shortest_path",
            "source_index": cfg.seed,
            "matrix": matrix,
            "solution": solution,
            "difficulty": {"rows": [rmin, rmax], "cols": [cmin, cmax]},
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_only() {
        let m = json!({"matrix": [["*", "O", "#"], ["O", "X", "O"]]});
        let o = super::super::Options::default();
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &o,
        };
        let r = |a: &str| verify(&inst, a).reason;
        assert_eq!(r("right right"), "shortest");
        assert_eq!(r("R, R"), "shortest");
        assert_eq!(r("down right"), "illegal_step");
        assert_eq!(r("right left right right"), "not_shortest");
        assert_eq!(r("infeasible"), "feasible");
        assert_eq!(r("up"), "illegal_step");
        let blocked = json!({"matrix": [["*", "X", "#"]]});
        let inst = Instance {
            metadata: &blocked,
            ground_truth: None,
            options: &o,
        };
        assert_eq!(verify(&inst, "Infeasible").reason, "infeasible");
        assert_eq!(solve(&inst).as_deref(), Some("infeasible"));
    }

    #[test]
    fn blocked_knob_accepts_reasoning_gym_fraction() {
        let mut cfg = GenConfig {
            seed: 3,
            ..GenConfig::default()
        };
        cfg.difficulty.insert("p_blocked".into(), json!(0.0));
        let g = generate(&cfg).unwrap();
        assert!(!g.metadata["matrix"].to_string().contains('X'));
        cfg.difficulty.insert("p_blocked".into(), json!(1.0));
        let g = generate(&cfg).unwrap();
        let open = g.metadata["matrix"].to_string().matches("\"O\"").count();
        assert_eq!(open, 0);
    }
}
