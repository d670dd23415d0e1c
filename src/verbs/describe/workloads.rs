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

fn template(d: &mut Doc, t: &PodTemplateSpec) {
    d.line(0, "Pod Template:");
    d.map(2, "Labels", &t.metadata.labels);
    containers(d, 2, &t.spec.containers, None);
}

pub(super) fn pod(d: &mut Doc, p: &Pod) {
    meta(d, &p.metadata, true);
    d.kv(0, "Service Account", p.service_account());
    // ork mounts no token: only `false` or unset is admitted.
    d.kv(
        0,
        "Service Account Token",
        "none mounted (ork does not mount service-account tokens yet)",
    );
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

fn selector(d: &mut Doc, s: &crate::api::LabelSelector) {
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
