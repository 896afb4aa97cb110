//! Rows per second and per-row latency of `ifeval::verify` on the fixture rows, on one thread.
//!
//! `bench/ifeval/run.sh` runs this beside the Python reference. Usage:
//! `ifeval_bench [FIXTURE.jsonl] [SECONDS]`; prints one JSON line
//! `{"rows", "passes", "rows_per_s", "timed_rows_per_s", "p50_us", "p99_us", "max_us"}`.
//! Half the time goes to passes with a timer around each row (the latencies, and
//! `timed_rows_per_s`), half to passes timed as a whole (`rows_per_s`: a clock read per row
//! costs a fifth of a cheap row here); the reference scripts measure the same two ways.
//! With `IFEVAL_BENCH_PASSES=N` it runs exactly N passes of each instead (a fixed amount of
//! work, for instruction counts on a loaded machine, e.g. under callgrind).
//! With `IFEVAL_BENCH_JSON=1` each verdict is also written out as JSON (as `rlvr grade` and the
//! server do), so a detail's encoding is timed too.

// The allocator the `rlvr` binary ships (as math_bench), so the rate is the server's and grader's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rlvr_verifiers::ifeval::{self, Options};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/ifeval/ifeval.jsonl"
        )
        .into()
    });
    let secs: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2);
    });
    let rows: Vec<(String, ifeval::Row)> = text
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            let obj = v.as_object()?;
            Some((
                obj.get("response")?.as_str()?.to_string(),
                ifeval::row_from_item(obj).ok()?,
            ))
        })
        .collect();
    // IFEVAL_BENCH_OMIT_DETAIL=1: the reward path of a caller that drops `detail`.
    let opts = Options {
        omit_detail: std::env::var("IFEVAL_BENCH_OMIT_DETAIL").is_ok_and(|v| v == "1"),
        ..Options::default()
    };
    let json = std::env::var("IFEVAL_BENCH_JSON").is_ok_and(|v| v == "1");
    let mut out: Vec<u8> = Vec::with_capacity(4096);
    let mut score = |r: &str, row: &ifeval::Row| {
        let v = ifeval::verify(r, row, &opts);
        if json {
            out.clear();
            // Writing into a Vec cannot fail.
            serde_json::to_writer(&mut out, &v).unwrap_or_default();
            std::hint::black_box(&out);
        }
        std::hint::black_box(v);
    };
    // Warm up the lazily built tables (Punkt parameters, regexes).
    for (r, row) in &rows {
        score(r, row);
    }
    let fixed: Option<usize> = std::env::var("IFEVAL_BENCH_PASSES")
        .ok()
        .and_then(|s| s.parse().ok());
    let half = Duration::from_secs_f64(secs / 2.0);
    let more = |passes: usize, start: Instant| match fixed {
        Some(n) => passes < n,
        None => start.elapsed() < half,
    };
    let mut lat = Vec::new();
    let start = Instant::now();
    let mut passes = 0;
    while more(passes, start) {
        for (r, row) in &rows {
            let t = Instant::now();
            score(r, row);
            lat.push(t.elapsed().as_nanos() as u64);
        }
        passes += 1;
    }
    let timed_rate = lat.len() as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut untimed = 0;
    while more(untimed, start) {
        for (r, row) in &rows {
            score(r, row);
        }
        untimed += 1;
    }
    let rate = (untimed * rows.len()) as f64 / start.elapsed().as_secs_f64();
    lat.sort_unstable();
    let q = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
    println!(
        "{{\"rows\": {}, \"passes\": {}, \"rows_per_s\": {rate:.1}, \"timed_rows_per_s\": {timed_rate:.1}, \"p50_us\": {:.2}, \"p99_us\": {:.2}, \"max_us\": {:.2}}}",
        rows.len(),
        passes + untimed,
        q(0.5),
        q(0.99),
        q(1.0)
    );
}
