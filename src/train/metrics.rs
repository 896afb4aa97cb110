//! Per-step metrics (one JSON object per line in `metrics.jsonl`), sampled responses
//! (`samples.jsonl`) and the progress line on stderr.
//!
//! The policy loss and the gradient norm are logged separately on purpose: on-policy the
//! clipped surrogate's value is about 0 while its gradient is not (the "loss is 0" confusion).

use super::rollout::Rollout;
use super::update::UpdateStats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

/// Mean and (population) std of one domain's rewards.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DomainReward {
    pub mean: f64,
    pub std: f64,
    pub n: usize,
}

/// `null` (how serde_json writes NaN) reads back as NaN.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Everything logged for one RL step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepMetrics {
    pub step: u64,
    /// Mean verifier reward over every response generated this step (kept or dropped groups).
    pub reward_mean: f64,
    pub reward_std: f64,
    pub reward_by_domain: BTreeMap<String, DomainReward>,
    /// Groups whose rewards were all equal, over groups generated.
    pub frac_zero_std_groups: f64,
    pub groups_generated: usize,
    pub groups_kept: usize,
    pub groups_dropped: usize,
    pub groups_dropped_all_zero: usize,
    pub groups_dropped_all_one: usize,
    pub gen_rounds: usize,
    pub response_len_min: usize,
    pub response_len_mean: f64,
    pub response_len_max: usize,
    /// Responses that hit max_new_tokens without a stop token.
    pub response_clipped_frac: f64,
    /// Mean entropy and KL over the trained tokens; NaN (`null` in metrics.jsonl, a gap in
    /// the curves) when no group was kept, so a step that trained nothing does not read as 0.
    #[serde(deserialize_with = "nan_if_null")]
    pub entropy: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub kl: f64,
    pub loss: f64,
    pub pg_loss: f64,
    pub kl_loss: f64,
    pub clip_frac_low: f64,
    pub clip_frac_high: f64,
    pub clip_frac_dual: f64,
    pub ppo_kl: f64,
    pub grad_norm: f64,
    pub lr: f64,
    pub optimizer_steps: u64,
    pub train_tokens: usize,
    pub tokens_per_s: f64,
    pub time_gen_s: f64,
    pub time_reward_wait_s: f64,
    pub time_reward_cpu_s: f64,
    pub time_update_s: f64,
    pub time_step_s: f64,
    /// Set when the reference policy and the optimizer were reset after this step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_reset: Option<rlvr_train::grpo::ResetReason>,
}

fn mean_std(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let m = xs.iter().sum::<f64>() / xs.len() as f64;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64;
    (m, v.sqrt())
}

/// Timings of one step, in seconds.
pub struct Times {
    pub update: f64,
    pub step: f64,
}

impl StepMetrics {
    pub fn new(step: u64, lr: f64, r: &Rollout, u: &UpdateStats, t: Times) -> StepMetrics {
        let all: Vec<f64> = r.all_scores.iter().flatten().copied().collect();
        let (reward_mean, reward_std) = mean_std(&all);
        let mut by: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for (g, d) in r.all_scores.iter().zip(&r.all_domains) {
            by.entry(*d).or_default().extend(g);
        }
        let reward_by_domain = by
            .into_iter()
            .map(|(d, xs)| {
                let (mean, std) = mean_std(&xs);
                (
                    d.to_string(),
                    DomainReward {
                        mean,
                        std,
                        n: xs.len(),
                    },
                )
            })
            .collect();
        let lens = &r.all_lengths;
        let n_resp = lens.len().max(1) as f64;
        let gen_tokens: usize = lens.iter().sum();
        let generated = r.all_scores.len();
        StepMetrics {
            step,
            reward_mean,
            reward_std,
            reward_by_domain,
            frac_zero_std_groups: r.zero_std_groups as f64 / generated.max(1) as f64,
            groups_generated: generated,
            groups_kept: r.kept.len(),
            groups_dropped: r.dropped,
            groups_dropped_all_zero: r.dropped_all_zero,
            groups_dropped_all_one: r.dropped_all_one,
            gen_rounds: r.rounds,
            response_len_min: lens.iter().copied().min().unwrap_or(0),
            response_len_mean: gen_tokens as f64 / n_resp,
            response_len_max: lens.iter().copied().max().unwrap_or(0),
            response_clipped_frac: r.all_truncated as f64 / n_resp,
            entropy: if u.tokens > 0 { u.entropy } else { f64::NAN },
            kl: if u.tokens > 0 { u.kl } else { f64::NAN },
            loss: u.loss.pg_loss + u.loss.kl_loss,
            pg_loss: u.loss.pg_loss,
            kl_loss: u.loss.kl_loss,
            clip_frac_low: u.loss.clip_frac_low(),
            clip_frac_high: u.loss.clip_frac_high(),
            clip_frac_dual: u.loss.clip_frac_dual(),
            ppo_kl: u.loss.ppo_kl(),
            grad_norm: u.grad_norm,
            lr,
            optimizer_steps: u.optimizer_steps,
            train_tokens: u.tokens,
            tokens_per_s: gen_tokens as f64 / t.step.max(1e-9),
            time_gen_s: r.gen_time.as_secs_f64(),
            time_reward_wait_s: r.reward_wait.as_secs_f64(),
            time_reward_cpu_s: r.reward_cpu.as_secs_f64(),
            time_update_s: t.update,
            time_step_s: t.step,
            reference_reset: None,
        }
    }
}

/// Up to `n` responses of the step, for samples.jsonl.
pub fn samples(step: u64, r: &Rollout, n: usize) -> Vec<serde_json::Value> {
    r.kept
        .iter()
        .flat_map(|g| {
            g.samples.iter().map(move |s| {
                serde_json::json!({
                    "step": step, "prompt": g.prompt, "response": s.text, "reward": s.score,
                    "verdict": s.outcome.map(|o| o.as_str()), "truncated": s.truncated,
                })
            })
        })
        .take(n)
        .collect()
}

/// Appends JSON lines to a file, flushing each so a killed run keeps what it logged.
pub struct JsonlWriter(std::fs::File);

impl JsonlWriter {
    pub fn append(path: &std::path::Path) -> anyhow::Result<JsonlWriter> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(JsonlWriter(f))
    }
    pub fn write<T: Serialize>(&mut self, v: &T) -> anyhow::Result<()> {
        let mut line = serde_json::to_string(v)?;
        line.push('\n');
        self.0.write_all(line.as_bytes())?;
        Ok(())
    }
}

/// A one-line progress display on stderr, shown only when stderr is a terminal.
pub struct Progress {
    on: bool,
    total: u64,
}

impl Progress {
    pub fn new(total: u64, quiet: bool) -> Progress {
        Progress {
            on: !quiet && std::io::stderr().is_terminal(),
            total,
        }
    }
    /// Whether the progress line is drawn (stderr is a terminal and not quiet).
    pub fn is_on(&self) -> bool {
        self.on
    }
    pub fn update(&self, m: &StepMetrics) {
        if self.on {
            let width = 24usize;
            let done = ((m.step as f64 / self.total.max(1) as f64) * width as f64) as usize;
            eprint!(
                "\r[{}{}] step {}/{}  reward {:.3}  kl {:.2e}  entropy {:.3}  len {:.1}  {:.1}s/step ",
                "#".repeat(done.min(width)),
                "-".repeat(width - done.min(width)),
                m.step,
                self.total,
                m.reward_mean,
                m.kl,
                m.entropy,
                m.response_len_mean,
                m.time_step_s
            );
        }
    }
    pub fn message(&self, text: &str) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
        eprintln!("{text}");
    }
    pub fn finish(&self) {
        if self.on {
            eprintln!();
        }
    }
}
