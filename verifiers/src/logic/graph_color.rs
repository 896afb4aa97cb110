//! `graph_color`: colour every vertex of a graph with one of the allowed colours so that no
//! edge joins two vertices of the same colour.
//!
//! ## Accepts
//! Any proper colouring of `metadata.puzzle` (`vertices`, `edges`, `color_options`) that gives
//! every vertex exactly one allowed colour. Read as a JSON or Python dict (`{"0": 1, 1: 2}`),
//! `0: 1, 1: 2` pairs on one line or many, numbered or not (`=`, `->`, `→` also separate, and
//! words such as `vertex`/`color` are skipped), or a list of colours in vertex order
//! (`[1, 2, 1]`).
//!
//! ## Rejects
//! An edge with both ends the same colour (`edge (0, 3): both colored 2`), a missing vertex, an
//! unknown vertex, a colour not offered, a vertex given two different colours (a hedge), text
//! that is not a colouring. With `Options::partial_credit`, a readable but wrong colouring
//! earns 0.01 (Reasoning Gym's rule).
//!
//! ## Examples
//! Edges `[[0, 1], [1, 2]]`, colours `[1, 2]`: `<answer>{"0": 1, "1": 2, "2": 1}</answer>` and
//! `<answer>0: 2\n1: 1\n2: 2</answer>` are correct; `{"0": 1, "1": 1, "2": 2}` is rejected.

use super::rng::Rng;
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Map, Value};

pub static FAMILY: Family = Family {
    name: "graph_color",
    summary: "Colour a graph so no edge joins equal colours",
    group: Group::Grid,
    verify,
    solve,
    generate,
};

/// Largest graph accepted from metadata.
const MAX_VERTICES: usize = 1000;
/// Colourings read from answers longer than this are rejected.
const MAX_ANSWER: usize = 64 * 1024;
/// Search nodes for the solver.
const NODE_BUDGET: u64 = 1_000_000;

struct Graph {
    vertices: Vec<i64>,
    edges: Vec<(usize, usize)>,
    colors: Vec<i64>,
}

fn read(meta: &Value) -> Result<Graph, String> {
    let p = meta.get("puzzle").ok_or("bad_metadata: no `puzzle`")?;
    let ints =
        |k: &str| -> Option<Vec<i64>> { p.get(k)?.as_array()?.iter().map(Value::as_i64).collect() };
    let vertices = ints("vertices").ok_or("bad_metadata: `vertices` must be integers")?;
    let colors = ints("color_options").ok_or("bad_metadata: `color_options` must be integers")?;
    if vertices.len() > MAX_VERTICES {
        return Err("bad_metadata: too many vertices".into());
    }
    let index = |v: i64| vertices.iter().position(|&x| x == v);
    let mut edges = Vec::new();
    for e in p
        .get("edges")
        .and_then(Value::as_array)
        .ok_or("bad_metadata: no `edges`")?
    {
        let pair = e
            .as_array()
            .filter(|a| a.len() == 2)
            .ok_or("bad_metadata: edge is not a pair")?;
        let (a, b) = (pair[0].as_i64(), pair[1].as_i64());
        match (a.and_then(index), b.and_then(index)) {
            (Some(a), Some(b)) => edges.push((a, b)),
            _ => return Err("bad_metadata: edge names an unknown vertex".into()),
        }
    }
    Ok(Graph {
        vertices,
        edges,
        colors,
    })
}

/// Token of an answer: an integer, an assignment sign, or a list opener.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Int(i64),
    Assign,
}

fn tokens(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let neg = start > 0 && b[start - 1] == b'-';
            let v: i64 = s[start..i].parse().unwrap_or(i64::MAX);
            out.push(Tok::Int(if neg { -v } else { v }));
            continue;
        }
        let arrow = c == b'-' && b.get(i + 1) == Some(&b'>');
        if c == b':' || c == b'=' || arrow || b[i..].starts_with("→".as_bytes()) {
            out.push(Tok::Assign);
        }
        i += 1;
    }
    out
}

/// `(vertex, colour)` pairs read from the answer, or why it cannot be read.
fn pairs(answer: &str, g: &Graph) -> Result<Vec<(i64, i64)>, String> {
    if answer.len() > MAX_ANSWER {
        return Err("answer_too_long".into());
    }
    // Numbered list lines ("1. vertex 0: 2") lose their number first.
    let unnumbered: Vec<&str> = answer
        .lines()
        .map(|l| {
            let t = l.trim_start();
            let d = t.bytes().take_while(u8::is_ascii_digit).count();
            match t[d..].strip_prefix(['.', ')']) {
                Some(rest) if d > 0 && rest.starts_with(' ') && rest.contains([':', '=']) => rest,
                _ => l,
            }
        })
        .collect();
    let toks = tokens(&unnumbered.join("\n"));
    if !toks.contains(&Tok::Assign) {
        // A list of colours in vertex order.
        let cols: Vec<i64> = toks
            .iter()
            .filter_map(|t| match t {
                Tok::Int(v) => Some(*v),
                Tok::Assign => None,
            })
            .collect();
        if cols.len() != g.vertices.len() || !answer.trim().starts_with('[') {
            return Err("unreadable: expected a map of vertex to colour".into());
        }
        return Ok(g.vertices.iter().copied().zip(cols).collect());
    }
    let mut out = Vec::new();
    let mut k = 0;
    while k < toks.len() {
        match toks.get(k..k + 3) {
            Some([Tok::Int(v), Tok::Assign, Tok::Int(c)]) => {
                out.push((*v, *c));
                k += 3;
            }
            _ => return Err("unreadable: expected `vertex: colour` pairs".into()),
        }
    }
    Ok(out)
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let mut v = check(inst, answer);
    // Reasoning Gym's compatibility rule: 0.01 for a readable colouring that is wrong.
    if inst.options.partial_credit
        && v.verdict == crate::Outcome::Incorrect
        && !v.reason.starts_with("unreadable")
    {
        v.reward = 0.01;
    }
    v
}

fn check(inst: &Instance<'_>, answer: &str) -> Verdict {
    let g = match read(inst.metadata) {
        Ok(g) => g,
        Err(e) => return Verdict::error(e),
    };
    let pairs = match pairs(answer, &g) {
        Ok(p) => p,
        Err(e) => return Verdict::incorrect(e, None),
    };
    let mut color: Vec<Option<i64>> = vec![None; g.vertices.len()];
    for (v, c) in pairs {
        let Some(i) = g.vertices.iter().position(|&x| x == v) else {
            return Verdict::incorrect(format!("unknown vertex {v}"), None);
        };
        if !g.colors.contains(&c) {
            return Verdict::incorrect(format!("vertex {v}: color {c} is not allowed"), None);
        }
        match color[i] {
            Some(prev) if prev != c => {
                return Verdict::incorrect(
                    format!("vertex {v} colored twice ({prev} and {c})"),
                    None,
                )
            }
            _ => color[i] = Some(c),
        }
    }
    if let Some(i) = color.iter().position(Option::is_none) {
        return Verdict::incorrect(format!("vertex {} has no color", g.vertices[i]), None);
    }
    for &(a, b) in &g.edges {
        if color[a] == color[b] {
            let c = color[a].unwrap_or_default();
            let why = format!(
                "edge ({}, {}): both colored {c}",
                g.vertices[a], g.vertices[b]
            );
            return Verdict::incorrect(why, None);
        }
    }
    Verdict::correct("valid_coloring", None)
}

/// A proper colouring by backtracking (vertices by decreasing degree).
fn coloring(g: &Graph) -> Option<Vec<i64>> {
    let n = g.vertices.len();
    let mut adj = vec![Vec::new(); n];
    for &(a, b) in &g.edges {
        adj[a].push(b);
        adj[b].push(a);
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&v| std::cmp::Reverse(adj[v].len()));
    let mut col = vec![usize::MAX; n];
    let mut nodes = 0u64;
    fn rec(
        k: usize,
        order: &[usize],
        adj: &[Vec<usize>],
        col: &mut [usize],
        nc: usize,
        nodes: &mut u64,
    ) -> bool {
        *nodes += 1;
        if *nodes > NODE_BUDGET {
            return false;
        }
        let Some(&v) = order.get(k) else { return true };
        for c in 0..nc {
            if adj[v].iter().all(|&u| col[u] != c) {
                col[v] = c;
                if rec(k + 1, order, adj, col, nc, nodes) {
                    return true;
                }
                col[v] = usize::MAX;
            }
        }
        false
    }
    rec(0, &order, &adj, &mut col, g.colors.len(), &mut nodes)
        .then(|| col.iter().map(|&c| g.colors[c]).collect())
}

fn as_json_map(g: &Graph, cols: &[i64]) -> Map<String, Value> {
    g.vertices
        .iter()
        .zip(cols)
        .map(|(v, c)| (v.to_string(), json!(c)))
        .collect()
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let g = read(inst.metadata).ok()?;
    let cols = coloring(&g)?;
    serde_json::to_string(&as_json_map(&g, &cols)).ok()
}

/// Greedy colouring in vertex order (Reasoning Gym keeps a graph only when this succeeds).
fn greedy(g: &Graph) -> Option<Vec<i64>> {
    let n = g.vertices.len();
    let mut col: Vec<Option<i64>> = vec![None; n];
    for v in 0..n {
        let used: Vec<i64> = g
            .edges
            .iter()
            .filter_map(|&(a, b)| {
                if a == v {
                    col[b]
                } else if b == v {
                    col[a]
                } else {
                    None
                }
            })
            .collect();
        col[v] = Some(*g.colors.iter().find(|c| !used.contains(c))?);
    }
    col.into_iter().collect()
}

/// Knobs: `min_num_vertices`/`max_num_vertices` (default 10 and 10), `num_colors` (default 3),
/// `edge_probability` (a number in [0, 1), default 0.1).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (lo, hi) = (
        cfg.int("min_num_vertices", 10),
        cfg.int("max_num_vertices", 10),
    );
    let k = cfg.int("num_colors", 3);
    let p = cfg
        .difficulty
        .get("edge_probability")
        .and_then(Value::as_f64)
        .unwrap_or(0.1);
    if lo < 1 || lo > hi || hi > 200 || !(1..=50).contains(&k) || !(0.0..1.0).contains(&p) {
        return Err(Error::Generate(
            "need 1 <= min <= max <= 200 vertices, 1..50 colors, 0 <= p < 1".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let mut n = rng.range(lo, hi) as usize;
    for _ in 0..10_000 {
        let mut edges = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                if rng.unit() < p {
                    edges.push((a, b));
                }
            }
        }
        let g = Graph {
            vertices: (0..n as i64).collect(),
            edges,
            colors: (1..=k).collect(),
        };
        let Some(cols) = greedy(&g) else {
            n = rng.range(lo, hi) as usize;
            continue;
        };
        let edge_list: Vec<[usize; 2]> = g.edges.iter().map(|&(a, b)| [a, b]).collect();
        let map = as_json_map(&g, &cols);
        let shown: Vec<String> = g.edges.iter().map(|(a, b)| format!("({a}, {b})")).collect();
        let question = format!(
            "Colour the vertices of this graph so that the two ends of every edge get different \
             colours.\nVertices: {:?}\nEdges: [{}]\nColours you may use: {:?}\n\
             Give your colouring as a JSON object mapping each vertex to its colour, for \
             example {{\"0\": 1, \"1\": 2, \"2\": 3}}.\n",
            g.vertices,
            shown.join(", "),
            g.colors
        );
        return Ok(Generated {
            question,
            answer: serde_json::to_string(&map).unwrap_or_default(),
            metadata: json!({
                "source_dataset": "graph_color",
                "source_index": cfg.seed,
                "possible_answer": map,
                "puzzle": {
                    "vertices": g.vertices,
                    "edges": edge_list,
                    "num_colors": k,
                    "color_options": g.colors,
                },
                "num_vertices": n,
                "difficulty": {"num_vertices": [lo, hi], "num_colors": k},
            }),
        });
    }
    Err(Error::Generate("no greedily colourable graph found".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Options;

    fn check_all(answers: &[&str]) -> Vec<&'static str> {
        let meta = json!({"puzzle": {"vertices": [0, 1, 2], "edges": [[0, 1], [1, 2]],
                                     "num_colors": 2, "color_options": [1, 2]}});
        let opts = Options::default();
        let inst = Instance {
            metadata: &meta,
            ground_truth: None,
            options: &opts,
        };
        answers
            .iter()
            .map(|a| verify(&inst, a).verdict.as_str())
            .collect()
    }

    #[test]
    fn colouring_forms() {
        let ok = [
            r#"{"0": 1, "1": 2, "2": 1}"#,
            "{0: 2, 1: 1, 2: 2}",
            "0: 1\n1: 2\n2: 1",
            "1. vertex 0: 1\n2. vertex 1: 2\n3. vertex 2: 1",
            "Vertex 0 -> color 2, Vertex 1 → color 1, Vertex 2 = 2",
            "[1, 2, 1]",
        ];
        assert!(
            check_all(&ok).iter().all(|v| *v == "correct"),
            "{:?}",
            check_all(&ok)
        );
        let bad = [
            r#"{"0": 1, "1": 1, "2": 2}"#,
            r#"{"0": 1, "1": 2}"#,
            r#"{"0": 1, "1": 2, "2": 1, "0": 2}"#,
            r#"{"0": 1, "1": 2, "2": 3}"#,
            r#"{"0": 1, "1": 2, "2": 1, "7": 1}"#,
            "1 2 1",
            "0: 1, 1",
        ];
        assert!(
            check_all(&bad).iter().all(|v| *v == "incorrect"),
            "{:?}",
            check_all(&bad)
        );
    }
}
