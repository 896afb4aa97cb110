//! GGUF input: block dequantization equal to gguf-py's (`fixtures/train/gguf/blocks.json`,
//! made by `make_blocks.py` beside it); a tiny llama model written as GGUF with llama.cpp's q/k
//! permutation loads back to the same weights and the same logits; the tokenizer and chat
//! template come from the metadata; a truncated or hostile file is an error, never a panic;
//! unsupported types, architectures and tensors are errors naming them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rlvr_train::model::gguf::{dequantize, GgmlType, Gguf};
use rlvr_train::model::{GgufModel, Model, ModelConfig};
use serde_json::{json, Value};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// gguf-py dequantizes with numpy in float32 in the same order of operations for most
/// types; the K-quants group `d·scale` differently, so allow one rounding of the largest value.
const TOL_REL: f32 = 1e-6;

#[test]
fn dequantization_matches_gguf_py() {
    let text = std::fs::read_to_string(root().join("fixtures/train/gguf/blocks.json"))
        .expect("blocks.json");
    let v: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["format_version"], 1);
    let types = [
        ("Q4_0", GgmlType::Q4_0),
        ("Q4_1", GgmlType::Q4_1),
        ("Q8_0", GgmlType::Q8_0),
        ("Q4_K", GgmlType::Q4_K),
        ("Q5_K", GgmlType::Q5_K),
        ("Q6_K", GgmlType::Q6_K),
        ("F16", GgmlType::F16),
        ("BF16", GgmlType::BF16),
    ];
    for (name, ty) in types {
        let case = &v["types"][name];
        let hex = case["hex"].as_str().expect("hex");
        let raw: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex byte"))
            .collect();
        let want: Vec<f32> = case["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|x| x.as_f64().expect("f64") as f32)
            .collect();
        let mut got = vec![0f32; want.len()];
        dequantize(ty, &raw, &mut got).expect(name);
        let scale = want.iter().fold(0f32, |m, x| m.max(x.abs()));
        for (i, (a, b)) in got.iter().zip(&want).enumerate() {
            assert!(
                (a - b).abs() <= TOL_REL * scale,
                "{name}[{i}]: rlvr {a}, gguf-py {b}"
            );
        }
        // A wrong byte count is an error.
        let mut out = vec![0f32; want.len()];
        assert!(dequantize(ty, &raw[..raw.len() - 1], &mut out).is_err());
    }
}

/// A GGUF writer for the tests (version 3, alignment 32).
#[derive(Default)]
struct Writer {
    kv: Vec<u8>,
    n_kv: u64,
    infos: Vec<u8>,
    data: Vec<u8>,
    n_tensors: u64,
}

fn gstr(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as u64).to_le_bytes());
    out.extend(s.as_bytes());
}

impl Writer {
    fn key(&mut self, k: &str, ty: u32) {
        gstr(&mut self.kv, k);
        self.kv.extend(ty.to_le_bytes());
        self.n_kv += 1;
    }
    fn u32(&mut self, k: &str, v: u32) {
        self.key(k, 4);
        self.kv.extend(v.to_le_bytes());
    }
    fn f32(&mut self, k: &str, v: f32) {
        self.key(k, 6);
        self.kv.extend(v.to_le_bytes());
    }
    fn str(&mut self, k: &str, v: &str) {
        self.key(k, 8);
        gstr(&mut self.kv, v);
    }
    fn strs(&mut self, k: &str, v: &[String]) {
        self.key(k, 9);
        self.kv.extend(8u32.to_le_bytes());
        self.kv.extend((v.len() as u64).to_le_bytes());
        for s in v {
            gstr(&mut self.kv, s);
        }
    }
    fn i32s(&mut self, k: &str, v: &[i32]) {
        self.key(k, 9);
        self.kv.extend(5u32.to_le_bytes());
        self.kv.extend((v.len() as u64).to_le_bytes());
        for x in v {
            self.kv.extend(x.to_le_bytes());
        }
    }
    /// An f32 tensor of row-major `shape`.
    fn tensor(&mut self, name: &str, shape: &[usize], values: &[f32]) {
        gstr(&mut self.infos, name);
        self.infos.extend((shape.len() as u32).to_le_bytes());
        for d in shape.iter().rev() {
            self.infos.extend((*d as u64).to_le_bytes());
        }
        self.infos.extend(0u32.to_le_bytes());
        self.infos.extend((self.data.len() as u64).to_le_bytes());
        self.data
            .extend(values.iter().flat_map(|x| x.to_le_bytes()));
        while !self.data.len().is_multiple_of(32) {
            self.data.push(0);
        }
        self.n_tensors += 1;
    }
    fn bytes(&self) -> Vec<u8> {
        let mut b = b"GGUF".to_vec();
        b.extend(3u32.to_le_bytes());
        b.extend(self.n_tensors.to_le_bytes());
        b.extend(self.n_kv.to_le_bytes());
        b.extend(&self.kv);
        b.extend(&self.infos);
        while !b.len().is_multiple_of(32) {
            b.push(0);
        }
        b.extend(&self.data);
        b
    }
}

/// llama.cpp's converter permutation of q/k rows (the inverse of what the reader undoes):
/// Hugging Face row `r·(hd/2) + j` of a head goes to row `2j + r`.
fn permute(w: &[f32], heads: usize, cols: usize) -> Vec<f32> {
    let hd = w.len() / cols / heads;
    let mut out = vec![0f32; w.len()];
    for h in 0..heads {
        for r in 0..2 {
            for j in 0..hd / 2 {
                let src = (h * hd + r * hd / 2 + j) * cols;
                let dst = (h * hd + 2 * j + r) * cols;
                out[dst..dst + cols].copy_from_slice(&w[src..src + cols]);
            }
        }
    }
    out
}

const TEMPLATE: &str = "{% for m in messages %}{{ m['content'] }}{% endfor %}";

/// A tiny llama model (GQA, untied head) with random weights, and the GGUF file of it.
fn tiny_llama() -> (Model, Vec<u8>) {
    tiny("llama")
}

/// A tiny model of `arch` (`llama`: no bias, q/k permuted as llama.cpp's converter does;
/// `qwen2`: q/k/v bias, not permuted) and its GGUF file.
fn tiny(arch: &str) -> (Model, Vec<u8>) {
    let tokens: Vec<String> = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
        .iter()
        .map(|s| s.to_string())
        .chain(
            ["a", "b", "c", "Ġ", "ab", "Ġa", "1", "2"]
                .iter()
                .map(|s| s.to_string()),
        )
        .collect();
    let vocab = tokens.len();
    let llama = arch == "llama";
    let cfg = ModelConfig::from_json(json!({
        "model_type": arch, "vocab_size": vocab, "hidden_size": 16,
        "intermediate_size": 24, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "rms_norm_eps": 1e-5, "rope_theta": 50000.0,
        "tie_word_embeddings": false, "attention_bias": arch == "qwen2",
    }))
    .expect("config");
    let mut model = Model::new_random(&cfg, 3).expect("model");
    // Non-zero biases and norms off one, so a bias or norm mapped to the wrong place shows.
    for (i, p) in model.params_mut().iter_mut().enumerate() {
        if p.name.ends_with("norm.weight") {
            p.data
                .iter_mut()
                .enumerate()
                .for_each(|(j, x)| *x = 1.0 + 0.02 * ((i + j) % 7) as f32);
        }
        if p.name.ends_with(".bias") {
            p.data
                .iter_mut()
                .enumerate()
                .for_each(|(j, x)| *x = 0.01 * (i + j) as f32);
        }
    }
    let mut w = Writer::default();
    w.str("general.architecture", arch);
    w.u32(&format!("{arch}.block_count"), 2);
    w.u32(&format!("{arch}.context_length"), 256);
    w.u32(&format!("{arch}.embedding_length"), 16);
    w.u32(&format!("{arch}.feed_forward_length"), 24);
    w.u32(&format!("{arch}.attention.head_count"), 4);
    w.u32(&format!("{arch}.attention.head_count_kv"), 2);
    w.f32(&format!("{arch}.rope.freq_base"), 50000.0);
    w.f32(&format!("{arch}.attention.layer_norm_rms_epsilon"), 1e-5);
    w.u32(&format!("{arch}.rope.dimension_count"), 4);
    w.str("tokenizer.ggml.model", "gpt2");
    w.str("tokenizer.ggml.pre", if llama { "smollm" } else { "qwen2" });
    w.strs("tokenizer.ggml.tokens", &tokens);
    let types: Vec<i32> = (0..vocab).map(|i| if i < 3 { 3 } else { 1 }).collect();
    w.i32s("tokenizer.ggml.token_type", &types);
    w.strs(
        "tokenizer.ggml.merges",
        &["a b".to_string(), "Ġ a".to_string()],
    );
    w.u32("tokenizer.ggml.bos_token_id", 1);
    w.u32("tokenizer.ggml.eos_token_id", 2);
    w.str("tokenizer.chat_template", TEMPLATE);
    let gguf_name = |hf: &str| -> String {
        let map = [
            ("model.embed_tokens.weight", "token_embd.weight"),
            ("model.norm.weight", "output_norm.weight"),
            ("lm_head.weight", "output.weight"),
        ];
        if let Some((_, g)) = map.iter().find(|(h, _)| *h == hf) {
            return g.to_string();
        }
        let rest = hf.strip_prefix("model.layers.").expect("layer");
        let (l, part) = rest.split_once('.').expect("part");
        let g = match part {
            "input_layernorm.weight" => "attn_norm.weight",
            "post_attention_layernorm.weight" => "ffn_norm.weight",
            "self_attn.q_proj.weight" => "attn_q.weight",
            "self_attn.k_proj.weight" => "attn_k.weight",
            "self_attn.v_proj.weight" => "attn_v.weight",
            "self_attn.o_proj.weight" => "attn_output.weight",
            "self_attn.q_norm.weight" => "attn_q_norm.weight",
            "self_attn.k_norm.weight" => "attn_k_norm.weight",
            "self_attn.q_proj.bias" => "attn_q.bias",
            "self_attn.k_proj.bias" => "attn_k.bias",
            "self_attn.v_proj.bias" => "attn_v.bias",
            "mlp.gate_proj.weight" => "ffn_gate.weight",
            "mlp.up_proj.weight" => "ffn_up.weight",
            "mlp.down_proj.weight" => "ffn_down.weight",
            other => panic!("{other}"),
        };
        format!("blk.{l}.{g}")
    };
    for p in model.params() {
        let mut v = p.data.clone();
        if llama && p.name.ends_with("q_proj.weight") {
            v = permute(&v, 4, 16);
        } else if llama && p.name.ends_with("k_proj.weight") {
            v = permute(&v, 2, 16);
        }
        w.tensor(&gguf_name(&p.name), &p.shape, &v);
    }
    (model, w.bytes())
}

fn write_tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rlvr-gguf-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

#[test]
fn tiny_llama_round_trips_through_gguf() {
    let (orig, bytes) = tiny_llama();
    let path = write_tmp("tiny.gguf", &bytes);
    let mut g = GgufModel::read(&path).expect("read");
    assert_eq!(g.chat_template.as_deref(), Some(TEMPLATE));
    assert_eq!(g.config.rope_theta, 50000.0);
    assert_eq!(g.config.num_kv_heads, 2);
    assert_eq!(g.config.eos_token_ids, vec![2]);
    assert!(!g.config.tie_word_embeddings);
    let m = g.model_on(rlvr_train::backend::cpu::Cpu).expect("model");
    let want: HashMap<&str, &Vec<f32>> = orig
        .params()
        .iter()
        .map(|p| (p.name.as_str(), &p.data))
        .collect();
    for p in m.params() {
        assert_eq!(&p.data, want[p.name.as_str()], "{}", p.name);
    }
    let seqs = vec![vec![1u32, 4, 5, 9, 3, 2]];
    assert_eq!(
        m.logits(&seqs).expect("logits"),
        orig.logits(&seqs).expect("logits")
    );
    // Model::load takes the file too.
    let m2 = Model::load(&path).expect("Model::load(file.gguf)");
    assert_eq!(m2.num_params(), orig.num_params());

    // The tokenizer: merges, single digits, specials recognized in text, byte-level decoding.
    let t = &g.tokenizer;
    assert_eq!(t.encode("ab").unwrap(), vec![7]);
    assert_eq!(t.encode(" a").unwrap(), vec![8]);
    assert_eq!(t.encode("12").unwrap(), vec![9, 10]);
    assert_eq!(t.encode("<|im_start|>ab<|im_end|>").unwrap(), vec![1, 7, 2]);
    assert_eq!(t.decode(&[1, 7, 8, 2], true).unwrap(), "ab a");
}

#[test]
fn truncated_and_hostile_files_are_errors() {
    let (_, bytes) = tiny_llama();
    // Every prefix shorter than the whole file: an error, never a panic.
    for n in (0..bytes.len()).step_by(7).chain([bytes.len() - 1]) {
        assert!(
            Gguf::parse(bytes[..n].to_vec()).is_err(),
            "prefix of {n} bytes"
        );
    }
    // A huge metadata count, a huge string length, a bad magic, an old version.
    let mut b = bytes.clone();
    b[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(Gguf::parse(b).is_err());
    let mut b = bytes.clone();
    b[24..32].copy_from_slice(&(1u64 << 60).to_le_bytes());
    assert!(Gguf::parse(b).is_err());
    assert!(Gguf::parse(b"GGML\x03\0\0\0".to_vec()).is_err());
    let mut b = bytes.clone();
    b[4] = 1;
    let e = Gguf::parse(b).err().expect("v1").to_string();
    assert!(e.contains("version 1"), "{e}");
    // Random byte flips anywhere in the header: errors or a parse, never a panic.
    let header = bytes.len() - 2048.min(bytes.len() / 2);
    for i in (0..header).step_by(13) {
        let mut b = bytes.clone();
        b[i] ^= 0xA5;
        if let Ok(g) = Gguf::parse(b) {
            let _ = GgufModel::from_gguf(&g);
        }
    }
}

/// Rewrites the first occurrence of `from` (same length) in `bytes`.
fn patch(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let i = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern");
    let mut b = bytes.to_vec();
    b[i..i + to.len()].copy_from_slice(to);
    b
}

#[test]
fn unsupported_things_are_errors_naming_them() {
    let (_, bytes) = tiny_llama();
    let err = |b: Vec<u8>| -> String {
        match Gguf::parse(b) {
            Err(e) => e.to_string(),
            Ok(g) => GgufModel::from_gguf(&g)
                .err()
                .expect("should fail")
                .to_string(),
        }
    };
    // Architecture: "llama" -> "gemma" (same length).
    let e = err(patch(
        &bytes,
        b"\x05\0\0\0\0\0\0\0llama",
        b"\x05\0\0\0\0\0\0\0gemma",
    ));
    assert!(e.contains("`gemma`"), "{e}");
    // Pre-tokenizer.
    let e = err(patch(&bytes, b"smollm", b"weird1"));
    assert!(e.contains("`weird1`"), "{e}");
    // A tensor this mapping does not know.
    let e = err(patch(&bytes, b"ffn_up.weight", b"ffn_xx.weight"));
    assert!(e.contains("blk.0.ffn_xx.weight"), "{e}");
    // A tensor type: token_embd's type field (F32 = 0) -> Q5_0 (6).
    let name = b"token_embd.weight\x02\0\0\0";
    let i = bytes
        .windows(name.len())
        .position(|w| w == name)
        .expect("info");
    let mut b = bytes.clone();
    let ty = i + name.len() + 16;
    b[ty] = 6;
    let e = err(b);
    assert!(e.contains("Q5_0"), "{e}");
}

/// qwen2: q/k/v biases mapped, rows not permuted, Qwen2's pre-tokenizer.
#[test]
fn tiny_qwen2_round_trips_through_gguf() {
    let (orig, bytes) = tiny("qwen2");
    let path = write_tmp("tiny-qwen2.gguf", &bytes);
    let mut g = GgufModel::read(&path).expect("read");
    assert_eq!(g.architecture, "qwen2");
    assert!(g.config.qkv_bias);
    let m = g.model_on(rlvr_train::backend::cpu::Cpu).expect("model");
    for (a, b) in orig.params().iter().zip(m.params()) {
        assert_eq!((&a.name, &a.data), (&b.name, &b.data));
    }
    let seqs = vec![vec![1u32, 4, 5, 9, 3, 2]];
    assert_eq!(m.logits(&seqs).unwrap(), orig.logits(&seqs).unwrap());
    assert_eq!(g.tokenizer.encode("ab 12").unwrap(), vec![7, 6, 9, 10]);
}

/// qwen3: per-head q/k norms mapped from `attn_q_norm` / `attn_k_norm`, no bias, no permutation.
#[test]
fn tiny_qwen3_round_trips_through_gguf() {
    let (orig, bytes) = tiny("qwen3");
    let path = write_tmp("tiny-qwen3.gguf", &bytes);
    let mut g = GgufModel::read(&path).expect("read");
    assert_eq!(g.architecture, "qwen3");
    assert!(g.config.qk_norm && !g.config.qkv_bias);
    let m = g.model_on(rlvr_train::backend::cpu::Cpu).expect("model");
    assert!(m.params().iter().any(|p| p.name.ends_with("q_norm.weight")));
    for (a, b) in orig.params().iter().zip(m.params()) {
        assert_eq!((&a.name, &a.data), (&b.name, &b.data));
    }
    let seqs = vec![vec![1u32, 4, 5, 9, 3, 2]];
    assert_eq!(m.logits(&seqs).unwrap(), orig.logits(&seqs).unwrap());
}
