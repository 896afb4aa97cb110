//! `rush_hour`: slide vehicles on a 6x6 board until the red car `AA` reaches the exit.
//!
//! The board comes from `metadata.board_config` (36 cells, `o` empty, `x` wall, letters
//! vehicles; vehicles are named as Reasoning Gym displays them: distinct labels in sorted order
//! become `A`, `B`, ...). Every move is simulated cell by cell; unlike Reasoning Gym, an illegal
//! move or an unknown vehicle is rejected, not skipped. The answer is correct when, after the
//! last move, `AA` occupies the two rightmost cells of its row. The fewest moves are not asked
//! (`Options::length_shaping` pays `min_moves / len`, counting one vehicle slide as one move).
//!
//! ## Accepts
//! - `F+1 K+1 M-1 C+3`, separated by spaces, commas, semicolons, newlines or arrows, numbered,
//!   as a JSON/Python list, `F +1`, `AA+2` (the name as drawn), a lower-case letter, the unicode
//!   minus `−`.
//!
//! ## Rejects
//! - a vehicle that does not exist or is a wall, a horizontal vehicle moved up/down (impossible
//!   by notation) or any vehicle moved through another, a wall or the edge, a zero-length move
//!   (the detail names the move); text that is not a move; a final position that is not solved.
//!
//! ## Examples
//! `AAoooo` on the exit row with nothing in the way: `A+4` is correct, `A+5` leaves the board.

use super::fasthash::FxMap;
use super::rng::Rng;
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};
use std::collections::VecDeque;

pub static FAMILY: Family = Family {
    name: "rush_hour",
    summary: "Free the red car from a Rush Hour board",
    group: Group::Moves,
    verify,
    solve,
    generate,
};

const N: usize = 6;
/// Where the red car's left cell must end: row 2, column 4.
const TARGET: usize = 2 * N + 4;
/// Most moves read from an answer.
const MAX_MOVES: usize = 10_000;
/// Most states the solver visits.
const MAX_STATES: usize = 2_000_000;

#[derive(Debug, Clone, Copy)]
struct Piece {
    pos: usize,
    len: usize,
    /// 1 for horizontal, 6 for vertical.
    stride: usize,
}

impl Piece {
    fn mask(&self) -> u64 {
        (0..self.len).fold(0, |m, k| m | 1 << (self.pos + k * self.stride))
    }
}

struct Board {
    pieces: Vec<Piece>,
    walls: u64,
}

fn read(meta: &Value) -> Result<Board, String> {
    let cfg = meta
        .get("board_config")
        .and_then(Value::as_str)
        .ok_or("metadata.board_config is not a string")?;
    let cells: Vec<u8> = cfg.bytes().collect();
    if cells.len() != N * N {
        return Err("board_config must have 36 cells".into());
    }
    let mut labels: Vec<u8> = cells
        .iter()
        .copied()
        .filter(|&c| !matches!(c, b'o' | b'.' | b'x'))
        .collect();
    labels.sort_unstable();
    labels.dedup();
    if labels.len() > 26 {
        return Err("too many vehicles".into());
    }
    let mut pieces = Vec::new();
    for &l in &labels {
        let at: Vec<usize> = (0..N * N).filter(|&i| cells[i] == l).collect();
        let stride = at[1..].first().map_or(0, |&b| b - at[0]);
        let straight = at.windows(2).all(|w| w[1] - w[0] == stride);
        let same_row = stride != 1 || at[0] / N == at[at.len() - 1] / N;
        if !(2..=3).contains(&at.len()) || !(stride == 1 || stride == N) || !straight || !same_row {
            return Err(format!("vehicle {} has an invalid shape", l as char));
        }
        pieces.push(Piece {
            pos: at[0],
            len: at.len(),
            stride,
        });
    }
    if pieces
        .first()
        .is_none_or(|p| p.stride != 1 || p.pos / N != 2)
    {
        return Err("the first vehicle must be horizontal on the exit row".into());
    }
    let walls = (0..N * N)
        .filter(|&i| cells[i] == b'x')
        .fold(0u64, |m, i| m | 1 << i);
    Ok(Board { pieces, walls })
}

impl Board {
    fn occupied(&self) -> u64 {
        self.pieces.iter().fold(self.walls, |m, p| m | p.mask())
    }

    /// Slide piece `i` by `steps`; `Err` says what blocks it.
    fn slide(&mut self, i: usize, steps: i64) -> Result<(), String> {
        let occ = self.occupied() & !self.pieces[i].mask();
        let p = self.pieces[i];
        let dir = steps.signum();
        let mut pos = p.pos as i64;
        for _ in 0..steps.abs() {
            let next = pos + dir * p.stride as i64;
            let (first, last) = (next, next + ((p.len - 1) * p.stride) as i64);
            let in_board = first >= 0 && last < (N * N) as i64;
            let row_ok = p.stride != 1
                || (first / N as i64 == pos / N as i64 && last / N as i64 == pos / N as i64);
            if !in_board || !row_ok {
                return Err("leaves the board".into());
            }
            let moved = Piece {
                pos: next as usize,
                ..p
            };
            if occ & moved.mask() != 0 {
                return Err("blocked".into());
            }
            pos = next;
        }
        self.pieces[i].pos = pos as usize;
        Ok(())
    }

    fn solved(&self) -> bool {
        self.pieces[0].pos == TARGET
    }
}

/// Parse `F+1 K-2 ...` into (vehicle index by letter, steps); `Err` says where reading stopped.
fn parse(answer: &str) -> Result<Vec<(u8, i64)>, String> {
    let chars: Vec<char> = answer.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let skip = |c: char| c.is_whitespace() || ",;[](){}\"'`→>".contains(c);
    while i < chars.len() {
        let c = chars[i];
        if skip(c) || (c == '-' && chars.get(i + 1) == Some(&'>')) {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            // A list marker such as `1.` or `2)`.
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - start > 5 || !matches!(chars.get(i), Some('.' | ')' | ':')) {
                return Err(format!("unexpected number at character {}", start + 1));
            }
            i += 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            return Err(format!("unexpected {c:?} at character {}", i + 1));
        }
        let letter = c.to_ascii_uppercase() as u8;
        i += 1;
        // `AA+1` names the red car as the board draws it: repeats of the same letter are one name.
        while i < chars.len() && chars[i].to_ascii_uppercase() as u32 == letter as u32 {
            i += 1;
        }
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        let sign = match chars.get(i) {
            Some('+') => 1,
            Some('-' | '−' | '–') => -1,
            _ => return Err(format!("vehicle {} without a +/- move", letter as char)),
        };
        i += 1;
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() && i - start < 3 {
            i += 1;
        }
        let n: i64 = chars[start..i]
            .iter()
            .collect::<String>()
            .parse()
            .map_err(|_| format!("vehicle {} without a number of steps", letter as char))?;
        if out.len() == MAX_MOVES {
            return Err("too many moves".into());
        }
        out.push((letter, sign * n));
    }
    Ok(out)
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    // Reasoning Gym: 0.01 for any readable moves that do not solve (it skips illegal ones).
    super::credit::apply(inst.options, check_answer(inst, answer), |r| {
        if matches!(r, "not_solved" | "illegal_move") {
            0.01
        } else {
            0.0
        }
    })
}

fn check_answer(inst: &Instance<'_>, answer: &str) -> Verdict {
    let mut b = match read(inst.metadata) {
        Ok(b) => b,
        Err(e) => return Verdict::error(e),
    };
    let moves = match parse(answer) {
        Ok(m) if !m.is_empty() => m,
        Ok(_) => return Verdict::incorrect("no_moves", None),
        Err(why) => {
            return Verdict::incorrect("unparseable", None).with_detail(json!({ "why": why }))
        }
    };
    for (k, &(letter, steps)) in moves.iter().enumerate() {
        let bad = |why: String| {
            Verdict::incorrect("illegal_move", None)
                .with_detail(json!({ "move": k + 1, "why": why }))
        };
        let i = (letter - b'A') as usize;
        if i >= b.pieces.len() {
            return bad(format!("no vehicle {}", letter as char));
        }
        if steps == 0 {
            return bad(format!("{} moves zero steps", letter as char));
        }
        if let Err(why) = b.slide(i, steps) {
            return bad(format!("{}{:+}: {why}", letter as char, steps));
        }
    }
    if !b.solved() {
        return Verdict::incorrect("not_solved", None).with_detail(json!({ "moves": moves.len() }));
    }
    let o = inst.options;
    let best = inst
        .metadata
        .get("min_moves")
        .and_then(Value::as_u64)
        .unwrap_or(0) as usize;
    if (o.length_shaping || o.partial_credit) && best > 0 && moves.len() > best {
        return Verdict::new(
            best as f64 / moves.len() as f64,
            crate::Outcome::Correct,
            "solved_not_optimal",
            None,
        );
    }
    Verdict::correct("solved", None).with_detail(json!({ "moves": moves.len() }))
}

/// Breadth-first search over whole slides: a fewest-moves solution, or `None`. A state holds
/// each vehicle's offset along its line (column if horizontal, row if vertical), three bits per
/// vehicle; `masks[i][o]` is vehicle `i`'s cells at offset `o`.
fn shortest(b: &Board) -> Option<Vec<(u8, i64)>> {
    let n = b.pieces.len();
    if n > 40 {
        return None;
    }
    let line_start = |p: &Piece| {
        if p.stride == 1 {
            p.pos / N * N
        } else {
            p.pos % N
        }
    };
    let offset = |p: &Piece| if p.stride == 1 { p.pos % N } else { p.pos / N };
    let masks: Vec<Vec<u64>> = b
        .pieces
        .iter()
        .map(|p| {
            (0..=N - p.len)
                .map(|o| {
                    Piece {
                        pos: line_start(p) + o * p.stride,
                        ..*p
                    }
                    .mask()
                })
                .collect()
        })
        .collect();
    let start = b
        .pieces
        .iter()
        .rev()
        .fold(0u128, |a, p| a << 3 | offset(p) as u128);
    let goal = (TARGET % N) as u128;
    let mut parent: FxMap<u128, (u128, u8, i64)> = FxMap::default();
    parent.insert(start, (start, 0, 0));
    let mut queue = VecDeque::from([start]);
    while let Some(code) = queue.pop_front() {
        if code & 7 == goal {
            let mut path = Vec::new();
            let mut cur = code;
            while cur != start {
                let (prev, letter, steps) = parent[&cur];
                path.push((letter, steps));
                cur = prev;
            }
            path.reverse();
            return Some(path);
        }
        if parent.len() > MAX_STATES {
            return None;
        }
        let off = |i: usize| (code >> (3 * i) & 7) as usize;
        let occ = (0..n).fold(b.walls, |m, i| m | masks[i][off(i)]);
        for (i, m) in masks.iter().enumerate() {
            let o = off(i) as i64;
            let others = occ & !m[o as usize];
            for dir in [-1i64, 1] {
                let mut t = o + dir;
                while (0..m.len() as i64).contains(&t) && m[t as usize] & others == 0 {
                    let next = code & !(7u128 << (3 * i)) | (t as u128) << (3 * i);
                    if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(next) {
                        e.insert((code, b'A' + i as u8, t - o));
                        queue.push_back(next);
                    }
                    t += dir;
                }
            }
        }
    }
    None
}

fn format(path: &[(u8, i64)]) -> String {
    path.iter()
        .map(|&(l, s)| format!("{}{:+}", l as char, s))
        .collect::<Vec<_>>()
        .join(" ")
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    shortest(&read(inst.metadata).ok()?).map(|p| format(&p))
}

/// Knobs: `min_moves` (1), `max_moves` (50): the fewest slides a solution needs; `min_cars`
/// (6), `max_cars` (12): vehicles besides the red car; `walls` (0..=2, default 0).
///
/// Limitation: boards are random placements filtered by their BFS optimum, and random boards are
/// easy (seeds 0..300 at the defaults: 255 need 1-4 moves, 41 need 5-9, 4 need 10-14), whereas
/// Reasoning Gym draws from a mined database spread over 1-50 moves. Harder puzzles cost time:
/// `min_moves` 10, 12, 15 took 0.2, 0.5, 1.0 s per puzzle (5 seeds each, release build); past
/// 5,000 boards the generator answers an error. Mining hard positions from each board's whole
/// state cluster was tried and dropped: ~30 s per 25-move puzzle.
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (mmin, mmax) = (cfg.int("min_moves", 1), cfg.int("max_moves", 50));
    let (cmin, cmax) = (cfg.int("min_cars", 6), cfg.int("max_cars", 12));
    let nwalls = cfg.int("walls", 0);
    if !(1 <= mmin
        && mmin <= mmax
        && 0 <= cmin
        && cmin <= cmax
        && cmax <= 15
        && (0..=2).contains(&nwalls))
    {
        return Err(Error::Generate(
            "rush_hour needs 1 <= min_moves <= max_moves, 0 <= min_cars <= max_cars <= 15, 0 <= walls <= 2".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    for _ in 0..5_000 {
        // Cell contents while placing: 0 empty, 1 the red car, 2.. other vehicles, WALL.
        let mut cells = [0u8; N * N];
        let red = 2 * N + rng.range(0, 3) as usize;
        cells[red] = 1;
        cells[red + 1] = 1;
        let cars = rng.range(cmin, cmax) as u8;
        let mut placed = 0u8;
        for _ in 0..cars as u32 * 20 {
            if placed == cars {
                break;
            }
            let len = if rng.below(4) == 0 { 3 } else { 2 };
            let horizontal = rng.below(2) == 0;
            let (r, c) = if horizontal {
                (
                    rng.range(0, 5) as usize,
                    rng.range(0, (N - len) as i64) as usize,
                )
            } else {
                (
                    rng.range(0, (N - len) as i64) as usize,
                    rng.range(0, 5) as usize,
                )
            };
            // A horizontal car on the exit row would block the exit for good.
            if horizontal && r == 2 {
                continue;
            }
            let stride = if horizontal { 1 } else { N };
            let at: Vec<usize> = (0..len).map(|k| r * N + c + k * stride).collect();
            if at.iter().all(|&i| cells[i] == 0) {
                placed += 1;
                for &i in &at {
                    cells[i] = placed + 1;
                }
            }
        }
        for _ in 0..nwalls {
            let i = rng.below((N * N) as u64) as usize;
            if cells[i] == 0 && !(2 * N..3 * N).contains(&i) {
                cells[i] = WALL;
            }
        }
        let config = label(&cells);
        let meta = json!({"board_config": config});
        let Ok(board) = read(&meta) else { continue };
        if board.solved() {
            continue;
        }
        let Some(path) = shortest(&board) else {
            continue;
        };
        if !(mmin as usize..=mmax as usize).contains(&path.len()) {
            continue;
        }
        let display: String = config
            .as_bytes()
            .chunks(N)
            .map(|row| {
                row.iter()
                    .map(|&c| if c == b'o' { '.' } else { c as char })
                    .collect::<String>()
                    + "\n"
            })
            .collect();
        let question = format!(
            "Slide the red car (AA) to the exit at the right end of its row.\nWrite moves as \
             'F+1 K+1 M-1 C+3 H+2 ...': a vehicle letter, then + or - and the number of cells; \
             + moves right or down, - moves left or up.\nWalls ('x') never move and nothing can \
             pass through them. Horizontal vehicles move only left and right, vertical vehicles \
             only up and down.\n\nBoard:\n{display}"
        );
        return Ok(Generated {
            question,
            answer: format(&path),
            metadata: json!({
                "source_dataset": "rush_hour",
                "source_index": cfg.seed,
                "board_config": config,
                "min_moves": path.len(),
                "difficulty": {"moves": [mmin, mmax]},
            }),
        });
    }
    Err(Error::Generate(format!(
        "no rush_hour board needing {mmin}..={mmax} moves found"
    )))
}

const WALL: u8 = u8::MAX;

/// The board as a config string: the red car is `A`, the other vehicles `B`, `C`, ... in reading
/// order of their first cell (so sorted labels are the display names), `o` empty, `x` walls.
fn label(cells: &[u8; N * N]) -> String {
    let mut name = [0u8; 256];
    name[1] = b'A';
    let mut next = b'B';
    for &c in cells.iter() {
        if c > 1 && c != WALL && name[c as usize] == 0 {
            name[c as usize] = next;
            next += 1;
        }
    }
    cells
        .iter()
        .map(|&c| match c {
            0 => 'o',
            WALL => 'x',
            _ => name[c as usize] as char,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulate_strictly() {
        // Red car at columns 0-1, a vertical truck C at column 3 rows 0-2, car B on row 0.
        let cfg = "BBoCoooooCooAAoCoooooooooooooooooooo";
        let m = json!({"board_config": cfg, "min_moves": 2});
        let o = super::super::Options::default();
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &o,
        };
        let r = |a: &str| verify(&inst, a).reason;
        assert_eq!(r("C+3 A+4"), "solved");
        assert_eq!(r("1. C+3\n2. A+2, A+2"), "solved");
        assert_eq!(r("A+4"), "illegal_move");
        assert_eq!(r("C+4 A+4"), "illegal_move");
        assert_eq!(r("Z+1"), "illegal_move");
        assert_eq!(r("C+3 A+3"), "not_solved");
        assert_eq!(r("CCC+3, AA+4"), "solved");
        assert_eq!(r("CA+3 A+4"), "unparseable");
        assert_eq!(r("move C down"), "unparseable");
        assert_eq!(solve(&inst).as_deref(), Some("C+3 A+4"));
        let g = generate(&GenConfig {
            seed: 3,
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
