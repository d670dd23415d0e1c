//! `ork describe KIND NAME`: one object in prose, as kubectl shows it, ending
//! with the events recorded about it.

use super::output::{age, table, to_yaml};
use super::{CliError, Ctx, Result};
use crate::api::{
    AnyObject, Condition, Container, ContainerState, Deployment, Event, Kind, Node, ObjectMeta,
    Pod, PodTemplateSpec, ReplicaSet, Time,
};
use crate::client::ListParams;
use clap::Args;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Args, Debug)]
pub struct DescribeArgs {
    /// KIND NAME, or KIND/NAME.
    #[arg(required = true, value_name = "KIND NAME")]
    pub target: Vec<String>,
}

/// Lines of `Key:  value`, values aligned.
#[derive(Default)]
struct Doc {
    out: String,
}

impl Doc {
    fn kv(&mut self, indent: usize, key: &str, value: impl AsRef<str>) {
        let pad = 20usize.saturating_sub(indent + key.len() + 1).max(1);
        let _ = writeln!(
            self.out,
            "{}{key}:{}{}",
            " ".repeat(indent),
            " ".repeat(pad),
            value.as_ref()
        );
    }

    fn line(&mut self, indent: usize, text: impl AsRef<str>) {
        let _ = writeln!(self.out, "{}{}", " ".repeat(indent), text.as_ref());
    }

    fn map(&mut self, indent: usize, key: &str, m: &BTreeMap<String, String>) {
        if m.is_empty() {
            self.kv(indent, key, "<none>");
            return;
        }
        for (i, (k, v)) in m.iter().enumerate() {
            let v: String = if v.len() > 120 {
                format!("{}…", &v[..v.floor_char_boundary(117)])
            } else {
                v.clone()
            };
            if i == 0 {
                self.kv(indent, key, format!("{k}={v}"));
            } else {
                self.line(
                    indent + 19usize.saturating_sub(indent).max(key.len() + 2),
                    format!("{k}={v}"),
                );
            }
        }
    }
}

fn time(t: Option<Time>) -> String {
    t.map(|t| t.0.to_rfc2822())
        .unwrap_or_else(|| "<unset>".into())
}

fn meta(d: &mut Doc, m: &ObjectMeta, namespaced: bool) {
    d.kv(0, "Name", &m.name);
    if namespaced {
        d.kv(0, "Namespace", &m.namespace);
    }
    d.map(0, "Labels", &m.labels);
    let mut ann = m.annotations.clone();
    ann.remove(crate::api::LAST_APPLIED_ANNOTATION);
    d.map(0, "Annotations", &ann);
    d.kv(0, "CreationTimestamp", time(m.creation_timestamp));
    if let Some(t) = m.deletion_timestamp {
        d.kv(
            0,
            "Terminating Since",
            format!(
                "{} (grace {}s)",
                time(Some(t)),
                m.deletion_grace_period_seconds.unwrap_or(0)
            ),
        );
    }
    if let Some(c) = m.controller() {
        d.kv(0, "Controlled By", format!("{}/{}", c.kind, c.name));
    }
}

fn conditions(d: &mut Doc, conds: &[Condition]) {
    if conds.is_empty() {
        return;
    }
    d.line(0, "Conditions:");
    let rows: Vec<Vec<String>> = conds
        .iter()
        .map(|c| {
            vec![
                c.type_.clone(),
                c.status.clone(),
                c.reason.clone(),
                c.message.clone(),
            ]
        })
        .collect();
    for l in table(
        &[
            "Type".into(),
            "Status".into(),
            "Reason".into(),
            "Message".into(),
        ],
        &rows,
        true,
    )
    .lines()
    {
        d.line(2, l);
    }
}

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

fn pod(d: &mut Doc, p: &Pod) {
    meta(d, &p.metadata, true);
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

fn deployment(d: &mut Doc, dep: &Deployment) {
    meta(d, &dep.metadata, true);
    d.kv(
        0,
        "Selector",
        dep.spec
            .selector
            .to_selector()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
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

fn replicaset(d: &mut Doc, rs: &ReplicaSet) {
    meta(d, &rs.metadata, true);
    d.kv(
        0,
        "Selector",
        rs.spec
            .selector
            .to_selector()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    d.kv(
        0,
        "Replicas",
        format!("{} current / {} desired", rs.status.replicas, rs.replicas()),
    );
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

fn node(d: &mut Doc, n: &Node, pods: &[Pod]) {
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
                age(p.metadata.creation_timestamp),
            ]
        })
        .collect();
    if !rows.is_empty() {
        for l in table(
            &[
                "Namespace".into(),
                "Name".into(),
                "CPU Requests".into(),
                "Memory Requests".into(),
                "Age".into(),
            ],
            &rows,
            true,
        )
        .lines()
        {
            d.line(2, l);
        }
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

/// `s`, or `default` when it is empty.
fn or<'a>(s: &'a str, default: &'a str) -> &'a str {
    if s.is_empty() { default } else { s }
}

fn service(d: &mut Doc, s: &crate::api::Service, eps: Option<&crate::api::Endpoints>) {
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
    for p in &s.spec.ports {
        let n = or(&p.name, "<unset>");
        d.kv(0, "Port", format!("{n}  {}/{:?}", p.port, p.protocol));
        let target = match &p.target_port {
            Some(crate::api::IntOrString::Int(t)) => t.to_string(),
            Some(crate::api::IntOrString::String(t)) => t.clone(),
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
}

fn events(d: &mut Doc, evs: &[Event]) {
    if evs.is_empty() {
        d.kv(0, "Events", "<none>");
        return;
    }
    d.line(0, "Events:");
    let rows: Vec<Vec<String>> = evs
        .iter()
        .map(|e| {
            let when = if e.count > 1 {
                format!(
                    "{} (x{} over {})",
                    age(e.last_timestamp),
                    e.count,
                    age(e.first_timestamp)
                )
            } else {
                age(e.last_timestamp)
            };
            vec![
                e.type_.clone(),
                e.reason.clone(),
                when,
                e.source.component.clone(),
                e.message.clone(),
            ]
        })
        .collect();
    for l in table(
        &[
            "Type".into(),
            "Reason".into(),
            "Age".into(),
            "From".into(),
            "Message".into(),
        ],
        &rows,
        true,
    )
    .lines()
    {
        d.line(2, l);
    }
}

/// Events about an object, oldest first.
pub async fn events_of(ctx: &Ctx, obj: &AnyObject) -> Result<Vec<Event>> {
    let m = obj.meta();
    let ns = if m.namespace.is_empty() {
        crate::api::DEFAULT_NAMESPACE
    } else {
        &m.namespace
    };
    let opts = ListParams {
        field_selector: Some(format!("involvedObject.uid={}", m.uid)),
        ..Default::default()
    };
    let mut evs = ctx.client.list::<Event>(Some(ns), &opts).await?.items;
    evs.sort_by_key(|e| (e.last_timestamp, e.metadata.revision()));
    Ok(evs)
}

pub async fn describe(ctx: &Ctx, a: DescribeArgs) -> Result<()> {
    let (kind, name) = match &a.target[..] {
        [one] => one
            .split_once('/')
            .map(|(k, n)| (k.to_string(), n.to_string()))
            .ok_or_else(|| CliError::Usage("give KIND NAME or KIND/NAME".into()))?,
        [k, n] => (k.clone(), n.clone()),
        _ => return Err(CliError::Usage("give KIND NAME or KIND/NAME".into())),
    };
    let kind =
        Kind::from_name(&kind).ok_or_else(|| CliError::Usage(format!("unknown kind {kind:?}")))?;
    print!("{}", describe_text(ctx, kind, &name).await?);
    Ok(())
}

/// One object in prose, with its events, as `ork describe` prints it.
pub async fn describe_text(ctx: &Ctx, kind: Kind, name: &str) -> Result<String> {
    let obj = ctx.client.get_any(kind, &ctx.namespace, name).await?;
    let mut d = Doc::default();
    match &obj {
        AnyObject::Pod(p) => {
            pod(&mut d, p);
            if p.spec.node_name.is_empty() && p.is_active() {
                d.line(0, "Placement (ork why pod):");
                for r in super::why::placement_rows(ctx, p).await? {
                    d.line(2, format!("{}: {} {}: {}", r[0], r[1], r[2], r[3]));
                }
            }
        }
        AnyObject::Deployment(x) => deployment(&mut d, x),
        AnyObject::ReplicaSet(x) => replicaset(&mut d, x),
        AnyObject::Node(n) => {
            let opts = ListParams {
                field_selector: Some(format!("spec.nodeName={}", n.metadata.name)),
                ..Default::default()
            };
            let pods = ctx.client.list::<Pod>(None, &opts).await?.items;
            node(&mut d, n, &pods);
        }
        AnyObject::Namespace(n) => {
            meta(&mut d, &n.metadata, false);
            d.kv(
                0,
                "Status",
                if n.status.phase.is_empty() {
                    "Active"
                } else {
                    &n.status.phase
                },
            );
        }
        AnyObject::ConfigMap(c) => {
            meta(&mut d, &c.metadata, true);
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
        AnyObject::Service(s) => {
            let eps = ctx
                .client
                .get::<crate::api::Endpoints>(&s.metadata.namespace, &s.metadata.name)
                .await
                .ok();
            service(&mut d, s, eps.as_ref());
        }
        AnyObject::Secret(s) => {
            meta(&mut d, &s.metadata, true);
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
        AnyObject::PersistentVolumeClaim(c) => {
            meta(&mut d, &c.metadata, true);
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
        AnyObject::Endpoints(e) => {
            meta(&mut d, &e.metadata, true);
            d.line(0, "Subsets:");
            for s in &e.subsets {
                let ips = |a: &[crate::api::service::EndpointAddress]| {
                    let v: Vec<String> = a.iter().map(|a| a.ip.clone()).collect();
                    if v.is_empty() {
                        "<none>".to_string()
                    } else {
                        v.join(",")
                    }
                };
                d.kv(2, "Addresses", ips(&s.addresses));
                d.kv(2, "NotReadyAddresses", ips(&s.not_ready_addresses));
                d.line(2, "Ports:");
                for p in &s.ports {
                    let n = if p.name.is_empty() {
                        "<unset>"
                    } else {
                        &p.name
                    };
                    d.line(4, format!("{n}  {}  {:?}", p.port, p.protocol));
                }
            }
        }
        AnyObject::HorizontalPodAutoscaler(h) => {
            meta(&mut d, &h.metadata, true);
            d.kv(0, "Reference", h.reference());
            d.kv(0, "Metrics", h.targets_text());
            d.kv(0, "Min replicas", h.spec.min().to_string());
            d.kv(0, "Max replicas", h.spec.max_replicas.to_string());
            d.kv(
                0,
                "Scale-down window",
                format!("{}s", h.spec.scale_down_window_seconds()),
            );
            d.kv(
                0,
                "Replicas",
                format!(
                    "{} current / {} desired",
                    h.status.current_replicas, h.status.desired_replicas
                ),
            );
            conditions(&mut d, &h.status.conditions);
        }
        AnyObject::Event(_) => {
            let v = obj
                .to_value()
                .map_err(|e| CliError::Failed(e.to_string()))?;
            d.out.push_str(&to_yaml(&v)?);
        }
    }
    if kind != Kind::Event {
        let evs = events_of(ctx, &obj).await?;
        events(&mut d, &evs);
    }
    Ok(d.out)
}
