//! Where `ifeval::verify`'s time goes, per instruction id, on a fixture file.
//!
//! `bench/ifeval/per_id.sh` runs this beside `bench/ifeval/reference_per_id.py` to find the ids
//! on which rlvr is furthest from its target ratio. Usage:
//! `ifeval_per_id FIXTURE.jsonl [SECONDS]`; prints one JSON object per line
//! `{"id", "rows", "mean_us", "max_us"}`, the id being the part of the row's `name` before `/`.

// The allocator the `rlvr` binary ships (as math_bench), so the rate is the server's and grader's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rlvr_verifiers::ifeval::{self, Options};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        eprintln!("usage: ifeval_per_id FIXTURE.jsonl [SECONDS]");
        std::process::exit(2);
    });
    let secs: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2);
    });
    let mut groups: BTreeMap<String, Vec<(String, ifeval::Row)>> = BTreeMap::new();
    for l in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
            continue;
        };
        let Some(obj) = v.as_object() else { continue };
        let name = obj.get("name").and_then(|n| n.as_str()).unwrap_or("?");
        let id = name.split('/').next().unwrap_or(name).to_string();
        if obj
            .get("instruction_id_list")
            .is_some_and(|l| l.to_string().contains("words:start_verb"))
        {
            continue;
        }
        let (Some(resp), Ok(row)) = (
            obj.get("response").and_then(|r| r.as_str()),
            ifeval::row_from_item(obj),
        ) else {
            continue;
        };
        groups.entry(id).or_default().push((resp.to_string(), row));
    }
    // IFEVAL_BENCH_OMIT_DETAIL=1: the reward path (no `detail`), as in ifeval_bench.
    let opts = Options {
        omit_detail: std::env::var("IFEVAL_BENCH_OMIT_DETAIL").is_ok_and(|v| v == "1"),
        ..Options::default()
    };
    let per = secs / groups.len().max(1) as f64;
    for (id, rows) in &groups {
        for (r, row) in rows {
            std::hint::black_box(ifeval::verify(r, row, &opts));
        }
        let (mut n, mut max) = (0u64, 0u64);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs_f64(per) {
            for (r, row) in rows {
                let t = Instant::now();
                std::hint::black_box(ifeval::verify(r, row, &opts));
                max = max.max(t.elapsed().as_nanos() as u64);
                n += 1;
            }
        }
        let mean = start.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!(
            "{{\"id\": {}, \"rows\": {}, \"mean_us\": {mean:.3}, \"max_us\": {:.1}}}",
            serde_json::Value::from(id.as_str()),
            rows.len(),
            max as f64 / 1000.0
        );
    }
}
