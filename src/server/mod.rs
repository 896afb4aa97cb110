//! `rlvr serve`: the HTTP reward API (DESIGN.md, "The HTTP API"), with shims that let verl,
//! OpenRLHF, TRL and SandboxFusion users point an existing pipeline at rlvr unchanged.
//!
//! Promises: every item is scored by the same router as `rlvr grade` ([`crate::reward`]);
//! verification runs on bounded thread pools, never on the async runtime; every limit is
//! explicit ([`Limits`]) and answered with a JSON error (413/400/408) or, under overload, 503
//! with `Retry-After`; a malformed item is an `error` verdict, never a failed batch; shutdown
//! (Ctrl-C, SIGTERM) stops accepting and lets in-flight requests finish.
//!
//! Connections are served by [`serve_listener`] (`conn.rs`), which bounds slow clients: header
//! and send timeouts and a cap on open connections.
//!
//! Tests and embedders build the router with [`app`], or serve their own listener with
//! [`serve_listener`].

mod code;
mod conn;
mod error;
mod log;
mod metrics;
mod openrlhf;
mod pool;
mod rewards;
mod state;

pub use conn::serve_listener;
pub use error::ApiError;
pub use state::{AppState, Config, Limits};

use crate::reward::Engine;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Arguments of `rlvr serve`. Every flag has an environment variable and a default.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, env = "RLVR_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: SocketAddr,
    /// Threads verifying math and logic [default: the number of cores].
    #[arg(long, env = "RLVR_WORKERS")]
    pub workers: Option<usize>,
    /// Programs running at once in the sandbox (code items, /run_code); more wait, see
    /// --run-queue-timeout-s. A time limit is wall-clock and a looping program holds its slot
    /// for all of it, so the default runs more programs than cores; runs share the cores,
    /// which slows CPU-heavy programs [default: 8 per core].
    #[arg(long, env = "RLVR_SANDBOX_WORKERS")]
    pub sandbox_workers: Option<usize>,
    /// Threads of the async runtime (HTTP and JSON) [default: the number of cores, at most 4].
    #[arg(long, env = "RLVR_IO_THREADS")]
    pub io_threads: Option<usize>,
    /// Largest request body, MiB (beyond: 413).
    #[arg(long, env = "RLVR_MAX_BODY_MB", default_value_t = 64)]
    pub max_body_mb: usize,
    /// Most items per request (beyond: 400).
    #[arg(long, env = "RLVR_MAX_ITEMS", default_value_t = 65_536)]
    pub max_items: usize,
    /// Largest single item, MiB (beyond: that item's verdict is an error).
    #[arg(long, env = "RLVR_MAX_ITEM_MB", default_value_t = 8)]
    pub max_item_mb: usize,
    /// Seconds a request's items may take; unstarted items then get a timeout verdict.
    #[arg(long, env = "RLVR_DEADLINE_S", default_value_t = 120.0)]
    pub deadline_s: f64,
    /// Seconds to receive a request body (beyond: 408).
    #[arg(long, env = "RLVR_BODY_TIMEOUT_S", default_value_t = 30.0)]
    pub body_timeout_s: f64,
    /// Seconds to receive a request's head; also how long an idle keep-alive connection stays
    /// open (beyond: the connection is closed).
    #[arg(long, env = "RLVR_HEADER_TIMEOUT_S", default_value_t = 5.0)]
    pub header_timeout_s: f64,
    /// Seconds to write a response once it is ready (beyond: the connection is dropped).
    #[arg(long, env = "RLVR_SEND_TIMEOUT_S", default_value_t = 30.0)]
    pub send_timeout_s: f64,
    /// Connections open at once (beyond: a new connection gets 503 + Retry-After and is closed).
    #[arg(long, env = "RLVR_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Requests served at once (beyond: 503 + Retry-After).
    #[arg(long, env = "RLVR_MAX_IN_FLIGHT", default_value_t = 1024)]
    pub max_in_flight: usize,
    /// Math/logic items queued or running (beyond: 503 + Retry-After).
    #[arg(long, env = "RLVR_MAX_PENDING_ITEMS", default_value_t = 262_144)]
    pub max_pending_items: usize,
    /// Code items and programs queued or running (beyond: 503 + Retry-After).
    #[arg(long, env = "RLVR_MAX_PENDING_RUNS", default_value_t = 4096)]
    pub max_pending_runs: usize,
    /// Cap on the run time a /run_code request may ask for, seconds.
    #[arg(long, env = "RLVR_MAX_RUN_TIMEOUT_S", default_value_t = 60.0)]
    pub max_run_timeout_s: f64,
    /// Seconds a /run_code program may wait for a sandbox slot; one not started by then gets
    /// 504 queue_timeout with Retry-After (verl retries 504s), never a silent zero.
    #[arg(long, env = "RLVR_RUN_QUEUE_TIMEOUT_S", default_value_t = 15.0)]
    pub run_queue_timeout_s: f64,
    /// Seconds to let in-flight requests finish after Ctrl-C or SIGTERM.
    #[arg(long, env = "RLVR_SHUTDOWN_TIMEOUT_S", default_value_t = 30.0)]
    pub shutdown_timeout_s: f64,
    /// Math: when a response states no explicit answer (box, answer tag, "the answer is",
    /// ####), read its last number, bold text or trailing math instead of no_answer. For
    /// evaluating base models; an item's own `lenient` field wins.
    #[arg(long, env = "RLVR_MATH_LENIENT")]
    pub math_lenient: bool,
    /// Log one line per request (default: only refusals, errors and slow requests).
    #[arg(long, env = "RLVR_LOG_REQUESTS")]
    pub log_requests: bool,
    /// Load the sandbox at start, in the background, so the first code request does not wait
    /// for its runtime to load (or, the first time on a machine, to build).
    #[arg(long, env = "RLVR_WARM_SANDBOX", default_value_t = true, action = clap::ArgAction::Set)]
    pub warm_sandbox: bool,
}

fn secs(name: &str, s: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| anyhow::anyhow!("--{name} must be a positive number of seconds"))
}

impl ServeArgs {
    /// The resolved settings.
    pub fn config(&self) -> anyhow::Result<Config> {
        let d = Config::default();
        Ok(Config {
            limits: Limits {
                max_body_bytes: self.max_body_mb.saturating_mul(1 << 20),
                max_items: self.max_items,
                max_item_bytes: self.max_item_mb.saturating_mul(1 << 20),
                deadline: secs("deadline-s", self.deadline_s)?,
                body_timeout: secs("body-timeout-s", self.body_timeout_s)?,
                header_timeout: secs("header-timeout-s", self.header_timeout_s)?,
                send_timeout: secs("send-timeout-s", self.send_timeout_s)?,
                max_connections: self.max_connections.max(1),
                max_in_flight: self.max_in_flight.max(1),
                max_pending_items: self.max_pending_items.max(1),
                max_pending_runs: self.max_pending_runs.max(1),
                max_run_timeout: secs("max-run-timeout-s", self.max_run_timeout_s)?,
                run_queue_timeout: secs("run-queue-timeout-s", self.run_queue_timeout_s)?,
            },
            workers: self.workers.unwrap_or(d.workers).max(1),
            sandbox_workers: self.sandbox_workers.unwrap_or(d.sandbox_workers).max(1),
            log_requests: self.log_requests,
            math_lenient: self.math_lenient,
        })
    }
}

/// The answer of every handler.
pub type ApiResult = Result<Response, ApiError>;

pub(crate) fn json_bytes<T: serde::Serialize + ?Sized>(v: &T) -> Vec<u8> {
    // Serializing our own types to a Vec cannot fail (no maps with non-string keys).
    serde_json::to_vec(v).unwrap_or_else(|_| b"null".to_vec())
}

/// A 200 response with a JSON body.
pub fn json_response<T: serde::Serialize + ?Sized>(v: &T) -> Response {
    let mut resp = json_bytes(v).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// The router with every endpoint, for `rlvr serve` and for tests that bind their own listener.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/rewards", post(rewards::rewards))
        .route("/v1/math/verify", post(rewards::math_verify))
        .route("/v1/logic/verify", post(rewards::logic_verify))
        .route("/v1/code/run", post(code::code_run))
        .route("/v1/verifiers", get(rewards::verifiers))
        .route("/run_code", post(code::run_code))
        .route("/get_reward", post(openrlhf::get_reward))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

async fn healthz(State(st): State<AppState>) -> Response {
    json_response(&serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "workers": st.0.cpu.workers(),
        "sandbox_workers": st.0.sandbox.workers(),
    }))
}

async fn metrics_text(State(st): State<AppState>) -> Response {
    let g = metrics::Gauges {
        requests_in_flight: st.0.in_flight.load(Ordering::Relaxed),
        sandbox_runs_in_flight: st.0.sandbox.active(),
        pending_items: [
            ("score", st.0.cpu.pending()),
            ("sandbox", st.0.sandbox.pending()),
        ],
    };
    let mut resp = st.0.metrics.render(&g).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    resp
}

async fn not_found(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "no endpoint {} (see GET /v1/verifiers and docs/integrations.md)",
            req.uri().path()
        ),
    )
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
}

/// Decrements the in-flight count however the request ends (even if the client goes away).
struct InFlight<'a>(&'a AppState);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0 .0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Admission (in-flight limit), metrics and logs around every request.
async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = metrics::route_index(req.uri().path());
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let n = st.0.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    let _guard = InFlight(&st);
    let exempt = matches!(path.as_str(), "/healthz" | "/metrics");
    let resp = if n > st.limits().max_in_flight && !exempt {
        ApiError::overloaded(format!(
            "{} requests in flight (--max-in-flight {})",
            n - 1,
            st.limits().max_in_flight
        ))
        .into_response()
    } else {
        next.run(req).await
    };
    let us = start.elapsed().as_micros() as u64;
    let status = resp.status().as_u16();
    st.0.metrics.request(route, status, us);
    let code = resp.extensions().get::<error::RejectionCode>().map(|c| c.0);
    if let Some(c) = code {
        st.0.metrics.rejection(c);
    }
    if st.0.config.log_requests || code.is_some() || us > 10_000_000 {
        let lvl = if status >= 500 || code.is_some() {
            log::warn
        } else {
            log::info
        };
        lvl(format_args!(
            "msg=request method={method} path={path:?} status={status} ms={:.2} code={}",
            us as f64 / 1e3,
            code.unwrap_or("-")
        ));
    }
    resp
}

/// `rlvr serve`: listen, serve until Ctrl-C/SIGTERM, drain, exit.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    let io_threads = args
        .io_threads
        .unwrap_or_else(|| config.workers.min(4))
        .max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(io_threads)
        .thread_name("rlvr-io")
        .enable_all()
        .build()?;
    // `--sandbox-workers` is the number of programs running at once, everywhere: the pool's
    // threads and the sandbox's own slots.
    rlvr_sandbox::set_shared_max_concurrent(config.sandbox_workers);
    if args.warm_sandbox {
        warm_sandbox();
    }
    rt.block_on(serve(
        args.addr,
        config,
        secs("shutdown-timeout-s", args.shutdown_timeout_s)?,
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// Load the sandbox on a background thread and log how it went.
fn warm_sandbox() {
    let spawned = std::thread::Builder::new()
        .name("rlvr-warm".into())
        .spawn(|| {
            let start = Instant::now();
            match rlvr_sandbox::shared() {
                Ok(_) => log::info(format_args!(
                    "msg=\"sandbox ready\" s={:.1}",
                    start.elapsed().as_secs_f64()
                )),
                Err(e) => log::warn(format_args!(
                    "msg=\"sandbox not available; code items will get error verdicts until it is\" cause={:?}",
                    e.to_string()
                )),
            }
        });
    if let Err(e) = spawned {
        log::warn(format_args!(
            "msg=\"cannot start the sandbox warm-up\" cause={e:?}"
        ));
    }
}

async fn serve(addr: SocketAddr, config: Config, grace: Duration) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {addr}: {e} (choose another with --addr or RLVR_ADDR)")
    })?;
    let local = listener.local_addr()?;
    let (workers, sandbox_workers) = (config.workers, config.sandbox_workers);
    let mut engine = Engine::default();
    engine.math.lenient = config.math_lenient;
    let state = AppState::new(engine, config)?;
    log::info(format_args!(
        "msg=listening addr=http://{local} workers={workers} sandbox_workers={sandbox_workers}"
    ));
    println!("rlvr serve: listening on http://{local}");
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        log::info(format_args!(
            "msg=\"shutting down: no new connections; finishing in-flight requests\" grace_s={}",
            grace.as_secs_f64()
        ));
        let _ = tx.send(true);
    });
    let mut rx2 = rx.clone();
    let mut rx1 = rx;
    let server = serve_listener(listener, state.clone(), async move {
        let _ = rx1.wait_for(|s| *s).await;
    });
    let expired = async move {
        let _ = rx2.wait_for(|s| *s).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        () = server => {}
        () = expired => log::warn(format_args!("msg=\"grace period over; dropping unfinished requests\"")),
    }
    state.stop();
    log::info(format_args!("msg=stopped"));
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
