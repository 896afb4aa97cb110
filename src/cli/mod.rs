//! The command line: clap definitions and dispatch. Each command owns its own arguments
//! struct in its module; this file only lists them.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "rlvr",
    version,
    about = "Verifiable rewards for RL on reasoning models",
    after_help = "Environment: RLVR_CACHE_DIR (where the sandbox's runtime is cached; default \
                  ~/.cache/rlvr), RLVR_PYTHON (the python3 that builds it once), \
                  RLVR_SANDBOX_POOLING=0 (no instance pool), RLVR_GEMM=portable (the trainer's \
                  portable matrix kernels); each `rlvr serve` flag has its own RLVR_* \
                  variable (rlvr serve --help). All of them: docs/environment.md."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP reward API.
    Serve(crate::server::ServeArgs),
    /// Score a dataset (JSONL or Parquet) and print one verdict per item.
    Grade(crate::grade::GradeArgs),
    /// Train a policy with GRPO on verifiable rewards.
    Train(crate::train::TrainArgs),
    /// Complete a prompt file with a model (greedy or sampled), with per-token log-probs and
    /// reward verdicts on request.
    GenerateText(crate::train::GenerateTextArgs),
    /// Generate logic-puzzle instances as JSONL.
    Generate(crate::generate::GenerateArgs),
    /// Manage the sandbox's Python runtime.
    Runtime(crate::runtime::RuntimeArgs),
}

pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => crate::server::run(args),
        Command::Grade(args) => crate::grade::run(args),
        Command::Train(args) => crate::train::run(args),
        Command::GenerateText(args) => crate::train::run_generate_text(args),
        Command::Generate(args) => crate::generate::run(args),
        Command::Runtime(args) => crate::runtime::run(args),
    }
}
