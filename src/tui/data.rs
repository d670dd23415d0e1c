//! What the dashboard knows about the cluster: the objects of every watched
//! kind (kept current by watch events), and the pure derivations drawn from
//! them: failover timelines from node events (the chaos actions done to the
//! machines among them), per-node requests, a line diff
//! of two revisions' templates (by `similar`).
//!
//! Imports `api`, the watch event type of `client` and the chaos actions'
//! names of `verbs`; no I/O.

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
    /// A chaos action (`ork chaos`, or the nodes view), not the cluster's doing.
    pub chaos: bool,
}

impl Step {
    fn at(label: impl Into<String>, secs: Option<f64>) -> Step {
        Step {
            label: label.into(),
            secs,
            chaos: false,
        }
    }
}

/// How long before a node's last heartbeat a chaos action still counts as
/// part of its failover: Event times are whole seconds.
const CHAOS_SLACK: chrono::Duration = chrono::Duration::seconds(5);

/// The step of a chaos Event: `chaos kill: SIGKILL to the machine` (the
/// first clause of its message, without the docker command), at `secs`.
fn chaos_step(e: &Event, secs: f64) -> Step {
    let action = crate::verbs::chaos::action_of(&e.reason).unwrap_or("action");
    let what = match e.message.rfind(" (docker ") {
        Some(i) => &e.message[..i],
        None => e.message.as_str(),
    };
    // Its first clause is what happened; the rest explains it.
    let what = what.split(';').next().unwrap_or(what);
    Step {
        label: format!("chaos {action}: {what}"),
        secs: Some(secs),
        chaos: true,
    }
}

fn secs_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
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
    /// Whether the control plane noticed (a `NodeNotReady`); if not,
    /// `lost_at` is when a chaos action took the machine away.
    pub noticed: bool,
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
/// node, its latest `NodeNotReady` and the steps recorded after it, with the
/// chaos actions done to its machine (Events `Chaos*`) in time order. A
/// chaos action that took a machine away and is not followed by a
/// `NodeNotReady` yet is an incident of its own, waiting for the control
/// plane to notice.
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
        let mut chaos: Vec<(&Event, DateTime<Utc>)> = evs
            .iter()
            .filter(|e| crate::verbs::chaos::action_of(&e.reason).is_some())
            .filter_map(|e| Some((*e, when(e)?)))
            .collect();
        chaos.sort_by_key(|(_, t)| *t);
        let failover = failover_of(node, &evs, &chaos);
        // Since when the node has been back (or was never lost).
        let settled = match &failover {
            Some((inc, back_at)) if inc.back => *back_at,
            Some(_) => None,
            None => Some(DateTime::<Utc>::MIN_UTC),
        };
        let fresh = settled.and_then(|since| {
            chaos
                .iter()
                .position(|(e, t)| *t > since && crate::verbs::chaos::reason_breaks(&e.reason))
        });
        match fresh {
            Some(i) => out.push(unnoticed(node, &chaos[i..])),
            None => {
                if let Some((inc, _)) = failover {
                    out.push(inc);
                }
            }
        }
    }
    out.sort_by(|a, b| b.lost_at.cmp(&a.lost_at).then(a.node.cmp(&b.node)));
    out
}

/// The failover of `node` from its latest `NodeNotReady`, with the time it
/// was Ready again if it was.
fn failover_of(
    node: &str,
    evs: &[&Event],
    chaos: &[(&Event, DateTime<Utc>)],
) -> Option<(Incident, Option<DateTime<Utc>>)> {
    let down = evs
        .iter()
        .filter(|e| e.reason == "NodeNotReady")
        .max_by_key(|e| when(e))?;
    let down_at = when(down)?;
    let silent = secs_after(&down.message, "no heartbeat for ").unwrap_or(0.0);
    let lost_at = down_at - chrono::Duration::milliseconds((silent * 1000.0) as i64);
    let after = |reason: &str| {
        evs.iter()
            .filter(|e| e.reason == reason && when(e).is_some_and(|t| t >= down_at))
            .max_by_key(|e| when(e))
    };
    let mut steps = vec![
        Step::at("heartbeat lost", Some(0.0)),
        Step::at("node NotReady", Some(silent)),
    ];
    let mut complete = true;
    if let Some(m) = after("PodsMarkedLost") {
        // "Marked 3 pods lost 5.0s after the last heartbeat: …"
        let n = m.message.split(' ').nth(1).unwrap_or("the");
        steps.push(Step::at(
            format!("{n} pods marked lost"),
            secs_before(&m.message, "s after").or(Some(silent)),
        ));
        for (reason, label) in [
            ("ReplacementsScheduled", "replacements scheduled"),
            ("ReplacementsReady", "replacements ready"),
        ] {
            let secs = after(reason).and_then(|e| secs_before(&e.message, "s after"));
            complete &= secs.is_some();
            steps.push(Step::at(label, secs));
        }
    }
    let back_at = after("NodeReady").and_then(|e| when(e));
    let back = after("NodeReady").is_some();
    if back {
        let secs = back_at.map(|t| secs_between(lost_at, t));
        steps.push(Step::at("node Ready again", secs));
    }
    // The chaos actions since shortly before the node went quiet.
    let mut with_chaos: Vec<Step> = chaos
        .iter()
        .filter(|(_, t)| *t >= lost_at - CHAOS_SLACK)
        .map(|(e, t)| chaos_step(e, secs_between(lost_at, *t)))
        .collect();
    if !with_chaos.is_empty() {
        with_chaos.extend(steps);
        // In time order; what has not happened yet stays last, in its order.
        with_chaos.sort_by(|a, b| match (a.secs, b.secs) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        });
        steps = with_chaos;
    }
    Some((
        Incident {
            node: node.to_string(),
            lost_at,
            steps,
            complete,
            back,
            noticed: true,
        },
        back_at,
    ))
}

/// A chaos action that took `node`'s machine away (`chaos[0]`), before the
/// control plane noticed: the actions since, and `node NotReady` pending
/// unless one of them brought the machine back first.
fn unnoticed(node: &str, chaos: &[(&Event, DateTime<Utc>)]) -> Incident {
    let at = chaos[0].1;
    let mut steps: Vec<Step> = chaos
        .iter()
        .map(|(e, t)| chaos_step(e, secs_between(at, *t)))
        .collect();
    let back = chaos
        .iter()
        .skip(1)
        .any(|(e, _)| !crate::verbs::chaos::reason_breaks(&e.reason));
    if !back {
        steps.push(Step::at("node NotReady", None));
    }
    Incident {
        node: node.to_string(),
        lost_at: at,
        steps,
        complete: back,
        back,
        noticed: false,
    }
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
