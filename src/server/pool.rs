//! A bounded pool of scoring threads, so CPU-bound verification and sandbox runs never block
//! the async runtime and never queue without limit.
//!
//! A request submits its items as one [`batch`](Pool::run_batch); the batch is cut into chunks
//! and workers take chunks round-robin across the batches waiting, so a single item sent while a
//! 65,536-item batch is running waits for at most one chunk per waiting batch, not the whole
//! batch. Admission is counted in items: a batch that would push the pool past its budget of
//! pending items is refused at once ([`Overloaded`]) and the server answers 503 with
//! `Retry-After`. The permits travel with the batch, so a client that disconnects does not free
//! budget its abandoned items still use; such a batch is marked cancelled and its unstarted items
//! are skipped.
//!
//! A panic in a verifier is caught per item and becomes that item's result via `skip`, with
//! [`Skip::Panicked`]; the worker thread survives.

use std::collections::VecDeque;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Instant;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

/// Why an item was not scored by its function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The request's deadline passed before the item started.
    Deadline,
    /// The client went away before the item started.
    Cancelled,
    /// The scoring function panicked on this item.
    Panicked,
}

/// The pool's budget of pending items is spent; try again later.
#[derive(Debug, Clone, Copy)]
pub struct Overloaded;

/// Options of one batch.
pub struct BatchOptions {
    /// Items per chunk (at least 1).
    pub chunk: usize,
    /// Items not started by then are skipped with [`Skip::Deadline`].
    pub deadline: Instant,
    /// Set to true (by the request's drop guard) when nobody waits for the result any more.
    pub cancel: Arc<AtomicBool>,
}

/// A fixed set of worker threads sharing one round-robin queue of batches.
pub struct Pool {
    shared: Arc<Shared>,
    budget: Arc<Semaphore>,
    max_pending: usize,
    workers: usize,
}

struct Shared {
    queue: Mutex<VecDeque<Arc<dyn Job>>>,
    ready: Condvar,
    stop: AtomicBool,
    /// Chunks being run right now (for `sandbox runs in flight`).
    active: AtomicUsize,
}

trait Job: Send + Sync {
    /// Claim the next chunk, and say whether chunks remain after it.
    fn claim(&self) -> (Option<Range<usize>>, bool);
    fn run(&self, range: Range<usize>);
}

impl Pool {
    /// Start `workers` threads named `{name}-{i}` admitting at most `max_pending` items at once.
    pub fn new(name: &str, workers: usize, max_pending: usize) -> std::io::Result<Pool> {
        let workers = workers.max(1);
        let max_pending = max_pending.clamp(1, Semaphore::MAX_PERMITS);
        let shared = Arc::new(Shared {
            queue: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
            stop: AtomicBool::new(false),
            active: AtomicUsize::new(0),
        });
        for i in 0..workers {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || worker(&shared))?;
        }
        Ok(Pool {
            shared,
            budget: Arc::new(Semaphore::new(max_pending)),
            max_pending,
            workers,
        })
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Items admitted and not yet finished.
    pub fn pending(&self) -> usize {
        self.max_pending - self.budget.available_permits()
    }

    /// Chunks running right now.
    pub fn active(&self) -> usize {
        self.shared.active.load(Ordering::Relaxed)
    }

    /// Score `inputs` with `f` on the pool; results come back in input order. Items that are
    /// not run (deadline, cancellation, panic) get `skip(input, why)` instead.
    pub async fn run_batch<I, R, F, S>(
        &self,
        inputs: Vec<I>,
        opts: BatchOptions,
        f: F,
        skip: S,
    ) -> Result<Vec<R>, Overloaded>
    where
        I: Send + Sync + 'static,
        R: Send + 'static,
        F: Fn(&I) -> R + Send + Sync + 'static,
        S: Fn(&I, Skip) -> R + Send + Sync + 'static,
    {
        let n = inputs.len();
        if n == 0 {
            return Ok(Vec::new());
        }
        let permits = u32::try_from(n).map_err(|_| Overloaded)?;
        let permit = self
            .budget
            .clone()
            .try_acquire_many_owned(permits)
            .map_err(|_| Overloaded)?;
        let (tx, rx) = oneshot::channel();
        let batch = Arc::new(Batch {
            out: Mutex::new((0..n).map(|_| None).collect()),
            inputs,
            chunk: opts.chunk.max(1),
            next: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            f,
            skip,
            deadline: opts.deadline,
            cancel: opts.cancel,
            tx: Mutex::new(Some(tx)),
            permit: Mutex::new(Some(permit)),
        });
        {
            let mut q = self
                .shared
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            q.push_back(batch);
        }
        self.shared.ready.notify_one();
        // The sender is dropped without sending only if the pool stopped; report that as overload.
        rx.await.map_err(|_| Overloaded)
    }

    /// Stop the workers after the chunks they are running; queued batches are dropped.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.shared.ready.notify_all();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.stop();
    }
}

fn worker(shared: &Shared) {
    loop {
        let job = {
            let mut q = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Some(job) = q.pop_front() {
                    break job;
                }
                q = shared.ready.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let (range, more) = job.claim();
        if more {
            // Requeue at the back before running, so another worker (or another batch) goes next.
            shared
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_back(job.clone());
            shared.ready.notify_one();
        }
        if let Some(range) = range {
            shared.active.fetch_add(1, Ordering::Relaxed);
            job.run(range);
            shared.active.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

struct Batch<I, R, F, S> {
    inputs: Vec<I>,
    chunk: usize,
    next: AtomicUsize,
    done: AtomicUsize,
    out: Mutex<Vec<Option<R>>>,
    f: F,
    skip: S,
    deadline: Instant,
    cancel: Arc<AtomicBool>,
    tx: Mutex<Option<oneshot::Sender<Vec<R>>>>,
    /// The batch's share of the pending budget, released as soon as its results are ready.
    permit: Mutex<Option<OwnedSemaphorePermit>>,
}

impl<I, R, F, S> Job for Batch<I, R, F, S>
where
    I: Send + Sync,
    R: Send,
    F: Fn(&I) -> R + Send + Sync,
    S: Fn(&I, Skip) -> R + Send + Sync,
{
    fn claim(&self) -> (Option<Range<usize>>, bool) {
        let n = self.inputs.len();
        let start = self.next.fetch_add(self.chunk, Ordering::Relaxed);
        if start >= n {
            return (None, false);
        }
        let end = (start + self.chunk).min(n);
        (Some(start..end), end < n)
    }

    fn run(&self, range: Range<usize>) {
        let mut local = Vec::with_capacity(range.len());
        for input in &self.inputs[range.clone()] {
            let r = if self.cancel.load(Ordering::Relaxed) {
                (self.skip)(input, Skip::Cancelled)
            } else if Instant::now() >= self.deadline {
                (self.skip)(input, Skip::Deadline)
            } else {
                match catch_unwind(AssertUnwindSafe(|| (self.f)(input))) {
                    Ok(r) => r,
                    Err(_) => (self.skip)(input, Skip::Panicked),
                }
            };
            local.push(r);
        }
        let count = local.len();
        {
            let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
            for (slot, r) in out[range].iter_mut().zip(local) {
                *slot = Some(r);
            }
        }
        if self.done.fetch_add(count, Ordering::AcqRel) + count == self.inputs.len() {
            let out = std::mem::take(&mut *self.out.lock().unwrap_or_else(PoisonError::into_inner));
            let results: Vec<R> = out.into_iter().flatten().collect();
            // Give the budget back before answering, so a caller that sees its results also
            // sees the capacity free again.
            drop(
                self.permit
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take(),
            );
            if let Some(tx) = self
                .tx
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                // The receiver is gone if the client disconnected; nothing to do then.
                let _ = tx.send(results);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn opts(chunk: usize) -> BatchOptions {
        BatchOptions {
            chunk,
            deadline: Instant::now() + Duration::from_secs(60),
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    #[tokio::test]
    async fn keeps_order_and_catches_panics() {
        let pool = Pool::new("t", 3, 1000).unwrap();
        let inputs: Vec<u32> = (0..500).collect();
        let out = pool
            .run_batch(
                inputs,
                opts(7),
                |x| {
                    assert!(*x != 13, "boom");
                    i64::from(*x) * 2
                },
                |_, why| if why == Skip::Panicked { -1 } else { -2 },
            )
            .await
            .unwrap();
        assert_eq!(out.len(), 500);
        for (i, r) in out.iter().enumerate() {
            let want = if i == 13 { -1 } else { i as i64 * 2 };
            assert_eq!(*r, want, "item {i}");
        }
        assert_eq!(pool.pending(), 0);
    }

    #[tokio::test]
    async fn refuses_beyond_budget_and_skips_after_deadline() {
        let pool = Pool::new("t", 1, 10).unwrap();
        let r = pool
            .run_batch((0..11).collect::<Vec<u32>>(), opts(1), |x| *x, |_, _| 0)
            .await;
        assert!(r.is_err(), "11 items must not fit a budget of 10");
        let mut o = opts(1);
        o.deadline = Instant::now();
        let out = pool
            .run_batch(
                vec![1u32, 2],
                o,
                |_| "ran",
                |_, why| {
                    assert_eq!(why, Skip::Deadline);
                    "skipped"
                },
            )
            .await
            .unwrap();
        assert_eq!(out, vec!["skipped", "skipped"]);
    }
}
