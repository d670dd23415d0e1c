//! `describe` of Ingresses and IngressClasses, laid out as kubectl does.

use super::{Doc, meta};
use crate::api::ingress::{Ingress, IngressBackend, IngressClass};

fn backend(b: &IngressBackend) -> String {
    match &b.service {
        Some(s) => format!("{}:{}", s.name, s.port),
        None => "<none>".into(),
    }
}

pub(super) fn ingress(d: &mut Doc, i: &Ingress) {
    meta(d, &i.metadata, true);
    let address = i.address_text();
    d.kv(
        0,
        "Address",
        if address.is_empty() {
            "<pending>"
        } else {
            &address
        },
    );
    d.kv(
        0,
        "Ingress Class",
        i.spec.ingress_class_name.as_deref().unwrap_or("<none>"),
    );
    d.kv(
        0,
        "Default backend",
        i.spec
            .default_backend
            .as_ref()
            .map_or("<default>".into(), backend),
    );
    if !i.spec.tls.is_empty() {
        d.line(0, "TLS:");
        for t in &i.spec.tls {
            let secret = if t.secret_name.is_empty() {
                "SNI routes"
            } else {
                &t.secret_name
            };
            d.line(2, format!("{secret} terminates {}", t.hosts.join(",")));
        }
    }
    d.line(0, "Rules:");
    let mut rows = vec![];
    for r in &i.spec.rules {
        let host = if r.host.is_empty() { "*" } else { &r.host };
        rows.push(vec![host.to_string(), String::new(), String::new()]);
        for p in r.http.iter().flat_map(|h| &h.paths) {
            let path = if p.path.is_empty() { "/" } else { &p.path };
            rows.push(vec![
                String::new(),
                format!("{path} ({})", p.path_type),
                backend(&p.backend),
            ]);
        }
    }
    d.table(&["Host", "Path", "Backends"], &rows);
}

pub(super) fn ingress_class(d: &mut Doc, c: &IngressClass) {
    meta(d, &c.metadata, false);
    d.kv(0, "Controller", &c.spec.controller);
    d.kv(0, "Default", if c.is_default() { "true" } else { "false" });
    if let Some(p) = &c.spec.parameters {
        d.line(0, "Parameters:");
        if let Some(g) = &p.api_group {
            d.kv(2, "APIGroup", g);
        }
        d.kv(2, "Kind", &p.kind);
        d.kv(2, "Name", &p.name);
        if let Some(s) = &p.scope {
            d.kv(2, "Scope", s);
        }
        if let Some(n) = &p.namespace {
            d.kv(2, "Namespace", n);
        }
    }
}
