//! open-instruct's IFEvalG training constraints: the 29 ids registered beside IFEval's 25
//! (`open_instruct/IFEvalG/instructions.py`, used by IF_multi_constraints_upto5 and Dolci).
//!
//! ## Accepts
//! Each id under its registry name (`copy:repeat_phrase`, `new:copy_span_idx`,
//! `keywords:keyword_specific_position`, ...; docs/ifeval.md lists them). Sentences are
//! Google's regex splitter (IFEvalG's `split_into_sentences`), not Punkt; tokens are nltk's
//! `word_tokenize`. `first_word`, `last_word` and `keyword` may be a list (its first entry,
//! as the reference does).
//!
//! ## Rejects
//! A missing or ill-typed argument, an empty keyword, phrase or prompt, a zero count or
//! position where the reference would draw a random one (`small_n`, `N`, `n`, `m`,
//! `n_sent`, `n_words`), an unknown relation: an error. Keywords are literal text by default
//! and regexes in compat mode (the reference passes them to `re.findall` unescaped).
//!
//! ## Examples
//! `keywords:palindrome` passes "I saw a racecar" (`I` and `a` are palindromes too, as in the
//! reference); `first_word:first_word_answer {first_word: "yes"}` passes "Yes, of course."

use super::kwargs::Kwargs;
use super::pyhelp::{regex_sentences, word_tokenize};
use super::{keywords, length, pystr, recache, Check, Ctx};
use serde_json::Value;

type Builder = fn(&Kwargs, &Ctx) -> Result<Check, String>;

/// The 29 ids, in the reference registry's order.
pub const IDS: [(&str, Builder); 29] = [
    ("copy:repeat_phrase", repeat_phrase),
    ("copy:copy", copy),
    ("new:copy_span_idx", copy_span_idx),
    ("detectable_format:sentence_hyphens", |_, _| {
        fixed(sentence_hyphens)
    }),
    ("keywords:no_adjacent_consecutive", |_, _| {
        fixed(no_adjacent_consecutive)
    }),
    ("detectable_format:square_brackets", |_, _| {
        fixed(|v| pystr::split_ws(v).all(|w| w.starts_with('[') && w.ends_with(']')))
    }),
    ("keywords:word_once", word_once),
    ("keywords:word_count_different_numbers", keywords::frequency),
    ("keywords:exclude_word_harder", exclude_word_harder),
    ("paragraphs:paragraphs", |_, _| {
        fixed(|v| length::star_paragraphs(v) == Some(2))
    }),
    ("paragraphs:paragraphs2", |_, _| fixed(paragraphs2)),
    ("first_word:first_word_sent", first_word_sent),
    ("first_word:first_word_answer", first_word_answer),
    ("last_word:last_word_sent", last_word_sent),
    ("last_word:last_word_answer", last_word_answer),
    ("detectable_format:bigram_wrapping", |_, _| {
        fixed(bigram_wrapping)
    }),
    ("copy:copying_simple", copy),
    ("copy:copying_multiple", copying_multiple),
    ("punctuation:punctuation_dot", |_, _| {
        fixed(|v| !v.contains('.'))
    }),
    ("punctuation:punctuation_exclamation", |_, _| {
        fixed(|v| !v.contains('!'))
    }),
    ("count:lowercase_counting", lowercase_counting),
    ("letters:letter_counting", letter_counting),
    ("letters:letter_counting2", keywords::letter_frequency),
    ("count:counting_composition", counting_composition),
    ("count:count_unique", |_, _| {
        fixed(|v| {
            // `len(set(w)) == len(w)`: no two equal tokens, found as neighbours once sorted
            // (no hashing of the response's tokens).
            let w = word_tokenize(v);
            let mut s: Vec<&str> = w.iter().collect();
            s.sort_unstable();
            s.windows(2).all(|p| p[0] != p[1])
        })
    }),
    ("count:count_increment_word", count_increment_word),
    ("keywords:palindrome", |_, _| {
        fixed(|v| pystr::split_ws(v).any(|w| w.chars().eq(w.chars().rev())))
    }),
    (
        "keywords:keyword_specific_position",
        keyword_specific_position,
    ),
    ("keywords:start_end", |_, _| {
        fixed(|v| {
            let w = word_tokenize(v);
            w.len() >= 2 && pystr::lower_eq(&w[0], &w[w.len() - 1])
        })
    }),
];

/// A checker with no arguments. Generic so that a named function or a capture-free closure
/// stays zero-sized and boxing it allocates nothing.
fn fixed<F: Fn(&str) -> bool + Send + Sync + 'static>(f: F) -> Result<Check, String> {
    Ok(Box::new(f))
}

fn positive(kw: &Kwargs, key: &str) -> Result<usize, String> {
    let n = kw.int(key)?;
    if n == 0 {
        return Err(format!(
            "argument `{key}` must be at least 1 (the reference draws a random value for 0)"
        ));
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

fn non_empty<'a>(kw: &Kwargs<'a>, key: &str) -> Result<&'a str, String> {
    let s = pystr::strip(kw.str(key)?);
    if s.is_empty() {
        return Err(format!("argument `{key}` is empty"));
    }
    Ok(s)
}

/// A word argument that may also be a list (the reference takes its first entry).
fn word_or_first<'a>(kw: &Kwargs<'a>, key: &str) -> Result<&'a str, String> {
    let w = match kw.0.get(key) {
        Some(Value::Array(a)) => a
            .first()
            .and_then(Value::as_str)
            .ok_or_else(|| format!("argument `{key}` is an empty or non-string list"))?,
        _ => kw.str(key)?,
    };
    let w = pystr::strip(w);
    if w.is_empty() {
        return Err(format!("argument `{key}` is empty"));
    }
    Ok(w)
}

fn repeat_phrase(kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let phrase = non_empty(kw, "phrase")?.to_string();
    let n = positive(kw, "small_n")?;
    let (Some(first), Some(last)) = (
        pystr::split_ws(&phrase).next(),
        pystr::split_ws(&phrase).last(),
    ) else {
        return Err("argument `phrase` is empty".to_string());
    };
    // `f"{first} .*? {last}"`, the words escaped unless in compat mode.
    let push = |p: &mut String, w: &str| {
        if ctx.compat {
            p.push_str(w);
        } else {
            p.push_str(&regex::escape(w));
        }
    };
    let mut pattern = String::with_capacity(first.len() + last.len() + 8);
    push(&mut pattern, first);
    pattern.push_str(" .*? ");
    push(&mut pattern, last);
    let re = recache::get(&pattern, false)
        .map_err(|e| format!("phrase {phrase:?} is not a usable pattern: {e}"))?;
    // The reference: exactly `n` matches, each with the phrase's word count and exactly one
    // word changed. A conjunction, so it is decided match by match.
    Ok(Box::new(move |v: &str| {
        let (mut found, mut satisfied) = (0, 0);
        for m in re.find_iter(v) {
            found += 1;
            if found > n {
                return false;
            }
            let (mut got, mut want) = (pystr::split_ws(m.as_str()), pystr::split_ws(&phrase));
            let mut diff = 0;
            loop {
                match (got.next(), want.next()) {
                    (Some(a), Some(b)) => diff += usize::from(a != b),
                    (None, None) => break,
                    _ => return false,
                }
            }
            if diff > 1 {
                return false;
            }
            satisfied += usize::from(diff == 1);
        }
        found == n && satisfied == n
    }))
}

fn copy(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let p = pystr::lower(non_empty(kw, "prompt_to_repeat")?);
    Ok(Box::new(move |v: &str| {
        pystr::lower_is(pystr::strip(v), &p)
    }))
}

fn copy_span_idx(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let p = kw.str("prompt_to_repeat")?;
    if p.is_empty() {
        return Err("argument `prompt_to_repeat` is empty".to_string());
    }
    let a = usize::try_from(kw.int("n_start")?).unwrap_or(usize::MAX);
    let b = positive(kw, "n_end")?;
    if a >= b {
        return Err(format!("n_start {a} >= n_end {b}"));
    }
    let span: String = p.chars().skip(a).take(b - a).collect();
    let want = pystr::lower(pystr::strip(&span));
    Ok(Box::new(move |v: &str| {
        pystr::lower_is(pystr::strip(v), &want)
    }))
}

fn sentence_hyphens(v: &str) -> bool {
    let gold = regex_sentences(&v.replace('-', " "));
    for (s, g) in v.split('-').zip(gold.iter()) {
        if pystr::strip(s) != s || s != g {
            return false;
        }
    }
    true
}

fn no_adjacent_consecutive(v: &str) -> bool {
    // Each word's first character, lower-cased; `None` when that is not one character (the
    // reference's `ord` then raises, and the check fails).
    let first_low = |w: &str| -> Option<char> {
        let c = w.chars().next()?;
        if c.is_ascii() {
            return Some(c.to_ascii_lowercase());
        }
        let l = pystr::lower(c.encode_utf8(&mut [0; 4]));
        let mut it = l.chars();
        match (it.next(), it.next()) {
            (Some(x), None) => Some(x),
            _ => None,
        }
    };
    let mut words = pystr::split_ws(v);
    let Some(first) = words.next() else {
        return true;
    };
    let mut prev = first_low(first);
    for w in words {
        let cur = first_low(w);
        match (prev, cur) {
            (Some(x), Some(y)) if (y as i64) - (x as i64) != 1 => {}
            _ => return false,
        }
        prev = cur;
    }
    true
}

fn word_once(kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let re = keywords::keyword_regex(non_empty(kw, "keyword")?, ctx)?;
    Ok(Box::new(move |v: &str| {
        keywords::count_matches(&re, v) == 1
    }))
}

fn exclude_word_harder(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let pat = format!(" {} ", non_empty(kw, "keyword")?);
    Ok(Box::new(move |v: &str| !v.contains(pat.as_str())))
}

fn paragraphs2(v: &str) -> bool {
    let parts: Vec<&str> = v.split("\n\n").collect();
    let last = parts.len() - 1;
    let mut n = parts.len();
    for (i, p) in parts.iter().enumerate() {
        if pystr::strip(p).is_empty() {
            if i == 0 || i == last {
                n -= 1;
            } else {
                return false;
            }
        }
    }
    n == 2
}

fn first_word_sent(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let w = pystr::lower(word_or_first(kw, "first_word")?);
    Ok(Box::new(move |v: &str| {
        regex_sentences(v).iter().all(|s| {
            pystr::split_ws(s)
                .next()
                .is_some_and(|f| pystr::lower_is(f, &w))
        })
    }))
}

fn first_word_answer(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let w = pystr::lower(non_empty(kw, "first_word")?);
    Ok(Box::new(move |v: &str| {
        pystr::split_ws(v)
            .next()
            .is_some_and(|f| pystr::lower_is(f, &w))
    }))
}

/// `bare_lower(w) == low` for a lower-cased `low`, without a copy when `w` is ASCII.
fn bare_lower_is(w: &str, low: &str) -> bool {
    if !w.is_ascii() {
        return bare_lower(w) == low;
    }
    let mut want = low.bytes();
    w.bytes()
        .filter(|&b| pystr::is_word(char::from(b)) || pystr::is_space(char::from(b)))
        .all(|b| want.next() == Some(b.to_ascii_lowercase()))
        && want.next().is_none()
}

/// `re.sub(r"[^\w\s]", "", w).lower()`.
fn bare_lower(w: &str) -> String {
    let kept: String = w
        .chars()
        .filter(|&c| pystr::is_word(c) || pystr::is_space(c))
        .collect();
    pystr::lower(&kept)
}

fn last_word_sent(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let w = pystr::lower(word_or_first(kw, "last_word")?);
    Ok(Box::new(move |v: &str| {
        regex_sentences(v).iter().all(|s| {
            pystr::split_ws(s)
                .last()
                .is_some_and(|l| bare_lower_is(l, &w))
        })
    }))
}

fn last_word_answer(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let w = pystr::lower(non_empty(kw, "last_word")?);
    Ok(Box::new(move |v: &str| {
        pystr::split_ws(v)
            .last()
            .is_some_and(|l| bare_lower_is(l, &w))
    }))
}

fn bigram_wrapping(v: &str) -> bool {
    let w: Vec<&str> = pystr::split_ws(v).collect();
    w.chunks(2).all(|p| match p {
        [a, b] => a.starts_with("<<") && b.ends_with(">>"),
        _ => true,
    })
}

fn copying_multiple(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let p = pystr::lower(non_empty(kw, "prompt_to_repeat")?);
    let n = positive(kw, "N")?;
    Ok(Box::new(move |v: &str| {
        let parts: Vec<&str> = v.split("******").collect();
        parts.len() == n && parts.iter().all(|x| pystr::lower_is(pystr::strip(x), &p))
    }))
}

/// `len(re.findall(r"\b[a-z]+\b", v))`: maximal `\w` runs made only of ASCII lower case.
fn lowercase_counting(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("N")?;
    Ok(Box::new(move |v: &str| {
        let mut count = 0i64;
        let mut in_run = false;
        let mut all_lower = true;
        for c in v.chars() {
            if pystr::is_word(c) {
                if !in_run {
                    in_run = true;
                    all_lower = true;
                }
                all_lower &= c.is_ascii_lowercase();
            } else if in_run {
                count += i64::from(all_lower);
                in_run = false;
            }
        }
        if in_run {
            count += i64::from(all_lower);
        }
        count <= n
    }))
}

fn letter_counting(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = positive(kw, "N")?;
    let rel = kw.relation("relation")?;
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    Ok(Box::new(move |v: &str| {
        rel.holds(v.chars().filter(char::is_ascii_alphabetic).count(), n)
    }))
}

fn counting_composition(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n_sent = positive(kw, "n_sent")?;
    let n_words = positive(kw, "n_words")?;
    Ok(Box::new(move |v: &str| {
        let parts = length::star_parts(v);
        let last = parts.len() - 1;
        let mut n = parts.len();
        // The reference's loop returns false at a blank inner paragraph or a paragraph with the
        // wrong counts, and true only if then n == 3: a conjunction, so the paragraph count
        // (cheap) is decided before any paragraph is tokenized (dear).
        for (i, p) in parts.iter().enumerate() {
            if pystr::strip(p).is_empty() {
                if i == 0 || i == last {
                    n -= 1;
                } else {
                    return false;
                }
            }
        }
        if n != 3 {
            return false;
        }
        // Likewise every paragraph's sentence count before any sentence's word count.
        let sents: Vec<_> = parts.iter().map(|p| regex_sentences(p)).collect();
        sents.iter().all(|s| s.len() == n_sent)
            && sents
                .iter()
                .flat_map(|s| s.iter())
                .all(|x| word_tokenize(x).len() == n_words)
    }))
}

fn count_increment_word(kw: &Kwargs, ctx: &Ctx) -> Result<Check, String> {
    let a = keywords::keyword_regex(non_empty(kw, "keyword1")?, ctx)?;
    let b = keywords::keyword_regex(non_empty(kw, "keyword2")?, ctx)?;
    Ok(Box::new(move |v: &str| {
        keywords::count_matches(&a, v) == 1 && keywords::count_matches(&b, v) == 2
    }))
}

fn keyword_specific_position(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let k = word_or_first(kw, "keyword")?.to_string();
    let n = positive(kw, "n")?;
    let m = positive(kw, "m")?;
    Ok(Box::new(move |v: &str| {
        let s = regex_sentences(v);
        if s.len() < n {
            return false;
        }
        let w = word_tokenize(&s[n - 1]);
        w.len() >= m && w[m - 1] == *k
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_29_and_distinct() {
        let set: HashSet<&str> = IDS.iter().map(|(k, _)| *k).collect();
        assert_eq!(set.len(), 29);
    }

    #[test]
    fn examples() {
        assert!(bigram_wrapping("<<I am>> <<at home>>"));
        assert!(!bigram_wrapping("<<I am>> at home"));
        assert!(paragraphs2("a\n\nb"));
        assert!(!paragraphs2("a\n\n\n\nb"));
        assert!(no_adjacent_consecutive("apple cat egg"));
        assert!(!no_adjacent_consecutive("apple banana"));
    }
}
