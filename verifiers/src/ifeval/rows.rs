//! Reading instruction-following rows in the shapes datasets ship them (INSTRUCT.md §3).
//!
//! - IFEval / IFBench / NeMo Gym: `instruction_id_list` + `kwargs` (null-padded dicts, `null`
//!   or `{}` entries) + `prompt`, at the top level of the item.
//! - The same object inside `ground_truth` (or verl's `reward_model.ground_truth`), as an
//!   object, a JSON string, or a Python-literal string as open-instruct writes it
//!   (`"[{'instruction_id': [...], 'kwargs': [None, {...}]}]"`; a list takes its first entry,
//!   as open-instruct does; Dolci's list of such strings likewise).
//! - Llama-Nemotron: `args: {instruction_id_list, instruction_kwargs}`, prompt in `input`.
//! - Tülu 3 RLVR-IFeval: `{"func_name": ..., <parameters>}` (usually a JSON string in
//!   `ground_truth`), scored by its own function under the id `func_name`.

use super::{pyliteral, Instruction, Row};
use crate::Error;
use serde_json::{Map, Value};

fn bad(msg: impl Into<String>) -> Error {
    Error::InvalidReference(msg.into())
}

/// The ids field of an object, if it has one.
fn ids_field(obj: &Map<String, Value>) -> Option<&Value> {
    obj.get("instruction_id_list")
        .or_else(|| obj.get("instruction_id"))
        .filter(|v| !v.is_null())
}

/// Parse a string that holds JSON or a Python literal.
fn parse_text(s: &str) -> Option<Value> {
    serde_json::from_str(s).ok().or_else(|| pyliteral::parse(s))
}

/// Does this value (an object, a string, a list) hold a constraint row?
fn value_has_row(v: &Value, depth: usize) -> bool {
    if depth > 4 {
        return false;
    }
    match v {
        Value::Object(o) => {
            ids_field(o).is_some()
                || o.get("func_name").is_some_and(Value::is_string)
                || o.get("args").is_some_and(|a| value_has_row(a, depth + 1))
        }
        Value::String(s) => {
            (s.contains("instruction_id") || s.contains("func_name"))
                && parse_text(s).is_some_and(|p| value_has_row(&p, depth + 1))
        }
        Value::Array(a) => a.first().is_some_and(|f| value_has_row(f, depth + 1)),
        _ => false,
    }
}

/// True when the item (or its ground truth) has an IFEval / Nemotron / open-instruct /
/// Tülu 3 `func_name` row shape, so a router can pick this domain without `domain`.
pub fn looks_like_ifeval(item: &Map<String, Value>) -> bool {
    ids_field(item).is_some()
        || item.get("args").is_some_and(|a| value_has_row(a, 1))
        || item
            .get("ground_truth")
            .is_some_and(|g| value_has_row(g, 1))
        || item
            .get("reward_model")
            .and_then(|r| r.get("ground_truth"))
            .is_some_and(|g| value_has_row(g, 1))
}

/// The prompt of an item: `prompt`, or the last user message of `messages` / `input`.
fn prompt_of(obj: &Map<String, Value>) -> Option<String> {
    if let Some(p) = obj.get("prompt").and_then(Value::as_str) {
        return Some(p.to_string());
    }
    for key in ["messages", "input"] {
        if let Some(Value::Array(msgs)) = obj.get(key) {
            let user = msgs
                .iter()
                .rev()
                .find(|m| m.get("role").and_then(Value::as_str) == Some("user"));
            if let Some(c) = user.and_then(|m| m.get("content")).and_then(Value::as_str) {
                return Some(c.to_string());
            }
        }
    }
    None
}

fn kwargs_entry(v: &Value, i: usize) -> Result<Map<String, Value>, Error> {
    let obj = match v {
        Value::Null => return Ok(Map::new()),
        Value::Object(o) => o.clone(),
        Value::String(s) => match parse_text(s) {
            Some(Value::Object(o)) => o,
            Some(Value::Null) => return Ok(Map::new()),
            _ => return Err(bad(format!("kwargs[{i}] is not an object"))),
        },
        _ => return Err(bad(format!("kwargs[{i}] is not an object"))),
    };
    Ok(obj.into_iter().filter(|(_, v)| !v.is_null()).collect())
}

/// A row from an object that has `instruction_id_list` / `instruction_id`.
fn ifeval_row(obj: &Map<String, Value>, ids: &Value) -> Result<Row, Error> {
    let ids: Vec<String> = match ids {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad("instruction_id_list has a non-string entry"))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(bad("instruction_id_list is not a list")),
    };
    let kwargs = obj
        .get("kwargs")
        .or_else(|| obj.get("instruction_kwargs"))
        .filter(|v| !v.is_null());
    let kw_list: Vec<Value> = match kwargs {
        None => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(Value::String(s)) => match parse_text(s) {
            Some(Value::Array(a)) => a,
            _ => return Err(bad("kwargs is not a list")),
        },
        Some(_) => return Err(bad("kwargs is not a list")),
    };
    if kw_list.len() > ids.len() {
        return Err(bad(format!(
            "kwargs has {} entries for {} instructions",
            kw_list.len(),
            ids.len()
        )));
    }
    let mut instructions = Vec::with_capacity(ids.len());
    for (i, id) in ids.into_iter().enumerate() {
        let kwargs = match kw_list.get(i) {
            Some(v) => kwargs_entry(v, i)?,
            None => Map::new(),
        };
        instructions.push(Instruction { id, kwargs });
    }
    Ok(Row {
        instructions,
        prompt: prompt_of(obj),
    })
}

fn func_row(obj: &Map<String, Value>, name: &str) -> Row {
    let kwargs = obj
        .iter()
        .filter(|(k, v)| k.as_str() != "func_name" && !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Row {
        instructions: vec![Instruction {
            id: name.to_string(),
            kwargs,
        }],
        prompt: None,
    }
}

/// A row from a value found in `ground_truth` / `args`, if it holds one.
fn row_from_value(v: &Value, depth: usize) -> Option<Result<Row, Error>> {
    if depth > 4 {
        return None;
    }
    match v {
        Value::Object(o) => {
            if let Some(ids) = ids_field(o) {
                return Some(ifeval_row(o, ids));
            }
            if let Some(name) = o.get("func_name").and_then(Value::as_str) {
                return Some(Ok(func_row(o, name)));
            }
            o.get("args").and_then(|a| row_from_value(a, depth + 1))
        }
        Value::String(s) => row_from_value(&parse_text(s)?, depth + 1),
        Value::Array(a) => row_from_value(a.first()?, depth + 1),
        _ => None,
    }
}

/// Read a row from an item's JSON object (see the module doc for the shapes).
pub fn row_from_item(item: &Map<String, Value>) -> Result<Row, Error> {
    let found = if let Some(ids) = ids_field(item) {
        Some(ifeval_row(item, ids))
    } else {
        item.get("args")
            .and_then(|a| row_from_value(a, 1))
            .or_else(|| item.get("ground_truth").and_then(|g| row_from_value(g, 1)))
            .or_else(|| {
                item.get("reward_model")
                    .and_then(|r| r.get("ground_truth"))
                    .and_then(|g| row_from_value(g, 1))
            })
    };
    let mut row = found.ok_or_else(|| {
        bad("no instruction_id_list, instruction_id or func_name in the item or its ground_truth")
    })??;
    if row.prompt.is_none() {
        row.prompt = prompt_of(item);
    }
    Ok(row)
}
