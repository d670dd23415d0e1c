//! Endpoints: for every Service, an Endpoints object of the same name that
//! lists the pods its selector matches, ready ones as `addresses` (what the
//! node proxies balance over) and the others as `notReadyAddresses`. A pod
//! change requeues the services of its namespace whose selector matches it
//! (before or after the change); deleting a service deletes its Endpoints.
//!
//! The decision is [`crate::api::service::endpoints_for`] (pure); this is the
//! thin loop that feeds it and writes the result.

use super::{Key, WorkQueue, feed, resync, self_key, work};
use crate::api::service::endpoints_for;
use crate::api::wire::DeleteOptions;
use crate::api::{Endpoints, Kind, Pod, Service, new_object};
use crate::control::ops;
use crate::control::store::{Store, StoreError, Subresource, WatchEvent};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Services of the pod's namespace whose selector matches the pod's labels
/// now or before the change.
fn services_of(store: &Store, ev: &WatchEvent) -> Vec<Key> {
    let m = ev.obj.meta();
    let before = ev.prev.as_ref().map(|p| p.meta().labels.clone());
    store
        .list::<Service>(Some(&m.namespace))
        .into_iter()
        .filter(|s| {
            let sel = &s.spec.selector;
            let hit = |labels: &std::collections::BTreeMap<String, String>| {
                !sel.is_empty() && sel.iter().all(|(k, v)| labels.get(k) == Some(v))
            };
            hit(&m.labels) || before.as_ref().is_some_and(hit)
        })
        .map(|s| (s.metadata.namespace.clone(), s.metadata.name.clone()))
        .collect()
}

async fn sync(store: &Store, (ns, name): Key) -> Result<Option<Duration>, StoreError> {
    let Some(svc) = store.get::<Service>(&ns, &name) else {
        if store.get::<Endpoints>(&ns, &name).is_some() {
            store
                .txn(move |tx| {
                    match ops::delete(tx, Kind::Endpoints, &ns, &name, &DeleteOptions::default()) {
                        Ok(_) | Err(StoreError::NotFound { .. }) => Ok(()),
                        Err(e) => Err(e),
                    }
                })
                .await?;
        }
        return Ok(None);
    };
    if svc.metadata.is_terminating() {
        return Ok(None);
    }
    let pods: Vec<Arc<Pod>> = store.list::<Pod>(Some(&ns));
    let refs: Vec<&Pod> = pods.iter().map(Arc::as_ref).collect();
    let subsets = endpoints_for(&svc, &refs);
    let current = store.get::<Endpoints>(&ns, &name);
    if current
        .as_ref()
        .is_some_and(|e| e.subsets == subsets && e.metadata.labels == svc.metadata.labels)
    {
        return Ok(None);
    }
    let labels = svc.metadata.labels.clone();
    let owner = svc.metadata.uid.clone();
    store
        .txn(move |tx| {
            match tx.get::<Endpoints>(&ns, &name) {
                Some(old) => {
                    let mut e = old.as_ref().clone();
                    e.subsets = subsets;
                    e.metadata.labels = labels;
                    tx.update(e, Subresource::Main)?;
                }
                None => {
                    let mut e: Endpoints = new_object(&ns, &name);
                    e.subsets = subsets;
                    e.metadata.labels = labels;
                    e.metadata
                        .annotations
                        .insert("ork.dev/service-uid".into(), owner);
                    tx.create(e)?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(None)
}

pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    let q = WorkQueue::new();
    feed(
        store.clone(),
        Kind::Service,
        q.clone(),
        self_key,
        shutdown.clone(),
    );
    let s2 = store.clone();
    feed(
        store.clone(),
        Kind::Pod,
        q.clone(),
        move |ev| services_of(&s2, ev),
        shutdown.clone(),
    );
    // An Endpoints changed or deleted by hand is put back.
    feed(
        store.clone(),
        Kind::Endpoints,
        q.clone(),
        self_key,
        shutdown.clone(),
    );
    resync(store.clone(), Kind::Service, q.clone(), shutdown.clone());
    work(
        "endpoints",
        q,
        move |key| {
            let store = store.clone();
            async move { sync(&store, key).await }
        },
        shutdown,
    );
}
