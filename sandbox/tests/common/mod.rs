//! Test support shared by the fixture walkers: the verifier's `Runner` over a sandbox (the
//! same adapter the application has in src/reward/code.rs, which the sandbox crate cannot use).

use rlvr_sandbox::{Job, Limits, RunEnd, Sandbox};
use rlvr_verifiers::code::{Ended, Execution, Runner, TestRun};

pub struct SandboxRunner<'a> {
    pub sandbox: &'a Sandbox,
    pub limits: Limits,
}

impl Runner for SandboxRunner<'_> {
    fn run_all(&self, runs: &[TestRun]) -> Vec<Result<Execution, String>> {
        let jobs: Vec<Job> = runs
            .iter()
            .map(|r| Job {
                code: r.program.clone(),
                stdin: r.stdin.clone().into_bytes(),
            })
            .collect();
        self.sandbox
            .run_many(&jobs, &self.limits, 2)
            .into_iter()
            .map(|r| {
                let out = r.map_err(|e| e.to_string())?;
                Ok(Execution {
                    ended: match out.outcome {
                        RunEnd::Exited(s) => Ended::Exited(s),
                        RunEnd::Timeout => Ended::Timeout,
                        RunEnd::MemoryLimit => Ended::MemoryLimit,
                        RunEnd::OutputLimit => Ended::OutputLimit,
                        RunEnd::Trap(m) => Ended::Trap(m),
                    },
                    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                    stdout_truncated: out.stdout_truncated,
                    elapsed_ms: out.elapsed.as_secs_f64() * 1000.0,
                })
            })
            .collect()
    }

    fn parallelism(&self) -> usize {
        2
    }
}

/// The lines of a fixture file under fixtures/code/, numbered from 1, blank lines skipped.
pub fn fixture_lines(name: &str) -> Vec<(usize, serde_json::Value)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/code")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let v = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("fixtures/code/{name}:{}: bad JSON: {e}", i + 1));
            (i + 1, v)
        })
        .collect()
}
