//! Carries out a preemption the scheduler decided
//! ([`crate::scheduler::Preemption`]), inside the scheduling loop's bind
//! transaction: each victim gets the `DisruptionTarget` condition
//! (`PreemptionByScheduler`) and a `Preempted` event, and is deleted with
//! its grace period, as a user's delete would; the preemptor's
//! `status.nominatedNodeName` names the node. The preemptor is placed when
//! the victims are gone (their deletion wakes the queue).
//!
//! Must not import the HTTP layer or the node daemon.

use crate::api::wire::DeleteOptions;
use crate::api::{Condition, Kind, Pod, set_condition};
use crate::control::events::{EventType, Recorder};
use crate::control::store::{StoreError, Subresource, Tx};
use crate::scheduler::Preemption;

const EVENTS: Recorder = Recorder("default-scheduler");

/// Evicts the victims of `p` for the pod `ns/name` (uid `uid`) and
/// nominates the node. Nothing happens when the pod is gone or placed
/// meanwhile; a victim gone or terminating already is skipped.
pub fn apply(
    tx: &mut Tx<'_>,
    ns: &str,
    name: &str,
    uid: &str,
    p: &Preemption,
) -> Result<(), StoreError> {
    let Some(pod) = tx.get::<Pod>(ns, name) else {
        return Ok(());
    };
    if pod.metadata.uid != uid || !pod.spec.node_name.is_empty() {
        return Ok(());
    }
    for v in &p.victims {
        let Some(victim) = tx.get::<Pod>(&v.namespace, &v.name) else {
            continue;
        };
        if victim.metadata.uid != v.uid || victim.metadata.is_terminating() {
            continue;
        }
        let message = format!("Preempted by pod {uid} on node {}", p.node);
        let cond_msg = format!(
            "{}: preempting to accommodate a higher priority pod",
            "default-scheduler"
        );
        let marked = tx.mutate::<Pod, _>(&v.namespace, &v.name, Subresource::Status, move |q| {
            Ok(set_condition(
                &mut q.status.conditions,
                Condition::new("DisruptionTarget", true, "PreemptionByScheduler", &cond_msg),
            ))
        })?;
        EVENTS.record(
            tx,
            marked.as_ref(),
            EventType::Normal,
            "Preempted",
            &message,
        )?;
        match crate::control::ops::delete(
            tx,
            Kind::Pod,
            &v.namespace,
            &v.name,
            &DeleteOptions::default(),
        ) {
            Ok(_) | Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let node = p.node.clone();
    tx.mutate::<Pod, _>(ns, name, Subresource::Status, move |q| {
        if q.status.nominated_node_name == node {
            return Ok(false);
        }
        q.status.nominated_node_name = node;
        Ok(true)
    })?;
    Ok(())
}
