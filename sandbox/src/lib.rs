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
pub use outcome::{Job, RunEnd, RunOutput};
pub use runtime::cache_dir;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Runs at once of the process-wide sandbox, when set before its creation (0: the default).
static SHARED_MAX_CONCURRENT: AtomicUsize = AtomicUsize::new(0);

/// Set how many programs the process-wide sandbox ([`shared`]) runs at once, instead of
/// [`SandboxConfig::new`]'s default of twice the cores. Takes effect when the shared sandbox is
/// created, so call it first (`rlvr serve` does, from `--sandbox-workers`); returns false
/// when the sandbox already exists and the call changed nothing.
pub fn set_shared_max_concurrent(runs: usize) -> bool {
    SHARED_MAX_CONCURRENT.store(runs.max(1), Ordering::SeqCst);
    SHARED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .is_none()
}

/// The process-wide sandbox, once [`shared`] has made it.
static SHARED: Mutex<Option<Arc<Sandbox>>> = Mutex::new(None);

/// Failures of the host (never of the program under test, which gets an [`RunEnd`]).
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
    let mut slot = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(s) = slot.as_ref() {
        return Ok(s.clone());
    }
    let mut config = SandboxConfig::new()?;
    match SHARED_MAX_CONCURRENT.load(Ordering::SeqCst) {
        0 => {}
        n => config.max_concurrent = n,
    }
    let sandbox = Arc::new(Sandbox::new(&config, &|line| eprintln!("{line}"))?);
    *slot = Some(sandbox.clone());
    Ok(sandbox)
}
