//! Services and Endpoints: types ork serves, ports in range and named when
//! there are several, target ports, node and cluster ports in their ranges.
//! Whether a port is free is admission's question, not this file's.

use super::super::apps::IntOrString;
use super::super::service::{CLUSTER_PORTS, Cidr, Endpoints, NODE_PORTS, Service};
use super::{FieldError, object};
use std::collections::HashSet;

/// A Service: type, ports, target ports, port ranges.
pub fn validate_service(s: &Service) -> Vec<FieldError> {
    object(s, service_spec)
}

fn service_spec(s: &Service, errs: &mut Vec<FieldError>) {
    match s.spec.type_.as_str() {
        "" | "ClusterIP" | "NodePort" | "LoadBalancer" => {}
        "ExternalName" => {
            if s.spec.external_name.is_empty() {
                errs.push(FieldError::new(
                    "spec.externalName",
                    "required for an ExternalName service",
                ));
            } else if let Some(m) =
                super::dns1123_subdomain_error(s.spec.external_name.trim_end_matches('.'))
            {
                errs.push(FieldError::new("spec.externalName", m));
            }
            return;
        }
        other => errs.push(FieldError::new(
            "spec.type",
            format!("unknown type {other:?}: ClusterIP, NodePort, LoadBalancer or ExternalName"),
        )),
    }
    if s.is_headless() && s.is_node_port() {
        errs.push(FieldError::new(
            "spec.clusterIP",
            format!("may not be \"None\" for a {} service", s.spec.type_),
        ));
    }
    match s.spec.session_affinity.as_str() {
        "" | "None" | "ClientIP" => {}
        other => errs.push(FieldError::new(
            "spec.sessionAffinity",
            format!("{other:?}: None or ClientIP"),
        )),
    }
    if let Some(t) = s
        .spec
        .session_affinity_config
        .as_ref()
        .and_then(|c| c.client_ip.as_ref())
        .and_then(|c| c.timeout_seconds)
        && !(1..=86400).contains(&t)
    {
        errs.push(FieldError::new(
            "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
            format!("{t} is not between 1 and 86400"),
        ));
    }
    for (field, v) in [
        ("internalTrafficPolicy", &s.spec.internal_traffic_policy),
        ("externalTrafficPolicy", &s.spec.external_traffic_policy),
    ] {
        if !["", "Cluster", "Local"].contains(&v.as_str()) {
            errs.push(FieldError::new(
                format!("spec.{field}"),
                format!("{v:?}: Cluster or Local"),
            ));
        }
    }
    if !s.spec.external_traffic_policy.is_empty() && !s.is_node_port() {
        errs.push(FieldError::new(
            "spec.externalTrafficPolicy",
            "may only be set when type is NodePort or LoadBalancer",
        ));
    }
    for (i, r) in s.spec.load_balancer_source_ranges.iter().enumerate() {
        if let Err(e) = r.parse::<Cidr>() {
            errs.push(FieldError::new(
                format!("spec.loadBalancerSourceRanges[{i}]"),
                e,
            ));
        }
    }
    if !s.spec.load_balancer_source_ranges.is_empty() && !s.is_load_balancer() {
        errs.push(FieldError::new(
            "spec.loadBalancerSourceRanges",
            "may only be set when type is LoadBalancer",
        ));
    }
    if s.spec.ports.is_empty() && !s.is_headless() {
        errs.push(FieldError::new(
            "spec.ports",
            "at least one port is required",
        ));
    }
    let mut names = HashSet::new();
    for (i, p) in s.spec.ports.iter().enumerate() {
        let f = |x: &str| format!("spec.ports[{i}].{x}");
        if !(1..=65535).contains(&p.port) {
            errs.push(FieldError::new(
                f("port"),
                format!("{} is not between 1 and 65535", p.port),
            ));
        }
        if s.spec.ports.len() > 1 && p.name.is_empty() {
            errs.push(FieldError::new(
                f("name"),
                "required when a service has more than one port",
            ));
        }
        if !names.insert(p.name.clone()) {
            errs.push(FieldError::new(
                f("name"),
                format!("duplicate port name {:?}", p.name),
            ));
        }
        match &p.target_port {
            Some(IntOrString::Int(n)) if !(1..=65535).contains(n) => errs.push(FieldError::new(
                f("targetPort"),
                format!("{n} is not between 1 and 65535"),
            )),
            Some(IntOrString::String(n)) if n.is_empty() || n.len() > 15 => errs.push(
                FieldError::new(f("targetPort"), format!("{n:?} is not a port name")),
            ),
            _ => {}
        }
        if let Some(n) = p.node_port
            && s.is_node_port()
            && !NODE_PORTS.contains(&n)
        {
            errs.push(FieldError::new(
                f("nodePort"),
                format!("{n} is not in the node port range 30000-32767"),
            ));
        }
        if let Some(c) = p.cluster_port
            && s.is_headless()
        {
            errs.push(FieldError::new(
                f("clusterPort"),
                format!("{c}: a headless service has no cluster port"),
            ));
        }
        if let Some(c) = p.cluster_port
            && !CLUSTER_PORTS.contains(&c)
        {
            errs.push(FieldError::new(
                f("clusterPort"),
                format!("{c} is not in the cluster port range 20000-29999"),
            ));
        }
    }
}

/// Endpoints: metadata only (the endpoints controller writes them).
pub fn validate_endpoints(e: &Endpoints) -> Vec<FieldError> {
    object(e, |_, _| {})
}
