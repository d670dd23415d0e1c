//! Service load balancers the way k3s' ServiceLB serves them: a
//! `type: LoadBalancer` service is served at its declared ports on every
//! node that serves load balancers (all of them, or only those labelled
//! `ork.dev/enablelb: "true"` once any is), and its
//! `status.loadBalancer.ingress` lists those nodes' addresses. With
//! `externalTrafficPolicy: Local`, only nodes with a ready endpoint are
//! listed. A node's proxy serves a load balancer port exactly when the
//! node's address is listed, so this controller is where the choice is made.
//! A service that stops being a LoadBalancer has its status cleared.
//!
//! The decision is [`ingress_for`] (pure); the rest is the thin loop that
//! feeds it and writes the status. Must not import the HTTP layer or the
//! scheduler.

use super::{Controller, Key, self_key};
use crate::api::service::lb_nodes;
use crate::api::{Endpoints, Kind, Node, Service};
use crate::control::store::{Store, StoreError, Subresource, WatchEvent};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::watch;

/// The addresses a LoadBalancer service is served at: the `InternalIP` of
/// each ready node that serves load balancers (with a ready endpoint, for
/// `externalTrafficPolicy: Local`), sorted, without repeats. Empty for
/// other services. Pure.
pub fn ingress_for(svc: &Service, nodes: &[&Node], endpoints: Option<&Endpoints>) -> Vec<String> {
    if !svc.is_load_balancer() {
        return vec![];
    }
    let with_endpoint: BTreeSet<&str> = endpoints
        .iter()
        .flat_map(|e| &e.subsets)
        .flat_map(|s| &s.addresses)
        .map(|a| a.node_name.as_str())
        .collect();
    let out: BTreeSet<String> = lb_nodes(nodes)
        .into_iter()
        .filter(|n| n.is_ready())
        .filter(|n| !svc.external_local() || with_endpoint.contains(n.metadata.name.as_str()))
        .filter_map(|n| n.address("InternalIP"))
        .map(str::to_string)
        .collect();
    out.into_iter().collect()
}

/// `status.loadBalancer` listing `ips`: `{}` when there are none.
fn status_of(ips: &[String]) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    if !ips.is_empty() {
        let list = ips
            .iter()
            .map(|ip| serde_json::json!({"ip": ip, "ipMode": "VIP"}))
            .collect();
        m.insert("ingress".into(), serde_json::Value::Array(list));
    }
    m
}

async fn sync(store: &Store, (ns, name): Key) -> Result<Option<Duration>, StoreError> {
    let Some(svc) = store.get::<Service>(&ns, &name) else {
        return Ok(None);
    };
    let nodes = store.list::<Node>(None);
    let refs: Vec<&Node> = nodes.iter().map(|n| n.as_ref()).collect();
    let eps = store.get::<Endpoints>(&ns, &name);
    let want = status_of(&ingress_for(&svc, &refs, eps.as_deref()));
    if svc.status.load_balancer == want {
        return Ok(None);
    }
    store
        .txn(move |tx| {
            let Some(cur) = tx.get::<Service>(&ns, &name) else {
                return Ok(());
            };
            let mut s = cur.as_ref().clone();
            s.status.load_balancer = want;
            tx.update(s, Subresource::Status)?;
            Ok(())
        })
        .await?;
    Ok(None)
}

/// Every LoadBalancer service, when a node changes.
fn lb_services(store: &Store) -> Vec<Key> {
    store
        .list::<Service>(None)
        .iter()
        .filter(|s| s.is_load_balancer())
        .map(|s| (s.metadata.namespace.clone(), s.metadata.name.clone()))
        .collect()
}

/// Starts the controller's watches and worker.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    let s = store.clone();
    Controller::new("servicelb", store, shutdown)
        .watch(Kind::Service, self_key)
        .watch(Kind::Endpoints, self_key)
        .watch(Kind::Node, move |_: &WatchEvent| lb_services(&s))
        .run(Kind::Service, |store, key| async move {
            sync(&store, key).await
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::NodeAddress;
    use crate::api::meta::Condition;
    use crate::api::new_object;
    use crate::api::service::{EndpointAddress, EndpointSubset, LB_NODE_LABEL};

    fn node(name: &str, ip: &str, ready: bool, label: Option<&str>) -> Node {
        let mut n: Node = new_object("", name);
        n.status.addresses.push(NodeAddress {
            type_: "InternalIP".into(),
            address: ip.into(),
        });
        n.status.conditions.push(Condition {
            type_: "Ready".into(),
            status: if ready { "True" } else { "False" }.into(),
            ..Default::default()
        });
        if let Some(v) = label {
            n.metadata.labels.insert(LB_NODE_LABEL.into(), v.into());
        }
        n
    }

    fn lb() -> Service {
        let mut s = Service::test("web");
        s.spec.type_ = "LoadBalancer".into();
        s
    }

    #[test]
    fn every_ready_node_serves_until_some_are_labelled() {
        let (a, b, c) = (
            node("a", "10.0.0.1", true, None),
            node("b", "10.0.0.2", true, None),
            node("c", "10.0.0.3", false, None),
        );
        assert_eq!(
            ingress_for(&lb(), &[&a, &b, &c], None),
            ["10.0.0.1", "10.0.0.2"]
        );
        let b = node("b", "10.0.0.2", true, Some("true"));
        assert_eq!(ingress_for(&lb(), &[&a, &b, &c], None), ["10.0.0.2"]);
        // A ClusterIP service has none.
        assert!(ingress_for(&Service::test("x"), &[&a], None).is_empty());
        // Two nodes on one machine share their address.
        let a2 = node("a2", "10.0.0.1", true, None);
        assert_eq!(ingress_for(&lb(), &[&a, &a2], None), ["10.0.0.1"]);
    }

    #[test]
    fn external_traffic_policy_local_lists_only_nodes_with_a_ready_endpoint() {
        let (a, b) = (
            node("a", "10.0.0.1", true, None),
            node("b", "10.0.0.2", true, None),
        );
        let mut s = lb();
        s.spec.external_traffic_policy = "Local".into();
        let mut e: Endpoints = new_object("default", "web");
        e.subsets.push(EndpointSubset {
            addresses: vec![EndpointAddress {
                ip: "10.0.0.2".into(),
                node_name: "b".into(),
                ..Default::default()
            }],
            ..Default::default()
        });
        assert_eq!(ingress_for(&s, &[&a, &b], Some(&e)), ["10.0.0.2"]);
        assert!(ingress_for(&s, &[&a, &b], None).is_empty());
        assert_eq!(
            status_of(&["10.0.0.2".into()]),
            serde_json::json!({"ingress": [{"ip": "10.0.0.2", "ipMode": "VIP"}]})
                .as_object()
                .unwrap()
                .clone()
        );
    }
}
