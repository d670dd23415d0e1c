//! Endpoints: for every Service, an Endpoints object of the same name that
//! lists the pods its selector matches, ready ones as `addresses` (what the
//! node proxies balance over) and the others as `notReadyAddresses`. A pod
//! change requeues the services of its namespace whose selector matches it
//! (before or after the change); deleting a service deletes its Endpoints.
//! A service without a selector has the Endpoints someone else writes (a
//! user, or the control plane for `default/kubernetes`): they are left alone.
//!
//! The decision is [`endpoints_for`] (pure); the rest is the thin loop that
//! feeds it and writes the result.

use super::{Controller, Key, self_key};
use crate::api::service::{EndpointAddress, EndpointPort, EndpointSubset, pod_port};
use crate::api::wire::DeleteOptions;
use crate::api::{Endpoints, IntOrString, Kind, ObjectReference, Pod, Service, new_object};
use crate::control::ops;
use crate::control::store::{Store, StoreError, Subresource, WatchEvent};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The Endpoints a service should have given the pods of its namespace: pods
/// its selector matches that run on a node and are not terminating, ready
/// ones in `addresses`, others in `notReadyAddresses`. Pure.
pub fn endpoints_for(svc: &Service, pods: &[&Pod]) -> Vec<EndpointSubset> {
    if svc.spec.selector.is_empty() {
        return vec![];
    }
    // Subsets keyed by their resolved ports.
    let mut subsets: BTreeMap<Vec<EndpointPort>, EndpointSubset> = BTreeMap::new();
    for p in pods {
        if p.metadata.is_terminating()
            || !p.is_active()
            || p.spec.node_name.is_empty()
            || p.status.host_ip.is_empty()
            || !svc
                .spec
                .selector
                .iter()
                .all(|(k, v)| p.metadata.labels.get(k) == Some(v))
        {
            continue;
        }
        let mut ports = vec![];
        for sp in &svc.spec.ports {
            let target = sp.target_port.clone().unwrap_or(IntOrString::Int(sp.port));
            if let Some(port) = pod_port(p, &target) {
                ports.push(EndpointPort {
                    name: sp.name.clone(),
                    port,
                    protocol: sp.protocol,
                });
            }
        }
        // A headless service without ports lists its pods' addresses alone.
        if ports.is_empty() && !(svc.is_headless() && svc.spec.ports.is_empty()) {
            continue;
        }
        let addr = EndpointAddress {
            ip: p.status.host_ip.clone(),
            hostname: if p.spec.subdomain == svc.metadata.name {
                p.hostname().to_string()
            } else {
                String::new()
            },
            node_name: p.spec.node_name.clone(),
            target_ref: Some(ObjectReference {
                kind: "Pod".into(),
                namespace: p.metadata.namespace.clone(),
                name: p.metadata.name.clone(),
                uid: p.metadata.uid.clone(),
                ..Default::default()
            }),
        };
        let s = subsets
            .entry(ports.clone())
            .or_insert_with(|| EndpointSubset {
                ports,
                ..Default::default()
            });
        if p.is_ready() || svc.spec.publish_not_ready_addresses {
            s.addresses.push(addr);
        } else {
            s.not_ready_addresses.push(addr);
        }
    }
    subsets
        .into_values()
        .map(|mut s| {
            s.addresses.sort();
            s.not_ready_addresses.sort();
            s
        })
        .collect()
}

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
    if svc.metadata.is_terminating() || svc.spec.selector.is_empty() {
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
    let s = store.clone();
    Controller::new("endpoints", store, shutdown)
        .watch(Kind::Service, self_key)
        .watch(Kind::Pod, move |ev| services_of(&s, ev))
        // An Endpoints changed or deleted by hand is put back.
        .watch(Kind::Endpoints, self_key)
        .run(Kind::Service, |store, key| async move {
            sync(&store, key).await
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::testing::Build;

    fn svc(target: Option<IntOrString>) -> Service {
        let mut s = Service::test("web");
        s.spec.ports[0].name = "http".into();
        s.spec.ports[0].target_port = target;
        s
    }

    fn pod(name: &str, ready: bool, host_port: i32) -> Pod {
        Pod::test(name)
            .with_uid(&format!("uid-{name}"))
            .labelled("app", "web")
            .on_node("n1")
            .running(ready)
            .serving("web", 8080, "10.0.0.1", host_port)
    }

    #[test]
    fn ready_pods_are_addresses_others_not_ready_and_named_ports_resolve() {
        let s = svc(Some(IntOrString::String("web".into())));
        let (a, b) = (pod("a", true, 31001), pod("b", false, 31002));
        let other = pod("c", true, 31003).labelled("app", "db");
        let subsets = endpoints_for(&s, &[&a, &b, &other]);
        assert_eq!(subsets.len(), 2, "{subsets:#?}");
        let e = Endpoints {
            subsets,
            ..Default::default()
        };
        assert_eq!(e.ready("http"), [("10.0.0.1".to_string(), 31001)]);
        let not_ready: Vec<&str> = e
            .subsets
            .iter()
            .flat_map(|s| &s.not_ready_addresses)
            .map(|a| a.target_ref.as_ref().map_or("", |r| r.name.as_str()))
            .collect();
        assert_eq!(not_ready, ["b"]);
        // A numeric target that no container exposes gives no endpoint.
        let s = svc(Some(IntOrString::Int(9999)));
        assert!(endpoints_for(&s, &[&a]).is_empty());
        // Without a target port, the service port is the target.
        let s = svc(None);
        assert!(endpoints_for(&s, &[&a]).is_empty());
    }

    #[test]
    fn headless_services_list_ready_pods_and_not_ready_ones_when_published() {
        let mut s = svc(Some(IntOrString::String("web".into())));
        s.spec.cluster_ip = "None".into();
        let (a, b) = (pod("a", true, 31001), pod("b", false, 31002));
        let names = |subsets: &[EndpointSubset], ready: bool| -> Vec<String> {
            subsets
                .iter()
                .flat_map(|s| {
                    if ready {
                        &s.addresses
                    } else {
                        &s.not_ready_addresses
                    }
                })
                .filter_map(|a| a.target_ref.as_ref().map(|r| r.name.clone()))
                .collect()
        };
        let subsets = endpoints_for(&s, &[&a, &b]);
        assert_eq!(names(&subsets, true), ["a"]);
        assert_eq!(names(&subsets, false), ["b"]);
        s.spec.publish_not_ready_addresses = true;
        let subsets = endpoints_for(&s, &[&a, &b]);
        assert_eq!(names(&subsets, true), ["a", "b"]);
        // Without ports, addresses alone.
        s.spec.ports.clear();
        s.spec.publish_not_ready_addresses = false;
        let subsets = endpoints_for(&s, &[&a, &b]);
        assert_eq!(names(&subsets, true), ["a"]);
        assert!(subsets.iter().all(|s| s.ports.is_empty()));
    }
}
