//! `rlvr._rlvr`: the reward engine inside a Python process. The Python package (`rlvr/`)
//! wraps these functions: the items are read straight from the Python objects into the same
//! code as `rlvr serve` and `rlvr grade` ([`rlvr::reward::Item`], [`rlvr::reward::Engine`]),
//! and the verdicts come back as one JSON text for `json.loads`.
//!
//! Scoring runs on Rust threads with the GIL released, in chunks; between chunks the GIL is
//! taken back briefly to check for signals, so Ctrl-C stops a long batch promptly. No thread
//! pool outlives a call (the threads are scoped), so a process forked between calls inherits
//! no half-dead pool.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use rlvr::reward::{openrlhf_item, Engine, GoldCache, Item, Verdict};
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

/// A Python value (what `json.dumps` accepts) as JSON, read directly from the objects: no
/// JSON text in between. Nesting deeper than 256 levels is refused.
fn to_json(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > 256 {
        return Err(PyValueError::new_err("item nested too deeply"));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.cast::<PyInt>().is_ok() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        // Beyond 64 bits: its decimal digits, as JSON would carry them.
        let text = obj.str()?.to_cow()?.into_owned();
        return Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(serde_json::Number::from_f64(f.value()).map_or(Value::Null, Value::Number));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = serde_json::Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = match k.cast::<PyString>() {
                Ok(s) => s.to_cow()?.into_owned(),
                Err(_) => k.str()?.to_cow()?.into_owned(),
            };
            m.insert(key, to_json(&v, depth + 1)?);
        }
        return Ok(Value::Object(m));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l
            .iter()
            .map(|x| to_json(&x, depth + 1))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t
            .iter()
            .map(|x| to_json(&x, depth + 1))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    Err(PyTypeError::new_err(format!(
        "an item holds a {} (items are JSON values: dict, list, str, int, float, bool, None)",
        obj.get_type().name()?
    )))
}

/// Score a list of items (dicts) read straight from the Python objects, on `jobs` threads;
/// the JSON array of verdicts, in order (one per response).
#[pyfunction]
#[pyo3(signature = (items, jobs=None, detail=false, lenient=false))]
fn score_objects(
    py: Python<'_>,
    items: &Bound<'_, PyList>,
    jobs: Option<usize>,
    detail: bool,
    lenient: bool,
) -> PyResult<String> {
    // An item that cannot be read (not a dict, or holding something that is not JSON) gets
    // an `error` verdict of its own; the batch goes on.
    let values = items
        .iter()
        .map(|it| {
            let Ok(d) = it.cast::<PyDict>() else {
                return unreadable(Value::Null, "the item is not a dict".into());
            };
            match to_json(&it, 0) {
                Ok(v) => v,
                Err(e) => {
                    let id = d
                        .get_item("id")
                        .ok()
                        .flatten()
                        .and_then(|id| to_json(&id, 0).ok())
                        .unwrap_or(Value::Null);
                    unreadable(id, e.value(py).to_string())
                }
            }
        })
        .collect::<Vec<Value>>();
    score_values(py, values, jobs, detail, lenient)
}

/// The key that marks an item the package could not read, with the reason.
const UNREADABLE: &str = "\u{0}rlvr_unreadable";

/// A placeholder for an item that could not be read: its `error` verdict is made from it.
fn unreadable(id: Value, why: String) -> Value {
    json!({"id": id, UNREADABLE: why})
}

/// OpenRLHF's reward call: the items `rlvr serve`'s `/get_reward` makes of `queries`,
/// `prompts` and `labels` ([`openrlhf_item`]), scored; the verdicts as JSON, in order.
#[pyfunction]
#[pyo3(signature = (queries, prompts, labels, jobs=None))]
fn score_openrlhf(
    py: Python<'_>,
    queries: Vec<String>,
    prompts: Option<Vec<Option<String>>>,
    labels: Option<&Bound<'_, PyList>>,
    jobs: Option<usize>,
) -> PyResult<String> {
    let n = queries.len();
    let labels = match labels {
        Some(l) => l
            .iter()
            .map(|x| to_json(&x, 0))
            .collect::<PyResult<Vec<_>>>()?,
        None => vec![Value::Null; n],
    };
    let prompts = prompts.unwrap_or_else(|| vec![None; n]);
    if labels.len() != n || prompts.len() != n {
        return Err(PyValueError::new_err(
            "queries, prompts and labels must have the same length",
        ));
    }
    let shared = serde_json::Map::new();
    let items = queries
        .into_iter()
        .zip(prompts)
        .zip(&labels)
        .map(|((q, p), l)| openrlhf_item(q, p.as_deref(), l, &shared))
        .collect();
    score_values(py, items, jobs, false, false)
}

/// One item's verdicts as JSON objects (several for `responses`), or its `error` verdict.
/// `detail` goes to the engine, which turns the math verifier's detail off itself.
fn score_one(engine: &Engine, item: Value, detail: bool, golds: &mut GoldCache) -> Vec<Value> {
    if let Some(why) = item.get(UNREADABLE).and_then(Value::as_str) {
        let id = item.get("id").cloned().unwrap_or(Value::Null);
        return vec![error_verdict(id, why.to_string())];
    }
    match Item::from_value_owned(item) {
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
        Err(e) => vec![error_verdict(e.id, e.reason)],
    }
}

/// The verdict of an item that could not be read, as `/v1/rewards` words it.
fn error_verdict(id: Value, reason: String) -> Value {
    let mut o = serde_json::to_value(Verdict::error(reason)).unwrap_or(Value::Null);
    if let Some(m) = o.as_object_mut() {
        m.insert("id".into(), id);
        m.insert("elapsed_us".into(), json!(0));
    }
    o
}

/// Score `items` in chunks with the GIL released, checking for signals between chunks; the
/// verdicts as one JSON array, in order.
fn score_values(
    py: Python<'_>,
    items: Vec<Value>,
    jobs: Option<usize>,
    detail: bool,
    lenient: bool,
) -> PyResult<String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = jobs.unwrap_or(cores).clamp(1, 256);
    let engine = engine(lenient);
    let mut out = String::with_capacity(items.len() * 96 + 2);
    out.push('[');
    let mut first = true;
    let mut items = items.into_iter();
    loop {
        let chunk: Vec<Value> = items.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let scored = py.detach(|| score_chunk(engine, chunk, detail, jobs));
        for v in scored.into_iter().flatten() {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&v.to_string());
        }
        py.check_signals()?;
    }
    out.push(']');
    Ok(out)
}

/// Score `chunk` on up to `jobs` scoped threads; results in order.
fn score_chunk(engine: &Engine, chunk: Vec<Value>, detail: bool, jobs: usize) -> Vec<Vec<Value>> {
    let workers = jobs.min(chunk.len()).max(1);
    if workers == 1 {
        let mut golds = GoldCache::default();
        return chunk
            .into_iter()
            .map(|it| score_one(engine, it, detail, &mut golds))
            .collect();
    }
    // Each item is taken out of its slot by the thread that scores it.
    let chunk: Vec<Mutex<Value>> = chunk.into_iter().map(Mutex::new).collect();
    let next = AtomicUsize::new(0);
    let out: Vec<Mutex<Vec<Value>>> = chunk.iter().map(|_| Mutex::new(Vec::new())).collect();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let mut golds = GoldCache::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = chunk.get(i) else { break };
                    let item =
                        std::mem::take(&mut *slot.lock().unwrap_or_else(PoisonError::into_inner));
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
    m.add_function(wrap_pyfunction!(score_objects, m)?)?;
    m.add_function(wrap_pyfunction!(score_openrlhf, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
