//! Reading one instruction's arguments, failing closed.
//!
//! The reference's `build_description` draws a random value for a missing argument and
//! lm-eval treats a falsy one (0, "") as missing. Here a `null` is absent, an absent required
//! argument or one of the wrong type is an error naming it, and nothing is ever drawn at
//! random. Integers may arrive as JSON integers or as integral floats (Parquet exports).

use serde_json::{Map, Value};

/// One instruction's arguments (`null` values already count as absent).
pub struct Kwargs<'a>(pub &'a Map<String, Value>);

/// The two comparison relations of IFEval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    LessThan,
    AtLeast,
}

impl Relation {
    pub fn holds(self, count: usize, n: i64) -> bool {
        let c = i64::try_from(count).unwrap_or(i64::MAX);
        match self {
            Relation::LessThan => c < n,
            Relation::AtLeast => c >= n,
        }
    }
}

/// Longest string argument accepted (a keyword, a phrase, a prompt to repeat).
pub const MAX_STR: usize = 64 * 1024;

impl<'a> Kwargs<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    pub fn int(&self, key: &str) -> Result<i64, String> {
        let v = self
            .get(key)
            .ok_or_else(|| format!("missing argument `{key}`"))?;
        let n = match v {
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                    .map(|f| f as i64)
            }),
            _ => None,
        };
        match n {
            Some(n) if n >= 0 => Ok(n),
            Some(_) => Err(format!("argument `{key}` is negative")),
            None => Err(format!("argument `{key}` is not an integer: {v}")),
        }
    }

    pub fn str(&self, key: &str) -> Result<&'a str, String> {
        let v = self
            .get(key)
            .ok_or_else(|| format!("missing argument `{key}`"))?;
        let s = v
            .as_str()
            .ok_or_else(|| format!("argument `{key}` is not a string: {v}"))?;
        if s.len() > MAX_STR {
            return Err(format!("argument `{key}` is longer than {MAX_STR} bytes"));
        }
        Ok(s)
    }

    pub fn str_list(&self, key: &str) -> Result<Vec<&'a str>, String> {
        let v = self
            .get(key)
            .ok_or_else(|| format!("missing argument `{key}`"))?;
        let arr = v
            .as_array()
            .ok_or_else(|| format!("argument `{key}` is not a list: {v}"))?;
        arr.iter()
            .map(|x| {
                x.as_str()
                    .filter(|s| s.len() <= MAX_STR)
                    .ok_or_else(|| format!("argument `{key}` has a non-string entry: {x}"))
            })
            .collect()
    }

    pub fn relation(&self, key: &str) -> Result<Relation, String> {
        match self.str(key)? {
            "less than" => Ok(Relation::LessThan),
            "at least" => Ok(Relation::AtLeast),
            other => Err(format!(
                "argument `{key}` must be \"less than\" or \"at least\", got {other:?}"
            )),
        }
    }
}
