//! Node heartbeats, kept in memory: a heartbeat every second must not cost a
//! SQLite write. Only Ready/NotReady transitions are persisted (by the node
//! lifecycle controller). After a control daemon restart every node gets a
//! fresh grace period before it can be declared lost. With several control
//! daemons each node talks to one of them; `control::heartbeats` passes what
//! each heard to the others ([`Leases::renew_at`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Clone, Default)]
pub struct Leases {
    inner: Arc<Mutex<HashMap<String, Instant>>>,
}

impl Leases {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a heartbeat from a node now.
    pub fn renew(&self, node: &str) {
        self.lock().insert(node.to_string(), Instant::now());
    }

    /// Records a heartbeat another control daemon heard at `at` (kept only
    /// when newer than what this one knows).
    pub fn renew_at(&self, node: &str, at: Instant) {
        let mut map = self.lock();
        let e = map.entry(node.to_string()).or_insert(at);
        if *e < at {
            *e = at;
        }
    }

    /// When a node was last heard from, if ever since this daemon started.
    pub fn last(&self, node: &str) -> Option<Instant> {
        self.lock().get(node).copied()
    }

    /// Every node heard from, with how long ago.
    pub fn ages(&self) -> Vec<(String, std::time::Duration)> {
        let now = Instant::now();
        let mut v: Vec<_> = self
            .lock()
            .iter()
            .map(|(n, t)| (n.clone(), now.saturating_duration_since(*t)))
            .collect();
        v.sort();
        v
    }

    pub fn forget(&self, node: &str) {
        self.lock().remove(node);
    }
}
