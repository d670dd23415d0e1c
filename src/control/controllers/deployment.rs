//! Deployment controller: owns one ReplicaSet per pod template (named
//! `<deployment>-<pod-template-hash>`) and moves replicas from the old ones to
//! the new one.
//!
//! - `RollingUpdate` (default): the new set grows while the total stays within
//!   `replicas + maxSurge`, and old sets shrink while the available pods stay
//!   at least `replicas - maxUnavailable`; one step per reconcile, as
//!   Kubernetes does, each step waiting for readiness reported by pods.
//! - `Recreate`: old sets go to zero; once their pods are gone the new set
//!   grows to `replicas`.
//!
//! Each set carries its revision (`deployment.kubernetes.io/revision`, and
//! the deployment's `kubernetes.io/change-cause` when it had one); a set that
//! becomes current again (undo, rollback) gets the next revision, as in
//! Kubernetes. Old sets scaled to zero are kept for history up to
//! `revisionHistoryLimit` (default 10). While paused, no new set is made.
//!
//! Rollout health (progress deadline, failure, automatic rollback) is decided
//! in [`progress`]; the loop that runs the plans is in `sync`.

pub mod progress;
mod sync;

pub use sync::start;

use crate::api::hash::{fnv32a, safe_encode};
use crate::api::{
    Condition, Deployment, DeploymentStatus, Kind, OwnerReference, POD_TEMPLATE_HASH_LABEL, Pod,
    PodTemplateSpec, REVISION_ANNOTATION, ReplicaSet, StrategyType, Time, new_object,
    set_condition,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// What a reconcile will do.
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub create: Option<ReplicaSet>,
    /// `(replicaset name, replicas)`.
    pub scale: Vec<(String, i32)>,
    /// Old ReplicaSets beyond the history limit.
    pub delete: Vec<String>,
    /// A set that is current again, and the revision it now gets.
    pub bump: Option<(String, i64)>,
    /// Put back a known-good template (the rest of the plan is then skipped).
    pub rollback: Option<Rollback>,
    pub status: DeploymentStatus,
    /// Annotations of the deployment to set (revision, last good revision).
    pub annotations: BTreeMap<String, String>,
}

/// An automatic rollback.
#[derive(Clone, Debug, PartialEq)]
pub struct Rollback {
    pub from: i64,
    pub to: i64,
    pub template: PodTemplateSpec,
    /// Why the rollout from `from` failed.
    pub reason: String,
}

/// The pod-template-hash of a template (with a collision count when names clash).
pub fn template_hash(t: &PodTemplateSpec, collision: i32) -> String {
    let mut bytes = serde_json::to_vec(t).unwrap_or_default();
    if collision > 0 {
        bytes.extend_from_slice(&collision.to_le_bytes());
    }
    safe_encode(u64::from(fnv32a(&bytes)))
}

fn without_hash(t: &PodTemplateSpec) -> PodTemplateSpec {
    let mut t = t.clone();
    t.metadata.labels.remove(POD_TEMPLATE_HASH_LABEL);
    t
}

/// A new ReplicaSet for the deployment's current template.
pub fn new_replicaset(d: &Deployment, hash: &str, replicas: i32, revision: i64) -> ReplicaSet {
    let mut rs: ReplicaSet = new_object(
        &d.metadata.namespace,
        &format!("{}-{hash}", d.metadata.name),
    );
    let mut template = d.spec.template.clone();
    template
        .metadata
        .labels
        .insert(POD_TEMPLATE_HASH_LABEL.into(), hash.into());
    rs.metadata.labels = template.metadata.labels.clone();
    rs.metadata
        .annotations
        .insert(REVISION_ANNOTATION.into(), revision.to_string());
    if let Some(cause) = d.metadata.annotations.get(progress::CHANGE_CAUSE) {
        rs.metadata
            .annotations
            .insert(progress::CHANGE_CAUSE.into(), cause.clone());
    }
    rs.metadata.owner_references = vec![OwnerReference {
        api_version: Kind::Deployment.api_version().into(),
        kind: Kind::Deployment.as_str().into(),
        name: d.metadata.name.clone(),
        uid: d.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }];
    rs.spec.replicas = Some(replicas);
    rs.spec.selector = d.spec.selector.clone();
    rs.spec
        .selector
        .match_labels
        .insert(POD_TEMPLATE_HASH_LABEL.into(), hash.into());
    rs.spec.template = template;
    rs.spec.min_ready_seconds = d.spec.min_ready_seconds;
    rs
}

fn spec_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.replicas.unwrap_or(1)
}

/// Pods of each owned ReplicaSet, by the set's uid.
pub type PodsBySet = HashMap<String, Vec<Arc<Pod>>>;

/// The pure decision for one deployment, the ReplicaSets it owns and their pods.
pub fn reconcile(d: &Deployment, owned: &[Arc<ReplicaSet>], pods: &PodsBySet, now: Time) -> Plan {
    let desired = d.replicas().max(0);
    let (surge, unavailable) = d.surge_and_unavailable().unwrap_or((1, 0));
    let mut plan = Plan::default();

    // Find the set running the current template, or name a new one.
    let current = without_hash(&d.spec.template);
    let new_rs = owned
        .iter()
        .find(|r| without_hash(&r.spec.template) == current)
        .cloned();
    let olds: Vec<Arc<ReplicaSet>> = {
        let mut o: Vec<_> = owned
            .iter()
            .filter(|r| {
                new_rs
                    .as_ref()
                    .is_none_or(|n| n.metadata.uid != r.metadata.uid)
            })
            .cloned()
            .collect();
        o.sort_by_key(|r| (r.metadata.rollout_revision(), r.metadata.creation_timestamp));
        o
    };
    let max_revision = owned
        .iter()
        .map(|r| r.metadata.rollout_revision())
        .max()
        .unwrap_or(0);
    let old_total: i32 = olds.iter().map(|r| spec_replicas(r)).sum();
    let old_active: i32 = olds.iter().map(|r| r.status.replicas).sum();
    let mut collision = d.status.collision_count.unwrap_or(0);

    let Some(new_rs) = new_rs else {
        let mut conditions = d.status.conditions.clone();
        if d.spec.paused {
            // No new rollout while paused.
            let c = progress::progressing(d, &d.status, "", false, false, now);
            set_condition(&mut conditions, c);
            plan.status = DeploymentStatus {
                conditions,
                observed_generation: d.metadata.generation,
                ..d.status.clone()
            };
            return plan;
        }
        let mut hash = template_hash(&d.spec.template, collision);
        while owned
            .iter()
            .any(|r| r.metadata.name == format!("{}-{hash}", d.metadata.name))
        {
            collision += 1;
            hash = template_hash(&d.spec.template, collision);
        }
        let replicas = match d.strategy_type() {
            StrategyType::Recreate if old_active > 0 || old_total > 0 => 0,
            StrategyType::Recreate => desired,
            StrategyType::RollingUpdate if old_total == 0 => desired,
            StrategyType::RollingUpdate => (desired + surge - old_total).clamp(0, desired),
        };
        let rs = new_replicaset(d, &hash, replicas, max_revision + 1);
        plan.annotations
            .insert(REVISION_ANNOTATION.into(), (max_revision + 1).to_string());
        let (mut status, _) = status(d, &olds, None, collision);
        // A new template is a new story: an earlier rollback no longer applies.
        status.conditions.retain(|c| c.type_ != "RolledBack");
        set_condition(
            &mut status.conditions,
            progress::progressing(d, &d.status, &rs.metadata.name, false, true, now),
        );
        plan.status = status;
        plan.create = Some(rs);
        return plan;
    };
    let mut revision = new_rs.metadata.rollout_revision();
    if revision < max_revision {
        revision = max_revision + 1;
        plan.bump = Some((new_rs.metadata.name.clone(), revision));
    }
    plan.annotations
        .insert(REVISION_ANNOTATION.into(), revision.to_string());
    let new_name = new_rs.metadata.name.clone();
    let new_spec = spec_replicas(&new_rs);

    if !d.spec.paused {
        match d.strategy_type() {
            StrategyType::Recreate => {
                for r in &olds {
                    if spec_replicas(r) > 0 {
                        plan.scale.push((r.metadata.name.clone(), 0));
                    }
                }
                if old_active == 0 && new_spec != desired {
                    plan.scale.push((new_name.clone(), desired));
                }
            }
            StrategyType::RollingUpdate if old_total == 0 => {
                if new_spec != desired {
                    plan.scale.push((new_name.clone(), desired));
                }
            }
            StrategyType::RollingUpdate => {
                rolling_step(desired, surge, unavailable, &new_rs, &olds, &mut plan);
            }
        }
    } else if old_total == 0 && new_spec != desired {
        // Paused stops rollouts, not scaling.
        plan.scale.push((new_name.clone(), desired));
    }

    // History: old sets at zero with no pods left, beyond the limit, oldest first.
    let limit = d
        .spec
        .revision_history_limit
        .unwrap_or(crate::api::apps::DEFAULT_REVISION_HISTORY)
        .max(0) as usize;
    let idle: Vec<&Arc<ReplicaSet>> = olds
        .iter()
        .filter(|r| spec_replicas(r) == 0 && r.status.replicas == 0)
        .filter(|r| !plan.scale.iter().any(|(n, _)| *n == r.metadata.name))
        .collect();
    if idle.len() > limit {
        plan.delete = idle[..idle.len() - limit]
            .iter()
            .map(|r| r.metadata.name.clone())
            .collect();
    }
    let (mut status, complete) = status(d, &olds, Some(&new_rs), collision);
    let progressed = !plan.scale.is_empty()
        || plan.bump.is_some()
        || status.updated_replicas > d.status.updated_replicas
        || status.available_replicas > d.status.available_replicas;
    let mut cond = progress::progressing(d, &d.status, &new_name, complete, progressed, now);
    if complete {
        plan.annotations
            .insert(progress::LAST_GOOD_REVISION.into(), revision.to_string());
    } else if !d.spec.paused {
        let new_pods = pods
            .get(&new_rs.metadata.uid)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if let Some(why) = progress::failure(d, &cond, new_pods, now) {
            if cond.reason != "ProgressDeadlineExceeded" {
                cond = Condition::new(
                    "Progressing",
                    false,
                    "NewReplicaSetFailing",
                    &format!("ReplicaSet \"{new_name}\" is failing: {why}"),
                );
                cond.last_update_time = Some(now);
            }
            if let Some((to, template)) = progress::rollback_target(d, owned, &new_rs) {
                plan.rollback = Some(Rollback {
                    from: revision,
                    to,
                    template,
                    reason: why,
                });
            }
        }
    }
    set_condition(&mut status.conditions, cond);
    plan.status = status;
    plan
}

/// One step of a rolling update, as Kubernetes takes it: first grow (or trim)
/// the new set within `replicas + maxSurge`; if that changed nothing, shrink
/// old sets, first by their unavailable pods, then by available ones as long
/// as at least `replicas - maxUnavailable` stay available.
fn rolling_step(
    desired: i32,
    surge: i32,
    max_unavailable: i32,
    new_rs: &ReplicaSet,
    olds: &[Arc<ReplicaSet>],
    plan: &mut Plan,
) {
    let new_spec = spec_replicas(new_rs);
    let total: i32 = new_spec + olds.iter().map(|r| spec_replicas(r)).sum::<i32>();
    if new_spec > desired {
        plan.scale.push((new_rs.metadata.name.clone(), desired));
        return;
    }
    if new_spec < desired {
        let max_total = desired + surge;
        if total < max_total {
            let target = new_spec + (max_total - total).min(desired - new_spec);
            plan.scale.push((new_rs.metadata.name.clone(), target));
            return;
        }
    }
    let min_available = desired - max_unavailable;
    let new_unavailable = (new_spec - new_rs.status.available_replicas).max(0);
    let max_scaled_down = total - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return;
    }
    let mut targets: Vec<i32> = olds.iter().map(|r| spec_replicas(r)).collect();
    // Unavailable old pods first, oldest set first.
    let mut cleaned = 0;
    for (t, r) in targets.iter_mut().zip(olds) {
        if cleaned >= max_scaled_down {
            break;
        }
        let unhealthy = (*t - r.status.available_replicas).max(0);
        let cut = unhealthy.min(max_scaled_down - cleaned);
        *t -= cut;
        cleaned += cut;
    }
    // Then available ones, keeping the minimum available.
    let available: i32 = new_rs.status.available_replicas
        + olds
            .iter()
            .map(|r| r.status.available_replicas)
            .sum::<i32>();
    let mut can_remove = available - min_available;
    for t in targets.iter_mut() {
        if can_remove <= 0 {
            break;
        }
        let cut = (*t).min(can_remove);
        *t -= cut;
        can_remove -= cut;
    }
    for (r, t) in olds.iter().zip(targets) {
        if spec_replicas(r) != t {
            plan.scale.push((r.metadata.name.clone(), t));
        }
    }
}

/// The counts and the Available condition, and whether the rollout is complete.
fn status(
    d: &Deployment,
    olds: &[Arc<ReplicaSet>],
    new_rs: Option<&ReplicaSet>,
    collision: i32,
) -> (DeploymentStatus, bool) {
    let desired = d.replicas().max(0);
    let all = olds.iter().map(|r| r.as_ref()).chain(new_rs);
    let (mut replicas, mut ready, mut available) = (0, 0, 0);
    for r in all {
        replicas += r.status.replicas;
        ready += r.status.ready_replicas;
        available += r.status.available_replicas;
    }
    let updated = new_rs.map(|r| r.status.replicas).unwrap_or(0);
    let (_, max_unavailable) = d.surge_and_unavailable().unwrap_or((1, 0));
    let mut conditions = d.status.conditions.clone();
    let min_ok = available >= desired - max_unavailable;
    set_condition(
        &mut conditions,
        Condition::new(
            "Available",
            min_ok,
            if min_ok {
                "MinimumReplicasAvailable"
            } else {
                "MinimumReplicasUnavailable"
            },
            if min_ok {
                "Deployment has minimum availability."
            } else {
                "Deployment does not have minimum availability."
            },
        ),
    );
    let complete = new_rs.is_some()
        && updated == desired
        && available >= desired
        && replicas == updated
        && new_rs.is_some_and(|r| r.spec.replicas.unwrap_or(1) == desired);
    let status = DeploymentStatus {
        observed_generation: d.metadata.generation,
        replicas,
        updated_replicas: updated,
        ready_replicas: ready,
        available_replicas: available,
        unavailable_replicas: (desired - available).max(0),
        conditions,
        collision_count: (collision > 0).then_some(collision),
    };
    (status, complete)
}

#[cfg(test)]
mod tests;
