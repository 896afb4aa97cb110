//! The GRPO loss: hand-computed values, and finite-difference checks of its gradient with
//! respect to every per-token log-prob under every aggregation mode and KL estimator.

use rlvr_train::grpo::{
    policy_loss, Aggregation, ClipConfig, KlConfig, KlEstimator, KlPlacement, LossStats, SeqTokens,
    TokenWeights,
};

const MODES: [Aggregation; 4] = [
    Aggregation::TokenMean,
    Aggregation::SeqMeanTokenMean,
    Aggregation::SeqMeanTokenSum,
    Aggregation::SeqMeanTokenSumNorm,
];
const ESTIMATORS: [KlEstimator; 4] = [
    KlEstimator::K1,
    KlEstimator::Abs,
    KlEstimator::K2,
    KlEstimator::K3,
];

/// A small deterministic generator (splitmix64), so the cases are the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

struct Case {
    logp: Vec<Vec<f64>>,
    old: Vec<Vec<f64>>,
    reference: Vec<Vec<f64>>,
    adv: Vec<f64>,
}

/// Sequences of different lengths whose ratios land on both sides of both clip bounds and past
/// the dual-clip bound, but never within `gap` of a kink (where a derivative does not exist).
fn case(seed: u64, clip: &ClipConfig, gap: f64) -> Case {
    let mut rng = Rng(seed);
    let lens = [1usize, 4, 7, 2, 5];
    let kinks = [
        1.0 - clip.eps_low,
        1.0 + clip.eps_high,
        clip.dual_clip.unwrap_or(-1.0),
    ];
    let mut c = Case {
        logp: vec![],
        old: vec![],
        reference: vec![],
        adv: vec![],
    };
    for (i, &n) in lens.iter().enumerate() {
        let (mut l, mut o, mut r) = (vec![], vec![], vec![]);
        for _ in 0..n {
            let old = rng.range(-4.0, -0.1);
            let delta = loop {
                let d = rng.range(-1.3, 1.3);
                if kinks.iter().all(|k| (d.exp() - k).abs() > gap) {
                    break d;
                }
            };
            let refd = loop {
                let d = rng.range(-2.0, 2.0);
                if d.abs() > gap {
                    break d;
                }
            };
            o.push(old);
            l.push(old + delta);
            r.push(old + delta - refd);
        }
        c.logp.push(l);
        c.old.push(o);
        c.reference.push(r);
        c.adv.push(if i % 2 == 0 {
            rng.range(0.2, 2.0)
        } else {
            -rng.range(0.2, 2.0)
        });
    }
    c
}

fn loss_of(
    c: &Case,
    logp: &[Vec<f64>],
    mode: Aggregation,
    clip: &ClipConfig,
    kl: &KlConfig,
) -> (f64, Vec<f64>, LossStats) {
    let seqs: Vec<SeqTokens> = (0..logp.len())
        .map(|i| SeqTokens {
            logp: &logp[i],
            old_logp: &c.old[i],
            ref_logp: Some(&c.reference[i]),
            advantage: c.adv[i],
        })
        .collect();
    let lens: Vec<usize> = logp.iter().map(Vec::len).collect();
    let w = TokenWeights::new(mode, &lens, 8);
    let out = policy_loss(&seqs, &w.0, clip, kl).unwrap();
    (out.loss, out.grad, out.stats)
}

fn fd_check(clip: &ClipConfig, kl: &KlConfig, mode: Aggregation, seed: u64) -> LossStats {
    let h = 1e-6;
    let c = case(seed, clip, 1e-3);
    let (_, grad, stats) = loss_of(&c, &c.logp, mode, clip, kl);
    let mut k = 0;
    for i in 0..c.logp.len() {
        for t in 0..c.logp[i].len() {
            let mut plus = c.logp.clone();
            plus[i][t] += h;
            let mut minus = c.logp.clone();
            minus[i][t] -= h;
            let fd = (loss_of(&c, &plus, mode, clip, kl).0 - loss_of(&c, &minus, mode, clip, kl).0)
                / (2.0 * h);
            let an = grad[k];
            // Central differences in f64 with h = 1e-6 are accurate to ~1e-9 on these O(1) losses.
            assert!(
                (fd - an).abs() <= 1e-7 + 1e-6 * fd.abs(),
                "{mode:?} {:?} dual={:?} seq {i} token {t}: analytic {an} vs finite-difference {fd}",
                kl.estimator,
                clip.dual_clip
            );
            k += 1;
        }
    }
    stats
}

#[test]
fn gradient_matches_finite_differences_for_every_mode_and_estimator() {
    for dual_clip in [None, Some(3.0)] {
        // eps_high 0.4 is ProRL's; with a dual clip of 1.3 the third kink lands inside the range.
        for dc in [dual_clip, dual_clip.map(|_| 1.3)] {
            let clip = ClipConfig {
                eps_low: 0.2,
                eps_high: 0.4,
                dual_clip: dc,
            };
            for mode in MODES {
                for est in ESTIMATORS {
                    // A large beta so the KL part of the gradient is not drowned by the surrogate.
                    let kl = KlConfig {
                        coef: 0.7,
                        estimator: est,
                        placement: KlPlacement::Loss,
                    };
                    let mut seen = LossStats::default();
                    for seed in 0..3 {
                        seen.merge(&fd_check(&clip, &kl, mode, seed));
                    }
                    // The cases must exercise every branch of the surrogate.
                    assert!(seen.clip_low > 0 && seen.clip_high > 0, "{seen:?}");
                    assert!(dc.is_none() || seen.clip_dual > 0, "{seen:?}");
                    assert!(seen.tokens > seen.clip_low + seen.clip_high + seen.clip_dual);
                }
            }
        }
    }
}

#[test]
fn micro_batches_sum_to_the_mini_batch() {
    let clip = ClipConfig::default();
    let kl = KlConfig {
        coef: 0.3,
        ..KlConfig::default()
    };
    let c = case(11, &clip, 1e-3);
    for mode in MODES {
        let seqs: Vec<SeqTokens> = (0..c.logp.len())
            .map(|i| SeqTokens {
                logp: &c.logp[i],
                old_logp: &c.old[i],
                ref_logp: Some(&c.reference[i]),
                advantage: c.adv[i],
            })
            .collect();
        let lens: Vec<usize> = c.logp.iter().map(Vec::len).collect();
        let w = TokenWeights::new(mode, &lens, 8);
        let whole = policy_loss(&seqs, &w.0, &clip, &kl).unwrap();
        let a = policy_loss(&seqs[..2], &w.0[..2], &clip, &kl).unwrap();
        let b = policy_loss(&seqs[2..], &w.0[2..], &clip, &kl).unwrap();
        assert!((whole.loss - (a.loss + b.loss)).abs() < 1e-12, "{mode:?}");
        let joined: Vec<f64> = a.grad.iter().chain(&b.grad).copied().collect();
        assert_eq!(whole.grad, joined, "{mode:?}");
    }
}

fn one(logp: f64, old: f64, adv: f64, clip: &ClipConfig) -> rlvr_train::grpo::LossOutput {
    let (l, o) = ([logp], [old]);
    let s = [SeqTokens {
        logp: &l,
        old_logp: &o,
        ref_logp: None,
        advantage: adv,
    }];
    let kl = KlConfig {
        coef: 0.0,
        ..KlConfig::default()
    };
    policy_loss(&s, &[1.0], clip, &kl).unwrap()
}

#[test]
fn surrogate_by_hand() {
    let clip = ClipConfig {
        eps_low: 0.2,
        eps_high: 0.4,
        dual_clip: Some(3.0),
    };
    let ln = f64::ln;
    // On-policy (r = 1): loss -A, gradient -A (the "logged loss of 0" of TRL is this with A
    // centred; its gradient is not 0).
    let o = one(-1.0, -1.0, 1.5, &clip);
    assert_eq!((o.loss, o.grad[0]), (-1.5, -1.5));
    // A > 0, r = 1.5 > 1.4: clipped high, loss -1.4 A, no gradient.
    let o = one(ln(1.5) - 2.0, -2.0, 1.0, &clip);
    assert!((o.loss + 1.4).abs() < 1e-12 && o.grad[0] == 0.0 && o.stats.clip_high == 1);
    // A > 0, r = 0.5: not clipped (the min picks r A), gradient -A r.
    let o = one(ln(0.5), 0.0, 1.0, &clip);
    assert!((o.loss + 0.5).abs() < 1e-12 && (o.grad[0] + 0.5).abs() < 1e-12);
    assert_eq!((o.stats.clip_low, o.stats.clip_high), (0, 0));
    // A < 0, r = 0.5 < 0.8: clipped low, loss 0.8 |A|.
    let o = one(ln(0.5), 0.0, -1.0, &clip);
    assert!((o.loss - 0.8).abs() < 1e-12 && o.grad[0] == 0.0 && o.stats.clip_low == 1);
    // A < 0, r = 5 > c = 3: the dual clip bounds the loss at 3 |A|.
    let o = one(ln(5.0), 0.0, -1.0, &clip);
    assert!((o.loss - 3.0).abs() < 1e-12 && o.grad[0] == 0.0 && o.stats.clip_dual == 1);
    // Same without the dual clip: loss r |A| = 5 with gradient 5.
    let o = one(ln(5.0), 0.0, -1.0, &ClipConfig::default());
    assert!((o.loss - 5.0).abs() < 1e-12 && (o.grad[0] - 5.0).abs() < 1e-12);
}

#[test]
fn aggregation_by_hand() {
    // Two sequences on-policy: one token with A = 2 (token loss -2), three with A = -1 (+1 each).
    let l1 = [-1.0];
    let l2 = [-1.0, -2.0, -3.0];
    let seqs = [
        SeqTokens {
            logp: &l1,
            old_logp: &l1,
            ref_logp: None,
            advantage: 2.0,
        },
        SeqTokens {
            logp: &l2,
            old_logp: &l2,
            ref_logp: None,
            advantage: -1.0,
        },
    ];
    let kl = KlConfig {
        coef: 0.0,
        ..KlConfig::default()
    };
    let expect = [
        (Aggregation::TokenMean, 8, (-2.0 + 3.0) / 4.0),
        (Aggregation::SeqMeanTokenMean, 8, (-2.0 + 1.0) / 2.0),
        (Aggregation::SeqMeanTokenSum, 8, (-2.0 + 3.0) / 2.0),
        (Aggregation::SeqMeanTokenSumNorm, 8, (-2.0 + 3.0) / 8.0),
        (Aggregation::SeqMeanTokenSumNorm, 4, (-2.0 + 3.0) / 4.0),
    ];
    for (mode, t_max, want) in expect {
        let w = TokenWeights::new(mode, &[1, 3], t_max);
        let o = policy_loss(&seqs, &w.0, &ClipConfig::default(), &kl).unwrap();
        assert!(
            (o.loss - want).abs() < 1e-12,
            "{mode:?}: {} != {want}",
            o.loss
        );
    }
}

#[test]
fn kl_estimators_by_hand() {
    // delta = logp - ref = 1.
    let (k, g) = KlEstimator::K1.value_and_grad(-1.0, -2.0);
    assert_eq!((k, g), (1.0, 1.0));
    let (k, g) = KlEstimator::K2.value_and_grad(-1.0, -2.0);
    assert_eq!((k, g), (0.5, 1.0));
    let (k, g) = KlEstimator::Abs.value_and_grad(-2.0, -1.0);
    assert_eq!((k, g), (1.0, -1.0));
    let (k, g) = KlEstimator::K3.value_and_grad(-1.0, -2.0);
    let e = (-1.0f64).exp();
    assert!((k - e).abs() < 1e-15 && (g - (1.0 - e)).abs() < 1e-15);
    // Identical policies: every estimator is exactly 0.
    for est in ESTIMATORS {
        assert_eq!(est.value(-0.7, -0.7), 0.0, "{est:?}");
    }
    // A runaway ratio is clamped as verl clamps it: value 10, no gradient, never inf or NaN.
    let (k, g) = KlEstimator::K3.value_and_grad(-40.0, -5.0);
    assert_eq!((k, g), (10.0, 0.0));
    let (k, _) = KlEstimator::K3.value_and_grad(-1e300, 0.0);
    assert_eq!(k, 10.0);
}

#[test]
fn kl_in_reward_puts_nothing_in_the_loss() {
    let l = [-1.0, -2.0];
    let r = [-3.0, -0.5];
    let s = [SeqTokens {
        logp: &l,
        old_logp: &l,
        ref_logp: Some(&r),
        advantage: 1.0,
    }];
    let kl = KlConfig {
        coef: 0.5,
        estimator: KlEstimator::K3,
        placement: KlPlacement::Reward,
    };
    let o = policy_loss(&s, &[0.5, 0.5][..1], &ClipConfig::default(), &kl).unwrap();
    assert_eq!((o.loss, o.stats.kl_loss), (-1.0, 0.0));
    let p = rlvr_train::grpo::kl_reward_penalty(KlEstimator::K1, 0.5, &l, &r);
    assert!((p - 0.5 * (2.0 - 1.5)).abs() < 1e-15);
}

#[test]
fn shape_errors_are_errors() {
    let l = [-1.0, -2.0];
    let o = [-1.0];
    let s = [SeqTokens {
        logp: &l,
        old_logp: &o,
        ref_logp: None,
        advantage: 1.0,
    }];
    let kl = KlConfig::default();
    assert!(policy_loss(&s, &[1.0], &ClipConfig::default(), &kl).is_err());
    let s = [SeqTokens {
        logp: &l,
        old_logp: &l,
        ref_logp: None,
        advantage: 1.0,
    }];
    // beta > 0 with the KL in the loss needs the reference log-probs.
    assert!(policy_loss(&s, &[1.0], &ClipConfig::default(), &kl).is_err());
    assert!(policy_loss(&s, &[], &ClipConfig::default(), &kl).is_err());
}
