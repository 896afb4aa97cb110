//! Tülu 3 RLVR-IFeval's `func_name` rows: open-instruct's `if_functions.py` rules.
//!
//! These rows (`{"func_name": "validate_lowercase", "N": null, ...}`) name one function with
//! semantics of their own: exact counts, case-sensitive `str.count`, `* * *` paragraphs,
//! `split()` words with "around" = ±10%. They are scored under their own ids (the function
//! names), never mapped onto IFEval's ids.
//!
//! ## Accepts
//! The 25 functions of `IF_FUNCTIONS_MAP`, with their parameter names (`N`, `quantifier`,
//! `word`, `letter`, `keyword_list`, ...), `null` values dropped as open-instruct does.
//!
//! ## Rejects
//! A missing parameter, an unknown quantifier for the functions whose reference raises, an
//! unknown function name: an error.
//!
//! ## Examples
//! `validate_lowercase` passes "all lower 123"; `verify_keyword_frequency {word: "cat", N: 2}`
//! passes "cat and cat" and fails "cat, cats".

use super::kwargs::Kwargs;
use super::{langid, pystr, Check, Ctx};
use regex::Regex;
use serde_json::Value;
use std::sync::OnceLock;

/// The registered function names.
pub const IDS: [&str; 25] = [
    "verify_keywords",
    "verify_keyword_frequency",
    "validate_forbidden_words",
    "verify_letter_frequency",
    "validate_response_language",
    "verify_paragraph_count",
    "validate_word_constraint",
    "verify_sentence_constraint",
    "validate_paragraphs",
    "verify_postscript",
    "validate_placeholders",
    "verify_bullet_points",
    "validate_title",
    "validate_choice",
    "validate_highlighted_sections",
    "validate_sections",
    "validate_json_format",
    "validate_repeat_prompt",
    "validate_two_responses",
    "validate_uppercase",
    "validate_lowercase",
    "validate_frequency_capital_words",
    "validate_end",
    "validate_quotation",
    "validate_no_commas",
];

#[derive(Clone, Copy)]
enum Quant {
    AtLeast,
    AtMost,
    Around,
    Other,
}

fn quant(kw: &Kwargs) -> Result<Quant, String> {
    Ok(match kw.str("quantifier")? {
        "at least" => Quant::AtLeast,
        "at most" => Quant::AtMost,
        "around" => Quant::Around,
        _ => Quant::Other,
    })
}

fn cmp(q: Quant, count: usize, n: i64, around_tol: i64) -> bool {
    let c = i64::try_from(count).unwrap_or(i64::MAX);
    match q {
        Quant::AtLeast => c >= n,
        Quant::AtMost => c <= n,
        Quant::Around => (c - n).abs() <= around_tol,
        Quant::Other => false,
    }
}

/// Python's `round(N * 0.1)` (banker's rounding), at least 1.
fn tolerance(n: i64) -> i64 {
    let x = n as f64 * 0.1;
    let r = x.round();
    let r = if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - x.signum()
    } else {
        r
    };
    (r as i64).max(1)
}

fn rx(cell: &'static OnceLock<Option<Regex>>, p: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(p).ok()).as_ref()
}

/// Python `re`'s `\b\w+\b` words (the `\b`s add nothing to `\w+`).
fn py_words(s: &str) -> Vec<&str> {
    s.split(|c: char| !pystr::is_word(c))
        .filter(|w| !w.is_empty())
        .collect()
}

/// `re.split(r"(?<!\w\.\w.)(?<![A-Z][a-z]\.)(?<=\.|\?|!)\s", text)` pieces.
fn regex_sentence_count(text: &str) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let mut n = 1;
    for i in 0..chars.len() {
        if !pystr::is_space(chars[i]) || i == 0 {
            continue;
        }
        if !matches!(chars[i - 1], '.' | '?' | '!') {
            continue;
        }
        if i >= 4
            && pystr::is_word(chars[i - 4])
            && chars[i - 3] == '.'
            && pystr::is_word(chars[i - 2])
            && chars[i - 1] != '\n'
        {
            continue;
        }
        if i >= 3
            && chars[i - 3].is_ascii_uppercase()
            && chars[i - 2].is_ascii_lowercase()
            && chars[i - 1] == '.'
        {
            continue;
        }
        n += 1;
    }
    n
}

pub fn build(name: &str, kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let c: Check = match name {
        "verify_keywords" => {
            let list: Vec<String> = kw
                .str_list("keyword_list")?
                .iter()
                .map(|k| pystr::lower(k))
                .collect();
            Box::new(move |t: &str| {
                let l = pystr::lower(t);
                list.iter().all(|k| l.contains(k.as_str()))
            })
        }
        "verify_keyword_frequency" => {
            let word = pystr::lower(kw.str("word")?);
            let n = kw.int("N")?;
            Box::new(move |t: &str| {
                let l = pystr::lower(t);
                let c = py_words(&l).into_iter().filter(|w| *w == word).count();
                i64::try_from(c).is_ok_and(|c| c == n)
            })
        }
        "validate_forbidden_words" => {
            let list: Vec<String> = kw
                .str_list("forbidden_words")?
                .iter()
                .map(|k| pystr::lower(k))
                .collect();
            Box::new(move |t: &str| {
                let l = pystr::lower(t);
                !list.iter().any(|k| l.contains(k.as_str()))
            })
        }
        "verify_letter_frequency" => {
            let letter = kw.str("letter")?.to_string();
            if letter.chars().count() != 1 {
                return Err("parameter `letter` must be a single character".into());
            }
            let n = kw.int("N")?;
            Box::new(move |t: &str| {
                i64::try_from(t.matches(letter.as_str()).count()).is_ok_and(|c| c == n)
            })
        }
        "validate_response_language" => {
            let lang = kw.str("language")?.to_string();
            Box::new(move |t: &str| langid::detect(t) == Some(lang.as_str()))
        }
        "verify_paragraph_count" => {
            let n = kw.int("N")?;
            Box::new(move |t: &str| {
                let cleaned: Vec<&str> = t.lines().map(pystr::strip).collect();
                let cleaned = cleaned.join("\n");
                let parts: Vec<&str> = pystr::strip(&cleaned).split("* * *").collect();
                parts.iter().all(|p| !pystr::strip(p).is_empty())
                    && i64::try_from(parts.len()).is_ok_and(|c| c == n)
            })
        }
        "validate_word_constraint" => {
            let n = kw.int("N")?;
            let q = quant(kw)?;
            Box::new(move |t: &str| cmp(q, pystr::split_ws(t).count(), n, tolerance(n)))
        }
        "verify_sentence_constraint" => {
            let n = kw.int("N")?;
            let q = quant(kw)?;
            Box::new(move |t: &str| cmp(q, regex_sentence_count(t), n, 1))
        }
        "validate_paragraphs" => {
            let n = kw.int("N")?;
            let first = kw.str("first_word")?.to_string();
            let i = kw.int("i")?;
            if i == 0 {
                return Err("parameter `i` must be at least 1".into());
            }
            Box::new(move |t: &str| {
                let ps: Vec<&str> = t.split("\n\n").collect();
                i64::try_from(ps.len()).is_ok_and(|c| c == n)
                    && usize::try_from(i - 1)
                        .ok()
                        .and_then(|k| ps.get(k))
                        .is_some_and(|p| pystr::strip(p).starts_with(first.as_str()))
            })
        }
        "verify_postscript" => {
            let marker = kw.str("postscript_marker")?.to_string();
            Box::new(move |t: &str| match t.find(marker.as_str()) {
                Some(i) => pystr::strip(&t[i..]).chars().count() > marker.chars().count(),
                None => false,
            })
        }
        "validate_placeholders" => {
            let n = kw.int("N")?;
            static R: OnceLock<Option<Regex>> = OnceLock::new();
            Box::new(move |t: &str| {
                let c = rx(&R, r"\[.*?\]").map_or(0, |r| r.find_iter(t).count());
                i64::try_from(c).is_ok_and(|c| c >= n)
            })
        }
        "verify_bullet_points" => {
            let n = kw.int("N")?;
            Box::new(move |t: &str| {
                let c = t
                    .split('\n')
                    .filter(|l| pystr::strip(l).starts_with(['*', '-']))
                    .count();
                i64::try_from(c).is_ok_and(|c| c == n)
            })
        }
        "validate_title" => {
            static R: OnceLock<Option<Regex>> = OnceLock::new();
            Box::new(|t: &str| rx(&R, r"<<.*?>>").is_some_and(|r| r.is_match(t)))
        }
        "validate_choice" => {
            // A list is matched item by item; a string (as some rows store it) is iterated
            // character by character, as Python's `for option in options` does.
            let opts: Vec<String> = match kw.0.get("options") {
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect(),
                Some(Value::String(s)) => s.chars().map(String::from).collect(),
                _ => return Err("missing parameter `options`".into()),
            };
            Box::new(move |t: &str| opts.iter().any(|o| t.contains(o.as_str())))
        }
        "validate_highlighted_sections" => {
            let n = kw.int("N")?;
            static R: OnceLock<Option<Regex>> = OnceLock::new();
            Box::new(move |t: &str| {
                let c = rx(&R, r"\*.*?\*").map_or(0, |r| r.find_iter(t).count());
                i64::try_from(c).is_ok_and(|c| c >= n)
            })
        }
        "validate_sections" => {
            let n = kw.int("N")?;
            let sp = kw.str("section_splitter")?;
            let re = regex::RegexBuilder::new(&format!(
                r"[\s\x1c-\x1f]?{}[\s\x1c-\x1f]?\d+[\s\x1c-\x1f]?",
                regex::escape(sp)
            ))
            .case_insensitive(true)
            .build()
            .map_err(|e| e.to_string())?;
            Box::new(move |t: &str| i64::try_from(re.find_iter(t).count()).is_ok_and(|c| c >= n))
        }
        "validate_json_format" => Box::new(|t: &str| super::pyjson::is_json(t, true)),
        "validate_repeat_prompt" => {
            let p = kw.str("original_prompt")?.to_string();
            Box::new(move |t: &str| t.starts_with(p.as_str()))
        }
        "validate_two_responses" => Box::new(|t: &str| {
            t.matches("******").count() == 1
                && t.split_once("******")
                    .is_some_and(|(a, b)| pystr::strip(a) != pystr::strip(b))
        }),
        "validate_uppercase" => Box::new(|t: &str| t == t.to_uppercase()),
        "validate_lowercase" => Box::new(|t: &str| t == pystr::lower(t)),
        "validate_frequency_capital_words" => {
            let n = kw.int("N")?;
            let q = quant(kw)?;
            Box::new(move |t: &str| {
                // `\b[A-Z]+\b`: an ASCII-capital run with Python word boundaries around it.
                let b = t.as_bytes();
                let mut c = 0;
                let mut i = 0;
                while i < b.len() {
                    if b[i].is_ascii_uppercase() && pystr::is_boundary(t, i) {
                        let mut j = i;
                        while j < b.len() && b[j].is_ascii_uppercase() {
                            j += 1;
                        }
                        if pystr::is_boundary(t, j) {
                            c += 1;
                        }
                        i = j;
                    } else {
                        i += 1;
                    }
                }
                cmp(q, c, n, tolerance(n))
            })
        }
        "validate_end" => {
            let p = kw.str("end_phrase")?.to_string();
            Box::new(move |t: &str| t.ends_with(p.as_str()))
        }
        "validate_quotation" => Box::new(|t: &str| t.starts_with('"') && t.ends_with('"')),
        "validate_no_commas" => Box::new(|t: &str| !t.contains(',')),
        other => return Err(format!("unknown func_name {other:?}")),
    };
    Ok(c)
}
