//! The one exponential backoff every retry in ork uses: watches that list
//! again, controllers retrying a failed reconcile, node daemons waiting for
//! the control daemon, container restarts (`CrashLoopBackOff`).
//!
//! It is pure arithmetic (no clock, no sleeping): callers ask for the next
//! delay and wait it out themselves, so the delays are unit-tested without
//! time passing. It imports nothing else of ork.

use std::time::Duration;

/// Delays that start at `initial` and double up to `max`.
///
/// ```
/// use ork::backoff::Backoff;
/// use std::time::Duration;
/// let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(4));
/// let delays: Vec<u64> = (0..4).map(|_| b.next_delay().as_secs()).collect();
/// assert_eq!(delays, [1, 2, 4, 4]);
/// b.reset();
/// assert_eq!(b.next_delay(), Duration::from_secs(1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub const fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max,
            next: initial,
        }
    }

    /// The delay to wait now; the one after it is twice as long (at most `max`).
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        d
    }

    /// The delay [`Backoff::next_delay`] would return, without taking it.
    pub fn peek(&self) -> Duration {
        self.next
    }

    /// Starts over from `initial` (after a success).
    pub fn reset(&mut self) {
        self.next = self.initial;
    }

    /// Whether the next delay is still the first one (nothing failed since
    /// the last reset).
    pub fn is_reset(&self) -> bool {
        self.next == self.initial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_start_over_on_reset() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        let got: Vec<u128> = (0..6).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(got, [100, 200, 400, 800, 1000, 1000]);
        assert!(!b.is_reset());
        b.reset();
        assert!(b.is_reset());
        assert_eq!(b.peek(), Duration::from_millis(100));
    }

    #[test]
    fn a_cap_below_the_start_holds_at_the_start() {
        let mut b = Backoff::new(Duration::from_secs(5), Duration::from_secs(1));
        assert_eq!(b.next_delay(), Duration::from_secs(5));
        assert_eq!(b.next_delay(), Duration::from_secs(1));
    }
}
