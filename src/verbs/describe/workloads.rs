//! Pods, the templates and containers they are made from, and what makes
//! them: deployments, replica sets, autoscalers.

use super::{Doc, conditions, meta, time};
use crate::api::autoscaling::HorizontalPodAutoscaler;
use crate::api::{Container, ContainerState, Deployment, Pod, PodTemplateSpec, ReplicaSet};

fn state(d: &mut Doc, indent: usize, label: &str, s: &ContainerState) {
    if let Some(r) = &s.running {
        d.kv(indent, label, "Running");
        d.kv(indent + 2, "Started", time(r.started_at));
    } else if let Some(w) = &s.waiting {
        d.kv(indent, label, "Waiting");
        d.kv(indent + 2, "Reason", &w.reason);
        if !w.message.is_empty() {
            d.kv(indent + 2, "Message", &w.message);
        }
    } else if let Some(t) = &s.terminated {
        d.kv(indent, label, "Terminated");
        d.kv(indent + 2, "Reason", &t.reason);
        d.kv(indent + 2, "Exit Code", t.exit_code.to_string());
        d.kv(indent + 2, "Started", time(t.started_at));
        d.kv(indent + 2, "Finished", time(t.finished_at));
    }
}

fn containers(d: &mut Doc, indent: usize, cs: &[Container], pod: Option<&Pod>) {
    d.line(indent, "Containers:");
    for c in cs {
        d.line(indent + 2, format!("{}:", c.name));
        let i = indent + 4;
        if !c.image.is_empty() {
            d.kv(i, "Image", &c.image);
        }
        for (key, words) in [("Command", &c.command), ("Args", &c.args)] {
            if words.is_empty() {
                continue;
            }
            if words.iter().any(|w| w.contains('\n')) {
                d.line(i, format!("{key}:"));
                for w in words {
                    for l in w.lines() {
                        d.line(i + 2, l);
                    }
                }
            } else {
                d.kv(i, key, words.join(" "));
            }
        }
        let ports: Vec<String> = c
            .ports
            .iter()
            .map(|p| {
                format!(
                    "{}/{:?}{}",
                    p.container_port,
                    p.protocol,
                    if p.name.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", p.name)
                    }
                )
            })
            .collect();
        d.kv(
            i,
            "Ports",
            if ports.is_empty() {
                "<none>".into()
            } else {
                ports.join(", ")
            },
        );
        let status = pod.and_then(|p| {
            p.status
                .container_statuses
                .iter()
                .find(|s| s.name == c.name)
        });
        if let Some(s) = status {
            let host: Vec<String> = s
                .ports
                .iter()
                .filter_map(|p| p.host_port.map(|h| format!("{} -> {h}", p.container_port)))
                .collect();
            if !host.is_empty() {
                d.kv(i, "Host Ports", host.join(", "));
            }
            state(d, i, "State", &s.state);
            if !s.last_state.is_empty() {
                state(d, i, "Last State", &s.last_state);
            }
            d.kv(i, "Ready", if s.ready { "True" } else { "False" });
            d.kv(i, "Restart Count", s.restart_count.to_string());
        }
        for (k, q) in [
            ("Requests", &c.resources.requests),
            ("Limits", &c.resources.limits),
        ] {
            if !q.is_empty() {
                d.line(i, format!("{k}:"));
                for (r, v) in q {
                    d.kv(i + 2, r, v.to_string());
                }
            }
        }
        if c.env.is_empty() {
            d.kv(i, "Environment", "<none>");
        } else {
            d.line(i, "Environment:");
            for e in &c.env {
                d.kv(i + 2, &e.name, &e.value);
            }
        }
    }
}

pub(super) fn template(d: &mut Doc, t: &PodTemplateSpec) {
    d.line(0, "Pod Template:");
    d.map(2, "Labels", &t.metadata.labels);
    containers(d, 2, &t.spec.containers, None);
}

pub(super) fn pod(d: &mut Doc, p: &Pod) {
    meta(d, &p.metadata, true);
    d.kv(0, "Service Account", p.service_account());
    let token = match p.spec.automount_service_account_token {
        Some(false) => "none mounted (automountServiceAccountToken: false)".to_string(),
        _ => format!(
            "mounted at {} unless its ServiceAccount sets automountServiceAccountToken: false",
            crate::api::bound_token::MOUNT_PATH
        ),
    };
    d.kv(0, "Service Account Token", token);
    d.kv(
        0,
        "Node",
        if p.spec.node_name.is_empty() {
            "<none>".into()
        } else {
            format!("{}/{}", p.spec.node_name, p.status.host_ip)
        },
    );
    d.kv(0, "Start Time", time(p.status.start_time));
    d.kv(0, "Status", p.display_status());
    d.kv(0, "Phase", format!("{:?}", p.status.phase));
    d.kv(
        0,
        "IP",
        if p.status.pod_ip.is_empty() {
            "<none>"
        } else {
            &p.status.pod_ip
        },
    );
    d.kv(0, "Restart Policy", format!("{:?}", p.spec.restart_policy));
    d.kv(0, "Grace Period", format!("{}s", p.grace_seconds()));
    if !p.spec.node_selector.is_empty() {
        d.map(0, "Node-Selectors", &p.spec.node_selector);
    }
    containers(d, 0, &p.spec.containers, Some(p));
    conditions(d, &p.status.conditions);
}

pub(super) fn selector(d: &mut Doc, s: &crate::api::LabelSelector) {
    d.kv(
        0,
        "Selector",
        s.to_selector().map(|s| s.to_string()).unwrap_or_default(),
    );
}

pub(super) fn deployment(d: &mut Doc, dep: &Deployment) {
    meta(d, &dep.metadata, true);
    selector(d, &dep.spec.selector);
    let s = &dep.status;
    d.kv(
        0,
        "Replicas",
        format!(
            "{} desired | {} updated | {} total | {} available | {} unavailable",
            dep.replicas(),
            s.updated_replicas,
            s.replicas,
            s.available_replicas,
            s.unavailable_replicas
        ),
    );
    d.kv(0, "StrategyType", format!("{:?}", dep.strategy_type()));
    d.kv(0, "MinReadySeconds", dep.spec.min_ready_seconds.to_string());
    if let Ok((surge, unavailable)) = dep.surge_and_unavailable() {
        d.kv(
            0,
            "RollingUpdateStrategy",
            format!("{unavailable} max unavailable, {surge} max surge"),
        );
    }
    template(d, &dep.spec.template);
    conditions(d, &s.conditions);
}

fn replicas(d: &mut Doc, current: i32, desired: i32) {
    d.kv(
        0,
        "Replicas",
        format!("{current} current / {desired} desired"),
    );
}

pub(super) fn replicaset(d: &mut Doc, rs: &ReplicaSet) {
    meta(d, &rs.metadata, true);
    selector(d, &rs.spec.selector);
    replicas(d, rs.status.replicas, rs.replicas());
    d.kv(
        0,
        "Pods Status",
        format!(
            "{} Ready / {} Available",
            rs.status.ready_replicas, rs.status.available_replicas
        ),
    );
    template(d, &rs.spec.template);
}

pub(super) fn autoscaler(d: &mut Doc, h: &HorizontalPodAutoscaler) {
    meta(d, &h.metadata, true);
    d.kv(0, "Reference", h.reference());
    d.kv(0, "Metrics", h.targets_text());
    d.kv(0, "Min replicas", h.spec.min().to_string());
    d.kv(0, "Max replicas", h.spec.max_replicas.to_string());
    d.kv(
        0,
        "Scale-down window",
        format!("{}s", h.spec.scale_down_window_seconds()),
    );
    replicas(d, h.status.current_replicas, h.status.desired_replicas);
    conditions(d, &h.status.conditions);
}

pub(super) fn daemonset(d: &mut Doc, ds: &crate::api::DaemonSet) {
    meta(d, &ds.metadata, true);
    selector(d, &ds.spec.selector);
    let ns = crate::api::columns::join_labels(&ds.spec.template.spec.node_selector);
    d.kv(
        0,
        "Node-Selector",
        if ns.is_empty() { "<none>".into() } else { ns },
    );
    let s = &ds.status;
    for (label, n) in [
        (
            "Desired Number of Nodes Scheduled",
            s.desired_number_scheduled,
        ),
        (
            "Current Number of Nodes Scheduled",
            s.current_number_scheduled,
        ),
        (
            "Number of Nodes Scheduled with Up-to-date Pods",
            s.updated_number_scheduled,
        ),
        (
            "Number of Nodes Scheduled with Available Pods",
            s.number_available,
        ),
        ("Number of Nodes Misscheduled", s.number_misscheduled),
    ] {
        d.kv(0, label, n.to_string());
    }
    d.kv(0, "UpdateStrategy", format!("{:?}", ds.strategy_type()));
    template(d, &ds.spec.template);
    conditions(d, &s.conditions);
}

pub(super) fn controller_revision(d: &mut Doc, r: &crate::api::ControllerRevision) {
    meta(d, &r.metadata, true);
    d.kv(0, "Revision", r.revision.to_string());
}

pub(super) fn statefulset(d: &mut Doc, s: &crate::api::statefulset::StatefulSet) {
    meta(d, &s.metadata, true);
    selector(d, &s.spec.selector);
    replicas(d, s.status.replicas, s.replicas());
    let strategy = s
        .spec
        .update_strategy
        .as_ref()
        .map(|u| u.type_.as_str())
        .filter(|t| !t.is_empty())
        .unwrap_or("RollingUpdate");
    d.kv(0, "Update Strategy", strategy);
    if strategy == "RollingUpdate" {
        d.kv(2, "Partition", s.partition().to_string());
    }
    d.kv(
        0,
        "Pods Status",
        format!(
            "{} Ready / {} Available",
            s.status.ready_replicas, s.status.available_replicas
        ),
    );
    template(d, &s.spec.template);
    if s.spec.volume_claim_templates.is_empty() {
        d.kv(0, "Volume Claims", "<none>");
    } else {
        d.line(0, "Volume Claims:");
        for c in &s.spec.volume_claim_templates {
            d.kv(2, "Name", &c.metadata.name);
            d.kv(
                2,
                "StorageClass",
                c.spec.storage_class_name.clone().unwrap_or_default(),
            );
            let capacity = c
                .spec
                .resources
                .requests
                .get("storage")
                .map(|q| q.to_string())
                .unwrap_or_default();
            d.kv(2, "Capacity", capacity);
            d.kv(
                2,
                "Access Modes",
                format!("[{}]", c.spec.access_modes.join(" ")),
            );
        }
    }
}
