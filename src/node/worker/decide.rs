//! The pod worker's decisions, as one pure function: [`decide`] takes the
//! worker's [`PodState`], one [`Observation`] (a message, a timer, or the
//! result of an action it asked for) and the current instant ([`Now`]),
//! updates the state and returns the [`Action`]s to perform, in order. It
//! performs no I/O and reads no clock, so restart policies, backoff,
//! `CrashLoopBackOff`, probe outcomes and termination are unit-tested with an
//! injected `now`; the executor in [`super`] performs the actions and feeds
//! their results back.
//!
//! # Protocol
//!
//! - A turn starts with an observation from outside: [`Observation::Adopted`]
//!   first (what the runtime already runs of the pod), then messages and
//!   timers.
//! - Actions come in the order to perform them. An action with a result
//!   (resolving config, allocating ports, preparing the pod, checking an
//!   image, starting a container, reporting status) is the last of its list,
//!   and its result is the next observation.
//! - Every turn ends with exactly one [`Action::Wait`] (until the earliest
//!   timer, or a message) or [`Action::Finish`] (the worker ends).
//!
//! # A turn
//!
//! 1. Apply the observation (an exit schedules a restart as restartPolicy
//!    says, after the container's backoff: 1 s doubling to 60 s, back to 1 s
//!    after 10 minutes of running; meanwhile it waits as `CrashLoopBackOff`).
//! 2. A pod that is gone stops everything; a pod being deleted stops its
//!    containers within its grace period (SIGTERM, then SIGKILL) and is
//!    removed; either way the worker finishes.
//! 3. Otherwise, start what is due, one step at a time: resolve config,
//!    allocate host ports (once per pod), prepare the pod's sandbox, then per
//!    container: check the image (pulling in the background when needed),
//!    start it (this round is in `start`).
//! 4. Compare configMap and secret volumes with their sources when due,
//!    report the pod's status if it changed, and wait.
//!
//! This module does no I/O; it must not import `control`, `cli` or `tui`.

use crate::api::{ContainerPort, Pod, PodPhase, PodStatus, RestartPolicy, Time};
use crate::backoff::Backoff;
use crate::node::probe;
use crate::node::runtime::{ContainerInfo, PodSandbox, RunState, RuntimeError};
use crate::node::status::{self, ContainerView, should_restart, terminated};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod start;
#[cfg(test)]
mod tests;

/// First restart delay after a container exits.
pub const BACKOFF_START: Duration = Duration::from_secs(1);
/// Longest restart delay.
pub const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// A container that ran this long starts over at [`BACKOFF_START`].
pub const BACKOFF_RESET: Duration = Duration::from_secs(600);
/// Restarts of one container, and retries of preparing a pod's sandbox.
const RESTART_BACKOFF: Backoff = Backoff::new(BACKOFF_START, BACKOFF_MAX);
/// Status reports the control daemon did not take are sent again every 2 s.
const REPORT_RETRY: Backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(2));
/// A pod whose config could not be resolved is tried again every 2 s.
const CONFIG_RETRY: Backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(2));
/// How often the configMap and secret volumes of a running pod are compared
/// with their sources when no change was announced (a missed watch event).
pub const VOLUME_REFRESH: Duration = Duration::from_secs(30);

/// The current instant: the monotonic clock for timers, the wall clock for
/// the API's timestamps (deletion deadlines).
#[derive(Clone, Copy, Debug)]
pub struct Now {
    pub at: Instant,
    pub wall: Time,
}

impl Now {
    /// The clocks' readings now.
    pub fn real() -> Now {
        Now {
            at: Instant::now(),
            wall: Time::now(),
        }
    }
}

/// What the worker learns: from outside (messages, timers) or as the result
/// of an action.
#[derive(Debug)]
pub enum Observation {
    /// The worker begins; these instances of the pod already exist (found by
    /// the runtime after a node daemon restart).
    Adopted(Vec<ContainerInfo>),
    /// A timer came due.
    Woke,
    /// The pod as the control daemon has it now.
    Updated(Arc<Pod>),
    /// The pod is gone from this node.
    Removed,
    /// A container instance exited.
    Exited {
        container: String,
        info: ContainerInfo,
    },
    /// The prober of an instance reports.
    Probed {
        container: String,
        id: String,
        report: probe::Report,
    },
    /// A background image pull ended: how long it took, or why it failed.
    Pulled {
        container: String,
        result: Result<Duration, (&'static str, String)>,
    },
    /// The termination message of an instance, read as it exited (comes
    /// before its [`Observation::Exited`]).
    Message {
        container: String,
        id: String,
        message: String,
    },
    /// A ConfigMap or Secret changed somewhere: compare volumes now.
    ConfigAnnounced,
    /// Result of [`Action::ResolveConfig`].
    ConfigResolved(Result<(), String>),
    /// Result of [`Action::AllocatePorts`]: the ports with host ports.
    PortsAllocated(Vec<(String, Vec<ContainerPort>)>),
    /// Result of [`Action::PreparePod`].
    PodPrepared(Result<(), RuntimeError>),
    /// Result of [`Action::CheckImage`]: whether a pull is needed.
    ImageChecked {
        container: String,
        result: Result<bool, RuntimeError>,
    },
    /// Result of [`Action::Start`].
    ContainerStarted {
        container: String,
        attempt: u32,
        result: Result<ContainerInfo, RuntimeError>,
        /// The termination message of an instance that had ended already
        /// (read before the pod's status can say it ended).
        message: Option<String>,
    },
    /// Result of [`Action::Report`].
    StatusReported(Reported),
}

/// How a status report went.
#[derive(Debug)]
pub enum Reported {
    /// Taken; the pod as it is now.
    Accepted(Box<Pod>),
    /// The pod was deleted, or replaced by another of the same name.
    Gone,
    /// Not taken (the control daemon did not answer): try again.
    Failed,
}

/// One instance of a container to pull for or start.
#[derive(Clone, Debug, PartialEq)]
pub struct Launch {
    pub container: String,
    /// 0 for its first start in this pod, then 1, 2...
    pub attempt: u32,
    /// Its ports, each with the host port the node gave it.
    pub ports: Vec<ContainerPort>,
}

/// What the executor is to do.
#[derive(Debug)]
pub enum Action {
    /// Decide who the pod's containers run as, and resolve its environment
    /// and volumes (ConfigMaps, Secrets, the node's volume roots).
    /// → [`Observation::ConfigResolved`]
    ResolveConfig,
    /// Give each of these container ports a free host port unless it names
    /// one. → [`Observation::PortsAllocated`]
    AllocatePorts(Vec<(String, Vec<ContainerPort>)>),
    /// Prepare what the pod's containers share. → [`Observation::PodPrepared`]
    PreparePod(PodSandbox),
    /// Ask whether the image must be pulled first. → [`Observation::ImageChecked`]
    CheckImage(Launch),
    /// Pull the image in the background; it ends with [`Observation::Pulled`].
    Pull(Launch),
    /// Start the instance. → [`Observation::ContainerStarted`]
    Start(Launch),
    /// Wait in the background for the instance to exit ([`Observation::Exited`]).
    WatchExit { container: String, id: String },
    /// Probe the running instance in the background ([`Observation::Probed`]),
    /// instead of any earlier prober of the container.
    Probe {
        container: String,
        instance: ContainerInfo,
    },
    /// End the container's prober, if any.
    StopProbing { container: String },
    /// Stop the instance in the background: SIGTERM, SIGKILL after `grace`.
    /// Its exit comes as [`Observation::Exited`].
    Kill { id: String, grace: Duration },
    /// Forget these exited instances (and their logs).
    Remove { ids: Vec<String> },
    /// End every prober, stop the `running` instances (SIGTERM, SIGKILL
    /// after `grace`), then remove every instance in `instances` and the pod's sandbox.
    StopAll {
        running: Vec<String>,
        /// Running sidecars, stopped after `running` have exited, in this
        /// order, within what is left of `grace`.
        sidecars: Vec<String>,
        instances: Vec<String>,
        grace: Duration,
    },
    /// Swap in new contents of configMap and secret volumes whose source changed.
    RefreshVolumes,
    /// Send the pod's status. → [`Observation::StatusReported`]
    Report(Box<PodStatus>),
    /// Record an event about the pod.
    Event {
        type_: &'static str,
        reason: &'static str,
        message: String,
    },
    /// Remove the pod object (this uid only; its containers are stopped).
    DeletePod,
    /// Remove the pod's volumes from the node.
    CleanUpVolumes,
    /// Nothing more to do until a message, or until `until`; with
    /// `follow_config`, also until a ConfigMap or Secret change is announced.
    Wait {
        until: Option<Instant>,
        follow_config: bool,
    },
    /// The worker is done.
    Finish,
}

/// What the worker knows of one container of the pod.
#[derive(Clone, Debug)]
struct Slot {
    view: ContainerView,
    ports: Vec<ContainerPort>,
    /// Instance ids older than `view.current`, kept for `logs --previous`.
    older: Vec<String>,
    next_attempt: u32,
    backoff: Backoff,
    restart_at: Option<Instant>,
    /// The instance whose exit was last handled (an exit is seen at most once).
    handled_exit: Option<String>,
    /// An image pull is under way.
    pulling: bool,
    /// The image was just pulled: start without checking again.
    pulled: bool,
    /// Pull failures in a row (the second and later report `ImagePullBackOff`).
    pull_failures: u32,
    /// The instance asked to stop because the pod's app containers are done
    /// (a sidecar): it is not restarted.
    stopping: Option<String>,
}

/// Everything the worker decides from: the pod, its containers, and its timers.
#[derive(Debug)]
pub struct PodState {
    pod: Arc<Pod>,
    /// The name of the runtime that runs the pod, or why this node cannot.
    runtime: Result<&'static str, String>,
    host_ip: String,
    start_time: Time,
    slots: HashMap<String, Slot>,
    /// Containers due in the start round under way, not tried yet.
    round: VecDeque<String>,
    /// When to try preparing the pod again after a failure.
    sandbox_retry_at: Option<Instant>,
    sandbox_backoff: Backoff,
    config_retry: Backoff,
    report_retry: Backoff,
    report_retry_at: Option<Instant>,
    /// The pod is gone from this node: stop everything.
    removed: bool,
    /// The environment and volumes were resolved at least once.
    config_resolved: bool,
    /// The last config error reported (reported once until it changes).
    config_error: Option<String>,
    /// When to compare configMap and secret volumes with their sources.
    refresh_at: Option<Instant>,
}

impl PodState {
    /// The state of a worker for `pod`, run by `runtime` (or not runnable
    /// here, and why), on a node at `host_ip`.
    pub fn new(
        pod: Arc<Pod>,
        runtime: Result<&'static str, String>,
        host_ip: &str,
        now: Now,
    ) -> PodState {
        PodState {
            start_time: pod.status.start_time.unwrap_or(now.wall),
            pod,
            runtime,
            host_ip: host_ip.to_string(),
            slots: HashMap::new(),
            round: VecDeque::new(),
            sandbox_retry_at: None,
            sandbox_backoff: RESTART_BACKOFF,
            config_retry: CONFIG_RETRY,
            report_retry: REPORT_RETRY,
            report_retry_at: None,
            removed: false,
            config_resolved: false,
            config_error: None,
            refresh_at: None,
        }
    }

    /// The pod as the worker knows it.
    pub fn pod(&self) -> &Arc<Pod> {
        &self.pod
    }

    /// What the node knows of each container, in the pod's order: init
    /// containers first.
    pub fn views(&self) -> Vec<ContainerView> {
        self.pod
            .spec
            .all_containers()
            .filter_map(|c| self.slots.get(&c.name).map(|s| s.view.clone()))
            .collect()
    }

    /// The restart policy of one container: a sidecar's is `Always`; an
    /// init container's is `OnFailure` unless the pod's is `Never`.
    fn policy_of(&self, name: &str) -> RestartPolicy {
        let pod_policy = self.pod.spec.restart_policy;
        if self.pod.spec.containers.iter().any(|c| c.name == name) {
            return pod_policy;
        }
        match self.pod.spec.container(name) {
            Some(c) if c.is_sidecar() => RestartPolicy::Always,
            _ if pod_policy == RestartPolicy::Never => RestartPolicy::Never,
            _ => RestartPolicy::OnFailure,
        }
    }

    /// Whether the pod has finished: its app containers are done for good
    /// (or an init container failed under `restartPolicy: Never`).
    fn finished(&self) -> bool {
        matches!(
            status::phase_of(&self.pod, &self.views()),
            PodPhase::Succeeded | PodPhase::Failed
        )
    }

    /// The earliest timer: a restart, a retry, a volume refresh.
    pub fn next_wake(&self) -> Option<Instant> {
        self.slots
            .values()
            .filter_map(|s| s.restart_at)
            .chain(self.report_retry_at)
            .chain(self.sandbox_retry_at)
            .chain(self.refresh_at)
            .min()
    }

    fn event(&self, type_: &'static str, reason: &'static str, message: String) -> Action {
        Action::Event {
            type_,
            reason,
            message,
        }
    }

    fn image_of(&self, name: &str) -> String {
        self.pod
            .spec
            .container(name)
            .map(|c| c.image.clone())
            .unwrap_or_default()
    }

    /// Takes over the instances the runtime already has: the latest of each
    /// container is its current one (same restart count); running ones are
    /// watched and probed, exited ones handled as exits.
    fn adopt(&mut self, mut adopted: Vec<ContainerInfo>, now: Now, out: &mut Vec<Action>) {
        adopted.sort_by_key(|c| c.attempt);
        for c in self.pod.spec.all_containers() {
            let mine: Vec<&ContainerInfo> = adopted
                .iter()
                .filter(|i| i.container_name == c.name)
                .collect();
            let current = mine.last().map(|i| (*i).clone());
            let previous_exit = mine.len().checked_sub(2).and_then(|i| terminated(mine[i]));
            let slot = Slot {
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
                    message: None,
                },
                older: mine.iter().rev().skip(1).map(|i| i.id.clone()).collect(),
                backoff: RESTART_BACKOFF,
                restart_at: None,
                handled_exit: None,
                pulling: false,
                pulled: false,
                pull_failures: 0,
                stopping: None,
            };
            self.slots.insert(c.name.clone(), slot);
        }
        // Instances of containers no longer in the spec are left for the
        // runtime sweep of the node daemon.
        let names: Vec<String> = self
            .pod
            .spec
            .all_containers()
            .map(|c| c.name.clone())
            .collect();
        for name in names {
            let Some(info) = self.slots.get(&name).and_then(|s| s.view.current.clone()) else {
                continue;
            };
            if info.state == RunState::Running {
                out.push(Action::WatchExit {
                    container: name.clone(),
                    id: info.id.clone(),
                });
                self.start_prober(&name, &info, out);
            } else {
                self.on_exit(&name, info, now, out);
            }
        }
    }

    /// Starts probing a running instance, or marks it started and ready at
    /// once when the container has no probes.
    fn start_prober(&mut self, name: &str, info: &ContainerInfo, out: &mut Vec<Action>) {
        let Some(container) = self.pod.spec.container(name) else {
            return;
        };
        let has_probes = probe::has_probes(container);
        // As in Kubernetes: started once running unless a startup probe
        // says otherwise, ready once started unless a readiness probe does.
        // (Waiting for the prober to say so would cost a status write.)
        let started = container.startup_probe.is_none();
        let ready = started && container.readiness_probe.is_none();
        let Some(slot) = self.slots.get_mut(name) else {
            return;
        };
        slot.view.started = started;
        slot.view.ready = ready;
        if has_probes && self.runtime.is_ok() {
            out.push(Action::Probe {
                container: name.to_string(),
                instance: info.clone(),
            });
        }
    }

    /// Records an exit (once per instance) and schedules a restart if the
    /// policy wants one: after the container's backoff, which starts over
    /// when the instance ran for [`BACKOFF_RESET`].
    fn on_exit(&mut self, container: &str, info: ContainerInfo, now: Now, out: &mut Vec<Action>) {
        let policy = self.policy_of(container);
        // A sidecar stopped because the app containers are done stays stopped.
        let terminating = self.pod.metadata.is_terminating()
            || self
                .slots
                .get(container)
                .is_some_and(|s| s.stopping.as_deref() == Some(info.id.as_str()));
        let pod_name = self.pod.metadata.name.clone();
        let Some(slot) = self.slots.get_mut(container) else {
            return;
        };
        if slot.view.current.as_ref().is_none_or(|c| c.id != info.id)
            || slot.handled_exit.as_deref() == Some(info.id.as_str())
        {
            return;
        }
        let RunState::Exited {
            code, finished_at, ..
        } = &info.state
        else {
            return;
        };
        let (code, ran_for) = (
            *code,
            (finished_at.0 - info.started_at.0)
                .to_std()
                .unwrap_or_default(),
        );
        slot.handled_exit = Some(info.id.clone());
        slot.view.current = Some(info);
        slot.view.ready = false;
        slot.view.started = false;
        out.push(Action::StopProbing {
            container: container.to_string(),
        });
        if should_restart(policy, code) && !terminating {
            if ran_for >= BACKOFF_RESET {
                slot.backoff.reset();
            }
            let delay = slot.backoff.next_delay();
            slot.restart_at = Some(now.at + delay);
            slot.view.waiting = Some((
                "CrashLoopBackOff".into(),
                format!(
                    "back-off {}s restarting failed container={container} pod={pod_name}",
                    delay.as_secs()
                ),
            ));
        } else {
            slot.view.waiting = None;
        }
    }

    fn on_probe(
        &mut self,
        container: &str,
        id: &str,
        report: probe::Report,
        out: &mut Vec<Action>,
    ) {
        let grace = Duration::from_secs(self.pod.grace_seconds().max(0) as u64);
        let runnable = self.runtime.is_ok();
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
            probe::Report::Failed { kind, message } => out.push(self.event(
                "Warning",
                "Unhealthy",
                format!("{} probe failed: {message}", kind.as_str()),
            )),
            probe::Report::Unhealthy { kind, .. } => {
                slot.view.ready = false;
                if !runnable {
                    return;
                }
                // The exit arrives through the instance's waiter and is
                // restarted from there.
                out.push(Action::Kill {
                    id: id.to_string(),
                    grace,
                });
                out.push(self.event(
                    "Normal",
                    "Killing",
                    format!(
                        "Container {container} failed {} probe, will be restarted",
                        kind.as_str().to_lowercase()
                    ),
                ));
            }
        }
    }

    /// After an outside observation: stop everything if the pod is gone or
    /// being deleted, else start what is due.
    fn turn(&mut self, now: Now, out: &mut Vec<Action>) {
        if self.removed {
            let grace = self.pod.grace_seconds();
            self.stop_all(grace, out);
            out.push(Action::CleanUpVolumes);
            out.push(Action::Finish);
            return;
        }
        if self.pod.metadata.is_terminating() {
            self.terminate(now, out);
            return;
        }
        self.start_round(now, out);
    }

    /// Stops every instance and forgets them: the app containers (and
    /// init containers) first, then the sidecars in reverse order.
    fn stop_all(&mut self, grace_seconds: i64, out: &mut Vec<Action>) {
        let mut running = vec![];
        let mut sidecars = vec![];
        let mut instances = vec![];
        for c in self.pod.spec.all_containers() {
            let Some(slot) = self.slots.get(&c.name) else {
                continue;
            };
            if let Some(i) = &slot.view.current {
                if i.state == RunState::Running {
                    if c.is_sidecar() {
                        sidecars.insert(0, i.id.clone());
                    } else {
                        running.push(i.id.clone());
                    }
                }
                instances.push(i.id.clone());
            }
            instances.extend(slot.older.iter().cloned());
        }
        out.push(Action::StopAll {
            running,
            sidecars,
            instances,
            grace: Duration::from_secs(grace_seconds.max(0) as u64),
        });
    }

    /// Once the pod has finished, its running sidecars are stopped (once
    /// each), in reverse order, within the pod's grace period.
    fn stop_sidecars(&mut self, out: &mut Vec<Action>) {
        if !self.finished() {
            return;
        }
        let grace = Duration::from_secs(self.pod.grace_seconds().max(0) as u64);
        let names: Vec<String> = self
            .pod
            .spec
            .init_containers
            .iter()
            .rev()
            .filter(|c| c.is_sidecar())
            .map(|c| c.name.clone())
            .collect();
        for name in names {
            let Some(slot) = self.slots.get_mut(&name) else {
                continue;
            };
            slot.restart_at = None;
            slot.view.waiting = None;
            let Some(i) = slot.view.current.as_ref() else {
                continue;
            };
            if i.state == RunState::Running && slot.stopping.as_deref() != Some(i.id.as_str()) {
                slot.stopping = Some(i.id.clone());
                out.push(Action::Kill {
                    id: i.id.clone(),
                    grace,
                });
                out.push(self.event("Normal", "Killing", format!("Stopping container {name}")));
            }
        }
    }

    /// Graceful deletion: stop within what is left of the grace period, then
    /// remove the pod object.
    fn terminate(&mut self, now: Now, out: &mut Vec<Action>) {
        let m = &self.pod.metadata;
        let grace = match (m.deletion_timestamp, m.deletion_grace_period_seconds) {
            (Some(at), Some(g)) => now.wall.seconds_until(&at).min(g),
            _ => self.pod.grace_seconds(),
        };
        let running = self.slots.values().any(|s| {
            s.view
                .current
                .as_ref()
                .is_some_and(|c| c.state == RunState::Running)
        });
        if running {
            out.push(self.event(
                "Normal",
                "Killing",
                format!("Stopping containers (grace period {grace}s)"),
            ));
        }
        self.stop_all(grace, out);
        out.push(Action::DeletePod);
        out.push(Action::CleanUpVolumes);
        out.push(Action::Finish);
    }

    /// The end of a turn: compare volumes when due, then report the status
    /// if it changed, else wait.
    fn settle(&mut self, now: Now, out: &mut Vec<Action>) {
        self.stop_sidecars(out);
        let has_config_volumes = self.pod.spec.volumes.iter().any(|v| v.follows_sources());
        if !has_config_volumes || !self.config_resolved {
            self.refresh_at = None;
        } else if self.refresh_at.is_none_or(|t| t <= now.at) {
            self.refresh_at = Some(now.at + VOLUME_REFRESH);
            out.push(Action::RefreshVolumes);
        }
        if self.report_retry_at.is_some_and(|t| t > now.at) {
            return self.wait(out);
        }
        let status = status::pod_status(
            &self.pod,
            &self.views(),
            self.runtime.as_ref().map(|r| *r).unwrap_or("none"),
            &self.host_ip,
            self.start_time,
        );
        if self.pod.status == status {
            self.report_retry_at = None;
            return self.wait(out);
        }
        out.push(Action::Report(Box::new(status)));
    }

    fn on_reported(&mut self, reported: Reported, now: Now, out: &mut Vec<Action>) {
        match reported {
            Reported::Accepted(pod) => {
                self.report_retry_at = None;
                self.report_retry.reset();
                self.pod = Arc::new(*pod);
            }
            // Deleted or replaced by a new pod of the same name: not ours any
            // more (everything stops at the next turn).
            Reported::Gone => self.removed = true,
            Reported::Failed => {
                self.report_retry_at = Some(now.at + self.report_retry.next_delay());
            }
        }
        self.wait(out);
    }

    fn wait(&self, out: &mut Vec<Action>) {
        out.push(Action::Wait {
            until: self.next_wake(),
            // Pods with configMap/secret volumes also wake on config changes.
            follow_config: self.refresh_at.is_some(),
        });
    }
}

/// Applies `obs` to the worker's state and returns what to do, in order (see
/// the module's protocol).
pub fn decide(st: &mut PodState, obs: Observation, now: Now) -> Vec<Action> {
    let mut out = vec![];
    match obs {
        Observation::Adopted(instances) => {
            st.adopt(instances, now, &mut out);
            st.turn(now, &mut out);
        }
        Observation::Woke => st.turn(now, &mut out),
        Observation::Updated(p) => {
            // Watch events may trail what a status report already returned.
            if p.metadata.uid == st.pod.metadata.uid
                && p.metadata.revision() >= st.pod.metadata.revision()
            {
                // The downward API's files follow the pod's metadata at once.
                let relabelled = p.metadata.labels != st.pod.metadata.labels
                    || p.metadata.annotations != st.pod.metadata.annotations;
                if relabelled && p.spec.volumes.iter().any(|v| v.follows_pod()) {
                    st.refresh_at = Some(now.at);
                }
                st.pod = p;
            }
            st.turn(now, &mut out);
        }
        Observation::Removed => {
            st.removed = true;
            st.turn(now, &mut out);
        }
        Observation::Exited { container, info } => {
            st.on_exit(&container, info, now, &mut out);
            st.turn(now, &mut out);
        }
        Observation::Probed {
            container,
            id,
            report,
        } => {
            st.on_probe(&container, &id, report, &mut out);
            st.turn(now, &mut out);
        }
        Observation::Pulled { container, result } => {
            st.on_pulled(&container, result, now, &mut out);
            st.turn(now, &mut out);
        }
        Observation::Message {
            container,
            id,
            message,
        } => {
            if let Some(slot) = st.slots.get_mut(&container) {
                slot.view.message = Some((id, message));
            }
            st.wait(&mut out);
        }
        Observation::ConfigAnnounced => {
            st.refresh_at = Some(now.at);
            st.turn(now, &mut out);
        }
        Observation::ConfigResolved(result) => st.on_config(result, now, &mut out),
        Observation::PortsAllocated(ports) => st.on_ports(ports, &mut out),
        Observation::PodPrepared(result) => st.on_prepared(result, now, &mut out),
        Observation::ImageChecked { container, result } => {
            st.on_image_checked(&container, result, now, &mut out)
        }
        Observation::ContainerStarted {
            container,
            attempt,
            result,
            message,
        } => st.on_started(&container, attempt, result, message, now, &mut out),
        Observation::StatusReported(r) => st.on_reported(r, now, &mut out),
    }
    out
}
