//! The one list of logic families. The grader, `/v1/verifiers`, `rlvr generate` and the docs
//! all read it. Keep it in alphabetical order.

use super::Family;

/// Every registered family.
pub static FAMILIES: &[Family] = &[];
