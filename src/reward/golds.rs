//! Math gold answers kept from one response to the next.
//!
//! Reading a gold (parsing it, normalizing it) costs about as much as reading a response's
//! answer, and the responses of one prompt share their golds: the samples of an item with
//! several `responses`, or consecutive lines of a flat rollout dump that repeat one prompt's
//! `ground_truth`. A [`GoldCache`] keeps the last golds read and reads again only when the
//! gold strings change.

use rlvr_verifiers::math;

/// The last math golds read, and the strings they were read from.
#[derive(Default)]
pub struct GoldCache {
    key: Vec<String>,
    golds: Option<math::Golds>,
}

impl GoldCache {
    /// The golds read from `gold`: the kept ones when `gold` is what they were read from.
    pub fn get(&mut self, gold: &[&str]) -> &math::Golds {
        let same = self.key.len() == gold.len() && self.key.iter().zip(gold).all(|(k, g)| k == g);
        if !same || self.golds.is_none() {
            // Forget the old golds before reading the new: a failure in between leaves
            // nothing stale behind.
            self.golds = None;
            self.key.truncate(gold.len());
            for (i, g) in gold.iter().enumerate() {
                match self.key.get_mut(i) {
                    Some(k) => {
                        k.clear();
                        k.push_str(g);
                    }
                    None => self.key.push(g.to_string()),
                }
            }
        }
        self.golds.get_or_insert_with(|| math::Golds::new(gold))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept golds are those of the strings asked for: the same ones while the strings
    /// repeat, read again when they change (in number, in content, or back again), and the
    /// verdicts are those of reading them afresh.
    #[test]
    fn golds_are_kept_while_the_strings_repeat() {
        let cfg = math::Config::default();
        let mut cache = GoldCache::default();
        let first: *const math::Golds = cache.get(&["12"]);
        assert!(std::ptr::eq(first, cache.get(&["12"])));
        let cases: &[(&[&str], &str)] = &[
            (&["12"], "so \\boxed{12}"),
            (&["13"], "so \\boxed{12}"),
            (&["13", "12"], "so \\boxed{12}"),
            (&["13"], "so \\boxed{12}"),
            (&["x+1"], "\\boxed{1+x}"),
            (&["1+x"], "\\boxed{x+1}"),
            (&[], "\\boxed{1}"),
            (&["\\frac{1}{"], "\\boxed{1}"),
            (&["12"], "so \\boxed{12}"),
        ];
        for (gold, response) in cases {
            let cached = math::verify_golds(response, cache.get(gold), &cfg);
            assert_eq!(
                cached,
                math::verify(response, gold, &cfg),
                "{gold:?} {response}"
            );
        }
    }
}
