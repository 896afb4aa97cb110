//! `knights_knaves`: decide who always tells the truth (a knight) and who always lies (a knave).
//!
//! The verifier reads the statements from the metadata and accepts any assignment under which
//! every inhabitant's statement is true exactly when the speaker is a knight; it never compares
//! with the stored solution. Generated puzzles have exactly one consistent assignment (counted by
//! brute force over all 2^n assignments).
//!
//! ## Accepts
//! - `Zoey is a knight, and Oliver is a knave.` in any order, case, punctuation or layout
//!   (`Zoey: knight` lines, `{"Zoey": "knave"}`, `Zoey and Oliver are knights`, numbered lines);
//! - the puzzle's own role words (hero/villain, saint/sinner, ...), knight/knave and
//!   truth-teller/liar; short explanations (`A's claim that B is a knave holds, so A is a
//!   knight`: a role goes to the names of its own clause).
//!
//! ## Rejects
//! - an assignment that contradicts a statement (the detail names the speaker);
//! - a missing inhabitant, or one given both roles (a hedge).
//!
//! ## Examples
//! Statements `A: "B is a knave"`, `B: "A and B are both knights"`: the only consistent answer is
//! `A is a knight, and B is a knave`; `A is a knave, B is a knight` is rejected (B's statement).

mod statement;

use crate::logic::rng::Rng;
use crate::logic::{Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};
use statement::{parse_stmt, sample, S};

pub static FAMILY: Family = Family {
    name: "knights_knaves",
    summary: "Decide who is a knight (truth-teller) or a knave (liar)",
    group: Group::Reasoning,
    verify,
    solve,
    generate,
};

/// Most inhabitants an instance may have (the solver enumerates 2^n assignments).
const MAX_PEOPLE: usize = 16;
/// The instance: names, statements (one per person) and the role words.
struct Puzzle {
    names: Vec<String>,
    stmts: Vec<S>,
    knight: String,
    knave: String,
}

fn puzzle(m: &Value) -> Option<Puzzle> {
    let names: Vec<String> = m
        .get("names")?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<_>>()?;
    let n = names.len();
    if n == 0 || n > MAX_PEOPLE {
        return None;
    }
    let stmts = m.get("statements")?.as_array()?;
    if stmts.len() != n {
        return None;
    }
    let stmts = stmts
        .iter()
        .map(|s| parse_stmt(s, n, 0))
        .collect::<Option<_>>()?;
    let terms = m.get("knight_knave_terms");
    let term = |k: &str, d: &str| {
        terms
            .and_then(|t| t.get(k))
            .and_then(Value::as_str)
            .unwrap_or(d)
            .to_lowercase()
    };
    Some(Puzzle {
        names,
        stmts,
        knight: term("knight", "knight"),
        knave: term("knave", "knave"),
    })
}

impl Puzzle {
    fn consistent(&self, a: u32) -> Option<usize> {
        (0..self.stmts.len()).find(|&i| (a >> i & 1 == 1) != self.stmts[i].eval(a))
    }

    fn solutions(&self) -> Vec<u32> {
        (0..1u32 << self.names.len())
            .filter(|&a| self.consistent(a).is_none())
            .collect()
    }

    fn render(&self, a: u32) -> String {
        let parts: Vec<String> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, nm)| {
                let role = if a >> i & 1 == 1 {
                    &self.knight
                } else {
                    &self.knave
                };
                format!("{nm} is {} {role}", article(role))
            })
            .collect();
        match parts.len() {
            1 => format!("{}.", parts[0]),
            k => format!("{}, and {}.", parts[..k - 1].join(", "), parts[k - 1]),
        }
    }
}

fn article(w: &str) -> &'static str {
    if w.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Read `name -> is knight` from free text. `Err` names the problem.
fn read_assignment(p: &Puzzle, text: &str) -> Result<u32, String> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let names: Vec<String> = p.names.iter().map(|n| n.to_lowercase()).collect();
    let role = |w: &str| -> Option<bool> {
        let stem =
            |r: &str| w == r || w.strip_suffix('s') == Some(r) || w.strip_suffix("es") == Some(r);
        // The puzzle's own words, the classic pair, and plain truth-teller/liar.
        if stem(&p.knight) || stem("knight") || stem("truth-teller") || stem("truthteller") {
            Some(true)
        } else if stem(&p.knave) || stem("knave") || stem("liar") {
            Some(false)
        } else {
            None
        }
    };
    let mut given: Vec<Option<bool>> = vec![None; names.len()];
    // Names waiting for a role ("A and B are knights"), and the names the last role went to
    // (so "A is a knight or a knave" gives A both roles: a hedge).
    let mut pending: Vec<usize> = Vec::new();
    let mut last: Vec<usize> = Vec::new();
    // A word other than these between two names, or between a role and a later bare role,
    // starts a new clause: "A's claim that B is a knave" assigns only B.
    const GLUE: &[&str] = &[
        "and",
        "both",
        "is",
        "are",
        "a",
        "an",
        "the",
        "also",
        "as",
        "well",
        "was",
        "were",
        "be",
        "must",
        "definitely",
        "clearly",
        "or",
        "either",
        "neither",
        "nor",
    ];
    let mut broken = false;
    let mut negate = false;
    for w in words {
        if let Some(i) = names.iter().position(|n| n == w) {
            if pending.is_empty() || broken {
                pending.clear();
                negate = false;
            }
            pending.push(i);
            broken = false;
        } else if let Some(r) = role(w) {
            let r = r != negate;
            if !pending.is_empty() {
                last = std::mem::take(&mut pending);
            } else if broken {
                last.clear();
            }
            for &i in &last {
                if given[i].is_some_and(|g| g != r) {
                    return Err(format!("{} is given both roles", p.names[i]));
                }
                given[i] = Some(r);
            }
            negate = false;
            broken = false;
        } else if w == "not" || w == "isn" || w == "never" {
            negate = true;
        } else if !GLUE.contains(&w) {
            broken = true;
        }
    }
    let mut a = 0u32;
    for (i, g) in given.iter().enumerate() {
        match g {
            Some(true) => a |= 1 << i,
            Some(false) => {}
            None => return Err(format!("no role given for {}", p.names[i])),
        }
    }
    Ok(a)
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let Some(p) = puzzle(inst.metadata) else {
        return Verdict::error("invalid metadata: need names, statements (one per name)");
    };
    let a = match read_assignment(&p, answer) {
        Ok(a) => a,
        Err(why) => {
            return Verdict::incorrect("unreadable_assignment", None)
                .with_detail(json!({"why": why}))
        }
    };
    match p.consistent(a) {
        None => Verdict::correct("consistent_assignment", None),
        Some(i) => {
            let mut v = Verdict::incorrect("statement_contradicted", None)
                .with_detail(json!({"speaker": p.names[i]}));
            if inst.options.partial_credit {
                // Reasoning Gym's rule: 0.3 + 0.7 * share of people matching the solution.
                if let Some(&s) = p.solutions().first() {
                    let n = p.names.len();
                    let m = (0..n).filter(|&k| (a ^ s) >> k & 1 == 0).count();
                    if m > 0 {
                        v.reward = 0.3 + 0.7 * m as f64 / n as f64;
                    }
                }
            }
            v
        }
    }
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let p = puzzle(inst.metadata)?;
    p.solutions().first().map(|&a| p.render(a))
}

const NAMES: &[&str] = &[
    "Zoey", "Oliver", "Mia", "Elias", "Nora", "Kai", "Iris", "Felix", "Ruby", "Hugo", "Lena",
    "Omar", "Tess", "Jonah", "Priya", "Dmitri", "Ada", "Milo", "Yara", "Theo",
];
const TERMS: &[(&str, &str)] = &[
    ("knight", "knave"),
    ("truth-teller", "liar"),
    ("sage", "trickster"),
    ("angel", "demon"),
    ("saint", "sinner"),
];

/// The statement in words; compound parts are bracketed so the reading is unambiguous.
fn say(s: &S, p: &Puzzle) -> String {
    let who = |i: &usize, r: &str| format!("{} is {} {r}", p.names[*i], article(r));
    let wrap = |x: &S| {
        let t = say(x, p);
        if matches!(x, S::Truth(_) | S::Lie(_)) {
            t
        } else {
            format!("({t})")
        }
    };
    match s {
        S::Truth(i) => who(i, &p.knight),
        S::Lie(i) => who(i, &p.knave),
        S::Not(x) => format!("it is false that {}", wrap(x)),
        S::And(xs) => xs.iter().map(wrap).collect::<Vec<_>>().join(" and "),
        S::Or(xs) => xs.iter().map(wrap).collect::<Vec<_>>().join(" or "),
        S::Imp(x, y) => format!("if {} then {}", wrap(x), wrap(y)),
        S::Iff(x, y) => format!("{} exactly when {}", wrap(x), wrap(y)),
    }
}

/// Knobs: `n_people` (1..=8, default 2), `depth_constraint` (1..=4, default 2),
/// `width_constraint` (2..=4, default 2). With depth 1 every statement is a bare "X is a
/// knight/knave", and for two or more people that almost never pins down one solution: such
/// requests end in an error after a bounded number of tries.
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let n = cfg.int("n_people", 2);
    let depth = cfg.int("depth_constraint", 2);
    let width = cfg.int("width_constraint", 2);
    if !(1..=8).contains(&n) || !(1..=4).contains(&depth) || !(2..=4).contains(&width) {
        return Err(Error::Generate(
            "knights_knaves: n_people 1..=8, depth_constraint 1..=4, width_constraint 2..=4".into(),
        ));
    }
    let n = n as usize;
    let mut rng = Rng::new(cfg.seed);
    let mut names: Vec<&str> = NAMES.to_vec();
    rng.shuffle(&mut names);
    let (knight, knave) = *rng.choose(TERMS);
    let mut p = Puzzle {
        names: names[..n].iter().map(|s| s.to_string()).collect(),
        stmts: Vec::new(),
        knight: knight.into(),
        knave: knave.into(),
    };
    for _ in 0..10_000 {
        p.stmts = (0..n)
            .map(|me| sample(&mut rng, me, n, depth, width))
            .collect();
        let sols = p.solutions();
        if sols.len() != 1 {
            continue;
        }
        let sol = sols[0];
        let mut q = format!(
            "On this island every inhabitant is either {} {knight}, who always tells the truth, or {} {knave}, who always lies. You meet {n}: {}.",
            article(knight),
            article(knave),
            p.names.join(", ")
        );
        for (i, s) in p.stmts.iter().enumerate() {
            q.push_str(&format!(" {} says: \"{}.\"", p.names[i], say(s, &p)));
        }
        q.push_str(&format!(
            " Who is {} {knight} and who is {} {knave}? Answer in the form \"{}\".",
            article(knight),
            article(knave),
            p.names
                .iter()
                .map(|nm| format!("{nm} is a {knight}/{knave}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let sol_bits: Vec<bool> = (0..n).map(|i| sol >> i & 1 == 1).collect();
        return Ok(Generated {
            question: q,
            answer: p.render(sol),
            metadata: json!({
                "source_dataset": "knights_knaves",
                "statements": p.stmts.iter().map(S::to_json).collect::<Vec<_>>(),
                "solution": sol_bits,
                "names": p.names,
                "knight_knave_terms": {
                    "knight": knight, "knave": knave,
                    "a_knight": format!("{} {knight}", article(knight)),
                    "a_knave": format!("{} {knave}", article(knave)),
                },
                "difficulty": {"n_people": n, "depth_constraint": depth, "width_constraint": width},
            }),
        });
    }
    Err(Error::Generate(
        "knights_knaves: no uniquely solvable puzzle found".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::Options;

    fn check(m: &Value, ans: &str) -> Verdict {
        let o = Options::default();
        verify(
            &Instance {
                metadata: m,
                ground_truth: None,
                options: &o,
            },
            ans,
        )
    }

    #[test]
    fn any_consistent_assignment_and_forms() {
        // A: "B is a knave"; B: "A and B are knights". Unique: A knight, B knave.
        let m = json!({"names": ["Ann", "Bo"], "statements": [["lying", 1], ["and", ["telling-truth", 0], ["telling-truth", 1]]],
                       "knight_knave_terms": {"knight": "hero", "knave": "villain"}});
        assert_eq!(check(&m, "Ann is a hero, and Bo is a villain.").reward, 1.0);
        assert_eq!(check(&m, "bo: VILLAIN\nann: hero").reward, 1.0);
        assert_eq!(
            check(&m, "{\"Ann\": \"knight\", \"Bo\": \"knave\"}").reward,
            1.0
        );
        assert_eq!(
            check(&m, "Ann is not a villain and Bo is not a hero").reward,
            1.0
        );
        assert_eq!(
            check(&m, "Ann is a villain, and Bo is a hero.").reason,
            "statement_contradicted"
        );
        assert_eq!(check(&m, "Ann is a hero").reason, "unreadable_assignment");
        assert_eq!(
            check(&m, "Ann is a hero or a villain, Bo is a villain").reward,
            0.0
        );
        assert_eq!(check(&m, "Ann and Bo are heroes").reward, 0.0);
        // Explanations: a role inside a clause about someone else's claim goes to that person.
        let why = "Ann's claim that Bo is a villain is true, so Ann is a hero.";
        assert_eq!(check(&m, why).reward, 1.0);
        let aside = "Ann is a hero, since a villain could not say that; Bo is a villain.";
        assert_eq!(check(&m, aside).reward, 1.0);
        assert_eq!(
            check(&m, "Ann is either a hero or a villain; Bo is a villain").reward,
            0.0
        );
    }

    #[test]
    fn partial_credit_is_opt_in() {
        let m = json!({"names": ["Ann", "Bo", "Cy"], "statements": [["lying", 1], ["telling-truth", 2], ["lying", 0]]});
        let o = Options {
            partial_credit: true,
            ..Options::default()
        };
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &o,
        };
        let sol = solve(&inst).unwrap();
        assert_eq!(verify(&inst, &sol).reward, 1.0);
        // Solution: Ann knight, Bo knave, Cy knave. Flip Cy: two of three right.
        let v = verify(&inst, "Ann is a knight, Bo is a knave, Cy is a knight");
        assert!(
            (v.reward - (0.3 + 0.7 * 2.0 / 3.0)).abs() < 1e-12,
            "{}",
            v.reward
        );
        assert_eq!(
            check(&m, "Ann is a knight, Bo is a knave, Cy is a knight").reward,
            0.0
        );
    }

    #[test]
    fn generated_puzzles_have_one_solution() {
        for (n, d, w) in [(2, 2, 2), (3, 3, 2), (4, 2, 3), (5, 2, 2)] {
            for seed in 0..4 {
                let mut cfg = GenConfig {
                    seed,
                    ..GenConfig::default()
                };
                for (k, v) in [
                    ("n_people", n),
                    ("depth_constraint", d),
                    ("width_constraint", w),
                ] {
                    cfg.difficulty.insert(k.into(), json!(v));
                }
                let g = generate(&cfg).unwrap();
                let p = puzzle(&g.metadata).unwrap();
                assert_eq!(p.names.len(), n as usize);
                assert_eq!(p.solutions().len(), 1, "n={n} seed {seed}");
                assert_eq!(check(&g.metadata, &g.answer).reward, 1.0);
            }
        }
    }
}
