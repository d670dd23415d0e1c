//! Garbage collection: removes what nothing should keep.
//!
//! - Dependents of a deleted owner (by `ownerReferences`), as soon as the
//!   owner's deletion is seen, and in a periodic sweep for any missed.
//! - Owners deleted in the foreground (`foregroundDeletion` finalizer): their
//!   dependents first (in the foreground too when they own objects
//!   themselves; a dependent another live owner keeps loses only this
//!   reference), then, once no dependent with `blockOwnerDeletion` is left,
//!   the finalizer, which lets the owner go ([`foreground_step`]).
//! - The contents of a Terminating namespace, then the namespace.
//! - Pods bound to a node that no longer exists (a pod that names a node
//!   that never registered waits Pending for it, with a `NodeNotFound`
//!   warning).

use crate::api::meta::FOREGROUND_DELETION;
use crate::api::wire::{DeleteOptions, Propagation};
use crate::api::{AnyObject, Kind, Namespace, Node, Object, Pod};
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

/// What the collector does next for an owner deleted in the foreground.
#[derive(Debug, Default, PartialEq)]
pub struct ForegroundStep {
    /// Dependents to delete, each with whether it goes in the foreground
    /// too (it owns objects of its own).
    pub delete: Vec<(Ref, bool)>,
    /// Dependents another live owner keeps: only the reference to this
    /// owner is removed.
    pub release: Vec<Ref>,
    /// Whether the owner's `foregroundDeletion` finalizer can go: no
    /// dependent that blocks its deletion is left.
    pub done: bool,
}

/// The next step of the foreground deletion of the owner `uid`, from its
/// dependents; `owns(uid)` says whether an object owns others, `kept(r)`
/// whether an owner reference of a dependent names another owner that
/// exists and is not being deleted.
pub fn foreground_step(
    uid: &str,
    dependents: &[AnyObject],
    owns: impl Fn(&str) -> bool,
    kept: impl Fn(&AnyObject, &crate::api::OwnerReference) -> bool,
) -> ForegroundStep {
    let mut step = ForegroundStep::default();
    let mut blocking = 0;
    for d in dependents {
        let m = d.meta();
        let Some(mine) = m.owner_references.iter().find(|r| r.uid == uid) else {
            continue;
        };
        if m.owner_references
            .iter()
            .any(|r| r.uid != uid && kept(d, r))
        {
            step.release.push(ref_of(d));
            continue;
        }
        if mine.block_owner_deletion == Some(true) {
            blocking += 1;
        }
        if !m.is_terminating() {
            step.delete.push((ref_of(d), owns(&m.uid)));
        }
    }
    step.done = blocking == 0;
    step
}

/// Takes the foreground deletion of `owner` one step further, in one
/// transaction.
async fn advance_foreground(store: &Store, owner: Ref) {
    let r = store
        .txn(move |tx| {
            let (kind, ns, name) = &owner;
            let Some(o) = tx.get_any(*kind, ns, name) else {
                return Ok(());
            };
            if !o.meta().deleting_in_foreground() {
                return Ok(());
            }
            let uid = o.meta().uid.clone();
            let deps = tx.owned_by(&uid);
            let step = {
                let tx = &*tx;
                foreground_step(
                    &uid,
                    &deps,
                    |u| !tx.owned_by(u).is_empty(),
                    |d, r| {
                        let Some(k) = Kind::from_type_meta(&r.api_version, &r.kind) else {
                            return false;
                        };
                        let ns = if k.namespaced() {
                            &d.meta().namespace
                        } else {
                            ""
                        };
                        tx.get_any(k, ns, &r.name)
                            .is_some_and(|o| o.meta().uid == r.uid && !o.meta().is_terminating())
                    },
                )
            };
            for d in &step.release {
                crate::with_kind!(d.0, T => {
                    tx.mutate::<T, _>(&d.1, &d.2, crate::control::store::Subresource::Main, |o| {
                        o.meta_mut().owner_references.retain(|r| r.uid != uid);
                        Ok(true)
                    })?;
                });
            }
            for (d, foreground) in &step.delete {
                let opts = DeleteOptions {
                    propagation_policy: foreground.then_some(Propagation::Foreground),
                    ..Default::default()
                };
                delete_quietly(tx, d, &opts)?;
            }
            if step.done {
                crate::with_kind!(*kind, T => {
                    tx.mutate::<T, _>(ns, name, crate::control::store::Subresource::Main, |o| {
                        o.meta_mut().finalizers.retain(|f| f != FOREGROUND_DELETION);
                        Ok(true)
                    })?;
                });
            }
            Ok(())
        })
        .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "foreground deletion failed; the next sweep retries");
    }
}

/// Owners of `obj` that are being deleted in the foreground.
fn foreground_owners(store: &Store, obj: &AnyObject) -> Vec<Ref> {
    obj.meta()
        .owner_references
        .iter()
        .filter_map(|r| {
            let k = Kind::from_type_meta(&r.api_version, &r.kind)?;
            let ns = if k.namespaced() {
                obj.meta().namespace.clone()
            } else {
                String::new()
            };
            let o = store.get_entry(k, &ns, &r.name)?.obj;
            (o.meta().uid == r.uid && o.meta().deleting_in_foreground()).then(|| ref_of(&o))
        })
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
                let finalized = tx
                    .get::<Namespace>("", &name)
                    .is_some_and(|n| n.metadata.finalizers.is_empty());
                if empty && finalized {
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
    let mut foreground = vec![];
    for kind in Kind::ALL {
        let (entries, _) = store.list_entries(kind, None, |_| true);
        for e in entries {
            live.insert(e.obj.meta().uid.clone());
            if e.obj.meta().deleting_in_foreground() {
                foreground.push(ref_of(&e.obj));
            }
            if !e.obj.meta().owner_references.is_empty() {
                all.push(e.obj);
            }
        }
    }
    delete_all(store, orphans(all.iter(), &live), DeleteOptions::default()).await;
    for owner in foreground {
        advance_foreground(store, owner).await;
    }
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
                        if !deleted && ev.obj.meta().deleting_in_foreground() {
                            advance_foreground(&store, ref_of(&ev.obj)).await;
                        }
                        // A dependent going (or starting to): its owners may be done.
                        if deleted || ev.obj.meta().is_terminating() {
                            for owner in foreground_owners(&store, &ev.obj) {
                                advance_foreground(&store, owner).await;
                            }
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

    fn dependent(name: &str, owners: &[(&str, Option<bool>)], terminating: bool) -> AnyObject {
        let mut p: Pod = new_object("default", name);
        p.metadata.uid = format!("uid-{name}");
        p.metadata.owner_references = owners
            .iter()
            .map(|(uid, block)| OwnerReference {
                uid: (*uid).into(),
                kind: "ReplicaSet".into(),
                name: format!("rs-{uid}"),
                api_version: "apps/v1".into(),
                block_owner_deletion: *block,
                ..Default::default()
            })
            .collect();
        if terminating {
            p.metadata.deletion_timestamp = Some(Time::now());
        }
        p.into_any()
    }

    fn pod_ref(name: &str) -> Ref {
        (Kind::Pod, "default".into(), name.into())
    }

    #[test]
    fn foreground_deletion_deletes_dependents_then_lets_the_owner_go() {
        let deps = [
            dependent("a", &[("o", Some(true))], false),
            dependent("b", &[("o", Some(true))], true),
            dependent("c", &[("o", None)], false),
        ];
        let step = foreground_step("o", &deps, |u| u == "uid-a", |_, _| false);
        assert_eq!(
            step.delete,
            vec![(pod_ref("a"), true), (pod_ref("c"), false)],
            "those not yet going are deleted, in the foreground when they own others"
        );
        assert!(step.release.is_empty());
        assert!(!step.done, "two blocking dependents are left");
        // Only a non-blocking dependent left: the owner may go.
        let step = foreground_step("o", &deps[2..], |_| false, |_, _| false);
        assert!(step.done);
        assert!(foreground_step("o", &[], |_| false, |_, _| false).done);
    }

    #[test]
    fn a_dependent_another_live_owner_keeps_is_released_not_deleted() {
        let deps = [dependent("a", &[("o", Some(true)), ("other", None)], false)];
        let step = foreground_step("o", &deps, |_| false, |_, r| r.uid == "other");
        assert_eq!(step.release, vec![pod_ref("a")]);
        assert!(step.delete.is_empty());
        assert!(step.done, "a released dependent does not block");
        // The other owner is gone or going: deleted like the rest.
        let step = foreground_step("o", &deps, |_| false, |_, _| false);
        assert_eq!(step.delete, vec![(pod_ref("a"), false)]);
        assert!(!step.done);
    }
}
