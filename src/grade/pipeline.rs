//! How `rlvr grade` keeps every core busy: a reader thread cuts the input into units of records
//! (sized by [`Pace`] to take several milliseconds each), `jobs` workers each take the next
//! unit and grade it whole, and a writer thread puts the graded units on the output in input
//! order.
//!
//! Nothing waits for a whole batch to finish: a worker that ends its unit takes the next one
//! while the other is still busy. Units that finish early wait in the writer until the ones
//! before them are written; a worker does not start a unit more than a window ahead of the
//! writer, so memory stays bounded even when one unit is slow (code items with long tests).
//! The window is a few units of hundreds of records, or a few thousand units of one record
//! (code items, whose units are single records: one that runs into its time limit should not
//! idle the other workers after a dozen items).
//! The output only ever holds whole units, in order: stopping at any point (Ctrl-C, a read
//! error) leaves a valid prefix of the full output.

use super::output::Sink;
use super::summary::Summary;
use crate::dataset::input::{Unit, Units};
use crate::dataset::pace::Pace;
use crate::reward::Outcome;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Records each worker may run ahead of the writer, when units are small.
const AHEAD_RECORDS: usize = 2048;

/// How many units a worker may start ahead of the writer: at least `4 x jobs + 4`, and enough
/// units of the current size for [`AHEAD_RECORDS`] records per worker.
fn window(jobs: usize, pace: &Pace) -> u64 {
    let units = AHEAD_RECORDS * jobs / pace.records();
    (4 * jobs + 4).max(units) as u64
}

/// How often idle threads look at the stop flag.
const TICK: Duration = Duration::from_millis(100);

/// One graded unit, ready for the writer.
#[derive(Default)]
pub struct Graded {
    /// The output lines of every record, encoded by the worker.
    pub encoded: Vec<u8>,
    /// (reward, verdict) of every sample, record after record.
    pub samples: Vec<(f64, Outcome)>,
    pub records: Vec<Tally>,
    /// The groups [`Tally::group`] points into; a group is stored again only when it differs
    /// from the record before (a unit's records are mostly of one group).
    pub groups: Vec<String>,
}

impl Graded {
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.encoded.is_empty() && self.samples.is_empty() && self.records.is_empty()
    }

    /// Empty, keeping the buffers for the next unit.
    fn clear(&mut self) {
        self.encoded.clear();
        self.samples.clear();
        self.records.clear();
        self.groups.clear();
    }

    /// Count a record of `samples` samples (the last ones pushed) in `group`.
    pub fn tally(&mut self, group: Option<&str>, malformed: bool, samples: usize) {
        let group = group.map(|g| {
            if self.groups.last().is_none_or(|last| last != g) {
                self.groups.push(g.to_string());
            }
            self.groups.len() - 1
        });
        self.records.push(Tally {
            group,
            malformed,
            samples,
        });
    }

    fn group(&self, tally: &Tally) -> Option<&str> {
        tally.group.map(|g| self.groups[g].as_str())
    }
}

/// What the summary needs of one record.
pub struct Tally {
    /// Index into [`Graded::groups`].
    pub group: Option<usize>,
    pub malformed: bool,
    /// How many of [`Graded::samples`] are this record's.
    pub samples: usize,
}

/// The units to grade, and the pace their reader cuts them at (which the workers set).
pub struct Feed {
    pub units: Units,
    pub pace: Pace,
}

/// How a run ended.
pub struct Done {
    pub summary: Summary,
    /// Records written to the output.
    pub records: u64,
    /// The read or write error that stopped the run early, if any.
    pub error: Option<anyhow::Error>,
}

/// Grade `units` with `jobs` workers calling `grade`, writing in order to `sink` and counting
/// into `summary`. `stop` (Ctrl-C) ends the run after the units in flight; `progress` is called
/// now and then with the number of records written so far.
///
/// `grade` fills the empty [`Graded`] it is given and returns it: the writer hands written ones
/// back for reuse, so a unit's output buffers are not allocated afresh for every unit (growing
/// a doubling at a time, in memory the allocator had given back and the kernel zeroes again).
pub fn run<G>(
    Feed { units, pace }: Feed,
    jobs: usize,
    grade: G,
    sink: Sink,
    summary: Summary,
    stop: &AtomicBool,
    progress: impl Fn(u64),
) -> Done
where
    G: Fn(Unit, Graded) -> Graded + Sync,
{
    let jobs = jobs.max(1);
    let incoming = match spawn_reader(units, 2 * jobs) {
        Ok(rx) => Mutex::new(rx),
        Err(e) => {
            return Done {
                summary,
                records: 0,
                error: Some(anyhow::Error::new(e).context("cannot start the reader thread")),
            }
        }
    };
    let failed = AtomicBool::new(false);
    let error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    // Units written so far, which workers wait on to stay within the window.
    let written = (Mutex::new(0u64), Condvar::new());
    let records_written = AtomicU64::new(0);
    // Written units, emptied, for the workers to fill again.
    let spare: Mutex<Vec<Graded>> = Mutex::new(Vec::new());
    let halted = || stop.load(Ordering::SeqCst) || failed.load(Ordering::SeqCst);
    let fail = |e: anyhow::Error| {
        if let Ok(mut slot) = error.lock() {
            slot.get_or_insert(e);
        }
        failed.store(true, Ordering::SeqCst);
        written.1.notify_all();
    };

    let summary = std::thread::scope(|s| {
        let (to_writer, graded) = sync_channel::<(u64, Graded)>(4 * jobs + 4);
        let (alive, all_done) = std::sync::mpsc::channel::<()>();
        for _ in 0..jobs {
            let to_writer = to_writer.clone();
            let alive = alive.clone();
            let (incoming, written, grade, pace, spare) =
                (&incoming, &written, &grade, &pace, &spare);
            let (halted, fail) = (&halted, &fail);
            let worker = std::thread::Builder::new().name("grade-worker".into());
            let started = worker.spawn_scoped(s, move || {
                let _alive = alive;
                while !halted() {
                    let next = match incoming.lock() {
                        Ok(rx) => rx.recv_timeout(TICK),
                        Err(_) => break,
                    };
                    let (seq, unit) = match next {
                        Ok((seq, Ok(unit))) => (seq, unit),
                        Ok((_, Err(e))) => {
                            fail(e);
                            break;
                        }
                        Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => break,
                    };
                    if !wait_for_window(written, seq, (jobs, pace), halted) {
                        break;
                    }
                    let start = std::time::Instant::now();
                    let out = spare
                        .lock()
                        .ok()
                        .and_then(|mut s| s.pop())
                        .unwrap_or_default();
                    // A bug that panics must stop the run with an error: left alone, the
                    // writer would wait for this unit forever and the others with it.
                    let graded =
                        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            grade(unit, out)
                        })) {
                            Ok(g) => g,
                            Err(_) => {
                                fail(anyhow::anyhow!(
                                    "internal error: grading unit {seq} of the input panicked"
                                ));
                                break;
                            }
                        };
                    pace.observe(graded.records.len(), start.elapsed());
                    if to_writer.send((seq, graded)).is_err() {
                        break;
                    }
                }
            });
            if let Err(e) = started {
                fail(anyhow::Error::new(e).context("cannot start worker threads"));
                break;
            }
        }
        drop((to_writer, alive));

        let writer = std::thread::Builder::new().name("grade-writer".into());
        let writer = writer.spawn_scoped(s, || {
            let mut sink = sink;
            let mut summary = summary;
            let mut pending = BTreeMap::new();
            let mut next = 0u64;
            for (seq, unit) in graded {
                pending.insert(seq, unit);
                while let Some(mut unit) = pending.remove(&next) {
                    if let Err(e) = write_unit(&mut sink, &mut summary, &unit) {
                        fail(e);
                        return summary;
                    }
                    next += 1;
                    records_written.fetch_add(unit.records.len() as u64, Ordering::Relaxed);
                    if let Ok(mut w) = written.0.lock() {
                        *w = next;
                    }
                    written.1.notify_all();
                    unit.clear();
                    if let Ok(mut spare) = spare.lock() {
                        if spare.len() < 2 * jobs {
                            spare.push(unit);
                        }
                    }
                }
            }
            // Units after a gap (a worker stopped before grading the one in between) are not
            // written: the output stays a prefix of the input's verdicts.
            if let Err(e) = sink.flush() {
                fail(e);
            }
            summary
        });

        // Until every worker is gone: the progress bar.
        while let Err(RecvTimeoutError::Timeout) = all_done.recv_timeout(TICK) {
            progress(records_written.load(Ordering::Relaxed));
        }
        match writer.map(|w| w.join()) {
            Ok(Ok(summary)) => summary,
            Ok(Err(_)) => {
                fail(anyhow::anyhow!("the output writer thread panicked"));
                Summary::default()
            }
            Err(e) => {
                fail(anyhow::Error::new(e).context("cannot start the output writer thread"));
                Summary::default()
            }
        }
    });
    progress(records_written.load(Ordering::Relaxed));
    Done {
        summary,
        records: records_written.load(Ordering::Relaxed),
        error: error.into_inner().ok().flatten(),
    }
}

/// Put one graded unit on the output (whole, so an interrupted run leaves complete lines) and
/// into the summary.
fn write_unit(sink: &mut Sink, summary: &mut Summary, unit: &Graded) -> anyhow::Result<()> {
    sink.write_encoded(&unit.encoded)?;
    sink.flush()?;
    let mut samples = &unit.samples[..];
    for r in &unit.records {
        let (mine, rest) = samples.split_at(r.samples.min(samples.len()));
        samples = rest;
        if r.malformed {
            summary.add_malformed(unit.group(r));
        } else {
            summary.add_item(unit.group(r).unwrap_or("(none)"), mine);
        }
    }
    Ok(())
}

/// Block until unit `seq` is within the [`window`] of the writer; false if the run stopped.
fn wait_for_window(
    written: &(Mutex<u64>, Condvar),
    seq: u64,
    (jobs, pace): (usize, &Pace),
    halted: &dyn Fn() -> bool,
) -> bool {
    let Ok(mut w) = written.0.lock() else {
        return false;
    };
    while seq >= *w + window(jobs, pace) {
        if halted() {
            return false;
        }
        w = match written.1.wait_timeout(w, TICK) {
            Ok((w, _)) => w,
            Err(_) => return false,
        };
    }
    true
}

type Numbered = (u64, anyhow::Result<Unit>);

/// Read units on their own thread, numbered in input order; a read error ends the stream after
/// it is sent. The thread is not joined: blocked on an idle stdin, it ends with the process.
fn spawn_reader(
    units: Units,
    depth: usize,
) -> std::io::Result<std::sync::mpsc::Receiver<Numbered>> {
    let (tx, rx) = sync_channel::<Numbered>(depth);
    let reader = std::thread::Builder::new().name("grade-reader".into());
    reader.spawn(move || {
        for (seq, unit) in units.enumerate() {
            let failed = unit.is_err();
            if tx.send((seq as u64, unit)).is_err() || failed {
                return;
            }
        }
    })?;
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::input::{Body, Record};
    use std::sync::atomic::AtomicUsize;

    /// `n` units of one record each; the record's line is the unit's number.
    fn units(n: u64) -> Units {
        Box::new((0..n).map(|i| {
            Ok(Unit::Records(
                [Record {
                    line: i,
                    body: Body::Unreadable(String::new()),
                }]
                .into(),
            ))
        }))
    }

    fn line_of(unit: &Unit) -> u64 {
        match unit {
            Unit::Records(r) => r[0].line,
            Unit::Lines(_) => unreachable!("the test makes record units"),
        }
    }

    #[test]
    fn a_units_groups_are_stored_once_per_run_of_records() {
        let mut unit = Graded::default();
        for g in [Some("a"), Some("a"), None, Some("b"), Some("a"), Some("a")] {
            unit.tally(g, false, 1);
        }
        let got: Vec<Option<&str>> = unit.records.iter().map(|r| unit.group(r)).collect();
        assert_eq!(
            got,
            [Some("a"), Some("a"), None, Some("b"), Some("a"), Some("a")]
        );
        assert_eq!(unit.groups, ["a", "b", "a"]);
        unit.clear();
        assert!(unit.is_empty() && unit.groups.is_empty());
    }

    /// A graded unit whose output is its number on a line.
    fn graded(n: u64) -> Graded {
        Graded {
            encoded: format!("{n}\n").into_bytes(),
            samples: vec![(1.0, Outcome::Correct)],
            records: vec![Tally {
                group: None,
                malformed: false,
                samples: 1,
            }],
            groups: Vec::new(),
        }
    }

    /// Run `n` one-record units through the pipeline; `pace` is what the window is sized by.
    fn run_to_file(
        name: &str,
        n: u64,
        (jobs, pace): (usize, Pace),
        stop: &AtomicBool,
        grade: impl Fn(Unit) -> Graded + Sync,
    ) -> (Done, Vec<u64>) {
        let path =
            std::env::temp_dir().join(format!("rlvr-pipeline-{name}-{}", std::process::id()));
        let sink = Sink::create(&path).unwrap();
        let feed = Feed {
            units: units(n),
            pace,
        };
        let done = run(
            feed,
            jobs,
            |u, out: Graded| {
                assert!(out.is_empty());
                grade(u)
            },
            sink,
            Summary::default(),
            stop,
            |_| {},
        );
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).ok();
        (done, text.lines().map(|l| l.parse().unwrap()).collect())
    }

    #[test]
    fn slow_units_do_not_reorder_the_output_or_let_the_others_run_far_ahead() {
        let jobs = 3;
        let ahead = 4 * jobs as u64 + 4;
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let highest_started = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        // Units of hundreds of records: the window is 4 x jobs + 4 units.
        assert_eq!(window(jobs, &Pace::fixed(512)), ahead);
        let (done, got) = run_to_file("order", 200, (jobs, Pace::fixed(512)), &stop, |unit| {
            let n = line_of(&unit);
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            highest_started.fetch_max(n, Ordering::SeqCst);
            // Every 50th unit is slow: the others finish first and must wait in the writer.
            if n.is_multiple_of(50) {
                std::thread::sleep(Duration::from_millis(50));
                // No worker started a unit more than the window past this one.
                assert!(highest_started.load(Ordering::SeqCst) < n + ahead);
            }
            in_flight.fetch_sub(1, Ordering::SeqCst);
            graded(n)
        });
        assert!(done.error.is_none());
        assert_eq!(got, (0..200).collect::<Vec<u64>>());
        assert_eq!(done.records, 200);
        assert_eq!(done.summary.overall.n, 200);
        assert!(most.load(Ordering::SeqCst) <= jobs);
    }

    #[test]
    fn a_stop_leaves_a_prefix_of_whole_units() {
        let stop = AtomicBool::new(false);
        let (done, got) = run_to_file("stop", 10_000, (2, Pace::fixed(512)), &stop, |unit| {
            let n = line_of(&unit);
            if n == 500 {
                stop.store(true, Ordering::SeqCst);
            }
            graded(n)
        });
        assert!(done.error.is_none());
        assert!(
            got.len() >= 500 && got.len() < 10_000,
            "{} lines",
            got.len()
        );
        assert_eq!(got, (0..got.len() as u64).collect::<Vec<u64>>());
        assert_eq!(done.records, got.len() as u64);
    }

    /// Slow records (code items, 5 ms here) get units of a record or two once the first unit
    /// is timed, and are graded on several workers; without the pace one unit would hold them.
    #[test]
    fn slow_records_get_small_units_spread_over_the_workers() {
        let pace = Pace::new(1024);
        let reader_pace = pace.clone();
        let mut next = 0u64;
        let units: Units = Box::new(std::iter::from_fn(move || {
            let n = reader_pace.records() as u64;
            let unit: std::collections::VecDeque<Record> = (next..(next + n).min(200))
                .map(|line| Record {
                    line,
                    body: Body::Unreadable(String::new()),
                })
                .collect();
            next += unit.len() as u64;
            (!unit.is_empty()).then_some(Ok(Unit::Records(unit)))
        }));
        let threads = Mutex::new(std::collections::HashSet::new());
        let sizes = Mutex::new(Vec::new());
        let reused = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!("rlvr-pipeline-pace-{}", std::process::id()));
        let stop = AtomicBool::new(false);
        let done = run(
            Feed { units, pace },
            4,
            |unit, mut out: Graded| {
                let Unit::Records(records) = unit else {
                    unreachable!()
                };
                threads.lock().unwrap().insert(std::thread::current().id());
                sizes.lock().unwrap().push(records.len());
                assert!(out.is_empty());
                reused.fetch_add(usize::from(out.encoded.capacity() > 0), Ordering::Relaxed);
                for r in &records {
                    std::thread::sleep(Duration::from_millis(5));
                    let one = graded(r.line);
                    out.encoded.extend(one.encoded);
                    out.samples.extend(one.samples);
                    out.records.extend(one.records);
                }
                out
            },
            Sink::create(&path).unwrap(),
            Summary::default(),
            &stop,
            |_| {},
        );
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert!(done.error.is_none());
        let got: Vec<u64> = text.lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(got, (0..200).collect::<Vec<u64>>());
        let sizes = sizes.into_inner().unwrap();
        assert_eq!(sizes[0], 8, "the first units are small");
        assert!(sizes.iter().rev().take(20).all(|&n| n <= 2), "{sizes:?}");
        assert!(threads.into_inner().unwrap().len() >= 2);
        // Written units come back, emptied, with their buffers.
        assert!(reused.into_inner() > sizes.len() / 2, "{sizes:?}");
    }

    /// Single-record units (code items): one slow record does not stop the other workers a
    /// dozen records later; they run on up to thousands of records ahead.
    #[test]
    fn small_units_get_a_window_of_records_not_of_a_dozen_units() {
        assert_eq!(window(2, &Pace::fixed(1)), 4096);
        let stop = AtomicBool::new(false);
        let ahead_when_slow_one_ended = AtomicU64::new(0);
        let highest_started = AtomicU64::new(0);
        let (done, got) = run_to_file("ahead", 1000, (2, Pace::fixed(1)), &stop, |unit| {
            let n = line_of(&unit);
            highest_started.fetch_max(n, Ordering::SeqCst);
            if n == 0 {
                std::thread::sleep(Duration::from_millis(300));
                let ahead = highest_started.load(Ordering::SeqCst);
                ahead_when_slow_one_ended.store(ahead, Ordering::SeqCst);
            }
            graded(n)
        });
        assert!(done.error.is_none());
        assert_eq!(got, (0..1000).collect::<Vec<u64>>());
        let ahead = ahead_when_slow_one_ended.load(Ordering::SeqCst);
        assert!(ahead >= 500, "the other worker stopped at unit {ahead}");
    }

    #[test]
    fn a_panicking_unit_ends_the_run_with_an_error_not_a_hang() {
        let stop = AtomicBool::new(false);
        let (done, got) = run_to_file("panic", 1000, (2, Pace::fixed(512)), &stop, |unit| {
            let n = line_of(&unit);
            assert!(n != 300, "a bug");
            graded(n)
        });
        let error = done.error.expect("the run reports the panic");
        assert!(error.to_string().contains("panicked"), "{error}");
        assert!(got.len() <= 300);
        assert_eq!(got, (0..got.len() as u64).collect::<Vec<u64>>());
    }

    #[test]
    fn a_read_error_ends_the_run_after_what_came_before_it() {
        let units: Units =
            Box::new(units(5).chain(std::iter::once(Err(anyhow::anyhow!("disk on fire")))));
        let path = std::env::temp_dir().join(format!("rlvr-pipeline-err-{}", std::process::id()));
        let sink = Sink::create(&path).unwrap();
        let stop = AtomicBool::new(false);
        let feed = Feed {
            units,
            pace: Pace::fixed(1),
        };
        let done = run(
            feed,
            2,
            |u, _| graded(line_of(&u)),
            sink,
            Summary::default(),
            &stop,
            |_| {},
        );
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(done.error.unwrap().to_string(), "disk on fire");
        // Units before the error may or may not be written, but only as a prefix.
        let got: Vec<u64> = text.lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(got, (0..got.len() as u64).collect::<Vec<u64>>());
    }
}
