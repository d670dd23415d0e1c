//! Disruption controller: keeps each PodDisruptionBudget's status (pods
//! expected, desired and currently healthy, disruptions allowed, the
//! `DisruptionAllowed` condition) in step with its pods, as Kubernetes'
//! disruption controller does. The Eviction subresource reads that status
//! and takes one disruption for each pod it evicts.
//!
//! The arithmetic is [`crate::api::pdb::status_for`], pure; this module
//! only finds the pods a budget covers and the scale of their controllers
//! (a Deployment's replicas for its ReplicaSets' pods, a ReplicaSet's or a
//! StatefulSet's own), and writes the result. A covered pod with no such
//! controller makes a percentage or `maxUnavailable` budget fail safe
//! (no disruption allowed), as in Kubernetes.
//!
//! Imports the API types and the store; nothing of the node or the CLI.

use super::{Controller, Key, self_key};
use crate::api::pdb::{DELETION_TIMEOUT, PodDisruptionBudget, status_for};
use crate::api::statefulset::StatefulSet;
use crate::api::{Deployment, Kind, Object, Pod, ReplicaSet, Time};
use crate::control::events::{EventType, Recorder};
use crate::control::store::{Store, StoreError, Subresource};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const EVENTS: Recorder = Recorder("controllermanager");

/// The pods' controllers' wanted replicas, summed once per controller.
fn expected_from_controllers(store: &Store, pods: &[Arc<Pod>]) -> Result<i32, String> {
    let mut scales: BTreeMap<String, i32> = BTreeMap::new();
    for p in pods {
        let ns = &p.metadata.namespace;
        let none = || format!("found no controllers for pod {:?}", p.metadata.name);
        let owner = p.metadata.controller().ok_or_else(none)?;
        let (uid, scale) = match owner.kind.as_str() {
            "ReplicaSet" => {
                let rs = store
                    .get::<ReplicaSet>(ns, &owner.name)
                    .filter(|rs| rs.metadata.uid == owner.uid)
                    .ok_or_else(none)?;
                match rs.metadata.controller().filter(|c| c.kind == "Deployment") {
                    Some(d) => {
                        let dep = store
                            .get::<Deployment>(ns, &d.name)
                            .filter(|x| x.metadata.uid == d.uid)
                            .ok_or_else(none)?;
                        (dep.metadata.uid.clone(), dep.replicas())
                    }
                    None => (rs.metadata.uid.clone(), rs.replicas()),
                }
            }
            "StatefulSet" => {
                let s = store
                    .get::<StatefulSet>(ns, &owner.name)
                    .filter(|s| s.metadata.uid == owner.uid)
                    .ok_or_else(none)?;
                (s.metadata.uid.clone(), s.replicas())
            }
            _ => return Err(none()),
        };
        scales.insert(uid, scale);
    }
    Ok(scales.values().sum())
}

async fn sync(store: &Store, key: Key) -> Result<Option<Duration>, StoreError> {
    let Some(pdb) = store.get::<PodDisruptionBudget>(&key.0, &key.1) else {
        return Ok(None);
    };
    let pods: Vec<Arc<Pod>> = store
        .list::<Pod>(Some(&key.0))
        .into_iter()
        .filter(|p| pdb.covers(p))
        .collect();
    let expected = if pdb.needs_scale() {
        expected_from_controllers(store, &pods)
    } else {
        Ok(0)
    };
    let now = Time::now();
    let refs: Vec<&Pod> = pods.iter().map(|p| p.as_ref()).collect();
    let status = status_for(&pdb, &refs, expected.clone(), now);
    // Look again when the oldest pending eviction times out.
    let requeue = status
        .disrupted_pods
        .values()
        .min()
        .and_then(|t| (t.0 + DELETION_TIMEOUT - now.0).to_std().ok())
        .map(|d| d + Duration::from_millis(100));
    let failed = expected.err().filter(|_| pdb.needs_scale());
    let seen = pdb.status.disrupted_pods.clone();
    let same = |a: &crate::api::pdb::PodDisruptionBudgetStatus| {
        let mut a = a.clone();
        let mut b = status.clone();
        // Transition times alone are no change.
        a.conditions
            .iter_mut()
            .for_each(|c| c.last_transition_time = None);
        b.conditions
            .iter_mut()
            .for_each(|c| c.last_transition_time = None);
        a == b
    };
    if same(&pdb.status) {
        return Ok(requeue);
    }
    store
        .txn(move |tx| {
            let Some(cur) = tx.get::<PodDisruptionBudget>(&key.0, &key.1) else {
                return Ok(());
            };
            if cur.metadata.uid != pdb.metadata.uid {
                return Ok(());
            }
            if let Some(why) = &failed {
                EVENTS.record(
                    tx,
                    cur.as_ref(),
                    EventType::Warning,
                    "CalculateExpectedPodCountFailed",
                    &format!("Failed to calculate the number of expected pods: {why}"),
                )?;
            }
            tx.mutate::<PodDisruptionBudget, _>(&key.0, &key.1, Subresource::Status, move |b| {
                // Evictions since our read took disruptions: keep their marks.
                let mut status = status;
                for (pod, at) in &b.status.disrupted_pods {
                    if !seen.contains_key(pod) && !status.disrupted_pods.contains_key(pod) {
                        status.disrupted_pods.insert(pod.clone(), *at);
                        status.current_healthy -= 1;
                        status.disruptions_allowed = (status.disruptions_allowed - 1).max(0);
                    }
                }
                let changed = b.status != status;
                b.status = status;
                Ok(changed)
            })?;
            Ok(())
        })
        .await?;
    Ok(requeue)
}

/// The budgets covering a pod.
fn budgets_of(store: &Store, p: &Pod) -> Vec<Key> {
    store
        .list::<PodDisruptionBudget>(Some(&p.metadata.namespace))
        .iter()
        .filter(|b| b.covers(p))
        .map(|b| (b.metadata.namespace.clone(), b.metadata.name.clone()))
        .collect()
}

/// Every budget of the namespace of a changed object (a controller's
/// scale moves the expected count).
fn budgets_in(store: &Store, ns: &str) -> Vec<Key> {
    store
        .list::<PodDisruptionBudget>(Some(ns))
        .iter()
        .map(|b| (b.metadata.namespace.clone(), b.metadata.name.clone()))
        .collect()
}

/// Starts the controller: budgets are looked at when they, a pod they
/// cover, or a workload of their namespace change.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    let (a, b, c) = (store.clone(), store.clone(), store.clone());
    Controller::new("disruption", store, shutdown)
        .watch(Kind::PodDisruptionBudget, self_key)
        .watch(Kind::Pod, move |ev| {
            let mut keys = Pod::from_any(&ev.obj)
                .map(|p| budgets_of(&a, p))
                .unwrap_or_default();
            if let Some(old) = ev.prev.as_ref().and_then(Pod::from_any) {
                keys.extend(budgets_of(&a, old));
            }
            keys
        })
        .watch(Kind::Deployment, move |ev| {
            budgets_in(&b, &ev.obj.meta().namespace)
        })
        .watch(Kind::StatefulSet, move |ev| {
            budgets_in(&c, &ev.obj.meta().namespace)
        })
        .run(Kind::PodDisruptionBudget, |store, key| async move {
            sync(&store, key).await
        });
}
