//! `rlvr grade` (being built; see its issue).

use std::process::ExitCode;

/// Arguments of `rlvr grade`.
#[derive(Debug, clap::Args)]
pub struct GradeArgs {}

pub fn run(args: GradeArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`rlvr grade` is not built yet")
}
