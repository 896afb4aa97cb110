//! `rlvr runtime` (being built; see its issue).

use std::process::ExitCode;

/// Arguments of `rlvr runtime`.
#[derive(Debug, clap::Args)]
pub struct RuntimeArgs {}

pub fn run(args: RuntimeArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`rlvr runtime` is not built yet")
}
