//! IFEval's `keywords:*` family: existence, frequency, forbidden words, letter frequency.
//!
//! ## Accepts
//! - `keywords:existence` `{keywords: [str]}`: every keyword occurs, case-insensitively, as a
//!   substring (`art` is found in `start`, as in the reference).
//! - `keywords:frequency` `{keyword, frequency, relation}`: non-overlapping case-insensitive
//!   occurrences compared with `less than` / `at least`.
//! - `keywords:forbidden_words` `{forbidden_words: [str]}`: no word occurs between Python `\b`
//!   boundaries (`cats` is allowed for `cat`; `cat's`, `cat-like` are not).
//! - `keywords:letter_frequency` `{letter, let_frequency, let_relation}`: occurrences of the
//!   letter in `response.lower()` (full Unicode lower-casing, no accent folding).
//!
//! ## Rejects
//! Missing arguments, a letter that is not one character, an unknown relation: an error,
//! never a random fill-in. The reference uses keywords as unescaped regexes (`v2.0` matches
//! `v2x0`, `c++` crashes); by default they are literal text, and compat mode compiles them as
//! regexes (Rust syntax, size-limited, linear time).
//!
//! ## Examples
//! `{"keywords": ["art"]}` passes "a fresh start"; `{"forbidden_words": ["cat"]}` fails
//! "Cat-like reflexes" and passes "two cats".

use super::kwargs::Kwargs;
use super::{pystr, recache, Check, Ctx};
use regex::Regex;
use std::sync::Arc;

/// A keyword argument turned into a case-insensitive matcher.
pub fn keyword_regex(word: &str, ctx: &Ctx) -> Result<Arc<Regex>, String> {
    let re = if ctx.compat {
        recache::get(word, true)
    } else {
        recache::literal_ci(word)
    };
    re.map_err(|e| format!("keyword {word:?} is not a usable pattern: {e}"))
}

/// A list argument that must not be empty (the reference draws random words for `[]`).
fn non_empty<'a>(kw: &Kwargs<'a>, key: &str) -> Result<Vec<&'a str>, String> {
    let list = kw.str_list(key)?;
    if list.is_empty() {
        return Err(format!("argument `{key}` is empty"));
    }
    Ok(list)
}

pub fn existence(kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let res = non_empty(kw, "keywords")?
        .into_iter()
        .map(|w| keyword_regex(w, ctx))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Box::new(move |v: &str| res.iter().all(|r| r.is_match(v))))
}

pub fn frequency(kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let word = pystr::strip(kw.str("keyword")?);
    let re = keyword_regex(word, ctx)?;
    let n = kw.int("frequency")?;
    let rel = kw.relation("relation")?;
    Ok(Box::new(move |v: &str| rel.holds(count_matches(&re, v), n)))
}

/// `len(re.findall(pattern, v))`: non-overlapping matches, an empty match advancing one char.
pub fn count_matches(re: &Regex, v: &str) -> usize {
    re.find_iter(v).count()
}

/// `re.search(r"\b" + w + r"\b", v, re.I)` with Python's `\b`: try every occurrence.
pub fn has_bounded(re: &Regex, v: &str) -> bool {
    let mut pos = 0;
    while pos <= v.len() {
        let Some(m) = re.find_at(v, pos) else {
            return false;
        };
        if pystr::is_boundary(v, m.start()) && pystr::is_boundary(v, m.end()) {
            return true;
        }
        // The next candidate starts one character later (occurrences may overlap).
        pos = m.start() + v[m.start()..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

pub fn forbidden_words(kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let res = non_empty(kw, "forbidden_words")?
        .into_iter()
        .map(|w| keyword_regex(w, ctx))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Box::new(move |v: &str| {
        !res.iter().any(|r| has_bounded(r, v))
    }))
}

pub fn letter_frequency(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let letter = pystr::lower(pystr::strip(kw.str("letter")?));
    let mut it = letter.chars();
    let (Some(c), None) = (it.next(), it.next()) else {
        return Err(format!(
            "argument `letter` must be one character, got {letter:?}"
        ));
    };
    let n = kw.int("let_frequency")?;
    let rel = kw.relation("let_relation")?;
    Ok(Box::new(move |v: &str| {
        let count = if v.is_ascii() {
            v.bytes()
                .filter(|b| b.to_ascii_lowercase() as char == c)
                .count()
        } else {
            pystr::lower(v).chars().filter(|&x| x == c).count()
        };
        rel.holds(count, n)
    }))
}
