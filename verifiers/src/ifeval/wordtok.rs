//! nltk's `word_tokenize`: Punkt sentences, then the improved Treebank tokenizer on each.
//!
//! `change_case:capital_word_frequency` counts the tokens of `nltk.word_tokenize(v)` that are
//! `isupper()`, so what matters is where cased words are cut: contractions (`DON'T` -> `DO`
//! `N'T`), possessives, `CANNOT` -> `CAN` `NOT`, punctuation split off, hyphens and inner
//! periods kept. This is the substitution pipeline of nltk 3.10.4's `NLTKWordTokenizer`, in the
//! same order, with the look-around patterns written out by hand (the `regex` crate has none).

use super::pyhelp::sub;
use super::{punkt, pystr};
use regex::Regex;
use std::sync::OnceLock;

struct Rules {
    subs: Vec<(Regex, &'static str)>,
    ending: Vec<(Regex, &'static str)>,
}

/// Compile the constant rules; one that fails to compile (a typo, caught by the unit tests)
/// is left out rather than panicking.
fn compile(list: &[(&str, &'static str)]) -> Vec<(Regex, &'static str)> {
    list.iter()
        .filter_map(|&(p, r)| Some((Regex::new(p).ok()?, r)))
        .collect()
}

fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| Rules {
        subs: compile(&[
            // STARTING_QUOTES (the `(?<!\w)'` rule runs by hand after these)
            ("([«“‘„]|[`]+)", " ${1} "),
            (r#"^""#, "``"),
            ("(``)", " ${1} "),
            (r#"([ (\[{<])("|'{2})"#, "${1} `` "),
        ]),
        ending: compile(&[
            // PUNCTUATION
            (r#"([^.])(\.)([\])}>"'»”’ ]*)\s*$"#, "${1} ${2} ${3} "),
            (r"([:,])([^\d])", " ${1} ${2}"),
            (r"([:,])$", " ${1} "),
            (r"\.{2,}", " ${0} "),
            (r"[;@#$%&]", " ${0} "),
            ("[\u{2012}-\u{2015}]", " ${0} "),
            (r#"([^.])(\.)([\])}>"']*)\s*$"#, "${1} ${2}${3} "),
            (r"[?!]", " ${0} "),
            (r"([^'])' ", "${1} ' "),
            (r"[*]", " ${0} "),
            // PARENS_BRACKETS, DOUBLE_DASHES
            (r"[\]\[(){}<>]", " ${0} "),
            (r"--", " -- "),
        ]),
    })
}

struct Tail {
    subs: Vec<(Regex, &'static str)>,
}

fn tail() -> &'static Tail {
    static T: OnceLock<Tail> = OnceLock::new();
    T.get_or_init(|| Tail {
        subs: compile(&[
            // ENDING_QUOTES (on " " + text + " ")
            ("([»”’])", " ${1} "),
            ("''", " '' "),
            ("\"", " '' "),
            (r"\s+", " "),
            (r"([^' ])('[sS]|'[mM]|'[dD]|') ", "${1} ${2} "),
            (r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "${1} ${2} "),
            // CONTRACTIONS2, CONTRACTIONS3
            (r"(?i)\b(can)(not)\b", " ${1} ${2} "),
            (r"(?i)\b(d)('ye)\b", " ${1} ${2} "),
            (r"(?i)\b(gim)(me)\b", " ${1} ${2} "),
            (r"(?i)\b(gon)(na)\b", " ${1} ${2} "),
            (r"(?i)\b(got)(ta)\b", " ${1} ${2} "),
            (r"(?i)\b(lem)(me)\b", " ${1} ${2} "),
            (r"(?i)\b(more)('n)\b", " ${1} ${2} "),
            (r"(?i)\b(wan)(na)(\s)", " ${1} ${2} ${3}"),
            (r"(?i) ('t)(is)\b", " ${1} ${2} "),
            (r"(?i) ('t)(was)\b", " ${1} ${2} "),
        ]),
    })
}

fn is_w(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `(?i)(?<!\w)(')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)` -> `' `.
fn split_leading_apostrophes(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        out.push(c);
        if c == '\'' && !prev.is_some_and(is_w) {
            let rest = &s[i + 1..];
            let next_is_w = rest.chars().next().is_some_and(is_w);
            let lower: String = rest.chars().take(3).flat_map(char::to_lowercase).collect();
            let clitic = ["re", "ve", "ll", "m", "t", "s", "d", "n"].iter().any(|k| {
                lower.starts_with(k) && !lower[k.len()..].chars().next().is_some_and(is_w)
            });
            if next_is_w && !clitic {
                out.push(' ');
            }
        }
        prev = Some(c);
    }
    out
}

/// The tokens of one sentence, as `NLTKWordTokenizer().tokenize(sentence)`.
pub fn treebank_tokens(sentence: &str) -> Vec<String> {
    let r = rules();
    let mut text = sentence.to_string();
    for (re, rep) in &r.subs {
        sub(&mut text, re, *rep);
    }
    if text.contains('\'') {
        text = split_leading_apostrophes(&text);
    }
    for (re, rep) in &r.ending {
        sub(&mut text, re, *rep);
    }
    text = format!(" {text} ");
    for (re, rep) in &tail().subs {
        sub(&mut text, re, *rep);
    }
    pystr::split_ws(&text).map(str::to_string).collect()
}

/// How many tokens of `nltk.word_tokenize(text)` are `isupper()`.
pub fn count_upper_tokens(text: &str) -> usize {
    punkt::sentence_spans(text)
        .into_iter()
        .map(|(a, b)| &text[a..b])
        // A sentence without an upper-case letter has no upper-case token.
        .filter(|s| s.chars().any(char::is_uppercase))
        .map(|s| {
            treebank_tokens(s)
                .iter()
                .filter(|t| pystr::is_upper(t))
                .count()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn treebank_examples() {
        assert_eq!(
            treebank_tokens("I DON'T think NASA's U.S. plan CANNOT work."),
            ["I", "DO", "N'T", "think", "NASA", "'s", "U.S.", "plan", "CAN", "NOT", "work", "."]
        );
        assert_eq!(
            treebank_tokens("\"Hello,\" she said (quietly)--ok?"),
            ["``", "Hello", ",", "''", "she", "said", "(", "quietly", ")", "--", "ok", "?"]
        );
        assert_eq!(count_upper_tokens("THE COVID-19 CASE. IT'S OK."), 6);
    }
}
