//! The native reward endpoints (rlvr's own API; code runs are in `code.rs`, OpenRLHF's shim
//! in `openrlhf.rs`): `POST /v1/rewards` (a mixed batch), `POST /v1/math/verify` and
//! `POST /v1/logic/verify` (one domain, with the verifier's detail), `GET /v1/verifiers`.
//!
//! A batch is `{"items": [item, ...]}` (or a bare JSON array of items) and comes back as
//! `{"results": [verdict, ...]}` in the same order, one verdict per response (an item with a
//! `responses` list gets one per sample, each with `sample`). A malformed item gets an `error`
//! verdict and never fails the batch; only a malformed request is a 4xx.

use super::error::ApiError;
use super::state::{content_length, AppState};
use super::{json_response, ApiResult};
use crate::reward::{Domain, Scored};
use axum::extract::{Request, State};
use serde_json::{json, Value};

/// The items of a batch request and whether the caller asked for `detail`.
pub(super) fn batch_of(v: Value) -> Result<(Vec<Value>, bool), ApiError> {
    match v {
        Value::Array(items) => Ok((items, false)),
        Value::Object(mut m) => {
            let detail = m.get("detail").and_then(Value::as_bool).unwrap_or(false);
            match m.remove("items") {
                Some(Value::Array(items)) => Ok((items, detail)),
                Some(_) => Err(ApiError::bad_request(
                    "invalid_request",
                    "'items' must be a JSON array of items",
                )),
                None => Err(ApiError::bad_request(
                    "invalid_request",
                    "expected {\"items\": [item, ...]}",
                )),
            }
        }
        _ => Err(ApiError::bad_request(
            "invalid_request",
            "expected a JSON object {\"items\": [item, ...]}",
        )),
    }
}

/// `POST /v1/rewards`: `{"items": [...], "detail": false}` -> `{"results": [...]}`.
pub async fn rewards(State(st): State<AppState>, req: Request) -> ApiResult {
    let len = content_length(req.headers());
    let v = st.read_json(req.into_body(), len).await?;
    let (items, detail) = batch_of(v)?;
    let results: Vec<_> = st
        .score_values(items, None, detail)
        .await?
        .into_iter()
        .flatten()
        .collect();
    Ok(json_response(&Results { results: &results }))
}

/// The answer to a batch, serialized straight from the verdicts (fields in contract order).
#[derive(serde::Serialize)]
struct Results<'a> {
    results: &'a [Scored],
}

/// `POST /v1/math/verify` and `/v1/logic/verify`: one item (answered with its verdict object)
/// or `{"items": [...]}` (answered `{"results": [...]}`); detail is always included.
async fn verify_domain(st: AppState, req: Request, domain: Domain) -> ApiResult {
    let len = content_length(req.headers());
    let v = st.read_json(req.into_body(), len).await?;
    let single = v.get("response").is_some() && v.get("items").is_none();
    if single {
        let mut out = st.score_values(vec![v], Some(domain), true).await?;
        let scored = out.pop().unwrap_or_default();
        return Ok(if scored.len() == 1 {
            json_response(&scored[0])
        } else {
            json_response(&Results { results: &scored })
        });
    }
    let (items, _) = batch_of(v)?;
    let results: Vec<_> = st
        .score_values(items, Some(domain), true)
        .await?
        .into_iter()
        .flatten()
        .collect();
    Ok(json_response(&Results { results: &results }))
}

pub async fn math_verify(State(st): State<AppState>, req: Request) -> ApiResult {
    verify_domain(st, req, Domain::Math).await
}

pub async fn logic_verify(State(st): State<AppState>, req: Request) -> ApiResult {
    verify_domain(st, req, Domain::Logic).await
}

/// `GET /v1/verifiers`: what this server can score.
pub async fn verifiers(State(st): State<AppState>) -> ApiResult {
    let families: Vec<Value> = rlvr_verifiers::logic::families()
        .iter()
        .map(|f| json!({"name": f.name, "summary": f.summary}))
        .collect();
    let l = st.limits();
    Ok(json_response(&json!({
        "domains": {
            "math": {
                "summary": "final-answer equivalence (last \\boxed{} by default), exact arithmetic",
                "ground_truth": "a string, or a list of acceptable strings"
            },
            "code": {
                "languages": ["python"],
                "formats": ["stdio {tests:[{stdin,stdout}]}", "APPS/TACO {inputs,outputs,fn_name?}",
                            "HumanEval {test,entry_point}", "MBPP {test_list}"]
            },
            "logic": { "families": families },
            "ifeval": {
                "summary": "IFEval-style constraints; reward = fraction satisfied (strict)",
                "instruction_ids": rlvr_verifiers::ifeval::supported_ids().collect::<Vec<_>>()
            },
            "stem": {
                "summary": "science answers: units, significant figures, chemical formulas, multiple choice (options)",
                "ground_truth": "a string or number (with a unit), a formula, or a choice letter / option text"
            }
        },
        "limits": {
            "max_body_bytes": l.max_body_bytes,
            "max_items": l.max_items,
            "max_item_bytes": l.max_item_bytes,
            "deadline_s": l.deadline.as_secs_f64(),
            "max_in_flight": l.max_in_flight,
            "max_pending_items": l.max_pending_items,
            "max_pending_runs": l.max_pending_runs,
            "max_run_timeout_s": l.max_run_timeout.as_secs_f64()
        }
    })))
}
