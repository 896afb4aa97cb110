//! Small Python idioms the IFBench and IFEvalG checkers are written in.
//!
//! `string.punctuation` stripping and removal, `str.strip(chars)`, nltk's `sent_tokenize` and
//! `word_tokenize` as lists, Google's regex sentence splitter (IFEvalG's
//! `split_into_sentences`), `unicodedata.normalize("NFKD", s).encode("ascii", "ignore")` for
//! the Latin letters, and `emoji.is_emoji` for one character.

use super::{punkt, pystr, wordtok};
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;
use std::sync::OnceLock;

/// A word-at-a-time multiplicative hash, for the tables keyed by short fixed strings (ids,
/// Punkt's parameters, word lists): nothing an attacker could flood (the tables are fixed; a
/// response's words are only looked up), and far cheaper per lookup than SipHash. Eight bytes
/// per step, then a finalizer that spreads the product's high bits into the low ones, which
/// pick the bucket.
#[derive(Default)]
pub struct WordHash(u64);

const WORD_MUL: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for WordHash {
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(WORD_MUL);
        }
        let r = chunks.remainder();
        if !r.is_empty() {
            let mut w = [0u8; 8];
            w[..r.len()].copy_from_slice(r);
            // The length in the top byte keeps "a" and "a\0" apart.
            let tail = u64::from_le_bytes(w) ^ ((r.len() as u64) << 59);
            h = (h.rotate_left(23) ^ tail).wrapping_mul(WORD_MUL);
        }
        self.0 = h;
    }
}

pub type FastBuild = BuildHasherDefault<WordHash>;

/// A character of `string.punctuation` (the 32 ASCII punctuation marks).
pub fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// `s.translate(str.maketrans("", "", string.punctuation))`.
pub fn no_punct(s: &str) -> String {
    // The marks are ASCII, never inside a multi-byte character: copy the runs between them.
    let mut out = String::with_capacity(s.len());
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b.is_ascii_punctuation() {
            out.push_str(&s[start..i]);
            start = i + 1;
        }
    }
    out.push_str(&s[start..]);
    out
}

/// `s.strip(string.punctuation + " ")`.
pub fn strip_ps(s: &str) -> &str {
    s.trim_matches(|c: char| is_punct(c) || c == ' ')
}

/// `nltk.sent_tokenize(v)` (Punkt, English parameters), through the row's memo (several
/// instructions of a row split the same text, and a sentence is split again when tokenized).
pub fn sentences(v: &str) -> Vec<&str> {
    spans(v).iter().filter_map(|&(a, b)| v.get(a..b)).collect()
}

/// Punkt's sentence spans of `v`, through the row's memo.
fn spans(v: &str) -> Rc<[(usize, usize)]> {
    memoized(v, |m| &mut m.spans, || punkt::sentence_spans(v).into())
}

/// A list of strings (a text's tokens or sentences) held as one buffer and the span of each
/// entry in it: a list of any length is two allocations, not one per entry.
#[derive(Debug, Default)]
pub struct StrList {
    text: String,
    spans: Vec<(u32, u32)>,
}

impl StrList {
    /// The whitespace-separated words of `t` (Python's `str.split()`), `t` kept as the buffer.
    fn of_text(t: String) -> Self {
        let base = t.as_ptr() as usize;
        let mut spans = Vec::with_capacity(t.len() / 3 + 2);
        spans.extend(pystr::split_ws(&t).map(|w| {
            let a = w.as_ptr() as usize - base;
            (a as u32, (a + w.len()) as u32)
        }));
        StrList { text: t, spans }
    }

    /// Add `e` at the end.
    fn push(&mut self, e: &str) {
        let a = self.text.len() as u32;
        self.text.push_str(e);
        self.spans.push((a, self.text.len() as u32));
    }

    /// Append `other`'s entries.
    fn extend(&mut self, other: &StrList) {
        let off = self.text.len() as u32;
        self.text.push_str(&other.text);
        self.spans
            .extend(other.spans.iter().map(|&(a, b)| (a + off, b + off)));
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + '_ {
        self.spans
            .iter()
            .map(|&(a, b)| &self.text[a as usize..b as usize])
    }
}

impl std::ops::Index<usize> for StrList {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        let (a, b) = self.spans[i];
        &self.text[a as usize..b as usize]
    }
}

/// The tokens of a text, shared with the row's memo.
pub type Tokens = Rc<StrList>;

/// The Treebank tokens of the sentences seen while scoring one row. The reference re-tokenizes
/// every loose variant of the response (and every instruction of a row re-tokenizes it again),
/// and the variants share most of their sentences; `treebank_tokens` is a pure function of the
/// sentence, so its result is kept until [`forget_tokens`] (called by `verify` for each row,
/// so nothing is carried from one response to the next) or until the memo holds
/// [`MEMO_BYTES`] of key text. Whole texts keep their Punkt spans and regex-splitter sentences
/// as well, shared (`Rc`) rather than copied out on each look-up.
///
/// Keyed by the response's text, hashed with foldhash under a per-process random seed: several
/// times cheaper than SipHash on sentence-sized keys (the memo's hashing was a tenth of a
/// tokenizing row's time). A response cannot see the seed, and the memo is bounded by
/// [`MEMO_BYTES`] of keys and emptied for every row, so no text can make its look-ups costly.
struct TokenMemo {
    /// Treebank tokens of single sentences.
    map: MemoMap<Tokens>,
    /// Punkt's sentence spans of whole texts.
    spans: MemoMap<Rc<[(usize, usize)]>>,
    /// Google's regex splitter's sentences of whole texts.
    regex_sents: MemoMap<Rc<StrList>>,
    bytes: usize,
}

type MemoMap<V> = HashMap<String, V, foldhash::fast::RandomState>;

impl TokenMemo {
    /// Count `len` more bytes of keys; false (store nothing) for a key longer than the memo,
    /// and past [`MEMO_BYTES`] everything is dropped first.
    fn remember(&mut self, len: usize) -> bool {
        if len > MEMO_BYTES {
            return false;
        }
        if self.bytes + len > MEMO_BYTES {
            self.clear();
        }
        self.bytes += len;
        true
    }

    fn clear(&mut self) {
        if self.bytes > 0 {
            clear_small(&mut self.map);
            clear_small(&mut self.spans);
            clear_small(&mut self.regex_sents);
            self.bytes = 0;
        }
    }
}

/// Empty `m`, and give back its table when a long response grew it: clearing walks the whole
/// table, which every later row would pay for.
fn clear_small<V>(m: &mut MemoMap<V>) {
    if m.capacity() > 256 {
        *m = MemoMap::default();
    } else {
        m.clear();
    }
}

const MEMO_BYTES: usize = 1 << 16;

thread_local! {
    static TOKEN_MEMO: RefCell<TokenMemo> = RefCell::new(TokenMemo {
        map: MemoMap::default(),
        spans: MemoMap::default(),
        regex_sents: MemoMap::default(),
        bytes: 0,
    });
}

/// `make()` through the row's memo table `table` under `key` (a shared value: cloning it is a
/// count). Computed without the memo when it is in use higher up the stack.
fn memoized<V: Clone>(
    key: &str,
    table: impl Fn(&mut TokenMemo) -> &mut MemoMap<V>,
    make: impl FnOnce() -> V,
) -> V {
    TOKEN_MEMO.with(|m| {
        let Ok(mut m) = m.try_borrow_mut() else {
            return make();
        };
        if let Some(v) = table(&mut m).get(key) {
            return v.clone();
        }
        let v = make();
        if m.remember(key.len()) {
            table(&mut m).insert(key.to_string(), v.clone());
        }
        v
    })
}

/// Drop the memo of sentence tokens (a new row is being scored).
pub fn forget_tokens() {
    TOKEN_MEMO.with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            m.clear();
        }
    });
}

/// `NLTKWordTokenizer().tokenize(s)` for one sentence, through the row's memo.
fn sentence_tokens(s: &str) -> Tokens {
    memoized(
        s,
        |m| &mut m.map,
        || Rc::new(StrList::of_text(wordtok::treebank_text(s))),
    )
}

/// `nltk.word_tokenize(v)`: Punkt sentences, then the Treebank tokenizer on each, through the
/// row's memo (a one-sentence text shares its sentence's list; a longer one is the
/// concatenation of its sentences' lists, a copy, cheaper than keying the whole text).
pub fn word_tokenize(v: &str) -> Tokens {
    let sp = spans(v);
    let mut sents = sp.iter().filter_map(|&(a, b)| v.get(a..b));
    let Some(first) = sents.next() else {
        return Tokens::default();
    };
    let first = sentence_tokens(first);
    let Some(second) = sents.next() else {
        return first;
    };
    let mut all = StrList {
        text: String::with_capacity(v.len() + v.len() / 4),
        spans: Vec::with_capacity(v.len() / 4),
    };
    all.extend(&first);
    all.extend(&sentence_tokens(second));
    for s in sents {
        all.extend(&sentence_tokens(s));
    }
    Rc::new(all)
}

/// Python `str.isdigit()` (decimal digits plus the superscript and circled digits).
pub fn is_digit_str(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            pystr::is_decimal(c)
                || matches!(c as u32, 0xB2 | 0xB3 | 0xB9 | 0x2070 | 0x2074..=0x2079
                    | 0x2080..=0x2089 | 0x2460..=0x2468 | 0x2474..=0x247C | 0x2488..=0x2490
                    | 0x24EA | 0x24F5..=0x24FD | 0x24FF | 0x2776..=0x277E | 0x2780..=0x2788
                    | 0x278A..=0x2792)
        })
}

/// The value of a Unicode decimal digit (`int()` accepts any script's digits).
pub fn digit_value(c: char) -> Option<u32> {
    if c.is_ascii_digit() {
        return Some(c as u32 - '0' as u32);
    }
    const ZEROS: [u32; 24] = [
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0xFF10, 0x1946,
        0x19D0, 0xA620,
    ];
    let u = c as u32;
    ZEROS
        .iter()
        .find(|&&z| (z..z + 10).contains(&u))
        .map(|&z| u - z)
}

/// `t = re.sub(pattern, rep, t)`, leaving `t` untouched (no copy) when nothing matches.
pub fn sub(t: &mut String, re: &Regex, rep: impl regex::Replacer) {
    if let std::borrow::Cow::Owned(s) = re.replace_all(t, rep) {
        *t = s;
    }
}

/// [`sub`], saying whether the text changed.
fn sub_changed(t: &mut String, re: &Regex, rep: impl regex::Replacer) -> bool {
    if let std::borrow::Cow::Owned(s) = re.replace_all(t, rep) {
        *t = s;
        return true;
    }
    false
}

/// Call `f` with the index of each `.` of `b`, in order, until it returns true. Eight bytes at
/// a time: a word with no `.` costs a few operations. (The zero-byte test can flag a byte
/// above a true `.`; every flagged byte is checked.)
fn for_each_dot(b: &[u8], mut f: impl FnMut(usize) -> bool) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const DOTS: u64 = LO * b'.' as u64;
    let mut chunks = b.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w) ^ DOTS;
        let mut m = x.wrapping_sub(LO) & !x & HI;
        while m != 0 {
            let k = base + (m.trailing_zeros() / 8) as usize;
            if b[k] == b'.' && f(k) {
                return;
            }
            m &= m - 1;
        }
        base += 8;
    }
    for (k, &c) in chunks.remainder().iter().enumerate() {
        if c == b'.' && f(base + k) {
            return;
        }
    }
}

/// Google's regex sentence splitter (`instructions_util.split_into_sentences`), which IFEvalG
/// uses where IFBench uses Punkt, through the row's memo (the loose variants of a response
/// share paragraphs, and several instructions split the same text).
pub fn regex_sentences(text: &str) -> Rc<StrList> {
    memoized(
        text,
        |m| &mut m.regex_sents,
        || Rc::new(split_sentences(text)),
    )
}

/// [`regex_sentences`] without the memo. Each substitution is the reference's, in its order.
fn split_sentences(text: &str) -> StrList {
    const STARTERS: &str = r"(Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He\s|She\s|It\s|They\s|Their\s|Our\s|We\s|But\s|However\s|That\s|This\s|Wherever)";
    static R: OnceLock<Vec<Option<Regex>>> = OnceLock::new();
    let pats = R.get_or_init(|| {
        [
            r"(Mr|St|Mrs|Ms|Dr)[.]".to_string(),
            r"[.](com|net|org|io|gov|edu|me)".to_string(),
            r"([0-9])[.]([0-9])".to_string(),
            r"\.{2,}".to_string(),
            r"\s([A-Za-z])[.] ".to_string(),
            format!(r"([A-Z][.][A-Z][.](?:[A-Z][.])?) {STARTERS}"),
            r"([A-Za-z])[.]([A-Za-z])[.]([A-Za-z])[.]".to_string(),
            r"([A-Za-z])[.]([A-Za-z])[.]".to_string(),
            format!(r" (Inc|Ltd|Jr|Sr|Co)[.] {STARTERS}"),
            r" (Inc|Ltd|Jr|Sr|Co)[.]".to_string(),
            r" ([A-Za-z])[.]".to_string(),
        ]
        .iter()
        .map(|p| Regex::new(p).ok())
        .collect()
    });
    let re = |i: usize| pats.get(i).and_then(Option::as_ref);
    // `" " + text + "  "` with each `\n` a space, in one copy.
    let mut t = String::with_capacity(text.len() + 3);
    t.push(' ');
    let mut rest = text;
    while let Some(i) = rest.find('\n') {
        t.push_str(&rest[..i]);
        t.push(' ');
        rest = &rest[i + 1..];
    }
    t.push_str(rest);
    t.push_str("  ");
    // Before each pattern, a byte test that every match passes (all the patterns are ASCII,
    // and ASCII bytes never occur inside a multi-byte UTF-8 character); a pattern that cannot
    // match is skipped, which is what running it would leave.
    // Before each pattern, a byte test that every match passes (all the patterns are ASCII,
    // and ASCII bytes never occur inside a multi-byte UTF-8 character); a pattern that cannot
    // match is skipped, which is what running it would leave. Every pattern matches a `.`, so
    // one pass over the `.`s of the text sets all eleven tests' bits (`dot_tests`), and it is
    // run again only when a substitution has changed the text.
    fn dot_tests(t: &str) -> u16 {
        let b = t.as_bytes();
        let mut bits = 0u16;
        for_each_dot(b, |i| {
            let before = |k: usize| if i >= k { Some(b[i - k]) } else { None };
            let after = |k: usize| b.get(i + k).copied();
            let ends = |words: &[&str]| words.iter().any(|w| b[..i].ends_with(w.as_bytes()));
            let alpha = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphabetic());
            if ends(&["Mr", "St", "Mrs", "Ms", "Dr"]) {
                bits |= 1 << 0;
            }
            if after(1).is_some_and(|c| b"cnoigem".contains(&c)) {
                bits |= 1 << 1;
            }
            if before(1).is_some_and(|c| c.is_ascii_digit())
                && after(1).is_some_and(|c| c.is_ascii_digit())
            {
                bits |= 1 << 2;
            }
            if after(1) == Some(b'.') {
                bits |= 1 << 3;
            }
            // `\s([A-Za-z])[.] `: the byte before the letter is ASCII whitespace or part of a
            // multi-byte character (which may be Unicode whitespace).
            if before(2).is_some_and(|c| c.is_ascii_whitespace() || c == 0x0b || c >= 0x80)
                && alpha(before(1))
                && after(1) == Some(b' ')
            {
                bits |= 1 << 4;
            }
            if after(2) == Some(b'.') && alpha(after(1)) {
                bits |= 1 << 6 | 1 << 7;
                if after(1).is_some_and(|c| c.is_ascii_uppercase()) {
                    bits |= 1 << 5;
                }
            }
            if ends(&[" Inc", " Ltd", " Jr", " Sr", " Co"]) {
                bits |= 1 << 8 | 1 << 9;
            }
            if before(2) == Some(b' ') && alpha(before(1)) {
                bits |= 1 << 10;
            }
            bits == (1 << 11) - 1
        });
        bits
    }
    let mut tests = dot_tests(&t);
    let apply = |t: &mut String, tests: &mut u16, i: usize, rep: &str| {
        if let Some(r) = re(i).filter(|_| *tests & (1 << i) != 0) {
            if sub_changed(t, r, rep) {
                *tests = dot_tests(t);
            }
        }
    };
    for (i, rep) in [(0, "${1}<prd>"), (1, "<prd>${1}"), (2, "${1}<prd>${2}")] {
        apply(&mut t, &mut tests, i, rep);
    }
    if let Some(r) = re(3).filter(|_| tests & (1 << 3) != 0) {
        let changed = sub_changed(&mut t, r, |c: &regex::Captures| {
            let n = c.get(0).map_or(0, |m| m.as_str().len());
            format!("{}<stop>", "<prd>".repeat(n))
        });
        if changed {
            tests = dot_tests(&t);
        }
    }
    if t.contains("Ph.D.") {
        t = t.replace("Ph.D.", "Ph<prd>D<prd>");
        tests = dot_tests(&t);
    }
    for (i, rep) in [
        (4, " ${1}<prd> "),
        (5, "${1}<stop> ${2}"),
        (6, "${1}<prd>${2}<prd>${3}<prd>"),
        (7, "${1}<prd>${2}<prd>"),
        (8, " ${1}<stop> ${2}"),
        (9, " ${1}<prd>"),
        (10, " ${1}<prd>"),
    ] {
        apply(&mut t, &mut tests, i, rep);
    }
    // The quote swaps neither add nor remove a `"`, `!`, `?` or `”`: one look decides all four.
    let (mut quote, mut bang, mut ask) = (false, false, false);
    for b in t.bytes() {
        quote |= b == b'"';
        bang |= b == b'!';
        ask |= b == b'?';
    }
    if !t.is_ascii() && t.contains('\u{201d}') {
        t = t.replace(".\u{201d}", "\u{201d}.");
    }
    if quote {
        t = t.replace(".\"", "\".");
    }
    if bang && quote {
        t = t.replace("!\"", "\"!");
    }
    if ask && quote {
        t = t.replace("?\"", "\"?");
    }
    // `.replace(".", ".<stop>")` (and `?`, `!`), `.replace("<prd>", ".")`, `.split("<stop>")`
    // in one pass: a sentence ends after each `.?!` of the text and at each `<stop>`; `<prd>`
    // is a `.` that ends nothing. (The inserted `<stop>`s can neither form nor break a `<prd>`,
    // and turning `<prd>` into `.` can form no `<stop>`, so the order of the steps is kept.)
    let mut out = StrList {
        text: String::with_capacity(t.len()),
        spans: Vec::new(),
    };
    let mut cur = String::new();
    let mut rest = t.as_str();
    loop {
        // Copy up to the next byte that can start a marker or end a sentence (all ASCII, so
        // the cut is on a character boundary).
        let Some(i) = rest
            .bytes()
            .position(|b| matches!(b, b'<' | b'.' | b'?' | b'!'))
        else {
            cur.push_str(rest);
            break;
        };
        cur.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("<stop>") {
            out.push(pystr::strip(&cur));
            cur.clear();
            rest = r;
        } else if let Some(r) = rest.strip_prefix("<prd>") {
            cur.push('.');
            rest = r;
        } else {
            let c = &rest[..1];
            cur.push_str(c);
            rest = &rest[1..];
            if c != "<" {
                out.push(pystr::strip(&cur));
                cur.clear();
            }
        }
    }
    out.push(pystr::strip(&cur));
    if out.spans.last().is_some_and(|&(a, b)| a == b) {
        out.spans.pop();
    }
    out
}

/// `unicodedata.normalize("NFKD", s).encode("ASCII", "ignore").decode()` for the scripts
/// that matter here: ASCII stays, Latin letters with diacritics lose them, ligatures and
/// full-width forms decompose, everything else is dropped.
/// ASCII text is its own form and is borrowed.
pub fn nfkd_ascii(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    out.extend(nfkd_ascii_bytes(s).map(char::from));
    std::borrow::Cow::Owned(out)
}

/// The bytes of [`nfkd_ascii`]`(s)`, without building it (to compare two texts' forms).
pub fn nfkd_ascii_bytes(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.chars().flat_map(|c| {
        let folded: &[u8] = if c.is_ascii() {
            // A one-byte slice of the table below stands for `c` itself.
            &ASCII[c as usize..=c as usize]
        } else if (0xFF01..=0xFF5E).contains(&(c as u32)) {
            let a = (c as u32 - 0xFF01 + 0x21) as usize;
            &ASCII[a..=a]
        } else {
            fold_latin(c).map_or(&[][..], str::as_bytes)
        };
        folded.iter().copied()
    })
}

/// Every ASCII byte at its own index.
const ASCII: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        t[i] = i as u8;
        i += 1;
    }
    t
};

fn fold_latin(c: char) -> Option<&'static str> {
    const TABLE: [(&str, &str); 52] = [
        ("ÀÁÂÃÄÅĀĂĄǍȀȂȦ", "A"),
        ("àáâãäåāăąǎȁȃȧª", "a"),
        ("ÇĆĈĊČ", "C"),
        ("çćĉċč", "c"),
        ("ĎḌ", "D"),
        ("ďḍ", "d"),
        ("ÈÉÊËĒĔĖĘĚȄȆȨẸẼ", "E"),
        ("èéêëēĕėęěȅȇȩẹẽ", "e"),
        ("ĜĞĠĢǦ", "G"),
        ("ĝğġģǧ", "g"),
        ("ĤḤ", "H"),
        ("ĥḥ", "h"),
        ("ÌÍÎÏĨĪĬĮİǏȈȊỊ", "I"),
        ("ìíîïĩīĭįǐȉȋị", "i"),
        ("Ĵ", "J"),
        ("ĵǰ", "j"),
        ("ĶǨ", "K"),
        ("ķǩ", "k"),
        ("ĹĻĽ", "L"),
        ("ĺļľ", "l"),
        ("ÑŃŅŇǸ", "N"),
        ("ñńņňǹ", "n"),
        ("ÒÓÔÕÖŌŎŐƠǑȌȎȮỌ", "O"),
        ("òóôõöōŏőơǒȍȏȯọº", "o"),
        ("ŔŖŘȐȒ", "R"),
        ("ŕŗřȑȓ", "r"),
        ("ŚŜŞŠȘṢ", "S"),
        ("śŝşšșṣ", "s"),
        ("ŢŤȚṬ", "T"),
        ("ţťțṭ", "t"),
        ("ÙÚÛÜŨŪŬŮŰŲƯǓȔȖỤ", "U"),
        ("ùúûüũūŭůűųưǔȕȗụ", "u"),
        ("Ŵ", "W"),
        ("ŵ", "w"),
        ("ÝŶŸȲỲ", "Y"),
        ("ýÿŷȳỳ", "y"),
        ("ŹŻŽ", "Z"),
        ("źżž", "z"),
        ("Ĳ", "IJ"),
        ("ĳ", "ij"),
        ("Ŀ", "L"),
        ("ŀ", "l"),
        ("ŉ", "n"),
        ("ſ", "s"),
        ("ﬀ", "ff"),
        ("ﬁ", "fi"),
        ("ﬂ", "fl"),
        ("ﬃ", "ffi"),
        ("ﬄ", "ffl"),
        ("ﬅﬆ", "st"),
        ("²", "2"),
        ("³", "3"),
    ];
    TABLE
        .iter()
        .find(|(set, _)| set.contains(c))
        .map(|(_, a)| *a)
}

/// `emoji.is_emoji(c)` for a single character.
pub fn is_emoji(c: char) -> bool {
    let u = c as u32;
    super::emoji_table::EMOJI
        .binary_search_by(|&(a, b)| {
            if b < u {
                std::cmp::Ordering::Less
            } else if a > u {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_found_as_a_byte_scan_finds_them() {
        // `/` is `.` ^ 1, the byte the word-at-a-time test can flag above a true `.`.
        let texts = [
            "",
            ".",
            "a./b../c",
            "./././././././././",
            "no dots at all here, none",
            "Dr. Smith, 3.5 m... e.g. \u{e9}t\u{e9}./.",
            "........////////........",
        ];
        for t in texts {
            let mut got = Vec::new();
            for_each_dot(t.as_bytes(), |i| {
                got.push(i);
                false
            });
            let want: Vec<usize> = t.match_indices('.').map(|(i, _)| i).collect();
            assert_eq!(got, want, "{t:?}");
        }
    }

    #[test]
    fn splitter_and_folds() {
        let list = |t: &str| {
            regex_sentences(t)
                .iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            list("Mr. Smith went home. He slept! Did he?"),
            ["Mr. Smith went home.", "He slept!", "Did he?"]
        );
        assert_eq!(list("Wait... what"), ["Wait...", "what"]);
        assert_eq!(
            nfkd_ascii("Reykjavík, Chișinău ﬁ"),
            "Reykjavik, Chisinau fi"
        );
        assert!(is_emoji('😀') && is_emoji('❤') && !is_emoji('a') && !is_emoji('\u{fe0f}'));
        assert_eq!(digit_value('٣'), Some(3));
        assert_eq!(digit_value('७'), Some(7));
        assert!(is_digit_str("12²") && !is_digit_str("1a"));
    }
}
