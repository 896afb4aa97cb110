//! Where records come from: JSONL files, stdin, or verl-style Parquet, read as a stream so
//! memory does not grow with the number of rows.
//!
//! Every record keeps its 1-based position (the line number for JSONL, the row number for
//! Parquet) so a malformed one can be reported where it is.

pub use super::lines::is_blank;
use super::lines::{JsonlUnits, Lines};
pub use super::pace::Pace;
use anyhow::{bail, Context};
use serde_json::Value;
use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// The input formats the grader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Parquet,
}

impl Format {
    /// Detect the format from the path: `.parquet`/`.pq` is Parquet, anything else (`.jsonl`,
    /// `.json`, `.ndjson`, `-` for stdin, gzip- or zstd-compressed JSONL) is JSONL.
    pub fn detect(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".parquet") || lower.ends_with(".pq") {
            Format::Parquet
        } else {
            Format::Jsonl
        }
    }
}

/// One raw record: its position and either its text (JSONL) or its decoded row (Parquet), each
/// made into JSON later by the worker that grades it, or the reason it could not be read.
pub struct Record {
    pub line: u64,
    pub body: Body,
}

pub enum Body {
    /// A JSONL line (its bytes, checked for UTF-8 when parsed).
    Line(Vec<u8>),
    Row(parquet::record::Row),
    Unreadable(String),
}

impl Record {
    /// The record as JSON, or why it is not (a Parquet row's strings are moved, not copied).
    pub fn into_value(self) -> Result<Value, String> {
        match self.body {
            Body::Line(bytes) => parse_json_bytes(&bytes),
            Body::Row(row) => Ok(normalize_parquet(row_into_value(row))),
            Body::Unreadable(why) => Err(why),
        }
    }

    /// The record as JSON, or why it is not; the record stays (`--resume` may keep it).
    pub fn parse(&self) -> Result<Value, String> {
        match &self.body {
            Body::Line(bytes) => parse_json_bytes(bytes),
            Body::Row(row) => Ok(normalize_parquet(row_into_value(row.clone()))),
            Body::Unreadable(why) => Err(why.clone()),
        }
    }
}

/// What the grader's workers take one at a time: many records, in input order.
pub enum Unit {
    /// Raw JSONL lines (parsed by the worker that grades them).
    Lines(Lines),
    /// Records already read: Parquet rows, or the record `--resume` stopped at.
    Records(VecDeque<Record>),
}

pub type Units = Box<dyn Iterator<Item = anyhow::Result<Unit>> + Send>;

/// A stream of units plus what a progress bar needs to know about it.
pub struct Source {
    pub units: Units,
    /// Total bytes (JSONL file) or rows (Parquet), when known in advance.
    pub total: Option<(u64, Measure)>,
    /// Bytes consumed so far, shared with the progress bar (JSONL only).
    pub bytes_read: Arc<AtomicU64>,
}

impl Source {
    /// The records one by one (for callers that read a whole dataset).
    pub fn into_records(self) -> Records {
        Records::new(self.units)
    }
}

/// Records one at a time from a stream of units; what is left can go back to being units.
pub struct Records {
    units: Units,
    current: Option<Unit>,
}

impl Records {
    pub fn new(units: Units) -> Records {
        Records {
            units,
            current: None,
        }
    }

    /// The records not yet taken, as units again.
    pub fn into_units(self) -> Units {
        match self.current {
            Some(u) => Box::new(std::iter::once(Ok(u)).chain(self.units)),
            None => self.units,
        }
    }
}

impl Iterator for Records {
    type Item = anyhow::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match &mut self.current {
                Some(Unit::Lines(lines)) => {
                    if let Some((line, bytes)) = lines.take_first() {
                        if is_blank(&bytes) {
                            continue;
                        }
                        let body = Body::Line(bytes);
                        return Some(Ok(Record { line, body }));
                    }
                }
                Some(Unit::Records(records)) => {
                    if let Some(r) = records.pop_front() {
                        return Some(Ok(r));
                    }
                }
                _ => {}
            }
            self.current = match self.units.next()? {
                Ok(u) => Some(u),
                Err(e) => return Some(Err(e)),
            };
        }
    }
}

/// A line as JSON, or why it is not. Read by the grader's fast path ([`super::json`]), and by
/// serde_json where that declines (any line that is not JSON, for one: serde_json's message is
/// the reason given). Strings are checked for UTF-8 as they are read, so the line is not
/// checked a second time; when it is not JSON, the reason says whether it is because the line
/// is not UTF-8.
pub fn parse_json_bytes(line: &[u8]) -> Result<Value, String> {
    if let Some(value) = super::json::parse(line) {
        return Ok(value);
    }
    serde_json::from_slice(line).map_err(|e| match std::str::from_utf8(line) {
        Err(bad) => format!("invalid UTF-8: {bad}"),
        Ok(_) => format!("not valid JSON: {e}"),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Bytes,
    Rows,
}

/// Open `path` (`-` is stdin) in the given format; units hold as many records as `pace` says.
/// With `fields`, only those top-level fields of a record are read: Parquet columns outside
/// them are not decoded (grading skips a verl file's prompts and `extra_info`).
pub fn open(
    path: &str,
    format: Format,
    pace: Pace,
    fields: Option<&[&str]>,
) -> anyhow::Result<Source> {
    match format {
        Format::Jsonl => {
            let (reader, total): (Box<dyn Read + Send>, Option<(u64, Measure)>) = if path == "-" {
                (Box::new(std::io::stdin()), None)
            } else {
                let f = File::open(path).with_context(|| format!("cannot open {path}"))?;
                let len = f.metadata().map(|m| m.len()).ok();
                (Box::new(f), len.map(|l| (l, Measure::Bytes)))
            };
            let bytes_read = Arc::new(AtomicU64::new(0));
            // gzip or zstd is read decompressed; the progress counts the bytes of the file.
            let reader = super::compressed::reader(reader, bytes_read.clone());
            let units =
                JsonlUnits::new(reader, pace).map(|u| u.map(Unit::Lines).context("read error"));
            Ok(Source {
                units: Box::new(units),
                total,
                bytes_read,
            })
        }
        Format::Parquet => {
            if path == "-" {
                bail!("Parquet cannot be read from stdin; give a file path");
            }
            parquet_source(Path::new(path), pace, fields)
        }
    }
}

/// Most rows in one Parquet unit.
const PARQUET_UNIT: usize = 512;

fn parquet_source(path: &Path, pace: Pace, fields: Option<&[&str]>) -> anyhow::Result<Source> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = SerializedFileReader::new(file)
        .with_context(|| format!("{} is not a readable Parquet file", path.display()))?;
    let rows = reader.metadata().file_metadata().num_rows().max(0) as u64;
    let projection = match fields {
        Some(fields) => projection(reader.metadata().file_metadata().schema(), fields)?,
        None => None,
    };
    let iter = parquet::record::reader::RowIter::from_file_into(Box::new(reader))
        .project(projection)
        .with_context(|| format!("cannot select the columns of {}", path.display()))?;
    let mut records = iter.enumerate().map(|(i, row)| {
        let line = i as u64 + 1;
        match row {
            Ok(row) => Record {
                line,
                // Made into JSON by the worker: the reader thread only decodes.
                body: Body::Row(row),
            },
            Err(e) => Record {
                line,
                body: Body::Unreadable(format!("unreadable Parquet row: {e}")),
            },
        }
    });
    let units = std::iter::from_fn(move || {
        // A decoded row owns its strings (a JSONL unit shares its block), so Parquet units are
        // kept smaller: the units in flight hold less.
        let n = pace.records().min(PARQUET_UNIT);
        let batch: VecDeque<Record> = records.by_ref().take(n).collect();
        (!batch.is_empty()).then_some(Ok(Unit::Records(batch)))
    });
    Ok(Source {
        units: Box::new(units),
        total: Some((rows, Measure::Rows)),
        bytes_read: Default::default(),
    })
}

/// The part of a Parquet schema with the top-level columns named in `fields`; `None` (every
/// column) when that is all of them, or none of them (each row is then reported malformed
/// with what it lacks, as without the selection).
fn projection(
    schema: &parquet::schema::types::Type,
    fields: &[&str],
) -> anyhow::Result<Option<parquet::schema::types::Type>> {
    let all = schema.get_fields();
    let kept: Vec<_> = all
        .iter()
        .filter(|column| fields.contains(&column.name()))
        .cloned()
        .collect();
    if kept.is_empty() || kept.len() == all.len() {
        return Ok(None);
    }
    Ok(Some(
        parquet::schema::types::Type::group_type_builder(schema.name())
            .with_fields(kept)
            .build()?,
    ))
}

/// A Parquet row as JSON, the same value as `Row::to_json_value` gives, with its strings and
/// nested rows moved instead of cloned (a response column is kilobytes per row). The one
/// conversion: a record that must stay (`Record::parse`) converts a clone.
fn row_into_value(row: parquet::record::Row) -> Value {
    use parquet::record::Field;
    Value::Object(
        row.into_columns()
            .into_iter()
            .map(|(name, field)| {
                let v = match field {
                    Field::Str(s) => Value::String(s),
                    Field::Group(inner) => row_into_value(inner),
                    other => other.to_json_value(),
                };
                (name, v)
            })
            .collect(),
    )
}

/// Parquet's JSON view of a list column is `{"list": [{"element": x}, ...]}` or `{"list":
/// [{"item": x}]}` in some writers' layouts; flatten those back into plain arrays, in place
/// (the rest of the row is left as it is, not rebuilt).
fn normalize_parquet(mut v: Value) -> Value {
    normalize_in_place(&mut v);
    v
}

fn normalize_in_place(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.len() == 1 && matches!(map.get("list"), Some(Value::Array(_))) {
                if let Some(Value::Array(items)) = map.remove("list") {
                    let flat = items.into_iter().map(|item| {
                        let mut x = match item {
                            Value::Object(o) if o.len() == 1 => {
                                o.into_iter().next().map_or(Value::Null, |(_, v)| v)
                            }
                            other => other,
                        };
                        normalize_in_place(&mut x);
                        x
                    });
                    *v = Value::Array(flat.collect());
                    return;
                }
            }
            map.values_mut().for_each(normalize_in_place);
        }
        Value::Array(xs) => xs.iter_mut().for_each(normalize_in_place),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows moved into JSON are the rows the parquet crate's own (cloning) view gives.
    #[test]
    fn parquet_rows_moved_into_json_equal_the_crates_view() {
        use parquet::file::reader::SerializedFileReader;
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/grade/verl_sample.parquet"
        );
        let reader = SerializedFileReader::new(File::open(path).unwrap()).unwrap();
        let rows = parquet::record::reader::RowIter::from_file_into(Box::new(reader));
        let mut n = 0;
        for row in rows {
            let row = row.unwrap();
            let want = row.to_json_value();
            assert!(want["reward_model"].is_object() && want["prompt"].is_array());
            assert_eq!(row_into_value(row), want);
            n += 1;
        }
        assert_eq!(n, 4);
    }

    /// Reading only an item's columns leaves out the rest of a verl row (its prompt,
    /// `extra_info`) and gives the same items as reading every column.
    #[test]
    fn parquet_rows_carry_only_the_columns_asked_for() {
        use crate::reward::Item;
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/grade/verl_sample.parquet"
        );
        let read = |fields: Option<&[&str]>| -> Vec<Value> {
            open(path, Format::Parquet, Pace::fixed(3), fields)
                .unwrap()
                .into_records()
                .map(|r| r.unwrap().into_value().unwrap())
                .collect()
        };
        let all = read(None);
        let some = read(Some(Item::FIELDS));
        assert_eq!(all.len(), 4);
        assert_eq!(some.len(), 4);
        for (a, s) in all.iter().zip(&some) {
            assert!(a.get("prompt").is_some() && a.get("extra_info").is_some());
            assert!(s.get("prompt").is_none() && s.get("extra_info").is_none());
            assert!(s.get("reward_model").is_some());
            let item = |v: &Value| format!("{:?}", Item::from_value(v));
            assert_eq!(item(a), item(s));
        }
        // A field named by a flag is read too; names that match no column read them all.
        let with_prompt = read(Some(&["prompt", "response"]));
        assert!(with_prompt.iter().all(|v| v.get("prompt").is_some()));
        assert!(with_prompt.iter().all(|v| v.get("reward_model").is_none()));
        assert_eq!(read(Some(&["nothing"])), all);
    }

    /// The old rebuilding normalization, the reference for the in-place one.
    fn normalize_rebuilt(v: Value) -> Value {
        match v {
            Value::Object(mut map) => {
                if map.len() == 1 && matches!(map.get("list"), Some(Value::Array(_))) {
                    if let Some(Value::Array(items)) = map.remove("list") {
                        return Value::Array(
                            items
                                .into_iter()
                                .map(|it| match it {
                                    Value::Object(o) if o.len() == 1 => normalize_rebuilt(
                                        o.into_iter().next().map_or(Value::Null, |(_, v)| v),
                                    ),
                                    other => normalize_rebuilt(other),
                                })
                                .collect(),
                        );
                    }
                }
                Value::Object(
                    map.into_iter()
                        .map(|(k, v)| (k, normalize_rebuilt(v)))
                        .collect(),
                )
            }
            Value::Array(xs) => Value::Array(xs.into_iter().map(normalize_rebuilt).collect()),
            other => other,
        }
    }

    /// Random trees of objects, arrays and `{"list": [...]}` shapes: the in-place
    /// normalization gives what rebuilding the tree gave.
    #[test]
    fn normalizing_in_place_equals_rebuilding() {
        let mut rng = rlvr_verifiers::logic::rng::Rng::new(7);
        fn tree(rng: &mut rlvr_verifiers::logic::rng::Rng, depth: u32) -> Value {
            let pick = if depth == 0 { 0 } else { rng.below(6) };
            match pick {
                0 => [Value::Null, Value::from(3), Value::from("s")][rng.below(3) as usize].clone(),
                1 => Value::Array((0..rng.below(4)).map(|_| tree(rng, depth - 1)).collect()),
                2 => {
                    let items = (0..rng.below(4)).map(|_| {
                        let key = ["element", "item", "list"][rng.below(3) as usize];
                        let inner = tree(rng, depth - 1);
                        match rng.below(3) {
                            0 => inner,
                            1 => serde_json::json!({ key: inner }),
                            _ => serde_json::json!({ key: inner, "other": 1 }),
                        }
                    });
                    serde_json::json!({ "list": items.collect::<Vec<_>>() })
                }
                3 => serde_json::json!({ "list": tree(rng, depth - 1) }),
                _ => {
                    let keys = ["a", "list", "prompt", "b"];
                    Value::Object(
                        (0..rng.below(4))
                            .map(|_| {
                                (
                                    keys[rng.below(4) as usize].to_string(),
                                    tree(rng, depth - 1),
                                )
                            })
                            .collect(),
                    )
                }
            }
        }
        for _ in 0..5000 {
            let v = tree(&mut rng, 4);
            assert_eq!(
                normalize_parquet(v.clone()),
                normalize_rebuilt(v.clone()),
                "{v}"
            );
        }
    }
}
