//! Reasoning Gym's partial credit, as an opt-in compatibility mode (`Options::partial_credit`):
//! the reward its scorers give to a wrong answer of each kind, so a run can reproduce
//! Reasoning Gym's reward scale. The verdict stays `incorrect`; only `reward` changes. The
//! default (0/1) never goes through here.

use super::Options;
use crate::{Outcome, Verdict};

/// With partial credit on, give an `incorrect` verdict the reward `credit(reason)`.
pub fn apply(opts: &Options, mut v: Verdict, credit: impl Fn(&str) -> f64) -> Verdict {
    if opts.partial_credit && v.verdict == Outcome::Incorrect {
        v.reward = credit(&v.reason).clamp(0.0, 1.0);
    }
    v
}
