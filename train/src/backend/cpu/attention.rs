//! Causal grouped-query attention on the CPU: softmax(q·kᵀ / sqrt(hd)) · v per sequence and
//! head, parallel over (sequence, head) with rayon. The probabilities are the saved state kept
//! for backward (Σ_s Hq · q_len · k_len floats, laid out sequence by sequence, head by head, row
//! by row: the CPU's `attention_saved_len`).

use rayon::prelude::*;

use crate::backend::{check, AttnLayout, AttnShape};
use crate::Result;

/// Dot product over eight independent partial sums, so the compiler can keep them in one SIMD
/// register (a single running sum is a serial dependency chain it may not reorder).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    acc.iter().sum::<f32>() + tail
}

/// Splits `probs` into one chunk per (sequence, head), in layout order.
fn split_probs<'a>(
    mut probs: &'a mut [f32],
    layout: &AttnLayout,
    heads: usize,
) -> Vec<(usize, usize, &'a mut [f32])> {
    let mut parts = Vec::with_capacity(layout.n_seqs() * heads);
    for s in 0..layout.n_seqs() {
        for h in 0..heads {
            let n = layout.q_len[s] * layout.k_len[s];
            let (head, rest) = std::mem::take(&mut probs).split_at_mut(n);
            parts.push((s, h, head));
            probs = rest;
        }
    }
    parts
}

/// out[Tq, Hq, hd] = attention; probs kept for backward.
#[allow(clippy::too_many_arguments)]
pub fn attention_fwd(
    out: &mut [f32],
    probs: &mut [f32],
    q: &[f32],
    k: &[f32],
    v: &[f32],
    layout: &AttnLayout,
    sh: AttnShape,
) -> Result<()> {
    let saved_len = layout.probs_len(sh.q_heads);
    let (qw, kw) = check::attention(out, probs, q, k, v, layout, sh, saved_len)?;
    let hd = sh.head_dim;
    let group = sh.q_heads / sh.kv_heads;
    let scale = 1.0 / (hd as f32).sqrt();
    let results: Vec<(usize, usize, Vec<f32>)> = split_probs(probs, layout, sh.q_heads)
        .into_par_iter()
        .map(|(s, h, p)| {
            let (qs, ql, ks, kl) = (
                layout.q_start[s],
                layout.q_len[s],
                layout.k_start[s],
                layout.k_len[s],
            );
            let g = h / group;
            let mut o = vec![0f32; ql * hd];
            for i in 0..ql {
                let last = kl - ql + i;
                let qi = &q[(qs + i) * qw + h * hd..][..hd];
                let row = &mut p[i * kl..(i + 1) * kl];
                let mut max = f32::NEG_INFINITY;
                for (j, r) in row.iter_mut().enumerate().take(last + 1) {
                    *r = dot(qi, &k[(ks + j) * kw + g * hd..][..hd]) * scale;
                    max = max.max(*r);
                }
                let mut sum = 0f32;
                for r in row.iter_mut().take(last + 1) {
                    *r = (*r - max).exp();
                    sum += *r;
                }
                let oi = &mut o[i * hd..(i + 1) * hd];
                for (j, r) in row.iter_mut().enumerate() {
                    if j > last {
                        *r = 0.0;
                        continue;
                    }
                    *r /= sum;
                    let vj = &v[(ks + j) * kw + g * hd..][..hd];
                    for (a, b) in oi.iter_mut().zip(vj) {
                        *a += *r * b;
                    }
                }
            }
            (s, h, o)
        })
        .collect();
    for (s, h, o) in results {
        let qs = layout.q_start[s];
        for (i, oi) in o.chunks_exact(hd).enumerate() {
            out[(qs + i) * qw + h * hd..][..hd].copy_from_slice(oi);
        }
    }
    Ok(())
}

/// Offset of (sequence s, head h) in the probs buffer.
fn probs_offsets(layout: &AttnLayout, heads: usize) -> Vec<usize> {
    let mut offs = Vec::with_capacity(layout.n_seqs());
    let mut at = 0;
    for s in 0..layout.n_seqs() {
        offs.push(at);
        at += heads * layout.q_len[s] * layout.k_len[s];
    }
    offs
}

/// dq, dk, dv += gradients of attention, from dout[Tq, Hq, hd] and the probabilities (the
/// forward's output `out` is only shape-checked: the probabilities hold all this needs).
#[allow(clippy::too_many_arguments)]
pub fn attention_bwd(
    dq: &mut [f32],
    dk: &mut [f32],
    dv: &mut [f32],
    dout: &[f32],
    out: &[f32],
    probs: &[f32],
    q: &[f32],
    k: &[f32],
    v: &[f32],
    layout: &AttnLayout,
    sh: AttnShape,
) -> Result<()> {
    let saved_len = layout.probs_len(sh.q_heads);
    let (qw, kw) =
        check::attention_bwd(dq, dk, dv, dout, out, probs, q, k, v, layout, sh, saved_len)?;
    let hd = sh.head_dim;
    let group = sh.q_heads / sh.kv_heads;
    let scale = 1.0 / (hd as f32).sqrt();
    let offs = probs_offsets(layout, sh.q_heads);
    let tasks: Vec<(usize, usize)> = (0..layout.n_seqs())
        .flat_map(|s| (0..sh.kv_heads).map(move |g| (s, g)))
        .collect();
    // Per (sequence, kv head): dq for the group's query heads, dk and dv for the kv head.
    type Grads = (usize, usize, Vec<f32>, Vec<f32>, Vec<f32>);
    let results: Vec<Grads> = tasks
        .into_par_iter()
        .map(|(s, g)| {
            let (qs, ql, ks, kl) = (
                layout.q_start[s],
                layout.q_len[s],
                layout.k_start[s],
                layout.k_len[s],
            );
            let mut dq_l = vec![0f32; group * ql * hd];
            let mut dk_l = vec![0f32; kl * hd];
            let mut dv_l = vec![0f32; kl * hd];
            let mut dp = vec![0f32; kl];
            for hg in 0..group {
                let h = g * group + hg;
                let p = &probs[offs[s] + h * ql * kl..][..ql * kl];
                for i in 0..ql {
                    let last = kl - ql + i;
                    let row = &p[i * kl..(i + 1) * kl];
                    let doi = &dout[(qs + i) * qw + h * hd..][..hd];
                    let qi = &q[(qs + i) * qw + h * hd..][..hd];
                    let mut sum = 0f32;
                    for j in 0..=last {
                        let vj = &v[(ks + j) * kw + g * hd..][..hd];
                        dp[j] = dot(doi, vj);
                        sum += row[j] * dp[j];
                        for (a, b) in dv_l[j * hd..(j + 1) * hd].iter_mut().zip(doi) {
                            *a += row[j] * b;
                        }
                    }
                    let dqi = &mut dq_l[(hg * ql + i) * hd..][..hd];
                    for j in 0..=last {
                        let ds = row[j] * (dp[j] - sum) * scale;
                        let kj = &k[(ks + j) * kw + g * hd..][..hd];
                        for (a, b) in dqi.iter_mut().zip(kj) {
                            *a += ds * b;
                        }
                        for (a, b) in dk_l[j * hd..(j + 1) * hd].iter_mut().zip(qi) {
                            *a += ds * b;
                        }
                    }
                }
            }
            (s, g, dq_l, dk_l, dv_l)
        })
        .collect();
    for (s, g, dq_l, dk_l, dv_l) in results {
        let (qs, ql, ks) = (layout.q_start[s], layout.q_len[s], layout.k_start[s]);
        for hg in 0..group {
            let h = g * group + hg;
            for i in 0..ql {
                let src = &dq_l[(hg * ql + i) * hd..][..hd];
                for (a, b) in dq[(qs + i) * qw + h * hd..][..hd].iter_mut().zip(src) {
                    *a += b;
                }
            }
        }
        for (j, (dkj, dvj)) in dk_l.chunks_exact(hd).zip(dv_l.chunks_exact(hd)).enumerate() {
            let at = (ks + j) * kw + g * hd;
            for (a, b) in dk[at..at + hd].iter_mut().zip(dkj) {
                *a += b;
            }
            for (a, b) in dv[at..at + hd].iter_mut().zip(dvj) {
                *a += b;
            }
        }
    }
    Ok(())
}
