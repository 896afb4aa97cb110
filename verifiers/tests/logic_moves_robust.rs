//! Robustness of the arithmetic and move-puzzle families (every registered family of the
//! `Group::Moves` group):
//! - no panic and bounded time on random, mutated, huge and deeply nested answers;
//! - random garbage is never judged correct;
//! - partial credit is opt-in and follows Reasoning Gym's scale.
//!
//! Their generator output is pinned with every other family's in `logic_generator_snapshots.rs`.

use rlvr_verifiers::logic::{self, rng::Rng, GenConfig, Group};
use rlvr_verifiers::Outcome;
use serde_json::Value;
use std::time::{Duration, Instant};

/// The families under test, in registry order: the registry's arithmetic and move group.
fn families() -> Vec<&'static str> {
    let names: Vec<&str> = logic::families()
        .iter()
        .filter(|f| f.group == Group::Moves)
        .map(|f| f.name)
        .collect();
    assert!(
        !names.is_empty(),
        "no family of the moves group is registered"
    );
    names
}

/// Characters the answers of these families are made of, plus troublemakers.
const ALPHABET: &[&str] = &[
    "0",
    "1",
    "7",
    "24",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    " ",
    ",",
    ";",
    "\n",
    "=",
    ".",
    "->",
    "→",
    "×",
    "÷",
    "−",
    "A",
    "B",
    "w",
    "x",
    "fill",
    "pour",
    "Move disk",
    "Peg",
    "right",
    "up",
    "No",
    "\\frac{",
    "\\times",
    "\"",
    "'",
    "```",
    "é",
    "\u{0}",
    "9999999999999999999999",
];

fn instance(task: &str, seed: u64) -> logic::Generated {
    let fam = logic::family(task).expect("registered");
    (fam.generate)(&GenConfig {
        seed,
        ..GenConfig::default()
    })
    .expect("default knobs generate")
}

fn check(task: &str, g: &logic::Generated, response: &str) -> Outcome {
    let gt = Value::String(g.answer.clone());
    let t = Instant::now();
    let v = logic::verify(task, response, &g.metadata, Some(&gt)).expect("registered");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "{task}: {:?} took {:?}",
        &response[..response.len().min(80)],
        t.elapsed()
    );
    v.verdict
}

#[test]
fn random_and_mutated_answers_never_panic() {
    let mut rng = Rng::new(7);
    for task in families() {
        let g = instance(task, 11);
        for _ in 0..300 {
            let n = rng.range(0, 30) as usize;
            let s: String = (0..n).map(|_| *rng.choose(ALPHABET)).collect();
            let verdict = check(task, &g, &format!("<answer>{s}</answer>"));
            assert_ne!(verdict, Outcome::Error, "{task}: {s:?}");
        }
        // Single-character edits of the gold answer.
        let chars: Vec<char> = g.answer.chars().collect();
        for _ in 0..200 {
            let mut c = chars.clone();
            let i = rng.below(c.len().max(1) as u64) as usize;
            let last = c.len().saturating_sub(1);
            match rng.below(3) {
                0 if !c.is_empty() => {
                    c.remove(i.min(last));
                }
                1 => c.insert(i.min(c.len()), *rng.choose(&['1', 'A', '-', ' ', ',', '('])),
                _ if !c.is_empty() => c[i.min(last)] = *rng.choose(&['0', '9', 'Z', '+', '/']),
                _ => {}
            }
            let s: String = c.into_iter().collect();
            check(task, &g, &format!("<answer>{s}</answer>"));
        }
        // Huge and deeply nested answers stay bounded.
        let big = format!("<answer>{}</answer>", "(".repeat(100_000));
        check(task, &g, &big);
        let long = format!("<answer>{}</answer>", "A+1 ".repeat(50_000));
        check(task, &g, &long);
    }
}

#[test]
fn garbage_is_never_correct() {
    let mut rng = Rng::new(99);
    for task in families() {
        let g = instance(task, 5);
        for junk in [
            "",
            "yes",
            "42",
            "[]",
            "{}",
            "null",
            "A=1",
            "right",
            "No solution",
        ] {
            let v = check(task, &g, &format!("<answer>{junk}</answer>"));
            assert_ne!(v, Outcome::Correct, "{task}: {junk:?}");
        }
        for _ in 0..200 {
            let n = rng.range(1, 8) as usize;
            let s: String = (0..n).map(|_| *rng.choose(ALPHABET)).collect();
            let v = check(task, &g, &format!("<answer>{s}</answer>"));
            assert_ne!(v, Outcome::Correct, "{task}: {s:?}");
        }
    }
}

#[test]
fn partial_credit_is_opt_in_and_follows_reasoning_gym_scale() {
    use rlvr_verifiers::logic::Options;
    let rg = Options {
        partial_credit: true,
        ..Options::default()
    };
    let plain = Options::default();
    let reward = |task: &str, g: &logic::Generated, resp: &str, o: &Options| {
        let gt = Value::String(g.answer.clone());
        let v = logic::verify_with(
            task,
            &format!("<answer>{resp}</answer>"),
            &g.metadata,
            Some(&gt),
            o,
        )
        .expect("registered");
        (v.verdict, v.reward)
    };
    let cd = instance("countdown", 1);
    let wrong = format!("{} + 1000", cd.answer);
    assert_eq!(
        reward("countdown", &cd, &wrong, &plain),
        (Outcome::Incorrect, 0.0)
    );
    assert_eq!(reward("countdown", &cd, &wrong, &rg).1, 0.05); // readable, wrong numbers
    assert_eq!(reward("countdown", &cd, "eval(1)", &rg).1, 0.01); // unreadable
    let hanoi = instance("tower_of_hanoi", 2);
    let moves: Vec<&str> = hanoi.answer.lines().collect();
    let unfinished = moves[..moves.len() - 1].join("\n");
    assert_eq!(reward("tower_of_hanoi", &hanoi, &unfinished, &plain).1, 0.0);
    assert_eq!(
        reward("tower_of_hanoi", &hanoi, &unfinished, &rg),
        (Outcome::Incorrect, 0.05)
    );
    assert_eq!(
        reward("tower_of_hanoi", &hanoi, &hanoi.answer, &rg),
        (Outcome::Correct, 1.0)
    );
    let sp = (0..50)
        .map(|s| instance("shortest_path", s))
        .find(|g| g.answer != "infeasible")
        .expect("a feasible grid");
    let first = sp.answer.split(' ').next().unwrap_or("");
    let back = match first {
        "right" => "left",
        "left" => "right",
        "up" => "down",
        _ => "up",
    };
    let detour = format!("{first} {back} {}", sp.answer);
    assert_eq!(
        reward("shortest_path", &sp, &detour, &plain),
        (Outcome::Incorrect, 0.0)
    );
    assert_eq!(
        reward("shortest_path", &sp, &detour, &rg),
        (Outcome::Incorrect, 0.5)
    );
}
