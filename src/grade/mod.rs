//! `rlvr grade`: score a dataset or rollout dump and report accuracy and pass@k.
//!
//! Reads JSONL (file or `-` for stdin) or verl-style Parquet as a stream, scores records on
//! every core through the shared router ([`crate::reward::Engine`]) in units of many records
//! ([`pipeline`]), and writes one verdict per sample as JSONL in input order. Memory is bounded
//! by the unit size and the number of units in flight, not by the file. Ctrl-C stops after the
//! units in flight, leaving a valid output that `--resume` continues. Exit codes: 0 all graded,
//! 1 some items malformed, 2 the run failed.

mod output;
mod pipeline;
mod summary;

use crate::dataset::{input, json, mapping, record};

pub use summary::{pass_at_k, Stats, Summary};

use crate::reward::{Engine, GoldCache, Item, Scored, Verdict};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pipeline::Graded;
use serde_json::Value;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Arguments of `rlvr grade`.
#[derive(Debug, Clone, clap::Args)]
pub struct GradeArgs {
    /// Input file: `.jsonl` (gzip or zstd too; `-` for stdin) or `.parquet` (verl layout).
    pub input: String,
    /// Write verdicts here instead of stdout.
    #[arg(long, short)]
    pub out: Option<std::path::PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Write the summary (overall and per group) as JSON to this file.
    #[arg(long)]
    pub summary_json: Option<std::path::PathBuf>,
    /// Continue a run: skip the items `--out` already has, append the rest.
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// No progress bar and no summary table.
    #[arg(long, short)]
    pub quiet: bool,
    /// Include each verifier's detail (normalized forms, per-test results) in the output.
    #[arg(long)]
    pub detail: bool,
    /// Math: when a response states no explicit answer (box, answer tag, "the answer is",
    /// `####`), read its last number, bold text or trailing math instead of `no_answer`. For
    /// evaluating base models; an item's own `lenient` field wins.
    #[arg(long)]
    pub lenient: bool,
    /// Take the response (a string, or a list of samples) from this field (dotted path).
    #[arg(long)]
    pub response_field: Option<String>,
    /// Take the ground truth from this field (dotted path).
    #[arg(long)]
    pub ground_truth_field: Option<String>,
    /// Take the id from this field (dotted path); default `id`, else the line number.
    #[arg(long)]
    pub id_field: Option<String>,
    /// Group the summary by this field (dotted path); default `data_source`, else `task`,
    /// else the domain.
    #[arg(long)]
    pub group_by: Option<String>,
    /// Most records per unit of work (a worker grades a unit at a time; the output is written
    /// a unit at a time). Below it, units are sized to take about 8 ms each (`pace.rs`).
    #[arg(long, default_value_t = 1024, hide = true)]
    pub batch: usize,
}

pub fn run(args: GradeArgs) -> anyhow::Result<ExitCode> {
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let mut engine = Engine::default();
    engine.math.lenient = args.lenient;
    let map = mapping::Mapping::new(
        &args.response_field,
        &args.ground_truth_field,
        &args.id_field,
        &args.group_by,
    );

    let format = input::Format::detect(&args.input);
    let pace = input::Pace::new(args.batch);
    // Only the fields an item or a flag reads (Parquet decodes no other column).
    let fields: Vec<&str> = Item::FIELDS.iter().copied().chain(map.fields()).collect();
    let source = input::open(&args.input, format, pace.clone(), Some(&fields))?;
    let mut summary = Summary::default();

    // Resume: account for what the output already holds, then append after it.
    let mut units = source.units;
    let (sink, resumed) = match &args.out {
        Some(path) if args.resume => {
            let mut records = input::Records::new(units);
            let (file, n, pending) = output::resume(path, &mut records, &map, &mut summary)?;
            units = records.into_units();
            if let Some(first) = pending {
                units = Box::new(
                    std::iter::once(Ok(input::Unit::Records([first].into()))).chain(units),
                );
            }
            (output::Sink::file(file), n)
        }
        Some(path) => (output::Sink::create(path)?, 0),
        None => (output::Sink::stdout(), 0),
    };

    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // The first Ctrl-C finishes the units in flight and writes the summary; a second one
        // exits at once. A handler may already be installed (`run` called twice in one
        // process): then the default behaviour stays, which is also safe.
        let _ = ctrlc::set_handler(move || {
            if flag.swap(true, Ordering::SeqCst) {
                std::process::exit(2);
            }
        });
    }

    let bar = progress_bar(args.quiet, source.total);
    bar.set_position(0);
    let start = Instant::now();
    let detail = args.detail;
    let done = pipeline::run(
        pipeline::Feed { units, pace },
        jobs,
        |unit, out| grade_unit(&engine, &map, unit, detail, out),
        sink,
        summary,
        &interrupted,
        |records| match source.total {
            Some((_, input::Measure::Bytes)) => {
                bar.set_position(source.bytes_read.load(Ordering::Relaxed))
            }
            _ => bar.set_position(resumed + records),
        },
    );
    bar.finish_and_clear();
    if let Some(e) = done.error {
        // What was graded before the failure is on the output, whole and in order.
        let kept = resumed + done.records;
        return Err(match &args.out {
            Some(path) => e.context(format!(
                "stopped after {kept} items, whose verdicts {} holds (--resume continues after them)",
                path.display()
            )),
            None => e.context(format!("stopped after {kept} items")),
        });
    }
    let summary = done.summary;
    let graded_items = resumed + done.records;

    let elapsed = start.elapsed().as_secs_f64();
    if let Some(path) = &args.summary_json {
        let text = serde_json::to_string_pretty(&summary.to_json())?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !args.quiet {
        eprint!("{}", summary.table());
        let new = graded_items - resumed;
        eprintln!(
            "graded {new} items ({} samples) in {elapsed:.2}s ({:.0} items/s){}",
            summary.overall.samples,
            new as f64 / elapsed.max(1e-9),
            if resumed > 0 {
                format!("; {resumed} resumed from the output")
            } else {
                String::new()
            }
        );
    }
    if interrupted.load(Ordering::SeqCst) {
        eprintln!(
            "interrupted: the output holds the {graded_items} items graded so far; rerun with --resume to continue"
        );
        return Ok(ExitCode::from(2));
    }
    if summary.overall.malformed > 0 {
        eprintln!(
            "{} malformed items (each has an error verdict line with its reason)",
            summary.overall.malformed
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Grade every record of a unit and encode its output lines (`detail`: include the
/// verifiers' detail).
fn grade_unit(
    engine: &Engine,
    map: &mapping::Mapping,
    unit: input::Unit,
    detail: bool,
    mut out: Graded,
) -> Graded {
    // Consecutive records with the same math golds (a prompt's samples, one per line) read
    // them once.
    let mut golds = GoldCache::default();
    match unit {
        input::Unit::Lines(lines) => {
            // Without field-mapping flags the usual record is read straight into an item.
            let direct = map.is_identity();
            let mut reader = record::Reader::default();
            let mut lines = lines.iter().peekable();
            while let Some((line, bytes)) = lines.next() {
                if let Some((_, next)) = lines.peek() {
                    json::prefetch(next);
                }
                if input::is_blank(bytes) {
                    continue;
                }
                // The usual record, read straight into an item; the rest through its JSON.
                if direct {
                    if let Some(item) = reader.item(bytes, line) {
                        grade_item(&mut out, engine, &mut golds, &item, None, detail);
                        reader.recycle(item);
                        continue;
                    }
                }
                let value = input::parse_json_bytes(bytes);
                grade_record(&mut out, engine, &mut golds, map, line, value, detail);
            }
        }
        input::Unit::Records(records) => {
            for rec in records {
                let line = rec.line;
                let value = rec.into_value();
                grade_record(&mut out, engine, &mut golds, map, line, value, detail);
            }
        }
    }
    out
}

/// Grade one record (its JSON, or why it has none) into `out`.
fn grade_record(
    out: &mut Graded,
    engine: &Engine,
    golds: &mut GoldCache,
    map: &mapping::Mapping,
    line: u64,
    value: Result<Value, String>,
    detail: bool,
) {
    let (scored, group) = match value {
        Err(reason) => (error_line(Value::Null, line, reason), None),
        Ok(value) => {
            let value = map.apply(value, line);
            let group = map.group_of(&value);
            match Item::from_value_owned(value) {
                Ok(item) => return grade_item(out, engine, golds, &item, group, detail),
                Err(e) => (error_line(e.id, line, e.reason), group),
            }
        }
    };
    output::encode(&mut out.encoded, &scored, Some(line), detail);
    out.samples
        .push((scored.verdict.reward, scored.verdict.verdict));
    out.tally(group.as_deref(), true, 1);
}

/// Score an item into `out`, counted in `group` (by default the item's own).
fn grade_item(
    out: &mut Graded,
    engine: &Engine,
    golds: &mut GoldCache,
    item: &Item,
    group: Option<String>,
    detail: bool,
) {
    let group = group.as_deref().unwrap_or_else(|| item.group_name());
    let mut samples = 0;
    // The math verifier formats its detail only when the output will carry it.
    engine.score_each(item, detail, golds, |s| {
        output::encode(&mut out.encoded, &s, None, detail);
        out.samples.push((s.verdict.reward, s.verdict.verdict));
        samples += 1;
    });
    out.tally(Some(group), false, samples);
}

/// The `error` verdict of a malformed record at `line`.
fn error_line(id: Value, line: u64, reason: String) -> Scored {
    Scored {
        id,
        sample: None,
        verdict: Verdict::error(format!("line {line}: {reason}")),
        elapsed_us: 0,
    }
}

fn progress_bar(quiet: bool, total: Option<(u64, input::Measure)>) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some((n, input::Measure::Bytes)) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        Some((n, input::Measure::Rows)) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} rows {per_sec} ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {pos} items {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
    bar
}
