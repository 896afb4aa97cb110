//! The GPU check of the CUDA backend (run by scripts/gpu-check.sh, from the release build of
//! this example alone): parity of every operation and of one model step against the CPU
//! reference at small shapes, then speed at the Qwen2-0.5B and -1.5B shapes with random
//! weights: training tokens/s and MFU (forward + backward + AdamW on 4096-token sequences),
//! prefill and decode tokens/s at 256 concurrent sequences, and peak device memory; attention
//! alone (its saved state's size and the kernels' times at 4K and 8K tokens, and at decode).
//! Prints tables; exits 1 if a parity case fails, 2 if CUDA is unavailable.
//!
//! Usage: gpu_check [--parity-only] [--shapes 0.5b,1.5b] [--steps N] [--precision bf16|f32]

use std::process::ExitCode;
use std::time::Instant;

// The parity cases are test code, shared with train/tests/cuda_parity.rs.
#[path = "../tests/parity/mod.rs"]
mod parity;

use rlvr_train::backend::cuda::{probe, Cuda, Precision};
use rlvr_train::backend::{AttnLayout, AttnShape, Backend};
use rlvr_train::model::{Model, ModelConfig};
use rlvr_train::optim::{AdamW, AdamWConfig};
use rlvr_train::sample::SamplingParams;
use rlvr_train::Result;

/// H200 SXM dense peaks (NVIDIA's datasheet, without sparsity), for MFU.
const PEAK_BF16_TFLOPS: f64 = 989.0;
const PEAK_TF32_TFLOPS: f64 = 494.0;

/// A Qwen2 configuration with the real shapes (random weights).
fn qwen2(name: &str) -> Result<ModelConfig> {
    let (hidden, layers, heads, ffn, tie) = match name {
        "0.5b" => (896, 24, 14, 4864, true),
        _ => (1536, 28, 12, 8960, true),
    };
    ModelConfig::from_json(serde_json::json!({
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "vocab_size": 151936,
        "hidden_size": hidden,
        "intermediate_size": ffn,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0,
        "tie_word_embeddings": tie,
        "max_position_embeddings": 32768,
        "hidden_act": "silu",
        "torch_dtype": "float32",
    }))
}

fn used_bytes(gpu: &Cuda, peak: &mut usize) -> Result<()> {
    let (free, total) = gpu.mem_info()?;
    *peak = (*peak).max(total - free);
    Ok(())
}

struct Row {
    shape: String,
    train_tok_s: f64,
    mfu_bf16: f64,
    mfu_tf32: f64,
    prefill_tok_s: f64,
    decode_tok_s: f64,
    peak_gib: f64,
}

fn speed(gpu: &Cuda, shape: &str, steps: usize) -> Result<Row> {
    let cfg = qwen2(shape)?;
    let mut peak = 0usize;
    let mut model = Model::new_random_on(gpu.clone(), &cfg, 1)?;
    let mut opt = AdamW::new(&model, AdamWConfig::default())?;
    let n_params = model.num_params() as f64;
    let seq_len = 4096usize;
    let seq: Vec<u32> = (0..seq_len).map(|i| (i * 7919 % 151936) as u32).collect();
    // Training: one 4096-token sequence per step; one warm-up step, then `steps` timed.
    let mut train_s = 0.0;
    for step in 0..=steps {
        gpu.synchronize()?;
        let t0 = Instant::now();
        let (stats, tape) = model.forward(std::slice::from_ref(&seq), 1.0)?;
        let d: Vec<Vec<f32>> = stats
            .logprobs
            .iter()
            .map(|r| vec![-1.0 / r.len() as f32; r.len()])
            .collect();
        model.zero_grad()?;
        model.backward(tape, &d, None)?;
        opt.step(&mut model)?;
        gpu.synchronize()?;
        used_bytes(gpu, &mut peak)?;
        if step > 0 {
            train_s += t0.elapsed().as_secs_f64();
        }
    }
    let tokens = (seq_len * steps) as f64;
    let train_tok_s = tokens / train_s;
    // 6 N per token for the matmuls, plus causal attention: 6 · layers · seq · hidden per token
    // (12 · layers · seq · hidden halved by the mask).
    let flops_per_tok =
        6.0 * n_params + 6.0 * cfg.num_layers as f64 * seq_len as f64 * cfg.hidden_size as f64;
    let achieved = flops_per_tok * train_tok_s / 1e12;
    // Generation: 256 sequences, a 128-token prompt each (prefill), then 32 decode steps.
    let (n_seqs, prompt, new) = (256usize, 128usize, 32usize);
    let mut cache = model.new_cache(n_seqs, prompt + new + 1)?;
    let ids: Vec<usize> = (0..n_seqs).collect();
    let prompts: Vec<Vec<u32>> = (0..n_seqs)
        .map(|s| {
            (0..prompt)
                .map(|i| ((s * 131 + i * 17) % 151936) as u32)
                .collect()
        })
        .collect();
    gpu.synchronize()?;
    let t0 = Instant::now();
    let logits = model.decode_step_logits(&mut cache, &ids, &prompts)?;
    gpu.synchronize()?;
    let prefill_tok_s = (n_seqs * prompt) as f64 / t0.elapsed().as_secs_f64();
    used_bytes(gpu, &mut peak)?;
    // Sampled on the device at temperature 1 (the rollouts' setting): no logits download.
    let params = SamplingParams::default();
    let vocab = cfg.vocab_size;
    let draws = |t: u64| -> Vec<f64> {
        (0..n_seqs as u64)
            .map(|s| rlvr_train::rng::uniform(&[0, t, s]))
            .collect()
    };
    let sample = |l: &<Cuda as Backend>::Buf, t: u64| -> Result<Vec<Vec<u32>>> {
        let picks = gpu.sample_rows(l, vocab, &params, &draws(t))?;
        Ok(picks.into_iter().map(|(tok, _)| vec![tok]).collect())
    };
    let mut next = sample(&logits, 0)?;
    let t0 = Instant::now();
    for t in 1..=new as u64 {
        let logits = model.decode_step_logits(&mut cache, &ids, &next)?;
        next = sample(&logits, t)?;
    }
    gpu.synchronize()?;
    let decode_tok_s = (n_seqs * new) as f64 / t0.elapsed().as_secs_f64();
    used_bytes(gpu, &mut peak)?;
    Ok(Row {
        shape: format!("qwen2-{shape} ({:.2}B)", n_params / 1e9),
        train_tok_s,
        mfu_bf16: achieved / PEAK_BF16_TFLOPS,
        mfu_tf32: achieved / PEAK_TF32_TFLOPS,
        prefill_tok_s,
        decode_tok_s,
        peak_gib: peak as f64 / (1u64 << 30) as f64,
    })
}

/// Attention alone (the flash kernels and the decode kernels): device memory kept from the
/// forward to the backward per layer, against the probabilities the CPU keeps, and the time
/// of one layer's forward and backward at 4K and 8K tokens (1.5B heads: 12 / 2, hd 128), then
/// one decode step's attention over 256 sequences of 2,048 cached keys (0.5B heads: 14 / 2,
/// hd 64).
fn attention_check(gpu: &Cuda) -> Result<()> {
    let wave = |n: usize, seed: f32| -> Vec<f32> {
        (0..n).map(|i| ((i as f32) * 0.618 + seed).sin()).collect()
    };
    let mib = |floats: usize| floats as f64 * 4.0 / (1u64 << 20) as f64;
    println!(
        "\n{:<34} {:>12} {:>14} {:>9} {:>9}",
        "attention, one layer", "saved MiB", "probs MiB", "fwd ms", "bwd ms"
    );
    let time = |f: &mut dyn FnMut() -> Result<()>| -> Result<f64> {
        f()?;
        gpu.synchronize()?;
        let t0 = Instant::now();
        for _ in 0..3 {
            f()?;
        }
        gpu.synchronize()?;
        Ok(t0.elapsed().as_secs_f64() * 1e3 / 3.0)
    };
    let sh = AttnShape {
        q_heads: 12,
        kv_heads: 2,
        head_dim: 128,
    };
    for len in [4096usize, 8192] {
        let layout = AttnLayout::packed(&[len]);
        let (qn, kn) = (
            len * sh.q_heads * sh.head_dim,
            len * sh.kv_heads * sh.head_dim,
        );
        let q = gpu.upload(&wave(qn, 0.1))?;
        let k = gpu.upload(&wave(kn, 0.2))?;
        let v = gpu.upload(&wave(kn, 0.3))?;
        let dout = gpu.upload(&wave(qn, 0.4))?;
        let mut out = gpu.zeros(qn)?;
        let saved_len = gpu.attention_saved_len(&layout, sh);
        let mut saved = gpu.zeros(saved_len)?;
        let fwd = time(&mut || gpu.attention_fwd(&mut out, &mut saved, &q, &k, &v, &layout, sh))?;
        let (mut dq, mut dk, mut dv) = (gpu.zeros(qn)?, gpu.zeros(kn)?, gpu.zeros(kn)?);
        let bwd = time(&mut || {
            gpu.attention_bwd(
                &mut dq, &mut dk, &mut dv, &dout, &out, &saved, &q, &k, &v, &layout, sh,
            )
        })?;
        println!(
            "{:<34} {:>12.2} {:>14.0} {:>9.2} {:>9.2}",
            format!("1 x {len} tokens, 12/2 heads, hd 128"),
            mib(saved_len),
            mib(layout.probs_len(sh.q_heads)),
            fwd,
            bwd
        );
    }
    let sh = AttnShape {
        q_heads: 14,
        kv_heads: 2,
        head_dim: 64,
    };
    let (seqs, keys) = (256usize, 2048usize);
    let layout = AttnLayout {
        q_start: (0..seqs).collect(),
        q_len: vec![1; seqs],
        k_start: (0..seqs).map(|s| s * keys).collect(),
        k_len: vec![keys; seqs],
    };
    let (qn, kn) = (
        seqs * sh.q_heads * sh.head_dim,
        seqs * keys * sh.kv_heads * sh.head_dim,
    );
    let q = gpu.upload(&wave(qn, 0.5))?;
    let k = gpu.upload(&wave(kn, 0.6))?;
    let v = gpu.upload(&wave(kn, 0.7))?;
    let mut out = gpu.zeros(qn)?;
    let saved_len = gpu.attention_saved_len(&layout, sh);
    let mut saved = gpu.zeros(saved_len)?;
    let fwd = time(&mut || gpu.attention_fwd(&mut out, &mut saved, &q, &k, &v, &layout, sh))?;
    // K and V read once: the decode kernel's floor is their size over the memory bandwidth.
    let gb_s = 2.0 * kn as f64 * 4.0 / (fwd * 1e-3) / 1e9;
    println!(
        "{:<34} {:>12.2} {:>14.0} {:>9.3} {:>9}  (K/V read at {gb_s:.0} GB/s)",
        format!("decode {seqs} x {keys} keys, 14/2, hd 64"),
        mib(saved_len),
        mib(layout.probs_len(sh.q_heads)),
        fwd,
        "-"
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parity_only = args.iter().any(|a| a == "--parity-only");
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let shapes = value("--shapes").unwrap_or_else(|| "0.5b,1.5b".into());
    let steps: usize = value("--steps").and_then(|s| s.parse().ok()).unwrap_or(3);
    // Parity always runs in f32; the speed rows in this precision (bf16 by default).
    let precision: Precision = match value("--precision").as_deref().unwrap_or("bf16").parse() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("gpu_check: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = probe() {
        eprintln!("gpu_check: {e}");
        return ExitCode::from(2);
    }
    let gpu = match Cuda::new(0) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("gpu_check: {e}");
            return ExitCode::from(2);
        }
    };
    println!("device 0: kernels compiled for {}", gpu.arch());
    println!(
        "\n{:<18} {:>12} {:>10}  result",
        "parity case", "worst err", "tolerance"
    );
    let mut failed = false;
    for op in parity::OPS {
        let t0 = Instant::now();
        match parity::run(op, &gpu) {
            Ok(o) => {
                let res = match &o.failure {
                    None => "ok".to_string(),
                    Some(f) => {
                        failed = true;
                        format!("FAIL {f}")
                    }
                };
                println!(
                    "{:<18} {:>12.1e} {:>10.0e}  {res} ({:.1}s)",
                    op,
                    o.worst,
                    o.tol,
                    t0.elapsed().as_secs_f64()
                );
            }
            Err(e) => {
                failed = true;
                println!("{op:<18} error: {e}");
            }
        }
    }
    if failed || parity_only {
        return ExitCode::from(u8::from(failed));
    }
    if let Err(e) = attention_check(&gpu) {
        println!("attention: error: {e}");
    }
    let mut rows = Vec::new();
    let fast = gpu.clone().with_precision(precision);
    for shape in shapes.split(',') {
        eprintln!("speed at qwen2-{shape} ({precision} products) ...");
        match speed(&fast, shape, steps.max(1)) {
            Ok(r) => rows.push(r),
            Err(e) => println!("qwen2-{shape}: error: {e}"),
        }
    }
    println!(
        "\n{:<22} {:>12} {:>10} {:>10} {:>14} {:>14} {:>10}",
        format!("shape ({precision} GEMMs)"),
        "train tok/s",
        "MFU bf16",
        "MFU tf32",
        "prefill tok/s",
        "decode tok/s",
        "peak GiB"
    );
    for r in &rows {
        println!(
            "{:<22} {:>12.0} {:>9.1}% {:>9.1}% {:>14.0} {:>14.0} {:>10.1}",
            r.shape,
            r.train_tok_s,
            100.0 * r.mfu_bf16,
            100.0 * r.mfu_tf32,
            r.prefill_tok_s,
            r.decode_tok_s,
            r.peak_gib
        );
    }
    println!(
        "\ntraining: 1 x 4096-token sequence per step, forward + backward + AdamW, f32 weights"
    );
    println!(
        "generation: 256 sequences, 128-token prompts (prefill), 32 decode steps sampled on the \
         device (temperature 1)"
    );
    ExitCode::SUCCESS
}
