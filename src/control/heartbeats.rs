//! Node heartbeats across the control daemons of a cluster on etcd: each
//! node heartbeats to one daemon, while the leader's node lifecycle
//! controller needs them all. Every second each daemon publishes how long
//! ago it heard each node (one key per daemon, `<prefix>/heartbeats/<id>`),
//! and takes in what the others published since its last look. A key that
//! did not change since then (its daemon is gone) is ignored.
//!
//! This module must not import the HTTP layer, controllers or the scheduler.

use crate::control::leases::Leases;
use crate::control::store::Etcd;
use etcd_client::GetOptions;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

const EVERY: Duration = Duration::from_secs(1);

/// What one daemon publishes: node -> milliseconds since its last heartbeat.
pub type Published = BTreeMap<String, u64>;

/// The nodes to renew from another daemon's publication, and when they
/// were heard (`now` less the age, less one period for the publication's own age).
pub fn heard(p: &Published, now: Instant) -> Vec<(String, Instant)> {
    p.iter()
        .filter_map(|(n, ms)| {
            now.checked_sub(Duration::from_millis(*ms) + EVERY)
                .map(|t| (n.clone(), t))
        })
        .collect()
}

/// Publishes and takes in heartbeats until `shutdown`.
pub fn start(etcd: Arc<Etcd>, leases: Leases, mut shutdown: watch::Receiver<bool>) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    tokio::spawn(async move {
        let dir = format!("{}/heartbeats/", etcd.prefix());
        let own = format!("{dir}{id}");
        let mut client = etcd.client();
        let mut seen: HashMap<Vec<u8>, i64> = HashMap::new();
        loop {
            let stopped = tokio::select! {
                _ = tokio::time::sleep(EVERY) => false,
                _ = shutdown.wait_for(|s| *s) => true,
            };
            if stopped {
                let _ = tokio::time::timeout(EVERY, client.delete(own.as_str(), None)).await;
                return;
            }
            let mine: Published = leases
                .ages()
                .into_iter()
                .filter(|(_, age)| *age < Duration::from_secs(60))
                .map(|(n, age)| (n, age.as_millis() as u64))
                .collect();
            let body = serde_json::to_vec(&mine).unwrap_or_default();
            let _ = tokio::time::timeout(EVERY, client.put(own.as_str(), body, None)).await;
            let Ok(Ok(resp)) = tokio::time::timeout(
                EVERY,
                client.get(dir.as_str(), Some(GetOptions::new().with_prefix())),
            )
            .await
            else {
                continue;
            };
            let now = Instant::now();
            for kv in resp.kvs() {
                if kv.key() == own.as_bytes() {
                    continue;
                }
                // Fresh only when it changed since a look before: a key
                // seen for the first time may be a stopped daemon's.
                let before = seen.insert(kv.key().to_vec(), kv.mod_revision());
                if before.is_none_or(|b| b == kv.mod_revision()) {
                    continue;
                }
                if let Ok(p) = serde_json::from_slice::<Published>(kv.value()) {
                    for (node, at) in heard(&p, now) {
                        leases.renew_at(&node, at);
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_heard_elsewhere_count_from_when_they_were_heard() {
        let now = Instant::now() + Duration::from_secs(10);
        let p = Published::from([("n1".to_string(), 300), ("n2".to_string(), 4_000)]);
        let h = heard(&p, now);
        assert_eq!(h[0], ("n1".to_string(), now - Duration::from_millis(1_300)));
        assert_eq!(h[1], ("n2".to_string(), now - Duration::from_millis(5_000)));
    }
}
