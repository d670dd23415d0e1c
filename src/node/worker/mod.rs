//! One worker task per pod bound to this node. It owns the pod's containers:
//! prepares what they share (host ports for every container port, allocated
//! once per pod; the docker sandbox), pulls their images as
//! `imagePullPolicy` says (in the background, so a slow pull never holds up
//! a deletion), starts them, waits for them, applies
//! restartPolicy with exponential backoff (1 s doubling to 60 s, reset after
//! 10 minutes of running), stops them (SIGTERM, SIGKILL after the grace
//! period) when the pod is deleted, and reports the pod's status to the
//! control daemon whenever it changes — never otherwise.
//!
//! A worker started for a pod whose containers already run (found by the
//! runtime after a node daemon restart) adopts them: same instances, same
//! restart counts. How containers start (config, ports, sandbox, pulls) is
//! in [`start`].

mod start;

use super::env;
use super::probe;
use super::runtime::{
    ContainerInfo, ContainerSpec, PodSandbox, RunState, Runtime, RuntimeError, Runtimes,
};
use super::status::{self, ContainerView, should_restart, terminated};
use crate::api::wire::Preconditions;
use crate::api::{
    ContainerPort, Event, EventSource, Kind, Object, ObjectReference, Pod, Protocol, Time,
    new_object,
};
use crate::client::{Client, DeleteOptions};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// First restart delay after a container exits.
pub const BACKOFF_START: Duration = Duration::from_secs(1);
/// Longest restart delay.
pub const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// A container that ran this long starts over at [`BACKOFF_START`].
pub const BACKOFF_RESET: Duration = Duration::from_secs(600);
/// Retry interval for a status report the control daemon did not take.
const REPORT_RETRY: Duration = Duration::from_secs(2);

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
    /// Bumped on every ConfigMap or Secret change the node sees (watched):
    /// pods with such volumes compare them with their sources then.
    pub config_changes: tokio::sync::watch::Receiver<u64>,
}

/// How often the configMap and secret volumes of a running pod are compared
/// with their sources when no change was announced (a missed watch event).
const VOLUME_REFRESH: Duration = Duration::from_secs(30);
/// How soon a pod whose config could not be resolved is tried again.
const CONFIG_RETRY: Duration = Duration::from_secs(2);

/// Messages to a worker.
pub enum Msg {
    /// The pod as the control daemon has it now.
    Update(Arc<Pod>),
    /// The pod is gone from this node (deleted, or bound elsewhere).
    Removed,
    /// A container instance exited.
    Exited {
        container: String,
        info: Result<Box<ContainerInfo>, String>,
    },
    /// A prober of an instance reports.
    Probe {
        container: String,
        id: String,
        report: probe::Report,
    },
    /// An image pull ended.
    Pulled {
        container: String,
        result: Result<Duration, (&'static str, String)>,
    },
}

/// A running worker.
pub struct Handle {
    pub tx: mpsc::UnboundedSender<Msg>,
    pub join: tokio::task::JoinHandle<()>,
}

struct ContainerSlot {
    view: ContainerView,
    ports: Vec<ContainerPort>,
    /// Instance ids older than `view.current`, kept for `logs --previous`.
    older: Vec<String>,
    next_attempt: u32,
    backoff: Duration,
    restart_at: Option<Instant>,
    /// The instance whose exit was last handled (an exit is seen at most once).
    handled_exit: Option<String>,
    /// The prober of the running instance.
    prober: Option<tokio::task::AbortHandle>,
    /// An image pull is under way.
    pulling: bool,
    /// The image was just pulled: start without checking again.
    pulled: bool,
    /// Pull failures in a row (the second and later report `ImagePullBackOff`).
    pull_failures: u32,
}

struct Worker {
    shared: Arc<Shared>,
    /// The runtime that runs this pod, or why this node cannot.
    runtime: Result<Arc<dyn Runtime>, String>,
    pod: Arc<Pod>,
    tx: mpsc::UnboundedSender<Msg>,
    slots: HashMap<String, ContainerSlot>,
    start_time: Time,
    retry_report_at: Option<Instant>,
    /// When to try preparing the pod again after a failure, and the next delay.
    sandbox_retry_at: Option<Instant>,
    sandbox_backoff: Duration,
    removed: bool,
    /// The environment and volumes resolved at the last start.
    resolved: Option<super::volumes::Resolved>,
    /// When to compare configMap and secret volumes with their sources.
    refresh_at: Option<Instant>,
    /// The last config error reported (reported once until it changes).
    config_error: Option<String>,
    /// Config change announcements; what was read is marked seen, so
    /// `changed()` wakes only for newer ones.
    config_changes: tokio::sync::watch::Receiver<u64>,
}

/// Starts a worker for `pod`, adopting the instances the runtime already has for it.
pub fn spawn(shared: Arc<Shared>, pod: Arc<Pod>, adopted: Vec<ContainerInfo>) -> Handle {
    let (tx, rx) = mpsc::unbounded_channel();
    let shared_changes = shared.config_changes.clone();
    let mut w = Worker {
        runtime: shared.runtimes.for_pod(&pod),
        shared,
        start_time: pod.status.start_time.unwrap_or_else(Time::now),
        pod,
        tx: tx.clone(),
        slots: HashMap::new(),
        retry_report_at: None,
        sandbox_retry_at: None,
        sandbox_backoff: BACKOFF_START,
        removed: false,
        resolved: None,
        refresh_at: None,
        config_error: None,
        config_changes: shared_changes,
    };
    w.adopt(adopted);
    let join = tokio::spawn(w.run(rx));
    Handle { tx, join }
}

impl Worker {
    fn key(&self) -> String {
        format!("{}/{}", self.pod.metadata.namespace, self.pod.metadata.name)
    }

    fn adopt(&mut self, mut adopted: Vec<ContainerInfo>) {
        adopted.sort_by_key(|c| c.attempt);
        for c in &self.pod.spec.containers {
            let mine: Vec<&ContainerInfo> = adopted
                .iter()
                .filter(|i| i.container_name == c.name)
                .collect();
            let current = mine.last().map(|i| (*i).clone());
            let previous_exit = mine.len().checked_sub(2).and_then(|i| terminated(mine[i]));
            let older: Vec<String> = mine.iter().rev().skip(1).map(|i| i.id.clone()).collect();
            let slot = ContainerSlot {
                ports: current
                    .as_ref()
                    .map(|i| i.ports.clone())
                    .unwrap_or_default(),
                next_attempt: current.as_ref().map(|i| i.attempt + 1).unwrap_or(0),
                view: ContainerView {
                    name: c.name.clone(),
                    image: c.image.clone(),
                    ever_started: current.is_some(),
                    current,
                    previous_exit,
                    waiting: None,
                    started: false,
                    ready: false,
                },
                older,
                backoff: BACKOFF_START,
                restart_at: None,
                handled_exit: None,
                prober: None,
                pulling: false,
                pulled: false,
                pull_failures: 0,
            };
            self.slots.insert(c.name.clone(), slot);
        }
        // Instances of containers no longer in the spec are left for the runtime
        // sweep of the node daemon.
        let running: Vec<(String, ContainerInfo)> = self
            .slots
            .values()
            .filter_map(|s| {
                s.view
                    .current
                    .clone()
                    .filter(|c| c.state == RunState::Running)
                    .map(|c| (s.view.name.clone(), c))
            })
            .collect();
        for (name, info) in running {
            self.watch_exit(name.clone(), info.id.clone());
            self.start_prober(&name, &info);
        }
        let exited: Vec<(String, ContainerInfo)> = self
            .slots
            .values()
            .filter_map(|s| {
                s.view
                    .current
                    .clone()
                    .filter(|c| c.state != RunState::Running)
                    .map(|c| (s.view.name.clone(), c))
            })
            .collect();
        for (name, info) in exited {
            self.on_exit(&name, info);
        }
    }

    /// Starts probing a running instance (or marks it ready at once when the
    /// container has no probes).
    fn start_prober(&mut self, name: &str, info: &ContainerInfo) {
        let Some(container) = self
            .pod
            .spec
            .containers
            .iter()
            .find(|c| c.name == name)
            .cloned()
        else {
            return;
        };
        let Some(slot) = self.slots.get_mut(name) else {
            return;
        };
        if let Some(p) = slot.prober.take() {
            p.abort();
        }
        if !probe::has_probes(&container) {
            slot.view.started = true;
            slot.view.ready = true;
            return;
        }
        slot.view.started = false;
        slot.view.ready = false;
        let Some(runtime) = self.runtime.as_ref().ok().cloned() else {
            return;
        };
        let target = probe::Target {
            host: "127.0.0.1".into(),
            pod_ip: None,
            container,
            instance: info.clone(),
        };
        let tx = self.tx.clone();
        let (container, id) = (name.to_string(), info.id.clone());
        let report = move |report| {
            tx.send(Msg::Probe {
                container: container.clone(),
                id: id.clone(),
                report,
            })
            .is_ok()
        };
        let task = tokio::spawn(probe::run(runtime, target, report));
        slot.prober = Some(task.abort_handle());
    }

    async fn on_probe(&mut self, container: &str, id: &str, report: probe::Report) {
        let grace = self.pod.grace_seconds();
        let Some(slot) = self.slots.get_mut(container) else {
            return;
        };
        if slot
            .view
            .current
            .as_ref()
            .is_none_or(|c| c.id != id || c.state != RunState::Running)
        {
            return;
        }
        match report {
            probe::Report::Started => slot.view.started = true,
            probe::Report::Ready(r) => slot.view.ready = r,
            probe::Report::Failed { kind, message } => {
                self.event(
                    "Warning",
                    "Unhealthy",
                    &format!("{} probe failed: {message}", kind.as_str()),
                )
                .await;
            }
            probe::Report::Unhealthy { kind, message } => {
                slot.view.ready = false;
                let Some(runtime) = self.runtime.as_ref().ok().cloned() else {
                    return;
                };
                let id = id.to_string();
                tracing::info!(pod = %self.key(), container, probe = kind.as_str(), %message, "restarting an unhealthy container");
                // The exit arrives through the instance's waiter and is restarted from there.
                tokio::spawn(async move {
                    let _ = runtime
                        .stop(&id, Duration::from_secs(grace.max(0) as u64))
                        .await;
                });
                self.event(
                    "Normal",
                    "Killing",
                    &format!(
                        "Container {container} failed {} probe, will be restarted",
                        kind.as_str().to_lowercase()
                    ),
                )
                .await;
            }
        }
    }

    fn watch_exit(&self, container: String, id: String) {
        let Some(runtime) = self.runtime.as_ref().ok().cloned() else {
            return;
        };
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let info = runtime
                .wait(&id)
                .await
                .map(Box::new)
                .map_err(|e| e.to_string());
            let _ = tx.send(Msg::Exited { container, info });
        });
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        loop {
            if self.removed {
                self.stop_all(self.pod.grace_seconds()).await;
                self.shared.volumes.cleanup(&self.pod.metadata.uid);
                return;
            }
            if self.pod.metadata.is_terminating() {
                self.terminate().await;
                self.shared.volumes.cleanup(&self.pod.metadata.uid);
                return;
            }
            self.start_due().await;
            self.refresh_volumes().await;
            self.report().await;
            let wake = self
                .slots
                .values()
                .filter_map(|s| s.restart_at)
                .chain(self.retry_report_at)
                .chain(self.sandbox_retry_at)
                .chain(self.refresh_at)
                .min();
            // Pods with configMap/secret volumes also wake on config changes.
            let follow = self.refresh_at.is_some();
            let msg = match wake {
                Some(at) => tokio::select! {
                    m = rx.recv() => m,
                    _ = tokio::time::sleep_until(at.into()) => continue,
                    Ok(()) = self.config_changes.changed(), if follow => {
                        // `changed` marked it seen: make the refresh due now.
                        self.refresh_at = Some(Instant::now());
                        continue;
                    }
                },
                None => rx.recv().await,
            };
            match msg {
                None | Some(Msg::Removed) => self.removed = true,
                Some(Msg::Update(p)) => {
                    // Watch events may trail what a status report already returned.
                    if p.metadata.uid == self.pod.metadata.uid
                        && p.metadata.revision() >= self.pod.metadata.revision()
                    {
                        self.pod = p;
                    }
                }
                Some(Msg::Probe {
                    container,
                    id,
                    report,
                }) => self.on_probe(&container, &id, report).await,
                Some(Msg::Pulled { container, result }) => {
                    self.on_pulled(&container, result).await;
                }
                Some(Msg::Exited { container, info }) => match info {
                    Ok(info) => self.on_exit(&container, *info),
                    Err(e) => {
                        tracing::warn!(pod = %self.key(), %container, error = %e, "lost track of a container");
                    }
                },
            }
        }
    }

    /// Records an exit and schedules a restart if the policy wants one.
    fn on_exit(&mut self, container: &str, info: ContainerInfo) {
        let policy = self.pod.spec.restart_policy;
        let Some(slot) = self.slots.get_mut(container) else {
            return;
        };
        if slot.view.current.as_ref().is_none_or(|c| c.id != info.id)
            || slot.handled_exit.as_deref() == Some(info.id.as_str())
        {
            return;
        }
        let ran_for = (info_finished(&info) - info.started_at.0)
            .to_std()
            .unwrap_or_default();
        let code = match &info.state {
            RunState::Exited { code, .. } => *code,
            RunState::Running => return,
        };
        tracing::debug!(pod = %self.pod.metadata.name, %container, id = %info.id, code, "container exited");
        slot.handled_exit = Some(info.id.clone());
        slot.view.current = Some(info);
        slot.view.ready = false;
        slot.view.started = false;
        if let Some(p) = slot.prober.take() {
            p.abort();
        }
        if should_restart(policy, code) && !self.pod.metadata.is_terminating() {
            if ran_for >= BACKOFF_RESET {
                slot.backoff = BACKOFF_START;
            }
            let delay = slot.backoff;
            slot.backoff = (slot.backoff * 2).min(BACKOFF_MAX);
            slot.restart_at = Some(Instant::now() + delay);
            slot.view.waiting = Some((
                "CrashLoopBackOff".into(),
                format!(
                    "back-off {}s restarting failed container={} pod={}",
                    delay.as_secs(),
                    container,
                    self.pod.metadata.name
                ),
            ));
        } else {
            slot.view.waiting = None;
        }
    }

    fn views(&self) -> Vec<ContainerView> {
        self.pod
            .spec
            .containers
            .iter()
            .filter_map(|c| self.slots.get(&c.name).map(|s| s.view.clone()))
            .collect()
    }

    /// Sends the pod's status when it differs from the last one sent.
    async fn report(&mut self) {
        if self.retry_report_at.is_some_and(|t| t > Instant::now()) {
            return;
        }
        let status = status::pod_status(
            &self.pod,
            &self.views(),
            self.runtime.as_ref().map(|r| r.name()).unwrap_or("none"),
            &self.shared.host_ip,
            self.start_time,
        );
        if self.pod.status == status {
            self.retry_report_at = None;
            return;
        }
        let mut p = (*self.pod).clone();
        p.status = status;
        p.metadata.resource_version.clear();
        match self.shared.client.replace_status(&p).await {
            Ok(updated) => {
                self.retry_report_at = None;
                self.pod = Arc::new(updated);
            }
            Err(e) if e.is_not_found() || e.is_conflict() => {
                // Deleted or replaced by a new pod of the same name: not ours any more.
                self.removed = true;
            }
            Err(e) => {
                tracing::debug!(pod = %self.key(), error = %e, "status report failed; retrying");
                self.retry_report_at = Some(Instant::now() + REPORT_RETRY);
            }
        }
    }

    /// Stops every instance and forgets them.
    async fn stop_all(&mut self, grace_seconds: i64) {
        for slot in self.slots.values_mut() {
            if let Some(p) = slot.prober.take() {
                p.abort();
            }
        }
        let grace = Duration::from_secs(grace_seconds.max(0) as u64);
        let Ok(runtime) = self.runtime.clone() else {
            return;
        };
        let mut stops = vec![];
        for slot in self.slots.values() {
            if let Some(c) = &slot.view.current
                && c.state == RunState::Running
            {
                let (rt, id) = (runtime.clone(), c.id.clone());
                stops.push(async move { rt.stop(&id, grace).await });
            }
        }
        for r in futures::future::join_all(stops).await {
            if let Err(e) = r {
                tracing::warn!(pod = %self.key(), error = %e, "stopping a container failed");
            }
        }
        for slot in self.slots.values() {
            for id in slot.view.current.iter().map(|c| &c.id).chain(&slot.older) {
                let _ = runtime.remove(id).await;
            }
        }
        if let Err(e) = runtime.remove_pod(&self.pod.metadata.uid).await {
            tracing::warn!(pod = %self.key(), error = %e, "removing the pod sandbox failed");
        }
    }

    /// Graceful deletion: stop within the grace period, then remove the pod object.
    async fn terminate(&mut self) {
        let grace = match (
            self.pod.metadata.deletion_timestamp,
            self.pod.metadata.deletion_grace_period_seconds,
        ) {
            (Some(at), Some(g)) => Time::now().seconds_until(&at).min(g),
            _ => self.pod.grace_seconds(),
        };
        let running = self.slots.values().any(|s| {
            s.view
                .current
                .as_ref()
                .is_some_and(|c| c.state == RunState::Running)
        });
        if running {
            self.event(
                "Normal",
                "Killing",
                &format!("Stopping containers (grace period {grace}s)"),
            )
            .await;
        }
        self.stop_all(grace).await;
        let opts = DeleteOptions {
            grace_period_seconds: Some(0),
            preconditions: Some(Preconditions {
                uid: Some(self.pod.metadata.uid.clone()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let (ns, name) = (&self.pod.metadata.namespace, &self.pod.metadata.name);
        for _ in 0..30 {
            match self.shared.client.delete(Kind::Pod, ns, name, &opts).await {
                Ok(_) => return,
                Err(e) if e.is_not_found() || e.is_conflict() => return,
                Err(e) => {
                    tracing::debug!(pod = %self.key(), error = %e, "removing the pod failed; retrying");
                    tokio::time::sleep(REPORT_RETRY).await;
                }
            }
        }
    }

    /// Records an event about the pod (best effort).
    async fn event(&self, type_: &str, reason: &str, message: &str) {
        record_event(
            &self.shared.client,
            &self.shared.node_name,
            self.pod.as_ref().clone().into_any(),
            type_,
            reason,
            message,
        )
        .await;
    }
}

fn info_finished(info: &ContainerInfo) -> chrono::DateTime<chrono::Utc> {
    match &info.state {
        RunState::Exited { finished_at, .. } => finished_at.0,
        RunState::Running => chrono::Utc::now(),
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
