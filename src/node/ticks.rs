//! The node daemon's periodic work (heartbeats, usage reports, sweeps) ticks
//! through one small clock that stops when the daemon shuts down.
//!
//! This module must not import `control`, `cli` or `tui`.

use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Interval, MissedTickBehavior};

/// Ticks every `period` until the daemon shuts down: the first tick at
/// once, and a late tick delays the ones after it instead of bunching them up.
pub struct Ticks {
    interval: Interval,
    shutdown: watch::Receiver<bool>,
}

impl Ticks {
    pub fn new(period: Duration, shutdown: watch::Receiver<bool>) -> Self {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Ticks { interval, shutdown }
    }

    /// Waits for the next tick; `false` once the daemon shuts down.
    pub async fn next(&mut self) -> bool {
        tokio::select! {
            _ = self.interval.tick() => true,
            _ = self.shutdown.changed() => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_tick_is_at_once_and_shutdown_ends_the_ticks() {
        let (tx, rx) = watch::channel(false);
        let mut t = Ticks::new(Duration::from_secs(3600), rx);
        let start = std::time::Instant::now();
        assert!(t.next().await);
        assert!(start.elapsed() < Duration::from_secs(60));
        tx.send_replace(true);
        assert!(!t.next().await, "no waiting out the hour");
    }
}
