//! From a parsed GGUF file to this crate's model: the [`ModelConfig`] from the `llama.*` /
//! `qwen2.*` metadata, the weights under their Hugging Face names (llama.cpp's Q/K row
//! permutation undone for the `llama` architecture), the tokenizer from `tokenizer.ggml.*`
//! (see [`super::gguf_tokenizer`]) and the chat template.
//!
//! Whatever would make the model compute something else than the file describes is an error
//! naming it: another architecture, RoPE scaling, partial rotary embeddings, mixtures of
//! experts, or any tensor this mapping does not consume.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;
use serde_json::json;

use super::gguf::{Gguf, MetaValue};
use super::{Model, ModelConfig};
use crate::backend::Backend;
use crate::tokenizer::Tokenizer;
use crate::{Result, TrainError};

fn cfg_err(msg: impl Into<String>) -> TrainError {
    TrainError::Config(format!("gguf: {}", msg.into()))
}

/// Everything a GGUF file gives: the model's config and weights (by Hugging Face name), its
/// tokenizer and chat template.
pub struct GgufModel {
    pub config: ModelConfig,
    pub tensors: HashMap<String, Vec<f32>>,
    pub tokenizer: Tokenizer,
    /// `tokenizer.chat_template`, when the file has one.
    pub chat_template: Option<String>,
    /// `general.architecture` (`llama` or `qwen2`).
    pub architecture: String,
}

impl GgufModel {
    /// Reads `path` and converts it.
    pub fn read(path: &Path) -> Result<Self> {
        let g = Gguf::read(path)?;
        Self::from_gguf(&g).map_err(|e| match e {
            TrainError::Config(m) => TrainError::Config(format!("{}: {m}", path.display())),
            TrainError::Checkpoint(m) => TrainError::Checkpoint(format!("{}: {m}", path.display())),
            TrainError::Tokenizer(m) => TrainError::Tokenizer(format!("{}: {m}", path.display())),
            e => e,
        })
    }

    /// Converts a parsed file.
    pub fn from_gguf(g: &Gguf) -> Result<Self> {
        let config = config(g)?;
        let tensors = tensors(g, &config)?;
        let tokenizer = super::gguf_tokenizer::tokenizer(g)?;
        let architecture = config.raw["model_type"].as_str().unwrap_or("").to_string();
        Ok(GgufModel {
            config,
            tensors,
            tokenizer,
            chat_template: g
                .get("tokenizer.chat_template")
                .and_then(MetaValue::as_str)
                .map(str::to_string),
            architecture,
        })
    }

    /// The model on `backend` (the tensors are moved out).
    pub fn model_on<B: Backend>(&mut self, backend: B) -> Result<Model<B>> {
        Model::from_named(backend, &self.config, &mut self.tensors)
    }
}

/// A metadata integer under `arch.key`.
fn arch_usize(g: &Gguf, arch: &str, key: &str) -> Result<Option<usize>> {
    let k = format!("{arch}.{key}");
    match g.get(&k) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|x| usize::try_from(x).ok())
            .map(Some)
            .ok_or_else(|| cfg_err(format!("`{k}` is not a non-negative integer: {v:?}"))),
    }
}

fn need(g: &Gguf, arch: &str, key: &str) -> Result<usize> {
    arch_usize(g, arch, key)?.ok_or_else(|| cfg_err(format!("missing `{arch}.{key}`")))
}

/// A metadata number under `arch.key`; an f32 is taken as the shortest decimal that rounds
/// to it (1e-5, not 9.999999747378752e-6), so a saved config.json reads as the original.
fn arch_f64(g: &Gguf, arch: &str, key: &str) -> Result<Option<f64>> {
    let k = format!("{arch}.{key}");
    match g.get(&k) {
        None => Ok(None),
        Some(MetaValue::F32(x)) => Ok(Some(x.to_string().parse().unwrap_or(f64::from(*x)))),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| cfg_err(format!("`{k}` is not a number: {v:?}"))),
    }
}

fn token_id(g: &Gguf, key: &str) -> Option<u64> {
    g.get(&format!("tokenizer.ggml.{key}"))
        .and_then(MetaValue::as_u64)
}

/// The Hugging Face `config.json` the file describes, parsed as this crate's config.
fn config(g: &Gguf) -> Result<ModelConfig> {
    let arch = g
        .get("general.architecture")
        .and_then(MetaValue::as_str)
        .ok_or_else(|| cfg_err("no `general.architecture`"))?;
    let (hf_arch, bias_default) = match arch {
        "llama" => ("LlamaForCausalLM", false),
        "qwen2" => ("Qwen2ForCausalLM", true),
        "qwen3" => ("Qwen3ForCausalLM", false),
        other => {
            return Err(cfg_err(format!(
                "architecture `{other}` is not supported (llama, qwen2 and qwen3 are)"
            )))
        }
    };
    for key in ["expert_count", "expert_used_count"] {
        if arch_usize(g, arch, key)?.unwrap_or(0) > 0 {
            return Err(cfg_err(format!(
                "`{arch}.{key}` is set: mixtures of experts are not supported"
            )));
        }
    }
    if let Some(v) = g.get(&format!("{arch}.rope.scaling.type")) {
        if v.as_str() != Some("none") {
            return Err(cfg_err(format!(
                "`{arch}.rope.scaling.type` is {v:?}: RoPE scaling is not supported yet"
            )));
        }
    }
    if let Some(f) = arch_f64(g, arch, "rope.scaling.factor")? {
        if f != 1.0 && f != 0.0 {
            return Err(cfg_err(format!(
                "`{arch}.rope.scaling.factor` is {f}: RoPE scaling is not supported yet"
            )));
        }
    }
    let hidden = need(g, arch, "embedding_length")?;
    let heads = need(g, arch, "attention.head_count")?;
    let kv_heads = arch_usize(g, arch, "attention.head_count_kv")?.unwrap_or(heads);
    let head_dim = match arch_usize(g, arch, "attention.key_length")? {
        Some(k) => k,
        None if heads > 0 => hidden / heads,
        None => return Err(cfg_err(format!("`{arch}.attention.head_count` is 0"))),
    };
    if let Some(v) = arch_usize(g, arch, "attention.value_length")? {
        if v != head_dim {
            return Err(cfg_err(format!(
                "`{arch}.attention.value_length` ({v}) differs from the key length ({head_dim})"
            )));
        }
    }
    if let Some(r) = arch_usize(g, arch, "rope.dimension_count")? {
        if r != head_dim {
            return Err(cfg_err(format!(
                "`{arch}.rope.dimension_count` is {r}, not the head size {head_dim}: partial \
                 rotary embeddings are not supported"
            )));
        }
    }
    let vocab = match g.get("tokenizer.ggml.tokens").and_then(MetaValue::as_array) {
        Some(t) => t.len(),
        None => need(g, arch, "vocab_size")?,
    };
    let embd = g
        .tensor("token_embd.weight")
        .ok_or_else(|| cfg_err("no `token_embd.weight` tensor"))?;
    if embd.shape() != [vocab, hidden] {
        return Err(cfg_err(format!(
            "token_embd.weight has shape {:?}, the metadata says [{vocab}, {hidden}]",
            embd.shape()
        )));
    }
    let tied = g.tensor("output.weight").is_none();
    let bias = g.tensor("blk.0.attn_q.bias").is_some();
    let eps = arch_f64(g, arch, "attention.layer_norm_rms_epsilon")?
        .ok_or_else(|| cfg_err(format!("missing `{arch}.attention.layer_norm_rms_epsilon`")))?;
    let mut raw = json!({
        "architectures": [hf_arch],
        "model_type": arch,
        "vocab_size": vocab,
        "hidden_size": hidden,
        "intermediate_size": need(g, arch, "feed_forward_length")?,
        "num_hidden_layers": need(g, arch, "block_count")?,
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "head_dim": head_dim,
        "rms_norm_eps": eps,
        "rope_theta": arch_f64(g, arch, "rope.freq_base")?.unwrap_or(10000.0),
        "max_position_embeddings": arch_usize(g, arch, "context_length")?.unwrap_or(2048),
        "tie_word_embeddings": tied,
        "hidden_act": "silu",
        "torch_dtype": "float32",
    });
    let o = raw.as_object_mut().ok_or_else(|| cfg_err("config"))?;
    if bias != bias_default {
        o.insert("attention_bias".into(), json!(bias));
    }
    if arch == "llama" {
        o.insert("attention_bias".into(), json!(bias));
        o.insert("mlp_bias".into(), json!(false));
    }
    for (key, hf) in [
        ("bos_token_id", "bos_token_id"),
        ("eos_token_id", "eos_token_id"),
        ("padding_token_id", "pad_token_id"),
    ] {
        if let Some(id) = token_id(g, key) {
            o.insert(hf.into(), json!(id));
        }
    }
    ModelConfig::from_json(raw)
}

/// Hugging Face name of a GGUF tensor name (`None` for names this mapping does not know).
fn hf_name(name: &str) -> Option<String> {
    let fixed = match name {
        "token_embd.weight" => Some("model.embed_tokens.weight"),
        "output_norm.weight" => Some("model.norm.weight"),
        "output.weight" => Some("lm_head.weight"),
        _ => None,
    };
    if let Some(f) = fixed {
        return Some(f.to_string());
    }
    let rest = name.strip_prefix("blk.")?;
    let (layer, part) = rest.split_once('.')?;
    let layer: usize = layer.parse().ok()?;
    let hf = match part {
        "attn_norm.weight" => "input_layernorm.weight",
        "ffn_norm.weight" => "post_attention_layernorm.weight",
        "attn_q.weight" => "self_attn.q_proj.weight",
        "attn_k.weight" => "self_attn.k_proj.weight",
        "attn_v.weight" => "self_attn.v_proj.weight",
        "attn_q.bias" => "self_attn.q_proj.bias",
        "attn_k.bias" => "self_attn.k_proj.bias",
        "attn_v.bias" => "self_attn.v_proj.bias",
        "attn_output.weight" => "self_attn.o_proj.weight",
        "attn_q_norm.weight" => "self_attn.q_norm.weight",
        "attn_k_norm.weight" => "self_attn.k_norm.weight",
        "ffn_gate.weight" => "mlp.gate_proj.weight",
        "ffn_up.weight" => "mlp.up_proj.weight",
        "ffn_down.weight" => "mlp.down_proj.weight",
        _ => return None,
    };
    Some(format!("model.layers.{layer}.{hf}"))
}

/// Undoes llama.cpp's converter permutation of the q/k rows for the `llama` architecture.
///
/// The converter reorders each head's rows from Hugging Face's rotate-half layout (first half
/// of the head, then second half) to GGML's interleaved pairs: GGUF row `2j + r` of a head is
/// Hugging Face row `r·(head_dim/2) + j`. `heads` is the head count of the tensor (the KV head
/// count for k). `cols` is the row width (1 for a bias).
pub fn unpermute_rows(w: &[f32], heads: usize, cols: usize) -> Result<Vec<f32>> {
    let rows = w.len().checked_div(cols).unwrap_or(0);
    if heads == 0 || cols == 0 || w.len() != rows * cols || !rows.is_multiple_of(2 * heads) {
        return Err(TrainError::Checkpoint(format!(
            "gguf: cannot unpermute {} values as {heads} heads of rows of {cols}",
            w.len()
        )));
    }
    let hd = rows / heads;
    let half = hd / 2;
    let mut out = vec![0f32; w.len()];
    for h in 0..heads {
        for r in 0..2 {
            for j in 0..half {
                let src = (h * hd + 2 * j + r) * cols;
                let dst = (h * hd + r * half + j) * cols;
                out[dst..dst + cols].copy_from_slice(&w[src..src + cols]);
            }
        }
    }
    Ok(out)
}

/// Every tensor dequantized under its Hugging Face name; q/k rows unpermuted for `llama`.
fn tensors(g: &Gguf, cfg: &ModelConfig) -> Result<HashMap<String, Vec<f32>>> {
    let arch = cfg.raw["model_type"].as_str().unwrap_or("");
    let mut named = Vec::with_capacity(g.tensors.len());
    let mut seen = HashSet::new();
    for t in &g.tensors {
        let hf = hf_name(&t.name).ok_or_else(|| {
            cfg_err(format!(
                "tensor `{}` is not understood (this model would compute something else than \
                 the file describes)",
                t.name
            ))
        })?;
        if !seen.insert(hf.clone()) {
            return Err(cfg_err(format!("tensor `{}` appears twice", t.name)));
        }
        named.push((t, hf));
    }
    named
        .into_par_iter()
        .map(|(t, hf)| {
            let mut w = g.tensor_f32(t)?;
            if arch == "llama" {
                let cols = if t.dims.len() > 1 {
                    t.dims[0] as usize
                } else {
                    1
                };
                if t.name.contains(".attn_q.") {
                    w = unpermute_rows(&w, cfg.num_heads, cols)?;
                } else if t.name.contains(".attn_k.") {
                    w = unpermute_rows(&w, cfg.num_kv_heads, cols)?;
                }
            }
            Ok((hf, w))
        })
        .collect()
}
