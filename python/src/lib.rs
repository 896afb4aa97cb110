//! `rlvr._rlvr`: the reward engine inside a Python process. The Python package (`rlvr/`)
//! wraps these functions; they take and return JSON text, so the only conversion is
//! `json.dumps` / `json.loads` on the Python side and the items are read by the same code as
//! `rlvr serve` and `rlvr grade` ([`rlvr::reward::Item`], [`rlvr::reward::Engine`]).
//!
//! Scoring runs on Rust threads with the GIL released, in chunks; between chunks the GIL is
//! taken back briefly to check for signals, so Ctrl-C stops a long batch promptly. No thread
//! pool outlives a call (the threads are scoped), so a process forked between calls inherits
//! no half-dead pool.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rlvr::reward::{Engine, GoldCache, Item, Verdict};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Items scored between two checks for signals.
const CHUNK: usize = 256;

/// The engine with its defaults, one per process.
fn engine(lenient: bool) -> &'static Engine {
    static STRICT: OnceLock<Engine> = OnceLock::new();
    static LENIENT: OnceLock<Engine> = OnceLock::new();
    let (cell, on) = if lenient {
        (&LENIENT, true)
    } else {
        (&STRICT, false)
    };
    cell.get_or_init(|| {
        let mut e = Engine::default();
        e.math.lenient = on;
        e
    })
}

/// One item's verdicts as JSON objects (several for `responses`), or its `error` verdict.
fn score_one(engine: &Engine, item: &Value, detail: bool, golds: &mut GoldCache) -> Vec<Value> {
    let mut engine_cfg;
    let engine = if detail == engine.math.detail {
        engine
    } else {
        engine_cfg = engine.clone();
        engine_cfg.math.detail = detail;
        &engine_cfg
    };
    match Item::from_value(item) {
        Ok(item) => {
            let mut out = Vec::with_capacity(item.responses.len());
            engine.score_each(&item, detail, golds, |s| {
                let mut v = serde_json::to_value(&s).unwrap_or(Value::Null);
                if !detail {
                    if let Some(o) = v.as_object_mut() {
                        o.remove("detail");
                    }
                }
                out.push(v);
            });
            out
        }
        Err(e) => {
            let v = Verdict::error(e.reason);
            let mut o = serde_json::to_value(&v).unwrap_or(Value::Null);
            if let Some(m) = o.as_object_mut() {
                m.insert("id".into(), e.id);
                m.insert("elapsed_us".into(), json!(0));
            }
            vec![o]
        }
    }
}

/// Score a JSON array of items (the item contract of `/v1/rewards`) on `jobs` threads;
/// returns the JSON array of verdicts, in order (one per response).
#[pyfunction]
#[pyo3(signature = (items_json, jobs=None, detail=false, lenient=false))]
fn score_json(
    py: Python<'_>,
    items_json: &str,
    jobs: Option<usize>,
    detail: bool,
    lenient: bool,
) -> PyResult<String> {
    let items: Vec<Value> = match serde_json::from_str(items_json) {
        Ok(Value::Array(items)) => items,
        Ok(_) => return Err(PyValueError::new_err("items must be a list of dicts")),
        Err(e) => return Err(PyValueError::new_err(format!("items are not JSON: {e}"))),
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = jobs.unwrap_or(cores).clamp(1, 256);
    let engine = engine(lenient);
    let mut results: Vec<Vec<Value>> = Vec::with_capacity(items.len());
    for chunk in items.chunks(CHUNK) {
        let scored = py.detach(|| score_chunk(engine, chunk, detail, jobs));
        results.extend(scored);
        py.check_signals()?;
    }
    let flat: Vec<Value> = results.into_iter().flatten().collect();
    serde_json::to_string(&flat).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Score `chunk` on up to `jobs` scoped threads; results in order.
fn score_chunk(engine: &Engine, chunk: &[Value], detail: bool, jobs: usize) -> Vec<Vec<Value>> {
    let workers = jobs.min(chunk.len()).max(1);
    if workers == 1 {
        let mut golds = GoldCache::default();
        return chunk
            .iter()
            .map(|it| score_one(engine, it, detail, &mut golds))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let out: Vec<Mutex<Vec<Value>>> = chunk.iter().map(|_| Mutex::new(Vec::new())).collect();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let mut golds = GoldCache::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = chunk.get(i) else { break };
                    let v = score_one(engine, item, detail, &mut golds);
                    *out[i].lock().unwrap_or_else(PoisonError::into_inner) = v;
                }
            });
        }
    });
    out.into_iter()
        .map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
        .collect()
}

/// The package's version (the crate's).
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _rlvr(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(score_json, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
