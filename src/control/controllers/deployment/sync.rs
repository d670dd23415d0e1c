//! The Deployment controller's loop: watch Deployments, their ReplicaSets
//! and the pods of those (a crash-looping new pod must wake it), compute the
//! plan, and write it in one transaction. A rollout in progress is looked at
//! again every few seconds, so deadlines and unreadiness are noticed.

use super::progress;
use super::{Plan, PodsBySet, reconcile};
use crate::api::wire::DeleteOptions;
use crate::api::{
    Condition, Deployment, DeploymentStatus, Kind, Object, Pod, REVISION_ANNOTATION, ReplicaSet,
    Time, set_condition,
};
use crate::control::controllers::{Controller, Key, owner_key, self_key};
use crate::control::events::{EventType, Recorder};
use crate::control::ops;
use crate::control::store::{Store, StoreError, Subresource, Tx};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often a rollout in progress is looked at without any change.
const WHILE_ROLLING: Duration = Duration::from_secs(2);

fn pods_by_set(store: &Store, sets: &[Arc<ReplicaSet>]) -> PodsBySet {
    sets.iter()
        .map(|rs| {
            let pods = store
                .owned_by(&rs.metadata.uid)
                .into_iter()
                .filter_map(|o| Pod::from_any(&o).cloned())
                .collect();
            (rs.metadata.uid.clone(), pods)
        })
        .collect()
}

/// Status changes that are only transition times do not count as changes.
fn same_status(a: &DeploymentStatus, b: &DeploymentStatus) -> bool {
    let strip = |s: &DeploymentStatus| {
        let mut s = s.clone();
        for c in &mut s.conditions {
            c.last_transition_time = None;
        }
        s
    };
    strip(a) == strip(b)
}

fn idle(plan: &Plan, d: &Deployment) -> bool {
    plan.create.is_none()
        && plan.scale.is_empty()
        && plan.delete.is_empty()
        && plan.bump.is_none()
        && plan.rollback.is_none()
        && same_status(&plan.status, &d.status)
        && plan
            .annotations
            .iter()
            .all(|(k, v)| d.metadata.annotations.get(k) == Some(v))
}

const EVENTS: Recorder = Recorder("deployment-controller");

fn record(
    tx: &mut Tx<'_>,
    d: &Deployment,
    kind: EventType,
    reason: &str,
    message: &str,
) -> Result<(), StoreError> {
    EVENTS.record(tx, d, kind, reason, message)
}

/// Puts back a known-good template and says why.
fn roll_back(
    tx: &mut Tx<'_>,
    d: &Deployment,
    rb: super::Rollback,
    mut status: DeploymentStatus,
) -> Result<(), StoreError> {
    let (ns, name) = (d.metadata.namespace.clone(), d.metadata.name.clone());
    let message = format!(
        "Rolled back from revision {} to revision {}: revision {} failed: {}",
        rb.from, rb.to, rb.from, rb.reason
    );
    let template = rb.template;
    let failed = d.metadata.generation.to_string();
    tx.mutate::<Deployment, _>(&ns, &name, Subresource::Main, move |d| {
        d.spec.template = template;
        d.metadata
            .annotations
            .insert(progress::ROLLED_BACK_GENERATION.into(), failed);
        Ok(true)
    })?;
    set_condition(
        &mut status.conditions,
        Condition::new("RolledBack", true, "AutoRollback", &message),
    );
    tx.mutate::<Deployment, _>(&ns, &name, Subresource::Status, move |d| {
        d.status = status;
        Ok(true)
    })?;
    record(tx, d, EventType::Warning, "RolledBack", &message)
}

async fn sync_one(store: &Store, key: Key) -> Result<Option<Duration>, StoreError> {
    let Some(d) = store.get::<Deployment>(&key.0, &key.1) else {
        return Ok(None);
    };
    if d.metadata.is_terminating() {
        // Being deleted (in the foreground): no new sets, no scaling.
        return Ok(None);
    }
    let sets = super::super::controlled::<ReplicaSet, _>(store, d.as_ref());
    let pods = pods_by_set(store, &sets);
    let plan = reconcile(&d, &sets, &pods, Time::now());
    let rolling = plan
        .status
        .conditions
        .iter()
        .any(|c| c.type_ == "Progressing" && c.reason == "ReplicaSetUpdated");
    let again = rolling.then_some(WHILE_ROLLING);
    if idle(&plan, &d) {
        return Ok(again);
    }
    store
        .txn(move |tx| {
            let Some(cur) = tx.get::<Deployment>(&key.0, &key.1) else {
                return Ok(());
            };
            if cur.metadata.uid != d.metadata.uid
                || cur.metadata.generation != d.metadata.generation
            {
                return Ok(()); // changed meanwhile: the next pass sees it
            }
            if let Some(rb) = plan.rollback {
                return roll_back(tx, &cur, rb, plan.status);
            }
            if let Some(rs) = plan.create {
                let replicas = rs.replicas();
                let created = tx.create(rs)?;
                record(
                    tx,
                    &cur,
                    EventType::Normal,
                    "ScalingReplicaSet",
                    &format!(
                        "Scaled up replica set {} to {replicas}",
                        created.metadata.name
                    ),
                )?;
            }
            if let Some((name, revision)) = plan.bump {
                let cause = cur
                    .metadata
                    .annotations
                    .get(progress::CHANGE_CAUSE)
                    .cloned();
                tx.mutate::<ReplicaSet, _>(&key.0, &name, Subresource::Main, move |r| {
                    r.metadata
                        .annotations
                        .insert(REVISION_ANNOTATION.into(), revision.to_string());
                    if let Some(c) = cause {
                        r.metadata
                            .annotations
                            .insert(progress::CHANGE_CAUSE.into(), c);
                    }
                    Ok(true)
                })?;
            }
            for (name, replicas) in plan.scale {
                let before = tx
                    .get::<ReplicaSet>(&key.0, &name)
                    .map(|r| r.replicas())
                    .unwrap_or(0);
                tx.mutate::<ReplicaSet, _>(&key.0, &name, Subresource::Main, move |r| {
                    let changed = r.spec.replicas != Some(replicas);
                    r.spec.replicas = Some(replicas);
                    Ok(changed)
                })?;
                let dir = if replicas > before { "up" } else { "down" };
                record(
                    tx,
                    &cur,
                    EventType::Normal,
                    "ScalingReplicaSet",
                    &format!("Scaled {dir} replica set {name} from {before} to {replicas}"),
                )?;
            }
            for name in plan.delete {
                match ops::delete(
                    tx,
                    Kind::ReplicaSet,
                    &key.0,
                    &name,
                    &DeleteOptions::default(),
                ) {
                    Ok(_) | Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            let annotations = plan.annotations;
            tx.mutate::<Deployment, _>(&key.0, &key.1, Subresource::Main, move |d| {
                let mut changed = false;
                for (k, v) in annotations {
                    if d.metadata.annotations.get(&k) != Some(&v) {
                        d.metadata.annotations.insert(k, v);
                        changed = true;
                    }
                }
                Ok(changed)
            })?;
            let status = plan.status;
            let failed_now = status
                .conditions
                .iter()
                .any(|c| c.type_ == "Progressing" && c.status == "False")
                && !cur
                    .status
                    .conditions
                    .iter()
                    .any(|c| c.type_ == "Progressing" && c.status == "False");
            if failed_now
                && let Some(c) = status.conditions.iter().find(|c| c.type_ == "Progressing")
            {
                record(tx, &cur, EventType::Warning, &c.reason, &c.message)?;
            }
            tx.mutate::<Deployment, _>(&key.0, &key.1, Subresource::Status, move |d| {
                let changed = !same_status(&d.status, &status);
                d.status = status;
                Ok(changed)
            })?;
            Ok(())
        })
        .await?;
    Ok(again)
}

/// The Deployment that owns the ReplicaSet that owns a pod.
fn pod_deployment(store: &Store, ev: &crate::control::store::WatchEvent) -> Vec<Key> {
    let m = ev.obj.meta();
    let Some(rs_ref) = m
        .controller()
        .filter(|r| r.kind == Kind::ReplicaSet.as_str())
    else {
        return vec![];
    };
    store
        .get::<ReplicaSet>(&m.namespace, &rs_ref.name)
        .and_then(|rs| {
            rs.metadata
                .controller()
                .filter(|r| r.kind == Kind::Deployment.as_str())
                .map(|r| vec![(m.namespace.clone(), r.name.clone())])
        })
        .unwrap_or_default()
}

/// Starts the controller's watches and worker.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    let s = store.clone();
    Controller::new("deployment", store, shutdown)
        .watch(Kind::Deployment, self_key)
        .watch(Kind::ReplicaSet, |ev| owner_key(ev, Kind::Deployment))
        .watch(Kind::Pod, move |ev| pod_deployment(&s, ev))
        .run(Kind::Deployment, |store, key| async move {
            sync_one(&store, key).await
        });
}
