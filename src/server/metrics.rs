//! Prometheus metrics, kept in atomics and rendered as text at `GET /metrics`.
//!
//! Hand-written rather than a metrics crate: the set is small and fixed, label values come from
//! closed lists (routes, domains, verdicts, rejection codes), so no request can grow the label
//! space. Every name is prefixed `rlvr_`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// The routes, as they appear in the `route` label; anything else is `other`.
pub const ROUTES: &[&str] = &[
    "/v1/rewards",
    "/v1/math/verify",
    "/v1/code/run",
    "/v1/logic/verify",
    "/v1/verifiers",
    "/healthz",
    "/metrics",
    "/run_code",
    "/get_reward",
    "other",
];

/// Domain label values; `unknown` is an item too malformed to have one.
pub const DOMAINS: &[&str] = &["math", "code", "logic", "ifeval", "stem", "unknown"];
pub const VERDICTS: &[&str] = &["correct", "incorrect", "no_answer", "timeout", "error"];

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5,
    10.0, 15.0, 20.0, 30.0, 60.0,
];

/// A fixed-bucket histogram; `observe` is lock-free.
pub struct Histogram {
    counts: Vec<AtomicU64>,
    sum_us: AtomicU64,
}

impl Histogram {
    fn new() -> Self {
        Histogram {
            counts: (0..=BUCKETS.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_us: AtomicU64::new(0),
        }
    }

    pub fn observe_us(&self, us: u64) {
        let s = us as f64 / 1e6;
        let i = BUCKETS
            .iter()
            .position(|b| s <= *b)
            .unwrap_or(BUCKETS.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cum = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cum += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{b}\"}} {cum}");
        }
        cum += self.counts[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {cum}");
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {cum}");
    }
}

/// Everything `/metrics` reports that is counted as it happens.
pub struct Metrics {
    requests: Mutex<BTreeMap<(usize, u16), u64>>,
    request_latency: Vec<Histogram>,
    items: Vec<AtomicU64>,
    item_latency: Vec<Histogram>,
    rejections: Mutex<BTreeMap<&'static str, u64>>,
    /// How long `/run_code` programs waited for a sandbox slot (started ones only).
    pub run_queue_wait: Histogram,
    /// Kept by the accept loop and the connection tasks (`conn.rs`).
    pub conns: Connections,
}

/// Why a connection was closed by a timeout: the `phase` label values.
pub const TIMEOUT_PHASES: &[&str] = &["idle", "header", "send"];

/// Connection counts. `open` is also the admission count for `--max-connections`.
#[derive(Default)]
pub struct Connections {
    pub open: AtomicUsize,
    /// Connections taken in and served (not counting refused ones).
    pub accepted: AtomicU64,
    /// Refused over `--max-connections`: [answered 503, closed without an answer].
    pub rejected: [AtomicU64; 2],
    /// Closed by a timeout, one per [`TIMEOUT_PHASES`] entry.
    pub timed_out: [AtomicU64; 3],
}

/// Point-in-time values read when `/metrics` is rendered.
pub struct Gauges {
    pub requests_in_flight: usize,
    pub sandbox_runs_in_flight: usize,
    pub pending_items: [(&'static str, usize); 2],
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: Mutex::new(BTreeMap::new()),
            request_latency: ROUTES.iter().map(|_| Histogram::new()).collect(),
            items: (0..DOMAINS.len() * VERDICTS.len())
                .map(|_| AtomicU64::new(0))
                .collect(),
            item_latency: DOMAINS.iter().map(|_| Histogram::new()).collect(),
            rejections: Mutex::new(BTreeMap::new()),
            run_queue_wait: Histogram::new(),
            conns: Connections::default(),
        }
    }
}

/// The `route` label index of a request path.
pub fn route_index(path: &str) -> usize {
    ROUTES
        .iter()
        .position(|r| *r == path)
        .unwrap_or(ROUTES.len() - 1)
}

impl Metrics {
    pub fn request(&self, route: usize, status: u16, elapsed_us: u64) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((route, status))
            .or_insert(0) += 1;
        self.request_latency[route].observe_us(elapsed_us);
    }

    /// Count one scored response. `domain` and `verdict` index [`DOMAINS`] and [`VERDICTS`].
    pub fn item(&self, domain: usize, verdict: usize, elapsed_us: u64) {
        self.items[domain * VERDICTS.len() + verdict].fetch_add(1, Ordering::Relaxed);
        self.item_latency[domain].observe_us(elapsed_us);
    }

    pub fn rejection(&self, code: &'static str) {
        *self
            .rejections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(code)
            .or_insert(0) += 1;
    }

    /// The Prometheus text exposition.
    pub fn render(&self, g: &Gauges) -> String {
        let mut o = String::with_capacity(16 * 1024);
        o.push_str("# HELP rlvr_http_requests_total HTTP requests answered, by route and status.\n# TYPE rlvr_http_requests_total counter\n");
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                o,
                "rlvr_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                ROUTES[*route]
            );
        }
        o.push_str("# HELP rlvr_http_request_duration_seconds Time from request to response, body reading included.\n# TYPE rlvr_http_request_duration_seconds histogram\n");
        for (i, h) in self.request_latency.iter().enumerate() {
            if h.counts.iter().any(|c| c.load(Ordering::Relaxed) > 0) {
                let labels = format!("route=\"{}\"", ROUTES[i]);
                h.render(&mut o, "rlvr_http_request_duration_seconds", &labels);
            }
        }
        o.push_str("# HELP rlvr_items_total Responses scored, by domain and verdict.\n# TYPE rlvr_items_total counter\n");
        for (d, dn) in DOMAINS.iter().enumerate() {
            for (v, vn) in VERDICTS.iter().enumerate() {
                let n = self.items[d * VERDICTS.len() + v].load(Ordering::Relaxed);
                let _ = writeln!(
                    o,
                    "rlvr_items_total{{domain=\"{dn}\",verdict=\"{vn}\"}} {n}"
                );
            }
        }
        o.push_str("# HELP rlvr_item_duration_seconds Time to verify one response, by domain.\n# TYPE rlvr_item_duration_seconds histogram\n");
        for (d, h) in self.item_latency.iter().enumerate() {
            h.render(
                &mut o,
                "rlvr_item_duration_seconds",
                &format!("domain=\"{}\"", DOMAINS[d]),
            );
        }
        o.push_str("# HELP rlvr_rejections_total Requests refused before scoring, by error code.\n# TYPE rlvr_rejections_total counter\n");
        for (code, n) in self
            .rejections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(o, "rlvr_rejections_total{{code=\"{code}\"}} {n}");
        }
        let _ = writeln!(
            o,
            "# HELP rlvr_http_requests_in_flight Requests being served.\n# TYPE rlvr_http_requests_in_flight gauge\nrlvr_http_requests_in_flight {}",
            g.requests_in_flight
        );
        let _ = writeln!(
            o,
            "# HELP rlvr_sandbox_runs_in_flight Programs running in the sandbox now.\n# TYPE rlvr_sandbox_runs_in_flight gauge\nrlvr_sandbox_runs_in_flight {}",
            g.sandbox_runs_in_flight
        );
        let c = &self.conns;
        let _ = writeln!(
            o,
            "# HELP rlvr_connections_open Client connections open now.\n# TYPE rlvr_connections_open gauge\nrlvr_connections_open {}",
            c.open.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            o,
            "# HELP rlvr_connections_accepted_total Client connections accepted and served.\n# TYPE rlvr_connections_accepted_total counter\nrlvr_connections_accepted_total {}",
            c.accepted.load(Ordering::Relaxed)
        );
        o.push_str("# HELP rlvr_connections_rejected_total Connections refused over --max-connections, by whether they got a 503 or were closed unanswered.\n# TYPE rlvr_connections_rejected_total counter\n");
        for (reply, n) in ["503", "none"].iter().zip(&c.rejected) {
            let _ = writeln!(
                o,
                "rlvr_connections_rejected_total{{reply=\"{reply}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        o.push_str("# HELP rlvr_connections_timed_out_total Connections closed by a timeout: idle (no request began within --header-timeout-s), header (a request head not finished within it), send (a response not written within --send-timeout-s).\n# TYPE rlvr_connections_timed_out_total counter\n");
        for (phase, n) in TIMEOUT_PHASES.iter().zip(&c.timed_out) {
            let _ = writeln!(
                o,
                "rlvr_connections_timed_out_total{{phase=\"{phase}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        o.push_str("# HELP rlvr_run_queue_wait_seconds Time a /run_code program waited for a sandbox slot before it started.\n# TYPE rlvr_run_queue_wait_seconds histogram\n");
        self.run_queue_wait
            .render(&mut o, "rlvr_run_queue_wait_seconds", "route=\"/run_code\"");
        o.push_str("# HELP rlvr_pending_items Items admitted to a scoring pool and not finished.\n# TYPE rlvr_pending_items gauge\n");
        for (pool, n) in g.pending_items {
            let _ = writeln!(o, "rlvr_pending_items{{pool=\"{pool}\"}} {n}");
        }
        o
    }
}
