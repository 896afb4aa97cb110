//! Parity with Hugging Face transformers on tiny random models of each supported family: Qwen2
//! (q/k/v bias, GQA, untied head), Qwen3 (per-head q/k norms, head_dim apart from hidden /
//! heads, tied head) and Llama 3.1 (`llama3` RoPE scaling): logits, log-probs, entropies and
//! every parameter gradient of a log-prob- and entropy-weighted loss. The reference tensors come
//! from `fixtures/train/make_reference.py FAMILY` (torch, float64) stored as
//! `fixtures/train/FAMILY_tiny_reference.bin`, so this test needs no torch.

use std::collections::HashMap;
use std::path::PathBuf;

use rlvr_train::backend::Backend;
use rlvr_train::for_each_backend;
use rlvr_train::model::{Model, ModelConfig};

const MAGIC: &[u8; 8] = b"RLVRREF\0";
const FAMILIES: [&str; 3] = ["qwen2", "qwen3", "llama3"];
const VERSION: u32 = 1;

/// Logits and log-probs: the bound. f32 forward vs a float64 reference measured at
/// ~1e-6; 1e-4 leaves room for other summation orders (a GPU backend) while still catching any
/// real error (a wrong bias, RoPE layout or GQA mapping moves them by >1e-2).
const TOL_ABS: f32 = 1e-4;
/// Gradients: max |Δ| / max |ref| per tensor, the bound.
const TOL_GRAD_REL: f32 = 1e-4;

struct Fixture {
    header: serde_json::Value,
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
}

fn u32_at(b: &[u8], at: &mut usize) -> u32 {
    let v = u32::from_le_bytes(b[*at..*at + 4].try_into().expect("4 bytes"));
    *at += 4;
    v
}

fn read_fixture(family: &str) -> Fixture {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../fixtures/train/{family}_tiny_reference.bin"));
    let b = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&b[..8], MAGIC, "{}: bad magic", path.display());
    let mut at = 8;
    assert_eq!(u32_at(&b, &mut at), VERSION, "fixture version");
    let n = u32_at(&b, &mut at) as usize;
    let header: serde_json::Value = serde_json::from_slice(&b[at..at + n]).expect("header json");
    at += n;
    let mut tensors = HashMap::new();
    while at < b.len() {
        let nl = u32_at(&b, &mut at) as usize;
        let name = String::from_utf8(b[at..at + nl].to_vec()).expect("utf8 name");
        at += nl;
        let nd = u32_at(&b, &mut at) as usize;
        let dims: Vec<usize> = (0..nd).map(|_| u32_at(&b, &mut at) as usize).collect();
        let count: usize = dims.iter().product();
        let data = b[at..at + 4 * count]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        at += 4 * count;
        tensors.insert(name, (dims, data));
    }
    Fixture { header, tensors }
}

impl Fixture {
    fn get(&self, name: &str) -> &[f32] {
        &self
            .tensors
            .get(name)
            .unwrap_or_else(|| panic!("fixture has no {name}"))
            .1
    }

    fn seqs(&self) -> Vec<Vec<u32>> {
        serde_json::from_value(self.header["seqs"].clone()).expect("seqs")
    }

    fn model<B: Backend>(&self, backend: B) -> Model<B> {
        self.model_with(backend, self.header["config"].clone())
    }

    fn model_with<B: Backend>(&self, backend: B, config: serde_json::Value) -> Model<B> {
        let cfg = ModelConfig::from_json(config).expect("config");
        let mut named: HashMap<String, Vec<f32>> = self
            .tensors
            .iter()
            .filter_map(|(k, (_, v))| k.strip_prefix("param/").map(|n| (n.to_string(), v.clone())))
            .collect();
        let m = Model::from_named(backend, &cfg, &mut named).expect("model from fixture");
        assert!(
            named.is_empty(),
            "unused fixture tensors: {:?}",
            named.keys()
        );
        m
    }
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn logits_logprobs_and_entropy_match_transformers() {
    for family in FAMILIES {
        logits_logprobs_and_entropy_match(family);
    }
}

fn logits_logprobs_and_entropy_match(family: &str) {
    let fx = read_fixture(family);
    let seqs = fx.seqs();
    let temp07 = fx.header["temperature"].as_f64().expect("temperature") as f32;
    for_each_backend!(|b| {
        let model = fx.model(b);
        let logits = model.logits(&seqs).expect("logits");
        for (s, l) in logits.iter().enumerate() {
            let d = max_abs_diff(l, fx.get(&format!("logits/{s}")));
            eprintln!(
                "[{}] {family} logits seq {s}: max |Δ| = {d:.2e}",
                model.backend.name()
            );
            assert!(d < TOL_ABS, "{family} logits seq {s}: {d}");
        }
        for (tag, temp) in [("t1", 1.0), ("t07", temp07)] {
            let stats = model.score(&seqs, temp).expect("score");
            for s in 0..seqs.len() {
                let dl = max_abs_diff(&stats.logprobs[s], fx.get(&format!("logp_{tag}/{s}")));
                let de = max_abs_diff(&stats.entropy[s], fx.get(&format!("entropy_{tag}/{s}")));
                eprintln!(
                    "[{}] {family} {tag} seq {s}: logp max |Δ| = {dl:.2e}, entropy {de:.2e}",
                    model.backend.name()
                );
                assert!(
                    dl < TOL_ABS && de < TOL_ABS,
                    "{family} {tag} seq {s}: logp {dl}, entropy {de}"
                );
            }
        }
    });
}

#[test]
fn every_parameter_gradient_matches_transformers() {
    for family in FAMILIES {
        every_parameter_gradient_matches(family);
    }
}

fn every_parameter_gradient_matches(family: &str) {
    let fx = read_fixture(family);
    let seqs = fx.seqs();
    let temp = fx.header["temperature"].as_f64().expect("temperature") as f32;
    for_each_backend!(|b| {
        let mut model = fx.model(b);
        let (_, tape) = model.forward(&seqs, temp).expect("forward");
        let dlogp: Vec<Vec<f32>> = (0..seqs.len())
            .map(|s| fx.get(&format!("dlogp/{s}")).to_vec())
            .collect();
        let dent: Vec<Vec<f32>> = (0..seqs.len())
            .map(|s| fx.get(&format!("dentropy/{s}")).to_vec())
            .collect();
        model.zero_grad().expect("zero_grad");
        model.backward(tape, &dlogp, Some(&dent)).expect("backward");
        let mut worst = (0f32, String::new());
        for (p, g) in model.params().iter().zip(model.grads()) {
            let g = model.backend.download(g).expect("download");
            let r = fx.get(&format!("grad/{}", p.name));
            let scale = r.iter().map(|x| x.abs()).fold(0.0, f32::max);
            let rel = max_abs_diff(&g, r) / scale.max(1e-12);
            assert!(
                rel < TOL_GRAD_REL,
                "{family} {}: relative error {rel:.2e} (max |ref| {scale:.2e})",
                p.name
            );
            if rel > worst.0 {
                worst = (rel, p.name.clone());
            }
        }
        eprintln!(
            "[{}] {family} worst gradient relative error {:.2e} ({})",
            model.backend.name(),
            worst.0,
            worst.1
        );
    });
}

/// transformers 4 wrote `rope_theta` and `rope_scaling` at the top level; 5 writes one
/// `rope_parameters` object. The Llama 3.1 reference's config rewritten in the old layout gives
/// bit-identical logits, and with the scaling dropped it no longer matches transformers (so the
/// scaling is what the reference checks).
#[test]
fn llama3_config_in_transformers_4_layout_gives_identical_logits() {
    let fx = read_fixture("llama3");
    let seqs = fx.seqs();
    let t5 = fx.header["config"].clone();
    let mut t4 = t5.clone();
    let obj = t4.as_object_mut().expect("config object");
    let mut scaling = obj
        .remove("rope_parameters")
        .expect("transformers 5 layout");
    let theta = scaling
        .as_object_mut()
        .and_then(|p| p.remove("rope_theta"))
        .expect("rope_theta");
    obj.insert("rope_theta".into(), theta);
    obj.insert("rope_scaling".into(), scaling);
    let new = fx.model_with(rlvr_train::backend::cpu::Cpu, t5.clone());
    let old = fx.model_with(rlvr_train::backend::cpu::Cpu, t4.clone());
    assert_eq!(new.cfg.rope_inv_freq(), old.cfg.rope_inv_freq());
    assert_eq!(
        new.logits(&seqs).expect("logits"),
        old.logits(&seqs).expect("logits")
    );
    let mut unscaled = t4;
    unscaled.as_object_mut().unwrap().remove("rope_scaling");
    let plain = fx.model_with(rlvr_train::backend::cpu::Cpu, unscaled);
    let d = max_abs_diff(&plain.logits(&seqs).expect("logits")[0], fx.get("logits/0"));
    assert!(d > 100.0 * TOL_ABS, "unscaled RoPE matches too: {d}");
}
