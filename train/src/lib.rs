//! rlvr-train: the trainer's numerical core, kept in its own crate so it builds and tests
//! without the server, the sandbox or the grader.
//!
//! (Being built: see the trainer issues.)
