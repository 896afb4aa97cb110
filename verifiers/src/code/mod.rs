//! Code test formats and output comparison; the sandbox runs the programs.
//!
//! (Being built: see issue "Code rewards".)
