//! `sokoban`: push every box onto a goal with a string of moves (`L`, `R`, `U`, `D`).
//!
//! The answer is simulated on the board from `metadata.gamestr`: a move into a wall, off the
//! board, or pushing a box into a wall or another box is illegal and rejects the answer (naming
//! the move), unlike Reasoning Gym, which silently skips it. The answer is correct when every
//! box stands on a goal after the last move; any legal solution counts, optimal or not.
//!
//! ## Accepts
//! - `LDURR`, `l d u r r`, `L, D, U.`, `["L","D"]`, words (`left up`), arrows (`←↑→↓`), a fence,
//!   a label (`Solution: LDURR`).
//!
//! ## Rejects
//! - an illegal move (`illegal_move`, with its index and why); boxes left off goals at the end;
//!   any other character; more than 10,000 moves.
//!
//! ## Examples
//! Board `+ + + + +` / `+ * @ X +` / `+ + + + +`: `R` solves it; `L` walks into a wall.

use super::{Family, GenConfig, Generated, Group, Instance};
use crate::logic::rng::Rng;
use crate::{Error, Verdict};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};

pub static FAMILY: Family = Family {
    name: "sokoban",
    summary: "Push every box onto a goal; illegal moves are rejected",
    group: Group::Reasoning,
    verify,
    solve,
    generate,
};

const MAX_MOVES: usize = 10_000;
const MAX_CELLS: usize = 4096;
/// States the bounded breadth-first solver may visit.
const SOLVER_STATES: usize = 200_000;

/// The board: walls and goals are fixed; boxes and the player move.
#[derive(Debug, Clone)]
struct Board {
    w: usize,
    h: usize,
    wall: Vec<bool>,
    goal: Vec<bool>,
    boxes: Vec<bool>,
    player: usize,
}

fn parse_board(s: &str) -> Option<Board> {
    let rows: Vec<Vec<char>> = s
        .lines()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<Vec<_>>())
        .filter(|r| !r.is_empty())
        .collect();
    let h = rows.len();
    let w = rows.iter().map(Vec::len).max()?;
    if h == 0 || w * h > MAX_CELLS {
        return None;
    }
    let mut b = Board {
        w,
        h,
        wall: vec![true; w * h],
        goal: vec![false; w * h],
        boxes: vec![false; w * h],
        player: usize::MAX,
    };
    for (y, row) in rows.iter().enumerate() {
        for (x, &c) in row.iter().enumerate() {
            let i = y * w + x;
            b.wall[i] = c == '+' || c == '#';
            b.goal[i] = matches!(c, 'X' | '$' | '%' | '.');
            b.boxes[i] = matches!(c, '@' | '$');
            if matches!(c, '*' | '%') {
                if b.player != usize::MAX {
                    return None;
                }
                b.player = i;
            }
            if !matches!(c, '+' | '#' | '-' | 'X' | '$' | '%' | '@' | '*' | '.') {
                return None;
            }
        }
    }
    let nb = b.boxes.iter().filter(|&&x| x).count();
    let ng = b.goal.iter().filter(|&&x| x).count();
    (b.player != usize::MAX && nb > 0 && nb <= ng).then_some(b)
}

impl Board {
    /// The neighbour of `i` in direction `d` (0 L, 1 R, 2 U, 3 D), if on the board.
    fn step(&self, i: usize, d: u8) -> Option<usize> {
        let (x, y) = (i % self.w, i / self.w);
        match d {
            0 if x > 0 => Some(i - 1),
            1 if x + 1 < self.w => Some(i + 1),
            2 if y > 0 => Some(i - self.w),
            3 if y + 1 < self.h => Some(i + self.w),
            _ => None,
        }
    }

    /// Apply one move; `Err` says why it is illegal.
    fn apply(&mut self, d: u8) -> Result<(), &'static str> {
        let t = self.step(self.player, d).ok_or("off_board")?;
        if self.wall[t] {
            return Err("into_wall");
        }
        if self.boxes[t] {
            let u = self.step(t, d).ok_or("box_off_board")?;
            if self.wall[u] {
                return Err("box_into_wall");
            }
            if self.boxes[u] {
                return Err("box_into_box");
            }
            self.boxes[t] = false;
            self.boxes[u] = true;
        }
        self.player = t;
        Ok(())
    }

    fn solved(&self) -> bool {
        self.boxes.iter().zip(&self.goal).all(|(&b, &g)| !b || g)
    }

    fn render(&self) -> String {
        let mut s = String::new();
        for y in 0..self.h {
            for x in 0..self.w {
                let i = y * self.w + x;
                let c = match (self.wall[i], self.boxes[i], self.goal[i], self.player == i) {
                    (true, ..) => '+',
                    (_, _, true, true) => '%',
                    (_, _, false, true) => '*',
                    (_, true, true, _) => '$',
                    (_, true, false, _) => '@',
                    (_, false, true, _) => 'X',
                    _ => '-',
                };
                s.push(c);
                s.push(' ');
            }
            s.push_str(" \n");
        }
        s.push('\n');
        s
    }
}

const LETTERS: [char; 4] = ['L', 'R', 'U', 'D'];

/// Read moves from an answer: letters, words or arrows, with separators ignored.
fn parse_moves(answer: &str) -> Result<Vec<u8>, String> {
    let mut text = super::lit::unfence(answer);
    // `Solution: LURD`.
    if let Some((head, rest)) = text.split_once(':') {
        if head.chars().all(|c| c.is_alphabetic() || c == ' ') {
            text = rest;
        }
    }
    let lower = text.to_lowercase();
    let mut out = Vec::new();
    for word in lower.split(|c: char| c.is_whitespace() || ",;.[]()\"'`->|/".contains(c)) {
        match word {
            "" => continue,
            "left" => out.push(0),
            "right" => out.push(1),
            "up" => out.push(2),
            "down" => out.push(3),
            _ => {
                for c in word.chars() {
                    out.push(match c {
                        'l' | '←' => 0,
                        'r' | '→' => 1,
                        'u' | '↑' => 2,
                        'd' | '↓' => 3,
                        _ => return Err(format!("unexpected character {c:?}")),
                    });
                }
            }
        }
        if out.len() > MAX_MOVES {
            return Err("too many moves".into());
        }
    }
    if out.is_empty() {
        return Err("no moves".into());
    }
    Ok(out)
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let Some(mut b) = inst
        .metadata
        .get("gamestr")
        .and_then(Value::as_str)
        .and_then(parse_board)
    else {
        return Verdict::error("invalid metadata: need a gamestr board with one player and boxes");
    };
    let moves = match parse_moves(answer) {
        Ok(m) => m,
        Err(why) => {
            return Verdict::incorrect("unreadable_moves", None).with_detail(json!({"why": why}))
        }
    };
    for (k, &d) in moves.iter().enumerate() {
        if let Err(why) = b.apply(d) {
            return Verdict::incorrect("illegal_move", None).with_detail(
                json!({"move": k + 1, "direction": LETTERS[d as usize].to_string(), "why": why}),
            );
        }
    }
    if b.solved() {
        Verdict::correct("all_boxes_on_goals", None).with_detail(json!({"moves": moves.len()}))
    } else {
        let left = b
            .boxes
            .iter()
            .zip(&b.goal)
            .filter(|(&x, &g)| x && !g)
            .count();
        Verdict::incorrect("boxes_off_goal", None).with_detail(json!({"boxes_off_goal": left}))
    }
}

/// Breadth-first search over (player, boxes) states, bounded by [`SOLVER_STATES`].
fn bfs(start: &Board) -> Option<String> {
    let key = |b: &Board| {
        let mut k: Vec<u16> = vec![b.player as u16];
        k.extend((0..b.boxes.len()).filter(|&i| b.boxes[i]).map(|i| i as u16));
        k
    };
    let mut seen: HashMap<Vec<u16>, (Vec<u16>, u8)> = HashMap::new();
    let k0 = key(start);
    seen.insert(k0.clone(), (Vec::new(), 4));
    let mut queue = VecDeque::from([(start.clone(), k0)]);
    while let Some((b, k)) = queue.pop_front() {
        if b.solved() {
            let mut path = Vec::new();
            let mut cur = k;
            while let Some((prev, d)) = seen.get(&cur) {
                if *d == 4 {
                    break;
                }
                path.push(LETTERS[*d as usize]);
                cur = prev.clone();
            }
            path.reverse();
            return Some(path.into_iter().collect());
        }
        for d in 0..4u8 {
            let mut n = b.clone();
            if n.apply(d).is_err() {
                continue;
            }
            let nk = key(&n);
            if seen.contains_key(&nk) {
                continue;
            }
            if seen.len() >= SOLVER_STATES {
                return None;
            }
            seen.insert(nk.clone(), (k.clone(), d));
            queue.push_back((n, nk));
        }
    }
    None
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let b = parse_board(inst.metadata.get("gamestr")?.as_str()?)?;
    if let Some(s) = bfs(&b) {
        return Some(s);
    }
    // Too large for the bounded search: fall back to the stored answer if it really solves it.
    let gt = inst.ground_truth?.as_str()?;
    (verify(inst, gt).reward == 1.0).then(|| gt.to_string())
}

/// Knobs: `min_w`/`max_w`, `min_h`/`max_h` (default 6..8, at most 20), `min_boxes`/`max_boxes`
/// (default 2..3), `steps` (reverse moves played from the solved state, default 60).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (w0, w1) = (cfg.int("min_w", 6), cfg.int("max_w", 8));
    let (h0, h1) = (cfg.int("min_h", 6), cfg.int("max_h", 8));
    let (b0, b1) = (cfg.int("min_boxes", 2), cfg.int("max_boxes", 3));
    let steps = cfg.int("steps", 60);
    if !(5 <= w0
        && w0 <= w1
        && w1 <= 20
        && 5 <= h0
        && h0 <= h1
        && h1 <= 20
        && 1 <= b0
        && b0 <= b1
        && b1 <= 10)
        || !(1..=1000).contains(&steps)
    {
        return Err(Error::Generate(
            "sokoban: sizes 5..=20, boxes 1..=10, steps 1..=1000".into(),
        ));
    }
    let mut rng = Rng::new(cfg.seed);
    for _ in 0..1000 {
        let (w, h) = (rng.range(w0, w1) as usize, rng.range(h0, h1) as usize);
        let mut b = Board {
            w,
            h,
            wall: vec![false; w * h],
            goal: vec![false; w * h],
            boxes: vec![false; w * h],
            player: 0,
        };
        for i in 0..w * h {
            let (x, y) = (i % w, i / w);
            b.wall[i] = x == 0 || y == 0 || x + 1 == w || y + 1 == h || rng.below(100) < 12;
        }
        let mut floor: Vec<usize> = (0..w * h).filter(|&i| !b.wall[i]).collect();
        let k = rng.range(b0, b1) as usize;
        if floor.len() < k + 4 {
            continue;
        }
        rng.shuffle(&mut floor);
        for &i in &floor[..k] {
            b.goal[i] = true;
            b.boxes[i] = true;
        }
        b.player = floor[k];
        // Play backwards: the player steps away and may pull the box behind it.
        let mut rev: Vec<u8> = Vec::new();
        for _ in 0..steps {
            let d = rng.below(4) as u8;
            let Some(t) = b.step(b.player, d) else {
                continue;
            };
            if b.wall[t] || b.boxes[t] {
                continue;
            }
            let back = b.step(b.player, d ^ 1);
            let pull = back.is_some_and(|p| b.boxes[p]) && rng.below(100) < 70;
            if let (true, Some(p)) = (pull, back) {
                b.boxes[p] = false;
                b.boxes[b.player] = true;
            }
            b.player = t;
            rev.push(d);
        }
        let off = (0..w * h).filter(|&i| b.boxes[i] && !b.goal[i]).count();
        if off < k.div_ceil(2) {
            continue;
        }
        // Forward: undo the reverse moves in reverse order, each in the opposite direction.
        let answer: String = rev
            .iter()
            .rev()
            .map(|&d| LETTERS[(d ^ 1) as usize])
            .collect();
        let gamestr = b.render();
        let mut check = b.clone();
        if answer.bytes().any(|c| {
            let d = LETTERS.iter().position(|&l| l as u8 == c).unwrap_or(0) as u8;
            check.apply(d).is_err()
        }) || !check.solved()
        {
            continue;
        }
        let question = format!(
            "Solve this Sokoban puzzle: push every box onto a goal.\n\
             Legend: * player, % player on a goal, @ box, $ box on a goal, X goal, + wall, - floor.\n\
             Answer with the player's moves as one string of L, R, U and D (for example LLUR).\n\n{gamestr}"
        );
        return Ok(Generated {
            question,
            answer,
            metadata: json!({
                "source_dataset": "sokoban",
                "gamestr": gamestr,
                "width": w,
                "height": h,
                "difficulty": {"width": [w0, w1], "height": [h0, h1], "boxes": [b0, b1], "steps": steps},
            }),
        });
    }
    Err(Error::Generate("sokoban: no puzzle found".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Options;

    #[test]
    fn simulates_and_rejects_illegal_moves() {
        let m = json!({"gamestr": "+ + + + + +  \n+ * @ - X +  \n+ + + + + +  \n\n"});
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
        assert_eq!(v("RR"), "all_boxes_on_goals");
        assert_eq!(v("r, r"), "all_boxes_on_goals");
        assert_eq!(v("right right"), "all_boxes_on_goals");
        assert_eq!(v("Solution: RR"), "all_boxes_on_goals");
        assert_eq!(v("RR."), "all_boxes_on_goals");
        assert_eq!(v("R"), "boxes_off_goal");
        assert_eq!(v("LRR"), "illegal_move");
        assert_eq!(v("RRR"), "illegal_move");
        assert_eq!(v("RRx"), "unreadable_moves");
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &o,
        };
        assert_eq!(solve(&inst).as_deref(), Some("RR"));
    }
}
