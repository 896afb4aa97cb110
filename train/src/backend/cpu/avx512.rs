//! An f32 GEMM on AVX-512 for the CPU backend, used when the CPU has it.
//!
//! matrixmultiply's kernels stop at AVX2, so on a core with 512-bit FMA units they reach half
//! of what the hardware does, and the GEMMs are most of a training step. This is the classic
//! blocked design (Goto; BLIS): B is packed a `KC x NC` block at a time into `NR`-column
//! panels, A a `MC x KC` block at a time into `MR`-row panels, and a register-blocked
//! micro-kernel multiplies one A panel by one B panel into a `MR x NR` tile held in 24 zmm
//! registers. Rayon tasks each own a rectangle of C (a row block, a range of column panels).
//!
//! Decoding's few-row products (`x · wᵀ` for one to eight rows of `x`) do not pay for packing;
//! [`dots`] computes them as 16-wide FMA dot products, one load of each weight row serving every
//! row of `x`.
//!
//! This is the backend's one `unsafe` module: the intrinsics need `avx512f` (checked at run
//! time by [`available`] before any call), and the micro-kernel reads the packed panels and
//! reads/writes C through raw pointers. The bounds each pointer relies on are checked (with
//! `assert!`) where the pointers are made, in safe code, so the unsafe surface is the
//! micro-kernel's loads and stores inside those checked extents.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m512, _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mask_storeu_ps,
    _mm512_maskz_loadu_ps, _mm512_mul_ps, _mm512_reduce_add_ps, _mm512_set1_ps, _mm512_setzero_ps,
};
use std::cell::RefCell;

use rayon::prelude::*;

/// Rows of a micro-tile (broadcasts of A per step).
const MR: usize = 12;
/// Columns of a micro-tile: two zmm registers.
const NR: usize = 32;
/// Depth of a packed block: a `KC x NR` B panel (32 KiB) stays in L1.
const KC: usize = 256;
/// Rows of A packed at once (at most): `MC x KC` (288 KiB) stays in L2.
const MC: usize = MR * 24;
/// Columns of B packed at once: a `KC x NC` block (2 MiB) stays in L3.
const NC: usize = NR * 64;

/// True when this CPU can run [`sgemm`].
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

/// A read-only matrix operand with element `(i, j)` at `data[i * rs + j * cs]`.
#[derive(Clone, Copy)]
pub struct Strided<'a> {
    pub data: &'a [f32],
    pub rs: usize,
    pub cs: usize,
}

/// C's base pointer, shared by tasks that write disjoint rectangles of it.
#[derive(Clone, Copy)]
struct COut(*mut f32);
// SAFETY: every task writes its own rectangle of C (see `sgemm`), so no two threads touch the
// same element, and the borrow of C outlives the parallel section.
unsafe impl Send for COut {}
unsafe impl Sync for COut {}

impl COut {
    /// The pointer (a method, so that closures capture the whole `Send` wrapper).
    fn ptr(self) -> *mut f32 {
        self.0
    }
}

thread_local! {
    /// Each worker's packed-A buffer, reused across calls.
    static A_PACK: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    /// The calling thread's packed-B buffer, reused across calls.
    static B_PACK: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// `c[m, n] = alpha * a[m, k] * b[k, n] + beta * c`, C row-major and dense; `beta == 0`
/// ignores C's old contents (NaN included), as BLAS does. Panics if [`available`] is false or
/// an operand is shorter than its shape and strides say.
#[allow(clippy::too_many_arguments)]
pub fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    a: Strided,
    b: Strided,
    c: &mut [f32],
    alpha: f32,
    beta: f32,
) {
    assert!(
        available(),
        "avx512::sgemm called on a CPU without AVX-512F"
    );
    assert_eq!(c.len(), m * n, "C is m x n");
    if m == 0 || n == 0 || k == 0 {
        assert!(k > 0 || m == 0 || n == 0, "k = 0 is handled by the caller");
        return;
    }
    // The last element each operand's strides reach must exist.
    assert!(
        (m - 1) * a.rs + (k - 1) * a.cs < a.data.len(),
        "A too short"
    );
    assert!(
        (k - 1) * b.rs + (n - 1) * b.cs < b.data.len(),
        "B too short"
    );

    // Row blocks of equal size (a multiple of MR) and enough column groups that two tasks per
    // thread exist when the shape allows it.
    let threads = rayon::current_num_threads().max(1);
    let row_blocks = m.div_ceil(MC);
    let mc = m.div_ceil(row_blocks).div_ceil(MR) * MR;
    let row_blocks = m.div_ceil(mc);
    // Below ~a million multiply-adds a product takes microseconds, about what handing work to
    // the pool costs: run it on the calling thread.
    let parallel = threads > 1 && m.saturating_mul(k).saturating_mul(n) >= 1 << 20;
    let out = COut(c.as_mut_ptr());
    let mut b_pack = B_PACK.with(|cell| cell.take());
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        let panels = nc.div_ceil(NR);
        let groups = if parallel {
            (2 * threads).div_ceil(row_blocks).clamp(1, panels)
        } else {
            1
        };
        let per_group = panels.div_ceil(groups);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            // No clearing: `pack_b` writes every element of a panel (zero past column n).
            b_pack.resize(panels * kc * NR, 0.0);
            let pack = |(q, panel): (usize, &mut [f32])| pack_b(b, pc, kc, jc + q * NR, n, panel);
            if parallel {
                b_pack.par_chunks_mut(kc * NR).enumerate().for_each(pack);
            } else {
                b_pack.chunks_mut(kc * NR).enumerate().for_each(pack);
            }
            let block = Block {
                a,
                b_pack: &b_pack,
                out,
                m,
                n,
                jc,
                pc,
                kc,
                epilogue: Epilogue {
                    alpha,
                    beta,
                    first: pc == 0,
                },
            };
            let task = |task: usize| {
                let (ib, g) = (task / groups, task % groups);
                let ic = ib * mc;
                let p0 = g * per_group;
                block.run(ic, mc.min(m - ic), p0, (p0 + per_group).min(panels));
            };
            if parallel {
                (0..row_blocks * groups).into_par_iter().for_each(task);
            } else {
                (0..row_blocks * groups).for_each(task);
            }
        }
    }
    B_PACK.with(|cell| cell.replace(b_pack));
}

/// One `KC` deep slice of the product: B's packed panels for columns `jc..` and rows
/// `pc..pc + kc`, ready for tasks that each take a row block and a range of those panels.
struct Block<'a> {
    a: Strided<'a>,
    b_pack: &'a [f32],
    out: COut,
    m: usize,
    n: usize,
    jc: usize,
    pc: usize,
    kc: usize,
    epilogue: Epilogue,
}

impl Block<'_> {
    /// Rows `ic..ic + rows` of C times panels `p0..p1`: packs that row block of A, then one
    /// micro-kernel call per (panel, MR rows).
    fn run(&self, ic: usize, rows: usize, p0: usize, p1: usize) {
        let (kc, n) = (self.kc, self.n);
        if p0 >= p1 {
            return;
        }
        A_PACK.with(|cell| {
            let mut a_pack = cell.take();
            // No clearing: `pack_a` zeroes each panel before filling it.
            a_pack.resize(rows.div_ceil(MR) * kc * MR, 0.0);
            for (q, panel) in a_pack.chunks_mut(kc * MR).enumerate() {
                let i0 = ic + q * MR;
                pack_a(self.a, i0, (ic + rows).min(i0 + MR), self.pc, kc, panel);
            }
            for jp in p0..p1 {
                let j0 = self.jc + jp * NR;
                let cols = NR.min(n - j0);
                let bp = &self.b_pack[jp * kc * NR..(jp + 1) * kc * NR];
                for (q, ap) in a_pack.chunks(kc * MR).enumerate() {
                    let i0 = ic + q * MR;
                    let tile_rows = MR.min(ic + rows - i0);
                    // The tile's last element is inside C.
                    assert!((i0 + tile_rows - 1) * n + j0 + cols <= self.m * n);
                    // SAFETY: `available()` was asserted by `sgemm`; `ap` and `bp` hold `kc`
                    // steps of MR and NR floats; the tile (rows i0.., columns j0..j0+cols,
                    // row stride n) lies inside C (checked above) and in this task's
                    // rectangle, which no other task writes.
                    unsafe {
                        kernel(
                            kc,
                            ap,
                            bp,
                            self.out.ptr().add(i0 * n + j0),
                            n,
                            tile_rows,
                            cols,
                            self.epilogue,
                        );
                    }
                }
            }
            cell.replace(a_pack);
        });
    }
}

/// Rows `i0..i1` (at most MR) and columns `pc..pc + kc` of A, as a panel with element (i, p)
/// at `p * MR + i`; rows past `i1` are zero.
fn pack_a(a: Strided, i0: usize, i1: usize, pc: usize, kc: usize, panel: &mut [f32]) {
    panel.fill(0.0);
    if a.cs == 1 {
        for i in i0..i1 {
            let src = &a.data[i * a.rs + pc..i * a.rs + pc + kc];
            for (p, &x) in src.iter().enumerate() {
                panel[p * MR + (i - i0)] = x;
            }
        }
    } else {
        for p in 0..kc {
            let dst = &mut panel[p * MR..p * MR + (i1 - i0)];
            for (d, i) in dst.iter_mut().zip(i0..i1) {
                *d = a.data[i * a.rs + (pc + p) * a.cs];
            }
        }
    }
}

/// Rows `pc..pc + kc` and columns `j0..j0 + NR` of B (those below `n`), as a panel with
/// element (p, j) at `p * NR + j`; columns past `n` are zero.
fn pack_b(b: Strided, pc: usize, kc: usize, j0: usize, n: usize, panel: &mut [f32]) {
    let cols = NR.min(n - j0);
    if cols < NR {
        panel.fill(0.0);
    }
    if b.cs == 1 {
        for p in 0..kc {
            let row = (pc + p) * b.rs + j0;
            panel[p * NR..p * NR + cols].copy_from_slice(&b.data[row..row + cols]);
        }
    } else if b.rs == 1 {
        // B is a transposed row-major matrix (a weight `[n, k]` used as `[k, n]`): transpose
        // 16 x 16 blocks in registers, the rest element by element.
        let (full_p, full_j) = (kc / 16 * 16, cols / 16 * 16);
        for jj in (0..full_j).step_by(16) {
            let src = (j0 + jj) * b.cs + pc;
            // The block's last source element, row j0 + jj + 15 and column pc + full_p - 1.
            assert!(full_p == 0 || src + 15 * b.cs + full_p <= b.data.len());
            for p0 in (0..full_p).step_by(16) {
                assert!(p0 * NR + 15 * NR + jj + 16 <= panel.len());
                // SAFETY: `available()` holds (asserted by `sgemm`); 16 rows of 16 floats
                // from `src + p0`, `b.cs` apart, lie in `b.data` and 16 rows of 16 floats
                // from `p0 * NR + jj`, NR apart, in `panel` (both checked above).
                unsafe {
                    transpose16(
                        b.data.as_ptr().add(src + p0),
                        b.cs,
                        panel.as_mut_ptr().add(p0 * NR + jj),
                        NR,
                    );
                }
            }
        }
        for j in 0..cols {
            let base = (j0 + j) * b.cs + pc;
            let from = if j < full_j { full_p } else { 0 };
            for p in from..kc {
                panel[p * NR + j] = b.data[base + p];
            }
        }
    } else {
        for j in 0..cols {
            let base = (j0 + j) * b.cs;
            for p in 0..kc {
                panel[p * NR + j] = b.data[base + (pc + p) * b.rs];
            }
        }
    }
}

/// Writes the transpose of the 16 x 16 block at `src` (rows `src_stride` floats apart) to
/// `dst` (rows `dst_stride` apart): unpacks within 128-bit lanes, then lane shuffles.
///
/// # Safety
/// The CPU has AVX-512F; 16 rows of 16 floats at `src` are readable and at `dst` writable.
#[target_feature(enable = "avx512f")]
unsafe fn transpose16(src: *const f32, src_stride: usize, dst: *mut f32, dst_stride: usize) {
    use std::arch::x86_64::{
        _mm512_castpd_ps, _mm512_castps_pd, _mm512_shuffle_f32x4, _mm512_storeu_ps,
        _mm512_unpackhi_pd, _mm512_unpackhi_ps, _mm512_unpacklo_pd, _mm512_unpacklo_ps,
    };
    // SAFETY: the caller vouches for 16 readable rows.
    let r: [__m512; 16] =
        std::array::from_fn(|i| unsafe { _mm512_loadu_ps(src.add(i * src_stride)) });
    // Per 128-bit lane: t[2q] interleaves rows 2q and 2q+1 (elements 0, 1), t[2q+1] (2, 3).
    let mut t = [_mm512_setzero_ps(); 16];
    for q in 0..8 {
        t[2 * q] = _mm512_unpacklo_ps(r[2 * q], r[2 * q + 1]);
        t[2 * q + 1] = _mm512_unpackhi_ps(r[2 * q], r[2 * q + 1]);
    }
    // u[4g + e]: lane L holds element 4L + e of rows 4g..4g+4.
    let mut u = [_mm512_setzero_ps(); 16];
    for g in 0..4 {
        let (a0, a1) = (_mm512_castps_pd(t[4 * g]), _mm512_castps_pd(t[4 * g + 1]));
        let (b0, b1) = (
            _mm512_castps_pd(t[4 * g + 2]),
            _mm512_castps_pd(t[4 * g + 3]),
        );
        u[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, b0));
        u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, b0));
        u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, b1));
        u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, b1));
    }
    // Gather lane L of u[e], u[4 + e], u[8 + e], u[12 + e]: output row 4L + e.
    for e in 0..4 {
        let v0 = _mm512_shuffle_f32x4::<0x88>(u[e], u[4 + e]);
        let w0 = _mm512_shuffle_f32x4::<0xDD>(u[e], u[4 + e]);
        let v1 = _mm512_shuffle_f32x4::<0x88>(u[8 + e], u[12 + e]);
        let w1 = _mm512_shuffle_f32x4::<0xDD>(u[8 + e], u[12 + e]);
        let rows = [
            (e, _mm512_shuffle_f32x4::<0x88>(v0, v1)),
            (4 + e, _mm512_shuffle_f32x4::<0x88>(w0, w1)),
            (8 + e, _mm512_shuffle_f32x4::<0xDD>(v0, v1)),
            (12 + e, _mm512_shuffle_f32x4::<0xDD>(w0, w1)),
        ];
        for (row, x) in rows {
            // SAFETY: the caller vouches for 16 writable rows.
            unsafe { _mm512_storeu_ps(dst.add(row * dst_stride), x) };
        }
    }
}

/// How a tile lands in C: `c = alpha * acc + beta * c` for the first K block, `c += alpha *
/// acc` after it.
#[derive(Clone, Copy)]
struct Epilogue {
    alpha: f32,
    beta: f32,
    first: bool,
}

/// One `rows x cols` tile (at most MR x NR) of C from an A panel and a B panel of `kc` steps.
///
/// # Safety
/// The CPU has AVX-512F; `a` has `kc * MR` floats, `b` `kc * NR`; `c` points at a tile whose
/// `rows` rows of `cols` floats, `ldc` apart, are valid to read and write.
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel(
    kc: usize,
    a: &[f32],
    b: &[f32],
    c: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    e: Epilogue,
) {
    debug_assert!(a.len() >= kc * MR && b.len() >= kc * NR && rows <= MR && cols <= NR);
    let mut acc: [[__m512; 2]; MR] = [[_mm512_setzero_ps(); 2]; MR];
    let (ap, bp) = (a.as_ptr(), b.as_ptr());
    for p in 0..kc {
        // SAFETY: p < kc, so p * NR + 32 <= kc * NR floats of `b` and p * MR + MR of `a`.
        let (b0, b1) = unsafe {
            (
                _mm512_loadu_ps(bp.add(p * NR)),
                _mm512_loadu_ps(bp.add(p * NR + 16)),
            )
        };
        for (i, acc) in acc.iter_mut().enumerate() {
            // SAFETY: as above.
            let ai = _mm512_set1_ps(unsafe { *ap.add(p * MR + i) });
            acc[0] = _mm512_fmadd_ps(ai, b0, acc[0]);
            acc[1] = _mm512_fmadd_ps(ai, b1, acc[1]);
        }
    }
    let alpha = _mm512_set1_ps(e.alpha);
    let beta = _mm512_set1_ps(e.beta);
    let full = |w: usize| -> u16 {
        if w >= 16 {
            u16::MAX
        } else {
            (1u16 << w) - 1
        }
    };
    let masks = [full(cols), full(cols.saturating_sub(16))];
    for (i, acc) in acc.iter().enumerate().take(rows) {
        for h in 0..2 {
            if masks[h] == 0 {
                continue;
            }
            // SAFETY: row i < rows and the masked lanes are columns < cols, inside the tile
            // the caller vouches for; masked-off lanes are neither read nor written.
            unsafe {
                let cp = c.add(i * ldc + 16 * h);
                let v = _mm512_mul_ps(acc[h], alpha);
                let out = if !e.first {
                    _mm512_add_ps(_mm512_maskz_loadu_ps(masks[h], cp), v)
                } else if e.beta == 0.0 {
                    v
                } else {
                    _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(masks[h], cp), v)
                };
                _mm512_mask_storeu_ps(cp, masks[h], out);
            }
        }
    }
}

/// Most rows of `x` [`dots`] takes at once.
pub const DOTS_MAX_ROWS: usize = 8;

/// `out[i] = x_i · w` for the `out.len()` rows `x_i` of `x`, each `w.len()` long (at most
/// [`DOTS_MAX_ROWS`] rows). Call only when [`available`].
pub fn dots(x: &[f32], w: &[f32], out: &mut [f32]) {
    let (m, k) = (out.len(), w.len());
    assert!(
        m <= DOTS_MAX_ROWS && x.len() >= m * k,
        "dots: {m} rows of {k} from {} floats",
        x.len()
    );
    assert!(available(), "dots needs AVX-512F");
    // SAFETY: the CPU has AVX-512F (checked above); x holds m rows of k floats, w k floats and
    // out m floats (checked above), which is all the kernel reads and writes.
    unsafe { dots_kernel(x.as_ptr(), w.as_ptr(), out.as_mut_ptr(), m, k) }
}

/// The kernel of [`dots`]: two accumulators per row (alternate 16-float chunks), so a single
/// row still keeps two FMA chains in flight; the tail is a masked load.
///
/// # Safety
/// The CPU has AVX-512F; `x` points at `m <= DOTS_MAX_ROWS` rows of `k` floats, `w` at `k`
/// floats, `out` at `m` writable floats.
#[target_feature(enable = "avx512f")]
unsafe fn dots_kernel(x: *const f32, w: *const f32, out: *mut f32, m: usize, k: usize) {
    let mut acc: [[__m512; 2]; DOTS_MAX_ROWS] = [[_mm512_setzero_ps(); 2]; DOTS_MAX_ROWS];
    let full = k / 16 * 16;
    let mut p = 0;
    while p < full {
        let h = (p / 16) & 1;
        // SAFETY: p + 16 <= k, inside w and inside each of the m rows of x.
        let wv = unsafe { _mm512_loadu_ps(w.add(p)) };
        for (i, acc) in acc.iter_mut().enumerate().take(m) {
            // SAFETY: as above.
            let xv = unsafe { _mm512_loadu_ps(x.add(i * k + p)) };
            acc[h] = _mm512_fmadd_ps(xv, wv, acc[h]);
        }
        p += 16;
    }
    if p < k {
        let mask: u16 = (1u16 << (k - p)) - 1;
        // SAFETY: the mask's lanes are the k - p < 16 floats left in w and in each row.
        let wv = unsafe { _mm512_maskz_loadu_ps(mask, w.add(p)) };
        for (i, acc) in acc.iter_mut().enumerate().take(m) {
            // SAFETY: as above.
            let xv = unsafe { _mm512_maskz_loadu_ps(mask, x.add(i * k + p)) };
            acc[0] = _mm512_fmadd_ps(xv, wv, acc[0]);
        }
    }
    for (i, acc) in acc.iter().enumerate().take(m) {
        // SAFETY: i < m floats of out.
        unsafe { *out.add(i) = _mm512_reduce_add_ps(_mm512_add_ps(acc[0], acc[1])) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `dots` against an f64 reference, for row counts 1..=8 and lengths around the 16-float
    /// chunks (tails of every size).
    #[test]
    fn dots_match_f64_dot_products() {
        if !available() {
            eprintln!("skipped: no AVX-512F");
            return;
        }
        for k in [1usize, 15, 16, 17, 31, 32, 33, 100, 576] {
            for m in 1..=DOTS_MAX_ROWS {
                let x = values(k as u64 * 10 + m as u64, m * k);
                let w = values(7 + k as u64, k);
                let mut out = vec![0f32; m];
                dots(&x, &w, &mut out);
                for i in 0..m {
                    let want: f64 = (0..k).map(|p| x[i * k + p] as f64 * w[p] as f64).sum();
                    let err = (out[i] as f64 - want).abs();
                    assert!(err < 1e-5 * (k as f64).sqrt(), "k {k} m {m} row {i}: {err}");
                }
            }
        }
    }

    /// Deterministic values in [-1, 1).
    fn values(seed: u64, len: usize) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }

    /// `alpha * a * b + beta * c` in f64, with `beta == 0` ignoring c.
    #[allow(clippy::too_many_arguments)]
    fn reference(
        m: usize,
        k: usize,
        n: usize,
        a: Strided,
        b: Strided,
        c: &[f32],
        alpha: f32,
        beta: f32,
    ) -> Vec<f32> {
        let mut out = vec![0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                let s: f64 = (0..k)
                    .map(|p| {
                        a.data[i * a.rs + p * a.cs] as f64 * b.data[p * b.rs + j * b.cs] as f64
                    })
                    .sum();
                let old = if beta == 0.0 {
                    0.0
                } else {
                    beta as f64 * c[i * n + j] as f64
                };
                out[i * n + j] = (alpha as f64 * s + old) as f32;
            }
        }
        out
    }

    /// A `[rows, cols]` operand over `data`, stored as is or transposed (`[cols, rows]`).
    fn view(data: &[f32], rows: usize, cols: usize, transposed: bool) -> Strided<'_> {
        let (rs, cs) = if transposed { (1, rows) } else { (cols, 1) };
        Strided { data, rs, cs }
    }

    #[test]
    fn matches_reference_across_block_edges() {
        if !available() {
            eprintln!("no AVX-512F on this CPU: the AVX-512 GEMM is not exercised");
            return;
        }
        // Shapes that end inside a micro-tile, a K block, a row block and a column block.
        let shapes = [
            (1, 1, 1),
            (MR - 1, 3, NR + 1),
            (MR + 1, KC + 1, 2 * NR - 1),
            (MC + 13, 7, 45),
            (25, 2 * KC + 3, NC + 37),
            (3, 17, 5),
        ];
        for (si, &(m, k, n)) in shapes.iter().enumerate() {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let av = values(si as u64 * 8 + 1, m * k);
                let bv = values(si as u64 * 8 + 2, k * n);
                let a = view(&av, m, k, ta);
                let b = view(&bv, k, n, tb);
                for (alpha, beta) in [(1.0, 0.0), (0.5, 1.0), (-2.0, 0.25)] {
                    let mut c = values(si as u64 * 8 + 3, m * n);
                    if beta == 0.0 {
                        c.iter_mut().step_by(3).for_each(|x| *x = f32::NAN);
                    }
                    let want = reference(m, k, n, a, b, &c, alpha, beta);
                    sgemm(m, k, n, a, b, &mut c, alpha, beta);
                    let worst =
                        c.iter()
                            .zip(&want)
                            .map(|(x, y)| (x - y).abs())
                            .fold(
                                0f32,
                                |w, d| if d.is_nan() { f32::INFINITY } else { w.max(d) },
                            );
                    assert!(
                        worst <= 1e-5 * (k as f32).sqrt() * 4.0,
                        "[{m},{k}]x[{k},{n}] ta={ta} tb={tb} alpha={alpha} beta={beta}: {worst}"
                    );
                }
            }
        }
    }
}
