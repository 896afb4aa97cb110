//! The policy update of one RL step (advantages, then mini-batch GRPO steps against the
//! rollout's old log-probs) and the supervised warm-up that precedes RL in the demo.
//!
//! Log-probs are computed at the sampling temperature (logits / T) for the policy, the old
//! policy and the reference alike, as verl does, so the ratio is 1 on-policy.

use super::config::TrainConfig;
use super::data::Source;
use super::policy::Policy;
use super::rollout::Rollout;
use rlvr_train::backend::Backend;
use rlvr_train::grpo::{
    advantages, kl_reward_penalty, policy_loss, KlPlacement, LossStats, SeqTokens, TokenWeights,
};
use rlvr_train::model::Model;
use rlvr_train::optim::AdamW;

/// What the update did.
#[derive(Debug, Default, Clone)]
pub struct UpdateStats {
    pub loss: LossStats,
    pub entropy: f64,
    pub grad_norm: f64,
    pub optimizer_steps: u64,
    pub seqs: usize,
    pub tokens: usize,
    /// Mean per-token KL(pi || pi_ref), whichever placement is used.
    pub kl: f64,
}

/// One trainable sequence: prompt + response, and where the response's log-probs sit in the
/// forward's output (position p predicts token p + 1).
struct Seq {
    ids: Vec<u32>,
    start: usize,
    len: usize,
    /// None: the update's own forward gives them (one update per rollout).
    old: Option<Vec<f64>>,
    reference: Option<Vec<f64>>,
    advantage: f64,
}

/// Consecutive runs of `items` of at most `max_tokens` tokens each (`tokens` of an item; an
/// item longer than that is a run of its own); `max_tokens` 0 is one run of everything.
pub(super) fn token_chunks<T>(
    items: &[T],
    max_tokens: usize,
    tokens: impl Fn(&T) -> usize,
) -> Vec<&[T]> {
    if max_tokens == 0 || items.is_empty() {
        return vec![items];
    }
    let mut runs = Vec::new();
    let (mut start, mut held) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let n = tokens(item);
        if i > start && held + n > max_tokens {
            runs.push(&items[start..i]);
            (start, held) = (i, 0);
        }
        held += n;
    }
    runs.push(&items[start..]);
    runs
}

/// `model.score(seqs)`'s log-probs, scored `max_tokens` tokens at a time (0: all at once).
fn score_in_chunks<B: Backend>(
    model: &Model<B>,
    seqs: &[Vec<u32>],
    temp: f32,
    max_tokens: usize,
) -> anyhow::Result<Vec<Vec<f32>>> {
    let mut out = Vec::with_capacity(seqs.len());
    for run in token_chunks(seqs, max_tokens, Vec::len) {
        out.extend(model.score(run, temp)?.logprobs);
    }
    Ok(out)
}

/// Runs the GRPO update on the kept groups of `rollout`.
pub fn grpo_step<B: Backend>(
    cfg: &TrainConfig,
    policy: &mut Policy<B>,
    reference: Option<&Model<B>>,
    opt: &mut AdamW<B>,
    rollout: &Rollout,
) -> anyhow::Result<UpdateStats> {
    // Greedy rollouts (temperature 0) record untempered log-probs (`generate`'s convention).
    let temp = match cfg.rollout.temperature {
        t if t > 0.0 => t,
        _ => 1.0,
    };
    let kl = &cfg.grpo.kl;
    let mut stats = UpdateStats::default();
    let all: Vec<(usize, usize)> = rollout
        .kept
        .iter()
        .enumerate()
        .flat_map(|(g, grp)| (0..grp.samples.len()).map(move |i| (g, i)))
        .filter(|&(g, i)| !rollout.kept[g].samples[i].tokens.is_empty())
        .collect();
    if all.is_empty() {
        return Ok(stats);
    }
    let ids: Vec<Vec<u32>> = all
        .iter()
        .map(|&(g, i)| {
            [
                rollout.kept[g].prompt_ids.as_slice(),
                &rollout.kept[g].samples[i].tokens,
            ]
            .concat()
        })
        .collect();
    // The reference's log-probs of every response (only when the KL term is on).
    let max_tokens = cfg.memory.micro_batch_tokens;
    let ref_lp = match reference {
        Some(r) if kl.coef > 0.0 => Some(score_in_chunks(r, &ids, temp, max_tokens)?),
        _ => None,
    };
    // Old log-probs: with one optimizer step per rollout the policy is still the rollout
    // policy when the loss is evaluated, so the forward's own (detached) log-probs are exact;
    // otherwise they are recomputed once before the first update, as verl does.
    let updates = cfg.update.mini_batches.min(all.len()) * cfg.update.epochs;
    let kl_in_reward = kl.placement == KlPlacement::Reward && ref_lp.is_some();
    let old_lp = if updates > 1 || kl_in_reward {
        Some(score_in_chunks(&policy.model, &ids, temp, max_tokens)?)
    } else {
        None
    };
    let mut seqs: Vec<Seq> = Vec::with_capacity(all.len());
    let mut rewards: Vec<Vec<f64>> = rollout
        .kept
        .iter()
        .map(|g| g.samples.iter().map(|s| s.reward).collect())
        .collect();
    let (mut kl_sum, mut kl_tokens) = (0.0, 0usize);
    for (k, &(g, i)) in all.iter().enumerate() {
        let n = rollout.kept[g].samples[i].tokens.len();
        let start = rollout.kept[g].prompt_ids.len() - 1;
        let slice = |v: &Vec<Vec<f32>>| -> Vec<f64> {
            v[k][start..start + n].iter().map(|&x| x as f64).collect()
        };
        let old = old_lp.as_ref().map(slice);
        let reference = ref_lp.as_ref().map(slice);
        if let (Some(o), Some(r), true) = (&old, &reference, kl_in_reward) {
            kl_sum += o
                .iter()
                .zip(r)
                .map(|(&a, &b)| kl.estimator.value(a, b))
                .sum::<f64>();
            kl_tokens += n;
            rewards[g][i] -= kl_reward_penalty(kl.estimator, kl.coef, o, r);
        }
        seqs.push(Seq {
            ids: ids[k].clone(),
            start,
            len: n,
            old,
            reference,
            advantage: 0.0,
        });
    }
    let sizes: Vec<usize> = rewards.iter().map(Vec::len).collect();
    let flat: Vec<f64> = rewards.concat();
    let adv = advantages(&flat, &sizes, &cfg.grpo.advantage)?;
    let offsets: Vec<usize> = sizes
        .iter()
        .scan(0, |acc, &n| {
            let o = *acc;
            *acc += n;
            Some(o)
        })
        .collect();
    for (seq, &(g, i)) in seqs.iter_mut().zip(&all) {
        seq.advantage = adv[offsets[g] + i];
    }
    // Responses masked for truncation still shaped the advantages above; they leave now.
    let train: Vec<&Seq> = seqs
        .iter()
        .zip(&all)
        .filter(|(_, gi)| {
            let (g, i) = **gi;
            let s = &rollout.kept[g].samples[i];
            cfg.truncation.apply(s.score, s.truncated).1
        })
        .map(|(s, _)| s)
        .collect();
    stats.seqs = train.len();
    if train.is_empty() {
        return Ok(stats);
    }
    stats.tokens = train.iter().map(|s| s.len).sum();
    let n_mb = cfg.update.mini_batches.min(train.len()).max(1);
    let per = train.len().div_ceil(n_mb);
    let mut entropy_sum = 0.0;
    let mut entropy_n = 0usize;
    let mut grad_norm_sum = 0.0;
    for epoch in 0..cfg.update.epochs {
        for mb in train.chunks(per) {
            // The aggregation's weights are the mini-batch's; the loss is a sum over its
            // sequences, so micro-batches add their parts of the gradient before the step.
            let lens: Vec<usize> = mb.iter().map(|s| s.len).collect();
            let w = TokenWeights::new(cfg.grpo.aggregation, &lens, cfg.rollout.max_new_tokens);
            policy.model.zero_grad()?;
            let mut first = 0;
            for micro in token_chunks(mb, max_tokens, |s| s.ids.len()) {
                let weights = &w.0[first..first + micro.len()];
                first += micro.len();
                let batch: Vec<Vec<u32>> = micro.iter().map(|s| s.ids.clone()).collect();
                let (ts, tape) = policy.model.forward(&batch, temp)?;
                let logp: Vec<Vec<f64>> = micro
                    .iter()
                    .zip(&ts.logprobs)
                    .map(|(s, lp)| {
                        lp[s.start..s.start + s.len]
                            .iter()
                            .map(|&x| x as f64)
                            .collect()
                    })
                    .collect();
                if epoch == 0 {
                    for (s, e) in micro.iter().zip(&ts.entropy) {
                        entropy_sum += e[s.start..s.start + s.len]
                            .iter()
                            .map(|&x| x as f64)
                            .sum::<f64>();
                        entropy_n += s.len;
                    }
                }
                let tok: Vec<SeqTokens> = micro
                    .iter()
                    .zip(&logp)
                    .map(|(s, lp)| SeqTokens {
                        logp: lp,
                        old_logp: s.old.as_deref().unwrap_or(lp),
                        ref_logp: s.reference.as_deref(),
                        advantage: s.advantage,
                    })
                    .collect();
                let out = policy_loss(&tok, weights, &cfg.grpo.clip, kl)?;
                stats.loss.merge(&out.stats);
                let mut d: Vec<Vec<f32>> = ts.logprobs.iter().map(|l| vec![0.0; l.len()]).collect();
                let mut at = 0;
                for (s, row) in micro.iter().zip(&mut d) {
                    for (t, g) in out.grad[at..at + s.len].iter().enumerate() {
                        row[s.start + t] = *g as f32;
                    }
                    at += s.len;
                }
                policy.model.backward(tape, &d, None)?;
            }
            let st = opt.step(&mut policy.model)?;
            grad_norm_sum += st.grad_norm;
            stats.optimizer_steps += 1;
        }
    }
    stats.kl = if kl_in_reward {
        kl_sum / kl_tokens.max(1) as f64
    } else {
        stats.loss.kl_mean()
    };
    stats.entropy = if entropy_n > 0 {
        entropy_sum / entropy_n as f64
    } else {
        0.0
    };
    stats.grad_norm = grad_norm_sum / stats.optimizer_steps.max(1) as f64;
    Ok(stats)
}

/// Supervised warm-up on the task's reference answers (cross-entropy on the answer tokens and
/// the stop token). Returns the last step's mean loss per answer token.
pub fn warmup<B: Backend>(
    cfg: &TrainConfig,
    policy: &mut Policy<B>,
    source: &Source,
    on_step: &mut dyn FnMut(u64, f64),
) -> anyhow::Result<f64> {
    let w = &cfg.warmup;
    let mut opt = AdamW::new(
        &policy.model,
        rlvr_train::optim::AdamWConfig {
            lr: w.lr,
            weight_decay: 0.0,
            max_grad_norm: Some(1.0),
            ..Default::default()
        },
    )?;
    // The warm-up reads its own part of the stream, far from the prompts RL will see first.
    let base = 1u64 << 40;
    let mut last = f64::NAN;
    for step in 0..w.steps {
        let mut batch = Vec::with_capacity(w.batch);
        let mut starts = Vec::with_capacity(w.batch);
        for j in 0..w.batch as u64 {
            let ex = source.get(cfg.seed, base + step * w.batch as u64 + j)?;
            let answer = ex.answer.as_deref().ok_or_else(|| anyhow::anyhow!("the warm-up needs reference answers (the built-in task has them; set warmup.steps = 0 for a dataset)"))?;
            let p = policy.encode_prompt(&ex)?;
            starts.push(p.len() - 1);
            batch.push([p, policy.encode_answer(answer)?].concat());
        }
        let (ts, tape) = policy.model.forward(&batch, 1.0)?;
        let n: usize = batch
            .iter()
            .zip(&starts)
            .map(|(b, &s)| b.len() - 1 - s)
            .sum();
        let mut d: Vec<Vec<f32>> = ts.logprobs.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut loss = 0.0;
        for ((row, lp), &s) in d.iter_mut().zip(&ts.logprobs).zip(&starts) {
            for (d, &l) in row[s..].iter_mut().zip(&lp[s..]) {
                *d = -1.0 / n as f32;
                loss -= l as f64;
            }
        }
        policy.model.zero_grad()?;
        policy.model.backward(tape, &d, None)?;
        opt.step(&mut policy.model)?;
        last = loss / n as f64;
        on_step(step, last);
    }
    Ok(last)
}
