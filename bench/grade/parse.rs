//! Reading JSONL records: serde_json's `from_slice` into a `Value` against `rlvr grade`'s
//! fast path (`rlvr::dataset::json::parse_with`, with each string decoder this CPU runs:
//! AVX2, portable), on the same lines, one thread, the file in memory.
//!
//!     cargo run --release --example grade_parse -- FILE.jsonl [LINES] [ROUNDS]
//!
//! Prints one row per reader: ns per line, MB/s, and checks that all give the same values.

use std::time::Instant;

// The allocator `rlvr` ships with.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: grade_parse FILE.jsonl [LINES] [ROUNDS]");
    let max: usize = args.get(2).map_or(100_000, |s| s.parse().expect("LINES"));
    let rounds: usize = args.get(3).map_or(5, |s| s.parse().expect("ROUNDS"));
    let text = std::fs::read(path).expect("read the file");
    let lines: Vec<&[u8]> = text
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .take(max)
        .collect();
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    // ONLY=serde, ONLY=avx2, ONLY=portable (or ONLY=fast: every decoder) times
    // those readers only and skips the check (for profiling).
    let only = std::env::var("ONLY").unwrap_or_default();
    let mut answered = 0;
    for l in lines.iter().filter(|_| only.is_empty()) {
        let fast = rlvr::dataset::json::parse(l);
        for decoder in rlvr::dataset::json::Decoder::all() {
            assert_eq!(
                rlvr::dataset::json::parse_with(l, decoder),
                fast,
                "{decoder:?}"
            );
        }
        if fast.is_some() {
            answered += 1;
            assert_eq!(fast.ok_or(()), serde_json::from_slice(l).map_err(|_| ()));
        }
    }
    println!(
        "{} lines, {:.0} bytes each; the fast path answered {answered} of them",
        lines.len(),
        bytes as f64 / lines.len() as f64
    );
    println!("{:<24} {:>10} {:>10}", "reader", "ns/line", "MB/s");
    let time = |name: &str, f: &dyn Fn(&[u8]) -> serde_json::Value| {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let t = Instant::now();
            for l in &lines {
                std::hint::black_box(f(l));
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name:<24} {:>10.0} {:>10.0}",
            best * 1e9 / lines.len() as f64,
            bytes as f64 / best / 1e6
        );
    };
    let runs = |name: &str| only.is_empty() || only == name;
    if runs("serde") {
        time("serde_json::from_slice", &|l| {
            serde_json::from_slice(l).unwrap()
        });
    }
    for decoder in rlvr::dataset::json::Decoder::all() {
        let name = format!("{decoder:?}").to_lowercase();
        if runs(&name) || runs("fast") {
            time(&format!("rlvr json, {name}"), &|l| {
                rlvr::dataset::json::parse_with(l, decoder)
                    .unwrap_or_else(|| serde_json::from_slice(l).unwrap())
            });
        }
    }
}
