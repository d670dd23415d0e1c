//! One worker task per pod bound to this node. It owns the pod's containers:
//! prepares what they share (host ports for every container port, allocated
//! once per pod; the docker sandbox), pulls their images as
//! `imagePullPolicy` says (in the background, so a slow pull never holds up
//! a deletion), starts them, waits for them, applies restartPolicy with
//! exponential backoff (1 s doubling to 60 s, reset after 10 minutes of
//! running), stops them (SIGTERM, SIGKILL after the grace period) when the
//! pod is deleted, and reports the pod's status to the control daemon
//! whenever it changes — never otherwise.
//!
//! A worker started for a pod whose containers already run (found by the
//! runtime after a node daemon restart) adopts them: same instances, same
//! restart counts.
//!
//! Every decision is made by the pure [`decide::decide`]; this module is its
//! executor: a loop that turns messages and timers into observations,
//! performs the actions decided (against the runtime and the API, in
//! [`perform`]) and feeds their results back, until the decisions say to
//! wait or to finish.
//!
//! This module must not import `control`, `cli` or `tui`.

pub mod decide;
pub mod hooks;
mod perform;
mod satoken;

pub use decide::{BACKOFF_MAX, BACKOFF_RESET, BACKOFF_START, Observation};

use super::probe;
use super::runtime::{ContainerInfo, Runtime, Runtimes};
use crate::api::{Event, EventSource, Kind, Object, ObjectReference, Pod, Time, new_object};
use crate::client::Client;
use decide::{Action, Now, PodState, decide};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// What every worker of a node shares.
pub struct Shared {
    pub client: Client,
    pub runtimes: Runtimes,
    pub node_name: String,
    pub host_ip: String,
    /// The services the node's proxy knows (for `<NAME>_SERVICE_*`).
    pub services: super::proxy::Services,
    /// Where pods' volumes go, and which host paths they may use.
    pub volumes: super::volumes::Roots,
    /// Who pods may run as on this node.
    pub users: super::security::PodUsers,
    /// Bumped on every ConfigMap or Secret change the node sees (watched):
    /// pods with such volumes compare them with their sources then.
    pub config_changes: tokio::sync::watch::Receiver<u64>,
    /// The cluster CA (PEM), given to pods with their service-account token.
    pub cluster_ca: Vec<u8>,
}

/// A running worker.
pub struct Handle {
    /// Messages to the worker: what happens outside it, as it observes them
    /// ([`Observation::Updated`], [`Observation::Removed`]...).
    pub tx: mpsc::UnboundedSender<Observation>,
    pub join: tokio::task::JoinHandle<()>,
}

/// The executor of one pod's decisions, and what it needs for the I/O.
struct Worker {
    shared: Arc<Shared>,
    /// The runtime that runs this pod, or why this node cannot.
    runtime: Result<Arc<dyn Runtime>, String>,
    state: PodState,
    tx: mpsc::UnboundedSender<Observation>,
    /// The prober task of each container's running instance.
    probers: HashMap<String, tokio::task::AbortHandle>,
    /// The environment and volumes resolved at the last start.
    resolved: Option<super::volumes::Resolved>,
    /// Config change announcements; what was read is marked seen, so
    /// `changed()` wakes only for newer ones.
    config_changes: tokio::sync::watch::Receiver<u64>,
}

/// How a chain of actions ended.
enum Then {
    Wait {
        until: Option<Instant>,
        follow_config: bool,
    },
    Finish,
}

/// Starts a worker for `pod`, adopting the instances the runtime already has for it.
pub fn spawn(shared: Arc<Shared>, pod: Arc<Pod>, adopted: Vec<ContainerInfo>) -> Handle {
    let (tx, rx) = mpsc::unbounded_channel();
    let runtime = shared.runtimes.for_pod(&pod);
    let state = PodState::new(
        pod,
        runtime.as_ref().map(|r| r.name()).map_err(Clone::clone),
        &shared.host_ip,
        Now::real(),
    );
    let w = Worker {
        config_changes: shared.config_changes.clone(),
        shared,
        runtime,
        state,
        tx: tx.clone(),
        probers: HashMap::new(),
        resolved: None,
    };
    let join = tokio::spawn(w.run(rx, adopted));
    Handle { tx, join }
}

impl Worker {
    fn key(&self) -> String {
        let m = &self.state.pod().metadata;
        format!("{}/{}", m.namespace, m.name)
    }

    async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<Observation>,
        adopted: Vec<ContainerInfo>,
    ) {
        let mut obs = Observation::Adopted(adopted);
        loop {
            let (until, follow) = match self.perform_all(obs).await {
                Then::Finish => return,
                Then::Wait {
                    until,
                    follow_config,
                } => (until, follow_config),
            };
            let msg = match until {
                Some(at) => tokio::select! {
                    m = rx.recv() => m,
                    _ = tokio::time::sleep_until(at.into()) => {
                        obs = Observation::Woke;
                        continue;
                    }
                    // `changed` marks the announcement seen.
                    Ok(()) = self.config_changes.changed(), if follow => {
                        obs = Observation::ConfigAnnounced;
                        continue;
                    }
                },
                None => rx.recv().await,
            };
            obs = self.observe(msg);
        }
    }

    /// A message as the decisions see it (a closed channel: the pod is
    /// gone), logged when it says something went wrong.
    fn observe(&self, msg: Option<Observation>) -> Observation {
        let Some(obs) = msg else {
            return Observation::Removed;
        };
        match &obs {
            Observation::Probed {
                container,
                report: probe::Report::Unhealthy { kind, message },
                ..
            } => {
                tracing::info!(pod = %self.key(), %container, probe = kind.as_str(), %message, "restarting an unhealthy container");
            }
            Observation::Pulled {
                container,
                result: Err((reason, message)),
            } => {
                tracing::info!(pod = %self.key(), %container, reason, %message, "image not available");
            }
            Observation::Exited { container, info } => {
                tracing::debug!(pod = %self.key(), %container, id = %info.id, state = ?info.state, "container exited");
            }
            _ => {}
        }
        obs
    }

    /// Decides on `first`, performs the actions in order, and decides on each
    /// result before going on, until the decisions say to wait or finish.
    async fn perform_all(&mut self, first: Observation) -> Then {
        let mut queue: VecDeque<Action> = decide(&mut self.state, first, Now::real()).into();
        while let Some(action) = queue.pop_front() {
            match action {
                Action::Wait {
                    until,
                    follow_config,
                } => {
                    return Then::Wait {
                        until,
                        follow_config,
                    };
                }
                Action::Finish => return Then::Finish,
                action => {
                    if let Some(result) = self.perform(action).await {
                        let next = decide(&mut self.state, result, Now::real());
                        for a in next.into_iter().rev() {
                            queue.push_front(a);
                        }
                    }
                }
            }
        }
        // Every turn ends with Wait or Finish; should one not, wait for a
        // message or the next timer.
        Then::Wait {
            until: self.state.next_wake(),
            follow_config: false,
        }
    }

    /// Records an event about the pod (best effort).
    async fn event(&self, type_: &str, reason: &str, message: &str) {
        record_event(
            &self.shared.client,
            &self.shared.node_name,
            self.state.pod().as_ref().clone().into_any(),
            type_,
            reason,
            message,
        )
        .await;
    }
}

/// Records (or bumps) an event through the API, best effort: a node must not
/// stop working because events cannot be written.
pub async fn record_event(
    client: &Client,
    node: &str,
    obj: crate::api::AnyObject,
    type_: &str,
    reason: &str,
    message: &str,
) {
    let m = obj.meta();
    let involved = ObjectReference {
        api_version: obj.kind().api_version().into(),
        kind: obj.kind().as_str().into(),
        namespace: m.namespace.clone(),
        name: m.name.clone(),
        uid: m.uid.clone(),
        ..Default::default()
    };
    let ns = if m.namespace.is_empty() {
        crate::api::DEFAULT_NAMESPACE
    } else {
        m.namespace.as_str()
    };
    let key = format!(
        "{}\0{}\0{}\0{reason}\0{message}",
        involved.kind, involved.namespace, involved.uid
    );
    let name = format!(
        "{}.{:016x}",
        involved.name.chars().take(200).collect::<String>(),
        crate::api::hash::fnv64a(key.as_bytes())
    );
    let now = Time::now();
    let mut e: Event = new_object(ns, &name);
    e.involved_object = involved;
    e.reason = reason.into();
    e.message = message.chars().take(1024).collect();
    e.type_ = type_.into();
    e.count = 1;
    e.first_timestamp = Some(now);
    e.last_timestamp = Some(now);
    e.source = EventSource {
        component: "ork-node".into(),
        host: node.into(),
    };
    match client.create(&e).await {
        Ok(_) => {}
        Err(err) if err.is_conflict() => {
            if let Ok(cur) = client.get::<Event>(ns, &name).await {
                let patch = serde_json::json!({"count": cur.count + 1, "lastTimestamp": now});
                let _ = client
                    .patch_value(Kind::Event, ns, &name, &patch, false)
                    .await;
            }
        }
        Err(err) => tracing::debug!(error = %err, "recording an event failed"),
    }
}
