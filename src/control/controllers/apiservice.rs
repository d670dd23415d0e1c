//! The API's Service, as every Kubernetes cluster has it: `default/kubernetes`
//! (ClusterIP, the first host address of the service range, one port `https`
//! 443, no selector) and its Endpoints, which list the address of every
//! control daemon serving the API. Pods reach the API through it
//! (`KUBERNETES_SERVICE_HOST`, `kubernetes.default.svc`) wherever the node
//! proxy serves cluster IPs.
//!
//! # Expected flow
//!
//! - Every control daemon, leader or not, holds a `coordination.k8s.io/v1`
//!   Lease `kube-system/ork-control-<address>` ([`announce`]): renewed every
//!   [`ANNOUNCE_EVERY`] for [`ANNOUNCE_TERM`], its address in the
//!   [`ADDRESS_ANNOTATION`]; a daemon that stops deletes its own.
//! - The leader ([`start`]) reconciles the Service (created when missing,
//!   so deleting it brings it back; its ports put back when changed) and
//!   the Endpoints (the addresses of the leases still in their term), on
//!   every change of the three and every [`ANNOUNCE_EVERY`]; it deletes
//!   leases long past their term.
//!
//! # Guarantees
//!
//! - A control daemon that stops or dies leaves the Endpoints within
//!   [`ANNOUNCE_TERM`] and a reconcile.
//! - The decisions ([`desired_service`], [`service_fix`],
//!   [`endpoint_subsets`], [`advertised`]) are pure.
//!
//! # Caveats
//!
//! - The Service's address is chosen once; a later `--service-cidr` does
//!   not move it (a cluster IP is immutable), delete it to have it made
//!   again in the new range.
//!
//! This module must not import the HTTP layer or the scheduler.

use crate::api::apps::IntOrString;
use crate::api::lease::{Lease, MicroTime, NAMESPACE};
use crate::api::service::{
    API_SERVICE, API_SERVICE_PORT, EndpointAddress, EndpointPort, EndpointSubset, ServicePort,
    ServiceRange,
};
use crate::api::token::Role;
use crate::api::wire::DeleteOptions;
use crate::api::{DEFAULT_NAMESPACE, Endpoints, Kind, Protocol, Service, new_object};
use crate::control::admission;
use crate::control::authz::Identity;
use crate::control::ops;
use crate::control::store::{Store, StoreError, Subresource, WatchEvent};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::sync::watch;

use super::{Key, WorkQueue, feed, work};

/// How often a control daemon renews its Lease, and the leader reconciles.
pub const ANNOUNCE_EVERY: Duration = Duration::from_secs(5);
/// How long a control daemon's Lease keeps it in the Endpoints unrenewed.
pub const ANNOUNCE_TERM: Duration = Duration::from_secs(15);
/// The label of control daemons' Leases (Kubernetes' API server identity label).
pub const IDENTITY_LABEL: &str = "apiserver.kubernetes.io/identity";
/// Its value.
pub const IDENTITY: &str = "kube-apiserver";
/// The annotation of a control daemon's Lease with the `ip:port` it serves at.
pub const ADDRESS_ANNOTATION: &str = "ork.dev/address";
/// The Service's port name.
pub const PORT_NAME: &str = "https";
/// Leases this long past their term are deleted.
const FORGET_AFTER: Duration = Duration::from_secs(600);

/// The address a control daemon listening at `listen` is reached at: the
/// listen address, or when it is unspecified (`0.0.0.0`), the first of the
/// machine's addresses (`candidates`) that is neither loopback nor
/// link-local, else loopback. Pure.
pub fn advertised(listen: SocketAddr, candidates: &[IpAddr]) -> SocketAddr {
    if !listen.ip().is_unspecified() {
        return listen;
    }
    let wanted = |ip: &&IpAddr| match ip {
        IpAddr::V4(v4) => !v4.is_loopback() && !v4.is_link_local() && !v4.is_unspecified(),
        IpAddr::V6(_) => false,
    };
    let ip = candidates
        .iter()
        .find(wanted)
        .copied()
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    SocketAddr::new(ip, listen.port())
}

/// The name of the Lease of the control daemon at `addr`.
pub fn lease_name(addr: SocketAddr) -> String {
    let ip = addr
        .ip()
        .to_string()
        .replace(['.', ':'], "-")
        .trim_matches('-')
        .to_string();
    format!("ork-control-{ip}-{}", addr.port())
}

/// The Service as the control plane keeps it, for a range and the API's port.
pub fn desired_service(range: &ServiceRange, api_port: u16) -> Service {
    let mut s: Service = new_object(DEFAULT_NAMESPACE, API_SERVICE);
    s.metadata.labels = BTreeMap::from([
        ("component".to_string(), "apiserver".to_string()),
        ("provider".to_string(), "kubernetes".to_string()),
    ]);
    s.spec.type_ = "ClusterIP".into();
    s.spec.cluster_ip = range.api_ip().to_string();
    s.spec.cluster_ips = vec![s.spec.cluster_ip.clone()];
    s.spec.session_affinity = "None".into();
    s.spec.ports = vec![ServicePort {
        name: PORT_NAME.into(),
        protocol: Protocol::TCP,
        port: API_SERVICE_PORT,
        target_port: Some(IntOrString::Int(i32::from(api_port))),
        node_port: None,
        cluster_port: None,
        app_protocol: String::new(),
    }];
    s
}

/// What to write for the Service: `None` when `current` is as it should
/// be (its one port, no selector, type ClusterIP), else the object to
/// create (`current` is `None`) or the changed one. Its address, labels
/// and the ports admission allocated are kept. Pure.
pub fn service_fix(current: Option<&Service>, desired: &Service) -> Option<Service> {
    let Some(cur) = current else {
        return Some(desired.clone());
    };
    let same_port = |a: &ServicePort, b: &ServicePort| {
        a.name == b.name
            && a.port == b.port
            && a.protocol == b.protocol
            && a.target_port == b.target_port
    };
    let ports_ok = cur.spec.ports.len() == desired.spec.ports.len()
        && cur
            .spec
            .ports
            .iter()
            .zip(&desired.spec.ports)
            .all(|(a, b)| same_port(a, b));
    let type_ok = matches!(cur.spec.type_.as_str(), "" | "ClusterIP");
    if ports_ok && type_ok && cur.spec.selector.is_empty() {
        return None;
    }
    let mut fixed = cur.clone();
    fixed.spec.type_ = "ClusterIP".into();
    fixed.spec.selector.clear();
    fixed.spec.ports = desired
        .spec
        .ports
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p.cluster_port = cur
                .spec
                .ports
                .iter()
                .find(|o| o.port == p.port && o.protocol == p.protocol)
                .and_then(|o| o.cluster_port);
            p
        })
        .collect();
    Some(fixed)
}

/// When a Lease's term ends.
fn expiry(l: &Lease) -> Option<DateTime<Utc>> {
    let renewed = l.spec.renew_time?.0;
    let secs = l.spec.lease_duration_seconds.unwrap_or(0).max(0);
    Some(renewed + chrono::Duration::seconds(i64::from(secs)))
}

/// The address a control daemon's Lease announces, while in its term at `now`.
fn live_address(l: &Lease, now: DateTime<Utc>) -> Option<SocketAddr> {
    if l.metadata.labels.get(IDENTITY_LABEL).map(String::as_str) != Some(IDENTITY)
        || l.metadata.is_terminating()
    {
        return None;
    }
    if expiry(l)? <= now {
        return None;
    }
    l.metadata.annotations.get(ADDRESS_ANNOTATION)?.parse().ok()
}

/// The Endpoints subsets of the API's Service: one per API port, listing
/// the addresses of the control daemons whose Lease is in its term at
/// `now`, sorted. Pure.
pub fn endpoint_subsets(leases: &[&Lease], now: DateTime<Utc>) -> Vec<EndpointSubset> {
    let mut by_port: BTreeMap<u16, Vec<EndpointAddress>> = BTreeMap::new();
    for l in leases {
        if let Some(a) = live_address(l, now) {
            by_port.entry(a.port()).or_default().push(EndpointAddress {
                ip: a.ip().to_string(),
                ..Default::default()
            });
        }
    }
    by_port
        .into_iter()
        .map(|(port, mut addresses)| {
            addresses.sort();
            addresses.dedup();
            EndpointSubset {
                addresses,
                not_ready_addresses: vec![],
                ports: vec![EndpointPort {
                    name: PORT_NAME.into(),
                    port: i32::from(port),
                    protocol: Protocol::TCP,
                }],
            }
        })
        .collect()
}

/// The Lease of this control daemon, renewed at `now`.
fn renewed(old: Option<&Lease>, name: &str, holder: &str, addr: SocketAddr) -> Lease {
    let mut l = old
        .cloned()
        .unwrap_or_else(|| new_object::<Lease>(NAMESPACE, name));
    l.metadata
        .labels
        .insert(IDENTITY_LABEL.into(), IDENTITY.into());
    l.metadata
        .annotations
        .insert(ADDRESS_ANNOTATION.into(), addr.to_string());
    let now = MicroTime::now();
    if l.spec.holder_identity.as_deref() != Some(holder) {
        l.spec.holder_identity = Some(holder.into());
        l.spec.acquire_time = Some(now);
    }
    l.spec.lease_duration_seconds = Some(ANNOUNCE_TERM.as_secs() as i32);
    l.spec.renew_time = Some(now);
    l
}

/// Holds this control daemon's Lease (see the module docs) until
/// `shutdown`, then deletes it.
pub fn announce(
    store: Store,
    addr: SocketAddr,
    holder: String,
    mut shutdown: watch::Receiver<bool>,
) {
    let name = lease_name(addr);
    tokio::spawn(async move {
        loop {
            let (n, h) = (name.clone(), holder.clone());
            let written = store
                .txn(move |tx| {
                    let old = tx.get::<Lease>(NAMESPACE, &n);
                    let l = renewed(old.as_deref(), &n, &h, addr);
                    match old {
                        Some(_) => tx.update(l, Subresource::Main),
                        None => tx.create(l),
                    }
                    .map(|_| ())
                })
                .await;
            if let Err(e) = written {
                tracing::debug!(error = %e, "renewing this control daemon's Lease failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(ANNOUNCE_EVERY) => {}
                _ = shutdown.wait_for(|s| *s) => break,
            }
        }
        let gone = store.txn(move |tx| {
            match ops::delete(tx, Kind::Lease, NAMESPACE, &name, &DeleteOptions::default()) {
                Ok(_) | Err(StoreError::NotFound { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        });
        let _ = tokio::time::timeout(Duration::from_secs(1), gone).await;
    });
}

/// Who the control plane is when it writes the Service (admission allocates
/// its cluster port as for anyone's).
fn control_plane() -> Identity {
    Identity::User {
        name: crate::control::pki::CONTROL_IDENTITY.into(),
        role: Role::Admin,
    }
}

/// One reconcile of the Service, its Endpoints and the leases.
async fn sync(store: &Store, api_port: u16) -> Result<(), StoreError> {
    let range = admission::cluster_ip::range();
    let desired = desired_service(&range, api_port);
    let current = store.get::<Service>(DEFAULT_NAMESPACE, API_SERVICE);
    if current
        .as_ref()
        .is_some_and(|s| s.metadata.is_terminating())
    {
        return Ok(());
    }
    if let Some(fix) = service_fix(current.as_deref(), &desired) {
        let create = current.is_none();
        let written = store
            .txn(move |tx| {
                let who = control_plane();
                if create {
                    admission::create(tx, &who, fix).map(|_| ())
                } else {
                    admission::update(tx, &who, fix, Subresource::Main).map(|_| ())
                }
            })
            .await;
        match written {
            Ok(()) => tracing::info!("the API's Service default/kubernetes is in place"),
            Err(StoreError::AlreadyExists { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let leases = store.list::<Lease>(Some(NAMESPACE));
    let now = Utc::now();
    let refs: Vec<&Lease> = leases.iter().map(|l| l.as_ref()).collect();
    let subsets = endpoint_subsets(&refs, now);
    let current = store.get::<Endpoints>(DEFAULT_NAMESPACE, API_SERVICE);
    if current.as_ref().is_none_or(|e| e.subsets != subsets) {
        store
            .txn(move |tx| {
                match tx.get::<Endpoints>(DEFAULT_NAMESPACE, API_SERVICE) {
                    Some(old) => {
                        let mut e = old.as_ref().clone();
                        e.subsets = subsets;
                        tx.update(e, Subresource::Main)?;
                    }
                    None => {
                        let mut e: Endpoints = new_object(DEFAULT_NAMESPACE, API_SERVICE);
                        e.subsets = subsets;
                        tx.create(e)?;
                    }
                }
                Ok(())
            })
            .await?;
    }
    let forget = chrono::Duration::from_std(FORGET_AFTER).unwrap_or_default();
    for l in &leases {
        let stale = l.metadata.labels.get(IDENTITY_LABEL).map(String::as_str) == Some(IDENTITY)
            && expiry(l).is_some_and(|e| e + forget < now);
        if stale {
            let name = l.metadata.name.clone();
            store
                .txn(move |tx| {
                    match ops::delete(tx, Kind::Lease, NAMESPACE, &name, &DeleteOptions::default())
                    {
                        Ok(_) | Err(StoreError::NotFound { .. }) => Ok(()),
                        Err(e) => Err(e),
                    }
                })
                .await?;
        }
    }
    Ok(())
}

/// The one key this controller works on.
fn key() -> Key {
    (DEFAULT_NAMESPACE.to_string(), API_SERVICE.to_string())
}

/// The key, for a change of the Service or the Endpoints.
fn named(ev: &WatchEvent) -> Vec<Key> {
    let m = ev.obj.meta();
    if m.namespace == DEFAULT_NAMESPACE && m.name == API_SERVICE {
        vec![key()]
    } else {
        vec![]
    }
}

/// The key, for a change of a control daemon's Lease.
fn announced(ev: &WatchEvent) -> Vec<Key> {
    let m = ev.obj.meta();
    if m.labels.get(IDENTITY_LABEL).map(String::as_str) == Some(IDENTITY) {
        vec![key()]
    } else {
        vec![]
    }
}

/// Starts the leader's reconciler of the Service and its Endpoints.
pub fn start(store: Store, api_port: u16, shutdown: watch::Receiver<bool>) {
    let queue = WorkQueue::new();
    feed(
        store.clone(),
        Kind::Service,
        queue.clone(),
        named,
        shutdown.clone(),
    );
    feed(
        store.clone(),
        Kind::Endpoints,
        queue.clone(),
        named,
        shutdown.clone(),
    );
    feed(
        store.clone(),
        Kind::Lease,
        queue.clone(),
        announced,
        shutdown.clone(),
    );
    let (q, mut stop) = (queue.clone(), shutdown.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(ANNOUNCE_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => q.add(key()),
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    });
    work(
        "apiservice",
        queue,
        move |_key| {
            let store = store.clone();
            async move { sync(&store, api_port).await.map(|()| None) }
        },
        shutdown,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(addr: &str, renewed_secs_ago: i64, term: i32) -> Lease {
        let a: SocketAddr = addr.parse().unwrap();
        let mut l = renewed(None, &lease_name(a), "me", a);
        l.spec.renew_time = Some(MicroTime(
            Utc::now() - chrono::Duration::seconds(renewed_secs_ago),
        ));
        l.spec.lease_duration_seconds = Some(term);
        l
    }

    #[test]
    fn the_endpoints_list_the_control_daemons_in_their_term_by_port() {
        let a = lease("10.0.0.2:6443", 1, 15);
        let b = lease("10.0.0.1:6443", 3, 15);
        let c = lease("127.0.0.1:7000", 0, 15);
        let gone = lease("10.0.0.3:6443", 20, 15);
        let mut other = lease("10.0.0.4:6443", 0, 15);
        other.metadata.labels.clear();
        let subsets = endpoint_subsets(&[&a, &b, &c, &gone, &other], Utc::now());
        assert_eq!(subsets.len(), 2);
        let ips: Vec<&str> = subsets[0].addresses.iter().map(|a| a.ip.as_str()).collect();
        assert_eq!(ips, ["10.0.0.1", "10.0.0.2"]);
        assert_eq!(subsets[0].ports[0].port, 6443);
        assert_eq!(subsets[0].ports[0].name, "https");
        assert_eq!(subsets[1].addresses[0].ip, "127.0.0.1");
        assert_eq!(subsets[1].ports[0].port, 7000);
        assert!(endpoint_subsets(&[&gone], Utc::now()).is_empty());
    }

    #[test]
    fn the_service_is_made_when_missing_and_put_back_when_changed_keeping_what_was_allocated() {
        let range = ServiceRange::default();
        let want = desired_service(&range, 6443);
        assert_eq!(want.spec.cluster_ip, "127.77.0.1");
        assert!(want.spec.selector.is_empty());
        assert_eq!(service_fix(None, &want), Some(want.clone()));
        let mut stored = want.clone();
        stored.spec.ports[0].cluster_port = Some(20001);
        stored.metadata.uid = "u1".into();
        assert_eq!(service_fix(Some(&stored), &want), None, "as it should be");
        let mut changed = stored.clone();
        changed.spec.ports[0].port = 8443;
        changed.spec.selector.insert("app".into(), "x".into());
        changed.spec.type_ = "NodePort".into();
        let fixed = service_fix(Some(&changed), &want).unwrap();
        assert_eq!(fixed.spec.ports[0].port, 443);
        assert!(fixed.spec.selector.is_empty());
        assert_eq!(fixed.spec.type_, "ClusterIP");
        assert_eq!(fixed.metadata.uid, "u1");
        // The API moved to another port: the target follows.
        let moved = desired_service(&range, 7000);
        let fixed = service_fix(Some(&stored), &moved).unwrap();
        assert_eq!(
            fixed.spec.ports[0].target_port,
            Some(IntOrString::Int(7000))
        );
        assert_eq!(fixed.spec.ports[0].cluster_port, Some(20001));
    }

    #[test]
    fn a_daemon_on_every_address_advertises_a_routable_one() {
        let any: SocketAddr = "0.0.0.0:6443".parse().unwrap();
        let ips: Vec<IpAddr> = ["127.0.0.1", "169.254.1.1", "fe80::1", "192.168.1.5"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(advertised(any, &ips).to_string(), "192.168.1.5:6443");
        assert_eq!(advertised(any, &ips[..1]).to_string(), "127.0.0.1:6443");
        let one: SocketAddr = "10.1.2.3:7000".parse().unwrap();
        assert_eq!(advertised(one, &ips), one);
        assert_eq!(lease_name(one), "ork-control-10-1-2-3-7000");
        assert_eq!(
            lease_name("[::1]:6443".parse().unwrap()),
            "ork-control-1-6443"
        );
    }
}
