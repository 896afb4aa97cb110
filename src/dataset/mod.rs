//! Reading datasets: records from JSONL (plain, gzip or zstd; a file or stdin) and verl-style
//! Parquet, streamed in units of many records, read into reward items by a fast path for the
//! usual record and a general one for everything else, with field mapping for other layouts.
//!
//! Used by `rlvr grade` (scoring, order, resume and reports live in [`crate::grade`]) and by
//! `rlvr train` (its prompts and the items that score them).

mod compressed;
pub mod input;
pub mod json;
mod lines;
pub mod mapping;
pub mod pace;
pub mod record;
