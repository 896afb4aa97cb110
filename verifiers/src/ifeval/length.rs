//! IFEval's `length_constraints:*` family: sentences, paragraphs, words, a paragraph's first word.
//!
//! ## Accepts
//! - `number_sentences` `{num_sentences, relation}`: Punkt sentences (English parameters).
//! - `number_paragraphs` `{num_paragraphs}`: parts split by `\s?***\s?`; an empty first or
//!   last part is not counted, an empty middle part fails; the count must be exact.
//! - `number_words` `{num_words, relation}`: runs of `\w` (nltk >= 3.10's `RegexpTokenizer`,
//!   UTS #18 word characters: `don't` is 2 words, a CJK clause 1).
//! - `nth_paragraph_first_word` `{num_paragraphs, nth_paragraph, first_word}`: paragraphs
//!   split on a literal `\n\n`, the nth taken by raw index (as the reference does), its first
//!   whitespace word lower-cased up to the first `. , ? ! ' "`.
//!
//! ## Rejects
//! Missing or negative counts, `nth_paragraph` of 0 or above `num_paragraphs`, unknown
//! relations: an error.
//!
//! ## Examples
//! `{"num_paragraphs": 2}` passes `"a\n***\nb"` and fails `"a\n***\n***\nb"`.

use super::kwargs::Kwargs;
use super::{punkt, pystr, Check, Ctx};
use regex::Regex;
use std::sync::OnceLock;

pub fn number_sentences(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("num_sentences")?;
    let rel = kw.relation("relation")?;
    Ok(Box::new(move |v: &str| {
        rel.holds(punkt::count_sentences(v), n)
    }))
}

/// The reference's divider, `re.split(r"\s?\*\*\*\s?", v)` (Python's `\s` also holds
/// `\x1c`-`\x1f`), as a regex: the oracle of [`star_parts`].
#[cfg(test)]
fn paragraph_divider() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"[\s\x1c-\x1f]?\*\*\*[\s\x1c-\x1f]?").ok())
        .as_ref()
}

/// A character of the divider's `\s` (Python's: Unicode whitespace and `\x1c`-`\x1f`).
fn divider_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `re.split(r"\s?\*\*\*\s?", v)`, by hand (the regex was a tenth of a paragraph row's
/// time). The leftmost match starts at the first `***` at or after the end of the previous
/// match, or one character earlier when that character is a space not taken by the previous
/// match, and takes one following space if there is one.
pub fn star_parts(v: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut from, mut piece) = (0, 0);
    while let Some(i) = v[from..].find("***") {
        let q = from + i;
        let start = match v[from..q].chars().next_back() {
            Some(c) if divider_space(c) => q - c.len_utf8(),
            _ => q,
        };
        let end = match v[q + 3..].chars().next() {
            Some(c) if divider_space(c) => q + 3 + c.len_utf8(),
            _ => q + 3,
        };
        parts.push(&v[piece..start]);
        piece = end;
        from = end;
    }
    parts.push(&v[piece..]);
    parts
}

/// The reference's `***` paragraph count, or `None` when an inner part is empty.
pub fn star_paragraphs(v: &str) -> Option<usize> {
    let parts = star_parts(v);
    let last = parts.len() - 1;
    let mut n = parts.len();
    for (i, p) in parts.iter().enumerate() {
        if pystr::strip(p).is_empty() {
            if i == 0 || i == last {
                n -= 1;
            } else {
                return None;
            }
        }
    }
    Some(n)
}

pub fn number_paragraphs(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("num_paragraphs")?;
    Ok(Box::new(move |v: &str| {
        star_paragraphs(v).is_some_and(|c| i64::try_from(c).is_ok_and(|c| c == n))
    }))
}

fn word_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"\w+").ok()).as_ref()
}

/// `len(RegexpTokenizer(r"\w+").tokenize(v))` with nltk >= 3.10's `\w`.
pub fn count_words(v: &str) -> usize {
    word_re().map_or(0, |re| re.find_iter(v).count())
}

pub fn number_words(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("num_words")?;
    let rel = kw.relation("relation")?;
    Ok(Box::new(move |v: &str| rel.holds(count_words(v), n)))
}

pub fn nth_paragraph_first_word(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let num = kw.int("num_paragraphs")?;
    let nth = kw.int("nth_paragraph")?;
    if nth == 0 || nth > num {
        return Err(format!(
            "argument `nth_paragraph` must be in 1..={num}, got {nth}"
        ));
    }
    let first = pystr::lower(kw.str("first_word")?);
    let nth = usize::try_from(nth).unwrap_or(usize::MAX);
    Ok(Box::new(move |v: &str| {
        let paragraphs: Vec<&str> = v.split("\n\n").collect();
        let count = paragraphs
            .iter()
            .filter(|p| !pystr::strip(p).is_empty())
            .count();
        if nth > count {
            return false;
        }
        let p = pystr::strip(paragraphs[nth - 1]);
        let Some(word) = pystr::split_ws(p).next() else {
            return false;
        };
        let word = word.trim_start_matches('\'').trim_start_matches('"');
        let mut got = String::new();
        for c in word.chars() {
            if matches!(c, '.' | ',' | '?' | '!' | '\'' | '"') {
                break;
            }
            got.extend(c.to_lowercase());
        }
        i64::try_from(count).is_ok_and(|c| c == num) && got == first
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_parts_split_as_the_regex_does() {
        // Every string of up to 6 characters over an alphabet of stars, the divider's spaces
        // (ASCII, Unicode, `\x1c`) and letters, then longer pseudo-random ones.
        let alphabet = ['*', ' ', '\n', '\u{3000}', '\x1c', 'a', '\u{e9}'];
        let check = |s: &str| {
            let Some(re) = paragraph_divider() else {
                panic!("divider regex")
            };
            let want: Vec<&str> = re.split(s).collect();
            assert_eq!(star_parts(s), want, "{s:?}");
        };
        let mut stack = vec![String::new()];
        while let Some(s) = stack.pop() {
            check(&s);
            if s.chars().count() < 6 {
                for c in alphabet {
                    let mut t = s.clone();
                    t.push(c);
                    stack.push(t);
                }
            }
        }
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2000 {
            let mut s = String::new();
            for _ in 0..40 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Stars more often than the rest, so that runs of them occur.
                let k = (x % 11) as usize;
                s.push(if k >= alphabet.len() {
                    '*'
                } else {
                    alphabet[k]
                });
            }
            check(&s);
        }
    }
}
