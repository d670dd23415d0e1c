//! `v1` Service and Endpoints, what a named `targetPort` means for a pod,
//! and the `<NAME>_SERVICE_HOST/PORT` variables pods get. Which ports a
//! service gets is the control daemon's admission; which pods are its
//! endpoints, the endpoints controller's.
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
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The address a ClusterIP service is reached at from a node and its process pods.
pub const CLUSTER_IP: &str = "127.0.0.1";
/// `spec.clusterIP` of a headless service.
pub const HEADLESS: &str = "None";
/// Cluster ports are allocated from here.
pub const CLUSTER_PORTS: std::ops::RangeInclusive<i32> = 20000..=29999;
/// Node ports, as Kubernetes allocates them.
pub const NODE_PORTS: std::ops::RangeInclusive<i32> = 30000..=32767;

/// A stable address (a cluster IP and ports) in front of the ready pods its selector matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Service {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ServiceSpec,
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
    /// Set by ork ([`CLUSTER_IP`]), or `None`: a headless service, which
    /// gets no cluster port and is not proxied; its Endpoints list its pods.
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
    /// The name an `ExternalName` service stands for (a DNS CNAME).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub external_name: String,
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

    /// `clusterIP: None`: no cluster IP or port, names resolve to the pods.
    pub fn is_headless(&self) -> bool {
        self.spec.cluster_ip == HEADLESS
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
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Endpoints {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    #[serde(skip_serializing_if = "Vec::is_empty")]
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
    /// The pod's hostname, when the pod's `subdomain` names this service.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hostname: String,
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

    #[test]
    fn service_variables_follow_kubernetes_names() {
        let mut s = Service::test("web-api");
        s.spec.ports[0].name = "http".into();
        s.spec.ports[0].cluster_port = Some(20000);
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
