//! OpenRLHF's remote reward model, `POST /get_reward`, so `--reward.remote_url
//! http://host:8000/get_reward` (formerly `--remote_rm_url`) scores with rlvr unchanged.
//!
//! Request: `{"query": [..], "prompts": [..], "labels": [..]}`: `query[i]` is prompt plus
//! response as decoded text; the response is `query[i]` with `prompts[i]` removed from its front
//! (when it is a prefix). Answer: `{"rewards": [..], "scores": [..], "extra_logs": {..}}`.
//!
//! Choosing the verifier: math by default, with each label as the gold answer. A request may
//! add `"domain"`, `"task"` and `"metadata"` for all its samples; a label may instead be a JSON
//! object (or a string holding one) with item fields, e.g.
//! `{"domain": "logic", "task": "sudoku", "metadata": {...}}` or
//! `{"domain": "code", "ground_truth": {"inputs": [..], "outputs": [..]}}`, which wins over the
//! request-wide fields. The item of each sample is made by [`crate::reward::openrlhf_item`],
//! which the in-process Python package uses too.

use super::error::ApiError;
use super::state::{content_length, is_correct, AppState};
use super::{json_response, ApiResult};
use crate::reward::{openrlhf_item, Outcome};
use axum::extract::{Request, State};
use serde_json::{json, Map, Value};

fn strings(obj: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "invalid_request",
            format!("'{key}' must be a list of strings"),
        )
    };
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(xs)) => xs
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad()),
    }
}

/// `POST /get_reward`.
pub async fn get_reward(State(st): State<AppState>, req: Request) -> ApiResult {
    let len = content_length(req.headers());
    let v = st.read_json(req.into_body(), len).await?;
    let Value::Object(obj) = v else {
        return Err(ApiError::bad_request(
            "invalid_request",
            "expected {\"query\": [..], \"prompts\": [..], \"labels\": [..]}",
        ));
    };
    let query = strings(&obj, "query")?.ok_or_else(|| {
        ApiError::bad_request("invalid_request", "missing 'query' (a list of strings)")
    })?;
    let prompts = strings(&obj, "prompts")?;
    let labels = match obj.get("labels") {
        None | Some(Value::Null) => vec![Value::Null; query.len()],
        Some(Value::Array(xs)) => xs.clone(),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "'labels' must be a list",
            ))
        }
    };
    if labels.len() != query.len() || prompts.as_ref().is_some_and(|p| p.len() != query.len()) {
        return Err(ApiError::bad_request(
            "length_mismatch",
            "'query', 'prompts' and 'labels' must have the same length",
        ));
    }
    let mut shared = Map::new();
    for key in ["domain", "task", "metadata"] {
        if let Some(x) = obj.get(key).filter(|x| !x.is_null()) {
            shared.insert(key.into(), x.clone());
        }
    }
    let items: Vec<Value> = query
        .into_iter()
        .enumerate()
        .map(|(i, q)| {
            let prompt = prompts.as_ref().map(|p| p[i].as_str());
            openrlhf_item(q, prompt, &labels[i], &shared)
        })
        .collect();
    let scored = st.score_values(items, None, false).await?;
    let n = scored.len();
    let (mut rewards, mut correct, mut errors) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for s in &scored {
        // One response per query, so one verdict; an empty list cannot happen but scores 0.
        let v = s.first().map(|s| &s.verdict);
        rewards.push(v.map_or(0.0, |v| v.reward));
        correct.push(f64::from(u8::from(v.is_some_and(is_correct))));
        errors.push(f64::from(u8::from(
            v.is_none_or(|v| v.verdict == Outcome::Error),
        )));
    }
    Ok(json_response(&json!({
        "rewards": rewards,
        "scores": rewards,
        "extra_logs": {"correct": correct, "error": errors}
    })))
}
