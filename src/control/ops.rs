//! Object lifecycle rules shared by the API and the controllers, run inside
//! store transactions: how deleting each kind works.
//!
//! # Deletion
//!
//! - A pod bound to a Ready node is marked (`deletionTimestamp`, grace
//!   period); its node stops it (SIGTERM, then SIGKILL after the grace) and
//!   then removes the object. A pod that is not bound, finished, on a node that
//!   is not Ready, or deleted with grace 0 is removed at once; a node that comes
//!   back stops whatever is no longer bound to it.
//! - A namespace is marked Terminating; the garbage collector empties it and
//!   removes it. `default` cannot be deleted.
//! - Everything else is removed at once. Dependents (by ownerReferences) are
//!   then removed by the garbage collector (`Background`), or released
//!   (`Orphan`). With `Foreground` the object stays, marked and with the
//!   `foregroundDeletion` finalizer, until the garbage collector has removed
//!   its blocking dependents.
//! - An object with the `orphan` finalizer, deleted without a policy of the
//!   request's own, has its dependents released in the same transaction,
//!   and the finalizer goes with that (Kubernetes' garbage collector does
//!   the same a moment later).
//! - An object with `metadata.finalizers` (a pod too, once stopped) stays,
//!   marked, until the last finalizer is removed by an update
//!   (`ObjectMeta::finalized`); then it goes.

use crate::api::meta::{FOREGROUND_DELETION, ORPHAN};
use crate::api::wire::{DeleteOptions, Propagation};
use crate::api::{AnyObject, Kind, Namespace, Node, Object, Pod, Time};
use crate::control::store::{Preconditions, StoreError, Tx};

/// The outcome of a delete: the object (its last state, or its terminating
/// state) and whether it is gone from the store.
pub struct Deleted {
    pub object: AnyObject,
    pub gone: bool,
}

/// Deletes (or starts deleting) an object as the module documentation says.
pub fn delete(
    tx: &mut Tx<'_>,
    kind: Kind,
    ns: &str,
    name: &str,
    opts: &DeleteOptions,
) -> Result<Deleted, StoreError> {
    let ns = if kind.namespaced() { ns } else { "" };
    let obj = tx.require_any(kind, ns, name)?;
    if let Some(pre) = &opts.preconditions {
        pre.check(&obj)?;
    }
    match &obj {
        AnyObject::Pod(p) => delete_pod(tx, p, opts),
        AnyObject::Namespace(n) => delete_namespace(tx, n),
        AnyObject::PersistentVolumeClaim(_) if !claim_users(tx, ns, name).is_empty() => {
            Err(StoreError::Conflict {
                kind,
                name: name.to_string(),
                message: format!(
                    "persistentvolumeclaim {name:?} is in use by pod(s) {}: delete them first (the claim's data goes with the claim)",
                    claim_users(tx, ns, name).join(", ")
                ),
            })
        }
        _ => {
            let finalizers = &obj.meta().finalizers;
            let orphan_finalizer = finalizers.iter().any(|f| f == ORPHAN);
            // A policy the request names wins over the object's `orphan`
            // finalizer, as in Kubernetes.
            let named = opts.propagation_policy.is_some() || opts.orphan_dependents.is_some();
            let propagation = if orphan_finalizer && !named {
                Propagation::Orphan
            } else {
                opts.propagation()
            };
            if propagation == Propagation::Orphan {
                orphan_dependents(tx, &obj.meta().uid)?;
            }
            // The `orphan` finalizer's work is done (or was declined) here.
            let held = finalizers.iter().any(|f| f != ORPHAN);
            let foreground = propagation == Propagation::Foreground;
            if foreground || held {
                return mark_deleting(tx, &obj, 0, foreground);
            }
            let object = tx.delete_any(kind, ns, name, Preconditions::default())?;
            Ok(Deleted { object, gone: true })
        }
    }
}

/// Marks an object that cannot go yet (it has finalizers, or waits for its
/// dependents): `deletionTimestamp` is set once and kept, and with
/// `foreground` the `foregroundDeletion` finalizer is added.
fn mark_deleting(
    tx: &mut Tx<'_>,
    obj: &AnyObject,
    grace: i64,
    foreground: bool,
) -> Result<Deleted, StoreError> {
    let m = obj.meta();
    let at = m.deletion_timestamp.unwrap_or_else(|| tx.now());
    let (kind, ns, name) = (obj.kind(), m.namespace.clone(), m.name.clone());
    let marked = crate::with_kind!(kind, T => tx
        .set_deletion::<T>(&ns, &name, at, grace, |o| {
            let f = &mut o.meta_mut().finalizers;
            f.retain(|x| x != ORPHAN);
            if foreground && !f.iter().any(|x| x == FOREGROUND_DELETION) {
                f.push(FOREGROUND_DELETION.into());
            }
        })
        .map(|o| (*o).clone().into_any()))?;
    Ok(Deleted {
        object: marked,
        gone: false,
    })
}

/// Active pods of a namespace that mount a claim.
fn claim_users(tx: &Tx<'_>, ns: &str, claim: &str) -> Vec<String> {
    tx.list::<Pod>(Some(ns))
        .iter()
        .filter(|p| p.is_active() && crate::api::volume::claims_of(&p.spec).contains(&claim))
        .map(|p| p.metadata.name.clone())
        .collect()
}

fn delete_pod(tx: &mut Tx<'_>, p: &Pod, opts: &DeleteOptions) -> Result<Deleted, StoreError> {
    let grace = opts
        .grace_period_seconds
        .unwrap_or_else(|| p.grace_seconds())
        .max(0);
    let node_ready = !p.spec.node_name.is_empty()
        && tx
            .get::<Node>("", &p.spec.node_name)
            .is_some_and(|n| n.is_ready());
    let (ns, name) = (&p.metadata.namespace, &p.metadata.name);
    if grace == 0 || !node_ready || p.is_terminal() {
        if !p.metadata.finalizers.is_empty() {
            // Stopped (or never started), but held by its finalizers.
            return mark_deleting(tx, &p.clone().into_any(), 0, false);
        }
        let object = tx.delete_any(Kind::Pod, ns, name, Preconditions::default())?;
        return Ok(Deleted { object, gone: true });
    }
    let now = tx.now();
    let deadline = Time(now.0 + chrono::Duration::seconds(grace));
    if let Some(existing) = p.metadata.deletion_timestamp
        && existing <= deadline
    {
        // Already terminating with an earlier or equal deadline.
        return Ok(Deleted {
            object: p.clone().into_any(),
            gone: false,
        });
    }
    let marked = tx.set_deletion::<Pod>(ns, name, deadline, grace, |_| {})?;
    Ok(Deleted {
        object: (*marked).clone().into_any(),
        gone: false,
    })
}

fn delete_namespace(tx: &mut Tx<'_>, n: &Namespace) -> Result<Deleted, StoreError> {
    let name = n.metadata.name.clone();
    if name == crate::api::DEFAULT_NAMESPACE {
        return Err(StoreError::Forbidden(
            "the default namespace cannot be deleted".into(),
        ));
    }
    let empty = Kind::ALL
        .into_iter()
        .filter(|k| k.namespaced())
        .all(|k| namespace_is_empty(tx, k, &name));
    if empty {
        let object = tx.delete_any(Kind::Namespace, "", &name, Preconditions::default())?;
        return Ok(Deleted { object, gone: true });
    }
    let now = tx.now();
    let marked = tx.set_deletion::<Namespace>("", &name, now, 0, |ns| {
        ns.status.phase = "Terminating".into();
    })?;
    Ok(Deleted {
        object: (*marked).clone().into_any(),
        gone: false,
    })
}

/// Whether a namespace holds no objects of a kind.
pub fn namespace_is_empty(tx: &Tx<'_>, kind: Kind, ns: &str) -> bool {
    crate::with_kind!(kind, T => tx.list::<T>(Some(ns)).is_empty())
}

fn orphan_dependents(tx: &mut Tx<'_>, uid: &str) -> Result<(), StoreError> {
    for dep in tx.owned_by(uid) {
        crate::dispatch!(&dep, o => {
            let mut o = (**o).clone();
            o.meta_mut().owner_references.retain(|r| r.uid != uid);
            o.meta_mut().resource_version.clear();
            tx.update(o, crate::control::store::Subresource::Main)?;
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::testing::Build;
    use crate::api::{Deployment, new_object};
    use crate::control::store::Store;
    use crate::control::store::testing::temp_store;

    fn pod(name: &str, node: &str) -> Pod {
        Pod::test(name).on_node(node)
    }

    async fn ready_node(s: &Store, name: &str) {
        s.create(Node::test(name)).await.unwrap();
    }

    async fn del(
        s: &Store,
        kind: Kind,
        ns: &str,
        name: &str,
        opts: DeleteOptions,
    ) -> Result<bool, StoreError> {
        let (ns, name) = (ns.to_string(), name.to_string());
        s.txn(move |tx| delete(tx, kind, &ns, &name, &opts).map(|d| d.gone))
            .await
    }

    #[tokio::test]
    async fn a_pod_on_a_ready_node_terminates_gracefully() {
        let s = temp_store().await;
        ready_node(&s, "n1").await;
        s.create(pod("a", "n1")).await.unwrap();
        let gone = del(&s, Kind::Pod, "default", "a", DeleteOptions::default())
            .await
            .unwrap();
        assert!(!gone);
        let p = s.get::<Pod>("default", "a").unwrap();
        assert_eq!(p.metadata.deletion_grace_period_seconds, Some(30));
        assert!(p.metadata.is_terminating());
        // Deleting again with grace 0 removes it.
        let opts = DeleteOptions {
            grace_period_seconds: Some(0),
            ..Default::default()
        };
        assert!(del(&s, Kind::Pod, "default", "a", opts).await.unwrap());
        assert!(s.get::<Pod>("default", "a").is_none());
    }

    #[tokio::test]
    async fn a_pod_without_a_ready_node_is_removed_at_once() {
        let s = temp_store().await;
        s.create(pod("unbound", "")).await.unwrap();
        s.create(pod("lost", "gone-node")).await.unwrap();
        assert!(
            del(
                &s,
                Kind::Pod,
                "default",
                "unbound",
                DeleteOptions::default()
            )
            .await
            .unwrap()
        );
        assert!(
            del(&s, Kind::Pod, "default", "lost", DeleteOptions::default())
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_default_namespace_cannot_be_deleted_and_others_terminate() {
        let s = temp_store().await;
        assert!(matches!(
            del(&s, Kind::Namespace, "", "default", DeleteOptions::default()).await,
            Err(StoreError::Forbidden(_))
        ));
        s.create(new_object::<Namespace>("", "empty"))
            .await
            .unwrap();
        assert!(
            del(&s, Kind::Namespace, "", "empty", DeleteOptions::default())
                .await
                .unwrap()
        );
        s.create(new_object::<Namespace>("", "full")).await.unwrap();
        let mut p = pod("a", "");
        p.metadata.namespace = "full".into();
        s.create(p).await.unwrap();
        assert!(
            !del(&s, Kind::Namespace, "", "full", DeleteOptions::default())
                .await
                .unwrap()
        );
        let n = s.get::<Namespace>("", "full").unwrap();
        assert_eq!(n.status.phase, "Terminating");
        let mut p2 = pod("b", "");
        p2.metadata.namespace = "full".into();
        assert!(matches!(s.create(p2).await, Err(StoreError::Forbidden(_))));
    }

    #[tokio::test]
    async fn orphan_propagation_releases_dependents() {
        let s = temp_store().await;
        let d = s.create(Deployment::test("web", 1)).await.unwrap();
        s.create(pod("a", "").owned_by(d.as_ref())).await.unwrap();
        let opts = DeleteOptions {
            propagation_policy: Some(Propagation::Orphan),
            ..Default::default()
        };
        assert!(
            del(&s, Kind::Deployment, "default", "web", opts)
                .await
                .unwrap()
        );
        let p = s.get::<Pod>("default", "a").unwrap();
        assert!(p.metadata.owner_references.is_empty());
    }

    #[tokio::test]
    async fn the_orphan_finalizer_releases_dependents_unless_the_request_names_a_policy() {
        let s = temp_store().await;
        let owned = |name: &str, finalizers: &[&str]| {
            let mut d = Deployment::test(name, 1);
            d.metadata.finalizers = finalizers.iter().map(|f| f.to_string()).collect();
            d
        };
        // Alone: the dependents are released and the owner goes at once.
        let d = s.create(owned("web", &[ORPHAN])).await.unwrap();
        s.create(pod("a", "").owned_by(d.as_ref())).await.unwrap();
        assert!(
            del(
                &s,
                Kind::Deployment,
                "default",
                "web",
                DeleteOptions::default()
            )
            .await
            .unwrap()
        );
        assert!(
            s.get::<Pod>("default", "a")
                .unwrap()
                .metadata
                .owner_references
                .is_empty()
        );
        // Beside another finalizer: released, and the owner waits for the other.
        let d = s
            .create(owned("api", &[ORPHAN, "example.com/keep"]))
            .await
            .unwrap();
        s.create(pod("b", "").owned_by(d.as_ref())).await.unwrap();
        assert!(
            !del(
                &s,
                Kind::Deployment,
                "default",
                "api",
                DeleteOptions::default()
            )
            .await
            .unwrap()
        );
        assert!(
            s.get::<Pod>("default", "b")
                .unwrap()
                .metadata
                .owner_references
                .is_empty()
        );
        let held = s.get::<Deployment>("default", "api").unwrap();
        assert_eq!(held.metadata.finalizers, ["example.com/keep"]);
        // A request naming Background: the dependents stay owned (the
        // collector deletes them), and the finalizer does not hold the owner.
        let d = s.create(owned("db", &[ORPHAN])).await.unwrap();
        s.create(pod("c", "").owned_by(d.as_ref())).await.unwrap();
        let background = DeleteOptions {
            propagation_policy: Some(Propagation::Background),
            ..Default::default()
        };
        assert!(
            del(&s, Kind::Deployment, "default", "db", background)
                .await
                .unwrap()
        );
        assert_eq!(
            s.get::<Pod>("default", "c")
                .unwrap()
                .metadata
                .owner_references
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn finalizers_hold_a_deleted_object_until_the_last_is_removed() {
        let s = temp_store().await;
        let mut cm: crate::api::ConfigMap = new_object("default", "held");
        cm.metadata.finalizers = vec!["example.com/keep".into(), "example.com/b".into()];
        s.create(cm).await.unwrap();
        let gone = del(
            &s,
            Kind::ConfigMap,
            "default",
            "held",
            DeleteOptions::default(),
        )
        .await
        .unwrap();
        assert!(!gone, "held by its finalizers");
        let held = s.get::<crate::api::ConfigMap>("default", "held").unwrap();
        assert!(held.metadata.is_terminating());
        // Deleting again keeps the first deletion's timestamp.
        del(
            &s,
            Kind::ConfigMap,
            "default",
            "held",
            DeleteOptions::default(),
        )
        .await
        .unwrap();
        let again = s.get::<crate::api::ConfigMap>("default", "held").unwrap();
        assert_eq!(
            again.metadata.deletion_timestamp,
            held.metadata.deletion_timestamp
        );
        // No finalizer may be added now.
        let mut more = (*again).clone();
        more.metadata.finalizers.push("example.com/new".into());
        let err = s.update(more).await.unwrap_err().to_string();
        assert!(err.contains("no new finalizers"), "{err}");
        // Removing one keeps it; removing the last removes it.
        let mut one = (*again).clone();
        one.metadata.finalizers = vec!["example.com/b".into()];
        s.update(one).await.unwrap();
        assert!(s.get::<crate::api::ConfigMap>("default", "held").is_some());
        let mut none = (*s.get::<crate::api::ConfigMap>("default", "held").unwrap()).clone();
        none.metadata.finalizers.clear();
        s.update(none).await.unwrap();
        assert!(s.get::<crate::api::ConfigMap>("default", "held").is_none());
    }

    #[tokio::test]
    async fn foreground_deletion_marks_the_owner_and_keeps_it() {
        let s = temp_store().await;
        s.create(Deployment::test("web", 1)).await.unwrap();
        let opts = DeleteOptions {
            propagation_policy: Some(Propagation::Foreground),
            ..Default::default()
        };
        assert!(
            !del(&s, Kind::Deployment, "default", "web", opts)
                .await
                .unwrap()
        );
        let d = s.get::<Deployment>("default", "web").unwrap();
        assert!(d.metadata.deleting_in_foreground());
        assert_eq!(d.metadata.finalizers, [FOREGROUND_DELETION]);
    }

    #[tokio::test]
    async fn a_stopped_pod_with_a_finalizer_stays_until_it_is_removed() {
        let s = temp_store().await;
        let mut p = pod("a", "");
        p.metadata.finalizers = vec!["example.com/keep".into()];
        s.create(p).await.unwrap();
        assert!(
            !del(&s, Kind::Pod, "default", "a", DeleteOptions::default())
                .await
                .unwrap()
        );
        let mut p = (*s.get::<Pod>("default", "a").unwrap()).clone();
        assert_eq!(p.metadata.deletion_grace_period_seconds, Some(0));
        p.metadata.finalizers.clear();
        s.update(p).await.unwrap();
        assert!(s.get::<Pod>("default", "a").is_none());
    }
}
