//! Admission: what happens to an object a client writes after the HTTP layer
//! has decoded it and before the store keeps it. It defaults and allocates
//! what depends on the rest of the cluster (a Service's cluster IP, cluster
//! and node ports, unique across every service) and refuses what other objects
//! forbid. Checks that need the one object only are `api::validation`'s and
//! run in the store; what is generic to every kind (server fields,
//! resourceVersion preconditions, the namespace existing) is the store's.
//!
//! # Expected flow
//!
//! A handler decodes the body and, inside the store transaction that writes
//! it, calls [`create`] or [`update`] here instead of `Tx::create` or
//! `Tx::update`. Admission reads what it needs through the same [`Tx`],
//! changes the object or refuses it, then hands it to the store, which sets
//! the server-owned fields, validates and writes.
//!
//! # Guarantees
//!
//! - Allocation is race-free: it runs inside the transaction that writes the
//!   object, on the store's one writer thread, and sees every committed
//!   write and the earlier writes of its group, so two services never get
//!   the same port, not even from one apply.
//! - What was allocated is kept on update: a re-applied manifest without
//!   ports keeps the ports the service has.
//! - A refusal fails the transaction, so nothing of it is written; it is a
//!   `StoreError::Invalid` naming the field, answered 422 like any
//!   validation error.
//! - An object that fails validation is not allocated for on create; the
//!   store then refuses it naming every field, as it would have anyway.
//! - Status writes pass through untouched.
//!
//! # Caveats
//!
//! - Only client writes pass through here (the HTTP handlers and apply).
//!   Controllers write straight to the store, so they must not create or
//!   change what admission owns (Service ports); a controller that creates
//!   pods does it through [`create_pod`], so quotas and limit ranges bind
//!   its pods as they bind a client's.
//! - It runs on the store's writer thread, like every transaction: it must be
//!   quick and must not block.
//!
//! This module must not import the HTTP layer, controllers or the scheduler.

pub mod cluster_ip;
pub mod limits;
pub mod node;
pub mod policy;
mod ports;
pub mod priority;
pub mod quota;
pub mod service_account;

use crate::api::quota_types::LimitRange;
use crate::api::volume::PersistentVolumeClaim;
use crate::api::{Namespace, Object, Pod, Service};
use crate::control::authz::Identity;
use crate::control::store::{StoreError, Subresource, Tx};
use std::any::Any;
use std::sync::Arc;

/// Admits a new object from `who` and creates it.
pub fn create<T: Object>(
    tx: &mut Tx<'_>,
    who: &Identity,
    mut obj: T,
) -> Result<Arc<T>, StoreError> {
    restrict(tx, who, &obj, None)?;
    admit(tx, &mut obj, None)?;
    // An invalid object is left to the store, which refuses it naming every
    // field, before any quota is charged.
    if T::KIND.namespaced() && obj.validate().is_empty() {
        tx.generate_name(&mut obj)?;
        limit(tx, &mut obj)?;
        quota::charge(tx, &obj)?;
    }
    admit_new(tx, &mut obj)?;
    policy::check(tx, who, "CREATE", Some(&obj), None)?;
    let created = tx.create(obj)?;
    created_hook(tx, created.as_ref())?;
    Ok(created)
}

/// What only a new object goes through: a pod's ServiceAccount.
fn admit_new<T: Object>(tx: &mut Tx<'_>, obj: &mut T) -> Result<(), StoreError> {
    let obj: &mut dyn Any = obj;
    if let Some(pod) = obj.downcast_mut::<Pod>() {
        // An invalid pod is left to the store, which refuses it naming every field.
        if pod.validate().is_empty() {
            service_account::admit_pod(tx, pod)?;
            priority::admit_pod(tx, pod)?;
        }
    }
    Ok(())
}

/// What follows a creation in its transaction: a namespace's `default`
/// ServiceAccount.
fn created_hook<T: Object>(tx: &mut Tx<'_>, obj: &T) -> Result<(), StoreError> {
    let obj: &dyn Any = obj;
    if let Some(ns) = obj.downcast_ref::<Namespace>() {
        service_account::ensure_default(tx, &ns.metadata.name)?;
    }
    Ok(())
}

/// Applies the namespace's LimitRanges to a pod or claim being created.
fn limit<T: Object>(tx: &Tx<'_>, obj: &mut T) -> Result<(), StoreError> {
    let ranges = tx.list::<LimitRange>(Some(obj.namespace()));
    if ranges.is_empty() {
        return Ok(());
    }
    let ranges: Vec<&LimitRange> = ranges.iter().map(|r| r.as_ref()).collect();
    let name = obj.name().to_string();
    let any: &mut dyn Any = obj;
    let verdict = if let Some(p) = any.downcast_mut::<Pod>() {
        limits::admit_pod(&ranges, p)
    } else if let Some(c) = any.downcast_mut::<PersistentVolumeClaim>() {
        limits::admit_claim(&ranges, c)
    } else {
        Ok(())
    };
    verdict.map_err(|why| {
        StoreError::Forbidden(format!("{} {name:?} is forbidden: {why}", T::KIND.plural()))
    })
}

/// Admits a pod a controller creates: its ServiceAccount, the namespace's
/// LimitRanges and ResourceQuotas apply to it as to a client's (a refusal is
/// `StoreError::Forbidden` with Kubernetes' message, and changes nothing),
/// then creates it.
pub fn create_pod(tx: &mut Tx<'_>, mut pod: Pod) -> Result<Arc<Pod>, StoreError> {
    tx.generate_name(&mut pod)?;
    default_new_pod(&mut pod);
    service_account::admit_pod(tx, &mut pod)?;
    priority::admit_pod(tx, &mut pod)?;
    limit(tx, &mut pod)?;
    quota::charge(tx, &pod)?;
    let controllers = Identity::User {
        name: "system:kube-controller-manager".into(),
        role: crate::control::authz::Role::Admin,
    };
    policy::check(tx, &controllers, "CREATE", Some(&pod), None)?;
    tx.create(pod)
}

/// Admits the deletion of an object by `who` (its admission policies);
/// an object that does not exist is left to the delete, which says so.
pub fn deleting<T: Object>(
    tx: &mut Tx<'_>,
    who: &Identity,
    ns: &str,
    name: &str,
) -> Result<(), StoreError> {
    let ns = if T::KIND.namespaced() { ns } else { "" };
    match tx.get::<T>(ns, name) {
        Some(old) => policy::check(tx, who, "DELETE", None, Some(old.as_ref())),
        None => Ok(()),
    }
}

/// Admits a replacement from `who` and writes it. The stored object must
/// exist and match `obj`'s preconditions (checked before anything is
/// allocated).
pub fn update<T: Object>(
    tx: &mut Tx<'_>,
    who: &Identity,
    mut obj: T,
    sub: Subresource,
) -> Result<Arc<T>, StoreError> {
    if sub == Subresource::Main {
        let old = tx.replaced_by(&obj)?;
        restrict(tx, who, &obj, Some(&old))?;
        admit(tx, &mut obj, Some(&old))?;
        policy::check(tx, who, "UPDATE", Some(&obj), Some(old.as_ref()))?;
    }
    tx.update(obj, sub)
}

/// Reads, changes and writes one object as [`Tx::mutate`] does, admitting
/// the changed object as [`update`] does.
pub fn mutate<T: Object>(
    tx: &mut Tx<'_>,
    who: &Identity,
    ns: &str,
    name: &str,
    sub: Subresource,
    f: impl FnOnce(&mut T) -> Result<bool, StoreError>,
) -> Result<Arc<T>, StoreError> {
    tx.mutate_with(ns, name, f, |tx, obj| update(tx, who, obj, sub))
}

/// What a node may write ([`node`]); everyone else is only authorized by route.
fn restrict<T: Object>(
    tx: &Tx<'_>,
    who: &Identity,
    obj: &T,
    old: Option<&T>,
) -> Result<(), StoreError> {
    let Identity::Node(me) = who else {
        return Ok(());
    };
    let pod_node = |ns: &str, name: &str| {
        tx.get::<Pod>(ns, name)
            .map(|p| p.spec.node_name.clone())
            .filter(|n| !n.is_empty())
    };
    let new = obj.clone().into_any();
    let old = old.map(|o| o.clone().into_any());
    match node::refusal(me, &new, old.as_ref(), &pod_node) {
        Some(why) => Err(StoreError::Forbidden(why)),
        None => Ok(()),
    }
}

/// What every new pod gets, from a client or a controller: Kubernetes'
/// defaults ork behaves as (a pod on the node's network has its ports'
/// `hostPort`s), and the AppArmor profiles its annotations name.
fn default_new_pod(pod: &mut Pod) {
    crate::api::field_policy::default_pod_spec(&mut pod.spec);
    crate::api::security::sync_app_armor_annotations(pod);
}

/// The name of the cluster's default StorageClass, if one is.
pub fn default_class(tx: &Tx<'_>) -> Option<String> {
    let classes = tx.list::<crate::api::storageclass::StorageClass>(None);
    crate::api::storageclass::default_class(classes.iter().map(|c| c.as_ref()))
}

/// The kind-specific part: what each kind needs from the rest of the cluster.
fn admit<T: Object>(tx: &Tx<'_>, obj: &mut T, old: Option<&T>) -> Result<(), StoreError> {
    let obj: &mut dyn Any = obj;
    if let Some(pod) = obj.downcast_mut::<Pod>() {
        if old.is_none() {
            default_new_pod(pod);
        } else {
            crate::api::field_policy::default_pod_spec(&mut pod.spec);
        }
        if let Some(old) = old.and_then(|o| (o as &dyn Any).downcast_ref::<Pod>()) {
            priority::keep_on_update(pod, old);
            let mut before = old.spec.clone();
            crate::api::field_policy::default_pod_spec(&mut before);
            if let Some(e) = crate::api::pod_update::forbidden(&before, &pod.spec) {
                return Err(StoreError::Invalid {
                    kind: crate::api::Kind::Pod,
                    name: pod.metadata.name.clone(),
                    errors: vec![e],
                });
            }
        }
    }
    if let Some(class) = obj.downcast_mut::<crate::api::priorityclass::PriorityClass>() {
        priority::admit_class(tx, class)?;
    }
    if let Some(svc) = obj.downcast_mut::<Service>() {
        let old = old.and_then(|o| (o as &dyn Any).downcast_ref::<Service>());
        // A new service that is invalid is left to the store, which refuses
        // it naming every field.
        if old.is_some() || svc.validate().is_empty() {
            ports::admit(tx, svc, old)?;
        }
    }
    if let Some(pod) = obj.downcast_mut::<Pod>()
        && let Some(old) = old.and_then(|o| (o as &dyn Any).downcast_ref::<Pod>())
    {
        service_account::keep_on_update(pod, old);
    }
    // A new claim that names no class gets the default one.
    if old.is_none()
        && let Some(claim) = obj.downcast_mut::<crate::api::volume::PersistentVolumeClaim>()
        && claim.spec.storage_class_name.is_none()
    {
        claim.spec.storage_class_name = default_class(tx);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::authz::Role;
    use crate::control::store::testing::temp_store;

    fn admin() -> Identity {
        Identity::User {
            name: "admin".into(),
            role: Role::Admin,
        }
    }

    fn node_port(name: &str) -> Service {
        let mut s = Service::test(name);
        s.spec.type_ = "NodePort".into();
        s
    }

    /// The cluster port and node port of a service's first port.
    fn ports(s: &Service) -> (Option<i32>, Option<i32>) {
        (s.spec.ports[0].cluster_port, s.spec.ports[0].node_port)
    }

    #[tokio::test]
    async fn a_pod_a_controller_creates_gets_the_defaults_a_clients_does() {
        let s = temp_store().await;
        let mut pod = Pod::test("web-1");
        pod.spec.host_network = Some(true);
        pod.spec.containers[0].ports = vec![crate::api::ContainerPort {
            container_port: 8080,
            ..Default::default()
        }];
        pod.metadata.annotations.insert(
            format!(
                "{}{}",
                crate::api::security::APP_ARMOR_ANNOTATION,
                pod.spec.containers[0].name
            ),
            "localhost/deny-write".into(),
        );
        let made = s.txn(move |tx| create_pod(tx, pod)).await.unwrap();
        assert_eq!(made.spec.containers[0].ports[0].host_port, Some(8080));
        assert_eq!(made.spec.dns_policy.as_deref(), Some("ClusterFirst"));
        let profile = made.spec.containers[0]
            .security_context
            .as_ref()
            .and_then(|s| s.app_armor_profile.clone())
            .unwrap();
        assert_eq!(profile.localhost_profile.as_deref(), Some("deny-write"));
    }

    #[tokio::test]
    async fn a_new_claim_naming_no_class_gets_the_default_one() {
        use crate::api::storageclass::StorageClass;
        use crate::api::volume::PersistentVolumeClaim;
        let s = temp_store().await;
        let claim = |name: &str, class: Option<&str>| {
            let mut c: PersistentVolumeClaim = crate::api::new_object("default", name);
            c.spec.storage_class_name = class.map(Into::into);
            c
        };
        let before = s
            .txn(move |tx| create(tx, &admin(), claim("early", None)))
            .await
            .unwrap();
        assert_eq!(before.spec.storage_class_name, None, "no default class yet");
        s.txn(|tx| create(tx, &admin(), StorageClass::ork_local()).map(|_| ()))
            .await
            .unwrap();
        let named = s
            .txn(move |tx| {
                Ok((
                    create(tx, &admin(), claim("plain", None))?,
                    create(tx, &admin(), claim("fast", Some("fast")))?,
                    create(tx, &admin(), claim("none", Some("")))?,
                ))
            })
            .await
            .unwrap();
        let class = |c: &PersistentVolumeClaim| c.spec.storage_class_name.clone();
        assert_eq!(
            (class(&named.0), class(&named.1), class(&named.2)),
            (
                Some("local".into()),
                Some("fast".into()),
                Some(String::new())
            )
        );
    }

    #[tokio::test]
    async fn services_created_in_one_transaction_never_share_a_port() {
        let s = temp_store().await;
        let (a, b) = s
            .txn(|tx| {
                Ok((
                    create(tx, &admin(), node_port("a"))?,
                    create(tx, &admin(), node_port("b"))?,
                ))
            })
            .await
            .unwrap();
        let ((ca, na), (cb, nb)) = (ports(&a), ports(&b));
        assert!(ca.is_some() && na.is_some() && cb.is_some() && nb.is_some());
        assert_ne!(ca, cb);
        assert_ne!(na, nb);
        assert_ne!(a.spec.cluster_ip, b.spec.cluster_ip);
        assert!(
            a.spec.cluster_ip.starts_with("127.77."),
            "{}",
            a.spec.cluster_ip
        );
    }

    #[tokio::test]
    async fn an_asked_cluster_ip_is_honoured_once_and_free_again_after_a_delete() {
        let s = temp_store().await;
        let asking = |name: &str| {
            let mut svc = Service::test(name);
            svc.spec.cluster_ip = "127.77.9.9".into();
            svc
        };
        let a = s
            .txn(move |tx| create(tx, &admin(), asking("a")))
            .await
            .unwrap();
        assert_eq!(a.spec.cluster_ips, ["127.77.9.9"]);
        match s.txn(move |tx| create(tx, &admin(), asking("b"))).await {
            Err(StoreError::Invalid { errors, .. }) => {
                assert_eq!(errors[0].path, "spec.clusterIP");
                assert!(
                    errors[0].message.contains("already allocated"),
                    "{}",
                    errors[0].message
                );
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        // Changing it in place is refused.
        let mut moved = a.as_ref().clone();
        moved.spec.cluster_ip = "127.77.9.10".into();
        moved.spec.cluster_ips.clear();
        assert!(matches!(
            s.txn(move |tx| update(tx, &admin(), moved, Subresource::Main))
                .await,
            Err(StoreError::Invalid { .. })
        ));
        s.txn(|tx| {
            crate::control::ops::delete(
                tx,
                crate::api::Kind::Service,
                "default",
                "a",
                &crate::api::wire::DeleteOptions::default(),
            )
            .map(|_| ())
        })
        .await
        .unwrap();
        let b = s
            .txn(move |tx| create(tx, &admin(), asking("b")))
            .await
            .unwrap();
        assert_eq!(b.spec.cluster_ip, "127.77.9.9");
    }

    #[tokio::test]
    async fn a_replacement_without_ports_keeps_the_allocated_ones() {
        let s = temp_store().await;
        let first = s
            .txn(|tx| create(tx, &admin(), node_port("web")))
            .await
            .unwrap();
        let again = s
            .txn(|tx| update(tx, &admin(), node_port("web"), Subresource::Main))
            .await
            .unwrap();
        assert_eq!(ports(&again), ports(&first));
        assert_eq!(
            again.metadata.resource_version, first.metadata.resource_version,
            "nothing changed, nothing written"
        );
    }

    #[tokio::test]
    async fn a_port_another_service_has_is_refused_naming_the_field() {
        let s = temp_store().await;
        let first = s
            .txn(|tx| create(tx, &admin(), node_port("a")))
            .await
            .unwrap();
        let mut clash = node_port("b");
        clash.spec.ports[0].node_port = ports(&first).1;
        match s.txn(move |tx| create(tx, &admin(), clash)).await {
            Err(StoreError::Invalid { errors, .. }) => {
                assert_eq!(errors[0].path, "spec.ports[0].nodePort");
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        assert!(s.get::<Service>("default", "b").is_none());
    }

    #[tokio::test]
    async fn an_invalid_new_service_is_refused_for_its_fields_before_its_ports() {
        let s = temp_store().await;
        let first = s
            .txn(|tx| create(tx, &admin(), node_port("a")))
            .await
            .unwrap();
        let mut bad = node_port("b");
        bad.spec.ports[0].port = 0;
        bad.spec.ports[0].node_port = ports(&first).1;
        match s.txn(move |tx| create(tx, &admin(), bad)).await {
            Err(StoreError::Invalid { errors, .. }) => {
                let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
                assert_eq!(paths, ["spec.ports[0].port"]);
            }
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    fn pods_quota(n: &str) -> crate::api::quota_types::ResourceQuota {
        let mut q: crate::api::quota_types::ResourceQuota =
            crate::api::new_object("default", "pods-max");
        q.spec.hard.insert("pods".into(), n.parse().unwrap());
        q
    }

    #[tokio::test]
    async fn creates_in_one_group_are_charged_one_after_the_other() {
        let s = temp_store().await;
        s.txn(|tx| create(tx, &admin(), pods_quota("2")))
            .await
            .unwrap();
        let both = s
            .txn(|tx| {
                create(tx, &admin(), Pod::test("a"))?;
                create(tx, &admin(), Pod::test("b"))?;
                create(tx, &admin(), Pod::test("c"))
            })
            .await;
        match both {
            Err(StoreError::Forbidden(m)) => assert_eq!(
                m,
                "pods \"c\" is forbidden: exceeded quota: pods-max, requested: pods=1, used: pods=2, limited: pods=2"
            ),
            other => panic!("expected forbidden, got {other:?}"),
        }
        // The refusal failed the whole transaction: nothing was charged.
        assert!(s.get::<Pod>("default", "a").is_none());
        let q = s
            .get::<crate::api::quota_types::ResourceQuota>("default", "pods-max")
            .unwrap();
        assert_eq!(q.status.used.get("pods").map(|q| q.milli()), None);
        s.txn(|tx| create(tx, &admin(), Pod::test("a")))
            .await
            .unwrap();
        let q = s
            .get::<crate::api::quota_types::ResourceQuota>("default", "pods-max")
            .unwrap();
        assert_eq!(q.status.used["pods"].milli(), 1000);
    }

    #[tokio::test]
    async fn a_limit_range_default_lands_in_the_stored_pod() {
        let s = temp_store().await;
        let mut l: LimitRange = crate::api::new_object("default", "mem");
        l.spec.limits.push(crate::api::quota_types::LimitRangeItem {
            type_: "Container".into(),
            default: [("memory".to_string(), "512Mi".parse().unwrap())].into(),
            ..Default::default()
        });
        let l = s.txn(move |tx| create(tx, &admin(), l)).await.unwrap();
        // Stored with Kubernetes' defaults: the default request is the limit.
        assert_eq!(
            l.spec.limits[0].default_request["memory"].to_string(),
            "512Mi"
        );
        let p = s.txn(|tx| create_pod(tx, Pod::test("web"))).await.unwrap();
        let r = &p.spec.containers[0].resources;
        assert_eq!(r.limits["memory"].to_string(), "512Mi");
        assert_eq!(r.requests["memory"].to_string(), "512Mi");
        assert!(
            p.metadata.annotations[limits::ANNOTATION]
                .starts_with("LimitRanger plugin set: memory request for container")
        );
    }

    /// The figure: what admission costs a pod create with 10 LimitRanges
    /// and 10 quotas in its namespace, against the same creates without
    /// them. Run with `cargo test --lib admission_cost -- --ignored --nocapture`.
    #[tokio::test]
    #[ignore = "a measurement, not a check"]
    async fn admission_cost_with_ten_limit_ranges_and_ten_quotas() {
        const N: usize = 300;
        async fn per_pod(s: &crate::control::store::Store, prefix: &str) -> f64 {
            let t = std::time::Instant::now();
            for i in 0..N {
                let p = Pod::test(&format!("{prefix}-{i}"));
                s.txn(move |tx| create(tx, &admin(), p)).await.unwrap();
            }
            t.elapsed().as_secs_f64() * 1e6 / N as f64
        }
        let plain = temp_store().await;
        let bare = per_pod(&plain, "p").await;
        let s = temp_store().await;
        for i in 0..10 {
            let mut l: LimitRange = crate::api::new_object("default", &format!("l{i}"));
            l.spec.limits.push(crate::api::quota_types::LimitRangeItem {
                type_: "Container".into(),
                default: [("memory".to_string(), "64Mi".parse().unwrap())].into(),
                max: [("memory".to_string(), "1Gi".parse().unwrap())].into(),
                ..Default::default()
            });
            s.txn(move |tx| create(tx, &admin(), l)).await.unwrap();
            let mut q = pods_quota("100000");
            q.metadata.name = format!("q{i}");
            q.spec
                .hard
                .insert("requests.memory".into(), "1Ti".parse().unwrap());
            s.txn(move |tx| create(tx, &admin(), q)).await.unwrap();
        }
        let with = per_pod(&s, "p").await;
        println!(
            "admission with 10 LimitRanges + 10 quotas: {:.0} µs/pod (create without them: {bare:.0} µs/pod; admission's share {:.0} µs)",
            with,
            with - bare
        );
        let q = s
            .get::<crate::api::quota_types::ResourceQuota>("default", "q9")
            .unwrap();
        assert_eq!(q.status.used["pods"].milli(), 1000 * N as i128);
    }
}
