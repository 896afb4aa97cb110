//! Group-relative advantages: each response is scored against the other responses to the same
//! prompt, so no value network is needed.
//!
//! A_i = (R_i - mean_g R) / (std R + epsilon), where std is the unbiased (Bessel-corrected)
//! standard deviation of the group (verl `compute_grpo_outcome_advantage`, TRL
//! `scale_rewards="group"`) or of the whole batch (TRL `scale_rewards="batch"`), or no division
//! at all (Dr. GRPO, verl `norm_adv_by_std_in_grpo=False`, TRL `scale_rewards="none"`).
//! A group of one response has mean 0 and std 1, as in verl, so its advantage is
//! R / (1 + epsilon) (or R when std normalization is off).

use serde::{Deserialize, Serialize};

/// Which standard deviation divides the centred rewards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StdNorm {
    /// No division (Dr. GRPO).
    None,
    /// The group's own std (GRPO, the default).
    Group,
    /// The std of every reward in the batch.
    Batch,
}

/// How advantages are computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdvantageConfig {
    pub std_norm: StdNorm,
    /// Added to the std before dividing: 1e-6 in verl (the default), 1e-4 in TRL.
    pub epsilon: f64,
}

impl Default for AdvantageConfig {
    fn default() -> Self {
        AdvantageConfig {
            std_norm: StdNorm::Group,
            epsilon: 1e-6,
        }
    }
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Unbiased std; 0 for fewer than two values.
fn std_unbiased(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    let ss: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
    (ss / (xs.len() - 1) as f64).sqrt()
}

/// Advantages for `rewards`, laid out group after group with the sizes in `group_sizes`.
///
/// Returns one advantage per reward, in the same order. Panics never: a `group_sizes` that
/// does not add up to `rewards.len()` is an error.
pub fn advantages(
    rewards: &[f64],
    group_sizes: &[usize],
    config: &AdvantageConfig,
) -> crate::Result<Vec<f64>> {
    let total: usize = group_sizes.iter().sum();
    if total != rewards.len() {
        return Err(crate::TrainError::Shape(format!(
            "group sizes add up to {total} but there are {} rewards",
            rewards.len()
        )));
    }
    let batch_std = std_unbiased(rewards);
    let mut out = Vec::with_capacity(rewards.len());
    let mut start = 0;
    for &g in group_sizes {
        let group = &rewards[start..start + g];
        start += g;
        let (m, s) = if g == 1 {
            (0.0, 1.0)
        } else {
            (mean(group), std_unbiased(group))
        };
        let denom = match config.std_norm {
            StdNorm::None => 1.0,
            StdNorm::Group => s + config.epsilon,
            StdNorm::Batch => batch_std + config.epsilon,
        };
        out.extend(group.iter().map(|r| {
            let a = (r - m) / denom;
            // A zero std with a zero epsilon means every centred reward is 0: keep it 0.
            if a.is_finite() {
                a
            } else {
                0.0
            }
        }));
    }
    Ok(out)
}

/// The unbiased std of a group's rewards (for the "zero-std groups" metric and filtering).
pub(crate) fn group_std(rewards: &[f64]) -> f64 {
    std_unbiased(rewards)
}
