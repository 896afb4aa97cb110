//! A decoder-only transformer of the Llama/Qwen2/Qwen3 family (token embedding, RMSNorm, RoPE
//! with optional Llama 3 or linear scaling, grouped-query attention with optional q/k/v bias
//! and optional per-head q/k RMSNorm, SwiGLU MLP, tied or untied `lm_head`),
//! with a hand-written backward, generic over a [`Backend`] (the CPU reference by default).
//!
//! # API (stable: the GRPO loop and the CUDA backend build on it)
//!
//! ```text
//! ModelConfig::from_file(dir/config.json) | ModelConfig::tiny(vocab, hidden, layers, heads, kv_heads, ffn)
//! Model::new_random(&cfg, seed)            weights N(0, 0.02), biases 0, norms 1
//! Model::load(dir) / model.save(dir)       config.json + model.safetensors (or shards + index),
//!                                          Hugging Face tensor names unchanged; saved as f32
//! Model::load(file.gguf)                   a llama.cpp GGUF file (dequantized to f32);
//!                                          GgufModel::read(path) also gives its tokenizer
//!                                          and chat template
//! model.params() -> &[Param]               named tensors (name, shape, data) in HF order
//! model.grads()  -> &[Buf]                 one gradient buffer per param, same order and size
//! model.params_and_grads_mut()             (&mut [Param], &[Buf]) for the optimizer
//! model.zero_grad()
//! model.copy_weights_from(&other)          reference-policy resets
//! model.forward(&seqs, temperature) -> (TokenStats, Tape)
//!     seqs: &[Vec<u32>], each of length >= 2; TokenStats.logprobs[s][t] =
//!     log p(seqs[s][t+1] | seqs[s][..=t]) at the given temperature (logits / temperature),
//!     TokenStats.entropy[s][t] = entropy of that distribution; both of length len - 1.
//!     The Tape keeps the activations for backward.
//! model.score(&seqs, temperature) -> TokenStats    same numbers, no activations kept
//! model.backward(tape, &d_logprobs, Some(&d_entropy)) accumulates d(loss)/d(param) into grads,
//!     given d(loss)/d(logprobs[s][t]) (and optionally d(loss)/d(entropy[s][t])), same shapes
//!     as TokenStats.
//! model.logits(&seqs) -> Vec<Vec<f32>>     full [len, vocab] logits per sequence (tests, demos)
//! sample::generate(&model, &prompts, &SamplingParams, RngKey) -> Vec<Completion>
//! model.new_cache(n_seqs, capacity) / model.decode_step(&mut cache, &seq_ids, &tokens)
//!     incremental decoding; returns each listed sequence's last-position logits
//! Model::from_named(backend, &cfg, &mut HashMap<name, Vec<f32>>)   weights from host tensors
//! ```
//!
//! The fused lm_head + log-softmax + entropy never holds [tokens, vocab] (see
//! `backend::cpu::lmhead`).

mod cache;
pub mod config;
mod forward;
pub mod gguf;
pub mod gguf_model;
mod gguf_tokenizer;
mod io;

use crate::backend::cpu::Cpu;
use crate::backend::Backend;
use crate::{rng, Result, TrainError};

pub use cache::KvCache;
pub use config::ModelConfig;
pub use forward::{Tape, TokenStats};
pub use gguf_model::GgufModel;
pub use io::SaveDtype;

/// One named parameter tensor.
pub struct Param<B: Backend> {
    /// The Hugging Face name, e.g. `model.layers.0.self_attn.q_proj.weight`.
    pub name: String,
    pub shape: Vec<usize>,
    pub data: B::Buf,
}

impl<B: Backend> Param<B> {
    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// Indices of one layer's parameters in [`Model::params`].
#[derive(Debug, Clone)]
struct LayerIdx {
    ln1: usize,
    q_w: usize,
    q_b: Option<usize>,
    k_w: usize,
    k_b: Option<usize>,
    v_w: usize,
    v_b: Option<usize>,
    o_w: usize,
    /// Qwen3's per-head RMSNorm weights [head_dim] for queries and keys.
    q_norm: Option<usize>,
    k_norm: Option<usize>,
    ln2: usize,
    gate: usize,
    up: usize,
    down: usize,
}

/// Indices of every parameter in [`Model::params`].
#[derive(Debug, Clone)]
struct Index {
    embed: usize,
    layers: Vec<LayerIdx>,
    norm: usize,
    /// `None` when tied to the embedding.
    lm_head: Option<usize>,
}

/// How each parameter is initialised by [`Model::new_random`].
#[derive(Clone, Copy)]
enum Init {
    Normal,
    Zeros,
    Ones,
}

/// The transformer: configuration, parameters and their gradients on backend `B`.
pub struct Model<B: Backend = Cpu> {
    pub backend: B,
    pub cfg: ModelConfig,
    params: Vec<Param<B>>,
    grads: Vec<B::Buf>,
    idx: Index,
    /// Name -> shard file when loaded from a sharded checkpoint (saved back the same way).
    shards: Option<std::collections::BTreeMap<String, String>>,
    /// Activation recompute: [`Model::forward`] keeps only each layer's input and
    /// [`Model::backward`] recomputes the layer from it (see [`Model::set_recompute`]).
    recompute: bool,
}

impl ModelConfig {
    /// Parameters of the model this config describes (what [`Model::num_params`] counts once
    /// built), from the parameter list itself.
    pub fn num_params(&self) -> usize {
        let (specs, _) = param_specs(self);
        specs
            .iter()
            .map(|(_, shape, _)| shape.iter().product::<usize>())
            .sum()
    }
}

/// The parameter list in Hugging Face order: (name, shape, init).
fn param_specs(cfg: &ModelConfig) -> (Vec<(String, Vec<usize>, Init)>, Index) {
    let (d, f, v) = (cfg.hidden_size, cfg.intermediate_size, cfg.vocab_size);
    let (qd, kvd) = (cfg.q_dim(), cfg.kv_dim());
    let mut specs = Vec::new();
    let mut push = |name: String, shape: Vec<usize>, init: Init| {
        specs.push((name, shape, init));
        specs.len() - 1
    };
    let embed = push("model.embed_tokens.weight".into(), vec![v, d], Init::Normal);
    let mut layers = Vec::with_capacity(cfg.num_layers);
    for l in 0..cfg.num_layers {
        let p = format!("model.layers.{l}.");
        let bias = |push: &mut dyn FnMut(String, Vec<usize>, Init) -> usize, name: &str, n| {
            cfg.qkv_bias
                .then(|| push(format!("{p}self_attn.{name}.bias"), vec![n], Init::Zeros))
        };
        let ln1 = push(format!("{p}input_layernorm.weight"), vec![d], Init::Ones);
        let q_w = push(
            format!("{p}self_attn.q_proj.weight"),
            vec![qd, d],
            Init::Normal,
        );
        let q_b = bias(&mut push, "q_proj", qd);
        let k_w = push(
            format!("{p}self_attn.k_proj.weight"),
            vec![kvd, d],
            Init::Normal,
        );
        let k_b = bias(&mut push, "k_proj", kvd);
        let v_w = push(
            format!("{p}self_attn.v_proj.weight"),
            vec![kvd, d],
            Init::Normal,
        );
        let v_b = bias(&mut push, "v_proj", kvd);
        let o_w = push(
            format!("{p}self_attn.o_proj.weight"),
            vec![d, qd],
            Init::Normal,
        );
        let mut qk_norm = |name: &str| {
            cfg.qk_norm.then(|| {
                push(
                    format!("{p}self_attn.{name}.weight"),
                    vec![cfg.head_dim],
                    Init::Ones,
                )
            })
        };
        let q_norm = qk_norm("q_norm");
        let k_norm = qk_norm("k_norm");
        let ln2 = push(
            format!("{p}post_attention_layernorm.weight"),
            vec![d],
            Init::Ones,
        );
        let gate = push(format!("{p}mlp.gate_proj.weight"), vec![f, d], Init::Normal);
        let up = push(format!("{p}mlp.up_proj.weight"), vec![f, d], Init::Normal);
        let down = push(format!("{p}mlp.down_proj.weight"), vec![d, f], Init::Normal);
        layers.push(LayerIdx {
            ln1,
            q_w,
            q_b,
            k_w,
            k_b,
            v_w,
            v_b,
            o_w,
            q_norm,
            k_norm,
            ln2,
            gate,
            up,
            down,
        });
    }
    let norm = push("model.norm.weight".into(), vec![d], Init::Ones);
    let lm_head =
        (!cfg.tie_word_embeddings).then(|| push("lm_head.weight".into(), vec![v, d], Init::Normal));
    (
        specs,
        Index {
            embed,
            layers,
            norm,
            lm_head,
        },
    )
}

impl Model<Cpu> {
    /// A model with random weights on the CPU backend.
    pub fn new_random(cfg: &ModelConfig, seed: u64) -> Result<Self> {
        Self::new_random_on(Cpu, cfg, seed)
    }

    /// Loads `dir` (config.json + safetensors), or a GGUF file, on the CPU backend.
    pub fn load(dir: &std::path::Path) -> Result<Self> {
        Self::load_on(Cpu, dir)
    }
}

impl<B: Backend> Model<B> {
    /// Builds a model from host tensors given in [`param_specs`] order.
    fn from_host(backend: B, cfg: &ModelConfig, tensors: Vec<Vec<f32>>) -> Result<Self> {
        cfg.validate()?;
        let (specs, idx) = param_specs(cfg);
        if tensors.len() != specs.len() {
            return Err(TrainError::Checkpoint(format!(
                "{} tensors for {} parameters",
                tensors.len(),
                specs.len()
            )));
        }
        let mut params = Vec::with_capacity(specs.len());
        let mut grads = Vec::with_capacity(specs.len());
        for ((name, shape, _), data) in specs.into_iter().zip(tensors) {
            let n: usize = shape.iter().product();
            if data.len() != n {
                return Err(TrainError::Checkpoint(format!(
                    "{name}: {} values for shape {shape:?}",
                    data.len()
                )));
            }
            grads.push(backend.zeros(n)?);
            params.push(Param {
                name,
                shape,
                data: backend.upload(&data)?,
            });
        }
        Ok(Model {
            backend,
            cfg: cfg.clone(),
            params,
            grads,
            recompute: false,
            idx,
            shards: None,
        })
    }

    /// Random weights (N(0, 0.02) matrices, zero biases, unit norms) keyed by `seed`.
    pub fn new_random_on(backend: B, cfg: &ModelConfig, seed: u64) -> Result<Self> {
        cfg.validate()?;
        let (specs, _) = param_specs(cfg);
        let tensors = specs
            .iter()
            .enumerate()
            .map(|(i, (_, shape, init))| {
                let n: usize = shape.iter().product();
                match init {
                    Init::Zeros => vec![0.0; n],
                    Init::Ones => vec![1.0; n],
                    Init::Normal => (0..n)
                        .map(|j| (0.02 * rng::normal(&[seed, i as u64, j as u64])) as f32)
                        .collect(),
                }
            })
            .collect();
        Self::from_host(backend, cfg, tensors)
    }

    /// The parameters, in Hugging Face order.
    pub fn params(&self) -> &[Param<B>] {
        &self.params
    }

    /// The parameters, mutable (e.g. to load optimizer-updated or checkpointed values).
    pub fn params_mut(&mut self) -> &mut [Param<B>] {
        &mut self.params
    }

    /// Activation recompute (gradient checkpointing per layer): with it on, [`Model::forward`]
    /// keeps only each layer's input ([T, hidden] floats per layer instead of every
    /// intermediate) and [`Model::backward`] runs the layer's forward again, one layer at a
    /// time, before its backward. Costs about one more forward; the gradients are the same
    /// numbers (the recomputed layer is the same deterministic arithmetic). Off by default.
    pub fn set_recompute(&mut self, on: bool) {
        self.recompute = on;
    }

    /// Whether [`Model::set_recompute`] is on.
    pub fn recompute(&self) -> bool {
        self.recompute
    }

    /// Gradient buffers, one per parameter, same order and size.
    pub fn grads(&self) -> &[B::Buf] {
        &self.grads
    }

    /// Gradient buffers, mutable (e.g. to scale them).
    pub fn grads_mut(&mut self) -> &mut [B::Buf] {
        &mut self.grads
    }

    /// Parameters and gradients at once, for the optimizer.
    pub fn params_and_grads_mut(&mut self) -> (&mut [Param<B>], &[B::Buf]) {
        (&mut self.params, &self.grads)
    }

    /// Total number of parameters.
    pub fn num_params(&self) -> usize {
        self.params.iter().map(Param::numel).sum()
    }

    /// Sets every gradient to zero.
    pub fn zero_grad(&mut self) -> Result<()> {
        for g in &mut self.grads {
            self.backend.fill_zero(g)?;
        }
        Ok(())
    }

    /// Copies `other`'s weights into this model (same configuration), e.g. to reset a
    /// reference policy to the current one.
    pub fn copy_weights_from(&mut self, other: &Model<B>) -> Result<()> {
        if self.cfg.to_json() != other.cfg.to_json() || self.params.len() != other.params.len() {
            return Err(TrainError::Shape(
                "copy_weights_from: different configurations".into(),
            ));
        }
        for (dst, src) in self.params.iter_mut().zip(&other.params) {
            dst.data = self.backend.upload(&self.backend.download(&src.data)?)?;
        }
        Ok(())
    }

    /// A full copy (weights, zeroed gradients) on the same backend.
    pub fn try_clone(&self) -> Result<Self> {
        let tensors = self
            .params
            .iter()
            .map(|p| self.backend.download(&p.data))
            .collect::<Result<Vec<_>>>()?;
        let mut m = Self::from_host(self.backend.clone(), &self.cfg, tensors)?;
        m.shards = self.shards.clone();
        Ok(m)
    }

    /// The lm_head matrix [vocab, hidden] (the embedding when tied) and its gradient index.
    fn head_index(&self) -> usize {
        self.idx.lm_head.unwrap_or(self.idx.embed)
    }
}
