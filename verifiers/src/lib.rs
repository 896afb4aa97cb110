//! rlvr-verifiers: the pure half of the reward engine.
//!
//! Everything here is synchronous, deterministic and free of I/O: given a model's response and a
//! reference (a gold answer, a puzzle instance, a test suite), decide whether the response is
//! right and say why. Nothing here knows about HTTP, async runtimes, the sandbox or GPUs; the
//! application (`rlvr`) routes items to these functions and the sandbox runs code.
//!
//! Promises shared by every verifier:
//! - a wrong answer is a [`Verdict`], never an `Err` or a panic;
//! - every call is bounded in time and memory by an explicit budget, never by signals;
//! - the same inputs give the same verdict on every run, thread and platform.

pub mod code;
pub mod ifeval;
pub mod logic;
pub mod math;
mod special_tokens;
pub mod stem;
pub mod units;
mod verdict;

pub use special_tokens::strip_trailing_special_tokens;
pub use verdict::{Detail, InstructionDetail, Outcome, Verdict};

/// Infrastructure failures of this crate (a malformed reference, an unknown family).
///
/// A model's wrong or unreadable answer is never an `Error`: it is a [`Verdict`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The reference (gold answer, test suite, puzzle metadata) cannot be used.
    #[error("invalid reference: {0}")]
    InvalidReference(String),
    /// No verifier is registered under this name.
    #[error("unknown task '{0}'")]
    UnknownTask(String),
    /// A generator was asked for something it cannot produce.
    #[error("cannot generate: {0}")]
    Generate(String),
}
