//! Per-group statistics: mean reward, verdict counts and unbiased pass@k (Chen et al., 2021),
//! printed as a table on stderr and written as JSON with `--summary-json`.

use crate::reward::Outcome;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Unbiased pass@k for one prompt with `n` samples of which `c` are correct:
/// `1 - C(n-c, k) / C(n, k)`, computed as a product so it never overflows.
pub fn pass_at_k(n: usize, c: usize, k: usize) -> f64 {
    if k == 0 || k > n {
        return f64::NAN;
    }
    if n - c < k {
        return 1.0;
    }
    let mut miss = 1.0;
    for i in (n - c + 1)..=n {
        miss *= 1.0 - k as f64 / i as f64;
    }
    1.0 - miss
}

/// The k values reported for prompts with up to `max_n` samples: 1, 2, 4, ... and `max_n`.
pub fn ks(max_n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut k = 1;
    while k <= max_n {
        out.push(k);
        k *= 2;
    }
    if max_n > 0 && out.last() != Some(&max_n) {
        out.push(max_n);
    }
    out
}

/// Statistics of one group (or of the whole run).
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Items (prompts) graded, malformed ones excluded.
    pub n: u64,
    /// Samples (responses) graded.
    pub samples: u64,
    pub reward_sum: f64,
    pub verdicts: BTreeMap<&'static str, u64>,
    /// Items that could not be read as items; excluded from everything else.
    pub malformed: u64,
    /// Per item: (samples, correct), kept as a histogram so memory stays bounded.
    per_item: BTreeMap<(usize, usize), u64>,
}

impl Stats {
    /// Record one graded item with its samples' (reward, verdict).
    pub fn add_item(&mut self, samples: &[(f64, Outcome)]) {
        self.n += 1;
        self.samples += samples.len() as u64;
        let mut correct = 0;
        for (r, v) in samples {
            self.reward_sum += r;
            *self.verdicts.entry(v.as_str()).or_default() += 1;
            if *v == Outcome::Correct {
                correct += 1;
            }
        }
        *self.per_item.entry((samples.len(), correct)).or_default() += 1;
    }

    pub fn add_malformed(&mut self) {
        self.malformed += 1;
    }

    pub fn mean_reward(&self) -> f64 {
        if self.samples == 0 {
            f64::NAN
        } else {
            self.reward_sum / self.samples as f64
        }
    }

    fn max_samples(&self) -> usize {
        self.per_item.keys().map(|(n, _)| *n).max().unwrap_or(0)
    }

    /// pass@k averaged over the items that have at least k samples.
    pub fn pass_at(&self) -> Vec<(usize, f64)> {
        ks(self.max_samples())
            .into_iter()
            .filter_map(|k| {
                let (mut sum, mut cnt) = (0.0, 0u64);
                for (&(n, c), &m) in &self.per_item {
                    if n >= k {
                        sum += pass_at_k(n, c, k) * m as f64;
                        cnt += m;
                    }
                }
                (cnt > 0).then(|| (k, sum / cnt as f64))
            })
            .collect()
    }

    pub fn to_json(&self) -> Value {
        let mut pk = Map::new();
        for (k, v) in self.pass_at() {
            pk.insert(k.to_string(), json!(round6(v)));
        }
        let mean = self.mean_reward();
        json!({
            "n": self.n,
            "samples": self.samples,
            "mean_reward": if mean.is_nan() { Value::Null } else { json!(round6(mean)) },
            "pass_at_k": pk,
            "verdicts": self.verdicts,
            "malformed": self.malformed,
        })
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Statistics of a whole run, overall and per group.
#[derive(Debug, Default)]
pub struct Summary {
    pub overall: Stats,
    pub groups: BTreeMap<String, Stats>,
}

impl Summary {
    pub fn add_item(&mut self, group: &str, samples: &[(f64, Outcome)]) {
        self.overall.add_item(samples);
        self.group(group).add_item(samples);
    }

    pub fn add_malformed(&mut self, group: Option<&str>) {
        self.overall.add_malformed();
        self.group(group.unwrap_or("(malformed)")).add_malformed();
    }

    fn group(&mut self, g: &str) -> &mut Stats {
        if !self.groups.contains_key(g) {
            self.groups.insert(g.to_string(), Stats::default());
        }
        self.groups.get_mut(g).expect("inserted above")
    }

    pub fn to_json(&self) -> Value {
        let groups: Map<String, Value> = self
            .groups
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        json!({"overall": self.overall.to_json(), "groups": groups})
    }

    /// A fixed-width table, one row per group and one for the whole run.
    pub fn table(&self) -> String {
        let mut rows: Vec<(String, &Stats)> =
            self.groups.iter().map(|(k, v)| (k.clone(), v)).collect();
        rows.push(("overall".to_string(), &self.overall));
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(5).max(5);
        let mut out = format!(
            "{:<width$}  {:>8}  {:>8}  {:>7}  {:>9}  {:>7}  {:>6}  {:>9}  pass@k\n",
            "group", "n", "samples", "reward", "no_answer", "timeout", "error", "malformed"
        );
        for (name, s) in rows {
            let mean = s.mean_reward();
            let mean = if mean.is_nan() {
                "-".to_string()
            } else {
                format!("{mean:.4}")
            };
            let pk: Vec<String> = s
                .pass_at()
                .iter()
                .map(|(k, v)| format!("@{k}={v:.4}"))
                .collect();
            let get = |k: &str| s.verdicts.get(k).copied().unwrap_or(0);
            let row = format!(
                "{:<width$}  {:>8}  {:>8}  {:>7}  {:>9}  {:>7}  {:>6}  {:>9}  {}",
                name,
                s.n,
                s.samples,
                mean,
                get("no_answer"),
                get("timeout"),
                get("error"),
                s.malformed,
                pk.join(" ")
            );
            // A group without pass@k (only malformed items) ends at its last number.
            out.push_str(row.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_at_k_matches_hand_computed_values() {
        // n=4, c=1: pass@1 = 1/4; pass@2 = 1 - C(3,2)/C(4,2) = 1 - 3/6 = 0.5.
        assert!((pass_at_k(4, 1, 1) - 0.25).abs() < 1e-12);
        assert!((pass_at_k(4, 1, 2) - 0.5).abs() < 1e-12);
        // n=5, c=2, k=3: 1 - C(3,3)/C(5,3) = 1 - 1/10.
        assert!((pass_at_k(5, 2, 3) - 0.9).abs() < 1e-12);
        assert_eq!(pass_at_k(4, 0, 4), 0.0);
        assert_eq!(pass_at_k(4, 4, 1), 1.0);
    }

    #[test]
    fn ks_are_powers_of_two_then_n() {
        assert_eq!(ks(1), vec![1]);
        assert_eq!(ks(16), vec![1, 2, 4, 8, 16]);
        assert_eq!(ks(10), vec![1, 2, 4, 8, 10]);
        assert!(ks(0).is_empty());
    }
}
