//! OpenRLHF's reward contract as items: a query (prompt plus response, decoded with the special
//! tokens), its prompt, and its label. One definition for `rlvr serve`'s `POST /get_reward` and
//! the in-process Python package's `rlvr.openrlhf.reward_func`.
//!
//! The response is the query with the prompt removed from its front (when it is a prefix).
//! The label is the gold answer (a number is its text), or a JSON object (or a string holding
//! one) with item fields (`domain`, `task`, `ground_truth`, `metadata`, `reward_model`), which
//! win over the fields shared by the whole request.

use serde_json::{Map, Value};

const ITEM_KEYS: &[&str] = &["domain", "task", "ground_truth", "metadata", "reward_model"];

/// The item for one sample: `shared` fields, then the label's, then the response.
pub fn openrlhf_item(
    query: String,
    prompt: Option<&str>,
    label: &Value,
    shared: &Map<String, Value>,
) -> Value {
    let response = match prompt {
        Some(p) if !p.is_empty() && query.starts_with(p) => query[p.len()..].to_string(),
        _ => query,
    };
    item_for(response, label, shared)
}

/// The item for one sample: request-wide fields, then the label's.
fn item_for(response: String, label: &Value, shared: &Map<String, Value>) -> Value {
    let mut item = shared.clone();
    let label_obj = match label {
        Value::Object(m) => Some(m.clone()),
        Value::String(s) if s.trim_start().starts_with('{') => {
            match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) if ITEM_KEYS.iter().any(|k| m.contains_key(*k)) => Some(m),
                _ => None,
            }
        }
        _ => None,
    };
    match label_obj {
        Some(m) => item.extend(m),
        None => match label {
            Value::Null => {}
            Value::String(_) => {
                item.insert("ground_truth".into(), label.clone());
            }
            Value::Number(n) => {
                item.insert("ground_truth".into(), Value::String(n.to_string()));
            }
            other => {
                item.insert("ground_truth".into(), other.clone());
            }
        },
    }
    item.insert("response".into(), Value::String(response));
    Value::Object(item)
}
