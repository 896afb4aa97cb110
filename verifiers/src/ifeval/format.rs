//! IFEval's `detectable_content:*` and `detectable_format:*` families.
//!
//! ## Accepts
//! - `detectable_content:number_placeholders` `{num_placeholders}`: at least N `[...]` on
//!   one line (`[]` counts, `[[a]]` once).
//! - `detectable_content:postscript` `{postscript_marker}`: the marker occurs anywhere in the
//!   lower-cased text (`P.S.` and `P.P.S` have their own spaced patterns); the reference does
//!   not anchor it, and neither does this.
//! - `detectable_format:number_bullet_lists` `{num_bullets}`: lines matching `^\s*\*[^*]` plus
//!   lines matching `^\s*-`, exactly N (`---` counts, `**bold**` does not).
//! - `detectable_format:constrained_response`: contains `My answer is yes.` / `no.` / `maybe.`.
//! - `detectable_format:number_highlighted_sections` `{num_highlights}`: `*x*` and `**x**`
//!   spans with non-blank content, at least N.
//! - `detectable_format:multiple_sections` `{section_spliter, num_sections}`: at least N
//!   `\s?SPLITTER\s?\d+\s?` matches (case-sensitive).
//! - `detectable_format:json_format`: after stripping one code fence, Python's `json.loads`
//!   accepts it (NaN/Infinity only in compat mode).
//! - `detectable_format:title`: a `<<...>>` on one line with non-blank content.
//!
//! ## Rejects
//! Missing counts or markers: an error. Markers and splitters are literal text unless compat.
//!
//! ## Examples
//! `{"num_bullets": 2}` passes `"* a\n* b"`; `json_format` passes "```json\n{\"a\": 1}\n```".

use super::kwargs::Kwargs;
use super::{pyjson, pystr, recache, Check, Ctx};
use regex::Regex;
use std::sync::OnceLock;

/// Python's `\s` as a Rust class body.
const PS: &str = r"\s\x1c-\x1f";

fn cached(
    cell: &'static OnceLock<Option<Regex>>,
    pat: impl FnOnce() -> String,
) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(&pat()).ok()).as_ref()
}

fn count(re: Option<&Regex>, v: &str) -> usize {
    re.map_or(0, |r| r.find_iter(v).count())
}

pub fn number_placeholders(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("num_placeholders")?;
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    Ok(Box::new(move |v: &str| {
        let c = count(cached(&R, || r"\[.*?\]".into()), v);
        i64::try_from(c).is_ok_and(|c| c >= n)
    }))
}

pub fn postscript(kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let marker = pystr::strip(kw.str("postscript_marker")?);
    let pat = match marker {
        "P.P.S" => format!(r"p\.[{PS}]?p\.[{PS}]?s"),
        "P.S." => format!(r"p\.[{PS}]?s\."),
        m if ctx.compat => pystr::lower(m),
        m => regex::escape(&pystr::lower(m)),
    };
    let re = recache::get(&pat, false)
        .map_err(|e| format!("postscript marker {marker:?} is not a usable pattern: {e}"))?;
    Ok(Box::new(move |v: &str| re.is_match(&pystr::lower(v))))
}

pub fn number_bullet_lists(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("num_bullets")?;
    static STAR: OnceLock<Option<Regex>> = OnceLock::new();
    static DASH: OnceLock<Option<Regex>> = OnceLock::new();
    Ok(Box::new(move |v: &str| {
        let stars = count(cached(&STAR, || format!(r"(?m)^[{PS}]*\*[^*].*$")), v);
        let dashes = count(cached(&DASH, || format!(r"(?m)^[{PS}]*-.*$")), v);
        i64::try_from(stars + dashes).is_ok_and(|c| c == n)
    }))
}

pub fn constrained_response(_kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    Ok(Box::new(|v: &str| {
        let s = pystr::strip(v);
        [
            "My answer is yes.",
            "My answer is no.",
            "My answer is maybe.",
        ]
        .iter()
        .any(|o| s.contains(o))
    }))
}

pub fn number_highlighted_sections(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("num_highlights")?;
    static ONE: OnceLock<Option<Regex>> = OnceLock::new();
    static TWO: OnceLock<Option<Regex>> = OnceLock::new();
    Ok(Box::new(move |v: &str| {
        let mut c = 0usize;
        if let Some(re) = cached(&ONE, || r"\*[^\n*]*\*".into()) {
            c += re
                .find_iter(v)
                .filter(|m| !pystr::strip(m.as_str().trim_matches('*')).is_empty())
                .count();
        }
        if let Some(re) = cached(&TWO, || r"\*\*[^\n*]*\*\*".into()) {
            c += re
                .find_iter(v)
                .filter(|m| {
                    let s = m.as_str();
                    !pystr::strip(&s[2..s.len() - 2]).is_empty()
                })
                .count();
        }
        i64::try_from(c).is_ok_and(|c| c >= n)
    }))
}

pub fn multiple_sections(kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let spliter = pystr::strip(kw.str("section_spliter")?);
    let n = kw.int("num_sections")?;
    let body = if ctx.compat {
        spliter.to_string()
    } else {
        regex::escape(spliter)
    };
    let re = recache::get(&format!(r"[{PS}]?(?:{body})[{PS}]?\d+[{PS}]?"), false)
        .map_err(|e| format!("section_spliter {spliter:?} is not a usable pattern: {e}"))?;
    Ok(Box::new(move |v: &str| {
        i64::try_from(re.find_iter(v).count()).is_ok_and(|c| c >= n)
    }))
}

pub fn json_format(_kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let compat = ctx.compat;
    Ok(Box::new(move |v: &str| {
        let mut s = pystr::strip(v);
        for fence in ["```json", "```Json", "```JSON", "```"] {
            s = s.strip_prefix(fence).unwrap_or(s);
        }
        s = s.strip_suffix("```").unwrap_or(s);
        pyjson::is_json(pystr::strip(s), compat)
    }))
}

pub fn title(_kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    Ok(Box::new(|v: &str| {
        cached(&R, || r"<<[^\n]+>>".into()).is_some_and(|re| {
            re.find_iter(v).any(|m| {
                let t = m.as_str().trim_start_matches('<').trim_end_matches('>');
                !pystr::strip(t).is_empty()
            })
        })
    }))
}
