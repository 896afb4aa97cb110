//! Dynamic sampling (DAPO, used by ProRL) and truncated responses.
//!
//! A prompt group whose rewards are all equal (all 0, all 1, or any constant) has zero
//! advantage for every response and contributes no policy gradient, only noise in the token
//! normalizer. Such groups are dropped and more prompts are generated until the batch holds
//! enough informative groups, up to a cap on generation rounds (verl `max_num_gen_batches`).
//! A group of one response is kept, as in verl.

use serde::{Deserialize, Serialize};

/// What the filter decided for one group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GroupVerdict {
    Keep,
    /// Every reward equals this value.
    AllEqual(f64),
}

impl GroupVerdict {
    pub fn keep(self) -> bool {
        self == GroupVerdict::Keep
    }
}

/// Keep a group when its rewards are not all equal (std > 0) or it has a single response.
pub fn group_filter(rewards: &[f64]) -> GroupVerdict {
    match rewards.first() {
        Some(&r0) if rewards.len() > 1 && super::advantage::group_std(rewards) == 0.0 => {
            GroupVerdict::AllEqual(r0)
        }
        _ => GroupVerdict::Keep,
    }
}

/// Dynamic sampling settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupFilter {
    /// Drop all-equal groups (on by default: the ProRL recipe).
    pub enabled: bool,
    /// At most this many generation rounds per step (the first included); when the cap is hit
    /// the step trains on the groups it has. 0 means no cap (not recommended).
    pub max_gen_rounds: usize,
}

impl Default for GroupFilter {
    fn default() -> Self {
        GroupFilter {
            enabled: true,
            max_gen_rounds: 4,
        }
    }
}

/// The refill state of one step: how many informative groups are wanted and how many rounds
/// of generation have run.
#[derive(Debug, Clone, PartialEq)]
pub struct Refill {
    pub target: usize,
    pub kept: usize,
    pub dropped: usize,
    pub dropped_all_zero: usize,
    pub dropped_all_one: usize,
    pub rounds: usize,
    max_rounds: usize,
    enabled: bool,
}

impl Refill {
    pub fn new(target_groups: usize, filter: &GroupFilter) -> Refill {
        Refill {
            target: target_groups,
            kept: 0,
            dropped: 0,
            dropped_all_zero: 0,
            dropped_all_one: 0,
            rounds: 0,
            max_rounds: filter.max_gen_rounds,
            enabled: filter.enabled,
        }
    }

    /// Record one group's rewards; returns whether it is kept. Once `target` groups are kept,
    /// further groups are not needed (and are reported as not kept).
    pub fn offer(&mut self, rewards: &[f64]) -> bool {
        if self.kept >= self.target {
            return false;
        }
        match group_filter(rewards) {
            GroupVerdict::AllEqual(v) if self.enabled => {
                self.dropped += 1;
                if v == 0.0 {
                    self.dropped_all_zero += 1;
                } else if v == 1.0 {
                    self.dropped_all_one += 1;
                }
                false
            }
            _ => {
                self.kept += 1;
                true
            }
        }
    }

    /// How many more groups to generate in the next round (0: the step is ready). Counts the
    /// round it authorizes.
    pub fn next_round(&mut self) -> usize {
        let missing = self.target.saturating_sub(self.kept);
        if missing == 0 || (self.max_rounds > 0 && self.rounds >= self.max_rounds) {
            return 0;
        }
        self.rounds += 1;
        missing
    }
}

/// What happens to a response that hit the length limit without a stop token.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Truncation {
    /// Scored and trained on like any other response.
    #[default]
    Keep,
    /// Scored (it still counts in its group's advantages) but left out of the loss (TRL
    /// `mask_truncated_completions`).
    Mask,
    /// Its reward is lowered by this amount before advantages.
    Penalty(f64),
}

impl Truncation {
    /// The reward to use and whether the response's tokens enter the loss.
    pub fn apply(self, reward: f64, truncated: bool) -> (f64, bool) {
        match (self, truncated) {
            (_, false) | (Truncation::Keep, true) => (reward, true),
            (Truncation::Mask, true) => (reward, false),
            (Truncation::Penalty(p), true) => (reward - p, true),
        }
    }
}
