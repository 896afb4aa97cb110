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

/// (pattern, case-insensitive) -> its compiled, shared regex.
type Cache = Mutex<HashMap<(String, bool), Arc<Regex>>>;

/// Compile `pattern` (case-insensitive when `ci`), size-limited, or reuse a cached copy.
pub fn get(pattern: &str, ci: bool) -> Result<Arc<Regex>, regex::Error> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let key = (pattern.to_string(), ci);
    if let Ok(map) = cache.lock() {
        if let Some(re) = map.get(&key) {
            return Ok(re.clone());
        }
    }
    let re = Arc::new(
        RegexBuilder::new(pattern)
            .case_insensitive(ci)
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 20)
            .build()?,
    );
    if let Ok(mut map) = cache.lock() {
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(key, re.clone());
    }
    Ok(re)
}
