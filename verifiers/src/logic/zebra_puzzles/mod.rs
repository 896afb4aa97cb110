//! `zebra_puzzles`: who lives in house N of a zebra (Einstein) puzzle?
//!
//! Reasoning Gym's metadata carries no clues, so for its instances the stored name decides
//! (compared without case, punctuation or a short lead-in). Our generator writes the puzzle as
//! data (`attributes`, `clues`, `ask`); then the verifier solves the clues itself (all
//! solutions, up to a cap) and accepts the value every solution puts in the asked house, so the
//! stored answer is not trusted. Generated puzzles have exactly one solution: clues are added
//! until a complete search finds one, then every clue that can go without losing uniqueness
//! is dropped.
//!
//! ## Accepts
//! - `bob`, `Bob.`, `**Bob**`, `The answer is Bob`, `Name: Bob`, `House 1: Bob`,
//!   `Bob lives in house 1`, `The person in house 1 is Bob`, in a fence or not.
//!
//! ## Rejects
//! - another name; two names (`Bob or Alice`, a hedge); text that is not a name.
//!
//! ## Examples
//! Asked "Name of the person in house 1", gold `bob`: `Bob` is correct, `alice` and
//! `bob or carol` are not.

mod solver;

use crate::logic::rng::Rng;
use crate::logic::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};
use solver::{solutions, Clue, V};

pub static FAMILY: Family = Family {
    name: "zebra_puzzles",
    summary: "Name who lives in a given house of a zebra puzzle",
    group: Group::Reasoning,
    verify,
    solve,
    generate,
};

const MAX_HOUSES: usize = 7;
const MAX_ATTRS: usize = 8;
/// Solutions enumerated before an instance is declared ambiguous.
const SOLUTION_CAP: usize = 64;
/// Our own structured instance: values per attribute, clues, and the asked cell.
struct Structured {
    values: Vec<Vec<String>>,
    clues: Vec<Clue>,
    ask_attr: usize,
    ask_house: usize,
}

fn structured(m: &Value) -> Option<Structured> {
    let attrs = m.get("attributes")?.as_array()?;
    let values: Vec<Vec<String>> = attrs
        .iter()
        .map(|a| {
            a.get("values")?
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_lowercase))
                .collect()
        })
        .collect::<Option<_>>()?;
    let mm = values.len();
    let k = values.first()?.len();
    if mm == 0 || mm > MAX_ATTRS || k == 0 || k > MAX_HOUSES || values.iter().any(|v| v.len() != k)
    {
        return None;
    }
    let clues = m
        .get("clues")?
        .as_array()?
        .iter()
        .map(|c| Clue::from_json(c, k, mm))
        .collect::<Option<Vec<_>>>()?;
    let ask = m.get("ask")?;
    let ask_attr = ask.get("attribute")?.as_u64()? as usize;
    let ask_house = ask.get("house")?.as_u64()? as usize;
    (ask_attr < mm && (1..=k).contains(&ask_house)).then_some(Structured {
        values,
        clues,
        ask_attr,
        ask_house: ask_house - 1,
    })
}

/// The asked value, computed from the clues; `Err` when there is no or no single answer.
fn answer_from_clues(s: &Structured) -> Result<String, &'static str> {
    let k = s.values[0].len();
    let sols = solutions(k, s.values.len(), &s.clues, SOLUTION_CAP)
        .ok_or("search_budget_exceeded: the clues are too weak to solve in bounded time")?;
    let mut found: Option<usize> = None;
    for sol in &sols {
        let idx = sol[s.ask_attr]
            .iter()
            .position(|&h| h as usize == s.ask_house)
            .ok_or("internal")?;
        if found.is_some_and(|f| f != idx) {
            return Err("ambiguous_instance: the clues allow several answers");
        }
        found = Some(idx);
    }
    if sols.len() >= SOLUTION_CAP {
        return Err("ambiguous_instance: too many solutions");
    }
    found
        .map(|i| s.values[s.ask_attr][i].clone())
        .ok_or("unsolvable_instance")
}

/// Lower-case, drop punctuation and markup and a short lead-in.
fn normalize(s: &str) -> String {
    let t = crate::logic::lit::unfence(s).to_lowercase();
    let words: Vec<&str> = t
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let leads: [&[&str]; 5] = [
        &["the", "answer", "is"],
        &["answer"],
        &["name"],
        &["the", "name", "is"],
        &["final", "answer"],
    ];
    let mut w: &[&str] = &words;
    // `House 1: Bob`.
    if w.len() > 2 && w[0] == "house" && w[1].bytes().all(|b| b.is_ascii_digit()) {
        w = &w[2..];
    }
    // `Bob lives in house 1`, `The person in house 1 is Bob`.
    if w.len() == 5 && w[1..4] == ["lives", "in", "house"] {
        w = &w[..1];
    }
    if let Some(i) = w.iter().position(|x| *x == "is") {
        if i + 2 == w.len() && w[..i].contains(&"house") {
            w = &w[i + 1..];
        }
    }
    for l in leads {
        if w.len() > l.len() && w[..l.len()] == *l {
            w = &w[l.len()..];
            break;
        }
    }
    w.join(" ")
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let want = match structured(inst.metadata) {
        Some(s) => match answer_from_clues(&s) {
            Ok(v) => v,
            Err(e) => return Verdict::error(e),
        },
        None => match inst.ground_truth.and_then(Value::as_str) {
            Some(g) => g.to_string(),
            None => return Verdict::error("invalid instance: no clues in metadata and no answer"),
        },
    };
    let got = normalize(answer);
    if got.is_empty() {
        return Verdict::incorrect("no_name", None);
    }
    if got == normalize(&want) {
        Verdict::correct("name_matches", None)
    } else {
        Verdict::incorrect("wrong_name", None)
    }
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    match structured(inst.metadata) {
        Some(s) => answer_from_clues(&s).ok(),
        None => inst.ground_truth?.as_str().map(str::to_string),
    }
}

const ATTRS: &[(&str, &[&str])] = &[
    (
        "Name",
        &["alice", "bob", "carol", "dave", "erin", "frank", "grace"],
    ),
    (
        "Drink",
        &["tea", "coffee", "milk", "water", "juice", "cocoa", "soda"],
    ),
    (
        "Pet",
        &[
            "cat", "dog", "parrot", "rabbit", "turtle", "hamster", "goldfish",
        ],
    ),
    (
        "Colour",
        &["red", "green", "blue", "yellow", "white", "black", "purple"],
    ),
    (
        "Sport",
        &[
            "tennis", "golf", "rugby", "chess", "rowing", "karate", "hockey",
        ],
    ),
    (
        "Food",
        &["pizza", "sushi", "curry", "tacos", "salad", "ramen", "stew"],
    ),
    (
        "Car",
        &["ford", "tesla", "volvo", "fiat", "mazda", "honda", "skoda"],
    ),
];

fn text(c: &Clue, vals: &[Vec<String>]) -> String {
    let n = |v: V| format!("the {} person", vals[v.0][v.1]);
    let name = |v: V| if v.0 == 0 { cap(&vals[0][v.1]) } else { n(v) };
    match *c {
        Clue::At(v, h) => format!("{} lives in house {}.", name(v), h + 1),
        Clue::NotAt(v, h) => format!("{} does not live in house {}.", name(v), h + 1),
        Clue::Same(a, b) => format!("{} is {}.", name(a), n(b)),
        Clue::NotSame(a, b) => format!("{} is not {}.", name(a), n(b)),
        Clue::LeftOf(a, b) => format!("{} lives somewhere left of {}.", name(a), n(b)),
        Clue::DirectlyLeft(a, b) => format!("{} lives directly left of {}.", name(a), n(b)),
        Clue::NextTo(a, b) => format!("{} and {} are neighbours.", name(a), n(b)),
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn random_clue(rng: &mut Rng, sol: &[Vec<u8>], k: usize, m: usize) -> Clue {
    let house = |v: V| sol[v.0][v.1] as usize;
    let pick = |rng: &mut Rng| (rng.below(m as u64) as usize, rng.below(k as u64) as usize);
    let a = pick(rng);
    // A second value of another attribute (or the same one for position clues).
    let mut b = pick(rng);
    while b.0 == a.0 && m > 1 {
        b = pick(rng);
    }
    let (ha, hb) = (house(a), house(b));
    match rng.below(8) {
        0 | 1 => Clue::At(a, ha),
        2 => Clue::NotAt(a, (ha + 1 + rng.below(k as u64 - 1) as usize) % k),
        3 if ha == hb => Clue::Same(a, b),
        3 | 4 if ha != hb => Clue::NotSame(a, b),
        5 if ha < hb => Clue::LeftOf(a, b),
        5 if hb < ha => Clue::LeftOf(b, a),
        6 if ha + 1 == hb => Clue::DirectlyLeft(a, b),
        6 if hb + 1 == ha => Clue::DirectlyLeft(b, a),
        7 if ha.abs_diff(hb) == 1 => Clue::NextTo(a, b),
        _ => {
            // Same-house clue through the solution: always true.
            let other = (
                b.0,
                sol[b.0].iter().position(|&h| h as usize == ha).unwrap_or(0),
            );
            Clue::Same(a, other)
        }
    }
}

/// Knobs: `num_people` (houses, 2..=7, default 4), `num_characteristics` (attributes including
/// the name, 2..=7, default 4).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let k = cfg.int("num_people", 4);
    let m = cfg.int("num_characteristics", 4);
    if !(2..=7).contains(&k) || !(2..=7).contains(&m) {
        return Err(Error::Generate(
            "zebra_puzzles: num_people and num_characteristics 2..=7".into(),
        ));
    }
    let (k, m) = (k as usize, m as usize);
    let mut rng = Rng::new(cfg.seed);
    let mut order: Vec<usize> = (1..ATTRS.len()).collect();
    rng.shuffle(&mut order);
    let chosen: Vec<usize> = std::iter::once(0)
        .chain(order.into_iter().take(m - 1))
        .collect();
    let values: Vec<Vec<String>> = chosen
        .iter()
        .map(|&a| {
            let mut v: Vec<String> = ATTRS[a].1.iter().map(|s| s.to_string()).collect();
            rng.shuffle(&mut v);
            v.truncate(k);
            v
        })
        .collect();
    let sol: Vec<Vec<u8>> = (0..m)
        .map(|_| {
            let mut p: Vec<u8> = (0..k as u8).collect();
            rng.shuffle(&mut p);
            p
        })
        .collect();
    let mut clues: Vec<Clue> = Vec::new();
    loop {
        let n = solutions(k, m, &clues, 2).map_or(2, |s| s.len());
        if n == 1 {
            break;
        }
        if clues.len() > 200 {
            return Err(Error::Generate(
                "zebra_puzzles: clues do not converge".into(),
            ));
        }
        let c = random_clue(&mut rng, &sol, k, m);
        if !clues.contains(&c) {
            clues.push(c);
        }
    }
    // Drop every clue that is not needed for uniqueness.
    let mut i = 0;
    while i < clues.len() {
        let c = clues.remove(i);
        if solutions(k, m, &clues, 2).map_or(2, |s| s.len()) != 1 {
            clues.insert(i, c);
            i += 1;
        }
    }
    rng.shuffle(&mut clues);
    let house = rng.below(k as u64) as usize;
    let who = sol[0]
        .iter()
        .position(|&h| h as usize == house)
        .unwrap_or(0);
    let answer = values[0][who].clone();
    let mut q = format!(
        "There are {k} houses in a row, numbered 1 (left) to {k} (right). Each house holds one person, \
         and no two people share a value of any attribute:\n"
    );
    for (a, &ai) in chosen.iter().enumerate() {
        q.push_str(&format!(" - {}: {}\n", ATTRS[ai].0, values[a].join(", ")));
    }
    q.push_str("\nClues:\n");
    for (i, c) in clues.iter().enumerate() {
        q.push_str(&format!("{}. {}\n", i + 1, text(c, &values)));
    }
    q.push_str(&format!(
        "\nWho lives in house {}? Give only the person's name.",
        house + 1
    ));
    let attributes: Vec<Value> = chosen
        .iter()
        .zip(&values)
        .map(|(&ai, v)| json!({"name": ATTRS[ai].0, "values": v}))
        .collect();
    Ok(Generated {
        question: q,
        answer,
        metadata: json!({
            "source_dataset": "zebra_puzzles",
            "difficulty": {"num_people": k, "num_characteristics": m},
            "attributes": attributes,
            "clues": clues.iter().map(|c| c.to_json()).collect::<Vec<_>>(),
            "ask": {"attribute": 0, "house": house + 1},
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Options;

    #[test]
    fn stored_name_and_clue_checked() {
        let o = Options::default();
        let m = json!({"difficulty": {"num_people": 4}});
        let gt = json!("bob");
        let inst = Instance {
            metadata: &m,
            ground_truth: Some(&gt),
            options: &o,
        };
        assert_eq!(verify(&inst, "**Bob**.").reason, "name_matches");
        assert_eq!(verify(&inst, "The answer is Bob").reason, "name_matches");
        assert_eq!(verify(&inst, "bob or alice").reason, "wrong_name");
        assert_eq!(verify(&inst, "House 1: Bob").reason, "name_matches");
        assert_eq!(verify(&inst, "Bob lives in house 1").reason, "name_matches");
        assert_eq!(
            verify(&inst, "The person in House 1 is Bob.").reason,
            "name_matches"
        );
        assert_eq!(
            verify(&inst, "The person in House 1 is Alice.").reason,
            "wrong_name"
        );
        let g = generate(&GenConfig {
            seed: 3,
            ..GenConfig::default()
        })
        .unwrap();
        let wrong = json!("nobody");
        let inst = Instance {
            metadata: &g.metadata,
            ground_truth: Some(&wrong),
            options: &o,
        };
        // The clues decide, not the stored answer.
        assert_eq!(verify(&inst, &g.answer).reason, "name_matches");
        assert_eq!(verify(&inst, "nobody").reason, "wrong_name");
    }

    #[test]
    fn generated_puzzles_are_unique_at_every_size() {
        for (k, m) in [(2, 2), (3, 5), (5, 4), (6, 6), (7, 7)] {
            for seed in 0..3 {
                let mut cfg = GenConfig {
                    seed,
                    ..GenConfig::default()
                };
                cfg.difficulty.insert("num_people".into(), json!(k));
                cfg.difficulty
                    .insert("num_characteristics".into(), json!(m));
                let g = generate(&cfg).unwrap();
                let s = structured(&g.metadata).unwrap();
                let sols = solutions(k, m, &s.clues, 3).unwrap();
                assert_eq!(sols.len(), 1, "{k}x{m} seed {seed}");
                // Minimal: dropping any clue loses uniqueness.
                for i in 0..s.clues.len() {
                    let mut fewer = s.clues.clone();
                    fewer.remove(i);
                    assert!(
                        solutions(k, m, &fewer, 2).unwrap().len() > 1,
                        "{k}x{m} seed {seed} clue {i}"
                    );
                }
                assert_eq!(answer_from_clues(&s).unwrap(), g.answer);
            }
        }
    }
}
