//! The usual record read straight into an [`Item`], without building its JSON tree first.
//!
//! Most lines of a graded file are plain items of the contract: `id`, `domain`, a `response`
//! (or `responses`), `ground_truth`, perhaps `task` or `data_source`. [`Reader::item`] reads
//! those fields into an [`Item`] as it meets them: no map of the line, no key strings, no second
//! pass to pick fields out of a tree and clone them. Anything else (another field, a value of another
//! type, a repeated key, a record the contract rejects, a line that is not JSON) is declined,
//! and the caller takes the general path ([`super::input::parse_json_bytes`], the field
//! mapping, [`Item::from_value_owned`]), which also words the error. A test holds the two paths
//! to the same items.

use super::json::{Buffers, Parser};
use crate::reward::{Domain, Item};
use serde_json::Value;

/// The item on `line` (numbered `number`, its id when it has none), if it is a plain one.
#[cfg(test)]
pub fn item(line: &[u8], number: u64) -> Option<Item> {
    Reader::default().item(line, number)
}

/// Reads the usual records of many lines, reusing the memory of the items handed back to it
/// ([`Reader::recycle`]): a worker reads a response into the buffer the last one was read
/// into, instead of allocating and freeing a few kilobytes per record.
#[derive(Default)]
pub struct Reader {
    bufs: Buffers,
    /// An emptied `responses` list of a recycled item.
    list: Vec<String>,
}

impl Reader {
    /// The item on `line` (numbered `number`, its id when it has none), if it is a plain one.
    pub fn item(&mut self, line: &[u8], number: u64) -> Option<Item> {
        let mut p = Parser::with_buffers(line, std::mem::take(&mut self.bufs));
        let fields = read_fields(&mut p);
        self.bufs = p.into_buffers();
        let mut f = fields?;
        let (responses, multi_sample) = match (f.responses.take(), f.response.take()) {
            (Some(list), None) => (list, true),
            (None, Some(one)) => {
                let mut list = std::mem::take(&mut self.list);
                list.push(one);
                (list, false)
            }
            _ => return None,
        };
        finish(f, responses, multi_sample, number)
    }

    /// Keep the memory of an item that has been graded, for the next records.
    pub fn recycle(&mut self, mut item: Item) {
        for r in item.responses.drain(..) {
            self.bufs.give_back(r);
        }
        if self.list.capacity() == 0 {
            self.list = item.responses;
        }
    }
}

/// The fields of the record `p` is at, and nothing after it; `None` if it is not a plain one.
fn read_fields(p: &mut Parser) -> Option<Fields> {
    if !p.eat(b'{') {
        return None;
    }
    let mut f = Fields::default();
    p.list(b'}', |p| {
        let field = field(p.key()?)?;
        if !p.eat(b':') {
            return None;
        }
        match field {
            Field::Id => once(&mut f.id, p.value()?),
            Field::Domain => once(&mut f.domain, domain(p)?),
            Field::Response => once(&mut f.response, p.string_value()?),
            Field::Responses => once(&mut f.responses, strings(p)?),
            Field::GroundTruth => once(&mut f.ground_truth, p.value()?),
            Field::Task => once(&mut f.task, nullable_string(p)?),
            Field::DataSource => once(&mut f.data_source, p.string_value()?),
        }
    })?;
    p.end().then_some(f)
}

/// The item made of a plain record's fields (its responses taken out of them already), if
/// the contract accepts it.
fn finish(f: Fields, responses: Vec<String>, multi_sample: bool, number: u64) -> Option<Item> {
    // Instruction-following and STEM items read more fields: the general path.
    let domain = f
        .domain
        .filter(|d| matches!(d, Domain::Math | Domain::Code | Domain::Logic))?;
    // A null ground truth is none (the general path would look for verl's
    // `reward_model.ground_truth`, a field this reader declines).
    let ground_truth = f.ground_truth.filter(|g| !g.is_null());
    let task = f.task.flatten();
    let data_source = f.data_source;
    let task = match domain {
        // A logic item may name its family through verl's data_source.
        Domain::Logic => Some(task.or_else(|| data_source.clone())?),
        _ => task,
    };
    if domain != Domain::Logic && ground_truth.is_none() {
        return None;
    }
    Some(Item {
        id: f.id.unwrap_or_else(|| Value::from(number)),
        domain,
        responses,
        multi_sample,
        ground_truth,
        task,
        metadata: Value::Null,
        limits: None,
        stop_at_first_failure: None,
        lenient: None,
        data_source,
        ifeval: None,
        ifeval_fields: serde_json::Map::new(),
        options: None,
    })
}

#[derive(Default)]
struct Fields {
    id: Option<Value>,
    domain: Option<Domain>,
    response: Option<String>,
    responses: Option<Vec<String>>,
    ground_truth: Option<Value>,
    /// Present, and a string or null.
    task: Option<Option<String>>,
    data_source: Option<String>,
}

enum Field {
    Id,
    Domain,
    Response,
    Responses,
    GroundTruth,
    Task,
    DataSource,
}

fn field(key: &[u8]) -> Option<Field> {
    Some(match key {
        b"id" => Field::Id,
        b"domain" => Field::Domain,
        b"response" => Field::Response,
        b"responses" => Field::Responses,
        b"ground_truth" => Field::GroundTruth,
        b"task" => Field::Task,
        b"data_source" => Field::DataSource,
        _ => return None,
    })
}

/// Set a field seen for the first time; a repeated key is declined.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

/// A domain's name, read without keeping it.
fn domain(p: &mut Parser) -> Option<Domain> {
    Domain::parse(std::str::from_utf8(p.key()?).ok()?)
}

/// A string, or null (`None`).
fn nullable_string(p: &mut Parser) -> Option<Option<String>> {
    if p.peek()? == b'n' {
        return p.value()?.is_null().then_some(None);
    }
    p.string_value().map(Some)
}

/// A non-empty list of strings.
fn strings(p: &mut Parser) -> Option<Vec<String>> {
    if !p.eat(b'[') {
        return None;
    }
    let mut out = Vec::new();
    p.list(b']', |p| {
        out.push(p.string_value()?);
        Some(())
    })?;
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests;
