//! The start round of a pod worker's decisions: which containers are due,
//! then one step at a time (each step's result decides the next): resolve
//! config, allocate host ports, prepare the sandbox, and per due container
//! check its image (a pull goes to the background) and start it; failures
//! wait with their reason and back off.

use super::{Action, Launch, Now, PodState};
use crate::api::ContainerPort;
use crate::node::runtime::{ContainerInfo, PodSandbox, RunState, RuntimeError};
use crate::node::status::{should_restart, terminated};
use std::time::Duration;

impl PodState {
    /// An image pull (or the check that found one impossible) ended.
    pub(super) fn on_pulled(
        &mut self,
        name: &str,
        result: Result<Duration, (&'static str, String)>,
        now: Now,
        out: &mut Vec<Action>,
    ) {
        let image = self.image_of(name);
        let Some(slot) = self.slots.get_mut(name) else {
            return;
        };
        slot.pulling = false;
        let (reason, message) = match result {
            Ok(took) => {
                slot.pulled = true;
                slot.pull_failures = 0;
                out.push(self.event(
                    "Normal",
                    "Pulled",
                    format!(
                        "Successfully pulled image {image:?} in {:.3}s",
                        took.as_secs_f64()
                    ),
                ));
                return;
            }
            Err(e) => e,
        };
        slot.restart_at = Some(now.at + slot.backoff.next_delay());
        slot.pull_failures += 1;
        let failed = format!("Failed to pull image {image:?}: {message}");
        let (waiting, event) = if reason == "ErrImageNeverPull" {
            (
                (reason.to_string(), message.clone()),
                ("Warning", reason, message),
            )
        } else if slot.pull_failures == 1 {
            (
                (reason.to_string(), failed.clone()),
                ("Warning", "Failed", failed),
            )
        } else {
            (
                (
                    "ImagePullBackOff".to_string(),
                    format!("Back-off pulling image {image:?}: {message}"),
                ),
                (
                    "Normal",
                    "BackOff",
                    format!("Back-off pulling image {image:?}"),
                ),
            )
        };
        let changed = slot.view.waiting.as_ref() != Some(&waiting);
        slot.view.waiting = Some(waiting);
        if changed || reason != "ErrImageNeverPull" {
            out.push(self.event(event.0, event.1, event.2));
        }
    }

    /// Whether container `name` is to start now: never started, or exited
    /// with a restart due by its policy; not while its image is being pulled.
    fn is_due(&self, name: &str, now: Now) -> bool {
        let policy = self.policy_of(name);
        self.slots.get(name).is_some_and(|slot| {
            !slot.pulling
                && slot.stopping.is_none()
                && slot.restart_at.is_none_or(|t| t <= now.at)
                && match &slot.view.current {
                    None => true,
                    Some(i) => match &i.state {
                        RunState::Running => false,
                        RunState::Exited { code, .. } => should_restart(policy, *code),
                    },
                }
        })
    }

    /// Containers to start now, in the pod's order. Init containers go one
    /// at a time: the next starts once the one before completed (a sidecar:
    /// once it runs and passed its startup probe); the app containers start
    /// once every init container has. Sidecars are restarted whenever they
    /// exit, until the pod finishes.
    pub(super) fn due(&self, now: Now) -> Vec<String> {
        if self.finished() {
            return vec![];
        }
        let spec = &self.pod.spec;
        let mut out = vec![];
        let mut initialized = spec
            .containers
            .iter()
            .any(|c| self.slots.get(&c.name).is_some_and(|s| s.view.ever_started));
        if initialized {
            for c in spec.init_containers.iter().filter(|c| c.is_sidecar()) {
                if self.is_due(&c.name, now) {
                    out.push(c.name.clone());
                }
            }
        } else {
            initialized = true;
            for c in &spec.init_containers {
                let Some(slot) = self.slots.get(&c.name) else {
                    continue;
                };
                let current = slot.view.current.as_ref().map(|i| &i.state);
                let done = if c.is_sidecar() {
                    current == Some(&RunState::Running) && slot.view.started
                } else {
                    matches!(current, Some(RunState::Exited { code: 0, .. }))
                };
                if self.is_due(&c.name, now) {
                    out.push(c.name.clone());
                }
                if !done {
                    initialized = false;
                    break;
                }
            }
        }
        if initialized {
            for c in &spec.containers {
                if self.is_due(&c.name, now) {
                    out.push(c.name.clone());
                }
            }
        }
        out
    }

    pub(super) fn set_waiting(&mut self, names: &[String], reason: &str, message: &str) -> bool {
        let waiting = Some((reason.to_string(), message.to_string()));
        let mut changed = false;
        for name in names {
            if let Some(slot) = self.slots.get_mut(name)
                && slot.view.waiting != waiting
            {
                slot.view.waiting = waiting.clone();
                changed = true;
            }
        }
        changed
    }

    /// Ends the round early: every container still due waits with `reason`.
    fn end_round(&mut self, reason: &str, message: &str) {
        for name in std::mem::take(&mut self.round) {
            if let Some(slot) = self.slots.get_mut(&name) {
                slot.view.waiting = Some((reason.to_string(), message.to_string()));
            }
        }
    }

    /// Begins starting every container that should run now: the config first.
    pub(super) fn start_round(&mut self, now: Now, out: &mut Vec<Action>) {
        if self.sandbox_retry_at.is_some_and(|t| t > now.at) {
            return self.settle(now, out);
        }
        let due = self.due(now);
        if due.is_empty() {
            return self.settle(now, out);
        }
        if let Err(msg) = self.runtime.clone() {
            if self.set_waiting(&due, "CreateContainerConfigError", &msg) {
                out.push(self.event("Warning", "Failed", format!("Error: {msg}")));
            }
            return self.settle(now, out);
        }
        self.round = due.into();
        out.push(Action::ResolveConfig);
    }

    pub(super) fn on_config(
        &mut self,
        result: Result<(), String>,
        now: Now,
        out: &mut Vec<Action>,
    ) {
        if let Err(msg) = result {
            self.end_round("CreateContainerConfigError", &msg);
            self.sandbox_retry_at = Some(now.at + self.config_retry.next_delay());
            if self.config_error.as_ref() != Some(&msg) {
                out.push(self.event("Warning", "Failed", format!("Error: {msg}")));
                self.config_error = Some(msg);
            }
            return self.settle(now, out);
        }
        self.config_resolved = true;
        self.config_error = None;
        self.config_retry.reset();
        // Every container port gets a host port, once per pod (kept across
        // restarts of its containers).
        let needed: Vec<(String, Vec<ContainerPort>)> = self
            .pod
            .spec
            .all_containers()
            .filter(|c| {
                !c.ports.is_empty() && self.slots.get(&c.name).is_some_and(|s| s.ports.is_empty())
            })
            .map(|c| (c.name.clone(), c.ports.clone()))
            .collect();
        if needed.is_empty() {
            out.push(Action::PreparePod(self.sandbox()));
        } else {
            out.push(Action::AllocatePorts(needed));
        }
    }

    pub(super) fn on_ports(
        &mut self,
        allocated: Vec<(String, Vec<ContainerPort>)>,
        out: &mut Vec<Action>,
    ) {
        for (name, ports) in allocated {
            if let Some(slot) = self.slots.get_mut(&name)
                && slot.ports.is_empty()
            {
                slot.ports = ports;
            }
        }
        out.push(Action::PreparePod(self.sandbox()));
    }

    /// What the containers of this pod share.
    pub(super) fn sandbox(&self) -> PodSandbox {
        PodSandbox {
            pod_uid: self.pod.metadata.uid.clone(),
            pod_name: self.pod.metadata.name.clone(),
            namespace: self.pod.metadata.namespace.clone(),
            ports: self
                .pod
                .spec
                .all_containers()
                .filter_map(|c| self.slots.get(&c.name))
                .flat_map(|s| s.ports.iter().cloned())
                .collect(),
            hostname: self.pod.hostname().to_string(),
            dns: crate::node::dns::resolv::PodDns::of(&self.pod),
            host_network: self.pod.spec.host_network(),
            sysctls: self
                .pod
                .spec
                .security_context
                .as_ref()
                .and_then(|sc| sc.sysctls.as_ref())
                .into_iter()
                .flatten()
                .map(|s| (s.name.replace('/', "."), s.value.clone()))
                .collect(),
        }
    }

    pub(super) fn on_prepared(
        &mut self,
        result: Result<(), RuntimeError>,
        now: Now,
        out: &mut Vec<Action>,
    ) {
        if let Err(e) = result {
            self.sandbox_retry_at = Some(now.at + self.sandbox_backoff.next_delay());
            self.end_round("ContainerCreating", &e.to_string());
            out.push(self.event(
                "Warning",
                "FailedCreatePodSandBox",
                format!("Failed to create pod sandbox: {e}"),
            ));
            return self.settle(now, out);
        }
        self.sandbox_retry_at = None;
        self.sandbox_backoff.reset();
        self.next_in_round(now, out);
    }

    pub(super) fn launch(&self, name: &str) -> Option<Launch> {
        let slot = self.slots.get(name)?;
        Some(Launch {
            container: name.to_string(),
            attempt: slot.next_attempt,
            ports: slot.ports.clone(),
        })
    }

    /// The next due container of the round: its image is checked unless it
    /// was just pulled. When none is left, the turn settles.
    pub(super) fn next_in_round(&mut self, now: Now, out: &mut Vec<Action>) {
        // What the round started may let more start (the next init
        // container once one completed or a sidecar runs; the app
        // containers after the last): those join the round. Each container
        // tried leaves the due set (it runs, backs off, or pulls), so this ends.
        if self.round.is_empty() && self.config_resolved && self.sandbox_retry_at.is_none() {
            self.round = self.due(now).into();
        }
        while let Some(name) = self.round.pop_front() {
            let Some(launch) = self.launch(&name) else {
                continue;
            };
            if self.slots.get(&name).is_some_and(|s| s.pulled) {
                out.push(Action::Start(launch));
            } else {
                out.push(Action::CheckImage(launch));
            }
            return;
        }
        self.settle(now, out);
    }

    pub(super) fn on_image_checked(
        &mut self,
        name: &str,
        result: Result<bool, RuntimeError>,
        now: Now,
        out: &mut Vec<Action>,
    ) {
        match result {
            Ok(true) => {
                let image = self.image_of(name);
                let launch = self.launch(name);
                if let Some(slot) = self.slots.get_mut(name) {
                    slot.pulling = true;
                    slot.view.waiting = Some(("ContainerCreating".into(), String::new()));
                }
                out.push(self.event("Normal", "Pulling", format!("Pulling image {image:?}")));
                out.extend(launch.map(Action::Pull));
                self.next_in_round(now, out);
            }
            Err(RuntimeError::Image { reason, message }) => {
                self.on_pulled(name, Err((reason, message)), now, out);
                self.next_in_round(now, out);
            }
            // Present, or the check failed: start anyway.
            Ok(false) | Err(_) => match self.launch(name) {
                Some(launch) => out.push(Action::Start(launch)),
                None => self.next_in_round(now, out),
            },
        }
    }

    pub(super) fn on_started(
        &mut self,
        name: &str,
        attempt: u32,
        result: Result<ContainerInfo, RuntimeError>,
        message: Option<String>,
        now: Now,
        out: &mut Vec<Action>,
    ) {
        let Some(slot) = self.slots.get_mut(name) else {
            return self.next_in_round(now, out);
        };
        slot.pulled = false;
        slot.next_attempt = attempt + 1;
        slot.restart_at = None;
        let info = match result {
            Ok(info) => info,
            Err(e) => {
                let reason = match &e {
                    RuntimeError::Start(_) => "RunContainerError",
                    RuntimeError::Config(_) => "CreateContainerConfigError",
                    RuntimeError::Image { reason, .. } => reason,
                    _ => "CreateContainerError",
                };
                slot.restart_at = Some(now.at + slot.backoff.next_delay());
                slot.view.waiting = Some((reason.into(), e.to_string()));
                out.push(self.event("Warning", "Failed", format!("Error: {e}")));
                return self.next_in_round(now, out);
            }
        };
        if let Some(old) = slot.view.current.take() {
            slot.view.previous_exit = terminated(&old);
            slot.older.insert(0, old.id);
        }
        // Keep one earlier instance for `logs --previous`.
        let stale: Vec<String> = slot.older.drain(1.min(slot.older.len())..).collect();
        slot.view.current = Some(info.clone());
        if let Some(m) = message {
            slot.view.message = Some((info.id.clone(), m));
        }
        slot.view.waiting = None;
        slot.view.ever_started = true;
        let message = match slot.view.previous_exit.as_ref().filter(|_| attempt > 0) {
            Some(t) => format!(
                "Restarted container {name} (restart {attempt}) after it exited with code {}",
                t.exit_code
            ),
            None => format!("Started container {name}"),
        };
        out.push(Action::WatchExit {
            container: name.to_string(),
            id: info.id.clone(),
        });
        self.start_prober(name, &info, out);
        if !stale.is_empty() {
            out.push(Action::Remove { ids: stale });
        }
        out.push(self.event("Normal", "Started", message));
        // It may have ended already (a command that exits at once).
        if info.state != RunState::Running {
            self.on_exit(name, info, now, out);
        }
        self.next_in_round(now, out);
    }
}
