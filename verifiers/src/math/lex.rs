//! Tokenizer for the LaTeX subset used in answers and for plain / sympy-style text.
//!
//! Linear in the input: every step consumes at least one byte, and the recognizers (built with
//! nom) never backtrack more than a fixed number of bytes. Layout-only commands (`\left`,
//! `\displaystyle`, spacing, degree signs, `$`) vanish here; `\text{..}` wrappers either vanish
//! (units), become list separators (`\text{ or }`) or are tokenized in place.

use super::words;

mod number;

use crate::math::node::{Rel, Sep};
use nom::bytes::complete::take_while1;
use nom::IResult;
use num_bigint::BigInt;
use num_rational::BigRational;
use number::number;

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Num(BigRational, bool),
    Based(String),
    Ident(String),
    Word(String),
    Cmd(&'static str),
    Unknown(String),
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBrack,
    RBrack,
    LSet,
    RSet,
    Langle,
    Rangle,
    Comma,
    Semi,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Under,
    Bang,
    Pipe,
    Percent,
    Pm,
    Mp,
    Rel(Rel),
    In,
    Cup,
    Amp,
    RowSep,
    Begin(String),
    End(String),
    Inf,
    Pi,
    Empty,
    Reals,
    Sep(Sep),
    Dots,
    /// `{n \choose k}`: the infix binomial.
    Choose,
    /// A degree sign: dropped, except inside a trig argument where it converts to radians.
    Degree,
}

/// Tokenizes `src`. Errors (as `Err(reason)`) only on nesting deeper than allowed.
pub fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    lex_into(src, &mut out, 0)?;
    Ok(out)
}

fn lex_into(src: &str, out: &mut Vec<Tok>, level: usize) -> Result<(), String> {
    if level > 8 {
        return Err("text wrappers nested too deep".into());
    }
    let mut rest = src;
    let mut depth: i64 = 0; // bracket depth, for thousands separators
    let mut single_digits = 0u8; // `\frac12`, `\sqrt2`: arguments one digit each
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() || c == '$' || c == '~' {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if single_digits > 0 {
            if c.is_ascii_digit() {
                out.push(Tok::Num(
                    BigRational::from_integer(BigInt::from(c as u8 - b'0')),
                    false,
                ));
                rest = &rest[1..];
                single_digits -= 1;
                continue;
            }
            single_digits = 0;
        }
        if c.is_ascii_digit() || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit())) {
            let (r, tok) = number(rest, depth == 0);
            out.push(tok);
            rest = r;
            continue;
        }
        if c.is_alphabetic() && c != 'π' {
            let (r, w) = word(rest);
            rest = r;
            if w.chars().count() == 1 {
                out.push(Tok::Ident(w.to_string()));
            } else {
                out.push(Tok::Word(w.to_string()));
            }
            continue;
        }
        if c == '\\' {
            let (r, name) = command_name(&rest[1..]);
            rest = r;
            match command(name, &mut rest, out, level)? {
                Some(Tok::Cmd(n)) => {
                    // `\frac12` is 1/2 (one digit per argument); `\sqrt10` is read as
                    // sqrt(10), which is what writers mean, although TeX would typeset sqrt(1)0.
                    single_digits = match n {
                        "frac" | "binom" => 2,
                        _ => 0,
                    };
                    out.push(Tok::Cmd(n));
                }
                Some(t) => out.push(t),
                None => {}
            }
            continue;
        }
        rest = &rest[c.len_utf8()..];
        let next = rest.chars().next();
        let tok = match c {
            '{' => Tok::LBrace,
            '}' => Tok::RBrace,
            '(' => {
                depth += 1;
                Tok::LParen
            }
            ')' => {
                depth -= 1;
                Tok::RParen
            }
            '[' => {
                depth += 1;
                Tok::LBrack
            }
            ']' => {
                depth -= 1;
                Tok::RBrack
            }
            ',' => Tok::Comma,
            ';' => Tok::Semi,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '*' if next == Some('*') => {
                rest = &rest[1..];
                Tok::Caret
            }
            '*' => Tok::Star,
            '/' => Tok::Slash,
            '^' => {
                // `^\circ`, `^{\circ}`: degrees, dropped.
                let t = rest.trim_start();
                if let Some(after) = t
                    .strip_prefix("\\circ")
                    .or_else(|| t.strip_prefix("{\\circ}"))
                    .or_else(|| t.strip_prefix("{ \\circ }"))
                    .or_else(|| t.strip_prefix("\\degree"))
                {
                    rest = after;
                    out.push(Tok::Degree);
                    continue;
                }
                Tok::Caret
            }
            '_' => Tok::Under,
            '!' if next == Some('=') => {
                rest = &rest[1..];
                Tok::Rel(Rel::Ne)
            }
            '!' => Tok::Bang,
            '|' => Tok::Pipe,
            '%' => Tok::Percent,
            '&' => Tok::Amp,
            '=' => {
                if next == Some('=') {
                    rest = &rest[1..];
                }
                Tok::Rel(Rel::Eq)
            }
            '<' if next == Some('=') => {
                rest = &rest[1..];
                Tok::Rel(Rel::Le)
            }
            '>' if next == Some('=') => {
                rest = &rest[1..];
                Tok::Rel(Rel::Ge)
            }
            '<' => Tok::Rel(Rel::Lt),
            '>' => Tok::Rel(Rel::Gt),
            '.' if next.is_none_or(|n| n.is_whitespace()) => continue,
            '°' => Tok::Degree,
            '−' | '–' => Tok::Minus,
            '×' | '·' | '⋅' => Tok::Star,
            '÷' => Tok::Slash,
            '≤' => Tok::Rel(Rel::Le),
            '≥' => Tok::Rel(Rel::Ge),
            '≠' => Tok::Rel(Rel::Ne),
            '∞' => Tok::Inf,
            'π' => Tok::Pi,
            '±' => Tok::Pm,
            '∪' => Tok::Cup,
            '∅' => Tok::Empty,
            '√' => Tok::Cmd("sqrt"),
            '€' | '£' | '¥' => continue,
            '²' => {
                out.push(Tok::Caret);
                Tok::Num(BigRational::from_integer(2.into()), false)
            }
            '³' => {
                out.push(Tok::Caret);
                Tok::Num(BigRational::from_integer(3.into()), false)
            }
            other => Tok::Unknown(other.to_string()),
        };
        out.push(tok);
    }
    Ok(())
}

fn word(s: &str) -> (&str, &str) {
    let res: IResult<&str, &str> = take_while1(|c: char| c.is_alphabetic() && c != 'π')(s);
    match res {
        Ok((r, w)) => (r, w),
        Err(_) => (&s[s.chars().next().map_or(0, char::len_utf8)..], ""),
    }
}

/// The name after a backslash: letters, or else one character.
fn command_name(s: &str) -> (&str, &str) {
    let res: IResult<&str, &str> = take_while1(|c: char| c.is_ascii_alphabetic())(s);
    match res {
        Ok((r, name)) => (r, name),
        Err(_) => match s.chars().next() {
            Some(c) => (&s[c.len_utf8()..], &s[..c.len_utf8()]),
            None => (s, ""),
        },
    }
}

/// A `{..}` group at the start of `s` (after spaces): its content and the rest.
pub fn brace_group(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    let body = s.strip_prefix('{')?;
    let mut level = 1usize;
    let mut escaped = false;
    for (k, c) in body.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' => level += 1,
            '}' => {
                level -= 1;
                if level == 0 {
                    return Some((&body[..k], &body[k + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// `\text{cm}^2`, `\text{25 cm}^2`: the power after a unit belongs to the unit.
fn strip_unit_power(rest: &mut &str) {
    for p in ["^2", "^3", "^{2}", "^{3}"] {
        if let Some(r) = rest.trim_start().strip_prefix(p) {
            *rest = r;
        }
    }
}

/// Handles one backslash command; may consume its arguments from `rest` or emit tokens itself.
fn command(
    name: &str,
    rest: &mut &str,
    out: &mut Vec<Tok>,
    level: usize,
) -> Result<Option<Tok>, String> {
    let tok = match name {
        "left" | "right" | "big" | "Big" | "bigg" | "Bigg" | "bigl" | "bigr" | "Bigl" | "Bigr"
        | "displaystyle" | "textstyle" | "limits" | "!" | ";" | ":" | " " | "quad" | "qquad"
        | "," | "$" | "circ" | "hline" | "middle" | "phantom" | "nonumber" | "rm" => {
            if name == "phantom" {
                if let Some((_, r)) = brace_group(rest) {
                    *rest = r;
                }
            }
            return Ok(None);
        }
        "\\" => Tok::RowSep,
        "degree" => Tok::Degree,
        "{" | "lbrace" => Tok::LSet,
        "}" | "rbrace" => Tok::RSet,
        "%" => Tok::Percent,
        "|" | "vert" | "lvert" | "rvert" | "mid" => Tok::Pipe,
        // `\lfloor x \rfloor` is `floor(x)`: the function name and its parentheses.
        "lfloor" | "lceil" => {
            out.push(Tok::Word(
                if name == "lfloor" { "floor" } else { "ceil" }.into(),
            ));
            Tok::LParen
        }
        "rfloor" | "rceil" => Tok::RParen,
        "cdot" | "times" | "ast" => Tok::Star,
        "div" => Tok::Slash,
        "pm" => Tok::Pm,
        "mp" => Tok::Mp,
        "le" | "leq" | "leqslant" => Tok::Rel(Rel::Le),
        "ge" | "geq" | "geqslant" => Tok::Rel(Rel::Ge),
        "lt" => Tok::Rel(Rel::Lt),
        "gt" => Tok::Rel(Rel::Gt),
        "ne" | "neq" => Tok::Rel(Rel::Ne),
        "in" => Tok::In,
        "cup" => Tok::Cup,
        "infty" | "infin" => Tok::Inf,
        "pi" => Tok::Pi,
        "emptyset" | "varnothing" => Tok::Empty,
        "langle" => Tok::Langle,
        "rangle" => Tok::Rangle,
        "lbrack" => Tok::LBrack,
        "rbrack" => Tok::RBrack,
        "dots" | "ldots" | "cdots" => Tok::Dots,
        "frac" | "dfrac" | "tfrac" | "cfrac" => Tok::Cmd("frac"),
        "sqrt" => Tok::Cmd("sqrt"),
        "binom" | "dbinom" | "tbinom" => Tok::Cmd("binom"),
        "choose" => Tok::Choose,
        "log" => Tok::Cmd("log"),
        "lg" => Tok::Cmd("lg"),
        "begin" | "end" => {
            let (inner, r) = brace_group(rest).unwrap_or(("", rest));
            *rest = r;
            let env = inner.trim().trim_end_matches('*').to_string();
            if name == "begin" {
                if env == "array" {
                    if let Some((_, r2)) = brace_group(rest) {
                        *rest = r2;
                    }
                }
                Tok::Begin(env)
            } else {
                Tok::End(env)
            }
        }
        "angle" | "triangle" | "overarc" | "widehat" | "measuredangle" | "overline" => {
            // A geometric name (`\angle B`, `\triangle ABC`, `\overline{AB}`) is one word;
            // a repetend `0.\overline{3}` never gets here (numbers read their own).
            let (arg, r) = match brace_group(rest) {
                Some((inner, r)) => (inner.trim().to_string(), r),
                None => {
                    let t = rest.trim_start();
                    let end = t
                        .find(|c: char| !c.is_ascii_alphabetic())
                        .unwrap_or(t.len());
                    (t[..end].to_string(), &t[end..])
                }
            };
            *rest = r;
            Tok::Word(format!("{name} {arg}"))
        }
        "mathbb" => {
            let (inner, r) = brace_group(rest).unwrap_or(("", rest));
            *rest = r;
            match inner.trim() {
                "R" => Tok::Reals,
                other => Tok::Unknown(format!("mathbb {other}")),
            }
        }
        "text" | "textbf" | "mathrm" | "mbox" | "textit" | "mathbf" | "mathit" | "textrm"
        | "mathsf" | "boldsymbol" | "bf" | "emph" | "textnormal" | "operatorname" | "hbox" => {
            let Some((inner, r)) = brace_group(rest) else {
                return Ok(None);
            };
            *rest = r;
            let trimmed = inner.trim();
            let lower = trimmed.to_ascii_lowercase();
            if lower == "or" || lower == ", or" {
                return Ok(Some(Tok::Sep(Sep::Or)));
            }
            if lower == "and" || lower == ", and" {
                return Ok(Some(Tok::Sep(Sep::And)));
            }
            if words::is_unit_phrase(&lower) {
                strip_unit_power(rest);
                return Ok(None);
            }
            // `\text{5 m/s}`: a number and then units only.
            if let Some(k) = trimmed.find(|c: char| c.is_alphabetic()) {
                let (num, unit) = trimmed.split_at(k);
                if num.ends_with(' ')
                    && num
                        .trim()
                        .bytes()
                        .all(|c| c.is_ascii_digit() || b".,".contains(&c))
                    && words::is_unit_phrase(&unit.to_ascii_lowercase())
                {
                    lex_into(num, out, level + 1)?;
                    strip_unit_power(rest);
                    return Ok(None);
                }
            }
            lex_into(inner, out, level + 1)?;
            return Ok(None);
        }
        _ => {
            if let Some(g) = words::greek(name) {
                Tok::Ident(g.to_string())
            } else if super::node::Func::from_name(name).is_some() || name == "exp" {
                Tok::Word(name.to_string())
            } else {
                Tok::Unknown(format!("\\{name}"))
            }
        }
    };
    Ok(Some(tok))
}
