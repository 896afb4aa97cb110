//! The `rlvr` binary: the command line lives in the library ([`rlvr::run`]).

use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: the verifiers and the JSON layers make many small,
/// short-lived allocations from several threads at once.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match rlvr::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
