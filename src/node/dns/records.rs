//! The cluster's DNS records as a pure function of Services and Endpoints:
//! [`Table::build`] turns them into every name the cluster domain holds, and
//! [`Table::answer`] answers one question from that table, or says the name
//! is someone else's ([`Answer::Forward`]).
//!
//! The names, as Kubernetes serves them (`D` is the cluster domain,
//! `cluster.local` by default):
//!
//! - `svc.ns.svc.D`: A/AAAA with the Service's `spec.clusterIP(s)`; for a
//!   headless Service (`clusterIP: None`), its ready endpoints' addresses
//!   (and the not-ready ones under `publishNotReadyAddresses`); for an
//!   `ExternalName` Service, a CNAME to `spec.externalName`.
//! - `host.svc.ns.svc.D`: one endpoint of a headless Service, named by its
//!   pod's `hostname` when the pod's `subdomain` is the Service (StatefulSet
//!   pods: `db-0.db.ns.svc.D`), else by the pod's name.
//! - `_port._proto.svc.ns.svc.D`: SRV for each named port; one record
//!   pointing at `svc.ns.svc.D` and the declared port, or, headless, one per
//!   endpoint pointing at `host.svc.ns.svc.D` and the endpoint's port.
//! - Names in `D` that lead to nothing are NXDOMAIN; `ns.svc.D` and the
//!   like, which lead somewhere, answer with no records.
//!
//! The short forms (`svc`, `svc.ns`, `svc.ns.svc`) are the resolver's work:
//! pods get the search path [`search_path`] with `ndots:5`, which turns them
//! into the full name. Nothing here does I/O or imports beyond `api`.

use crate::api::service::{EndpointAddress, HEADLESS};
use crate::api::{Endpoints, Service};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

/// Kubernetes' default cluster domain.
pub const CLUSTER_DOMAIN: &str = "cluster.local";
/// Seconds clients may keep an answer (CoreDNS' default for the cluster).
pub const TTL: u32 = 5;
/// The `ndots` option pods get, as Kubernetes sets it.
pub const NDOTS: u8 = 5;

/// The question types the table knows; any other type gets no records
/// (for a name that exists) or NXDOMAIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QType {
    A,
    Aaaa,
    Cname,
    Srv,
    /// Every record of the name.
    Any,
    Other,
}

/// One record of an answer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rec {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// An alias; the target is an absolute name without the trailing dot.
    Cname(String),
    Srv {
        port: u16,
        /// Absolute, without the trailing dot.
        target: String,
    },
}

impl Rec {
    fn matches(&self, q: QType) -> bool {
        matches!(
            (self, q),
            (_, QType::Any)
                | (Rec::A(_), QType::A)
                | (Rec::Aaaa(_), QType::Aaaa)
                | (Rec::Cname(_), QType::Cname)
                | (Rec::Srv { .. }, QType::Srv)
        )
    }
}

/// What to say to one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// NOERROR with these records (none: the name exists, without records
    /// of that type). A CNAME answers every type, as DNS says.
    Records(Vec<Rec>),
    /// The name is in the cluster domain and does not exist.
    NxDomain,
    /// Not the cluster's name: ask the node's resolvers.
    Forward,
}

/// Every name of the cluster domain with its records. Names are lower case,
/// absolute, without the trailing dot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    domain: String,
    names: HashMap<String, Vec<Rec>>,
    /// Names that exist only because longer names end in them
    /// (`ns.svc.D`, `svc.D`, `_tcp.web.ns.svc.D`).
    parents: HashSet<String>,
}

/// The search path pods of namespace `ns` get: `ns.svc.D svc.D D`.
pub fn search_path(ns: &str, domain: &str) -> Vec<String> {
    vec![
        format!("{ns}.svc.{domain}"),
        format!("svc.{domain}"),
        domain.to_string(),
    ]
}

/// Lower case, without the trailing dot.
pub fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// An endpoint's label under its service: its hostname, else its pod's
/// name, else its address with dashes. DNS-safe and lower case.
fn endpoint_label(a: &EndpointAddress) -> String {
    let raw = if !a.hostname.is_empty() {
        a.hostname.clone()
    } else if let Some(r) = a.target_ref.as_ref().filter(|r| !r.name.is_empty()) {
        r.name.clone()
    } else {
        a.ip.replace(['.', ':'], "-")
    };
    raw.to_ascii_lowercase()
}

fn ip_rec(ip: &str) -> Option<Rec> {
    match ip.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => Some(Rec::A(v4)),
        IpAddr::V6(v6) => Some(Rec::Aaaa(v6)),
    }
}

fn proto(p: crate::api::Protocol) -> &'static str {
    match p {
        crate::api::Protocol::TCP => "_tcp",
        crate::api::Protocol::UDP => "_udp",
    }
}

/// The addresses a headless Service answers with: its ready endpoints, and
/// the not-ready ones when it publishes them. Pairs of (address, endpoint
/// ports as (name, port)). Exposed for tests that check answers against it.
pub fn headless_endpoints(
    svc: &Service,
    ep: Option<&Endpoints>,
) -> Vec<(EndpointAddress, Vec<(String, i32)>)> {
    let mut out = vec![];
    for s in ep.map(|e| e.subsets.as_slice()).unwrap_or_default() {
        let ports: Vec<(String, i32)> = s.ports.iter().map(|p| (p.name.clone(), p.port)).collect();
        let not_ready = svc
            .spec
            .publish_not_ready_addresses
            .then_some(&s.not_ready_addresses);
        for a in s.addresses.iter().chain(not_ready.into_iter().flatten()) {
            out.push((a.clone(), ports.clone()));
        }
    }
    out
}

impl Table {
    /// The table for `services` and their `endpoints` (by namespace and
    /// name) under cluster domain `domain`. Pure.
    pub fn build(
        domain: &str,
        services: &BTreeMap<(String, String), Arc<Service>>,
        endpoints: &BTreeMap<(String, String), Arc<Endpoints>>,
    ) -> Table {
        let domain = normalize(domain);
        let mut names: HashMap<String, BTreeSet<Rec>> = HashMap::new();
        for ((ns, name), svc) in services {
            let base = format!("{}.{}.svc.{domain}", name.to_ascii_lowercase(), ns);
            let mut add = |n: String, r: Option<Rec>| {
                let e = names.entry(n).or_default();
                e.extend(r);
            };
            if svc.spec.type_ == "ExternalName" {
                add(base, Some(Rec::Cname(normalize(&svc.spec.external_name))));
                continue;
            }
            if svc.spec.cluster_ip == HEADLESS {
                let eps = headless_endpoints(
                    svc,
                    endpoints.get(&(ns.clone(), name.clone())).map(|e| &**e),
                );
                add(base.clone(), None);
                for (a, ports) in eps {
                    let Some(rec) = ip_rec(&a.ip) else { continue };
                    let host = format!("{}.{base}", endpoint_label(&a));
                    add(base.clone(), Some(rec.clone()));
                    add(host.clone(), Some(rec));
                    for sp in svc.spec.ports.iter().filter(|p| !p.name.is_empty()) {
                        let Some(port) = ports
                            .iter()
                            .find(|(n, _)| *n == sp.name)
                            .and_then(|(_, p)| u16::try_from(*p).ok())
                        else {
                            continue;
                        };
                        add(
                            format!(
                                "_{}.{}.{base}",
                                sp.name.to_ascii_lowercase(),
                                proto(sp.protocol)
                            ),
                            Some(Rec::Srv {
                                port,
                                target: host.clone(),
                            }),
                        );
                    }
                }
                continue;
            }
            let mut ips: Vec<&String> = svc.spec.cluster_ips.iter().collect();
            if ips.is_empty() {
                ips.push(&svc.spec.cluster_ip);
            }
            add(base.clone(), None);
            for ip in ips {
                add(base.clone(), ip_rec(ip));
            }
            for sp in svc.spec.ports.iter().filter(|p| !p.name.is_empty()) {
                let Ok(port) = u16::try_from(sp.port) else {
                    continue;
                };
                add(
                    format!(
                        "_{}.{}.{base}",
                        sp.name.to_ascii_lowercase(),
                        proto(sp.protocol)
                    ),
                    Some(Rec::Srv {
                        port,
                        target: base.clone(),
                    }),
                );
            }
        }
        let mut parents = HashSet::new();
        parents.insert(domain.clone());
        for n in names.keys() {
            let mut rest = n.as_str();
            while let Some((_, tail)) = rest.split_once('.') {
                if tail.len() < domain.len() {
                    break;
                }
                parents.insert(tail.to_string());
                rest = tail;
            }
        }
        Table {
            domain,
            names: names
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().collect()))
                .collect(),
            parents,
        }
    }

    /// The cluster domain, normalized.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// How many names the table holds.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether `name` (normalized) is in the cluster domain.
    pub fn in_domain(&self, name: &str) -> bool {
        name == self.domain
            || name
                .strip_suffix(self.domain.as_str())
                .is_some_and(|head| head.ends_with('.'))
    }

    /// The answer to `qtype` for `name` (any case, with or without the
    /// trailing dot). Pure.
    pub fn answer(&self, name: &str, qtype: QType) -> Answer {
        let name = normalize(name);
        if !self.in_domain(&name) {
            return Answer::Forward;
        }
        match self.names.get(&name) {
            Some(recs) => {
                // A CNAME stands for the name whatever the type asked.
                if let [Rec::Cname(_)] = recs.as_slice() {
                    return Answer::Records(recs.clone());
                }
                Answer::Records(recs.iter().filter(|r| r.matches(qtype)).cloned().collect())
            }
            None if self.parents.contains(&name) => Answer::Records(vec![]),
            None => Answer::NxDomain,
        }
    }
}

#[cfg(test)]
mod tests;
