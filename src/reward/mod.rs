//! The router: an [`Item`] goes to the right verifier (or the sandbox) and comes back a
//! [`Verdict`]. `rlvr serve`, `rlvr grade` and `rlvr train` all score through [`Engine`], so an
//! item gets the same verdict whichever door it came in by.

mod code;
mod golds;
mod item;
mod openrlhf;
pub(crate) mod remote;

pub use code::{CodeEngine, SandboxRunner};
pub use golds::GoldCache;
pub use item::{Domain, Item, ItemError};
pub use openrlhf::openrlhf_item;
pub use rlvr_verifiers::{Outcome, Verdict};

use rlvr_verifiers::math;
use std::time::Instant;

/// A scored item: the verdict plus what the wire formats echo back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Scored {
    pub id: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<usize>,
    #[serde(flatten)]
    pub verdict: Verdict,
    pub elapsed_us: u64,
}

/// Settings shared by every verification. Cheap to clone; safe to share across threads.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    pub math: rlvr_verifiers::math::Config,
    /// Instruction following: the reward mode (fraction of constraints by default) and the
    /// reference-quirks switch.
    pub ifeval: rlvr_verifiers::ifeval::Options,
    /// Code items: the sandbox (created on first use, shared by clones) and run limits.
    pub code: CodeEngine,
}

impl Engine {
    /// Score one response of an item, its math golds taken from (or read into) `golds`: a
    /// caller scoring one prompt's samples one by one reads them once.
    pub fn score_response(&self, item: &Item, response: &str, golds: &mut GoldCache) -> Verdict {
        self.score_response_from(item, response, self.math.detail, None, golds)
    }

    /// [`Engine::score_response`] with the math and instruction-following verifiers' detail on
    /// or off (other domains always attach theirs), its time limit counted from `started` (the caller's reading of
    /// the clock) instead of from a reading of its own.
    fn score_response_from(
        &self,
        item: &Item,
        response: &str,
        detail: bool,
        started: Option<Instant>,
        golds: &mut GoldCache,
    ) -> Verdict {
        // `...\boxed{42}<|im_end|>`: the turn's end token is not part of the answer.
        let response = rlvr_verifiers::strip_trailing_special_tokens(response);
        match item.domain {
            Domain::Math => item.with_math_gold(|gold| {
                if gold.is_empty() {
                    return Verdict::error(
                        "ground_truth missing or not a string or list of strings",
                    );
                }
                let cfg = math::Config {
                    detail,
                    started,
                    lenient: item.lenient.unwrap_or(self.math.lenient),
                    ..self.math.clone()
                };
                math::verify_golds(response, golds.get(gold), &cfg)
            }),
            Domain::Logic => {
                let task = item.task.as_deref().unwrap_or_default();
                match rlvr_verifiers::logic::verify(
                    task,
                    response,
                    &item.metadata,
                    item.ground_truth.as_ref(),
                ) {
                    Ok(v) => v,
                    Err(e) => Verdict::error(e.to_string()),
                }
            }
            Domain::Code => self.code.score(item, response),
            Domain::Ifeval => match &item.ifeval {
                Some(row) => {
                    let opts = rlvr_verifiers::ifeval::Options {
                        omit_detail: !detail,
                        ..self.ifeval
                    };
                    rlvr_verifiers::ifeval::verify(response, row, &opts)
                }
                None => Verdict::error("instruction-following item without its constraints"),
            },
            Domain::Stem => match &item.ground_truth {
                Some(gold) => {
                    let cfg = math::Config {
                        detail,
                        started,
                        lenient: item.lenient.unwrap_or(self.math.lenient),
                        ..self.math.clone()
                    };
                    rlvr_verifiers::stem::verify(response, gold, item.options.as_deref(), &cfg)
                }
                None => Verdict::error("missing field 'ground_truth'"),
            },
        }
    }

    /// Score every response of an item (one for `response`, several for `responses`),
    /// handing each verdict to `each` as it is made; `detail` turns the math verifier's detail
    /// on or off. The math golds read are kept in `golds` for the next items (one prompt's
    /// samples often follow each other). A response's `elapsed_us` includes reading the golds
    /// when it was the one that read them.
    pub fn score_each(
        &self,
        item: &Item,
        detail: bool,
        golds: &mut GoldCache,
        mut each: impl FnMut(Scored),
    ) {
        let many = item.responses.len() > 1 || item.multi_sample;
        for (i, r) in item.responses.iter().enumerate() {
            let start = Instant::now();
            // A verifier bug costs this response its verdict, not the caller's run (a
            // million-item `rlvr grade`, a training step).
            let verdict = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.score_response_from(item, r, detail, Some(start), golds)
            }))
            .unwrap_or_else(|_| {
                *golds = GoldCache::default();
                Verdict::error("internal_error: the verifier failed on this item")
            });
            each(Scored {
                id: item.id.clone(),
                sample: many.then_some(i),
                verdict,
                elapsed_us: start.elapsed().as_micros() as u64,
            });
        }
    }
}
