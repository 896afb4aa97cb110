//! A bounded load generator for `rlvr serve` on loopback (run by bench/serve/run.sh).
//!
//! `cargo run --release --example serve_load -- --addr 127.0.0.1:8000 --scenario math256|mix256|math1|code|run_code
//!  --clients 64 --seconds 20 [--pid PID] [--items MIX.jsonl]`
//!
//! Each client is one thread with one keep-alive connection sending the next request as soon as
//! the last is answered (closed loop), so the load is bounded by `--clients`. A request counts as
//! an error unless it is a 200 whose `results` has one verdict per item (and, for math, none of
//! them `error` unless the math verifier is still a stub). Prints one table row: requests/s,
//! items/s, p50/p99 latency, errors, and the server's RSS before and after (with `--pid`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    addr: String,
    scenario: String,
    clients: usize,
    seconds: f64,
    pid: Option<u32>,
    /// JSONL of math items (`response` and `gold` or `ground_truth`) for `mix256`.
    items: Option<String>,
}

fn parse_args() -> Args {
    let mut a = Args {
        addr: "127.0.0.1:8000".into(),
        scenario: "math256".into(),
        clients: 64,
        seconds: 20.0,
        pid: None,
        items: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < argv.len() {
        let v = argv[i + 1].clone();
        match argv[i].as_str() {
            "--addr" => a.addr = v,
            "--scenario" => a.scenario = v,
            "--clients" => a.clients = v.parse().expect("--clients N"),
            "--seconds" => a.seconds = v.parse().expect("--seconds S"),
            "--pid" => a.pid = v.parse().ok(),
            "--items" => a.items = Some(v),
            other => panic!("unknown flag {other}"),
        }
        i += 2;
    }
    a
}

/// A chain-of-thought-like response around a boxed answer, and its gold answer.
fn math_item(k: usize) -> serde_json::Value {
    let answers = [
        "42",
        "\\frac{3}{4}",
        "2\\sqrt{2}",
        "-7",
        "0.125",
        "(1, 2)",
        "x^2+1",
        "12\\pi",
    ];
    let golds = [
        "42", "3/4", "2\\sqrt2", "-7", "\\frac18", "(1,2)", "1+x^2", "12\\pi",
    ];
    let j = k % answers.len();
    // Every third response is wrong, so both verdicts are exercised.
    let ans = if k % 3 == 2 { "17" } else { answers[j] };
    let response = format!(
        "Let us work through problem {k} step by step. First we rewrite the expression, then we \
         collect like terms and simplify; checking the edge cases shows nothing else changes. \
         Substituting back confirms the value.\n\nTherefore the final answer is \\boxed{{{ans}}}."
    );
    serde_json::json!({"id": k, "domain": "math", "response": response, "ground_truth": golds[j]})
}

fn code_item(k: usize) -> serde_json::Value {
    serde_json::json!({"id": k, "domain": "code",
        "response": "```python\na, b = map(int, input().split())\nprint(a + b)\n```",
        "ground_truth": {"inputs": ["1 2\n", "5 7\n", "-3 3\n"], "outputs": ["3\n", "12\n", "0\n"]}})
}

/// Items from a JSONL file (bench/math's mix: 1-3 KB chains of thought), as math items.
fn file_items(path: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(k, l)| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSONL line");
            let gold = v.get("ground_truth").or_else(|| v.get("gold")).cloned();
            serde_json::json!({"id": k, "domain": "math", "response": v["response"], "ground_truth": gold})
        })
        .collect()
}

/// The request bodies a client cycles through, their path, and the items per request.
fn bodies(scenario: &str, items_file: Option<&str>) -> (String, Vec<Vec<u8>>, usize) {
    let batches: Vec<Vec<serde_json::Value>> = match scenario {
        "math256" => vec![(0..256).map(math_item).collect()],
        "mix256" => {
            let all = file_items(items_file.expect("mix256 needs --items FILE"));
            all.chunks_exact(256).map(<[_]>::to_vec).collect()
        }
        "math1" => vec![vec![math_item(0)]],
        "code" => vec![vec![code_item(0)]],
        "run_code" => {
            let b = serde_json::json!({"code": "print(int(input())**2)", "language": "python",
                "stdin": "5\n", "run_timeout": 10, "compile_timeout": 10, "memory_limit_MB": 1024,
                "files": {}, "fetch_files": []});
            return ("/run_code".into(), vec![b.to_string().into_bytes()], 1);
        }
        other => panic!("unknown scenario {other} (math256, mix256, math1, code, run_code)"),
    };
    assert!(!batches.is_empty(), "no full batch of items");
    let n = batches[0].len();
    let b = batches
        .into_iter()
        .map(|items| {
            serde_json::json!({ "items": items })
                .to_string()
                .into_bytes()
        })
        .collect();
    ("/v1/rewards".into(), b, n)
}

fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Send one request on a keep-alive connection; return (status, body).
fn roundtrip(
    conn: &mut BufReader<TcpStream>,
    head: &[u8],
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let s = conn.get_mut();
    s.write_all(head)?;
    s.write_all(body)?;
    let mut line = String::new();
    conn.read_line(&mut line)?;
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    let mut len = 0usize;
    loop {
        line.clear();
        conn.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut out = vec![0; len];
    conn.read_exact(&mut out)?;
    Ok((status, out))
}

fn check(status: u16, body: &[u8], items: usize, path: &str) -> bool {
    if status != 200 {
        return false;
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    if path == "/run_code" {
        return v["status"] != "SandboxError";
    }
    let Some(res) = v["results"].as_array() else {
        return false;
    };
    res.len() == items
        && res.iter().all(|r| {
            r["verdict"] != "error"
                || r["reason"]
                    .as_str()
                    .is_some_and(|s| s.contains("not built yet"))
        })
}

fn main() {
    let a = parse_args();
    let (path, bodies, items) = bodies(&a.scenario, a.items.as_deref());
    let requests: Vec<(Vec<u8>, Vec<u8>)> = bodies
        .into_iter()
        .map(|b| {
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                a.addr,
                b.len()
            );
            (head.into_bytes(), b)
        })
        .collect();
    let requests = Arc::new(requests);
    let stop = Arc::new(AtomicBool::new(false));
    let rss_start = rss_kib(a.pid);
    let start = Instant::now();
    let threads: Vec<_> = (0..a.clients)
        .map(|c| {
            let (requests, stop, addr, path) =
                (requests.clone(), stop.clone(), a.addr.clone(), path.clone());
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let mut errors = 0u64;
                let mut conn: Option<BufReader<TcpStream>> = None;
                let mut k = c;
                while !stop.load(Ordering::Relaxed) {
                    let (head, body) = &requests[k % requests.len()];
                    k += 1;
                    if conn.is_none() {
                        match TcpStream::connect(&addr) {
                            Ok(s) => {
                                let _ = s.set_nodelay(true);
                                conn = Some(BufReader::new(s));
                            }
                            Err(_) => {
                                errors += 1;
                                std::thread::sleep(Duration::from_millis(10));
                                continue;
                            }
                        }
                    }
                    let t = Instant::now();
                    match roundtrip(conn.as_mut().unwrap(), head, body) {
                        Ok((st, b)) => {
                            lat.push(t.elapsed().as_secs_f64());
                            if !check(st, &b, items, &path) {
                                errors += 1;
                            }
                        }
                        Err(_) => {
                            errors += 1;
                            conn = None;
                        }
                    }
                }
                (lat, errors)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(a.seconds));
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in threads {
        let (l, e) = t.join().expect("client thread");
        lat.extend(l);
        errors += e;
    }
    let wall = start.elapsed().as_secs_f64();
    lat.sort_by(|x, y| x.total_cmp(y));
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map_or(f64::NAN, |x| x * 1e3)
    };
    let n = lat.len() as f64;
    let fmt_rss = |r: Option<u64>| r.map_or("-".into(), |k| format!("{:.1}", k as f64 / 1024.0));
    println!(
        "| {:<9} | {:>7} | {:>9.0} | {:>10.0} | {:>8.2} | {:>8.2} | {:>6} | {:>9} | {:>9} |",
        a.scenario,
        a.clients,
        n / wall,
        n * items as f64 / wall,
        pct(0.50),
        pct(0.99),
        errors,
        fmt_rss(rss_start),
        fmt_rss(rss_kib(a.pid)),
    );
}
