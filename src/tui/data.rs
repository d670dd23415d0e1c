//! What the dashboard knows about the cluster: the objects of every watched
//! kind (kept current by watch events), and the pure derivations drawn from
//! them: failover timelines from node events, per-node requests, a line diff
//! of two revisions' templates (by `similar`).
//!
//! Imports `api` and the watch event type of `client`; no I/O.

use crate::{
    api::{AnyObject, Event, Kind, Object, Pod},
    client::WatchEventType,
};
use chrono::{DateTime, Utc};
use similar::{Algorithm, DiffOp, capture_diff_slices};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

/// The kinds the dashboard watches.
pub const WATCHED: &[Kind] = &[
    Kind::Pod,
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::Node,
    Kind::Event,
    Kind::Namespace,
    Kind::Service,
    Kind::Endpoints,
    Kind::ConfigMap,
    Kind::Secret,
    Kind::PersistentVolumeClaim,
    Kind::HorizontalPodAutoscaler,
    Kind::Job,
    Kind::DaemonSet,
    Kind::StatefulSet,
    Kind::ServiceAccount,
    Kind::Ingress,
    Kind::CronJob,
    Kind::PodDisruptionBudget,
];

/// `namespace/name`, or `name` for cluster-scoped objects.
pub fn key_of(obj: &AnyObject) -> String {
    let m = obj.meta();
    if m.namespace.is_empty() {
        m.name.clone()
    } else {
        format!("{}/{}", m.namespace, m.name)
    }
}

/// The objects of every watched kind, by key.
#[derive(Default)]
pub struct Data {
    objs: HashMap<Kind, BTreeMap<String, AnyObject>>,
    synced: Vec<Kind>,
}

impl Data {
    pub fn of(&self, kind: Kind) -> Option<&BTreeMap<String, AnyObject>> {
        self.objs.get(&kind)
    }

    pub fn get(&self, kind: Kind, key: &str) -> Option<&AnyObject> {
        self.objs.get(&kind).and_then(|m| m.get(key))
    }

    pub fn count(&self, kind: Kind) -> usize {
        self.objs.get(&kind).map_or(0, BTreeMap::len)
    }

    /// Whether a full list of the kind has arrived.
    pub fn synced(&self, kind: Kind) -> bool {
        self.synced.contains(&kind)
    }

    /// Replaces every object of a kind (a fresh list).
    pub fn replace(&mut self, kind: Kind, items: Vec<AnyObject>) {
        let m: BTreeMap<String, AnyObject> = items.into_iter().map(|o| (key_of(&o), o)).collect();
        self.objs.insert(kind, m);
        if !self.synced.contains(&kind) {
            self.synced.push(kind);
        }
    }

    /// Applies one watch event.
    pub fn apply(&mut self, kind: Kind, type_: WatchEventType, obj: AnyObject) {
        let m = self.objs.entry(kind).or_default();
        let k = key_of(&obj);
        match type_ {
            WatchEventType::Added | WatchEventType::Modified => {
                m.insert(k, obj);
            }
            WatchEventType::Deleted => {
                m.remove(&k);
            }
            WatchEventType::Bookmark | WatchEventType::Error => {}
        }
    }

    pub fn pods(&self) -> impl Iterator<Item = &Pod> {
        self.objs
            .get(&Kind::Pod)
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(|o| Pod::from_any(o).map(|p| p.as_ref()))
    }
}

/// Compares cells the way people read them: numbers by value (`9` before
/// `10`, `2/3` by its first number), everything else as text.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn lead(s: &str) -> Option<f64> {
        let end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        if end == 0 {
            return None;
        }
        s[..end].parse().ok()
    }
    match (lead(a), lead(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal).then(a.cmp(b)),
        _ => a.cmp(b),
    }
}

/// CPU (milli) and memory (bytes) requested on a node, and its pod count.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Requested {
    pub cpu_milli: i128,
    pub memory: i128,
    pub pods: usize,
}

/// What the active pods on each node request.
pub fn requested_per_node(data: &Data) -> HashMap<String, Requested> {
    let mut out: HashMap<String, Requested> = HashMap::new();
    for p in data.pods() {
        if p.spec.node_name.is_empty() || !p.is_active() {
            continue;
        }
        let r = out.entry(p.spec.node_name.clone()).or_default();
        r.cpu_milli += p.request_milli("cpu");
        r.memory += p.request_milli("memory") / 1000;
        r.pods += 1;
    }
    out
}

/// One step of a failover.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub label: String,
    /// Seconds after the last heartbeat; `None` while it has not happened.
    pub secs: Option<f64>,
}

/// One node loss and what followed it.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    pub node: String,
    /// When the node was last heard from.
    pub lost_at: DateTime<Utc>,
    pub steps: Vec<Step>,
    /// Whether every step has happened (or nothing was left to replace).
    pub complete: bool,
    /// Whether the node came back afterwards.
    pub back: bool,
}

/// The seconds figure (`5.2s`) that follows `after` in a message, or that
/// precedes `before`.
fn secs_after(msg: &str, after: &str) -> Option<f64> {
    let rest = &msg[msg.find(after)? + after.len()..];
    let end = rest.find('s')?;
    rest[..end].trim().parse().ok()
}

fn secs_before(msg: &str, before: &str) -> Option<f64> {
    let head = &msg[..msg.find(before)?];
    head.rsplit(' ').next()?.parse().ok()
}

fn when(e: &Event) -> Option<DateTime<Utc>> {
    e.last_timestamp.or(e.first_timestamp).map(|t| t.0)
}

/// The failovers the node controller's events tell of, newest first: for each
/// node, its latest `NodeNotReady` and the steps recorded after it.
pub fn incidents(data: &Data) -> Vec<Incident> {
    let mut by_node: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for o in data.of(Kind::Event).into_iter().flat_map(|m| m.values()) {
        if let AnyObject::Event(e) = o
            && e.involved_object.kind == "Node"
        {
            by_node.entry(&e.involved_object.name).or_default().push(e);
        }
    }
    let mut out = vec![];
    for (node, evs) in by_node {
        let Some(down) = evs
            .iter()
            .filter(|e| e.reason == "NodeNotReady")
            .max_by_key(|e| when(e))
        else {
            continue;
        };
        let Some(down_at) = when(down) else { continue };
        let silent = secs_after(&down.message, "no heartbeat for ").unwrap_or(0.0);
        let lost_at = down_at - chrono::Duration::milliseconds((silent * 1000.0) as i64);
        let after = |reason: &str| {
            evs.iter()
                .filter(|e| e.reason == reason && when(e).is_some_and(|t| t >= down_at))
                .max_by_key(|e| when(e))
        };
        let mut steps = vec![
            Step {
                label: "heartbeat lost".into(),
                secs: Some(0.0),
            },
            Step {
                label: "node NotReady".into(),
                secs: Some(silent),
            },
        ];
        let mut complete = true;
        if let Some(m) = after("PodsMarkedLost") {
            // "Marked 3 pods lost 5.0s after the last heartbeat: …"
            let n = m.message.split(' ').nth(1).unwrap_or("the");
            steps.push(Step {
                label: format!("{n} pods marked lost"),
                secs: secs_before(&m.message, "s after").or(Some(silent)),
            });
            for (reason, label) in [
                ("ReplacementsScheduled", "replacements scheduled"),
                ("ReplacementsReady", "replacements ready"),
            ] {
                let secs = after(reason).and_then(|e| secs_before(&e.message, "s after"));
                complete &= secs.is_some();
                steps.push(Step {
                    label: label.into(),
                    secs,
                });
            }
        }
        let back = after("NodeReady").is_some();
        if back {
            let secs = after("NodeReady")
                .and_then(|e| when(e))
                .map(|t| (t - lost_at).num_milliseconds() as f64 / 1000.0);
            steps.push(Step {
                label: "node Ready again".into(),
                secs,
            });
        }
        out.push(Incident {
            node: node.to_string(),
            lost_at,
            steps,
            complete,
            back,
        });
    }
    out.sort_by(|a, b| b.lost_at.cmp(&a.lost_at).then(a.node.cmp(&b.node)));
    out
}

/// A line diff of `old` to `new`: each line prefixed `  `, `- ` or `+ `;
/// where lines were replaced, the new ones come first.
pub fn diff(old: &str, new: &str) -> Vec<String> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut out = vec![];
    let mut put =
        |mark: &str, lines: &[&str]| out.extend(lines.iter().map(|l| format!("{mark}{l}")));
    for op in capture_diff_slices(Algorithm::Myers, &a, &b) {
        match op {
            DiffOp::Equal { old_index, len, .. } => put("  ", &a[old_index..old_index + len]),
            DiffOp::Delete {
                old_index, old_len, ..
            } => put("- ", &a[old_index..old_index + old_len]),
            DiffOp::Insert {
                new_index, new_len, ..
            } => put("+ ", &b[new_index..new_index + new_len]),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                put("+ ", &b[new_index..new_index + new_len]);
                put("- ", &a[old_index..old_index + old_len]);
            }
        }
    }
    out
}
