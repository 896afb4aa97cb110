//! The limits of one run: documented types with defaults, in the spirit of wasmtime's
//! `StoreLimitsBuilder`. Each field says what happens when it is hit and what it does not cover.

use std::time::Duration;

/// What one program may use. Build with [`Limits::default`] and adjust fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time from the start of instantiation to the end of the program.
    /// Default 10 s. When hit the run ends with [`crate::RunEnd::Timeout`]; it bounds compute
    /// (epoch interruption, checked every [`crate::EPOCH_TICK`]) and time spent blocked in
    /// host calls such as `time.sleep` or `select` alike. It does not include time spent
    /// waiting for a free slot under the sandbox's concurrency limit.
    pub wall_time: Duration,
    /// Bytes of linear memory the program's instance may hold, summed over its memories.
    /// Default 512 MiB; at most 4 GiB (wasm32). When a growth would pass it the run ends with
    /// [`crate::RunEnd::MemoryLimit`]; so does an uncaught `MemoryError`. It does not cover
    /// host-side buffers, which the output limits bound.
    pub memory_bytes: u64,
    /// Bytes of stdout kept. Default 4 MiB. A write past it keeps the bytes that fit, marks
    /// the stdout truncated and ends the run with [`crate::RunEnd::OutputLimit`].
    pub stdout_bytes: usize,
    /// Bytes of stderr kept. Default 1 MiB. Same behaviour as `stdout_bytes`.
    pub stderr_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            wall_time: Duration::from_secs(10),
            memory_bytes: 512 << 20,
            stdout_bytes: 4 << 20,
            stderr_bytes: 1 << 20,
        }
    }
}

/// The largest linear memory a wasm32 guest can address.
pub const MAX_MEMORY_BYTES: u64 = 4 << 30;

impl Limits {
    /// These limits with every field brought within `cap` (a server's ceiling on what an item
    /// may ask for).
    pub fn capped_by(self, cap: &Limits) -> Limits {
        Limits {
            wall_time: self.wall_time.min(cap.wall_time),
            memory_bytes: self
                .memory_bytes
                .min(cap.memory_bytes)
                .min(MAX_MEMORY_BYTES),
            stdout_bytes: self.stdout_bytes.min(cap.stdout_bytes),
            stderr_bytes: self.stderr_bytes.min(cap.stderr_bytes),
        }
    }
}
