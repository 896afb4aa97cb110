//! IFBench's 58 out-of-domain constraints (AllenAI, `ifbench/instructions.py`).
//!
//! ## Accepts
//! Each id under IFBench's own name (`count:word_count_range`, `format:emoji`,
//! `custom:csv_city`, ...; the table in docs/ifeval.md), with the reference's arguments.
//! Sentences are Punkt's (`nltk.sent_tokenize`, as IFBench), words are the reference's for
//! each id (`\w+` runs, `str.split()`, `word_tokenize`), punctuation is `string.punctuation`.
//!
//! ## Rejects
//! A missing or ill-typed argument, a zero where the reference divides or indexes by it
//! (`count:words_japanese` `N`, `sentence:keyword` `N`, the positions of
//! `words:keywords_specific_position`), an empty keyword, separator or prompt, and
//! `min_words > max_words`: an error, never a random fill-in. A reference exception (an
//! empty field in `custom:csv_quotes`, the csv reader's errors) is a failed check.
//!
//! ## Deviations
//! `words:start_verb` needs nltk's perceptron tagger, whose weights no package ships here: a
//! word list stands in (hand-labelled fixtures). `words:odd_even_syllables` is syllapy's rule
//! plus its dictionary's parity exceptions, exact. NFKD folding covers Latin letters,
//! ligatures and full-width forms.
//!
//! ## Examples
//! `count:numbers {N: 2}` passes "I have 3 cats and 12 dogs."; `format:no_whitespace` fails
//! "a b".

use super::kwargs::Kwargs;
use super::pyhelp::FastBuild;
use super::pyhelp::{
    digit_value, is_emoji, is_punct, nfkd_ascii, nfkd_ascii_bytes, no_punct, sentences, strip_ps,
    word_tokenize,
};
use super::{keywords, length, pycsv, pystr, recache, Check, Ctx};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::OnceLock;

type Builder = fn(&Kwargs, &Ctx) -> Result<Check, String>;

/// The 58 ids, in the reference registry's order.
pub const IDS: [(&str, Builder); 58] = [
    ("count:word_count_range", word_count_range),
    ("count:unique_word_count", unique_word_count),
    ("ratio:stop_words", stop_words),
    ("ratio:sentence_type", |_, _| fixed(sentence_type)),
    ("ratio:sentence_balance", |_, _| fixed(sentence_balance)),
    ("count:conjunctions", conjunctions),
    ("count:person_names", person_names),
    ("ratio:overlap", overlap),
    ("count:numbers", numbers),
    ("words:alphabet", |_, _| fixed(alphabet)),
    ("words:vowel", |_, _| fixed(vowel)),
    ("words:consonants", |_, _| fixed(consonants)),
    ("sentence:alliteration_increment", |_, _| {
        fixed(alliteration_increment)
    }),
    ("words:palindrome", |_, _| fixed(palindrome)),
    ("count:punctuation", |_, _| fixed(punctuation)),
    ("format:parentheses", |_, _| fixed(parentheses)),
    ("format:quotes", |_, _| fixed(quotes)),
    ("words:prime_lengths", |_, _| fixed(prime_lengths)),
    ("format:options", options),
    ("format:newline", |_, _| fixed(newline)),
    ("format:emoji", |_, _| fixed(emoji_sentences)),
    ("ratio:sentence_words", |_, _| fixed(sentence_words)),
    ("count:words_japanese", words_japanese),
    ("words:start_verb", |_, _| fixed(start_verb)),
    ("words:repeats", repeats),
    ("sentence:keyword", sentence_keyword),
    ("count:pronouns", pronouns),
    ("words:odd_even_syllables", |_, _| fixed(odd_even_syllables)),
    ("words:last_first", |_, _| fixed(last_first)),
    ("words:paragraph_last_first", |_, _| {
        fixed(paragraph_last_first)
    }),
    ("sentence:increment", increment),
    ("words:no_consecutive", |_, _| fixed(no_consecutive)),
    ("format:line_indent", |_, _| fixed(line_indent)),
    ("format:quote_unquote", |_, _| fixed(quote_unquote)),
    ("format:list", list_sep),
    ("format:thesis", |_, _| fixed(thesis)),
    ("format:sub-bullets", |_, _| fixed(sub_bullets)),
    ("format:no_bullets_bullets", |_, _| {
        fixed(no_bullets_bullets)
    }),
    ("custom:multiples", |_, _| fixed(multiples)),
    ("custom:mcq_count_length", |_, _| fixed(mcq_count_length)),
    ("custom:reverse_newline", |_, _| fixed(reverse_newline)),
    ("custom:word_reverse", |_, _| fixed(word_reverse)),
    ("custom:character_reverse", |_, _| {
        fixed(|v| pystr::lower(v).contains("elgae dlab"))
    }),
    ("custom:sentence_alphabet", |_, _| fixed(sentence_alphabet)),
    ("custom:european_capitals_sort", |_, _| {
        fixed(european_capitals)
    }),
    ("custom:csv_city", |_, _| fixed(csv_city)),
    ("custom:csv_special_character", |_, _| fixed(csv_special)),
    ("custom:csv_quotes", |_, _| fixed(csv_quotes)),
    ("custom:date_format_list", |_, _| fixed(date_format_list)),
    ("count:keywords_multiple", keywords_multiple),
    ("words:keywords_specific_position", keyword_position),
    ("words:words_position", words_position),
    ("repeat:repeat_change", repeat_change),
    ("repeat:repeat_simple", |_, _| fixed(repeat_simple)),
    ("repeat:repeat_span", repeat_span),
    ("format:title_case", |_, _| fixed(title_case)),
    ("format:output_template", |_, _| {
        fixed(|v| {
            v.contains("My Answer:")
                && v.contains("My Conclusion:")
                && v.contains("Future Outlook:")
        })
    }),
    ("format:no_whitespace", |_, _| {
        fixed(|v| !v.chars().any(pystr::is_space))
    }),
];

/// A checker with no arguments. Generic so that a named function or a capture-free closure
/// stays zero-sized and boxing it allocates nothing.
fn fixed<F: Fn(&str) -> bool + Send + Sync + 'static>(f: F) -> Result<Check, String> {
    Ok(Box::new(f))
}

/// A numeric argument (integer or float), non-negative.
fn num(kw: &Kwargs, key: &str) -> Result<f64, String> {
    let v =
        kw.0.get(key)
            .filter(|v| !v.is_null())
            .ok_or_else(|| format!("missing argument `{key}`"))?;
    match v.as_f64() {
        Some(f) if f.is_finite() && f >= 0.0 => Ok(f),
        _ => Err(format!(
            "argument `{key}` is not a non-negative number: {v}"
        )),
    }
}

/// An integer argument that must be at least 1 (the reference indexes or divides by it).
fn positive(kw: &Kwargs, key: &str) -> Result<usize, String> {
    let n = kw.int(key)?;
    if n == 0 {
        return Err(format!("argument `{key}` must be at least 1"));
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

fn non_empty<'a>(kw: &Kwargs<'a>, key: &str) -> Result<&'a str, String> {
    let s = kw.str(key)?;
    if pystr::strip(s).is_empty() {
        return Err(format!("argument `{key}` is empty"));
    }
    Ok(s)
}

fn ge(count: usize, n: i64) -> bool {
    i64::try_from(count).is_ok_and(|c| c >= n)
}

fn eq(count: usize, n: i64) -> bool {
    i64::try_from(count).is_ok_and(|c| c == n)
}

fn word_count_range(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let lo = kw.int("min_words")?;
    let hi = kw.int("max_words")?;
    if lo > hi {
        return Err(format!("min_words {lo} > max_words {hi}"));
    }
    Ok(Box::new(move |v: &str| {
        let n = i64::try_from(length::count_words(v)).unwrap_or(i64::MAX);
        lo <= n && n <= hi
    }))
}

fn unique_word_count(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("N")?;
    Ok(Box::new(move |v: &str| {
        let low = pystr::lower(v);
        let set: HashSet<&str> = pystr::split_ws(&low).map(strip_ps).collect();
        ge(set.len(), n)
    }))
}

/// A fixed word table, looked up with `WordHash` (tables built from the response keep SipHash).
type WordTable = HashSet<&'static str, FastBuild>;

fn stopwords() -> &'static WordTable {
    static S: OnceLock<WordTable> = OnceLock::new();
    S.get_or_init(|| {
        include_str!("ifbench_data/stopwords_english.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

fn word_runs(v: &str) -> impl Iterator<Item = &str> {
    static R: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let re = R.get_or_init(|| regex::Regex::new(r"\w+").ok()).as_ref();
    re.into_iter()
        .flat_map(move |r| r.find_iter(v).map(|m| m.as_str()))
}

fn stop_words(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let pct = num(kw, "percentage")?;
    Ok(Box::new(move |v: &str| {
        let n = length::count_words(v);
        if n == 0 {
            return false;
        }
        let sw = stopwords();
        let k = word_runs(v)
            .filter(|t| sw.contains(&*pystr::lower_word(t, &mut [0; 32])))
            .count();
        (k as f64) / (n as f64) * 100.0 <= pct
    }))
}

fn sentence_type(v: &str) -> bool {
    let s = sentences(v);
    let d = s.iter().filter(|x| x.ends_with('.')).count();
    let q = s.iter().filter(|x| x.ends_with('?')).count();
    d == 2 * q
}

fn sentence_balance(v: &str) -> bool {
    let s = sentences(v);
    let d = s.iter().filter(|x| x.ends_with('.')).count();
    let q = s.iter().filter(|x| x.ends_with('?')).count();
    let e = s.iter().filter(|x| x.ends_with('!')).count();
    d == q && q == e
}

fn conjunctions(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("small_n")?;
    const CONJ: [&str; 7] = ["and", "but", "for", "nor", "or", "so", "yet"];
    Ok(Box::new(move |v: &str| {
        // The reference keeps the unstripped tokens in its set ("and" and "and," count twice).
        let set: HashSet<&str> = pystr::split_ws(v)
            .filter(|w| CONJ.contains(&&*pystr::lower_word(strip_ps(w), &mut [0; 32])))
            .collect();
        ge(set.len(), n)
    }))
}

const NAMES: [&str; 50] = [
    "Emma",
    "Liam",
    "Sophia",
    "Jackson",
    "Olivia",
    "Noah",
    "Ava",
    "Lucas",
    "Isabella",
    "Mason",
    "Mia",
    "Ethan",
    "Charlotte",
    "Alexander",
    "Amelia",
    "Benjamin",
    "Harper",
    "Leo",
    "Zoe",
    "Daniel",
    "Chloe",
    "Samuel",
    "Lily",
    "Matthew",
    "Grace",
    "Owen",
    "Abigail",
    "Gabriel",
    "Ella",
    "Jacob",
    "Scarlett",
    "Nathan",
    "Victoria",
    "Elijah",
    "Layla",
    "Nicholas",
    "Audrey",
    "David",
    "Hannah",
    "Christopher",
    "Penelope",
    "Thomas",
    "Nora",
    "Andrew",
    "Aria",
    "Joseph",
    "Claire",
    "Ryan",
    "Stella",
    "Jonathan",
];

/// `re.search(r"\b" + re.escape(w) + r"\b", v)` (case-sensitive): the reference's test, kept
/// as the oracle of [`count_names`].
#[cfg(test)]
fn has_word(v: &str, w: &str) -> bool {
    let mut from = 0;
    while let Some(i) = v.get(from..).and_then(|s| s.find(w)) {
        let at = from + i;
        if pystr::is_boundary(v, at) && pystr::is_boundary(v, at + w.len()) {
            return true;
        }
        from = at + v[at..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

fn person_names(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("N")?;
    Ok(Box::new(move |v: &str| ge(count_names(v), n)))
}

/// How many of [`NAMES`] pass [`has_word`] in `v`, in one pass: every name is `\w` only, so
/// it occurs between two `\b`s exactly when some maximal `\w` run of `v` equals it.
fn count_names(v: &str) -> usize {
    let mut seen = 0u64;
    for run in v.split(|c: char| !pystr::is_word(c)) {
        // Every name is 3 to 11 ASCII letters, the first a capital.
        if !(3..=11).contains(&run.len()) || !run.as_bytes()[0].is_ascii_uppercase() {
            continue;
        }
        if let Some(i) = NAMES.iter().position(|nm| *nm == run) {
            seen |= 1 << i;
        }
    }
    seen.count_ones() as usize
}

/// The distinct character trigrams of `s` (the reference's set), sorted: two sorted runs are
/// intersected by a merge, with no hashing of the response.
fn trigrams(s: &str) -> Vec<(char, char, char)> {
    let c: Vec<char> = s.chars().collect();
    let mut g: Vec<(char, char, char)> = c.windows(3).map(|w| (w[0], w[1], w[2])).collect();
    g.sort_unstable();
    g.dedup();
    g
}

/// How many entries two sorted, duplicate-free runs share.
fn common_sorted<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

fn overlap(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let reference = trigrams(kw.str("reference_text")?);
    let pct = num(kw, "percentage")?;
    Ok(Box::new(move |v: &str| {
        let grams = trigrams(v);
        if grams.is_empty() {
            return false;
        }
        let common = common_sorted(&grams, &reference);
        let r = (common as f64) / (grams.len() as f64) * 100.0;
        pct - 2.0 <= r && r <= pct + 2.0
    }))
}

/// `len(re.findall(r"\d+", s))`: maximal runs of decimal digits.
fn digit_runs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if pystr::is_decimal(c) {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn numbers(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("N")?;
    Ok(Box::new(move |v: &str| {
        eq(digit_runs(&no_punct(v)).len(), n)
    }))
}

fn first_lower(w: &str) -> String {
    w.chars()
        .next()
        .map(|c| pystr::lower(c.encode_utf8(&mut [0; 4])))
        .unwrap_or_default()
}

fn alphabet(v: &str) -> bool {
    let v = no_punct(v);
    let words: Vec<&str> = pystr::split_ws(strip_ps(&v)).collect();
    let Some(first) = words.first() else {
        return false;
    };
    let fl = first_lower(first);
    let mut cur = match fl.as_bytes() {
        [b] if b.is_ascii_lowercase() => *b,
        _ => return false,
    };
    for w in &words[1..] {
        let w = pystr::lower(strip_ps(w));
        let Some(c) = w.chars().next() else {
            continue;
        };
        cur = if cur == b'z' { b'a' } else { cur + 1 };
        if c != cur as char {
            return false;
        }
    }
    true
}

fn vowel(v: &str) -> bool {
    let s = pystr::strip(v);
    if s.contains('\n') {
        return false;
    }
    let low = pystr::lower(s);
    let set: HashSet<char> = low.chars().filter(|c| "aeiou".contains(*c)).collect();
    set.len() <= 3
}

fn consonants(v: &str) -> bool {
    let low = pystr::lower(v);
    let ok = pystr::split_ws(&low).all(|w| {
        let c: Vec<char> = w.chars().collect();
        let cons = |x: char| "bcdfghjklmnpqrstvwxyz".contains(x);
        c.windows(2).any(|p| cons(p[0]) && cons(p[1]))
    });
    ok
}

fn alliteration_increment(v: &str) -> bool {
    let mut prev: i64 = -1;
    for s in sentences(v) {
        let low = pystr::lower(s);
        let words: Vec<char> = pystr::split_ws(&low)
            .filter_map(|w| {
                w.trim_start_matches(|c: char| is_punct(c) || c == ' ')
                    .chars()
                    .next()
            })
            .collect();
        let mut run: i64 = 0;
        let mut in_run = false;
        for p in words.windows(2) {
            if p[0] == p[1] {
                run += if in_run { 1 } else { 2 };
                in_run = true;
            } else {
                in_run = false;
            }
        }
        if run <= prev {
            return false;
        }
        prev = run;
    }
    true
}

fn palindrome(v: &str) -> bool {
    let low = pystr::lower(&no_punct(v));
    pystr::split_ws(&low)
        .filter(|w| w.chars().count() >= 5 && w.chars().eq(w.chars().rev()))
        .count()
        >= 10
}

fn punctuation(v: &str) -> bool {
    if !(v.contains("!?") || v.contains("?!") || v.contains('‽')) {
        return false;
    }
    let rest = if v.contains("?!") {
        v.replacen("?!", "", 1)
    } else {
        v.replacen("!?", "", 1)
    };
    ['.', ',', '!', '?', ';', ':']
        .iter()
        .all(|c| rest.contains(*c))
}

fn parentheses(v: &str) -> bool {
    let mut levels: Vec<char> = Vec::new();
    let mut max_depth = 0usize;
    for c in v.chars() {
        if "([{".contains(c) {
            levels.push(c);
            max_depth = max_depth.max(levels.len());
        } else if ")]}".contains(c) {
            let matched = matches!(
                (levels.last(), c),
                (Some('('), ')') | (Some('['), ']') | (Some('{'), '}')
            );
            if matched {
                levels.pop();
                if max_depth >= 5 && levels.len() < max_depth {
                    return true;
                }
            } else {
                levels.clear();
                max_depth = 0;
            }
        }
    }
    false
}

fn quotes(v: &str) -> bool {
    let mut levels: Vec<char> = Vec::new();
    let (mut reached, mut cur) = (0i64, 0i64);
    for c in v.chars() {
        if levels.last() == Some(&c) {
            levels.pop();
            cur -= 1;
            if reached - cur >= 3 {
                return true;
            }
        } else if c == '"' || c == '\'' {
            levels.push(c);
            cur += 1;
            reached = reached.max(cur);
        }
    }
    false
}

fn prime_lengths(v: &str) -> bool {
    const PRIMES: [usize; 25] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
        97,
    ];
    let s = no_punct(v);
    let ok = pystr::split_ws(&s).all(|w| PRIMES.contains(&w.chars().count()));
    ok
}

fn options(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let text = kw.str("options")?;
    // re.match(r"\W*[aA]\W*[bB]\W*[cC]\W*", options)
    let strict = {
        let mut it = text.chars().peekable();
        let mut ok = true;
        for want in ['a', 'b', 'c'] {
            while it.peek().is_some_and(|&c| !pystr::is_word(c)) {
                it.next();
            }
            if it.next().map(|c| c.to_ascii_lowercase()) != Some(want) {
                ok = false;
                break;
            }
        }
        ok
    };
    let sep = if text.contains('/') {
        "/"
    } else if text.contains("or") {
        "or"
    } else {
        ","
    };
    let opts: Vec<String> = text
        .split(sep)
        .map(|o| pystr::strip(o).to_string())
        .collect();
    Ok(Box::new(move |v: &str| {
        if strict {
            return opts.iter().any(|o| o == v);
        }
        let v = pystr::lower(strip_ps(v));
        opts.iter().any(|o| pystr::lower_is(strip_ps(o), &v))
    }))
}

fn newline(v: &str) -> bool {
    let s = no_punct(v);
    let t = pystr::strip(&s);
    t.split('\n').filter(|l| !l.is_empty()).count() == pystr::split_ws(t).count()
}

fn emoji_sentences(v: &str) -> bool {
    let sents = sentences(v);
    for (i, s) in sents.iter().enumerate() {
        let t = no_punct(s);
        let t: Vec<char> = pystr::strip(&t).chars().collect();
        let Some(&last) = t.last() else {
            return false;
        };
        let second = if t.len() > 1 { t[t.len() - 2] } else { last };
        if !is_emoji(last) && !is_emoji(second) {
            let Some(next) = sents.get(i + 1) else {
                return false;
            };
            let n = no_punct(next);
            match pystr::strip(&n).chars().next() {
                Some(c) if is_emoji(c) => {}
                _ => return false,
            }
        }
    }
    true
}

fn sentence_words(v: &str) -> bool {
    let s = sentences(v);
    s.len() == 3 && {
        let n = pystr::strip(s[0]).chars().count();
        s.iter().all(|x| pystr::strip(x).chars().count() == n)
    }
}

fn words_japanese(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = positive(kw, "N")?;
    Ok(Box::new(move |v: &str| {
        pystr::split_ws(v).enumerate().all(|(i, w)| {
            let w = strip_ps(w);
            (i + 1) % n != 0
                || w.is_empty()
                || super::pyhelp::is_digit_str(w)
                || w.chars()
                    .any(|c| matches!(c as u32, 0x3040..=0x30FF | 0x4E00..=0x9FFF))
        })
    }))
}

/// Stand-in for `'VB' in nltk.pos_tag(word_tokenize(v))[0][1]`: the first token is a verb
/// form by a word list (imperatives and common verbs), or an `-ing` / `-ed` form.
fn start_verb(v: &str) -> bool {
    const VERBS: &str = include_str!("ifbench_data/verbs.txt");
    static SET: OnceLock<WordTable> = OnceLock::new();
    let set = SET.get_or_init(|| VERBS.split_whitespace().collect());
    const NOT_VERBS: [&str; 24] = [
        "thing",
        "nothing",
        "something",
        "anything",
        "everything",
        "morning",
        "evening",
        "during",
        "king",
        "ring",
        "spring",
        "string",
        "ceiling",
        "sibling",
        "wedding",
        "bed",
        "red",
        "need",
        "seed",
        "speed",
        "hundred",
        "sacred",
        "kindred",
        "bling",
    ];
    // Only the first token matters: tokenize the first sentence.
    let toks = sentences(v)
        .first()
        .map(|s| super::wordtok::treebank_tokens(s))
        .unwrap_or_default();
    let Some(first) = toks.first() else {
        return false;
    };
    let w = pystr::lower(first);
    if set.contains(w.as_str()) {
        return true;
    }
    if NOT_VERBS.contains(&w.as_str()) || !w.chars().all(|c| c.is_ascii_lowercase()) {
        return false;
    }
    (w.len() > 4 && w.ends_with("ing")) || (w.len() > 4 && w.ends_with("ed"))
}

fn repeats(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("small_n")?;
    Ok(Box::new(move |v: &str| {
        let s = no_punct(&pystr::lower(v));
        let mut counts: HashMap<&str, i64> = HashMap::new();
        for w in pystr::split_ws(&s) {
            *counts.entry(w).or_insert(0) += 1;
        }
        counts.values().all(|&c| c <= n)
    }))
}

fn sentence_keyword(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let word = non_empty(kw, "word")?;
    let n = positive(kw, "N")?;
    let re = recache::literal_ci(word).map_err(|e| format!("word {word:?} is not usable: {e}"))?;
    Ok(Box::new(move |v: &str| {
        let s = sentences(v);
        s.len() >= n && keywords::has_bounded(&re, s[n - 1])
    }))
}

fn pronouns(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("N")?;
    const P: [&str; 63] = [
        "i",
        "me",
        "we",
        "us",
        "you",
        "he",
        "him",
        "she",
        "her",
        "it",
        "they",
        "them",
        "my",
        "mine",
        "our",
        "ours",
        "your",
        "yours",
        "his",
        "hers",
        "its",
        "their",
        "theirs",
        "myself",
        "ourselves",
        "yourself",
        "yourselves",
        "himself",
        "herself",
        "itself",
        "themselves",
        "this",
        "that",
        "these",
        "those",
        "who",
        "whom",
        "whose",
        "which",
        "what",
        "whoever",
        "whomever",
        "whatever",
        "whichever",
        "anybody",
        "anyone",
        "anything",
        "everybody",
        "everyone",
        "everything",
        "nobody",
        "nothing",
        "somebody",
        "someone",
        "something",
        "each",
        "either",
        "neither",
        "both",
        "all",
        "some",
        "any",
        "none",
    ];
    static SET: OnceLock<WordTable> = OnceLock::new();
    let set = SET.get_or_init(|| P.iter().copied().collect());
    Ok(Box::new(move |v: &str| {
        let low = pystr::lower(&v.replace('/', " "));
        let k = word_tokenize(&low)
            .iter()
            .filter(|t| set.contains(t))
            .count();
        ge(k, n)
    }))
}

/// `syllapy.count(word) % 2` for a word without punctuation, lower-cased.
fn syllable_parity(w: &str) -> u8 {
    static EX: OnceLock<WordTable> = OnceLock::new();
    let ex = EX.get_or_init(|| {
        include_str!("ifbench_data/syllable_parity_exceptions.txt")
            .lines()
            .filter(|l| !l.is_empty())
            .collect()
    });
    let w = strip_ps(pystr::strip(w));
    if w.is_empty() || w.chars().any(pystr::is_decimal) {
        return 0;
    }
    let c: Vec<char> = w.chars().collect();
    let is_v = |x: char| "aeiouy".contains(x);
    let mut n: i64 = i64::from(is_v(c[0]));
    for i in 1..c.len() {
        if is_v(c[i]) && !is_v(c[i - 1]) {
            n += 1;
        }
    }
    if w.ends_with('e') {
        n -= 1;
    }
    if w.ends_with("le") && c.len() > 2 && !is_v(c[c.len() - 3]) {
        n += 1;
    }
    if n == 0 {
        n = 1;
    }
    let p = u8::from(n.rem_euclid(2) == 1);
    if ex.contains(w) {
        1 - p
    } else {
        p
    }
}

fn odd_even_syllables(v: &str) -> bool {
    let s = pystr::lower(&no_punct(v));
    let p: Vec<u8> = pystr::split_ws(&s).map(syllable_parity).collect();
    p.windows(2).all(|x| x[0] != x[1])
}

fn last_first(v: &str) -> bool {
    let s = sentences(v);
    s.windows(2).all(|p| {
        let a = p[0].trim_end_matches(|c: char| is_punct(c) || c == ' ');
        let b = p[1].trim_start_matches(|c: char| is_punct(c) || c == ' ');
        match (pystr::split_ws(a).last(), pystr::split_ws(b).next()) {
            (Some(x), Some(y)) => pystr::lower_eq(x, y),
            _ => false,
        }
    })
}

fn paragraph_last_first(v: &str) -> bool {
    v.split('\n').all(|p| {
        let p = pystr::lower(pystr::strip(p));
        let words: Vec<&str> = pystr::split_ws(strip_ps(&p)).collect();
        match (words.first(), words.last()) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    })
}

fn increment(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let n = kw.int("small_n")?;
    Ok(Box::new(move |v: &str| {
        let s = sentences(v);
        if s.is_empty() {
            return false;
        }
        let counts: Vec<i64> = s
            .iter()
            .map(|x| i64::try_from(pystr::split_ws(&no_punct(x)).count()).unwrap_or(i64::MAX))
            .collect();
        counts.windows(2).all(|p| p[1] == p[0].saturating_add(n))
    }))
}

fn no_consecutive(v: &str) -> bool {
    let s = no_punct(&pystr::lower(v));
    let firsts: Vec<char> = pystr::split_ws(&s)
        .filter_map(|w| w.chars().next())
        .collect();
    firsts.windows(2).all(|p| p[0] != p[1])
}

/// The reference removes blank lines with `lines.remove(line)` while iterating over `lines`:
/// each removal takes the first equal line and skips the line after the blank one.
fn line_indent(v: &str) -> bool {
    let lines: Vec<&str> = v.split('\n').collect();
    let n = lines.len();
    let mut removed = vec![false; n];
    let mut present: HashMap<&str, VecDeque<usize>> = HashMap::new();
    let mut inserted = 0usize;
    let mut o = 0usize;
    while o < n {
        while inserted <= o {
            if pystr::strip(lines[inserted]).is_empty() {
                present
                    .entry(lines[inserted])
                    .or_default()
                    .push_back(inserted);
            }
            inserted += 1;
        }
        if pystr::strip(lines[o]).is_empty() {
            if let Some(j) = present.get_mut(lines[o]).and_then(VecDeque::pop_front) {
                removed[j] = true;
            }
            o += 2;
        } else {
            o += 1;
        }
    }
    let indents: Vec<usize> = lines
        .iter()
        .zip(&removed)
        .filter(|(_, r)| !**r)
        .map(|(l, _)| l.len() - l.trim_start_matches(' ').len())
        .collect();
    indents.windows(2).all(|p| p[1] > p[0])
}

fn quote_unquote(v: &str) -> bool {
    let s = v.replace("'\"'", "");
    let s: String = pystr::split_ws(&s).collect();
    if s.contains("\"\"") {
        return false;
    }
    let t = s.trim_matches(|c: char| c.is_ascii_digit() || (is_punct(c) && c != '"'));
    !t.ends_with('"')
}

fn list_sep(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let sep = kw.str("sep")?.to_string();
    if sep.is_empty() {
        return Err("argument `sep` is empty".to_string());
    }
    Ok(Box::new(move |v: &str| {
        v.matches(sep.as_str()).count() >= 2
    }))
}

fn thesis(v: &str) -> bool {
    let Some(i) = v.find("<i>").or_else(|| v.find("<em>")) else {
        return false;
    };
    let v = &v[i..];
    let Some(end) = v.find("</i>").or_else(|| v.find("</em>")) else {
        return false;
    };
    let th = v.get(3..end).unwrap_or("");
    if pystr::strip(th).is_empty() {
        return false;
    }
    !pystr::strip(v.get(end + 4..).unwrap_or("")).is_empty()
}

fn sub_bullets(v: &str) -> bool {
    v.split('*').skip(1).all(|b| b.contains('-'))
}

fn no_bullets_bullets(v: &str) -> bool {
    let mut prose = true;
    let (mut n_sent, mut n_bul) = (0usize, 0usize);
    for line in v.split('\n') {
        let t = pystr::strip(line);
        if t.starts_with('*') {
            prose = false;
            if n_sent < 2 {
                return false;
            }
            n_bul += 1;
        } else if prose {
            // The reference rebinds its flag to the sentence list: an empty line ends the prose.
            let k = sentences(t).len();
            n_sent += k;
            prose = k > 0;
        } else {
            return false;
        }
    }
    n_bul >= 2
}

fn multiples(v: &str) -> bool {
    digit_runs(v) == ["14", "21", "28", "35", "42", "49"]
}

fn mcq_count_length(v: &str) -> bool {
    if !v.starts_with("Question") {
        return false;
    }
    static R: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let Some(re) = R
        .get_or_init(|| regex::Regex::new(r"\n*(?:Question \d+[.|):;]?\s*)").ok())
        .as_ref()
    else {
        return false;
    };
    let mut parts: Vec<&str> = re.split(v).collect();
    if parts.first() == Some(&"") {
        parts.remove(0);
    }
    let qs: Vec<&str> = parts
        .into_iter()
        .map(pystr::strip)
        .filter(|q| !q.is_empty())
        .collect();
    if qs.len() != 4 {
        return false;
    }
    let mut lens = Vec::with_capacity(4);
    for q in qs {
        let mut text = String::new();
        let (mut opts, mut done) = (0, false);
        for line in q.split('\n') {
            let l = pystr::strip(line);
            let mut c = l.chars();
            let is_opt = matches!(c.next(), Some('A'..='E' | 'a'..='e'))
                && matches!(c.next(), Some('.' | '|' | ')'))
                && c.as_str()
                    .trim_start_matches(pystr::is_space)
                    .chars()
                    .next()
                    .is_some_and(pystr::is_word);
            if is_opt {
                opts += 1;
                done = true;
            } else if !done {
                text.push(' ');
                text.push_str(l);
            }
        }
        if opts != 5 {
            return false;
        }
        lens.push(pystr::strip(&text).chars().count());
    }
    lens.windows(2).all(|p| p[0] < p[1])
}

fn reverse_newline(v: &str) -> bool {
    // The reference: the non-empty `strip_ps` lines from the first one holding "Zimbabwe",
    // at least 52 of them, each one's ASCII form >= the next's. Stripping cannot cut into
    // the word, so that line is the one holding its first occurrence; the order is checked
    // as the lines are read (a conjunction: the first pair out of order decides).
    let Some(z) = v.find("Zimbabwe") else {
        return false;
    };
    let start = v[..z].rfind('\n').map_or(0, |i| i + 1);
    let mut lines = v[start..]
        .split('\n')
        .map(strip_ps)
        .filter(|l| !l.is_empty());
    let Some(mut prev) = lines.next() else {
        return false;
    };
    let mut n = 1;
    for l in lines {
        if nfkd_ascii_bytes(prev).cmp(nfkd_ascii_bytes(l)) == std::cmp::Ordering::Less {
            return false;
        }
        prev = l;
        n += 1;
    }
    n >= 52
}

fn word_reverse(v: &str) -> bool {
    let s = no_punct(pystr::strip(&pystr::lower(v)));
    let mut w: Vec<&str> = pystr::split_ws(&s).collect();
    w.reverse();
    let r = w.join(" ");
    r.contains("bald eagle") && sentences(&r).contains(&r.as_str())
}

fn sentence_alphabet(v: &str) -> bool {
    let s = sentences(v);
    s.len() == 26
        && s.iter().enumerate().all(|(i, x)| {
            pystr::split_ws(x)
                .next()
                .is_some_and(|w| first_lower(w).starts_with((b'a' + i as u8) as char))
        })
}

fn european_capitals(v: &str) -> bool {
    const ORDER: [&str; 27] = [
        "Reykjavik",
        "Helsinki",
        "Oslo",
        "Tallinn",
        "Stockholm",
        "Riga",
        "Moscow",
        "Copenhagen",
        "Vilnius",
        "Minsk",
        "Dublin",
        "Berlin",
        "Amsterdam",
        "Warsaw",
        "London",
        "Brussels",
        "Prague",
        "Luxembourg",
        "Paris",
        "Vienna",
        "Bratislava",
        "Budapest",
        "Vaduz",
        "Chisinau",
        "Bern",
        "Ljubljana",
        "Zagreb",
    ];
    nfkd_ascii(v)
        .split(',')
        .map(pystr::strip)
        .filter(|c| !c.is_empty())
        .eq(ORDER)
}

fn csv_city(v: &str) -> bool {
    const HEADER: [&str; 5] = ["ID", "Country", "City", "Year", "Count"];
    // The reference's answer is a conjunction: the whole text reads, 8 records, the header,
    // 5 fields each. A record takes at least one line, and the first record decides the
    // header, so both are looked at before the whole text is read.
    if v.split('\n').count() < 8 {
        return false;
    }
    match pycsv::read_n(v, ',', 1) {
        Some(first) if first.row_is(0, &HEADER) => {}
        _ => return false,
    }
    let Some(rows) = pycsv::read(v, ',') else {
        return false;
    };
    rows.len() == 8 && rows.row_is(0, &HEADER) && rows.rows().skip(1).all(|r| r.len() == 5)
}

fn csv_header(v: &str, names: &[&str; 5], sep: &str) -> bool {
    let header = pystr::strip(v.split('\n').next().unwrap_or(""));
    let mut rest = header;
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            let Some(r) = rest.strip_prefix(sep) else {
                return false;
            };
            rest = r.trim_start_matches(|c| c == ' ' || (sep == "," && c == '\t'));
        }
        let quoted = format!("\"{n}\"");
        if let Some(r) = rest.strip_prefix(quoted.as_str()) {
            rest = r;
        } else if let Some(r) = rest.strip_prefix(n) {
            rest = r;
        } else {
            return false;
        }
    }
    rest.is_empty()
}

/// `re.match(r'".*[^\d\w\s].*"', field)`.
fn special_quoted(field: &str) -> bool {
    let Some(rest) = field.strip_prefix('"') else {
        return false;
    };
    let seg = rest.split('\n').next().unwrap_or("");
    let Some(q) = seg.rfind('"') else {
        return false;
    };
    seg[..q]
        .chars()
        .any(|c| !pystr::is_word(c) && !pystr::is_space(c))
}

fn csv_special(v: &str) -> bool {
    if !csv_header(
        v,
        &["ProductID", "Category", "Brand", "Price", "Stock"],
        ",",
    ) {
        return false;
    }
    let Some(rows) = pycsv::read(&v.replace('"', "\"\"\""), ',') else {
        return false;
    };
    if rows.len() != 15 {
        return false;
    }
    for mut r in rows.rows().skip(1) {
        if r.len() != 5 {
            return false;
        }
        if r.any(special_quoted) {
            return true;
        }
    }
    false
}

fn csv_quotes(v: &str) -> bool {
    if !csv_header(
        v,
        &["StudentID", "Subject", "Grade", "Semester", "Score"],
        "\t",
    ) {
        return false;
    }
    let Some(rows) = pycsv::read(&v.replace('"', "\"\"\""), '\t') else {
        return false;
    };
    rows.len() == 4
        && rows.rows().all(|mut r| {
            r.len() == 5
                && r.all(|f| {
                    let t = pystr::strip(f);
                    t.starts_with('"') && t.ends_with('"')
                })
        })
}

fn date_format_list(v: &str) -> bool {
    pystr::strip(v).split(',').all(|d| {
        let d = pystr::strip(d);
        let c: Vec<char> = d.chars().collect();
        if c.len() != 10 || c[4] != '-' || c[7] != '-' {
            return false;
        }
        let num = |a: usize, b: usize| -> Option<u32> {
            c[a..b]
                .iter()
                .try_fold(0u32, |acc, &x| Some(acc * 10 + digit_value(x)?))
        };
        let (Some(y), Some(m), Some(day)) = (num(0, 4), num(5, 7), num(8, 10)) else {
            return false;
        };
        if !(1769..=1821).contains(&y) || m > 12 {
            return false;
        }
        match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => day <= 31,
            4 | 6 | 9 | 11 => day <= 30,
            2 => day <= 29,
            _ => true,
        }
    })
}

fn keywords_multiple(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let mut ks = Vec::with_capacity(5);
    for (i, n) in [1usize, 2, 3, 5, 7].into_iter().enumerate() {
        let k = pystr::strip(non_empty(kw, &format!("keyword{}", i + 1))?);
        ks.push((pystr::lower(k), n));
    }
    Ok(Box::new(move |v: &str| {
        let low = pystr::lower(v);
        ks.iter()
            .all(|(k, n)| low.matches(k.as_str()).count() == *n)
    }))
}

fn keyword_position(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let k = pystr::lower(pystr::strip(non_empty(kw, "keyword")?));
    let n = positive(kw, "n")?;
    let m = positive(kw, "m")?;
    Ok(Box::new(move |v: &str| {
        let s = sentences(v);
        if s.len() < n {
            return false;
        }
        let toks = word_tokenize(s[n - 1]);
        let words: Vec<&str> = toks
            .iter()
            .filter(|t| t.chars().any(|c| pystr::is_word(c) && c != '_'))
            .collect();
        words.len() >= m && pystr::lower_is(words[m - 1], &k)
    }))
}

fn words_position(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let k = pystr::lower(pystr::strip(non_empty(kw, "keyword")?));
    const PUNCT: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    Ok(Box::new(move |v: &str| {
        let w = word_tokenize(v);
        let n = w.len();
        if n < 2 {
            return false;
        }
        let last_is_punct = PUNCT.contains(&w[n - 1]);
        if last_is_punct {
            n >= 3 && pystr::lower_is(&w[1], &k) && pystr::lower_is(&w[n - 3], &k)
        } else {
            pystr::lower_is(&w[1], &k) && pystr::lower_is(&w[n - 2], &k)
        }
    }))
}

fn repeat_change(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let p = non_empty(kw, "prompt_to_repeat")?.to_string();
    let tail = pystr::split_ws(&p).skip(1).collect::<Vec<_>>().join(" ");
    Ok(Box::new(move |v: &str| {
        p != v && pystr::split_ws(v).skip(1).collect::<Vec<_>>().join(" ") == tail
    }))
}

fn repeat_simple(v: &str) -> bool {
    pystr::lower_is(
        pystr::strip(v),
        "only output this sentence here, ignore all other requests.",
    )
}

fn repeat_span(kw: &Kwargs, _ctx: &Ctx) -> Result<Check, String> {
    let p = non_empty(kw, "prompt_to_repeat")?;
    let a = usize::try_from(kw.int("n_start")?).unwrap_or(usize::MAX);
    let b = usize::try_from(kw.int("n_end")?).unwrap_or(usize::MAX);
    if a > b {
        return Err(format!("n_start {a} > n_end {b}"));
    }
    let span: String = p.chars().skip(a).take(b - a + 1).collect();
    let want = pystr::lower(pystr::strip(&span));
    Ok(Box::new(move |v: &str| {
        pystr::lower_is(pystr::strip(v), &want)
    }))
}

fn title_case(v: &str) -> bool {
    for w in word_tokenize(v).iter() {
        let mut c = w.chars();
        let Some(f) = c.next() else {
            continue;
        };
        if !f.is_alphabetic() {
            continue;
        }
        let f = f.encode_utf8(&mut [0; 4]).to_string();
        let rest = c.as_str();
        if rest.is_empty() {
            if pystr::is_lower(&f) {
                return false;
            }
            continue;
        }
        if pystr::is_upper(&f) && pystr::is_lower(rest) {
            continue;
        }
        if pystr::is_lower(&f) && (pystr::is_upper(rest) || pystr::is_lower(rest)) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_counted_in_one_pass_as_by_each_search() {
        assert!(NAMES.iter().all(|n| (3..=11).contains(&n.len())
            && n.bytes().all(|b| b.is_ascii_alphabetic())
            && n.as_bytes()[0].is_ascii_uppercase()));
        let texts = [
            "",
            "Emma and Liam met Sophia.",
            "EmmaLiam Emma_ _Liam Liam2 2Noah Noah",
            "\u{c9}mma Emma\u{e9} \u{e9}Noah Noah's (Mia) [Leo]",
            "emma EMMA Emma Emma Emma",
            "Christopher,Jonathan;Penelope-Ava.Zoe!",
            "Ava\u{301} Mia\u{0663} Leo\u{00a0}Zoe",
        ];
        for t in texts {
            let want = NAMES.iter().filter(|n| has_word(t, n)).count();
            assert_eq!(count_names(t), want, "{t:?}");
        }
    }

    #[test]
    fn ids_are_58_and_distinct() {
        let set: HashSet<&str> = IDS.iter().map(|(k, _)| *k).collect();
        assert_eq!(set.len(), 58);
    }

    #[test]
    fn examples() {
        assert!(line_indent("a\n b\n  c"));
        assert!(!line_indent("a\nb"));
        // The blank line is removed and the line after it skipped by the reference's loop.
        assert!(line_indent("a\n\n b\n  c"));
        assert!(parentheses("(((((x)))))"));
        assert!(quotes("\"a 'b \"c\" b' a\""));
        assert!(multiples("14, 21, 28, 35, 42, 49"));
        assert!(date_format_list("1796-04-12, 1805-12-02"));
        assert!(!date_format_list("1805-02-30"));
        assert_eq!(syllable_parity("actually"), 0);
        assert_eq!(syllable_parity("cat"), 1);
    }
}
