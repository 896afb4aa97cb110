//! The model's shape, read from a Hugging Face `config.json` (Qwen2, Qwen3 and Llama families,
//! in transformers 4's layout or 5's) and written back with every field it came with.
//!
//! Anything in a config that would change what the model computes and that this crate does not
//! implement is an error naming the key: a silent default trains a different model.

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
    /// How RoPE's frequencies are rescaled (Llama 3.x: `llama3`).
    pub rope_scaling: RopeScaling,
    /// Qwen3's per-head RMSNorm of queries and keys before RoPE (`q_norm`, `k_norm`).
    pub qk_norm: bool,
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

/// RoPE frequency scaling, from `rope_scaling` (transformers 4) or `rope_parameters`
/// (transformers 5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RopeScaling {
    /// theta^(-2i/hd) unchanged.
    None,
    /// Every frequency divided by `factor` (positions interpolated).
    Linear { factor: f32 },
    /// Llama 3.1's rule: low frequencies divided by `factor`, high ones kept, a smooth blend
    /// between wavelengths `original / low_freq_factor` and `original / high_freq_factor`.
    Llama3 {
        factor: f32,
        low_freq_factor: f32,
        high_freq_factor: f32,
        original_max_position_embeddings: f32,
    },
}

impl RopeScaling {
    /// Reads a `rope_scaling` / `rope_parameters` object (`key` names it in errors). Types
    /// this crate does not implement (`dynamic`, `yarn`, `longrope`, ...) are errors.
    fn parse(key: &str, p: &Value) -> Result<Self> {
        let kind = p
            .get("rope_type")
            .or_else(|| p.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("default");
        let num = |name: &str| -> Result<f32> {
            p.get(name)
                .and_then(Value::as_f64)
                .map(|x| x as f32)
                .filter(|x| x.is_finite() && *x > 0.0)
                .ok_or_else(|| {
                    TrainError::Config(format!(
                        "`{key}.{name}` must be a positive number for `{kind}` RoPE scaling"
                    ))
                })
        };
        match kind {
            "default" => Ok(RopeScaling::None),
            "linear" => Ok(RopeScaling::Linear {
                factor: num("factor")?,
            }),
            "llama3" => {
                let s = RopeScaling::Llama3 {
                    factor: num("factor")?,
                    low_freq_factor: num("low_freq_factor")?,
                    high_freq_factor: num("high_freq_factor")?,
                    original_max_position_embeddings: num("original_max_position_embeddings")?,
                };
                if let RopeScaling::Llama3 {
                    low_freq_factor: lo,
                    high_freq_factor: hi,
                    ..
                } = s
                {
                    if hi <= lo {
                        return Err(TrainError::Config(format!(
                            "`{key}`: high_freq_factor ({hi}) must exceed low_freq_factor ({lo})"
                        )));
                    }
                }
                Ok(s)
            }
            other => Err(TrainError::Config(format!(
                "`{key}` asks for `{other}` RoPE scaling: this model would compute something \
                 else than its config says (supported: default, linear, llama3)"
            ))),
        }
    }

    /// Rescales the unscaled inverse frequencies `inv` in place, as transformers does.
    pub fn apply(&self, inv: &mut [f32]) {
        match *self {
            RopeScaling::None => {}
            RopeScaling::Linear { factor } => inv.iter_mut().for_each(|f| *f /= factor),
            RopeScaling::Llama3 {
                factor,
                low_freq_factor,
                high_freq_factor,
                original_max_position_embeddings: old,
            } => {
                let low_wavelen = old / low_freq_factor;
                let high_wavelen = old / high_freq_factor;
                for f in inv.iter_mut() {
                    let wavelen = 2.0 * std::f32::consts::PI / *f;
                    if wavelen > low_wavelen {
                        *f /= factor;
                    } else if wavelen >= high_wavelen {
                        let smooth = (old / wavelen - low_freq_factor)
                            / (high_freq_factor - low_freq_factor);
                        *f = (1.0 - smooth) * *f / factor + smooth * *f;
                    }
                }
            }
        }
    }
}

/// The RoPE scaling a config asks for: `rope_scaling` (transformers 4) or `rope_parameters`
/// (transformers 5); both present must agree.
fn rope_scaling(v: &Value) -> Result<RopeScaling> {
    let t4 = match v.get("rope_scaling") {
        Some(p) if p.is_object() => Some(RopeScaling::parse("rope_scaling", p)?),
        None | Some(Value::Null) => None,
        Some(_) => return Err(TrainError::Config("`rope_scaling` is not an object".into())),
    };
    let t5 = match v.get("rope_parameters") {
        Some(p) if p.is_object() => Some(RopeScaling::parse("rope_parameters", p)?),
        _ => None,
    };
    match (t4, t5) {
        (Some(a), Some(b)) if a != b => Err(TrainError::Config(format!(
            "`rope_scaling` ({a:?}) and `rope_parameters` ({b:?}) disagree"
        ))),
        (Some(a), _) | (None, Some(a)) => Ok(a),
        (None, None) => Ok(RopeScaling::None),
    }
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

/// RoPE's base frequency: the top-level `rope_theta` (transformers 4) or
/// `rope_parameters.rope_theta` (transformers 5); both present must agree. Default 10,000
/// only when neither says (the Llama/Qwen2 default).
fn rope_theta(v: &Value) -> Result<f32> {
    let top = get_f32(v, "rope_theta")?;
    let nested = match v.get("rope_parameters") {
        Some(p) if p.is_object() => get_f32(p, "rope_theta").map_err(|_| {
            TrainError::Config("`rope_parameters.rope_theta` is not a number".into())
        })?,
        _ => None,
    };
    match (top, nested) {
        (Some(a), Some(b)) if a != b => Err(TrainError::Config(format!(
            "`rope_theta` ({a}) and `rope_parameters.rope_theta` ({b}) disagree"
        ))),
        (Some(a), _) | (None, Some(a)) => Ok(a),
        (None, None) => Ok(10000.0),
    }
}

/// Soft-capping and Granite-style multipliers: any of them set changes the model.
const SCALING_KEYS: [&str; 6] = [
    "final_logit_softcapping",
    "attn_logit_softcapping",
    "embedding_multiplier",
    "residual_multiplier",
    "attention_multiplier",
    "logits_scaling",
];

/// Config keys that change what the model computes and that this crate does not implement:
/// an error naming the key, never a silent default. Partial rotary embeddings, sliding-window
/// attention, an activation other than SiLU, MLP bias, logit soft-capping and the
/// Granite-style multipliers. (RoPE scaling types other than linear and llama3 are refused by
/// [`RopeScaling::parse`].)
fn refuse_unsupported(v: &Value) -> Result<()> {
    let refuse = |key: &str, why: &str| {
        Err(TrainError::Config(format!(
            "`{key}` {why}: this model would compute something else than its config says \
             (not supported yet)"
        )))
    };
    let set = |x: Option<&Value>| x.is_some_and(|x| !x.is_null() && x != &Value::Bool(false));
    for key in ["rope_scaling", "rope_parameters"] {
        let Some(p) = v.get(key).filter(|p| p.is_object()) else {
            continue;
        };
        if let Some(f) = p.get("partial_rotary_factor").and_then(Value::as_f64) {
            if f != 1.0 {
                return refuse(&format!("{key}.partial_rotary_factor"), "is not 1");
            }
        }
    }
    if let Some(f) = v.get("partial_rotary_factor").and_then(Value::as_f64) {
        if f != 1.0 {
            return refuse("partial_rotary_factor", "is not 1");
        }
    }
    if v.get("mlp_bias").and_then(Value::as_bool) == Some(true) {
        return refuse("mlp_bias", "is true");
    }
    if v.get("use_sliding_window").and_then(Value::as_bool) == Some(true) {
        return refuse("use_sliding_window", "is true");
    }
    if let Some(types) = v.get("layer_types").and_then(Value::as_array) {
        if let Some(t) = types.iter().find(|t| t.as_str() != Some("full_attention")) {
            return refuse("layer_types", &format!("has a `{t}` layer"));
        }
    }
    if let Some(act) = v.get("hidden_act").and_then(Value::as_str) {
        if act != "silu" && act != "swish" {
            return refuse("hidden_act", &format!("is `{act}`, not silu"));
        }
    }
    for key in SCALING_KEYS {
        if set(v.get(key)) {
            return refuse(key, "is set");
        }
    }
    Ok(())
}

impl ModelConfig {
    /// Parses a `config.json` value.
    pub fn from_json(v: Value) -> Result<Self> {
        let model_type = v
            .get("model_type")
            .and_then(Value::as_str)
            .unwrap_or("qwen2");
        if !matches!(
            model_type,
            "qwen2" | "qwen3" | "llama" | "mistral" | "qwen2_5"
        ) {
            return Err(TrainError::Config(format!(
                "model_type `{model_type}` is not supported"
            )));
        }
        refuse_unsupported(&v)?;
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
            rope_theta: rope_theta(&v)?,
            rope_scaling: rope_scaling(&v)?,
            qk_norm: model_type == "qwen3",
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

    /// The keys of the config this crate neither reads nor checks, sorted: they do not change
    /// what the model computes (`architectures`, `torch_dtype`, `initializer_range`,
    /// `use_cache`, `transformers_version`, ...). `rlvr train --verbose` lists them.
    pub fn unread_keys(&self) -> Vec<String> {
        const KNOWN: [&str; 25] = [
            "model_type",
            "vocab_size",
            "hidden_size",
            "intermediate_size",
            "num_hidden_layers",
            "num_attention_heads",
            "num_key_value_heads",
            "head_dim",
            "rms_norm_eps",
            "rope_theta",
            "rope_scaling",
            "rope_parameters",
            "attention_bias",
            "tie_word_embeddings",
            "max_position_embeddings",
            "bos_token_id",
            "eos_token_id",
            "partial_rotary_factor",
            "mlp_bias",
            "use_sliding_window",
            "layer_types",
            "hidden_act",
            // Read by the trainer (checkpoints, stop tokens).
            "pad_token_id",
            // Qwen's sliding window is off (checked) when these are set.
            "sliding_window",
            "max_window_layers",
        ];
        let mut keys: Vec<String> = self
            .raw
            .as_object()
            .map(|o| {
                o.keys()
                    .filter(|k| !KNOWN.contains(&k.as_str()) && !SCALING_KEYS.contains(&k.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        keys.sort();
        keys
    }

    /// RoPE's inverse frequencies (head_dim / 2 of them), scaled as the config asks.
    pub fn rope_inv_freq(&self) -> Vec<f32> {
        let mut inv = crate::backend::rope_inv_freq(self.head_dim, self.rope_theta);
        self.rope_scaling.apply(&mut inv);
        inv
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

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Value {
        json!({
            "model_type": "llama", "vocab_size": 64, "hidden_size": 16,
            "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
        })
    }

    fn with(extra: Value) -> Result<ModelConfig> {
        let mut v = base();
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        ModelConfig::from_json(v)
    }

    fn error_of(extra: Value) -> String {
        with(extra).unwrap_err().to_string()
    }

    /// transformers 5 writes RoPE's base under `rope_parameters`; it was read as 10,000.
    #[test]
    fn rope_theta_is_read_from_either_layout() {
        let t5 = json!({"rope_parameters": {"rope_theta": 100000.0, "rope_type": "default"}});
        assert_eq!(with(t5).unwrap().rope_theta, 100000.0);
        assert_eq!(
            with(json!({"rope_theta": 100000.0})).unwrap().rope_theta,
            100000.0
        );
        assert_eq!(ModelConfig::from_json(base()).unwrap().rope_theta, 10000.0);
        let both = json!({"rope_theta": 5e5, "rope_parameters": {"rope_theta": 5e5}});
        assert_eq!(with(both).unwrap().rope_theta, 5e5);
        let clash = error_of(json!({"rope_theta": 1e4, "rope_parameters": {"rope_theta": 1e5}}));
        assert!(clash.contains("disagree"), "{clash}");
    }

    #[test]
    fn keys_that_change_the_model_are_errors_naming_the_key() {
        let cases = [
            (
                json!({"rope_parameters": {"rope_theta": 5e5, "rope_type": "dynamic", "factor": 2.0}}),
                "rope_parameters",
            ),
            (
                json!({"rope_scaling": {"rope_type": "yarn", "factor": 4.0}}),
                "rope_scaling",
            ),
            // llama3 without its parameters: an error, never a default.
            (
                json!({"rope_parameters": {"rope_theta": 5e5, "rope_type": "llama3", "factor": 32.0}}),
                "rope_parameters.low_freq_factor",
            ),
            (
                json!({"rope_scaling": {"type": "linear", "factor": 2.0},
                       "rope_parameters": {"rope_type": "linear", "factor": 4.0}}),
                "rope_scaling",
            ),
            (
                json!({"layer_types": ["full_attention", "sliding_attention"]}),
                "layer_types",
            ),
            (json!({"hidden_act": "gelu"}), "hidden_act"),
            (json!({"use_sliding_window": true}), "use_sliding_window"),
            (json!({"mlp_bias": true}), "mlp_bias"),
            (
                json!({"final_logit_softcapping": 30.0}),
                "final_logit_softcapping",
            ),
            (
                json!({"partial_rotary_factor": 0.5}),
                "partial_rotary_factor",
            ),
        ];
        for (extra, key) in cases {
            let e = error_of(extra.clone());
            assert!(e.contains(&format!("`{key}`")), "{extra}: {e}");
        }
        // Harmless or off: accepted.
        for ok in [
            json!({"layer_types": ["full_attention"], "max_window_layers": 28}),
            json!({"rope_scaling": null}),
            json!({"use_sliding_window": false, "sliding_window": 4096}),
            json!({"hidden_act": "silu", "mlp_bias": false, "pretraining_tp": 1}),
        ] {
            assert!(with(ok.clone()).is_ok(), "{ok}");
        }
    }

    fn llama3(p: Value) -> Value {
        let mut s = json!({"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                           "high_freq_factor": 4.0, "original_max_position_embeddings": 8192});
        s.as_object_mut()
            .unwrap()
            .extend(p.as_object().unwrap().clone());
        s
    }

    /// The same Llama 3.1 config in transformers 4's layout and 5's reads to the same model.
    #[test]
    fn llama3_scaling_reads_the_same_from_both_layouts() {
        let t4 = with(json!({"rope_theta": 5e5, "rope_scaling": llama3(json!({}))})).unwrap();
        let t5 = with(json!({"rope_parameters": llama3(json!({"rope_theta": 5e5}))})).unwrap();
        assert_eq!(t4.rope_theta, 5e5);
        assert_eq!(t4.rope_scaling, t5.rope_scaling);
        assert_eq!(t4.rope_inv_freq(), t5.rope_inv_freq());
        assert!(matches!(t4.rope_scaling, RopeScaling::Llama3 { factor, .. } if factor == 8.0));
    }

    /// Llama 3.1's rule at head_dim 128, theta 500,000: the highest frequencies untouched, the
    /// lowest divided by the factor, and the blend in between monotone.
    #[test]
    fn llama3_scaling_keeps_high_and_divides_low_frequencies() {
        let mut v = base();
        v["hidden_size"] = json!(256);
        v["num_attention_heads"] = json!(2);
        v["rope_theta"] = json!(5e5);
        v["rope_scaling"] = llama3(json!({}));
        let c = ModelConfig::from_json(v).unwrap();
        let plain = crate::backend::rope_inv_freq(128, 5e5);
        let scaled = c.rope_inv_freq();
        assert_eq!(scaled[0], plain[0]);
        assert_eq!(scaled[63], plain[63] / 8.0);
        let ratios: Vec<f32> = plain.iter().zip(&scaled).map(|(p, s)| s / p).collect();
        assert!(ratios.windows(2).all(|w| w[1] <= w[0]), "{ratios:?}");
        assert!(
            ratios.iter().any(|r| *r < 1.0 && *r > 0.125),
            "no blended frequency"
        );
    }

    #[test]
    fn unread_keys_are_the_ones_that_do_not_change_the_model() {
        let c = with(
            json!({"initializer_range": 0.02, "use_cache": true, "rope_theta": 1e4,
                            "architectures": ["LlamaForCausalLM"]}),
        )
        .unwrap();
        assert_eq!(
            c.unread_keys(),
            ["architectures", "initializer_range", "use_cache"]
        );
    }

    #[test]
    fn qwen3_has_qk_norm_and_no_bias() {
        let mut v = base();
        v["model_type"] = json!("qwen3");
        v["head_dim"] = json!(16);
        let c = ModelConfig::from_json(v).unwrap();
        assert!(c.qk_norm && !c.qkv_bias);
        assert_eq!(c.q_dim(), 32);
    }
}
