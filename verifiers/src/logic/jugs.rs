//! `jugs`: measure a target amount of water with jugs of given capacities.
//!
//! The moves are simulated from empty jugs (`metadata.puzzle.jug_capacities`); the answer is
//! correct when every move is a known move on an existing jug and, after the last move, some jug
//! holds exactly `metadata.puzzle.target`. The prompt does not ask for the fewest moves.
//!
//! ## Accepts
//! - `["fill A", "pour A->B", "empty B"]` as JSON or a Python list, one move per line, numbered,
//!   separated by commas or semicolons; any case; `pour A -> B`, `pour A→B`, `pour A to B`,
//!   `pour A into B`, `fill jug A`.
//!
//! ## Rejects
//! - an unknown verb, a jug that does not exist, pouring a jug into itself (the detail names the
//!   move number); a sequence after which no jug holds the target.
//!
//! ## Examples
//! Capacities `A:3, B:5`, target 4: `fill B, pour B->A, empty A, pour B->A, fill B, pour B->A`
//! leaves 4 in B and is correct; stopping one move early is not.

use super::rng::Rng;
use super::{surface, Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};
use std::collections::VecDeque;

pub static FAMILY: Family = Family {
    name: "jugs",
    summary: "Measure a target amount with water jugs",
    group: Group::Moves,
    verify,
    solve,
    generate,
};

/// Most jugs and largest capacity accepted (the solver's state space is bounded by these).
const MAX_JUGS: usize = 8;
const MAX_CAPACITY: u64 = 1_000;
/// Most states the solver visits.
const MAX_STATES: usize = 2_000_000;

struct Puzzle {
    caps: Vec<u32>,
    target: u32,
}

fn read(meta: &Value) -> Result<Puzzle, String> {
    let p = meta.get("puzzle").ok_or("metadata.puzzle is missing")?;
    let caps: Vec<u32> = p
        .get("jug_capacities")
        .and_then(Value::as_array)
        .and_then(|a| {
            a.iter()
                .map(|v| {
                    v.as_u64()
                        .filter(|&c| (1..=MAX_CAPACITY).contains(&c))
                        .map(|c| c as u32)
                })
                .collect()
        })
        .ok_or("metadata.puzzle.jug_capacities is not a list of capacities")?;
    if caps.is_empty() || caps.len() > MAX_JUGS {
        return Err(format!("need 1..={MAX_JUGS} jugs"));
    }
    let target = p
        .get("target")
        .and_then(Value::as_u64)
        .ok_or("metadata.puzzle.target is not a number")?;
    Ok(Puzzle {
        caps,
        target: target.min(u32::MAX as u64) as u32,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Move {
    Fill(usize),
    Empty(usize),
    Pour(usize, usize),
}

fn jug(tok: &str, n: usize) -> Result<usize, String> {
    let b = tok.as_bytes();
    match b {
        [c] if c.is_ascii_alphabetic() && ((c.to_ascii_uppercase() - b'A') as usize) < n => {
            Ok((c.to_ascii_uppercase() - b'A') as usize)
        }
        _ => Err(format!("no jug {tok:?}")),
    }
}

fn parse_move(item: &str, n: usize) -> Result<Move, String> {
    // `pour A <- B` would read backwards as tokens: refuse leftward arrows.
    if item.contains('<') || item.contains('←') {
        return Err(format!("cannot read move {item:?}"));
    }
    let toks: Vec<&str> = surface::tokens(item, 8)
        .ok_or_else(|| format!("cannot read move {item:?}"))?
        .into_iter()
        .filter(|t| {
            !["jug", "to", "into", "the"]
                .iter()
                .any(|f| t.eq_ignore_ascii_case(f))
        })
        .collect();
    let verb = toks
        .first()
        .map(|v| v.to_ascii_lowercase())
        .unwrap_or_default();
    match (verb.as_str(), &toks[..]) {
        ("fill", [_, a]) => Ok(Move::Fill(jug(a, n)?)),
        ("empty", [_, a]) => Ok(Move::Empty(jug(a, n)?)),
        ("pour", [_, a, b]) => {
            let (i, j) = (jug(a, n)?, jug(b, n)?);
            if i == j {
                return Err(format!("cannot pour jug {a} into itself"));
            }
            Ok(Move::Pour(i, j))
        }
        _ => Err(format!("cannot read move {item:?}")),
    }
}

fn apply(state: &mut [u32], caps: &[u32], m: Move) {
    match m {
        Move::Fill(i) => state[i] = caps[i],
        Move::Empty(i) => state[i] = 0,
        Move::Pour(i, j) => {
            let amount = state[i].min(caps[j] - state[j]);
            state[i] -= amount;
            state[j] += amount;
        }
    }
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    // Reasoning Gym: 0.01 for known moves that miss the target, 0 otherwise.
    super::credit::apply(inst.options, check_answer(inst, answer), |r| {
        if r == "target_not_reached" {
            0.01
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
    let Some(items) = surface::items(answer, &[',', ';']) else {
        return Verdict::incorrect("too_many_moves", None);
    };
    let mut state = vec![0u32; p.caps.len()];
    for (k, item) in items.iter().enumerate() {
        match parse_move(item, p.caps.len()) {
            Ok(m) => apply(&mut state, &p.caps, m),
            Err(why) => {
                return Verdict::incorrect("illegal_move", None)
                    .with_detail(json!({ "move": k + 1, "why": why }))
            }
        }
    }
    if state.contains(&p.target) {
        Verdict::correct("target_reached", None).with_detail(json!({ "moves": items.len() }))
    } else {
        Verdict::incorrect("target_not_reached", None).with_detail(json!({ "final_state": state }))
    }
}

fn name(m: Move) -> String {
    let l = |i: usize| (b'A' + i as u8) as char;
    match m {
        Move::Fill(i) => format!("fill {}", l(i)),
        Move::Empty(i) => format!("empty {}", l(i)),
        Move::Pour(i, j) => format!("pour {}->{}", l(i), l(j)),
    }
}

/// Breadth-first search from empty jugs: a shortest move list, or `None`.
fn shortest(p: &Puzzle) -> Option<Vec<Move>> {
    let n = p.caps.len();
    let radix: Vec<usize> = p.caps.iter().map(|&c| c as usize + 1).collect();
    let total = radix.iter().try_fold(1usize, |a, &r| a.checked_mul(r))?;
    if total > MAX_STATES {
        return None;
    }
    let encode = |s: &[u32]| {
        s.iter()
            .zip(&radix)
            .fold(0usize, |a, (&x, &r)| a * r + x as usize)
    };
    let decode = |mut c: usize| {
        let mut s = vec![0u32; n];
        for i in (0..n).rev() {
            s[i] = (c % radix[i]) as u32;
            c /= radix[i];
        }
        s
    };
    let mut moves = Vec::new();
    for i in 0..n {
        moves.push(Move::Fill(i));
        moves.push(Move::Empty(i));
        moves.extend((0..n).filter(|&j| j != i).map(|j| Move::Pour(i, j)));
    }
    const UNSEEN: u32 = u32::MAX;
    let mut parent = vec![UNSEEN; total];
    let mut via = vec![0u8; total];
    parent[0] = 0;
    let mut queue = VecDeque::from([0usize]);
    while let Some(c) = queue.pop_front() {
        let s = decode(c);
        if s.contains(&p.target) {
            let mut path = Vec::new();
            let mut cur = c;
            while cur != 0 {
                path.push(moves[via[cur] as usize]);
                cur = parent[cur] as usize;
            }
            path.reverse();
            return Some(path);
        }
        for (mi, &m) in moves.iter().enumerate() {
            let mut t = s.clone();
            apply(&mut t, &p.caps, m);
            let code = encode(&t);
            if parent[code] == UNSEEN {
                parent[code] = c as u32;
                via[code] = mi as u8;
                queue.push_back(code);
            }
        }
    }
    None
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let p = read(inst.metadata).ok()?;
    let path = shortest(&p)?;
    serde_json::to_string(&path.into_iter().map(name).collect::<Vec<_>>()).ok()
}

/// Knobs: `num_jugs` (3), `difficulty` (10: the fewest moves a solution needs; capacities are
/// drawn from `3..=3 + difficulty`).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (n, difficulty) = (cfg.int("num_jugs", 3), cfg.int("difficulty", 10));
    if !(2..=5).contains(&n) || !(1..=30).contains(&difficulty) {
        return Err(Error::Generate(
            "jugs needs 2 <= num_jugs <= 5 and 1 <= difficulty <= 30".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    for _ in 0..2_000 {
        let caps: Vec<u32> = (0..n)
            .map(|_| rng.range(3, 3 + difficulty) as u32)
            .collect();
        let max = caps.iter().copied().max().unwrap_or(1);
        let g = caps.iter().fold(0u32, |a, &c| gcd(a, c));
        let targets: Vec<u32> = (1..=max).filter(|t| t.is_multiple_of(g)).collect();
        let target = *rng.choose(&targets);
        let p = Puzzle {
            caps: caps.clone(),
            target,
        };
        let Some(path) = shortest(&p) else { continue };
        if (path.len() as i64) < difficulty {
            continue;
        }
        let names: Vec<String> = path.into_iter().map(name).collect();
        let listing = caps
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{}:{c}", (b'A' + i as u8) as char))
            .collect::<Vec<_>>()
            .join(", ");
        let question = format!(
            "A bomb will go off unless you measure out exactly {target} litres of water in one              of the jugs below.

All jugs start empty. Their capacities are: {listing}.

             There are three kinds of move:
- 'fill A' fills jug A to the brim.
- 'empty B'              pours jug B away.
- 'pour A->B' pours jug A into jug B until A is empty or B is              full.

The puzzle is solved when, after your last move, some jug holds exactly              {target} litres.

Reply with a JSON-parsable list of moves.
"
        );
        return Ok(Generated {
            question,
            answer: serde_json::to_string(&names).map_err(|e| Error::Generate(e.to_string()))?,
            metadata: json!({
                "source_dataset": "jugs",
                "source_index": cfg.seed,
                "puzzle": {"jug_capacities": caps, "target": target, "min_moves": names.len()},
                "difficulty": {"num_jugs": n, "difficulty": difficulty},
            }),
        });
    }
    Err(Error::Generate(format!(
        "no jugs puzzle needing {difficulty} moves found"
    )))
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn die_hard() {
        let m = json!({"puzzle": {"jug_capacities": [3, 5], "target": 4}});
        let o = super::super::Options::default();
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &o,
        };
        let r = |a: &str| verify(&inst, a).reason;
        let ok = "fill B, pour B->A, empty A, pour B->A, fill B, pour B->A";
        assert_eq!(r(ok), "target_reached");
        assert_eq!(
            r("['Fill jug B', 'pour B to A', 'empty A', 'Pour B → A', 'fill B', 'pour B into A']"),
            "target_reached"
        );
        assert_eq!(
            r("fill B, pour B->A, empty A, pour B->A, fill B"),
            "target_not_reached"
        );
        assert_eq!(r("fill C"), "illegal_move");
        assert_eq!(r("pour A->A"), "illegal_move");
        assert_eq!(r("boil A"), "illegal_move");
        assert_eq!(r("fill B, pour A<-B"), "illegal_move");
        let sol = solve(&inst).unwrap();
        assert_eq!(r(&sol), "target_reached");
        assert_eq!(serde_json::from_str::<Vec<String>>(&sol).unwrap().len(), 6);
    }
}
