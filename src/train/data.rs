//! Prompts and how each is scored: the built-in addition task (generated in-process, so the
//! embedded default needs no files) and datasets, JSONL or verl Parquet (read by the same
//! reader as `rlvr grade`), whose rows carry a `prompt` plus the item fields the reward router
//! reads (`ground_truth` or verl's `reward_model.ground_truth`, `domain` or verl's
//! `data_source`/`ability`, `task`, `metadata`).
//!
//! Data order is a pure function of (seed, cursor): the cursor counts prompts handed out since
//! the start of the run and is all a checkpoint needs to continue the same stream.

use crate::dataset::input;
use crate::reward::Item;
use anyhow::Context;
use rlvr_train::tokenizer::Message;
use serde_json::{json, Value};
use std::path::Path;

/// One prompt and the item that scores its responses (its `response` is a placeholder).
#[derive(Debug, Clone)]
pub struct Example {
    /// The prompt's text: the row's string prompt, or the last message of a chat prompt.
    pub prompt: String,
    /// A chat prompt's whole message list (system turns included), rendered with the ChatML
    /// template when the policy uses it; empty for a plain string prompt.
    pub messages: Vec<Message>,
    pub item: Item,
    /// The reference answer text used by the supervised warm-up (built-in task only).
    pub answer: Option<String>,
}

/// An endless, seeded stream of examples.
pub enum Source {
    /// "a+b=" with operands of 1..=max_digits digits, graded by the math verifier.
    Addition { max_digits: u32 },
    /// Rows of a dataset, visited in a seeded order that is reshuffled every epoch.
    Rows {
        rows: Vec<Example>,
        /// The current epoch's order, computed once per epoch.
        order: std::sync::Mutex<(u64, Vec<usize>)>,
    },
}

/// SplitMix64 of a key: the stream's only source of randomness.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn key(parts: &[u64]) -> u64 {
    parts.iter().fold(0x5151_u64, |h, &p| mix(h ^ p))
}

/// A number with 1..=max_digits digits, uniform over digit counts then values.
fn operand(seed: u64, index: u64, which: u64, max_digits: u32) -> u64 {
    let digits = 1 + key(&[seed, index, which, 1]) % max_digits as u64;
    let lo = if digits == 1 {
        0
    } else {
        10u64.pow(digits as u32 - 1)
    };
    let hi = 10u64.pow(digits as u32);
    lo + key(&[seed, index, which, 2]) % (hi - lo)
}

/// Example `index` of the built-in addition task.
pub fn addition(seed: u64, index: u64, max_digits: u32) -> anyhow::Result<Example> {
    let a = operand(seed, index, 0, max_digits);
    let b = operand(seed, index, 1, max_digits);
    let answer = (a + b).to_string();
    // The model completes "a+b=" with digits: the completion is the answer, with no box or
    // answer phrase, so this task reads it by the lenient rules (the last number).
    let row = json!({"id": index, "domain": "math", "response": "", "ground_truth": answer,
                     "lenient": true});
    let item = Item::from_value(&row).map_err(|e| anyhow::anyhow!(e.reason))?;
    Ok(Example {
        prompt: format!("{a}+{b}="),
        messages: Vec::new(),
        item,
        answer: Some(answer),
    })
}

impl Source {
    /// Example number `cursor` of the stream.
    pub fn get(&self, seed: u64, cursor: u64) -> anyhow::Result<Example> {
        match self {
            Source::Addition { max_digits } => addition(seed, cursor, *max_digits),
            Source::Rows { rows, order } => {
                let n = rows.len() as u64;
                let (epoch, i) = (cursor / n, (cursor % n) as usize);
                let mut cache = order
                    .lock()
                    .map_err(|_| anyhow::anyhow!("data order lock poisoned"))?;
                if cache.1.len() != rows.len() || cache.0 != epoch {
                    *cache = (epoch, epoch_order(seed, epoch, rows.len()));
                }
                Ok(rows[cache.1[i]].clone())
            }
        }
    }

    /// A dataset stream over `rows`.
    pub fn rows(rows: Vec<Example>) -> Source {
        Source::Rows {
            rows,
            order: std::sync::Mutex::new((0, Vec::new())),
        }
    }
}

/// A seeded permutation of 0..n, different for every epoch.
fn epoch_order(seed: u64, epoch: u64, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&j| key(&[seed, epoch, j as u64]));
    order
}

/// Reads a dataset through `rlvr grade`'s reader: verl Parquet (`data_source`, `prompt` as a
/// list of chat messages, `ability`, `reward_model.ground_truth`, `extra_info`) when the name
/// ends in `.parquet` or `.pq`, JSONL otherwise. Each row needs `prompt` (a string, or a list
/// of chat messages) and whatever the router needs to score it. A row that cannot be read or
/// scored is an error naming `file:line` (JSONL) or `file: row N` (Parquet), before any
/// training starts.
pub fn load(path: &Path) -> anyhow::Result<Vec<Example>> {
    let name = path.to_string_lossy();
    let format = input::Format::detect(&name);
    let src = input::open(&name, format, input::Pace::fixed(512), None)?;
    let mut rows = Vec::new();
    for rec in src.into_records() {
        let rec = rec.with_context(|| format!("reading {}", path.display()))?;
        let line = rec.line;
        let at = || match format {
            input::Format::Jsonl => format!("{}:{line}", path.display()),
            input::Format::Parquet => format!("{}: row {line}", path.display()),
        };
        let v = rec
            .into_value()
            .map_err(|e| anyhow::anyhow!("{}: {e}", at()))?;
        rows.push(example(v).with_context(at)?);
    }
    anyhow::ensure!(!rows.is_empty(), "{}: no rows", path.display());
    Ok(rows)
}

/// One dataset row as an example: its prompt, and the item with a placeholder response.
pub(super) fn example(mut v: Value) -> anyhow::Result<Example> {
    let (prompt, messages) = prompt_of(&v)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("response".into(), Value::String(String::new()));
        o.remove("responses");
    }
    let item = Item::from_value_owned(v).map_err(|e| anyhow::anyhow!(e.reason))?;
    Ok(Example {
        prompt,
        messages,
        item,
        answer: None,
    })
}

/// The prompt text and, for a chat prompt, its messages.
fn prompt_of(v: &Value) -> anyhow::Result<(String, Vec<Message>)> {
    match v.get("prompt").or_else(|| v.get("question")) {
        Some(Value::String(s)) => Ok((s.clone(), Vec::new())),
        Some(Value::Array(msgs)) => {
            let mut out = Vec::with_capacity(msgs.len());
            for (i, m) in msgs.iter().enumerate() {
                let field = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
                match (field("role"), field("content")) {
                    (Some(role), Some(content)) => out.push(Message { role, content }),
                    _ => anyhow::bail!(
                        "'prompt' message {i} is not {{\"role\": string, \"content\": string}}"
                    ),
                }
            }
            let last = out
                .last()
                .map(|m| m.content.clone())
                .context("'prompt' is an empty list of messages")?;
            Ok((last, out))
        }
        _ => anyhow::bail!("row has no 'prompt' (or 'question') string or list of messages"),
    }
}

#[cfg(test)]
mod ifeval_rows {
    //! Instruction-following rows as training data: IFEval's top-level fields, Llama-Nemotron's
    //! `args` and open-instruct's Python-literal `ground_truth` load as examples whose items
    //! score a response as the reference implementation does (fixture row `multi/3` of
    //! `fixtures/ifeval/ifeval.jsonl`, labelled by lm-eval's IFEval code: 2 of 3 passed).

    use crate::reward::{Engine, GoldCache};
    use serde_json::{json, Value};

    #[test]
    fn three_row_formats_score_as_the_reference() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/ifeval/ifeval.jsonl");
        let text = std::fs::read_to_string(path).unwrap();
        let row: Value = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|r| r["name"] == "multi/3")
            .expect("fixture row multi/3");
        let strict: Vec<bool> = row["strict"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_bool().unwrap())
            .collect();
        let want = strict.iter().filter(|b| **b).count() as f64 / strict.len() as f64;
        let (ids, kwargs) = (&row["instruction_id_list"], &row["kwargs"]);
        // open-instruct writes Python's repr: single quotes, None for no arguments.
        let oi_kwargs: Vec<Value> = kwargs
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                if k == &json!({}) {
                    Value::Null
                } else {
                    k.clone()
                }
            })
            .collect();
        let literal = json!([{"instruction_id": ids, "kwargs": oi_kwargs}])
            .to_string()
            .replace("null", "None")
            .replace('"', "'");
        let rows = [
            json!({"prompt": row["prompt"], "instruction_id_list": ids, "kwargs": kwargs}),
            json!({"prompt": row["prompt"], "args": {"instruction_id_list": ids,
                   "instruction_kwargs": kwargs, "task": "instruction_following"}}),
            json!({"prompt": [{"role": "user", "content": row["prompt"]}],
                   "ground_truth": literal, "dataset": "ifeval"}),
        ];
        let dir = std::env::temp_dir().join(format!("rlvr-ifeval-rows-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("rows.jsonl");
        let body: String = rows.iter().map(|r| r.to_string() + "\n").collect();
        std::fs::write(&file, body).unwrap();
        let examples = super::load(&file).unwrap();
        assert_eq!(examples.len(), 3);
        let engine = Engine::default();
        let response = row["response"].as_str().unwrap();
        for (k, ex) in examples.iter().enumerate() {
            let v = engine.score_response(&ex.item, response, &mut GoldCache::default());
            assert!(
                (v.reward - want).abs() < 1e-9,
                "row format {k}: {v:?}, want {want}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
