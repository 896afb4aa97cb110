//! Group-level parts of GRPO: advantages, dynamic sampling with refill, truncated responses,
//! the reference-reset policy, and the config's validation.

use rlvr_train::grpo::{
    advantages, group_filter, AdvantageConfig, GroupFilter, GroupVerdict, GrpoConfig, Refill,
    ResetPolicy, ResetReason, StdNorm, Truncation,
};

fn cfg(std_norm: StdNorm, epsilon: f64) -> AdvantageConfig {
    AdvantageConfig { std_norm, epsilon }
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
}

#[test]
fn group_advantages_by_hand() {
    // Group [1, 0, 0, 1]: mean 0.5, unbiased std sqrt(1/3).
    let r = [1.0, 0.0, 0.0, 1.0];
    let s = (1.0f64 / 3.0).sqrt();
    for eps in [1e-6, 1e-4] {
        let a = advantages(&r, &[4], &cfg(StdNorm::Group, eps)).unwrap();
        let h = 0.5 / (s + eps);
        assert!(close(&a, &[h, -h, -h, h]), "eps {eps}: {a:?}");
    }
    // Std off (Dr. GRPO): centred rewards only.
    let a = advantages(&r, &[4], &cfg(StdNorm::None, 1e-6)).unwrap();
    assert!(close(&a, &[0.5, -0.5, -0.5, 0.5]));
    // Two groups of two: each centred on its own mean.
    let a = advantages(&[1.0, 0.0, 0.2, 0.4], &[2, 2], &cfg(StdNorm::None, 0.0)).unwrap();
    assert!(close(&a, &[0.5, -0.5, -0.1, 0.1]), "{a:?}");
}

#[test]
fn batch_std_divides_by_the_std_of_every_reward() {
    let r = [1.0, 0.0, 1.0, 1.0];
    // Batch mean 0.75, unbiased variance (3 * 0.0625 + 0.5625) / 3 = 0.25, std 0.5.
    let a = advantages(&r, &[2, 2], &cfg(StdNorm::Batch, 0.0)).unwrap();
    assert!(close(&a, &[1.0, -1.0, 0.0, 0.0]), "{a:?}");
}

#[test]
fn all_equal_rewards_give_zero_advantage() {
    for std_norm in [StdNorm::None, StdNorm::Group, StdNorm::Batch] {
        for eps in [0.0, 1e-6, 1e-4] {
            for v in [0.0, 1.0, 0.37] {
                let a = advantages(&[v; 5], &[5], &cfg(std_norm, eps)).unwrap();
                assert!(
                    a.iter().all(|&x| x == 0.0),
                    "{std_norm:?} eps {eps} value {v}: {a:?}"
                );
            }
        }
    }
}

#[test]
fn group_of_one_has_mean_zero_and_std_one() {
    // verl's convention: a lone response is judged against 0 with std 1.
    let a = advantages(&[1.0], &[1], &cfg(StdNorm::Group, 1e-6)).unwrap();
    assert!(close(&a, &[1.0 / (1.0 + 1e-6)]));
    let a = advantages(&[0.0], &[1], &cfg(StdNorm::Group, 1e-6)).unwrap();
    assert_eq!(a, vec![0.0]);
    let a = advantages(&[0.75], &[1], &cfg(StdNorm::None, 1e-6)).unwrap();
    assert_eq!(a, vec![0.75]);
}

#[test]
fn wrong_group_sizes_are_an_error() {
    assert!(advantages(&[1.0, 0.0], &[3], &AdvantageConfig::default()).is_err());
}

#[test]
fn filter_drops_all_zero_and_all_one_groups() {
    assert_eq!(group_filter(&[0.0; 4]), GroupVerdict::AllEqual(0.0));
    assert_eq!(group_filter(&[1.0; 4]), GroupVerdict::AllEqual(1.0));
    assert_eq!(group_filter(&[0.5; 3]), GroupVerdict::AllEqual(0.5));
    assert!(group_filter(&[0.0, 0.0, 1.0]).keep());
    assert!(group_filter(&[1.0]).keep());
}

#[test]
fn refill_generates_until_enough_groups_are_kept() {
    let mut r = Refill::new(
        3,
        &GroupFilter {
            enabled: true,
            max_gen_rounds: 5,
        },
    );
    // Round 1: 3 prompts wanted; one all-0 and one all-1 group are dropped.
    assert_eq!(r.next_round(), 3);
    let round1: [&[f64]; 3] = [&[0.0, 0.0], &[1.0, 0.0], &[1.0, 1.0]];
    let kept: Vec<bool> = round1.iter().map(|g| r.offer(g)).collect();
    assert_eq!(kept, [false, true, false]);
    assert_eq!((r.dropped_all_zero, r.dropped_all_one), (1, 1));
    // Round 2 asks only for the two missing groups.
    assert_eq!(r.next_round(), 2);
    assert!(r.offer(&[0.0, 1.0]));
    assert!(!r.offer(&[0.0, 0.0]));
    assert_eq!(r.next_round(), 1);
    assert!(r.offer(&[0.3, 0.0]));
    // Full: nothing more is generated and extra groups are not taken.
    assert_eq!(r.next_round(), 0);
    assert!(!r.offer(&[0.0, 1.0]));
    assert_eq!((r.kept, r.dropped, r.rounds), (3, 3, 3));
}

#[test]
fn refill_stops_at_the_cap() {
    let mut r = Refill::new(
        2,
        &GroupFilter {
            enabled: true,
            max_gen_rounds: 2,
        },
    );
    for _ in 0..2 {
        let n = r.next_round();
        assert_eq!(n, 2);
        for _ in 0..n {
            assert!(!r.offer(&[1.0, 1.0]));
        }
    }
    assert_eq!(r.next_round(), 0, "the cap ends the step with what it has");
    assert_eq!((r.kept, r.dropped_all_one), (0, 4));
}

#[test]
fn filter_off_keeps_everything() {
    let mut r = Refill::new(
        2,
        &GroupFilter {
            enabled: false,
            max_gen_rounds: 4,
        },
    );
    assert_eq!(r.next_round(), 2);
    assert!(r.offer(&[0.0, 0.0]) && r.offer(&[1.0, 1.0]));
    assert_eq!(r.next_round(), 0);
}

#[test]
fn truncated_responses_are_masked_or_penalized() {
    assert_eq!(Truncation::Keep.apply(1.0, true), (1.0, true));
    assert_eq!(Truncation::Mask.apply(1.0, true), (1.0, false));
    assert_eq!(Truncation::Mask.apply(1.0, false), (1.0, true));
    assert_eq!(Truncation::Penalty(0.5).apply(1.0, true), (0.5, true));
    assert_eq!(Truncation::Penalty(0.5).apply(1.0, false), (1.0, true));
}

#[test]
fn reset_policy_fires_on_schedule_or_kl() {
    let p = ResetPolicy {
        every_steps: 3,
        kl_threshold: Some(0.1),
    };
    assert_eq!(p.due(1, 0.0), None);
    assert_eq!(p.due(3, 0.0), Some(ResetReason::Schedule));
    assert_eq!(p.due(1, 0.2), Some(ResetReason::KlThreshold));
    assert_eq!(ResetPolicy::default().due(1_000_000, 1e9), None);
}

#[test]
fn config_validation_names_the_bad_value() {
    assert!(GrpoConfig::default().validate().is_ok());
    let mut c = GrpoConfig::default();
    c.clip.dual_clip = Some(0.5);
    let e = c.validate().unwrap_err().to_string();
    assert!(e.contains("dual_clip"), "{e}");
    let mut c = GrpoConfig::default();
    c.clip.eps_low = 1.5;
    assert!(c.validate().is_err());
    let mut c = GrpoConfig::default();
    c.kl.coef = f64::NAN;
    assert!(c.validate().is_err());
}

#[test]
fn defaults_are_the_prorl_recipe() {
    let c = GrpoConfig::default();
    assert_eq!(
        (c.clip.eps_low, c.clip.eps_high, c.clip.dual_clip),
        (0.2, 0.4, None)
    );
    assert_eq!(c.kl.coef, 1e-4);
    assert_eq!(c.kl.estimator, rlvr_train::grpo::KlEstimator::K3);
    assert_eq!(c.kl.placement, rlvr_train::grpo::KlPlacement::Loss);
    assert_eq!(c.aggregation, rlvr_train::grpo::Aggregation::TokenMean);
    assert_eq!(
        (c.advantage.std_norm, c.advantage.epsilon),
        (StdNorm::Group, 1e-6)
    );
}
