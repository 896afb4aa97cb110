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

/// Throughput on a mix of typical items; a program, not an assertion. Run with
/// `cargo test --release -p rlvr-verifiers --test stem_robust -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let cfg = Config {
        detail: false,
        ..Config::default()
    };
    let opts: Vec<String> = ["3.0 m/s", "4.5 m/s", "6.0 m/s", "9.0 m/s"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let items: Vec<(&str, Value, Option<&[String]>)> = vec![
        (
            "Thus the length is $\\boxed{5\\text{ cm}}$.",
            json!("50 mm"),
            None,
        ),
        (
            "So $\\boxed{6.02 \\times 10^{23}\\ \\text{mol}^{-1}}$",
            json!("6.022e23 mol^-1"),
            None,
        ),
        ("The answer is 9.81 m/s^2.", json!("9.8 m/s^2"), None),
        ("Final: $\\boxed{H_2O}$", json!("H2O"), None),
        (
            "Reasoning about the options...\nAnswer: C",
            json!("C"),
            Some(&opts),
        ),
        ("The answer is \\boxed{6.0 m/s}", json!("C"), Some(&opts)),
        ("So $\\boxed{298 K}$", json!("25^\\circ C"), None),
        ("So $\\boxed{0.866}$", json!("\\frac{\\sqrt{3}}{2}"), None),
    ];
    for (response, gold, options) in &items {
        let n = 20_000;
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(verify(response, gold, *options, &cfg));
        }
        let per = t.elapsed().as_secs_f64() / n as f64;
        println!("{:>10.0} checks/s  {response:?} vs {gold}", 1.0 / per);
    }
}
