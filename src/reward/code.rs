//! Code items: the code verifier (pure, in rlvr-verifiers) runs its test programs through the
//! sandbox via this adapter. Per-item `limits` are honoured within the server-side caps.

use super::Item;
use rlvr_sandbox::{Job, Limits, RunEnd, Sandbox};
use rlvr_verifiers::code::{Ended, Execution, Options, Runner, TestRun};
use rlvr_verifiers::Verdict;
use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The code side of the engine: the sandbox (created on first use, shared by clones) and
/// the limits a code item gets.
#[derive(Clone)]
pub struct CodeEngine {
    sandbox: Arc<Mutex<Option<Arc<Sandbox>>>>,
    /// Limits used when an item names none.
    pub default_limits: Limits,
    /// The most an item's `limits` may ask for.
    pub cap: Limits,
    /// Runs of one submission in flight at once (they share the sandbox's global limit).
    pub parallel: usize,
    pub options: Options,
}

impl std::fmt::Debug for CodeEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeEngine")
            .field("default_limits", &self.default_limits)
            .field("cap", &self.cap)
            .field("parallel", &self.parallel)
            .finish_non_exhaustive()
    }
}

impl Default for CodeEngine {
    fn default() -> Self {
        CodeEngine {
            sandbox: Arc::new(Mutex::new(None)),
            default_limits: Limits::default(),
            cap: Limits {
                wall_time: Duration::from_secs(60),
                memory_bytes: 2 << 30,
                stdout_bytes: 16 << 20,
                stderr_bytes: 4 << 20,
            },
            parallel: std::thread::available_parallelism().map_or(2, |n| n.get()),
            options: Options::default(),
        }
    }
}

impl CodeEngine {
    /// The shared sandbox, created (and its runtime built) on first use.
    pub fn sandbox(&self) -> Result<Arc<Sandbox>, rlvr_sandbox::Error> {
        let mut slot = self.sandbox.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let s = rlvr_sandbox::shared()?;
        *slot = Some(s.clone());
        Ok(s)
    }

    /// The limits for an item: its `limits` (`time_s`, `memory_mb`) over the defaults, capped.
    pub fn limits_for(&self, limits: Option<&Value>) -> Result<Limits, String> {
        let mut l = self.default_limits;
        if let Some(v) = limits.filter(|v| !v.is_null()) {
            let obj = v.as_object().ok_or("limits must be an object")?;
            if let Some(t) = obj.get("time_s") {
                let t = t.as_f64().filter(|t| *t > 0.0 && t.is_finite());
                let t = t.ok_or("limits.time_s must be a positive number")?;
                l.wall_time = Duration::from_secs_f64(t.min(86_400.0));
            }
            if let Some(m) = obj.get("memory_mb") {
                let m = m.as_f64().filter(|m| *m > 0.0 && m.is_finite());
                let m = m.ok_or("limits.memory_mb must be a positive number")?;
                l.memory_bytes = (m.min(1e7) * 1048576.0) as u64;
            }
        }
        Ok(l.capped_by(&self.cap))
    }

    /// Score one response of a code item.
    pub fn score(&self, item: &Item, response: &str) -> Verdict {
        let Some(gt) = item.ground_truth.as_ref() else {
            return Verdict::error("ground_truth missing: a code item needs a test suite");
        };
        if let Some(lang) = item.task.as_deref() {
            if !matches!(
                lang.to_ascii_lowercase().as_str(),
                "" | "python" | "python3" | "py"
            ) {
                return Verdict::error(format!("unsupported language '{lang}': only python"));
            }
        }
        let limits = match self.limits_for(item.limits.as_ref()) {
            Ok(l) => l,
            Err(e) => return Verdict::error(e),
        };
        let sandbox = match self.sandbox() {
            Ok(s) => s,
            Err(e) => return Verdict::error(e.to_string()),
        };
        let runner = SandboxRunner {
            sandbox: &sandbox,
            limits,
            parallel: self.parallel,
        };
        let mut options = self.options;
        if let Some(stop) = item.stop_at_first_failure {
            options.stop_at_first_failure = stop;
        }
        rlvr_verifiers::code::verify(response, gt, &runner, &options)
    }
}

/// Runs the verifier's test programs in the sandbox.
pub struct SandboxRunner<'a> {
    pub sandbox: &'a Sandbox,
    pub limits: Limits,
    pub parallel: usize,
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
            .run_many(&jobs, &self.limits, self.parallel)
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
        self.parallel
    }
}
