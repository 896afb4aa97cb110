//! Work budgets instead of signals.
//!
//! Every loop of the math verifier that can run long charges a [`Budget`]: a plain work counter
//! plus a wall-clock deadline read every few hundred units of work. When either runs out the
//! computation stops with [`Exhausted`] and the comparison is reported as undecided (never
//! correct). Nothing here uses signals or threads, so it works on any thread, and a verdict
//! never depends on timing unless the deadline itself is hit.
//!
//! Memory is bounded by construction rather than measured: the limits below cap the size of
//! every big number ([`MAX_BITS`]), of every polynomial ([`MAX_TERMS`]), the length of an answer
//! ([`MAX_ANSWER_BYTES`]) and the nesting depth of the parser ([`MAX_DEPTH`]), which together keep
//! one comparison far below 64 MB.

use std::time::{Duration, Instant};

/// Largest big integer (numerator or denominator) the exact arithmetic will build, in bits.
/// 65,536 bits is about 19,700 decimal digits: enough for `2004!` or `2^{10000}`.
pub const MAX_BITS: u64 = 1 << 16;
/// Largest number of terms in one polynomial of the normal form.
pub const MAX_TERMS: usize = 256;
/// Longest extracted answer (or gold) that is parsed; longer ones are compared as strings.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;
/// Deepest nesting the parser accepts (brackets, braces, fractions, powers).
pub const MAX_DEPTH: usize = 64;

/// Signals that the budget ran out; the comparison is undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted;

/// A work counter with a deadline. Cheap to create; one per call of `verify`.
#[derive(Debug)]
pub struct Budget {
    left: u64,
    since_clock: u32,
    deadline: Option<Instant>,
}

impl Budget {
    /// A budget of `work` units that also stops at `time` after `started` (now if `None`).
    pub fn new(work: u64, time: Duration, started: Option<Instant>) -> Self {
        Budget {
            left: work,
            since_clock: 0,
            // A limit too far away to represent is none.
            deadline: started.unwrap_or_else(Instant::now).checked_add(time),
        }
    }

    /// Charge `units` of work. Reads the clock about every 256 units.
    pub fn charge(&mut self, units: u64) -> Result<(), Exhausted> {
        if units > self.left {
            self.left = 0;
            return Err(Exhausted);
        }
        self.left -= units;
        self.since_clock = self
            .since_clock
            .saturating_add(units.min(u32::MAX as u64) as u32);
        if self.since_clock >= 256 {
            self.since_clock = 0;
            if self.deadline.is_some_and(|d| Instant::now() >= d) {
                self.left = 0;
                return Err(Exhausted);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_counts_from_the_callers_start() {
        let long_ago = Instant::now() - Duration::from_secs(1);
        let mut late = Budget::new(u64::MAX, Duration::from_millis(10), Some(long_ago));
        assert_eq!(late.charge(256), Err(Exhausted));
        let mut fresh = Budget::new(u64::MAX, Duration::from_secs(60), None);
        assert_eq!(fresh.charge(256), Ok(()));
    }

    #[test]
    fn a_limit_too_far_away_is_none() {
        let mut b = Budget::new(1000, Duration::MAX, None);
        assert_eq!(b.charge(300), Ok(()));
        assert_eq!(b.charge(701), Err(Exhausted));
    }
}
