//! Instruction-following rows through every door: `POST /v1/rewards` over a real socket and
//! `rlvr grade --detail`, each in the three row formats people train with (IFEval's top-level
//! fields, Llama-Nemotron's `args`, open-instruct's Python-literal `ground_truth`), must give
//! the reward the reference implementation's labels give (`fixtures/ifeval/ifeval.jsonl`,
//! labelled by lm-eval's IFEval code: the fraction of instructions passed, strict).

mod server_support;

use serde_json::{json, Map, Value};
use server_support::*;
use std::io::Write;
use std::process::{Command, Stdio};

/// Fixture rows with several instructions, some passed and some not, and no deliberate
/// difference from the reference: (row, the reference's reward).
fn reference_rows() -> Vec<(Value, f64)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/ifeval/ifeval.jsonl");
    let text = std::fs::read_to_string(path).expect("fixtures/ifeval/ifeval.jsonl");
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r.get("differs").is_none())
        .filter_map(|r| {
            let strict: Vec<bool> = r["strict"]
                .as_array()?
                .iter()
                .filter_map(Value::as_bool)
                .collect();
            let passed = strict.iter().filter(|b| **b).count();
            (strict.len() >= 2 && passed > 0 && passed < strict.len())
                .then(|| (r.clone(), passed as f64 / strict.len() as f64))
        })
        .take(3)
        .collect()
}

/// A JSON value as a Python literal (`None`, `True`, single-quoted strings).
fn py(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(xs) => format!("[{}]", xs.iter().map(py).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", py(&Value::String(k.clone())), py(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The same row in the three formats, as items with `id`s `{n}-ifeval`, `-nemotron`, `-oi`.
fn encodings(n: usize, row: &Value) -> Vec<Value> {
    let ids = row["instruction_id_list"].clone();
    let kwargs = row["kwargs"].clone();
    let response = row["response"].clone();
    let oi_kwargs: Vec<Value> = kwargs
        .as_array()
        .unwrap()
        .iter()
        .map(|k| match k {
            Value::Object(m) if m.is_empty() => Value::Null,
            other => other.clone(),
        })
        .collect();
    let oi = py(&json!([{"instruction_id": ids, "kwargs": oi_kwargs}]));
    vec![
        json!({"id": format!("{n}-ifeval"), "prompt": row["prompt"], "instruction_id_list": ids,
               "kwargs": kwargs, "response": response}),
        json!({"id": format!("{n}-nemotron"), "response": response,
               "args": {"instruction_id_list": ids, "instruction_kwargs": kwargs,
                        "task": "instruction_following"}}),
        json!({"id": format!("{n}-oi"), "response": response, "ground_truth": oi,
               "dataset": "ifeval"}),
    ]
}

fn items() -> (Vec<Value>, Map<String, Value>) {
    let rows = reference_rows();
    assert_eq!(rows.len(), 3, "three mixed fixture rows");
    let mut items = Vec::new();
    let mut want = Map::new();
    for (n, (row, reward)) in rows.iter().enumerate() {
        for item in encodings(n, row) {
            want.insert(item["id"].as_str().unwrap().to_string(), json!(reward));
            items.push(item);
        }
    }
    (items, want)
}

fn check(results: &[Value], want: &Map<String, Value>) {
    assert_eq!(results.len(), want.len());
    for r in results {
        let id = r["id"].as_str().unwrap();
        let reward = r["reward"].as_f64().unwrap();
        assert!(
            (reward - want[id].as_f64().unwrap()).abs() < 1e-9,
            "{id}: reward {reward}, the reference gives {}: {r}",
            want[id]
        );
    }
}

#[test]
fn rewards_endpoint_scores_every_format_as_the_reference() {
    let (items, want) = items();
    let s = default_server();
    let r = post(
        s.addr,
        "/v1/rewards",
        &json!({"items": items, "detail": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let results = v["results"].as_array().unwrap();
    check(results, &want);
    // Per-instruction results, in the row's order.
    let n = results[0]["detail"]["instructions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(n, items[0]["instruction_id_list"].as_array().unwrap().len());
}

#[test]
fn grade_scores_every_format_as_the_reference() {
    let (items, want) = items();
    let input: String = items.iter().map(|i| i.to_string() + "\n").collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rlvr"))
        .args(["grade", "-", "-q", "--detail"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rlvr grade");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    check(&results, &want);
    assert!(results[0]["detail"]["instructions"].is_array());
}
