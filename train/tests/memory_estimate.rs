//! The memory estimate (`rlvr_train::memory`) against what the code holds: the activations it
//! counts are exactly the floats of a real forward's tape, with and without recompute, for
//! Qwen2- and Qwen3-style models; the parameter count is the model's. Then the sizing:
//! Qwen2-1.5B's shape at 8K tokens per sequence fits an 80 GB GPU with recompute.

use rlvr_train::backend::cpu::Cpu;
use rlvr_train::memory::{estimate, RunShape};
use rlvr_train::model::{Model, ModelConfig};

fn shape(train_seqs: Vec<usize>, recompute: bool) -> RunShape {
    RunShape {
        train_seqs,
        recompute,
        reference: true,
        gen_seqs: 8,
        gen_capacity: 32,
        prefill_seqs: vec![10, 12],
    }
}

fn check(cfg: ModelConfig) {
    let lens = [6usize, 3, 17];
    let seqs: Vec<Vec<u32>> = lens
        .iter()
        .map(|&n| (0..n).map(|i| (i * 5 % 40) as u32).collect())
        .collect();
    for recompute in [false, true] {
        let mut m = Model::new_random_on(Cpu, &cfg, 3).expect("model");
        m.set_recompute(recompute);
        assert_eq!(cfg.num_params(), m.num_params());
        let (_, tape) = m.forward(&seqs, 1.0).expect("forward");
        let est = estimate(&Cpu, &cfg, &shape(lens.to_vec(), recompute));
        assert_eq!(
            est.activations,
            4 * tape.floats(&Cpu),
            "recompute {recompute}: the estimate's activations are not the tape's"
        );
        assert_eq!(est.weights, 4 * m.num_params());
        assert_eq!(est.optimizer, 2 * est.weights);
        assert_eq!(est.reference, est.weights);
    }
}

#[test]
fn activations_are_the_tapes_floats_qwen2() {
    check(ModelConfig::tiny(40, 32, 3, 4, 2, 48).expect("config"));
}

#[test]
fn activations_are_the_tapes_floats_qwen3() {
    check(
        ModelConfig::from_json(serde_json::json!({
            "model_type": "qwen3", "vocab_size": 40, "hidden_size": 32,
            "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "head_dim": 16
        }))
        .expect("config"),
    );
}

/// Qwen2-1.5B's shapes, one 8,192-token sequence per forward, the reference held, 64 sequences
/// of 8,192 tokens generated at once. The CPU backend's attention keeps its L² probabilities
/// (the CUDA backend keeps one float per row and head), so this is an upper bound.
#[test]
fn qwen2_1_5b_at_8k_tokens_fits_80_gb_with_recompute() {
    let cfg = ModelConfig::from_json(serde_json::json!({
        "model_type": "qwen2", "vocab_size": 151936, "hidden_size": 1536,
        "intermediate_size": 8960, "num_hidden_layers": 28, "num_attention_heads": 12,
        "num_key_value_heads": 2, "tie_word_embeddings": true
    }))
    .expect("config");
    let run = |recompute| RunShape {
        train_seqs: vec![8192],
        recompute,
        reference: true,
        gen_seqs: 64,
        gen_capacity: 8192,
        prefill_seqs: vec![1024; 4],
    };
    let gb = |b: usize| b as f64 / 1e9;
    let with = estimate(&Cpu, &cfg, &run(true));
    let without = estimate(&Cpu, &cfg, &run(false));
    eprintln!("1.5B at 8K, recompute: {}", with.describe());
    eprintln!("1.5B at 8K, full tape: {}", without.describe());
    assert!(cfg.num_params() > 1_500_000_000 && cfg.num_params() < 1_600_000_000);
    assert!(gb(with.peak()) < 80.0, "{:.1} GB", gb(with.peak()));
    assert!(without.activations > 20 * with.activations);
}
