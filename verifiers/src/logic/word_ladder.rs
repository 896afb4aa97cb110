//! `word_ladder`: turn one word into another by changing one letter at a time, every step a word.
//!
//! The verifier checks the ladder itself: it starts at `metadata.start_word`, ends at
//! `metadata.end_word`, each word differs from the previous one in exactly one position, and
//! every word is an English word. The prompt does not ask for the shortest ladder, so any valid
//! ladder is correct. "English word" means: in the shipped SCOWL lists (`data/README.md`: the
//! common list plus the larger one), or in the instance's own reference ladder (`ground_truth`),
//! so a gold ladder from another vocabulary stays valid.
//!
//! ## Accepts
//! - `COLD,CORD,CARD,WARD,WARM` with or without spaces, any case, arrows, newlines, numbered
//!   lines, a JSON/Python list.
//!
//! ## Rejects
//! - a wrong first or last word, a step changing zero or several letters, a word of another
//!   length, a word in neither list (the detail names the step and the word).
//!
//! ## Examples
//! `COLD -> WARM`: `COLD,CORD,CARD,WARD,WARM` is correct; `COLD,CARD,WARD,WARM` (two letters
//! change at once) and `COLD,XOLD,...` (not a word) are not.

use super::rng::Rng;
use super::{surface, Family, GenConfig, Generated, Group, Instance};
use crate::{Error, Verdict};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::OnceLock;

pub static FAMILY: Family = Family {
    name: "word_ladder",
    summary: "Change one letter at a time from one word to another",
    group: Group::Moves,
    verify,
    solve,
    generate,
};

static COMMON_TXT: &str = include_str!("data/words_common.txt");
static EXTRA_TXT: &str = include_str!("data/words_extra.txt");
/// Longest ladder read (more words than any puzzle needs).
const MAX_LADDER: usize = 1_000;

struct Vocab {
    /// Sorted, upper case: the generator's words.
    common: Vec<&'static str>,
    /// Sorted, upper case: every accepted word.
    all: Vec<&'static str>,
}

fn vocab() -> &'static Vocab {
    static V: OnceLock<Vocab> = OnceLock::new();
    V.get_or_init(|| {
        let common: Vec<&str> = COMMON_TXT.lines().collect();
        let mut all: Vec<&str> = common.iter().copied().chain(EXTRA_TXT.lines()).collect();
        all.sort_unstable();
        all.dedup();
        Vocab { common, all }
    })
}

fn is_word(list: &[&str], w: &str) -> bool {
    list.binary_search(&w).is_ok()
}

/// Start and end words, upper case.
fn read(meta: &Value) -> Result<(String, String), String> {
    let w = |k: &str| {
        meta.get(k)
            .and_then(Value::as_str)
            .filter(|s| (1..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(str::to_ascii_uppercase)
            .ok_or(format!("metadata.{k} is not a word"))
    };
    let (s, e) = (w("start_word")?, w("end_word")?);
    if s.len() != e.len() {
        return Err("start and end words differ in length".into());
    }
    Ok((s, e))
}

/// The words of the reference ladder, upper case (trusted as words of the puzzle's vocabulary).
fn gold_words(gt: Option<&Value>) -> Vec<String> {
    let s = gt.and_then(Value::as_str).unwrap_or("");
    surface::tokens(s, MAX_LADDER)
        .unwrap_or_default()
        .into_iter()
        .map(str::to_ascii_uppercase)
        .collect()
}

fn diff(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count()
}

fn verify(inst: &Instance<'_>, answer: &str) -> Verdict {
    let (start, end) = match read(inst.metadata) {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let Some(toks) = surface::item_tokens(answer, &[',', ';'], MAX_LADDER) else {
        return Verdict::incorrect("too_long", None);
    };
    let words: Vec<String> = toks.iter().map(|t| t.to_ascii_uppercase()).collect();
    let bad = |reason: &str, step: usize, why: String| {
        Verdict::incorrect(reason, None).with_detail(json!({ "step": step + 1, "why": why }))
    };
    match (words.first(), words.last()) {
        (Some(f), Some(l)) if *f == start && *l == end && words.len() >= 2 => {}
        _ => {
            return Verdict::incorrect("wrong_endpoints", None)
                .with_detail(json!({ "want": [start, end] }))
        }
    }
    let gold = gold_words(inst.ground_truth);
    let v = vocab();
    for (i, w) in words.iter().enumerate() {
        if w.len() != start.len() || !w.bytes().all(|b| b.is_ascii_alphabetic()) {
            return bad(
                "wrong_length",
                i,
                format!("{w} is not a {}-letter word", start.len()),
            );
        }
        if i > 0 && diff(&words[i - 1], w) != 1 {
            return bad(
                "not_one_letter",
                i,
                format!("{} -> {w} does not change exactly one letter", words[i - 1]),
            );
        }
    }
    // The ladder's shape is right; now every word must be known.
    let unknown: Vec<usize> = (0..words.len())
        .filter(|&i| {
            let w = &words[i];
            !(*w == start || *w == end || is_word(&v.all, w) || gold.iter().any(|g| g == w))
        })
        .collect();
    if let Some(&i) = unknown.first() {
        let mut verdict = bad(
            "unknown_word",
            i,
            format!("{} is not in the word list", words[i]),
        );
        // Reasoning Gym halves the reward for each unknown word of an otherwise valid ladder.
        if inst.options.partial_credit {
            verdict.reward = 0.5f64.powi(unknown.len().min(1000) as i32);
        }
        return verdict;
    }
    Verdict::correct("valid_ladder", None).with_detail(json!({ "words": words.len() }))
}

/// One-letter neighbours of `w` in `list` (sorted), in alphabetical order.
fn neighbours(w: &str, list: &[&'static str], extra: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = w.as_bytes().to_vec();
    for i in 0..buf.len() {
        let orig = buf[i];
        for c in b'A'..=b'Z' {
            if c == orig {
                continue;
            }
            buf[i] = c;
            let cand = std::str::from_utf8(&buf).unwrap_or("");
            if is_word(list, cand) || extra.iter().any(|e| e == cand) {
                out.push(cand.to_string());
            }
        }
        buf[i] = orig;
    }
    out.sort();
    out
}

/// Breadth-first search from `start`: every reached word with its parent, in visit order.
fn bfs(
    start: &str,
    list: &[&'static str],
    extra: &[String],
    stop: Option<&str>,
) -> Vec<(String, usize)> {
    let mut seen: Vec<(String, usize)> = vec![(start.to_string(), usize::MAX)];
    let mut index = std::collections::BTreeMap::from([(start.to_string(), 0usize)]);
    let mut queue = VecDeque::from([0usize]);
    while let Some(i) = queue.pop_front() {
        if stop == Some(seen[i].0.as_str()) {
            break;
        }
        for n in neighbours(&seen[i].0.clone(), list, extra) {
            if !index.contains_key(&n) {
                index.insert(n.clone(), seen.len());
                queue.push_back(seen.len());
                seen.push((n, i));
            }
        }
    }
    seen
}

fn path_to(seen: &[(String, usize)], mut i: usize) -> Vec<String> {
    let mut path = Vec::new();
    while i != usize::MAX {
        path.push(seen[i].0.clone());
        i = seen[i].1;
    }
    path.reverse();
    path
}

fn solve(inst: &Instance<'_>) -> Option<String> {
    let (start, end) = read(inst.metadata).ok()?;
    let mut extra = gold_words(inst.ground_truth);
    extra.push(end.clone());
    let seen = bfs(&start, &vocab().all, &extra, Some(&end));
    let i = seen.iter().position(|(w, _)| *w == end)?;
    Some(path_to(&seen, i).join(","))
}

/// The one-letter graph over the common words of one length (the generator's search space).
struct Graph {
    words: Vec<&'static str>,
    adj: Vec<Vec<u32>>,
}

/// Graphs for word lengths 3, 4 and 5, built once.
fn graph(len: usize) -> &'static Graph {
    static G: OnceLock<Vec<Graph>> = OnceLock::new();
    let all = G.get_or_init(|| {
        (3..=5)
            .map(|l| {
                let words: Vec<&'static str> = vocab()
                    .common
                    .iter()
                    .copied()
                    .filter(|w| w.len() == l)
                    .collect();
                let adj = words
                    .iter()
                    .map(|w| {
                        neighbours(w, &words, &[])
                            .iter()
                            .filter_map(|n| words.binary_search(&n.as_str()).ok())
                            .map(|k| k as u32)
                            .collect()
                    })
                    .collect();
                Graph { words, adj }
            })
            .collect()
    });
    &all[len.clamp(3, 5) - 3]
}

/// Knobs: `min_word_length` (4), `max_word_length` (4), `min_chain_length` and
/// `max_chain_length` (-1: any shortest ladder of at least 3 words).
fn generate(cfg: &GenConfig) -> Result<Generated, Error> {
    let (lmin, lmax) = (cfg.int("min_word_length", 4), cfg.int("max_word_length", 4));
    let (cmin, cmax) = (
        cfg.int("min_chain_length", -1),
        cfg.int("max_chain_length", -1),
    );
    if !(3 <= lmin && lmin <= lmax && lmax <= 5) {
        return Err(Error::Generate(
            "word_ladder needs 3 <= min_word_length <= max_word_length <= 5".into(),
        ));
    }
    let lo = if cmin < 3 { 3 } else { cmin } as usize;
    let hi = if cmax < 0 { usize::MAX } else { cmax as usize };
    let mut rng = Rng::new(cfg.seed);
    let len = rng.range(lmin, lmax) as usize;
    let g = graph(len);
    for _ in 0..200 {
        let start = rng.below(g.words.len() as u64) as usize;
        // Breadth-first from `start`: parent and chain length (words) of every reached word.
        let mut parent = vec![u32::MAX; g.words.len()];
        let mut chain = vec![0usize; g.words.len()];
        let mut order = vec![start];
        chain[start] = 1;
        let mut head = 0;
        while head < order.len() {
            let w = order[head];
            head += 1;
            for &n in &g.adj[w] {
                let n = n as usize;
                if chain[n] == 0 {
                    chain[n] = chain[w] + 1;
                    parent[n] = w as u32;
                    order.push(n);
                }
            }
        }
        let ends: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| (lo..=hi).contains(&chain[i]))
            .collect();
        if ends.is_empty() {
            continue;
        }
        let mut at = *rng.choose(&ends);
        let mut path = vec![g.words[at]];
        while parent[at] != u32::MAX {
            at = parent[at] as usize;
            path.push(g.words[at]);
        }
        path.reverse();
        let (s, e) = (path[0], path[path.len() - 1]);
        let question = format!(
            "Change the word '{s}' into '{e}' one letter at a time. Every word along the way must \
             be a valid English word.\nGive your answer as the sequence of words, comma-separated, \
             in uppercase letters, without spaces.\n"
        );
        return Ok(Generated {
            question,
            answer: path.join(","),
            metadata: json!({
                "source_dataset": "word_ladder",
                "source_index": cfg.seed,
                "start_word": s,
                "end_word": e,
                "word_length": len,
                "chain_length": path.len(),
                "difficulty": {"word_length": [lmin, lmax]},
            }),
        });
    }
    Err(Error::Generate(format!(
        "no {len}-letter ladder of {lo}..{hi} words found"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cold_to_warm() {
        let m = json!({"start_word": "COLD", "end_word": "WARM"});
        let o = super::super::Options::default();
        let inst = Instance {
            metadata: &m,
            ground_truth: None,
            options: &o,
        };
        let r = |a: &str| verify(&inst, a).reason;
        assert_eq!(r("COLD,CORD,CARD,WARD,WARM"), "valid_ladder");
        assert_eq!(r("cold -> cord -> card -> ward -> warm"), "valid_ladder");
        assert_eq!(r("COLD,CARD,WARD,WARM"), "not_one_letter");
        assert_eq!(r("COLD,XOLD,COLD,CORD,CARD,WARD,WARM"), "unknown_word");
        assert_eq!(r("COLD,XOLD,WOLD,WARD,WARM"), "not_one_letter");
        assert_eq!(r("CORD,CARD,WARD,WARM"), "wrong_endpoints");
        let s = solve(&inst).unwrap();
        assert_eq!(r(&s), "valid_ladder");
    }
}
