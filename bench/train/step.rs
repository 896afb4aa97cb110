//! One training step of rlvr-train on the CPU backend: forward (per-token log-probs and
//! entropies), backward of a log-prob- and entropy-weighted loss, AdamW with clipping.
//! Prints one JSON line with median times; `bench/train/compare.py` runs it next to PyTorch.
//!
//! Usage: step CONFIG BATCH SEQ ITERS, CONFIG one of `tiny`, `50m`.

use std::time::Instant;

/// The allocator `rlvr train` runs with (the `rlvr` binary's).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "batch.rs"]
mod batch;

use rlvr_train::model::{Model, ModelConfig};
use rlvr_train::optim::{AdamW, AdamWConfig};

fn config(name: &str) -> Result<ModelConfig, String> {
    let c = match name {
        // The parity test's shape.
        "tiny" => ModelConfig::tiny(96, 32, 2, 4, 2, 64),
        // ~56M parameters: vocab 32768, hidden 512, 8 layers, 8 heads / 2 kv heads, ffn 1408.
        "50m" => ModelConfig::tiny(32768, 512, 8, 8, 2, 1408),
        other => return Err(format!("unknown config {other}")),
    };
    c.map_err(|e| e.to_string())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        return Err("usage: step CONFIG BATCH SEQ ITERS".into());
    }
    let parse = |s: &str| s.parse::<usize>().map_err(|e| format!("{s}: {e}"));
    let (batch, seq, iters) = (parse(&args[2])?, parse(&args[3])?, parse(&args[4])?);
    let cfg = config(&args[1])?;
    let err = |e: rlvr_train::TrainError| e.to_string();
    let mut model = Model::new_random(&cfg, 1).map_err(err)?;
    let mut opt = AdamW::new(
        &model,
        AdamWConfig {
            lr: 1e-5,
            ..Default::default()
        },
    )
    .map_err(err)?;
    let (seqs, weights) = batch::random_batch(cfg.vocab_size, batch, seq);
    let (mut fwd, mut bwd, mut step) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..iters + 1 {
        let t0 = Instant::now();
        let (_stats, tape) = model.forward(&seqs, 1.0).map_err(err)?;
        let t1 = Instant::now();
        model.zero_grad().map_err(err)?;
        model
            .backward(tape, &weights, Some(&weights))
            .map_err(err)?;
        let t2 = Instant::now();
        opt.step(&mut model).map_err(err)?;
        let t3 = Instant::now();
        if i > 0 {
            fwd.push((t1 - t0).as_secs_f64() * 1e3);
            bwd.push((t2 - t1).as_secs_f64() * 1e3);
            step.push((t3 - t2).as_secs_f64() * 1e3);
        }
    }
    let total: Vec<f64> = (0..iters).map(|i| fwd[i] + bwd[i] + step[i]).collect();
    println!(
        "{{\"params\": {}, \"fwd_ms\": {:.3}, \"bwd_ms\": {:.3}, \"opt_ms\": {:.3}, \"total_ms\": {:.3}}}",
        model.num_params(),
        median(fwd),
        median(bwd),
        median(step),
        median(total)
    );
    Ok(())
}
