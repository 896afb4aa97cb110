//! The server's shared state and the one scoring path every endpoint goes through: read a
//! bounded body, parse it, turn values into items, score them on the pools, count them.

use super::error::ApiError;
use super::metrics::{Metrics, DOMAINS, VERDICTS};
use super::pool::{BatchOptions, Pool, Skip};
use crate::reward::{Domain, Engine, GoldCache, Item, ItemError, Outcome, Scored, Verdict};
use axum::body::Body;
use axum::http::{header, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The server's limits. Each one says what happens when it is hit.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest request body. Beyond it: 413 `body_too_large` (checked against `Content-Length`
    /// before reading, and while reading chunked bodies). Default 64 MiB.
    pub max_body_bytes: usize,
    /// Most items in one batch (`/v1/rewards`, `/get_reward`, ...). Beyond it: 400
    /// `too_many_items`. Default 65,536.
    pub max_items: usize,
    /// Largest single item (the bytes of its strings: response, ground truth, metadata).
    /// Beyond it the item gets an `error` verdict `item_too_large`; the batch goes on.
    /// Default 8 MiB.
    pub max_item_bytes: usize,
    /// Time a request's items may take from when scoring starts. Items not started by then get
    /// a `timeout` verdict `request_deadline_exceeded`; items already running finish (every
    /// verifier and sandbox run has its own bound). Default 120 s.
    pub deadline: Duration,
    /// Time to receive a whole request body. Beyond it: 408 `body_timeout`. Default 30 s.
    pub body_timeout: Duration,
    /// Time a connection may take to send a whole request head, counted from when the server
    /// starts waiting for it: from accept, and on a kept-alive connection from the end of the
    /// previous response, so it also bounds idle keep-alive connections. Beyond it the
    /// connection is closed without an answer. Default 5 s.
    pub header_timeout: Duration,
    /// Time a response may take to be written to the socket, counted from when it is ready.
    /// Beyond it (a client that stops reading) the connection is dropped. Default 30 s.
    pub send_timeout: Duration,
    /// Connections open at once. Beyond it a new connection is answered at once with 503
    /// `too_many_connections` and `Retry-After: 1`, before its request is parsed, and closed.
    /// Default 4,096.
    pub max_connections: usize,
    /// Requests served at once. Beyond it: 503 `overloaded` with `Retry-After: 1`
    /// (`/healthz` and `/metrics` are always answered). Default 1,024.
    pub max_in_flight: usize,
    /// Math and logic items admitted to the scoring pool and not finished. A batch that does
    /// not fit: 503 `overloaded` with `Retry-After: 1`. Default 262,144 (four full batches).
    pub max_pending_items: usize,
    /// Code items and `/run_code` programs admitted to the sandbox pool and not finished.
    /// Beyond it: 503 `overloaded`. Default 4,096.
    pub max_pending_runs: usize,
    /// Upper bound on the run time a `/run_code` request may ask for. Default 60 s.
    pub max_run_timeout: Duration,
    /// How long a `/run_code` program may wait for a sandbox slot. A program not started by
    /// then is not run: 504 `queue_timeout` with `Retry-After: 1`, which verl's client retries
    /// (twice, after 1 s and 2 s). Default 15 s: with verl's defaults (`run_timeout` 10 s, a
    /// client timeout of compile + run + 10 = 30 s) a program that starts in time finishes
    /// inside the client's timeout.
    pub run_queue_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 << 20,
            max_items: 65_536,
            max_item_bytes: 8 << 20,
            deadline: Duration::from_secs(120),
            body_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(5),
            send_timeout: Duration::from_secs(30),
            max_connections: 4096,
            max_in_flight: 1024,
            max_pending_items: 262_144,
            max_pending_runs: 4096,
            max_run_timeout: Duration::from_secs(60),
            run_queue_timeout: Duration::from_secs(15),
        }
    }
}

/// The default of [`Config::sandbox_workers`], per core.
pub const SANDBOX_RUNS_PER_CORE: usize = 8;

/// Everything a server is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub limits: Limits,
    /// Threads verifying math and logic. Default: the number of cores.
    pub workers: usize,
    /// Programs running in the sandbox at once (code items, `/run_code`). Default: 8 per
    /// core. A time limit is wall-clock and a program that loops holds its slot for all of
    /// it; with slots for only as many programs as cores, a handful of loops would hold every
    /// slot and the correct programs behind them would wait out their clients' timeouts.
    /// Runs past the cores share them, which slows CPU-heavy programs (see docs/code.md).
    pub sandbox_workers: usize,
    /// Log one line per request (otherwise only refusals, 5xx and slow requests).
    pub log_requests: bool,
    /// Math: the weak extraction rules (last number, bold, trailing math) for items that do
    /// not say (`lenient`). Default false.
    pub math_lenient: bool,
}

impl Default for Config {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Config {
            limits: Limits::default(),
            workers: cores,
            sandbox_workers: cores * SANDBOX_RUNS_PER_CORE,
            log_requests: false,
            math_lenient: false,
        }
    }
}

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState(pub(super) Arc<Inner>);

pub(super) struct Inner {
    pub engine: Arc<Engine>,
    pub config: Config,
    pub cpu: Pool,
    pub sandbox: Pool,
    pub metrics: Metrics,
    pub in_flight: AtomicUsize,
}

impl AppState {
    /// Start the scoring pools. Fails only if threads cannot be spawned.
    pub fn new(engine: Engine, config: Config) -> std::io::Result<AppState> {
        let l = &config.limits;
        let cpu = Pool::new("rlvr-score", config.workers, l.max_pending_items)?;
        let sandbox = Pool::new("rlvr-sandbox", config.sandbox_workers, l.max_pending_runs)?;
        Ok(AppState(Arc::new(Inner {
            engine: Arc::new(engine),
            cpu,
            sandbox,
            metrics: Metrics::default(),
            in_flight: AtomicUsize::new(0),
            config,
        })))
    }

    pub fn limits(&self) -> &Limits {
        &self.0.config.limits
    }

    /// Stop the pools' threads (after shutdown).
    pub fn stop(&self) {
        self.0.cpu.stop();
        self.0.sandbox.stop();
    }

    /// Read the whole body within the size and time limits and parse it as JSON.
    pub async fn read_json(
        &self,
        body: Body,
        content_length: Option<u64>,
    ) -> Result<Value, ApiError> {
        let l = self.limits();
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "request body exceeds {} bytes (--max-body-mb)",
                    l.max_body_bytes
                ),
            )
        };
        if content_length.is_some_and(|n| n > l.max_body_bytes as u64) {
            return Err(too_large());
        }
        let collected = tokio::time::timeout(
            l.body_timeout,
            Limited::new(body, l.max_body_bytes).collect(),
        )
        .await;
        let bytes = match collected {
            Err(_) => {
                return Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "body_timeout",
                    format!("request body not received within {:?}", l.body_timeout),
                ))
            }
            Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large()),
            Ok(Err(e)) => {
                return Err(ApiError::bad_request(
                    "body_read_error",
                    format!("could not read the request body: {e}"),
                ))
            }
            Ok(Ok(c)) => c.to_bytes(),
        };
        let bytes_len = bytes.len();
        let parse = move || {
            serde_json::from_slice::<Value>(&bytes)
                .map_err(|e| ApiError::bad_request("invalid_json", format!("invalid JSON: {e}")))
        };
        if bytes_len > 1 << 20 {
            tokio::task::spawn_blocking(parse)
                .await
                .map_err(ApiError::internal)?
        } else {
            parse()
        }
    }

    /// Score a batch of JSON values as items; `force` pins the domain (per-domain endpoints).
    /// One entry per value, in order; each holds one verdict per response of the item.
    pub async fn score_values(
        &self,
        values: Vec<Value>,
        force: Option<Domain>,
        detail: bool,
    ) -> Result<Vec<Vec<Scored>>, ApiError> {
        let l = self.limits();
        if values.len() > l.max_items {
            return Err(ApiError::bad_request(
                "too_many_items",
                format!(
                    "{} items in one request; the limit is {} (--max-items)",
                    values.len(),
                    l.max_items
                ),
            ));
        }
        let n = values.len();
        let max_item = l.max_item_bytes;
        let prep = move || -> Vec<(usize, Prepared)> {
            values
                .into_iter()
                .map(|v| prepare(v, force, max_item))
                .enumerate()
                .collect()
        };
        let prepared = if n > 1024 {
            tokio::task::spawn_blocking(prep)
                .await
                .map_err(ApiError::internal)?
        } else {
            prep()
        };
        let (code, cpu): (Vec<_>, Vec<_>) = prepared
            .into_iter()
            .partition(|(_, p)| matches!(&p.item, Ok(i) if i.domain == Domain::Code));

        let cancel = Arc::new(AtomicBool::new(false));
        let _guard = CancelOnDrop(cancel.clone());
        let deadline = Instant::now() + l.deadline;
        let opts = |chunk| BatchOptions {
            chunk,
            deadline,
            cancel: cancel.clone(),
        };
        let cpu_chunk = cpu.len().div_ceil(self.0.cpu.workers() * 2).clamp(1, 256);
        let (e1, e2) = (self.0.engine.clone(), self.0.engine.clone());
        let (cpu_out, code_out) = tokio::join!(
            self.0.cpu.run_batch(
                cpu,
                opts(cpu_chunk),
                move |x| score(&e1, x, detail),
                skipped
            ),
            self.0
                .sandbox
                .run_batch(code, opts(1), move |x| score(&e2, x, detail), skipped),
        );
        let overloaded = |_| {
            ApiError::overloaded("the scoring queue is full; retry shortly or send fewer items")
        };
        let (cpu_out, code_out) = (cpu_out.map_err(overloaded)?, code_out.map_err(overloaded)?);

        let mut out: Vec<Vec<Scored>> = (0..n).map(|_| Vec::new()).collect();
        for (idx, domain, scored) in cpu_out.into_iter().chain(code_out) {
            for s in &scored {
                let v = VERDICTS
                    .iter()
                    .position(|x| *x == s.verdict.verdict.as_str())
                    .unwrap_or(VERDICTS.len() - 1);
                self.0.metrics.item(domain, v, s.elapsed_us);
            }
            out[idx] = scored;
        }
        Ok(out)
    }
}

/// Sets the batch's cancel flag when the request future is dropped (the client went away).
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// An item read from JSON, or why it could not be.
pub(super) struct Prepared {
    item: Result<Item, ItemError>,
    /// Index into [`DOMAINS`].
    domain: usize,
}

fn prepare(mut v: Value, force: Option<Domain>, max_bytes: usize) -> Prepared {
    let id = v.get("id").cloned().unwrap_or(Value::Null);
    let fail = |reason: String| Prepared {
        item: Err(ItemError {
            id: id.clone(),
            reason,
        }),
        domain: DOMAINS.len() - 1,
    };
    let size = value_bytes(&v);
    if size > max_bytes {
        return fail(format!(
            "item_too_large: {size} bytes > {max_bytes} (--max-item-mb)"
        ));
    }
    if let (Some(force), Some(obj)) = (force, v.as_object_mut()) {
        match obj.get("domain") {
            None | Some(Value::Null) => {
                obj.insert("domain".into(), Value::String(force.as_str().into()));
            }
            Some(Value::String(d)) if Domain::parse(d) == Some(force) => {}
            Some(d) => {
                return fail(format!(
                    "this endpoint verifies {} items; the item says domain {d}",
                    force.as_str()
                ))
            }
        }
    }
    match Item::from_value_owned(v) {
        Ok(item) => Prepared {
            domain: match item.domain {
                Domain::Math => 0,
                Domain::Code => 1,
                Domain::Logic => 2,
                Domain::Ifeval => 3,
                Domain::Stem => 4,
            },
            item: Ok(item),
        },
        Err(e) => Prepared {
            item: Err(e),
            domain: DOMAINS.len() - 1,
        },
    }
}

/// The bytes of a value's strings and keys plus a little per node: what "item size" means.
fn value_bytes(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 2,
        Value::Array(xs) => xs.iter().map(value_bytes).sum::<usize>() + 2,
        Value::Object(m) => {
            m.iter()
                .map(|(k, v)| k.len() + 3 + value_bytes(v))
                .sum::<usize>()
                + 2
        }
        _ => 8,
    }
}

/// One item's verdicts: (its index in the request, its domain index, one per response).
type Out = (usize, usize, Vec<Scored>);

thread_local! {
    /// The last math golds this worker read: a batch's samples of one prompt (verl repeats
    /// each prompt `n` times side by side) share them.
    static GOLDS: std::cell::RefCell<GoldCache> = std::cell::RefCell::default();
}

fn score(engine: &Engine, (idx, p): &(usize, Prepared), detail: bool) -> Out {
    let mut scored = match &p.item {
        Ok(item) => GOLDS.with_borrow_mut(|golds| {
            let mut scored = Vec::with_capacity(item.responses.len());
            engine.score_each(item, detail, golds, |s| scored.push(s));
            scored
        }),
        Err(e) => vec![Scored {
            id: e.id.clone(),
            sample: None,
            verdict: Verdict::error(e.reason.clone()),
            elapsed_us: 0,
        }],
    };
    if !detail {
        for s in &mut scored {
            s.verdict.detail = None;
        }
    }
    (*idx, p.domain, scored)
}

fn skipped((idx, p): &(usize, Prepared), why: Skip) -> Out {
    let verdict = match why {
        Skip::Deadline => Verdict::timeout("request_deadline_exceeded", None),
        Skip::Cancelled => Verdict::error("cancelled"),
        Skip::Panicked => {
            super::log::error(format_args!(
                "msg=\"verifier panicked\" domain={}",
                DOMAINS[p.domain]
            ));
            Verdict::error("internal_error: the verifier failed on this item")
        }
    };
    let scored = match &p.item {
        Ok(item) => {
            let many = item.responses.len() > 1 || item.multi_sample;
            (0..item.responses.len())
                .map(|i| Scored {
                    id: item.id.clone(),
                    sample: many.then_some(i),
                    verdict: verdict.clone(),
                    elapsed_us: 0,
                })
                .collect()
        }
        Err(e) => vec![Scored {
            id: e.id.clone(),
            sample: None,
            verdict,
            elapsed_us: 0,
        }],
    };
    (*idx, p.domain, scored)
}

/// `Content-Length` of a request, if it sent one that parses.
pub fn content_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Whether an outcome counts as correct, for the compatibility shapes' 0/1 fields.
pub fn is_correct(v: &Verdict) -> bool {
    v.verdict == Outcome::Correct
}
