//! Rewards for rollouts, scored by the same router as `rlvr grade` and `rlvr serve`
//! ([`Engine::score_response`]) on a pool of CPU worker threads. The loop submits a
//! chunk of responses as soon as it is generated and goes on generating the next chunk, so
//! scoring overlaps generation instead of idling the model while verifiers run one by one.
//!
//! With `reward.server_url` the same responses go instead to an external rlvr server: a
//! rollout round's responses in `POST /v1/rewards` batches (one item per response, its id the
//! response's slot; a round is split so that no request passes [`RemotePool::MAX_ITEMS`]
//! items or [`RemotePool::MAX_BYTES`] bytes, well under the server's default limits), and
//! the verdicts come back in order and are used exactly as the in-process router's.

use super::config::RewardSection;
use crate::reward::remote::Client;
use crate::reward::{Engine, GoldCache, Item, Outcome};
use serde_json::Value;
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
pub struct RolloutScore {
    pub slot: usize,
    pub reward: f64,
    pub outcome: Outcome,
    pub elapsed: Duration,
}

/// Where responses are scored: worker threads in this process, or an rlvr server.
pub enum RewardPool {
    Local(LocalPool),
    Remote(RemotePool),
}

impl RewardPool {
    /// The pool a `[reward]` section asks for. With a server URL the server is asked for
    /// `/healthz` first, so an unreachable one stops the run before any work is done.
    pub fn from_config(cfg: &RewardSection) -> anyhow::Result<RewardPool> {
        Ok(match &cfg.server_url {
            Some(urls) => {
                // Several replicas, comma-separated: every one must answer at the start.
                let mut clients = Vec::new();
                for url in urls.split(',').map(str::trim).filter(|u| !u.is_empty()) {
                    let client = Client::new(url, cfg.timeout(), cfg.retries())?;
                    client.request("GET", "/healthz", None).map_err(|e| {
                        e.context(format!(
                            "the reward server at {url} (reward.server_url / --reward-url) is not reachable"
                        ))
                    })?;
                    clients.push(client);
                }
                let mut clients = clients.into_iter();
                let first = clients
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("reward.server_url names no server"))?;
                RewardPool::Remote(RemotePool::new(first).with_replicas(clients.collect()))
            }
            None => {
                // Rewards are all the trainer reads from a verdict.
                let mut engine = Engine::default();
                engine.math.detail = false;
                engine.math.lenient = cfg.math_lenient;
                RewardPool::Local(LocalPool::new(engine, cfg.workers))
            }
        })
    }

    /// Queue one response; its result comes back from [`RewardPool::wait_all`] under `slot`.
    pub fn submit(&mut self, slot: usize, item: Arc<Item>, response: String) -> anyhow::Result<()> {
        match self {
            RewardPool::Local(p) => p.submit(slot, item, response),
            RewardPool::Remote(p) => {
                p.submit(slot, item, response);
                Ok(())
            }
        }
    }

    /// Block until every submitted response is scored; results in any order.
    pub fn wait_all(&mut self) -> anyhow::Result<Vec<RolloutScore>> {
        match self {
            RewardPool::Local(p) => p.wait_all(),
            RewardPool::Remote(p) => p.score_pending(),
        }
    }
}

/// Responses waiting to be posted to the server (or to its replicas).
pub struct RemotePool {
    client: Client,
    /// More servers with the same settings: a round's requests are spread over all of them,
    /// at once, and a request that fails on one is sent to the next.
    replicas: Vec<Client>,
    pending: Vec<Job>,
    max_items: usize,
    max_bytes: usize,
}

impl RemotePool {
    /// Most items in one request (the server's default cap is 65,536).
    pub const MAX_ITEMS: usize = 4096;
    /// Most body bytes in one request (the server's default cap is 64 MiB); a single item
    /// larger than this still goes, alone.
    pub const MAX_BYTES: usize = 16 << 20;

    pub fn new(client: Client) -> RemotePool {
        RemotePool::with_limits(client, Self::MAX_ITEMS, Self::MAX_BYTES)
    }

    /// A pool that splits rounds at other sizes (tests use tiny ones).
    pub fn with_limits(client: Client, max_items: usize, max_bytes: usize) -> RemotePool {
        RemotePool {
            client,
            replicas: Vec::new(),
            pending: Vec::new(),
            max_items: max_items.max(1),
            max_bytes,
        }
    }

    /// This pool with more servers to spread requests over.
    pub fn with_replicas(mut self, replicas: Vec<Client>) -> RemotePool {
        self.replicas = replicas;
        self
    }

    fn submit(&mut self, slot: usize, item: Arc<Item>, response: String) {
        self.pending.push(Job {
            slot,
            item,
            response,
        });
    }

    /// Posts every pending response, in as many requests as the size limits need, and reads
    /// the verdicts back in order. With replicas the requests go to all servers at once.
    fn score_pending(&mut self) -> anyhow::Result<Vec<RolloutScore>> {
        let jobs = std::mem::take(&mut self.pending);
        let mut chunks: Vec<(std::ops::Range<usize>, Vec<u8>)> = Vec::new();
        let mut start = 0;
        while start < jobs.len() {
            let mut body = Vec::new();
            body.extend_from_slice(br#"{"items":["#);
            let mut end = start;
            while end < jobs.len() && end - start < self.max_items {
                let j = &jobs[end];
                // Encoded straight into the body; an item that would pass the byte limit is
                // taken back out and starts the next request.
                let mark = body.len();
                if end > start {
                    body.push(b',');
                }
                serde_json::to_writer(
                    &mut body,
                    &j.item.with_response(j.slot as u64, &j.response),
                )?;
                if end > start && body.len() + 2 > self.max_bytes {
                    body.truncate(mark);
                    break;
                }
                end += 1;
            }
            body.extend_from_slice(b"]}");
            chunks.push((start..end, body));
            start = end;
        }
        let servers: Vec<&Client> = std::iter::once(&self.client)
            .chain(self.replicas.iter())
            .collect();
        let post = |k: usize, range: &std::ops::Range<usize>, body: &[u8]| {
            // Chunk k goes to server k first, then to the others in turn.
            let mut last = None;
            for i in 0..servers.len() {
                match self.post_chunk(servers[(k + i) % servers.len()], &jobs[range.clone()], body)
                {
                    Ok(s) => return Ok(s),
                    Err(e) => last = Some(e),
                }
            }
            Err(last.unwrap_or_else(|| anyhow::anyhow!("no reward server")))
        };
        let parts: Vec<anyhow::Result<Vec<RolloutScore>>> = if servers.len() > 1 && chunks.len() > 1
        {
            std::thread::scope(|s| {
                let handles: Vec<_> = chunks
                    .iter()
                    .enumerate()
                    .map(|(k, (range, body))| s.spawn(move || post(k, range, body)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(anyhow::anyhow!("a reward request thread failed"))
                        })
                    })
                    .collect()
            })
        } else {
            chunks
                .iter()
                .enumerate()
                .map(|(k, (range, body))| post(k, range, body))
                .collect()
        };
        let mut scored = Vec::with_capacity(jobs.len());
        for part in parts {
            scored.extend(part?);
        }
        Ok(scored)
    }

    /// One `POST /v1/rewards` of `jobs`, already encoded in `body`.
    fn post_chunk(
        &self,
        client: &Client,
        jobs: &[Job],
        body: &[u8],
    ) -> anyhow::Result<Vec<RolloutScore>> {
        let path = "/v1/rewards";
        let answer = client.post_json_body(path, body)?;
        let url = client.url.show(path);
        let results = answer
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| anyhow::anyhow!("POST {url}: the answer has no 'results' list"))?;
        anyhow::ensure!(
            results.len() == jobs.len(),
            "POST {url}: {} results for {} items",
            results.len(),
            jobs.len()
        );
        jobs.iter()
            .zip(results)
            .map(|(job, r)| {
                let bad =
                    |why: &str| anyhow::anyhow!("POST {url}: result for item {}: {why}", job.slot);
                if r.get("id").and_then(Value::as_u64) != Some(job.slot as u64) {
                    return Err(bad("its id does not match (results out of order?)"));
                }
                let reward = r
                    .get("reward")
                    .and_then(Value::as_f64)
                    .ok_or_else(|| bad("no numeric 'reward'"))?;
                let outcome: Outcome = r
                    .get("verdict")
                    .cloned()
                    .and_then(|v| serde_json::from_value(v).ok())
                    .ok_or_else(|| bad("no known 'verdict'"))?;
                let us = r.get("elapsed_us").and_then(Value::as_u64).unwrap_or(0);
                Ok(RolloutScore {
                    slot: job.slot,
                    reward: if reward.is_finite() { reward } else { 0.0 },
                    outcome,
                    elapsed: Duration::from_micros(us),
                })
            })
            .collect()
    }
}

/// Worker threads scoring responses in the background.
pub struct LocalPool {
    jobs: Option<Sender<Job>>,
    done: Receiver<RolloutScore>,
    workers: Vec<JoinHandle<()>>,
    pending: usize,
}

impl LocalPool {
    pub fn new(engine: Engine, workers: usize) -> LocalPool {
        let (jobs_tx, jobs_rx) = channel::<Job>();
        let (done_tx, done) = channel::<RolloutScore>();
        let jobs_rx = Arc::new(Mutex::new(jobs_rx));
        let engine = Arc::new(engine);
        let workers = (0..workers.max(1))
            .map(|_| {
                let (rx, tx, engine) = (jobs_rx.clone(), done_tx.clone(), engine.clone());
                // A group's samples share their prompt's math golds: read once per run of them.
                let mut golds = GoldCache::default();
                std::thread::spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    let start = Instant::now();
                    let v = engine.score_response(&job.item, &job.response, &mut golds);
                    let reward = if v.reward.is_finite() { v.reward } else { 0.0 };
                    let scored = RolloutScore {
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
        LocalPool {
            jobs: Some(jobs_tx),
            done,
            workers,
            pending: 0,
        }
    }

    fn submit(&mut self, slot: usize, item: Arc<Item>, response: String) -> anyhow::Result<()> {
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

    fn wait_all(&mut self) -> anyhow::Result<Vec<RolloutScore>> {
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

impl Drop for LocalPool {
    fn drop(&mut self) {
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}
