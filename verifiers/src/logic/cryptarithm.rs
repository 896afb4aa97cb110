//! `cryptarithm`: assign a distinct digit to each letter so that the letter sum is correct.
//!
//! The verifier reads the addends and the result from the metadata (`words_letters`,
//! `result_letters`, `allow_leading_zero`) and checks the mapping against them: every letter
//! mapped exactly once, digits distinct, no leading zero unless allowed, and the sum exact. Any
//! mapping that satisfies the puzzle is correct, not only the stored one.
//!
//! ## Accepts
//! - `A=1,B=2,C=3` with any spacing, `;` or newlines between pairs, `:` `->` `→` instead of `=`,
//!   lower-case letters, numbered lines, a JSON or Python dict `{"A": 1}`.
//!
//! ## Rejects
//! - a letter of the puzzle left unmapped, a letter not in the puzzle, a letter given twice;
//! - two letters on one digit, a leading zero when not allowed, a wrong sum (the detail says
//!   which constraint failed).
//!
//! ## Examples
//! `ABC + DE = FGH` style puzzle with `words_letters = ["SEND", "MORE"]`,
//! `result_letters = "MONEY"`: `S=9,E=5,N=6,D=7,M=1,O=0,R=8,Y=2` is correct.

use super::rng::Rng;
use super::{surface, Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Map, Value};

pub static FAMILY: Family = Family {
    name: "cryptarithm",
    summary: "Solve a letter-addition puzzle",
    group: Group::Moves,
    verify,
    solve,
    generate,
};

/// Longest word accepted (sums are computed in `u128`).
const MAX_WORD: usize = 30;
/// Most addends accepted.
const MAX_WORDS: usize = 64;

struct Puzzle {
    words: Vec<Vec<u8>>,
    result: Vec<u8>,
    leading_zero: bool,
    /// Letters of the puzzle, as a bit set over `A..=Z`.
    letters: u32,
}

fn read(meta: &Value) -> Result<Puzzle, String> {
    let word = |v: &Value| -> Option<Vec<u8>> {
        let s = v.as_str()?;
        (!s.is_empty() && s.len() <= MAX_WORD && s.bytes().all(|b| b.is_ascii_uppercase()))
            .then(|| s.bytes().map(|b| b - b'A').collect())
    };
    let words: Vec<Vec<u8>> = meta
        .get("words_letters")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty() && a.len() <= MAX_WORDS)
        .and_then(|a| a.iter().map(word).collect())
        .ok_or("metadata.words_letters is not a list of upper-case words")?;
    let result = meta
        .get("result_letters")
        .and_then(word)
        .ok_or("metadata.result_letters is not an upper-case word")?;
    let leading_zero = meta
        .get("allow_leading_zero")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let letters = words
        .iter()
        .chain([&result])
        .flatten()
        .fold(0u32, |m, &l| m | 1 << l);
    if letters.count_ones() > 10 {
        return Err("the puzzle has more than ten letters".into());
    }
    Ok(Puzzle {
        words,
        result,
        leading_zero,
        letters,
    })
}

/// Parse `A=1, B=2` (and the other accepted forms) into a digit per letter.
fn parse(answer: &str) -> Result<[Option<u8>; 26], String> {
    const ALLOWED: &str = "=:,;-–>→{}[]()\"'“”‘’.`";
    if let Some(c) = answer
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !c.is_whitespace() && !ALLOWED.contains(*c))
    {
        return Err(format!("unexpected {c:?}"));
    }
    // Markers of numbered lines are dropped; what is left must be letter, digit, letter, ...
    let toks = surface::item_tokens(answer, &[',', ';'], 64).ok_or("too many pairs")?;
    if toks.is_empty() || !toks.len().is_multiple_of(2) {
        return Err("expected letter=digit pairs".into());
    }
    let mut map = [None; 26];
    for pair in toks.chunks(2) {
        let (l, d) = (pair[0], pair[1]);
        let Some(letter) = single_letter(l) else {
            return Err(format!("{l:?} is not a letter"));
        };
        let digit = match d.as_bytes() {
            [b] if b.is_ascii_digit() => b - b'0',
            _ => return Err(format!("{d:?} is not a digit")),
        };
        match map[letter as usize] {
            Some(prev) if prev != digit => {
                return Err(format!("letter {} given twice", (b'A' + letter) as char))
            }
            _ => map[letter as usize] = Some(digit),
        }
    }
    Ok(map)
}

fn single_letter(s: &str) -> Option<u8> {
    let b = s.as_bytes();
    (b.len() == 1 && b[0].is_ascii_alphabetic()).then(|| b[0].to_ascii_uppercase() - b'A')
}

fn value(word: &[u8], map: &[Option<u8>; 26]) -> u128 {
    word.iter()
        .fold(0u128, |v, &l| v * 10 + map[l as usize].unwrap_or(0) as u128)
}

/// Check a complete mapping against the puzzle; `Err((reason, why))`.
fn check(p: &Puzzle, map: &[Option<u8>; 26]) -> Result<(), (&'static str, String)> {
    for l in 0..26u8 {
        let in_puzzle = p.letters & 1 << l != 0;
        match (in_puzzle, map[l as usize]) {
            (true, None) => {
                return Err((
                    "unmapped_letter",
                    format!("{} has no digit", (b'A' + l) as char),
                ))
            }
            (false, Some(_)) => {
                return Err((
                    "unknown_letter",
                    format!("{} is not in the puzzle", (b'A' + l) as char),
                ))
            }
            _ => {}
        }
    }
    let mut seen = [None; 10];
    for l in 0..26u8 {
        if let Some(d) = map[l as usize] {
            if let Some(other) = seen[d as usize] {
                return Err((
                    "duplicate_digit",
                    format!(
                        "{} and {} both map to {d}",
                        (b'A' + other) as char,
                        (b'A' + l) as char
                    ),
                ));
            }
            seen[d as usize] = Some(l);
        }
    }
    if !p.leading_zero {
        for w in p.words.iter().chain([&p.result]) {
            if w.len() > 1 && map[w[0] as usize] == Some(0) {
                return Err((
                    "leading_zero",
                    format!("leading letter {} is 0", (b'A' + w[0]) as char),
                ));
            }
        }
    }
    let sum: u128 = p.words.iter().map(|w| value(w, map)).sum();
    let res = value(&p.result, map);
    if sum != res {
        return Err((
            "wrong_sum",
            format!("addends sum to {sum}, result reads {res}"),
        ));
    }
    Ok(())
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    // Reasoning Gym: 0.01 for a readable mapping that fails, 0 for an unreadable one.
    super::credit::apply(inst.options, check_answer(inst, answer), |r| {
        if r == "unparseable" {
            0.0
        } else {
            0.01
        }
    })
}

fn check_answer(inst: &Instance<'_>, answer: &str) -> Verdict {
    let p = match read(inst.metadata) {
        Ok(p) => p,
        Err(e) => return Verdict::error(e),
    };
    let map = match parse(answer) {
        Ok(m) => m,
        Err(why) => {
            return Verdict::incorrect("unparseable", None).with_detail(json!({ "why": why }))
        }
    };
    match check(&p, &map) {
        Ok(()) => Verdict::correct("sum_holds", None),
        Err((reason, why)) => Verdict::incorrect(reason, None).with_detail(json!({ "why": why })),
    }
}

fn format_map(map: &[Option<u8>; 26]) -> String {
    (0..26u8)
        .filter_map(|l| map[l as usize].map(|d| format!("{}={d}", (b'A' + l) as char)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The stored mapping when it checks, else backtracking over the letters from the rightmost
/// column leftwards, pruning on the low digits of the sum.
fn solve(inst: &Instance<'_>) -> Option<String> {
    let p = read(inst.metadata).ok()?;
    if let Some(Value::Object(m)) = inst.metadata.get("letter_to_digit") {
        let mut map = [None; 26];
        for (k, v) in m {
            if let (Some(l), Some(d)) = (single_letter(k), v.as_u64().filter(|&d| d < 10)) {
                map[l as usize] = Some(d as u8);
            }
        }
        if check(&p, &map).is_ok() {
            return Some(format_map(&map));
        }
    }
    // Column (from the right) where each letter first appears.
    let mut col = [usize::MAX; 26];
    for w in p.words.iter().chain([&p.result]) {
        for (c, &l) in w.iter().rev().enumerate() {
            col[l as usize] = col[l as usize].min(c);
        }
    }
    let mut letters: Vec<u8> = (0..26u8).filter(|l| p.letters & 1 << l != 0).collect();
    letters.sort_by_key(|&l| (col[l as usize], l));
    let cols: Vec<usize> = letters.iter().map(|&l| col[l as usize]).collect();
    let mut map = [None; 26];
    let mut s = Search {
        p: &p,
        letters: &letters,
        cols: &cols,
    };
    s.go(0, 0, &mut map).then(|| format_map(&map))
}

struct Search<'a> {
    p: &'a Puzzle,
    letters: &'a [u8],
    cols: &'a [usize],
}

impl Search<'_> {
    fn go(&mut self, i: usize, used: u16, map: &mut [Option<u8>; 26]) -> bool {
        if i == self.letters.len() {
            return check(self.p, map).is_ok();
        }
        // Columns below `cols[i]` are fully assigned: their digits of the sum must agree.
        let k = self.cols[i].min(38) as u32;
        if i > 0 && k > 0 {
            let m = 10u128.pow(k);
            let sum: u128 = self.p.words.iter().map(|w| value(w, map) % m).sum();
            if sum % m != value(&self.p.result, map) % m {
                return false;
            }
        }
        for d in 0..10u8 {
            if used & 1 << d == 0 {
                map[self.letters[i] as usize] = Some(d);
                if self.go(i + 1, used | 1 << d, map) {
                    return true;
                }
            }
        }
        map[self.letters[i] as usize] = None;
        false
    }
}

/// Knobs: `min_words` (2), `max_words` (3), `allow_leading_zero` (`true`/`false` or 1/0; default
/// false).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (wmin, wmax) = (cfg.int("min_words", 2), cfg.int("max_words", 3));
    let leading_zero = match cfg.difficulty.get("allow_leading_zero") {
        Some(Value::Bool(b)) => *b,
        _ => cfg.int("allow_leading_zero", 0) != 0,
    };
    if !(2 <= wmin && wmin <= wmax && wmax as usize <= MAX_WORDS) {
        return Err(Error::Generate(format!(
            "cryptarithm needs 2 <= min_words <= max_words <= {MAX_WORDS}"
        )));
    }
    let mut rng = Rng::new(cfg.seed);
    let n = rng.range(wmin, wmax) as usize;
    let numbers: Vec<u64> = (0..n)
        .map(|_| {
            let len = rng.range(3, 5) as u32;
            let lo = if leading_zero { 0 } else { 10u64.pow(len - 1) };
            rng.range(lo as i64, 10i64.pow(len) - 1) as u64
        })
        .collect();
    let sum: u64 = numbers.iter().sum();
    // Digits in use, in increasing order, shuffled onto distinct random letters.
    let text: Vec<String> = numbers.iter().chain([&sum]).map(u64::to_string).collect();
    let mut digits: Vec<u8> = (0..10u8)
        .filter(|&d| text.iter().any(|t| t.bytes().any(|b| b - b'0' == d)))
        .collect();
    rng.shuffle(&mut digits);
    let mut pool: Vec<u8> = (b'A'..=b'Z').collect();
    rng.shuffle(&mut pool);
    let mut letter_of = [0u8; 10];
    for (&d, &l) in digits.iter().zip(&pool) {
        letter_of[d as usize] = l;
    }
    let spell = |t: &String| -> String {
        t.bytes()
            .map(|b| letter_of[(b - b'0') as usize] as char)
            .collect()
    };
    let words: Vec<String> = text[..n].iter().map(spell).collect();
    let result = spell(&text[n]);
    let w = words
        .iter()
        .chain([&result])
        .map(String::len)
        .max()
        .unwrap_or(0);
    let mut lines: Vec<String> = Vec::new();
    for (i, wl) in words.iter().enumerate() {
        let sign = if i + 1 == words.len() { "+ " } else { "  " };
        lines.push(format!("{sign}{wl:>w$}"));
    }
    lines.push("-".repeat(w + 2));
    lines.push(format!("  {result:>w$}"));
    let question = format!(
        "Solve the letter-addition puzzle below.\n\n{}\n\nEvery letter is a different digit \
         from 0 to 9. {}\nIn your final answer give the mapping from letters to digits that \
         makes the sum correct, comma separated, in the form \"A=1,B=2,C=3\" (without quotes).\n",
        lines.join("\n"),
        if leading_zero {
            "A word may begin with 0."
        } else {
            "No word begins with 0."
        }
    );
    let mut letter_to_digit = Map::new();
    let mut digit_to_letter = Map::new();
    let mut map = [None; 26];
    for &d in &digits {
        let l = letter_of[d as usize];
        letter_to_digit.insert((l as char).to_string(), json!(d));
        digit_to_letter.insert(d.to_string(), json!((l as char).to_string()));
        map[(l - b'A') as usize] = Some(d);
    }
    let letters: Vec<String> = digits
        .iter()
        .map(|&d| (letter_of[d as usize] as char).to_string())
        .collect();
    Ok(Generated {
        question,
        answer: format_map(&map),
        metadata: json!({
            "source_dataset": "cryptarithm",
            "source_index": cfg.seed,
            "allow_leading_zero": leading_zero,
            "letters": letters,
            "word_values": numbers,
            "sum_number": sum,
            "words_letters": words,
            "result_letters": result,
            "digit_to_letter": digit_to_letter,
            "letter_to_digit": letter_to_digit,
            "difficulty": {"words": [wmin, wmax]},
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_more_money() {
        let m = json!({"words_letters": ["SEND", "MORE"], "result_letters": "MONEY"});
        let o = super::super::Options::default();
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &o,
        };
        let r = |a: &str| verify(&inst, a).reason;
        assert_eq!(r("S=9,E=5,N=6,D=7,M=1,O=0,R=8,Y=2"), "sum_holds");
        assert_eq!(
            r("{\"s\": 9, \"e\": 5, \"n\": 6, \"d\": 7, \"m\": 1, \"o\": 0, \"r\": 8, \"y\": 2}"),
            "sum_holds"
        );
        assert_eq!(r("S=9\nE=5\nN=6\nD=7\nM=1\nO=0\nR=8\nY=3"), "wrong_sum");
        assert_eq!(r("S=9,E=5,N=6,D=7,M=1,O=0,R=8"), "unmapped_letter");
        assert_eq!(r("S=9,E=5,N=6,D=7,M=1,O=0,R=8,Y=2,Z=3"), "unknown_letter");
        assert_eq!(r("S=9,E=5,N=6,D=7,M=1,O=0,R=8,Y=2,Y=3"), "unparseable");
        assert_eq!(
            r("S = 9 E = 5 N = 6 D = 7 M = 1 O = 0 R = 8 Y = 2."),
            "sum_holds"
        );
        assert_eq!(
            r("S is 9, E=5, N=6, D=7, M=1, O=0, R=8, Y=2"),
            "unparseable"
        );
        assert_eq!(r("S=9,E=5,N=6,D=7,M=1,O=0,R=8,Y=2 + 1"), "unparseable");
        assert_eq!(
            solve(&inst).as_deref(),
            Some("D=7,E=5,M=1,N=6,O=0,R=8,S=9,Y=2")
        );
    }

    #[test]
    fn leading_zero_knob_takes_a_bool() {
        let mut cfg = GenConfig {
            seed: 9,
            ..GenConfig::default()
        };
        cfg.difficulty
            .insert("allow_leading_zero".into(), json!(true));
        let g = generate(&cfg).unwrap();
        assert_eq!(g.metadata["allow_leading_zero"], json!(true));
        let o = super::super::Options::default();
        let inst = Instance {
            metadata: &g.metadata,
            ground_truth: None,
            options: &o,
        };
        assert_eq!(verify(&inst, &g.answer).reason, "sum_holds");
    }
}
