//! [`Backend`] for [`Cuda`]: shape checks on the host (`backend/check.rs`, shared with the
//! CPU backend, so the errors are the same), then one cuBLAS call or kernel launch per step,
//! all ordered on the backend's stream. Small per-token index arrays are copied to the device
//! per call.

use cudarc::driver::{CudaSlice, LaunchConfig, PushKernelArg};

use super::gemm::Operand;
use super::{be, blocks, grid_for, Cuda, MatDims};
use crate::backend::{check, AdamWStep, AttnLayout, AttnShape, Backend};
use crate::Result;

type Buf = CudaSlice<f32>;

impl check::Floats for Buf {
    fn floats(&self) -> usize {
        self.len()
    }
}

/// Floats of logits held at once by the lm head: 64 Mi floats (256 MiB), at most 8192 rows.
const CHUNK_FLOATS: usize = 1 << 26;

fn u64s(v: &[usize]) -> Vec<u64> {
    v.iter().map(|&x| x as u64).collect()
}

/// Launches `$k` with `$cfg` and the arguments, in order.
macro_rules! launch {
    ($self:ident, $k:literal, $cfg:expr, $($arg:expr),+ $(,)?) => {{
        let f = $self.kernel($k)?;
        let cfg: LaunchConfig = $cfg;
        let mut l = $self.stream().launch_builder(f);
        $( l.arg($arg); )+
        // SAFETY: the host checked every buffer length against the shape arguments passed
        // with it, and the kernel (kernels.cu) only indexes within those shapes; argument
        // order and types match the kernel's signature (u64 for sizes, i32/f32 scalars).
        unsafe { l.launch(cfg) }.map_err(be($k))?;
    }};
}

// Attention (flash_attention.cu's host side), after the macro so that it can launch with it.
#[path = "flash.rs"]
mod flash;

fn chunk_rows(vocab: usize) -> usize {
    (CHUNK_FLOATS / vocab.max(1)).clamp(1, 8192)
}

impl Backend for Cuda {
    type Buf = CudaSlice<f32>;

    fn name(&self) -> &'static str {
        "cuda"
    }

    fn memory_info(&self) -> Option<(usize, usize)> {
        self.mem_info().ok()
    }

    fn zeros(&self, n: usize) -> Result<Buf> {
        self.stream().alloc_zeros(n).map_err(be("alloc"))
    }

    fn upload(&self, data: &[f32]) -> Result<Buf> {
        self.stream().clone_htod(data).map_err(be("upload"))
    }

    fn download(&self, buf: &Buf) -> Result<Vec<f32>> {
        self.stream().clone_dtoh(buf).map_err(be("download"))
    }

    fn len(&self, buf: &Buf) -> usize {
        buf.len()
    }

    fn fill_zero(&self, buf: &mut Buf) -> Result<()> {
        self.stream().memset_zeros(buf).map_err(be("memset"))
    }

    fn scatter_rows(&self, dst: &mut Buf, rows: &[usize], src: &Buf, width: usize) -> Result<()> {
        check::scatter_rows(dst, rows, src, width)?;
        let n = src.len();
        if n == 0 {
            return Ok(());
        }
        let rows = self
            .stream()
            .clone_htod(&u64s(rows))
            .map_err(be("upload"))?;
        let (w, n64) = (width as u64, n as u64);
        launch!(
            self,
            "scatter_rows",
            grid_for(n)?,
            dst,
            &rows,
            src,
            &w,
            &n64
        );
        Ok(())
    }

    fn gather_rows(&self, dst: &mut Buf, src: &Buf, rows: &[usize], width: usize) -> Result<()> {
        check::gather_rows(dst, src, rows, width)?;
        let n = dst.len();
        if n == 0 {
            return Ok(());
        }
        let rows = self
            .stream()
            .clone_htod(&u64s(rows))
            .map_err(be("upload"))?;
        let (w, n64) = (width as u64, n as u64);
        launch!(self, "gather_rows", grid_for(n)?, dst, src, &rows, &w, &n64);
        Ok(())
    }

    fn add_assign(&self, dst: &mut Buf, src: &Buf) -> Result<()> {
        check::add_assign(dst, src)?;
        let n = dst.len() as u64;
        launch!(self, "add_assign", grid_for(dst.len())?, dst, src, &n);
        Ok(())
    }

    fn scale(&self, buf: &mut Buf, s: f32) -> Result<()> {
        let n = buf.len() as u64;
        launch!(self, "scale", grid_for(buf.len())?, buf, &s, &n);
        Ok(())
    }

    fn sum_squares(&self, buf: &Buf) -> Result<f64> {
        let mut out = self.stream().alloc_zeros::<f64>(1).map_err(be("alloc"))?;
        let n = buf.len() as u64;
        let mut cfg = grid_for(buf.len())?;
        cfg.grid_dim.0 = cfg.grid_dim.0.min(1024);
        launch!(self, "sum_squares", cfg, &mut out, buf, &n);
        let host = self.stream().clone_dtoh(&out).map_err(be("download"))?;
        Ok(host.first().copied().unwrap_or(0.0))
    }

    fn embedding_fwd(&self, out: &mut Buf, table: &Buf, ids: &[u32], dim: usize) -> Result<()> {
        check::embedding(out, table, ids, dim, "embedding out")?;
        if out.is_empty() {
            return Ok(());
        }
        let ids = self.stream().clone_htod(ids).map_err(be("upload"))?;
        let (d, n) = (dim as u64, out.len() as u64);
        launch!(
            self,
            "embedding_fwd",
            grid_for(out.len())?,
            out,
            table,
            &ids,
            &d,
            &n
        );
        Ok(())
    }

    fn embedding_bwd(&self, dtable: &mut Buf, dout: &Buf, ids: &[u32], dim: usize) -> Result<()> {
        check::embedding(dout, dtable, ids, dim, "embedding dout")?;
        if dout.is_empty() {
            return Ok(());
        }
        let ids = self.stream().clone_htod(ids).map_err(be("upload"))?;
        let (d, n) = (dim as u64, dout.len() as u64);
        launch!(
            self,
            "embedding_bwd",
            grid_for(dout.len())?,
            dtable,
            dout,
            &ids,
            &d,
            &n
        );
        Ok(())
    }

    fn rmsnorm_fwd(
        &self,
        out: &mut Buf,
        rstd: &mut Buf,
        x: &Buf,
        w: &Buf,
        dim: usize,
        eps: f32,
    ) -> Result<()> {
        let rows = check::rmsnorm(out, rstd, x, w, dim)?;
        if rows == 0 {
            return Ok(());
        }
        let d = dim as i32;
        launch!(
            self,
            "rmsnorm_fwd",
            blocks(rows, 1)?,
            out,
            rstd,
            x,
            w,
            &d,
            &eps
        );
        Ok(())
    }

    fn rmsnorm_bwd(
        &self,
        dx: &mut Buf,
        dw: &mut Buf,
        dout: &Buf,
        x: &Buf,
        w: &Buf,
        rstd: &Buf,
        dim: usize,
    ) -> Result<()> {
        let rows = check::rmsnorm_bwd(dx, dw, dout, x, w, rstd, dim)?;
        if rows == 0 {
            return Ok(());
        }
        let d = dim as i32;
        launch!(
            self,
            "rmsnorm_bwd",
            blocks(rows, 1)?,
            dx,
            dw,
            dout,
            x,
            w,
            rstd,
            &d
        );
        Ok(())
    }

    fn linear_fwd(
        &self,
        out: &mut Buf,
        x: &Buf,
        w: &Buf,
        b: Option<&Buf>,
        k: usize,
        n: usize,
    ) -> Result<()> {
        let t = check::linear(out, x, w, b, k, n)?;
        let beta = match b {
            Some(b) => {
                if !out.is_empty() {
                    let (w64, n64) = (n as u64, out.len() as u64);
                    launch!(
                        self,
                        "broadcast_rows",
                        grid_for(out.len())?,
                        &mut *out,
                        b,
                        &w64,
                        &n64
                    );
                }
                1.0
            }
            None => 0.0,
        };
        self.sgemm(
            x,
            MatDims::new(t, k),
            w,
            MatDims::new(n, k).t(),
            out,
            1.0,
            beta,
        )
    }

    fn linear_bwd(
        &self,
        dx: Option<&mut Buf>,
        dw: &mut Buf,
        db: Option<&mut Buf>,
        dout: &Buf,
        x: &Buf,
        w: &Buf,
        k: usize,
        n: usize,
    ) -> Result<()> {
        let t = check::linear_bwd(dx.as_deref(), dw, db.as_deref(), dout, x, w, k, n)?;
        if let Some(dx) = dx {
            // dx[T, K] += dout[T, N] · w[N, K]
            self.sgemm(
                dout,
                MatDims::new(t, n),
                w,
                MatDims::new(n, k),
                dx,
                1.0,
                1.0,
            )?;
        }
        // dw[N, K] += dout[T, N]ᵀ · x[T, K]
        self.sgemm(
            dout,
            MatDims::new(t, n).t(),
            x,
            MatDims::new(t, k),
            dw,
            1.0,
            1.0,
        )?;
        if let Some(db) = db {
            let (t64, n64) = (t as u64, n as u64);
            launch!(self, "column_sum_add", grid_for(n)?, db, dout, &t64, &n64);
        }
        Ok(())
    }

    fn rope_fwd(
        &self,
        x: &mut Buf,
        pos: &[u32],
        heads: usize,
        hd: usize,
        inv_freq: &[f32],
    ) -> Result<()> {
        rope(self, x, pos, heads, hd, inv_freq, 1.0)
    }

    fn rope_bwd(
        &self,
        dx: &mut Buf,
        pos: &[u32],
        heads: usize,
        hd: usize,
        inv_freq: &[f32],
    ) -> Result<()> {
        rope(self, dx, pos, heads, hd, inv_freq, -1.0)
    }

    /// One log-sum-exp per (query row, head): see flash.rs.
    fn attention_saved_len(&self, layout: &AttnLayout, sh: AttnShape) -> usize {
        layout.q_rows() * sh.q_heads
    }

    fn attention_fwd(
        &self,
        out: &mut Buf,
        saved: &mut Buf,
        q: &Buf,
        k: &Buf,
        v: &Buf,
        layout: &AttnLayout,
        sh: AttnShape,
    ) -> Result<()> {
        let saved_len = self.attention_saved_len(layout, sh);
        check::attention(out, saved, q, k, v, layout, sh, saved_len)?;
        flash::forward(self, out, saved, q, k, v, layout, sh)
    }

    fn attention_bwd(
        &self,
        dq: &mut Buf,
        dk: &mut Buf,
        dv: &mut Buf,
        dout: &Buf,
        out: &Buf,
        saved: &Buf,
        q: &Buf,
        k: &Buf,
        v: &Buf,
        layout: &AttnLayout,
        sh: AttnShape,
    ) -> Result<()> {
        let saved_len = self.attention_saved_len(layout, sh);
        check::attention_bwd(dq, dk, dv, dout, out, saved, q, k, v, layout, sh, saved_len)?;
        flash::backward(self, dq, dk, dv, dout, out, saved, q, k, v, layout, sh)
    }

    fn swiglu_fwd(&self, out: &mut Buf, gate: &Buf, up: &Buf) -> Result<()> {
        check::swiglu(out, gate, up)?;
        let n = out.len() as u64;
        launch!(self, "swiglu_fwd", grid_for(out.len())?, out, gate, up, &n);
        Ok(())
    }

    fn swiglu_bwd(
        &self,
        dgate: &mut Buf,
        dup: &mut Buf,
        dout: &Buf,
        gate: &Buf,
        up: &Buf,
    ) -> Result<()> {
        let n = check::swiglu_bwd(dgate, dup, dout, gate, up)?;
        let n64 = n as u64;
        launch!(
            self,
            "swiglu_bwd",
            grid_for(n)?,
            dgate,
            dup,
            dout,
            gate,
            up,
            &n64
        );
        Ok(())
    }

    fn logprob_entropy_fwd(
        &self,
        h: &Buf,
        w: &Buf,
        targets: &[u32],
        dim: usize,
        vocab: usize,
        inv_temp: f32,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        check::lm_head(h, w, targets, dim, vocab)?;
        let rows = targets.len();
        let mut logp = self.zeros(rows)?;
        let mut ent = self.zeros(rows)?;
        if rows > 0 {
            let tg = self.stream().clone_htod(targets).map_err(be("upload"))?;
            let cr = chunk_rows(vocab);
            let mut z = self.zeros(cr.min(rows) * vocab)?;
            let v32 = vocab as i32;
            // The weight rounded once for every chunk when the products are in bf16.
            let mut w16 = None;
            let wr = self.rounded(w, &mut w16)?;
            for start in (0..rows).step_by(cr) {
                let n = cr.min(rows - start);
                let hc = h.slice(start * dim..(start + n) * dim);
                let mut zc = z.slice_mut(..n * vocab);
                // z[n, V] = h[n, D] · w[V, D]ᵀ
                self.gemm(
                    Operand::F32(&hc),
                    MatDims::new(n, dim),
                    wr.reuse(),
                    MatDims::new(vocab, dim).t(),
                    &mut zc,
                    1.0,
                    0.0,
                )?;
                let row0 = start as u64;
                launch!(
                    self,
                    "lse_entropy_fwd",
                    blocks(n, 1)?,
                    &mut zc,
                    &mut logp,
                    &mut ent,
                    &tg,
                    &row0,
                    &v32,
                    &inv_temp
                );
            }
        }
        Ok((self.download(&logp)?, self.download(&ent)?))
    }

    fn logprob_entropy_bwd(
        &self,
        dh: &mut Buf,
        dw: &mut Buf,
        h: &Buf,
        w: &Buf,
        targets: &[u32],
        dlogp: &[f32],
        dent: Option<&[f32]>,
        dim: usize,
        vocab: usize,
        inv_temp: f32,
    ) -> Result<()> {
        check::lm_head_bwd(dh, dw, h, w, targets, dlogp, dent, dim, vocab)?;
        let rows = targets.len();
        if rows == 0 {
            return Ok(());
        }
        let tg = self.stream().clone_htod(targets).map_err(be("upload"))?;
        let gl = self.upload(dlogp)?;
        let has_dent = i32::from(dent.is_some());
        let ge = self.upload(dent.unwrap_or(dlogp))?;
        let cr = chunk_rows(vocab);
        let mut z = self.zeros(cr.min(rows) * vocab)?;
        let v32 = vocab as i32;
        let mut w16 = None;
        let wr = self.rounded(w, &mut w16)?;
        for start in (0..rows).step_by(cr) {
            let n = cr.min(rows - start);
            let hc = h.slice(start * dim..(start + n) * dim);
            let mut zc = z.slice_mut(..n * vocab);
            self.gemm(
                Operand::F32(&hc),
                MatDims::new(n, dim),
                wr.reuse(),
                MatDims::new(vocab, dim).t(),
                &mut zc,
                1.0,
                0.0,
            )?;
            let row0 = start as u64;
            launch!(
                self,
                "lse_entropy_bwd",
                blocks(n, 1)?,
                &mut zc,
                &tg,
                &gl,
                &ge,
                &has_dent,
                &row0,
                &v32,
                &inv_temp
            );
            // dh[n, D] += dz[n, V] · w[V, D]; dw[V, D] += dz[n, V]ᵀ · h[n, D]
            let mut dhc = dh.slice_mut(start * dim..(start + n) * dim);
            self.gemm(
                Operand::F32(&zc),
                MatDims::new(n, vocab),
                wr.reuse(),
                MatDims::new(vocab, dim),
                &mut dhc,
                1.0,
                1.0,
            )?;
            self.sgemm(
                &zc,
                MatDims::new(n, vocab).t(),
                &hc,
                MatDims::new(n, dim),
                dw,
                1.0,
                1.0,
            )?;
        }
        Ok(())
    }

    fn adamw(
        &self,
        param: &mut Buf,
        grad: &Buf,
        m: &mut Buf,
        v: &mut Buf,
        hp: &AdamWStep,
    ) -> Result<()> {
        let n = check::adamw(param, grad, m, v, hp.step)?;
        // The same host-side constants as cpu/ops.rs adamw.
        let steps = hp.step.min(i32::MAX as u64) as i32;
        let bc1 = 1.0 - (hp.beta1 as f64).powi(steps);
        let bc2 = 1.0 - (hp.beta2 as f64).powi(steps);
        let step_size = (hp.lr as f64 / bc1) as f32;
        let bc2_sqrt = bc2.sqrt() as f32;
        let decay = 1.0 - hp.lr * hp.weight_decay;
        let n64 = n as u64;
        launch!(
            self,
            "adamw",
            grid_for(n)?,
            param,
            grad,
            m,
            v,
            &hp.beta1,
            &hp.beta2,
            &hp.eps,
            &step_size,
            &bc2_sqrt,
            &decay,
            &n64
        );
        Ok(())
    }

    fn sample_rows(
        &self,
        logits: &Buf,
        vocab: usize,
        params: &crate::sample::SamplingParams,
        uniforms: &[f64],
    ) -> Result<Vec<(u32, f32)>> {
        self.sample_rows_on_device(logits, vocab, params, uniforms)
    }
}

/// RoPE in place on x[T, H, hd]; `sign` −1 applies the transposed rotation.
fn rope(
    cu: &Cuda,
    x: &mut Buf,
    pos: &[u32],
    heads: usize,
    hd: usize,
    freqs: &[f32],
    sign: f32,
) -> Result<()> {
    check::rope(x, pos, heads, hd, freqs)?;
    let n = pos.len() * heads * (hd / 2);
    if n == 0 {
        return Ok(());
    }
    let self_ = cu;
    let p = self_.stream().clone_htod(pos).map_err(be("upload"))?;
    let f = self_.stream().clone_htod(freqs).map_err(be("upload"))?;
    let (h32, d32, n64) = (heads as i32, hd as i32, n as u64);
    launch!(
        self_,
        "rope",
        grid_for(n)?,
        x,
        &p,
        &f,
        &h32,
        &d32,
        &sign,
        &n64
    );
    Ok(())
}
