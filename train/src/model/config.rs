//! The model's shape, read from a Hugging Face `config.json` (Qwen2 and Llama families) and
//! written back with every field it came with.

use std::path::Path;

use serde_json::{json, Value};

use crate::{Result, TrainError};

/// Hyper-parameters of a decoder-only transformer of the Llama/Qwen2 family.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub num_kv_heads: usize,
    pub head_dim: usize,
    pub rms_norm_eps: f32,
    pub rope_theta: f32,
    /// Bias on the q, k and v projections (Qwen2: yes; Llama: `attention_bias`, usually no).
    pub qkv_bias: bool,
    /// `lm_head` shares the embedding matrix.
    pub tie_word_embeddings: bool,
    pub max_position_embeddings: usize,
    pub bos_token_id: Option<u32>,
    pub eos_token_ids: Vec<u32>,
    /// The JSON it was read from, so that saving keeps fields this crate does not use.
    pub raw: Value,
}

fn get_usize(v: &Value, key: &str) -> Result<Option<usize>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => x
            .as_u64()
            .map(|n| Some(n as usize))
            .ok_or_else(|| TrainError::Config(format!("`{key}` is not a non-negative integer"))),
    }
}

fn need_usize(v: &Value, key: &str) -> Result<usize> {
    get_usize(v, key)?.ok_or_else(|| TrainError::Config(format!("missing `{key}`")))
}

fn get_f32(v: &Value, key: &str) -> Result<Option<f32>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => x
            .as_f64()
            .map(|n| Some(n as f32))
            .ok_or_else(|| TrainError::Config(format!("`{key}` is not a number"))),
    }
}

impl ModelConfig {
    /// Parses a `config.json` value.
    pub fn from_json(v: Value) -> Result<Self> {
        let model_type = v
            .get("model_type")
            .and_then(Value::as_str)
            .unwrap_or("qwen2");
        if !matches!(model_type, "qwen2" | "llama" | "mistral" | "qwen2_5") {
            return Err(TrainError::Config(format!(
                "model_type `{model_type}` is not supported"
            )));
        }
        if v.get("rope_scaling").is_some_and(|r| !r.is_null()) {
            return Err(TrainError::Config("rope_scaling is not supported".into()));
        }
        if v.get("mlp_bias").and_then(Value::as_bool) == Some(true) {
            return Err(TrainError::Config("mlp_bias is not supported".into()));
        }
        let hidden_size = need_usize(&v, "hidden_size")?;
        let num_heads = need_usize(&v, "num_attention_heads")?;
        let qkv_bias = match v.get("attention_bias").and_then(Value::as_bool) {
            Some(b) => b,
            None => model_type.starts_with("qwen2"),
        };
        let eos_token_ids = match v.get("eos_token_id") {
            Some(Value::Number(n)) => n.as_u64().map(|x| vec![x as u32]).unwrap_or_default(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_u64)
                .map(|x| x as u32)
                .collect(),
            _ => Vec::new(),
        };
        let cfg = ModelConfig {
            vocab_size: need_usize(&v, "vocab_size")?,
            hidden_size,
            intermediate_size: need_usize(&v, "intermediate_size")?,
            num_layers: need_usize(&v, "num_hidden_layers")?,
            num_heads,
            num_kv_heads: get_usize(&v, "num_key_value_heads")?.unwrap_or(num_heads),
            head_dim: get_usize(&v, "head_dim")?.unwrap_or(hidden_size / num_heads.max(1)),
            rms_norm_eps: get_f32(&v, "rms_norm_eps")?.unwrap_or(1e-6),
            rope_theta: get_f32(&v, "rope_theta")?.unwrap_or(10000.0),
            qkv_bias,
            tie_word_embeddings: v
                .get("tie_word_embeddings")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            max_position_embeddings: get_usize(&v, "max_position_embeddings")?.unwrap_or(32768),
            bos_token_id: get_usize(&v, "bos_token_id")?.map(|x| x as u32),
            eos_token_ids,
            raw: v,
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads `path` (a `config.json`).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| TrainError::io(path, e))?;
        Self::from_json(serde_json::from_str(&text)?)
    }

    /// A small Qwen2-style configuration for tests, demos and benches: `layers` layers of
    /// width `hidden`, `heads` query heads sharing `kv_heads` key/value heads, q/k/v bias,
    /// untied head.
    pub fn tiny(
        vocab: usize,
        hidden: usize,
        layers: usize,
        heads: usize,
        kv_heads: usize,
        ffn: usize,
    ) -> Result<Self> {
        let raw = json!({
            "architectures": ["Qwen2ForCausalLM"],
            "model_type": "qwen2",
            "vocab_size": vocab,
            "hidden_size": hidden,
            "intermediate_size": ffn,
            "num_hidden_layers": layers,
            "num_attention_heads": heads,
            "num_key_value_heads": kv_heads,
            "rms_norm_eps": 1e-6,
            "rope_theta": 10000.0,
            "tie_word_embeddings": false,
            "max_position_embeddings": 4096,
            "hidden_act": "silu",
            "torch_dtype": "float32",
        });
        Self::from_json(raw)
    }

    /// Checks the shapes agree.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(TrainError::Config(m.to_string()));
        if self.vocab_size == 0 || self.hidden_size == 0 || self.intermediate_size == 0 {
            return bad("vocab_size, hidden_size and intermediate_size must be positive");
        }
        if self.num_heads == 0
            || self.num_kv_heads == 0
            || !self.num_heads.is_multiple_of(self.num_kv_heads)
        {
            return bad("num_attention_heads must be a positive multiple of num_key_value_heads");
        }
        if self.head_dim == 0 || !self.head_dim.is_multiple_of(2) {
            return bad("head_dim must be positive and even (RoPE rotates pairs)");
        }
        if self.rms_norm_eps.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
            || self.rope_theta.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        {
            return bad("rms_norm_eps and rope_theta must be positive");
        }
        Ok(())
    }

    /// The JSON to save: the original fields with this config's values.
    pub fn to_json(&self) -> Value {
        let mut v = self.raw.clone();
        if !v.is_object() {
            v = json!({});
        }
        let set = |v: &mut Value, k: &str, x: Value| {
            if let Some(o) = v.as_object_mut() {
                o.insert(k.to_string(), x);
            }
        };
        set(&mut v, "vocab_size", json!(self.vocab_size));
        set(&mut v, "hidden_size", json!(self.hidden_size));
        set(&mut v, "intermediate_size", json!(self.intermediate_size));
        set(&mut v, "num_hidden_layers", json!(self.num_layers));
        set(&mut v, "num_attention_heads", json!(self.num_heads));
        set(&mut v, "num_key_value_heads", json!(self.num_kv_heads));
        set(
            &mut v,
            "tie_word_embeddings",
            json!(self.tie_word_embeddings),
        );
        v
    }

    /// q projection width (heads · head_dim).
    pub fn q_dim(&self) -> usize {
        self.num_heads * self.head_dim
    }

    /// k/v projection width (kv heads · head_dim).
    pub fn kv_dim(&self) -> usize {
        self.num_kv_heads * self.head_dim
    }
}
