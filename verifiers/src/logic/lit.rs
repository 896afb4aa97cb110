//! Surface-form helpers for answers: code fences, numbered lines, and a small parser for JSON
//! *and* Python literals (lists, dicts, strings, numbers, booleans), so `['a', 'b']` and
//! `["a","b"]` read the same. It never evaluates anything; depth and size are capped, so any
//! input string returns in time linear in its length.

/// Deepest nesting the literal parser accepts.
const MAX_DEPTH: usize = 32;

/// A parsed literal. Dict entries keep their order and duplicates (the answer's own order matters
/// for plans that run step by step).
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    List(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

impl Lit {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Lit::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Strip one surrounding Markdown code fence (```lang ... ```) if present, and trim.
pub fn unfence(s: &str) -> &str {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix("```") {
        let body = match rest.find('\n') {
            Some(i) => &rest[i + 1..],
            None => rest,
        };
        let body = body.trim_end();
        return body.strip_suffix("```").unwrap_or(body).trim();
    }
    if t.len() >= 2 && t.starts_with('`') && t.ends_with('`') {
        return t.trim_matches('`').trim();
    }
    t
}

/// Remove a list marker at the start of a line: `1.`, `2)`, `-`, `*`, `•`.
pub fn strip_marker(line: &str) -> &str {
    let t = line.trim();
    for m in ["- ", "* ", "• "] {
        if let Some(r) = t.strip_prefix(m) {
            return r.trim();
        }
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits < 4 {
        let rest = &t[digits..];
        for m in [". ", ") ", ": ", "."] {
            if let Some(r) = rest.strip_prefix(m) {
                return r.trim();
            }
        }
    }
    t
}

/// A two-way answer (Yes/No, 1/0) read from text: `classify` maps a word to its side.
///
/// The first sentence that names a side decides, so `Yes. No counterexample exists.` is Yes;
/// `Err("hedge")` when that sentence names both sides (`Yes/No`, `0 or 1`) or a later sentence
/// is nothing but the other side (`Yes. No.`); `Err("no_polarity")` when no sentence names one.
pub fn two_way(text: &str, classify: impl Fn(&str) -> Option<bool>) -> Result<bool, &'static str> {
    let lower = text.to_lowercase();
    let mut decided: Option<bool> = None;
    for sentence in lower.split(['.', '!', '?', '\n', ';']) {
        let (mut t, mut f, mut bare) = (false, false, true);
        for w in sentence
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            match classify(w) {
                Some(true) => t = true,
                Some(false) => f = true,
                None => bare = false,
            }
        }
        match decided {
            None if t && f => return Err("hedge"),
            None if t || f => decided = Some(t),
            Some(d) if bare && (t || f) && (t != d || f == d) => return Err("hedge"),
            _ => {}
        }
    }
    decided.ok_or("no_polarity")
}

/// Reasoning Gym's default scorer, for `Options::partial_credit` on the families that use it
/// (syllogism, arc_1d): a wrong answer that contains the stored answer earns
/// `len(gold) / len(answer)` (so `No/Yes` against `Yes` earns 0.5); anything else 0.
pub fn substring_credit(answer: &str, gold: Option<&serde_json::Value>) -> f64 {
    match gold.and_then(serde_json::Value::as_str) {
        Some(g) if !g.is_empty() && answer.contains(g) => {
            g.chars().count() as f64 / answer.chars().count().max(1) as f64
        }
        _ => 0.0,
    }
}

/// Parse a JSON or Python literal. Trailing commas are allowed; anything after the value is an error.
pub fn parse(s: &str) -> Option<Lit> {
    let mut p = P {
        b: s.as_bytes(),
        s,
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    (p.i == p.b.len()).then_some(v)
}

struct P<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Option<Lit> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'[' | b'(' => {
                let close = if self.peek()? == b'[' { b']' } else { b')' };
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.peek()? == close {
                        self.i += 1;
                        return Some(Lit::List(items));
                    }
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        c if c == close => {}
                        _ => return None,
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.peek()? == b'}' {
                        self.i += 1;
                        return Some(Lit::Dict(items));
                    }
                    let k = self.value(depth + 1)?;
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    items.push((k, v));
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => {}
                        _ => return None,
                    }
                }
            }
            q @ (b'"' | b'\'') => self.string(q),
            _ => self.atom(),
        }
    }

    fn string(&mut self, q: u8) -> Option<Lit> {
        self.i += 1;
        let mut out = String::new();
        let mut start = self.i;
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if c == q {
                out.push_str(&self.s[start..self.i]);
                self.i += 1;
                return Some(Lit::Str(out));
            }
            if c == b'\\' {
                out.push_str(&self.s[start..self.i]);
                let e = *self.b.get(self.i + 1)?;
                out.push(match e {
                    b'n' => '\n',
                    b't' => '\t',
                    b'"' => '"',
                    b'\'' => '\'',
                    b'\\' => '\\',
                    b'/' => '/',
                    _ => return None,
                });
                self.i += 2;
                start = self.i;
                continue;
            }
            self.i += 1;
        }
        None
    }

    fn atom(&mut self) -> Option<Lit> {
        let start = self.i;
        while self.i < self.b.len()
            && (self.b[self.i].is_ascii_alphanumeric() || b"+-._".contains(&self.b[self.i]))
        {
            self.i += 1;
        }
        let w = &self.s[start..self.i];
        match w {
            "true" | "True" => Some(Lit::Bool(true)),
            "false" | "False" => Some(Lit::Bool(false)),
            "null" | "None" => Some(Lit::Null),
            _ if !w.is_empty() && w.len() <= 40 => w.parse::<f64>().ok().map(Lit::Num),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_python_agree() {
        let a = parse(r#"[{"a": 1, "b": "x"}, ]"#).unwrap();
        let b = parse("[{'a': 1, 'b': 'x'}]").unwrap();
        assert_eq!(a, b);
        assert_eq!(parse("(1, 2)"), parse("[1,2]"));
        assert_eq!(parse("[1, 2] x"), None);
        assert_eq!(parse(&"[".repeat(100)), None);
        assert_eq!(parse("'unterminated"), None);
    }

    #[test]
    fn two_way_answers() {
        let yn = |w: &str| match w {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        assert_eq!(two_way("Yes. No counterexample.", yn), Ok(true));
        assert_eq!(two_way("**No**", yn), Ok(false));
        assert_eq!(two_way("Yes/No", yn), Err("hedge"));
        assert_eq!(two_way("Yes. No.", yn), Err("hedge"));
        assert_eq!(two_way("Yes. Yes!", yn), Ok(true));
        assert_eq!(two_way("maybe", yn), Err("no_polarity"));
    }

    #[test]
    fn reasoning_gym_substring_credit() {
        let g = serde_json::json!("Yes");
        assert_eq!(substring_credit("No/Yes", Some(&g)), 0.5);
        assert_eq!(substring_credit("No", Some(&g)), 0.0);
        assert_eq!(substring_credit("Yes", None), 0.0);
    }

    #[test]
    fn fences_and_markers() {
        assert_eq!(unfence("```json\n[1]\n```"), "[1]");
        assert_eq!(unfence("`abc`"), "abc");
        assert_eq!(strip_marker("2. foo"), "foo");
        assert_eq!(strip_marker("- bar"), "bar");
        assert_eq!(strip_marker("12 apples"), "12 apples");
    }
}
