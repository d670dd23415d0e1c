//! Node lifecycle: a node whose heartbeats stop for longer than the grace
//! period is marked NotReady (its Ready condition goes `Unknown`, reason
//! `NodeStatusUnknown`); when heartbeats resume it is Ready again. Only these
//! transitions are written to the store; heartbeats themselves live in memory
//! ([`crate::control::leases`]). After a control daemon restart every node
//! gets a full grace period from the restart.

use crate::api::{Condition, Node, Object, find_condition, set_condition};
use crate::control::events::{self, EventType};
use crate::control::leases::Leases;
use crate::control::store::{Store, StoreError, Subresource};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often heartbeat ages are checked.
pub const TICK: Duration = Duration::from_millis(250);

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
    } else if !ready && heard_since_start && silent_for <= grace {
        Some(Transition::ToReady)
    } else {
        None
    }
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

async fn apply(
    store: &Store,
    name: String,
    t: Transition,
    silent_for: Duration,
) -> Result<(), StoreError> {
    store
        .txn(move |tx| {
            let node = tx.mutate::<Node, _>("", &name, Subresource::Status, |n| {
                // Re-check inside the transaction: the node may have changed meanwhile.
                let ready = n.is_ready();
                if (t == Transition::ToReady) == ready {
                    return Ok(false);
                }
                Ok(set_condition(&mut n.status.conditions, ready_condition(t)))
            })?;
            let (reason, message) = match t {
                Transition::ToNotReady => (
                    "NodeNotReady",
                    format!(
                        "Node {name} status is now: NodeNotReady (no heartbeat for {:.1}s)",
                        silent_for.as_secs_f64()
                    ),
                ),
                Transition::ToReady => {
                    ("NodeReady", format!("Node {name} status is now: NodeReady"))
                }
            };
            let kind = if t == Transition::ToReady {
                EventType::Normal
            } else {
                EventType::Warning
            };
            events::record(
                tx,
                &events::reference(&node.as_ref().clone().into_any()),
                kind,
                reason,
                &message,
                "node-controller",
            )
        })
        .await
}

/// Starts the periodic check.
pub fn start(store: Store, leases: Leases, grace: Duration, mut shutdown: watch::Receiver<bool>) {
    let started = Instant::now();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => return,
            }
            for node in store.list::<Node>(None) {
                let name = node.metadata.name.clone();
                let last = leases.last(&name);
                let silent_for = last.unwrap_or(started).elapsed();
                if let Some(t) = judge(&node, last.is_some(), silent_for, grace) {
                    tracing::info!(node = %name, transition = ?t, silent_ms = silent_for.as_millis() as u64, "node readiness changed");
                    if let Err(e) = apply(&store, name, t, silent_for).await {
                        tracing::warn!(error = %e, "updating node readiness failed");
                    }
                }
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
    use crate::api::new_object;

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
    fn a_not_ready_node_recovers_only_on_a_fresh_heartbeat() {
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
}
