//! The router: every endpoint, the not-found and method-not-allowed answers, and the
//! middleware around every request (admission under `--max-in-flight`, metrics, logs).

use super::error::{self, ApiError};
use super::state::AppState;
use super::{code, json_response, log, metrics, native, openrlhf};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The router with every endpoint, for `rlvr serve` and for tests that bind their own listener.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/rewards", post(native::rewards))
        .route("/v1/math/verify", post(native::math_verify))
        .route("/v1/logic/verify", post(native::logic_verify))
        .route("/v1/code/run", post(code::code_run))
        .route("/v1/verifiers", get(native::verifiers))
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
