//! Code endpoints: `POST /v1/code/run` (one program against many tests, scored by the code
//! verifier) and SandboxFusion's `POST /run_code` (run one program with stdin, report what
//! happened), both on the sandbox pool so programs never run on the async runtime and never more
//! at once than `--sandbox-workers`.
//!
//! `/run_code` follows SandboxFusion's `RunCodeRequest`/`RunCodeResponse` (REFERENCE.md A):
//! python only; `files`/`fetch_files` must be empty (the sandbox has no host files);
//! `run_timeout` is capped by `--max-run-timeout-s`; `status` is `Success` (exit 0), `Failed`
//! (non-zero exit or time limit) or `SandboxError` (the program could not be run).
//!
//! A `/run_code` program waits for a sandbox slot at most `--run-queue-timeout-s`; one that has
//! not started by then is never started, and the answer is 504 `queue_timeout` with
//! `Retry-After`, which verl's SandboxFusion client retries (it retries 504 only). A queue
//! can therefore delay a program or make its client retry, but it cannot turn a correct
//! program into a time-out or a zero reward without an error the client sees.

use super::error::ApiError;
use super::pool::{BatchOptions, Skip};
use super::state::{content_length, AppState};
use super::{json_response, ApiResult};
use crate::reward::Domain;
use axum::extract::{Request, State};
use rlvr_sandbox::{Job, Limits, RunEnd, MAX_MEMORY_BYTES};
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `POST /v1/code/run`: `{"code": "...", "tests": [{"stdin","stdout"}] | "ground_truth": {...},
/// "language": "python", "limits": {...}, "stop_at_first_failure": bool, "id": ...}` -> one
/// verdict with per-test detail.
pub async fn code_run(State(st): State<AppState>, req: Request) -> ApiResult {
    let len = content_length(req.headers());
    let v = st.read_json(req.into_body(), len).await?;
    let Value::Object(obj) = v else {
        return Err(ApiError::bad_request(
            "invalid_request",
            "expected {\"code\": \"...\", \"tests\": [...]}",
        ));
    };
    let code = obj
        .get("code")
        .or_else(|| obj.get("response"))
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("invalid_request", "missing 'code' (a string)"))?;
    let ground_truth = match (obj.get("ground_truth"), obj.get("tests")) {
        (Some(g), _) if !g.is_null() => g.clone(),
        (_, Some(t)) if !t.is_null() => json!({ "tests": t }),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "missing 'tests' (a list of {stdin, stdout}) or 'ground_truth'",
            ))
        }
    };
    let mut item = Map::new();
    item.insert("domain".into(), "code".into());
    item.insert("response".into(), code.into());
    item.insert("ground_truth".into(), ground_truth);
    for (from, to) in [
        ("id", "id"),
        ("language", "task"),
        ("limits", "limits"),
        ("stop_at_first_failure", "stop_at_first_failure"),
    ] {
        if let Some(x) = obj.get(from).filter(|x| !x.is_null()) {
            item.insert(to.into(), x.clone());
        }
    }
    let mut out = st
        .score_values(vec![Value::Object(item)], Some(Domain::Code), true)
        .await?;
    let scored = out.pop().unwrap_or_default();
    Ok(json_response(&scored.first()))
}

/// One `/run_code` program, with its limits resolved.
#[derive(Debug, Clone)]
pub struct ProgramRun {
    pub code: String,
    pub stdin: String,
    pub time: Duration,
    /// `None`: the sandbox's default.
    pub memory_mb: Option<u64>,
    /// [`QUEUED`], then [`STARTED`] by the pool thread or [`ABANDONED`] by the handler at the
    /// queue deadline, whichever comes first.
    pub state: Arc<AtomicU8>,
    /// When the program was handed to the pool.
    pub queued_at: Instant,
}

const QUEUED: u8 = 0;
const STARTED: u8 = 1;
const ABANDONED: u8 = 2;

/// What happened to a program, in SandboxFusion's vocabulary.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// `Finished`, `TimeLimitExceeded` or `Error` (could not run).
    pub status: &'static str,
    pub execution_time: f64,
    pub return_code: Option<i64>,
    pub stdout: String,
    pub stderr: String,
}

fn num(obj: &Map<String, Value>, key: &str, default: f64) -> Result<f64, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| {
            ApiError::bad_request("invalid_request", format!("'{key}' must be a number"))
        }),
        Some(_) => Err(ApiError::bad_request(
            "invalid_request",
            format!("'{key}' must be a number"),
        )),
    }
}

fn parse_run_code(v: Value, max_time: Duration) -> Result<ProgramRun, ApiError> {
    let bad = |m: String| ApiError::bad_request("invalid_request", m);
    let Value::Object(obj) = v else {
        return Err(bad(
            "expected {\"code\": \"...\", \"language\": \"python\"}".into(),
        ));
    };
    let code = match obj.get("code") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(bad("missing 'code' (a string)".into())),
    };
    let language = match obj.get("language") {
        None | Some(Value::Null) => "python",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(bad("'language' must be a string".into())),
    };
    if !matches!(language, "python" | "python3") {
        return Err(ApiError::bad_request(
            "unsupported_language",
            format!("language '{language}' is not supported; this sandbox runs python only"),
        ));
    }
    let stdin = match obj.get("stdin") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(bad("'stdin' must be a string".into())),
    };
    for key in ["files", "fetch_files"] {
        let empty = match obj.get(key) {
            None | Some(Value::Null) => true,
            Some(Value::Object(m)) => m.is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            Some(_) => false,
        };
        if !empty {
            return Err(ApiError::bad_request(
                "unsupported_field",
                format!("'{key}' is not supported: programs run without host files"),
            ));
        }
    }
    let run_timeout = num(&obj, "run_timeout", 10.0)?;
    if !run_timeout.is_finite() || run_timeout <= 0.0 {
        return Err(bad("'run_timeout' must be positive".into()));
    }
    let time = Duration::from_secs_f64(run_timeout.min(max_time.as_secs_f64()));
    let mem = num(&obj, "memory_limit_MB", -1.0)?;
    let memory_mb = (mem > 0.0).then_some(mem as u64);
    Ok(ProgramRun {
        code,
        stdin,
        time,
        memory_mb,
        state: Arc::new(AtomicU8::new(QUEUED)),
        queued_at: Instant::now(),
    })
}

/// `POST /run_code` (SandboxFusion).
pub async fn run_code(State(st): State<AppState>, req: Request) -> ApiResult {
    let len = content_length(req.headers());
    let v = st.read_json(req.into_body(), len).await?;
    let run = parse_run_code(v, st.limits().max_run_timeout)?;
    let opts = BatchOptions {
        chunk: 1,
        deadline: Instant::now() + st.limits().deadline,
        cancel: Arc::new(AtomicBool::new(false)),
    };
    let state = run.state.clone();
    let app = st.clone();
    let batch = st.0.sandbox.run_batch(
        vec![run],
        opts,
        move |run: &ProgramRun| {
            // Claim the run, unless its handler already answered `queue_timeout` (then
            // nobody reads this report).
            if run
                .state
                .compare_exchange(QUEUED, STARTED, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
            {
                return RunReport {
                    status: "Error",
                    execution_time: 0.0,
                    return_code: None,
                    stdout: String::new(),
                    stderr: "abandoned: not started within the queue timeout".into(),
                };
            }
            app.0
                .metrics
                .run_queue_wait
                .observe_us(run.queued_at.elapsed().as_micros() as u64);
            execute(run)
        },
        |_, why| RunReport {
            status: "Error",
            execution_time: 0.0,
            return_code: None,
            stdout: String::new(),
            stderr: match why {
                Skip::Deadline => "the server's request deadline passed before the run started",
                Skip::Cancelled => "cancelled",
                Skip::Panicked => "internal error in the sandbox",
            }
            .into(),
        },
    );
    tokio::pin!(batch);
    let queue_deadline = tokio::time::sleep(st.limits().run_queue_timeout);
    let out = tokio::select! {
        out = &mut batch => out,
        () = queue_deadline => {
            if state
                .compare_exchange(QUEUED, ABANDONED, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                return Err(ApiError::queue_timeout(format!(
                    "the program waited {:.0} s for a sandbox slot and was not started \
                     (--sandbox-workers {} are busy); retry",
                    st.limits().run_queue_timeout.as_secs_f64(),
                    st.0.sandbox.workers(),
                )));
            }
            // It started just in time: its result is coming.
            batch.await
        }
    };
    let mut out =
        out.map_err(|_| ApiError::overloaded("the sandbox queue is full; retry shortly"))?;
    let r = out
        .pop()
        .ok_or_else(|| ApiError::internal("empty run result"))?;
    let status = match (r.status, r.return_code) {
        ("Error", _) => "SandboxError",
        ("Finished", Some(0)) => "Success",
        _ => "Failed",
    };
    let message = if status == "SandboxError" {
        r.stderr.clone()
    } else {
        String::new()
    };
    Ok(json_response(&json!({
        "status": status,
        "message": message,
        "compile_result": null,
        "run_result": {
            "status": r.status,
            "execution_time": r.execution_time,
            "return_code": r.return_code,
            "stdout": r.stdout,
            "stderr": r.stderr,
        },
        "executor_pod_name": null,
        "files": {},
    })))
}

/// Run one program in the sandbox. Blocking; called on a sandbox pool thread.
fn execute(run: &ProgramRun) -> RunReport {
    let failed = |why: String| RunReport {
        status: "Error",
        execution_time: 0.0,
        return_code: None,
        stdout: String::new(),
        stderr: why,
    };
    // The process-wide sandbox, the same one code items use.
    let sandbox = match rlvr_sandbox::shared() {
        Ok(s) => s,
        Err(e) => return failed(e.to_string()),
    };
    let mut limits = Limits {
        wall_time: run.time,
        ..Limits::default()
    };
    if let Some(mb) = run.memory_mb {
        limits.memory_bytes = mb.saturating_mul(1 << 20).min(MAX_MEMORY_BYTES);
    }
    let job = Job {
        code: run.code.clone(),
        stdin: run.stdin.clone().into_bytes(),
    };
    let out = match sandbox.run(&job, &limits) {
        Ok(out) => out,
        Err(e) => return failed(e.to_string()),
    };
    let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // SandboxFusion reports a killed program as Finished with a non-zero code; so do we, and
    // say why on stderr.
    let (status, return_code) = match out.outcome {
        RunEnd::Exited(c) => ("Finished", Some(i64::from(c))),
        RunEnd::Timeout => {
            // A time limit is wall-clock (as in SandboxFusion); a run that got less than half
            // of it on a core was slowed by other runs, and the client is told so.
            if let Some(cpu) = out.cpu_time.filter(|c| *c * 2 < limits.wall_time) {
                stderr.push_str(&format!(
                    "\n[rlvr sandbox] time limit ({:.1} s wall) reached after {:.1} s of CPU \
                     time: the sandbox was running more programs than it has cores\n",
                    limits.wall_time.as_secs_f64(),
                    cpu.as_secs_f64()
                ));
            }
            ("TimeLimitExceeded", None)
        }
        RunEnd::MemoryLimit => {
            stderr.push_str("\n[rlvr sandbox] memory limit exceeded\n");
            ("Finished", Some(1))
        }
        RunEnd::OutputLimit => {
            stderr.push_str("\n[rlvr sandbox] output limit exceeded\n");
            ("Finished", Some(1))
        }
        RunEnd::Trap(m) => {
            stderr.push_str(&format!("\n[rlvr sandbox] trap: {m}\n"));
            ("Finished", Some(1))
        }
    };
    RunReport {
        status,
        execution_time: out.elapsed.as_secs_f64(),
        return_code,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}
