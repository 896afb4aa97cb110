//! Reading JSONL records faster than serde_json, with the same answers.
//!
//! `rlvr grade` spent a seventh of its time turning lines into JSON, most of it in the one long
//! string of a record, the response: 1-3 KB of prose and LaTeX with a backslash every few dozen
//! bytes. serde_json stops at each backslash and copies the run before it through a scratch
//! buffer. Here, on AVX2, `simd::decode` copies 32 bytes at a time straight into the output
//! and decodes the one-character escapes in place; elsewhere [`decode_portable`] finds the
//! next stop eight bytes at a time and copies the run before it in one go.
//! [`parse`] reads a whole line into a [`Value`]; [`Parser`] lets `grade::record` take the
//! usual record apart field by field without building one.
//!
//! The contract is narrow on purpose: [`parse`] returns `Some(value)` only where
//! `serde_json::from_slice` returns `Ok(value)` with the same value, and `None` for anything
//! it does not handle itself (an error of any kind, nesting deeper than [`MAX_DEPTH`]), so the
//! caller hands those lines to serde_json, which gives the answer and the error message. Plain
//! integers of up to 18 digits are read here; every other number is read by serde_json itself,
//! on its own bytes, so it is the same number. Tests hold both readers to the same values.

mod simd;

pub use simd::prefetch;

use serde_json::{Map, Number, Value};

/// Nesting deeper than this is left to serde_json (whose own limit is 128).
pub const MAX_DEPTH: usize = 64;

/// `line` as JSON, when it is JSON this reader handles; `None` otherwise (see the module doc).
pub fn parse(line: &[u8]) -> Option<Value> {
    parse_with(line, Decoder::best())
}

/// [`parse`] with a given string decoder (one this CPU runs: [`Decoder::all`]), for tests and
/// benchmarks of the code other machines run.
pub fn parse_with(line: &[u8], decoder: Decoder) -> Option<Value> {
    let mut p = Parser::new(line);
    p.decoder = decoder;
    let value = p.value()?;
    p.end().then_some(value)
}

/// How strings are decoded: the same bytes whichever it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoder {
    /// 32 bytes per step (`simd`).
    Avx2,
    /// Eight bytes per step in a `u64` ([`decode_portable`]).
    Portable,
}

impl Decoder {
    /// The fastest this CPU runs.
    pub fn best() -> Decoder {
        if simd::available() {
            Decoder::Avx2
        } else {
            Decoder::Portable
        }
    }

    /// Every decoder this CPU runs, fastest first.
    pub fn all() -> Vec<Decoder> {
        let mut all = vec![Decoder::Portable];
        if simd::available() {
            all.insert(0, Decoder::Avx2);
        }
        all
    }

    /// Decode the string body that starts at `b[*i]`, as [`decode_portable`] says.
    pub fn decode(self, b: &[u8], i: &mut usize, out: &mut Vec<u8>) -> Option<bool> {
        match self {
            Decoder::Avx2 => simd::decode(b, i, out),
            Decoder::Portable => decode_portable(b, i, out),
        }
    }
}

/// A cursor over one line of JSON, for readers that take a record apart field by field
/// (`grade::record`). Every method answers `None` where [`parse`] would.
pub struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
    bufs: Buffers,
    decoder: Decoder,
}

/// Strings up to this long are copied out of the scratch buffer into one of their own size.
const SHORT: usize = 256;

/// The memory a reader of many lines carries from one to the next, so that a line's strings
/// are decoded without asking the allocator: the scratch buffer strings are decoded into, and
/// the buffers of long strings (responses) whose owners are done with them.
#[derive(Default)]
pub struct Buffers {
    /// Where strings are decoded: a short one is copied out (the scratch's capacity stays for
    /// the next), a long one takes the buffer with it and a spare one takes its place.
    scratch: Vec<u8>,
    spare: Vec<Vec<u8>>,
}

impl Buffers {
    /// Spare buffers kept at most (a record's responses, handed back together).
    const MAX_SPARE: usize = 16;
    /// Larger buffers go back to the allocator (an outsize response should not stay resident).
    const MAX_KEPT: usize = 1 << 20;

    /// Keep the memory of a string that is no longer needed, for the next long string.
    pub fn give_back(&mut self, s: String) {
        let keep = (SHORT + 1..=Self::MAX_KEPT).contains(&s.capacity());
        if keep && self.spare.len() < Self::MAX_SPARE {
            let mut bytes = s.into_bytes();
            bytes.clear();
            self.spare.push(bytes);
        }
    }
}

impl<'a> Parser<'a> {
    pub fn new(line: &'a [u8]) -> Self {
        Self::with_buffers(line, Buffers::default())
    }

    /// A parser of `line` that decodes into `bufs` (get them back with [`Parser::into_buffers`]).
    pub fn with_buffers(line: &'a [u8], bufs: Buffers) -> Self {
        Parser {
            b: line,
            i: 0,
            depth: 0,
            bufs,
            decoder: Decoder::best(),
        }
    }

    /// The buffers, for the next line.
    pub fn into_buffers(self) -> Buffers {
        self.bufs
    }

    /// Only whitespace is left.
    pub fn end(&mut self) -> bool {
        self.skip_ws();
        self.i == self.b.len()
    }

    /// After whitespace, `byte` (consumed) is next.
    pub fn eat(&mut self, byte: u8) -> bool {
        self.skip_ws();
        let next = self.b.get(self.i) == Some(&byte);
        self.i += usize::from(next);
        next
    }

    /// After whitespace, the next byte, not consumed.
    pub fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.b.get(self.i).copied()
    }

    /// After whitespace, a string.
    pub fn string_value(&mut self) -> Option<String> {
        (self.peek()? == b'"').then(|| self.string())?
    }

    /// After whitespace, a string's bytes (valid UTF-8), in a buffer the next call reuses: for
    /// strings that are looked at, not kept (object keys, a domain's name).
    pub fn key(&mut self) -> Option<&[u8]> {
        if self.peek()? != b'"' {
            return None;
        }
        let ascii = self.decode_to_scratch()?;
        let s = &self.bufs.scratch;
        (ascii || std::str::from_utf8(s).is_ok()).then_some(&s[..])
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// After whitespace, any value.
    pub fn value(&mut self) -> Option<Value> {
        self.skip_ws();
        match *self.b.get(self.i)? {
            b'"' => self.string().map(Value::String),
            b'{' => self.nested(Self::object),
            b'[' => self.nested(Self::array),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// Decode the string whose opening quote is at `self.i` into the scratch buffer; whether
    /// it is all ASCII.
    fn decode_to_scratch(&mut self) -> Option<bool> {
        self.i += 1;
        self.bufs.scratch.clear();
        self.decoder
            .decode(self.b, &mut self.i, &mut self.bufs.scratch)
    }

    /// The string whose opening quote is at `self.i`.
    fn string(&mut self) -> Option<String> {
        let ascii = self.decode_to_scratch()?;
        let bufs = &mut self.bufs;
        let bytes = if bufs.scratch.len() <= SHORT {
            bufs.scratch.clone()
        } else {
            let spare = bufs.spare.pop().unwrap_or_default();
            std::mem::replace(&mut bufs.scratch, spare)
        };
        simd::into_string(bytes, ascii)
    }

    fn nested(&mut self, inner: fn(&mut Self) -> Option<Value>) -> Option<Value> {
        if self.depth == MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        self.i += 1;
        let value = inner(self);
        self.depth -= 1;
        value
    }

    /// After an opening bracket: items read by `each`, separated by commas, up to and
    /// including `close`.
    pub fn list(&mut self, close: u8, mut each: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if self.eat(close) {
            return Some(());
        }
        loop {
            each(self)?;
            if self.eat(close) {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// After `{`: members up to and including `}`. A repeated key keeps its last value, as
    /// serde_json's `Value` does.
    fn object(&mut self) -> Option<Value> {
        let mut map = Map::new();
        self.list(b'}', |p| {
            let key = p.string_value()?;
            if !p.eat(b':') {
                return None;
            }
            map.insert(key, p.value()?);
            Some(())
        })?;
        Some(Value::Object(map))
    }

    /// After `[`: elements up to and including `]`.
    fn array(&mut self) -> Option<Value> {
        let mut items = Vec::new();
        self.list(b']', |p| {
            items.push(p.value()?);
            Some(())
        })?;
        Some(Value::Array(items))
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Option<Value> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| {
            self.i = end;
            value
        })
    }

    /// A number. Plain integers of up to 18 digits (ids, indices) are read here; every other
    /// number is read by serde_json itself, on its own bytes: the same grammar, the same
    /// integer/float split and the same rounding as inside a whole document.
    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        let negative = self.b[start] == b'-';
        let digits_at = start + usize::from(negative);
        let digits = self.b[digits_at..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let end = digits_at + digits;
        let plain = (1..=18).contains(&digits)
            && (self.b[digits_at] != b'0' || (digits == 1 && !negative))
            && !matches!(self.b.get(end), Some(b'.' | b'e' | b'E' | b'-' | b'+'));
        if plain {
            let n = self.b[digits_at..end]
                .iter()
                .fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
            self.i = end;
            return Some(Value::from(if negative { -n } else { n }));
        }
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
        }
        serde_json::from_slice::<Number>(&self.b[start..self.i])
            .ok()
            .map(Value::Number)
    }
}

/// Decode the string body that starts at `b[*i]` (just after its opening quote) onto `out`,
/// as bytes (their UTF-8 is the caller's to check); on success `*i` is just past the closing
/// quote, and the answer says whether the bytes added are all ASCII. `None` for what
/// serde_json rejects but invalid UTF-8: a control character, an unknown escape, a lone
/// surrogate, no closing quote.
///
/// Without vector instructions (`simd::decode` does the same on AVX2): copy up to the next
/// quote, backslash or control character (found eight bytes at a time), then decide.
pub fn decode_portable(b: &[u8], i: &mut usize, out: &mut Vec<u8>) -> Option<bool> {
    let start = out.len();
    loop {
        let rest = b.get(*i..)?;
        let n = next_stop(rest)?;
        out.extend_from_slice(&rest[..n]);
        *i += n;
        if !after_stop(b, i, out)? {
            return Some(out[start..].is_ascii());
        }
    }
}

/// Where the first quote, backslash or control character of `s` is, if it has one.
fn next_stop(s: &[u8]) -> Option<usize> {
    let mut words = s.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let hits = stops(u64::from_le_bytes(word.try_into().ok()?));
        if hits != 0 {
            return Some(at + hits.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = words.remainder();
    let n = tail
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
    Some(at + n)
}

/// The stops among the eight bytes of `w` (a little-endian word): a byte's high bit is set
/// where the byte equals a quote (`x ^ '"'` is zero) or a backslash, or is below 0x20. A
/// subtraction's borrow can also set the bit of a byte above a stop, never below the first, so
/// the lowest bit set is the first stop.
fn stops(w: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x;
    (zero_in(w ^ (ONES * u64::from(b'"')))
        | zero_in(w ^ (ONES * u64::from(b'\\')))
        | (w.wrapping_sub(ONES * 0x20) & !w))
        & (ONES << 7)
}

/// At a stop (`b[*i]` is a quote, a backslash or a control character): `Some(false)` at the
/// closing quote (consumed), `Some(true)` after decoding an escape into `out`, `None` if the
/// string is not one serde_json accepts.
fn after_stop(b: &[u8], i: &mut usize, out: &mut Vec<u8>) -> Option<bool> {
    match *b.get(*i)? {
        b'"' => {
            *i += 1;
            Some(false)
        }
        b'\\' => {
            escape(b, i, out)?;
            Some(true)
        }
        _ => None,
    }
}

/// Decode the escape at `b[*i]` (a backslash) into `out`.
fn escape(b: &[u8], i: &mut usize, out: &mut Vec<u8>) -> Option<()> {
    if b.get(*i + 1) == Some(&b'u') {
        return unicode_escape(b, i, out);
    }
    out.push(simple_escape(b, *i)?);
    *i += 2;
    Some(())
}

/// The byte a one-character escape (`\\`, `\n`, ...) at `b[at]` stands for, if one is there
/// whole.
fn simple_escape(b: &[u8], at: usize) -> Option<u8> {
    match (b.get(at), b.get(at + 1)) {
        (Some(b'\\'), Some(&c)) => Some(SIMPLE_ESCAPES[c as usize]).filter(|&byte| byte != 0),
        _ => None,
    }
}

/// What the character after a backslash stands for, for the one-character escapes; 0 for the
/// others (`u`, and what is not an escape).
const SIMPLE_ESCAPES: [u8; 256] = {
    let mut t = [0; 256];
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t[b'/' as usize] = b'/';
    t[b'b' as usize] = 0x08;
    t[b'f' as usize] = 0x0c;
    t[b'n' as usize] = b'\n';
    t[b'r' as usize] = b'\r';
    t[b't' as usize] = b'\t';
    t
};

/// `\uXXXX`, or a surrogate pair `\uD8xx\uDCxx`, at `b[*i]`. A lone surrogate is `None`
/// (serde_json rejects it).
fn unicode_escape(b: &[u8], i: &mut usize, out: &mut Vec<u8>) -> Option<()> {
    let first = hex4(b.get(*i + 2..*i + 6)?)?;
    let (code, len) = match first {
        0xD800..=0xDBFF => {
            if b.get(*i + 6..*i + 8)? != b"\\u" {
                return None;
            }
            let second = hex4(b.get(*i + 8..*i + 12)?)?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return None;
            }
            (0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00), 12)
        }
        0xDC00..=0xDFFF => return None,
        _ => (first, 6),
    };
    let c = char::from_u32(code)?;
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    *i += len;
    Some(())
}

fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &d| {
        let v = (d as char).to_digit(16)?;
        Some(acc * 16 + v)
    })
}

#[cfg(test)]
mod tests;
