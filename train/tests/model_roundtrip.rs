//! Checkpoint round trips: a Hugging Face directory (config.json, model.safetensors or shards
//! with their index, tokenizer.json) loads, saves and reloads with identical tensors, identical
//! outputs and identical tokenization; bf16 weights load as their exact f32 values.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde_json::json;

use rlvr_train::backend::Backend;
use rlvr_train::model::{Model, ModelConfig};
use rlvr_train::tokenizer::{chatml, Message, Tokenizer};

/// (name, shape, bytes, dtype) of a tensor to write.
type StoredTensor = (String, Vec<usize>, Vec<u8>, Dtype);

/// A fresh directory under the system temp dir, unique to this process and test.
fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rlvr-train-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// A tiny byte-level BPE tokenizer.json with the ChatML special tokens (ids 20..23).
fn tiny_tokenizer_json() -> serde_json::Value {
    let pieces = [
        "h", "e", "l", "o", "Ġ", "w", "r", "d", "u", "s", "Ċ", "a", "t", "i", "n", "he", "ll",
        "hell", "hello", "!",
    ];
    let vocab: serde_json::Map<String, serde_json::Value> = pieces
        .iter()
        .enumerate()
        .map(|(i, p)| (p.to_string(), json!(i)))
        .collect();
    let added = |id: usize, s: &str| json!({"id": id, "content": s, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true});
    json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [added(20, "<|endoftext|>"), added(21, "<|im_start|>"), added(22, "<|im_end|>")],
        "normalizer": null,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                  "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                  "vocab": vocab, "merges": ["h e", "l l", "he ll", "hell o"]}
    })
}

fn host<B: Backend>(m: &Model<B>) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    m.params()
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.shape.clone(),
                m.backend.download(&p.data).expect("download"),
            )
        })
        .collect()
}

fn tiny_model() -> Model {
    let cfg = ModelConfig::tiny(23, 16, 2, 4, 2, 24).expect("config");
    Model::new_random(&cfg, 3).expect("model")
}

fn tensors_of(dir: &Path, file: &str) -> HashMap<String, (Vec<usize>, Vec<u8>)> {
    let bytes = std::fs::read(dir.join(file)).expect("read shard");
    let st = SafeTensors::deserialize(&bytes).expect("safetensors");
    st.tensors()
        .into_iter()
        .map(|(n, t)| (n, (t.shape().to_vec(), t.data().to_vec())))
        .collect()
}

#[test]
fn single_file_checkpoint_and_tokenizer_round_trip() {
    let (d0, d1) = (tmp("rt0"), tmp("rt1"));
    let original = tiny_model();
    original.save(&d0).expect("save");
    std::fs::write(d0.join("tokenizer.json"), tiny_tokenizer_json().to_string())
        .expect("write tokenizer");

    let m1 = Model::load(&d0).expect("load");
    let t1 = Tokenizer::from_file(&d0.join("tokenizer.json")).expect("tokenizer");
    assert_eq!(host(&m1), host(&original));
    m1.save(&d1).expect("save again");
    t1.save(&d1.join("tokenizer.json")).expect("save tokenizer");
    let m2 = Model::load(&d1).expect("reload");
    let t2 = Tokenizer::from_file(&d1.join("tokenizer.json")).expect("reload tokenizer");

    assert_eq!(host(&m2), host(&m1), "tensors differ after save/load");
    assert_eq!(m2.cfg, m1.cfg);
    let text = chatml(
        &[Message {
            role: "user".into(),
            content: "hello world!".into(),
        }],
        true,
    );
    let ids = t1.encode(&text).expect("encode");
    assert_eq!(ids, t2.encode(&text).expect("encode"));
    assert_eq!(ids[0], 21, "<|im_start|> is one special token");
    assert!(
        ids.contains(&18) && ids.contains(&22),
        "'hello' merges fully and <|im_end|> is special: {ids:?}"
    );
    assert_eq!(t1.decode(&ids, false).expect("decode"), text);
    let seqs = vec![ids.clone()];
    assert_eq!(
        m1.logits(&seqs).expect("logits"),
        m2.logits(&seqs).expect("logits"),
        "outputs differ"
    );
    assert_eq!(
        tensors_of(&d0, "model.safetensors"),
        tensors_of(&d1, "model.safetensors")
    );
}

#[test]
fn sharded_and_bf16_checkpoints_load_and_save_back_sharded() {
    let (d0, d1, d2) = (tmp("sh0"), tmp("sh1"), tmp("sh2"));
    let original = tiny_model();
    original.save(&d0).expect("save");
    let all = tensors_of(&d0, "model.safetensors");
    // Layer 0 and the embedding in shard 1, the rest in shard 2; the embedding stored as bf16.
    let mut map = serde_json::Map::new();
    let mut shards: [Vec<StoredTensor>; 2] = [Vec::new(), Vec::new()];
    for (name, (shape, bytes)) in &all {
        let first = name.starts_with("model.layers.0.") || name == "model.embed_tokens.weight";
        let file = if first {
            "model-00001-of-00002.safetensors"
        } else {
            "model-00002-of-00002.safetensors"
        };
        map.insert(name.clone(), json!(file));
        let (bytes, dtype) = if name == "model.embed_tokens.weight" {
            let bf: Vec<u8> = bytes
                .chunks_exact(4)
                .flat_map(|c| {
                    half::bf16::from_f32(f32::from_le_bytes(c.try_into().expect("4")))
                        .to_bits()
                        .to_le_bytes()
                })
                .collect();
            (bf, Dtype::BF16)
        } else {
            (bytes.clone(), Dtype::F32)
        };
        shards[usize::from(!first)].push((name.clone(), shape.clone(), bytes, dtype));
    }
    for (i, shard) in shards.iter().enumerate() {
        let views: Vec<(String, TensorView)> = shard
            .iter()
            .map(|(n, s, b, d)| (n.clone(), TensorView::new(*d, s.clone(), b).expect("view")))
            .collect();
        let file = format!("model-0000{}-of-00002.safetensors", i + 1);
        safetensors::serialize_to_file(views, None, &d1.join(file)).expect("write shard");
    }
    std::fs::copy(d0.join("config.json"), d1.join("config.json")).expect("copy config");
    let index = json!({"metadata": {"total_size": 0}, "weight_map": map});
    std::fs::write(d1.join("model.safetensors.index.json"), index.to_string()).expect("index");

    let m1 = Model::load(&d1).expect("load sharded");
    for ((n, _, a), (_, _, b)) in host(&m1).iter().zip(host(&original)) {
        if n == "model.embed_tokens.weight" {
            assert!(
                a.iter()
                    .zip(&b)
                    .all(|(x, y)| *x == half::bf16::from_f32(*y).to_f32()),
                "bf16 widening"
            );
        } else {
            assert_eq!(a, &b, "{n}");
        }
    }
    m1.save(&d2).expect("save sharded");
    assert!(d2.join("model.safetensors.index.json").exists());
    assert!(!d2.join("model.safetensors").exists());
    for i in 1..=2 {
        let file = format!("model-0000{i}-of-00002.safetensors");
        let names: Vec<String> = tensors_of(&d2, &file).into_keys().collect();
        let expect: Vec<String> = tensors_of(&d1, &file).into_keys().collect();
        assert_eq!(names.len(), expect.len(), "{file}");
    }
    let m2 = Model::load(&d2).expect("reload sharded");
    assert_eq!(host(&m2), host(&m1));
}

#[test]
fn bad_checkpoints_are_errors() {
    let d = tmp("bad");
    assert!(Model::load(&d).is_err(), "no config.json");
    let original = tiny_model();
    original.save(&d).expect("save");
    std::fs::write(d.join("model.safetensors"), b"not a safetensors file").expect("write");
    assert!(Model::load(&d).is_err(), "corrupt weights");
    let cfg = json!({"model_type": "qwen2", "vocab_size": 10, "hidden_size": 8, "intermediate_size": 8,
                     "num_hidden_layers": 1, "num_attention_heads": 3, "num_key_value_heads": 2});
    assert!(
        ModelConfig::from_json(cfg).is_err(),
        "heads not a multiple of kv heads"
    );
    assert!(Tokenizer::from_file(&d.join("missing.json")).is_err());
}

/// `save_as(Bf16)`: half the bytes, config says bfloat16, and the reloaded weights are the
/// originals rounded to bf16 (round to nearest even), nothing else.
#[test]
fn bf16_save_halves_the_size_and_reloads_rounded_weights() {
    use rlvr_train::model::SaveDtype;
    let cfg = ModelConfig::tiny(40, 32, 2, 4, 2, 48).expect("config");
    let m = Model::new_random(&cfg, 11).expect("model");
    let (d32, d16) = (tmp("save-f32"), tmp("save-bf16"));
    m.save(&d32).expect("save f32");
    m.save_as(&d16, SaveDtype::Bf16).expect("save bf16");
    let size = |d: &Path| {
        std::fs::metadata(d.join("model.safetensors"))
            .expect("file")
            .len()
    };
    assert!(
        size(&d16) * 2 < size(&d32) + 4096,
        "{} vs {}",
        size(&d16),
        size(&d32)
    );
    let c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d16.join("config.json")).unwrap()).unwrap();
    assert_eq!(c["torch_dtype"], "bfloat16");
    let r = Model::load(&d16).expect("load bf16");
    for (a, b) in m.params().iter().zip(r.params()) {
        let want: Vec<f32> = a
            .data
            .iter()
            .map(|x| half::bf16::from_f32(*x).to_f32())
            .collect();
        assert_eq!(b.data, want, "{}", a.name);
    }
}
