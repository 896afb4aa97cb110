//! `rlvr runtime`: the sandbox's Python runtime. `fetch` builds it now (it is otherwise built
//! on first use), so a machine can be prepared once, before going offline or serving traffic.

use std::process::ExitCode;

/// Arguments of `rlvr runtime`.
#[derive(Debug, clap::Args)]
pub struct RuntimeArgs {
    #[command(subcommand)]
    pub command: RuntimeCommand,
}

/// What to do with the runtime.
#[derive(Debug, clap::Subcommand)]
pub enum RuntimeCommand {
    /// Build (or verify) the runtime and compile it, so later runs start at once.
    Fetch,
    /// Print where the runtime lives.
    Path,
}

pub fn run(args: RuntimeArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RuntimeCommand::Fetch => {
            let start = std::time::Instant::now();
            let sandbox = rlvr_sandbox::shared()?;
            // Prove it runs, not only that it loads.
            let job = rlvr_sandbox::Job {
                code: "import sys\nprint(sys.version.split()[0])".into(),
                stdin: Vec::new(),
            };
            let out = sandbox.run(&job, &rlvr_sandbox::Limits::default())?;
            if !out.outcome.success() {
                anyhow::bail!(
                    "the runtime loads but a test run ended with {:?}: {}",
                    out.outcome,
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            eprintln!(
                "runtime ready: CPython {} in {} ({:.1} s)",
                String::from_utf8_lossy(&out.stdout).trim(),
                sandbox.runtime().dir.display(),
                start.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        RuntimeCommand::Path => {
            println!("{}", rlvr_sandbox::cache_dir()?.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
