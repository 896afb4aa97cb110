//! `--device cpu|cuda|cuda:N`: which backend the trainer's model runs on, chosen once when a
//! command starts. [`Device::run`] opens the backend (the CPU reference, or CUDA device `N`
//! through `Cuda::new`, which fails with the probe's clear error on a machine without CUDA)
//! and hands it to one generic body ([`OnBackend`]), so `rlvr train` and
//! `rlvr generate-text` have a single code path for every backend.
//!
//! `--precision f32|bf16` picks how the CUDA backend multiplies matrices (bf16 operands with
//! f32 accumulation by default there, f32 for parity); the CPU reference computes in f32 only.

use rlvr_train::backend::cpu::Cpu;
use rlvr_train::backend::cuda::{Cuda, Precision};
use rlvr_train::backend::Backend;
use std::fmt;
use std::str::FromStr;

/// Where the model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    /// The CPU reference backend (the default).
    #[default]
    Cpu,
    /// CUDA device `N` (`cuda` is device 0).
    Cuda(usize),
}

impl FromStr for Device {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("unknown device {s:?}: expected cpu, cuda or cuda:N");
        match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            other => match other.strip_prefix("cuda:") {
                Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                    n.parse().map(Device::Cuda).map_err(|_| bad())
                }
                _ => Err(bad()),
            },
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

/// A command body written once for every backend.
pub trait OnBackend {
    type Output;
    /// Runs the body with the opened backend.
    fn run<B: Backend>(self, backend: B) -> anyhow::Result<Self::Output>;
}

impl Device {
    /// Opens the backend and runs `body` on it. For CUDA this is where a machine without the
    /// driver or the device fails, with `Cuda::new`'s error (the probe's on a machine without
    /// the libraries), before the body loads any data or model.
    ///
    /// `precision` is that of the matrix products: `None` takes the device's default (bf16 on
    /// CUDA, f32 on the CPU); bf16 on the CPU is an error.
    pub fn run<T: OnBackend>(
        self,
        precision: Option<Precision>,
        body: T,
    ) -> anyhow::Result<T::Output> {
        match self {
            Device::Cpu => {
                if precision == Some(Precision::Bf16) {
                    anyhow::bail!(
                        "--precision bf16 needs --device cuda (the CPU reference computes in f32)"
                    );
                }
                body.run(Cpu)
            }
            Device::Cuda(n) => {
                let cuda = Cuda::new(n).map_err(|e| anyhow::anyhow!("--device {self}: {e}"))?;
                body.run(cuda.with_precision(precision.unwrap_or(Precision::Bf16)))
            }
        }
    }
}
