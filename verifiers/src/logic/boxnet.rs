//! `boxnet`: plan agents' moves so every coloured box reaches a target of its colour.
//!
//! The grid has one agent per square (`Agent[x, y]` sits in `square[x, y]`). A plan is a list of
//! steps; in each step an agent may do one action with a box in its own square: move it to an
//! adjacent square, or onto a same-coloured target in the square (box and target then leave
//! the board). The plan is simulated from `metadata.initial_state`; every action is checked
//! against the state at the start of its step (agents act at the same time), and an illegal
//! one rejects the plan, naming the step and the agent. Reasoning Gym skips illegal actions
//! silently and gives credit for boxes matched; with `Options::partial_credit` the reward is its
//! `max(0.05, matched / boxes)`, counted up to the first illegal action. Fewest steps are
//! asked for by the prompt but not checked (any plan that finishes every box is correct).
//!
//! ## Accepts
//! - a JSON or Python-literal list of step dicts (or one dict for a one-step plan), in a fence
//!   or not; keys `Agent[0.5, 1.5]`, values `move(box_red, square[0.5, 0.5])` or
//!   `move(box_red, target_red)`, spacing free; the list may sit inside other text.
//!
//! ## Rejects
//! - an agent outside the grid, a box not in the agent's square, a non-adjacent square, a
//!   target of another colour or absent, an agent acting twice in a step; boxes left at the end.
//!
//! ## Examples
//! `{"0.5_0.5": ["box_red"], "0.5_1.5": ["target_red"]}`: `[{"Agent[0.5, 0.5]":
//! "move(box_red, square[0.5, 1.5])"}, {"Agent[0.5, 1.5]": "move(box_red, target_red)"}]`.

use super::lit::{self, Lit};
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::logic::rng::Rng;
use crate::{Error, Verdict};
use serde_json::{json, Map, Value};

pub static FAMILY: Family = Family {
    name: "boxnet",
    summary: "Plan agents' moves so every box reaches its coloured target",
    group: Group::Reasoning,
    verify,
    solve,
    generate,
};

const MAX_SIDE: usize = 20;
const MAX_STEPS: usize = 2000;

/// Items per square, indexed `row * cols + col`.
#[derive(Debug, Clone)]
struct Grid {
    rows: usize,
    cols: usize,
    cells: Vec<Vec<String>>,
}

fn coords(s: &str) -> Option<(usize, usize)> {
    let nums: Vec<f64> = s
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|t| !t.is_empty() && *t != ".")
        .map(|t| t.parse::<f64>().ok())
        .collect::<Option<_>>()?;
    if nums.len() != 2 {
        return None;
    }
    let idx = |v: f64| {
        let k = v - 0.5;
        (k >= 0.0 && k.fract() == 0.0 && k < MAX_SIDE as f64).then_some(k as usize)
    };
    Some((idx(nums[0])?, idx(nums[1])?))
}

fn grid(m: &Value) -> Option<Grid> {
    let state = m.get("initial_state")?.as_object()?;
    let rows = m.get("row_num").and_then(Value::as_u64);
    let cols = m.get("column_num").and_then(Value::as_u64);
    let keys: Vec<(usize, usize)> = state.keys().map(|k| coords(k)).collect::<Option<_>>()?;
    let rows = rows.map_or_else(|| keys.iter().map(|k| k.0 + 1).max(), |r| Some(r as usize))?;
    let cols = cols.map_or_else(|| keys.iter().map(|k| k.1 + 1).max(), |c| Some(c as usize))?;
    if rows == 0 || cols == 0 || rows > MAX_SIDE || cols > MAX_SIDE {
        return None;
    }
    let mut g = Grid {
        rows,
        cols,
        cells: vec![Vec::new(); rows * cols],
    };
    for ((r, c), items) in keys.iter().zip(state.values()) {
        if *r >= rows || *c >= cols {
            return None;
        }
        for it in items.as_array()? {
            g.cells[r * cols + c].push(it.as_str()?.to_string());
        }
    }
    Some(g)
}

impl Grid {
    fn boxes(&self) -> usize {
        self.cells
            .iter()
            .flatten()
            .filter(|x| x.starts_with("box_"))
            .count()
    }
}

/// One action: the agent's square, the box, and where it goes.
#[derive(Debug, Clone, PartialEq)]
enum Dest {
    Square(usize, usize),
    Target(String),
}

fn action(v: &str) -> Option<(String, Dest)> {
    let t: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    let inner = t.strip_prefix("move(")?.strip_suffix(')')?;
    let (item, dest) = inner.split_once(',')?;
    let item = item.trim_matches(['\'', '"']).to_string();
    let dest = dest.trim_matches(['\'', '"']);
    let d = if dest.starts_with("square") {
        let (r, c) = coords(dest)?;
        Dest::Square(r, c)
    } else if dest.starts_with("target_") {
        Dest::Target(dest.to_string())
    } else {
        return None;
    };
    Some((item, d))
}

type Plan = Vec<Vec<((usize, usize), String, Dest)>>;

fn parse_plan(answer: &str) -> Result<Plan, String> {
    let text = lit::unfence(answer);
    // `Plan: [...]`: fall back to the outermost brackets.
    let inner = || {
        let (a, b) = (text.find('[')?, text.rfind(']')?);
        (a < b).then(|| &text[a..=b])
    };
    let lit = lit::parse(text)
        .or_else(|| inner().and_then(lit::parse))
        .ok_or("not a JSON or Python list of dicts")?;
    let steps = match lit {
        Lit::List(xs) => xs,
        d @ Lit::Dict(_) => vec![d],
        _ => return Err("not a list of dicts".into()),
    };
    if steps.len() > MAX_STEPS {
        return Err("too many steps".into());
    }
    let mut plan = Vec::new();
    for (i, st) in steps.into_iter().enumerate() {
        let Lit::Dict(kv) = st else {
            return Err(format!("step {} is not a dict", i + 1));
        };
        let mut acts = Vec::new();
        for (k, v) in kv {
            let key = k
                .as_str()
                .and_then(coords)
                .ok_or(format!("step {}: bad agent key", i + 1))?;
            let (item, dest) = v
                .as_str()
                .and_then(action)
                .ok_or(format!("step {}: bad action", i + 1))?;
            acts.push((key, item, dest));
        }
        plan.push(acts);
    }
    Ok(plan)
}

/// Run the plan; returns boxes matched and the first illegal action, if any.
fn run(g: &mut Grid, plan: &Plan) -> (usize, Option<(usize, String, &'static str)>) {
    let mut matched = 0;
    for (si, step) in plan.iter().enumerate() {
        let start = g.cells.clone();
        let mut used: Vec<(usize, usize)> = Vec::new();
        for ((r, c), item, dest) in step {
            let who = format!("Agent[{}.5, {}.5]", r, c);
            let fail = |why| (matched, Some((si + 1, who.clone(), why)));
            if *r >= g.rows || *c >= g.cols {
                return fail("agent_not_on_grid");
            }
            if used.contains(&(*r, *c)) {
                return fail("agent_acts_twice");
            }
            used.push((*r, *c));
            let here = r * g.cols + c;
            if !item.starts_with("box_") || !start[here].contains(item) {
                return fail("box_not_in_square");
            }
            match dest {
                Dest::Target(t) => {
                    if t[7..] != item[4..] {
                        return fail("wrong_colour_target");
                    }
                    if !start[here].contains(t) {
                        return fail("target_not_in_square");
                    }
                    remove(&mut g.cells[here], item);
                    remove(&mut g.cells[here], t);
                    matched += 1;
                }
                Dest::Square(r2, c2) => {
                    if *r2 >= g.rows || *c2 >= g.cols || r.abs_diff(*r2) + c.abs_diff(*c2) != 1 {
                        return fail("not_adjacent");
                    }
                    remove(&mut g.cells[here], item);
                    g.cells[r2 * g.cols + c2].push(item.clone());
                }
            }
        }
    }
    (matched, None)
}

fn remove(v: &mut Vec<String>, x: &str) {
    if let Some(i) = v.iter().position(|y| y == x) {
        v.remove(i);
    }
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let Some(mut g) = grid(inst.metadata) else {
        return Verdict::error("invalid metadata: need initial_state keyed `x.5_y.5`");
    };
    let total = g.boxes();
    let plan = match parse_plan(answer) {
        Ok(p) => p,
        Err(why) => {
            return Verdict::incorrect("unreadable_plan", None).with_detail(json!({"why": why}))
        }
    };
    let (matched, err) = run(&mut g, &plan);
    let mut v = match err {
        Some((step, agent, why)) => Verdict::incorrect("illegal_action", None)
            .with_detail(json!({"step": step, "agent": agent, "why": why})),
        None if g.boxes() == 0 => return Verdict::correct("all_boxes_matched", None),
        None => {
            Verdict::incorrect("boxes_left", None).with_detail(json!({"boxes_left": g.boxes()}))
        }
    };
    if inst.options.partial_credit && total > 0 {
        v.reward = (matched as f64 / total as f64).max(0.05);
    }
    v
}

fn key(r: usize, c: usize) -> String {
    format!("Agent[{r}.5, {c}.5]")
}

/// A plan: each box walks to the nearest free target of its colour, and every step runs as many
/// of these walks at once as there are distinct agents to carry them.
fn plan(g: &Grid) -> Option<Vec<Value>> {
    let mut taken: Vec<(usize, String)> = Vec::new();
    // Per box, its actions in order: (agent square, action).
    let mut walks: Vec<Vec<((usize, usize), String)>> = Vec::new();
    for (i, items) in g.cells.iter().enumerate() {
        for b in items.iter().filter(|x| x.starts_with("box_")) {
            let t = format!("target_{}", &b[4..]);
            let (r, c) = (i / g.cols, i % g.cols);
            let mut best: Option<(usize, usize)> = None;
            for (j, its) in g.cells.iter().enumerate() {
                let free = its.iter().filter(|x| **x == t).count()
                    - taken.iter().filter(|(k, n)| *k == j && *n == t).count();
                let dist = r.abs_diff(j / g.cols) + c.abs_diff(j % g.cols);
                if free > 0 && best.is_none_or(|(_, d)| dist < d) {
                    best = Some((j, dist));
                }
            }
            let (j, _) = best?;
            taken.push((j, t.clone()));
            let (tr, tc) = (j / g.cols, j % g.cols);
            let (mut r, mut c) = (r, c);
            let mut walk = Vec::new();
            while (r, c) != (tr, tc) {
                let (nr, nc) = if r != tr {
                    (if r < tr { r + 1 } else { r - 1 }, c)
                } else {
                    (r, if c < tc { c + 1 } else { c - 1 })
                };
                walk.push(((r, c), format!("move({b}, square[{nr}.5, {nc}.5])")));
                (r, c) = (nr, nc);
            }
            walk.push(((r, c), format!("move({b}, {t})")));
            walks.push(walk);
        }
    }
    let mut next = vec![0usize; walks.len()];
    let mut steps = Vec::new();
    while next.iter().zip(&walks).any(|(&n, w)| n < w.len()) {
        let mut step = Map::new();
        for (n, w) in next.iter_mut().zip(&walks) {
            if let Some(((r, c), act)) = w.get(*n) {
                // One action per agent per step; the box waits if its agent is busy.
                if !step.contains_key(&key(*r, *c)) {
                    step.insert(key(*r, *c), json!(act));
                    *n += 1;
                }
            }
        }
        steps.push(Value::Object(step));
    }
    Some(steps)
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let g = grid(inst.metadata)?;
    serde_json::to_string(&plan(&g)?).ok()
}

/// Knobs: `min_row_num`/`max_row_num` (default 1..4), `min_column_num`/`max_column_num`
/// (default 2..4), `min_box_num`/`max_box_num` (boxes per colour, default 1..1), `colours`
/// (1..=6, default 3).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (r0, r1) = (cfg.int("min_row_num", 1), cfg.int("max_row_num", 4));
    let (c0, c1) = (cfg.int("min_column_num", 2), cfg.int("max_column_num", 4));
    let (b0, b1) = (cfg.int("min_box_num", 1), cfg.int("max_box_num", 1));
    let colours = cfg.int("colours", 3);
    let ok = 1 <= r0 && r0 <= r1 && r1 <= 10 && 1 <= c0 && c0 <= c1 && c1 <= 10;
    if !(ok && 1 <= b0 && b0 <= b1 && b1 <= 5 && (1..=6).contains(&colours)) {
        return Err(Error::Generate(
            "boxnet: rows/columns 1..=10, boxes 1..=5, colours 1..=6".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let (rows, cols) = (rng.range(r0, r1) as usize, rng.range(c0, c1) as usize);
    let names = ["red", "blue", "green", "yellow", "purple", "orange"];
    let mut g = Grid {
        rows,
        cols,
        cells: vec![Vec::new(); rows * cols],
    };
    for name in &names[..colours as usize] {
        for _ in 0..rng.range(b0, b1) {
            let a = rng.below((rows * cols) as u64) as usize;
            let t = rng.below((rows * cols) as u64) as usize;
            g.cells[a].push(format!("box_{name}"));
            g.cells[t].push(format!("target_{name}"));
        }
    }
    let mut state = Map::new();
    let mut listing = String::new();
    for r in 0..rows {
        for c in 0..cols {
            let items = &g.cells[r * cols + c];
            state.insert(format!("{r}.5_{c}.5"), json!(items));
            listing.push_str(&format!(
                "{} in square[{r}.5, {c}.5] sees {:?}\n",
                key(r, c),
                items
            ));
        }
    }
    let steps =
        plan(&g).ok_or_else(|| Error::Generate("boxnet: internal planning failed".into()))?;
    let question = format!(
        "Agents stand one per square on a {rows}x{cols} grid; squares are named by their centres, \
         e.g. square[0.5, 0.5]. An agent can act only on boxes in its own square: move(box_colour, \
         square[x, y]) moves a box to an orthogonally adjacent square, and move(box_colour, \
         target_colour) puts it on a target of the same colour in the square, which finishes that \
         box. In each step an agent does at most one action. Give a plan that finishes every box, \
         as a JSON list of steps, each a dict from agent to action, for example\n\
         [{{\"Agent[0.5, 0.5]\": \"move(box_red, square[0.5, 1.5])\"}}, {{\"Agent[0.5, 1.5]\": \"move(box_red, target_red)\"}}]\n\n\
         The board:\n{listing}"
    );
    Ok(Generated {
        question,
        answer: serde_json::to_string(&steps).unwrap_or_default(),
        metadata: json!({
            "source_dataset": "boxnet",
            "row_num": rows,
            "column_num": cols,
            "initial_state": state,
            "difficulty": {"row_num": [r0, r1], "column_num": [c0, c1], "box_num": [b0, b1]},
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Options;

    #[test]
    fn simulates_plans() {
        let m = json!({"row_num": 1, "column_num": 2,
                       "initial_state": {"0.5_0.5": ["box_red"], "0.5_1.5": ["target_red"]}});
        let o = Options::default();
        let v = |a: &str| {
            verify(
                &Instance {
                    metadata: &m,
                    ground_truth: None,
                    options: &o,
                },
                a,
            )
            .reason
        };
        let good = r#"[{"Agent[0.5, 0.5]": "move(box_red, square[0.5, 1.5])"}, {"Agent[0.5, 1.5]": "move(box_red, target_red)"}]"#;
        assert_eq!(v(good), "all_boxes_matched");
        assert_eq!(v(&good.replace('"', "'")), "all_boxes_matched");
        assert_eq!(v(&format!("Plan:\n{good}\nDone.")), "all_boxes_matched");
        assert_eq!(
            v(r#"[{"Agent[0.5, 0.5]": "move(box_red, target_red)"}]"#),
            "illegal_action"
        );
        assert_eq!(
            v(r#"[{"Agent[0.5, 0.5]": "move(box_red, square[0.5, 1.5])"}]"#),
            "boxes_left"
        );
        // Same step: the box is not yet in the second square.
        let chained = r#"[{"Agent[0.5, 0.5]": "move(box_red, square[0.5, 1.5])", "Agent[0.5, 1.5]": "move(box_red, target_red)"}]"#;
        assert_eq!(v(chained), "illegal_action");
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &o,
        };
        assert_eq!(
            verify(&inst, &solve(&inst).unwrap()).reason,
            "all_boxes_matched"
        );
    }

    #[test]
    fn partial_credit_counts_matched_boxes() {
        let m = json!({"row_num": 1, "column_num": 3,
                       "initial_state": {"0.5_0.5": ["box_red", "target_red"], "0.5_1.5": ["box_blue"], "0.5_2.5": ["target_blue"]}});
        let o = Options {
            partial_credit: true,
            ..Options::default()
        };
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &o,
        };
        let half = r#"[{"Agent[0.5, 0.5]": "move(box_red, target_red)"}]"#;
        assert_eq!(verify(&inst, half).reward, 0.5);
        let wrong = r#"[{"Agent[0.5, 1.5]": "move(box_blue, target_red)"}]"#;
        assert_eq!(verify(&inst, wrong).reward, 0.05);
    }
}
