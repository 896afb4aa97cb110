//! The zebra puzzle as data and its complete solver. Every value `(attribute, index)` has a
//! domain of houses (a bitmask); clues and the all-different rule of each attribute narrow the
//! domains to a fixed point, and the search branches on the smallest open domain. Bounded by a
//! budget of search nodes, so hostile metadata cannot hang a verification.

use serde_json::{json, Value};

/// Search nodes one solve may visit; generated 7x7 puzzles need a few hundred.
const NODE_BUDGET: usize = 200_000;

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

impl Clue {
    /// Does the clue hold when `house(v)` is the house of each value?
    pub(super) fn holds(&self, house: impl Fn(V) -> usize) -> bool {
        let h = |v: V| house(v) as i64;
        match *self {
            Clue::At(v, k) => h(v) == k as i64,
            Clue::NotAt(v, k) => h(v) != k as i64,
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

/// Domains: `dom[attr * k + value]` is the set of houses (bit h = house h) still possible.
struct Solver<'a> {
    k: usize,
    m: usize,
    full: u8,
    clues: &'a [Clue],
    nodes: usize,
    cap: usize,
    out: Vec<Vec<Vec<u8>>>,
}

impl Solver<'_> {
    fn idx(&self, v: V) -> usize {
        v.0 * self.k + v.1
    }

    /// Narrow `dom` to a fixed point; `false` on a contradiction.
    fn propagate(&self, dom: &mut [u8]) -> bool {
        let full = self.full;
        let mut before = [0u8; 64];
        loop {
            before[..dom.len()].copy_from_slice(dom);
            for c in self.clues {
                match *c {
                    Clue::At(v, h) => dom[self.idx(v)] &= 1 << h,
                    Clue::NotAt(v, h) => dom[self.idx(v)] &= !(1 << h),
                    Clue::Same(a, b) => {
                        let (i, j) = (self.idx(a), self.idx(b));
                        let x = dom[i] & dom[j];
                        dom[i] = x;
                        dom[j] = x;
                    }
                    Clue::NotSame(a, b) => {
                        let (i, j) = (self.idx(a), self.idx(b));
                        if dom[i].count_ones() == 1 {
                            dom[j] &= !dom[i];
                        }
                        if dom[j].count_ones() == 1 {
                            dom[i] &= !dom[j];
                        }
                    }
                    Clue::LeftOf(a, b) => {
                        let (i, j) = (self.idx(a), self.idx(b));
                        if dom[i] == 0 || dom[j] == 0 {
                            return false;
                        }
                        // a is left of b's rightmost house; b is right of a's leftmost house.
                        let max_b = 7 - dom[j].leading_zeros() as usize;
                        let min_a = dom[i].trailing_zeros() as usize;
                        dom[i] &= ((1u16 << max_b) - 1) as u8;
                        dom[j] &= !(((1u16 << (min_a + 1)) - 1) as u8);
                    }
                    Clue::DirectlyLeft(a, b) => {
                        let (i, j) = (self.idx(a), self.idx(b));
                        dom[i] &= dom[j] >> 1;
                        dom[j] &= (dom[i] << 1) & full;
                    }
                    Clue::NextTo(a, b) => {
                        let (i, j) = (self.idx(a), self.idx(b));
                        dom[i] &= ((dom[j] << 1) | (dom[j] >> 1)) & full;
                        dom[j] &= ((dom[i] << 1) | (dom[i] >> 1)) & full;
                    }
                }
            }
            // All different within an attribute: a placed value leaves its house; a house that
            // only one value can take goes to that value.
            for a in 0..self.m {
                let row = &mut dom[a * self.k..(a + 1) * self.k];
                for i in 0..self.k {
                    if row[i].count_ones() == 1 {
                        let h = row[i];
                        for (j, d) in row.iter_mut().enumerate() {
                            if j != i {
                                *d &= !h;
                            }
                        }
                    }
                }
                for h in 0..self.k {
                    let bit = 1u8 << h;
                    let mut holders = row.iter().enumerate().filter(|(_, d)| **d & bit != 0);
                    match (holders.next(), holders.next()) {
                        (None, _) => return false,
                        (Some((i, _)), None) => row[i] = bit,
                        _ => {}
                    }
                }
            }
            if dom.contains(&0) {
                return false;
            }
            if *dom == before[..dom.len()] {
                return true;
            }
        }
    }

    fn search(&mut self, mut dom: Vec<u8>) {
        self.nodes += 1;
        if self.nodes > NODE_BUDGET || self.out.len() >= self.cap || !self.propagate(&mut dom) {
            return;
        }
        let open = (0..dom.len())
            .filter(|&i| dom[i].count_ones() > 1)
            .min_by_key(|&i| dom[i].count_ones());
        let Some(i) = open else {
            let house = |v: V| dom[self.idx(v)].trailing_zeros() as usize;
            // Propagation enforces every clue on singletons; check once more to be sure.
            if self.clues.iter().all(|c| c.holds(house)) {
                let sol = (0..self.m)
                    .map(|a| (0..self.k).map(|v| house((a, v)) as u8).collect())
                    .collect();
                self.out.push(sol);
            }
            return;
        };
        for h in 0..self.k {
            if dom[i] >> h & 1 == 1 {
                let mut next = dom.clone();
                next[i] = 1 << h;
                self.search(next);
            }
        }
    }
}

/// Every solution (`sol[attr][value]` = house), stopping at `cap`; `None` when the search
/// exceeds its node budget.
pub(super) fn solutions(
    k: usize,
    m: usize,
    clues: &[Clue],
    cap: usize,
) -> Option<Vec<Vec<Vec<u8>>>> {
    if k == 0 || k > 8 || k * m > 64 {
        return None;
    }
    let full = ((1u16 << k) - 1) as u8;
    let mut s = Solver {
        k,
        m,
        full,
        clues,
        nodes: 0,
        cap,
        out: Vec::new(),
    };
    s.search(vec![full; k * m]);
    (s.nodes <= NODE_BUDGET).then_some(s.out)
}
