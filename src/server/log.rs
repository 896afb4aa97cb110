//! Structured log lines on stderr, in logfmt (`ts=... level=... msg=...`), one per event.
//! Plain `eprintln!` rather than a logging framework: the server logs a handful of events
//! (start, stop, refusals, 5xx, slow requests), and a line is greppable and parseable as is.

use std::fmt::Arguments;
use std::time::{SystemTime, UNIX_EPOCH};

fn line(level: &str, msg: Arguments<'_>) {
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    eprintln!("ts={ts:.3} level={level} {msg}");
}

pub fn info(msg: Arguments<'_>) {
    line("info", msg);
}

pub fn warn(msg: Arguments<'_>) {
    line("warn", msg);
}

pub fn error(msg: Arguments<'_>) {
    line("error", msg);
}
