//! `describe`: one object in prose, as kubectl shows it, ending with the
//! events recorded about it. `Doc` lays out the aligned `Key:  value`
//! lines; `workloads` writes pods, deployments, replica sets and
//! autoscalers; `cluster` nodes, namespaces, services, endpoints, config
//! and storage. Only [`describe_text`] and [`events_of`] talk to the API.

mod batch;
mod cluster;
mod ingress;
mod quota;
mod rbac;
mod workloads;

use super::output::{age, table, to_yaml};
use super::{Ctx, Result, VerbError};
use crate::api::{AnyObject, Condition, Event, Kind, ObjectMeta, Pod, Time};
use crate::client::ListParams;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Lines of `Key:  value`, values aligned, and the moment ages count to.
struct Doc {
    out: String,
    now: Time,
}

impl Doc {
    fn new(now: Time) -> Doc {
        Doc {
            out: String::new(),
            now,
        }
    }

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

    /// A table indented by two, headers as given.
    fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) {
        let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
        for l in table(&headers, rows, true).lines() {
            self.line(2, l);
        }
    }

    fn age(&self, t: Option<Time>) -> String {
        age(t, self.now)
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
    d.table(&["Type", "Status", "Reason", "Message"], &rows);
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
                    d.age(e.last_timestamp),
                    e.count,
                    d.age(e.first_timestamp)
                )
            } else {
                d.age(e.last_timestamp)
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
    d.table(&["Type", "Reason", "Age", "From", "Message"], &rows);
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

/// One object of `ctx.namespace` in prose, with its events (for a pod not
/// placed yet, also every node's verdict on it).
pub async fn describe_text(ctx: &Ctx, kind: Kind, name: &str) -> Result<String> {
    let obj = ctx.client.get_any(kind, &ctx.namespace, name).await?;
    let mut d = Doc::new(Time::now());
    match &obj {
        AnyObject::Pod(p) => {
            workloads::pod(&mut d, p);
            if p.spec.node_name.is_empty() && p.is_active() {
                d.line(0, "Placement (ork why pod):");
                for r in super::placement::rows(ctx, p).await? {
                    d.line(2, format!("{}: {} {}: {}", r[0], r[1], r[2], r[3]));
                }
            }
        }
        AnyObject::Deployment(x) => workloads::deployment(&mut d, x),
        AnyObject::ReplicaSet(x) => workloads::replicaset(&mut d, x),
        AnyObject::ReplicationController(x) => {
            workloads::replicaset(&mut d, &crate::api::replication::as_replica_set(x))
        }
        AnyObject::HorizontalPodAutoscaler(h) => workloads::autoscaler(&mut d, h),
        AnyObject::Node(n) => {
            let opts = ListParams {
                field_selector: Some(format!("spec.nodeName={}", n.metadata.name)),
                ..Default::default()
            };
            let pods = ctx.client.list::<Pod>(None, &opts).await?.items;
            cluster::node(&mut d, n, &pods);
        }
        AnyObject::Namespace(n) => cluster::namespace(&mut d, n),
        AnyObject::Service(s) => {
            let eps = ctx
                .client
                .get::<crate::api::Endpoints>(&s.metadata.namespace, &s.metadata.name)
                .await
                .ok();
            cluster::service(&mut d, s, eps.as_ref());
        }
        AnyObject::Endpoints(e) => cluster::endpoints(&mut d, e),
        AnyObject::ConfigMap(c) => cluster::config_map(&mut d, c),
        AnyObject::Secret(s) => cluster::secret(&mut d, s),
        AnyObject::PersistentVolumeClaim(c) => cluster::claim(&mut d, c),
        AnyObject::Job(j) => batch::job(&mut d, j),
        AnyObject::DaemonSet(x) => workloads::daemonset(&mut d, x),
        AnyObject::ControllerRevision(x) => workloads::controller_revision(&mut d, x),
        AnyObject::StatefulSet(x) => workloads::statefulset(&mut d, x),
        AnyObject::ResourceQuota(q) => quota::resource_quota(&mut d, q),
        AnyObject::LimitRange(l) => quota::limit_range(&mut d, l),
        AnyObject::ServiceAccount(sa) => cluster::service_account(&mut d, sa),
        AnyObject::Ingress(i) => ingress::ingress(&mut d, i),
        AnyObject::IngressClass(c) => ingress::ingress_class(&mut d, c),
        AnyObject::CronJob(c) => batch::cronjob(&mut d, c),
        AnyObject::PodDisruptionBudget(p) => batch::pdb(&mut d, p),
        AnyObject::Role(r) => rbac::role(&mut d, &r.metadata, &r.rules),
        AnyObject::ClusterRole(r) => rbac::role(&mut d, &r.metadata, &r.rules),
        AnyObject::RoleBinding(b) => rbac::binding(&mut d, &b.metadata, &b.role_ref, &b.subjects),
        AnyObject::ClusterRoleBinding(b) => {
            rbac::binding(&mut d, &b.metadata, &b.role_ref, &b.subjects)
        }
        AnyObject::PriorityClass(c) => {
            d.kv(0, "Name", &c.metadata.name);
            d.kv(0, "Value", c.value.to_string());
            d.kv(0, "GlobalDefault", c.global_default.to_string());
            d.kv(0, "PreemptionPolicy", c.policy());
            d.kv(0, "Description", &c.description);
        }
        AnyObject::StorageClass(c) => {
            d.kv(0, "Name", &c.metadata.name);
            d.kv(
                0,
                "IsDefaultClass",
                if c.is_default() { "Yes" } else { "No" },
            );
            d.kv(0, "Provisioner", &c.provisioner);
            let params: Vec<String> = c
                .parameters
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            d.kv(
                0,
                "Parameters",
                crate::verbs::output::or(&params.join(","), "<none>"),
            );
            d.kv(
                0,
                "AllowVolumeExpansion",
                c.allow_volume_expansion
                    .map_or("<unset>".to_string(), |b| b.to_string()),
            );
            d.kv(
                0,
                "MountOptions",
                crate::verbs::output::or(&c.mount_options.join(","), "<none>"),
            );
            d.kv(0, "ReclaimPolicy", c.reclaim());
            d.kv(0, "VolumeBindingMode", c.binding_mode());
        }
        AnyObject::Event(_)
        | AnyObject::Lease(_)
        | AnyObject::ValidatingAdmissionPolicy(_)
        | AnyObject::ValidatingAdmissionPolicyBinding(_) => {
            let v = obj
                .to_value()
                .map_err(|e| VerbError::Failed(e.to_string()))?;
            d.out.push_str(&to_yaml(&v)?);
        }
    }
    if kind != Kind::Event {
        let evs = events_of(ctx, &obj).await?;
        events(&mut d, &evs);
    }
    Ok(d.out)
}
