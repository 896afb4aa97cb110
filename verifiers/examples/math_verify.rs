//! Verifies one response against gold answers from the command line.
//!
//! `cargo run -p rlvr-verifiers --example math_verify -- 'The answer is $\boxed{\frac12}$' '0.5'`
//! prints the verdict as JSON.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((response, gold)) = args.split_first() else {
        eprintln!("usage: math_verify RESPONSE GOLD [GOLD ...]");
        std::process::exit(2);
    };
    let gold: Vec<&str> = gold.iter().map(String::as_str).collect();
    let v = rlvr_verifiers::math::verify(response, &gold, &rlvr_verifiers::math::Config::default());
    match serde_json::to_string(&v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("cannot serialize: {e}"),
    }
}
