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
///
/// The test sees the text and a [`Mask`] of the bytes the text held when its stage began.
/// Within a stage the rules only insert spaces, except the starting-quote rules that write
/// `` ` `` (and the tests that look for `` ` `` read the text itself), so a byte absent from
/// the mask is absent from the text.
type Pre = fn(&str, &Mask) -> bool;

/// Which bytes a text holds, and (for the contraction rules) whether it holds one of
/// CONTRACTIONS2/3's apostrophe-free words.
struct Mask {
    bits: [u64; 4],
    contraction: bool,
}

impl Mask {
    fn of(t: &str) -> Mask {
        let mut bits = [0u64; 4];
        for b in t.bytes() {
            bits[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        Mask {
            bits,
            contraction: false,
        }
    }

    fn has(&self, b: u8) -> bool {
        self.bits[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    fn any(&self, set: &[u8]) -> bool {
        set.iter().any(|&b| self.has(b))
    }

    /// A byte of a multi-byte character.
    fn non_ascii(&self) -> bool {
        self.bits[2] | self.bits[3] != 0
    }
}

struct Rule {
    re: Regex,
    rep: &'static str,
    pre: Pre,
    /// The same substitution written out (`None`: no match), for the two end-of-sentence
    /// period rules that nearly every sentence triggers.
    hand: Option<fn(&str) -> Option<String>>,
}

/// PUNCTUATION's two end-of-sentence period rules.
const FINAL_PERIOD: &str = r#"([^.])(\.)([\])}>"'»”’ ]*)\s*$"#;
const FINAL_PERIOD_2: &str = r#"([^.])(\.)([\])}>"']*)\s*$"#;

/// `re.sub(FINAL_PERIOD or FINAL_PERIOD_2, ...)` by hand. The pattern is anchored at the end
/// and `.` is neither a closer nor whitespace, so only the last `.` of the text can match:
/// it must follow a character other than `.` and be followed by closers, then whitespace to
/// the end. The greedy closer run is the longest run of closers after the `.`, and the match
/// exists exactly when only whitespace follows that run (a shorter run would leave a closer
/// that is not whitespace, the space aside, which both classes hold and which changes nothing).
fn final_period(t: &str, is_close: fn(char) -> bool, spaced: bool) -> Option<String> {
    let d = t.rfind('.')?;
    let (head, after) = (&t[..d], &t[d + 1..]);
    if head.chars().next_back()? == '.' {
        return None;
    }
    let run = after
        .char_indices()
        .find(|&(_, c)| !is_close(c))
        .map_or(after.len(), |(i, _)| i);
    if !after[run..].chars().all(char::is_whitespace) {
        return None;
    }
    // "${1} ${2} ${3} " or "${1} ${2}${3} "; ${1} ends `head`, the whitespace is dropped.
    let mut out = String::with_capacity(t.len() + 4);
    out.push_str(head);
    out.push_str(" .");
    if spaced {
        out.push(' ');
    }
    out.push_str(&after[..run]);
    out.push(' ');
    Some(out)
}

fn final_period_1(t: &str) -> Option<String> {
    final_period(
        t,
        |c| {
            matches!(
                c,
                ']' | ')' | '}' | '>' | '"' | '\'' | '»' | '”' | '’' | ' '
            )
        },
        true,
    )
}

fn final_period_2(t: &str) -> Option<String> {
    final_period(
        t,
        |c| matches!(c, ']' | ')' | '}' | '>' | '"' | '\''),
        false,
    )
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
            let hand: Option<fn(&str) -> Option<String>> = match p {
                FINAL_PERIOD => Some(final_period_1),
                FINAL_PERIOD_2 => Some(final_period_2),
                _ => None,
            };
            Some(Rule {
                re: Regex::new(p).ok()?,
                rep,
                pre,
                hand,
            })
        })
        .collect()
}

/// `t` contains one of the (non-ASCII) characters in `set`.
fn any_char(t: &str, m: &Mask, set: &[char]) -> bool {
    m.non_ascii() && t.chars().any(|c| set.contains(&c))
}

/// The words of CONTRACTIONS2/3 without an apostrophe. Under `(?i)` only `k` and `s` have
/// non-ASCII case variants (U+212A, U+017F), and none of these words has either, so an
/// ASCII case-insensitive search finds every text the patterns can match.
fn has_contraction_word(t: &str) -> bool {
    const WORDS: [&[u8]; 6] = [b"cannot", b"gimme", b"gonna", b"gotta", b"lemme", b"wanna"];
    let b = t.as_bytes();
    (0..b.len()).any(|i| {
        // The words' first two letters: ca, gi, go, le, wa.
        matches!(
            (b[i] | 0x20, b.get(i + 1).map(|c| c | 0x20)),
            (b'c', Some(b'a'))
                | (b'g', Some(b'i' | b'o'))
                | (b'l', Some(b'e'))
                | (b'w', Some(b'a'))
        ) && WORDS.iter().any(|w| {
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
            ("([«“‘„]|[`]+)", " ${1} ", |t, m| {
                m.has(b'`') || any_char(t, m, &['«', '“', '‘', '„'])
            }),
            (r#"^""#, "``", |t, _| t.starts_with('"')),
            ("(``)", " ${1} ", |t, _| t.contains("``")),
            (r#"([ (\[{<])("|'{2})"#, "${1} `` ", |_, m| {
                m.has(b'"') || m.has(b'\'')
            }),
        ]),
        ending: compile(&[
            // PUNCTUATION
            (FINAL_PERIOD, "${1} ${2} ${3} ", |_, m| m.has(b'.')),
            (r"([:,])([^\d])", " ${1} ${2}", |_, m| m.any(b":,")),
            (r"([:,])$", " ${1} ", |_, m| m.any(b":,")),
            (r"\.{2,}", " ${0} ", |t, m| m.has(b'.') && t.contains("..")),
            (r"[;@#$%&]", " ${0} ", |_, m| m.any(b";@#$%&")),
            ("[\u{2012}-\u{2015}]", " ${0} ", |t, m| {
                any_char(t, m, &['\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}'])
            }),
            (FINAL_PERIOD_2, "${1} ${2}${3} ", |_, m| m.has(b'.')),
            (r"[?!]", " ${0} ", |_, m| m.any(b"?!")),
            (r"([^'])' ", "${1} ' ", |_, m| m.has(b'\'')),
            (r"[*]", " ${0} ", |_, m| m.has(b'*')),
            // PARENS_BRACKETS, DOUBLE_DASHES
            (r"[\]\[(){}<>]", " ${0} ", |_, m| m.any(b"][(){}<>")),
            (r"--", " -- ", |t, m| m.has(b'-') && t.contains("--")),
        ]),
    })
}

struct Tail {
    /// ENDING_QUOTES up to its `\s+` -> ` ` rule, which [`collapse_ws`] does.
    quotes: Vec<Rule>,
    clitics: Vec<Rule>,
}

fn tail() -> &'static Tail {
    static T: OnceLock<Tail> = OnceLock::new();
    T.get_or_init(|| Tail {
        quotes: compile(&[
            // ENDING_QUOTES (on " " + text + " ")
            ("([»”’])", " ${1} ", |t, m| {
                any_char(t, m, &['»', '”', '’'])
            }),
            ("''", " '' ", |t, m| m.has(b'\'') && t.contains("''")),
            ("\"", " '' ", |_, m| m.has(b'"')),
        ]),
        clitics: compile(&[
            (r"([^' ])('[sS]|'[mM]|'[dD]|') ", "${1} ${2} ", |_, m| {
                m.has(b'\'')
            }),
            (
                r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ",
                "${1} ${2} ",
                |_, m| m.has(b'\''),
            ),
            // CONTRACTIONS2, CONTRACTIONS3
            (r"(?i)\b(can)(not)\b", " ${1} ${2} ", |_, m| m.contraction),
            (r"(?i)\b(d)('ye)\b", " ${1} ${2} ", |_, m| m.has(b'\'')),
            (r"(?i)\b(gim)(me)\b", " ${1} ${2} ", |_, m| m.contraction),
            (r"(?i)\b(gon)(na)\b", " ${1} ${2} ", |_, m| m.contraction),
            (r"(?i)\b(got)(ta)\b", " ${1} ${2} ", |_, m| m.contraction),
            (r"(?i)\b(lem)(me)\b", " ${1} ${2} ", |_, m| m.contraction),
            (r"(?i)\b(more)('n)\b", " ${1} ${2} ", |_, m| m.has(b'\'')),
            (r"(?i)\b(wan)(na)(\s)", " ${1} ${2} ${3}", |_, m| {
                m.contraction
            }),
            (r"(?i) ('t)(is)\b", " ${1} ${2} ", |_, m| m.has(b'\'')),
            (r"(?i) ('t)(was)\b", " ${1} ${2} ", |_, m| m.has(b'\'')),
        ]),
    })
}

/// `re.sub(r"\s+", " ", t)`: each run of White_Space (the `\s` of a Unicode pattern, and
/// `char::is_whitespace`) becomes one space.
fn collapse_ws(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut in_ws = false;
    for c in t.chars() {
        if c.is_whitespace() {
            if !in_ws {
                out.push(' ');
                in_ws = true;
            }
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    out
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
    pystr::split_ws(&treebank_text(sentence))
        .map(str::to_string)
        .collect()
}

/// The tokenizer's last text, whose whitespace-separated words are [`treebank_tokens`].
pub fn treebank_text(sentence: &str) -> String {
    if let Some(t) = plain_tokens(sentence) {
        return t;
    }
    treebank_text_rules(sentence)
}

/// The tokens of a plain sentence, space-separated, without running the rules; `None` when
/// the sentence is not plain. Plain: ASCII letters, digits and whitespace, `?` and `!`, commas
/// not followed by a comma, at most one `.` and only as the last character before trailing
/// whitespace, and none of CONTRACTIONS2/3's words. On such a text the only rules that can
/// match are `[?!]` (each mark its own token), `([:,])([^\d])` and `([:,])$` (a comma not
/// followed by a digit is its own token; one followed by a digit stays in its word) and the
/// two end-of-sentence period rules (the last `.` its own token), and the rest of the pipeline
/// only collapses whitespace.
fn plain_tokens(sentence: &str) -> Option<String> {
    let b = sentence.as_bytes();
    let body = b.len()
        - b.iter()
            .rev()
            .take_while(|c| c.is_ascii_whitespace() || **c == 0x0b)
            .count();
    for (i, &c) in b.iter().enumerate() {
        let ok = c.is_ascii_alphanumeric()
            || c.is_ascii_whitespace()
            || c == 0x0b
            || matches!(c, b'?' | b'!')
            || (c == b',' && b.get(i + 1) != Some(&b','))
            || (c == b'.' && i + 1 == body);
        if !ok {
            return None;
        }
    }
    if has_contraction_word(sentence) {
        return None;
    }
    let mut out = String::with_capacity(b.len() + 8);
    let mut push = |tok: &str| {
        if !tok.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(tok);
        }
    };
    for word in sentence.split(|c: char| c.is_ascii_whitespace() || c == '\u{b}') {
        let w = word.as_bytes();
        let mut start = 0;
        for (i, &c) in w.iter().enumerate() {
            let own = match c {
                b'?' | b'!' | b'.' => true,
                b',' => !w.get(i + 1).is_some_and(u8::is_ascii_digit),
                _ => false,
            };
            if own {
                push(&word[start..i]);
                push(&word[i..=i]);
                start = i + 1;
            }
        }
        push(&word[start..]);
    }
    Some(out)
}

/// [`treebank_text`] by the rules, for any sentence.
fn treebank_text_rules(sentence: &str) -> String {
    let r = rules();
    let mut text = sentence.to_string();
    let run = |text: &mut String, m: &Mask, rules: &[Rule]| {
        for r in rules {
            if (r.pre)(text, m) {
                match r.hand {
                    Some(f) => {
                        if let Some(t) = f(text) {
                            *text = t;
                        }
                    }
                    None => sub(text, &r.re, r.rep),
                }
            }
        }
    };
    run(&mut text, &Mask::of(sentence), &r.subs);
    if text.contains('\'') {
        text = split_leading_apostrophes(&text);
    }
    let m = Mask::of(&text);
    run(&mut text, &m, &r.ending);
    text = format!(" {text} ");
    let t = tail();
    let m = Mask::of(&text);
    run(&mut text, &m, &t.quotes);
    text = collapse_ws(&text);
    let mut m = Mask::of(&text);
    // Inserting spaces cannot make one of these words, so one look serves the whole stage.
    m.contraction = has_contraction_word(&text);
    if m.has(b'\'') || m.contraction {
        run(&mut text, &m, &t.clitics);
    }
    text
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
    fn plain_sentences_tokenize_as_the_rules_do() {
        let words = [
            "a", "The", "cat", "1,000", "a,b", "a,", ",", "x,1", "2020.", "why?", "no!", "Hi!?",
            "a,.", "  ", "\n", "\t", "I", "one,two,", "5,", "ok?!", ".", "b,?",
        ];
        // Every sequence of up to three pieces, with and without a final period.
        let mut n = 0;
        for a in words {
            for b in words {
                for c in words {
                    for end in ["", ".", ". ", "\n"] {
                        let s = format!("{a} {b}{c}{end}");
                        if let Some(fast) = plain_tokens(&s) {
                            n += 1;
                            let slow: Vec<String> = pystr::split_ws(&treebank_text_rules(&s))
                                .map(str::to_string)
                                .collect();
                            let fast: Vec<String> = fast
                                .split(' ')
                                .filter(|t| !t.is_empty())
                                .map(str::to_string)
                                .collect();
                            assert_eq!(fast, slow, "{s:?}");
                        }
                    }
                }
            }
        }
        assert!(n > 5000, "{n}");
        assert!(plain_tokens("We cannot go.").is_none());
        assert!(plain_tokens("a,,b").is_none());
        assert!(plain_tokens("3.5 m").is_none());
    }

    #[test]
    fn final_period_by_hand_is_the_regex() {
        let pieces = [
            "a", ".", "..", " ", "\t", "\n", ")", "]", "\"", "'", "»", "”", "’", "x.", "\u{a0}",
            "é", "?",
        ];
        let r = rules();
        let by_pat = |p: &str| r.ending.iter().find(|x| x.re.as_str() == p);
        let (Some(e1), Some(e7)) = (by_pat(FINAL_PERIOD), by_pat(FINAL_PERIOD_2)) else {
            panic!("rules missing");
        };
        // Every string of up to 4 pieces.
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for t in &texts {
                for p in pieces {
                    next.push(format!("{t}{p}"));
                }
            }
            texts.extend(next);
        }
        for t in &texts {
            for rule in [e1, e7] {
                let want = rule.re.replace_all(t, rule.rep).into_owned();
                let got = rule.hand.and_then(|f| f(t)).unwrap_or_else(|| t.clone());
                assert_eq!(got, want, "{t:?} under {}", rule.re.as_str());
            }
        }
    }

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
