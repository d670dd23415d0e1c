//! NoExecute taints: pods on a node with a `NoExecute` taint they do not
//! tolerate are evicted (deleted gracefully, with a `TaintManagerEviction`
//! event); a pod that tolerates it for `tolerationSeconds` is evicted once
//! that long has passed since the taint was added. The decision is the pure
//! [`due`]; the loop around it sweeps every second.
//!
//! This module must not import `http`.

use crate::api::Kind;
use crate::api::placement::Taint;
use crate::api::wire::DeleteOptions;
use crate::api::{Node, Pod, Time};
use crate::control::events::{EventType, Recorder};

const EVENTS: Recorder = Recorder("taint-eviction-controller");
use crate::control::ops;
use crate::control::store::{Preconditions, Store};
use std::time::Duration;
use tokio::sync::watch;

const SWEEP: Duration = Duration::from_secs(1);

/// Whether a pod on a node with these taints must be evicted at `now`, and
/// the taint that decides it.
pub fn due<'a>(pod: &Pod, taints: &'a [Taint], now: Time) -> Option<&'a Taint> {
    taints.iter().filter(|t| t.effect == "NoExecute").find(|t| {
        let matching: Vec<_> = pod
            .spec
            .tolerations
            .iter()
            .filter(|tol| tol.tolerates(t))
            .collect();
        if matching.is_empty() {
            return true;
        }
        // Tolerated for ever unless every matching toleration has a limit;
        // then the longest one counts.
        if matching.iter().any(|tol| tol.toleration_seconds.is_none()) {
            return false;
        }
        let secs = matching
            .iter()
            .filter_map(|tol| tol.toleration_seconds)
            .max()
            .unwrap_or(0)
            .max(0);
        let added = t.time_added.unwrap_or(now);
        added.seconds_until(&now) >= secs
    })
}

pub fn start(store: Store, mut shutdown: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => return,
            }
            sweep(&store).await;
        }
    });
}

async fn sweep(store: &Store) {
    let now = Time::now();
    for node in store.list::<Node>(None) {
        if !node.spec.taints.iter().any(|t| t.effect == "NoExecute") {
            continue;
        }
        for pod in store.pods_on_node(&node.metadata.name) {
            if pod.metadata.is_terminating() {
                continue;
            }
            let Some(t) = due(&pod, &node.spec.taints, now) else {
                continue;
            };
            let (ns, name, uid) = (
                pod.metadata.namespace.clone(),
                pod.metadata.name.clone(),
                pod.metadata.uid.clone(),
            );
            let message = format!(
                "Marking for deletion Pod {ns}/{name}: node {:?} has taint {} with effect NoExecute",
                node.metadata.name,
                t.describe()
            );
            tracing::info!(pod = %name, node = %node.metadata.name, "evicting a pod for a NoExecute taint");
            let r = store
                .txn(move |tx| {
                    let opts = DeleteOptions {
                        preconditions: Some(Preconditions {
                            uid: Some(uid),
                            ..Default::default()
                        }),
                        ..Default::default()
                    };
                    ops::delete(tx, Kind::Pod, &ns, &name, &opts)?;
                    EVENTS.record(
                        tx,
                        pod.as_ref(),
                        EventType::Normal,
                        "TaintManagerEviction",
                        &message,
                    )
                })
                .await;
            if let Err(e) = r {
                tracing::debug!(error = %e, "eviction failed; the next sweep retries");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::placement::Toleration;

    fn at(secs: i64) -> Time {
        Time(chrono::DateTime::from_timestamp(secs, 0).unwrap())
    }

    #[test]
    fn no_execute_evicts_unless_tolerated_and_honours_toleration_seconds() {
        let taint = Taint {
            key: "maintenance".into(),
            value: String::new(),
            effect: "NoExecute".into(),
            time_added: Some(at(1000)),
        };
        let soft = Taint {
            effect: "NoSchedule".into(),
            ..taint.clone()
        };
        let mut p = Pod::default();
        assert!(due(&p, std::slice::from_ref(&taint), at(1000)).is_some());
        assert!(
            due(&p, &[soft], at(1000)).is_none(),
            "NoSchedule never evicts"
        );
        p.spec.tolerations = vec![Toleration {
            key: "maintenance".into(),
            operator: "Exists".into(),
            toleration_seconds: Some(30),
            ..Default::default()
        }];
        assert!(due(&p, std::slice::from_ref(&taint), at(1029)).is_none());
        assert!(due(&p, std::slice::from_ref(&taint), at(1030)).is_some());
        p.spec.tolerations[0].toleration_seconds = None;
        assert!(
            due(&p, std::slice::from_ref(&taint), at(99_999)).is_none(),
            "tolerated for ever"
        );
    }
}
