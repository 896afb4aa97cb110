//! `game_of_life_halting`: will a Game of Life board (Moore neighbourhood, wrapping edges) be
//! empty at or before step N? The answer is `True` (it halts) or `False`.
//!
//! ## Accepts
//! `True`/`False` in any case, quoted, bold or followed by a full stop, or `Yes`/`No`, when it
//! matches the truth. The truth is simulated when the board can be rebuilt from
//! `metadata.placed_patterns` (every pattern a named oscillator, board at most 128 wide):
//! Reasoning Gym labels boards without simulating them, and neighbouring patterns can
//! interact. Otherwise (its `non-oscillator` patterns are not named) the label is used:
//! `ground_truth`, else `not metadata.should_oscillate`. Reasoning Gym's scorer accepts any
//! non-empty string; ours reads the answer.
//!
//! ## Rejects
//! The wrong truth value, both values (`True or False`, a hedge), a negated one (`Not True`),
//! anything that is not a truth value.
//!
//! ## Examples
//! A board of blinkers: `<answer>False</answer>` is correct, `<answer>True</answer>` and
//! `<answer>maybe</answer>` are not.

use super::rng::Rng;
use super::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};

pub static FAMILY: Family = Family {
    name: "game_of_life_halting",
    summary: "Decide whether a Game of Life board dies out",
    group: Group::Grid,
    verify,
    solve,
    generate,
};

/// Widest board simulated (one `u128` per row).
const MAX_WIDTH: usize = 128;
/// Tallest board and most steps simulated.
const MAX_HEIGHT: usize = 1024;
const MAX_STEPS: u64 = 10_000;

/// A pattern: name, oscillator difficulty (0 = dies out), rows (`#` alive).
struct Pattern {
    name: &'static str,
    difficulty: i64,
    rows: &'static [&'static str],
}

const fn pat(name: &'static str, difficulty: i64, rows: &'static [&'static str]) -> Pattern {
    Pattern {
        name,
        difficulty,
        rows,
    }
}

/// Oscillators by the names Reasoning Gym writes into `placed_patterns`, then patterns that die.
static PATTERNS: &[Pattern] = &[
    pat("blinker", 1, &["...", "###", "..."]),
    pat("toad", 1, &[".##.", "#...", "...#", ".##."]),
    pat("clock", 1, &["..#.", "#.#.", ".#.#", ".#.."]),
    pat("bipole", 1, &["...##", "..#.#", ".....", "#.#..", "##..."]),
    pat(
        "tripole",
        1,
        &["....##", "...#.#", "......", ".#.#..", "#.....", "##...."],
    ),
    pat(
        "caterer",
        2,
        &[
            ".###..", ".....#", "#....#", "....#.", ".##...", ".#....", ".#....", ".#....",
            "......",
        ],
    ),
    pat(
        "mold",
        2,
        &["...##.", "..#..#", "#..#.#", "....#.", "#.##..", ".#...."],
    ),
    pat(
        "pinwheel",
        2,
        &[
            "......##....",
            "......##....",
            "............",
            "....####....",
            "##.#....#...",
            "##.#..#.#...",
            "...#...##.##",
            "...#.#..#.##",
            "....####....",
            "............",
            "....##......",
            "....##......",
        ],
    ),
    pat(
        "pentadecathlon",
        3,
        &[
            "................",
            "................",
            "................",
            ".#..##....##..#.",
            "#...###..###...#",
            ".#..##....##..#.",
            "................",
            "................",
            "................",
        ],
    ),
    pat("non-oscillator", 0, &["#..", ".#.", "..#"]),
    pat("non-oscillator", 0, &["..#", ".#.", "#.."]),
    pat("non-oscillator", 0, &["#..", ".#.", "#.."]),
    pat("non-oscillator", 0, &["..#", ".#.", "..#"]),
    pat("non-oscillator", 0, &["#...", ".#..", "..#.", "...#"]),
    pat(
        "non-oscillator",
        0,
        &["#....", ".#...", "..#..", "...#.", "....#"],
    ),
    pat(
        "non-oscillator",
        0,
        &["#.....", ".#....", "..#...", "...#..", "....#.", ".....#"],
    ),
];

/// A torus board, one bit per cell.
struct Board {
    w: usize,
    rows: Vec<u128>,
}

impl Board {
    fn new(h: usize, w: usize) -> Board {
        Board {
            w,
            rows: vec![0; h],
        }
    }

    fn stamp(&mut self, p: &Pattern, i: usize, j: usize) -> Option<()> {
        for (dx, line) in p.rows.iter().enumerate() {
            for (dy, c) in line.bytes().enumerate() {
                if c == b'#' {
                    let (r, col) = (i.checked_add(dx)?, j.checked_add(dy)?);
                    if r >= self.rows.len() || col >= self.w {
                        return None;
                    }
                    self.rows[r] |= 1 << col;
                }
            }
        }
        Some(())
    }

    fn step(&self) -> Vec<u128> {
        let (h, w) = (self.rows.len(), self.w);
        let mask = if w == 128 {
            u128::MAX
        } else {
            (1u128 << w) - 1
        };
        let left = |x: u128| ((x << 1) | (x >> (w - 1))) & mask;
        let right = |x: u128| ((x >> 1) | (x << (w - 1))) & mask;
        (0..h)
            .map(|r| {
                let up = self.rows[(r + h - 1) % h];
                let mid = self.rows[r];
                let down = self.rows[(r + 1) % h];
                let (mut s0, mut s1, mut s2) = (0u128, 0u128, 0u128);
                for m in [
                    left(up),
                    up,
                    right(up),
                    left(mid),
                    right(mid),
                    left(down),
                    down,
                    right(down),
                ] {
                    let c0 = s0 & m;
                    s0 ^= m;
                    let c1 = s1 & c0;
                    s1 ^= c0;
                    s2 ^= c1;
                }
                s1 & !s2 & (s0 | mid)
            })
            .collect()
    }

    /// Whether the board is empty at some step `0..=steps`; a repeated non-empty state
    /// proves it never will be (states are compared by a fingerprint first).
    fn halts(mut self, steps: u64) -> bool {
        let fingerprint = |rows: &[u128]| {
            rows.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &r| {
                (h ^ (r as u64) ^ ((r >> 64) as u64).rotate_left(17)).wrapping_mul(0x100_0000_01b3)
            })
        };
        let mut seen: Vec<(u64, Vec<u128>)> = Vec::new();
        for _ in 0..=steps {
            if self.rows.iter().all(|&r| r == 0) {
                return true;
            }
            let f = fingerprint(&self.rows);
            if seen.iter().any(|(g, rows)| *g == f && *rows == self.rows) {
                return false;
            }
            let next = self.step();
            seen.push((f, std::mem::replace(&mut self.rows, next)));
        }
        false
    }
}

/// The simulated truth when the board can be rebuilt from named oscillators.
fn simulated(meta: &Value) -> Option<bool> {
    let h = usize::try_from(meta.get("grid_size_x")?.as_u64()?).ok()?;
    let w = usize::try_from(meta.get("grid_size_y")?.as_u64()?).ok()?;
    let steps = meta.get("simulation_steps")?.as_u64()?;
    if h == 0 || w < 2 || h > MAX_HEIGHT || w > MAX_WIDTH || steps > MAX_STEPS {
        return None;
    }
    let mut b = Board::new(h, w);
    for p in meta.get("placed_patterns")?.as_array()? {
        let name = p.get("name")?.as_str()?;
        let pos = p.get("position")?.as_array()?;
        let (i, j) = (
            pos.first()?.as_u64()? as usize,
            pos.get(1)?.as_u64()? as usize,
        );
        let pattern = PATTERNS
            .iter()
            .find(|q| q.name == name && q.difficulty > 0)?;
        b.stamp(pattern, i, j)?;
    }
    Some(b.halts(steps))
}

/// The stored label: `ground_truth`, else `not should_oscillate`.
fn label(inst: &Instance<'_>) -> Option<bool> {
    if let Some(gt) = inst.ground_truth {
        let s = gt.as_str().map(str::trim);
        if let Some(v) = gt.as_bool().or_else(|| s.and_then(parse_bool_word)) {
            return Some(v);
        }
    }
    inst.metadata.get("should_oscillate")?.as_bool().map(|o| !o)
}

fn parse_bool_word(w: &str) -> Option<bool> {
    match w.to_ascii_lowercase().as_str() {
        "true" | "yes" => Some(true),
        "false" | "no" => Some(false),
        _ => None,
    }
}

/// The truth value an answer gives. Short answers may be `yes`/`no`; longer ones must say
/// `true` or `false` (and only one of them).
fn read_answer(answer: &str) -> Result<bool, &'static str> {
    if answer.len() > 4096 {
        return Err("answer_too_long");
    }
    let words: Vec<&str> = answer
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let mut found: Option<bool> = None;
    for (k, w) in words.iter().enumerate() {
        let lw = w.to_ascii_lowercase();
        let v = match lw.as_str() {
            "true" | "false" => parse_bool_word(&lw),
            "yes" | "no" if words.len() <= 3 => parse_bool_word(&lw),
            _ => None,
        };
        if let Some(v) = v {
            if k > 0 && words[k - 1].eq_ignore_ascii_case("not") {
                return Err("unreadable: negated truth value");
            }
            if found.is_some_and(|f| f != v) {
                return Err("hedge: both True and False");
            }
            found = Some(v);
        }
    }
    found.ok_or("unreadable: expected True or False")
}

fn truth(inst: &Instance<'_>) -> Option<bool> {
    simulated(inst.metadata).or_else(|| label(inst))
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let Some(t) = truth(inst) else {
        return Verdict::error("bad_metadata: no simulable board and no label");
    };
    match read_answer(answer) {
        Ok(v) if v == t => Verdict::correct("right_truth_value", None),
        Ok(v) => Verdict::incorrect(
            format!(
                "answered {v}, the board {}",
                if t { "halts" } else { "does not halt" }
            ),
            None,
        ),
        Err(e) => Verdict::incorrect(e, None),
    }
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    truth(inst).map(|t| if t { "True" } else { "False" }.to_string())
}

/// Knobs: `grid_size_x`/`grid_size_y` (default 12, at most 128 wide), `difficulty` (1-3,
/// oscillator kind), `num_oscillators` (default 5), `max_simulation_steps` (default 20).
/// The label is proven by simulation; boards where patterns interact are redrawn.
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (h, w) = (cfg.int("grid_size_x", 12), cfg.int("grid_size_y", 12));
    let difficulty = cfg.int("difficulty", 1);
    let count = cfg.int("num_oscillators", 5);
    let steps = cfg.int("max_simulation_steps", 20);
    let min_side = [0, 7, 13, 25][difficulty.clamp(0, 3) as usize];
    if !(1..=3).contains(&difficulty)
        || h < min_side
        || w < min_side
        || h > MAX_HEIGHT as i64
        || w > MAX_WIDTH as i64
    {
        return Err(Error::Generate(format!(
            "difficulty 1-3 with a board of at least {min_side}x{min_side}, at most 128 wide"
        )));
    }
    if !(0..=1000).contains(&count) || !(1..=MAX_STEPS as i64).contains(&steps) {
        return Err(Error::Generate(
            "num_oscillators 0..1000, max_simulation_steps 1..10000".into(),
        ));
    }
    let (h, w) = (h as usize, w as usize);
    let mut rng = Rng::new(cfg.seed);
    for _ in 0..100 {
        let oscillate = rng.below(2) == 0;
        let pool: Vec<&Pattern> = PATTERNS
            .iter()
            .filter(|p| {
                if oscillate {
                    p.difficulty == difficulty
                } else {
                    p.difficulty == 0
                }
            })
            .collect();
        let mut board = Board::new(h, w);
        let mut taken = vec![false; h * w];
        let mut placed = Vec::new();
        for _ in 0..count {
            let p = *rng.choose(&pool);
            let (ph, pw) = (p.rows.len(), p.rows[0].len());
            if ph + 2 > h || pw + 2 > w {
                continue;
            }
            for _attempt in 0..1000 {
                let i = rng.range(1, (h - ph - 1) as i64) as usize;
                let j = rng.range(1, (w - pw - 1) as i64) as usize;
                let region = || {
                    (i - 1..i + ph + 1)
                        .flat_map(move |x| (j - 1..j + pw + 1).map(move |y| x * w + y))
                };
                if region().all(|k| !taken[k]) {
                    region().for_each(|k| taken[k] = true);
                    let _ = board.stamp(p, i, j);
                    placed.push(json!({"name": p.name, "position": [i, j]}));
                    break;
                }
            }
        }
        let rendered: Vec<String> = board
            .rows
            .iter()
            .map(|row| {
                (0..w)
                    .map(|c| if row >> c & 1 == 1 { "1" } else { "0" })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let halts = board.halts(steps as u64);
        if halts == oscillate {
            continue; // patterns interacted (or none fitted): the label would be wrong.
        }
        let question = format!(
            "Below is a Game of Life board (1 = alive, 0 = dead). Cells have eight neighbours and \
             the edges wrap around. Will every cell be dead at or before step {steps}? Reply \
             'True' if the board dies out by then and 'False' if it does not.\n\n{}",
            rendered.join("\n")
        );
        return Ok(Generated {
            question,
            answer: if halts { "True" } else { "False" }.to_string(),
            metadata: json!({
                "source_dataset": "game_of_life_halting",
                "source_index": cfg.seed,
                "grid_size_x": h,
                "grid_size_y": w,
                "placed_patterns": placed,
                "simulation_steps": steps,
                "should_oscillate": oscillate,
                "difficulty": {
                    "grid_size_x": h,
                    "grid_size_y": w,
                    "difficulty": difficulty,
                    "num_oscillators": count,
                    "max_simulation_steps": steps,
                },
            }),
        });
    }
    Err(Error::Generate(
        "could not place non-interacting patterns".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Options;

    fn meta(patterns: Value) -> Value {
        json!({"grid_size_x": 12, "grid_size_y": 12, "simulation_steps": 20,
               "placed_patterns": patterns, "should_oscillate": true})
    }

    #[test]
    fn simulation_and_labels() {
        let blinkers = meta(json!([{"name": "blinker", "position": [1, 1]},
                                   {"name": "toad", "position": [6, 6]}]));
        assert_eq!(simulated(&blinkers), Some(false));
        assert_eq!(simulated(&meta(json!([]))), Some(true));
        // Unnamed shapes fall back to the label.
        let unknown = meta(json!([{"name": "non-oscillator", "position": [1, 1]}]));
        assert_eq!(simulated(&unknown), None);
        let opts = Options::default();
        let gt = json!("True");
        let inst = Instance {
            metadata: &unknown,
            ground_truth: Some(&gt),
            options: &opts,
        };
        assert_eq!(truth(&inst), Some(true));
    }

    #[test]
    fn answers() {
        assert_eq!(read_answer("**False**."), Ok(false));
        assert_eq!(read_answer("'True'"), Ok(true));
        assert_eq!(read_answer("No"), Ok(false));
        assert!(read_answer("True or False").is_err());
        assert!(read_answer("no idea at all, sorry").is_err());
        assert!(read_answer("maybe").is_err());
        assert!(read_answer("Not True").is_err());
        assert_eq!(read_answer("It will not halt, so: False"), Ok(false));
    }

    #[test]
    fn a_diagonal_dies() {
        let mut b = Board::new(12, 12);
        let diag = PATTERNS
            .iter()
            .find(|p| p.rows.len() == 5 && p.difficulty == 0);
        b.stamp(diag.expect("5-long diagonal"), 2, 2);
        assert!(b.halts(20));
    }
}
