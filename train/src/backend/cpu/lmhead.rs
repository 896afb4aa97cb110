//! The fused output layer: lm_head GEMM, log-softmax, gather of the target's log-prob and the
//! entropy, over chunks of rows so that at most [chunk, vocab] logits exist at a time (never
//! [tokens, vocab]). The backward recomputes each chunk's logits instead of storing them.

use rayon::prelude::*;

use super::gemm::{sgemm, Mat};
use crate::backend::check;
use crate::Result;

/// Floats of logits held at once: about 16 MiB.
const CHUNK_FLOATS: usize = 1 << 22;

fn chunk_rows(vocab: usize) -> usize {
    (CHUNK_FLOATS / vocab.max(1)).clamp(1, 4096)
}

/// Replaces a row of logits z by z' = z · inv_temp − max(z · inv_temp) in place and returns
/// (ln Σ exp z', entropy) of the tempered distribution, so log p_j = z'_j − ln Σ exp z'.
/// Exponentials in f32, sums in f64 (vocabularies of 150k entries).
fn shifted_lse_entropy(z: &mut [f32], inv_temp: f32) -> (f32, f32) {
    let mut max = f32::NEG_INFINITY;
    for x in z.iter_mut() {
        *x *= inv_temp;
        max = max.max(*x);
    }
    // Eight partial sums of each kind so the loop vectorizes; exp stays f32, sums f64.
    let mut sums = [0f64; 8];
    let mut zsums = [0f64; 8];
    let mut chunks = z.chunks_exact_mut(8);
    for c in chunks.by_ref() {
        for l in 0..8 {
            c[l] -= max;
            let e = c[l].exp() as f64;
            sums[l] += e;
            zsums[l] += e * c[l] as f64;
        }
    }
    for x in chunks.into_remainder() {
        *x -= max;
        let e = x.exp() as f64;
        sums[0] += e;
        zsums[0] += e * *x as f64;
    }
    let sum: f64 = sums.iter().sum();
    let zsum: f64 = zsums.iter().sum();
    let lse = sum.ln();
    // H = −Σ p log p = lse − Σ p z'.
    (lse as f32, (lse - zsum / sum) as f32)
}

/// (logp[T], entropy[T]) of targets under softmax((h · wᵀ) · inv_temp).
pub fn logprob_entropy_fwd(
    h: &[f32],
    w: &[f32],
    targets: &[u32],
    dim: usize,
    vocab: usize,
    inv_temp: f32,
) -> Result<(Vec<f32>, Vec<f32>)> {
    check::lm_head(h, w, targets, dim, vocab)?;
    let rows = targets.len();
    let mut logp = vec![0f32; rows];
    let mut ent = vec![0f32; rows];
    let cr = chunk_rows(vocab);
    let mut logits = vec![0f32; cr.min(rows) * vocab];
    for start in (0..rows).step_by(cr) {
        let n = cr.min(rows - start);
        let z = &mut logits[..n * vocab];
        sgemm(
            Mat::new(&h[start * dim..(start + n) * dim], n, dim),
            Mat::new(w, vocab, dim).t(),
            z,
            1.0,
            0.0,
        )?;
        z.par_chunks_mut(vocab)
            .zip(logp[start..start + n].par_iter_mut())
            .zip(ent[start..start + n].par_iter_mut())
            .zip(targets[start..start + n].par_iter())
            .for_each(|(((row, lp), en), &t)| {
                let (lse, h) = shifted_lse_entropy(row, inv_temp);
                *lp = row[t as usize] - lse;
                *en = h;
            });
    }
    Ok((logp, ent))
}

/// dh[T, D] +=, dw[V, D] += for d(loss)/d(logp) = dlogp and d(loss)/d(entropy) = dent.
/// With p the tempered probabilities, per row:
/// dz_j = inv_temp · (dlogp · (1[j = target] − p_j) − dent · p_j · (log p_j + H)).
#[allow(clippy::too_many_arguments)]
pub fn logprob_entropy_bwd(
    dh: &mut [f32],
    dw: &mut [f32],
    h: &[f32],
    w: &[f32],
    targets: &[u32],
    dlogp: &[f32],
    dent: Option<&[f32]>,
    dim: usize,
    vocab: usize,
    inv_temp: f32,
) -> Result<()> {
    check::lm_head_bwd(dh, dw, h, w, targets, dlogp, dent, dim, vocab)?;
    let rows = targets.len();
    let cr = chunk_rows(vocab);
    let mut logits = vec![0f32; cr.min(rows) * vocab];
    for start in (0..rows).step_by(cr) {
        let n = cr.min(rows - start);
        let hc = &h[start * dim..(start + n) * dim];
        let z = &mut logits[..n * vocab];
        sgemm(
            Mat::new(hc, n, dim),
            Mat::new(w, vocab, dim).t(),
            z,
            1.0,
            0.0,
        )?;
        z.par_chunks_mut(vocab).enumerate().for_each(|(r, row)| {
            let t = start + r;
            let (lse, ent) = shifted_lse_entropy(row, inv_temp);
            let gl = dlogp[t];
            let ge = dent.map_or(0.0, |d| d[t]);
            for x in row.iter_mut() {
                let logp = *x - lse;
                let p = logp.exp();
                *x = inv_temp * (-gl * p - ge * p * (logp + ent));
            }
            row[targets[t] as usize] += inv_temp * gl;
        });
        // dh += dz · w ; dw += dzᵀ · h
        sgemm(
            Mat::new(z, n, vocab),
            Mat::new(w, vocab, dim),
            &mut dh[start * dim..(start + n) * dim],
            1.0,
            1.0,
        )?;
        sgemm(
            Mat::new(z, n, vocab).t(),
            Mat::new(hc, n, dim),
            dw,
            1.0,
            1.0,
        )?;
    }
    Ok(())
}
