//! Fencing: what a node does when it cannot reach the control daemon.
//!
//! Cut off for longer than the grace, the control daemon has counted the
//! node NotReady and marked its pods lost; the node stops heartbeating (it
//! does not report Ready again on its own) and only probes. Cut off for
//! longer than the fence time (`--fence-after`, twice the grace by default)
//! while it reaches none of the other nodes either, its pods have been
//! replaced elsewhere, so it stops them itself: replicas are doubled for no
//! longer than that. Pods annotated `ork.dev/never-fence: "true"` are left
//! running. When the other nodes answer but the control daemon does not,
//! the control daemon is what is down: nothing replaced the pods, and
//! stopping them would lose them, so they keep running. A node with no other
//! node known never fences (nothing can replace its pods).
//!
//! When the control daemon answers again and has the node NotReady, the
//! node first lists its pods again and stops every pod no longer bound to it
//! (or being deleted), and only then reports Ready and heartbeats again.
//!
//! The decisions are pure functions here; the loop that probes and acts is
//! in [`super::register`], the stopping in [`super::pods`].
//!
//! This module must not import `control`, `cli` or `tui`.

use crate::api::Pod;
use std::time::Duration;

/// The annotation that keeps a pod running through fencing.
pub const NEVER_FENCE: &str = "ork.dev/never-fence";

/// When a node stops reporting Ready and when it stops its pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fencing {
    /// The control daemon's node grace.
    pub grace: Duration,
    /// Cut off this long (and alone), the node stops its pods.
    pub fence_after: Duration,
}

impl Fencing {
    /// `fence_after` defaults to twice the grace, and is never shorter than it.
    pub fn new(grace: Duration, fence_after: Option<Duration>) -> Fencing {
        Fencing {
            grace,
            fence_after: fence_after.unwrap_or(grace * 2).max(grace),
        }
    }
}

/// What the node knows of the other nodes while cut off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peers {
    /// No other Ready node was known.
    Unknown,
    /// At least one other node answered.
    SomeReachable,
    /// Other nodes are known and none answered.
    NoneReachable,
}

/// What to do on this tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Keep heartbeating (a failure within the grace is a blip).
    Heartbeat,
    /// Cut off longer than the grace: no heartbeats, probe the control
    /// daemon; report Ready only after resyncing the pods.
    Probe,
    /// Ask the other nodes whether they answer, to decide on fencing.
    AskPeers,
    /// Stop this node's pods (those not annotated [`NEVER_FENCE`]).
    Fence,
}

/// The pure decision for a tick: `silent_for` is the time since the control
/// daemon last took a heartbeat; `fenced` whether the pods were stopped
/// already during this cut; `peers` what was learned of the other nodes
/// (`None`: not asked yet on this tick).
pub fn decide(f: Fencing, silent_for: Duration, fenced: bool, peers: Option<Peers>) -> Step {
    if silent_for <= f.grace {
        return Step::Heartbeat;
    }
    if fenced || silent_for <= f.fence_after {
        return Step::Probe;
    }
    match peers {
        None => Step::AskPeers,
        Some(Peers::NoneReachable) => Step::Fence,
        Some(Peers::SomeReachable | Peers::Unknown) => Step::Probe,
    }
}

/// What to do when the control daemon answers again after a cut longer than the grace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heal {
    /// The control daemon still has the node Ready (it restarted, and gives
    /// every node a fresh grace): heartbeat again at once.
    Resume,
    /// The control daemon has the node NotReady: stop what is no longer
    /// bound here first, then report Ready.
    ResyncThenReady,
}

/// Pure: how to come back, given whether the control daemon has the node
/// Ready and whether the pods were fenced.
pub fn heal(ready_at_control: bool, fenced: bool) -> Heal {
    if ready_at_control && !fenced {
        Heal::Resume
    } else {
        Heal::ResyncThenReady
    }
}

/// Whether fencing stops `pod`.
pub fn fenceable(pod: &Pod) -> bool {
    pod.metadata
        .annotations
        .get(NEVER_FENCE)
        .is_none_or(|v| !v.eq_ignore_ascii_case("true"))
}

/// Pure: whether any of the answers says a peer is reachable; `Unknown`
/// when there were none to ask.
pub fn peers(answers: &[bool]) -> Peers {
    if answers.is_empty() {
        Peers::Unknown
    } else if answers.iter().any(|a| *a) {
        Peers::SomeReachable
    } else {
        Peers::NoneReachable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn f() -> Fencing {
        Fencing::new(5 * S, None)
    }

    #[test]
    fn the_fence_time_defaults_to_twice_the_grace_and_is_never_shorter() {
        assert_eq!(f().fence_after, 10 * S);
        assert_eq!(Fencing::new(5 * S, Some(2 * S)).fence_after, 5 * S);
        assert_eq!(Fencing::new(5 * S, Some(30 * S)).fence_after, 30 * S);
    }

    #[test]
    fn within_the_grace_the_node_keeps_heartbeating() {
        assert_eq!(decide(f(), Duration::ZERO, false, None), Step::Heartbeat);
        assert_eq!(decide(f(), 5 * S, false, None), Step::Heartbeat);
    }

    #[test]
    fn past_the_grace_it_stops_heartbeating_but_keeps_its_pods() {
        for t in [6 * S, 10 * S] {
            assert_eq!(decide(f(), t, false, None), Step::Probe);
            assert_eq!(
                decide(f(), t, false, Some(Peers::NoneReachable)),
                Step::Probe
            );
        }
    }

    #[test]
    fn past_the_fence_time_and_alone_it_stops_its_pods_once() {
        assert_eq!(decide(f(), 11 * S, false, None), Step::AskPeers);
        assert_eq!(
            decide(f(), 11 * S, false, Some(Peers::NoneReachable)),
            Step::Fence
        );
        assert_eq!(
            decide(f(), 11 * S, true, Some(Peers::NoneReachable)),
            Step::Probe
        );
        assert_eq!(decide(f(), 60 * S, true, None), Step::Probe);
    }

    #[test]
    fn when_other_nodes_answer_the_control_daemon_is_down_and_pods_keep_running() {
        assert_eq!(
            decide(f(), 60 * S, false, Some(Peers::SomeReachable)),
            Step::Probe
        );
        assert_eq!(
            decide(f(), 60 * S, false, Some(Peers::Unknown)),
            Step::Probe
        );
    }

    #[test]
    fn peers_are_reachable_when_any_answers() {
        assert_eq!(peers(&[]), Peers::Unknown);
        assert_eq!(peers(&[false, false]), Peers::NoneReachable);
        assert_eq!(peers(&[false, true]), Peers::SomeReachable);
    }

    #[test]
    fn coming_back_resyncs_first_unless_nothing_happened() {
        assert_eq!(heal(true, false), Heal::Resume);
        assert_eq!(heal(false, false), Heal::ResyncThenReady);
        assert_eq!(heal(true, true), Heal::ResyncThenReady);
        assert_eq!(heal(false, true), Heal::ResyncThenReady);
    }

    #[test]
    fn pods_annotated_never_fence_are_spared() {
        let mut p: Pod = crate::api::new_object("default", "p");
        assert!(fenceable(&p));
        p.metadata
            .annotations
            .insert(NEVER_FENCE.into(), "true".into());
        assert!(!fenceable(&p));
        p.metadata
            .annotations
            .insert(NEVER_FENCE.into(), "false".into());
        assert!(fenceable(&p));
    }
}
