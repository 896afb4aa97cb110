//! The sandbox benchmark behind bench/code/run.sh: rlvr's sandbox side by side with a native
//! `python3` subprocess (no isolation). Prints one table. Arguments: `[runs] [rss_runs]`.

use rlvr_sandbox::{Job, Limits, Sandbox, SandboxConfig};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The real interpreter behind `python3` (not a pyenv/asdf shim script, which would add a
/// shell start to every native run).
fn python() -> &'static str {
    static EXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    EXE.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 runs");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
}

fn native(code: &str, stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new(python())
        .args(["-c", code])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("python3 ends").stdout
}

fn sandboxed(s: &Sandbox, code: &str, stdin: &[u8]) -> Vec<u8> {
    let job = Job {
        code: code.into(),
        stdin: stdin.to_vec(),
    };
    let out = s.run(&job, &Limits::default()).expect("host ok");
    assert!(
        out.outcome.success(),
        "{:?} {}",
        out.outcome,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(v[v.len() / 2]),
        ms(v[(v.len() * 95 / 100).min(v.len() - 1)]),
    )
}

fn time_n(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    f(); // warm up
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

fn vm(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let runs = args.first().copied().unwrap_or(200);
    let rss_runs = args.get(1).copied().unwrap_or(10_000);
    let t = Instant::now();
    let mut config = SandboxConfig::new().expect("cache dir");
    config.max_concurrent = 64;
    let s = Sandbox::new(&config, &|l| eprintln!("{l}")).expect("sandbox");
    eprintln!("native: {}", python());
    println!(
        "instance allocation: {} (RLVR_SANDBOX_POOLING=0 turns the pool off)",
        if s.pooled() { "pooling" } else { "on demand" }
    );
    eprintln!(
        "sandbox ready in {:.2} s (runtime cached, compiled code cached)",
        t.elapsed().as_secs_f64()
    );

    let echo = "import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read())";
    let ab = "a, b = map(int, input().split())\nprint(a + b)";
    let echo_in = vec![b'x'; 64 * 1024];
    println!(
        "{:<34} {:>12} {:>12} {:>12} {:>12} {:>8}",
        "workload", "native p50", "native p95", "rlvr p50", "rlvr p95", "ratio"
    );
    let row = |name: &str, nat: Vec<Duration>, ours: Vec<Duration>| {
        let (np50, np95) = percentiles(nat);
        let (rp50, rp95) = percentiles(ours);
        println!(
            "{name:<34} {np50:>10.2}ms {np95:>10.2}ms {rp50:>10.2}ms {rp95:>10.2}ms {:>7.2}x",
            rp50 / np50
        );
    };
    row(
        "print(1)",
        time_n(runs, || drop(native("print(1)", b""))),
        time_n(runs, || drop(sandboxed(&s, "print(1)", b""))),
    );
    row(
        "stdin echo (64 KiB)",
        time_n(runs, || drop(native(echo, &echo_in))),
        time_n(runs, || drop(sandboxed(&s, echo, &echo_in))),
    );
    let ten = |f: &dyn Fn(&str, &[u8]) -> Vec<u8>| {
        for i in 0..10 {
            let input = format!("{i} {}\n", i * 7);
            assert_eq!(f(ab, input.as_bytes()), format!("{}\n", i * 8).into_bytes());
        }
    };
    row(
        "10-test stdio problem (sequential)",
        time_n(runs / 10, || ten(&native)),
        time_n(runs / 10, || ten(&|c, i| sandboxed(&s, c, i))),
    );
    let cpu = "s = 0\nfor i in range(3_000_000):\n    s += i * i % 7\nprint(s)";
    row(
        "CPU-bound loop (3M iterations)",
        time_n(5, || drop(native(cpu, b""))),
        time_n(5, || drop(sandboxed(&s, cpu, b""))),
    );

    // Throughput on 2 cores: 2 workers each side.
    let n = runs * 2;
    let jobs: Vec<Job> = (0..n)
        .map(|_| Job {
            code: "print(1)".into(),
            stdin: vec![],
        })
        .collect();
    let t = Instant::now();
    let res = s.run_many(&jobs, &Limits::default(), 2);
    let ours = n as f64 / t.elapsed().as_secs_f64();
    assert!(res
        .iter()
        .all(|r| r.as_ref().is_ok_and(|o| o.outcome.success())));
    let t = Instant::now();
    std::thread::scope(|sc| {
        for _ in 0..2 {
            sc.spawn(|| (0..n / 2).for_each(|_| drop(native("print(1)", b""))));
        }
    });
    let nat = n as f64 / t.elapsed().as_secs_f64();
    println!(
        "{:<34} {:>12.0}/s {:>25.0}/s {:>7.2}x",
        "throughput print(1), 2 workers",
        nat,
        ours,
        ours / nat
    );

    // Memory: 64 concurrent runs, then many sequential ones.
    let hold = "import time\nx = bytearray(8 << 20)\ntime.sleep(0.5)\nprint(len(x))";
    let jobs: Vec<Job> = (0..64)
        .map(|_| Job {
            code: hold.into(),
            stdin: vec![],
        })
        .collect();
    let before = vm("VmRSS:");
    let res = s.run_many(&jobs, &Limits::default(), 64);
    assert!(res
        .iter()
        .all(|r| r.as_ref().is_ok_and(|o| o.outcome.success())));
    println!(
        "peak RSS with 64 concurrent runs (8 MiB each): {} MiB (RSS before: {} MiB)",
        vm("VmHWM:") / 1024,
        before / 1024
    );
    let mut marks = Vec::new();
    for i in 1..=rss_runs {
        sandboxed(&s, "print(sum(range(1000)))", b"");
        if i == rss_runs / 10 || i == rss_runs {
            marks.push((i, vm("VmRSS:") / 1024));
        }
    }
    println!(
        "RSS after sequential runs: {}",
        marks
            .iter()
            .map(|(i, m)| format!("{i}: {m} MiB"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
