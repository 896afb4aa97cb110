//! Matrix multiplication for the CPU backend: a multithreaded GEMM and a naive triple loop kept
//! as the reference the fast ones are tested against. On CPUs with AVX-512 the GEMM is our own
//! ([`super::avx512`]); elsewhere, and for products too small to be worth its threads, it is
//! matrixmultiply's sgemm through ndarray's safe interface. `RLVR_GEMM=portable` forces the
//! latter (for comparisons).

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

use crate::error::ensure_shape;
use crate::Result;

/// A matrix operand: row-major data of a `[rows, cols]` matrix, used as is or transposed.
#[derive(Debug, Clone, Copy)]
pub struct Mat<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub transposed: bool,
}

impl<'a> Mat<'a> {
    /// `data` as a `[rows, cols]` matrix.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Mat {
            data,
            rows,
            cols,
            transposed: false,
        }
    }

    /// The transpose (no copy).
    pub fn t(self) -> Self {
        Mat {
            transposed: !self.transposed,
            ..self
        }
    }

    /// Shape as used in the product: (rows, cols) after transposition.
    fn shape(&self) -> (usize, usize) {
        if self.transposed {
            (self.cols, self.rows)
        } else {
            (self.rows, self.cols)
        }
    }

    fn view(&self) -> Result<ArrayView2<'a, f32>> {
        let v = ArrayView2::from_shape((self.rows, self.cols), self.data)
            .map_err(|e| crate::TrainError::Shape(format!("gemm operand: {e}")))?;
        Ok(if self.transposed {
            v.reversed_axes()
        } else {
            v
        })
    }

    /// (row stride, column stride) of the operand as used in the product.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn strides(&self) -> (usize, usize) {
        if self.transposed {
            (1, self.cols)
        } else {
            (self.cols, 1)
        }
    }

    fn at(&self, i: usize, j: usize) -> f32 {
        if self.transposed {
            self.data[j * self.cols + i]
        } else {
            self.data[i * self.cols + j]
        }
    }
}

fn check(a: &Mat, b: &Mat, c: &[f32]) -> Result<(usize, usize, usize)> {
    let (m, k) = a.shape();
    let (k2, n) = b.shape();
    ensure_shape(
        k == k2
            && c.len() == m * n
            && a.data.len() == a.rows * a.cols
            && b.data.len() == b.rows * b.cols,
        || format!("gemm: [{m},{k}] x [{k2},{n}] into {} floats", c.len()),
    )?;
    Ok((m, k, n))
}

/// c = alpha · a · b + beta · c, with c a row-major `[m, n]` slice.
pub fn sgemm(a: Mat, b: Mat, c: &mut [f32], alpha: f32, beta: f32) -> Result<()> {
    let (m, k, n) = check(&a, &b, c)?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        c.iter_mut().for_each(|x| *x *= beta);
        return Ok(());
    }
    if m <= GEMV_MAX_M && !a.transposed && b.transposed && m * k * n >= GEMV_MIN_MACS {
        gemv_rows(a.data, b.data, c, m, k, n, alpha, beta);
        return Ok(());
    }
    #[cfg(target_arch = "x86_64")]
    if use_avx512(m, k, n) {
        fn strided<'a>(x: &Mat<'a>) -> super::avx512::Strided<'a> {
            let (rs, cs) = x.strides();
            super::avx512::Strided {
                data: x.data,
                rs,
                cs,
            }
        }
        super::avx512::sgemm(m, k, n, strided(&a), strided(&b), c, alpha, beta);
        return Ok(());
    }
    portable(a, b, c, alpha, beta, m, n)
}

/// Up to this many rows of `a`, `x · wᵀ` is computed as dot products of contiguous rows
/// (decoding: one to a few tokens against a weight matrix). A GEMM would pack the whole weight
/// matrix for each call, which costs more than the product itself when `a` has a row or two.
const GEMV_MAX_M: usize = 8;
/// Below this many multiply-adds the row-dot path is not worth its threads either.
const GEMV_MIN_MACS: usize = 1 << 15;

/// Dot product with 16 independent partial sums (so it vectorizes and stays accurate).
fn dot(x: &[f32], y: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let (cx, cy) = (x.chunks_exact(16), y.chunks_exact(16));
    let tail: f32 = cx
        .remainder()
        .iter()
        .zip(cy.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (a, b) in cx.zip(cy) {
        for l in 0..16 {
            acc[l] += a[l] * b[l];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// c = alpha · a · wᵀ + beta · c for a row-major `a` `[m, k]` with few rows and a row-major
/// `w` `[n, k]`: every output is a dot product of two contiguous rows; threads split `w`'s rows
/// (each read once for all `m` rows of `a`). On AVX-512 the dot products are 16-wide FMAs
/// ([`super::avx512::dots`]), unless `RLVR_GEMM=portable`.
#[allow(clippy::too_many_arguments)]
fn gemv_rows(
    a: &[f32],
    w: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    beta: f32,
) {
    use rayon::prelude::*;
    const BLOCK: usize = 64;
    #[cfg(target_arch = "x86_64")]
    let wide = avx512_enabled() && m <= super::avx512::DOTS_MAX_ROWS;
    #[cfg(not(target_arch = "x86_64"))]
    let wide = false;
    // Transposed result [n, m], then scattered into c.
    let mut ct = vec![0f32; n * m];
    ct.par_chunks_mut(BLOCK * m)
        .zip(w.par_chunks(BLOCK * k))
        .for_each(|(out, wb)| {
            for (o, wr) in out.chunks_exact_mut(m).zip(wb.chunks_exact(k)) {
                #[cfg(target_arch = "x86_64")]
                if wide {
                    super::avx512::dots(&a[..m * k], wr, o);
                    continue;
                }
                for (i, oi) in o.iter_mut().enumerate() {
                    *oi = dot(&a[i * k..(i + 1) * k], wr);
                }
            }
        });
    for (i, row) in c.chunks_exact_mut(n).enumerate() {
        for (j, cij) in row.iter_mut().enumerate() {
            let v = alpha * ct[j * m + i];
            *cij = if beta == 0.0 { v } else { v + beta * *cij };
        }
    }
}

/// Products below this many multiply-adds stay on matrixmultiply (single-threaded there for
/// small sizes), where thread hand-offs would cost more than the wider kernel saves.
#[cfg(target_arch = "x86_64")]
const AVX512_MIN_MACS: usize = 1 << 15;

/// Whether the AVX-512 kernels are used: the CPU has them and `RLVR_GEMM` is not `portable`.
#[cfg(target_arch = "x86_64")]
fn avx512_enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| {
        super::avx512::available()
            && std::env::var("RLVR_GEMM").map_or(true, |v| v.trim() != "portable")
    })
}

/// Whether [`sgemm`] takes the AVX-512 path for an `[m, k] x [k, n]` product.
#[cfg(target_arch = "x86_64")]
fn use_avx512(m: usize, k: usize, n: usize) -> bool {
    avx512_enabled() && m.saturating_mul(k).saturating_mul(n) >= AVX512_MIN_MACS
}

/// [`sgemm`] on matrixmultiply.
fn portable(
    a: Mat,
    b: Mat,
    c: &mut [f32],
    alpha: f32,
    beta: f32,
    m: usize,
    n: usize,
) -> Result<()> {
    let mut cv = ArrayViewMut2::from_shape((m, n), c)
        .map_err(|e| crate::TrainError::Shape(format!("gemm output: {e}")))?;
    general_mat_mul(alpha, &a.view()?, &b.view()?, beta, &mut cv);
    Ok(())
}

/// The same contract as [`sgemm`], as a plain triple loop accumulated in f64: the reference.
pub fn sgemm_naive(a: Mat, b: Mat, c: &mut [f32], alpha: f32, beta: f32) -> Result<()> {
    let (m, k, n) = check(&a, &b, c)?;
    for i in 0..m {
        for j in 0..n {
            let mut s = 0f64;
            for p in 0..k {
                s += a.at(i, p) as f64 * b.at(p, j) as f64;
            }
            let old = if beta == 0.0 {
                0.0
            } else {
                beta * c[i * n + j]
            };
            c[i * n + j] = alpha * s as f32 + old;
        }
    }
    Ok(())
}
