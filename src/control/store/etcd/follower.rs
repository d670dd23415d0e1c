//! The follower of the etcd backend: feeds a control daemon's cache from
//! etcd's watch on the store's prefix, one group per etcd transaction, and
//! reads the whole store again when etcd compacted past its position. It
//! turns keys into [`Change`]s and knows nothing of caches or kinds.
//!
//! This module must not import the HTTP layer, controllers or the scheduler.

use super::{Etcd, MAX_MESSAGE, json_revision, split_key};
use crate::control::store::backend::{Change, ChangeType, Followed, Sink};
use etcd_client::{Client, EventType, WatchOptions};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Feeds the cache from etcd's watch.
pub(super) struct Follower {
    pub(super) client: Client,
    pub(super) objects: String,
    pub(super) revision_key: String,
    pub(super) deleted_key: String,
    pub(super) watch_prefix: String,
    pub(super) sink: Sink,
}

impl Follower {
    /// Follows from etcd revision `next` until nobody listens.
    pub(super) async fn run(self, mut next: i64) {
        let mut backoff = Duration::from_millis(100);
        loop {
            match self.watch(&mut next).await {
                Ok(()) => return,
                Err(Resume::Compacted) => {
                    tracing::warn!(
                        "etcd compacted past this control daemon's position; reading the store again"
                    );
                    match Etcd::load_all(
                        self.client.clone(),
                        self.objects.clone(),
                        self.revision_key.clone(),
                    )
                    .await
                    {
                        Ok((loaded, at)) => {
                            if !(self.sink)(Followed::Reset(loaded)) {
                                return;
                            }
                            next = at + 1;
                            continue;
                        }
                        Err(e) => tracing::warn!(error = %e, "reading the store from etcd failed"),
                    }
                }
                Err(Resume::Broken(e)) => {
                    tracing::warn!(error = %e, "etcd watch broke; resuming");
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(1));
        }
    }

    /// Follows from `next` until the sink is gone (`Ok`) or the watch breaks.
    async fn watch(&self, next: &mut i64) -> Result<(), Resume> {
        let mut w = self
            .client
            .watch_client()
            .max_decoding_message_size(MAX_MESSAGE);
        let mut stream = w
            .watch(
                self.watch_prefix.clone(),
                Some(WatchOptions::new().with_prefix().with_start_revision(*next)),
            )
            .await
            .map_err(|e| Resume::Broken(e.to_string()))?;
        while let Some(resp) = stream
            .message()
            .await
            .map_err(|e| Resume::Broken(e.to_string()))?
        {
            if resp.compact_revision() > 0 {
                return Err(Resume::Compacted);
            }
            if resp.canceled() {
                return Err(Resume::Broken(format!(
                    "watch cancelled: {}",
                    resp.cancel_reason()
                )));
            }
            let mut groups: BTreeMap<i64, Vec<&etcd_client::Event>> = BTreeMap::new();
            for ev in resp.events() {
                if let Some(kv) = ev.kv() {
                    groups.entry(kv.mod_revision()).or_default().push(ev);
                }
            }
            for (etcd_rev, evs) in groups {
                if let Some(group) = self.group(&evs)
                    && !(self.sink)(group)
                {
                    return Ok(());
                }
                *next = etcd_rev + 1;
            }
        }
        Err(Resume::Broken("the watch ended".into()))
    }

    /// One transaction's events as a group of changes (`None` for
    /// transactions that did not move the cluster's revision).
    fn group(&self, evs: &[&etcd_client::Event]) -> Option<Followed> {
        let mut revision = None;
        let mut deleted: HashMap<String, u64> = HashMap::new();
        for ev in evs {
            let kv = ev.kv()?;
            if ev.event_type() != EventType::Put {
                continue;
            }
            if kv.key() == self.revision_key.as_bytes() {
                revision = std::str::from_utf8(kv.value()).ok()?.parse::<u64>().ok();
            } else if kv.key() == self.deleted_key.as_bytes() {
                deleted = serde_json::from_slice(kv.value()).unwrap_or_default();
            }
        }
        let revision = revision?;
        let mut changes = vec![];
        for ev in evs {
            let Some(kv) = ev.kv() else { continue };
            let Some((kind, namespace, name)) = split_key(&self.objects, kv.key()) else {
                continue;
            };
            let change = match ev.event_type() {
                EventType::Put => Change {
                    rev: json_revision(kv.value()).unwrap_or(revision),
                    type_: if kv.create_revision() == kv.mod_revision() {
                        ChangeType::Added
                    } else {
                        ChangeType::Modified
                    },
                    data: kv.value().to_vec().into(),
                    kind,
                    namespace,
                    name,
                },
                EventType::Delete => Change {
                    rev: deleted
                        .get(&format!("{kind}/{namespace}/{name}"))
                        .copied()
                        .unwrap_or(revision),
                    type_: ChangeType::Deleted,
                    data: Default::default(),
                    kind,
                    namespace,
                    name,
                },
            };
            changes.push(change);
        }
        changes.sort_by_key(|c| c.rev);
        Some(Followed::Group { revision, changes })
    }
}

enum Resume {
    Compacted,
    Broken(String),
}
