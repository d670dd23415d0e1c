//! ResourceQuota controller: keeps each quota's `status.hard` equal to its
//! spec and `status.used` equal to what the namespace's objects use now,
//! so usage released by deletes and finished pods is given back. Admission
//! charges creates as they happen (`admission::quota`); this recounts.
//!
//! The key is a namespace: a change to any object in a namespace that has
//! quotas recounts all of them, in one store transaction, so the count and
//! admission's charges never interleave. What is counted is decided by
//! `admission::quota::recount`, a pure function tested there.

use super::{Controller, Key};
use crate::api::quota_types::ResourceQuota;
use crate::api::{Kind, Object};
use crate::control::admission::quota::{namespace_objects, recount};
use crate::control::store::{Store, StoreError, Subresource};
use std::time::Duration;
use tokio::sync::watch;

/// The namespace a change is in, when that namespace has quotas to recount.
fn namespace_key(store: &Store, ns: &str) -> Vec<Key> {
    if ns.is_empty() || store.list::<ResourceQuota>(Some(ns)).is_empty() {
        return vec![];
    }
    vec![(ns.to_string(), String::new())]
}

async fn sync(store: &Store, key: Key) -> Result<Option<Duration>, StoreError> {
    let ns = key.0;
    if store.list::<ResourceQuota>(Some(&ns)).is_empty() {
        return Ok(None);
    }
    store
        .txn(move |tx| {
            let quotas = tx.list::<ResourceQuota>(Some(&ns));
            if quotas.is_empty() {
                return Ok(());
            }
            let objects = namespace_objects(tx, &ns);
            for q in quotas {
                let used = recount(&q, objects.iter());
                let hard = q.spec.hard.clone();
                if q.status.used == used && q.status.hard == hard {
                    continue;
                }
                tx.mutate::<ResourceQuota, _>(&ns, q.name(), Subresource::Status, move |q| {
                    q.status.hard = hard;
                    q.status.used = used;
                    Ok(true)
                })?;
            }
            Ok(())
        })
        .await?;
    Ok(None)
}

/// Starts the controller's watches and worker.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    let mut c = Controller::new("resourcequota", store.clone(), shutdown);
    for kind in Kind::ALL {
        if !kind.namespaced() || kind == Kind::Event {
            continue;
        }
        let store = store.clone();
        c = c.watch(kind, move |ev| {
            namespace_key(&store, &ev.obj.meta().namespace)
        });
    }
    c.run(Kind::ResourceQuota, |store, key| async move {
        sync(&store, key).await
    });
}
