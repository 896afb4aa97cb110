//! Row-wise operations of the CPU backend (embedding, RMSNorm, RoPE, SwiGLU, AdamW), each a
//! forward and a backward over plain slices, parallel over rows with rayon.
//! Shapes are in each function's doc; backward functions add into their outputs.

use rayon::prelude::*;

use crate::backend::{check, AdamWStep};
use crate::Result;

/// Rows per rayon task: enough work per task to amortize scheduling.
fn rows_per_task(width: usize) -> usize {
    (16384 / width.max(1)).max(1)
}

/// out[T, D] = table[ids[t]] with table [V, D].
pub fn embedding_fwd(out: &mut [f32], table: &[f32], ids: &[u32], dim: usize) -> Result<()> {
    check::embedding(out, table, ids, dim, "embedding out")?;
    for (row, &id) in out.chunks_exact_mut(dim).zip(ids) {
        let id = id as usize;
        row.copy_from_slice(&table[id * dim..(id + 1) * dim]);
    }
    Ok(())
}

/// dtable[ids[t]] += dout[t].
pub fn embedding_bwd(dtable: &mut [f32], dout: &[f32], ids: &[u32], dim: usize) -> Result<()> {
    check::embedding(dout, dtable, ids, dim, "embedding dout")?;
    for (row, &id) in dout.chunks_exact(dim).zip(ids) {
        let id = id as usize;
        for (d, g) in dtable[id * dim..(id + 1) * dim].iter_mut().zip(row) {
            *d += g;
        }
    }
    Ok(())
}

/// out[T, D] = x · rstd · w, rstd[T] = 1 / sqrt(mean(x²) + eps).
pub fn rmsnorm_fwd(
    out: &mut [f32],
    rstd: &mut [f32],
    x: &[f32],
    w: &[f32],
    dim: usize,
    eps: f32,
) -> Result<()> {
    check::rmsnorm(out, rstd, x, w, dim)?;
    let per = rows_per_task(dim);
    out.par_chunks_mut(per * dim)
        .zip(rstd.par_chunks_mut(per))
        .zip(x.par_chunks(per * dim))
        .for_each(|((o, r), x)| {
            for ((o, r), x) in o.chunks_exact_mut(dim).zip(r).zip(x.chunks_exact(dim)) {
                let ms = x.iter().map(|&v| v * v).sum::<f32>() / dim as f32;
                let s = 1.0 / (ms + eps).sqrt();
                *r = s;
                for ((o, &x), &w) in o.iter_mut().zip(x).zip(w) {
                    *o = x * s * w;
                }
            }
        });
    Ok(())
}

/// dx[T, D] +=, dw[D] += for out = x · rstd · w.
/// dx = rstd · (dout·w − x̂ · mean(dout·w·x̂)), with x̂ = x · rstd.
pub fn rmsnorm_bwd(
    dx: &mut [f32],
    dw: &mut [f32],
    dout: &[f32],
    x: &[f32],
    w: &[f32],
    rstd: &[f32],
    dim: usize,
) -> Result<()> {
    check::rmsnorm_bwd(dx, dw, dout, x, w, rstd, dim)?;
    let per = rows_per_task(dim);
    let dw_parts: Vec<Vec<f32>> = dx
        .par_chunks_mut(per * dim)
        .zip(dout.par_chunks(per * dim))
        .zip(x.par_chunks(per * dim))
        .zip(rstd.par_chunks(per))
        .map(|(((dx, dout), x), rstd)| {
            let mut dw_local = vec![0f32; dim];
            for (((dx, dout), x), &r) in dx
                .chunks_exact_mut(dim)
                .zip(dout.chunks_exact(dim))
                .zip(x.chunks_exact(dim))
                .zip(rstd)
            {
                let mut dot = 0f32;
                for i in 0..dim {
                    let xh = x[i] * r;
                    dw_local[i] += dout[i] * xh;
                    dot += dout[i] * w[i] * xh;
                }
                let mean = dot / dim as f32;
                for i in 0..dim {
                    dx[i] += r * (dout[i] * w[i] - x[i] * r * mean);
                }
            }
            dw_local
        })
        .collect();
    for part in dw_parts {
        for (d, p) in dw.iter_mut().zip(part) {
            *d += p;
        }
    }
    Ok(())
}

/// Rotates x[T, H, hd] in place; `sign` = 1 forward, -1 for the transposed rotation.
fn rope(
    x: &mut [f32],
    pos: &[u32],
    heads: usize,
    head_dim: usize,
    freqs: &[f32],
    sign: f32,
) -> Result<()> {
    let width = check::rope(x, pos, heads, head_dim, freqs)?;
    let half = head_dim / 2;
    x.par_chunks_mut(width).zip(pos).for_each(|(row, &p)| {
        let (sin, cos): (Vec<f32>, Vec<f32>) = freqs
            .iter()
            .map(|&f| {
                let a = p as f32 * f;
                (a.sin() * sign, a.cos())
            })
            .unzip();
        for head in row.chunks_exact_mut(head_dim) {
            for i in 0..half {
                let (a, b) = (head[i], head[i + half]);
                head[i] = a * cos[i] - b * sin[i];
                head[i + half] = b * cos[i] + a * sin[i];
            }
        }
    });
    Ok(())
}

/// RoPE forward, in place on x[T, H, hd].
pub fn rope_fwd(
    x: &mut [f32],
    pos: &[u32],
    heads: usize,
    head_dim: usize,
    inv_freq: &[f32],
) -> Result<()> {
    rope(x, pos, heads, head_dim, inv_freq, 1.0)
}

/// RoPE backward: the transposed rotation of the gradient, in place.
pub fn rope_bwd(
    dx: &mut [f32],
    pos: &[u32],
    heads: usize,
    head_dim: usize,
    inv_freq: &[f32],
) -> Result<()> {
    rope(dx, pos, heads, head_dim, inv_freq, -1.0)
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// out = silu(gate) · up, all [T, F].
pub fn swiglu_fwd(out: &mut [f32], gate: &[f32], up: &[f32]) -> Result<()> {
    check::swiglu(out, gate, up)?;
    out.par_chunks_mut(16384)
        .zip(gate.par_chunks(16384))
        .zip(up.par_chunks(16384))
        .for_each(|((o, g), u)| {
            for ((o, &g), &u) in o.iter_mut().zip(g).zip(u) {
                *o = g * sigmoid(g) * u;
            }
        });
    Ok(())
}

/// dgate += dout · up · silu'(gate), dup += dout · silu(gate).
pub fn swiglu_bwd(
    dgate: &mut [f32],
    dup: &mut [f32],
    dout: &[f32],
    gate: &[f32],
    up: &[f32],
) -> Result<()> {
    check::swiglu_bwd(dgate, dup, dout, gate, up)?;
    dgate
        .par_chunks_mut(16384)
        .zip(dup.par_chunks_mut(16384))
        .zip(dout.par_chunks(16384))
        .zip(gate.par_chunks(16384).zip(up.par_chunks(16384)))
        .for_each(|(((dg, du), d), (g, u))| {
            for i in 0..d.len() {
                let s = sigmoid(g[i]);
                du[i] += d[i] * g[i] * s;
                dg[i] += d[i] * u[i] * s * (1.0 + g[i] * (1.0 - s));
            }
        });
    Ok(())
}

/// One AdamW step, exactly as `torch.optim.AdamW` (decoupled weight decay, bias correction).
pub fn adamw(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], hp: &AdamWStep) -> Result<()> {
    check::adamw(p, g, m, v, hp.step)?;
    let bc1 = 1.0 - (hp.beta1 as f64).powi(hp.step.min(i32::MAX as u64) as i32);
    let bc2 = 1.0 - (hp.beta2 as f64).powi(hp.step.min(i32::MAX as u64) as i32);
    let step_size = (hp.lr as f64 / bc1) as f32;
    let bc2_sqrt = bc2.sqrt() as f32;
    let decay = 1.0 - hp.lr * hp.weight_decay;
    p.par_chunks_mut(16384)
        .zip(g.par_chunks(16384))
        .zip(m.par_chunks_mut(16384).zip(v.par_chunks_mut(16384)))
        .for_each(|((p, g), (m, v))| {
            for i in 0..p.len() {
                p[i] *= decay;
                m[i] = hp.beta1 * m[i] + (1.0 - hp.beta1) * g[i];
                v[i] = hp.beta2 * v[i] + (1.0 - hp.beta2) * g[i] * g[i];
                let denom = v[i].sqrt() / bc2_sqrt + hp.eps;
                p[i] -= step_size * m[i] / denom;
            }
        });
    Ok(())
}
