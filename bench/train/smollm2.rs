//! rlvr-train's side of `bench/train/smollm2.py`: SmolLM2-135M-Instruct read from its GGUF
//! file, timed on (a) one GRPO-style update (forward with per-token log-probs and entropies,
//! backward of a weighted loss, AdamW) over BATCH random sequences of SEQ tokens and (b) greedy
//! generation of NEW tokens (no early stop) for the prompts of
//! `fixtures/train/smollm2/reference.json`, one prompt at a time and all at once.
//! Prints one JSON line.
//!
//! Usage: smollm2_bench GGUF BATCH SEQ ITERS NEW

use std::time::Instant;

/// The allocator `rlvr train` runs with (the `rlvr` binary's).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "batch.rs"]
mod batch;

use rlvr_train::model::GgufModel;
use rlvr_train::optim::{AdamW, AdamWConfig};
use rlvr_train::sample::{generate, RngKey, SamplingParams};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// What `rlvr train` does at start (src/train/alloc.rs): freed memory stays mapped, so each
/// step's buffers are not fresh pages the kernel must fault in and zero.
#[allow(unsafe_code)]
fn keep_freed_memory() {
    // SAFETY: stores an integer in mimalloc's option table (15 = mi_option_purge_delay).
    unsafe { libmimalloc_sys::mi_option_set(15, -1) };
}

fn main() -> Result<(), String> {
    keep_freed_memory();
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        return Err("usage: smollm2_bench GGUF BATCH SEQ ITERS NEW".into());
    }
    let parse = |s: &str| s.parse::<usize>().map_err(|e| format!("{s}: {e}"));
    let (batch, seq, iters, new) = (
        parse(&args[2])?,
        parse(&args[3])?,
        parse(&args[4])?,
        parse(&args[5])?,
    );
    let err = |e: rlvr_train::TrainError| e.to_string();
    let mut model = GgufModel::read(std::path::Path::new(&args[1]))
        .map_err(err)?
        .model_on(rlvr_train::backend::cpu::Cpu)
        .map_err(err)?;
    let vocab = model.cfg.vocab_size;

    // (b) generation first, on the pretrained weights.
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures/train/smollm2/reference.json"),
        )
        .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let prompts: Vec<Vec<u32>> = reference["prompts"]
        .as_array()
        .ok_or("reference.json: no prompts")?
        .iter()
        .map(|p| {
            p["prompt_ids"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_u64())
                        .map(|x| x as u32)
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let params = SamplingParams {
        n: 1,
        temperature: 0.0,
        max_new_tokens: new,
        stop_tokens: Vec::new(),
        ..SamplingParams::default()
    };
    let key = RngKey { seed: 0, step: 0 };
    let t0 = Instant::now();
    let mut one_tokens = 0;
    for p in &prompts {
        let out = generate(&model, std::slice::from_ref(p), &params, key).map_err(err)?;
        one_tokens += out.iter().map(|c| c.tokens.len()).sum::<usize>();
    }
    let one_s = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let out = generate(&model, &prompts, &params, key).map_err(err)?;
    let all_tokens: usize = out.iter().map(|c| c.tokens.len()).sum();
    let all_s = t0.elapsed().as_secs_f64();

    // (a) the update.
    let mut opt = AdamW::new(
        &model,
        AdamWConfig {
            lr: 1e-6,
            ..Default::default()
        },
    )
    .map_err(err)?;
    let (seqs, weights) = batch::random_batch(vocab, batch, seq);
    let mut total = Vec::new();
    for i in 0..iters + 1 {
        let t0 = Instant::now();
        let (_stats, tape) = model.forward(&seqs, 1.0).map_err(err)?;
        model.zero_grad().map_err(err)?;
        model
            .backward(tape, &weights, Some(&weights))
            .map_err(err)?;
        opt.step(&mut model).map_err(err)?;
        if i > 0 {
            total.push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    println!(
        "{{\"params\": {}, \"update_ms\": {:.1}, \"gen_one_tok_s\": {:.2}, \"gen_one_tokens\": {one_tokens}, \"gen_all_tok_s\": {:.2}, \"gen_all_tokens\": {all_tokens}}}",
        model.num_params(),
        median(total),
        one_tokens as f64 / one_s,
        all_tokens as f64 / all_s,
    );
    Ok(())
}
