//! IFEval's remaining families: `language`, `change_case`, `punctuation`, `startend`,
//! `combination`.
//!
//! ## Accepts
//! - `language:response_language` `{language}` (one of IFEval's 30 codes): the detected
//!   language equals it.
//! - `change_case:english_capital` / `english_lowercase`: Python `isupper()` / `islower()`
//!   and the detected language is English (detected on the lower-cased text).
//! - `change_case:capital_word_frequency` `{capital_frequency, capital_relation}`: tokens of
//!   nltk's `word_tokenize` that are `isupper()` (`DON'T` is 2, `U.S.` 1).
//! - `punctuation:no_comma`: no ASCII comma (`，` and `、` are allowed).
//! - `startend:end_checker` `{end_phrase}`: after `strip().strip('"')`, lower-cased, ends
//!   with the phrase; `startend:quotation`: stripped text starts and ends with `"` (2+ chars).
//! - `combination:two_responses`: exactly two different non-empty answers split by `******`;
//!   `combination:repeat_prompt` `{prompt_to_repeat}`: starts with the prompt (lower-cased).
//!
//! ## Rejects
//! A language code outside IFEval's list, missing arguments: an error. Text with no letters
//! has no language and fails the language checks (the reference counts it as a pass; compat
//! mode does too).
//!
//! ## Examples
//! `english_capital` passes "HELLO WORLD, THIS IS ENGLISH." and fails "HELLO world".

use super::kwargs::Kwargs;
use super::{langid, pystr, wordtok, Check, Ctx};

/// IFEval's language codes (`instructions_util.LANGUAGE_CODES`).
pub const LANGUAGES: [&str; 30] = [
    "en", "es", "pt", "ar", "hi", "fr", "ru", "de", "ja", "it", "bn", "uk", "th", "ur", "ta", "te",
    "bg", "ko", "pl", "he", "fa", "vi", "ne", "sw", "kn", "mr", "gu", "pa", "ml", "fi",
];

/// The language test shared by the three ids: `None` from the detector (no letters) is a
/// pass only in compat mode.
fn language_is(v: &str, code: &str, compat: bool) -> bool {
    match langid::detect(v) {
        Some(got) => got == code,
        None => compat,
    }
}

pub fn response_language(kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let lang = kw.str("language")?;
    let code = LANGUAGES
        .iter()
        .find(|c| **c == lang)
        .ok_or_else(|| format!("argument `language` is not an IFEval language code: {lang:?}"))?;
    let compat = ctx.compat;
    Ok(Box::new(move |v: &str| language_is(v, code, compat)))
}

pub fn english_capital(_kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let compat = ctx.compat;
    Ok(Box::new(move |v: &str| {
        pystr::is_upper(v) && language_is(v, "en", compat)
    }))
}

pub fn english_lowercase(_kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let compat = ctx.compat;
    Ok(Box::new(move |v: &str| {
        pystr::is_lower(v) && language_is(v, "en", compat)
    }))
}

pub fn capital_word_frequency(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("capital_frequency")?;
    let rel = kw.relation("capital_relation")?;
    Ok(Box::new(move |v: &str| {
        rel.holds(wordtok::count_upper_tokens(v), n)
    }))
}

pub fn no_comma(_kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    Ok(Box::new(|v: &str| !v.contains(',')))
}

pub fn end_checker(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let phrase = pystr::lower(pystr::strip(kw.str("end_phrase")?));
    Ok(Box::new(move |v: &str| {
        pystr::lower(pystr::strip(v).trim_matches('"')).ends_with(&phrase)
    }))
}

pub fn quotation(_kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    Ok(Box::new(|v: &str| {
        let s = pystr::strip(v);
        s.chars().count() > 1 && s.starts_with('"') && s.ends_with('"')
    }))
}

pub fn two_responses(_kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    Ok(Box::new(|v: &str| {
        let parts: Vec<&str> = v.split("******").collect();
        let last = parts.len() - 1;
        let mut valid = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            if pystr::strip(p).is_empty() {
                if i != 0 && i != last {
                    return false;
                }
            } else {
                valid.push(pystr::strip(p));
            }
        }
        valid.len() == 2 && valid[0] != valid[1]
    }))
}

pub fn repeat_prompt(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let prompt = pystr::lower(pystr::strip(kw.str("prompt_to_repeat")?));
    Ok(Box::new(move |v: &str| {
        pystr::lower(pystr::strip(v)).starts_with(&prompt)
    }))
}
