//! The client side of the reward API: a small HTTP/1.1 client over `std::net::TcpStream`,
//! enough for the trainer (`src/train/scoring.rs`) to post reward batches to an rlvr server
//! (`rlvr serve`, `POST /v1/rewards`) and parse `reward.server_url`: plain `http://` only, one request per connection
//! (`Connection: close`), a `Content-Length` request body, a response body framed by
//! `Content-Length`, chunked transfer coding or the end of the connection.
//!
//! Every wait is bounded: connecting (at most 5 s per address, less when the request timeout
//! is shorter), and each request as a whole (the timeout covers sending it and reading the
//! whole answer). A refused or lost connection, a 5xx and a 429 are retried with exponential
//! backoff (a `Retry-After` in seconds is honoured, capped at 30 s); a timeout is not retried,
//! since the server may still be working on the batch. Every error names the URL.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The parts of an `http://host[:port][/prefix]` URL the client needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    /// Path prefix without a trailing `/` (empty for none).
    pub prefix: String,
}

impl Url {
    pub fn parse(s: &str) -> Result<Url, String> {
        let rest = match s.trim().split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(format!(
                    "{s:?}: only http:// URLs are supported (not {scheme}://); put a TLS proxy in front if needed"
                ))
            }
            None => return Err(format!("{s:?} is not a URL (expected http://host:port)")),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') || path.contains(['?', '#']) {
            return Err(format!(
                "{s:?}: give only http://host:port and an optional path prefix"
            ));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| format!("{s:?}: unclosed '[' in the host"))?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (authority.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(format!("{s:?}: no host"));
        }
        let port = match port {
            None => 80,
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| format!("{s:?}: bad port {p:?}"))?,
        };
        Ok(Url {
            host,
            port,
            prefix: path.trim_end_matches('/').to_string(),
        })
    }

    fn host_header(&self) -> String {
        let h = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            h
        } else {
            format!("{h}:{}", self.port)
        }
    }

    /// The full URL of `path` (for messages).
    pub fn show(&self, path: &str) -> String {
        format!("http://{}{}{path}", self.host_header(), self.prefix)
    }
}

/// An answer.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why one attempt failed, and whether another attempt may help.
enum Failure {
    Retry {
        why: String,
        after: Option<Duration>,
    },
    Fatal(String),
}

/// A client for one server.
#[derive(Debug, Clone)]
pub struct Client {
    pub url: Url,
    /// The whole of one request: connect, send, and read the answer.
    pub timeout: Duration,
    /// Attempts after the first one.
    pub retries: u32,
    /// The first backoff; each retry doubles it (at most 5 s).
    pub backoff: Duration,
}

const MAX_HEADER_LINE: usize = 64 * 1024;
const MAX_HEADERS: usize = 256;
const MAX_BODY: u64 = 1 << 30;

impl Client {
    pub fn new(url: &str, timeout: Duration, retries: u32) -> anyhow::Result<Client> {
        Ok(Client {
            url: Url::parse(url).map_err(anyhow::Error::msg)?,
            timeout,
            retries,
            backoff: Duration::from_millis(200),
        })
    }

    /// Sends a request, retrying what may succeed on another try. Returns any answer that is
    /// not a 5xx or a 429 (those too once the retries are spent).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> anyhow::Result<Response> {
        let mut wait = self.backoff;
        let mut attempt = 0;
        loop {
            let after = match self.once(method, path, body) {
                Ok(r) if r.status == 429 || r.status >= 500 => {
                    if attempt >= self.retries {
                        return Ok(r);
                    }
                    r.header("retry-after")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(|s| Duration::from_secs(s.min(30)))
                }
                Ok(r) => return Ok(r),
                Err(Failure::Fatal(why)) => {
                    anyhow::bail!("{method} {}: {why}", self.url.show(path))
                }
                Err(Failure::Retry { why, after }) => {
                    if attempt >= self.retries {
                        anyhow::bail!(
                            "{method} {}: {why} (after {} attempt{})",
                            self.url.show(path),
                            attempt + 1,
                            if attempt == 0 { "" } else { "s" }
                        );
                    }
                    after
                }
            };
            std::thread::sleep(after.unwrap_or(wait).max(wait));
            wait = (wait * 2).min(Duration::from_secs(5));
            attempt += 1;
        }
    }

    /// POSTs an encoded JSON body and returns the JSON answer; an answer other than 2xx is an
    /// error carrying the server's message.
    pub fn post_json_body(&self, path: &str, body: &[u8]) -> anyhow::Result<serde_json::Value> {
        let r = self.request("POST", path, Some(body))?;
        let url = self.url.show(path);
        if !(200..300).contains(&r.status) {
            let text = String::from_utf8_lossy(&r.body);
            let msg = serde_json::from_slice::<serde_json::Value>(&r.body)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| text.chars().take(300).collect());
            anyhow::bail!("POST {url}: HTTP {}: {msg}", r.status);
        }
        serde_json::from_slice(&r.body).map_err(|e| {
            anyhow::anyhow!(
                "POST {url}: the answer is not JSON ({e}): {}",
                String::from_utf8_lossy(&r.body[..r.body.len().min(300)])
            )
        })
    }

    fn connect(&self, deadline: Instant) -> Result<TcpStream, Failure> {
        let addrs: Vec<SocketAddr> = (self.url.host.as_str(), self.url.port)
            .to_socket_addrs()
            .map_err(|e| Failure::Retry {
                why: format!("cannot resolve {}: {e}", self.url.host),
                after: None,
            })?
            .collect();
        let mut last = format!("{} resolves to no address", self.url.host);
        for a in addrs {
            let left = deadline.saturating_duration_since(Instant::now());
            let limit = left.min(Duration::from_secs(5));
            if limit.is_zero() {
                return Err(Failure::Fatal(timeout_msg(self.timeout)));
            }
            match TcpStream::connect_timeout(&a, limit) {
                Ok(s) => return Ok(s),
                Err(e) => last = format!("cannot connect to {a}: {e}"),
            }
        }
        Err(Failure::Retry {
            why: last,
            after: None,
        })
    }

    fn once(&self, method: &str, path: &str, body: Option<&[u8]>) -> Result<Response, Failure> {
        let deadline = Instant::now() + self.timeout;
        let stream = self.connect(deadline)?;
        let _ = stream.set_nodelay(true);
        let io = |e: std::io::Error, doing: &str| -> Failure {
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) {
                Failure::Fatal(timeout_msg(self.timeout))
            } else {
                Failure::Retry {
                    why: format!("connection lost while {doing}: {e}"),
                    after: None,
                }
            }
        };
        let mut head = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: rlvr-train\r\nAccept: application/json\r\nConnection: close\r\n",
            self.url.prefix,
            self.url.host_header()
        );
        if let Some(b) = body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        head.push_str("\r\n");
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::Fatal(timeout_msg(self.timeout)));
        }
        stream
            .set_write_timeout(Some(left))
            .map_err(|e| io(e, "sending"))?;
        let mut w = &stream;
        w.write_all(head.as_bytes())
            .and_then(|_| w.write_all(body.unwrap_or_default()))
            .and_then(|_| w.flush())
            .map_err(|e| io(e, "sending the request"))?;
        let mut r = BufReader::new(Deadlined {
            stream: &stream,
            deadline,
        });
        read_response(&mut r).map_err(|e| match e {
            ReadError::Io(e) => io(e, "reading the answer"),
            ReadError::Closed => Failure::Retry {
                why: "the server closed the connection without answering".into(),
                after: None,
            },
            ReadError::Bad(why) => Failure::Fatal(format!("malformed HTTP answer: {why}")),
        })
    }
}

fn timeout_msg(t: Duration) -> String {
    format!(
        "no complete answer within {:.1} s (reward.server_timeout_s)",
        t.as_secs_f64()
    )
}

/// A stream whose every read waits at most until the request's deadline.
struct Deadlined<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
}

impl Read for Deadlined<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        let mut s = self.stream;
        s.read(buf)
    }
}

enum ReadError {
    Io(std::io::Error),
    /// The connection ended before a status line.
    Closed,
    Bad(String),
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// One CRLF- (or LF-) terminated line, without its terminator; `None` at end of stream.
fn line(r: &mut impl BufRead) -> Result<Option<String>, ReadError> {
    let mut buf = Vec::new();
    let n = r
        .by_ref()
        .take(MAX_HEADER_LINE as u64 + 2)
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err(if buf.len() > MAX_HEADER_LINE {
            ReadError::Bad("header line too long".into())
        } else {
            ReadError::Bad("the answer ended inside a header line".into())
        });
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| ReadError::Bad("header line is not UTF-8".into()))
}

fn read_response(r: &mut impl BufRead) -> Result<Response, ReadError> {
    loop {
        let status_line = match line(r)? {
            Some(l) => l,
            None => return Err(ReadError::Closed),
        };
        let mut parts = status_line.splitn(3, ' ');
        let (version, code) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if !version.starts_with("HTTP/1.") {
            return Err(ReadError::Bad(format!("status line {status_line:?}")));
        }
        let status: u16 = code
            .parse()
            .map_err(|_| ReadError::Bad(format!("status line {status_line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let l =
                line(r)?.ok_or_else(|| ReadError::Bad("the answer ended in its headers".into()))?;
            if l.is_empty() {
                break;
            }
            if headers.len() >= MAX_HEADERS {
                return Err(ReadError::Bad("too many headers".into()));
            }
            let (k, v) = l
                .split_once(':')
                .ok_or_else(|| ReadError::Bad(format!("header line {l:?}")))?;
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
        if (100..200).contains(&status) {
            continue; // an interim answer (100 Continue): the real one follows
        }
        let mut resp = Response {
            status,
            headers,
            body: Vec::new(),
        };
        if status == 204 || status == 304 {
            return Ok(resp);
        }
        let chunked = resp
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            resp.body = read_chunked(r)?;
        } else if let Some(len) = resp.header("content-length") {
            let len: u64 = len
                .parse()
                .map_err(|_| ReadError::Bad(format!("Content-Length {len:?}")))?;
            if len > MAX_BODY {
                return Err(ReadError::Bad(format!(
                    "a body of {len} bytes is too large"
                )));
            }
            r.by_ref().take(len).read_to_end(&mut resp.body)?;
            if resp.body.len() as u64 != len {
                return Err(ReadError::Bad(format!(
                    "the body ended after {} of {len} bytes",
                    resp.body.len()
                )));
            }
        } else {
            r.by_ref().take(MAX_BODY).read_to_end(&mut resp.body)?;
        }
        return Ok(resp);
    }
}

fn read_chunked(r: &mut impl BufRead) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let size_line =
            line(r)?.ok_or_else(|| ReadError::Bad("the body ended inside a chunk".into()))?;
        let hex = size_line.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(hex, 16)
            .map_err(|_| ReadError::Bad(format!("chunk size {size_line:?}")))?;
        if size == 0 {
            // Trailers, then the empty line that ends the message.
            while let Some(l) = line(r)? {
                if l.is_empty() {
                    break;
                }
            }
            return Ok(body);
        }
        if body.len() as u64 + size > MAX_BODY {
            return Err(ReadError::Bad("the chunked body is too large".into()));
        }
        let before = body.len();
        r.by_ref().take(size).read_to_end(&mut body)?;
        if (body.len() - before) as u64 != size {
            return Err(ReadError::Bad("the body ended inside a chunk".into()));
        }
        match line(r)? {
            Some(l) if l.is_empty() => {}
            _ => return Err(ReadError::Bad("a chunk is not followed by CRLF".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("http://127.0.0.1:8000").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.prefix.as_str()),
            ("127.0.0.1", 8000, "")
        );
        let u = Url::parse("HTTP://rewards.internal/api/").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.prefix.as_str()),
            ("rewards.internal", 80, "/api")
        );
        assert_eq!(
            u.show("/v1/rewards"),
            "http://rewards.internal/api/v1/rewards"
        );
        let u = Url::parse("http://[::1]:9/").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 9));
        assert_eq!(u.show("/x"), "http://[::1]:9/x");
        for bad in [
            "https://x",
            "localhost:8000",
            "http://:80",
            "http://h:99999",
            "http://h/?q",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }

    fn parse(raw: &str) -> Result<Response, ReadError> {
        read_response(&mut std::io::Cursor::new(raw.as_bytes().to_vec()))
    }

    #[test]
    fn bodies_by_length_chunks_and_close() {
        let r = parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA")
            .ok()
            .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"hello"[..]));
        let r = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: t\r\n\r\n")
            .ok()
            .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (201, &b"abcde"[..]));
        let r = parse("HTTP/1.0 500 Oops\nX: y\n\nall of it").ok().unwrap();
        assert_eq!((r.status, r.body.as_slice()), (500, &b"all of it"[..]));
        assert_eq!(r.header("x"), Some("y"));
        assert!(matches!(parse(""), Err(ReadError::Closed)));
        assert!(matches!(parse("SSH-2.0\r\n\r\n"), Err(ReadError::Bad(_))));
        assert!(matches!(
            parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort"),
            Err(ReadError::Bad(_))
        ));
        assert!(matches!(
            parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            Err(ReadError::Bad(_))
        ));
    }
}
