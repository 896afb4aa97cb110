//! rlvr: the application around the verifiers and the sandbox.
//!
//! `rlvr serve` (the HTTP reward API), `rlvr grade` (the dataset grader), `rlvr train` (the GRPO
//! trainer), `rlvr generate` (puzzle instances) and `rlvr runtime` (the sandbox's runtime).
//! Every command scores through one router, [`reward`], so a verdict is the same whichever
//! door an item came in by.

pub mod cli;
pub mod dataset;
pub mod generate;
pub mod grade;
pub mod reward;
pub mod runtime;
pub mod server;
pub mod train;

/// Parse the command line and run the chosen command.
pub fn run() -> anyhow::Result<std::process::ExitCode> {
    cli::run()
}
