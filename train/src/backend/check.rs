//! What every operation of [`Backend`](super::Backend) requires of its arguments, checked in
//! one place: buffer lengths against the shapes given, token ids against the vocabulary,
//! attention layouts against the buffers. The CPU reference and the CUDA backend call these
//! before any work, so both reject the same inputs with the same [`TrainError`] and message;
//! a later backend gets the same answers by calling them too.
//!
//! Each takes its operation's arguments in the order of the trait method, the buffers as
//! anything with a length in floats ([`Floats`]: the CPU's slices and vectors, the CUDA
//! backend's device slices), and returns the sizes its callers derive (rows, widths).

use super::{AttnLayout, AttnShape};
use crate::error::ensure_shape;
use crate::{Result, TrainError};

/// A buffer's length in floats, whatever holds it.
pub(crate) trait Floats {
    fn floats(&self) -> usize;
}

impl Floats for [f32] {
    fn floats(&self) -> usize {
        self.len()
    }
}

impl Floats for Vec<f32> {
    fn floats(&self) -> usize {
        self.len()
    }
}

/// Two lengths, in floats, that must be equal.
pub(crate) fn same_len(a: usize, b: usize, what: &str) -> Result<()> {
    ensure_shape(a == b, || format!("{what}: {a} vs {b} floats"))
}

/// Every row `r` of `rows`, `width` floats wide, lies inside a buffer of `len` floats; the
/// error names the first that does not.
fn rows_inside(rows: &[usize], width: usize, len: usize, what: &str) -> Result<()> {
    match rows.iter().find(|&&r| (r + 1) * width > len) {
        Some(&r) => Err(TrainError::Shape(format!("{what} row {r}"))),
        None => Ok(()),
    }
}

/// Every id is below `vocab` (an [`TrainError::Input`]: the ids come from the caller's data).
pub(crate) fn ids_below(ids: &[u32], vocab: usize, what: &str) -> Result<()> {
    match ids.iter().find(|&&i| i as usize >= vocab) {
        Some(&bad) => Err(TrainError::Input(format!(
            "{what} id {bad} >= vocabulary {vocab}"
        ))),
        None => Ok(()),
    }
}

/// `scatter_rows`: `src` holds one row per entry of `rows`, each a row of `dst`.
pub(crate) fn scatter_rows<T: Floats + ?Sized>(
    dst: &T,
    rows: &[usize],
    src: &T,
    width: usize,
) -> Result<()> {
    same_len(src.floats(), rows.len() * width, "scatter_rows src")?;
    rows_inside(rows, width, dst.floats(), "scatter_rows")
}

/// `gather_rows`: `dst` holds one row per entry of `rows`, each a row of `src`.
pub(crate) fn gather_rows<T: Floats + ?Sized>(
    dst: &T,
    src: &T,
    rows: &[usize],
    width: usize,
) -> Result<()> {
    same_len(dst.floats(), rows.len() * width, "gather_rows dst")?;
    rows_inside(rows, width, src.floats(), "gather_rows")
}

/// `add_assign`: two buffers of one length.
pub(crate) fn add_assign<T: Floats + ?Sized>(dst: &T, src: &T) -> Result<()> {
    same_len(dst.floats(), src.floats(), "add_assign")
}

/// The embedding forward (`rows` = out) and backward (`rows` = dout, `table` = dtable): one
/// row of `dim` per id, every id a row of the table.
pub(crate) fn embedding<T: Floats + ?Sized>(
    rows: &T,
    table: &T,
    ids: &[u32],
    dim: usize,
    what: &str,
) -> Result<()> {
    ensure_shape(rows.floats() == ids.len() * dim, || what.into())?;
    ids_below(ids, table.floats() / dim.max(1), "token")
}

/// RMSNorm forward: one rstd per row, out and x of that many rows of `dim`, a weight of
/// `dim`. Returns the rows.
pub(crate) fn rmsnorm<T: Floats + ?Sized>(
    out: &T,
    rstd: &T,
    x: &T,
    w: &T,
    dim: usize,
) -> Result<usize> {
    let rows = rstd.floats();
    ensure_shape(
        out.floats() == rows * dim && x.floats() == rows * dim && w.floats() == dim,
        || format!("rmsnorm: {rows} rows of {dim}"),
    )?;
    Ok(rows)
}

/// RMSNorm backward: as the forward, with dx and dout shaped as x, and dw as w. Returns the
/// rows.
pub(crate) fn rmsnorm_bwd<T: Floats + ?Sized>(
    dx: &T,
    dw: &T,
    dout: &T,
    x: &T,
    w: &T,
    rstd: &T,
    dim: usize,
) -> Result<usize> {
    let rows = rstd.floats();
    ensure_shape(
        dx.floats() == rows * dim
            && dout.floats() == rows * dim
            && x.floats() == rows * dim
            && w.floats() == dim
            && dw.floats() == dim,
        || format!("rmsnorm_bwd: {rows} rows of {dim}"),
    )?;
    Ok(rows)
}

/// Linear forward, out[T, N] = x[T, K] · w[N, K]ᵀ (+ bias[N]). Returns T.
pub(crate) fn linear<T: Floats + ?Sized>(
    out: &T,
    x: &T,
    w: &T,
    bias: Option<&T>,
    k: usize,
    n: usize,
) -> Result<usize> {
    let (xl, wl) = (x.floats(), w.floats());
    ensure_shape(k > 0 && xl.is_multiple_of(k) && wl == n * k, || {
        format!("linear: x {xl} floats, w {wl} floats, [{n}, {k}]")
    })?;
    let t = xl / k;
    same_len(out.floats(), t * n, "linear out")?;
    if let Some(b) = bias {
        same_len(b.floats(), n, "linear bias")?;
    }
    Ok(t)
}

/// Linear backward: each gradient shaped as what it is the gradient of (dx as x, dw as w, db
/// as the bias, dout as out). Returns T.
#[allow(clippy::too_many_arguments)]
pub(crate) fn linear_bwd<T: Floats + ?Sized>(
    dx: Option<&T>,
    dw: &T,
    db: Option<&T>,
    dout: &T,
    x: &T,
    w: &T,
    k: usize,
    n: usize,
) -> Result<usize> {
    let xl = x.floats();
    ensure_shape(
        k > 0 && n > 0 && xl.is_multiple_of(k) && w.floats() == n * k,
        || "linear_bwd".into(),
    )?;
    let t = xl / k;
    same_len(dout.floats(), t * n, "linear_bwd dout")?;
    same_len(dw.floats(), n * k, "linear_bwd dw")?;
    if let Some(dx) = dx {
        same_len(dx.floats(), t * k, "linear_bwd dx")?;
    }
    if let Some(db) = db {
        same_len(db.floats(), n, "linear_bwd db")?;
    }
    Ok(t)
}

/// RoPE, forward and backward: x[T, H, hd] with one position per row, an even head size and
/// one frequency per pair. Returns the row width H·hd.
pub(crate) fn rope<T: Floats + ?Sized>(
    x: &T,
    pos: &[u32],
    heads: usize,
    head_dim: usize,
    inv_freq: &[f32],
) -> Result<usize> {
    let width = heads * head_dim;
    let xl = x.floats();
    ensure_shape(
        head_dim.is_multiple_of(2) && xl == pos.len() * width && inv_freq.len() == head_dim / 2,
        || {
            format!(
                "rope: {xl} floats for {} positions x {heads} x {head_dim}, {} frequencies",
                pos.len(),
                inv_freq.len()
            )
        },
    )?;
    Ok(width)
}

/// Attention forward: head counts that group, q[Tq, Hq·hd], k and v [Tk, Hkv·hd], out shaped
/// as q, a layout inside those rows and a saved buffer of `saved_len` floats (the backend's
/// [`attention_saved_len`](crate::backend::Backend::attention_saved_len)). Returns the row
/// widths of q and of k.
#[allow(clippy::too_many_arguments)]
pub(crate) fn attention<T: Floats + ?Sized>(
    out: &T,
    saved: &T,
    q: &T,
    k: &T,
    v: &T,
    layout: &AttnLayout,
    sh: AttnShape,
    saved_len: usize,
) -> Result<(usize, usize)> {
    ensure_shape(
        sh.kv_heads > 0 && sh.q_heads.is_multiple_of(sh.kv_heads) && sh.head_dim > 0,
        || format!("attention heads {} / {}", sh.q_heads, sh.kv_heads),
    )?;
    let qw = sh.q_heads * sh.head_dim;
    let kw = sh.kv_heads * sh.head_dim;
    let (ql, kl) = (q.floats(), k.floats());
    ensure_shape(
        ql.is_multiple_of(qw) && kl.is_multiple_of(kw) && kl == v.floats() && out.floats() == ql,
        || "attention buffer sizes".into(),
    )?;
    layout.validate(ql / qw, kl / kw)?;
    ensure_shape(saved.floats() == saved_len, || {
        format!(
            "attention saved state: {} floats, the backend needs {saved_len}",
            saved.floats()
        )
    })?;
    Ok((qw, kw))
}

/// Attention backward: the forward's checks with dout in place of out, the forward's output
/// shaped as dout, and dq, dk, dv shaped as q, k, v. Returns the row widths of q and of k.
#[allow(clippy::too_many_arguments)]
pub(crate) fn attention_bwd<T: Floats + ?Sized>(
    dq: &T,
    dk: &T,
    dv: &T,
    dout: &T,
    out: &T,
    saved: &T,
    q: &T,
    k: &T,
    v: &T,
    layout: &AttnLayout,
    sh: AttnShape,
    saved_len: usize,
) -> Result<(usize, usize)> {
    let widths = attention(dout, saved, q, k, v, layout, sh, saved_len)?;
    ensure_shape(
        dq.floats() == q.floats()
            && dk.floats() == k.floats()
            && dv.floats() == v.floats()
            && out.floats() == dout.floats(),
        || "attention_bwd gradient sizes".into(),
    )?;
    Ok(widths)
}

/// SwiGLU forward: out, gate and up of one length.
pub(crate) fn swiglu<T: Floats + ?Sized>(out: &T, gate: &T, up: &T) -> Result<()> {
    let n = out.floats();
    ensure_shape(n == gate.floats() && gate.floats() == up.floats(), || {
        "swiglu".into()
    })
}

/// SwiGLU backward: dgate, dup, gate and up of dout's length. Returns that length.
pub(crate) fn swiglu_bwd<T: Floats + ?Sized>(
    dgate: &T,
    dup: &T,
    dout: &T,
    gate: &T,
    up: &T,
) -> Result<usize> {
    let n = dout.floats();
    ensure_shape(
        dgate.floats() == n && dup.floats() == n && gate.floats() == n && up.floats() == n,
        || "swiglu_bwd".into(),
    )?;
    Ok(n)
}

/// The fused lm head: h[T, D] with one target per row, w[V, D], every target below V.
pub(crate) fn lm_head<T: Floats + ?Sized>(
    h: &T,
    w: &T,
    targets: &[u32],
    dim: usize,
    vocab: usize,
) -> Result<()> {
    let (hl, wl) = (h.floats(), w.floats());
    ensure_shape(hl == targets.len() * dim && wl == vocab * dim, || {
        format!(
            "lm head: h {hl} floats, w {wl} floats, {} targets, dim {dim}, vocab {vocab}",
            targets.len()
        )
    })?;
    ids_below(targets, vocab, "target")
}

/// The lm head backward: the forward's checks, then dh and dw shaped as h and w, one dlogp
/// (and one dent, when given) per target.
#[allow(clippy::too_many_arguments)]
pub(crate) fn lm_head_bwd<T: Floats + ?Sized>(
    dh: &T,
    dw: &T,
    h: &T,
    w: &T,
    targets: &[u32],
    dlogp: &[f32],
    dent: Option<&[f32]>,
    dim: usize,
    vocab: usize,
) -> Result<()> {
    lm_head(h, w, targets, dim, vocab)?;
    let rows = targets.len();
    ensure_shape(
        dh.floats() == h.floats()
            && dw.floats() == w.floats()
            && dlogp.len() == rows
            && dent.is_none_or(|d| d.len() == rows),
        || "lm head backward sizes".into(),
    )
}

/// AdamW: the gradient and both moments of the parameter's length, a step counted from 1.
/// Returns that length.
pub(crate) fn adamw<T: Floats + ?Sized>(
    param: &T,
    grad: &T,
    m: &T,
    v: &T,
    step: u64,
) -> Result<usize> {
    let n = param.floats();
    ensure_shape(
        grad.floats() == n && m.floats() == n && v.floats() == n,
        || "adamw".into(),
    )?;
    ensure_shape(step >= 1, || "adamw step counts from 1".into())?;
    Ok(n)
}
