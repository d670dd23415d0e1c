//! Nodes (with the pods on them and what those request), namespaces,
//! services and their endpoints, ConfigMaps, Secrets (sizes only) and
//! volume claims.

use super::{Doc, conditions, meta};
use crate::api::service::EndpointAddress;
use crate::api::volume::PersistentVolumeClaim;
use crate::api::{ConfigMap, Endpoints, IntOrString, Namespace, Node, Pod, Secret, Service};
use crate::verbs::output::or;

pub(super) fn node(d: &mut Doc, n: &Node, pods: &[Pod]) {
    meta(d, &n.metadata, false);
    d.kv(0, "Unschedulable", n.spec.unschedulable.to_string());
    conditions(d, &n.status.conditions);
    d.line(0, "Addresses:");
    for a in &n.status.addresses {
        d.kv(2, &a.type_, &a.address);
    }
    for (label, q) in [
        ("Capacity", &n.status.capacity),
        ("Allocatable", &n.status.allocatable),
    ] {
        d.line(0, format!("{label}:"));
        for (k, v) in q {
            d.kv(2, k, v.to_string());
        }
    }
    let i = &n.status.node_info;
    d.line(0, "System Info:");
    d.kv(2, "Kernel Version", &i.kernel_version);
    d.kv(2, "OS Image", &i.os_image);
    d.kv(2, "Architecture", &i.architecture);
    d.kv(2, "Runtime", &i.container_runtime_version);
    d.kv(2, "ork Version", &i.kubelet_version);
    let active: Vec<&Pod> = pods.iter().filter(|p| !p.is_terminal()).collect();
    d.line(0, format!("Pods: ({} in total)", active.len()));
    let rows: Vec<Vec<String>> = active
        .iter()
        .map(|p| {
            vec![
                p.metadata.namespace.clone(),
                p.metadata.name.clone(),
                format!("{}m", p.request_milli("cpu")),
                format!("{}Mi", (p.request_milli("memory") / 1000) >> 20),
                d.age(p.metadata.creation_timestamp),
            ]
        })
        .collect();
    if !rows.is_empty() {
        d.table(
            &[
                "Namespace",
                "Name",
                "CPU Requests",
                "Memory Requests",
                "Age",
            ],
            &rows,
        );
    }
    let cpu: i128 = active.iter().map(|p| p.request_milli("cpu")).sum();
    let mem: i128 = active
        .iter()
        .map(|p| p.request_milli("memory") / 1000)
        .sum();
    let pct = |used: i128, total: i128| if total > 0 { used * 100 / total } else { 0 };
    d.line(0, "Allocated resources:");
    d.kv(
        2,
        "cpu",
        format!("{cpu}m ({}%)", pct(cpu, n.allocatable_milli("cpu"))),
    );
    d.kv(
        2,
        "memory",
        format!(
            "{}Mi ({}%)",
            mem >> 20,
            pct(mem, n.allocatable_milli("memory") / 1000)
        ),
    );
}

pub(super) fn namespace(d: &mut Doc, n: &Namespace) {
    meta(d, &n.metadata, false);
    d.kv(0, "Status", or(&n.status.phase, "Active"));
}

pub(super) fn service(d: &mut Doc, s: &Service, eps: Option<&Endpoints>) {
    meta(d, &s.metadata, true);
    let sel: Vec<String> = s
        .spec
        .selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    d.kv(0, "Selector", or(&sel.join(","), "<none>"));
    d.kv(0, "Type", or(&s.spec.type_, "ClusterIP"));
    d.kv(0, "IP", &s.spec.cluster_ip);
    if !s.spec.cluster_ips.is_empty() {
        d.kv(0, "IPs", s.spec.cluster_ips.join(","));
    }
    if s.is_load_balancer() {
        d.kv(0, "LoadBalancer Ingress", s.external_ip_text());
    }
    for p in &s.spec.ports {
        let n = or(&p.name, "<unset>");
        d.kv(0, "Port", format!("{n}  {}/{:?}", p.port, p.protocol));
        let target = match &p.target_port {
            Some(IntOrString::Int(t)) => t.to_string(),
            Some(IntOrString::String(t)) => t.clone(),
            None => p.port.to_string(),
        };
        d.kv(0, "TargetPort", format!("{target}/{:?}", p.protocol));
        if let Some(c) = p.cluster_port {
            d.kv(
                0,
                "ClusterPort",
                format!("{n}  {c}/{:?} (on every node)", p.protocol),
            );
        }
        if let Some(np) = p.node_port {
            d.kv(0, "NodePort", format!("{n}  {np}/{:?}", p.protocol));
        }
        let list: Vec<String> = eps
            .map(|e| {
                e.ready(&p.name)
                    .into_iter()
                    .map(|(ip, port)| format!("{ip}:{port}"))
                    .collect()
            })
            .unwrap_or_default();
        d.kv(0, "Endpoints", or(&list.join(","), "<none>"));
    }
    d.kv(0, "Session Affinity", or(&s.spec.session_affinity, "None"));
    if s.is_node_port() {
        d.kv(
            0,
            "External Traffic Policy",
            or(&s.spec.external_traffic_policy, "Cluster"),
        );
    }
    d.kv(
        0,
        "Internal Traffic Policy",
        or(&s.spec.internal_traffic_policy, "Cluster"),
    );
    if !s.spec.load_balancer_source_ranges.is_empty() {
        d.kv(
            0,
            "LoadBalancer Source Ranges",
            s.spec.load_balancer_source_ranges.join(","),
        );
    }
}

pub(super) fn endpoints(d: &mut Doc, e: &Endpoints) {
    meta(d, &e.metadata, true);
    d.line(0, "Subsets:");
    for s in &e.subsets {
        let ips = |a: &[EndpointAddress]| {
            let v: Vec<String> = a.iter().map(|a| a.ip.clone()).collect();
            or(&v.join(","), "<none>").to_string()
        };
        d.kv(2, "Addresses", ips(&s.addresses));
        d.kv(2, "NotReadyAddresses", ips(&s.not_ready_addresses));
        d.line(2, "Ports:");
        for p in &s.ports {
            d.line(
                4,
                format!("{}  {}  {:?}", or(&p.name, "<unset>"), p.port, p.protocol),
            );
        }
    }
}

pub(super) fn config_map(d: &mut Doc, c: &ConfigMap) {
    meta(d, &c.metadata, true);
    if c.is_immutable() {
        d.kv(0, "Immutable", "true");
    }
    d.kv(0, "Data", "");
    for (k, v) in &c.data {
        if v.contains('\n') {
            // A file-like value: its lines under the key, as kubectl shows them.
            d.kv(2, k, "");
            for l in v.lines() {
                d.line(4, l);
            }
        } else {
            d.kv(2, k, v);
        }
    }
    if !c.binary_data.is_empty() {
        d.kv(0, "BinaryData", "");
        for (k, v) in &c.binary_data {
            let n = crate::api::config::decode_base64(v).map_or(0, |b| b.len());
            d.kv(2, k, format!("{n} bytes"));
        }
    }
}

pub(super) fn secret(d: &mut Doc, s: &Secret) {
    meta(d, &s.metadata, true);
    d.kv(0, "Type", s.type_name());
    if s.is_immutable() {
        d.kv(0, "Immutable", "true");
    }
    // Sizes only, as kubectl shows them: never the values.
    d.kv(0, "Data", "");
    for k in s.data.keys() {
        let n = s.value(k).map_or(0, |b| b.len());
        d.kv(2, k, format!("{n} bytes"));
    }
}

pub(super) fn claim(d: &mut Doc, c: &PersistentVolumeClaim) {
    meta(d, &c.metadata, true);
    d.kv(0, "Status", or(&c.status.phase, "Pending"));
    d.kv(
        0,
        "Node",
        c.node()
            .unwrap_or("<none> (bound when a pod first uses it)"),
    );
    d.kv(0, "Access Modes", c.spec.access_modes.join(","));
    if let Some(q) = c.spec.resources.requests.get("storage") {
        d.kv(0, "Capacity", q.to_string());
    }
}

pub(super) fn service_account(d: &mut Doc, sa: &crate::api::serviceaccount::ServiceAccount) {
    meta(d, &sa.metadata, true);
    let names = |v: Vec<&str>| {
        if v.is_empty() {
            "<none>".to_string()
        } else {
            v.join(", ")
        }
    };
    d.kv(
        0,
        "Image pull secrets",
        names(
            sa.image_pull_secrets
                .iter()
                .map(|s| s.name.as_str())
                .collect(),
        ),
    );
    d.kv(
        0,
        "Mountable secrets",
        names(sa.secrets.iter().map(|s| s.name.as_str()).collect()),
    );
    d.kv(0, "Tokens", "<none>");
}
