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

/// When a rule can match at all: a test on the text as it is when the rule runs, true
/// whenever the pattern has a match (every match contains one of the characters or substrings
/// tested). Rules that cannot match are skipped, which leaves the text exactly as running
/// them would: a substitution with no match is the identity.
type Pre = fn(&str) -> bool;

struct Rule {
    re: Regex,
    rep: &'static str,
    pre: Pre,
}

struct Rules {
    subs: Vec<Rule>,
    ending: Vec<Rule>,
}

/// Compile the constant rules; one that fails to compile (a typo, caught by the unit tests)
/// is left out rather than panicking.
fn compile(list: &[(&str, &'static str, Pre)]) -> Vec<Rule> {
    list.iter()
        .filter_map(|&(p, rep, pre)| {
            Some(Rule {
                re: Regex::new(p).ok()?,
                rep,
                pre,
            })
        })
        .collect()
}

/// `t` contains one of the ASCII bytes in `set`.
fn any_byte(t: &str, set: &[u8]) -> bool {
    t.bytes().any(|b| set.contains(&b))
}

/// `t` contains one of the (non-ASCII) characters in `set`.
fn any_char(t: &str, set: &[char]) -> bool {
    !t.is_ascii() && t.chars().any(|c| set.contains(&c))
}

/// The words of CONTRACTIONS2/3 without an apostrophe. Under `(?i)` only `k` and `s` have
/// non-ASCII case variants (U+212A, U+017F), and none of these words has either, so an
/// ASCII case-insensitive search finds every text the patterns can match.
fn has_contraction_word(t: &str) -> bool {
    const WORDS: [&[u8]; 6] = [b"cannot", b"gimme", b"gonna", b"gotta", b"lemme", b"wanna"];
    let b = t.as_bytes();
    (0..b.len()).any(|i| {
        matches!(b[i] | 0x20, b'c' | b'g' | b'l' | b'w')
            && WORDS.iter().any(|w| {
                b.get(i..i + w.len())
                    .is_some_and(|x| x.eq_ignore_ascii_case(w))
            })
    })
}

fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| Rules {
        subs: compile(&[
            // STARTING_QUOTES (the `(?<!\w)'` rule runs by hand after these)
            ("([«“‘„]|[`]+)", " ${1} ", |t| {
                t.contains('`') || any_char(t, &['«', '“', '‘', '„'])
            }),
            (r#"^""#, "``", |t| t.starts_with('"')),
            ("(``)", " ${1} ", |t| t.contains("``")),
            (r#"([ (\[{<])("|'{2})"#, "${1} `` ", |t| {
                t.contains('"') || t.contains("''")
            }),
        ]),
        ending: compile(&[
            // PUNCTUATION
            (
                r#"([^.])(\.)([\])}>"'»”’ ]*)\s*$"#,
                "${1} ${2} ${3} ",
                |t| t.contains('.'),
            ),
            (r"([:,])([^\d])", " ${1} ${2}", |t| any_byte(t, b":,")),
            (r"([:,])$", " ${1} ", |t| any_byte(t, b":,")),
            (r"\.{2,}", " ${0} ", |t| t.contains("..")),
            (r"[;@#$%&]", " ${0} ", |t| any_byte(t, b";@#$%&")),
            ("[\u{2012}-\u{2015}]", " ${0} ", |t| {
                any_char(t, &['\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}'])
            }),
            (r#"([^.])(\.)([\])}>"']*)\s*$"#, "${1} ${2}${3} ", |t| {
                t.contains('.')
            }),
            (r"[?!]", " ${0} ", |t| any_byte(t, b"?!")),
            (r"([^'])' ", "${1} ' ", |t| t.contains("' ")),
            (r"[*]", " ${0} ", |t| t.contains('*')),
            // PARENS_BRACKETS, DOUBLE_DASHES
            (r"[\]\[(){}<>]", " ${0} ", |t| any_byte(t, b"][(){}<>")),
            (r"--", " -- ", |t| t.contains("--")),
        ]),
    })
}

struct Tail {
    subs: Vec<Rule>,
}

fn tail() -> &'static Tail {
    static T: OnceLock<Tail> = OnceLock::new();
    T.get_or_init(|| Tail {
        subs: compile(&[
            // ENDING_QUOTES (on " " + text + " ")
            ("([»”’])", " ${1} ", |t| any_char(t, &['»', '”', '’'])),
            ("''", " '' ", |t| t.contains("''")),
            ("\"", " '' ", |t| t.contains('"')),
            // Only a whitespace run other than one plain space changes anything.
            (r"\s+", " ", |t| {
                t.contains("  ")
                    || t.bytes().any(|b| matches!(b, b'\t'..=b'\r'))
                    || (!t.is_ascii() && t.chars().any(|c| c != ' ' && c.is_whitespace()))
            }),
            (r"([^' ])('[sS]|'[mM]|'[dD]|') ", "${1} ${2} ", |t| {
                t.contains('\'')
            }),
            (
                r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ",
                "${1} ${2} ",
                |t| t.contains('\''),
            ),
            // CONTRACTIONS2, CONTRACTIONS3
            (r"(?i)\b(can)(not)\b", " ${1} ${2} ", has_contraction_word),
            (r"(?i)\b(d)('ye)\b", " ${1} ${2} ", |t| t.contains('\'')),
            (r"(?i)\b(gim)(me)\b", " ${1} ${2} ", has_contraction_word),
            (r"(?i)\b(gon)(na)\b", " ${1} ${2} ", has_contraction_word),
            (r"(?i)\b(got)(ta)\b", " ${1} ${2} ", has_contraction_word),
            (r"(?i)\b(lem)(me)\b", " ${1} ${2} ", has_contraction_word),
            (r"(?i)\b(more)('n)\b", " ${1} ${2} ", |t| t.contains('\'')),
            (
                r"(?i)\b(wan)(na)(\s)",
                " ${1} ${2} ${3}",
                has_contraction_word,
            ),
            (r"(?i) ('t)(is)\b", " ${1} ${2} ", |t| t.contains('\'')),
            (r"(?i) ('t)(was)\b", " ${1} ${2} ", |t| t.contains('\'')),
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
    let run = |text: &mut String, rules: &[Rule]| {
        for r in rules {
            if (r.pre)(text) {
                sub(text, &r.re, r.rep);
            }
        }
    };
    run(&mut text, &r.subs);
    if text.contains('\'') {
        text = split_leading_apostrophes(&text);
    }
    run(&mut text, &r.ending);
    text = format!(" {text} ");
    run(&mut text, &tail().subs);
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
