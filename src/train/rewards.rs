//! Rewards for rollouts, scored by the same router as `rlvr grade` and `rlvr serve`
//! ([`Engine::score_response`]) on a pool of CPU worker threads. The loop submits a chunk of
//! responses as soon as it is generated and goes on generating the next chunk, so scoring
//! overlaps generation instead of idling the model while verifiers run one by one.

use crate::reward::{Engine, Item, Outcome};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

struct Job {
    slot: usize,
    item: Arc<Item>,
    response: String,
}

/// One scored response.
#[derive(Debug, Clone)]
pub struct Scored {
    pub slot: usize,
    pub reward: f64,
    pub outcome: Outcome,
    pub elapsed: Duration,
}

/// Worker threads scoring responses in the background.
pub struct RewardPool {
    jobs: Option<Sender<Job>>,
    done: Receiver<Scored>,
    workers: Vec<JoinHandle<()>>,
    pending: usize,
}

impl RewardPool {
    pub fn new(engine: Engine, workers: usize) -> RewardPool {
        let (jobs_tx, jobs_rx) = channel::<Job>();
        let (done_tx, done) = channel::<Scored>();
        let jobs_rx = Arc::new(Mutex::new(jobs_rx));
        let engine = Arc::new(engine);
        let workers = (0..workers.max(1))
            .map(|_| {
                let (rx, tx, engine) = (jobs_rx.clone(), done_tx.clone(), engine.clone());
                std::thread::spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    let start = Instant::now();
                    let v = engine.score_response(&job.item, &job.response);
                    let reward = if v.reward.is_finite() { v.reward } else { 0.0 };
                    let scored = Scored {
                        slot: job.slot,
                        reward,
                        outcome: v.verdict,
                        elapsed: start.elapsed(),
                    };
                    if tx.send(scored).is_err() {
                        return;
                    }
                })
            })
            .collect();
        RewardPool {
            jobs: Some(jobs_tx),
            done,
            workers,
            pending: 0,
        }
    }

    /// Queue one response; its result comes back from [`RewardPool::wait_all`] under `slot`.
    pub fn submit(&mut self, slot: usize, item: Arc<Item>, response: String) -> anyhow::Result<()> {
        let tx = self
            .jobs
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("reward pool closed"))?;
        tx.send(Job {
            slot,
            item,
            response,
        })
        .map_err(|_| anyhow::anyhow!("reward workers stopped"))?;
        self.pending += 1;
        Ok(())
    }

    /// Block until every submitted response is scored; results in any order.
    pub fn wait_all(&mut self) -> anyhow::Result<Vec<Scored>> {
        let mut out = Vec::with_capacity(self.pending);
        while self.pending > 0 {
            let s = self
                .done
                .recv()
                .map_err(|_| anyhow::anyhow!("a reward worker died"))?;
            self.pending -= 1;
            out.push(s);
        }
        Ok(out)
    }
}

impl Drop for RewardPool {
    fn drop(&mut self) {
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}
