//! Punkt sentence splitting with nltk's English parameters, embedded at build time.
//!
//! IFEval's `number_sentences` (and, through `word_tokenize`, `capital_word_frequency`) count
//! sentences with `PunktTokenizer("english")` from nltk >= 3.9, which reads the four
//! `punkt_tab/english` files. This is a port of that decision procedure (nltk 3.10.4's
//! `punkt.py`: the period-context scan, the per-line word tokenizer, the first pass on token
//! types, the second pass with collocations, sentence starters and the orthographic heuristic,
//! and boundary realignment), so counts agree with the reference without Python or downloads.
//!
//! The parameter files under `punkt_english/` are nltk_data's `punkt_tab/english` (Kiss &
//! Strunk's Punkt model trained by Jan Strunk on the Wall Street Journal corpus), copied
//! unchanged from the copy that the `llama-index-core` 0.14.25 wheel ships; nltk_data is
//! distributed by the NLTK Project under the Apache License 2.0 (see `punkt_english/README`).
//!
//! Work is linear in the text: one scan for candidate ends, and a bounded re-tokenization of
//! the few words around each candidate.

use super::pyhelp::FastBuild;
use super::pystr;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const ABBREV: &str = include_str!("punkt_english/abbrev_types.txt");
const COLLOC: &str = include_str!("punkt_english/collocations.tab");
const ORTHO: &str = include_str!("punkt_english/ortho_context.tab");
const STARTERS: &str = include_str!("punkt_english/sent_starters.txt");

const BEG_UC: u32 = 1 << 1;
const MID_UC: u32 = 1 << 2;
const UNK_UC: u32 = 1 << 3;
const BEG_LC: u32 = 1 << 4;
const MID_LC: u32 = 1 << 5;
const UNK_LC: u32 = 1 << 6;
const ORTHO_UC: u32 = BEG_UC | MID_UC | UNK_UC;
const ORTHO_LC: u32 = BEG_LC | MID_LC | UNK_LC;

struct Params {
    abbrev: HashSet<&'static str, FastBuild>,
    colloc: HashSet<(&'static str, &'static str), FastBuild>,
    ortho: HashMap<&'static str, u32, FastBuild>,
    starters: HashSet<&'static str, FastBuild>,
}

fn params() -> &'static Params {
    static P: OnceLock<Params> = OnceLock::new();
    P.get_or_init(|| Params {
        abbrev: ABBREV.lines().collect(),
        colloc: COLLOC.lines().filter_map(|l| l.split_once('\t')).collect(),
        ortho: ORTHO
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once('\t')?;
                Some((k, v.trim().parse().ok()?))
            })
            .collect(),
        starters: STARTERS.lines().collect(),
    })
}

/// Characters that cannot appear within words (`_re_non_word_chars`, English).
fn is_non_word(c: char) -> bool {
    matches!(
        c,
        ')' | '"'
            | ';'
            | '}'
            | ']'
            | '*'
            | ':'
            | '@'
            | '\''
            | '('
            | '{'
            | '['
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201c}'
            | '\u{201d}'
            | '\u{ab}'
            | '\u{bb}'
            | '?'
            | '!'
    )
}

/// Characters that may start a word token (`_re_word_start`).
fn is_word_start(c: char) -> bool {
    !matches!(
        c,
        '(' | '"'
            | '`'
            | '{'
            | '['
            | ':'
            | ';'
            | '&'
            | '#'
            | '*'
            | '@'
            | ')'
            | '}'
            | ']'
            | '-'
            | ','
    )
}

/// Length in bytes of the multi-character punctuation (`--+`, `..+`, `. . .`) at the start.
fn multi_char_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    // Every form starts with `-` or `.`: the common case is decided by one byte.
    if !matches!(b.first(), Some(b'-' | b'.')) {
        return None;
    }
    for d in [b'-', b'.'] {
        let n = b.iter().take_while(|&&x| x == d).count();
        if n >= 2 {
            return Some(n);
        }
    }
    // (?:\.\s){2,}\.
    let mut pos = 0;
    let mut reps = 0;
    let mut best = None;
    loop {
        let rest = &s[pos..];
        let mut it = rest.chars();
        if it.next() != Some('.') {
            break;
        }
        if reps >= 2 {
            best = Some(pos + 1);
        }
        match it.next() {
            Some(c) if pystr::is_space(c) => {
                pos += 1 + c.len_utf8();
                reps += 1;
            }
            _ => break,
        }
    }
    best
}

/// The punkt word tokenizer on one line (no `\n` inside): `f` gets the byte span of each
/// token, in order.
fn word_tokens(line: &str, mut f: impl FnMut(usize, usize)) {
    let mut i = 0;
    while i < line.len() {
        let Some(c) = line[i..].chars().next() else {
            break;
        };
        if pystr::is_space(c) {
            i += c.len_utf8();
            continue;
        }
        if let Some(n) = multi_char_len(&line[i..]) {
            f(i, i + n);
            i += n;
            continue;
        }
        if is_word_start(c) {
            let mut j = i + c.len_utf8();
            loop {
                let rest = &line[j..];
                let Some(d) = rest.chars().next() else { break };
                if pystr::is_space(d) || is_non_word(d) || multi_char_len(rest).is_some() {
                    break;
                }
                if d == ',' {
                    let after = &rest[1..];
                    match after.chars().next() {
                        None => break,
                        Some(e)
                            if pystr::is_space(e)
                                || is_non_word(e)
                                || multi_char_len(after).is_some() =>
                        {
                            break
                        }
                        _ => {}
                    }
                }
                j += d.len_utf8();
            }
            f(i, j);
            i = j;
        } else {
            f(i, i + c.len_utf8());
            i += c.len_utf8();
        }
    }
}

/// A word token with the annotations of the two passes.
/// A token's lower case: the token itself when it has no capital, inline when it is a short
/// ASCII word (most capitalised words, e.g. every sentence's first), allocated otherwise.
enum Lower<'a> {
    Same(&'a str),
    Inline([u8; 23], u8),
    Owned(String),
}

impl<'a> Lower<'a> {
    fn of(t: &'a str) -> Self {
        if t.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
            return Lower::Same(t);
        }
        if t.is_ascii() && t.len() <= 23 {
            let mut buf = [0u8; 23];
            buf[..t.len()].copy_from_slice(t.as_bytes());
            buf.make_ascii_lowercase();
            return Lower::Inline(buf, t.len() as u8);
        }
        Lower::Owned(pystr::lower(t))
    }

    fn as_str(&self) -> &str {
        match self {
            Lower::Same(s) => s,
            // ASCII bytes: always UTF-8.
            Lower::Inline(b, n) => std::str::from_utf8(&b[..usize::from(*n)]).unwrap_or(""),
            Lower::Owned(s) => s,
        }
    }
}

struct Tok<'a> {
    tok: &'a str,
    ty: Lower<'a>,
    period_final: bool,
    sentbreak: bool,
    abbr: bool,
    ellipsis: bool,
}

/// `^-?[\.,]?\d[\d,\.-]*\.?$`: the whole token is a number.
fn is_numeric(t: &str) -> bool {
    let mut s = t.strip_prefix('-').unwrap_or(t);
    if let Some(r) = s.strip_prefix(['.', ',']) {
        s = r;
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if pystr::is_decimal(c) => {}
        _ => return false,
    }
    chars.all(|c| pystr::is_decimal(c) || matches!(c, ',' | '.' | '-'))
}

fn is_alpha_nodigit(c: char) -> bool {
    // `[^\W\d]` with the `regex` module: word characters that are not decimal digits.
    (c.is_alphanumeric() || c == '_') && !pystr::is_decimal(c)
}

impl<'a> Tok<'a> {
    fn new(tok: &'a str) -> Self {
        let lower = Lower::of(tok);
        let ty = if is_numeric(lower.as_str()) {
            Lower::Same("##number##")
        } else {
            lower
        };
        Tok {
            tok,
            ty,
            period_final: tok.ends_with('.'),
            sentbreak: false,
            abbr: false,
            ellipsis: false,
        }
    }

    fn type_no_period(&self) -> &str {
        let ty = self.ty.as_str();
        if ty.chars().count() > 1 && ty.ends_with('.') {
            &ty[..ty.len() - 1]
        } else {
            ty
        }
    }

    fn type_no_sentperiod(&self) -> &str {
        if self.sentbreak {
            self.type_no_period()
        } else {
            self.ty.as_str()
        }
    }

    fn first_upper(&self) -> bool {
        self.tok.chars().next().is_some_and(|c| c.is_uppercase())
    }

    fn first_lower(&self) -> bool {
        self.tok.chars().next().is_some_and(|c| c.is_lowercase())
    }

    fn is_initial(&self) -> bool {
        let mut it = self.tok.chars();
        matches!((it.next(), it.next(), it.next()), (Some(c), Some('.'), None) if is_alpha_nodigit(c))
    }

    fn is_ellipsis(&self) -> bool {
        self.tok.len() >= 2 && self.tok.bytes().all(|b| b == b'.')
    }

    fn first_pass(&mut self, p: &Params) {
        let t = self.tok;
        if matches!(t, "." | "?" | "!") {
            self.sentbreak = true;
        } else if self.is_ellipsis() {
            self.ellipsis = true;
        } else if self.period_final && !t.ends_with("..") {
            let stem = &t[..t.len() - 1];
            let stem = Lower::of(stem);
            let stem = stem.as_str();
            let last = stem.rsplit('-').next().unwrap_or("");
            if p.abbrev.contains(stem) || p.abbrev.contains(last) {
                self.abbr = true;
            } else {
                self.sentbreak = true;
            }
        }
    }
}

/// `True`, `False` or `unknown` from the orthographic heuristic.
#[derive(PartialEq)]
enum Ortho {
    Yes,
    No,
    Unknown,
}

fn ortho_heuristic(p: &Params, t: &Tok) -> Ortho {
    if matches!(t.tok, ";" | ":" | "," | "." | "!" | "?") {
        return Ortho::No;
    }
    let oc = p.ortho.get(t.type_no_sentperiod()).copied().unwrap_or(0);
    if t.first_upper() && oc & ORTHO_LC != 0 && oc & MID_UC == 0 {
        return Ortho::Yes;
    }
    if t.first_lower() && (oc & ORTHO_UC != 0 || oc & BEG_LC == 0) {
        return Ortho::No;
    }
    Ortho::Unknown
}

fn second_pass(p: &Params, t1: &mut Tok, t2: &Tok) {
    if !t1.period_final {
        return;
    }
    let next_typ = t2.type_no_sentperiod();
    // Read before `t1` changes (borrowed, not copied out).
    let (colloc, number) = {
        let typ = t1.type_no_period();
        (p.colloc.contains(&(typ, next_typ)), typ == "##number##")
    };
    let initial = t1.is_initial();
    if colloc {
        t1.sentbreak = false;
        t1.abbr = true;
        return;
    }
    if (t1.abbr || t1.ellipsis) && !initial {
        if ortho_heuristic(p, t2) == Ortho::Yes {
            t1.sentbreak = true;
            return;
        }
        if t2.first_upper() && p.starters.contains(next_typ) {
            t1.sentbreak = true;
            return;
        }
    }
    if initial || number {
        let o = ortho_heuristic(p, t2);
        if o == Ortho::No {
            t1.sentbreak = false;
            t1.abbr = true;
            return;
        }
        if o == Ortho::Unknown
            && initial
            && t2.first_upper()
            && p.ortho.get(next_typ).copied().unwrap_or(0) & ORTHO_LC == 0
        {
            t1.sentbreak = false;
            t1.abbr = true;
        }
    }
}

/// `text_contains_sentbreak`: some token other than the last is a sentence break.
///
/// The reference annotates every token (first pass), then each token against the next
/// (second pass), and answers true when a token with a successor is a break. A token's second
/// pass reads only its successor's first-pass annotations, so the tokens are streamed through
/// a window of two instead of collected.
fn contains_sentbreak(p: &Params, context: &str) -> bool {
    let mut prev: Option<Tok> = None;
    let mut found = false;
    for line in context.split('\n') {
        if pystr::strip(line).is_empty() {
            continue;
        }
        word_tokens(line, |a, b| {
            if found {
                return;
            }
            let mut t = Tok::new(&line[a..b]);
            t.first_pass(p);
            if let Some(mut q) = prev.take() {
                second_pass(p, &mut q, &t);
                found = q.sentbreak;
            }
            prev = Some(t);
        });
        if found {
            return true;
        }
    }
    false
}

/// A candidate end: the `[.?!]` at `pos`, its lookahead (`after_end`) and the start of the
/// next token when the lookahead was whitespace and a token.
struct EndMatch {
    pos: usize,
    after_end: usize,
    next_tok: Option<usize>,
}

/// `period_context_re().finditer(text)`.
fn end_matches(text: &str) -> Vec<EndMatch> {
    let mut out = Vec::new();
    // `.?!` are ASCII, and an ASCII byte is always a whole character: scan the bytes.
    for (pos, &c) in text.as_bytes().iter().enumerate() {
        if !matches!(c, b'.' | b'?' | b'!') {
            continue;
        }
        let rest = &text[pos + 1..];
        let Some(n) = rest.chars().next() else {
            continue;
        };
        if is_non_word(n) {
            out.push(EndMatch {
                pos,
                after_end: pos + 1 + n.len_utf8(),
                next_tok: None,
            });
            continue;
        }
        let ws = rest
            .char_indices()
            .find(|&(_, c)| !c.is_whitespace())
            .map(|(i, _)| i);
        match ws {
            Some(k) if k > 0 => {
                let start = pos + 1 + k;
                let end = text[start..]
                    .char_indices()
                    .find(|&(_, c)| c.is_whitespace())
                    .map_or(text.len(), |(i, _)| start + i);
                out.push(EndMatch {
                    pos,
                    after_end: end,
                    next_tok: Some(start),
                });
            }
            _ => {}
        }
    }
    out
}

/// Index of the last ASCII whitespace (`string.whitespace`) in `s`, or 0 when none.
fn last_ascii_ws(s: &str) -> usize {
    s.bytes()
        .rposition(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
        .unwrap_or(0)
}

/// Byte spans of the sentences, as `PunktTokenizer("english").span_tokenize(text)` gives.
pub fn sentence_spans(text: &str) -> Vec<(usize, usize)> {
    let p = params();
    // _match_potential_end_contexts
    let mut slices: Vec<(usize, usize)> = Vec::new();
    let mut last_break = 0;
    let mut prev: Option<(&EndMatch, (usize, usize))> = None;
    let matches = end_matches(text);
    let mut decide = |m: &EndMatch, word: (usize, usize), last_break: &mut usize| {
        // The context is the word before the end, then the end and what follows; the word
        // ends where the end begins (`word.1 == m.pos`), so it is one slice of the text.
        let ctx = if word.1 == m.pos {
            Cow::Borrowed(&text[word.0..m.after_end])
        } else {
            Cow::Owned(format!(
                "{}{}",
                &text[word.0..word.1],
                &text[m.pos..m.after_end]
            ))
        };
        if contains_sentbreak(p, &ctx) {
            slices.push((*last_break, m.pos + 1));
            *last_break = m.next_tok.unwrap_or(m.pos + 1);
        }
    };
    for m in &matches {
        let prev_stop = prev.map_or(0, |(_, s)| s.1);
        let prev_start = prev.map_or(0, |(_, s)| s.0);
        let before = &text[prev_stop.min(m.pos)..m.pos];
        let idx = last_ascii_ws(before);
        let start = if idx != 0 {
            idx + prev_stop + 1
        } else {
            prev_start
        };
        let word = (start, m.pos);
        if let Some((pm, ps)) = prev {
            if ps.1 <= word.0 {
                decide(pm, ps, &mut last_break);
            }
        }
        prev = Some((m, word));
    }
    if let Some((pm, ps)) = prev {
        decide(pm, ps, &mut last_break);
    }
    let end = pystr::strip_end(text).len();
    slices.push((last_break, end));
    realign(text, &slices)
}

/// Length of the closing-punctuation run that `re_boundary_realignment` matches at the start.
fn realign_match(s: &str) -> Option<(usize, usize)> {
    let is_close = |c: char| {
        matches!(
            c,
            '"' | '\''
                | ')'
                | ']'
                | '}'
                | '\u{2018}'
                | '\u{2019}'
                | '\u{201c}'
                | '\u{201d}'
                | '\u{ab}'
                | '\u{bb}'
        )
    };
    for (k, c) in s.char_indices() {
        if !is_close(c) {
            break;
        }
        let i = k + c.len_utf8();
        let rest = &s[i..];
        // (?:\s+|(?=--)|$) with MULTILINE: whitespace, "--", end or before "\n".
        match rest.chars().next() {
            None => return Some((i, i)),
            Some(c) if c.is_whitespace() => {
                let ws = rest
                    .char_indices()
                    .find(|&(_, c)| !c.is_whitespace())
                    .map_or(rest.len(), |(j, _)| j);
                return Some((i, i + ws));
            }
            _ if rest.starts_with("--") || rest.starts_with('\n') => return Some((i, i)),
            _ => {}
        }
    }
    None
}

fn realign(text: &str, slices: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(slices.len());
    let mut realign = 0;
    for (k, &(s1, e1)) in slices.iter().enumerate() {
        let start = s1 + realign;
        let nonempty = start < e1;
        match slices.get(k + 1) {
            None => {
                if nonempty {
                    out.push((start, e1));
                }
            }
            Some(&(s2, e2)) => {
                let s2e = e2.max(s2);
                match realign_match(&text[s2..s2e]) {
                    Some((group, end)) => {
                        let g = pystr::strip_end(&text[s2..s2 + group]).len();
                        out.push((start.min(s2 + g), s2 + g));
                        realign = end;
                    }
                    None => {
                        realign = 0;
                        if nonempty {
                            out.push((start, e1));
                        }
                    }
                }
            }
        }
    }
    out
}

/// The number of sentences `PunktTokenizer("english").tokenize(text)` returns.
pub fn count_sentences(text: &str) -> usize {
    sentence_spans(text).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sents(t: &str) -> Vec<&str> {
        sentence_spans(t)
            .into_iter()
            .map(|(a, b)| &t[a..b])
            .collect()
    }

    #[test]
    fn reference_examples() {
        assert_eq!(
            sents("I live in the U.S. It is big."),
            ["I live in the U.S.", "It is big."]
        );
        assert_eq!(count_sentences("Wait... what? Yes."), 2);
        assert_eq!(count_sentences("a\nb\nc"), 1);
        assert_eq!(count_sentences("Dr. Smith is here. He is 3.5 m tall."), 2);
        assert_eq!(sents("(Sent1.) Sent2."), ["(Sent1.)", "Sent2."]);
        assert_eq!(count_sentences(""), 0);
        assert_eq!(count_sentences("Very bad acting!!! I promise."), 2);
    }
}
