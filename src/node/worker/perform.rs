//! Doing what the pod worker's decisions say, against the runtime, the API
//! and the node: resolving config (who each container runs as, by the pure
//! [`crate::node::security::decide`], then environment and volumes from
//! ConfigMaps, Secrets and the node, owned by those users; a refusal is a
//! config error), allocating host ports, preparing the sandbox, building
//! each container's spec and pulling or starting it (a process container
//! never starts before its user is decided), watching and probing instances
//! in the background, stopping them, reporting status and events, removing
//! the pod object. Nothing here decides: each action is done as it says,
//! and its result handed back.

use super::Worker;
use super::decide::{Action, Launch, Observation, Reported};
use super::hooks::{self, Hook};
use crate::api::Object;
use crate::api::service::Reach;
use crate::api::wire::Preconditions;
use crate::api::{ContainerPort, Kind, Pod, Protocol};
use crate::backoff::Backoff;
use crate::client::DeleteOptions;
use crate::node::env;
use crate::node::probe;
use crate::node::proxy::Services;
use crate::node::runtime::{ContainerInfo, ContainerSpec, RunState, Runtime, RuntimeError};
use crate::node::volumes::Resolved;
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where a container writes its termination message unless it says otherwise.
const DEFAULT_TERMINATION_PATH: &str = "/dev/termination-log";
/// The most of a termination message file that is kept, as Kubernetes keeps it.
const MESSAGE_MAX: usize = 4096;
/// The most of a log that `FallbackToLogsOnError` keeps (its last 80 lines).
const LOG_MESSAGE_MAX: usize = 2048;

/// The termination message of an exited instance: its file (at most 4096
/// bytes), else, with `FallbackToLogsOnError` and a failure, the last 80
/// lines of its log (at most 2048 bytes).
async fn termination_message(
    runtime: &dyn Runtime,
    info: &ContainerInfo,
    file: &std::path::Path,
    fallback: bool,
) -> String {
    use std::io::Read;
    let mut buf = vec![];
    if let Ok(f) = std::fs::File::open(file) {
        let _ = f.take(MESSAGE_MAX as u64).read_to_end(&mut buf);
    }
    let failed = matches!(&info.state, RunState::Exited { code, .. } if *code != 0);
    if buf.is_empty() && fallback && failed {
        let opts = crate::node::runtime::LogOptions {
            tail: Some(80),
            ..Default::default()
        };
        if let Ok(mut s) = runtime.logs(&info.id, opts).await {
            use futures::StreamExt;
            while let Some(Ok(chunk)) = s.next().await {
                buf.extend_from_slice(&chunk);
            }
        }
        if buf.len() > LOG_MESSAGE_MAX {
            buf.drain(..buf.len() - LOG_MESSAGE_MAX);
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Sidecars stopped after the app containers get at least this long before SIGKILL.
const SIDECAR_MIN_GRACE: Duration = Duration::from_secs(2);

/// Removing the pod object is tried every 2 s, at most this many times.
const DELETE_TRIES: usize = 30;
const DELETE_RETRY: Backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(2));

/// Allocates a free host port (TCP or UDP) by binding port 0.
fn free_port(protocol: Protocol) -> Option<i32> {
    let port = match protocol {
        Protocol::TCP => std::net::TcpListener::bind("0.0.0.0:0")
            .ok()?
            .local_addr()
            .ok()?
            .port(),
        Protocol::UDP => std::net::UdpSocket::bind("0.0.0.0:0")
            .ok()?
            .local_addr()
            .ok()?
            .port(),
    };
    Some(i32::from(port))
}

/// The spec of instance `launch` of a container of `pod`: its environment
/// (`HOSTNAME`, what the runtime injects, Kubernetes' service variables,
/// then the resolved env), `$(VAR)` expanded in command and args, limits
/// and mounts. `None` when the pod has no such container.
pub fn container_spec(
    pod: &Pod,
    launch: &Launch,
    runtime: &dyn Runtime,
    services: &Services,
    resolved: Option<&Resolved>,
) -> Option<ContainerSpec> {
    let name = launch.container.as_str();
    let c = pod.spec.container(name)?;
    // Kubernetes gives every container HOSTNAME = the pod's hostname (its
    // name by default); on the node's network, the node's.
    let hostname = if pod.spec.host_network() {
        nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_else(|| pod.hostname().to_string())
    } else {
        pod.hostname().to_string()
    };
    let mut injected = vec![("HOSTNAME".to_string(), hostname)];
    injected.extend(runtime.injected_env(&launch.ports));
    // Kubernetes' service variables, for the services that exist now (none
    // with `enableServiceLinks: false`), and always the API's Service's
    // (`KUBERNETES_SERVICE_HOST`...): their cluster IPs where the node
    // serves them to the pod, else the node's address and cluster ports.
    if let Some(host) = runtime.service_host() {
        let mut svcs = if pod.spec.enable_service_links != Some(false) {
            services.of(&pod.metadata.namespace)
        } else {
            vec![]
        };
        if !svcs.iter().any(|s| s.is_api_service()) {
            svcs.extend(
                services
                    .of(crate::api::DEFAULT_NAMESPACE)
                    .into_iter()
                    .filter(|s| s.is_api_service()),
            );
        }
        let refs: Vec<&crate::api::Service> = svcs.iter().map(|s| s.as_ref()).collect();
        let reach = if runtime.name() == "process" || services.serves_pod(&pod.metadata.uid) {
            Reach::ClusterIp
        } else {
            Reach::Node(&host)
        };
        injected.extend(crate::api::service::service_env(&refs, reach));
    }
    let mounts = resolved
        .and_then(|r| r.mounts.get(name).cloned())
        .unwrap_or_default();
    injected.extend(runtime.mount_env(&mounts));
    let spec_env: Vec<(String, String)> = match resolved.and_then(|r| r.env.get(name)) {
        Some(env) => env.clone(),
        None => c
            .env
            .iter()
            .filter(|e| e.value_from.is_none())
            .map(|e| (e.name.clone(), e.value.clone()))
            .collect(),
    };
    let env = env::build(&injected, &spec_env);
    let map: HashMap<String, String> = env.iter().cloned().collect();
    let limits = &c.resources.limits;
    let security = resolved
        .and_then(|r| r.security.get(name).cloned())
        .unwrap_or_default();
    Some(ContainerSpec {
        pod_uid: pod.metadata.uid.clone(),
        pod_name: pod.metadata.name.clone(),
        namespace: pod.metadata.namespace.clone(),
        container_name: name.to_string(),
        attempt: launch.attempt,
        image: c.image.clone(),
        command: c.command.iter().map(|s| env::expand(s, &map)).collect(),
        args: c.args.iter().map(|s| env::expand(s, &map)).collect(),
        env,
        working_dir: c.working_dir.clone(),
        ports: launch.ports.clone(),
        pull_policy: c.image_pull_policy,
        cpu_limit_milli: limits.get("cpu").map(|q| q.milli()),
        memory_limit_bytes: limits.get("memory").map(|q| q.value()),
        mounts,
        security,
        share_process_namespace: pod.spec.share_process_namespace == Some(true),
        registry_auths: resolved
            .map(|r| r.registry_auths.clone())
            .unwrap_or_default(),
        stdin: c.stdin == Some(true),
        tty: c.tty == Some(true),
    })
}

impl Worker {
    /// The pod with its node's address in its status, as the downward API
    /// gives it (a pod starting has not reported a status yet).
    fn with_host_ip(&self) -> std::sync::Arc<Pod> {
        let pod = self.state.pod();
        if !pod.status.host_ip.is_empty() {
            return pod.clone();
        }
        let mut p = (**pod).clone();
        p.status.host_ip = self.shared.host_ip.clone();
        std::sync::Arc::new(p)
    }

    /// Has the node's proxy serve cluster IPs inside the pod's own network
    /// namespace (runtimes that give pods one); says why in an event when
    /// it cannot, as the pod then reaches services the older way.
    async fn serve_cluster_ips(&self) {
        let Ok(rt) = &self.runtime else { return };
        let uid = self.state.pod().metadata.uid.clone();
        let Some(path) = rt.pod_netns(&uid).await else {
            return;
        };
        if let Err(why) = self.shared.services.join(&uid, path).await {
            tracing::warn!(pod = %self.key(), %why, "cluster IPs are not served inside the pod");
            let what = format!(
                "{why}: cluster IPs and cluster DNS names do not work inside this pod; it reaches Services at the Docker gateway and their cluster ports (service environment variables)"
            );
            self.event("Warning", "ClusterIPsUnavailable", &what).await;
        }
    }

    /// Who each container runs as and what its runtime applies, or why one cannot start.
    fn decide_security(
        &self,
    ) -> Result<HashMap<String, crate::node::security::ContainerSecurity>, String> {
        use crate::node::security;
        let runtime = self.runtime.as_ref().map_err(Clone::clone)?;
        security::decide_pod(
            self.state.pod(),
            security::Flavor::of(runtime.name()),
            &self.shared.users,
            &security::primary_group,
        )
    }

    /// The runtime and the spec for `launch`, or why there are none.
    fn launch_spec(
        &self,
        launch: &Launch,
    ) -> Result<(Arc<dyn Runtime>, ContainerSpec), RuntimeError> {
        let runtime = self.runtime.clone().map_err(RuntimeError::Start)?;
        let spec = container_spec(
            self.state.pod(),
            launch,
            runtime.as_ref(),
            &self.shared.services,
            self.resolved.as_ref(),
        )
        .ok_or_else(|| {
            RuntimeError::Start(format!("the pod has no container {:?}", launch.container))
        })?;
        // A host process never starts without its user decided.
        let decided = self
            .resolved
            .as_ref()
            .is_some_and(|r| r.security.contains_key(&launch.container));
        if runtime.name() == "process" && !decided {
            return Err(RuntimeError::Config(format!(
                "the user of container {:?} is not decided yet",
                launch.container
            )));
        }
        Ok((runtime, spec))
    }

    /// Does `action`; returns its result when it has one.
    pub(super) async fn perform(&mut self, action: Action) -> Option<Observation> {
        match action {
            Action::ResolveConfig => {
                let resolved = match self.decide_security() {
                    Ok(security) => {
                        crate::node::volumes::resolve(
                            &self.shared.client,
                            &self.with_host_ip(),
                            &self.shared.volumes,
                            security,
                        )
                        .await
                    }
                    Err(e) => Err(e),
                };
                // The kubelet's warning, for the runtime that pulls images.
                if let Ok(r) = &resolved
                    && !r.unusable_pull_secrets.is_empty()
                    && self.runtime.as_ref().is_ok_and(|rt| rt.name() == "docker")
                {
                    let message = format!(
                        "Unable to retrieve some image pull secrets ({}); attempting to pull the image may not succeed.",
                        r.unusable_pull_secrets.join(", ")
                    );
                    self.event("Warning", "FailedToRetrieveImagePullSecret", &message)
                        .await;
                }
                Some(Observation::ConfigResolved(resolved.map(|r| {
                    self.resolved = Some(r);
                })))
            }
            Action::AllocatePorts(needed) => Some(Observation::PortsAllocated(
                needed
                    .into_iter()
                    .map(|(name, ports)| {
                        let ports = ports
                            .into_iter()
                            .map(|p| ContainerPort {
                                host_port: p.host_port.or_else(|| free_port(p.protocol)),
                                ..p
                            })
                            .collect();
                        (name, ports)
                    })
                    .collect(),
            )),
            Action::PreparePod(sandbox) => {
                let result = match &self.runtime {
                    Ok(rt) => rt.prepare_pod(&sandbox).await,
                    Err(msg) => Err(RuntimeError::Other(msg.clone())),
                };
                if result.is_ok() {
                    self.serve_cluster_ips().await;
                }
                if let Err(e) = &result {
                    tracing::warn!(pod = %self.key(), error = %e, "preparing the pod failed");
                }
                if result.is_ok()
                    && let Some(note) = self
                        .runtime
                        .as_ref()
                        .ok()
                        .and_then(|rt| rt.dns_note(&sandbox))
                {
                    self.event("Warning", "DNSConfigForming", &note).await;
                }
                Some(Observation::PodPrepared(result))
            }
            Action::CheckImage(launch) => {
                let result = match self.launch_spec(&launch) {
                    Ok((rt, spec)) => rt.image_needs_pull(&spec).await,
                    Err(e) => Err(e),
                };
                match &result {
                    Err(RuntimeError::Image { reason, message }) => {
                        tracing::info!(pod = %self.key(), container = %launch.container, reason, %message, "image not available");
                    }
                    Err(e) => {
                        tracing::debug!(pod = %self.key(), container = %launch.container, error = %e, "checking the image failed; starting anyway");
                    }
                    Ok(_) => {}
                }
                Some(Observation::ImageChecked {
                    container: launch.container,
                    result,
                })
            }
            Action::Pull(launch) => {
                let tx = self.tx.clone();
                let container = launch.container.clone();
                match self.launch_spec(&launch) {
                    Ok((rt, spec)) => {
                        tokio::spawn(async move {
                            let t = Instant::now();
                            let result = match rt.pull_image(&spec).await {
                                Ok(()) => Ok(t.elapsed()),
                                Err(RuntimeError::Image { reason, message }) => {
                                    Err((reason, message))
                                }
                                Err(e) => Err(("ErrImagePull", e.to_string())),
                            };
                            let _ = tx.send(Observation::Pulled { container, result });
                        });
                    }
                    Err(e) => {
                        let result = Err(("ErrImagePull", e.to_string()));
                        let _ = tx.send(Observation::Pulled { container, result });
                    }
                }
                None
            }
            Action::Start(launch) => {
                let (result, message) = match self.launch_spec(&launch) {
                    Ok((rt, mut spec)) => {
                        tracing::debug!(pod = %self.key(), container = %launch.container, attempt = spec.attempt, "starting container");
                        self.termination_log(rt.name(), &mut spec);
                        self.service_account_token(rt.name(), &mut spec).await;
                        let started = rt.start(&spec).await;
                        if let Ok(info) = &started {
                            self.post_start(rt.as_ref(), info).await;
                        }
                        // Ended already (a command that exits at once): its
                        // message now, so the status saying it ended has it.
                        let mut message = None;
                        if let Ok(info) = &started
                            && info.state != RunState::Running
                        {
                            let (file, fallback) = self.message_source(&launch.container);
                            let m = termination_message(rt.as_ref(), info, &file, fallback).await;
                            message = (!m.is_empty()).then_some(m);
                        }
                        (started, message)
                    }
                    Err(e) => (Err(e), None),
                };
                if let Err(e) = &result {
                    tracing::warn!(pod = %self.key(), container = %launch.container, error = %e, "starting a container failed");
                }
                Some(Observation::ContainerStarted {
                    container: launch.container,
                    attempt: launch.attempt,
                    result,
                    message,
                })
            }
            Action::WatchExit { container, id } => {
                if let Ok(runtime) = self.runtime.clone() {
                    let (tx, pod) = (self.tx.clone(), self.key());
                    let (file, fallback) = self.message_source(&container);
                    tokio::spawn(async move {
                        let obs = match runtime.wait(&id).await {
                            Ok(info) => {
                                let message =
                                    termination_message(runtime.as_ref(), &info, &file, fallback)
                                        .await;
                                if !message.is_empty() {
                                    let _ = tx.send(Observation::Message {
                                        container: container.clone(),
                                        id: info.id.clone(),
                                        message,
                                    });
                                }
                                Observation::Exited { container, info }
                            }
                            Err(e) => {
                                tracing::warn!(%pod, %container, error = %e, "lost track of a container");
                                Observation::Woke
                            }
                        };
                        let _ = tx.send(obs);
                    });
                }
                None
            }
            Action::Probe {
                container,
                instance,
            } => {
                self.start_prober(container, instance);
                None
            }
            Action::StopProbing { container } => {
                if let Some(p) = self.probers.remove(&container) {
                    p.abort();
                }
                None
            }
            Action::Kill { id, grace } => {
                if let Ok(runtime) = self.runtime.clone() {
                    let stop = self.stop_one(runtime, id, grace, Instant::now());
                    tokio::spawn(stop);
                }
                None
            }
            Action::Remove { ids } => {
                if let Ok(runtime) = &self.runtime {
                    for id in ids {
                        let _ = runtime.remove(&id).await;
                    }
                }
                None
            }
            Action::StopAll {
                running,
                sidecars,
                instances,
                grace,
            } => {
                self.stop_all(running, sidecars, instances, grace).await;
                None
            }
            Action::RefreshVolumes => {
                // Marks what is announced now as seen: a later change wakes again.
                self.config_changes.borrow_and_update();
                // Files are written for the users decided at the last start.
                let Some(resolved) = &self.resolved else {
                    return None;
                };
                match crate::node::volumes::refresh(
                    &self.shared.client,
                    &self.with_host_ip(),
                    &self.shared.volumes,
                    &resolved.security,
                )
                .await
                {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::debug!(pod = %self.key(), volumes = n, "volume contents updated")
                    }
                    Err(e) => {
                        tracing::debug!(pod = %self.key(), error = %e, "refreshing volumes failed")
                    }
                }
                None
            }
            Action::Report(status) => Some(Observation::StatusReported(self.report(*status).await)),
            Action::Event {
                type_,
                reason,
                message,
            } => {
                self.event(type_, reason, &message).await;
                None
            }
            Action::DeletePod => {
                self.delete_pod().await;
                None
            }
            Action::CleanUpVolumes => {
                self.shared.volumes.cleanup(&self.state.pod().metadata.uid);
                None
            }
            // The loop in `super` ends a chain on these.
            Action::Wait { .. } | Action::Finish => None,
        }
    }

    /// Probes a running instance in its own task, replacing any earlier prober.
    fn start_prober(&mut self, container: String, instance: crate::node::runtime::ContainerInfo) {
        if let Some(p) = self.probers.remove(&container) {
            p.abort();
        }
        let Ok(runtime) = self.runtime.clone() else {
            return;
        };
        let Some(spec) = self.state.pod().spec.container(&container).cloned() else {
            return;
        };
        let target = probe::Target {
            host: "127.0.0.1".into(),
            pod_ip: None,
            container: spec,
            instance,
        };
        let tx = self.tx.clone();
        let (name, id) = (container.clone(), target.instance.id.clone());
        let report = move |report| {
            tx.send(Observation::Probed {
                container: name.clone(),
                id: id.clone(),
                report,
            })
            .is_ok()
        };
        let task = tokio::spawn(probe::run(runtime, target, report));
        self.probers.insert(container, task.abort_handle());
    }

    /// Ends every prober, stops the running instances within `grace`, then
    /// the sidecars one by one within what is left of it (at least
    /// [`SIDECAR_MIN_GRACE`]), then removes every instance and the pod's sandbox.
    async fn stop_all(
        &mut self,
        running: Vec<String>,
        sidecars: Vec<String>,
        instances: Vec<String>,
        grace: Duration,
    ) {
        for (_, p) in self.probers.drain() {
            p.abort();
        }
        let Ok(runtime) = self.runtime.clone() else {
            return;
        };
        let began = Instant::now();
        let stops = running
            .into_iter()
            .map(|id| self.stop_one(runtime.clone(), id, grace, began));
        futures::future::join_all(stops).await;
        for id in sidecars {
            let left = grace.saturating_sub(began.elapsed()).max(SIDECAR_MIN_GRACE);
            self.stop_one(runtime.clone(), id, left, Instant::now())
                .await;
        }
        for id in &instances {
            let _ = runtime.remove(id).await;
        }
        self.shared.services.leave(&self.state.pod().metadata.uid);
        if let Err(e) = runtime.remove_pod(&self.state.pod().metadata.uid).await {
            tracing::warn!(pod = %self.key(), error = %e, "removing the pod sandbox failed");
        }
    }

    /// Where a container's termination message comes from: its file, and
    /// whether its log stands in on a failure (`FallbackToLogsOnError`).
    fn message_source(&self, container: &str) -> (std::path::PathBuf, bool) {
        let fallback = self
            .state
            .pod()
            .spec
            .container(container)
            .is_some_and(|c| c.termination_message_policy == "FallbackToLogsOnError");
        (self.termination_file(container), fallback)
    }

    /// The host file a container writes its termination message to.
    fn termination_file(&self, container: &str) -> std::path::PathBuf {
        self.shared
            .volumes
            .pods
            .join(&self.state.pod().metadata.uid)
            .join("termination")
            .join(container)
    }

    /// Makes the container's termination message file, empty, writable by
    /// its user, and shows it to the container: mounted at
    /// `terminationMessagePath` (default `/dev/termination-log`) on docker,
    /// as `$ORK_TERMINATION_MESSAGE_PATH` on the process runtime.
    fn termination_log(&self, runtime: &str, spec: &mut ContainerSpec) {
        // Only these runtimes give the container the file.
        if !matches!(runtime, "docker" | "process") {
            return;
        }
        let pod = self.state.pod();
        let Some(c) = pod.spec.container(&spec.container_name) else {
            return;
        };
        let dir = match crate::node::volumes::traversable_dirs(
            &self.shared.volumes.pods,
            &[&pod.metadata.uid, "termination"],
        ) {
            Ok(d) => d,
            Err(e) => {
                tracing::debug!(pod = %self.key(), error = %e, "no termination message file");
                return;
            }
        };
        let file = dir.join(&c.name);
        if std::fs::write(&file, b"").is_err()
            || std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).is_err()
        {
            return;
        }
        match runtime {
            "docker" => spec.mounts.push(crate::node::volumes::Mount {
                volume: "termination-log".into(),
                host_path: file,
                container_path: if c.termination_message_path.is_empty() {
                    DEFAULT_TERMINATION_PATH.into()
                } else {
                    c.termination_message_path.clone()
                },
                read_only: false,
                ..Default::default()
            }),
            "process" => spec.env.push((
                "ORK_TERMINATION_MESSAGE_PATH".into(),
                file.display().to_string(),
            )),
            _ => {}
        }
    }

    /// The container and instance whose current instance is `id`.
    fn instance(&self, id: &str) -> Option<(crate::api::Container, ContainerInfo)> {
        let view = self
            .state
            .views()
            .into_iter()
            .find(|v| v.current.as_ref().is_some_and(|c| c.id == id))?;
        let c = self.state.pod().spec.container(&view.name)?.clone();
        Some((c, view.current?))
    }

    /// Runs the postStart hook of a container just started; when it fails,
    /// records `FailedPostStartHook` and kills the instance (its exit then
    /// goes through restartPolicy as any other).
    async fn post_start(&self, runtime: &dyn Runtime, info: &ContainerInfo) {
        let pod = self.state.pod().clone();
        let Some(c) = pod.spec.container(&info.container_name) else {
            return;
        };
        if !hooks::has(Hook::PostStart, c) {
            return;
        }
        let limit = hooks::POST_START_LIMIT;
        if let Err(message) = hooks::run(Hook::PostStart, runtime, &pod, c, info, limit).await {
            tracing::info!(pod = %self.key(), container = %c.name, %message, "postStart hook failed");
            self.event("Warning", Hook::PostStart.failed_reason(), &message)
                .await;
            let _ = runtime.stop(&info.id, SIDECAR_MIN_GRACE).await;
        }
    }

    /// Stops one instance: its preStop hook first (a failure is an event),
    /// then SIGTERM and SIGKILL within what is left of `grace` since `began`.
    fn stop_one(
        &self,
        runtime: Arc<dyn Runtime>,
        id: String,
        grace: Duration,
        began: Instant,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let hook = self
            .instance(&id)
            .filter(|(c, i)| hooks::has(Hook::PreStop, c) && i.state == RunState::Running);
        let pod = self.state.pod().clone();
        let (client, node, key) = (
            self.shared.client.clone(),
            self.shared.node_name.clone(),
            self.key(),
        );
        async move {
            if let Some((c, info)) = hook {
                let limit = grace.saturating_sub(began.elapsed());
                let run = hooks::run(Hook::PreStop, runtime.as_ref(), &pod, &c, &info, limit);
                let result = match tokio::time::timeout(limit, run).await {
                    Ok(r) => r,
                    Err(_) => Err(format!(
                        "PreStop hook for Container {:?} did not finish within the grace period ({}s)",
                        c.name,
                        grace.as_secs()
                    )),
                };
                if let Err(message) = result {
                    tracing::info!(pod = %key, container = %c.name, %message, "preStop hook failed");
                    super::record_event(
                        &client,
                        &node,
                        pod.as_ref().clone().into_any(),
                        "Warning",
                        Hook::PreStop.failed_reason(),
                        &message,
                    )
                    .await;
                }
            }
            let left = grace.saturating_sub(began.elapsed());
            if let Err(e) = runtime.stop(&id, left).await {
                tracing::warn!(pod = %key, error = %e, "stopping a container failed");
            }
        }
    }

    /// Sends the pod with `status`.
    async fn report(&self, status: crate::api::PodStatus) -> Reported {
        let mut p = self.state.pod().as_ref().clone();
        p.status = status;
        p.metadata.resource_version.clear();
        match self.shared.client.replace_status(&p).await {
            Ok(updated) => Reported::Accepted(Box::new(updated)),
            Err(e) if e.is_not_found() || e.is_conflict() => Reported::Gone,
            Err(e) => {
                tracing::debug!(pod = %self.key(), error = %e, "status report failed; retrying");
                Reported::Failed
            }
        }
    }

    /// Removes the pod object (this uid only, at once: its containers are stopped).
    async fn delete_pod(&self) {
        let pod = self.state.pod();
        let opts = DeleteOptions {
            grace_period_seconds: Some(0),
            preconditions: Some(Preconditions {
                uid: Some(pod.metadata.uid.clone()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let (ns, name) = (&pod.metadata.namespace, &pod.metadata.name);
        let mut retry = DELETE_RETRY;
        for _ in 0..DELETE_TRIES {
            match self.shared.client.delete(Kind::Pod, ns, name, &opts).await {
                Ok(_) => return,
                Err(e) if e.is_not_found() || e.is_conflict() => return,
                Err(e) => {
                    tracing::debug!(pod = %self.key(), error = %e, "removing the pod failed; retrying");
                    tokio::time::sleep(retry.next_delay()).await;
                }
            }
        }
    }
}
