//! The routing table of the ingress server, built from the Ingresses ork
//! serves and the Services and Endpoints they name, and the one decision
//! made per request: [`Table::route`] from a host and a path to a backend,
//! "no rule" (404) or "no ready endpoint" (503). Pure: no I/O, no clock.
//!
//! Matching, as Kubernetes defines it:
//! - hosts: a rule's `host` matches the request's exactly (case folded), or
//!   as `*.suffix` when the request's host is one label followed by
//!   `.suffix`; a rule without a host matches every host. A more specific
//!   host wins: exact, then wildcard, then none.
//! - paths: `Exact` matches the path as written; `Prefix` (and
//!   `ImplementationSpecific`, served as `Prefix`) matches element by
//!   element (`/foo` matches `/foo`, `/foo/` and `/foo/bar`, never
//!   `/foobar`; a trailing `/` in the rule is ignored). Among the matching
//!   rules of the most specific host the longest path wins, `Exact` before
//!   `Prefix` at equal length; ties go to the oldest Ingress.
//! - when no rule matches, the `defaultBackend` of the oldest served
//!   Ingress that has one; else 404.

use crate::api::ingress::{Ingress, IngressBackend, ServiceBackendPort};
use crate::api::{Endpoints, Service};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Objects by (namespace, name).
pub type ByKey<T> = BTreeMap<(String, String), Arc<T>>;

/// How a rule's host matches.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HostMatch {
    /// Exactly this host (lowercase).
    Exact(String),
    /// `*.suffix`: holds `.suffix`.
    Wildcard(String),
    /// No host: every host.
    Any,
}

impl HostMatch {
    pub fn parse(host: &str) -> HostMatch {
        let h = host.to_ascii_lowercase();
        if h.is_empty() {
            HostMatch::Any
        } else if let Some(rest) = h.strip_prefix('*') {
            HostMatch::Wildcard(rest.to_string())
        } else {
            HostMatch::Exact(h)
        }
    }

    /// Whether `host` (lowercase, without port) matches.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostMatch::Exact(h) => h == host,
            HostMatch::Wildcard(suffix) => host
                .strip_suffix(suffix.as_str())
                .is_some_and(|label| !label.is_empty() && !label.contains('.')),
            HostMatch::Any => true,
        }
    }

    /// 2 for exact, 1 for a wildcard, 0 for any.
    fn specificity(&self) -> u8 {
        match self {
            HostMatch::Exact(_) => 2,
            HostMatch::Wildcard(_) => 1,
            HostMatch::Any => 0,
        }
    }
}

/// Whether `path` (the request's, without query) matches a rule's path.
pub fn path_matches(rule: &str, exact: bool, path: &str) -> bool {
    let rule = if rule.is_empty() { "/" } else { rule };
    if exact {
        return rule == path;
    }
    let prefix = rule.trim_end_matches('/');
    prefix.is_empty()
        || path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Where a matched request goes: a Service port and its ready endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// `namespace/service:port`, for logs and error pages.
    pub name: String,
    /// The ready endpoints (sorted); empty: 503.
    pub endpoints: Vec<SocketAddr>,
}

#[derive(Clone, Debug)]
struct Rule {
    host: HostMatch,
    path: String,
    exact: bool,
    target: usize,
}

/// The routing table: rules in the order they are tried, and the targets.
#[derive(Clone, Debug, Default)]
pub struct Table {
    rules: Vec<Rule>,
    default: Option<usize>,
    targets: Vec<Target>,
}

/// What to do with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision<'a> {
    /// Forward to one of these endpoints.
    Forward(&'a Target),
    /// A rule matched, but its Service has no ready endpoint: 503.
    Unavailable(&'a Target),
    /// Nothing matched: 404.
    NotFound,
}

/// The ready endpoints of a Service port named by number or by name.
pub fn endpoints_of(
    services: &ByKey<Service>,
    endpoints: &ByKey<Endpoints>,
    ns: &str,
    name: &str,
    port: &ServiceBackendPort,
) -> Vec<SocketAddr> {
    let key = (ns.to_string(), name.to_string());
    let (Some(svc), Some(ep)) = (services.get(&key), endpoints.get(&key)) else {
        return vec![];
    };
    let Some(p) = svc.spec.ports.iter().find(|p| match port.number {
        Some(n) => p.port == n,
        None => !port.name.is_empty() && p.name == port.name,
    }) else {
        return vec![];
    };
    let mut out: Vec<SocketAddr> = ep
        .ready(&p.name)
        .into_iter()
        .filter_map(|(ip, port)| {
            Some(SocketAddr::new(
                ip.parse::<IpAddr>().ok()?,
                u16::try_from(port).ok()?,
            ))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Table {
    /// Builds the table from the Ingresses ork serves (the caller filters
    /// by class) and the Services and Endpoints of the cluster.
    pub fn build(
        ingresses: &[Arc<Ingress>],
        services: &ByKey<Service>,
        endpoints: &ByKey<Endpoints>,
    ) -> Table {
        let mut ordered: Vec<&Arc<Ingress>> = ingresses.iter().collect();
        ordered.sort_by(|a, b| {
            let k = |i: &Ingress| {
                (
                    i.metadata.creation_timestamp,
                    i.metadata.namespace.clone(),
                    i.metadata.name.clone(),
                )
            };
            k(a).cmp(&k(b))
        });
        let mut t = Table::default();
        let target_of = |ns: &str, b: &IngressBackend, targets: &mut Vec<Target>| {
            let s = b.service.as_ref()?;
            let name = format!("{ns}/{}:{}", s.name, s.port);
            if let Some(i) = targets.iter().position(|t| t.name == name) {
                return Some(i);
            }
            targets.push(Target {
                name,
                endpoints: endpoints_of(services, endpoints, ns, &s.name, &s.port),
            });
            Some(targets.len() - 1)
        };
        for ing in ordered {
            let ns = ing.metadata.namespace.as_str();
            if t.default.is_none()
                && let Some(b) = &ing.spec.default_backend
            {
                t.default = target_of(ns, b, &mut t.targets);
            }
            for r in &ing.spec.rules {
                for p in r.http.iter().flat_map(|h| &h.paths) {
                    let Some(target) = target_of(ns, &p.backend, &mut t.targets) else {
                        continue;
                    };
                    t.rules.push(Rule {
                        host: HostMatch::parse(&r.host),
                        path: if p.path.is_empty() {
                            "/".into()
                        } else {
                            p.path.clone()
                        },
                        exact: p.path_type == "Exact",
                        target,
                    });
                }
            }
        }
        // Most specific host, longest path, Exact first; stable, so the
        // oldest Ingress wins a tie.
        t.rules.sort_by(|a, b| {
            b.host
                .specificity()
                .cmp(&a.host.specificity())
                .then_with(|| {
                    let len = |r: &Rule| r.path.trim_end_matches('/').len();
                    len(b).cmp(&len(a))
                })
                .then_with(|| b.exact.cmp(&a.exact))
        });
        t
    }

    /// The decision for a request to `host` (any case, with or without
    /// `:port`) and `path` (without query).
    pub fn route(&self, host: &str, path: &str) -> Decision<'_> {
        let host = strip_port(host).to_ascii_lowercase();
        let host = host.trim_end_matches('.');
        let path = if path.is_empty() { "/" } else { path };
        let hit = self
            .rules
            .iter()
            .find(|r| r.host.matches(host) && path_matches(&r.path, r.exact, path))
            .map(|r| r.target)
            .or(self.default);
        match hit.map(|i| &self.targets[i]) {
            None => Decision::NotFound,
            Some(t) if t.endpoints.is_empty() => Decision::Unavailable(t),
            Some(t) => Decision::Forward(t),
        }
    }
}

/// A Host header without its port (`[::1]:80` gives `[::1]`).
pub fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map_or(host, |(h, _)| &host[..=h.len()]);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ingress::*;
    use crate::api::new_object;
    use crate::api::service::{EndpointAddress, EndpointPort, EndpointSubset, ServicePort};
    use crate::api::{Time, new_object as obj};

    fn backend(svc: &str, port: i32) -> IngressBackend {
        IngressBackend {
            service: Some(IngressServiceBackend {
                name: svc.into(),
                port: ServiceBackendPort {
                    name: String::new(),
                    number: Some(port),
                },
            }),
        }
    }

    fn ingress(name: &str, age: i64, rules: &[(&str, &str, &str, &str)]) -> Arc<Ingress> {
        let mut i: Ingress = new_object("default", name);
        i.metadata.creation_timestamp = Some(Time(
            chrono::DateTime::from_timestamp(1_700_000_000 - age, 0).unwrap(),
        ));
        for (host, path, kind, svc) in rules {
            let p = HttpIngressPath {
                path: path.to_string(),
                path_type: kind.to_string(),
                backend: backend(svc, 80),
            };
            match i.spec.rules.iter_mut().find(|r| r.host == *host) {
                Some(r) => r.http.as_mut().unwrap().paths.push(p),
                None => i.spec.rules.push(IngressRule {
                    host: host.to_string(),
                    http: Some(HttpIngressRuleValue { paths: vec![p] }),
                }),
            }
        }
        Arc::new(i)
    }

    /// Services named `svcs`, each with port 80 (named `http`) whose one
    /// ready endpoint is 127.0.0.1:<port> (none for port 0).
    fn cluster(svcs: &[(&str, u16)]) -> (ByKey<Service>, ByKey<Endpoints>) {
        let mut services = ByKey::new();
        let mut endpoints = ByKey::new();
        for (name, port) in svcs {
            let key = ("default".to_string(), name.to_string());
            let mut s: Service = obj("default", name);
            s.spec.ports = vec![ServicePort {
                name: "http".into(),
                port: 80,
                ..Default::default()
            }];
            services.insert(key.clone(), Arc::new(s));
            let mut e: Endpoints = obj("default", name);
            if *port > 0 {
                e.subsets = vec![EndpointSubset {
                    addresses: vec![EndpointAddress {
                        ip: "127.0.0.1".into(),
                        ..Default::default()
                    }],
                    ports: vec![EndpointPort {
                        name: "http".into(),
                        port: i32::from(*port),
                        ..Default::default()
                    }],
                    ..Default::default()
                }];
            }
            endpoints.insert(key, Arc::new(e));
        }
        (services, endpoints)
    }

    fn to(table: &Table, host: &str, path: &str) -> String {
        match table.route(host, path) {
            Decision::Forward(t) => t.name.clone(),
            Decision::Unavailable(t) => format!("503 {}", t.name),
            Decision::NotFound => "404".into(),
        }
    }

    #[test]
    fn prefix_paths_match_element_by_element() {
        // (rule, exact, request path, matches) — Kubernetes' examples table.
        let cases = [
            ("/", false, "/anything", true),
            ("/foo", false, "/foo", true),
            ("/foo", false, "/foo/", true),
            ("/foo/", false, "/foo", true),
            ("/foo", false, "/foo/bar", true),
            ("/foo", false, "/foobar", false),
            ("/aaa/bb", false, "/aaa/bbb", false),
            ("/aaa/bbb", false, "/aaa/bbb/ccc", true),
            ("/foo", true, "/foo", true),
            ("/foo", true, "/foo/", false),
            ("/foo/", true, "/foo", false),
            ("/foo", true, "/bar", false),
        ];
        for (rule, exact, path, want) in cases {
            assert_eq!(
                path_matches(rule, exact, path),
                want,
                "{rule} {exact} {path}"
            );
        }
    }

    #[test]
    fn wildcard_hosts_cover_exactly_one_label() {
        let w = HostMatch::parse("*.foo.com");
        assert!(w.matches("bar.foo.com"));
        assert!(!w.matches("baz.bar.foo.com"));
        assert!(!w.matches("foo.com"));
        assert!(!w.matches(".foo.com"));
        assert!(HostMatch::parse("Foo.Bar.com").matches("foo.bar.com"));
        assert!(HostMatch::parse("").matches("anything"));
    }

    #[test]
    fn hosts_and_paths_route_to_the_most_specific_rule() {
        let (services, endpoints) = cluster(&[
            ("web", 8001),
            ("api", 8002),
            ("exact", 8003),
            ("wild", 8004),
            ("any", 8005),
            ("down", 0),
        ]);
        let ings = [
            ingress(
                "a",
                10,
                &[
                    ("shop.example", "/", "Prefix", "web"),
                    ("shop.example", "/api", "Prefix", "api"),
                    ("shop.example", "/api/v1", "Exact", "exact"),
                    ("*.example", "/", "ImplementationSpecific", "wild"),
                    ("shop.example", "/down", "Prefix", "down"),
                ],
            ),
            ingress("b", 5, &[("", "/", "Prefix", "any")]),
        ];
        let t = Table::build(&ings, &services, &endpoints);
        let cases = [
            ("shop.example", "/", "default/web:80"),
            ("SHOP.example:8080", "/cart", "default/web:80"),
            ("shop.example", "/api", "default/api:80"),
            ("shop.example", "/api/v2", "default/api:80"),
            ("shop.example", "/apix", "default/web:80"),
            ("shop.example", "/api/v1", "default/exact:80"),
            ("shop.example", "/api/v1/x", "default/api:80"),
            ("blog.example", "/x", "default/wild:80"),
            ("a.blog.example", "/x", "default/any:80"),
            ("other.test", "/", "default/any:80"),
            ("shop.example", "/down/x", "503 default/down:80"),
        ];
        for (host, path, want) in cases {
            assert_eq!(to(&t, host, path), want, "{host}{path}");
        }
    }

    #[test]
    fn no_match_is_404_unless_a_default_backend_exists_and_the_oldest_default_wins() {
        let (services, endpoints) = cluster(&[("web", 8001), ("fallback", 8002), ("late", 8003)]);
        let only = ingress("a", 10, &[("shop.example", "/", "Prefix", "web")]);
        let t = Table::build(std::slice::from_ref(&only), &services, &endpoints);
        assert_eq!(to(&t, "unknown.example", "/"), "404");
        assert_eq!(to(&t, "shop.example", "/"), "default/web:80");

        let mut old = (*ingress("old", 20, &[])).clone();
        old.spec.default_backend = Some(backend("fallback", 80));
        let mut new = (*ingress("new", 1, &[])).clone();
        new.spec.default_backend = Some(backend("late", 80));
        let t = Table::build(&[only, Arc::new(new), Arc::new(old)], &services, &endpoints);
        assert_eq!(to(&t, "unknown.example", "/"), "default/fallback:80");
    }

    #[test]
    fn backends_resolve_by_port_number_or_name_to_ready_endpoints() {
        let (services, endpoints) = cluster(&[("web", 8001)]);
        let by = |number: Option<i32>, name: &str| {
            endpoints_of(
                &services,
                &endpoints,
                "default",
                "web",
                &ServiceBackendPort {
                    name: name.into(),
                    number,
                },
            )
        };
        let want: Vec<SocketAddr> = vec!["127.0.0.1:8001".parse().unwrap()];
        assert_eq!(by(Some(80), ""), want);
        assert_eq!(by(None, "http"), want);
        assert!(by(Some(81), "").is_empty());
        assert!(by(None, "grpc").is_empty());
        assert!(
            endpoints_of(
                &services,
                &endpoints,
                "other",
                "web",
                &ServiceBackendPort::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn ports_are_stripped_from_host_headers() {
        assert_eq!(strip_port("a.example:8080"), "a.example");
        assert_eq!(strip_port("a.example"), "a.example");
        assert_eq!(strip_port("[::1]:80"), "[::1]");
        assert_eq!(strip_port("[::1]"), "[::1]");
    }
}
