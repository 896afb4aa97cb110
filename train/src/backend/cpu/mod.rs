//! The CPU backend: the reference implementation of every operation, plain f32 over slices.
//! GEMMs go through a multithreaded sgemm; the other operations are parallel over rows,
//! sequences or heads with rayon.

pub mod attention;
#[cfg(target_arch = "x86_64")]
mod avx512;
pub mod gemm;
pub mod lmhead;
pub mod ops;

use rayon::prelude::*;

use crate::backend::{check, AdamWStep, AttnLayout, AttnShape, Backend};
use crate::Result;
use gemm::{sgemm, Mat};

/// The CPU backend. Buffers are `Vec<f32>`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu;

impl Cpu {
    pub fn new() -> Self {
        Cpu
    }
}

impl Backend for Cpu {
    type Buf = Vec<f32>;

    fn name(&self) -> &'static str {
        "cpu"
    }

    fn zeros(&self, n: usize) -> Result<Vec<f32>> {
        Ok(vec![0.0; n])
    }

    fn upload(&self, data: &[f32]) -> Result<Vec<f32>> {
        Ok(data.to_vec())
    }

    fn download(&self, buf: &Vec<f32>) -> Result<Vec<f32>> {
        Ok(buf.clone())
    }

    fn len(&self, buf: &Vec<f32>) -> usize {
        buf.len()
    }

    fn fill_zero(&self, buf: &mut Vec<f32>) -> Result<()> {
        buf.iter_mut().for_each(|x| *x = 0.0);
        Ok(())
    }

    fn scatter_rows(
        &self,
        dst: &mut Vec<f32>,
        rows: &[usize],
        src: &Vec<f32>,
        width: usize,
    ) -> Result<()> {
        check::scatter_rows(dst, rows, src, width)?;
        for (i, &r) in rows.iter().enumerate() {
            dst[r * width..(r + 1) * width].copy_from_slice(&src[i * width..(i + 1) * width]);
        }
        Ok(())
    }

    fn gather_rows(
        &self,
        dst: &mut Vec<f32>,
        src: &Vec<f32>,
        rows: &[usize],
        width: usize,
    ) -> Result<()> {
        check::gather_rows(dst, src, rows, width)?;
        for (i, &r) in rows.iter().enumerate() {
            dst[i * width..(i + 1) * width].copy_from_slice(&src[r * width..(r + 1) * width]);
        }
        Ok(())
    }

    fn add_assign(&self, dst: &mut Vec<f32>, src: &Vec<f32>) -> Result<()> {
        check::add_assign(dst, src)?;
        dst.par_chunks_mut(16384)
            .zip(src.par_chunks(16384))
            .for_each(|(d, s)| {
                d.iter_mut().zip(s).for_each(|(d, s)| *d += s);
            });
        Ok(())
    }

    fn scale(&self, buf: &mut Vec<f32>, s: f32) -> Result<()> {
        buf.par_iter_mut().for_each(|x| *x *= s);
        Ok(())
    }

    fn sum_squares(&self, buf: &Vec<f32>) -> Result<f64> {
        Ok(buf
            .par_chunks(16384)
            .map(|c| c.iter().map(|&x| (x as f64) * (x as f64)).sum::<f64>())
            .sum())
    }

    fn embedding_fwd(
        &self,
        out: &mut Vec<f32>,
        table: &Vec<f32>,
        ids: &[u32],
        dim: usize,
    ) -> Result<()> {
        ops::embedding_fwd(out, table, ids, dim)
    }

    fn embedding_bwd(
        &self,
        dtable: &mut Vec<f32>,
        dout: &Vec<f32>,
        ids: &[u32],
        dim: usize,
    ) -> Result<()> {
        ops::embedding_bwd(dtable, dout, ids, dim)
    }

    fn rmsnorm_fwd(
        &self,
        out: &mut Vec<f32>,
        rstd: &mut Vec<f32>,
        x: &Vec<f32>,
        w: &Vec<f32>,
        dim: usize,
        eps: f32,
    ) -> Result<()> {
        ops::rmsnorm_fwd(out, rstd, x, w, dim, eps)
    }

    fn rmsnorm_bwd(
        &self,
        dx: &mut Vec<f32>,
        dw: &mut Vec<f32>,
        dout: &Vec<f32>,
        x: &Vec<f32>,
        w: &Vec<f32>,
        rstd: &Vec<f32>,
        dim: usize,
    ) -> Result<()> {
        ops::rmsnorm_bwd(dx, dw, dout, x, w, rstd, dim)
    }

    fn linear_fwd(
        &self,
        out: &mut Vec<f32>,
        x: &Vec<f32>,
        w: &Vec<f32>,
        b: Option<&Vec<f32>>,
        k: usize,
        n: usize,
    ) -> Result<()> {
        let t = check::linear(out, x, w, b, k, n)?;
        match b {
            Some(b) => {
                out.par_chunks_mut(n).for_each(|row| row.copy_from_slice(b));
                sgemm(Mat::new(x, t, k), Mat::new(w, n, k).t(), out, 1.0, 1.0)
            }
            None => sgemm(Mat::new(x, t, k), Mat::new(w, n, k).t(), out, 1.0, 0.0),
        }
    }

    fn linear_bwd(
        &self,
        dx: Option<&mut Vec<f32>>,
        dw: &mut Vec<f32>,
        db: Option<&mut Vec<f32>>,
        dout: &Vec<f32>,
        x: &Vec<f32>,
        w: &Vec<f32>,
        k: usize,
        n: usize,
    ) -> Result<()> {
        let t = check::linear_bwd(dx.as_deref(), dw, db.as_deref(), dout, x, w, k, n)?;
        if let Some(dx) = dx {
            sgemm(Mat::new(dout, t, n), Mat::new(w, n, k), dx, 1.0, 1.0)?;
        }
        sgemm(Mat::new(dout, t, n).t(), Mat::new(x, t, k), dw, 1.0, 1.0)?;
        if let Some(db) = db {
            for row in dout.chunks_exact(n) {
                db.iter_mut().zip(row).for_each(|(d, g)| *d += g);
            }
        }
        Ok(())
    }

    fn rope_fwd(
        &self,
        x: &mut Vec<f32>,
        pos: &[u32],
        heads: usize,
        head_dim: usize,
        inv_freq: &[f32],
    ) -> Result<()> {
        ops::rope_fwd(x, pos, heads, head_dim, inv_freq)
    }

    fn rope_bwd(
        &self,
        dx: &mut Vec<f32>,
        pos: &[u32],
        heads: usize,
        head_dim: usize,
        inv_freq: &[f32],
    ) -> Result<()> {
        ops::rope_bwd(dx, pos, heads, head_dim, inv_freq)
    }

    fn attention_saved_len(&self, layout: &AttnLayout, shape: AttnShape) -> usize {
        layout.probs_len(shape.q_heads)
    }

    fn attention_fwd(
        &self,
        out: &mut Vec<f32>,
        probs: &mut Vec<f32>,
        q: &Vec<f32>,
        k: &Vec<f32>,
        v: &Vec<f32>,
        layout: &AttnLayout,
        shape: AttnShape,
    ) -> Result<()> {
        attention::attention_fwd(out, probs, q, k, v, layout, shape)
    }

    fn attention_bwd(
        &self,
        dq: &mut Vec<f32>,
        dk: &mut Vec<f32>,
        dv: &mut Vec<f32>,
        dout: &Vec<f32>,
        out: &Vec<f32>,
        probs: &Vec<f32>,
        q: &Vec<f32>,
        k: &Vec<f32>,
        v: &Vec<f32>,
        layout: &AttnLayout,
        shape: AttnShape,
    ) -> Result<()> {
        attention::attention_bwd(dq, dk, dv, dout, out, probs, q, k, v, layout, shape)
    }

    fn swiglu_fwd(&self, out: &mut Vec<f32>, gate: &Vec<f32>, up: &Vec<f32>) -> Result<()> {
        ops::swiglu_fwd(out, gate, up)
    }

    fn swiglu_bwd(
        &self,
        dgate: &mut Vec<f32>,
        dup: &mut Vec<f32>,
        dout: &Vec<f32>,
        gate: &Vec<f32>,
        up: &Vec<f32>,
    ) -> Result<()> {
        ops::swiglu_bwd(dgate, dup, dout, gate, up)
    }

    fn logprob_entropy_fwd(
        &self,
        h: &Vec<f32>,
        w: &Vec<f32>,
        targets: &[u32],
        dim: usize,
        vocab: usize,
        inv_temp: f32,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        lmhead::logprob_entropy_fwd(h, w, targets, dim, vocab, inv_temp)
    }

    fn logprob_entropy_bwd(
        &self,
        dh: &mut Vec<f32>,
        dw: &mut Vec<f32>,
        h: &Vec<f32>,
        w: &Vec<f32>,
        targets: &[u32],
        dlogp: &[f32],
        dent: Option<&[f32]>,
        dim: usize,
        vocab: usize,
        inv_temp: f32,
    ) -> Result<()> {
        lmhead::logprob_entropy_bwd(dh, dw, h, w, targets, dlogp, dent, dim, vocab, inv_temp)
    }

    fn adamw(
        &self,
        param: &mut Vec<f32>,
        grad: &Vec<f32>,
        m: &mut Vec<f32>,
        v: &mut Vec<f32>,
        hp: &AdamWStep,
    ) -> Result<()> {
        ops::adamw(param, grad, m, v, hp)
    }
}
