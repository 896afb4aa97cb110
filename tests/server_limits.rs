//! Bad input and overload against a real socket: each gets a clear 4xx/503 JSON error or a
//! per-item `error` verdict, and the server keeps answering everyone else afterwards.

mod server_support;

use rlvr::server::{Config, Limits};
use serde_json::json;
use server_support::*;
use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

fn limited(f: impl FnOnce(&mut Limits)) -> Server {
    let mut c = Config::default();
    f(&mut c.limits);
    spawn(c)
}

#[test]
fn malformed_bodies_are_400_json() {
    let s = default_server();
    let cases: &[(&[u8], &str)] = &[
        (b"{not json", "invalid_json"),
        (b"", "invalid_json"),
        (
            b"{\"items\": [{\"response\": \"\xff\xfe\", \"ground_truth\": \"1\"}]}",
            "invalid_json",
        ),
        (b"{\"items\": 5}", "invalid_request"),
        (b"{\"things\": []}", "invalid_request"),
        (b"\"a string\"", "invalid_request"),
    ];
    for (body, code) in cases {
        let r = request(s.addr, "POST", "/v1/rewards", body);
        assert_eq!(
            r.status,
            400,
            "{:?}: {}",
            String::from_utf8_lossy(body),
            r.text()
        );
        assert_eq!(r.error_code(), *code, "{:?}", String::from_utf8_lossy(body));
        assert!(r.json()["error"]["message"].as_str().unwrap().len() > 5);
    }
    // Wrong types inside an item are that item's error verdict.
    let r = post(
        s.addr,
        "/v1/rewards",
        &json!({"items": [{"response": ["x"], "ground_truth": "1"}, {"response": "a", "ground_truth": "1", "domain": 3}]}),
    );
    assert_eq!(r.status, 200);
    let res = r.json()["results"].as_array().unwrap().clone();
    assert!(res.iter().all(|x| x["verdict"] == "error"), "{res:?}");
    assert_eq!(get(s.addr, "/healthz").status, 200);
}

#[test]
fn oversized_bodies_are_413() {
    let s = default_server();
    // A declared 100 MB body is refused before any of it is read.
    let head = format!(
        "POST /v1/rewards HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{\"items\": [",
        100_000_000
    );
    let r = raw(s.addr, head.as_bytes());
    assert_eq!(
        (r.status, r.error_code()),
        (413, "body_too_large".to_string())
    );

    // A chunked body with no length is cut off once it passes the limit.
    let s = limited(|l| l.max_body_bytes = 1 << 20);
    let mut req = b"POST /v1/rewards HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    let chunk = vec![b' '; 256 * 1024];
    for _ in 0..8 {
        req.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        req.extend_from_slice(&chunk);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let r = raw(s.addr, &req);
    assert_eq!(
        (r.status, r.error_code()),
        (413, "body_too_large".to_string())
    );
    assert_eq!(get(s.addr, "/healthz").status, 200);
}

#[test]
fn too_many_items_and_too_large_items() {
    let s = default_server();
    let items: Vec<_> = (0..100_000).map(|i| json!({"id": i})).collect();
    let r = post(s.addr, "/v1/rewards", &json!({ "items": items }));
    assert_eq!(
        (r.status, r.error_code()),
        (400, "too_many_items".to_string())
    );
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("65536"));

    let s = limited(|l| l.max_item_bytes = 1000);
    let big = "x".repeat(5000);
    let r = post(
        s.addr,
        "/v1/rewards",
        &json!({"items": [
            {"id": "big", "response": big, "ground_truth": "1"},
            {"id": "ok", "response": "\\boxed{1}", "ground_truth": "1"}
        ]}),
    );
    assert_eq!(r.status, 200);
    let res = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(res[0]["id"], "big");
    assert!(
        res[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("item_too_large"),
        "{res:?}"
    );
    assert!(!res[1]["reason"]
        .as_str()
        .unwrap()
        .starts_with("item_too_large"));
}

#[test]
fn slow_client_gets_408_and_others_are_served() {
    let s = limited(|l| l.body_timeout = Duration::from_millis(500));
    let mut slow = TcpStream::connect(s.addr).unwrap();
    slow.write_all(
        b"POST /v1/rewards HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"items\"",
    )
    .unwrap();
    // Meanwhile everyone else is answered.
    assert_eq!(get(s.addr, "/healthz").status, 200);
    let r = read_response(&mut slow);
    assert_eq!(
        (r.status, r.error_code()),
        (408, "body_timeout".to_string())
    );
}

#[test]
fn overload_is_503_with_retry_after() {
    // More items than the scoring pool admits at once.
    let s = limited(|l| l.max_pending_items = 10);
    let items: Vec<_> = (0..11)
        .map(|i| json!({"id": i, "response": "\\boxed{1}", "ground_truth": "1"}))
        .collect();
    let r = post(s.addr, "/v1/rewards", &json!({ "items": items }));
    assert_eq!((r.status, r.error_code()), (503, "overloaded".to_string()));
    assert_eq!(r.header("retry-after"), Some("1"));
    let r = post(s.addr, "/v1/rewards", &json!({ "items": &items[..10] }));
    assert_eq!(r.status, 200, "10 items fit");

    // More requests in flight than allowed: a request stuck uploading holds the only slot.
    let s = limited(|l| {
        l.max_in_flight = 1;
        l.body_timeout = Duration::from_secs(5);
    });
    let mut holder = TcpStream::connect(s.addr).unwrap();
    holder
        .write_all(b"POST /v1/rewards HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n[")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let r = post(s.addr, "/v1/rewards", &json!([]));
    assert_eq!((r.status, r.error_code()), (503, "overloaded".to_string()));
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(
        get(s.addr, "/healthz").status,
        200,
        "health is always answered"
    );
    let m = get(s.addr, "/metrics").text();
    assert!(
        m.contains("rlvr_rejections_total{code=\"overloaded\"} 1"),
        "{m}"
    );
    drop(holder);
}

#[test]
fn deadline_turns_unstarted_items_into_timeouts() {
    let s = limited(|l| l.deadline = Duration::from_nanos(1));
    let items: Vec<_> = (0..50)
        .map(|i| json!({"id": i, "response": "\\boxed{1}", "ground_truth": "1"}))
        .collect();
    let r = post(s.addr, "/v1/rewards", &json!({ "items": items }));
    assert_eq!(r.status, 200);
    let res = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(res.len(), 50);
    for (i, x) in res.iter().enumerate() {
        assert_eq!(x["id"], i);
        assert_eq!(x["verdict"], "timeout");
        assert_eq!(x["reason"], "request_deadline_exceeded");
    }
}

#[test]
fn concurrent_clients_all_answered() {
    let s = default_server();
    let addr = s.addr;
    let threads: Vec<_> = (0..32)
        .map(|t| {
            std::thread::spawn(move || {
                let items: Vec<_> = (0..64)
                    .map(|i| json!({"id": t * 1000 + i, "response": format!("\\boxed{{{i}}}"), "ground_truth": i.to_string()}))
                    .collect();
                let r = post(addr, "/v1/rewards", &json!({ "items": items }));
                assert_eq!(r.status, 200);
                let res = r.json()["results"].as_array().unwrap().clone();
                let ids: Vec<i64> = res.iter().map(|x| x["id"].as_i64().unwrap()).collect();
                assert_eq!(ids, (0..64).map(|i| t * 1000 + i).collect::<Vec<_>>());
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// A `/run_code` program that cannot get a sandbox slot within `--run-queue-timeout-s` is not
/// run: 504 `queue_timeout` with `Retry-After` (verl's client retries 504s), never a silent
/// failure; the busy slot's own program is unaffected and the retry succeeds once it is free.
#[test]
fn run_code_past_its_queue_budget_is_504_and_a_retry_runs_it() {
    let s = spawn(Config {
        sandbox_workers: 1,
        limits: Limits {
            run_queue_timeout: Duration::from_millis(1500),
            ..Limits::default()
        },
        ..Config::default()
    });
    // Warm the sandbox so the first run does not spend the budget loading it.
    let warm = post(s.addr, "/run_code", &json!({"code": "print(1)"}));
    assert_eq!(warm.json()["status"], "Success", "{}", warm.text());
    let addr = s.addr;
    let looping = std::thread::spawn(move || {
        post(
            addr,
            "/run_code",
            &json!({"code": "while True: pass", "run_timeout": 4}),
        )
    });
    std::thread::sleep(Duration::from_millis(500));
    let square = json!({"code": "print(int(input()) ** 2)", "stdin": "7\n"});
    let r = post(s.addr, "/run_code", &square);
    assert_eq!(r.status, 504, "{}", r.text());
    assert_eq!(r.error_code(), "queue_timeout");
    assert_eq!(r.header("retry-after"), Some("1"));
    let looped = looping.join().unwrap().json();
    assert_eq!(
        looped["run_result"]["status"], "TimeLimitExceeded",
        "{looped}"
    );
    // The abandoned program never ran; the retry does.
    let r = post(s.addr, "/run_code", &square);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["run_result"]["stdout"], "49\n");
    let metrics = get(s.addr, "/metrics").text();
    assert!(
        metrics.contains("rlvr_rejections_total{code=\"queue_timeout\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("rlvr_run_queue_wait_seconds_count{route=\"/run_code\"} 3"));
}
