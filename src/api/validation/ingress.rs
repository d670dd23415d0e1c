//! Ingress and IngressClass checks: hosts (DNS-1123, or `*.` and one),
//! paths by their type, Service backends by name and port.

use super::{FieldError, dns1123_label_error, dns1123_subdomain_error, object};
use crate::api::ingress::{Ingress, IngressBackend, IngressClass};

/// The path types Kubernetes defines.
pub const PATH_TYPES: [&str; 3] = ["Exact", "Prefix", "ImplementationSpecific"];

/// Why a rule's or TLS entry's host is not one, or `None`: a DNS-1123
/// subdomain, optionally `*.` followed by one (one label of wildcard).
fn host_error(host: &str) -> Option<String> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Some("must be a DNS name, not an IP address".into());
    }
    let rest = host.strip_prefix("*.").unwrap_or(host);
    if rest.contains('*') {
        return Some(
            "a wildcard may only be the first label, as `*.` (e.g. '*.example.com')".into(),
        );
    }
    dns1123_subdomain_error(rest)
}

fn backend(path: &str, b: &IngressBackend, errs: &mut Vec<FieldError>) {
    let Some(s) = &b.service else {
        errs.push(FieldError::new(format!("{path}.service"), "required"));
        return;
    };
    if let Some(m) = dns1123_label_error(&s.name) {
        errs.push(FieldError::new(format!("{path}.service.name"), m));
    }
    let port = format!("{path}.service.port");
    match (s.port.number, s.port.name.is_empty()) {
        (Some(_), false) => errs.push(FieldError::new(
            port,
            "give a port number or a port name, not both",
        )),
        (None, true) => errs.push(FieldError::new(
            port,
            "required: a port number or a port name",
        )),
        (Some(n), true) if !(1..=65535).contains(&n) => errs.push(FieldError::new(
            format!("{port}.number"),
            format!("{n} must be between 1 and 65535"),
        )),
        (None, false) => {
            if let Some(m) = dns1123_label_error(&s.port.name) {
                errs.push(FieldError::new(format!("{port}.name"), m));
            }
        }
        _ => {}
    }
}

/// An Ingress: a default backend or rules, hosts, paths, backends, TLS.
pub fn validate_ingress(ing: &Ingress) -> Vec<FieldError> {
    object(ing, |ing, errs| {
        let spec = &ing.spec;
        if let Some(c) = &spec.ingress_class_name
            && let Some(m) = dns1123_subdomain_error(c)
        {
            errs.push(FieldError::new("spec.ingressClassName", m));
        }
        if spec.default_backend.is_none() && spec.rules.is_empty() {
            errs.push(FieldError::new(
                "spec",
                "either defaultBackend or rules must be specified",
            ));
        }
        if let Some(b) = &spec.default_backend {
            backend("spec.defaultBackend", b, errs);
        }
        for (i, r) in spec.rules.iter().enumerate() {
            let at = format!("spec.rules[{i}]");
            if !r.host.is_empty()
                && let Some(m) = host_error(&r.host)
            {
                errs.push(FieldError::new(format!("{at}.host"), m));
            }
            let Some(http) = &r.http else { continue };
            if http.paths.is_empty() {
                errs.push(FieldError::new(format!("{at}.http.paths"), "required"));
            }
            for (j, p) in http.paths.iter().enumerate() {
                let at = format!("{at}.http.paths[{j}]");
                if p.path_type.is_empty() {
                    errs.push(FieldError::new(
                        format!("{at}.pathType"),
                        "required: Exact, Prefix or ImplementationSpecific",
                    ));
                } else if !PATH_TYPES.contains(&p.path_type.as_str()) {
                    errs.push(FieldError::new(
                        format!("{at}.pathType"),
                        format!(
                            "{:?}: must be Exact, Prefix or ImplementationSpecific",
                            p.path_type
                        ),
                    ));
                }
                if p.path.is_empty() {
                    if p.path_type != "ImplementationSpecific" {
                        errs.push(FieldError::new(
                            format!("{at}.path"),
                            "required for Exact and Prefix",
                        ));
                    }
                } else if !p.path.starts_with('/') {
                    errs.push(FieldError::new(
                        format!("{at}.path"),
                        format!("{:?} must be an absolute path (start with '/')", p.path),
                    ));
                }
                backend(&format!("{at}.backend"), &p.backend, errs);
            }
        }
        for (i, t) in spec.tls.iter().enumerate() {
            for (j, h) in t.hosts.iter().enumerate() {
                if let Some(m) = host_error(h) {
                    errs.push(FieldError::new(format!("spec.tls[{i}].hosts[{j}]"), m));
                }
            }
            if !t.secret_name.is_empty()
                && let Some(m) = dns1123_subdomain_error(&t.secret_name)
            {
                errs.push(FieldError::new(format!("spec.tls[{i}].secretName"), m));
            }
        }
    })
}

/// An IngressClass: its controller is required.
pub fn validate_ingress_class(c: &IngressClass) -> Vec<FieldError> {
    object(c, |c, errs| {
        if c.spec.controller.is_empty() {
            errs.push(FieldError::new("spec.controller", "required"));
        }
        if let Some(p) = &c.spec.parameters {
            if p.kind.is_empty() {
                errs.push(FieldError::new("spec.parameters.kind", "required"));
            }
            if p.name.is_empty() {
                errs.push(FieldError::new("spec.parameters.name", "required"));
            }
            match p.scope.as_deref() {
                None | Some("Cluster") if p.namespace.is_some() => errs.push(FieldError::new(
                    "spec.parameters.namespace",
                    "must not be set when scope is Cluster",
                )),
                Some("Namespace") if p.namespace.is_none() => errs.push(FieldError::new(
                    "spec.parameters.namespace",
                    "required when scope is Namespace",
                )),
                None | Some("Cluster") | Some("Namespace") => {}
                Some(other) => errs.push(FieldError::new(
                    "spec.parameters.scope",
                    format!("{other:?}: must be Cluster or Namespace"),
                )),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ingress::*;
    use crate::api::new_object;

    fn svc(name: &str, number: Option<i32>, port_name: &str) -> IngressBackend {
        IngressBackend {
            service: Some(IngressServiceBackend {
                name: name.into(),
                port: ServiceBackendPort {
                    name: port_name.into(),
                    number,
                },
            }),
        }
    }

    fn paths(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(|e| e.path.clone()).collect()
    }

    #[test]
    fn hosts_allow_one_leading_wildcard_label_only() {
        assert_eq!(host_error("foo.bar.com"), None);
        assert_eq!(host_error("*.foo.com"), None);
        assert!(host_error("foo.*.com").is_some());
        assert!(host_error("*.*.com").is_some());
        assert!(host_error("10.0.0.1").is_some());
        assert!(host_error("Foo.com").is_some());
    }

    #[test]
    fn an_ingress_is_checked_field_by_field() {
        let mut i: Ingress = new_object("default", "web");
        assert_eq!(paths(&validate_ingress(&i)), ["spec"]);
        i.spec.default_backend = Some(svc("web", Some(80), ""));
        assert!(validate_ingress(&i).is_empty());
        i.spec.rules.push(IngressRule {
            host: "a.*.com".into(),
            http: Some(HttpIngressRuleValue {
                paths: vec![
                    HttpIngressPath {
                        path: "api".into(),
                        path_type: "Regex".into(),
                        backend: svc("api", Some(70000), ""),
                    },
                    HttpIngressPath {
                        path: String::new(),
                        path_type: "Prefix".into(),
                        backend: svc("api", Some(80), "http"),
                    },
                    HttpIngressPath {
                        path: String::new(),
                        path_type: "ImplementationSpecific".into(),
                        backend: IngressBackend::default(),
                    },
                ],
            }),
        });
        i.spec.tls.push(IngressTls {
            hosts: vec!["*.ok.example".into()],
            secret_name: "Bad_Name".into(),
        });
        assert_eq!(
            paths(&validate_ingress(&i)),
            [
                "spec.rules[0].host",
                "spec.rules[0].http.paths[0].pathType",
                "spec.rules[0].http.paths[0].path",
                "spec.rules[0].http.paths[0].backend.service.port.number",
                "spec.rules[0].http.paths[1].path",
                "spec.rules[0].http.paths[1].backend.service.port",
                "spec.rules[0].http.paths[2].backend.service",
                "spec.tls[0].secretName",
            ]
        );
    }

    #[test]
    fn an_ingress_class_needs_a_controller_and_coherent_parameters() {
        assert!(validate_ingress_class(&IngressClass::ork_default()).is_empty());
        let mut c: IngressClass = new_object("", "other");
        assert_eq!(paths(&validate_ingress_class(&c)), ["spec.controller"]);
        c.spec.controller = "example.com/ingress".into();
        c.spec.parameters = Some(IngressClassParametersReference {
            kind: "IngressParameters".into(),
            name: "p".into(),
            scope: Some("Namespace".into()),
            ..Default::default()
        });
        assert_eq!(
            paths(&validate_ingress_class(&c)),
            ["spec.parameters.namespace"]
        );
    }
}
