//! Slow and hostile clients over a real socket: a half-sent request head, an idle keep-alive
//! connection, more connections than `max_connections`, and a client that never reads its
//! response. Each is cut off or refused, counted in `/metrics`, and everyone else is served.
//!
//! Timeouts here are short (0.5 s) so the tests are quick; nothing asserts how long anything
//! took. [`HANG_GUARD`] only turns a server that never acts into a failure instead of a hang.

mod server_support;

use rlvr::server::{Config, Limits};
use serde_json::json;
use server_support::*;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const HANG_GUARD: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_millis(500);

fn server(f: impl FnOnce(&mut Limits)) -> Server {
    let mut c = Config::default();
    f(&mut c.limits);
    spawn(c)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(HANG_GUARD)).unwrap();
    s
}

/// Read until the server closes the connection (EOF or reset); fail if it never does.
fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(HANG_GUARD)).unwrap();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("the server kept the connection open for {HANG_GUARD:?}")
            }
            Err(_) => return out,
        }
    }
}

/// Read exactly one response (head and `Content-Length` body) from a kept-alive connection.
fn read_one(s: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).expect("read a response head");
        assert_eq!(
            n,
            1,
            "connection closed mid-head: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .expect("status");
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .expect("content-length");
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).expect("read the body");
    (status, head, body)
}

/// One GET on a kept-alive connection.
fn keepalive_get(s: &mut TcpStream, path: &str) -> u16 {
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    read_one(s).0
}

/// The value of one sample line of `/metrics`, e.g. `rlvr_connections_open`.
fn metric(addr: SocketAddr, sample: &str) -> u64 {
    let text = get(addr, "/metrics").text();
    text.lines()
        .find_map(|l| l.strip_prefix(sample)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {sample} in\n{text}"))
        .parse()
        .unwrap()
}

/// Poll `/metrics` until `sample` reaches `want` (the server counts after it closes).
fn wait_metric(addr: SocketAddr, sample: &str, want: u64) {
    for _ in 0..600 {
        if metric(addr, sample) >= want {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{sample} never reached {want}");
}

#[test]
fn half_sent_header_is_disconnected() {
    let s = server(|l| l.header_timeout = SHORT);
    let mut slow = connect(s.addr);
    slow.write_all(b"POST /v1/rewards HTTP/1.1\r\nHost: x\r\nContent-Le")
        .unwrap();
    // Everyone else is answered meanwhile.
    assert_eq!(get(s.addr, "/healthz").status, 200);
    let got = read_until_closed(&mut slow);
    assert!(
        got.is_empty(),
        "expected a close without an answer, got {:?}",
        String::from_utf8_lossy(&got)
    );
    // A connection that sends nothing at all is closed too.
    let mut silent = connect(s.addr);
    assert!(read_until_closed(&mut silent).is_empty());
    wait_metric(
        s.addr,
        "rlvr_connections_timed_out_total{phase=\"header\"}",
        1,
    );
    wait_metric(
        s.addr,
        "rlvr_connections_timed_out_total{phase=\"idle\"}",
        1,
    );
    assert_eq!(get(s.addr, "/healthz").status, 200);
}

#[test]
fn idle_keepalive_connection_is_closed() {
    let s = server(|l| l.header_timeout = SHORT);
    let mut c = connect(s.addr);
    // Two requests on one connection: it is kept alive between them...
    assert_eq!(keepalive_get(&mut c, "/healthz"), 200);
    assert_eq!(keepalive_get(&mut c, "/v1/verifiers"), 200);
    // ...and closed once it stays idle.
    let got = read_until_closed(&mut c);
    assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
    wait_metric(
        s.addr,
        "rlvr_connections_timed_out_total{phase=\"idle\"}",
        1,
    );
    assert_eq!(
        metric(s.addr, "rlvr_connections_timed_out_total{phase=\"header\"}"),
        0
    );
}

#[test]
fn connections_beyond_the_cap_get_503() {
    let s = server(|l| {
        l.max_connections = 2;
        l.header_timeout = Duration::from_secs(600);
    });
    let mut a = connect(s.addr);
    let mut b = connect(s.addr);
    // Both are served (so both are accepted and open).
    assert_eq!(keepalive_get(&mut a, "/healthz"), 200);
    assert_eq!(keepalive_get(&mut b, "/healthz"), 200);

    let r = get(s.addr, "/healthz");
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.error_code(), "too_many_connections");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("--max-connections"));

    // The open connections are still served, metrics included.
    assert_eq!(keepalive_get(&mut a, "/v1/verifiers"), 200);
    b.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (status, _, body) = read_one(&mut b);
    assert_eq!(status, 200);
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("rlvr_connections_open 2\n"), "{text}");
    assert!(
        text.contains("rlvr_connections_rejected_total{reply=\"503\"} 1\n"),
        "{text}"
    );

    // Closing one frees its place (once the server has seen the close).
    drop(a);
    let mut served = false;
    for _ in 0..600 {
        if get(s.addr, "/healthz").status == 200 {
            served = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(served, "a closed connection's place was never freed");
}

#[test]
fn client_that_never_reads_is_dropped() {
    let s = server(|l| l.send_timeout = SHORT);
    // A small request whose answer is far larger than the socket buffers: the id (1 MiB) is
    // echoed once per response, 64 times.
    let id = "i".repeat(1 << 20);
    let body =
        json!({"items": [{"id": id, "responses": vec!["a"; 64], "ground_truth": "1"}]}).to_string();
    let mut stalled = connect(s.addr);
    stalled
        .write_all(
            format!(
                "POST /v1/rewards HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    // Not reading. Others are served, before and after the server gives up on it.
    assert_eq!(get(s.addr, "/healthz").status, 200);
    wait_metric(
        s.addr,
        "rlvr_connections_timed_out_total{phase=\"send\"}",
        1,
    );
    assert_eq!(get(s.addr, "/healthz").status, 200);
    // What reached the client is a cut-off response: less than its Content-Length.
    let got = read_until_closed(&mut stalled);
    let end = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&got[..end]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("content-length")
        .parse()
        .unwrap();
    assert!(len > 64 << 20, "response of {len} bytes");
    assert!(
        got.len() - end - 4 < len,
        "the whole response arrived; the connection was not dropped"
    );
}

#[test]
fn slowloris_flood_is_bounded() {
    // Four times more dribbling connections than the cap: each is either refused with a 503
    // or closed at the header timeout; none is held, and the server serves afterwards.
    // (The header timeout is longer here so that, even on a loaded machine, the first 50 are
    // still open when the others arrive: then some are refused and some are cut.)
    let s = server(|l| {
        l.max_connections = 50;
        l.header_timeout = Duration::from_secs(2);
    });
    let mut flood: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut c = connect(s.addr);
            // A refused connection may already be closed: a failed write is fine.
            let _ = c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            c
        })
        .collect();
    let (mut refused, mut cut) = (0, 0);
    for c in &mut flood {
        let got = read_until_closed(c);
        if got.is_empty() {
            cut += 1;
        } else {
            let text = String::from_utf8_lossy(&got);
            assert!(text.starts_with("HTTP/1.1 503"), "{text}");
            assert!(text.contains("too_many_connections"), "{text}");
            refused += 1;
        }
    }
    assert_eq!(refused + cut, 200);
    assert!(refused > 0 && cut > 0, "refused {refused}, cut {cut}");
    drop(flood);
    // Every flood connection is gone from the server's count; only the /metrics one is open.
    let mut open = u64::MAX;
    for _ in 0..600 {
        open = metric(s.addr, "rlvr_connections_open");
        if open == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(open, 1);
    assert_eq!(get(s.addr, "/healthz").status, 200);
}
