//! `networking.k8s.io/v1` Ingress and IngressClass: HTTP(S) routes by host
//! and path to Services, served by every node (see `node::ingress`).
//!
//! ork is the controller of the IngressClass named [`CLASS`], which exists
//! by default and is the default class (annotation [`DEFAULT_CLASS_ANNOTATION`]).
//! An Ingress is ork's when it names that class, or names none while that
//! class is the default; Ingresses of other classes are stored and left
//! alone. Backends are Services only: a `resource` backend is refused by the
//! field policy (ork's schema lacks it).
//!
//! Imports only the rest of `api`.

use super::meta::ObjectMeta;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The IngressClass ork serves.
pub const CLASS: &str = "ork";
/// The controller name in ork's IngressClass.
pub const CONTROLLER: &str = "ork.dev/ingress";
/// The annotation that marks the default IngressClass.
pub const DEFAULT_CLASS_ANNOTATION: &str = "ingressclass.kubernetes.io/is-default-class";

/// The Node label a node serving Ingresses carries: its HTTP port.
pub const HTTP_PORT_LABEL: &str = "ingress.ork.dev/http-port";
/// The Node label a node serving Ingresses over TLS carries: its HTTPS port.
pub const HTTPS_PORT_LABEL: &str = "ingress.ork.dev/https-port";

/// Whether a Node label is one of the ingress labels its node sets itself.
pub fn is_port_label(key: &str) -> bool {
    key == HTTP_PORT_LABEL || key == HTTPS_PORT_LABEL
}

/// `status.loadBalancer.ingress` from the nodes: one entry per address of
/// a Ready node that serves Ingresses (one of the port labels), with the
/// ports served there, sorted. Pure.
pub fn load_balancer<'a>(
    nodes: impl IntoIterator<Item = &'a super::core::Node>,
) -> Vec<IngressLoadBalancerIngress> {
    let mut by_ip: std::collections::BTreeMap<String, Vec<IngressPortStatus>> = Default::default();
    for n in nodes {
        if !n.is_ready() {
            continue;
        }
        let ports: Vec<i32> = [HTTP_PORT_LABEL, HTTPS_PORT_LABEL]
            .iter()
            .filter_map(|l| n.metadata.labels.get(*l)?.parse().ok())
            .filter(|p| *p > 0)
            .collect();
        if ports.is_empty() {
            continue;
        }
        for a in n
            .status
            .addresses
            .iter()
            .filter(|a| a.type_ == "InternalIP")
        {
            let entry = by_ip.entry(a.address.clone()).or_default();
            for port in &ports {
                entry.push(IngressPortStatus {
                    port: *port,
                    protocol: "TCP".into(),
                    error: None,
                });
            }
        }
    }
    by_ip
        .into_iter()
        .map(|(ip, mut ports)| {
            ports.sort();
            ports.dedup();
            IngressLoadBalancerIngress {
                ip,
                hostname: String::new(),
                ports,
            }
        })
        .collect()
}

/// HTTP(S) routes to Services.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ingress {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: IngressSpec,
    #[serde(default)]
    pub status: IngressStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressSpec {
    /// The IngressClass that serves it (none: the default class).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_class_name: Option<String>,
    /// Where requests no rule matches go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_backend: Option<IngressBackend>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls: Vec<IngressTls>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<IngressRule>,
}

/// Where matching requests go: a Service port.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressBackend {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<IngressServiceBackend>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressServiceBackend {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub port: ServiceBackendPort,
}

/// A Service port by number or by name (exactly one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceBackendPort {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<i32>,
}

/// Hosts served over TLS with the certificate of a `kubernetes.io/tls` Secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressTls {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub secret_name: String,
}

/// The paths of one host (any host when `host` is empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressRule {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpIngressRuleValue>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpIngressRuleValue {
    #[serde(default)]
    pub paths: Vec<HttpIngressPath>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpIngressPath {
    /// Empty: `/`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// `Exact`, `Prefix` or `ImplementationSpecific` (served as `Prefix`).
    #[serde(default)]
    pub path_type: String,
    #[serde(default)]
    pub backend: IngressBackend,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressStatus {
    #[serde(default)]
    pub load_balancer: IngressLoadBalancerStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressLoadBalancerStatus {
    /// The addresses of the nodes serving the Ingress.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<IngressLoadBalancerIngress>,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressLoadBalancerIngress {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ip: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<IngressPortStatus>,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressPortStatus {
    pub port: i32,
    #[serde(default)]
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Which controller serves the Ingresses that name a class.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressClass {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: IngressClassSpec,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressClassSpec {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub controller: String,
    /// Controller-specific settings (kept as written; ork's class has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<IngressClassParametersReference>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressClassParametersReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl IngressClass {
    /// Whether the class carries the default-class annotation set to `true`.
    pub fn is_default(&self) -> bool {
        self.metadata
            .annotations
            .get(DEFAULT_CLASS_ANNOTATION)
            .is_some_and(|v| v == "true")
    }

    /// ork's own class, as it exists by default.
    pub fn ork_default() -> IngressClass {
        let mut c: IngressClass = super::object::new_object("", CLASS);
        c.metadata
            .annotations
            .insert(DEFAULT_CLASS_ANNOTATION.into(), "true".into());
        c.spec.controller = CONTROLLER.into();
        c
    }
}

impl Ingress {
    /// Whether ork serves this Ingress: it names ork's class, or names none
    /// while ork's class is the default (`ork_is_default`).
    pub fn served_by_ork(&self, ork_is_default: bool) -> bool {
        match self.spec.ingress_class_name.as_deref() {
            Some(c) => c == CLASS,
            None => ork_is_default,
        }
    }

    /// kubectl's HOSTS column: the hosts of the first four rules, `+ N
    /// more...` for the rules after them, `*` when none names a host.
    pub fn hosts_text(&self) -> String {
        const MAX: usize = 4;
        let rules = &self.spec.rules;
        let hosts: Vec<&str> = rules
            .iter()
            .take(MAX)
            .map(|r| r.host.as_str())
            .filter(|h| !h.is_empty())
            .collect();
        if hosts.is_empty() {
            "*".into()
        } else if rules.len() > MAX {
            format!("{} + {} more...", hosts.join(","), rules.len() - MAX)
        } else {
            hosts.join(",")
        }
    }

    /// kubectl's ADDRESS column: the load balancer's IPs (or hostnames).
    pub fn address_text(&self) -> String {
        self.status
            .load_balancer
            .ingress
            .iter()
            .map(|i| if i.ip.is_empty() { &i.hostname } else { &i.ip })
            .cloned()
            .collect::<Vec<_>>()
            .join(",")
    }

    /// kubectl's PORTS column: `80`, or `80, 443` with TLS.
    pub fn ports_text(&self) -> String {
        if self.spec.tls.is_empty() {
            "80".into()
        } else {
            "80, 443".into()
        }
    }
}

impl std::fmt::Display for ServiceBackendPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.number {
            Some(n) => write!(f, "{n}"),
            None => f.write_str(&self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::new_object;

    #[test]
    fn columns_text_reads_as_kubectl_prints_them() {
        let mut i: Ingress = new_object("default", "web");
        assert_eq!(i.hosts_text(), "*");
        assert_eq!(i.ports_text(), "80");
        assert_eq!(i.address_text(), "");
        for h in ["a.example", "", "b.example"] {
            i.spec.rules.push(IngressRule {
                host: h.into(),
                http: None,
            });
        }
        i.spec.tls.push(IngressTls::default());
        i.status.load_balancer.ingress = vec![
            IngressLoadBalancerIngress {
                ip: "10.0.0.1".into(),
                ..Default::default()
            },
            IngressLoadBalancerIngress {
                hostname: "lb.example".into(),
                ..Default::default()
            },
        ];
        assert_eq!(i.hosts_text(), "a.example,b.example");
        assert_eq!(i.ports_text(), "80, 443");
        assert_eq!(i.address_text(), "10.0.0.1,lb.example");
    }

    #[test]
    fn load_balancer_lists_ready_serving_nodes_by_address_with_their_ports() {
        use crate::api::core::{Node, NodeAddress};
        let node = |name: &str, ip: &str, ready: bool, http: Option<&str>, https: Option<&str>| {
            let mut n = Node::test(name).ready(ready);
            n.status.addresses = vec![NodeAddress {
                type_: "InternalIP".into(),
                address: ip.into(),
            }];
            for (l, v) in [(HTTP_PORT_LABEL, http), (HTTPS_PORT_LABEL, https)] {
                if let Some(v) = v {
                    n.metadata.labels.insert(l.into(), v.into());
                }
            }
            n
        };
        let nodes = [
            node("a", "10.0.0.2", true, Some("80"), Some("443")),
            node("b", "10.0.0.1", true, Some("81"), None),
            node("c", "10.0.0.1", true, Some("80"), Some("444")),
            node("d", "10.0.0.3", false, Some("80"), None),
            node("e", "10.0.0.4", true, None, None),
        ];
        let lb = load_balancer(&nodes);
        let got: Vec<(String, Vec<i32>)> = lb
            .iter()
            .map(|i| (i.ip.clone(), i.ports.iter().map(|p| p.port).collect()))
            .collect();
        assert_eq!(
            got,
            [
                ("10.0.0.1".to_string(), vec![80, 81, 444]),
                ("10.0.0.2".to_string(), vec![80, 443]),
            ]
        );
    }

    /// The documentation's examples, copied unchanged.
    const DOCS_EXAMPLES: &[(&str, &str)] = &[
        (
            "minimal-ingress.yaml",
            include_str!("../../tests/docs_examples/ingress/minimal-ingress.yaml"),
        ),
        (
            "ingress-wildcard-host.yaml",
            include_str!("../../tests/docs_examples/ingress/ingress-wildcard-host.yaml"),
        ),
        (
            "name-virtual-host-ingress.yaml",
            include_str!("../../tests/docs_examples/ingress/name-virtual-host-ingress.yaml"),
        ),
        (
            "name-virtual-host-ingress-no-third-host.yaml",
            include_str!(
                "../../tests/docs_examples/ingress/name-virtual-host-ingress-no-third-host.yaml"
            ),
        ),
        (
            "simple-fanout-example.yaml",
            include_str!("../../tests/docs_examples/ingress/simple-fanout-example.yaml"),
        ),
        (
            "tls-example-ingress.yaml",
            include_str!("../../tests/docs_examples/ingress/tls-example-ingress.yaml"),
        ),
        (
            "test-ingress.yaml",
            include_str!("../../tests/docs_examples/ingress/test-ingress.yaml"),
        ),
        (
            "example-ingress.yaml",
            include_str!("../../tests/docs_examples/ingress/example-ingress.yaml"),
        ),
        (
            "external-lb.yaml",
            include_str!("../../tests/docs_examples/ingress/external-lb.yaml"),
        ),
        (
            "namespaced-params.yaml",
            include_str!("../../tests/docs_examples/ingress/namespaced-params.yaml"),
        ),
        (
            "default-ingressclass.yaml",
            include_str!("../../tests/docs_examples/ingress/default-ingressclass.yaml"),
        ),
    ];

    #[test]
    fn the_documentations_examples_decode_strictly_and_validate() {
        use crate::api::manifest::{Strictness, decode};
        for (file, text) in DOCS_EXAMPLES {
            let d = decode(file, text, Strictness::Strict).unwrap_or_else(|e| {
                panic!(
                    "{file}: {}",
                    e.iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            });
            assert_eq!(d.documents.len(), 1, "{file}");
            assert!(d.warnings.is_empty(), "{file}: {:?}", d.warnings);
            let obj = &d.documents[0].object;
            assert!(matches!(
                obj.kind(),
                crate::api::Kind::Ingress | crate::api::Kind::IngressClass
            ));
            assert_eq!(obj.validate(), vec![], "{file}");
        }
        let tls = decode("t", DOCS_EXAMPLES[5].1, Strictness::Strict).unwrap();
        let crate::api::AnyObject::Ingress(i) = &tls.documents[0].object else {
            panic!("an Ingress")
        };
        assert_eq!(i.spec.tls[0].secret_name, "testsecret-tls");
        assert_eq!(
            i.spec.rules[0].http.as_ref().unwrap().paths[0].path_type,
            "Prefix"
        );
    }

    #[test]
    fn a_resource_backend_is_refused_as_not_supported() {
        use crate::api::manifest::{Strictness, decode};
        let text = include_str!("../../tests/docs_examples/ingress/ingress-resource-backend.yaml");
        let errs: Vec<String> = decode("r.yaml", text, Strictness::Strict)
            .expect_err("refused")
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs[0].starts_with("r.yaml: document 1: spec.defaultBackend.resource: not supported by ork yet: ork's Ingress backends are Services"),
            "{errs:?}"
        );
        assert!(
            errs[1]
                .contains("spec.rules[0].http.paths[0].backend.resource: not supported by ork yet"),
            "{errs:?}"
        );
    }

    #[test]
    fn ork_serves_its_class_and_classless_ingresses_while_default() {
        let mut i: Ingress = new_object("default", "web");
        assert!(i.served_by_ork(true));
        assert!(!i.served_by_ork(false));
        i.spec.ingress_class_name = Some("nginx".into());
        assert!(!i.served_by_ork(true));
        i.spec.ingress_class_name = Some(CLASS.into());
        assert!(i.served_by_ork(false));
        assert!(IngressClass::ork_default().is_default());
    }
}
