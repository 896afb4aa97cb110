//! KL estimators between the policy and the reference policy, per token, with their
//! derivative with respect to the policy's log-prob (verl `kl_penalty`; Schulman's k1/k2/k3).
//!
//! With delta = logp - ref_logp (the sample comes from the policy):
//! - k1 (`kl`): delta, unbiased, high variance, can be negative;
//! - `abs`: |delta|;
//! - k2 (`mse`): delta^2 / 2, biased, low variance;
//! - k3 (`low-var-kl`): e^u - u - 1 with u = -delta clamped to [-20, 20] and the result clamped
//!   to [-10, 10], exactly as verl clamps it (so a huge drift cannot produce inf or NaN).

use serde::{Deserialize, Serialize};

/// Which estimator of KL(pi || pi_ref) is used per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KlEstimator {
    K1,
    Abs,
    K2,
    /// verl's `low_var_kl`, the default.
    K3,
}

/// Where the KL term acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KlPlacement {
    /// Added to the per-token loss and aggregated with it (verl `use_kl_loss`, ProRL, TRL).
    Loss,
    /// Subtracted from the sequence reward before advantages (verl `use_kl_in_reward`),
    /// computed from the rollout's log-probs; it then has no gradient of its own.
    Reward,
}

const K3_LOG_RATIO_CLAMP: f64 = 20.0;
const K3_VALUE_CLAMP: f64 = 10.0;

impl KlEstimator {
    /// The estimate for one token and its derivative with respect to `logp`.
    pub fn value_and_grad(self, logp: f64, ref_logp: f64) -> (f64, f64) {
        let delta = logp - ref_logp;
        match self {
            KlEstimator::K1 => (delta, 1.0),
            KlEstimator::Abs => (
                delta.abs(),
                if delta > 0.0 {
                    1.0
                } else if delta < 0.0 {
                    -1.0
                } else {
                    0.0
                },
            ),
            KlEstimator::K2 => (0.5 * delta * delta, delta),
            KlEstimator::K3 => {
                let raw_u = -delta;
                let u = raw_u.clamp(-K3_LOG_RATIO_CLAMP, K3_LOG_RATIO_CLAMP);
                let du = if u == raw_u { -1.0 } else { 0.0 };
                let eu = u.exp();
                let k = eu - u - 1.0;
                if k > K3_VALUE_CLAMP {
                    (K3_VALUE_CLAMP, 0.0)
                } else if k < -K3_VALUE_CLAMP {
                    (-K3_VALUE_CLAMP, 0.0)
                } else {
                    (k, (eu - 1.0) * du)
                }
            }
        }
    }

    /// The estimate alone.
    pub fn value(self, logp: f64, ref_logp: f64) -> f64 {
        self.value_and_grad(logp, ref_logp).0
    }
}

/// The sequence's KL penalty for the KL-in-reward placement: coef times the sum of per-token
/// estimates between the rollout (old) log-probs and the reference's (verl puts the penalty on
/// each token reward; an outcome advantage sums them).
pub fn kl_reward_penalty(
    estimator: KlEstimator,
    coef: f64,
    old_logp: &[f64],
    ref_logp: &[f64],
) -> f64 {
    coef * old_logp
        .iter()
        .zip(ref_logp)
        .map(|(&l, &r)| estimator.value(l, r))
        .sum::<f64>()
}
