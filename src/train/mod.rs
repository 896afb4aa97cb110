//! `rlvr train` (being built; see its issue).

use std::process::ExitCode;

/// Arguments of `rlvr train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {}

pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`rlvr train` is not built yet")
}
