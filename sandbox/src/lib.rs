//! rlvr-sandbox: runs model-written Python in CPython-for-WASI under wasmtime, with hard limits.
//!
//! (Being built: see issue "Code rewards".)
