//! `maze`: the minimum number of steps (up, down, left, right) from the start to the goal of a
//! grid maze.
//!
//! ## Accepts
//! The length of the shortest path, computed by breadth-first search on `metadata.grid` with
//! its `wall`, `start` and `goal` characters (the stored `shortest_path_length` is not
//! trusted). The answer may carry a unit or markup: `12`, `12 steps`, `**12**`, `Steps: 12`.
//!
//! ## Rejects
//! Any other number (`12 != shortest 11`), two different numbers (a hedge such as `11 or 12`),
//! no number at all.
//!
//! ## Examples
//! Grid `["#####", "#S.G#", "#####"]`: `<answer>2</answer>` is correct, `<answer>3</answer>` and
//! `<answer>2 or 3</answer>` are not.

use super::rng::Rng;
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "maze",
    summary: "Count the fewest steps through a grid maze",
    group: Group::Grid,
    verify,
    solve,
    generate,
};

/// Largest grid accepted from metadata (cells).
const MAX_CELLS: usize = 1 << 20;
/// Answers longer than this are not read.
const MAX_ANSWER: usize = 4096;

fn ch(meta: &Value, k: &str) -> Option<char> {
    let s = meta.get(k)?.as_str()?;
    let mut it = s.chars();
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

/// Shortest path length on the metadata grid; `Err` for malformed metadata, `Ok(None)` when
/// the goal is unreachable.
fn shortest(meta: &Value) -> Result<Option<usize>, String> {
    let rows: Vec<&str> = meta
        .get("grid")
        .and_then(Value::as_array)
        .ok_or("bad_metadata: no `grid`")?
        .iter()
        .map(Value::as_str)
        .collect::<Option<_>>()
        .ok_or("bad_metadata: `grid` rows must be strings")?;
    let (Some(wall), Some(start), Some(goal)) =
        (ch(meta, "wall"), ch(meta, "start"), ch(meta, "goal"))
    else {
        return Err("bad_metadata: need one-character `wall`, `start`, `goal`".into());
    };
    // Cells as chars, flattened (ASCII grids, the usual case, cost one pass).
    let w = rows.first().map_or(0, |r| r.chars().count());
    let h = rows.len();
    if h == 0 || w == 0 || h * w > MAX_CELLS {
        return Err("bad_metadata: `grid` must be a non-empty rectangle".into());
    }
    let mut open = Vec::with_capacity(h * w);
    let (mut s, mut g) = (None, None);
    for row in &rows {
        let before = open.len();
        for c in row.chars() {
            if c == start {
                s = Some(open.len());
            } else if c == goal {
                g = Some(open.len());
            }
            open.push(c != wall);
        }
        if open.len() - before != w {
            return Err("bad_metadata: `grid` must be a non-empty rectangle".into());
        }
    }
    let (Some(s), Some(g)) = (s, g) else {
        return Err("bad_metadata: start or goal missing from the grid".into());
    };
    Ok(bfs(&open, w, s, g))
}

/// Breadth-first search on a flat grid of open cells, four neighbours.
fn bfs(open: &[bool], w: usize, s: usize, g: usize) -> Option<usize> {
    let h = open.len() / w;
    let mut dist = vec![u32::MAX; open.len()];
    let mut queue = Vec::with_capacity(open.len());
    dist[s] = 0;
    queue.push(s as u32);
    let mut head = 0;
    while let Some(&i) = queue.get(head) {
        head += 1;
        let i = i as usize;
        if i == g {
            return Some(dist[i] as usize);
        }
        let (r, c) = (i / w, i % w);
        let next = [
            (r > 0).then(|| i - w),
            (c + 1 < w).then_some(i + 1),
            (r + 1 < h).then_some(i + w),
            (c > 0).then(|| i - 1),
        ];
        for j in next.into_iter().flatten() {
            if dist[j] == u32::MAX && open[j] {
                dist[j] = dist[i] + 1;
                queue.push(j as u32);
            }
        }
    }
    None
}

/// The one number an answer gives; `Err` when it gives none or two different ones.
pub(crate) fn single_number(answer: &str) -> Result<i64, String> {
    if answer.len() > MAX_ANSWER {
        return Err("answer_too_long".into());
    }
    let mut found: Option<i64> = None;
    let b = answer.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let neg = start > 0 && b[start - 1] == b'-';
            let v = answer[start..i].parse::<i64>().unwrap_or(i64::MAX);
            let v = if neg { -v } else { v };
            match found {
                Some(f) if f != v => return Err("several_numbers".into()),
                _ => found = Some(v),
            }
        } else {
            i += 1;
        }
    }
    found.ok_or_else(|| "no_number".into())
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let best = match shortest(inst.metadata) {
        Ok(Some(d)) => d as i64,
        Ok(None) => return Verdict::error("bad_metadata: the goal is unreachable"),
        Err(e) => return Verdict::error(e),
    };
    match single_number(answer) {
        Ok(v) if v == best => Verdict::correct("shortest_length", None),
        Ok(v) => Verdict::incorrect(format!("{v} != shortest {best}"), None),
        Err(e) => Verdict::incorrect(e, None),
    }
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    shortest(inst.metadata)
        .ok()
        .flatten()
        .map(|d| d.to_string())
}

/// The 94 visible ASCII characters, in Python's `string.printable` order.
const VISIBLE: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// Knobs: `min_dist`/`max_dist` (default 5 and 10), `min_grid_size`/`max_grid_size`
/// (default 5 and 10).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (dlo, dhi) = (cfg.int("min_dist", 5), cfg.int("max_dist", 10));
    let (slo, shi) = (cfg.int("min_grid_size", 5), cfg.int("max_grid_size", 10));
    if dlo < 1 || dlo > dhi || slo < 3 || slo > shi || shi > 1000 {
        return Err(Error::Generate(
            "need 1 <= min_dist <= max_dist, 3 <= min <= max grid size <= 1000".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let mut chars: Vec<char> = VISIBLE.chars().collect();
    rng.shuffle(&mut chars);
    let (wall, path, start, goal) = (chars[0], chars[1], chars[2], chars[3]);
    for _ in 0..1000 {
        let n = rng.range(slo, shi) as usize;
        let mut g = vec![vec![wall; n]; n];
        for row in g.iter_mut().take(n - 1).skip(1) {
            for cell in row.iter_mut().take(n - 1).skip(1) {
                if rng.below(10) < 7 {
                    *cell = path;
                }
            }
        }
        let floor: Vec<usize> = (0..n * n).filter(|&i| g[i / n][i % n] == path).collect();
        if floor.len() < 2 {
            continue;
        }
        let s = *rng.choose(&floor);
        let mut t = *rng.choose(&floor);
        while t == s {
            t = *rng.choose(&floor);
        }
        g[s / n][s % n] = start;
        g[t / n][t % n] = goal;
        let open: Vec<bool> = g.iter().flatten().map(|&c| c != wall).collect();
        let Some(d) = bfs(&open, n, s, t) else {
            continue;
        };
        if !(dlo as usize..=dhi as usize).contains(&d) {
            continue;
        }
        let lines: Vec<String> = g.iter().map(|r| r.iter().collect()).collect();
        let question = format!(
            "Find your way from '{start}' (start) to '{goal}' (goal) in this maze:\n\n```\n{}\n```\n\
             '{wall}' is a wall and '{path}' is open floor; each step moves one cell up, down, left \
             or right.\n\nHow many steps does the shortest route take? Reply with the number \
             only.",
            lines.join("\n")
        );
        return Ok(Generated {
            question,
            answer: d.to_string(),
            metadata: json!({
                "source_dataset": "maze",
                "source_index": cfg.seed,
                "grid_size": n,
                "grid": lines,
                "shortest_path_length": d,
                "start": start.to_string(),
                "goal": goal.to_string(),
                "wall": wall.to_string(),
                "path": path.to_string(),
                "difficulty": {"dist": [dlo, dhi], "grid_size": [slo, shi]},
            }),
        });
    }
    Err(Error::Generate(
        "no maze with a shortest path in range after 1000 tries".into(),
    ))
}
