//! rlvr-sandbox: runs model-written Python in CPython-for-WASI under wasmtime, with hard limits.
//!
//! Every program runs in a fresh instance of a pre-initialized CPython 3.14 component (built
//! from `guest/` by componentize-py on first use, see [`runtime`]), so nothing survives from one
//! run to the next and starting a run costs an instantiation, not an interpreter start. The
//! guest can read its stdin, write two capped streams, read the standard library and the
//! clocks; it cannot see host files, environment variables, the network or processes. See
//! `SECURITY.md` for the threat model.
//!
//! ```no_run
//! use rlvr_sandbox::{Job, Limits, Sandbox, SandboxConfig};
//! let sandbox = Sandbox::new(&SandboxConfig::new()?, &|line| eprintln!("{line}"))?;
//! let job = Job { code: "print(input()[::-1])".into(), stdin: b"abc\n".to_vec() };
//! let out = sandbox.run(&job, &Limits::default())?;
//! assert_eq!(out.stdout, b"cba\n");
//! # Ok::<(), rlvr_sandbox::Error>(())
//! ```

mod host;
mod limits;
mod outcome;
mod pipe;
pub mod runtime;

pub use host::{Sandbox, SandboxConfig, EPOCH_TICK};
pub use limits::{Limits, MAX_MEMORY_BYTES};
pub use outcome::{Job, Outcome, RunOutput};
pub use runtime::cache_dir;

use std::sync::{Arc, Mutex, PoisonError};

/// Failures of the host (never of the program under test, which gets an [`Outcome`]).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The runtime could not be built, fetched or verified.
    #[error("sandbox runtime: {0}")]
    Runtime(String),
    /// wasmtime could not compile, link or instantiate the guest.
    #[error("sandbox engine: {0}")]
    Engine(String),
}

/// The process-wide sandbox with the default configuration, created on first call (which may
/// build the runtime). A failure is returned and retried on the next call.
pub fn shared() -> Result<Arc<Sandbox>, Error> {
    static SHARED: Mutex<Option<Arc<Sandbox>>> = Mutex::new(None);
    let mut slot = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(s) = slot.as_ref() {
        return Ok(s.clone());
    }
    let sandbox = Arc::new(Sandbox::new(&SandboxConfig::new()?, &|line| {
        eprintln!("{line}")
    })?);
    *slot = Some(sandbox.clone());
    Ok(sandbox)
}
