//! The one HTTP error type. Every refusal is a JSON body
//! `{"error": {"code": "...", "message": "..."}}` with the right status; overload adds
//! `Retry-After`. A 5xx body stays generic and the cause goes to the log.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A request the server will not (or cannot) answer normally.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, machine-readable: `body_too_large`, `too_many_items`, `invalid_json`, ...
    pub code: &'static str,
    pub message: String,
    /// Seconds, sent as `Retry-After`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 with a code saying what is wrong with the request.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 503 + `Retry-After`: the server is at capacity; the request was not started.
    pub fn overloaded(message: impl Into<String>) -> Self {
        ApiError {
            retry_after: Some(1),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", message)
        }
    }

    /// 504 + `Retry-After`: the request waited for capacity past its budget and was not
    /// started (verl's SandboxFusion client retries a 504, not a 503).
    pub fn queue_timeout(message: impl Into<String>) -> Self {
        ApiError {
            retry_after: Some(1),
            ..Self::new(StatusCode::GATEWAY_TIMEOUT, "queue_timeout", message)
        }
    }

    /// 500 with a generic body; `cause` is logged, not sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        super::log::error(format_args!("internal error: {cause}"));
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal server error (see the server log)",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        let mut resp = (self.status, super::json_bytes(&body)).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp.extensions_mut().insert(RejectionCode(self.code));
        resp
    }
}

/// Marks a response as a refusal, so the metrics middleware can count it by code.
#[derive(Debug, Clone, Copy)]
pub struct RejectionCode(pub &'static str);
