//! Does a text parse as JSON the way Python's `json.loads` decides it?
//!
//! `detectable_format:json_format` passes when `json.loads` succeeds. Python's decoder accepts
//! any scalar at the top level, duplicate keys, lone surrogate escapes and numbers of any size,
//! and (outside RFC 8259) `NaN`, `Infinity` and `-Infinity`; it rejects a BOM, trailing commas,
//! single quotes and raw control characters inside strings. This validator follows it, with
//! the non-standard constants accepted only when `allow_constants` is set (compat mode). It
//! keeps an explicit stack, so deep nesting costs memory linear in the input, never recursion.

/// `true` when `s` is one JSON value surrounded by JSON whitespace (` \t\n\r`).
pub fn is_json(s: &str, allow_constants: bool) -> bool {
    let b = s.as_bytes();
    let mut p = Parser {
        b,
        i: 0,
        allow_constants,
    };
    p.value() && {
        p.ws();
        p.i == b.len()
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    allow_constants: bool,
}

#[derive(Clone, Copy)]
enum Frame {
    Array,
    Object,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.b[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    /// One value, nested containers included, without recursion.
    fn value(&mut self) -> bool {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            // Expect a value here.
            self.ws();
            match self.peek() {
                Some(b'[') => {
                    self.i += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                    } else {
                        stack.push(Frame::Array);
                        continue;
                    }
                }
                Some(b'{') => {
                    self.i += 1;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                    } else {
                        if !self.key() {
                            return false;
                        }
                        stack.push(Frame::Object);
                        continue;
                    }
                }
                _ => {
                    if !self.scalar() {
                        return false;
                    }
                }
            }
            // After a value: close containers or move to the next element.
            loop {
                let Some(&top) = stack.last() else {
                    return true;
                };
                self.ws();
                match (top, self.peek()) {
                    (_, Some(b',')) => {
                        self.i += 1;
                        if let Frame::Object = top {
                            self.ws();
                            if !self.key() {
                                return false;
                            }
                        }
                        break;
                    }
                    (Frame::Array, Some(b']')) | (Frame::Object, Some(b'}')) => {
                        self.i += 1;
                        stack.pop();
                    }
                    _ => return false,
                }
            }
        }
    }

    /// `"key" :` of an object member.
    fn key(&mut self) -> bool {
        if self.peek() != Some(b'"') || !self.string() {
            return false;
        }
        self.ws();
        if self.peek() != Some(b':') {
            return false;
        }
        self.i += 1;
        true
    }

    fn scalar(&mut self) -> bool {
        match self.peek() {
            Some(b'"') => self.string(),
            Some(b't') => self.eat("true"),
            Some(b'f') => self.eat("false"),
            Some(b'n') => self.eat("null"),
            Some(b'N') if self.allow_constants => self.eat("NaN"),
            Some(b'I') if self.allow_constants => self.eat("Infinity"),
            Some(b'-') if self.allow_constants && self.b[self.i..].starts_with(b"-Infinity") => {
                self.i += 9;
                true
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => false,
        }
    }

    fn digits(&mut self) -> usize {
        let s = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - s
    }

    fn number(&mut self) -> bool {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return false,
        }
        // A fraction or exponent that does not complete is left unread (Python's regex stops
        // there), and the trailing text then fails the whole parse, as in Python.
        if self.peek() == Some(b'.') && self.b.get(self.i + 1).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            let save = self.i;
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                self.i = save;
            }
        }
        true
    }

    fn string(&mut self) -> bool {
        self.i += 1;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'"' => return true,
                b'\\' => match self.peek() {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                    Some(b'u') => {
                        let hex = self.b.get(self.i + 1..self.i + 5);
                        if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                            return false;
                        }
                        self.i += 5;
                    }
                    _ => return false,
                },
                0..=0x1f => return false,
                _ => {}
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn python_json_loads() {
        for ok in [
            "{}",
            " [1, 2.5e3, -0, \"a\\u00e9\"] ",
            "\"x\"",
            "1e400",
            "{\"a\":1,\"a\":2}",
        ] {
            assert!(is_json(ok, false), "{ok}");
        }
        for bad in [
            "",
            "[1,]",
            "{'a': 1}",
            "\u{feff}{}",
            "01",
            "[1 2]",
            "\"a\nb\"",
            "{\"a\"}",
        ] {
            assert!(!is_json(bad, true), "{bad:?}");
        }
        assert!(is_json("[NaN, -Infinity]", true));
        assert!(!is_json("[NaN]", false));
        assert!(is_json(
            &"[".repeat(100_000)
                .to_string()
                .chars()
                .chain("]".repeat(100_000).chars())
                .collect::<String>(),
            false
        ));
    }
}
