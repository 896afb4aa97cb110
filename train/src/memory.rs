//! The memory a training run needs on its backend, from the model's shapes and the run's
//! batch shapes, before anything is allocated: a run that cannot fit a GPU stops at start with
//! the numbers and what to change, instead of failing an allocation in its first update.
//!
//! The counts follow the code: parameters, gradients and AdamW's two moments in f32; the tape a
//! forward keeps per layer (exactly [`Tape::floats`](crate::model::Tape::floats), checked by a
//! test), or only each layer's input with recompute; the backward's per-layer temporaries; the
//! KV cache and logits of generation. Generation and the update run one after the other, so
//! the peak is the fixed part plus the larger of the two. Allocator overhead and the CUDA
//! context are not counted: keep a margin (the trainer asks for 10%).

use crate::backend::{AttnLayout, AttnShape, Backend};
use crate::model::ModelConfig;

/// The batch shapes of a run that decide its memory.
#[derive(Debug, Clone, PartialEq)]
pub struct RunShape {
    /// Token counts of the sequences of the largest forward + backward (one micro-batch).
    pub train_seqs: Vec<usize>,
    /// The forward keeps only each layer's input ([`Model::set_recompute`](crate::model::Model::set_recompute)).
    pub recompute: bool,
    /// A frozen reference copy of the weights is held (the KL term).
    pub reference: bool,
    /// Sequences generated at once (prompts per chunk × samples per prompt).
    pub gen_seqs: usize,
    /// Tokens per generated sequence: prompt + new tokens (the KV cache's capacity).
    pub gen_capacity: usize,
    /// Token counts of the prompts prefilled at once (a generation chunk's prompts).
    pub prefill_seqs: Vec<usize>,
}

/// Bytes, by what holds them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryEstimate {
    pub weights: usize,
    pub grads: usize,
    /// AdamW's first and second moments.
    pub optimizer: usize,
    /// The reference policy's weights (0 without the KL term).
    pub reference: usize,
    /// The tape of the largest forward.
    pub activations: usize,
    /// The backward's largest per-layer temporaries (and a recomputed layer's tape), the lm
    /// head's logits chunk and bf16 copies of a product's operands.
    pub backward: usize,
    /// KV cache, prefill temporaries and logits of a generation chunk.
    pub generation: usize,
}

const F32: usize = 4;
/// Logits the lm head holds at once, at most (the CUDA backend's chunk; the CPU's is smaller).
const LM_CHUNK_BYTES: usize = 256 << 20;

impl MemoryEstimate {
    /// The most held at once: the fixed part plus the larger of the update and generation.
    pub fn peak(&self) -> usize {
        self.weights
            + self.grads
            + self.optimizer
            + self.reference
            + (self.activations + self.backward).max(self.generation)
    }

    /// One line per part, in GiB, and the peak.
    pub fn describe(&self) -> String {
        let g = |b: usize| b as f64 / (1u64 << 30) as f64;
        format!(
            "{:.2} GiB at peak: weights {:.2}, gradients {:.2}, AdamW {:.2}, reference {:.2}, \
             then the larger of the update (activations {:.2} + backward {:.2}) and generation \
             {:.2} (KV cache, prefill, logits)",
            g(self.peak()),
            g(self.weights),
            g(self.grads),
            g(self.optimizer),
            g(self.reference),
            g(self.activations),
            g(self.backward),
            g(self.generation),
        )
    }
}

/// Floats one layer's tape holds for `tokens` tokens, without the attention's saved state.
fn layer_floats_per_token(c: &ModelConfig) -> usize {
    let (d, f, qd, kvd) = (c.hidden_size, c.intermediate_size, c.q_dim(), c.kv_dim());
    // x_in, ln1, x_mid, ln2: d each; rstd1, rstd2: 1 each; q, att: qd; k, v: kvd; gate, up,
    // act: f; Qwen3's q/k norms keep their inputs and 1/rms per head.
    let norms = if c.qk_norm {
        qd + c.num_heads + kvd + c.num_kv_heads
    } else {
        0
    };
    4 * d + 2 + 2 * qd + 2 * kvd + 3 * f + norms
}

/// The memory of a run of model `cfg` on `backend` with batch shapes `run`.
pub fn estimate<B: Backend>(backend: &B, cfg: &ModelConfig, run: &RunShape) -> MemoryEstimate {
    let p = cfg.num_params();
    let c = cfg;
    let (d, f, qd, kvd, v) = (
        c.hidden_size,
        c.intermediate_size,
        c.q_dim(),
        c.kv_dim(),
        c.vocab_size,
    );
    let shape = AttnShape {
        q_heads: c.num_heads,
        kv_heads: c.num_kv_heads,
        head_dim: c.head_dim,
    };
    let t: usize = run.train_seqs.iter().sum();
    let saved = backend.attention_saved_len(&AttnLayout::packed(&run.train_seqs), shape);
    let layer = layer_floats_per_token(c) * t + saved;
    // Every layer's tape, or only its input; then the final norm's input and 1/rms and the
    // hidden rows that predict a token (at most one per token).
    let predicting: usize = run.train_seqs.iter().map(|&n| n.saturating_sub(1)).sum();
    let tape = if run.recompute {
        c.num_layers * d * t
    } else {
        c.num_layers * layer
    } + d * t
        + t
        + d * predicting;
    // The backward's temporaries of one layer: dact, dgate, dup; dln2, dx, dln1; datt, dq; dk,
    // dv. With recompute, the layer's own tape too.
    let temps = (3 * f + 3 * d + 2 * qd + 2 * kvd) * t + if run.recompute { layer } else { 0 };
    // bf16 copies of the largest product's operands: the lm head's weight, and the larger of
    // a [T, ffn] input and a logits chunk.
    let bf16_copies = 2 * (v * d + (t * f).max(LM_CHUNK_BYTES / F32));
    let kv = 2 * c.num_layers * kvd * run.gen_seqs * run.gen_capacity;
    // Prefill runs one layer at a time over the chunk's prompts, keeping nothing.
    let prompts: usize = run.prefill_seqs.iter().sum();
    let prefill = layer_floats_per_token(c) * prompts
        + backend.attention_saved_len(&AttnLayout::packed(&run.prefill_seqs), shape);
    MemoryEstimate {
        weights: F32 * p,
        grads: F32 * p,
        optimizer: 2 * F32 * p,
        reference: if run.reference { F32 * p } else { 0 },
        activations: F32 * tape,
        backward: F32 * temps + LM_CHUNK_BYTES + bf16_copies,
        generation: F32 * (kv + prefill + run.gen_seqs * v),
    }
}
