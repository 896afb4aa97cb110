//! Field mapping for layouts other than the item contract: `--response-field`,
//! `--ground-truth-field`, `--id-field`, `--group-by`, each a dotted path into the record.

use serde_json::Value;

#[derive(Debug, Clone, Default)]
pub struct Mapping {
    response: Option<Vec<String>>,
    ground_truth: Option<Vec<String>>,
    id: Option<Vec<String>>,
    group: Option<Vec<String>>,
}

fn path(p: &Option<String>) -> Option<Vec<String>> {
    p.as_ref()
        .map(|s| s.split('.').map(str::to_string).collect())
}

/// The value at a dotted path, if every step exists.
pub fn get<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, key| match cur {
        Value::Object(o) => o.get(key),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

impl Mapping {
    /// The mapping from dotted paths (`--response-field`, `--ground-truth-field`,
    /// `--id-field`, `--group-by`); `None` keeps the item contract's field.
    pub fn new(
        response: &Option<String>,
        ground_truth: &Option<String>,
        id: &Option<String>,
        group: &Option<String>,
    ) -> Mapping {
        Mapping {
            response: path(response),
            ground_truth: path(ground_truth),
            id: path(id),
            group: path(group),
        }
    }

    /// No flag given: records are read as the item contract says.
    pub fn is_identity(&self) -> bool {
        self.response.is_none()
            && self.ground_truth.is_none()
            && self.id.is_none()
            && self.group.is_none()
    }

    /// Rewrite a record into the item contract. A record with no id gets its line number.
    pub fn apply(&self, mut v: Value, line: u64) -> Value {
        let response = self.response.as_ref().and_then(|p| get(&v, p).cloned());
        let truth = self.ground_truth.as_ref().and_then(|p| get(&v, p).cloned());
        let id = self.id.as_ref().and_then(|p| get(&v, p).cloned());
        if let Value::Object(obj) = &mut v {
            if let Some(r) = response {
                obj.remove("response");
                obj.remove("responses");
                let key = if r.is_array() {
                    "responses"
                } else {
                    "response"
                };
                obj.insert(key.to_string(), r);
            }
            if let Some(t) = truth {
                obj.insert("ground_truth".to_string(), t);
            }
            if let Some(i) = id {
                obj.insert("id".to_string(), i);
            }
            if !obj.contains_key("id") {
                obj.insert("id".to_string(), Value::from(line));
            }
        }
        v
    }

    /// The top-level fields the flags read (each path's first step).
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        [&self.response, &self.ground_truth, &self.id, &self.group]
            .into_iter()
            .filter_map(|p| Some(p.as_ref()?.first()?.as_str()))
    }

    /// The `--group-by` value of a record, if the flag was given and the field exists.
    pub fn group_of(&self, v: &Value) -> Option<String> {
        let g = get(v, self.group.as_ref()?)?;
        Some(match g {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
}
