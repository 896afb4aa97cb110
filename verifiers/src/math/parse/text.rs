//! Token-level shapes that are not expressions: units after a value, and answers made only
//! of words (`Monday`, `no solution`, `twenty-one`).

use crate::math::lex::Tok;
use crate::math::node::{Func, Node};
use crate::math::words;

/// Drops unit words that follow a value (`5 dollars`, `12 square units`).
pub(super) fn drop_units(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut after_value = false;
    let mut skip_power = false;
    for t in toks {
        if let Tok::Word(w) = &t {
            // `50 percent` is `50\%`, not a unit.
            if after_value && w.eq_ignore_ascii_case("percent") {
                out.push(Tok::Percent);
                continue;
            }
            if after_value && words::is_bare_unit(w) {
                skip_power = true;
                continue;
            }
        }
        // `25 cm^2`: the power after a dropped unit belongs to the unit.
        if skip_power && t == Tok::Caret {
            continue;
        }
        if skip_power && matches!(out.last(), Some(Tok::Num(..))) && matches!(t, Tok::Num(..)) {
            skip_power = false;
            continue;
        }
        skip_power = false;
        after_value = matches!(
            t,
            Tok::Num(..) | Tok::RParen | Tok::RBrace | Tok::Percent | Tok::Ident(_)
        );
        out.push(t);
    }
    // Trailing plain words after a number are a noun (`12 apples`, `3 red marbles`).
    let has_num = out.iter().any(|t| matches!(t, Tok::Num(..)));
    while has_num && !out.is_empty() {
        match out.last() {
            Some(Tok::Word(w))
                if w.chars().count() >= 3
                    && !is_keyword(w)
                    && words::greek(w).is_none()
                    && words::number_phrase(w).is_none() =>
            {
                out.pop();
            }
            _ => break,
        }
    }
    out
}

pub(super) fn is_keyword(w: &str) -> bool {
    let l = w.to_ascii_lowercase();
    Func::from_name(&l).is_some()
        || matches!(
            l.as_str(),
            "pi" | "inf" | "infinity" | "oo" | "sqrt" | "log" | "and" | "or"
        )
}

/// An answer made only of words (`Monday`, `\text{odd}`, `no solution`) is text.
pub(super) fn as_text(toks: &[Tok]) -> Option<Node> {
    let mut words = Vec::new();
    let mut has_long = false;
    for t in toks {
        match t {
            Tok::Word(w) => {
                let l = w.to_lowercase();
                let wordy =
                    w.chars().count() >= 3 || matches!(l.as_str(), "no" | "on" | "up" | "ok");
                has_long |= wordy
                    && !is_keyword(w)
                    && words::greek(w).is_none()
                    && words::scale(&l).is_none();
                words.push(l);
            }
            Tok::Ident(w) => words.push(w.to_lowercase()),
            Tok::Minus => words.push("-".into()),
            Tok::Comma | Tok::Unknown(_) => {}
            _ => return None,
        }
    }
    if !has_long {
        return None;
    }
    let phrase = words.join(" ").replace(" - ", "-");
    if let Some(v) = words::number_phrase(&phrase) {
        return Some(Node::Num {
            val: num_rational::BigRational::from_integer(v.into()),
            decimal: false,
        });
    }
    if let Some((n, d)) = words::fraction_phrase(&phrase) {
        return Some(Node::Num {
            val: num_rational::BigRational::new(n.into(), d.into()),
            decimal: false,
        });
    }
    Some(Node::Text(phrase))
}

/// Letters written together are a product of variables (`xy`, `abc`): each short run of ASCII
/// letters that is not a known word becomes single-letter tokens, so `xy^2` is `x y^2`.
pub(super) fn split_letters(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out = Vec::with_capacity(toks.len());
    for t in toks {
        match &t {
            Tok::Word(w)
                if w.chars().count() <= 4
                    && w.chars().all(|c| c.is_ascii_alphabetic())
                    && !is_keyword(w)
                    && words::greek(w).is_none()
                    && words::scale(&w.to_ascii_lowercase()).is_none() =>
            {
                out.extend(w.chars().map(|c| Tok::Ident(c.to_string())));
            }
            _ => out.push(t),
        }
    }
    out
}
