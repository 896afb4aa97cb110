//! The CUDA backend: the operations of [`Backend`](crate::backend::Backend) on an NVIDIA GPU,
//! through cudarc. GEMMs go through cuBLAS (`gemm.rs`: f32 for parity with the CPU reference,
//! or bf16 operands with f32 accumulation for speed); every other operation is a kernel from
//! the `.cu` files next to this module, compiled once by NVRTC for the device's architecture
//! when a [`Cuda`] is created.
//!
//! The driver, NVRTC and cuBLAS are loaded at run time, so the crate builds and its tests pass
//! on machines without CUDA. cudarc panics when a library is missing, so [`probe`] checks that
//! each one can be loaded before the first cudarc call, and [`Cuda::new`] calls it: without a
//! GPU the result is a [`TrainError::Backend`] naming what is missing, never a panic.
//!
//! This is the only module of the workspace allowed to use `unsafe` (FFI: kernel launches and
//! cuBLAS calls); each block carries a `// SAFETY:` comment.
//!
//! Status: written and reviewed against the CPU reference, built and CPU-tested (the probe);
//! no line of it has run on a GPU yet. See docs/cuda.md for the GPU check that remains.

#![allow(unsafe_code)]

mod gemm;
mod ops;
mod sampling;

pub use gemm::Precision;

use std::collections::HashMap;
use std::sync::Arc;

use cudarc::cublas::CudaBlas;
use cudarc::driver::{CudaContext, CudaFunction, CudaModule, CudaStream, LaunchConfig};
use cudarc::nvrtc::{compile_ptx_with_opts, CompileOptions};

use crate::{Result, TrainError};

/// The kernels' source: the elementwise and row kernels, then attention and the lm head, then
/// sampling (the later files use the first file's block reductions).
const KERNELS: [&str; 4] = [
    include_str!("kernels.cu"),
    include_str!("attention_lmhead.cu"),
    include_str!("flash_attention.cu"),
    include_str!("sample.cu"),
];

/// Every kernel the backend launches, by its `extern "C"` name.
const KERNEL_NAMES: &[&str] = &[
    "scatter_rows",
    "gather_rows",
    "add_assign",
    "scale",
    "sum_squares",
    "embedding_fwd",
    "embedding_bwd",
    "rmsnorm_fwd",
    "rmsnorm_bwd",
    "rope",
    "swiglu_fwd",
    "swiglu_bwd",
    "broadcast_rows",
    "column_sum_add",
    "adamw",
    "f32_to_bf16",
    "flash_attn_fwd",
    "flash_attn_decode",
    "flash_attn_combine",
    "flash_attn_bwd_dot",
    "flash_attn_bwd_dq",
    "flash_attn_bwd_dkdv",
    "lse_entropy_fwd",
    "lse_entropy_bwd",
    "sample_rows",
];

/// Threads per block; must equal `BLOCK` in kernels.cu (the block reductions assume it).
pub(crate) const BLOCK: u32 = 256;

/// Checks that the CUDA driver (libcuda), NVRTC and cuBLAS can be loaded, trying the same file
/// names cudarc will, without calling into any of them. Returns a [`TrainError::Backend`]
/// that names every missing library.
pub fn probe() -> Result<()> {
    let mut missing = Vec::new();
    // SAFETY: each `is_culib_present` only tries `dlopen` on candidate file names and drops
    // the handle; opening these libraries runs their initializers, which have no
    // preconditions on our side. No function of the libraries is called.
    let (driver, nvrtc, cublas) = unsafe {
        (
            cudarc::driver::sys::is_culib_present(),
            cudarc::nvrtc::sys::is_culib_present(),
            cudarc::cublas::sys::is_culib_present(),
        )
    };
    if !driver {
        missing.push("libcuda (the NVIDIA driver, e.g. libcuda.so.1)");
    }
    if !nvrtc {
        missing.push("libnvrtc (the CUDA runtime compiler, e.g. libnvrtc.so.13)");
    }
    if !cublas {
        missing.push("libcublas (e.g. libcublas.so.13, with libcublasLt)");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(TrainError::Backend(format!(
            "CUDA is not available: cannot load {}; install the NVIDIA driver and the CUDA 13 \
             runtime libraries, or make them findable through LD_LIBRARY_PATH",
            missing.join(", ")
        )))
    }
}

/// Wraps a cudarc error (driver, cuBLAS, NVRTC) as a backend error saying what was being done.
pub(crate) fn be<E: std::fmt::Debug>(what: &'static str) -> impl Fn(E) -> TrainError {
    move |e| TrainError::Backend(format!("cuda {what}: {e:?}"))
}

/// What a [`Cuda`] shares between its clones: one context, one stream (every operation is
/// ordered on it), one cuBLAS handle and the compiled kernels.
struct Inner {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    blas: CudaBlas,
    kernels: HashMap<&'static str, CudaFunction>,
    arch: String,
    _module: Arc<CudaModule>,
}

/// The CUDA backend on one device. Buffers are `CudaSlice<f32>`; clones share the device.
#[derive(Clone)]
pub struct Cuda {
    inner: Arc<Inner>,
    precision: Precision,
}

impl std::fmt::Debug for Cuda {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (ordinal, arch) = (self.inner.ctx.ordinal(), &self.inner.arch);
        write!(f, "Cuda({ordinal}, {arch}, {})", self.precision)
    }
}

impl Cuda {
    /// Opens device `ordinal`, creates its stream and cuBLAS handle and compiles the kernels
    /// for its architecture. Fails with a clear [`TrainError::Backend`] (never a panic) when
    /// the libraries or the device are missing.
    pub fn new(ordinal: usize) -> Result<Self> {
        probe()?;
        // cudarc panics on a symbol missing from a library that loaded (a driver older than
        // the bindings): turn that into an error too.
        let made = std::panic::catch_unwind(|| Self::open(ordinal));
        made.unwrap_or_else(|_| {
            Err(TrainError::Backend(
                "CUDA: the driver or a library lacks a function these CUDA 13.0 bindings need \
                 (is the driver older than CUDA 13.0?)"
                    .into(),
            ))
        })
    }

    fn open(ordinal: usize) -> Result<Self> {
        let count = CudaContext::device_count().map_err(be("device count"))?;
        ensure_device(ordinal, count)?;
        let ctx = CudaContext::new(ordinal).map_err(be("context"))?;
        // SAFETY: every buffer and operation of this backend lives on the one stream below,
        // which orders them; cudarc's per-launch events only matter across streams.
        unsafe { ctx.disable_event_tracking() };
        let (major, minor) = ctx.compute_capability().map_err(be("compute capability"))?;
        let arch = format!("sm_{major}{minor}");
        let opts = CompileOptions {
            options: vec![format!("--gpu-architecture={arch}")],
            name: Some("rlvr_kernels.cu".into()),
            ..Default::default()
        };
        let ptx = compile_ptx_with_opts(KERNELS.concat(), opts)
            .map_err(|e| TrainError::Backend(format!("cuda NVRTC compile for {arch}: {e:?}")))?;
        let module = ctx.load_module(ptx).map_err(be("load module"))?;
        let mut kernels = HashMap::new();
        for &name in KERNEL_NAMES {
            let f = module.load_function(name).map_err(be("load function"))?;
            kernels.insert(name, f);
        }
        let stream = ctx.default_stream();
        let blas = CudaBlas::new(stream.clone()).map_err(be("cuBLAS handle"))?;
        Ok(Cuda {
            inner: Arc::new(Inner {
                ctx,
                stream,
                blas,
                kernels,
                arch,
                _module: module,
            }),
            precision: Precision::F32,
        })
    }

    /// The device's architecture the kernels were compiled for ("sm_90" on an H200).
    pub fn arch(&self) -> &str {
        &self.inner.arch
    }

    /// Device memory (free, total) in bytes.
    pub fn mem_info(&self) -> Result<(usize, usize)> {
        self.inner.ctx.mem_get_info().map_err(be("memory info"))
    }

    /// Waits for every queued operation (for timing).
    pub fn synchronize(&self) -> Result<()> {
        self.inner.stream.synchronize().map_err(be("synchronize"))
    }

    pub(crate) fn stream(&self) -> &Arc<CudaStream> {
        &self.inner.stream
    }

    pub(crate) fn kernel(&self, name: &'static str) -> Result<&CudaFunction> {
        self.inner
            .kernels
            .get(name)
            .ok_or_else(|| TrainError::Backend(format!("cuda kernel {name} not loaded")))
    }
}

/// Fails unless device `ordinal` exists among `count`.
fn ensure_device(ordinal: usize, count: i32) -> Result<()> {
    if (ordinal as i64) < count as i64 {
        Ok(())
    } else {
        Err(TrainError::Backend(format!(
            "CUDA device {ordinal} requested, {count} present"
        )))
    }
}

/// A GEMM operand as stored: a row-major [rows, cols] buffer, used as is or transposed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatDims {
    pub rows: usize,
    pub cols: usize,
    pub t: bool,
}

impl MatDims {
    pub fn new(rows: usize, cols: usize) -> Self {
        MatDims {
            rows,
            cols,
            t: false,
        }
    }

    pub fn t(self) -> Self {
        MatDims { t: !self.t, ..self }
    }

    /// (rows, cols) of the operand as used in the product.
    fn shape(self) -> (usize, usize) {
        if self.t {
            (self.cols, self.rows)
        } else {
            (self.rows, self.cols)
        }
    }
}

/// A launch of `n` threads in blocks of [`BLOCK`].
pub(crate) fn grid_for(n: usize) -> Result<LaunchConfig> {
    let blocks = n.div_ceil(BLOCK as usize);
    let blocks = u32::try_from(blocks)
        .map_err(|_| TrainError::Shape(format!("cuda launch: {n} threads")))?;
    Ok(LaunchConfig {
        grid_dim: (blocks.max(1), 1, 1),
        block_dim: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    })
}

/// A launch of one block of [`BLOCK`] threads per (x, y).
pub(crate) fn blocks(x: usize, y: usize) -> Result<LaunchConfig> {
    let x = u32::try_from(x).map_err(|_| TrainError::Shape(format!("cuda launch: {x} rows")))?;
    let y = u32::try_from(y).map_err(|_| TrainError::Shape(format!("cuda launch: {y} heads")))?;
    Ok(LaunchConfig {
        grid_dim: (x, y, 1),
        block_dim: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    })
}
