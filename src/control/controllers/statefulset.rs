//! StatefulSet controller: one pod per ordinal (`web-0`, `web-1`… from
//! `spec.ordinals.start`), each with its claims `<template>-<set>-<ordinal>`
//! made before the pod and kept after it (unless the retention policy says
//! `Delete`). A replaced pod gets the same name, hostname and claims.
//!
//! `OrderedReady` (the default) creates the next pod only once every lower
//! one is Running and Ready, and removes surplus pods highest ordinal first,
//! one at a time, only while the rest are ready; `Parallel` does both at
//! once. A changed template is a new revision (`controller-revision-hash`
//! label): `RollingUpdate` replaces outdated pods from the highest ordinal
//! down to `partition`, at most `maxUnavailable` unavailable at a time;
//! `OnDelete` waits for pods to be deleted by hand. A pod below the
//! partition that must be recreated gets the current revision's spec, read
//! back from a pod of that revision, else the new one.
//!
//! Each template is also kept as a ControllerRevision named like the
//! revision (`<set>-<hash>`, holding `{"spec": {"template": …}}`), numbered
//! in order, as Kubernetes keeps them: `rollout history` lists them and
//! `rollout undo` puts one's template back, which renumbers it as the
//! newest. Revisions no pod runs are pruned to `revisionHistoryLimit`
//! (default 10), by [`super::daemonset::plan_history`].
//!
//! The decision is [`reconcile`] (pure, over the set, its pods and the names
//! of existing claims) and [`history`]; [`sync`] is the thin loop that reads
//! and writes.

use super::create_owned_pod;
use super::daemonset::{HistoryPlan, plan_history};
use super::{Controller, Key, owner_key, self_key};
use crate::api::ControllerRevision;
use crate::api::hash::{fnv32a, safe_encode};
use crate::api::statefulset::{
    POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL, StatefulSet, StatefulSetStatus,
};
use crate::api::validation::statefulset::template_with_claims;
use crate::api::volume::PersistentVolumeClaim;
use crate::api::wire::DeleteOptions;
use crate::api::{Kind, OwnerReference, Pod, PodPhase, Time, new_object};
use crate::control::controllers::replicaset::is_available;
use crate::control::events::{EventType, Recorder};
use crate::control::ops;
use crate::control::store::{Store, StoreError, Subresource};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const EVENTS: Recorder = Recorder("statefulset-controller");

/// What a reconcile will do, in this order: create claims, create pods,
/// delete pods, delete claims, write status.
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub create_claims: Vec<PersistentVolumeClaim>,
    pub create_pods: Vec<Pod>,
    pub delete_pods: Vec<String>,
    pub delete_claims: Vec<String>,
    pub status: StatefulSetStatus,
    pub requeue: Option<Duration>,
}

/// The revision name of the set's current template: `<set>-<hash>`.
pub fn revision_of(set: &StatefulSet) -> String {
    let bytes = serde_json::to_vec(&set.spec.template).unwrap_or_default();
    format!(
        "{}-{}",
        set.metadata.name,
        safe_encode(u64::from(fnv32a(&bytes)))
    )
}

fn revision(p: &Pod) -> &str {
    p.metadata
        .labels
        .get(REVISION_LABEL)
        .map_or("", String::as_str)
}

/// Running, Ready for `minReadySeconds` and not being deleted: what the
/// next ordinal (and the next update) waits for.
fn running_and_available(p: &Pod, min_ready: i32, now: Time) -> bool {
    p.status.phase == PodPhase::Running
        && is_available(p, min_ready, now)
        && !p.metadata.is_terminating()
}

/// The pod of `ordinal` at `rev`: from the template when `rev` is the update
/// revision, else from `like` (a pod of that revision) when there is one.
pub fn new_pod(set: &StatefulSet, ordinal: i32, rev: &str, like: Option<&Pod>) -> Pod {
    let name = set.pod_name(ordinal);
    let t = template_with_claims(set);
    let mut p: Pod = new_object(&set.metadata.namespace, &name);
    match like {
        Some(old) => {
            p.metadata.labels = old.metadata.labels.clone();
            p.metadata.annotations = old.metadata.annotations.clone();
            p.spec = old.spec.clone();
            p.spec.node_name = String::new();
        }
        None => {
            p.metadata.labels = t.metadata.labels.clone();
            p.metadata.annotations = t.metadata.annotations.clone();
            p.spec = t.spec;
            let claims: HashSet<&str> = set
                .spec
                .volume_claim_templates
                .iter()
                .map(|c| c.metadata.name.as_str())
                .collect();
            for v in &mut p.spec.volumes {
                if let Some(c) = v.persistent_volume_claim.as_mut()
                    && claims.contains(c.claim_name.as_str())
                    && c.claim_name == v.name
                {
                    c.claim_name = set.claim_name(&v.name, ordinal);
                }
            }
        }
    }
    p.metadata
        .labels
        .insert(POD_NAME_LABEL.into(), name.clone());
    p.metadata
        .labels
        .insert(POD_INDEX_LABEL.into(), ordinal.to_string());
    p.metadata
        .labels
        .insert(REVISION_LABEL.into(), rev.to_string());
    p.metadata.owner_references = vec![owner(set)];
    p.spec.hostname = name;
    p.spec.subdomain = set.spec.service_name.clone();
    p
}

fn owner(set: &StatefulSet) -> OwnerReference {
    OwnerReference {
        api_version: Kind::StatefulSet.api_version().into(),
        kind: Kind::StatefulSet.as_str().into(),
        name: set.metadata.name.clone(),
        uid: set.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The claims of `ordinal`, as the templates describe them, labelled with
/// the set's selector; owned by the set when `whenDeleted: Delete`.
pub fn claims_for(set: &StatefulSet, ordinal: i32) -> Vec<PersistentVolumeClaim> {
    set.spec
        .volume_claim_templates
        .iter()
        .map(|t| {
            let mut c: PersistentVolumeClaim = new_object(
                &set.metadata.namespace,
                &set.claim_name(&t.metadata.name, ordinal),
            );
            c.metadata.labels = t.metadata.labels.clone();
            c.metadata
                .labels
                .extend(set.spec.selector.match_labels.clone());
            c.metadata.annotations = t.metadata.annotations.clone();
            c.spec = t.spec.clone();
            if set.deletes_claims_with_set() {
                c.metadata.owner_references = vec![owner(set)];
            }
            c
        })
        .collect()
}

/// The pure decision over the set, the pods it controls and the names of
/// the claims that exist in its namespace.
pub fn reconcile(
    set: &StatefulSet,
    pods: &[Arc<Pod>],
    claims: &HashSet<String>,
    now: Time,
) -> Plan {
    let mut plan = Plan::default();
    let start = set.start_ordinal();
    let replicas = set.replicas().max(0);
    let end = start + replicas;
    let update_rev = revision_of(set);
    let current_rev = if set.status.current_revision.is_empty() {
        update_rev.clone()
    } else {
        set.status.current_revision.clone()
    };
    let ordered = !set.is_parallel();
    let min_ready = set.spec.min_ready_seconds;
    let running_and_ready = |p: &Pod| running_and_available(p, min_ready, now);
    let mut by_ordinal: BTreeMap<i32, &Pod> = BTreeMap::new();
    let mut strays = vec![];
    for p in pods {
        match set.ordinal_of(&p.metadata.name) {
            Some(o) => {
                by_ordinal.insert(o, p.as_ref());
            }
            None => strays.push(p.metadata.name.clone()),
        }
    }
    plan.status = status(set, &by_ordinal, &update_rev, &current_rev, now);
    plan.delete_pods.extend(strays);
    // A pod below the partition keeps (or gets back) the current revision.
    let partition = start + set.partition();
    let like_current = by_ordinal
        .values()
        .copied()
        .find(|p| revision(p) == current_rev);
    let mut blocked = false;
    let mut pending: HashSet<String> = claims.clone();
    for ord in start..end {
        match by_ordinal.get(&ord) {
            None => {
                if blocked {
                    break;
                }
                for c in claims_for(set, ord) {
                    if pending.insert(c.metadata.name.clone()) {
                        plan.create_claims.push(c);
                    }
                }
                let pod = if ord < partition && current_rev != update_rev {
                    new_pod(set, ord, &current_rev, like_current)
                } else {
                    new_pod(set, ord, &update_rev, None)
                };
                plan.create_pods.push(pod);
                if ordered {
                    blocked = true;
                }
            }
            Some(p) if p.is_terminal() && !p.metadata.is_terminating() => {
                // Failed or succeeded: replaced under the same name.
                plan.delete_pods.push(p.metadata.name.clone());
                if ordered {
                    blocked = true;
                }
            }
            Some(p) => {
                if ordered && !running_and_ready(p) {
                    blocked = true;
                }
            }
        }
    }
    // Surplus ordinals, highest first.
    let surplus: Vec<&Pod> = by_ordinal
        .range(..start)
        .chain(by_ordinal.range(end..))
        .map(|(_, p)| *p)
        .rev()
        .collect();
    let mut surplus_sorted = surplus.clone();
    surplus_sorted.sort_by_key(|p| std::cmp::Reverse(set.ordinal_of(&p.metadata.name)));
    if !ordered {
        for p in &surplus_sorted {
            if !p.metadata.is_terminating() {
                plan.delete_pods.push(p.metadata.name.clone());
            }
        }
    } else if !blocked && plan.create_pods.is_empty() {
        let any_terminating = by_ordinal.values().any(|p| p.metadata.is_terminating());
        let all_ready = by_ordinal
            .range(start..end)
            .all(|(_, p)| running_and_ready(p));
        if let Some(p) = surplus_sorted.first()
            && !any_terminating
            && all_ready
        {
            plan.delete_pods.push(p.metadata.name.clone());
        }
    }
    // Claims of ordinals no longer wanted, once their pod is gone.
    if set.deletes_claims_when_scaled() {
        let mut gone = vec![];
        for c in claims {
            for t in &set.spec.volume_claim_templates {
                let prefix = format!("{}-{}-", t.metadata.name, set.metadata.name);
                let Some(o) = c
                    .strip_prefix(&prefix)
                    .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|r| r.parse::<i32>().ok())
                else {
                    continue;
                };
                if !(start..end).contains(&o) && !by_ordinal.contains_key(&o) {
                    gone.push(c.clone());
                }
            }
        }
        gone.sort();
        plan.delete_claims = gone;
    }
    // Rolling update: outdated pods at or above the partition, highest first,
    // while the number unavailable stays within maxUnavailable.
    let settled = plan.create_pods.is_empty() && plan.delete_pods.is_empty();
    if settled && !set.is_on_delete() {
        let unavailable = (start..end)
            .filter(|o| by_ordinal.get(o).is_none_or(|p| !running_and_ready(p)))
            .count() as i32;
        let mut budget = set.max_unavailable() - unavailable;
        if ordered {
            budget = budget.min(1 - unavailable);
        }
        for ord in (partition.max(start)..end).rev() {
            if budget <= 0 {
                break;
            }
            let Some(p) = by_ordinal.get(&ord) else {
                continue;
            };
            if revision(p) != update_rev && !p.metadata.is_terminating() {
                plan.delete_pods.push(p.metadata.name.clone());
                budget -= 1;
            }
        }
    }
    if !plan.create_pods.is_empty() || !plan.delete_pods.is_empty() {
        plan.requeue = None;
    } else if set.spec.min_ready_seconds > 0
        && plan.status.available_replicas < plan.status.ready_replicas
    {
        plan.requeue = Some(Duration::from_secs(1));
    }
    plan
}

/// The status: counts over the pods, the revisions, and the current
/// revision moved to the update revision once every pod runs it and is ready.
fn status(
    set: &StatefulSet,
    pods: &BTreeMap<i32, &Pod>,
    update_rev: &str,
    current_rev: &str,
    now: Time,
) -> StatefulSetStatus {
    let live: Vec<&Pod> = pods
        .values()
        .copied()
        .filter(|p| !p.is_terminal())
        .collect();
    let count = |f: &dyn Fn(&Pod) -> bool| live.iter().filter(|p| f(p)).count() as i32;
    let replicas = live.len() as i32;
    let ready = count(&|p| p.is_ready());
    let available = count(&|p| p.is_ready() && is_available(p, set.spec.min_ready_seconds, now));
    let updated = count(&|p| revision(p) == update_rev);
    let mut current_revision = current_rev.to_string();
    let mut current = count(&|p| revision(p) == current_rev);
    let want = set.replicas().max(0);
    if updated == want && ready == want && replicas == want {
        current_revision = update_rev.to_string();
        current = updated;
    }
    StatefulSetStatus {
        observed_generation: set.metadata.generation,
        replicas,
        ready_replicas: ready,
        current_replicas: current,
        updated_replicas: updated,
        available_replicas: available,
        current_revision,
        update_revision: update_rev.to_string(),
        collision_count: set.status.collision_count,
        conditions: set.status.conditions.clone(),
    }
}

/// Kubernetes' default `revisionHistoryLimit`.
pub const REVISION_HISTORY_LIMIT: i32 = 10;

/// The set's ControllerRevisions to make, renumber and prune: the current
/// template's revision is the newest; those a live pod runs are kept.
pub fn history(
    set: &StatefulSet,
    revisions: &[Arc<ControllerRevision>],
    pods: &[Arc<Pod>],
) -> HistoryPlan {
    let in_use: HashSet<String> = pods
        .iter()
        .filter(|p| p.is_active())
        .map(|p| revision(p).to_string())
        .collect();
    let limit = set
        .spec
        .revision_history_limit
        .unwrap_or(REVISION_HISTORY_LIMIT)
        .max(0) as usize;
    plan_history(&revision_of(set), revisions, &in_use, limit)
}

/// A ControllerRevision holding the set's current template.
pub fn revision_for(set: &StatefulSet, number: i64) -> ControllerRevision {
    let name = revision_of(set);
    let mut r: ControllerRevision = new_object(&set.metadata.namespace, &name);
    r.metadata.labels = set.spec.template.metadata.labels.clone();
    r.metadata.labels.insert(REVISION_LABEL.into(), name);
    r.metadata.owner_references = vec![owner(set)];
    r.data = serde_json::json!({ "spec": { "template": set.spec.template } });
    r.revision = number;
    r
}

async fn sync(store: &Store, key: Key) -> Result<Option<Duration>, StoreError> {
    let Some(set) = store.get::<StatefulSet>(&key.0, &key.1) else {
        return Ok(None);
    };
    if set.metadata.is_terminating() {
        return Ok(None);
    }
    let pods = super::controlled::<Pod, _>(store, set.as_ref());
    let revisions = super::controlled::<ControllerRevision, _>(store, set.as_ref());
    let hist = history(&set, &revisions, &pods);
    let claims: HashSet<String> = store
        .list::<PersistentVolumeClaim>(Some(&key.0))
        .iter()
        .map(|c| c.metadata.name.clone())
        .collect();
    let plan = reconcile(&set, &pods, &claims, Time::now());
    if hist == HistoryPlan::default()
        && plan.create_claims.is_empty()
        && plan.create_pods.is_empty()
        && plan.delete_pods.is_empty()
        && plan.delete_claims.is_empty()
        && plan.status == set.status
    {
        return Ok(plan.requeue);
    }
    let requeue = plan.requeue;
    store
        .txn(move |tx| {
            let Some(cur) = tx.get::<StatefulSet>(&key.0, &key.1) else {
                return Ok(());
            };
            if cur.metadata.uid != set.metadata.uid {
                return Ok(());
            }
            if cur.spec.template != set.spec.template {
                return Err(StoreError::Conflict {
                    kind: Kind::StatefulSet,
                    name: key.1.clone(),
                    message: "the StatefulSet changed while it was reconciled".into(),
                });
            }
            if let Some(n) = hist.create {
                match tx.create(revision_for(&cur, n)) {
                    Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
                    Err(e) => return Err(e),
                }
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
            for mut c in plan.create_claims {
                // A template naming no class gets the default one, as a
                // client's claim does at admission.
                if c.spec.storage_class_name.is_none() {
                    c.spec.storage_class_name = crate::control::admission::default_class(tx);
                }
                let name = c.metadata.name.clone();
                match tx.create(c) {
                    Ok(_) => EVENTS.record(
                        tx,
                        cur.as_ref(),
                        EventType::Normal,
                        "SuccessfulCreate",
                        &format!(
                            "create Claim {name} in StatefulSet {} success",
                            cur.metadata.name
                        ),
                    )?,
                    Err(StoreError::AlreadyExists { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            for p in plan.create_pods {
                let name = p.metadata.name.clone();
                match create_owned_pod(tx, EVENTS, cur.as_ref(), p) {
                    Ok(Some(_)) => EVENTS.record(
                        tx,
                        cur.as_ref(),
                        EventType::Normal,
                        "SuccessfulCreate",
                        &format!(
                            "create Pod {name} in StatefulSet {} successful",
                            cur.metadata.name
                        ),
                    )?,
                    // Refused and reported: the next ordinals wait.
                    Ok(None) => break,
                    Err(StoreError::AlreadyExists { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            for name in &plan.delete_pods {
                match ops::delete(tx, Kind::Pod, &key.0, name, &DeleteOptions::default()) {
                    Ok(_) => EVENTS.record(
                        tx,
                        cur.as_ref(),
                        EventType::Normal,
                        "SuccessfulDelete",
                        &format!(
                            "delete Pod {name} in StatefulSet {} successful",
                            cur.metadata.name
                        ),
                    )?,
                    Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            for name in &plan.delete_claims {
                match ops::delete(
                    tx,
                    Kind::PersistentVolumeClaim,
                    &key.0,
                    name,
                    &DeleteOptions::default(),
                ) {
                    Ok(_) => EVENTS.record(
                        tx,
                        cur.as_ref(),
                        EventType::Normal,
                        "SuccessfulDelete",
                        &format!(
                            "delete Claim {name} in StatefulSet {} successful",
                            cur.metadata.name
                        ),
                    )?,
                    Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            let status = plan.status;
            tx.mutate::<StatefulSet, _>(&key.0, &key.1, Subresource::Status, move |s| {
                let changed = s.status != status;
                s.status = status;
                Ok(changed)
            })?;
            Ok(())
        })
        .await?;
    Ok(requeue)
}

/// Starts the controller's watches and worker.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    Controller::new("statefulset", store, shutdown)
        .watch(Kind::StatefulSet, self_key)
        .watch(Kind::Pod, |ev| owner_key(ev, Kind::StatefulSet))
        .run(Kind::StatefulSet, |store, key| async move {
            sync(&store, key).await
        });
}

#[cfg(test)]
mod tests;
