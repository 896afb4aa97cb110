//! The GRPO policy loss for one mini-batch and its gradient with respect to every per-token
//! log-prob of the current policy.
//!
//! Per token (verl `compute_policy_loss_vanilla`), with A the sequence's advantage:
//! delta = clamp(logp - old_logp, -20, 20), r = e^delta,
//! L1 = -A r, L2 = -A clip(r, 1 - eps_low, 1 + eps_high), L = max(L1, L2),
//! and with the dual clip, for A < 0 only: L = min(L, -A c).
//! With the KL in the loss the token's loss is L + beta * kl(logp, ref_logp).
//!
//! Aggregation turns token losses into one number by giving every token of sequence i the same
//! weight w_i ([`TokenWeights`]), so loss = sum_i w_i sum_t loss_{i,t} and
//! d loss / d logp_{i,t} = w_i * d loss_{i,t} / d logp_{i,t}. Because the weights are computed
//! once for the whole mini-batch, a mini-batch may be fed to [`policy_loss`] in micro-batches
//! and the gradients add up to the same total.

use super::kl::KlEstimator;
use super::KlPlacement;
use crate::TrainError;
use serde::{Deserialize, Serialize};

/// How token losses are reduced to the mini-batch loss (verl `loss_agg_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Aggregation {
    /// Sum over every token / number of tokens in the mini-batch (DAPO, ProRL; the default).
    TokenMean,
    /// Mean over sequences of each sequence's token mean (original GRPO).
    SeqMeanTokenMean,
    /// Mean over sequences of each sequence's token sum.
    SeqMeanTokenSum,
    /// Sum over every token / a constant length T_max (Dr. GRPO as verl writes it; TRL's
    /// `dr_grpo` also divides by the number of sequences).
    SeqMeanTokenSumNorm,
}

/// The clipped surrogate's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClipConfig {
    /// Lower clip: the ratio is held above 1 - eps_low (0.2).
    pub eps_low: f64,
    /// Upper clip, decoupled ("clip-higher"): the ratio is held below 1 + eps_high (0.4, ProRL).
    pub eps_high: f64,
    /// Dual clip constant c for negative advantages (verl `clip_ratio_c` = 3); off by default.
    pub dual_clip: Option<f64>,
}

impl Default for ClipConfig {
    fn default() -> Self {
        ClipConfig {
            eps_low: 0.2,
            eps_high: 0.4,
            dual_clip: None,
        }
    }
}

/// The KL-to-reference term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KlConfig {
    /// beta: 1e-4 (ProRL). 0 turns the term off (and the reference is not evaluated).
    pub coef: f64,
    pub estimator: KlEstimator,
    pub placement: KlPlacement,
}

impl Default for KlConfig {
    fn default() -> Self {
        KlConfig {
            coef: 1e-4,
            estimator: KlEstimator::K3,
            placement: KlPlacement::Loss,
        }
    }
}

/// The response tokens of one sequence, as the loss sees them. All slices have the same length
/// (the number of response tokens that count; padding is not passed).
#[derive(Debug, Clone, Copy)]
pub struct SeqTokens<'a> {
    /// log pi_theta(token) under the parameters being trained.
    pub logp: &'a [f64],
    /// log-probs recorded at rollout time (the behaviour policy).
    pub old_logp: &'a [f64],
    /// log-probs of the reference policy; needed when the KL term is in the loss.
    pub ref_logp: Option<&'a [f64]>,
    pub advantage: f64,
}

/// Per-sequence token weights of one mini-batch, fixed before any micro-batch is evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenWeights(pub Vec<f64>);

impl TokenWeights {
    /// Weights for sequences with `lens` response tokens each; `t_max` is the constant length of
    /// [`Aggregation::SeqMeanTokenSumNorm`] (the maximum response length).
    pub fn new(mode: Aggregation, lens: &[usize], t_max: usize) -> TokenWeights {
        let b = lens.len() as f64;
        let n: usize = lens.iter().sum();
        let w = lens.iter().map(|&len| match mode {
            _ if len == 0 => 0.0,
            Aggregation::TokenMean => 1.0 / n as f64,
            Aggregation::SeqMeanTokenMean => 1.0 / (b * len as f64),
            Aggregation::SeqMeanTokenSum => 1.0 / b,
            Aggregation::SeqMeanTokenSumNorm => 1.0 / t_max.max(1) as f64,
        });
        TokenWeights(w.collect())
    }
}

/// Sums over the tokens of a mini-batch, mergeable across micro-batches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LossStats {
    pub tokens: usize,
    /// The aggregated policy-gradient part of the loss.
    pub pg_loss: f64,
    /// The aggregated KL part of the loss (beta included; 0 when KL is in the reward).
    pub kl_loss: f64,
    /// Sum of the per-token KL estimates (for the plain token-mean KL metric).
    pub kl_sum: f64,
    /// Tokens whose ratio was clipped below (A < 0, r < 1 - eps_low).
    pub clip_low: usize,
    /// Tokens whose ratio was clipped above (A > 0, r > 1 + eps_high).
    pub clip_high: usize,
    /// Tokens where the dual clip bound (A < 0, r > c).
    pub clip_dual: usize,
    /// Sum of old_logp - logp (verl `ppo_kl`).
    pub ppo_kl_sum: f64,
}

impl LossStats {
    pub fn merge(&mut self, o: &LossStats) {
        self.tokens += o.tokens;
        self.pg_loss += o.pg_loss;
        self.kl_loss += o.kl_loss;
        self.kl_sum += o.kl_sum;
        self.clip_low += o.clip_low;
        self.clip_high += o.clip_high;
        self.clip_dual += o.clip_dual;
        self.ppo_kl_sum += o.ppo_kl_sum;
    }
    fn per_token(&self, x: f64) -> f64 {
        if self.tokens == 0 {
            0.0
        } else {
            x / self.tokens as f64
        }
    }
    pub fn kl_mean(&self) -> f64 {
        self.per_token(self.kl_sum)
    }
    pub fn clip_frac_low(&self) -> f64 {
        self.per_token(self.clip_low as f64)
    }
    pub fn clip_frac_high(&self) -> f64 {
        self.per_token(self.clip_high as f64)
    }
    pub fn clip_frac_dual(&self) -> f64 {
        self.per_token(self.clip_dual as f64)
    }
    pub fn ppo_kl(&self) -> f64 {
        self.per_token(self.ppo_kl_sum)
    }
}

/// The loss of some sequences, and its gradient per token.
#[derive(Debug, Clone, PartialEq)]
pub struct LossOutput {
    /// pg_loss + kl_loss.
    pub loss: f64,
    /// d loss / d logp, the sequences' tokens one after another.
    pub grad: Vec<f64>,
    pub stats: LossStats,
}

const LOG_RATIO_CLAMP: f64 = 20.0;

/// The loss of `seqs` (a whole mini-batch or one micro-batch of it) under `weights[i]` per
/// sequence (from [`TokenWeights::new`] over the whole mini-batch).
pub fn policy_loss(
    seqs: &[SeqTokens<'_>],
    weights: &[f64],
    clip: &ClipConfig,
    kl: &super::KlConfig,
) -> crate::Result<LossOutput> {
    if weights.len() != seqs.len() {
        return Err(TrainError::Shape(format!(
            "{} weights for {} sequences",
            weights.len(),
            seqs.len()
        )));
    }
    let kl_in_loss = kl.placement == KlPlacement::Loss && kl.coef > 0.0;
    let total: usize = seqs.iter().map(|s| s.logp.len()).sum();
    let mut out = LossOutput {
        loss: 0.0,
        grad: Vec::with_capacity(total),
        stats: LossStats::default(),
    };
    for (i, (s, &w)) in seqs.iter().zip(weights).enumerate() {
        let n = s.logp.len();
        if s.old_logp.len() != n {
            return Err(TrainError::Shape(format!(
                "sequence {i}: old_logp has {} tokens, logp {n}",
                s.old_logp.len()
            )));
        }
        let ref_logp = match (kl_in_loss, s.ref_logp) {
            (false, _) => None,
            (true, Some(r)) if r.len() == n => Some(r),
            (true, Some(r)) => {
                return Err(TrainError::Shape(format!(
                    "sequence {i}: ref_logp has {} tokens, logp {n}",
                    r.len()
                )))
            }
            (true, None) => {
                return Err(TrainError::Shape(format!(
                    "sequence {i}: the KL term needs ref_logp"
                )))
            }
        };
        let a = s.advantage;
        for t in 0..n {
            let (pg, dpg) = token_surrogate(s.logp[t], s.old_logp[t], a, clip, &mut out.stats);
            let (mut tok, mut dtok) = (pg, dpg);
            out.stats.pg_loss += w * pg;
            if let Some(r) = ref_logp {
                let (k, dk) = kl.estimator.value_and_grad(s.logp[t], r[t]);
                out.stats.kl_sum += k;
                out.stats.kl_loss += w * kl.coef * k;
                tok += kl.coef * k;
                dtok += kl.coef * dk;
            }
            out.loss += w * tok;
            out.grad.push(w * dtok);
            out.stats.ppo_kl_sum += s.old_logp[t] - s.logp[t];
        }
        out.stats.tokens += n;
    }
    Ok(out)
}

/// One token's clipped surrogate and its derivative with respect to `logp`.
fn token_surrogate(
    logp: f64,
    old_logp: f64,
    a: f64,
    clip: &ClipConfig,
    st: &mut LossStats,
) -> (f64, f64) {
    let raw = logp - old_logp;
    let delta = raw.clamp(-LOG_RATIO_CLAMP, LOG_RATIO_CLAMP);
    let dr = if delta == raw { delta.exp() } else { 0.0 };
    let r = delta.exp();
    let (lo, hi) = (1.0 - clip.eps_low, 1.0 + clip.eps_high);
    let l1 = -a * r;
    let rc = r.clamp(lo, hi);
    let l2 = -a * rc;
    // max(L1, L2): L2 wins only where the clip binds and the clipped value is the larger one.
    let (mut l, mut dl) = if l2 > l1 {
        if r < lo {
            st.clip_low += 1;
        } else {
            st.clip_high += 1;
        }
        (l2, 0.0)
    } else {
        (l1, -a * dr)
    };
    if let Some(c) = clip.dual_clip {
        let l3 = -a * c;
        if a < 0.0 && l3 < l {
            st.clip_dual += 1;
            l = l3;
            dl = 0.0;
        }
    }
    (l, dl)
}
