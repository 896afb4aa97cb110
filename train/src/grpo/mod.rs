//! GRPO, the algorithm alone: group-relative advantages, the PPO clipped surrogate with
//! decoupled clipping and an optional dual clip, KL to a reference policy (k1/abs/k2/k3, in the
//! loss or in the reward), the four loss aggregation modes, dynamic sampling, truncation
//! handling and the reference-reset policy.
//!
//! Why a module of its own: everything here is pure arithmetic on per-token log-probabilities
//! and per-sequence rewards, so it is tested exactly (hand-computed cases and finite-difference
//! gradient checks) without a model. The trainer loop feeds it the model's log-probs and feeds
//! the returned `d loss / d logp` back into the model's backward pass.
//!
//! The formulas follow verl's `core_algos.py` (advantage, `compute_policy_loss_vanilla`,
//! `agg_loss`, `kl_penalty`) with one deliberate difference: `token-mean` is normalized by the
//! token count of the whole mini-batch, not per micro-batch, so the gradient does not depend on
//! how a mini-batch is split (DAPO's intent). Defaults are the ProRL recipe (see [`GrpoConfig`]).

mod advantage;
mod kl;
mod loss;
mod reset;
mod sampling;

pub use advantage::{advantages, AdvantageConfig, StdNorm};
pub use kl::{kl_reward_penalty, KlEstimator, KlPlacement};
pub use loss::{
    policy_loss, Aggregation, ClipConfig, KlConfig, LossOutput, LossStats, SeqTokens, TokenWeights,
};
pub use reset::{ResetPolicy, ResetReason};
pub use sampling::{group_filter, GroupFilter, GroupVerdict, Refill, Truncation};

use crate::{Result, TrainError};
use serde::{Deserialize, Serialize};

/// Every knob of the GRPO update. The defaults are the ProRL recipe (REFERENCE.md section E):
/// decoupled clip 0.2 / 0.4, KL in the loss with k3 and beta 1e-4, token-mean aggregation,
/// std-normalized group advantages with verl's epsilon 1e-6.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrpoConfig {
    pub advantage: AdvantageConfig,
    pub clip: ClipConfig,
    pub kl: KlConfig,
    pub aggregation: Aggregation,
}

impl Default for GrpoConfig {
    fn default() -> Self {
        GrpoConfig {
            advantage: AdvantageConfig::default(),
            clip: ClipConfig::default(),
            kl: KlConfig::default(),
            aggregation: Aggregation::TokenMean,
        }
    }
}

impl GrpoConfig {
    /// Check every value against its documented range.
    pub fn validate(&self) -> Result<()> {
        let check = |name: &str, value: f64, ok: bool, why: &str| {
            if ok && value.is_finite() {
                Ok(())
            } else {
                Err(TrainError::Input(format!("grpo {name} = {value}: {why}")))
            }
        };
        let a = &self.advantage;
        check(
            "advantage.epsilon",
            a.epsilon,
            a.epsilon >= 0.0,
            "must be >= 0",
        )?;
        let c = &self.clip;
        check(
            "clip.eps_low",
            c.eps_low,
            (0.0..1.0).contains(&c.eps_low),
            "must be in [0, 1)",
        )?;
        check(
            "clip.eps_high",
            c.eps_high,
            c.eps_high >= 0.0,
            "must be >= 0",
        )?;
        if let Some(dc) = c.dual_clip {
            check(
                "clip.dual_clip",
                dc,
                dc > 1.0,
                "must be > 1 (verl requires c > 1)",
            )?;
        }
        let k = &self.kl;
        check("kl.coef", k.coef, k.coef >= 0.0, "must be >= 0")?;
        Ok(())
    }
}
