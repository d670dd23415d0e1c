//! DaemonSet controller: one pod of the template on every node that should
//! run it (nodeSelector, required node affinity, NoSchedule/NoExecute taints
//! against the template's tolerations plus the ones every daemon pod gets),
//! none elsewhere; pods follow nodes as they join and leave.
//!
//! Placement is Kubernetes': the controller does not bind. Each pod carries a
//! required node affinity on the field `metadata.name` naming its node, and
//! the scheduler places it, so resources, host ports and readiness are
//! checked by the same filters as every other pod and its reasons show when
//! it cannot fit. A pod lost with its node is replaced by one pinned to the
//! same node, which waits (Pending) until that node is Ready again.
//!
//! Updates: `RollingUpdate` replaces old pods node by node within
//! `maxUnavailable` (or, with `maxSurge`, starts the new pod beside the old
//! one and removes the old when the new is available); `OnDelete` replaces a
//! pod only once someone deletes it. Each template is kept as a
//! ControllerRevision owned by the DaemonSet (the history `rollout undo`
//! returns to); pods carry its hash in `controller-revision-hash`.
//!
//! The decisions are the pure [`reconcile`] and [`history`]; [`sync`] reads
//! the store's cache and writes a plan in one transaction. Must not import
//! `http` or the scheduler.

use super::create_owned_pod;
use super::{Controller, Key, owner_key, self_key};
use crate::api::daemonset::{
    ControllerRevision, DaemonSet, DaemonSetStatus, DaemonSetStrategyType,
};
use crate::api::daemonset::{
    REVISION_HASH_LABEL, TEMPLATE_GENERATION_LABEL, add_daemon_tolerations, pin_to_node,
    should_run_on, target_node,
};
use crate::api::hash::{fnv32a, safe_encode};
use crate::api::wire::DeleteOptions;
use crate::api::{Kind, Node, OwnerReference, Pod, PodTemplateSpec, Time, new_object};
use crate::control::controllers::replicaset::is_available;
use crate::control::events::{EventType, Recorder};
use crate::control::ops;
use crate::control::store::{Store, StoreError, Subresource};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const EVENTS: Recorder = Recorder("daemonset-controller");

/// Most pods created by one reconcile; the rest come on the next pass.
pub const MAX_CREATE: usize = 500;

/// The hash of a template, as pods carry it in `controller-revision-hash`.
pub fn template_hash(t: &PodTemplateSpec) -> String {
    safe_encode(u64::from(fnv32a(
        &serde_json::to_vec(t).unwrap_or_default(),
    )))
}

/// What a reconcile will do.
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// Nodes that get a new pod.
    pub create: Vec<String>,
    /// Names of pods to delete.
    pub delete: Vec<String>,
    pub status: DaemonSetStatus,
    pub requeue: Option<Duration>,
}

/// The daemon pods on one node: old (another template) and new.
#[derive(Default)]
struct OnNode<'a> {
    old: Vec<&'a Pod>,
    new: Vec<&'a Pod>,
}

fn oldest_first(pods: &mut [&Pod]) {
    pods.sort_by(|a, b| {
        a.metadata
            .creation_timestamp
            .cmp(&b.metadata.creation_timestamp)
            .then(a.metadata.name.cmp(&b.metadata.name))
    });
}

/// The pure decision: which nodes get a pod, which pods go, the status.
/// `hash` is the current template's; `nodes` every node of the cluster.
pub fn reconcile(
    ds: &DaemonSet,
    hash: &str,
    nodes: &[Arc<Node>],
    owned: &[Arc<Pod>],
    now: Time,
) -> Plan {
    let mut spec = ds.spec.template.spec.clone();
    add_daemon_tolerations(&mut spec);
    let min_ready = ds.spec.min_ready_seconds;
    let mut delete: Vec<String> = vec![];
    let mut by_node: BTreeMap<&str, OnNode> = BTreeMap::new();
    for p in owned {
        if p.metadata.is_terminating() {
            continue;
        }
        if p.is_terminal() {
            delete.push(p.metadata.name.clone());
            continue;
        }
        match target_node(&p.spec) {
            Some(n) => {
                let e = by_node.entry(n).or_default();
                if p.metadata
                    .labels
                    .get(REVISION_HASH_LABEL)
                    .map(String::as_str)
                    == Some(hash)
                {
                    e.new.push(p);
                } else {
                    e.old.push(p);
                }
            }
            None => delete.push(p.metadata.name.clone()),
        }
    }
    let known: std::collections::HashSet<&str> =
        nodes.iter().map(|n| n.metadata.name.as_str()).collect();
    for (n, on) in &by_node {
        if !known.contains(n) {
            delete.extend(
                on.old
                    .iter()
                    .chain(&on.new)
                    .map(|p| p.metadata.name.clone()),
            );
        }
    }
    let rolling = ds.strategy_type() == DaemonSetStrategyType::RollingUpdate;
    let mut status = DaemonSetStatus {
        observed_generation: ds.metadata.generation,
        collision_count: ds.status.collision_count,
        conditions: ds.status.conditions.clone(),
        ..Default::default()
    };
    let mut sorted: Vec<&Arc<Node>> = nodes.iter().collect();
    sorted.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let mut desired_nodes = 0;
    for n in &sorted {
        if should_run_on(&spec, n) {
            desired_nodes += 1;
        }
    }
    let (surge, max_unavailable) = ds.surge_and_unavailable(desired_nodes).unwrap_or((0, 1));
    let surge = if rolling { surge } else { 0 };
    let mut create = vec![];
    // The pods kept on each node that should run one, after removing extras.
    let mut kept: Vec<(&str, Option<&Pod>, Option<&Pod>)> = vec![];
    for n in &sorted {
        let name = n.metadata.name.as_str();
        let mut on = by_node.remove(name).unwrap_or_default();
        if !should_run_on(&spec, n) {
            if !(on.old.is_empty() && on.new.is_empty()) {
                status.number_misscheduled += 1;
                delete.extend(
                    on.old
                        .iter()
                        .chain(&on.new)
                        .map(|p| p.metadata.name.clone()),
                );
            }
            continue;
        }
        status.desired_number_scheduled += 1;
        oldest_first(&mut on.old);
        oldest_first(&mut on.new);
        // One pod per node; while surging, one old beside one new.
        let (old, new) = if surge > 0 {
            (on.old.first().copied(), on.new.first().copied())
        } else {
            let mut all: Vec<&Pod> = on.old.iter().chain(&on.new).copied().collect();
            oldest_first(&mut all);
            match all.first() {
                None => (None, None),
                Some(p) if on.new.iter().any(|x| std::ptr::eq(*x, *p)) => (None, Some(*p)),
                Some(p) => (Some(*p), None),
            }
        };
        for p in on.old.iter().chain(&on.new) {
            let is_kept = [old, new].iter().flatten().any(|k| std::ptr::eq(*k, *p));
            if !is_kept {
                delete.push(p.metadata.name.clone());
            }
        }
        if old.is_none() && new.is_none() {
            create.push(name.to_string());
        }
        kept.push((name, old, new));
    }
    for (_, old, new) in &kept {
        let pods: Vec<&Pod> = [*old, *new].into_iter().flatten().collect();
        if pods.is_empty() {
            continue;
        }
        status.current_number_scheduled += 1;
        if pods.iter().any(|p| p.is_ready()) {
            status.number_ready += 1;
        }
        if pods.iter().any(|p| is_available(p, min_ready, now)) {
            status.number_available += 1;
        }
        if new.is_some() {
            status.updated_number_scheduled += 1;
        }
    }
    status.number_unavailable = status.desired_number_scheduled - status.number_available;
    if rolling {
        let mut unavailable = status.number_unavailable;
        let mut surging = kept
            .iter()
            .filter(|(_, o, n)| o.is_some() && n.is_some())
            .count() as i32;
        for (node, old, new) in &kept {
            let Some(old) = old else { continue };
            let old_available = is_available(old, min_ready, now);
            match new {
                Some(new) if is_available(new, min_ready, now) => {
                    delete.push(old.metadata.name.clone());
                }
                Some(_) => {}
                None if !old_available => {
                    delete.push(old.metadata.name.clone());
                    create.push(node.to_string());
                }
                None if surge > 0 => {
                    if surging < surge {
                        surging += 1;
                        create.push(node.to_string());
                    }
                }
                None => {
                    if unavailable < max_unavailable {
                        unavailable += 1;
                        delete.push(old.metadata.name.clone());
                        create.push(node.to_string());
                    }
                }
            }
        }
    }
    let mut requeue = kept
        .iter()
        .flat_map(|(_, o, n)| [*o, *n])
        .flatten()
        .any(|p| p.is_ready() && !is_available(p, min_ready, now))
        .then(|| Duration::from_secs(1));
    if create.len() > MAX_CREATE {
        create.truncate(MAX_CREATE);
        requeue = Some(Duration::ZERO);
    }
    Plan {
        create,
        delete,
        status,
        requeue,
    }
}

/// What to change in a DaemonSet's ControllerRevisions.
#[derive(Debug, Default, PartialEq)]
pub struct HistoryPlan {
    /// A revision to make for the current template: its number.
    pub create: Option<i64>,
    /// An older revision of the same template becomes the newest: its name
    /// and new number (a rollback).
    pub renumber: Option<(String, i64)>,
    /// Revisions beyond `revisionHistoryLimit` that no pod runs.
    pub delete: Vec<String>,
}

/// The name of the revision of a template.
pub fn revision_name(ds: &DaemonSet, hash: &str) -> String {
    format!("{}-{hash}", ds.metadata.name)
}

/// The pure history decision: the current template must be the newest
/// revision; old ones are pruned to `revisionHistoryLimit`, keeping those a
/// live pod still runs.
pub fn history(
    ds: &DaemonSet,
    hash: &str,
    revisions: &[Arc<ControllerRevision>],
    pods: &[Arc<Pod>],
) -> HistoryPlan {
    let in_use: std::collections::HashSet<String> = pods
        .iter()
        .filter(|p| p.is_active())
        .filter_map(|p| p.metadata.labels.get(REVISION_HASH_LABEL))
        .map(|h| revision_name(ds, h))
        .collect();
    plan_history(
        &revision_name(ds, hash),
        revisions,
        &in_use,
        ds.revision_history_limit() as usize,
    )
}

/// The history decision of any owner of ControllerRevisions (DaemonSets,
/// StatefulSets): the revision named `current` must exist and be the
/// newest (an older one of that name is renumbered: a rollback); the others
/// no live pod runs (`in_use`) are pruned to `limit`, oldest first.
pub fn plan_history(
    current: &str,
    revisions: &[Arc<ControllerRevision>],
    in_use: &std::collections::HashSet<String>,
    limit: usize,
) -> HistoryPlan {
    let mut plan = HistoryPlan::default();
    let max = revisions.iter().map(|r| r.revision).max().unwrap_or(0);
    match revisions.iter().find(|r| r.metadata.name == current) {
        None => plan.create = Some(max + 1),
        Some(r) if r.revision < max => plan.renumber = Some((current.to_string(), max + 1)),
        Some(_) => {}
    }
    let mut old: Vec<&Arc<ControllerRevision>> = revisions
        .iter()
        .filter(|r| r.metadata.name != current && !in_use.contains(&r.metadata.name))
        .collect();
    old.sort_by_key(|r| r.revision);
    let excess = old.len().saturating_sub(limit);
    plan.delete = old[..excess]
        .iter()
        .map(|r| r.metadata.name.clone())
        .collect();
    plan
}

fn owner_ref(ds: &DaemonSet) -> OwnerReference {
    OwnerReference {
        api_version: Kind::DaemonSet.api_version().into(),
        kind: Kind::DaemonSet.as_str().into(),
        name: ds.metadata.name.clone(),
        uid: ds.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// A new daemon pod for `node`, owned by the DaemonSet.
pub fn pod_for_node(ds: &DaemonSet, hash: &str, node: &str) -> Pod {
    let t = &ds.spec.template;
    let mut p: Pod = new_object(&ds.metadata.namespace, "");
    p.metadata.generate_name = format!("{}-", ds.metadata.name);
    p.metadata.labels = t.metadata.labels.clone();
    p.metadata
        .labels
        .insert(REVISION_HASH_LABEL.into(), hash.into());
    p.metadata.labels.insert(
        TEMPLATE_GENERATION_LABEL.into(),
        ds.metadata.generation.to_string(),
    );
    p.metadata.annotations = t.metadata.annotations.clone();
    p.metadata.owner_references = vec![owner_ref(ds)];
    p.spec = t.spec.clone();
    add_daemon_tolerations(&mut p.spec);
    pin_to_node(&mut p.spec, node);
    p
}

/// A revision holding the DaemonSet's template.
pub fn revision_for(ds: &DaemonSet, hash: &str, number: i64) -> ControllerRevision {
    let mut r: ControllerRevision = new_object(&ds.metadata.namespace, &revision_name(ds, hash));
    r.metadata.labels = ds.spec.template.metadata.labels.clone();
    r.metadata
        .labels
        .insert(REVISION_HASH_LABEL.into(), hash.into());
    r.metadata.owner_references = vec![owner_ref(ds)];
    r.data = serde_json::json!({ "spec": { "template": ds.spec.template } });
    r.revision = number;
    r
}

async fn sync(store: &Store, key: Key) -> Result<Option<Duration>, StoreError> {
    let Some(ds) = store.get::<DaemonSet>(&key.0, &key.1) else {
        return Ok(None);
    };
    if ds.metadata.is_terminating() {
        return Ok(None);
    }
    let hash = template_hash(&ds.spec.template);
    let nodes = store.list::<Node>(None);
    let pods = super::controlled::<Pod, _>(store, ds.as_ref());
    let revisions = super::controlled::<ControllerRevision, _>(store, ds.as_ref());
    let hist = history(&ds, &hash, &revisions, &pods);
    let plan = reconcile(&ds, &hash, &nodes, &pods, Time::now());
    if hist == HistoryPlan::default()
        && plan.create.is_empty()
        && plan.delete.is_empty()
        && plan.status == ds.status
    {
        return Ok(plan.requeue);
    }
    let requeue = plan.requeue;
    store
        .txn(move |tx| {
            let Some(cur) = tx.get::<DaemonSet>(&key.0, &key.1) else {
                return Ok(());
            };
            if cur.metadata.uid != ds.metadata.uid || cur.spec != ds.spec {
                return Err(StoreError::Conflict {
                    kind: Kind::DaemonSet,
                    name: key.1.clone(),
                    message: "the DaemonSet changed while it was reconciled".into(),
                });
            }
            if let Some(n) = hist.create {
                tx.create(revision_for(&cur, &hash, n))?;
            }
            if let Some((name, n)) = &hist.renumber {
                let n = *n;
                tx.mutate::<ControllerRevision, _>(&key.0, name, Subresource::Main, move |r| {
                    r.revision = n;
                    Ok(true)
                })?;
            }
            for name in &hist.delete {
                match ops::delete(
                    tx,
                    Kind::ControllerRevision,
                    &key.0,
                    name,
                    &DeleteOptions::default(),
                ) {
                    Ok(_) | Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            for name in &plan.delete {
                match ops::delete(tx, Kind::Pod, &key.0, name, &DeleteOptions::default()) {
                    Ok(_) => EVENTS.record(
                        tx,
                        cur.as_ref(),
                        EventType::Normal,
                        "SuccessfulDelete",
                        &format!("Deleted pod: {name}"),
                    )?,
                    Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            for node in &plan.create {
                let pod = pod_for_node(&cur, &hash, node);
                let Some(p) = create_owned_pod(tx, EVENTS, cur.as_ref(), pod)? else {
                    break;
                };
                EVENTS.record(
                    tx,
                    cur.as_ref(),
                    EventType::Normal,
                    "SuccessfulCreate",
                    &format!("Created pod: {}", p.metadata.name),
                )?;
            }
            let status = plan.status;
            tx.mutate::<DaemonSet, _>(&key.0, &key.1, Subresource::Status, move |d| {
                let changed = d.status != status;
                d.status = status;
                Ok(changed)
            })?;
            Ok(())
        })
        .await?;
    Ok(requeue)
}

/// Starts the controller's watches and worker. Any node change requeues
/// every DaemonSet: nodes change rarely (heartbeats are not writes).
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    let all = store.clone();
    Controller::new("daemonset", store, shutdown)
        .watch(Kind::DaemonSet, self_key)
        .watch(Kind::Pod, |ev| owner_key(ev, Kind::DaemonSet))
        .watch(Kind::Node, move |_| {
            all.list::<DaemonSet>(None)
                .iter()
                .map(|d| (d.metadata.namespace.clone(), d.metadata.name.clone()))
                .collect()
        })
        .run(Kind::DaemonSet, |store, key| async move {
            sync(&store, key).await
        });
}

#[cfg(test)]
#[path = "daemonset_tests.rs"]
mod tests;
