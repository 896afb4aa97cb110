//! Trainer tests on a tiny model: resume is bit-exact, a reference reset zeroes the KL and the
//! optimizer, dynamic sampling accounts for every group, and the config round-trips.

use super::{Device, TrainArgs, TrainConfig, Trainer};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rlvr-train-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Rows whose answer is any single digit: a random character model hits it often enough that
/// groups have mixed rewards and the update is not a no-op.
fn digits_dataset(dir: &std::path::Path) -> PathBuf {
    let p = dir.join("digits.jsonl");
    let gold: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    let rows: String = (0..6)
        .map(|i| {
            serde_json::json!({"id": i, "prompt": format!("{i}+0="), "domain": "math", "ground_truth": gold})
                .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(&p, rows).unwrap();
    p
}

fn tiny(dir: &std::path::Path) -> TrainConfig {
    let mut c = TrainConfig {
        seed: 3,
        steps: 4,
        ..TrainConfig::default()
    };
    c.model.tiny.hidden = 32;
    c.model.tiny.layers = 1;
    c.model.tiny.heads = 2;
    c.model.tiny.kv_heads = 1;
    c.model.tiny.ffn = 64;
    c.data.path = Some(digits_dataset(dir));
    c.warmup.steps = 0;
    c.rollout.prompts_per_step = 2;
    c.rollout.samples_per_prompt = 6;
    c.rollout.max_new_tokens = 4;
    c.rollout.chunk_prompts = 1;
    c.update.mini_batches = 2;
    c.update.lr = 1e-2;
    c.grpo.kl.coef = 0.1;
    c
}

fn weights(t: &Trainer) -> Vec<Vec<f32>> {
    t.policy
        .model
        .params()
        .iter()
        .map(|p| p.data.clone())
        .collect()
}

fn moments(t: &Trainer) -> Vec<Vec<f32>> {
    let (m, v) = t.opt.moments();
    m.iter().chain(v).cloned().collect()
}

/// Metrics without the wall-clock fields.
fn deterministic(m: &super::StepMetrics) -> serde_json::Value {
    let mut v = serde_json::to_value(m).unwrap();
    let o = v.as_object_mut().unwrap();
    o.retain(|k, _| !k.starts_with("time_") && k != "tokens_per_s");
    v
}

#[test]
fn resume_continues_bit_for_bit() {
    let dir = tmp("resume");
    let cfg = tiny(&dir);
    let mut a = Trainer::new(cfg.clone()).unwrap();
    a.warmup(&mut |_, _| {}).unwrap();
    let w0 = weights(&a);
    let ma: Vec<_> = (0..4).map(|_| a.step().unwrap()).collect();
    assert_ne!(weights(&a), w0, "the run must actually update the weights");
    for m in &ma {
        assert!(
            m.groups_kept + m.groups_dropped == m.groups_generated,
            "{m:?}"
        );
        assert!(m.groups_kept <= cfg.rollout.prompts_per_step);
    }

    let mut b = Trainer::new(cfg.clone()).unwrap();
    b.warmup(&mut |_, _| {}).unwrap();
    let mb1: Vec<_> = (0..2).map(|_| b.step().unwrap()).collect();
    let ckpt = b.save(&dir.join("out")).unwrap();
    drop(b);
    let mut c = Trainer::resume(&ckpt, cfg.clone()).unwrap();
    let mb2: Vec<_> = (0..2).map(|_| c.step().unwrap()).collect();

    for (x, y) in ma.iter().zip(mb1.iter().chain(&mb2)) {
        assert_eq!(deterministic(x), deterministic(y), "step {}", x.step);
    }
    assert_eq!(weights(&a), weights(&c));
    assert_eq!(moments(&a), moments(&c));
    assert_eq!(a.opt.step_count(), c.opt.step_count());
    assert_eq!(a.state, c.state);
    let (ra, rc) = (a.reference.as_ref().unwrap(), c.reference.as_ref().unwrap());
    for (p, q) in ra.params().iter().zip(rc.params()) {
        assert_eq!(p.data, q.data, "{}", p.name);
    }

    // Another recipe cannot resume this checkpoint.
    let mut other = cfg.clone();
    other.grpo.clip.eps_high = 0.28;
    let err = Trainer::resume(&ckpt, other).err().unwrap().to_string();
    assert!(err.contains("another configuration"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reference_reset_zeroes_kl_and_optimizer() {
    let dir = tmp("reset");
    let mut cfg = tiny(&dir);
    cfg.update.mini_batches = 1;
    cfg.reference.every_steps = 1;
    let mut t = Trainer::new(cfg).unwrap();
    t.warmup(&mut |_, _| {}).unwrap();
    let w0 = weights(&t);
    for step in 1..=3 {
        let m = t.step().unwrap();
        // The reference equals the policy that sampled this step's responses: KL exactly 0.
        assert_eq!(m.kl, 0.0, "step {step}");
        assert_eq!(
            m.reference_reset,
            Some(rlvr_train::grpo::ResetReason::Schedule)
        );
        assert_eq!(t.opt.step_count(), 0);
        assert!(
            moments(&t).iter().flatten().all(|&x| x == 0.0),
            "step {step}"
        );
        assert_eq!(t.state.steps_since_reset, 0);
        let r = t.reference.as_ref().unwrap();
        for (p, q) in r.params().iter().zip(t.policy.model.params()) {
            assert_eq!(p.data, q.data);
        }
    }
    assert_ne!(weights(&t), w0, "the steps must update the weights");
    assert_eq!(t.state.resets, 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kl_threshold_triggers_a_reset() {
    let dir = tmp("klreset");
    let mut cfg = tiny(&dir);
    cfg.reference.kl_threshold = Some(-1.0);
    let mut t = Trainer::new(cfg).unwrap();
    let m = t.step().unwrap();
    assert_eq!(
        m.reference_reset,
        Some(rlvr_train::grpo::ResetReason::KlThreshold)
    );
    assert_eq!(t.opt.step_count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_round_trips_and_rejects_typos() {
    let c = TrainConfig::default();
    assert_eq!(TrainConfig::from_toml(&c.to_toml()).unwrap(), c);
    let e = TrainConfig::from_toml("[rollout]\ntemprature = 1.0\n").unwrap_err();
    assert!(format!("{e:#}").contains("temprature"), "{e:#}");
    let c2 = TrainConfig::from_toml("steps = 7\n[grpo.clip]\neps_high = 0.28\n").unwrap();
    assert_eq!(
        (c2.steps, c2.grpo.clip.eps_high, c2.grpo.clip.eps_low),
        (7, 0.28, 0.2)
    );
    assert!(TrainConfig::from_toml("[rollout]\ntemperature = 0.0\n").is_err());
    // steps does not change the hash (a run may be extended); the recipe does.
    let mut longer = c.clone();
    longer.steps = 999;
    assert_eq!(c.hash(), longer.hash());
    assert_ne!(c.hash(), c2.hash());
}

#[test]
fn cuda_is_refused_clearly() {
    let args = TrainArgs {
        config: None,
        out: tmp("cuda"),
        device: Device::Cuda,
        model: None,
        data: None,
        steps: None,
        seed: None,
        resume: None,
        print_config: false,
        quiet: true,
    };
    let e = super::run(args).unwrap_err().to_string();
    assert!(
        e.contains("CUDA is not available") || e.contains("does not run on it yet"),
        "{e}"
    );
}
