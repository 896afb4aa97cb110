//! One step's rollouts: prompts from the data stream, G sampled responses each, rewards from
//! the router on the worker pool (overlapping the next chunk's generation), and dynamic
//! sampling that drops all-equal groups and generates more prompts until the step has enough
//! informative groups or hits its cap on generation rounds.

use super::config::TrainConfig;
use super::data::Source;
use super::policy::Policy;
use super::scoring::RewardPool;
use crate::reward::{Item, Outcome};
use rlvr_train::backend::Backend;
use rlvr_train::grpo::{group_filter, Refill};
use rlvr_train::sample::{generate, Finish, RngKey, SamplingParams};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One response.
#[derive(Debug, Clone)]
pub struct Sample {
    pub tokens: Vec<u32>,
    /// Log-probs recorded when sampling (the rollout policy's, at the sampling temperature).
    pub old_logp: Vec<f32>,
    pub truncated: bool,
    pub text: String,
    /// The verifier's reward.
    pub score: f64,
    /// The reward the advantages use (the score after any truncation penalty).
    pub reward: f64,
    pub outcome: Option<Outcome>,
}

/// A prompt and its G responses.
#[derive(Debug, Clone)]
pub struct Group {
    pub prompt: String,
    pub prompt_ids: Vec<u32>,
    pub domain: &'static str,
    pub samples: Vec<Sample>,
}

/// What the step's rollouts produced.
#[derive(Debug, Default)]
pub struct Rollout {
    /// The groups kept for the update (all of them when dynamic sampling is off).
    pub kept: Vec<Group>,
    /// Every generated group's verifier scores (reward metrics cover everything sampled).
    pub all_scores: Vec<Vec<f64>>,
    pub all_domains: Vec<&'static str>,
    pub all_lengths: Vec<usize>,
    pub all_truncated: usize,
    pub zero_std_groups: usize,
    pub dropped: usize,
    pub dropped_all_zero: usize,
    pub dropped_all_one: usize,
    pub rounds: usize,
    pub gen_time: Duration,
    /// Time the loop waited on rewards after generation finished.
    pub reward_wait: Duration,
    /// Total scoring time on the workers.
    pub reward_cpu: Duration,
}

fn sampling<B: Backend>(cfg: &TrainConfig, policy: &Policy<B>) -> SamplingParams {
    let r = &cfg.rollout;
    SamplingParams {
        n: r.samples_per_prompt,
        temperature: r.temperature,
        top_p: r.top_p,
        top_k: r.top_k,
        max_new_tokens: r.max_new_tokens,
        stop_tokens: policy.stop.clone(),
    }
}

/// Generates the step's rollouts. `cursor` is the data position; it advances by the number of
/// prompts consumed.
pub fn collect<B: Backend>(
    cfg: &TrainConfig,
    policy: &Policy<B>,
    source: &Source,
    cursor: &mut u64,
    step: u64,
    pool: &mut RewardPool,
) -> anyhow::Result<Rollout> {
    let params = sampling(cfg, policy);
    let mut refill = Refill::new(cfg.rollout.prompts_per_step, &cfg.dynamic_sampling);
    let mut out = Rollout::default();
    let mut round = 0u64;
    loop {
        let need = refill.next_round();
        if need == 0 {
            break;
        }
        let mut groups: Vec<Group> = Vec::with_capacity(need);
        let mut items: Vec<Arc<Item>> = Vec::with_capacity(need);
        let mut examples = Vec::with_capacity(need);
        for _ in 0..need {
            examples.push(source.get(cfg.seed, *cursor)?);
            *cursor += 1;
        }
        for (chunk_no, chunk) in examples.chunks(cfg.rollout.chunk_prompts).enumerate() {
            let t0 = Instant::now();
            let prompts = chunk
                .iter()
                .map(|e| policy.encode_prompt(e))
                .collect::<anyhow::Result<Vec<_>>>()?;
            // Every (step, round, chunk) gets its own stream of draws.
            let key = RngKey {
                seed: cfg.seed,
                step: (step << 24) | (round << 12) | chunk_no as u64,
            };
            let comps = generate(&policy.model, &prompts, &params, key)?;
            for (e, ids) in chunk.iter().zip(prompts) {
                items.push(Arc::new(e.item.clone()));
                groups.push(Group {
                    prompt: e.prompt.clone(),
                    prompt_ids: ids,
                    domain: e.item.domain.as_str(),
                    samples: Vec::with_capacity(params.n),
                });
            }
            let base = groups.len() - chunk.len();
            for c in comps {
                let g = base + c.prompt_index;
                let text = policy.decode(&c.tokens)?;
                let slot = g * params.n + c.sample_index;
                pool.submit(slot, items[g].clone(), text.clone())?;
                groups[g].samples.push(Sample {
                    tokens: c.tokens,
                    old_logp: c.logprobs,
                    truncated: c.finish == Finish::Length,
                    text,
                    score: 0.0,
                    reward: 0.0,
                    outcome: None,
                });
            }
            out.gen_time += t0.elapsed();
        }
        let t0 = Instant::now();
        let scored = pool.wait_all()?;
        out.reward_wait += t0.elapsed();
        for s in scored {
            let (g, i) = (s.slot / params.n, s.slot % params.n);
            let sample = &mut groups[g].samples[i];
            sample.score = s.reward;
            sample.outcome = Some(s.outcome);
            out.reward_cpu += s.elapsed;
        }
        for mut g in groups {
            for s in &mut g.samples {
                let (r, _) = cfg.truncation.apply(s.score, s.truncated);
                s.reward = r;
                out.all_lengths.push(s.tokens.len());
                out.all_truncated += s.truncated as usize;
            }
            let rewards: Vec<f64> = g.samples.iter().map(|s| s.reward).collect();
            if !group_filter(&rewards).keep() {
                out.zero_std_groups += 1;
            }
            out.all_scores
                .push(g.samples.iter().map(|s| s.score).collect());
            out.all_domains.push(g.domain);
            if refill.offer(&rewards) {
                out.kept.push(g);
            }
        }
        round += 1;
    }
    out.dropped = refill.dropped;
    out.dropped_all_zero = refill.dropped_all_zero;
    out.dropped_all_one = refill.dropped_all_one;
    out.rounds = refill.rounds;
    Ok(out)
}
