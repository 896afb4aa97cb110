//! What a run ends with. A program that misbehaves produces an outcome, never an `Err`
//! (wasmtime treats running out of fuel the same way): `Err` is for the host failing.

use std::time::Duration;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// The program ended by itself with this exit status (0 after running to the end, the
    /// `sys.exit`/`os._exit` status, 1 after an uncaught exception).
    Exited(i32),
    /// The wall-time limit passed.
    Timeout,
    /// The memory limit was hit (or the program died of an uncaught `MemoryError`).
    MemoryLimit,
    /// The program wrote more than the stdout or stderr limit.
    OutputLimit,
    /// The guest trapped (for instance a WebAssembly stack overflow from very deep recursion).
    Trap(String),
}

impl RunEnd {
    /// A short machine-readable name: `exited`, `timeout`, `memory_limit`, `output_limit`, `trap`.
    pub fn kind(&self) -> &'static str {
        match self {
            RunEnd::Exited(_) => "exited",
            RunEnd::Timeout => "timeout",
            RunEnd::MemoryLimit => "memory_limit",
            RunEnd::OutputLimit => "output_limit",
            RunEnd::Trap(_) => "trap",
        }
    }

    /// True for `Exited(0)`.
    pub fn success(&self) -> bool {
        *self == RunEnd::Exited(0)
    }
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub outcome: RunEnd,
    /// The first `Limits::stdout_bytes` bytes the program wrote to stdout.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// True when the program wrote more stdout than was kept.
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    /// Wall time of the run: instantiation plus the program.
    pub elapsed: Duration,
    /// CPU time the run got (its thread's time on a core, from the kernel's scheduler
    /// statistics); `None` where the platform does not say. Far below `elapsed` for a
    /// compute-bound program means it waited for a core: more runs at once than cores.
    pub cpu_time: Option<Duration>,
}

/// One program to run: its source and its stdin.
#[derive(Debug, Clone, Default)]
pub struct Job {
    pub code: String,
    pub stdin: Vec<u8>,
}
