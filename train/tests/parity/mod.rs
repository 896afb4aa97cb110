//! The parity cases of the CUDA backend against the CPU reference: one generic body per
//! operation that runs on any [`Backend`] with the same random inputs, and a comparison of
//! every output under a named tolerance. Test code, kept out of the library: `cuda_parity.rs`
//! (skipped without CUDA) declares it as a module and the GPU check
//! (`train/examples/gpu_check.rs`) includes it by path, so both run the same cases.
//!
//! Tolerance (fp32 path): |cuda − cpu| <= TOL_F32 · max(1, max |cpu|) per output. f32 has a
//! 6e-8 unit roundoff; the two backends sum the same terms in different orders (block trees
//! vs sequential loops, cuBLAS vs matrixmultiply), which moves a sum of n terms by about
//! sqrt(n) · 6e-8 of its magnitude: ~4e-6 for the longest reductions here (n = 4096 in the lm
//! head's vocabulary sums, which both sides accumulate in f64). 1e-5 leaves headroom while a
//! wrong index, stride or missing term gives errors of order 1e-2 and more. Not yet measured on
//! a GPU: the GPU check prints the worst error per operation.

use rlvr_train::backend::cpu::Cpu;
use rlvr_train::backend::{rope_inv_freq, AdamWStep, AttnLayout, AttnShape, Backend};
use rlvr_train::model::{Model, ModelConfig};
use rlvr_train::sample::SamplingParams;
use rlvr_train::{rng, Result};

/// See the module doc for how this was chosen.
pub const TOL_F32: f64 = 1e-5;
/// The whole-model step stacks two layers of single-op errors and the lm head, whose
/// gradients sum over every token: allow 10x the single-op bound.
pub const TOL_MODEL: f64 = 1e-4;

/// The cases, by name, in the order the GPU check prints them.
pub const OPS: &[&str] = &[
    "embedding",
    "rmsnorm",
    "linear",
    "rope",
    "attention",
    "swiglu",
    "lm_head",
    "memory_and_adamw",
    "sample",
    "model_step",
];

/// One case's comparison of the two backends' outputs.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Worst |cuda − cpu| / max(1, max |cpu|) over every output.
    pub worst: f64,
    pub tol: f64,
    /// The first output element over the tolerance, if any.
    pub failure: Option<String>,
}

/// Runs case `op` on the CPU and on `other`, and compares.
pub fn run<B: Backend>(op: &str, other: &B) -> Result<Comparison> {
    let cpu = Cpu::new();
    let (a, b, tol) = match op {
        "embedding" => (embedding(&cpu)?, embedding(other)?, TOL_F32),
        "rmsnorm" => (rmsnorm(&cpu)?, rmsnorm(other)?, TOL_F32),
        "linear" => (linear(&cpu)?, linear(other)?, TOL_F32),
        "rope" => (rope(&cpu)?, rope(other)?, TOL_F32),
        "attention" => (attention(&cpu)?, attention(other)?, TOL_F32),
        "swiglu" => (swiglu(&cpu)?, swiglu(other)?, TOL_F32),
        "lm_head" => (lm_head(&cpu)?, lm_head(other)?, TOL_F32),
        "memory_and_adamw" => (memory_and_adamw(&cpu)?, memory_and_adamw(other)?, TOL_F32),
        "sample" => (sample(&cpu)?, sample(other)?, TOL_F32),
        "model_step" => (model_step(&cpu)?, model_step(other)?, TOL_MODEL),
        _ => {
            return Err(rlvr_train::TrainError::Input(format!(
                "no parity case {op}"
            )))
        }
    };
    Ok(compare(&a, &b, tol))
}

fn rand_vec(seed: u64, n: usize, scale: f32) -> Vec<f32> {
    (0..n)
        .map(|i| scale * rng::normal(&[seed, i as u64]) as f32)
        .collect()
}

fn compare(cpu: &[(String, Vec<f32>)], other: &[(String, Vec<f32>)], tol: f64) -> Comparison {
    let mut o = Comparison {
        worst: 0.0,
        tol,
        failure: None,
    };
    if cpu.len() != other.len() {
        o.failure = Some(format!("{} outputs vs {}", cpu.len(), other.len()));
        return o;
    }
    for ((name, a), (_, b)) in cpu.iter().zip(other) {
        if a.len() != b.len() {
            o.failure
                .get_or_insert(format!("{name}: {} floats vs {}", a.len(), b.len()));
            continue;
        }
        let scale = a.iter().map(|x| x.abs() as f64).fold(1.0, f64::max);
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            let err = (*x as f64 - *y as f64).abs() / scale;
            // NaN counts as a failure.
            if err.is_nan() || err > tol {
                o.failure
                    .get_or_insert(format!("{name}[{i}]: cpu {x} vs {y} (scale {scale})"));
            }
            if err.is_finite() {
                o.worst = o.worst.max(err);
            } else {
                o.worst = f64::INFINITY;
            }
        }
    }
    o
}

type Outs = Vec<(String, Vec<f32>)>;

fn out<B: Backend>(b: &B, name: &str, buf: &B::Buf) -> Result<(String, Vec<f32>)> {
    Ok((name.to_string(), b.download(buf)?))
}

fn embedding<B: Backend>(b: &B) -> Result<Outs> {
    let (v, d) = (11, 24);
    let ids = [3u32, 0, 10, 3, 7];
    let table = b.upload(&rand_vec(1, v * d, 1.0))?;
    let mut o = b.zeros(ids.len() * d)?;
    b.embedding_fwd(&mut o, &table, &ids, d)?;
    let mut dt = b.upload(&rand_vec(2, v * d, 1.0))?;
    b.embedding_bwd(
        &mut dt,
        &b.upload(&rand_vec(3, ids.len() * d, 1.0))?,
        &ids,
        d,
    )?;
    Ok(vec![out(b, "out", &o)?, out(b, "dtable", &dt)?])
}

fn rmsnorm<B: Backend>(b: &B) -> Result<Outs> {
    let (t, d) = (7, 300); // d > 256 threads: exercises the strided loops
    let x = b.upload(&rand_vec(4, t * d, 1.0))?;
    let w = b.upload(&rand_vec(5, d, 1.0))?;
    let (mut o, mut r) = (b.zeros(t * d)?, b.zeros(t)?);
    b.rmsnorm_fwd(&mut o, &mut r, &x, &w, d, 1e-6)?;
    let (mut dx, mut dw) = (
        b.upload(&rand_vec(6, t * d, 1.0))?,
        b.upload(&rand_vec(7, d, 1.0))?,
    );
    let dout = b.upload(&rand_vec(8, t * d, 1.0))?;
    b.rmsnorm_bwd(&mut dx, &mut dw, &dout, &x, &w, &r, d)?;
    Ok(vec![
        out(b, "out", &o)?,
        out(b, "rstd", &r)?,
        out(b, "dx", &dx)?,
        out(b, "dw", &dw)?,
    ])
}

fn linear<B: Backend>(b: &B) -> Result<Outs> {
    let (t, k, n) = (9, 33, 17);
    let x = b.upload(&rand_vec(9, t * k, 1.0))?;
    let w = b.upload(&rand_vec(10, n * k, 1.0))?;
    let bias = b.upload(&rand_vec(11, n, 1.0))?;
    let mut o = b.zeros(t * n)?;
    b.linear_fwd(&mut o, &x, &w, Some(&bias), k, n)?;
    let mut o2 = b.zeros(t * n)?;
    b.linear_fwd(&mut o2, &x, &w, None, k, n)?;
    let dout = b.upload(&rand_vec(12, t * n, 1.0))?;
    let mut dx = b.upload(&rand_vec(13, t * k, 1.0))?;
    let mut dw = b.upload(&rand_vec(14, n * k, 1.0))?;
    let mut db = b.upload(&rand_vec(15, n, 1.0))?;
    b.linear_bwd(Some(&mut dx), &mut dw, Some(&mut db), &dout, &x, &w, k, n)?;
    Ok(vec![
        out(b, "out", &o)?,
        out(b, "out_nobias", &o2)?,
        out(b, "dx", &dx)?,
        out(b, "dw", &dw)?,
        out(b, "db", &db)?,
    ])
}

fn rope<B: Backend>(b: &B) -> Result<Outs> {
    let (heads, hd) = (3, 16);
    let pos = [0u32, 1, 5, 100, 4095];
    let mut x = b.upload(&rand_vec(16, pos.len() * heads * hd, 1.0))?;
    b.rope_fwd(&mut x, &pos, heads, hd, &rope_inv_freq(hd, 1e6))?;
    let mut dx = b.upload(&rand_vec(17, pos.len() * heads * hd, 1.0))?;
    b.rope_bwd(&mut dx, &pos, heads, hd, &rope_inv_freq(hd, 1e4))?;
    Ok(vec![out(b, "x", &x)?, out(b, "dx", &dx)?])
}

/// Attention at the layouts and head shapes the CUDA kernels distinguish: packed training
/// sequences over many tiles, a KV-cache prefill (q_len < k_len), Qwen2-0.5B's (14/2 heads,
/// hd 64) and 1.5B's (12/2, hd 128) shapes, and decode layouts (few query rows per sequence,
/// which CUDA runs on its key-split decode kernels, with several key ranges at 600 keys). The
/// backward runs after every forward, the decode one included.
fn attention<B: Backend>(b: &B) -> Result<Outs> {
    let shape = |q_heads, kv_heads, head_dim| AttnShape {
        q_heads,
        kv_heads,
        head_dim,
    };
    let cache = |q_len: &[usize], k_len: &[usize], stride: usize| AttnLayout {
        q_start: q_len
            .iter()
            .scan(0, |at, l| {
                *at += l;
                Some(*at - l)
            })
            .collect(),
        q_len: q_len.to_vec(),
        k_start: (0..k_len.len()).map(|s| s * stride).collect(),
        k_len: k_len.to_vec(),
    };
    let cases = [
        ("packed", AttnLayout::packed(&[5, 300]), shape(4, 2, 8)),
        ("decode", cache(&[2, 1], &[6, 9], 6), shape(4, 2, 8)),
        (
            "prefill.0.5b",
            cache(&[40, 7], &[100, 60], 128),
            shape(14, 2, 64),
        ),
        (
            "packed.1.5b",
            AttnLayout::packed(&[70, 33]),
            shape(12, 2, 128),
        ),
        (
            "decode.0.5b",
            cache(&[1, 1, 4], &[600, 9, 257], 640),
            shape(14, 2, 64),
        ),
    ];
    let mut outs = Vec::new();
    for (tag, layout, sh) in cases {
        let tq = layout.q_rows();
        let tk = (0..layout.n_seqs())
            .map(|s| layout.k_start[s] + layout.k_len[s])
            .max()
            .unwrap_or(0);
        let qw = sh.q_heads * sh.head_dim;
        let kw = sh.kv_heads * sh.head_dim;
        let q = b.upload(&rand_vec(18, tq * qw, 1.0))?;
        let k = b.upload(&rand_vec(19, tk * kw, 1.0))?;
        let v = b.upload(&rand_vec(20, tk * kw, 1.0))?;
        let mut o = b.zeros(tq * qw)?;
        // The saved state is the backend's own (probabilities on the CPU, log-sum-exps on
        // CUDA): compared through the gradients it gives, not directly.
        let mut saved = b.zeros(b.attention_saved_len(&layout, sh))?;
        b.attention_fwd(&mut o, &mut saved, &q, &k, &v, &layout, sh)?;
        let dout = b.upload(&rand_vec(21, tq * qw, 1.0))?;
        let mut dq = b.upload(&rand_vec(22, tq * qw, 1.0))?;
        let mut dk = b.upload(&rand_vec(23, tk * kw, 1.0))?;
        let mut dv = b.upload(&rand_vec(24, tk * kw, 1.0))?;
        b.attention_bwd(
            &mut dq, &mut dk, &mut dv, &dout, &o, &saved, &q, &k, &v, &layout, sh,
        )?;
        for (n, buf) in [("out", &o), ("dq", &dq), ("dk", &dk), ("dv", &dv)] {
            outs.push(out(b, &format!("{tag}.{n}"), buf)?);
        }
    }
    Ok(outs)
}

fn swiglu<B: Backend>(b: &B) -> Result<Outs> {
    let n = 1000;
    let g = b.upload(&rand_vec(25, n, 2.0))?;
    let u = b.upload(&rand_vec(26, n, 1.0))?;
    let mut o = b.zeros(n)?;
    b.swiglu_fwd(&mut o, &g, &u)?;
    let (mut dg, mut du) = (
        b.upload(&rand_vec(27, n, 1.0))?,
        b.upload(&rand_vec(28, n, 1.0))?,
    );
    b.swiglu_bwd(&mut dg, &mut du, &b.upload(&rand_vec(29, n, 1.0))?, &g, &u)?;
    Ok(vec![
        out(b, "out", &o)?,
        out(b, "dgate", &dg)?,
        out(b, "dup", &du)?,
    ])
}

fn lm_head<B: Backend>(b: &B) -> Result<Outs> {
    let (t, d, v) = (6, 32, 4096);
    let targets = [0u32, 4095, 17, 17, 1000, 3];
    let h = b.upload(&rand_vec(30, t * d, 1.0))?;
    let w = b.upload(&rand_vec(31, v * d, 0.2))?;
    let (lp, ent) = b.logprob_entropy_fwd(&h, &w, &targets, d, v, 1.0 / 0.7)?;
    let mut dh = b.upload(&rand_vec(32, t * d, 1.0))?;
    let mut dw = b.upload(&rand_vec(33, v * d, 1.0))?;
    let (gl, ge) = (rand_vec(34, t, 1.0), rand_vec(35, t, 1.0));
    b.logprob_entropy_bwd(
        &mut dh,
        &mut dw,
        &h,
        &w,
        &targets,
        &gl,
        Some(&ge),
        d,
        v,
        1.0 / 0.7,
    )?;
    Ok(vec![
        ("logp".into(), lp),
        ("entropy".into(), ent),
        out(b, "dh", &dh)?,
        out(b, "dw", &dw)?,
    ])
}

fn memory_and_adamw<B: Backend>(b: &B) -> Result<Outs> {
    let n = 5000;
    let mut p = b.upload(&rand_vec(36, n, 1.0))?;
    let g = b.upload(&rand_vec(37, n, 1.0))?;
    let (mut m, mut v) = (b.zeros(n)?, b.zeros(n)?);
    for step in 1..=3 {
        let hp = AdamWStep {
            lr: 1e-2,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.1,
            step,
        };
        b.adamw(&mut p, &g, &mut m, &mut v, &hp)?;
    }
    let mut a = b.upload(&rand_vec(38, 12, 1.0))?;
    b.add_assign(&mut a, &b.upload(&rand_vec(39, 12, 1.0))?)?;
    b.scale(&mut a, -0.5)?;
    let mut gathered = b.zeros(2 * 4)?;
    b.gather_rows(&mut gathered, &a, &[2, 0], 4)?;
    b.scatter_rows(&mut a, &[1], &b.upload(&[9.0; 4])?, 4)?;
    let ss = b.sum_squares(&g)? as f32;
    Ok(vec![
        out(b, "param", &p)?,
        out(b, "m", &m)?,
        out(b, "v", &v)?,
        out(b, "rows", &a)?,
        out(b, "gathered", &gathered)?,
        ("sum_squares".into(), vec![ss]),
    ])
}

/// Sampling on a fixed logits table [8, 4096] (vocabulary > a block; two rows of few distinct
/// values, so cuts fall inside groups of exact ties) under greedy, top-k, top-p and plain
/// settings, with the same uniform draws on both backends. Tokens are compared as floats:
/// one different token is an error of at least 1/4096 (over the tolerance); a log-prob may
/// differ by rounding only (sample.cu's header says where the f64 sums differ).
fn sample<B: Backend>(b: &B) -> Result<Outs> {
    let (rows, vocab) = (8, 4096);
    let mut table = rand_vec(40, rows * vocab, 2.0);
    for (i, x) in table[2 * vocab..4 * vocab].iter_mut().enumerate() {
        *x = [-1.0, 0.0, 0.5, 2.0][(rng::uniform(&[41, i as u64]) * 4.0) as usize];
    }
    let logits = b.upload(&table)?;
    let mut outs = Vec::new();
    for (i, (temperature, top_k, top_p)) in [
        (0.0, 0, 1.0),
        (1.0, 0, 1.0),
        (0.7, 50, 0.9),
        (1.5, 5, 1.0),
        (1.0, 0, 0.5),
    ]
    .into_iter()
    .enumerate()
    {
        let params = SamplingParams {
            temperature,
            top_k,
            top_p,
            ..SamplingParams::default()
        };
        let u: Vec<f64> = (0..rows)
            .map(|r| rng::uniform(&[42, i as u64, r as u64]))
            .collect();
        let picks = b.sample_rows(&logits, vocab, &params, &u)?;
        outs.push((
            format!("tokens{i}"),
            picks.iter().map(|&(t, _)| t as f32).collect(),
        ));
        outs.push((
            format!("logprobs{i}"),
            picks.iter().map(|&(_, lp)| lp).collect(),
        ));
    }
    Ok(outs)
}

/// One model step: forward (log-probs, entropies) and every parameter's gradient of a
/// log-prob- and entropy-weighted loss, on a 2-layer GQA model with q/k/v bias.
fn model_step<B: Backend>(b: &B) -> Result<Outs> {
    let cfg = ModelConfig::tiny(97, 64, 2, 4, 2, 96)?;
    let mut model = Model::new_random_on(b.clone(), &cfg, 7)?;
    let seqs: Vec<Vec<u32>> = vec![
        (0..40).map(|i| (i * 7 % 97) as u32).collect(),
        vec![1, 2, 3, 4, 5],
    ];
    let (stats, tape) = model.forward(&seqs, 0.8)?;
    let dl: Vec<Vec<f32>> = stats
        .logprobs
        .iter()
        .map(|r| r.iter().map(|_| 0.5).collect())
        .collect();
    let de: Vec<Vec<f32>> = stats
        .entropy
        .iter()
        .map(|r| r.iter().map(|_| -0.1).collect())
        .collect();
    model.zero_grad()?;
    model.backward(tape, &dl, Some(&de))?;
    let mut outs = vec![
        ("logprobs".to_string(), stats.logprobs.concat()),
        ("entropy".to_string(), stats.entropy.concat()),
    ];
    for (i, g) in model.grads().iter().enumerate() {
        outs.push(out(b, &format!("grad{i}"), g)?);
    }
    Ok(outs)
}
