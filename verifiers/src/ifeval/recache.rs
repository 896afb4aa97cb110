//! A process-wide cache of compiled argument patterns.
//!
//! Rows carry their keywords, markers and splitters as strings, and the same few thousand
//! recur across a dataset; compiling a regex costs far more than running it on a response.
//! Compiled patterns are kept (at most [`CAPACITY`], cleared when full) behind a mutex, and
//! handed out shared: cloning a `Regex` would give the clone a new, empty pool of search
//! caches, rebuilt (lazy DFA and all) on its first search, for every row.

use regex::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

const CAPACITY: usize = 8192;

/// The compiled patterns, by kind: case-sensitive and case-insensitive patterns, and
/// case-insensitive literals keyed by the literal itself (so a hit needs no escaped copy).
/// Keyed by `String` and looked up by `&str`: a hit allocates nothing. Hashed with foldhash
/// under a per-process random seed (SipHash was most of a hit's cost); the keys come from
/// datasets, the seed is not visible to them, and the cache is bounded by [`CAPACITY`].
#[derive(Default)]
struct Maps {
    exact: PatternMap,
    folded: PatternMap,
    literal_folded: PatternMap,
}

type PatternMap = HashMap<String, Arc<Regex>, foldhash::fast::RandomState>;

impl Maps {
    fn of(&mut self, kind: Kind) -> &mut PatternMap {
        match kind {
            Kind::Pattern { ci: false } => &mut self.exact,
            Kind::Pattern { ci: true } => &mut self.folded,
            Kind::LiteralFolded => &mut self.literal_folded,
        }
    }

    fn len(&self) -> usize {
        self.exact.len() + self.folded.len() + self.literal_folded.len()
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Pattern { ci: bool },
    LiteralFolded,
}

fn lookup(
    key: &str,
    kind: Kind,
    pattern: impl FnOnce() -> String,
) -> Result<Arc<Regex>, regex::Error> {
    static CACHE: OnceLock<Mutex<Maps>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Maps::default()));
    if let Ok(mut maps) = cache.lock() {
        if let Some(re) = maps.of(kind).get(key) {
            return Ok(re.clone());
        }
    }
    let ci = !matches!(kind, Kind::Pattern { ci: false });
    let re = Arc::new(
        RegexBuilder::new(&pattern())
            .case_insensitive(ci)
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 20)
            .build()?,
    );
    if let Ok(mut maps) = cache.lock() {
        if maps.len() >= CAPACITY {
            *maps = Maps::default();
        }
        maps.of(kind).insert(key.to_string(), re.clone());
    }
    Ok(re)
}

/// Compile `pattern` (case-insensitive when `ci`), size-limited, or reuse a cached copy.
pub fn get(pattern: &str, ci: bool) -> Result<Arc<Regex>, regex::Error> {
    lookup(pattern, Kind::Pattern { ci }, || pattern.to_string())
}

/// `get(&regex::escape(word), true)`, without escaping `word` when it is cached.
pub fn literal_ci(word: &str) -> Result<Arc<Regex>, regex::Error> {
    lookup(word, Kind::LiteralFolded, || regex::escape(word))
}
