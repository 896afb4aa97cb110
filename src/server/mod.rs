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
//!
//! Files: `args.rs` (flags, resolved into [`Config`]), `app.rs` (router and middleware),
//! `state.rs` (the shared state and the scoring path), one file per group of endpoints
//! (`native.rs`, `code.rs`, `openrlhf.rs`), `pool.rs`, `conn.rs`, `metrics.rs`, `error.rs`,
//! `log.rs`; this file starts and stops the server.

mod app;
mod args;
mod code;
mod conn;
mod error;
mod log;
mod metrics;
mod native;
mod openrlhf;
mod pool;
mod state;

pub use app::app;
pub use args::ServeArgs;
pub use conn::serve_listener;
pub use error::ApiError;
pub use state::{AppState, Config, Limits};

use crate::reward::Engine;
use args::secs;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

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
