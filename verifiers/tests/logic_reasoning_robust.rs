//! No input makes the reasoning-family verifiers panic, and the reward stays 0/1 by default.
//!
//! For every registered family of the reasoning group (`Group::Reasoning`): seeded generated
//! instances are verified against
//! every prefix of the gold answer, seeded byte/character mutations of it, hostile strings
//! (deep brackets, unicode, huge numbers) and hostile metadata (wrong types, missing fields,
//! oversized values). A generated instance's gold must verify as correct, and any mutation that
//! changes the parsed answer must not be judged correct unless it is still a valid solution,
//! which we do not assert; only "no panic, reward in {0, 1}" is.

use rlvr_verifiers::logic::{self, rng::Rng, GenConfig, Group};
use rlvr_verifiers::Outcome;
use serde_json::{json, Value};

/// The families under test, in registry order: the registry's reasoning group.
fn families() -> Vec<&'static str> {
    let names: Vec<&str> = logic::families()
        .iter()
        .filter(|f| f.group == Group::Reasoning)
        .map(|f| f.name)
        .collect();
    assert!(
        !names.is_empty(),
        "no family of the reasoning group is registered"
    );
    names
}

fn hostile_strings() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        "<answer></answer>",
        "<answer>",
        "\\boxed{",
        "(((((((((((((((((((((((((((((((((((((((((((((((((((((",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬¬P",
        "99999999999999999999999999999999999",
        "move(box_red, square[0.5, 0.5",
        "[{\"Agent[0.5, 0.5]\": \"move(box_, target_)\"}]",
        "[{\"Agent[99999.5, 0.5]\": \"move(box_red, square[1e308, -1])\"}]",
        "{'a': [1, {'b': (2, 3)}]}",
        "é ü 漢字 🙂 \u{202e} \0",
        "yes no yes",
        "P → → Q",
        "\\land \\lor \\foo",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("L".repeat(20_000));
    v.push("0 ".repeat(20_000));
    v.push("[".repeat(5000) + &"]".repeat(5000));
    v
}

fn check(task: &str, response: &str, meta: &Value, gt: Option<&Value>) {
    let v = logic::verify(task, response, meta, gt).expect("registered family");
    assert!(
        v.reward == 0.0 || v.reward == 1.0,
        "{task}: reward {} for {response:?}",
        v.reward
    );
    assert_eq!(v.reward == 1.0, v.verdict == Outcome::Correct, "{task}");
}

fn mutate(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let pool = [
        '0', '1', 'a', 'Z', ' ', ',', '[', ']', '"', '\'', '(', ')', '¬', '→', 'é', '\n',
    ];
    for _ in 0..1 + rng.below(3) {
        let k = rng.below(chars.len() as u64 + 1) as usize;
        match rng.below(3) {
            0 if k < chars.len() => {
                chars.remove(k);
            }
            1 if k < chars.len() => chars[k] = *rng.choose(&pool),
            _ => chars.insert(k, *rng.choose(&pool)),
        }
    }
    chars.into_iter().collect()
}

#[test]
fn no_panics_on_hostile_answers() {
    let mut rng = Rng::new(7);
    for task in families() {
        let fam = logic::family(task).expect("registered");
        for seed in 0..6 {
            let g = (fam.generate)(&GenConfig {
                seed,
                ..GenConfig::default()
            })
            .expect("generator works");
            let gt = Value::String(g.answer.clone());
            let v = logic::verify(
                task,
                &format!("<answer>{}</answer>", g.answer),
                &g.metadata,
                Some(&gt),
            )
            .expect("registered");
            assert_eq!(
                v.verdict,
                Outcome::Correct,
                "{task} seed {seed}: {}",
                v.reason
            );
            // Every prefix of the gold (on char boundaries), capped for long answers.
            let cuts: Vec<usize> = g.answer.char_indices().map(|(i, _)| i).take(400).collect();
            for i in cuts {
                check(
                    task,
                    &format!("<answer>{}</answer>", &g.answer[..i]),
                    &g.metadata,
                    Some(&gt),
                );
            }
            for _ in 0..150 {
                let m = mutate(&mut rng, &g.answer);
                check(
                    task,
                    &format!("<answer>{m}</answer>"),
                    &g.metadata,
                    Some(&gt),
                );
            }
            for s in hostile_strings() {
                check(task, &s, &g.metadata, Some(&gt));
                check(
                    task,
                    &format!("<answer>{s}</answer>"),
                    &g.metadata,
                    Some(&gt),
                );
            }
        }
    }
}

#[test]
fn no_panics_on_hostile_metadata() {
    let bad_values = [
        json!(null),
        json!(1),
        json!("x"),
        json!([]),
        json!({}),
        json!([[["not", ["not"]]]]),
        json!({"0.5_0.5": "box_red"}),
        json!(vec![json!(["telling-truth", 99]); 40]),
        json!(vec![json!("P ∧ ¬P"); 3]),
        json!(["at_least_true", -1]),
        json!({"input": [1], "output": "x"}),
        json!("+ + +\n+ * +\n+ + +"),
    ];
    let fields = [
        "names",
        "statements",
        "premises",
        "variables",
        "premise1",
        "conclusion",
        "attributes",
        "clues",
        "ask",
        "term_strings",
        "assignments",
        "final_gate",
        "test_example",
        "gamestr",
        "initial_state",
        "row_num",
        "column_num",
        "knight_knave_terms",
    ];
    for task in families() {
        let fam = logic::family(task).expect("registered");
        let g = (fam.generate)(&GenConfig::default()).expect("generator works");
        let answer = format!("<answer>{}</answer>", g.answer);
        for f in fields {
            for b in &bad_values {
                let mut m = g.metadata.clone();
                if let Some(obj) = m.as_object_mut() {
                    obj.insert(f.to_string(), b.clone());
                }
                for gt in [
                    None,
                    Some(&json!(null)),
                    Some(&json!(42)),
                    Some(&json!(g.answer)),
                ] {
                    check(task, &answer, &m, gt);
                }
            }
        }
        check(task, &answer, &json!(null), None);
        check(task, &answer, &json!([1, 2]), Some(&json!("1")));
    }
}

#[test]
fn zebra_contradictory_or_weak_clues_give_an_error() {
    // Eight attributes of seven values, a contradiction between the first and the last, and
    // otherwise no clues: the verdict is an error (no solution), reached in bounded time.
    let values: Vec<Value> = (0..8)
        .map(|a| json!({"name": format!("A{a}"), "values": (0..7).map(|v| format!("v{a}_{v}")).collect::<Vec<_>>()}))
        .collect();
    let m = json!({"attributes": values, "ask": {"attribute": 0, "house": 1},
                   "clues": [["same", [0, 0], [7, 0]], ["not_same", [0, 0], [7, 0]]]});
    let v = logic::verify("zebra_puzzles", "<answer>v0_0</answer>", &m, None).expect("registered");
    assert_eq!(v.verdict, Outcome::Error, "{}", v.reason);
    // No clues at all: thousands of solutions, so the asked value is not determined.
    let mut weak = m.clone();
    weak["clues"] = json!([]);
    let v =
        logic::verify("zebra_puzzles", "<answer>v0_0</answer>", &weak, None).expect("registered");
    assert_eq!(v.verdict, Outcome::Error, "{}", v.reason);
}
