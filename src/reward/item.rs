//! The item contract (DESIGN.md): one thing to score, read leniently from JSON.
//!
//! Unknown fields are ignored so rows exported by other tools grade as they are; verl rows
//! (`data_source`, `reward_model.ground_truth`, `extra_info`) and `responses` lists are accepted.

use serde_json::Value;

/// Which verifier an item goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    Math,
    Code,
    Logic,
    /// Instruction following: IFEval-style verifiable constraints.
    Ifeval,
    /// Science answers: units, significant figures, formulas, multiple choice.
    Stem,
}

impl Domain {
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Math => "math",
            Domain::Code => "code",
            Domain::Logic => "logic",
            Domain::Ifeval => "ifeval",
            Domain::Stem => "stem",
        }
    }

    /// A domain name, in any case, with surrounding whitespace.
    pub fn parse(s: &str) -> Option<Domain> {
        const NAMES: &[(&str, Domain)] = &[
            ("math", Domain::Math),
            ("code", Domain::Code),
            ("coding", Domain::Code),
            ("logic", Domain::Logic),
            ("puzzle", Domain::Logic),
            ("reasoning_gym", Domain::Logic),
            ("ifeval", Domain::Ifeval),
            ("instruction_following", Domain::Ifeval),
            ("if", Domain::Ifeval),
            ("stem", Domain::Stem),
            ("science", Domain::Stem),
            ("mcq", Domain::Stem),
            ("multiple_choice", Domain::Stem),
        ];
        let s = s.trim();
        NAMES
            .iter()
            .find(|(name, _)| s.eq_ignore_ascii_case(name))
            .map(|&(_, d)| d)
    }
}

/// One item, normalized.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: Value,
    pub domain: Domain,
    /// One entry for `response`, several for `responses`.
    pub responses: Vec<String>,
    /// True when the item came with a `responses` list (even of length 1): verdicts carry `sample`.
    pub multi_sample: bool,
    pub ground_truth: Option<Value>,
    pub task: Option<String>,
    pub metadata: Value,
    pub limits: Option<Value>,
    /// Code only: stop at the first failing test (the rest are reported `not_run`); `None`
    /// leaves the engine's default.
    pub stop_at_first_failure: Option<bool>,
    /// Math only: also read answers by the weak rules (last number, bold, trailing math);
    /// `None` leaves the engine's default (off).
    pub lenient: Option<bool>,
    /// `data_source` (verl) if present; used for grouping in reports.
    pub data_source: Option<String>,
    /// Instruction following: the constraints, read once.
    pub ifeval: Option<std::sync::Arc<rlvr_verifiers::ifeval::Row>>,
    /// Instruction following: the fields the constraints were read from, kept to send the
    /// item on unchanged ([`Item::with_response`]).
    pub ifeval_fields: serde_json::Map<String, Value>,
    /// STEM multiple choice: the options, in order (A, B, ...).
    pub options: Option<Vec<String>>,
}

/// The fields an instruction-following row may carry besides `ground_truth` (IFEval,
/// Llama-Nemotron, Tulu 3): kept with the item so it can be sent on as it came.
const IFEVAL_FIELDS: &[&str] = &[
    "instruction_id_list",
    "kwargs",
    "prompt",
    "args",
    "func_name",
];

/// An item with one response, as JSON ([`Item::with_response`]).
#[derive(Debug, serde::Serialize)]
pub struct ItemOut<'a> {
    id: u64,
    domain: Domain,
    response: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ground_truth: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limits: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_at_first_failure: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lenient: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<&'a [String]>,
    #[serde(flatten)]
    ifeval_fields: &'a serde_json::Map<String, Value>,
}

/// Why a JSON value is not a usable item. Carries the id (if one could be read) so the error
/// verdict still echoes it.
#[derive(Debug, Clone)]
pub struct ItemError {
    pub id: Value,
    pub reason: String,
}

fn err(id: &Value, reason: impl Into<String>) -> ItemError {
    ItemError {
        id: id.clone(),
        reason: reason.into(),
    }
}

/// An item's samples from its `responses` (a list of strings) or `response` (a string) field,
/// and whether it has the list form.
fn responses(
    list: Option<Value>,
    single: Option<Value>,
    id: &Value,
) -> Result<(Vec<String>, bool), ItemError> {
    match (list, single) {
        (Some(Value::Array(rs)), _) => {
            let mut out = Vec::with_capacity(rs.len());
            for r in rs {
                match r {
                    Value::String(s) => out.push(s),
                    _ => return Err(err(id, "'responses' must be a list of strings")),
                }
            }
            if out.is_empty() {
                return Err(err(id, "'responses' is empty"));
            }
            Ok((out, true))
        }
        (Some(_), _) => Err(err(id, "'responses' must be a list of strings")),
        (None, Some(Value::String(s))) => Ok((vec![s], false)),
        (None, Some(_)) => Err(err(id, "'response' must be a string")),
        (None, None) => Err(err(id, "missing field 'response'")),
    }
}

/// verl `data_source` values that mean code.
const CODE_SOURCES: &[&str] = &[
    "codecontests",
    "apps",
    "codeforces",
    "taco",
    "humaneval",
    "mbpp",
];

impl Item {
    /// Every top-level field [`Item::from_value`] reads; a record's other fields are not part
    /// of its item (`rlvr grade` does not decode them from Parquet). Keep in step with
    /// [`Item::from_value`] and `from_fields`.
    pub const FIELDS: &'static [&'static str] = &[
        "id",
        "domain",
        "response",
        "responses",
        "ground_truth",
        "reward_model",
        "task",
        "data_source",
        "ability",
        "metadata",
        "limits",
        "stop_at_first_failure",
        "lenient",
        "options",
        "instruction_id_list",
        "kwargs",
        "args",
        "func_name",
    ];

    pub fn from_value(v: &Value) -> Result<Item, ItemError> {
        let null = Value::Null;
        let obj = match v.as_object() {
            Some(o) => o,
            None => return Err(err(&null, "item is not a JSON object")),
        };
        let id = obj.get("id").cloned().unwrap_or(Value::Null);
        let responses = responses(
            obj.get("responses").cloned(),
            obj.get("response").cloned(),
            &id,
        )?;
        Item::from_fields(obj, id, responses)
    }

    /// [`Item::from_value`] for a value the caller gives up: the responses are moved out of
    /// it instead of copied (they are most of an item's bytes).
    pub fn from_value_owned(v: Value) -> Result<Item, ItemError> {
        let mut obj = match v {
            Value::Object(o) => o,
            _ => return Err(err(&Value::Null, "item is not a JSON object")),
        };
        let id = obj.get("id").cloned().unwrap_or(Value::Null);
        let responses = responses(obj.remove("responses"), obj.remove("response"), &id)?;
        Item::from_fields(&obj, id, responses)
    }

    /// The rest of an item's fields, its responses already read.
    fn from_fields(
        obj: &serde_json::Map<String, Value>,
        id: Value,
        (responses, multi_sample): (Vec<String>, bool),
    ) -> Result<Item, ItemError> {
        let ground_truth = match obj.get("ground_truth") {
            Some(Value::Null) | None => obj
                .get("reward_model")
                .and_then(|rm| rm.get("ground_truth"))
                .filter(|g| !g.is_null())
                .cloned(),
            Some(g) => Some(g.clone()),
        };
        let task = match obj.get("task") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(err(&id, "'task' must be a string")),
        };
        let data_source = obj
            .get("data_source")
            .and_then(Value::as_str)
            .map(str::to_string);
        let metadata = obj.get("metadata").cloned().unwrap_or(Value::Null);
        let limits = obj.get("limits").cloned();
        let stop_at_first_failure = match obj.get("stop_at_first_failure") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(err(&id, "'stop_at_first_failure' must be true or false")),
        };
        let lenient = match obj.get("lenient") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(err(&id, "'lenient' must be true or false")),
        };

        let domain = match obj.get("domain") {
            Some(Value::String(d)) => match Domain::parse(d) {
                Some(d) => d,
                None => {
                    return Err(err(
                        &id,
                        format!(
                            "unknown domain '{d}' (expected math, code, logic, ifeval or stem)"
                        ),
                    ))
                }
            },
            Some(Value::Null) | None if rlvr_verifiers::ifeval::looks_like_ifeval(obj) => {
                Domain::Ifeval
            }
            Some(Value::Null) | None => infer_domain(
                task.as_deref(),
                data_source.as_deref(),
                obj.get("ability").and_then(Value::as_str),
                ground_truth.as_ref(),
            ),
            Some(_) => return Err(err(&id, "'domain' must be a string")),
        };

        let options = match obj.get("options").or_else(|| obj.get("choices")) {
            None | Some(Value::Null) => None,
            Some(Value::Array(xs)) => Some(
                xs.iter()
                    .map(|x| match x {
                        Value::String(s) => Ok(s.clone()),
                        Value::Number(n) => Ok(n.to_string()),
                        _ => Err(err(&id, "'options' must be a list of strings")),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(_) => return Err(err(&id, "'options' must be a list of strings")),
        };
        // A lettered question (`(A) 12 m (B) 15 m`, one option per line as `A. 12 m`) is a
        // multiple-choice item when it has no `options` list: for a stem item, or when the
        // gold is a single choice letter.
        let gold_letter = ground_truth
            .as_ref()
            .and_then(Value::as_str)
            .map(str::trim)
            .is_some_and(|g| g.len() == 1 && matches!(g.as_bytes()[0], b'A'..=b'J'));
        let options = match options {
            Some(o) => Some(o),
            None if domain == Domain::Stem || gold_letter => ["question", "prompt", "problem"]
                .iter()
                .filter_map(|k| obj.get(*k).and_then(Value::as_str))
                .find_map(lettered_options),
            None => None,
        };
        let domain = match domain {
            Domain::Math if obj.get("domain").is_none_or(Value::is_null) && options.is_some() => {
                Domain::Stem
            }
            d => d,
        };
        let (ifeval, ifeval_fields) = if domain == Domain::Ifeval {
            let row = rlvr_verifiers::ifeval::row_from_item(obj)
                .map_err(|e| err(&id, format!("instruction-following row: {e}")))?;
            let fields = IFEVAL_FIELDS
                .iter()
                .filter_map(|k| obj.get(*k).map(|v| (k.to_string(), v.clone())))
                .collect();
            (Some(std::sync::Arc::new(row)), fields)
        } else {
            (None, serde_json::Map::new())
        };
        let mut item = Item {
            id,
            domain,
            responses,
            multi_sample,
            ground_truth,
            task,
            metadata,
            limits,
            stop_at_first_failure,
            lenient,
            data_source,
            ifeval,
            ifeval_fields,
            options,
        };
        // A logic item may name its family through verl's data_source.
        if item.domain == Domain::Logic && item.task.is_none() {
            item.task = item.data_source.clone();
        }
        if item.domain == Domain::Logic && item.task.is_none() {
            return Err(err(
                &item.id,
                "logic item without 'task' (the puzzle family)",
            ));
        }
        if !matches!(item.domain, Domain::Logic | Domain::Ifeval) && item.ground_truth.is_none() {
            return Err(err(&item.id, "missing field 'ground_truth'"));
        }
        Ok(item)
    }

    /// This item, answered by `response` and numbered `id`, in the contract's field names:
    /// what [`Item::from_value`] reads back as the same item. Serialized as is (borrowed, no
    /// JSON tree built), e.g. to send the item to another rlvr server.
    pub fn with_response<'a>(&'a self, id: u64, response: &'a str) -> ItemOut<'a> {
        ItemOut {
            id,
            domain: self.domain,
            response,
            ground_truth: self.ground_truth.as_ref(),
            task: self.task.as_deref(),
            metadata: Some(&self.metadata).filter(|m| !m.is_null()),
            limits: self.limits.as_ref(),
            stop_at_first_failure: self.stop_at_first_failure,
            lenient: self.lenient,
            data_source: self.data_source.as_deref(),
            options: self.options.as_deref(),
            ifeval_fields: &self.ifeval_fields,
        }
    }

    /// `f` applied to the acceptable math answers: a string, or the strings of a list (none
    /// otherwise). A single answer, the usual case, is handed over without collecting it.
    /// A number (`"ground_truth": 42`, as some datasets store it) is its JSON text.
    pub fn with_math_gold<R>(&self, f: impl FnOnce(&[&str]) -> R) -> R {
        match &self.ground_truth {
            Some(Value::String(s)) => f(&[s.as_str()]),
            Some(Value::Number(n)) => f(&[n.to_string().as_str()]),
            Some(Value::Array(xs)) => {
                let numbers: Vec<String> = xs
                    .iter()
                    .filter(|x| x.is_number())
                    .map(Value::to_string)
                    .collect();
                let golds: Vec<&str> = xs
                    .iter()
                    .filter_map(Value::as_str)
                    .chain(numbers.iter().map(String::as_str))
                    .collect();
                f(&golds)
            }
            _ => f(&[]),
        }
    }

    /// The group a report puts this item in: `data_source`, else `task`, else the domain.
    pub fn group(&self) -> String {
        self.group_name().to_string()
    }

    /// [`Item::group`], borrowed.
    pub fn group_name(&self) -> &str {
        self.data_source
            .as_deref()
            .or(self.task.as_deref())
            .unwrap_or(self.domain.as_str())
    }
}

/// The options of a lettered multiple-choice question, in order from A: one per line
/// (`A. 12 m`, `(B) 15 m`, `C) 20 m`, `D: 25 m`) or inline (`(A) 12 m (B) 15 m`). At least two,
/// consecutive from A; `None` for anything else.
pub fn lettered_options(text: &str) -> Option<Vec<String>> {
    let line_option = |line: &str, letter: u8| -> Option<String> {
        let t = line.trim_start();
        let t = t.strip_prefix('(').unwrap_or(t);
        let rest = t.strip_prefix(letter as char)?;
        let rest = rest.strip_prefix([')', '.', ':'])?;
        rest.starts_with([' ', '\t'])
            .then(|| rest.trim().to_string())
    };
    let mut by_line = Vec::new();
    for line in text.lines() {
        let letter = b'A' + by_line.len() as u8;
        if letter > b'J' {
            break;
        }
        if let Some(o) = line_option(line, letter) {
            by_line.push(o);
        }
    }
    if by_line.len() >= 2 {
        return Some(by_line);
    }
    // Inline: `(A) x (B) y ...`.
    let start = text.find("(A) ")?;
    let mut rest = &text[start + 4..];
    let mut inline = Vec::new();
    for next in b'B'..=b'K' {
        let marker = format!("({}) ", next as char);
        match rest.find(&marker) {
            Some(k) if next <= b'J' => {
                inline.push(rest[..k].trim().to_string());
                rest = &rest[k + marker.len()..];
            }
            _ => {
                let end = rest.find('\n').unwrap_or(rest.len());
                inline.push(rest[..end].trim().to_string());
                break;
            }
        }
    }
    (inline.len() >= 2 && inline.iter().all(|o| !o.is_empty())).then_some(inline)
}

fn infer_domain(
    task: Option<&str>,
    data_source: Option<&str>,
    ability: Option<&str>,
    ground_truth: Option<&Value>,
) -> Domain {
    if let Some(t) = task {
        if rlvr_verifiers::logic::families()
            .iter()
            .any(|f| f.name == t)
        {
            return Domain::Logic;
        }
        if t.eq_ignore_ascii_case("python") {
            return Domain::Code;
        }
    }
    if let Some(ds) = data_source {
        let ds_l = ds.to_ascii_lowercase();
        if CODE_SOURCES.iter().any(|c| ds_l.contains(c)) {
            return Domain::Code;
        }
        if rlvr_verifiers::logic::families()
            .iter()
            .any(|f| f.name == ds)
        {
            return Domain::Logic;
        }
    }
    if let Some(a) = ability.and_then(Domain::parse) {
        return a;
    }
    if let Some(Value::Object(o)) = ground_truth {
        if ["tests", "inputs", "test", "test_list"]
            .iter()
            .any(|k| o.contains_key(*k))
        {
            return Domain::Code;
        }
    }
    if let Some(Value::String(s)) = ground_truth {
        let t = s.trim_start();
        if t.starts_with('{') && (t.contains("\"inputs\"") || t.contains("\"test_list\"")) {
            return Domain::Code;
        }
    }
    if task.is_some() && ground_truth.is_none() {
        return Domain::Logic;
    }
    Domain::Math
}

#[cfg(test)]
mod tests {
    use super::{Domain, Item};
    use serde_json::json;

    #[test]
    fn lettered_questions_give_their_options() {
        use super::lettered_options as opts;
        let by_line = "Which is longest?\nA. 12 m\nB. 15 m\nC) 20 m\n(D) 25 m\nAnswer:";
        assert_eq!(opts(by_line).unwrap(), ["12 m", "15 m", "20 m", "25 m"]);
        let inline = "Pick one: (A) red (B) green (C) blue";
        assert_eq!(opts(inline).unwrap(), ["red", "green", "blue"]);
        assert_eq!(opts("A. only one"), None);
        assert_eq!(opts("no options here"), None);
        let item = Item::from_value(&json!({"question": "X?\nA. 12 m\nB. 15 m",
                                            "response": "Answer: B", "ground_truth": "B"}))
        .unwrap();
        assert_eq!(item.domain, Domain::Stem);
        assert_eq!(item.options.as_deref().unwrap(), ["12 m", "15 m"]);
    }

    #[test]
    fn domain_names_in_any_case_and_padding() {
        for (name, domain) in [
            ("math", Some(Domain::Math)),
            (" Math\t", Some(Domain::Math)),
            ("CODING", Some(Domain::Code)),
            ("Reasoning_Gym", Some(Domain::Logic)),
            ("puzzle", Some(Domain::Logic)),
            ("mathx", None),
            ("", None),
            ("mäth", None),
        ] {
            assert_eq!(Domain::parse(name), domain, "{name:?}");
        }
    }

    #[test]
    fn with_response_reads_back_as_the_same_item() {
        let row = json!({"id": "x", "domain": "code", "response": "old",
            "ground_truth": {"inputs": ["1"], "outputs": ["1"]}, "task": "python",
            "metadata": {"k": 1}, "limits": {"wall_time_s": 2}, "stop_at_first_failure": true,
            "data_source": "apps"});
        let item = Item::from_value(&row).unwrap();
        let back = serde_json::to_value(item.with_response(7, "print(1)")).unwrap();
        let again = Item::from_value(&back).unwrap();
        assert_eq!(back["id"], 7);
        assert_eq!(again.responses, ["print(1)"]);
        assert_eq!(again.domain, item.domain);
        assert_eq!(again.ground_truth, item.ground_truth);
        assert_eq!(again.task, item.task);
        assert_eq!(again.metadata, item.metadata);
        assert_eq!(again.limits, item.limits);
        assert_eq!(again.stop_at_first_failure, Some(true));
        assert_eq!(again.data_source, item.data_source);
    }

    #[test]
    fn from_value_owned_reads_what_from_value_reads() {
        let rows = [
            json!({"id": 1, "domain": "math", "response": "\\boxed{2}", "ground_truth": "2"}),
            json!({"id": 2, "responses": ["a", "b"], "ground_truth": ["1", "2"], "data_source": "aime"}),
            json!({"reward_model": {"ground_truth": "3"}, "response": "3", "extra": [1, 2]}),
            json!({"id": 3, "domain": "logic", "task": "sudoku", "response": "x"}),
            json!({"id": 4, "responses": [], "ground_truth": "1"}),
            json!({"id": 5, "responses": ["a", 1], "ground_truth": "1"}),
            json!({"id": 6, "responses": null, "response": "a", "ground_truth": "1"}),
            json!({"id": 7, "response": 5, "ground_truth": "1"}),
            json!({"id": 8, "ground_truth": "1"}),
            json!({"id": 9, "domain": "logic", "response": "x"}),
            json!({"id": 10, "domain": "chess", "response": "x", "ground_truth": "1"}),
            json!(["not", "an", "object"]),
        ];
        for row in rows {
            let by_ref = format!("{:?}", Item::from_value(&row));
            let by_move = format!("{:?}", Item::from_value_owned(row.clone()));
            assert_eq!(by_ref, by_move, "{row}");
        }
    }
}
