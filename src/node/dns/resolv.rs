//! What a pod's `resolv.conf` and hosts file hold, as Kubernetes decides
//! it from `dnsPolicy`, `dnsConfig` and `hostAliases` (pure):
//!
//! - `ClusterFirst` (and `ClusterFirstWithHostNet`): the cluster DNS as
//!   nameserver, search `ns.svc.D svc.D D` then the node's own search
//!   domains, `ndots:5`; `dnsConfig` adds nameservers and search domains
//!   and sets options (a `dnsConfig` option replaces one of the same name).
//! - `Default`: the node's resolv.conf, `dnsConfig` merged the same way.
//! - `None`: `dnsConfig` alone.
//!
//! At most 3 nameservers and 32 search domains are kept, as the kubelet
//! does. A node without cluster DNS gives `ClusterFirst` pods `Default`.

use super::records::{NDOTS, search_path};
use crate::api::pod::{HostAlias, PodDnsConfig};
use std::net::IpAddr;

/// The contents of a resolv.conf.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvConf {
    pub nameservers: Vec<String>,
    pub searches: Vec<String>,
    /// `name` or `name:value`.
    pub options: Vec<String>,
}

/// A pod's DNS inputs: `spec.dnsPolicy`, `spec.dnsConfig`, its namespace
/// and `spec.hostAliases`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodDns {
    pub policy: String,
    pub config: Option<PodDnsConfig>,
    pub namespace: String,
    pub host_aliases: Vec<HostAlias>,
}

impl PodDns {
    pub fn of(pod: &crate::api::Pod) -> PodDns {
        let policy = pod.spec.dns_policy.as_deref().unwrap_or("ClusterFirst");
        PodDns {
            // A pod on the node's network asks the node's resolvers unless it
            // says ClusterFirstWithHostNet, as the kubelet decides.
            policy: match policy {
                "ClusterFirst" if pod.spec.host_network() => "Default",
                p => p,
            }
            .into(),
            config: pod.spec.dns_config.clone(),
            namespace: pod.metadata.namespace.clone(),
            host_aliases: pod.spec.host_aliases.clone(),
        }
    }

    /// Whether the pod's resolver asks the cluster DNS.
    pub fn cluster_first(&self) -> bool {
        matches!(
            self.policy.as_str(),
            "" | "ClusterFirst" | "ClusterFirstWithHostNet"
        )
    }
}

/// Reads a resolv.conf's nameservers, search domains and options.
pub fn parse(text: &str) -> ResolvConf {
    let mut out = ResolvConf::default();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        match w.next() {
            Some("nameserver") => out.nameservers.extend(w.next().map(str::to_string)),
            Some("search") | Some("domain") => {
                out.searches = w.map(str::to_string).collect();
            }
            Some("options") => out.options.extend(w.map(str::to_string)),
            _ => {}
        }
    }
    out
}

/// A resolv.conf file's text.
pub fn render(c: &ResolvConf) -> String {
    let mut s = String::new();
    for n in &c.nameservers {
        s.push_str(&format!("nameserver {n}\n"));
    }
    if !c.searches.is_empty() {
        s.push_str(&format!("search {}\n", c.searches.join(" ")));
    }
    if !c.options.is_empty() {
        s.push_str(&format!("options {}\n", c.options.join(" ")));
    }
    s
}

fn push_unique(list: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for i in items {
        if !list.contains(&i) {
            list.push(i);
        }
    }
}

fn option_name(o: &str) -> &str {
    o.split(':').next().unwrap_or(o)
}

/// The resolv.conf of a pod. `cluster` is the cluster DNS address and
/// domain when the node serves it; `node` is the node's own resolv.conf.
/// `None` for a `Default` pod without `dnsConfig`: the runtime's own
/// default (the node's resolv.conf) stands.
pub fn for_pod(
    pod: &PodDns,
    cluster: Option<(IpAddr, &str)>,
    node: &ResolvConf,
) -> Option<ResolvConf> {
    let mut out = match (pod.policy.as_str(), cluster) {
        ("None", _) => ResolvConf::default(),
        (_, Some((ip, domain))) if pod.cluster_first() => ResolvConf {
            nameservers: vec![ip.to_string()],
            searches: {
                let mut s = search_path(&pod.namespace, domain);
                push_unique(&mut s, node.searches.iter().cloned());
                s
            },
            options: vec![format!("ndots:{NDOTS}")],
        },
        _ if pod.config.is_none() => return None,
        _ => node.clone(),
    };
    if let Some(c) = &pod.config {
        push_unique(&mut out.nameservers, c.nameservers.iter().cloned());
        push_unique(&mut out.searches, c.searches.iter().cloned());
        for o in &c.options {
            let text = match &o.value {
                Some(v) => format!("{}:{v}", o.name),
                None => o.name.clone(),
            };
            out.options.retain(|x| option_name(x) != o.name);
            out.options.push(text);
        }
    }
    out.nameservers.truncate(3);
    out.searches.truncate(32);
    Some(out)
}

/// `hostAliases` as the engine's `extra_hosts` (`name:ip`, one per name).
pub fn extra_hosts(aliases: &[HostAlias]) -> Vec<String> {
    aliases
        .iter()
        .flat_map(|a| a.hostnames.iter().map(move |h| format!("{h}:{}", a.ip)))
        .collect()
}

/// `hostAliases` as hosts-file lines (`ip\tname name`).
pub fn hosts_lines(aliases: &[HostAlias]) -> String {
    aliases
        .iter()
        .filter(|a| !a.hostnames.is_empty())
        .map(|a| format!("{}\t{}\n", a.ip, a.hostnames.join(" ")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pod::PodDnsConfigOption;

    fn node() -> ResolvConf {
        parse("nameserver 10.0.0.2\nsearch corp.example\noptions edns0\n")
    }

    fn pod(policy: &str, config: Option<PodDnsConfig>) -> PodDns {
        PodDns {
            policy: policy.into(),
            config,
            namespace: "shop".into(),
            host_aliases: vec![],
        }
    }

    #[test]
    fn a_pod_on_the_nodes_network_asks_the_nodes_resolvers_unless_it_says_with_host_net() {
        let policy = |host_network: Option<bool>, dns_policy: Option<&str>| {
            let mut p = crate::api::Pod::default();
            p.spec.host_network = host_network;
            p.spec.dns_policy = dns_policy.map(Into::into);
            PodDns::of(&p).policy
        };
        assert_eq!(policy(Some(true), None), "Default");
        assert_eq!(policy(Some(true), Some("ClusterFirst")), "Default");
        assert_eq!(
            policy(Some(true), Some("ClusterFirstWithHostNet")),
            "ClusterFirstWithHostNet"
        );
        assert_eq!(policy(Some(false), None), "ClusterFirst");
        assert_eq!(policy(None, Some("ClusterFirst")), "ClusterFirst");
    }

    const CLUSTER: Option<(IpAddr, &str)> = Some((
        IpAddr::V4(std::net::Ipv4Addr::new(127, 77, 0, 10)),
        "cluster.local",
    ));

    #[test]
    fn cluster_first_pods_get_the_cluster_dns_the_search_path_and_ndots_5() {
        let r = for_pod(&pod("ClusterFirst", None), CLUSTER, &node()).unwrap();
        assert_eq!(
            render(&r),
            "nameserver 127.77.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local corp.example\noptions ndots:5\n"
        );
    }

    #[test]
    fn dns_config_adds_nameservers_and_searches_and_replaces_options() {
        let cfg = PodDnsConfig {
            nameservers: vec!["1.1.1.1".into()],
            searches: vec!["extra.example".into()],
            options: vec![
                PodDnsConfigOption {
                    name: "ndots".into(),
                    value: Some("2".into()),
                },
                PodDnsConfigOption {
                    name: "single-request".into(),
                    value: None,
                },
            ],
        };
        let r = for_pod(&pod("ClusterFirst", Some(cfg.clone())), CLUSTER, &node()).unwrap();
        assert_eq!(r.nameservers, ["127.77.0.10", "1.1.1.1"]);
        assert_eq!(r.searches.last().unwrap(), "extra.example");
        assert_eq!(r.options, ["ndots:2", "single-request"]);
        // None: dnsConfig alone.
        let r = for_pod(&pod("None", Some(cfg.clone())), CLUSTER, &node()).unwrap();
        assert_eq!(
            r,
            ResolvConf {
                nameservers: vec!["1.1.1.1".into()],
                searches: vec!["extra.example".into()],
                options: vec!["ndots:2".into(), "single-request".into()],
            }
        );
        // Default: the node's, merged.
        let r = for_pod(&pod("Default", Some(cfg)), CLUSTER, &node()).unwrap();
        assert_eq!(r.nameservers, ["10.0.0.2", "1.1.1.1"]);
        assert_eq!(r.searches, ["corp.example", "extra.example"]);
        assert_eq!(r.options, ["edns0", "ndots:2", "single-request"]);
    }

    #[test]
    fn default_pods_and_nodes_without_cluster_dns_keep_the_runtime_default() {
        assert_eq!(for_pod(&pod("Default", None), CLUSTER, &node()), None);
        assert_eq!(for_pod(&pod("ClusterFirst", None), None, &node()), None);
    }

    #[test]
    fn at_most_three_nameservers() {
        let cfg = PodDnsConfig {
            nameservers: vec!["1.1.1.1".into(), "1.0.0.1".into(), "8.8.8.8".into()],
            ..Default::default()
        };
        let r = for_pod(&pod("ClusterFirst", Some(cfg)), CLUSTER, &node()).unwrap();
        assert_eq!(r.nameservers, ["127.77.0.10", "1.1.1.1", "1.0.0.1"]);
    }

    #[test]
    fn host_aliases_become_extra_hosts_and_hosts_lines() {
        let a = vec![HostAlias {
            ip: "10.1.2.3".into(),
            hostnames: vec!["foo.local".into(), "bar.local".into()],
        }];
        assert_eq!(
            extra_hosts(&a),
            ["foo.local:10.1.2.3", "bar.local:10.1.2.3"]
        );
        assert_eq!(hosts_lines(&a), "10.1.2.3\tfoo.local bar.local\n");
    }
}
