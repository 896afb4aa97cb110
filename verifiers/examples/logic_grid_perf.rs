//! Quick timing of the grid logic families: per-call verification latency (median, p99) over
//! the fixture responses, and generator throughput. Run with
//! `cargo run --release -p rlvr-verifiers --example logic_grid_perf [family ...]`.
//! The side-by-side comparison with Reasoning Gym lives in `bench/logic/`.

use rlvr_verifiers::logic::{self, GenConfig};
use serde_json::Value;
use std::time::{Duration, Instant};

const FAMILIES: [&str; 9] = [
    "sudoku",
    "mini_sudoku",
    "futoshiki",
    "kakurasu",
    "survo",
    "n_queens",
    "graph_color",
    "maze",
    "game_of_life_halting",
];

/// This process's user+system CPU time (Linux `/proc/self/stat`, 100 ticks per second), so
/// throughput can be read on a machine shared with other jobs.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/logic");
    println!(
        "{:<22} {:>7} {:>11} {:>11} {:>12} {:>14}",
        "family", "cases", "median_us", "p99_us", "gen_per_s", "gen_per_cpu_s"
    );
    for fam in FAMILIES
        .iter()
        .filter(|f| args.is_empty() || args.iter().any(|a| a == *f))
    {
        let text = std::fs::read_to_string(dir.join(format!("{fam}.jsonl"))).unwrap_or_default();
        let cases: Vec<Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let mut times = Vec::new();
        for _round in 0..50 {
            for c in &cases {
                let resp = c["response"].as_str().unwrap_or("");
                let gt = c.get("ground_truth");
                let t = Instant::now();
                let v = logic::verify(fam, resp, &c["metadata"], gt);
                times.push(t.elapsed());
                std::hint::black_box(v.ok());
            }
        }
        times.sort();
        let pct = |p: f64| {
            times
                .get(((times.len() as f64 - 1.0) * p) as usize)
                .copied()
                .unwrap_or_default()
        };
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let f = logic::family(fam).expect("registered");
        let (t, cpu0) = (Instant::now(), cpu_seconds());
        let mut n = 0u64;
        while t.elapsed() < Duration::from_millis(1500) {
            let cfg = GenConfig {
                seed: n,
                ..GenConfig::default()
            };
            std::hint::black_box((f.generate)(&cfg).ok());
            n += 1;
        }
        let rate = n as f64 / t.elapsed().as_secs_f64();
        let cpu_rate = match (cpu0, cpu_seconds()) {
            (Some(a), Some(b)) if b > a => n as f64 / (b - a),
            _ => f64::NAN,
        };
        println!(
            "{:<22} {:>7} {:>11.2} {:>11.2} {:>12.0} {:>14.0}",
            fam,
            cases.len(),
            us(pct(0.5)),
            us(pct(0.99)),
            rate,
            cpu_rate
        );
    }
}
