//! Where records come from: JSONL files, stdin, or verl-style Parquet, read as a stream so
//! memory does not grow with the number of rows.
//!
//! Every record keeps its 1-based position (the line number for JSONL, the row number for
//! Parquet) so a malformed one can be reported where it is.

use anyhow::{bail, Context};
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The input formats the grader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Parquet,
}

impl Format {
    /// Detect the format from the path: `.parquet`/`.pq` is Parquet, anything else (`.jsonl`,
    /// `.json`, `.ndjson`, `-` for stdin) is JSONL.
    pub fn detect(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".parquet") || lower.ends_with(".pq") {
            Format::Parquet
        } else {
            Format::Jsonl
        }
    }
}

/// One raw record: its position and either its text (JSONL, parsed later in parallel) or an
/// already-built JSON value (Parquet), or the reason it could not be read.
pub struct Record {
    pub line: u64,
    pub body: Body,
}

pub enum Body {
    Text(String),
    Value(Value),
    Unreadable(String),
}

impl Record {
    /// The record as JSON, or why it is not (a Parquet row's value is moved, not copied).
    pub fn into_value(self) -> Result<Value, String> {
        match self.body {
            Body::Value(v) => Ok(v),
            _ => self.parse(),
        }
    }

    /// The record as JSON, or why it is not; the record stays (`--resume` may keep it).
    pub fn parse(&self) -> Result<Value, String> {
        match &self.body {
            Body::Text(t) => serde_json::from_str(t).map_err(|e| format!("not valid JSON: {e}")),
            Body::Value(v) => Ok(v.clone()),
            Body::Unreadable(why) => Err(why.clone()),
        }
    }
}

/// A stream of records plus what a progress bar needs to know about it.
pub struct Source {
    pub records: Box<dyn Iterator<Item = anyhow::Result<Record>> + Send>,
    /// Total bytes (JSONL file) or rows (Parquet), when known in advance.
    pub total: Option<(u64, Unit)>,
    /// Bytes consumed so far, shared with the progress bar (JSONL only).
    pub bytes_read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Rows,
}

/// Open `path` (`-` is stdin) in the given format.
pub fn open(path: &str, format: Format) -> anyhow::Result<Source> {
    match format {
        Format::Jsonl => {
            let (reader, total): (Box<dyn Read + Send>, Option<(u64, Unit)>) = if path == "-" {
                (Box::new(std::io::stdin()), None)
            } else {
                let f = File::open(path).with_context(|| format!("cannot open {path}"))?;
                let len = f.metadata().map(|m| m.len()).ok();
                (Box::new(f), len.map(|l| (l, Unit::Bytes)))
            };
            let bytes_read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
            let records = Box::new(JsonlRecords {
                reader: BufReader::with_capacity(1 << 20, reader),
                line: 0,
                bytes_read: bytes_read.clone(),
                buf: Vec::new(),
            });
            Ok(Source {
                records,
                total,
                bytes_read,
            })
        }
        Format::Parquet => {
            if path == "-" {
                bail!("Parquet cannot be read from stdin; give a file path");
            }
            parquet_source(Path::new(path))
        }
    }
}

struct JsonlRecords {
    reader: BufReader<Box<dyn Read + Send>>,
    line: u64,
    bytes_read: std::sync::Arc<std::sync::atomic::AtomicU64>,
    buf: Vec<u8>,
}

impl Iterator for JsonlRecords {
    type Item = anyhow::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let n = match self.read_line() {
                Ok(0) => return None,
                Ok(n) => n,
                Err(e) => return Some(Err(anyhow::Error::new(e).context("read error"))),
            };
            self.line += 1;
            self.bytes_read
                .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
            let len = trim_line(&self.buf).len();
            if self.buf[..len].iter().all(u8::is_ascii_whitespace) {
                continue; // blank lines are not records
            }
            // The line's buffer becomes the record's text (no copy); the next line gets a
            // fresh one of about the same size.
            let mut text = std::mem::replace(&mut self.buf, Vec::with_capacity(n));
            text.truncate(len);
            let body = match String::from_utf8(text) {
                Ok(s) => Body::Text(s),
                Err(e) => Body::Unreadable(format!("invalid UTF-8: {}", e.utf8_error())),
            };
            return Some(Ok(Record {
                line: self.line,
                body,
            }));
        }
    }
}

impl JsonlRecords {
    /// Replace `buf` with the next line, newline included; the number of bytes read (0 at the
    /// end). Like `BufRead::read_until`, with a vectorized search for the newline.
    fn read_line(&mut self) -> std::io::Result<usize> {
        self.buf.clear();
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(self.buf.len());
            }
            match memchr::memchr(b'\n', chunk) {
                Some(i) => {
                    self.buf.extend_from_slice(&chunk[..=i]);
                    self.reader.consume(i + 1);
                    return Ok(self.buf.len());
                }
                None => {
                    let len = chunk.len();
                    self.buf.extend_from_slice(chunk);
                    self.reader.consume(len);
                }
            }
        }
    }
}

fn trim_line(b: &[u8]) -> &[u8] {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.strip_suffix(b"\r").unwrap_or(b)
}

fn parquet_source(path: &Path) -> anyhow::Result<Source> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = SerializedFileReader::new(file)
        .with_context(|| format!("{} is not a readable Parquet file", path.display()))?;
    let rows = reader.metadata().file_metadata().num_rows().max(0) as u64;
    let iter = parquet::record::reader::RowIter::from_file_into(Box::new(reader));
    let records = iter.enumerate().map(|(i, row)| {
        let line = i as u64 + 1;
        Ok(match row {
            Ok(row) => Record {
                line,
                body: Body::Value(normalize_parquet(row.to_json_value())),
            },
            Err(e) => Record {
                line,
                body: Body::Unreadable(format!("unreadable Parquet row: {e}")),
            },
        })
    });
    Ok(Source {
        records: Box::new(records),
        total: Some((rows, Unit::Rows)),
        bytes_read: Default::default(),
    })
}

/// Parquet's JSON view of a list column is `{"list": [{"element": x}, ...]}` or `{"list":
/// [{"item": x}]}` in some writers' layouts; flatten those back into plain arrays.
fn normalize_parquet(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::Array(items)) = map.get("list") {
                    return Value::Array(
                        items
                            .iter()
                            .map(|it| match it {
                                Value::Object(o) if o.len() == 1 => {
                                    let inner = o.values().next().cloned().unwrap_or(Value::Null);
                                    normalize_parquet(inner)
                                }
                                other => normalize_parquet(other.clone()),
                            })
                            .collect(),
                    );
                }
            }
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, normalize_parquet(v)))
                    .collect(),
            )
        }
        Value::Array(xs) => Value::Array(xs.into_iter().map(normalize_parquet).collect()),
        other => other,
    }
}
