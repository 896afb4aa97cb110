//! The verdict stream: one JSON line per sample, in input order, flushed per batch so that an
//! interrupted run leaves a valid file; and `--resume`, which re-reads that file.

use super::input::Record;
use super::mapping::Mapping;
use super::summary::Summary;
use crate::reward::{Item, Outcome, Scored};
use anyhow::Context;
use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

pub struct Sink {
    w: BufWriter<Box<dyn Write + Send>>,
}

#[derive(Serialize)]
struct Line<'a> {
    id: &'a serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    sample: Option<usize>,
    reward: f64,
    verdict: Outcome,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    extracted: Option<&'a str>,
    elapsed_us: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a serde_json::Value>,
}

/// Append the output line of one scored sample to `buf`. Workers encode their own records, so
/// the thread that writes in input order only copies bytes.
pub fn encode(buf: &mut Vec<u8>, s: &Scored, line: Option<u64>, detail: bool) {
    let v = &s.verdict;
    let out = Line {
        id: &s.id,
        sample: s.sample,
        reward: v.reward,
        verdict: v.verdict,
        reason: &v.reason,
        extracted: v.extracted.as_deref(),
        elapsed_us: s.elapsed_us,
        line,
        detail: if detail { v.detail.as_ref() } else { None },
    };
    // Serializing these field types into a Vec cannot fail (string keys, finite or null
    // numbers); should it ever, the line says so instead of vanishing.
    if serde_json::to_writer(&mut *buf, &out).is_err() {
        buf.extend_from_slice(br#"{"verdict":"error","reason":"output encoding failed"}"#);
    }
    buf.push(b'\n');
}

impl Sink {
    fn new(w: Box<dyn Write + Send>) -> Sink {
        Sink {
            w: BufWriter::with_capacity(1 << 20, w),
        }
    }

    pub fn stdout() -> Sink {
        Sink::new(Box::new(std::io::stdout()))
    }

    pub fn create(path: &Path) -> anyhow::Result<Sink> {
        let f = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Sink::new(Box::new(f)))
    }

    pub fn file(f: File) -> Sink {
        Sink::new(Box::new(f))
    }

    /// Write lines made by [`encode`].
    pub fn write_encoded(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.w.write_all(bytes).context("cannot write the output")
    }

    pub fn flush(&mut self) -> anyhow::Result<()> {
        self.w.flush().context("cannot write the output")
    }
}

/// Open `path` for `--resume`: walk the input alongside the existing output, count every
/// record whose verdict lines are all there into `summary`, truncate anything after the last
/// complete record, and return the file positioned for appending, the number of records
/// skipped, and the first record still to grade (already taken from `records`).
pub fn resume(
    path: &Path,
    records: &mut dyn Iterator<Item = anyhow::Result<Record>>,
    map: &Mapping,
    summary: &mut Summary,
) -> anyhow::Result<(File, u64, Option<Record>)> {
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let f =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            return Ok((f, 0, None));
        }
        Err(e) => return Err(e).with_context(|| format!("cannot open {}", path.display())),
    };
    let mut reader = BufReader::new(file.try_clone()?);
    let mut offset: u64 = 0; // end of the last complete record
    let mut skipped = 0u64;
    let mut pending = None;
    let mut line = String::new();
    'records: for rec in records {
        let rec = rec?;
        let value = rec.parse().map(|v| map.apply(v, rec.line));
        let (expected, group, ok) = match value.as_ref().map(|v| (Item::from_value(v), v)) {
            Ok((Ok(item), v)) => (
                item.responses.len(),
                map.group_of(v).unwrap_or_else(|| item.group()),
                true,
            ),
            Ok((Err(_), v)) => (1, map.group_of(v).unwrap_or_default(), false),
            Err(_) => (1, String::new(), false),
        };
        let mut samples = Vec::with_capacity(expected);
        let mut consumed = 0u64;
        for _ in 0..expected {
            line.clear();
            let n = reader.read_line(&mut line)?;
            if n == 0 || !line.ends_with('\n') {
                pending = Some(rec);
                break 'records;
            }
            consumed += n as u64;
            let parsed: serde_json::Value = match serde_json::from_str(&line) {
                Ok(v) => v,
                Err(_) => {
                    pending = Some(rec);
                    break 'records;
                }
            };
            let reward = parsed.get("reward").and_then(|r| r.as_f64()).unwrap_or(0.0);
            let verdict = parsed
                .get("verdict")
                .cloned()
                .and_then(|v| serde_json::from_value::<Outcome>(v).ok())
                .unwrap_or(Outcome::Error);
            samples.push((reward, verdict));
        }
        if ok {
            summary.add_item(&group, &samples);
        } else {
            summary.add_malformed((!group.is_empty()).then_some(group.as_str()));
        }
        offset += consumed;
        skipped += 1;
    }
    file.set_len(offset)
        .with_context(|| format!("cannot truncate {}", path.display()))?;
    file.seek(SeekFrom::End(0))?;
    Ok((file, skipped, pending))
}
