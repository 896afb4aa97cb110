//! A Python literal reader for open-instruct's `ground_truth` strings.
//!
//! `allenai/IF_multi_constraints_upto5` stores its constraints as `str()` of a Python list:
//! `"[{'instruction_id': ['punctuation:no_comma'], 'kwargs': [None]}]"`, which is not JSON
//! (single quotes, `None`, `True`, tuples). open-instruct reads it with `ast.literal_eval`;
//! this reads the same subset (dicts, lists, tuples, strings with escapes, ints, floats,
//! `None`/`True`/`False`) into JSON values, iteratively bounded by the input length.

use serde_json::{Map, Number, Value};

/// Parse one Python literal; `None` when the text is not one.
pub fn parse(s: &str) -> Option<Value> {
    let mut p = P {
        c: s.chars().collect(),
        i: 0,
        depth: 0,
    };
    let v = p.value()?;
    p.ws();
    (p.i == p.c.len()).then_some(v)
}

struct P {
    c: Vec<char>,
    i: usize,
    depth: usize,
}

const MAX_DEPTH: usize = 64;

impl P {
    fn ws(&mut self) {
        while self.i < self.c.len() && self.c[self.i].is_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }

    fn word(&mut self, w: &str) -> bool {
        let n = w.chars().count();
        if self.c.len() >= self.i + n && self.c[self.i..self.i + n].iter().copied().eq(w.chars()) {
            self.i += n;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Value> {
        self.ws();
        match self.peek()? {
            '[' | '(' => {
                let close = if self.peek()? == '[' { ']' } else { ')' };
                self.i += 1;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.peek()? == close {
                        self.i += 1;
                        break;
                    }
                    items.push(self.value()?);
                    self.ws();
                    match self.peek()? {
                        ',' => self.i += 1,
                        c if c == close => {}
                        _ => return None,
                    }
                }
                self.depth -= 1;
                Some(Value::Array(items))
            }
            '{' => {
                self.i += 1;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                let mut map = Map::new();
                loop {
                    self.ws();
                    if self.peek()? == '}' {
                        self.i += 1;
                        break;
                    }
                    let key = match self.value()? {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    self.ws();
                    if self.peek()? != ':' {
                        return None;
                    }
                    self.i += 1;
                    let v = self.value()?;
                    map.insert(key, v);
                    self.ws();
                    match self.peek()? {
                        ',' => self.i += 1,
                        '}' => {}
                        _ => return None,
                    }
                }
                self.depth -= 1;
                Some(Value::Object(map))
            }
            '\'' | '"' => self.string(),
            _ if self.word("None") => Some(Value::Null),
            _ if self.word("True") => Some(Value::Bool(true)),
            _ if self.word("False") => Some(Value::Bool(false)),
            _ => self.number(),
        }
    }

    fn string(&mut self) -> Option<Value> {
        let q = self.peek()?;
        self.i += 1;
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            self.i += 1;
            if c == q {
                // Adjacent literals concatenate ('a' 'b'), as in Python.
                self.ws();
                if matches!(self.peek(), Some('\'' | '"')) {
                    if let Some(Value::String(s)) = self.string() {
                        out.push_str(&s);
                    } else {
                        return None;
                    }
                }
                return Some(Value::String(out));
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let e = self.peek()?;
            self.i += 1;
            match e {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'a' => out.push('\u{7}'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'v' => out.push('\u{b}'),
                '\\' | '\'' | '"' => out.push(e),
                '\n' => {}
                'x' | 'u' | 'U' => {
                    let n = match e {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex: String = self.c.get(self.i..self.i + n)?.iter().collect();
                    self.i += n;
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E' | '_'))
        {
            self.i += 1;
        }
        let s: String = self.c[start..self.i]
            .iter()
            .filter(|&&c| c != '_')
            .collect();
        if let Ok(n) = s.parse::<i64>() {
            return Some(Value::Number(n.into()));
        }
        let f: f64 = s.parse().ok()?;
        Number::from_f64(f).map(Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use serde_json::json;

    #[test]
    fn open_instruct_ground_truth() {
        let v = parse("[{'instruction_id': ['a:b', \"c:d\"], 'kwargs': [None, {'n': 3, 'x': 'it\\'s', 'f': 1.5, 't': True}]}]");
        assert_eq!(
            v,
            Some(
                json!([{"instruction_id": ["a:b", "c:d"], "kwargs": [null, {"n": 3, "x": "it's", "f": 1.5, "t": true}]}])
            )
        );
        assert_eq!(parse("(1, 2)"), Some(json!([1, 2])));
        assert_eq!(parse("[1, 2"), None);
        assert_eq!(parse(&"[".repeat(1000)), None);
    }
}
