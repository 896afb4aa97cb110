//! `knight_swap`: swap the white and black knights on a small board, moving alternately.
//!
//! Every move is simulated on the board graph of the metadata (`board`: square -> reachable
//! squares, which may lack some knight moves; `pieces`; `start_turn`): the colour must be the
//! side to move, the piece must be on the source square, the target must be an empty neighbour.
//! The prompt does not ask for the fewest moves, so any swapping sequence is correct
//! (`Options::length_shaping` pays `optimal / len`). `No` is correct exactly when the search here
//! finds no swap (falling back to `metadata.is_possible` only past its state budget).
//!
//! ## Accepts
//! - `["w,A1,B3", "B,C3,A2"]` as JSON or a Python list, `w A1 B3` per line, `w: A1 -> B3`,
//!   `white,A1,B3`, `white knight from A1 to B3`, lists of triples, any case; `No` for an
//!   impossible puzzle.
//!
//! ## Rejects
//! - a move out of turn, from a square without that colour's knight, to an occupied or
//!   unconnected square, an unknown square (the detail names the move);
//! - a sequence that does not swap the sides; `No` for a possible puzzle; moves for an
//!   impossible one.
//!
//! ## Examples
//! Board `A1-B3-C1` (a path), `w` on A1, `B` on C1, white first: the knights can never pass each
//! other, so `No` is correct and `["w,A1,B3"]` is not (it does not swap); `["B,C1,B3"]` is an
//! illegal move (white's turn).

use super::fasthash::{FxMap, FxSet};
use super::rng::Rng;
use super::{surface, Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Map, Value};
use std::collections::VecDeque;

pub static FAMILY: Family = Family {
    name: "knight_swap",
    summary: "Swap white and black knights",
    group: Group::Moves,
    verify,
    solve,
    generate,
};

/// Most squares a board may have (positions are bits of a `u64`).
const MAX_SQUARES: usize = 64;
/// Most states the solver visits before giving up.
const MAX_STATES: usize = 500_000;

struct Board {
    names: Vec<String>,
    adj: Vec<u64>,
    white: u64,
    black: u64,
    white_first: bool,
}

fn read(meta: &Value) -> Result<Board, String> {
    let b = meta
        .get("board")
        .and_then(Value::as_object)
        .ok_or("metadata.board is not an object")?;
    if b.is_empty() || b.len() > MAX_SQUARES {
        return Err(format!("the board must have 1..={MAX_SQUARES} squares"));
    }
    let names: Vec<String> = b.keys().map(|k| k.to_ascii_uppercase()).collect();
    let index = |s: &str| names.iter().position(|n| n.eq_ignore_ascii_case(s));
    let mut adj = vec![0u64; names.len()];
    for (i, (_, ns)) in b.iter().enumerate() {
        for n in ns.as_array().ok_or("metadata.board values must be lists")? {
            let j = n
                .as_str()
                .and_then(index)
                .ok_or("metadata.board names an unknown square")?;
            adj[i] |= 1 << j;
        }
    }
    let (mut white, mut black) = (0u64, 0u64);
    let pieces = meta
        .get("pieces")
        .and_then(Value::as_object)
        .ok_or("metadata.pieces is not an object")?;
    for (sq, p) in pieces {
        let i = index(sq).ok_or("metadata.pieces names an unknown square")?;
        match p.as_str() {
            Some("w") => white |= 1 << i,
            Some("B") => black |= 1 << i,
            _ => {}
        }
    }
    let white_first = match meta.get("start_turn").and_then(Value::as_str) {
        Some("w") => true,
        Some("B") => false,
        _ => return Err("metadata.start_turn must be \"w\" or \"B\"".into()),
    };
    Ok(Board {
        names,
        adj,
        white,
        black,
        white_first,
    })
}

/// Words skipped between a move's colour and squares.
const FILLER: [&str; 6] = ["knight", "moves", "move", "from", "to", "the"];

type Move = (bool, usize, usize); // (white?, from, to)
/// White squares, black squares, white to move.
type State = (u64, u64, bool);

impl Board {
    /// A shortest swapping sequence; `Ok(None)` when none exists; `Err` past the state budget.
    fn shortest(&self) -> Result<Option<Vec<Move>>, ()> {
        let goal = (self.black, self.white);
        let start = (self.white, self.black, self.white_first);
        let mut parent: FxMap<State, (State, Move)> = FxMap::default();
        let mut queue = VecDeque::from([start]);
        let mut seen: FxSet<State> = FxSet::default();
        seen.insert(start);
        while let Some(s) = queue.pop_front() {
            if (s.0, s.1) == goal {
                let mut path = Vec::new();
                let mut cur = s;
                while let Some(&(p, m)) = parent.get(&cur) {
                    path.push(m);
                    cur = p;
                }
                path.reverse();
                return Ok(Some(path));
            }
            if seen.len() > MAX_STATES {
                return Err(());
            }
            let (w, b, white) = s;
            let own = if white { w } else { b };
            let occupied = w | b;
            for from in bits(own) {
                for to in bits(self.adj[from] & !occupied) {
                    let moved = own & !(1 << from) | 1 << to;
                    let t = if white {
                        (moved, b, false)
                    } else {
                        (w, moved, true)
                    };
                    if seen.insert(t) {
                        parent.insert(t, (s, (white, from, to)));
                        queue.push_back(t);
                    }
                }
            }
        }
        Ok(None)
    }

    fn format(&self, path: &[Move]) -> String {
        let items: Vec<String> = path
            .iter()
            .map(|&(w, f, t)| {
                format!(
                    "{},{},{}",
                    if w { "w" } else { "B" },
                    self.names[f],
                    self.names[t]
                )
            })
            .collect();
        serde_json::to_string(&items).unwrap_or_default()
    }
}

fn bits(mut m: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (m != 0).then(|| {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            i
        })
    })
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    // Reasoning Gym: 0.05 for legal moves that do not swap, 0 otherwise.
    super::credit::apply(inst.options, check_answer(inst, answer), |r| {
        if r == "not_swapped" {
            0.05
        } else {
            0.0
        }
    })
}

fn check_answer(inst: &Instance<'_>, answer: &str) -> Verdict {
    let b = match read(inst.metadata) {
        Ok(b) => b,
        Err(e) => return Verdict::error(e),
    };
    let Some(toks) = surface::item_tokens(answer, &[';'], surface::MAX_ITEMS) else {
        return Verdict::incorrect("too_many_moves", None);
    };
    if let [t] = toks.as_slice() {
        if t.eq_ignore_ascii_case("no") {
            let possible = match b.shortest() {
                Ok(p) => p.is_some(),
                Err(()) => inst
                    .metadata
                    .get("is_possible")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
            };
            return if possible {
                Verdict::incorrect("possible", None)
            } else {
                Verdict::correct("impossible", None)
            };
        }
    }
    // `white knight from A1 to B3` reads as `white A1 B3`.
    let toks: Vec<&str> = toks
        .into_iter()
        .filter(|t| !FILLER.iter().any(|f| t.eq_ignore_ascii_case(f)))
        .collect();
    if !toks.len().is_multiple_of(3) || toks.is_empty() {
        return Verdict::incorrect("unparseable", None)
            .with_detail(json!({ "why": "moves are colour,from,to triples" }));
    }
    let (mut w, mut bl, mut white) = (b.white, b.black, b.white_first);
    for (k, m) in toks.chunks(3).enumerate() {
        let bad = |why: String| {
            Verdict::incorrect("illegal_move", None)
                .with_detail(json!({ "move": k + 1, "why": why }))
        };
        let colour = match m[0].to_ascii_lowercase().as_str() {
            "w" | "white" => true,
            "b" | "black" => false,
            other => return bad(format!("unknown colour {other:?}")),
        };
        let sq = |s: &str| b.names.iter().position(|n| n.eq_ignore_ascii_case(s));
        let (Some(f), Some(t)) = (sq(m[1]), sq(m[2])) else {
            return bad(format!("unknown square in {} {}", m[1], m[2]));
        };
        if colour != white {
            return bad(format!(
                "it is {}'s turn",
                if white { "white" } else { "black" }
            ));
        }
        let own = if white { &mut w } else { &mut bl };
        if *own & 1 << f == 0 {
            return bad(format!(
                "no {} knight on {}",
                if white { "white" } else { "black" },
                b.names[f]
            ));
        }
        if b.adj[f] & 1 << t == 0 {
            return bad(format!("{} is not connected to {}", b.names[f], b.names[t]));
        }
        if (w | bl) & 1 << t != 0 {
            return bad(format!("{} is occupied", b.names[t]));
        }
        let own = if white { &mut w } else { &mut bl };
        *own = *own & !(1 << f) | 1 << t;
        white = !white;
    }
    if (w, bl) != (b.black, b.white) {
        return Verdict::incorrect("not_swapped", None);
    }
    let n = toks.len() / 3;
    let o = inst.options;
    if o.length_shaping || o.partial_credit {
        if let Ok(Some(p)) = b.shortest() {
            if n > p.len() {
                return Verdict::new(
                    p.len() as f64 / n as f64,
                    crate::Outcome::Correct,
                    "swapped_not_optimal",
                    None,
                );
            }
        }
    }
    Verdict::correct("swapped", None).with_detail(json!({ "moves": n }))
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let b = read(inst.metadata).ok()?;
    match b.shortest().ok()? {
        Some(p) => Some(b.format(&p)),
        None => Some("No".into()),
    }
}

/// The squares a generated board is cut from (a 4x3 corner of a chessboard).
const CANDIDATES: [&str; 12] = [
    "A1", "A2", "A3", "B1", "B2", "B3", "C1", "C2", "C3", "D1", "D2", "D3",
];

fn knight_move(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let dc = (a[0] as i32 - b[0] as i32).abs();
    let dr = (a[1] as i32 - b[1] as i32).abs();
    (dc, dr) == (1, 2) || (dc, dr) == (2, 1)
}

fn connected(adj: &[u64]) -> bool {
    let mut seen = 1u64;
    let mut frontier = 1u64;
    while frontier != 0 {
        let next = bits(frontier).fold(0u64, |m, i| m | adj[i]) & !seen;
        seen |= next;
        frontier = next;
    }
    seen.count_ones() as usize == adj.len()
}

/// Knobs: `min_nodes` (6), `max_nodes` (9, at most 12), `min_pieces` (2: knights per colour),
/// `min_steps` (4), `max_steps` (20), `impossible_pct` (20: percent of impossible puzzles; or Reasoning Gym's `impossible_ratio`).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (nmin, nmax) = (cfg.int("min_nodes", 6), cfg.int("max_nodes", 9));
    let pieces = cfg.int("min_pieces", 2);
    let (smin, smax) = (cfg.int("min_steps", 4), cfg.int("max_steps", 20));
    let pct = cfg.percent("impossible_ratio", "impossible_pct", 20);
    if !(4 <= nmin
        && nmin <= nmax
        && nmax <= 12
        && 1 <= pieces
        && 2 * pieces < nmin
        && 1 <= smin
        && smin <= smax)
        || !(0..=100).contains(&pct)
    {
        return Err(Error::Generate(
            "knight_swap needs 4 <= min_nodes <= max_nodes <= 12, 2 * min_pieces < min_nodes, 1 <= min_steps <= max_steps, 0 <= impossible_pct <= 100".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    let impossible = rng.range(0, 99) < pct;
    let k = pieces as usize;
    for _ in 0..500 {
        let n = rng.range(nmin, nmax) as usize;
        let mut names: Vec<&str> = CANDIDATES.to_vec();
        rng.shuffle(&mut names);
        names.truncate(n);
        names.sort_unstable();
        let mut adj = vec![0u64; n];
        for i in 0..n {
            for j in 0..n {
                if knight_move(names[i], names[j]) {
                    adj[i] |= 1 << j;
                }
            }
        }
        if !connected(&adj) {
            continue;
        }
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        let white = order[..k].iter().fold(0u64, |m, &i| m | 1 << i);
        let black = order[k..2 * k].iter().fold(0u64, |m, &i| m | 1 << i);
        if impossible {
            // Cut one edge between a white and a black square, then require unsolvability.
            let edges: Vec<(usize, usize)> = bits(white)
                .flat_map(|w| bits(adj[w] & black).map(move |b| (w, b)))
                .collect();
            if edges.is_empty() {
                continue;
            }
            let (a, b) = *rng.choose(&edges);
            adj[a] &= !(1 << b);
            adj[b] &= !(1 << a);
        }
        let white_first = rng.below(2) == 0;
        let board = Board {
            names: names.iter().map(|s| s.to_string()).collect(),
            adj,
            white,
            black,
            white_first,
        };
        let Ok(sol) = board.shortest() else { continue };
        let ok = match &sol {
            None => impossible,
            Some(p) => !impossible && (smin as usize..=smax as usize).contains(&p.len()),
        };
        if ok {
            return Ok(emit(
                cfg,
                &board,
                sol,
                [nmin, nmax, pieces, pieces, smin, smax],
            ));
        }
    }
    Err(Error::Generate(
        "no knight_swap puzzle met the constraints".into(),
    ))
}

fn emit(cfg: &GenConfig, b: &Board, sol: Option<Vec<Move>>, knobs: [i64; 6]) -> Generated {
    let mut board = Map::new();
    let mut pieces = Map::new();
    let piece = |w: u64, bl: u64, i: usize| {
        if w & 1 << i != 0 {
            json!("w")
        } else if bl & 1 << i != 0 {
            json!("B")
        } else {
            Value::Null
        }
    };
    for (i, name) in b.names.iter().enumerate() {
        let ns: Vec<&str> = bits(b.adj[i]).map(|j| b.names[j].as_str()).collect();
        board.insert(name.clone(), json!(ns));
        pieces.insert(name.clone(), piece(b.white, b.black, i));
    }
    let mut states = Vec::new();
    if let Some(p) = &sol {
        let (mut w, mut bl) = (b.white, b.black);
        let snapshot = |w: u64, bl: u64| -> Value {
            Value::Object(
                b.names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.clone(), piece(w, bl, i)))
                    .collect(),
            )
        };
        states.push(snapshot(w, bl));
        for &(white, f, t) in p {
            let own = if white { &mut w } else { &mut bl };
            *own = *own & !(1 << f) | 1 << t;
            states.push(snapshot(w, bl));
        }
    }
    let answer = match &sol {
        Some(p) => b.format(p),
        None => "No".into(),
    };
    let solution: Option<Vec<[String; 3]>> = sol.as_ref().map(|p| {
        p.iter()
            .map(|&(w, f, t)| {
                [
                    if w { "w" } else { "B" }.to_string(),
                    b.names[f].clone(),
                    b.names[t].clone(),
                ]
            })
            .collect()
    });
    let turn = if b.white_first { "w" } else { "B" };
    let question = format!(
        "Knight Swap\n\n```\n{}\n```\n\n'w' is a white knight, 'B' a black knight, '.' an empty \
         square; blank cells are not part of the board.\n\nGoal: every white knight ends on a \
         square where a black knight started, and every black knight on a square where a white \
         knight started.\n\nRules:\n1. A knight moves in an L shape (two squares one way, one \
         square across) along the board's connections.\n2. A knight may only move to an empty \
         square.\n3. {turn} moves first; the colours then take turns.\n\nCan the knights be \
         swapped? If so, list the moves.\n\nAnswer format:\n- If it cannot be done, answer \"No\".\n\
         - Otherwise a list of moves [\"color,from,to\", ...], e.g. [\"w,A1,B3\"] moves a white \
         knight from A1 to B3.\n",
        draw(b)
    );
    let [nmin, nmax, pmin, pmax, smin, smax] = knobs;
    Generated {
        question,
        answer,
        metadata: json!({
            "source_dataset": "knight_swap",
            "source_index": cfg.seed,
            "board": board,
            "pieces": pieces,
            "start_turn": turn,
            "solution": solution,
            "is_possible": sol.is_some(),
            "num_steps": sol.as_ref().map_or(0, Vec::len),
            "board_states": if sol.is_some() { json!(states) } else { Value::Null },
            "difficulty": {"nodes": [nmin, nmax], "pieces": [pmin, pmax], "steps": [smin, smax]},
        }),
    }
}

/// The board as a small grid, top row first.
fn draw(b: &Board) -> String {
    let mut cols: Vec<u8> = b.names.iter().map(|n| n.as_bytes()[0]).collect();
    cols.sort_unstable();
    cols.dedup();
    let mut rows: Vec<&str> = b.names.iter().map(|n| &n[1..]).collect();
    rows.sort_unstable_by(|a, c| c.cmp(a));
    rows.dedup();
    let header: Vec<String> = cols.iter().map(|&c| (c as char).to_string()).collect();
    let mut lines = vec![
        format!("    {}", header.join("   ")),
        format!("   {}", "----".repeat(cols.len())),
    ];
    for r in rows {
        let mut line = format!("{r} |");
        for &c in &cols {
            let name = format!("{}{r}", c as char);
            let cell = match b.names.iter().position(|n| *n == name) {
                Some(i) if b.white & 1 << i != 0 => "w",
                Some(i) if b.black & 1 << i != 0 => "B",
                Some(_) => ".",
                None => " ",
            };
            line.push_str(&format!(" {cell} |"));
        }
        lines.push(line);
        lines.push(format!("   {}", "----".repeat(cols.len())));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulate_and_prove_impossible() {
        // A path A1 - B3 - C1 with one knight each end: they can never pass each other.
        let m = json!({"board": {"A1": ["B3"], "B3": ["A1", "C1"], "C1": ["B3"]},
                       "pieces": {"A1": "w", "B3": null, "C1": "B"}, "start_turn": "w"});
        let o = super::super::Options::default();
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &o,
        };
        assert_eq!(verify(&inst, "No").reason, "impossible");
        assert_eq!(verify(&inst, "[\"w,A1,B3\"]").reason, "not_swapped");
        assert_eq!(verify(&inst, "[\"B,C1,B3\"]").reason, "illegal_move");
        assert_eq!(
            verify(&inst, "white knight moves from A1 to B3").reason,
            "not_swapped"
        );
        assert_eq!(solve(&inst).as_deref(), Some("No"));
        let g = generate(&GenConfig {
            seed: 7,
            ..GenConfig::default()
        })
        .unwrap();
        let gt = Value::String(g.answer.clone());
        let inst = Instance {
            metadata: &g.metadata,
            ground_truth: Some(&gt),
            options: &o,
        };
        assert_eq!(verify(&inst, &g.answer).verdict, crate::Outcome::Correct);
    }
}
