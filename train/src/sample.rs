//! Batched sampling with a KV cache: every prompt is expanded into `n` samples, all sequences
//! advance one token per step together, and each draw comes from a counter-based RNG keyed by
//! (seed, step, prompt, sample, token index), so a completion does not depend on batch
//! composition, thread count or what was sampled before it.

use rayon::prelude::*;

use crate::backend::Backend;
use crate::model::Model;
use crate::{rng, Result, TrainError};

/// How to sample.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingParams {
    /// Samples per prompt.
    pub n: usize,
    /// 0 means greedy (argmax).
    pub temperature: f32,
    /// Nucleus sampling: keep the smallest set of tokens whose probability reaches `top_p`
    /// (1 = off).
    pub top_p: f32,
    /// Keep the `top_k` most likely tokens (0 = off).
    pub top_k: usize,
    pub max_new_tokens: usize,
    /// Generation of a sequence ends after it emits one of these (the token is kept).
    pub stop_tokens: Vec<u32>,
}

impl Default for SamplingParams {
    fn default() -> Self {
        SamplingParams {
            n: 1,
            temperature: 1.0,
            top_p: 1.0,
            top_k: 0,
            max_new_tokens: 64,
            stop_tokens: Vec::new(),
        }
    }
}

/// What keys the random draws: a run's seed and its step (e.g. the RL step).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RngKey {
    pub seed: u64,
    pub step: u64,
}

/// Why a completion ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// It emitted a stop token (the last token).
    Stop,
    /// It reached `max_new_tokens`.
    Length,
}

/// One sampled completion.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub prompt_index: usize,
    pub sample_index: usize,
    pub tokens: Vec<u32>,
    /// Log-prob of each token under the model's distribution at the sampling temperature
    /// (logits / temperature, before top-k/top-p truncation; temperature 1 when greedy), which
    /// is what [`Model::forward`] computes at the same temperature.
    pub logprobs: Vec<f32>,
    pub finish: Finish,
}

/// Picks a token from `logits` with uniform draw `u`; returns (token, logprob).
pub fn sample_token(logits: &[f32], p: &SamplingParams, u: f64) -> (u32, f32) {
    let temp = if p.temperature > 0.0 {
        p.temperature
    } else {
        1.0
    };
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    // log p_j = (z_j - max)/T - ln Σ_i exp((z_i - max)/T)
    let norm = logits
        .iter()
        .map(|&z| ((z - max) as f64 / temp as f64).exp())
        .sum::<f64>()
        .ln();
    let logp = |j: usize| ((logits[j] - max) as f64 / temp as f64 - norm) as f32;
    if p.temperature <= 0.0 {
        let best = (0..logits.len()).fold(0, |b, j| if logits[j] > logits[b] { j } else { b });
        return (best as u32, logp(best));
    }
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_unstable_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    if p.top_k > 0 {
        order.truncate(p.top_k);
    }
    let probs: Vec<f64> = order.iter().map(|&j| (logp(j) as f64).exp()).collect();
    let mut keep = probs.len();
    if p.top_p < 1.0 {
        let mut acc = 0.0;
        for (i, q) in probs.iter().enumerate() {
            acc += q;
            if acc >= p.top_p as f64 {
                keep = i + 1;
                break;
            }
        }
    }
    let total: f64 = probs[..keep].iter().sum();
    let mut target = u * total;
    for (i, q) in probs[..keep].iter().enumerate() {
        target -= q;
        if target < 0.0 {
            return (order[i] as u32, logp(order[i]));
        }
    }
    let last = order[keep - 1];
    (last as u32, logp(last))
}

/// [`sample_token`] on every row of host logits [rows, vocab], row `i` with `uniforms[i]`, in
/// parallel: the default [`Backend::sample_rows`](crate::backend::Backend::sample_rows).
pub fn sample_rows_host(
    logits: &[f32],
    vocab: usize,
    params: &SamplingParams,
    uniforms: &[f64],
) -> Result<Vec<(u32, f32)>> {
    check_sample_rows(logits.len(), vocab, uniforms.len())?;
    if uniforms.is_empty() {
        return Ok(Vec::new());
    }
    Ok(logits
        .par_chunks_exact(vocab)
        .zip(uniforms.par_iter())
        .map(|(l, &u)| sample_token(l, params, u))
        .collect())
}

/// The shape check of [`Backend::sample_rows`](crate::backend::Backend::sample_rows), shared
/// by every backend: `len` logits are `rows` rows of `vocab >= 1`.
pub(crate) fn check_sample_rows(len: usize, vocab: usize, rows: usize) -> Result<()> {
    crate::error::ensure_shape(len == rows * vocab && (vocab > 0 || rows == 0), || {
        format!("sample_rows: {len} logits for {rows} rows of {vocab}")
    })
}

/// Samples `params.n` completions for every prompt; results are ordered by prompt, then sample.
pub fn generate<B: Backend>(
    model: &Model<B>,
    prompts: &[Vec<u32>],
    params: &SamplingParams,
    key: RngKey,
) -> Result<Vec<Completion>> {
    if params.n == 0 || prompts.iter().any(Vec::is_empty) {
        return Err(TrainError::Input(
            "generate needs n >= 1 and non-empty prompts".into(),
        ));
    }
    if !(params.top_p > 0.0 && params.top_p <= 1.0 && params.temperature.is_finite()) {
        return Err(TrainError::Input(
            "top_p must be in (0, 1] and temperature finite".into(),
        ));
    }
    let seqs: Vec<(usize, usize)> = (0..prompts.len())
        .flat_map(|p| (0..params.n).map(move |s| (p, s)))
        .collect();
    let mut out: Vec<Completion> = seqs
        .iter()
        .map(|&(p, s)| Completion {
            prompt_index: p,
            sample_index: s,
            tokens: Vec::new(),
            logprobs: Vec::new(),
            finish: Finish::Length,
        })
        .collect();
    if params.max_new_tokens == 0 {
        return Ok(out);
    }
    let longest = prompts.iter().map(Vec::len).max().unwrap_or(0);
    let mut cache = model.new_cache(seqs.len(), longest + params.max_new_tokens)?;
    // Prefill each prompt once (in its first sample's slot) and copy its cache to the others.
    let n = params.n;
    let firsts: Vec<usize> = (0..prompts.len()).map(|p| p * n).collect();
    // The logits stay on the backend: only the draws go to it and (token, log-prob) per
    // sequence come back.
    let be = &model.backend;
    let vocab = model.cfg.vocab_size;
    let mut prompt_logits = Some(model.decode_step_logits(&mut cache, &firsts, prompts)?);
    for &first in &firsts {
        for s in 1..n {
            model.copy_cached_sequence(&mut cache, first, first + s)?;
        }
    }
    let mut active: Vec<usize> = (0..seqs.len()).collect();
    let mut feed: Vec<Vec<u32>> = Vec::new();
    for t in 0..params.max_new_tokens {
        let logits = match prompt_logits.take() {
            // Step 0: every sequence samples from its prompt's row.
            Some(rows) if n == 1 => rows,
            Some(rows) => {
                let of: Vec<usize> = active.iter().map(|&i| i / n).collect();
                let mut l = be.zeros(of.len() * vocab)?;
                be.gather_rows(&mut l, &rows, &of, vocab)?;
                l
            }
            None => model.decode_step_logits(&mut cache, &active, &feed)?,
        };
        let uniforms: Vec<f64> = active
            .iter()
            .map(|&i| {
                let (p, s) = seqs[i];
                rng::uniform(&[key.seed, key.step, p as u64, s as u64, t as u64])
            })
            .collect();
        let picks = be.sample_rows(&logits, vocab, params, &uniforms)?;
        let mut next_active = Vec::with_capacity(active.len());
        feed.clear();
        for (&i, (tok, lp)) in active.iter().zip(picks) {
            out[i].tokens.push(tok);
            out[i].logprobs.push(lp);
            if params.stop_tokens.contains(&tok) {
                out[i].finish = Finish::Stop;
            } else if t + 1 < params.max_new_tokens {
                next_active.push(i);
                feed.push(vec![tok]);
            }
        }
        active = next_active;
        if active.is_empty() {
            break;
        }
    }
    Ok(out)
}
