//! A small priority-and-fairness: requests run within the concurrency
//! budget of their caller's class, so one class flooding the API cannot
//! starve another — node heartbeats, the rest of what node daemons send
//! (status, Events), admins, and everyone else each have their own.
//! Heartbeats have a class of their own (Kubernetes' `node-high` level)
//! because a node judged silent is failed over: they must not queue behind
//! a flood of status writes from the same node daemons. Long-running
//! requests (watches, followed logs, exec) hold no seat: they wait on
//! events, not on the server.
//!
//! A request that finds its class full waits up to [`Fairness::wait`]; then
//! it is refused with 429 and `Retry-After`, and the client retries.

use crate::control::authz::{Identity, Role};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The classes with budgets of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// A node daemon's heartbeat: kept in memory, answered in microseconds.
    Heartbeats,
    Nodes,
    Admins,
    Others,
}

impl Class {
    /// The class of a request by `id`; `heartbeat` when it is a node's
    /// heartbeat.
    pub fn of(id: &Identity, heartbeat: bool) -> Class {
        match id {
            Identity::Node(_) if heartbeat => Class::Heartbeats,
            Identity::Node(_) => Class::Nodes,
            Identity::User {
                role: Role::Admin, ..
            } => Class::Admins,
            _ => Class::Others,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Heartbeats => "node heartbeat",
            Class::Nodes => "nodes",
            Class::Admins => "admins",
            Class::Others => "others",
        }
    }
}

/// The budgets.
pub struct Fairness {
    heartbeats: Arc<Semaphore>,
    nodes: Arc<Semaphore>,
    admins: Arc<Semaphore>,
    others: Arc<Semaphore>,
    /// How long a request waits for a seat before it is refused.
    pub wait: Duration,
}

impl Default for Fairness {
    fn default() -> Self {
        Fairness::new(256, 64, 64, Duration::from_secs(5))
    }
}

/// Seats for heartbeats: each holds one for microseconds.
const HEARTBEAT_SEATS: usize = 64;

impl Fairness {
    pub fn new(nodes: usize, admins: usize, others: usize, wait: Duration) -> Self {
        Fairness {
            heartbeats: Arc::new(Semaphore::new(HEARTBEAT_SEATS)),
            nodes: Arc::new(Semaphore::new(nodes)),
            admins: Arc::new(Semaphore::new(admins)),
            others: Arc::new(Semaphore::new(others)),
            wait,
        }
    }

    fn budget(&self, c: Class) -> &Arc<Semaphore> {
        match c {
            Class::Heartbeats => &self.heartbeats,
            Class::Nodes => &self.nodes,
            Class::Admins => &self.admins,
            Class::Others => &self.others,
        }
    }

    /// A seat for a request of class `c`, held until dropped; `None` when
    /// none freed up within [`Fairness::wait`].
    pub async fn seat(&self, c: Class) -> Option<OwnedSemaphorePermit> {
        let s = self.budget(c).clone();
        tokio::time::timeout(self.wait, s.acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
    }
}

/// Whether a request runs long on purpose and so holds no seat.
pub fn long_running(query: &str, upgrade: bool) -> bool {
    upgrade
        || query.split('&').any(|kv| {
            matches!(
                kv,
                "watch=true" | "watch=1" | "watch=True" | "follow=true" | "follow=1"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_class_waits_then_is_refused_while_the_others_are_served() {
        let f = Fairness::new(1, 1, 1, Duration::from_millis(50));
        let held = f.seat(Class::Others).await.expect("a first seat");
        assert!(f.seat(Class::Others).await.is_none(), "others are full");
        assert!(f.seat(Class::Admins).await.is_some(), "admins still served");
        assert!(f.seat(Class::Nodes).await.is_some(), "nodes still served");
        let _status = f.seat(Class::Nodes).await.expect("a node seat");
        assert!(f.seat(Class::Nodes).await.is_none(), "nodes are full now");
        assert!(
            f.seat(Class::Heartbeats).await.is_some(),
            "heartbeats do not queue behind the nodes' other requests"
        );
        drop(held);
        assert!(
            f.seat(Class::Others).await.is_some(),
            "a freed seat is taken"
        );
    }

    #[test]
    fn callers_fall_into_their_class_and_streams_hold_no_seat() {
        let user = |role| Identity::User {
            name: "u".into(),
            role,
        };
        assert_eq!(Class::of(&Identity::Node("n".into()), false), Class::Nodes);
        assert_eq!(
            Class::of(&Identity::Node("n".into()), true),
            Class::Heartbeats
        );
        assert_eq!(Class::of(&user(Role::Admin), false), Class::Admins);
        assert_eq!(Class::of(&user(Role::View), true), Class::Others);
        assert!(long_running("labelSelector=a&watch=true", false));
        assert!(long_running("", true));
        assert!(!long_running("watch=false", false));
    }
}
