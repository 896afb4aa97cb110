//! A GGUF file's tokenizer (`tokenizer.ggml.*`) as a Hugging Face `tokenizers` tokenizer, so a
//! model read from GGUF encodes and decodes exactly as its `tokenizer.json` would.
//!
//! Supported: `tokenizer.ggml.model = gpt2` (byte-level BPE: tokens, merges, token types), with
//! the pre-tokenizer named by `tokenizer.ggml.pre`. Each pre-tokenizer type is written as the
//! Hugging Face pre-tokenizer its models ship (`smollm`: single digits then GPT-2's byte-level
//! split; `qwen2`: NFC and Qwen2's split; `llama-bpe`: Llama 3's split); `default` is
//! llama.cpp's default list of splits, applied in order. Control tokens (type 3) become special
//! added tokens, user-defined ones (type 4) plain added tokens. Anything else (SentencePiece
//! `llama` vocabularies, an unknown pre-tokenizer) is an error naming it.

use serde_json::{json, Map, Value};

use super::gguf::{Gguf, MetaValue};
use crate::tokenizer::Tokenizer;
use crate::{Result, TrainError};

fn tk_err(msg: impl Into<String>) -> TrainError {
    TrainError::Tokenizer(format!("gguf: {}", msg.into()))
}

/// GPT-2's split, as the `tokenizers` ByteLevel pre-tokenizer applies it.
const GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
/// Llama 3's split (`llama-bpe`).
const LLAMA3: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// Qwen2's split: as Llama 3's with single digits.
const QWEN2: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// llama.cpp's splits for `default` (and a missing `tokenizer.ggml.pre`), applied in order.
const DEFAULT: [&str; 4] = [r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", r"[0-9][0-9][0-9]"];

fn split(pattern: &str) -> Value {
    json!({"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": false})
}

fn byte_level(use_regex: bool) -> Value {
    json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": use_regex})
}

/// (normalizer, pre-tokenizer, BPE `ignore_merges`) for a `tokenizer.ggml.pre` value.
fn pre_tokenizer(pre: &str) -> Result<(Value, Value, bool)> {
    let seq = |v: Vec<Value>| json!({"type": "Sequence", "pretokenizers": v});
    Ok(match pre {
        "smollm" | "starcoder" | "refact" | "codeshell" => (
            Value::Null,
            seq(vec![
                json!({"type": "Digits", "individual_digits": true}),
                byte_level(true),
            ]),
            false,
        ),
        "gpt2" | "gpt-2" | "mpt" | "olmo" => (Value::Null, byte_level(true), false),
        "qwen2" | "deepseek-r1-qwen" => (
            json!({"type": "NFC"}),
            seq(vec![split(QWEN2), byte_level(false)]),
            false,
        ),
        "llama-bpe" | "llama3" | "llama-v3" | "smaug-bpe" => (
            Value::Null,
            seq(vec![split(LLAMA3), byte_level(false)]),
            true,
        ),
        "default" => {
            let mut v: Vec<Value> = DEFAULT.iter().map(|p| split(p)).collect();
            v.push(byte_level(false));
            (Value::Null, seq(v), false)
        }
        other => {
            return Err(tk_err(format!(
                "pre-tokenizer `{other}` (tokenizer.ggml.pre) is not supported (smollm, gpt2, \
                 qwen2, llama-bpe and default are)"
            )))
        }
    })
}

fn strings<'a>(g: &'a Gguf, key: &str) -> Result<Vec<&'a str>> {
    let a = g
        .get(key)
        .and_then(MetaValue::as_array)
        .ok_or_else(|| tk_err(format!("no `{key}` array")))?;
    a.iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| tk_err(format!("`{key}` holds a non-string")))
        })
        .collect()
}

/// The `tokenizer.json` document a GGUF file's tokenizer metadata describes.
pub fn tokenizer_json(g: &Gguf) -> Result<Value> {
    let model = g
        .get("tokenizer.ggml.model")
        .and_then(MetaValue::as_str)
        .ok_or_else(|| tk_err("no `tokenizer.ggml.model`"))?;
    if model != "gpt2" {
        return Err(tk_err(format!(
            "tokenizer model `{model}` (tokenizer.ggml.model) is not supported (gpt2 byte-level \
             BPE is)"
        )));
    }
    let pre = g
        .get("tokenizer.ggml.pre")
        .and_then(MetaValue::as_str)
        .unwrap_or("default");
    let (normalizer, pre_tokenizer, ignore_merges) = pre_tokenizer(pre)?;
    let tokens = strings(g, "tokenizer.ggml.tokens")?;
    let merges = strings(g, "tokenizer.ggml.merges")?;
    let types: Vec<u64> = match g.get("tokenizer.ggml.token_type") {
        Some(MetaValue::Array(a)) => a.iter().map(|v| v.as_u64().unwrap_or(1)).collect(),
        _ => Vec::new(),
    };
    let mut vocab = Map::with_capacity(tokens.len());
    let mut added = Vec::new();
    for (id, tok) in tokens.iter().enumerate() {
        vocab.entry(tok.to_string()).or_insert(json!(id));
        let ty = types.get(id).copied().unwrap_or(1);
        if ty == 3 || ty == 4 {
            added.push(json!({
                "id": id, "content": tok, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": ty == 3,
            }));
        }
    }
    for m in &merges {
        if m.split(' ').count() != 2 {
            return Err(tk_err(format!("merge {m:?} is not two tokens")));
        }
    }
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": normalizer,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
        "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
            "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
            "ignore_merges": ignore_merges, "vocab": vocab, "merges": merges,
        },
    }))
}

/// The tokenizer of a GGUF file.
pub fn tokenizer(g: &Gguf) -> Result<Tokenizer> {
    let doc = serde_json::to_vec(&tokenizer_json(g)?)?;
    let t = tokenizers::Tokenizer::from_bytes(&doc).map_err(|e| tk_err(e.to_string()))?;
    Ok(Tokenizer::Hf(Box::new(t)))
}
