//! Priority admission, as Kubernetes' `Priority` plugin: a new pod gets
//! `spec.priority` and `spec.preemptionPolicy` from the PriorityClass it
//! names (or the global default); a class that does not exist refuses the
//! pod (403, as Kubernetes answers). At most one PriorityClass may be the
//! global default. A pod created with scheduling gates gets the
//! `PodScheduled=False` condition with reason `SchedulingGated`.

use crate::api::priorityclass::{self, PriorityClass};
use crate::api::{Condition, Pod, set_condition};
use crate::control::store::{StoreError, Tx};

/// The condition of a pod held back by its scheduling gates.
pub fn gated_condition() -> Condition {
    Condition::new(
        "PodScheduled",
        false,
        "SchedulingGated",
        "Scheduling is blocked due to non-empty scheduling gates",
    )
}

/// Resolves a new pod's priority and marks it gated when it is.
pub fn admit_pod(tx: &Tx<'_>, pod: &mut Pod) -> Result<(), StoreError> {
    let classes = tx.list::<PriorityClass>(None);
    let refs: Vec<&PriorityClass> = classes.iter().map(|c| c.as_ref()).collect();
    priorityclass::resolve(&mut pod.spec, &refs).map_err(|why| {
        StoreError::Forbidden(format!("pods {:?} is forbidden: {why}", pod.metadata.name))
    })?;
    if pod.is_gated() {
        set_condition(&mut pod.status.conditions, gated_condition());
    }
    Ok(())
}

/// What admission gave a pod stays when a manifest without it is applied
/// again: its class, priority and preemption policy.
pub fn keep_on_update(pod: &mut Pod, old: &Pod) {
    let (new, old) = (&mut pod.spec, &old.spec);
    if new.priority_class_name.is_empty() {
        new.priority_class_name = old.priority_class_name.clone();
    }
    if new.priority.is_none() {
        new.priority = old.priority;
    }
    if new.preemption_policy.is_none() {
        new.preemption_policy = old.preemption_policy.clone();
    }
}

/// Refuses a second global default.
pub fn admit_class(tx: &Tx<'_>, class: &PriorityClass) -> Result<(), StoreError> {
    if !class.global_default {
        return Ok(());
    }
    let other = tx
        .list::<PriorityClass>(None)
        .into_iter()
        .find(|c| c.global_default && c.metadata.name != class.metadata.name);
    match other {
        Some(o) => Err(StoreError::Invalid {
            kind: crate::api::Kind::PriorityClass,
            name: class.metadata.name.clone(),
            errors: vec![crate::api::validation::FieldError::new(
                "globalDefault",
                format!(
                    "Forbidden: PriorityClass {} is already marked as default. Only one default can exist",
                    o.metadata.name
                ),
            )],
        }),
        None => Ok(()),
    }
}
