//! Logic-puzzle verifiers: one module per Reasoning Gym family, one registry.
//!
//! (Being built: see issue "Logic-puzzle rewards". The entry points are [`verify`] and
//! [`families`].)

use crate::{Error, Verdict};
use serde_json::Value;

/// One puzzle family: its Reasoning Gym dataset name and its functions.
pub struct Family {
    /// The Reasoning Gym dataset name, e.g. `sudoku`.
    pub name: &'static str,
    /// One line: what the family asks.
    pub summary: &'static str,
}

/// Every registered family, in alphabetical order.
pub fn families() -> &'static [Family] {
    &[]
}

/// Verify `response` for the instance of `task` defined by `metadata` (and `ground_truth` where
/// the family needs one).
pub fn verify(
    task: &str,
    response: &str,
    metadata: &Value,
    ground_truth: Option<&Value>,
) -> Result<Verdict, Error> {
    let _ = (response, metadata, ground_truth);
    Err(Error::UnknownTask(task.to_string()))
}
