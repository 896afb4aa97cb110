//! The zebra puzzle as data and its complete solver: clues over `(attribute, value)` pairs, and
//! a search that places one attribute's permutation at a time, pruning with every clue whose
//! attributes are all placed. Bounded by a budget of candidates tried.

use serde_json::{json, Value};

/// Candidate permutations one solve may try (bounded time on hostile metadata); generated
/// puzzles of the default size need a few hundred.
pub(super) const NODE_BUDGET: usize = 1_000_000;

/// A clue over values `(attribute, index)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Clue {
    At(V, usize),
    NotAt(V, usize),
    Same(V, V),
    NotSame(V, V),
    LeftOf(V, V),
    DirectlyLeft(V, V),
    NextTo(V, V),
}

pub(super) type V = (usize, usize);

/// All permutations of `0..k`: `perm[i]` is the house of value `i`.
pub(super) fn perms(k: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut p: Vec<u8> = (0..k as u8).collect();
    fn rec(p: &mut Vec<u8>, i: usize, out: &mut Vec<Vec<u8>>) {
        if i == p.len() {
            out.push(p.clone());
            return;
        }
        for j in i..p.len() {
            p.swap(i, j);
            rec(p, i + 1, out);
            p.swap(i, j);
        }
    }
    rec(&mut p, 0, &mut out);
    out
}

impl Clue {
    fn attrs(&self) -> (usize, usize) {
        match *self {
            Clue::At(v, _) | Clue::NotAt(v, _) => (v.0, v.0),
            Clue::Same(a, b)
            | Clue::NotSame(a, b)
            | Clue::LeftOf(a, b)
            | Clue::DirectlyLeft(a, b)
            | Clue::NextTo(a, b) => (a.0, b.0),
        }
    }

    /// Does the clue hold, given each attribute's chosen permutation (`all[chosen[attr]]`)?
    fn holds(&self, all: &[Vec<u8>], chosen: &[usize]) -> bool {
        let h = |v: V| all[chosen[v.0]][v.1] as i32;
        match *self {
            Clue::At(v, k) => h(v) == k as i32,
            Clue::NotAt(v, k) => h(v) != k as i32,
            Clue::Same(a, b) => h(a) == h(b),
            Clue::NotSame(a, b) => h(a) != h(b),
            Clue::LeftOf(a, b) => h(a) < h(b),
            Clue::DirectlyLeft(a, b) => h(a) + 1 == h(b),
            Clue::NextTo(a, b) => (h(a) - h(b)).abs() == 1,
        }
    }

    pub(super) fn to_json(self) -> Value {
        let v = |x: V| json!([x.0, x.1]);
        match self {
            Clue::At(a, k) => json!(["at", v(a), k + 1]),
            Clue::NotAt(a, k) => json!(["not_at", v(a), k + 1]),
            Clue::Same(a, b) => json!(["same", v(a), v(b)]),
            Clue::NotSame(a, b) => json!(["not_same", v(a), v(b)]),
            Clue::LeftOf(a, b) => json!(["left_of", v(a), v(b)]),
            Clue::DirectlyLeft(a, b) => json!(["directly_left", v(a), v(b)]),
            Clue::NextTo(a, b) => json!(["next_to", v(a), v(b)]),
        }
    }

    pub(super) fn from_json(j: &Value, k: usize, m: usize) -> Option<Clue> {
        let a = j.as_array()?;
        let v = |i: usize| -> Option<V> {
            let p = a.get(i)?.as_array()?;
            let (x, y) = (p.first()?.as_u64()? as usize, p.get(1)?.as_u64()? as usize);
            (x < m && y < k).then_some((x, y))
        };
        let house = || {
            a.get(2)?
                .as_u64()
                .map(|h| h as usize)
                .filter(|&h| (1..=k).contains(&h))
        };
        Some(match a.first()?.as_str()? {
            "at" => Clue::At(v(1)?, house()? - 1),
            "not_at" => Clue::NotAt(v(1)?, house()? - 1),
            "same" => Clue::Same(v(1)?, v(2)?),
            "not_same" => Clue::NotSame(v(1)?, v(2)?),
            "left_of" => Clue::LeftOf(v(1)?, v(2)?),
            "directly_left" => Clue::DirectlyLeft(v(1)?, v(2)?),
            "next_to" => Clue::NextTo(v(1)?, v(2)?),
            _ => return None,
        })
    }
}

/// Enumerate solutions (each a permutation index per attribute), stopping at `cap`; `None`
/// when the search exceeds [`NODE_BUDGET`].
pub(super) fn solutions(
    m: usize,
    clues: &[Clue],
    all: &[Vec<u8>],
    cap: usize,
) -> Option<Vec<Vec<usize>>> {
    // Each attribute's candidate permutations: those that pass its single-attribute clues.
    // Clues over two attributes are checked once the later one is placed.
    let mut cands: Vec<Vec<usize>> = vec![Vec::new(); m];
    let mut at_level: Vec<Vec<Clue>> = vec![Vec::new(); m];
    let mut unary: Vec<Vec<Clue>> = vec![Vec::new(); m];
    for c in clues {
        let (x, y) = c.attrs();
        if x == y {
            unary[x].push(*c);
        } else {
            at_level[x.max(y)].push(*c);
        }
    }
    let mut probe = vec![0usize; m];
    for a in 0..m {
        for pi in 0..all.len() {
            probe[a] = pi;
            if unary[a].iter().all(|c| c.holds(all, &probe)) {
                cands[a].push(pi);
            }
        }
    }
    struct Search<'a> {
        m: usize,
        all: &'a [Vec<u8>],
        cands: &'a [Vec<usize>],
        at_level: &'a [Vec<Clue>],
        chosen: Vec<usize>,
        out: Vec<Vec<usize>>,
        cap: usize,
        nodes: usize,
    }
    impl Search<'_> {
        fn rec(&mut self, level: usize) {
            if level == self.m {
                self.out.push(self.chosen.clone());
                return;
            }
            for &pi in &self.cands[level] {
                // Every candidate tried counts, so the budget bounds the clue checks too.
                self.nodes += 1;
                if self.nodes > NODE_BUDGET {
                    return;
                }
                self.chosen[level] = pi;
                if self.at_level[level]
                    .iter()
                    .all(|c| c.holds(self.all, &self.chosen))
                {
                    self.rec(level + 1);
                    if self.out.len() >= self.cap || self.nodes > NODE_BUDGET {
                        return;
                    }
                }
            }
        }
    }
    let mut s = Search {
        m,
        all,
        cands: &cands,
        at_level: &at_level,
        chosen: vec![0; m],
        out: Vec::new(),
        cap,
        nodes: 0,
    };
    s.rec(0);
    (s.nodes <= NODE_BUDGET).then_some(s.out)
}
