//! How many records go in one unit of work, learned from how long units take.
//!
//! A unit is graded whole by one worker, so its size trades hand-off overhead against balance:
//! math items take microseconds and want hundreds per unit, code items run tests for
//! milliseconds and want one per unit, or a 164-problem file would sit on one core. The
//! workers report each unit's time per record; the reader cuts the next units to take about
//! [`UNIT_TIME`]. The first units are small, so the estimate comes early.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// About how long one unit should take to grade.
pub const UNIT_TIME: Duration = Duration::from_millis(8);
/// Records in a unit before any has been timed.
const FIRST_UNIT: usize = 8;

/// Records per unit, shared by the reader (which cuts units) and the workers (which time them).
#[derive(Clone, Debug)]
pub struct Pace {
    records: Arc<AtomicUsize>,
    max: usize,
    adaptive: bool,
}

impl Pace {
    /// Units of at most `max` records, starting small until one has been timed.
    pub fn new(max: usize) -> Pace {
        let max = max.max(1);
        Pace {
            records: Arc::new(AtomicUsize::new(FIRST_UNIT.min(max))),
            max,
            adaptive: true,
        }
    }

    /// Always `n` records per unit (readers that do not grade).
    pub fn fixed(n: usize) -> Pace {
        let n = n.max(1);
        Pace {
            records: Arc::new(AtomicUsize::new(n)),
            max: n,
            adaptive: false,
        }
    }

    /// Records for the next unit.
    pub fn records(&self) -> usize {
        self.records.load(Ordering::Relaxed).clamp(1, self.max)
    }

    /// A unit of `records` records took `elapsed`: size the next ones from it.
    pub fn observe(&self, records: usize, elapsed: Duration) {
        if records == 0 || !self.adaptive {
            return;
        }
        let per_record = (elapsed.as_nanos() / records as u128).max(1);
        let want = (UNIT_TIME.as_nanos() / per_record).clamp(1, self.max as u128) as usize;
        self.records.store(want, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_time_per_record() {
        let pace = Pace::new(1024);
        assert_eq!(pace.records(), FIRST_UNIT);
        // Code items: 8 records in 80 ms -> one per unit.
        pace.observe(8, Duration::from_millis(80));
        assert_eq!(pace.records(), 1);
        // Math items: 300 records in 3 ms (10 us each) -> 800 per unit.
        pace.observe(300, Duration::from_millis(3));
        assert_eq!(pace.records(), 800);
        // Faster still: capped at the maximum.
        pace.observe(100, Duration::from_micros(10));
        assert_eq!(pace.records(), 1024);
        // A unit of blank lines says nothing.
        pace.observe(0, Duration::from_millis(5));
        assert_eq!(pace.records(), 1024);
    }

    #[test]
    fn fixed_and_tiny_maximums_hold() {
        let pace = Pace::fixed(97);
        pace.observe(10, Duration::from_secs(1));
        assert_eq!(pace.records(), 97);
        assert_eq!(Pace::new(0).records(), 1);
        assert_eq!(Pace::new(3).records(), 3);
    }
}
