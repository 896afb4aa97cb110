//! The backend's matrix products on cuBLAS, in one of two precisions chosen per backend:
//!
//! - [`Precision::F32`]: `cublasSgemm`, f32 in and out. The parity path: the same products as
//!   the CPU reference up to the order of the sums.
//! - [`Precision::Bf16`]: `cublasGemmEx` with bf16 operands, f32 accumulation and f32 output
//!   (tensor cores). The f32 operands are rounded to bf16 (to nearest, ties to even:
//!   `f32_to_bf16` in kernels.cu) into scratch buffers just before the product. Weights, their
//!   gradients, AdamW's moments and the stored activations stay f32, so the master weights are
//!   exact and only the products' inputs are rounded (mixed precision in the usual sense).
//!
//! A product's operand can be rounded once and reused over several products ([`Operand`]):
//! the lm head multiplies every chunk of rows by the same `[vocab, dim]` weight.

use cudarc::cublas::{result as blas_result, sys as blas_sys, Gemm, GemmConfig};
use cudarc::driver::{CudaSlice, DevicePtr, DevicePtrMut, LaunchConfig, PushKernelArg};

use super::{be, grid_for, Cuda, MatDims};
use crate::error::ensure_shape;
use crate::{Result, TrainError};

/// The precision of the backend's matrix products (everything else is f32 either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// f32 operands and output: the parity path, and the default of [`Cuda::new`].
    #[default]
    F32,
    /// bf16 operands, f32 accumulation and output: the speed path for real model sizes.
    Bf16,
}

impl std::str::FromStr for Precision {
    type Err = TrainError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "f32" => Ok(Precision::F32),
            "bf16" => Ok(Precision::Bf16),
            other => Err(TrainError::Input(format!(
                "precision {other:?}: expected f32 or bf16"
            ))),
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
        })
    }
}

/// A GEMM operand: f32 on the device, rounded to bf16 by the product when the backend is in
/// bf16, or already rounded (by [`Cuda::rounded`]) to be reused across products.
pub(crate) enum Operand<'a, T: DevicePtr<f32>> {
    F32(&'a T),
    Bf16(&'a CudaSlice<u16>),
}

impl<T: DevicePtr<f32>> Operand<'_, T> {
    /// The same operand again, for another product.
    pub(crate) fn reuse(&self) -> Operand<'_, T> {
        match self {
            Operand::F32(x) => Operand::F32(x),
            Operand::Bf16(x) => Operand::Bf16(x),
        }
    }

    fn len(&self) -> usize {
        match self {
            Operand::F32(x) => x.len(),
            Operand::Bf16(x) => x.len(),
        }
    }
}

impl Cuda {
    /// This backend with its matrix products in `precision` (clones share the device).
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// The precision of this backend's matrix products.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// `x` rounded to bf16 when this backend multiplies in bf16 (to reuse over several
    /// products), or `x` itself.
    pub(crate) fn rounded<'a, T: DevicePtr<f32>>(
        &self,
        x: &'a T,
        scratch: &'a mut Option<CudaSlice<u16>>,
    ) -> Result<Operand<'a, T>> {
        Ok(match self.precision {
            Precision::F32 => Operand::F32(x),
            Precision::Bf16 => Operand::Bf16(scratch.insert(self.to_bf16(x)?)),
        })
    }

    /// A new buffer holding `x` rounded to bf16 (kernels.cu `f32_to_bf16`).
    fn to_bf16<T: DevicePtr<f32>>(&self, x: &T) -> Result<CudaSlice<u16>> {
        let n = x.len();
        // SAFETY: `f32_to_bf16` below writes every one of the n elements before any read.
        let mut out = unsafe { self.stream().alloc::<u16>(n.max(1)) }.map_err(be("alloc"))?;
        if n == 0 {
            return Ok(out);
        }
        let cfg: LaunchConfig = grid_for(n)?;
        let n64 = n as u64;
        let f = self.kernel("f32_to_bf16")?;
        let (src, _read) = x.device_ptr(self.stream());
        let mut l = self.stream().launch_builder(f);
        l.arg(&mut out);
        l.arg(&src);
        l.arg(&n64);
        // SAFETY: `out` holds n u16 and `src` (a device pointer kept alive by `_read`, which
        // also orders this launch after its writers) n f32; the kernel touches elements < n.
        unsafe { l.launch(cfg) }.map_err(be("f32_to_bf16"))?;
        Ok(out)
    }

    /// row-major c[m, n] = alpha · op(a)[m, k] · op(b)[k, n] + beta · c, on cuBLAS, in this
    /// backend's precision.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn sgemm<A, B, C>(
        &self,
        a: &A,
        da: MatDims,
        b: &B,
        db: MatDims,
        c: &mut C,
        alpha: f32,
        beta: f32,
    ) -> Result<()>
    where
        A: DevicePtr<f32>,
        B: DevicePtr<f32>,
        C: DevicePtrMut<f32>,
    {
        self.gemm(Operand::F32(a), da, Operand::F32(b), db, c, alpha, beta)
    }

    /// [`Cuda::sgemm`] with operands that may be rounded already.
    ///
    /// cuBLAS is column-major: a row-major [r, c] buffer reads as its transpose, so the
    /// row-major product c = a·b is computed as the column-major cᵀ = bᵀ·aᵀ: b goes first,
    /// each operand transposed exactly when it is transposed here, leading dimension = the
    /// stored row length (cols), ldc = n.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn gemm<A, B, C>(
        &self,
        a: Operand<'_, A>,
        da: MatDims,
        b: Operand<'_, B>,
        db: MatDims,
        c: &mut C,
        alpha: f32,
        beta: f32,
    ) -> Result<()>
    where
        A: DevicePtr<f32>,
        B: DevicePtr<f32>,
        C: DevicePtrMut<f32>,
    {
        let (m, k) = da.shape();
        let (k2, n) = db.shape();
        // A rounded operand of zero elements is stored as one (alloc needs n >= 1).
        let fits = |have: usize, want: usize| have == want || (want == 0 && have == 1);
        ensure_shape(
            k == k2
                && fits(a.len(), da.rows * da.cols)
                && fits(b.len(), db.rows * db.cols)
                && c.len() == m * n,
            || format!("cuda gemm: [{m},{k}] x [{k2},{n}] into {} floats", c.len()),
        )?;
        if m == 0 || n == 0 {
            return Ok(());
        }
        let int = |x: usize| {
            i32::try_from(x)
                .map_err(|_| TrainError::Shape(format!("cuda gemm: dimension {x} over i32")))
        };
        let op = |t: bool| {
            if t {
                blas_sys::cublasOperation_t::CUBLAS_OP_T
            } else {
                blas_sys::cublasOperation_t::CUBLAS_OP_N
            }
        };
        let cfg = GemmConfig {
            transa: op(db.t),
            transb: op(da.t),
            m: int(n)?,
            n: int(m)?,
            k: int(k)?,
            alpha,
            lda: int(db.cols.max(1))?,
            ldb: int(da.cols.max(1))?,
            beta,
            ldc: int(n)?,
        };
        match (self.precision, a, b) {
            (Precision::F32, Operand::F32(a), Operand::F32(b)) => {
                // SAFETY: the lengths of a, b and c were checked above against the dimensions
                // and leading dimensions given to cuBLAS, so every access is in bounds; the
                // buffers live on this backend's stream, which orders the call after their
                // writers.
                unsafe { self.inner.blas.gemm(cfg, b, a, c) }.map_err(be("sgemm"))
            }
            (Precision::F32, _, _) => Err(TrainError::Backend(
                "cuda gemm: a bf16 operand given to an f32 backend".into(),
            )),
            (Precision::Bf16, a, b) => {
                let (mut a16, mut b16) = (None, None);
                let a16: &CudaSlice<u16> = match a {
                    Operand::F32(x) => a16.insert(self.to_bf16(x)?),
                    Operand::Bf16(x) => x,
                };
                let b16: &CudaSlice<u16> = match b {
                    Operand::F32(x) => b16.insert(self.to_bf16(x)?),
                    Operand::Bf16(x) => x,
                };
                self.gemm_ex(cfg, b16, a16, c)
            }
        }
    }

    /// `cublasGemmEx`: column-major c = op(a)·op(b) with bf16 a and b, f32 c, f32 compute.
    fn gemm_ex<C: DevicePtrMut<f32>>(
        &self,
        cfg: GemmConfig<f32>,
        a: &CudaSlice<u16>,
        b: &CudaSlice<u16>,
        c: &mut C,
    ) -> Result<()> {
        let stream = self.stream();
        let (pa, _ra) = a.device_ptr(stream);
        let (pb, _rb) = b.device_ptr(stream);
        let (pc, _rc) = c.device_ptr_mut(stream);
        let bf16 = blas_sys::cudaDataType::CUDA_R_16BF;
        // SAFETY: `gemm` checked every length against the dimensions and leading dimensions
        // in `cfg` (the rounded copies have their f32 sources' lengths); alpha and beta are f32
        // as CUBLAS_COMPUTE_32F requires; the guards keep the pointers valid and order the
        // call on this backend's stream after the writers of a, b and c.
        unsafe {
            blas_result::gemm_ex(
                *self.inner.blas.handle(),
                cfg.transa,
                cfg.transb,
                cfg.m,
                cfg.n,
                cfg.k,
                (&cfg.alpha) as *const f32 as *const _,
                pa as *const _,
                bf16,
                cfg.lda,
                pb as *const _,
                bf16,
                cfg.ldb,
                (&cfg.beta) as *const f32 as *const _,
                pc as *mut _,
                blas_sys::cudaDataType::CUDA_R_32F,
                cfg.ldc,
                blas_sys::cublasComputeType_t::CUBLAS_COMPUTE_32F,
                blas_sys::cublasGemmAlgo_t::CUBLAS_GEMM_DEFAULT,
            )
        }
        .map_err(be("gemmEx bf16"))
    }
}
