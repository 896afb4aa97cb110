//! `rlvr generate` (being built; see its issue).

use std::process::ExitCode;

/// Arguments of `rlvr generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {}

pub fn run(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`rlvr generate` is not built yet")
}
