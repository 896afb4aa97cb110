//! The usual record read straight into an [`Item`], without building its JSON tree first.
//!
//! Most lines of a graded file are plain items of the contract: `id`, `domain`, a `response`
//! (or `responses`), `ground_truth`, perhaps `task` or `data_source`. [`item`] reads those
//! fields into an [`Item`] as it meets them: no map of the line, no key strings, no second pass
//! to pick fields out of a tree and clone them. Anything else (another field, a value of another
//! type, a repeated key, a record the contract rejects, a line that is not JSON) is declined,
//! and the caller takes the general path ([`super::input::parse_json_bytes`], the field
//! mapping, [`Item::from_value_owned`]), which also words the error. A test holds the two paths
//! to the same items.

use super::json::Parser;
use crate::reward::{Domain, Item};
use serde_json::Value;

/// The item on `line` (numbered `number`, its id when it has none), if it is a plain one.
pub fn item(line: &[u8], number: u64) -> Option<Item> {
    let mut p = Parser::new(line);
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
            Field::Domain => once(&mut f.domain, Domain::parse(&p.string_value()?)?),
            Field::Response => once(&mut f.response, p.string_value()?),
            Field::Responses => once(&mut f.responses, strings(p)?),
            Field::GroundTruth => once(&mut f.ground_truth, p.value()?),
            Field::Task => once(&mut f.task, nullable_string(p)?),
            Field::DataSource => once(&mut f.data_source, p.string_value()?),
        }
    })?;
    if !p.end() {
        return None;
    }
    let (responses, multi_sample) = match (f.responses, f.response) {
        (Some(list), None) => (list, true),
        (None, Some(one)) => (vec![one], false),
        _ => return None,
    };
    let domain = f.domain?;
    // A null ground truth is none (the general path would look for verl's
    // `reward_model.ground_truth`, a field this reader declines).
    let ground_truth = f.ground_truth.filter(|g| !g.is_null());
    let task = f.task.flatten();
    let task = match domain {
        // A logic item may name its family through verl's data_source.
        Domain::Logic => Some(task.or_else(|| f.data_source.clone())?),
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
        data_source: f.data_source,
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
