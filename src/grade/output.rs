//! The verdict stream: one JSON line per sample, in input order, flushed per batch so that an
//! interrupted run leaves a valid file; and `--resume`, which re-reads that file.

use super::summary::Summary;
use crate::dataset::input::Record;
use crate::dataset::mapping::Mapping;
use crate::reward::{Item, Outcome, Scored};
use anyhow::Context;
use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

pub struct Sink {
    w: BufWriter<Box<dyn Write + Send>>,
}

/// Append the output line of one scored sample to `buf`. Workers encode their own records, so
/// the thread that writes in input order only copies bytes.
///
/// The line is written field by field (the values through serde_json, so strings are escaped
/// and numbers formatted as everywhere else): a derived `Serialize` of the same fields costs
/// twice as much, and this runs once per sample of a million-row file. Field order and
/// omissions are the contract's: `sample`, `extracted`, `line` and `detail` only when set.
pub fn encode(buf: &mut Vec<u8>, s: &Scored, line: Option<u64>, detail: bool) {
    let v = &s.verdict;
    buf.extend_from_slice(b"{\"id\":");
    value(buf, &s.id);
    if let Some(sample) = s.sample {
        buf.extend_from_slice(b",\"sample\":");
        value(buf, &sample);
    }
    buf.extend_from_slice(b",\"reward\":");
    value(buf, &v.reward);
    buf.extend_from_slice(b",\"verdict\":\"");
    buf.extend_from_slice(v.verdict.as_str().as_bytes());
    buf.extend_from_slice(b"\",\"reason\":");
    value(buf, &v.reason);
    if let Some(extracted) = &v.extracted {
        buf.extend_from_slice(b",\"extracted\":");
        value(buf, extracted);
    }
    buf.extend_from_slice(b",\"elapsed_us\":");
    value(buf, &s.elapsed_us);
    if let Some(line) = line {
        buf.extend_from_slice(b",\"line\":");
        value(buf, &line);
    }
    if let Some(d) = v.detail.as_ref().filter(|_| detail) {
        buf.extend_from_slice(b",\"detail\":");
        value(buf, d);
    }
    buf.extend_from_slice(b"}\n");
}

/// One JSON value onto `buf`. Writing these types into a `Vec` cannot fail (string keys,
/// finite or null numbers); should it ever, `null` stands in rather than a broken line.
fn value(buf: &mut Vec<u8>, v: &impl Serialize) {
    let at = buf.len();
    if serde_json::to_writer(&mut *buf, v).is_err() {
        buf.truncate(at);
        buf.extend_from_slice(b"null");
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reward::Verdict;
    use serde_json::{json, Value};

    /// The line as a derived `Serialize` of the contract's fields writes it.
    fn derived(s: &Scored, line: Option<u64>, detail: bool) -> String {
        #[derive(Serialize)]
        struct Line<'a> {
            id: &'a Value,
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
            detail: Option<&'a rlvr_verifiers::Detail>,
        }
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
            detail: v.detail.as_ref().filter(|_| detail),
        };
        serde_json::to_string(&out).unwrap() + "\n"
    }

    #[test]
    fn encoded_lines_are_what_serde_derives() {
        let verdicts = [
            Verdict::correct("identical", Some("\\frac{1}{2}".into())),
            Verdict::incorrect("value_mismatch \"quoted\"\n", None),
            Verdict::error("line 3: not valid JSON: é\u{1}"),
            Verdict::new(0.25, Outcome::Timeout, "work_limit", Some(String::new())),
            Verdict::new(f64::NAN, Outcome::NoAnswer, "", None),
            Verdict {
                detail: Some(json!({"rule": "boxed", "n": [1, 2.5]}).into()),
                ..Verdict::correct("string", Some("x".into()))
            },
        ];
        let ids = [
            json!(0),
            json!("a-\"1\""),
            Value::Null,
            json!(-3.5),
            json!({"k": [1]}),
        ];
        for (i, verdict) in verdicts.iter().enumerate() {
            for (j, id) in ids.iter().enumerate() {
                let s = Scored {
                    id: id.clone(),
                    sample: (j % 2 == 1).then_some(i),
                    verdict: verdict.clone(),
                    elapsed_us: (i * 977 + j) as u64,
                };
                for (line, detail) in [(None, false), (Some(12), true), (None, true)] {
                    let mut buf = b"before\n".to_vec();
                    encode(&mut buf, &s, line, detail);
                    assert_eq!(
                        String::from_utf8(buf).unwrap(),
                        format!("before\n{}", derived(&s, line, detail))
                    );
                }
            }
        }
    }
}
