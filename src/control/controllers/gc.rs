//! Garbage collection: removes what nothing should keep.
//!
//! - Dependents of a deleted owner (by `ownerReferences`), as soon as the
//!   owner's deletion is seen, and in a periodic sweep for any missed.
//! - The contents of a Terminating namespace, then the namespace.
//! - Pods bound to a node that no longer exists (a pod that names a node
//!   that never registered waits Pending for it, with a `NodeNotFound`
//!   warning).

use crate::api::wire::DeleteOptions;
use crate::api::{AnyObject, Kind, Namespace, Node, Pod};
use crate::control::ops::{self, namespace_is_empty};
use crate::control::store::{ChangeType, Preconditions, Store, StoreError, Tx};
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::watch;

/// How often the full sweep runs.
pub const SWEEP: Duration = Duration::from_secs(10);

/// `(kind, namespace, name)` of an object.
pub type Ref = (Kind, String, String);

fn ref_of(o: &AnyObject) -> Ref {
    let m = o.meta();
    (o.kind(), m.namespace.clone(), m.name.clone())
}

/// Objects that have owners, none of which exists any more.
pub fn orphans<'a>(
    objects: impl Iterator<Item = &'a AnyObject>,
    live_uids: &HashSet<String>,
) -> Vec<Ref> {
    objects
        .filter(|o| {
            let refs = &o.meta().owner_references;
            !refs.is_empty() && refs.iter().all(|r| !live_uids.contains(&r.uid))
        })
        .map(ref_of)
        .collect()
}

/// Whether a pod was ever placed: bound by the scheduler, or started by a
/// node. One that was not names its node itself (`nodeName` in its
/// manifest) and waits for it.
fn ever_placed(p: &Pod) -> bool {
    crate::api::meta::find_condition(&p.status.conditions, "PodScheduled").is_some()
        || p.status.start_time.is_some()
}

/// Pods bound to nodes that are not registered any more (placed there,
/// then the node went away).
pub fn pods_on_missing_nodes(pods: &[std::sync::Arc<Pod>], nodes: &HashSet<String>) -> Vec<Ref> {
    pods.iter()
        .filter(|p| !p.spec.node_name.is_empty() && !nodes.contains(&p.spec.node_name))
        .filter(|p| ever_placed(p))
        .map(|p| {
            (
                Kind::Pod,
                p.metadata.namespace.clone(),
                p.metadata.name.clone(),
            )
        })
        .collect()
}

/// Pods whose manifest names a node that is not registered: they stay
/// Pending (as in Kubernetes, nothing else places them) with a warning
/// saying why, and run when a node of that name joins.
pub fn pods_waiting_for_their_node<'a>(
    pods: &'a [std::sync::Arc<Pod>],
    nodes: &HashSet<String>,
) -> Vec<&'a std::sync::Arc<Pod>> {
    pods.iter()
        .filter(|p| !p.spec.node_name.is_empty() && !nodes.contains(&p.spec.node_name))
        .filter(|p| !ever_placed(p) && !p.metadata.is_terminating())
        .collect()
}

/// The warning a pod waiting for its node gets.
pub fn node_not_found_message(node: &str) -> String {
    format!(
        "node {node:?} named by spec.nodeName does not exist: the pod stays Pending until a node of that name joins"
    )
}

const EVENTS: crate::control::events::Recorder =
    crate::control::events::Recorder("pod-garbage-collector");

async fn warn_waiting(store: &Store, pods: Vec<std::sync::Arc<Pod>>) {
    if pods.is_empty() {
        return;
    }
    let r = store
        .txn(move |tx| {
            for p in &pods {
                EVENTS.record(
                    tx,
                    p.as_ref(),
                    crate::control::events::EventType::Warning,
                    "NodeNotFound",
                    &node_not_found_message(&p.spec.node_name),
                )?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "recording NodeNotFound events failed; the next sweep retries");
    }
}

fn delete_quietly(tx: &mut Tx<'_>, r: &Ref, opts: &DeleteOptions) -> Result<(), StoreError> {
    match ops::delete(tx, r.0, &r.1, &r.2, opts) {
        Ok(_) | Err(StoreError::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

async fn delete_all(store: &Store, refs: Vec<Ref>, opts: DeleteOptions) {
    if refs.is_empty() {
        return;
    }
    for chunk in refs.chunks(500) {
        let chunk = chunk.to_vec();
        let opts = opts.clone();
        let r = store
            .txn(move |tx| {
                for r in &chunk {
                    delete_quietly(tx, r, &opts)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "garbage collection failed; the next sweep retries");
        }
    }
}

/// Deletes the contents of terminating namespaces, and those namespaces once empty.
async fn finish_namespaces(store: &Store) {
    for ns in store.list::<Namespace>(None) {
        if !ns.metadata.is_terminating() {
            continue;
        }
        let name = ns.metadata.name.clone();
        let mut contents = vec![];
        for kind in Kind::ALL.into_iter().filter(|k| k.namespaced()) {
            let (entries, _) = store.list_entries(kind, Some(&name), |_| true);
            contents.extend(
                entries
                    .iter()
                    .filter(|e| !e.obj.meta().is_terminating())
                    .map(|e| ref_of(&e.obj)),
            );
        }
        delete_all(store, contents, DeleteOptions::default()).await;
        let _ = store
            .txn(move |tx| {
                let empty = Kind::ALL
                    .into_iter()
                    .filter(|k| k.namespaced())
                    .all(|k| namespace_is_empty(tx, k, &name));
                if empty && tx.get::<Namespace>("", &name).is_some() {
                    tx.delete_any(Kind::Namespace, "", &name, Preconditions::default())?;
                }
                Ok(())
            })
            .await;
    }
}

async fn sweep(store: &Store) {
    let mut live = HashSet::new();
    let mut all = vec![];
    for kind in Kind::ALL {
        let (entries, _) = store.list_entries(kind, None, |_| true);
        for e in entries {
            live.insert(e.obj.meta().uid.clone());
            if !e.obj.meta().owner_references.is_empty() {
                all.push(e.obj);
            }
        }
    }
    delete_all(store, orphans(all.iter(), &live), DeleteOptions::default()).await;
    let nodes: HashSet<String> = store
        .list::<Node>(None)
        .iter()
        .map(|n| n.metadata.name.clone())
        .collect();
    let force = DeleteOptions {
        grace_period_seconds: Some(0),
        ..Default::default()
    };
    let pods = store.list::<Pod>(None);
    delete_all(store, pods_on_missing_nodes(&pods, &nodes), force).await;
    let waiting = pods_waiting_for_their_node(&pods, &nodes)
        .into_iter()
        .cloned()
        .collect();
    warn_waiting(store, waiting).await;
    finish_namespaces(store).await;
}

/// Starts the collector: reacts to deletions at once and sweeps periodically.
pub fn start(store: Store, mut shutdown: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP);
        let mut w = store.watch(None, Some(store.revision())).await.ok();
        loop {
            let ev = async {
                match w.as_mut() {
                    Some(w) => w.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = tick.tick() => sweep(&store).await,
                e = ev => match e {
                    Some(Ok(ev)) => {
                        let deleted = ev.type_ == ChangeType::Deleted;
                        let ns_terminating = ev.kind == Kind::Namespace && ev.obj.meta().is_terminating();
                        if deleted {
                            let deps: Vec<Ref> = store.owned_by(&ev.obj.meta().uid).iter().map(ref_of).collect();
                            delete_all(&store, deps, DeleteOptions::default()).await;
                        }
                        if deleted && ev.kind == Kind::Node {
                            let name = ev.obj.meta().name.clone();
                            let pods: Vec<Ref> = store.pods_on_node(&name).iter()
                                .map(|p| (Kind::Pod, p.metadata.namespace.clone(), p.metadata.name.clone())).collect();
                            delete_all(&store, pods, DeleteOptions { grace_period_seconds: Some(0), ..Default::default() }).await;
                        }
                        if ns_terminating {
                            finish_namespaces(&store).await;
                        }
                    }
                    Some(Err(_)) => { w = store.watch(None, Some(store.revision())).await.ok(); sweep(&store).await; }
                    None => return,
                },
                _ = shutdown.changed() => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Object, OwnerReference, Time, new_object};

    fn owned_pod(name: &str, owner_uid: &str) -> AnyObject {
        let mut p: Pod = new_object("default", name);
        if !owner_uid.is_empty() {
            p.metadata.owner_references = vec![OwnerReference {
                uid: owner_uid.into(),
                kind: "ReplicaSet".into(),
                name: "rs".into(),
                api_version: "apps/v1".into(),
                ..Default::default()
            }];
        }
        p.into_any()
    }

    #[test]
    fn objects_whose_owners_are_all_gone_are_orphans() {
        let objs = [
            owned_pod("a", "live"),
            owned_pod("b", "dead"),
            owned_pod("c", ""),
        ];
        let live: HashSet<String> = ["live".to_string()].into();
        let o = orphans(objs.iter(), &live);
        assert_eq!(o, vec![(Kind::Pod, "default".into(), "b".into())]);
    }

    #[test]
    fn pods_of_unregistered_nodes_are_found() {
        let mut a: Pod = new_object("default", "a");
        a.spec.node_name = "n1".into();
        let mut b: Pod = new_object("default", "b");
        b.spec.node_name = "gone".into();
        b.status.start_time = Some(Time::now());
        let c: Pod = new_object("default", "c");
        // Named its node itself and never ran: it waits, it is not deleted.
        let mut d: Pod = new_object("default", "d");
        d.spec.node_name = "foo-node".into();
        let nodes: HashSet<String> = ["n1".to_string()].into();
        let pods = [a.into(), b.into(), c.into(), d.into()];
        let found = pods_on_missing_nodes(&pods, &nodes);
        assert_eq!(found, vec![(Kind::Pod, "default".into(), "b".into())]);
        let waiting: Vec<&str> = pods_waiting_for_their_node(&pods, &nodes)
            .iter()
            .map(|p| p.metadata.name.as_str())
            .collect();
        assert_eq!(waiting, ["d"]);
    }
}
