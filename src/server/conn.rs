//! The accept loop and HTTP/1.1 connections of `rlvr serve`, written on hyper directly rather
//! than `axum::serve`, so that slow or hostile clients hold nothing for long:
//!
//! - **Header timeout**: a connection must send a whole request head within
//!   [`Limits::header_timeout`] (hyper's header read timer). The timer starts again whenever a
//!   kept-alive connection waits for its next request, so it also closes idle connections, and
//!   a client that connects and says nothing.
//! - **Send timeout**: a response must be written to the socket within
//!   [`Limits::send_timeout`] of being ready ([`Timed`]); a client that stops reading is
//!   dropped instead of holding the connection and its buffers.
//! - **Connection cap**: at most [`Limits::max_connections`] are open. Beyond it a new
//!   connection is answered at once with a fixed 503 `too_many_connections` and
//!   `Retry-After: 1`, before its request is parsed, and closed ([`refuse`]). Those answers are
//!   themselves bounded: at most [`REFUSING_AT_ONCE`] at a time, each for at most
//!   [`REFUSAL_TIME`]; beyond that a connection is closed unanswered.
//!
//! Shutdown: the listener is closed (so the OS refuses new connections), idle connections are
//! closed, in-flight requests are answered and their connections then closed.
//!
//! [`Limits::header_timeout`]: super::Limits::header_timeout
//! [`Limits::send_timeout`]: super::Limits::send_timeout
//! [`Limits::max_connections`]: super::Limits::max_connections

use super::{app, log, AppState};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::Service;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// Refusals (503 over the connection cap) being answered at once; beyond, close unanswered.
pub const REFUSING_AT_ONCE: usize = 256;
/// The longest a refused connection is kept: writing the 503, then reading what the client
/// sent until it closes (closing with unread input would reset the connection and could destroy
/// the answer before the client reads it).
pub const REFUSAL_TIME: Duration = Duration::from_secs(2);
/// Bytes of a refused connection's request read (and discarded) before it is closed.
const REFUSAL_DRAIN: usize = 64 << 10;

/// Serve the API on `listener` until `shutdown` completes, then stop accepting and wait for
/// open connections to finish their requests (the caller bounds that wait).
pub async fn serve_listener(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send,
) {
    let limits = state.limits().clone();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let service = TowerToHyperService::new(app(state.clone()));
    let graceful = GracefulShutdown::new();
    let refusing = Arc::new(AtomicUsize::new(0));
    let refusal = refusal_answer(limits.max_connections);
    let mut last_warn: Option<Instant> = None;
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            r = listener.accept() => r,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // The client gave up between connecting and our accept: nothing to do.
            Err(e) if is_per_connection(&e) => continue,
            // Out of file descriptors or memory: wait a little instead of spinning.
            Err(e) => {
                if last_warn.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                    log::warn(format_args!(
                        "msg=\"cannot accept connections; retrying\" cause={:?}",
                        e.to_string()
                    ));
                    last_warn = Some(Instant::now());
                }
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                }
            }
        };
        let conns = &state.0.metrics.conns;
        // Only this loop adds to `open`, so checking then adding cannot overshoot the cap.
        if conns.open.load(Ordering::Relaxed) >= limits.max_connections {
            refuse(stream, &state, &refusing, &refusal);
            continue;
        }
        conns.open.fetch_add(1, Ordering::Relaxed);
        conns.accepted.fetch_add(1, Ordering::Relaxed);
        let open = Open(state.clone());
        // Responses are written whole; do not hold their last segment back.
        let _ = stream.set_nodelay(true);
        let shared = Arc::new(Shared::default());
        let io = TokioIo::new(Timed {
            io: stream,
            send_timeout: limits.send_timeout,
            stall: None,
            armed_for: 0,
            shared: shared.clone(),
        });
        let svc = Svc {
            inner: service.clone(),
            shared: shared.clone(),
        };
        let conn = graceful.watch(builder.serve_connection(io, svc));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                if let Some(phase) = shared.timeout_phase(&e) {
                    open.0 .0.metrics.conns.timed_out[phase].fetch_add(1, Ordering::Relaxed);
                }
            }
            drop(open);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Accept errors that concern one connection, not the listener.
fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

/// Counts a served connection as open until its task ends (however it ends).
struct Open(AppState);

impl Drop for Open {
    fn drop(&mut self) {
        self.0 .0.metrics.conns.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Releases a refusal slot when the refusal task ends.
struct Refusing(Arc<AtomicUsize>);

impl Drop for Refusing {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The whole HTTP answer to a connection over the cap: the same for every refusal.
fn refusal_answer(max_connections: usize) -> Arc<[u8]> {
    let body = serde_json::json!({"error": {
        "code": "too_many_connections",
        "message": format!("{max_connections} connections are open (--max-connections); retry shortly"),
    }})
    .to_string();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
    .into()
}

/// Answer a connection over the cap with `answer` (a 503) and close it, or just close it when
/// too many refusals are already in progress.
fn refuse(
    mut stream: TcpStream,
    state: &AppState,
    refusing: &Arc<AtomicUsize>,
    answer: &Arc<[u8]>,
) {
    let rejected = &state.0.metrics.conns.rejected;
    if refusing.fetch_add(1, Ordering::Relaxed) >= REFUSING_AT_ONCE {
        refusing.fetch_sub(1, Ordering::Relaxed);
        rejected[1].fetch_add(1, Ordering::Relaxed);
        return;
    }
    rejected[0].fetch_add(1, Ordering::Relaxed);
    let slot = Refusing(refusing.clone());
    let answer = answer.clone();
    tokio::spawn(async move {
        let _slot = slot;
        let _ = tokio::time::timeout(REFUSAL_TIME, async {
            stream.write_all(&answer).await?;
            stream.shutdown().await?;
            let mut buf = [0u8; 4096];
            let mut read = 0;
            while read < REFUSAL_DRAIN {
                match stream.read(&mut buf).await? {
                    0 => break,
                    n => read += n,
                }
            }
            Ok::<(), io::Error>(())
        })
        .await;
    });
}

/// What a connection's service and socket wrapper tell each other and the accept loop.
#[derive(Default)]
struct Shared {
    /// A number that changes whenever a request arrives or its response becomes ready, and
    /// when the response became ready (`None` while a request is being handled).
    response: Mutex<(u64, Option<Instant>)>,
    /// Request bytes arrived since the latest response was ready.
    receiving: AtomicBool,
    /// The send timeout closed the connection.
    send_timed_out: AtomicBool,
}

impl Shared {
    /// A request head arrived: what hyper writes now (`100 Continue`, an early error) is not
    /// the previous response and is timed from when it first blocks.
    fn request_started(&self) {
        let mut r = self.response.lock().unwrap_or_else(|e| e.into_inner());
        *r = (r.0 + 1, None);
    }

    fn response_ready(&self) {
        let mut r = self.response.lock().unwrap_or_else(|e| e.into_inner());
        *r = (r.0 + 1, Some(Instant::now()));
        self.receiving.store(false, Ordering::Relaxed);
    }

    /// The [`super::metrics::TIMEOUT_PHASES`] index of a connection's error, if a timeout.
    fn timeout_phase(&self, e: &hyper::Error) -> Option<usize> {
        if self.send_timed_out.load(Ordering::Relaxed) {
            Some(2)
        } else if e.is_timeout() {
            Some(usize::from(self.receiving.load(Ordering::Relaxed)))
        } else {
            None
        }
    }
}

/// The router as a hyper service that notes when each response is ready.
struct Svc {
    inner: TowerToHyperService<Router>,
    shared: Arc<Shared>,
}

impl Service<hyper::Request<Incoming>> for Svc {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn call(&self, req: hyper::Request<Incoming>) -> Self::Future {
        self.shared.request_started();
        let fut = self.inner.call(req);
        let shared = self.shared.clone();
        Box::pin(async move {
            let resp = fut.await;
            shared.response_ready();
            resp
        })
    }
}

/// A client socket whose writes fail with `TimedOut` once the response being written has been
/// ready for longer than the send timeout: a total for the response, not a per-write idle time,
/// so a client reading a byte a second is cut off too. The deadline is checked only when the
/// socket refuses bytes (its buffers are full): a response that fits in the buffers is never
/// cut off, however slowly the client reads it.
struct Timed {
    io: TcpStream,
    send_timeout: Duration,
    stall: Option<Pin<Box<Sleep>>>,
    /// The [`Shared::response`] number `stall` was set for.
    armed_for: u64,
    shared: Arc<Shared>,
}

impl Timed {
    /// Pass a write's result through, or turn a write that cannot proceed past the deadline
    /// into an error.
    fn check<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            return polled;
        }
        let (n, ready_at) = *self
            .shared
            .response
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Bytes written while no response is ready (hyper's own `100 Continue` or error
        // answers) are timed from when they first block.
        let deadline = ready_at.unwrap_or_else(Instant::now) + self.send_timeout;
        let stall = match self.stall.take() {
            Some(mut s) => {
                if self.armed_for != n {
                    s.as_mut().reset(deadline);
                }
                s
            }
            None => Box::pin(tokio::time::sleep_until(deadline)),
        };
        self.armed_for = n;
        if self.stall.insert(stall).as_mut().poll(cx).is_ready() {
            self.shared.send_timed_out.store(true, Ordering::Relaxed);
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "response not written within the send timeout",
            )));
        }
        Poll::Pending
    }
}

impl AsyncRead for Timed {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.shared.receiving.store(true, Ordering::Relaxed);
        }
        r
    }
}

impl AsyncWrite for Timed {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write(cx, buf);
        this.check(cx, r)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.check(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_flush(cx);
        this.check(cx, r)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_shutdown(cx);
        this.check(cx, r)
    }
}
