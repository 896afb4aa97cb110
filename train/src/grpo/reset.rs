//! When to hard-reset the reference policy (ProRL): pi_ref <- pi_theta, and the optimizer's
//! moments and step are re-initialized with it. TRL's `sync_ref_model` mixes the weights but
//! never touches the optimizer; the seed paper resets both, which is what this policy drives.
//! The reset itself (copying weights, zeroing AdamW) is done by the trainer loop.

use serde::{Deserialize, Serialize};

/// Reset triggers; both off by default-constructed values, any may fire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResetPolicy {
    /// Reset every this many update steps since the last reset (0: never).
    pub every_steps: u64,
    /// Reset when the step's mean per-token KL to the reference exceeds this (None: never).
    pub kl_threshold: Option<f64>,
}

/// Why a reset fired (logged in metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResetReason {
    Schedule,
    KlThreshold,
}

impl ResetPolicy {
    /// Whether a reset is due after a step, given the steps done since the last reset (this
    /// one included) and the step's mean KL.
    pub fn due(&self, steps_since_reset: u64, kl_mean: f64) -> Option<ResetReason> {
        if self.every_steps > 0 && steps_since_reset >= self.every_steps {
            return Some(ResetReason::Schedule);
        }
        match self.kl_threshold {
            Some(th) if kl_mean > th => Some(ResetReason::KlThreshold),
            _ => None,
        }
    }
}
