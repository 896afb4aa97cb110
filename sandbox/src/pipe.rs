//! A capped in-memory stdout/stderr for the guest: keeps the first `cap` bytes, records that
//! it overflowed, and stops the guest at the first write past the cap (so printing a gibibyte
//! costs a few megabytes, not a gibibyte).

use bytes::Bytes;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

/// The smallest permit `check-write` grants: a guest's write is never cut short below the
/// cap, and a write that reaches past the cap is let through far enough to overflow it.
const MIN_WRITE_PERMIT: usize = 1 << 16;

/// The host's handle on one output stream of one run. Clones share the buffer.
#[derive(Clone)]
pub(crate) struct CappedPipe {
    cap: usize,
    buf: Arc<Mutex<Vec<u8>>>,
    overflowed: Arc<AtomicBool>,
}

impl CappedPipe {
    pub(crate) fn new(cap: usize) -> Self {
        CappedPipe {
            cap,
            buf: Arc::new(Mutex::new(Vec::new())),
            overflowed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Append what fits; returns false (and records the overflow) when some did not fit.
    fn push(&self, data: &[u8]) -> bool {
        let mut buf = self.buf.lock().unwrap_or_else(PoisonError::into_inner);
        let room = self.cap.saturating_sub(buf.len());
        if data.len() <= room {
            buf.extend_from_slice(data);
            return true;
        }
        buf.extend_from_slice(&data[..room]);
        self.overflowed.store(true, Ordering::SeqCst);
        false
    }

    /// How much the next write may carry: everything up to the cap and one byte beyond it.
    /// wasi-libc writes at most the permit and returns a short count, and a program (or
    /// CPython's `os.write`) need not retry; so the permit is never the reason a write comes
    /// up short. Either the whole write fits, or it overflows the cap and the run ends with
    /// the output limit's outcome.
    fn permit(&self) -> usize {
        let len = self
            .buf
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        self.cap
            .saturating_sub(len)
            .saturating_add(1)
            .max(MIN_WRITE_PERMIT)
    }

    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::SeqCst)
    }

    pub(crate) fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.buf.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CappedPipe {
    async fn ready(&mut self) {}
}

impl OutputStream for CappedPipe {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        if self.push(&bytes) {
            Ok(())
        } else {
            Err(StreamError::trap("output limit exceeded"))
        }
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        Ok(self.permit())
    }
}

impl tokio::io::AsyncWrite for CappedPipe {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.push(buf) {
            Poll::Ready(Ok(buf.len()))
        } else {
            Poll::Ready(Err(io::Error::other("output limit exceeded")))
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for CappedPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedPipe {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_prefix_and_records_overflow() {
        let p = CappedPipe::new(5);
        assert!(p.push(b"abc"));
        assert!(!p.overflowed());
        assert!(!p.push(b"defg"));
        assert!(p.overflowed());
        assert_eq!(p.take(), b"abcde");
    }

    #[test]
    fn the_permit_reaches_past_the_cap() {
        let p = CappedPipe::new(4 << 20);
        assert!(p.permit() > 4 << 20);
        assert!(p.push(&vec![b'x'; 3 << 20]));
        assert!(p.permit() > 1 << 20);
        let small = CappedPipe::new(10);
        assert!(small.permit() > 10);
    }
}
