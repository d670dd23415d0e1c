//! Node lifecycle and failover.
//!
//! A node whose heartbeats stop for longer than the grace period is marked
//! NotReady (its Ready condition goes `Unknown`, reason `NodeStatusUnknown`),
//! and in the same transaction every active pod bound to it is marked lost:
//! reason `NodeLost`, not Ready, and terminating, so its controller creates a
//! replacement at once and the scheduler places it on a healthy node. The lost
//! pods stay visible until the node comes back (its daemon stops them and
//! removes them) or the node is deleted (the garbage collector removes them).
//! When heartbeats resume, the node is Ready again.
//!
//! Each step of a failover is an event on the Node, with the time since the
//! last heartbeat: `NodeNotReady`, `PodsMarkedLost`, `ReplacementsScheduled`
//! (every affected ReplicaSet has its pods bound elsewhere) and
//! `ReplacementsReady` (every affected ReplicaSet is fully ready again).
//!
//! When every node falls silent at once, the likelier fault is the control
//! daemon's own network, not every node: the nodes are marked NotReady but
//! their pods are kept (Kubernetes' node controller calls this full
//! disruption and stops evicting too). Once a node answers again, the nodes
//! still silent get a fresh grace period, then their pods are marked lost.
//!
//! Heartbeats live in memory ([`crate::control::leases`]); only transitions
//! are written. After a control daemon restart every node gets a full grace
//! period from the restart.

use crate::api::{
    Condition, Kind, Node, Object, Pod, ReplicaSet, Time, find_condition, set_condition,
};
use crate::control::events::{EventType, Recorder};
use crate::control::leases::Leases;
use crate::control::store::{Store, StoreError, Subresource, Tx};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often heartbeat ages are checked.
pub const TICK: Duration = Duration::from_millis(250);
/// A failover not finished after this long is no longer followed.
const FOLLOW_FOR: Duration = Duration::from_secs(600);

/// A change to a node's readiness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    ToNotReady,
    ToReady,
}

/// The pure decision. `silent_for` is the time since the last heartbeat, or
/// since the control daemon started when none came since.
pub fn judge(
    node: &Node,
    heard_since_start: bool,
    silent_for: Duration,
    grace: Duration,
) -> Option<Transition> {
    let ready = node.is_ready();
    if ready && silent_for > grace {
        Some(Transition::ToNotReady)
    } else if !ready && heard_since_start && silent_for <= grace && !starting(node) {
        Some(Transition::ToReady)
    } else {
        None
    }
}

/// Pure: whether a node counts as answering when judging a disruption: Ready
/// after this round and heard from within half the grace. When a cut-off
/// control daemon sees its first node pass the grace, the others, cut at
/// the same moment, are at most a heartbeat behind, so they no longer count.
pub fn answering(
    node: &Node,
    t: Option<Transition>,
    silent_for: Duration,
    grace: Duration,
) -> bool {
    match t {
        Some(t) => t == Transition::ToReady,
        None => node.is_ready() && silent_for <= grace / 2,
    }
}

/// Pure: whether every node is silent at once (`answering` of `nodes`). A
/// cluster with no node is not disrupted.
pub fn all_silent(answering: usize, nodes: usize) -> bool {
    nodes > 0 && answering == 0
}

/// Pure: whether the pods kept on silent nodes during a disruption are to
/// be marked lost now: the disruption has ended (`calm_for`: since a node
/// answered again) at least a grace period ago.
pub fn release_kept(calm_for: Option<Duration>, grace: Duration) -> bool {
    calm_for.is_some_and(|c| c > grace)
}

/// Whether the node daemon said it is still starting (it reports Ready itself
/// once it has stopped what it must not run).
fn starting(node: &Node) -> bool {
    find_condition(&node.status.conditions, "Ready").is_some_and(|c| c.reason == "NodeStarting")
}

/// The Ready condition a transition writes.
pub fn ready_condition(t: Transition) -> Condition {
    match t {
        Transition::ToReady => Condition::new(
            "Ready",
            true,
            "NodeReady",
            "node daemon is posting heartbeats",
        ),
        Transition::ToNotReady => {
            let mut c = Condition::new(
                "Ready",
                false,
                "NodeStatusUnknown",
                "node daemon stopped posting heartbeats",
            );
            c.status = "Unknown".into();
            c
        }
    }
}

/// Marks a pod of a lost node: `NodeLost`, not Ready.
pub fn mark_lost(p: &mut Pod, node: &str) {
    p.status.reason = "NodeLost".into();
    p.status.message = format!("node {node} stopped posting heartbeats; the pod is being replaced");
    not_ready(p, "NodeLost");
}

/// Marks a pod of a silent node kept in place: not Ready, nothing else.
pub fn mark_not_ready(p: &mut Pod) {
    not_ready(p, "NodeNotReady");
}

fn not_ready(p: &mut Pod, reason: &str) {
    for t in ["Ready", "ContainersReady"] {
        set_condition(
            &mut p.status.conditions,
            Condition::new(t, false, reason, "the pod's node is not ready"),
        );
    }
    for c in &mut p.status.container_statuses {
        c.ready = false;
    }
}

/// A ReplicaSet that lost pods with a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub namespace: String,
    pub name: String,
    pub uid: String,
}

/// Where a failover stands for one ReplicaSet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub scheduled: bool,
    pub ready: bool,
}

/// Pure: whether a ReplicaSet's pods are all bound to nodes other than the
/// lost one, and whether it is fully ready. A vanished or replaced set counts
/// as done.
pub fn progress(
    rs: Option<&ReplicaSet>,
    owner: &Owner,
    pods: &[std::sync::Arc<Pod>],
    lost_node: &str,
) -> Progress {
    let Some(rs) = rs.filter(|r| r.metadata.uid == owner.uid) else {
        return Progress {
            scheduled: true,
            ready: true,
        };
    };
    let want = rs.replicas().max(0) as usize;
    let placed = pods
        .iter()
        .filter(|p| p.is_active() && !p.spec.node_name.is_empty() && p.spec.node_name != lost_node)
        .count();
    Progress {
        scheduled: placed >= want,
        ready: placed >= want && rs.status.ready_replicas as usize >= want,
    }
}

struct Failover {
    /// When the node was last heard from.
    since: Instant,
    lost: usize,
    owners: Vec<Owner>,
    scheduled: bool,
}

impl Failover {
    fn new(silent_for: Duration, lost: usize, owners: Vec<Owner>) -> Self {
        Failover {
            since: Instant::now()
                .checked_sub(silent_for)
                .unwrap_or_else(Instant::now),
            lost,
            owners,
            scheduled: false,
        }
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

const EVENTS: Recorder = Recorder("node-controller");

/// Applies a transition; for a lost node, marks its pods (unless `mark` is
/// false: every node is silent) and returns their owners.
async fn apply(
    store: &Store,
    name: String,
    t: Transition,
    silent_for: Duration,
    mark: bool,
) -> Result<Option<(usize, Vec<Owner>)>, StoreError> {
    store
        .txn(move |tx| {
            let before = tx.require::<Node>("", &name)?;
            if (t == Transition::ToReady) == before.is_ready() {
                return Ok(None); // changed meanwhile
            }
            let node = tx.mutate::<Node, _>("", &name, Subresource::Status, |n| {
                Ok(set_condition(&mut n.status.conditions, ready_condition(t)))
            })?;
            if t == Transition::ToReady {
                EVENTS.record(
                    tx,
                    node.as_ref(),
                    EventType::Normal,
                    "NodeReady",
                    &format!("Node {name} status is now: NodeReady"),
                )?;
                return Ok(None);
            }
            let kept = if mark {
                ""
            } else {
                "; every node is silent, so its pods are kept until one answers again (the control daemon's network is the likelier fault)"
            };
            EVENTS.record(
                tx,
                node.as_ref(),
                EventType::Warning,
                "NodeNotReady",
                &format!(
                    "Node {name} status is now: NodeNotReady (no heartbeat for {}){kept}",
                    secs(silent_for)
                ),
            )?;
            if !mark {
                // As Kubernetes does even then: not Ready, so Services stop
                // sending to them; the node daemon reports them again when
                // it answers.
                for p in tx.pods_on_node(&name) {
                    if p.is_active() && p.is_ready() {
                        tx.mutate::<Pod, _>(
                            &p.metadata.namespace,
                            &p.metadata.name,
                            Subresource::Status,
                            |p| {
                                mark_not_ready(p);
                                Ok(true)
                            },
                        )?;
                    }
                }
                return Ok(None);
            }
            mark_pods_lost(tx, &node, &name, silent_for)
        })
        .await
}

/// Marks the pods kept on `name` during a disruption lost, if the node is
/// still silent.
async fn release(
    store: &Store,
    name: String,
    silent_for: Duration,
) -> Result<Option<(usize, Vec<Owner>)>, StoreError> {
    store
        .txn(move |tx| {
            let Some(node) = tx.get::<Node>("", &name) else {
                return Ok(None);
            };
            if !is_lost(&node) {
                return Ok(None);
            }
            mark_pods_lost(tx, &node, &name, silent_for)
        })
        .await
}

/// Marks every active pod of node `name` lost; returns how many and their
/// ReplicaSets, or `None` when it had none.
fn mark_pods_lost(
    tx: &mut Tx<'_>,
    node: &std::sync::Arc<Node>,
    name: &str,
    silent_for: Duration,
) -> Result<Option<(usize, Vec<Owner>)>, StoreError> {
    let now = tx.now();
    let mut lost = vec![];
    let mut owners: Vec<Owner> = vec![];
    for p in tx.pods_on_node(name) {
        if !p.is_active() {
            continue;
        }
        let grace = p.grace_seconds();
        let at = Time(now.0 + chrono::Duration::seconds(grace));
        let n = name.to_string();
        let marked = tx.set_deletion::<Pod>(
            &p.metadata.namespace,
            &p.metadata.name,
            at,
            grace,
            move |p| mark_lost(p, &n),
        )?;
        EVENTS.record(
            tx,
            marked.as_ref(),
            EventType::Warning,
            "NodeLost",
            &format!("Node {name} stopped posting heartbeats; the pod is being replaced"),
        )?;
        lost.push(format!("{}/{}", p.metadata.namespace, p.metadata.name));
        if let Some(c) = p
            .metadata
            .controller()
            .filter(|c| c.kind == Kind::ReplicaSet.as_str())
        {
            let o = Owner {
                namespace: p.metadata.namespace.clone(),
                name: c.name.clone(),
                uid: c.uid.clone(),
            };
            if !owners.contains(&o) {
                owners.push(o);
            }
        }
    }
    if lost.is_empty() {
        return Ok(None);
    }
    lost.sort();
    let shown: Vec<&str> = lost.iter().take(10).map(String::as_str).collect();
    let more = if lost.len() > 10 {
        format!(" and {} more", lost.len() - 10)
    } else {
        String::new()
    };
    EVENTS.record(
        tx,
        node.as_ref(),
        EventType::Warning,
        "PodsMarkedLost",
        &format!(
            "Marked {} pods lost {} after the last heartbeat: {}{more}",
            lost.len(),
            secs(silent_for),
            shown.join(", ")
        ),
    )?;
    Ok(Some((lost.len(), owners)))
}

/// Checks followed failovers and records their steps.
async fn follow(store: &Store, failovers: &mut HashMap<String, Failover>) {
    let mut done = vec![];
    for (node, f) in failovers.iter_mut() {
        let elapsed = f.since.elapsed();
        if elapsed > FOLLOW_FOR {
            done.push(node.clone());
            continue;
        }
        let mut all = Progress {
            scheduled: true,
            ready: true,
        };
        for o in &f.owners {
            let rs = store.get::<ReplicaSet>(&o.namespace, &o.name);
            let pods: Vec<std::sync::Arc<Pod>> = store
                .owned_by(&o.uid)
                .into_iter()
                .filter_map(|x| Pod::from_any(&x).cloned())
                .collect();
            let p = progress(rs.as_deref(), o, &pods, node);
            all.scheduled &= p.scheduled;
            all.ready &= p.ready;
        }
        let (lost, name) = (f.lost, node.clone());
        let step = |reason: &'static str, what: &'static str| {
            let name = name.clone();
            move |tx: &mut Tx<'_>| {
                let Some(n) = tx.get::<Node>("", &name) else {
                    return Ok(());
                };
                EVENTS.record(
                    tx,
                    n.as_ref(),
                    EventType::Normal,
                    reason,
                    &format!(
                        "Replacements of the {lost} pods lost with node {name} {what} {} after its last heartbeat",
                        secs(elapsed)
                    ),
                )
            }
        };
        if all.scheduled && !f.scheduled {
            f.scheduled = true;
            let _ = store
                .txn(step("ReplacementsScheduled", "were scheduled"))
                .await;
        }
        if all.ready {
            let _ = store.txn(step("ReplacementsReady", "were ready")).await;
            tracing::info!(node = %node, lost, seconds = elapsed.as_secs_f64(), "failover complete");
            done.push(node.clone());
        }
    }
    for n in done {
        failovers.remove(&n);
    }
}

/// Starts the periodic check.
pub fn start(store: Store, leases: Leases, grace: Duration, mut shutdown: watch::Receiver<bool>) {
    let started = Instant::now();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut failovers: HashMap<String, Failover> = HashMap::new();
        // Silent nodes whose pods were kept (every node was silent). After
        // a restart, any NotReady node may have such pods.
        let mut kept: Vec<String> = store
            .list::<Node>(None)
            .iter()
            .filter(|n| is_lost(n))
            .map(|n| n.metadata.name.clone())
            .collect();
        // Since when some node has been Ready (none: every node silent).
        let mut calm_since = Some(started);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => return,
            }
            let nodes = store.list::<Node>(None);
            let judged: Vec<_> = nodes
                .iter()
                .map(|node| {
                    let last = leases.last(&node.metadata.name);
                    let silent_for = last.unwrap_or(started).elapsed();
                    (
                        node,
                        silent_for,
                        judge(node, last.is_some(), silent_for, grace),
                    )
                })
                .collect();
            let heard = judged
                .iter()
                .filter(|(n, silent_for, t)| answering(n, *t, *silent_for, grace))
                .count();
            let disrupted = all_silent(heard, nodes.len());
            if disrupted {
                calm_since = None;
            } else if calm_since.is_none() {
                tracing::info!(
                    "a node answers again: the nodes still silent get a fresh grace period"
                );
                calm_since = Some(Instant::now());
            }
            for (node, silent_for, t) in judged {
                let Some(t) = t else { continue };
                let name = node.metadata.name.clone();
                tracing::info!(node = %name, transition = ?t, silent_ms = silent_for.as_millis() as u64, "node readiness changed");
                if t == Transition::ToReady {
                    kept.retain(|k| *k != name);
                } else if disrupted && !kept.contains(&name) {
                    tracing::warn!(node = %name, "every node is silent: NotReady, but its pods are kept");
                    kept.push(name.clone());
                }
                match apply(&store, name.clone(), t, silent_for, !disrupted).await {
                    Ok(Some((lost, owners))) => {
                        failovers.insert(name, Failover::new(silent_for, lost, owners));
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "updating node readiness failed"),
                }
            }
            if !kept.is_empty() && release_kept(calm_since.map(|c| c.elapsed()), grace) {
                for name in std::mem::take(&mut kept) {
                    let silent_for = leases.last(&name).unwrap_or(started).elapsed();
                    match release(&store, name.clone(), silent_for).await {
                        Ok(Some((lost, owners))) => {
                            failovers.insert(name, Failover::new(silent_for, lost, owners));
                        }
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "marking a silent node's pods lost failed");
                            kept.push(name);
                        }
                    }
                }
            }
            if !failovers.is_empty() {
                follow(&store, &mut failovers).await;
            }
        }
    });
}

/// Whether the node's Ready condition says the node daemon went silent.
pub fn is_lost(node: &Node) -> bool {
    find_condition(&node.status.conditions, "Ready")
        .is_some_and(|c| c.reason == "NodeStatusUnknown")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{OwnerReference, new_object};
    use std::sync::Arc;

    fn node(ready: bool) -> Node {
        let mut n: Node = new_object("", "n1");
        n.status.conditions = vec![Condition::new("Ready", ready, "", "")];
        n
    }

    const GRACE: Duration = Duration::from_secs(5);

    #[test]
    fn a_silent_ready_node_becomes_not_ready_after_the_grace() {
        assert_eq!(
            judge(&node(true), true, Duration::from_secs(4), GRACE),
            None
        );
        assert_eq!(
            judge(&node(true), true, Duration::from_secs(6), GRACE),
            Some(Transition::ToNotReady)
        );
        // Never heard from since a restart: the grace counts from the restart.
        assert_eq!(
            judge(&node(true), false, Duration::from_secs(6), GRACE),
            Some(Transition::ToNotReady)
        );
    }

    #[test]
    fn a_not_ready_node_recovers_only_on_a_fresh_heartbeat_and_not_while_starting() {
        assert_eq!(
            judge(&node(false), true, Duration::from_millis(300), GRACE),
            Some(Transition::ToReady)
        );
        assert_eq!(
            judge(&node(false), false, Duration::from_millis(300), GRACE),
            None
        );
        assert_eq!(
            judge(&node(false), true, Duration::from_secs(9), GRACE),
            None
        );
        let mut n = node(false);
        n.status.conditions[0].reason = "NodeStarting".into();
        assert_eq!(judge(&n, true, Duration::from_millis(300), GRACE), None);
    }

    #[test]
    fn pods_are_kept_while_every_node_is_silent_and_released_a_grace_after_one_answers() {
        let (ready, silent) = (node(true), node(false));
        // Heard within half the grace: answering; a node cut at the same
        // moment as one that just passed the grace is not.
        assert!(answering(&ready, None, Duration::from_secs(2), GRACE));
        assert!(!answering(&ready, None, Duration::from_secs(4), GRACE));
        assert!(!answering(
            &ready,
            Some(Transition::ToNotReady),
            Duration::from_secs(6),
            GRACE
        ));
        assert!(answering(
            &silent,
            Some(Transition::ToReady),
            Duration::from_millis(200),
            GRACE
        ));
        assert!(!answering(&silent, None, Duration::from_millis(200), GRACE));
        assert!(all_silent(0, 3));
        assert!(all_silent(0, 1));
        assert!(!all_silent(1, 3));
        assert!(!all_silent(0, 0));
        assert!(!release_kept(None, GRACE));
        assert!(!release_kept(Some(Duration::from_secs(4)), GRACE));
        assert!(release_kept(Some(Duration::from_secs(6)), GRACE));
    }

    #[test]
    fn the_not_ready_condition_is_unknown_with_a_reason() {
        let mut n = node(true);
        set_condition(
            &mut n.status.conditions,
            ready_condition(Transition::ToNotReady),
        );
        assert!(!n.is_ready());
        assert!(is_lost(&n));
        assert_eq!(n.display_status(), "NotReady");
    }

    #[test]
    fn a_lost_pod_shows_node_lost_and_is_not_ready() {
        let mut p: Pod = new_object("default", "a");
        p.status.conditions = vec![Condition::new("Ready", true, "", "")];
        mark_lost(&mut p, "n1");
        p.metadata.deletion_timestamp = Some(Time::now());
        assert!(!p.is_ready());
        assert!(!p.is_active());
        assert_eq!(p.display_status(), "NodeLost");
    }

    fn rs_pod(node: &str, active: bool) -> Arc<Pod> {
        let mut p: Pod = new_object("default", "p");
        p.spec.node_name = node.into();
        p.metadata.owner_references = vec![OwnerReference {
            uid: "rs-uid".into(),
            controller: Some(true),
            ..Default::default()
        }];
        if !active {
            p.metadata.deletion_timestamp = Some(Time::now());
        }
        Arc::new(p)
    }

    #[test]
    fn progress_counts_pods_bound_away_from_the_lost_node() {
        let owner = Owner {
            namespace: "default".into(),
            name: "web".into(),
            uid: "rs-uid".into(),
        };
        let mut rs: ReplicaSet = new_object("default", "web");
        rs.metadata.uid = "rs-uid".into();
        rs.spec.replicas = Some(2);
        let pods = vec![rs_pod("lost", false), rs_pod("n2", true), rs_pod("", true)];
        assert_eq!(
            progress(Some(&rs), &owner, &pods, "lost"),
            Progress::default()
        );
        let pods = vec![
            rs_pod("lost", false),
            rs_pod("n2", true),
            rs_pod("n3", true),
        ];
        assert_eq!(
            progress(Some(&rs), &owner, &pods, "lost"),
            Progress {
                scheduled: true,
                ready: false
            }
        );
        rs.status.ready_replicas = 2;
        assert!(progress(Some(&rs), &owner, &pods, "lost").ready);
        assert!(
            progress(None, &owner, &[], "lost").ready,
            "a deleted set is done"
        );
    }
}
