//! `v1` Service and Endpoints, what a named `targetPort` means for a pod,
//! and the `<NAME>_SERVICE_HOST/PORT` variables pods get. Which ports a
//! service gets is the control daemon's admission; which pods are its
//! endpoints, the endpoints controller's.
//!
//! How a service is reached: every node runs a proxy. A service gets a
//! cluster IP of its own from the service range (`127.77.0.0/16` unless the
//! control daemon is told otherwise), served at each declared port on every
//! node's loopback and inside every Docker pod's network namespace. Each
//! port also keeps a cluster port (20000–29999, unique in the cluster) that
//! every node serves on `127.0.0.1` and the Docker gateway, for pods whose
//! node cannot enter their network namespace. A NodePort or LoadBalancer
//! service port also gets a `nodePort` (30000–32767) served on every address
//! of every node; a LoadBalancer port is served at its declared port on every
//! node that serves load balancers ([`LB_NODE_LABEL`]).
//!
//! Imports only the rest of `api`.

use super::apps::IntOrString;
use super::meta::ObjectMeta;
use super::pod::{Pod, Protocol};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The address a service's cluster ports are served at on a node (and what
/// `spec.clusterIP` was before services had addresses of their own).
pub const CLUSTER_IP: &str = "127.0.0.1";
/// The service range when the control daemon is given none.
pub const SERVICE_CIDR: &str = "127.77.0.0/16";
/// The address of the cluster DNS service, kept out of dynamic allocation:
/// the tenth of the range, as Kubernetes installs do.
pub const DNS_SERVICE_IP: &str = "127.77.0.10";
/// Which nodes serve `type: LoadBalancer` services, as k3s' ServiceLB
/// decides with `svccontroller.k3s.cattle.io/enablelb`: every node while
/// none carries this label with `"true"`; once one does, only those.
pub const LB_NODE_LABEL: &str = "ork.dev/enablelb";
/// `sessionAffinityConfig.clientIP.timeoutSeconds` when not given (3 hours).
pub const AFFINITY_TIMEOUT_SECONDS: i32 = 10800;
/// `spec.clusterIP` of a headless service.
pub const HEADLESS: &str = "None";
/// Cluster ports are allocated from here.
pub const CLUSTER_PORTS: std::ops::RangeInclusive<i32> = 20000..=29999;
/// The Service in `default` every cluster has in front of its API, as
/// Kubernetes names it: its address is the first host address of the
/// service range, its one port `https` 443, and its Endpoints the control
/// daemons' addresses (written by the control plane, no selector).
pub const API_SERVICE: &str = "kubernetes";
/// The port of [`API_SERVICE`].
pub const API_SERVICE_PORT: i32 = 443;
/// The names of [`API_SERVICE`] the API's certificate covers.
pub const API_SERVICE_NAMES: [&str; 4] = [
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
];
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
    /// `ClusterIP` (default), `NodePort` or `LoadBalancer`.
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
    #[serde(default)]
    pub ports: Vec<ServicePort>,
    /// Allocated from the service range (a free address asked for is
    /// honoured), or `None`: a headless service, which gets no address or
    /// cluster port and is not proxied; its Endpoints list its pods.
    #[serde(
        default,
        rename = "clusterIP",
        skip_serializing_if = "String::is_empty"
    )]
    pub cluster_ip: String,
    #[serde(default, rename = "clusterIPs", skip_serializing_if = "Vec::is_empty")]
    pub cluster_ips: Vec<String>,
    /// `None` (default: round robin) or `ClientIP`: a client's connections
    /// go to the endpoint its last one went to, for `timeoutSeconds`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session_affinity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity_config: Option<SessionAffinityConfig>,
    /// LoadBalancer: the client addresses (CIDRs) allowed in; empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancer_source_ranges: Vec<String>,
    /// `Cluster` (default) or `Local`: node ports and load balancer ports
    /// go only to endpoints on the node the client reached.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub external_traffic_policy: String,
    /// `Cluster` (default) or `Local`: the cluster IP goes only to
    /// endpoints on the client's node.
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
pub struct SessionAffinityConfig {
    #[serde(default, rename = "clientIP", skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<ClientIpConfig>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientIpConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i32>,
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
    /// Whether it is the API's Service, `default/kubernetes`.
    pub fn is_api_service(&self) -> bool {
        self.metadata.namespace == "default" && self.metadata.name == API_SERVICE
    }

    /// Whether its ports have node ports: NodePort and LoadBalancer services.
    pub fn is_node_port(&self) -> bool {
        self.spec.type_ == "NodePort" || self.is_load_balancer()
    }

    pub fn is_load_balancer(&self) -> bool {
        self.spec.type_ == "LoadBalancer"
    }

    /// The client-IP affinity timeout, when `sessionAffinity: ClientIP`.
    pub fn affinity_timeout(&self) -> Option<std::time::Duration> {
        (self.spec.session_affinity == "ClientIP").then(|| {
            let s = self
                .spec
                .session_affinity_config
                .as_ref()
                .and_then(|c| c.client_ip.as_ref())
                .and_then(|c| c.timeout_seconds)
                .unwrap_or(AFFINITY_TIMEOUT_SECONDS);
            std::time::Duration::from_secs(u64::try_from(s).unwrap_or(0))
        })
    }

    /// `internalTrafficPolicy: Local`.
    pub fn internal_local(&self) -> bool {
        self.spec.internal_traffic_policy == "Local"
    }

    /// `externalTrafficPolicy: Local`.
    pub fn external_local(&self) -> bool {
        self.spec.external_traffic_policy == "Local"
    }

    /// The load balancer addresses of its status (`EXTERNAL-IP`).
    pub fn ingress_ips(&self) -> Vec<String> {
        self.status
            .load_balancer
            .get("ingress")
            .and_then(|i| i.as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|i| i.get("ip").and_then(|ip| ip.as_str()))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `EXTERNAL-IP` as kubectl shows it.
    pub fn external_ip_text(&self) -> String {
        if !self.is_load_balancer() {
            return "<none>".into();
        }
        let ips = self.ingress_ips();
        if ips.is_empty() {
            "<pending>".into()
        } else {
            ips.join(",")
        }
    }

    /// `clusterIP: None`: no cluster IP or port, names resolve to the pods.
    pub fn is_headless(&self) -> bool {
        self.spec.cluster_ip == HEADLESS
    }

    /// `80/TCP,443/TCP`, or `80:30001/TCP` with node ports, as kubectl shows it.
    pub fn ports_text(&self) -> String {
        let list: Vec<String> = self
            .spec
            .ports
            .iter()
            .map(|p| {
                let local = if self.is_node_port() {
                    p.node_port
                } else {
                    None
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

    /// Ready endpoints of the service port named `port_name`, with the node
    /// each runs on.
    pub fn ready_on_nodes(&self, port_name: &str) -> Vec<(String, i32, String)> {
        let mut out = vec![];
        for s in &self.subsets {
            let Some(p) = s.ports.iter().find(|p| p.name == port_name) else {
                continue;
            };
            out.extend(
                s.addresses
                    .iter()
                    .map(|a| (a.ip.clone(), p.port, a.node_name.clone())),
            );
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

/// An IPv4 service range (`--service-cidr`), from `/8` to `/28`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceRange {
    net: u32,
    prefix: u8,
}

impl Default for ServiceRange {
    fn default() -> Self {
        ServiceRange {
            net: u32::from(std::net::Ipv4Addr::new(127, 77, 0, 0)),
            prefix: 16,
        }
    }
}

impl std::fmt::Display for ServiceRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", std::net::Ipv4Addr::from(self.net), self.prefix)
    }
}

impl std::str::FromStr for ServiceRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let c: Cidr = s.parse()?;
        match c.addr {
            std::net::IpAddr::V4(a) if (8..=28).contains(&c.prefix) => Ok(ServiceRange {
                net: u32::from(a),
                prefix: c.prefix,
            }),
            std::net::IpAddr::V4(_) => Err(format!(
                "{s}: a service range is from /8 to /28 (at least 16 addresses)"
            )),
            std::net::IpAddr::V6(_) => Err(format!("{s}: ork's service range is IPv4")),
        }
    }
}

impl ServiceRange {
    fn size(&self) -> u32 {
        1u32 << (32 - u32::from(self.prefix))
    }

    /// The address at `offset` from the network address.
    fn at(&self, offset: u32) -> std::net::Ipv4Addr {
        std::net::Ipv4Addr::from(self.net + offset)
    }

    /// The address kept for the API's Service ([`API_SERVICE`]): the
    /// first host address, as Kubernetes gives `kubernetes` its address.
    pub fn api_ip(&self) -> std::net::Ipv4Addr {
        self.at(1)
    }

    /// The address kept for the cluster DNS service: the tenth.
    pub fn dns_ip(&self) -> std::net::Ipv4Addr {
        self.at(10)
    }

    /// Whether `a` may be a service's address: in the range, and neither
    /// the network address, the first host address nor the broadcast address.
    pub fn usable(&self, a: std::net::Ipv4Addr) -> bool {
        let a = u32::from(a);
        let mask = u32::MAX << (32 - u32::from(self.prefix));
        a & mask == self.net && ![0, 1, self.size() - 1].contains(&(a - self.net))
    }

    /// A usable address not in `taken` and not the DNS address, scanning
    /// from a place `seed` picks. `None` when the range is full.
    pub fn free(
        &self,
        taken: &std::collections::HashSet<std::net::Ipv4Addr>,
        seed: u64,
    ) -> Option<std::net::Ipv4Addr> {
        let n = self.size();
        let start = (seed % u64::from(n)) as u32;
        (0..n)
            .map(|i| self.at((start + i) % n))
            .find(|a| self.usable(*a) && *a != self.dns_ip() && !taken.contains(a))
    }
}

/// An address block (`10.0.0.0/8`, `2001:db8::/32`), as
/// `loadBalancerSourceRanges` lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: std::net::IpAddr,
    pub prefix: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not an address block such as 10.0.0.0/8");
        let (a, p) = s.trim().split_once('/').ok_or_else(bad)?;
        let addr: std::net::IpAddr = a.parse().map_err(|_| bad())?;
        let prefix: u8 = p.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(bad());
        }
        let c = Cidr { addr, prefix };
        Ok(Cidr {
            addr: c.masked(addr),
            prefix,
        })
    }
}

impl Cidr {
    fn masked(&self, ip: std::net::IpAddr) -> std::net::IpAddr {
        match ip {
            std::net::IpAddr::V4(a) => {
                let m = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                std::net::Ipv4Addr::from(u32::from(a) & m).into()
            }
            std::net::IpAddr::V6(a) => {
                let m = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                std::net::Ipv6Addr::from(u128::from(a) & m).into()
            }
        }
    }

    /// Whether `ip` is in the block (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        let ip = match ip {
            std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
            v4 => v4,
        };
        ip.is_ipv4() == self.addr.is_ipv4() && self.masked(ip) == self.addr
    }
}

/// The nodes that serve load balancers: those labelled [`LB_NODE_LABEL`]
/// `"true"` when any is, else every node. Pure.
pub fn lb_nodes<'a>(nodes: &[&'a super::core::Node]) -> Vec<&'a super::core::Node> {
    let labelled = |n: &&super::core::Node| {
        n.metadata.labels.get(LB_NODE_LABEL).map(String::as_str) == Some("true")
    };
    if nodes.iter().any(labelled) {
        nodes.iter().copied().filter(labelled).collect()
    } else {
        nodes.to_vec()
    }
}

/// Kubernetes' variable prefix of a service: `my-svc` → `MY_SVC`.
pub fn env_prefix(name: &str) -> String {
    name.to_ascii_uppercase().replace(['-', '.'], "_")
}

/// How a pod reaches services, for its service variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach<'a> {
    /// At their cluster IPs and declared ports (the node serves them where the pod is).
    ClusterIp,
    /// At this address of its node and the cluster ports (a pod in a network
    /// namespace its node cannot serve cluster IPs in).
    Node(&'a str),
}

/// Kubernetes' service variables of the services a pod sees at start:
/// `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT`,
/// `<NAME>_SERVICE_PORT_<PORT NAME>` and the Docker-link style
/// `<NAME>_PORT=tcp://host:port`, `<NAME>_PORT_<P>_<PROTO>[_PROTO|_PORT|_ADDR]`.
/// Headless services and services without an address have none.
pub fn service_env(services: &[&Service], reach: Reach<'_>) -> Vec<(String, String)> {
    let mut out = vec![];
    for s in services {
        let host = match reach {
            Reach::ClusterIp if s.spec.cluster_ip.parse::<std::net::IpAddr>().is_ok() => {
                s.spec.cluster_ip.as_str()
            }
            Reach::ClusterIp => continue,
            Reach::Node(h) => h,
        };
        let port = |p: &ServicePort| match reach {
            Reach::ClusterIp => Some(p.port),
            Reach::Node(_) => p.cluster_port,
        };
        let Some(first) = s.spec.ports.first().and_then(port) else {
            continue;
        };
        let pre = env_prefix(&s.metadata.name);
        out.push((format!("{pre}_SERVICE_HOST"), host.to_string()));
        out.push((format!("{pre}_SERVICE_PORT"), first.to_string()));
        for p in &s.spec.ports {
            if let (false, Some(c)) = (p.name.is_empty(), port(p)) {
                out.push((
                    format!("{pre}_SERVICE_PORT_{}", env_prefix(&p.name)),
                    c.to_string(),
                ));
            }
        }
        let proto = |p: &ServicePort| match p.protocol {
            Protocol::TCP => "tcp",
            Protocol::UDP => "udp",
        };
        if let Some(p0) = s.spec.ports.first() {
            out.push((
                format!("{pre}_PORT"),
                format!("{}://{host}:{first}", proto(p0)),
            ));
        }
        for p in &s.spec.ports {
            let Some(n) = port(p) else { continue };
            let (lower, upper) = (proto(p), proto(p).to_ascii_uppercase());
            let v = format!("{pre}_PORT_{n}_{upper}");
            out.push((v.clone(), format!("{lower}://{host}:{n}")));
            out.push((format!("{v}_PROTO"), lower.to_string()));
            out.push((format!("{v}_PORT"), n.to_string()));
            out.push((format!("{v}_ADDR"), host.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_blocks_parse_and_contain_what_they_should() {
        let c: Cidr = "127.0.0.1/32".parse().unwrap();
        assert!(c.contains("127.0.0.1".parse().unwrap()));
        assert!(!c.contains("127.0.0.2".parse().unwrap()));
        let c: Cidr = "10.1.2.3/8".parse().unwrap();
        assert_eq!(c.addr.to_string(), "10.0.0.0");
        assert!(c.contains("10.200.0.1".parse().unwrap()));
        assert!(c.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8::5".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        for bad in ["10.0.0.0", "10.0.0.0/33", "x/8", "10.0.0.0/-1"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        let r: ServiceRange = "10.96.0.0/12".parse().unwrap();
        assert_eq!(r.to_string(), "10.96.0.0/12");
        assert_eq!(r.dns_ip().to_string(), "10.96.0.10");
        assert!("10.0.0.0/30".parse::<ServiceRange>().is_err());
        assert!("fd00::/64".parse::<ServiceRange>().is_err());
        assert_eq!(ServiceRange::default().dns_ip().to_string(), DNS_SERVICE_IP);
    }

    #[test]
    fn service_variables_follow_kubernetes_names() {
        let mut s = Service::test("web-api");
        s.spec.ports[0].name = "http".into();
        s.spec.ports[0].cluster_port = Some(20000);
        let env = service_env(&[&s], Reach::Node("172.17.0.1"));
        assert_eq!(
            env[..3],
            [
                ("WEB_API_SERVICE_HOST".to_string(), "172.17.0.1".to_string()),
                ("WEB_API_SERVICE_PORT".to_string(), "20000".to_string()),
                ("WEB_API_SERVICE_PORT_HTTP".to_string(), "20000".to_string()),
            ]
        );
        s.spec.cluster_ip = "127.77.0.20".into();
        let env: BTreeMap<String, String> =
            service_env(&[&s], Reach::ClusterIp).into_iter().collect();
        let want = [
            ("WEB_API_SERVICE_HOST", "127.77.0.20"),
            ("WEB_API_SERVICE_PORT", "80"),
            ("WEB_API_SERVICE_PORT_HTTP", "80"),
            ("WEB_API_PORT", "tcp://127.77.0.20:80"),
            ("WEB_API_PORT_80_TCP", "tcp://127.77.0.20:80"),
            ("WEB_API_PORT_80_TCP_PROTO", "tcp"),
            ("WEB_API_PORT_80_TCP_PORT", "80"),
            ("WEB_API_PORT_80_TCP_ADDR", "127.77.0.20"),
        ];
        let want: BTreeMap<String, String> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(env, want);
        // A headless service has no variables.
        s.spec.cluster_ip = HEADLESS.into();
        assert!(service_env(&[&s], Reach::ClusterIp).is_empty());
    }
}
