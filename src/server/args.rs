//! `rlvr serve`'s flags and how they resolve into a [`Config`]. Every default is defined once,
//! in [`Limits::default`] and [`Config::default`]; the flags take theirs from there, and a test
//! holds `rlvr serve` with no flags to `Config::default()`.

use super::state::{Config, Limits};
use std::net::SocketAddr;
use std::sync::LazyLock;
use std::time::Duration;

/// The defaults the flags show and use.
static D: LazyLock<Limits> = LazyLock::new(Limits::default);

/// How long in-flight requests may finish after Ctrl-C or SIGTERM, by default.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// Arguments of `rlvr serve`. Every flag has an environment variable and a default.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, env = "RLVR_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: SocketAddr,
    /// Threads verifying math and logic [default: the number of cores].
    #[arg(long, env = "RLVR_WORKERS")]
    pub workers: Option<usize>,
    /// Programs running at once in the sandbox (code items, /run_code); more wait, see
    /// --run-queue-timeout-s. A time limit is wall-clock and a looping program holds its slot
    /// for all of it, so the default runs more programs than cores; runs share the cores,
    /// which slows CPU-heavy programs [default: 8 per core].
    #[arg(long, env = "RLVR_SANDBOX_WORKERS")]
    pub sandbox_workers: Option<usize>,
    /// Threads of the async runtime (HTTP and JSON) [default: the number of cores, at most 4].
    #[arg(long, env = "RLVR_IO_THREADS")]
    pub io_threads: Option<usize>,
    /// Largest request body, MiB (beyond: 413).
    #[arg(long, env = "RLVR_MAX_BODY_MB", default_value_t = D.max_body_bytes >> 20)]
    pub max_body_mb: usize,
    /// Most items per request (beyond: 400).
    #[arg(long, env = "RLVR_MAX_ITEMS", default_value_t = D.max_items)]
    pub max_items: usize,
    /// Largest single item, MiB (beyond: that item's verdict is an error).
    #[arg(long, env = "RLVR_MAX_ITEM_MB", default_value_t = D.max_item_bytes >> 20)]
    pub max_item_mb: usize,
    /// Seconds a request's items may take; unstarted items then get a timeout verdict.
    #[arg(long, env = "RLVR_DEADLINE_S", default_value_t = D.deadline.as_secs_f64())]
    pub deadline_s: f64,
    /// Seconds to receive a request body (beyond: 408).
    #[arg(long, env = "RLVR_BODY_TIMEOUT_S", default_value_t = D.body_timeout.as_secs_f64())]
    pub body_timeout_s: f64,
    /// Seconds to receive a request's head; also how long an idle keep-alive connection stays
    /// open (beyond: the connection is closed).
    #[arg(long, env = "RLVR_HEADER_TIMEOUT_S", default_value_t = D.header_timeout.as_secs_f64())]
    pub header_timeout_s: f64,
    /// Seconds to write a response once it is ready (beyond: the connection is dropped).
    #[arg(long, env = "RLVR_SEND_TIMEOUT_S", default_value_t = D.send_timeout.as_secs_f64())]
    pub send_timeout_s: f64,
    /// Connections open at once (beyond: a new connection gets 503 + Retry-After and is closed).
    #[arg(long, env = "RLVR_MAX_CONNECTIONS", default_value_t = D.max_connections)]
    pub max_connections: usize,
    /// Requests served at once (beyond: 503 + Retry-After).
    #[arg(long, env = "RLVR_MAX_IN_FLIGHT", default_value_t = D.max_in_flight)]
    pub max_in_flight: usize,
    /// Math/logic items queued or running (beyond: 503 + Retry-After).
    #[arg(long, env = "RLVR_MAX_PENDING_ITEMS", default_value_t = D.max_pending_items)]
    pub max_pending_items: usize,
    /// Code items and programs queued or running (beyond: 503 + Retry-After).
    #[arg(long, env = "RLVR_MAX_PENDING_RUNS", default_value_t = D.max_pending_runs)]
    pub max_pending_runs: usize,
    /// Cap on the run time a /run_code request may ask for, seconds.
    #[arg(long, env = "RLVR_MAX_RUN_TIMEOUT_S", default_value_t = D.max_run_timeout.as_secs_f64())]
    pub max_run_timeout_s: f64,
    /// Seconds a /run_code program may wait for a sandbox slot; one not started by then gets
    /// 504 queue_timeout with Retry-After (verl retries 504s), never a silent zero.
    #[arg(long, env = "RLVR_RUN_QUEUE_TIMEOUT_S", default_value_t = D.run_queue_timeout.as_secs_f64())]
    pub run_queue_timeout_s: f64,
    /// Seconds to let in-flight requests finish after Ctrl-C or SIGTERM.
    #[arg(long, env = "RLVR_SHUTDOWN_TIMEOUT_S", default_value_t = SHUTDOWN_TIMEOUT.as_secs_f64())]
    pub shutdown_timeout_s: f64,
    /// Math: when a response states no explicit answer (box, answer tag, "the answer is",
    /// ####), read its last number, bold text or trailing math instead of no_answer. For
    /// evaluating base models; an item's own `lenient` field wins.
    #[arg(long, env = "RLVR_MATH_LENIENT")]
    pub math_lenient: bool,
    /// Log one line per request (default: only refusals, errors and slow requests).
    #[arg(long, env = "RLVR_LOG_REQUESTS")]
    pub log_requests: bool,
    /// Load the sandbox at start, in the background, so the first code request does not wait
    /// for its runtime to load (or, the first time on a machine, to build).
    #[arg(long, env = "RLVR_WARM_SANDBOX", default_value_t = true, action = clap::ArgAction::Set)]
    pub warm_sandbox: bool,
}

pub(super) fn secs(name: &str, s: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| anyhow::anyhow!("--{name} must be a positive number of seconds"))
}

impl ServeArgs {
    /// The resolved settings.
    pub fn config(&self) -> anyhow::Result<Config> {
        let d = Config::default();
        Ok(Config {
            limits: Limits {
                max_body_bytes: self.max_body_mb.saturating_mul(1 << 20),
                max_items: self.max_items,
                max_item_bytes: self.max_item_mb.saturating_mul(1 << 20),
                deadline: secs("deadline-s", self.deadline_s)?,
                body_timeout: secs("body-timeout-s", self.body_timeout_s)?,
                header_timeout: secs("header-timeout-s", self.header_timeout_s)?,
                send_timeout: secs("send-timeout-s", self.send_timeout_s)?,
                max_connections: self.max_connections.max(1),
                max_in_flight: self.max_in_flight.max(1),
                max_pending_items: self.max_pending_items.max(1),
                max_pending_runs: self.max_pending_runs.max(1),
                max_run_timeout: secs("max-run-timeout-s", self.max_run_timeout_s)?,
                run_queue_timeout: secs("run-queue-timeout-s", self.run_queue_timeout_s)?,
            },
            workers: self.workers.unwrap_or(d.workers).max(1),
            sandbox_workers: self.sandbox_workers.unwrap_or(d.sandbox_workers).max(1),
            log_requests: self.log_requests,
            math_lenient: self.math_lenient,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    /// One definition of each default: `rlvr serve` with no flags is `Config::default()`.
    #[test]
    fn no_flags_give_the_default_config() {
        if std::env::vars().any(|(k, _)| k.starts_with("RLVR_")) {
            eprintln!("SKIPPED: RLVR_* variables are set and would change the flags");
            return;
        }
        let cli = Cli::try_parse_from(["serve"]).expect("no flags parse");
        assert_eq!(cli.serve.config().expect("resolves"), Config::default());
        let cli = Cli::try_parse_from(["serve", "--max-items", "7"]).expect("parses");
        assert_ne!(cli.serve.config().expect("resolves"), Config::default());
    }
}
