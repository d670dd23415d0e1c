//! `v1` Service and Endpoints, and the pure decisions about them: which
//! ports a service is reached on (allocation), which pods are its endpoints
//! (the endpoints controller's reconcile), what a named `targetPort` means
//! for a pod, and the `<NAME>_SERVICE_HOST/PORT` variables pods get.
//!
//! How a service is reached: every node runs a proxy. A ClusterIP service
//! port gets a cluster port (20000–29999, unique in the cluster) that every
//! node serves on its loopback address, and for containers on the Docker
//! gateway address; `spec.clusterIP` is `127.0.0.1`. A NodePort service port
//! also gets a `nodePort` (30000–32767) served on every address of every node.
//!
//! Imports only the rest of `api`.

use super::apps::IntOrString;
use super::meta::ObjectMeta;
use super::pod::{Pod, Protocol};
use super::validation::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// The address a ClusterIP service is reached at from a node and its process pods.
pub const CLUSTER_IP: &str = "127.0.0.1";
/// Cluster ports are allocated from here.
pub const CLUSTER_PORTS: std::ops::RangeInclusive<i32> = 20000..=29999;
/// Node ports, as Kubernetes allocates them.
pub const NODE_PORTS: std::ops::RangeInclusive<i32> = 30000..=32767;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Service {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: ServiceSpec,
    #[serde(default)]
    pub status: ServiceStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceSpec {
    /// `ClusterIP` (default) or `NodePort`.
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
    #[serde(default)]
    pub ports: Vec<ServicePort>,
    /// Set by ork ([`CLUSTER_IP`]); `None` (headless) is refused.
    #[serde(
        default,
        rename = "clusterIP",
        skip_serializing_if = "String::is_empty"
    )]
    pub cluster_ip: String,
    #[serde(default, rename = "clusterIPs", skip_serializing_if = "Vec::is_empty")]
    pub cluster_ips: Vec<String>,
    /// Accepted for portability; ork balances round-robin.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session_affinity: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub external_traffic_policy: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub internal_traffic_policy: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_families: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ip_family_policy: String,
    /// Not-ready pods are endpoints too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub publish_not_ready_addresses: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServicePort {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default)]
    pub protocol: Protocol,
    pub port: i32,
    /// The pods' port: a number, or the name of a container port. Default: `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<IntOrString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i32>,
    /// ork: the port every node serves this service port on (see the module doc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_port: Option<i32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app_protocol: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceStatus {
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub load_balancer: serde_json::Map<String, serde_json::Value>,
}

impl Service {
    pub fn is_node_port(&self) -> bool {
        self.spec.type_ == "NodePort"
    }

    /// `80:20001/TCP,443:20002/TCP` (the node port for NodePort services).
    pub fn ports_text(&self) -> String {
        let list: Vec<String> = self
            .spec
            .ports
            .iter()
            .map(|p| {
                let local = if self.is_node_port() {
                    p.node_port
                } else {
                    p.cluster_port
                };
                match local {
                    Some(l) => format!("{}:{l}/{:?}", p.port, p.protocol),
                    None => format!("{}/{:?}", p.port, p.protocol),
                }
            })
            .collect();
        if list.is_empty() {
            "<none>".into()
        } else {
            list.join(",")
        }
    }
}

/// `v1` Endpoints: per service, the ready (and not ready) pod addresses.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Endpoints {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subsets: Vec<EndpointSubset>,
}

/// Addresses that share one set of ports. ork writes one subset per
/// distinct set of resolved ports (pods of one template share theirs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointSubset {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<EndpointAddress>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ready_addresses: Vec<EndpointAddress>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<EndpointPort>,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointAddress {
    pub ip: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<super::core::ObjectReference>,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointPort {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The port on the pod's node (its host port for the target container port).
    pub port: i32,
    #[serde(default)]
    pub protocol: Protocol,
}

impl Endpoints {
    /// Ready `ip:port` pairs of the service port named `port_name`.
    pub fn ready(&self, port_name: &str) -> Vec<(String, i32)> {
        let mut out = vec![];
        for s in &self.subsets {
            let Some(p) = s.ports.iter().find(|p| p.name == port_name) else {
                continue;
            };
            out.extend(s.addresses.iter().map(|a| (a.ip.clone(), p.port)));
        }
        out
    }

    /// `127.0.0.1:31001,127.0.0.1:31002` (at most 3, then `+ N more...`).
    pub fn text(&self) -> String {
        let all: Vec<String> = self
            .subsets
            .iter()
            .flat_map(|s| {
                s.addresses
                    .iter()
                    .flat_map(move |a| s.ports.iter().map(move |p| format!("{}:{}", a.ip, p.port)))
            })
            .collect();
        match all.len() {
            0 => "<none>".into(),
            n if n <= 3 => all.join(","),
            n => format!("{} + {} more...", all[..3].join(","), n - 3),
        }
    }
}

/// The node-side port a pod serves a target port on: the host port the pod's
/// status reports for the container port (named or numbered).
pub fn pod_port(pod: &Pod, target: &IntOrString) -> Option<i32> {
    let container_port = match target {
        IntOrString::Int(n) => *n,
        IntOrString::String(name) => {
            pod.spec
                .containers
                .iter()
                .flat_map(|c| &c.ports)
                .find(|p| &p.name == name)?
                .container_port
        }
    };
    pod.status
        .container_statuses
        .iter()
        .flat_map(|c| &c.ports)
        .find(|p| p.container_port == container_port)
        .and_then(|p| p.host_port)
}

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
        if ports.is_empty() {
            continue;
        }
        let addr = EndpointAddress {
            ip: p.status.host_ip.clone(),
            node_name: p.spec.node_name.clone(),
            target_ref: Some(super::core::ObjectReference {
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

/// The first port of `range` not in `used`, scanning from an offset `seed`
/// picks (so two clusters on one machine rarely pick the same ports).
fn free_port(range: &std::ops::RangeInclusive<i32>, used: &HashSet<i32>, seed: u64) -> Option<i32> {
    let (lo, n) = (*range.start(), range.end() - range.start() + 1);
    let start = (seed % n as u64) as i32;
    (0..n)
        .map(|i| lo + (start + i) % n)
        .find(|p| !used.contains(p))
}

/// Fills in `clusterIP`, cluster ports and node ports: kept from `old` for
/// the same port, else a free one from a random place in the range (as
/// Kubernetes does), `seed` being that randomness. `taken` holds the ports
/// other services use. Errors name the field.
pub fn assign_ports(
    svc: &mut Service,
    old: Option<&Service>,
    taken: &HashSet<i32>,
    seed: u64,
) -> Result<(), FieldError> {
    svc.spec.cluster_ip = CLUSTER_IP.to_string();
    svc.spec.cluster_ips = vec![CLUSTER_IP.to_string()];
    let node_port = svc.is_node_port();
    let mut used: HashSet<i32> = taken.clone();
    for p in &svc.spec.ports {
        used.extend(p.cluster_port);
        if node_port {
            used.extend(p.node_port);
        }
    }
    let previous = |p: &ServicePort| {
        old.and_then(|o| {
            o.spec
                .ports
                .iter()
                .find(|q| q.name == p.name && q.port == p.port)
                .cloned()
        })
    };
    for (i, p) in svc.spec.ports.iter_mut().enumerate() {
        let before = previous(p);
        if let Some(c) = p.cluster_port {
            if taken.contains(&c) {
                return Err(FieldError::new(
                    format!("spec.ports[{i}].clusterPort"),
                    format!("port {c} is already allocated to another service"),
                ));
            }
        } else {
            let keep = before.as_ref().and_then(|b| b.cluster_port);
            let c = keep
                .or_else(|| free_port(&CLUSTER_PORTS, &used, seed))
                .ok_or_else(|| {
                    FieldError::new(
                        format!("spec.ports[{i}].clusterPort"),
                        "no cluster port is free (20000-29999)",
                    )
                })?;
            used.insert(c);
            p.cluster_port = Some(c);
        }
        if !node_port {
            p.node_port = None;
            continue;
        }
        if let Some(n) = p.node_port {
            if taken.contains(&n) {
                return Err(FieldError::new(
                    format!("spec.ports[{i}].nodePort"),
                    format!("provided port {n} is already allocated to another service"),
                ));
            }
        } else {
            let keep = before.and_then(|b| b.node_port);
            let n = keep
                .or_else(|| free_port(&NODE_PORTS, &used, seed))
                .ok_or_else(|| {
                    FieldError::new(
                        format!("spec.ports[{i}].nodePort"),
                        "no node port is free (30000-32767)",
                    )
                })?;
            used.insert(n);
            p.node_port = Some(n);
        }
    }
    Ok(())
}

/// Kubernetes' variable prefix of a service: `my-svc` → `MY_SVC`.
pub fn env_prefix(name: &str) -> String {
    name.to_ascii_uppercase().replace(['-', '.'], "_")
}

/// `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT` and
/// `<NAME>_SERVICE_PORT_<PORT NAME>` of the services a pod sees at start,
/// with `host` the address the pod reaches its node's proxy at.
pub fn service_env(services: &[&Service], host: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    for s in services {
        let Some(first) = s.spec.ports.first().and_then(|p| p.cluster_port) else {
            continue;
        };
        let pre = env_prefix(&s.metadata.name);
        out.push((format!("{pre}_SERVICE_HOST"), host.to_string()));
        out.push((format!("{pre}_SERVICE_PORT"), first.to_string()));
        for p in &s.spec.ports {
            if let (false, Some(c)) = (p.name.is_empty(), p.cluster_port) {
                out.push((
                    format!("{pre}_SERVICE_PORT_{}", env_prefix(&p.name)),
                    c.to_string(),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::new_object;
    use crate::api::pod::{Container, ContainerPort, ContainerStatus};

    fn svc(node_port: bool, target: Option<IntOrString>) -> Service {
        let mut s: Service = new_object("default", "web-api");
        s.spec.selector.insert("app".into(), "web".into());
        if node_port {
            s.spec.type_ = "NodePort".into();
        }
        s.spec.ports = vec![ServicePort {
            name: "http".into(),
            port: 80,
            target_port: target,
            ..Default::default()
        }];
        s
    }

    fn pod(name: &str, ready: bool, host_port: i32) -> Pod {
        let mut p: Pod = new_object("default", name);
        p.metadata.uid = format!("uid-{name}");
        p.metadata.labels.insert("app".into(), "web".into());
        p.spec.node_name = "n1".into();
        p.spec.containers = vec![Container {
            name: "c".into(),
            ports: vec![ContainerPort {
                name: "web".into(),
                container_port: 8080,
                ..Default::default()
            }],
            ..Default::default()
        }];
        p.status.host_ip = "10.0.0.1".into();
        p.status.container_statuses = vec![ContainerStatus {
            name: "c".into(),
            ports: vec![ContainerPort {
                container_port: 8080,
                host_port: Some(host_port),
                ..Default::default()
            }],
            ..Default::default()
        }];
        p.status.conditions = vec![crate::api::meta::Condition::new("Ready", ready, "", "")];
        p
    }

    #[test]
    fn ready_pods_are_addresses_others_not_ready_and_named_ports_resolve() {
        let s = svc(false, Some(IntOrString::String("web".into())));
        let (a, b) = (pod("a", true, 31001), pod("b", false, 31002));
        let mut other = pod("c", true, 31003);
        other.metadata.labels.insert("app".into(), "db".into());
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
        let s = svc(false, Some(IntOrString::Int(9999)));
        assert!(endpoints_for(&s, &[&a]).is_empty());
        // Without a target port, the service port is the target.
        let s = svc(false, None);
        assert!(endpoints_for(&s, &[&a]).is_empty());
    }

    #[test]
    fn ports_are_allocated_kept_across_updates_and_never_shared() {
        let taken: HashSet<i32> = [20000, 30000].into();
        let mut s = svc(true, None);
        assign_ports(&mut s, None, &taken, 0).unwrap();
        assert_eq!(s.spec.cluster_ip, CLUSTER_IP);
        assert_eq!(s.spec.ports[0].cluster_port, Some(20001));
        assert_eq!(s.spec.ports[0].node_port, Some(30001));
        // A re-applied manifest without the ports keeps them.
        let mut again = svc(true, None);
        assign_ports(&mut again, Some(&s), &taken, 7).unwrap();
        assert_eq!(again.spec.ports, s.spec.ports);
        // A node port someone else has is refused, naming the field.
        let mut clash = svc(true, None);
        clash.spec.ports[0].node_port = Some(30000);
        let e = assign_ports(&mut clash, None, &taken, 0).unwrap_err();
        assert_eq!(e.path, "spec.ports[0].nodePort");
        // ClusterIP services carry no node port.
        let mut c = svc(false, None);
        c.spec.ports[0].node_port = Some(30005);
        assign_ports(&mut c, None, &taken, 0).unwrap();
        assert_eq!(c.spec.ports[0].node_port, None);
        // The seed moves where the scan starts, wrapping at the end.
        let mut r = svc(false, None);
        assign_ports(&mut r, None, &[29999].into(), 9999).unwrap();
        assert_eq!(r.spec.ports[0].cluster_port, Some(20000));
    }

    #[test]
    fn service_variables_follow_kubernetes_names() {
        let mut s = svc(false, None);
        assign_ports(&mut s, None, &HashSet::new(), 0).unwrap();
        let env = service_env(&[&s], "172.17.0.1");
        assert_eq!(
            env,
            [
                ("WEB_API_SERVICE_HOST".to_string(), "172.17.0.1".to_string()),
                ("WEB_API_SERVICE_PORT".to_string(), "20000".to_string()),
                ("WEB_API_SERVICE_PORT_HTTP".to_string(), "20000".to_string()),
            ]
        );
    }
}
