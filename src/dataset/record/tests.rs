//! [`item`] against the general path (JSON tree, default field mapping, `from_value_owned`):
//! wherever it answers, the items are the same; on the usual records, it answers. And a
//! [`Reader`] that recycles its items against a fresh one.

use super::*;
use crate::dataset::{input, mapping::Mapping};

/// The general path's item for `line`, if it makes one.
fn general(line: &str, number: u64) -> Option<Item> {
    let value = input::parse_json_bytes(line.as_bytes()).ok()?;
    Item::from_value_owned(Mapping::default().apply(value, number)).ok()
}

/// `item` agrees with the general path on `line`; returns whether it answered.
fn agrees(line: &str) -> bool {
    let fast = item(line.as_bytes(), 7);
    if let Some(fast) = &fast {
        let general = general(line, 7);
        assert_eq!(
            Some(format!("{fast:?}")),
            general.map(|g| format!("{g:?}")),
            "on {line}"
        );
    }
    fast.is_some()
}

#[test]
fn usual_records_are_read_directly() {
    for line in [
        r#"{"id": 0, "domain": "math", "response": "so \\boxed{2}", "ground_truth": "2"}"#,
        r#"{"id":"a","domain":"Math","responses":["\\boxed{1}","x"],"ground_truth":["1","1.0"]}"#,
        r#"{"domain": "math", "response": "", "ground_truth": 3}"#,
        r#"{"id": null, "domain": "code", "response": "print(1)", "ground_truth": {"tests": []}}"#,
        r#"{"id": 5, "domain": "logic", "task": "countdown", "response": "1+2"}"#,
        r#"{"id": 5, "domain": "logic", "data_source": "countdown", "response": "1+2"}"#,
        r#" { "id" : 1 , "domain" : "math" , "response" : "4" , "ground_truth" : "4" , "data_source" : "gsm8k" } "#,
        r#"{"responses": ["a"], "domain": "puzzle", "task": "jugs", "ground_truth": null}"#,
        r#"{"id": 2, "domain": "code", "response": "x", "ground_truth": "t", "task": null}"#,
    ] {
        assert!(agrees(line), "declined {line}");
    }
}

#[test]
fn everything_else_is_left_to_the_general_path() {
    for line in [
        // Fields this reader does not take, or values of other types.
        r#"{"id": 0, "domain": "math", "response": "4", "ground_truth": "4", "metadata": {}}"#,
        r#"{"id": 0, "response": "4", "ground_truth": "4"}"#,
        r#"{"id": 0, "domain": "math", "response": "4", "reward_model": {"ground_truth": "4"}}"#,
        r#"{"id": 0, "domain": "math", "response": "4", "ground_truth": null}"#,
        r#"{"id": 0, "domain": 3, "response": "4", "ground_truth": "4"}"#,
        r#"{"id": 0, "domain": "math", "response": 4, "ground_truth": "4"}"#,
        r#"{"id": 0, "domain": "math", "responses": [], "ground_truth": "4"}"#,
        r#"{"id": 0, "domain": "math", "responses": ["a", 1], "ground_truth": "4"}"#,
        r#"{"id": 0, "domain": "math", "response": "a", "responses": ["b"], "ground_truth": "4"}"#,
        r#"{"id": 0, "domain": "math", "response": "4", "ground_truth": "4", "task": 1}"#,
        r#"{"id": 0, "domain": "math", "response": "4", "ground_truth": "4", "data_source": 1}"#,
        r#"{"id": 0, "domain": "chess", "response": "4", "ground_truth": "4"}"#,
        r#"{"id": 0, "domain": "logic", "response": "4"}"#,
        r#"{"id": 0, "domain": "math", "response": "4"}"#,
        // Repeated keys, broken JSON, other shapes.
        r#"{"id": 0, "id": 1, "domain": "math", "response": "4", "ground_truth": "4"}"#,
        r#"{"id": 0, "domain": "math", "response": "4", "ground_truth": "4",}"#,
        r#"{"id": 0, "domain": "math", "response": "4", "ground_truth": "4"} x"#,
        r#"{"id": 0, "domain": "math", "response": "4\u0001", "ground_truth": "4""#,
        r#"["id", 0]"#,
        r#"{}"#,
        "",
    ] {
        assert!(!agrees(line), "answered {line}");
    }
}

/// Random records from the fields of the contract and a few others, with values of the
/// expected and of unexpected types.
#[test]
fn random_records_agree_with_the_general_path() {
    let mut rng = rlvr_verifiers::logic::rng::Rng::new(0x2545_f491_4f6c_dd1d);
    let mut below = |n: usize| rng.below(n as u64) as usize;
    // Each key with a value of its type, or (a quarter of the time) any of the others.
    const KEYS: &[(&str, &[&str])] = &[
        ("id", &["3", r#""a-1""#, "null"]),
        (
            "domain",
            &[r#""math""#, r#""logic""#, r#""code""#, r#""Puzzle""#],
        ),
        ("response", &[r#""\\boxed{3} \n é""#, r#""""#]),
        ("responses", &[r#"["a", "\\frac{1}{2}"]"#, r#"["x"]"#]),
        (
            "ground_truth",
            &[r#""3""#, r#"["3", "3.0"]"#, "null", r#"{"tests": []}"#],
        ),
        ("task", &[r#""countdown""#, "null"]),
        ("data_source", &[r#""countdown""#, r#""gsm8k""#]),
        ("metadata", &[r#"{"a": 1}"#]),
        ("reward_model", &[r#"{"ground_truth": "3"}"#]),
    ];
    const ANY: &[&str] = &[
        "[]",
        "[1]",
        "3",
        "-2.5",
        "null",
        "true",
        r#"{"a": 1}"#,
        r#""s""#,
    ];
    let mut answered = 0;
    for _ in 0..20_000 {
        let mut fields = Vec::new();
        for (key, values) in KEYS {
            // The fields an item needs more often than the others.
            let needed = matches!(*key, "id" | "domain" | "response" | "ground_truth");
            if below(if needed { 5 } else { 3 }) < 2 {
                continue;
            }
            let value = if below(4) == 0 {
                ANY[below(ANY.len())]
            } else {
                values[below(values.len())]
            };
            fields.push(format!("\"{key}\": {value}"));
        }
        answered += usize::from(agrees(&format!("{{{}}}", fields.join(", "))));
    }
    assert!(answered > 300, "answered {answered}");
}

/// A reader that reuses the memory of the items it handed out reads every record as a fresh
/// one does: long responses (decoded into recycled buffers), lists of them, declined records
/// in between.
#[test]
fn a_reader_reusing_its_memory_reads_what_a_fresh_one_reads() {
    let mut rng = rlvr_verifiers::logic::rng::Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut below = |n: usize| rng.below(n as u64) as usize;
    const PIECES: &[&str] = &[
        "x",
        "\\\\frac{1}{2}",
        "\\n",
        "\\\"",
        "é",
        "\\u00e9",
        " ",
        "9",
    ];
    let mut shared = Reader::default();
    let mut read = 0;
    for n in 0..3_000 {
        let response = |below: &mut dyn FnMut(usize) -> usize| {
            let len = [0, 10, 300, 2_000, 6_000][below(5)];
            let mut s = String::new();
            while s.len() < len {
                s.push_str(PIECES[below(PIECES.len())]);
            }
            format!("\"{s}\"")
        };
        let responses = match below(3) {
            0 => format!("\"response\": {}", response(&mut below)),
            _ => {
                let list: Vec<String> = (0..1 + below(3)).map(|_| response(&mut below)).collect();
                format!("\"responses\": [{}]", list.join(", "))
            }
        };
        let extra = if below(10) == 0 {
            ", \"metadata\": {}"
        } else {
            ""
        };
        let line =
            format!(r#"{{"id": {n}, "domain": "math", {responses}, "ground_truth": "1"{extra}}}"#);
        let fresh = item(line.as_bytes(), 1);
        let reused = shared.item(line.as_bytes(), 1);
        assert_eq!(
            format!("{fresh:?}"),
            format!("{reused:?}"),
            "on line {n}: {line}"
        );
        if let Some(it) = reused {
            read += 1;
            shared.recycle(it);
        }
    }
    assert!(read > 2_000, "read {read}");
}
