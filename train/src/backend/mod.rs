//! The boundary between the model and the hardware: every numerical operation the transformer
//! needs, as a forward/backward pair over buffers owned by a backend.
//!
//! The CPU backend ([`cpu::Cpu`]) is the specification: plain f32 code checked against
//! PyTorch. The CUDA backend ([`cuda::Cuda`]) implements the same trait and is tested against
//! it with the same test bodies (see `tests/model_ops.rs`, which runs every case on the CPU and,
//! when a GPU is present, on CUDA, through [`for_each_backend!`](crate::for_each_backend)).
//!
//! Conventions shared by every implementation:
//! - Buffers are flat f32 arrays, row-major; the shapes are given in each method's doc.
//! - Forward methods overwrite their outputs. Backward methods **add** into their gradient
//!   outputs (`d*` arguments), so gradients of a parameter used twice (tied embeddings)
//!   accumulate; callers zero them when a new accumulation starts.
//! - Small per-token index arrays (token ids, positions, targets, per-token scalars) live on the
//!   host as plain slices; an accelerator copies them over.
//! - Shapes are checked (by every backend, with the checks of `check.rs`) and a mismatch is a
//!   [`TrainError::Shape`](crate::TrainError), never a panic.

mod check;
pub mod cpu;
pub mod cuda;

use crate::Result;

/// RoPE's unscaled inverse frequencies theta^(-2i/hd) for i < hd/2, computed as Hugging Face
/// does (in f32). Every backend rotates by a table the model hands it, so the CPU and CUDA
/// backends use bit-identical frequencies.
pub fn rope_inv_freq(head_dim: usize, theta: f32) -> Vec<f32> {
    (0..head_dim / 2)
        .map(|i| 1.0 / theta.powf((2 * i) as f32 / head_dim as f32))
        .collect()
}

/// Where each sequence's queries and keys live inside packed buffers, for causal attention.
///
/// Sequence `s` has `q_len[s]` query rows starting at row `q_start[s]` of the query buffer and
/// `k_len[s] >= q_len[s]` key/value rows starting at row `k_start[s]` of the key/value buffers.
/// Query `i` of the sequence sits at absolute position `k_len - q_len + i` and attends to keys
/// `0..=k_len - q_len + i`. Training uses `q == k` (the same packed rows); decoding with a KV
/// cache has the new tokens' queries packed and the keys in the cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttnLayout {
    pub q_start: Vec<usize>,
    pub q_len: Vec<usize>,
    pub k_start: Vec<usize>,
    pub k_len: Vec<usize>,
}

impl AttnLayout {
    /// Packed sequences attending to themselves: lengths `lens`, back to back.
    pub fn packed(lens: &[usize]) -> Self {
        let mut starts = Vec::with_capacity(lens.len());
        let mut at = 0;
        for &l in lens {
            starts.push(at);
            at += l;
        }
        AttnLayout {
            q_start: starts.clone(),
            q_len: lens.to_vec(),
            k_start: starts,
            k_len: lens.to_vec(),
        }
    }

    /// Number of sequences.
    pub fn n_seqs(&self) -> usize {
        self.q_len.len()
    }

    /// Floats needed to keep the attention probabilities of every (sequence, query head).
    pub fn probs_len(&self, q_heads: usize) -> usize {
        self.q_len
            .iter()
            .zip(&self.k_len)
            .map(|(q, k)| q * k * q_heads)
            .sum()
    }

    /// Query rows the layout reaches: max over sequences of `q_start + q_len` (0 if none).
    pub fn q_rows(&self) -> usize {
        self.q_start
            .iter()
            .zip(&self.q_len)
            .map(|(s, l)| s + l)
            .max()
            .unwrap_or(0)
    }

    /// Checks the layout against buffer row counts.
    pub fn validate(&self, q_rows: usize, k_rows: usize) -> Result<()> {
        let n = self.q_len.len();
        crate::error::ensure_shape(
            self.q_start.len() == n && self.k_start.len() == n && self.k_len.len() == n,
            || "attention layout vectors differ in length".into(),
        )?;
        for s in 0..n {
            crate::error::ensure_shape(
                self.q_len[s] <= self.k_len[s]
                    && self.q_start[s] + self.q_len[s] <= q_rows
                    && self.k_start[s] + self.k_len[s] <= k_rows,
                || format!("attention layout: sequence {s} out of bounds"),
            )?;
        }
        Ok(())
    }
}

/// Head counts and size for attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttnShape {
    pub q_heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
}

/// One AdamW update's hyper-parameters (PyTorch's `torch.optim.AdamW` semantics).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWStep {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    /// 1-based step number, for bias correction.
    pub step: u64,
}

/// The operations a backend provides. See the module doc for the conventions.
pub trait Backend: Clone + Send + Sync + 'static {
    /// A device buffer of f32.
    type Buf: Send + Sync;

    /// Short name for test and bench output ("cpu", "cuda").
    fn name(&self) -> &'static str;

    /// Memory (free, total) in bytes where the backend has its own (a GPU's); `None` where it
    /// is the host's (the CPU).
    fn memory_info(&self) -> Option<(usize, usize)> {
        None
    }

    // ---- memory ----
    /// A buffer of `n` zeros.
    fn zeros(&self, n: usize) -> Result<Self::Buf>;
    /// A buffer holding `data`.
    fn upload(&self, data: &[f32]) -> Result<Self::Buf>;
    /// The buffer's contents on the host.
    fn download(&self, buf: &Self::Buf) -> Result<Vec<f32>>;
    /// Number of floats in the buffer.
    fn len(&self, buf: &Self::Buf) -> usize;
    /// Sets every element to zero.
    fn fill_zero(&self, buf: &mut Self::Buf) -> Result<()>;
    /// `dst[rows[i]] = src[i]` for rows of `width` floats.
    fn scatter_rows(
        &self,
        dst: &mut Self::Buf,
        rows: &[usize],
        src: &Self::Buf,
        width: usize,
    ) -> Result<()>;
    /// `dst[i] = src[rows[i]]` for rows of `width` floats.
    fn gather_rows(
        &self,
        dst: &mut Self::Buf,
        src: &Self::Buf,
        rows: &[usize],
        width: usize,
    ) -> Result<()>;
    /// `dst += src` elementwise.
    fn add_assign(&self, dst: &mut Self::Buf, src: &Self::Buf) -> Result<()>;
    /// `buf *= s` elementwise.
    fn scale(&self, buf: &mut Self::Buf, s: f32) -> Result<()>;
    /// Σ buf², accumulated in f64.
    fn sum_squares(&self, buf: &Self::Buf) -> Result<f64>;

    // ---- embedding ----
    /// out[T, D] = table[ids[t], :]; table [V, D].
    fn embedding_fwd(
        &self,
        out: &mut Self::Buf,
        table: &Self::Buf,
        ids: &[u32],
        dim: usize,
    ) -> Result<()>;
    /// dtable[ids[t], :] += dout[t, :].
    fn embedding_bwd(
        &self,
        dtable: &mut Self::Buf,
        dout: &Self::Buf,
        ids: &[u32],
        dim: usize,
    ) -> Result<()>;

    // ---- RMSNorm: out = x / sqrt(mean(x²) + eps) * w ----
    /// out[T, D], rstd[T] (kept for backward), x[T, D], w[D].
    fn rmsnorm_fwd(
        &self,
        out: &mut Self::Buf,
        rstd: &mut Self::Buf,
        x: &Self::Buf,
        w: &Self::Buf,
        dim: usize,
        eps: f32,
    ) -> Result<()>;
    /// dx[T, D] +=, dw[D] +=, from dout[T, D], x, w, rstd.
    #[allow(clippy::too_many_arguments)]
    fn rmsnorm_bwd(
        &self,
        dx: &mut Self::Buf,
        dw: &mut Self::Buf,
        dout: &Self::Buf,
        x: &Self::Buf,
        w: &Self::Buf,
        rstd: &Self::Buf,
        dim: usize,
    ) -> Result<()>;

    // ---- linear: out = x · wᵀ + b, w in PyTorch's [out, in] layout ----
    /// out[T, N] = x[T, K] · w[N, K]ᵀ (+ b[N]).
    fn linear_fwd(
        &self,
        out: &mut Self::Buf,
        x: &Self::Buf,
        w: &Self::Buf,
        b: Option<&Self::Buf>,
        k: usize,
        n: usize,
    ) -> Result<()>;
    /// dx[T, K] += dout · w (if given), dw[N, K] += doutᵀ · x, db[N] += Σ_t dout (if given).
    #[allow(clippy::too_many_arguments)]
    fn linear_bwd(
        &self,
        dx: Option<&mut Self::Buf>,
        dw: &mut Self::Buf,
        db: Option<&mut Self::Buf>,
        dout: &Self::Buf,
        x: &Self::Buf,
        w: &Self::Buf,
        k: usize,
        n: usize,
    ) -> Result<()>;

    // ---- RoPE (Hugging Face "rotate_half" layout), in place on x[T, H, hd] ----
    /// Rotates each head's pairs (i, i + hd/2) by the angle pos[t] · inv_freq[i]; `inv_freq`
    /// has hd/2 entries ([`rope_inv_freq`], rescaled by the model's RoPE scaling if any).
    fn rope_fwd(
        &self,
        x: &mut Self::Buf,
        pos: &[u32],
        heads: usize,
        head_dim: usize,
        inv_freq: &[f32],
    ) -> Result<()>;
    /// The inverse (transposed) rotation of a gradient, in place.
    fn rope_bwd(
        &self,
        dx: &mut Self::Buf,
        pos: &[u32],
        heads: usize,
        head_dim: usize,
        inv_freq: &[f32],
    ) -> Result<()>;

    // ---- causal grouped-query attention ----
    /// Floats of the state [`attention_fwd`](Backend::attention_fwd) keeps for the backward
    /// (its `saved` buffer), as this backend decides: the CPU keeps the probabilities
    /// ([`AttnLayout::probs_len`], `Hq · q_len · k_len` per sequence), CUDA one log-sum-exp per
    /// (query row, head) ([`AttnLayout::q_rows`] · Hq). Callers allocate it and treat it as
    /// opaque.
    fn attention_saved_len(&self, layout: &AttnLayout, shape: AttnShape) -> usize;
    /// out[Tq, Hq, hd], saved[attention_saved_len] (kept for backward), q[Tq, Hq, hd],
    /// k, v [Tk, Hkv, hd]; scale 1/sqrt(hd).
    #[allow(clippy::too_many_arguments)]
    fn attention_fwd(
        &self,
        out: &mut Self::Buf,
        saved: &mut Self::Buf,
        q: &Self::Buf,
        k: &Self::Buf,
        v: &Self::Buf,
        layout: &AttnLayout,
        shape: AttnShape,
    ) -> Result<()>;
    /// dq, dk, dv += from dout[Tq, Hq, hd] and the forward's inputs, output `out` and `saved`
    /// state.
    #[allow(clippy::too_many_arguments)]
    fn attention_bwd(
        &self,
        dq: &mut Self::Buf,
        dk: &mut Self::Buf,
        dv: &mut Self::Buf,
        dout: &Self::Buf,
        out: &Self::Buf,
        saved: &Self::Buf,
        q: &Self::Buf,
        k: &Self::Buf,
        v: &Self::Buf,
        layout: &AttnLayout,
        shape: AttnShape,
    ) -> Result<()>;

    // ---- SwiGLU: out = silu(gate) * up ----
    /// out, gate, up: [T, F].
    fn swiglu_fwd(&self, out: &mut Self::Buf, gate: &Self::Buf, up: &Self::Buf) -> Result<()>;
    /// dgate, dup +=.
    fn swiglu_bwd(
        &self,
        dgate: &mut Self::Buf,
        dup: &mut Self::Buf,
        dout: &Self::Buf,
        gate: &Self::Buf,
        up: &Self::Buf,
    ) -> Result<()>;

    // ---- fused lm_head + log-softmax gather + entropy ----
    /// For each row t of h[T, D]: z = (h[t] · wᵀ) * inv_temp over the vocabulary (w [V, D]),
    /// logp[t] = log_softmax(z)[targets[t]], entropy[t] = -Σ p log p. Works over chunks of rows
    /// and never holds [T, V]. Returns (logp, entropy) on the host.
    #[allow(clippy::too_many_arguments)]
    fn logprob_entropy_fwd(
        &self,
        h: &Self::Buf,
        w: &Self::Buf,
        targets: &[u32],
        dim: usize,
        vocab: usize,
        inv_temp: f32,
    ) -> Result<(Vec<f32>, Vec<f32>)>;
    /// dh[T, D] +=, dw[V, D] += for the loss whose derivatives are `dlogp[t]` with respect to
    /// logp[t] and `dent[t]` with respect to entropy[t] (recomputes the logits chunk by chunk).
    #[allow(clippy::too_many_arguments)]
    fn logprob_entropy_bwd(
        &self,
        dh: &mut Self::Buf,
        dw: &mut Self::Buf,
        h: &Self::Buf,
        w: &Self::Buf,
        targets: &[u32],
        dlogp: &[f32],
        dent: Option<&[f32]>,
        dim: usize,
        vocab: usize,
        inv_temp: f32,
    ) -> Result<()>;

    // ---- optimizer ----
    /// One AdamW update of `param` from `grad`, moments `m`, `v` (PyTorch semantics).
    fn adamw(
        &self,
        param: &mut Self::Buf,
        grad: &Self::Buf,
        m: &mut Self::Buf,
        v: &mut Self::Buf,
        hp: &AdamWStep,
    ) -> Result<()>;

    // ---- sampling ----
    /// One token per row of `logits` [rows, vocab] (rows = `uniforms.len()`), by
    /// [`sample_token`](crate::sample::sample_token)'s rule with `params`' temperature, top_k
    /// and top_p, row `i` with the uniform draw `uniforms[i]` in [0, 1); returns (token,
    /// log-prob) per row on the host. The default downloads the logits and runs
    /// `sample_token` on each row (the CPU's rule, bit for bit); CUDA samples on the device,
    /// so only the draws and the two numbers per row cross the bus.
    fn sample_rows(
        &self,
        logits: &Self::Buf,
        vocab: usize,
        params: &crate::sample::SamplingParams,
        uniforms: &[f64],
    ) -> Result<Vec<(u32, f32)>> {
        crate::sample::sample_rows_host(&self.download(logits)?, vocab, params, uniforms)
    }
}

/// Runs a test body once per available backend: `for_each_backend!(|b| body(b))`. The CPU
/// backend is always there; the CUDA backend (always compiled, its libraries loaded at run
/// time) runs the body too when the libraries and a device are present, and is skipped with a
/// printed line otherwise. The body is expanded once per backend, so it must be generic over
/// [`Backend`] (a body that calls `backend::cpu` helpers directly is CPU-only by nature).
#[macro_export]
macro_rules! for_each_backend {
    (|$b:ident| $body:expr) => {{
        {
            let $b = $crate::backend::cpu::Cpu::new();
            $body;
        }
        if let Some($b) = $crate::backend::cuda_for_tests() {
            $body;
        }
    }};
}

/// The CUDA backend on device 0 for [`for_each_backend!`]: opened once per process (the
/// kernels compile once) and shared through clones. `None` when CUDA or a device is absent,
/// after printing why, so a skipped backend shows in the test output.
#[doc(hidden)]
pub fn cuda_for_tests() -> Option<cuda::Cuda> {
    static CUDA: std::sync::OnceLock<std::result::Result<cuda::Cuda, String>> =
        std::sync::OnceLock::new();
    match CUDA.get_or_init(|| cuda::Cuda::new(0).map_err(|e| e.to_string())) {
        Ok(gpu) => Some(gpu.clone()),
        Err(why) => {
            eprintln!("cuda: skipped: {why}");
            None
        }
    }
}
