//! Bounded fuzzing of `math::verify` with proptest: random responses and golds built from the
//! LaTeX fragments answers are made of. Every call must return a verdict without panicking
//! (the verifier's panic guard would report `internal_error`) and within the time budget.

use proptest::prelude::*;
use rlvr_verifiers::math::{verify, Config};
use std::time::{Duration, Instant};

const PIECES: &[&str] = &[
    "\\boxed{",
    "}",
    "{",
    "\\frac",
    "\\sqrt",
    "[3]",
    "^",
    "_",
    "(",
    ")",
    "[",
    "]",
    "\\{",
    "\\}",
    ",",
    "1",
    "2",
    "0",
    "9",
    ".",
    "x",
    "y",
    "e",
    "i",
    "\\pi",
    "\\infty",
    "+",
    "-",
    "*",
    "/",
    "=",
    "<",
    "\\le",
    "\\cup",
    "\\pm",
    "!",
    "\\%",
    "\\$",
    "\\text{",
    "cm",
    " or ",
    "\\left(",
    "\\right)",
    "\\begin{pmatrix}",
    "&",
    "\\\\",
    "\\end{pmatrix}",
    "\\sin",
    "\\log_",
    "|",
    "\\overline{3}",
    "0.",
    "1,000",
    "\\binom",
    " ",
    "$",
    "</think>",
    "<answer>",
    "</answer>",
    "The answer is ",
    "**",
    "\0",
    "é",
    "π",
    "√",
    "10^{10^{10}}",
    "999999999999",
    "\\dfrac",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn verify_never_panics(response in text(), gold in text()) {
        let start = Instant::now();
        let v = verify(&response, &[gold.as_str()], &Config::default());
        prop_assert_ne!(v.reason.as_str(), "internal_error");
        prop_assert!((0.0..=1.0).contains(&v.reward));
        prop_assert!(start.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn arbitrary_unicode_never_panics(response in "\\PC{0,200}", gold in "\\PC{0,30}") {
        let v = verify(&response, &[gold.as_str()], &Config::default());
        prop_assert_ne!(v.reason.as_str(), "internal_error");
    }

    #[test]
    fn answer_matches_itself_or_is_rejected_consistently(ans in text()) {
        // Same input twice gives the same verdict (determinism).
        let r = format!("\\boxed{{{ans}}}");
        let a = verify(&r, &["1"], &Config::default());
        let b = verify(&r, &["1"], &Config::default());
        prop_assert_eq!(a, b);
    }
}
