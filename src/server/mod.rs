//! `rlvr server` (being built; see its issue).

use std::process::ExitCode;

/// Arguments of `rlvr server`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`rlvr server` is not built yet")
}
