//! `rlvr serve` as a process: it prints where it listens, the Python client and its verl/TRL
//! adapters score through it exactly as those frameworks call them, and SIGTERM lets an
//! in-flight request finish before the process exits 0, while idle connections are closed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Serve {
    child: Child,
    addr: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the built binary on a free port (via RLVR_ADDR) and read the address it prints.
fn start() -> Serve {
    start_with(&[])
}

/// [`start`] with more environment variables.
fn start_with(env: &[(&str, &str)]) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rlvr"))
        .arg("serve")
        .env("RLVR_ADDR", "127.0.0.1:0")
        .env("RLVR_WARM_SANDBOX", "false")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn rlvr serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("read the listening line");
    let addr = line
        .trim()
        .strip_prefix("rlvr serve: listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Serve { child, addr }
}

#[test]
fn help_shows_the_default_address() {
    let out = Command::new(env!("CARGO_BIN_EXE_rlvr"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("127.0.0.1:8000") && text.contains("RLVR_ADDR"),
        "{text}"
    );
    for flag in [
        "--header-timeout-s",
        "RLVR_HEADER_TIMEOUT_S",
        "--send-timeout-s",
        "RLVR_SEND_TIMEOUT_S",
        "--max-connections",
        "RLVR_MAX_CONNECTIONS",
    ] {
        assert!(text.contains(flag), "no {flag} in\n{text}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_rlvr"))
        .args(["serve", "--header-timeout-s", "0"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--header-timeout-s must be a positive"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// Sends SIGTERM to the server.
#[cfg(unix)]
fn sigterm(s: &Serve) {
    let pid = s.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
}

/// Whether python3 can run; says SKIPPED when not.
fn has_python() -> bool {
    let ok = Command::new("python3").arg("--version").output().is_ok();
    if !ok {
        eprintln!("SKIPPED: python3 is not installed; clients/python was not tested");
    }
    ok
}

/// `python3 args..` in the repository with `RLVR_URL` pointing at `s`: (success, stdout,
/// stderr).
fn python(s: &Serve, args: &[&str]) -> (bool, String, String) {
    let out = Command::new("python3")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RLVR_URL", format!("http://{}", s.addr))
        .output()
        .expect("run python3");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn python_client_as_verl_and_trl_call_it() {
    if !has_python() {
        return;
    }
    let s = start();
    let (ok, stdout, stderr) = python(&s, &["clients/python/tests/test_adapters.py"]);
    eprintln!("{stdout}{stderr}");
    assert!(ok, "python adapters failed:\n{stdout}\n{stderr}");
    assert!(stdout.trim_end().ends_with("ok"));
}

#[cfg(unix)]
#[test]
fn sigterm_finishes_in_flight_requests() {
    let mut s = start();
    let body = br#"{"items": [{"id": 1, "response": "\\boxed{1}", "ground_truth": "1"}]}"#;
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // Send the head and half the body, so the request is in flight when the signal comes.
    let head = format!(
        "POST /v1/rewards HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    c.write_all(head.as_bytes()).unwrap();
    c.write_all(&body[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&s);
    std::thread::sleep(Duration::from_millis(300));
    // New connections are refused once the server stops accepting.
    assert!(
        TcpStream::connect(&s.addr).is_err(),
        "still accepting connections after SIGTERM"
    );
    c.write_all(&body[10..]).unwrap();
    let mut resp = String::new();
    c.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("\"results\""), "{resp}");
    let status = s.child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
}

#[cfg(unix)]
#[test]
fn sigterm_closes_idle_keepalive_connections() {
    // Idle connections would otherwise stay open for 10 minutes, and the server would wait
    // as long for them: only the shutdown can close this one.
    let mut s = start_with(&[
        ("RLVR_HEADER_TIMEOUT_S", "600"),
        ("RLVR_SHUTDOWN_TIMEOUT_S", "600"),
    ]);
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"}") {
        assert_eq!(c.read(&mut byte).unwrap(), 1, "closed before the answer");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 200"));
    sigterm(&s);
    // The idle connection is closed (EOF), not left to its 600 s timeout.
    let mut rest = Vec::new();
    let r = c.read_to_end(&mut rest);
    assert!(
        !matches!(&r, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
        "the idle connection stayed open after SIGTERM"
    );
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    let status = s.child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn python_client_survives_idle_close() {
    if !has_python() {
        return;
    }
    // The server closes the client's kept-alive connection while it waits; the next call
    // must still succeed, on a fresh connection, without spending a retry (it has none).
    let s = start_with(&[("RLVR_HEADER_TIMEOUT_S", "0.3")]);
    let script = r#"
import select, socket, sys
sys.path.insert(0, "clients/python")
from rlvr_client.client import Client
c = Client(retries=0)
item = [{"response": "\\boxed{1}", "ground_truth": "1"}]
assert len(c.rewards(item)) == 1
# Wait (at most 60 s) for the server to close the kept-alive connection.
sock = c._endpoints[0].local.conn.sock
readable, _, _ = select.select([sock], [], [], 60)
assert readable and sock.recv(1, socket.MSG_PEEK) == b"", "the idle connection was not closed"
assert len(c.rewards(item)) == 1
print("ok")
"#;
    let (ok, stdout, stderr) = python(&s, &["-c", script]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.trim_end().ends_with("ok"), "{stdout}\n{stderr}");
}

/// Two replicas behind one Python client: batches go to both at once, and when one replica
/// dies between two calls the second call still scores every item (each request that finds it
/// gone is retried on the other). No item is lost or scored twice out of order.
#[test]
fn python_client_spreads_over_replicas_and_survives_one_dying() {
    if !has_python() {
        return;
    }
    let a = start();
    let b = start();
    let script = r#"
import sys
sys.path.insert(0, "clients/python")
from rlvr_client.client import Client
urls = sys.argv[1]
c = Client(urls, batch_size=50, retries=4, backoff=0.05)
items = [{"id": i, "response": "\\boxed{%d}" % (i % 7), "ground_truth": str(i % 5)} for i in range(2000)]
want = [1.0 if i % 7 == i % 5 else 0.0 for i in range(2000)]
first = c.rewards(items)
assert [r["id"] for r in first] == list(range(2000))
assert [r["reward"] for r in first] == want
print("first ok", flush=True)
sys.stdin.readline()  # the test kills one replica now
second = c.rewards(items)
assert [r["id"] for r in second] == list(range(2000)), "items lost or out of order"
assert [r["reward"] for r in second] == want
print("second ok", flush=True)
"#;
    let urls = format!("http://{},http://{}", a.addr, b.addr);
    let mut child = Command::new("python3")
        .args(["-c", script, &urls])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "first ok");
    // Both replicas served part of the first call.
    for s in [&a, &b] {
        let mut c = TcpStream::connect(&s.addr).unwrap();
        c.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut m = String::new();
        c.read_to_string(&mut m).unwrap();
        assert!(
            m.contains("rlvr_http_requests_total{route=\"/v1/rewards\",status=\"200\"}"),
            "a replica got no batch"
        );
    }
    drop(a); // kills the first replica
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{rest}{err}");
    assert_eq!(rest.trim(), "second ok");
}
