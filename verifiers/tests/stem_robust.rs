//! The STEM verifier on hostile and random inputs: never a panic (an `internal_error`
//! verdict would mean `catch_unwind` caught one), bounded time on megabyte responses.

use rlvr_verifiers::math::Config;
use rlvr_verifiers::stem::verify;
use rlvr_verifiers::units::{parse_decimal, parse_unit, split_quantity};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PIECES: &[&str] = &[
    "\\boxed{",
    "}",
    "{",
    "5",
    "0.",
    "e",
    "E-",
    "\\times 10^{",
    "^",
    "-",
    "°",
    "\\circ",
    "C",
    " ",
    "m",
    "/",
    "s",
    "k",
    "\\mu",
    "\\Omega",
    "\\text{",
    "\\frac{",
    "(",
    ")",
    "Answer: ",
    "the answer is ",
    "A",
    " or ",
    "B",
    ",",
    ".",
    "\n",
    "$",
    "\\%",
    "H_2O",
    "_",
    "²",
    "⁻",
    "µ",
    "Å",
    "é",
    "日本",
    "\\",
    "<think>",
    "</think>",
    "<answer>",
    "</answer>",
    "\\ce{",
    "mol",
    "J",
    "/(",
    "K",
    "per",
    "10",
    "1",
    "\\cdot",
    "×",
    "·",
    "℃",
    "\\,",
    "~",
    "'",
    "**",
];

/// A deterministic pseudo-random generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn text(&mut self, max: usize) -> String {
        let n = (self.next() % max as u64) as usize;
        (0..n)
            .map(|_| PIECES[(self.next() % PIECES.len() as u64) as usize])
            .collect()
    }
}

#[test]
fn random_inputs_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let cfg = Config {
        detail: false,
        time_limit: Duration::from_secs(5),
        ..Config::default()
    };
    for k in 0..3000 {
        let response = rng.text(24);
        let gold = rng.text(8);
        let _ = split_quantity(&gold);
        let _ = parse_unit(&gold);
        let _ = parse_decimal(&gold);
        let options: Vec<String> = (0..(k % 5)).map(|_| rng.text(5)).collect();
        let opts = (!options.is_empty()).then_some(options.as_slice());
        let v = verify(&response, &Value::String(gold.clone()), opts, &cfg);
        assert_ne!(
            v.reason, "internal_error",
            "panic on response {response:?} gold {gold:?} options {options:?}"
        );
    }
}

#[test]
fn large_inputs_are_linear() {
    let cfg = Config {
        detail: false,
        ..Config::default()
    };
    for response in [
        "\\boxed{".repeat(100_000),
        "{".repeat(300_000) + "\\boxed{5 cm}",
        "answer is ".repeat(50_000),
        "(A) ".repeat(100_000),
        format!("\\boxed{{{}}}", "1".repeat(200_000)),
        format!("\\boxed{{5 {}}}", "m ".repeat(100_000)),
        "\\boxed{5}".repeat(50_000),
    ] {
        for (gold, opts) in [
            (json!("5 cm"), None),
            (json!("C"), None),
            (json!("H_2O"), None),
            (json!("B"), Some(vec!["1".to_string(), "2".to_string()])),
        ] {
            let t = Instant::now();
            let v = verify(&response, &gold, opts.as_deref(), &cfg);
            assert_ne!(v.reason, "internal_error");
            assert!(
                t.elapsed() < Duration::from_secs(2),
                "{} bytes took {:?}",
                response.len(),
                t.elapsed()
            );
        }
    }
}
