//! Activation recompute (`Model::set_recompute`): the forward keeps only each layer's input and
//! the backward recomputes the layer. The log-probs and every gradient must be the numbers the
//! full tape gives: bit for bit on the CPU (the recomputed layer is the same deterministic
//! arithmetic), within the float atomics' reordering on CUDA (RMSNorm and embedding gradients
//! are summed with atomics there).

use rlvr_train::backend::Backend;
use rlvr_train::for_each_backend;
use rlvr_train::model::{Model, ModelConfig};

/// CUDA's atomics add in a different order per run: a few ulps of the gradients' scale.
const TOL_CUDA: f32 = 1e-5;

fn qwen3_config() -> ModelConfig {
    ModelConfig::from_json(serde_json::json!({
        "model_type": "qwen3", "vocab_size": 40, "hidden_size": 32, "intermediate_size": 48,
        "num_hidden_layers": 3, "num_attention_heads": 4, "num_key_value_heads": 2,
        "head_dim": 16, "rope_theta": 10000.0
    }))
    .expect("config")
}

/// (log-probs, gradients, floats on the tape) of one forward + backward with a fixed loss
/// gradient.
fn run<B: Backend>(
    b: B,
    cfg: &ModelConfig,
    recompute: bool,
) -> (Vec<Vec<f32>>, Vec<Vec<f32>>, usize) {
    let mut m = Model::new_random_on(b, cfg, 11).expect("model");
    m.set_recompute(recompute);
    assert_eq!(m.recompute(), recompute);
    let seqs: Vec<Vec<u32>> = vec![
        vec![1, 5, 9, 2, 33, 7],
        vec![4, 4, 8],
        (0..17).map(|i| (i * 7 % 40) as u32).collect(),
    ];
    let (stats, tape) = m.forward(&seqs, 0.8).expect("forward");
    let held = tape.floats(&m.backend);
    let d: Vec<Vec<f32>> = stats
        .logprobs
        .iter()
        .enumerate()
        .map(|(s, l)| {
            (0..l.len())
                .map(|t| ((s * 31 + t) % 7) as f32 * 0.1 - 0.3)
                .collect()
        })
        .collect();
    let de: Vec<Vec<f32>> = d
        .iter()
        .map(|r| r.iter().map(|x| x * 0.5).collect())
        .collect();
    m.zero_grad().expect("zero");
    m.backward(tape, &d, Some(&de)).expect("backward");
    let be = m.backend.clone();
    let grads = m
        .grads()
        .iter()
        .map(|g| be.download(g).expect("download"))
        .collect();
    (stats.logprobs, grads, held)
}

fn same(cfg: &ModelConfig) {
    for_each_backend!(|b| same_on(b, cfg));
}

fn same_on<B: Backend>(b: B, cfg: &ModelConfig) {
    let name = b.name();
    let (lp_full, g_full, held_full) = run(b.clone(), cfg, false);
    let (lp_re, g_re, held_re) = run(b, cfg, true);
    assert!(
        held_re * 4 < held_full,
        "{name}: recompute keeps {held_re} floats, the full tape {held_full}"
    );
    assert_eq!(lp_full, lp_re, "{name}: log-probs differ with recompute");
    assert_eq!(g_full.len(), g_re.len());
    let mut nonzero = 0;
    for (i, (a, r)) in g_full.iter().zip(&g_re).enumerate() {
        nonzero += a.iter().filter(|x| **x != 0.0).count();
        if name == "cpu" {
            assert_eq!(a, r, "{name}: gradient {i} differs with recompute");
        } else {
            let scale = a.iter().fold(1e-6f32, |m, x| m.max(x.abs()));
            for (x, y) in a.iter().zip(r) {
                assert!((x - y).abs() <= TOL_CUDA * scale, "{name}: gradient {i}");
            }
        }
    }
    assert!(
        nonzero > 1000,
        "{name}: the gradients are (almost) all zero"
    );
}

#[test]
fn recompute_gives_the_same_gradients_qwen2() {
    same(&ModelConfig::tiny(40, 32, 3, 4, 2, 48).expect("config"));
}

#[test]
fn recompute_gives_the_same_gradients_qwen3() {
    same(&qwen3_config());
}
