//! The docker runtime: containers through the Docker engine (bollard).
//!
//! - Each pod gets a sandbox container that owns its network namespace and
//!   publishes its ports on their host ports ([`sandbox`]); its containers
//!   join that namespace, so they reach each other on `127.0.0.1` and are
//!   reached from outside on the host ports reported in the pod's status.
//! - Images are pulled as `imagePullPolicy` says ([`image`]).
//! - `ork exec` and exec probes run as engine execs (`exec`).
//! - `command`/`args` replace the image's entrypoint/cmd, as in Kubernetes;
//!   `env`, `workingDir`, and `resources.limits` (CPU as NanoCpus, memory in
//!   bytes) are passed on.
//! - `securityContext`, as the node decided it ([`crate::node::security`]):
//!   `runAsUser`/`runAsGroup` as the container's `User` (else the image's),
//!   `fsGroup` as an extra group, capabilities added and dropped,
//!   `no-new-privileges`, a read-only root filesystem, the seccomp profile
//!   (`Unconfined`, a `Localhost` file of `<data-dir>/seccomp`, Docker's
//!   default otherwise) and the AppArmor profile ([`security`]). Under
//!   `runAsNonRoot` without `runAsUser`, an image whose user is root (or
//!   is a name, which cannot be checked) is refused at start
//!   (`CreateContainerConfigError`), as the kubelet does.
//! - `shareProcessNamespace`: every container joins the sandbox's process
//!   namespace (`--pid container:<sandbox>`), so `ork pause` is PID 1 and
//!   the containers see each other's processes, as with Kubernetes' pause.
//! - `stdin` keeps the container's stdin open and `tty` gives it a
//!   terminal, as `docker run -i -t` does (nothing attaches to them).
//! - Docker's own restart policy is off: the pod worker restarts containers,
//!   with the same backoff as every runtime.
//! - Everything ork makes carries labels (`ork.dev/managed`, `ork.dev/pod-uid`,
//!   `ork.dev/pod`, `ork.dev/namespace`, `ork.dev/container`,
//!   `ork.dev/attempt`, `ork.dev/ports`), which is how a restarted node daemon
//!   finds and adopts them, and `ork.dev/node-id`, the id of the node daemon's
//!   data dir: several ork nodes (or clusters) may share one engine, and each
//!   only ever lists, adopts or removes its own.

pub mod busybox;
pub mod check;
mod exec;
pub mod image;
pub mod sandbox;
pub mod security;

use super::{
    ContainerInfo, ContainerSpec, ExecRequest, ExecSession, LogOptions, LogStream, PodSandbox,
    RunState, Runtime, RuntimeError, Usage,
};
use crate::api::{ContainerPort, PullPolicy, Time};
use crate::node::security::Profile;
use async_trait::async_trait;
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::models::{
    ContainerCreateBody, ContainerSummary, ContainerSummaryStateEnum, HostConfig,
};
use bollard::query_parameters::{
    CreateContainerOptions, InspectContainerOptions, ListContainersOptions, LogsOptions,
    RemoveContainerOptions, StartContainerOptions, StatsOptions, StopContainerOptions,
    WaitContainerOptions,
};
use futures::StreamExt;
use security::{root_image_refusal, security_opt};
use std::collections::HashMap;
use std::time::Duration;

pub const LABEL_MANAGED: &str = "ork.dev/managed";
pub const LABEL_ROLE: &str = "ork.dev/role";
pub const LABEL_POD_UID: &str = "ork.dev/pod-uid";
pub const LABEL_POD: &str = "ork.dev/pod";
pub const LABEL_NAMESPACE: &str = "ork.dev/namespace";
pub const LABEL_CONTAINER: &str = "ork.dev/container";
pub const LABEL_ATTEMPT: &str = "ork.dev/attempt";
pub const LABEL_PORTS: &str = "ork.dev/ports";
pub const LABEL_NODE_ID: &str = "ork.dev/node-id";

/// An engine error, said with what ork was doing.
pub fn docker_err(what: &str, e: bollard::errors::Error) -> RuntimeError {
    RuntimeError::Other(format!("{what}: {}", engine_message(&e)))
}

/// What the engine said, without bollard's wrapping.
fn engine_message(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

fn not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// Removes a container (by id or name), running or not, with its anonymous
/// volumes; one that is already gone is no error.
pub async fn force_remove(docker: &Docker, id: &str) -> Result<(), bollard::errors::Error> {
    let opts = RemoveContainerOptions {
        force: true,
        v: true,
        ..Default::default()
    };
    match docker.remove_container(id, Some(opts)).await {
        Err(e) if not_found(&e) => Ok(()),
        r => r,
    }
}

/// Creates and starts a container called `name` (a leftover of that name, from
/// a start cut short, goes first) and returns its id. A container that does
/// not start is removed. Errors say `creating {what}` or `starting
/// {what}{start_hint}`, with the engine's message.
async fn create_and_start(
    docker: &Docker,
    name: String,
    body: ContainerCreateBody,
    what: &str,
    start_hint: &str,
) -> Result<String, RuntimeError> {
    let _ = force_remove(docker, &name).await;
    let opts = CreateContainerOptions {
        name: Some(name),
        ..Default::default()
    };
    let created = docker
        .create_container(Some(opts), body)
        .await
        .map_err(|e| docker_err(&format!("creating {what}"), e))?;
    if let Err(e) = docker
        .start_container(&created.id, None::<StartContainerOptions>)
        .await
    {
        let _ = force_remove(docker, &created.id).await;
        // Name the real cause when the engine's message hides it.
        let msg = engine_message(&e);
        let hint = match check::explain(&msg) {
            Some((_, cause)) => format!(" ({cause})"),
            None => start_hint.to_string(),
        };
        return Err(RuntimeError::Other(format!("starting {what}{hint}: {msg}")));
    }
    Ok(created.id)
}

/// Every container (running or not) carrying all the labels `pairs`.
async fn list_labelled(
    docker: &Docker,
    pairs: &[(&str, &str)],
    what: &str,
) -> Result<Vec<ContainerSummary>, RuntimeError> {
    let filters = HashMap::from([(
        "label".to_string(),
        pairs.iter().map(|(k, v)| format!("{k}={v}")).collect(),
    )]);
    let opts = ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    };
    docker
        .list_containers(Some(opts))
        .await
        .map_err(|e| docker_err(what, e))
}

/// The labels of everything ork makes for a pod of node `scope`: `role` is
/// `container` or `sandbox`.
fn pod_labels(
    scope: &str,
    role: &str,
    pod_uid: &str,
    pod_name: &str,
    namespace: &str,
) -> HashMap<String, String> {
    [
        (LABEL_MANAGED, "true"),
        (LABEL_NODE_ID, scope),
        (LABEL_ROLE, role),
        (LABEL_POD_UID, pod_uid),
        (LABEL_POD, pod_name),
        (LABEL_NAMESPACE, namespace),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The first eight letters and digits of a pod uid, for engine names.
fn short_uid(pod_uid: &str) -> String {
    pod_uid
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect()
}

/// Containers through a Docker engine.
pub struct DockerRuntime {
    docker: Docker,
    /// The `ork.dev/node-id` of everything this runtime makes and sees.
    scope: String,
    /// The engine's version, for the Node's `containerRuntimeVersion`.
    pub version: String,
    /// The default bridge's gateway: where containers reach this machine
    /// (and its service proxy).
    gateway: Option<String>,
    /// The node's cluster DNS, served inside each pod's network namespace.
    dns: Option<crate::node::dns::NodeDns>,
    /// Where `Localhost` seccomp profiles are (`<data-dir>/seccomp`).
    seccomp_dir: std::path::PathBuf,
    /// Whether the engine confines containers with AppArmor.
    app_armor: bool,
}

fn time(s: Option<&str>) -> Time {
    s.and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| Time(t.with_timezone(&chrono::Utc)))
        .filter(|t| t.0.timestamp() > 0)
        .unwrap_or_else(Time::now)
}

/// The first host address of an IPv4 subnet (`172.17.0.0/16` → `172.17.0.1`).
fn first_address(subnet: &str) -> Option<String> {
    let (net, _) = subnet.split_once('/')?;
    let ip: std::net::Ipv4Addr = net.parse().ok()?;
    Some(std::net::Ipv4Addr::from(u32::from(ip) + 1).to_string())
}

impl DockerRuntime {
    /// Connects to the engine (`DOCKER_HOST`, or the default socket) and
    /// checks it answers. `scope` is the node's id: this runtime only sees
    /// containers carrying it.
    pub async fn connect(scope: &str) -> Result<Self, RuntimeError> {
        let docker = Docker::connect_with_local_defaults()
            .map_err(|e| docker_err("connecting to the Docker engine", e))?;
        let docker = tokio::time::timeout(Duration::from_secs(3), docker.negotiate_version())
            .await
            .map_err(|_| RuntimeError::Other("the Docker engine did not answer within 3 s".into()))?
            .map_err(|e| docker_err("connecting to the Docker engine", e))?;
        let version = tokio::time::timeout(Duration::from_secs(3), docker.version())
            .await
            .map_err(|_| RuntimeError::Other("the Docker engine did not answer within 3 s".into()))?
            .map_err(|e| docker_err("asking the Docker engine its version", e))?
            .version
            .unwrap_or_default();
        // The gateway, or (engines that leave it out) the subnet's first address.
        let gateway = docker
            .inspect_network("bridge", None)
            .await
            .ok()
            .and_then(|n| n.ipam)
            .and_then(|i| i.config)
            .and_then(|c| {
                c.into_iter().find_map(|c| {
                    c.gateway
                        .filter(|g| g.parse::<std::net::Ipv4Addr>().is_ok())
                        .or_else(|| first_address(c.subnet.as_deref()?))
                })
            });
        let app_armor = docker
            .info()
            .await
            .ok()
            .and_then(|i| i.security_options)
            .is_some_and(|o| o.iter().any(|o| o == "name=apparmor"));
        Ok(DockerRuntime {
            docker,
            scope: scope.to_string(),
            version,
            gateway,
            dns: None,
            seccomp_dir: std::path::PathBuf::from("seccomp"),
            app_armor,
        })
    }

    /// Reads `Localhost` seccomp profiles from `dir` (the node's
    /// `<data-dir>/seccomp`, as the kubelet's `<root-dir>/seccomp`).
    pub fn with_seccomp_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.seccomp_dir = dir;
        self
    }

    /// Serves the cluster DNS again in the pods this node already runs.
    pub async fn adopt_dns(&self) {
        if let Some(d) = &self.dns {
            sandbox::adopt_dns(&self.docker, &self.scope, d).await;
        }
    }

    /// Gives pods the node's cluster DNS (when the node can enter their
    /// network namespaces: it runs as root).
    pub fn with_dns(mut self, dns: Option<crate::node::dns::NodeDns>) -> Self {
        self.dns = dns;
        self
    }

    /// The engine connection (for building images).
    pub fn engine(&self) -> &Docker {
        &self.docker
    }

    /// Where the engine is: `DOCKER_HOST`, or the default socket.
    pub fn endpoint() -> String {
        std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unix:///var/run/docker.sock".into())
    }

    /// Every container of this node on the engine (pod containers and sandboxes).
    async fn all_ids(&self) -> Result<Vec<String>, RuntimeError> {
        let pairs = [
            (LABEL_MANAGED, "true"),
            (LABEL_NODE_ID, self.scope.as_str()),
        ];
        let list = list_labelled(&self.docker, &pairs, "listing containers").await?;
        Ok(list.into_iter().filter_map(|c| c.id).collect())
    }

    /// Removes every container this node made (`ork down`).
    pub async fn remove_everything(&self) -> Result<usize, RuntimeError> {
        let ids = self.all_ids().await?;
        for id in &ids {
            self.remove(id).await?;
        }
        Ok(ids.len())
    }

    /// The instance as ork records it, from the engine's view of it.
    async fn info(&self, id: &str) -> Result<ContainerInfo, RuntimeError> {
        let c = self
            .docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .map_err(|e| {
                if not_found(&e) {
                    RuntimeError::NotFound(id.to_string())
                } else {
                    docker_err("inspecting a container", e)
                }
            })?;
        let labels = c
            .config
            .as_ref()
            .and_then(|c| c.labels.clone())
            .unwrap_or_default();
        let st = c.state.unwrap_or_default();
        let state = if st.running == Some(true) {
            RunState::Running
        } else {
            let code = st.exit_code.unwrap_or(0) as i32;
            let reason = if st.oom_killed == Some(true) {
                "OOMKilled"
            } else if code == 0 {
                "Completed"
            } else {
                "Error"
            };
            RunState::Exited {
                code,
                signal: (code > 128).then_some(code - 128),
                finished_at: time(st.finished_at.as_deref()),
                reason: reason.into(),
            }
        };
        Ok(ContainerInfo {
            id: c.id.unwrap_or_else(|| id.to_string()),
            pod_uid: labels.get(LABEL_POD_UID).cloned().unwrap_or_default(),
            pod_name: labels.get(LABEL_POD).cloned().unwrap_or_default(),
            namespace: labels.get(LABEL_NAMESPACE).cloned().unwrap_or_default(),
            container_name: labels.get(LABEL_CONTAINER).cloned().unwrap_or_default(),
            attempt: labels
                .get(LABEL_ATTEMPT)
                .and_then(|a| a.parse().ok())
                .unwrap_or(0),
            started_at: time(st.started_at.as_deref()),
            state,
            ports: labels
                .get(LABEL_PORTS)
                .and_then(|p| serde_json::from_str::<Vec<ContainerPort>>(p).ok())
                .unwrap_or_default(),
        })
    }
}

fn labels(scope: &str, spec: &ContainerSpec) -> HashMap<String, String> {
    let mut l = pod_labels(
        scope,
        "container",
        &spec.pod_uid,
        &spec.pod_name,
        &spec.namespace,
    );
    l.extend([
        (LABEL_CONTAINER.to_string(), spec.container_name.clone()),
        (LABEL_ATTEMPT.to_string(), spec.attempt.to_string()),
        (
            LABEL_PORTS.to_string(),
            serde_json::to_string(&spec.ports).unwrap_or_default(),
        ),
    ]);
    l
}

/// The engine's container name for an instance.
pub fn container_name(spec: &ContainerSpec) -> String {
    format!(
        "ork_{}_{}_{}_{}_{}",
        spec.namespace,
        spec.pod_name,
        spec.container_name,
        spec.attempt,
        short_uid(&spec.pod_uid)
    )
}

fn log_bytes(o: LogOutput) -> bytes::Bytes {
    match o {
        LogOutput::StdOut { message }
        | LogOutput::StdErr { message }
        | LogOutput::Console { message }
        | LogOutput::StdIn { message } => message,
    }
}

#[async_trait]
impl Runtime for DockerRuntime {
    fn service_host(&self) -> Option<String> {
        self.gateway.clone()
    }

    fn name(&self) -> &'static str {
        "docker"
    }

    async fn prepare_pod(&self, pod: &PodSandbox) -> Result<(), RuntimeError> {
        sandbox::ensure(&self.docker, &self.scope, pod, self.dns.as_ref())
            .await
            .map(|_| ())
    }

    async fn remove_pod(&self, pod_uid: &str) -> Result<(), RuntimeError> {
        if let Some(d) = &self.dns {
            d.pods.detach(pod_uid);
        }
        sandbox::remove(&self.docker, &self.scope, pod_uid).await
    }

    async fn prepared_pods(&self) -> Result<Vec<String>, RuntimeError> {
        Ok(sandbox::list(&self.docker, &self.scope, None)
            .await?
            .into_iter()
            .map(|s| s.pod_uid)
            .collect())
    }

    async fn pod_ip(&self, pod_uid: &str) -> Option<String> {
        let sb = sandbox::list(&self.docker, &self.scope, Some(pod_uid))
            .await
            .ok()?
            .into_iter()
            .next()?;
        let c = self
            .docker
            .inspect_container(&sb.id, None::<InspectContainerOptions>)
            .await
            .ok()?;
        let nets = c.network_settings?.networks?;
        nets.values()
            .filter_map(|n| n.ip_address.clone())
            .find(|ip| !ip.is_empty())
    }

    async fn pod_netns(&self, pod_uid: &str) -> Option<std::path::PathBuf> {
        let sb = sandbox::list(&self.docker, &self.scope, Some(pod_uid))
            .await
            .ok()?
            .into_iter()
            .find(|s| s.running)?;
        let c = self
            .docker
            .inspect_container(&sb.id, None::<InspectContainerOptions>)
            .await
            .ok()?;
        // A pod on the node's network has no namespace of its own.
        if c.host_config.and_then(|h| h.network_mode).as_deref() == Some("host") {
            return None;
        }
        let pid = c.state?.pid.filter(|p| *p > 0)?;
        Some(format!("/proc/{pid}/ns/net").into())
    }

    async fn image_needs_pull(&self, spec: &ContainerSpec) -> Result<bool, RuntimeError> {
        image::needs_pull(&self.docker, &spec.image, spec.pull_policy).await
    }

    async fn pull_image(&self, spec: &ContainerSpec) -> Result<(), RuntimeError> {
        image::pull(&self.docker, &spec.image, &spec.registry_auths).await
    }

    async fn start(&self, spec: &ContainerSpec) -> Result<ContainerInfo, RuntimeError> {
        if spec.image.is_empty() {
            return Err(RuntimeError::Start(format!(
                "container {:?} has no image: the docker runtime runs images",
                spec.container_name
            )));
        }
        // The pod worker has pulled as the policy says (`pull_image`); here a
        // missing image is only pulled when the policy allows a pull at all.
        let policy = match image::effective_policy(&spec.image, spec.pull_policy) {
            PullPolicy::Never => PullPolicy::Never,
            _ => PullPolicy::IfNotPresent,
        };
        if image::needs_pull(&self.docker, &spec.image, Some(policy)).await? {
            image::pull(&self.docker, &spec.image, &spec.registry_auths).await?;
        }
        let sec = &spec.security;
        if sec.require_non_root_image {
            let user = self
                .docker
                .inspect_image(&spec.image)
                .await
                .map_err(|e| docker_err("inspecting the image", e))?
                .config
                .and_then(|c| c.user)
                .unwrap_or_default();
            if let Some(why) = root_image_refusal(&spec.image, &user) {
                return Err(RuntimeError::Config(why));
            }
        }
        let seccomp_file = match &sec.seccomp {
            Profile::Localhost(file) => {
                let path = self.seccomp_dir.join(file);
                Some(tokio::fs::read_to_string(&path).await.map_err(|e| {
                    RuntimeError::Config(format!(
                        "cannot load seccomp profile {:?}: {e}",
                        path.display().to_string()
                    ))
                })?)
            }
            _ => None,
        };
        let security_opt = security_opt(sec, seccomp_file.as_deref(), self.app_armor)
            .map_err(RuntimeError::Config)?;
        let sandbox = sandbox::list(&self.docker, &self.scope, Some(&spec.pod_uid))
            .await?
            .into_iter()
            .find(|s| s.running)
            .map(|s| s.id)
            .ok_or_else(|| RuntimeError::Start("the pod's sandbox is not running".into()))?;
        let name = container_name(spec);
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            entrypoint: (!spec.command.is_empty()).then(|| spec.command.clone()),
            cmd: (!spec.args.is_empty()).then(|| spec.args.clone()),
            env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            working_dir: (!spec.working_dir.is_empty()).then(|| spec.working_dir.clone()),
            open_stdin: spec.stdin.then_some(true),
            tty: spec.tty.then_some(true),
            labels: Some(labels(&self.scope, spec)),
            user: sec.user.map(|u| match u.gid {
                Some(g) => format!("{}:{g}", u.uid),
                None => u.uid.to_string(),
            }),
            host_config: Some(HostConfig {
                cap_add: (!sec.cap_add.is_empty()).then(|| sec.cap_add.clone()),
                cap_drop: (!sec.cap_drop.is_empty()).then(|| sec.cap_drop.clone()),
                group_add: {
                    let groups: Vec<String> = sec
                        .extra_group
                        .iter()
                        .chain(&sec.supplemental_groups)
                        .map(|g| g.to_string())
                        .collect();
                    (!groups.is_empty()).then_some(groups)
                },
                privileged: sec.privileged.then_some(true),
                readonly_rootfs: sec.read_only_root.then_some(true),
                security_opt: (!security_opt.is_empty()).then_some(security_opt),
                network_mode: Some(format!("container:{sandbox}")),
                ipc_mode: Some(format!("container:{sandbox}")),
                pid_mode: spec
                    .share_process_namespace
                    .then(|| format!("container:{sandbox}")),
                binds: spec.mounts.iter().any(|m| !m.tmpfs).then(|| {
                    spec.mounts
                        .iter()
                        .filter(|m| !m.tmpfs)
                        .map(|m| {
                            let ro = if m.read_only { ":ro" } else { "" };
                            format!("{}:{}{ro}", m.host_path.display(), m.container_path)
                        })
                        .collect()
                }),
                // Memory emptyDirs the node could not mount itself (not root).
                tmpfs: spec.mounts.iter().any(|m| m.tmpfs).then(|| {
                    spec.mounts
                        .iter()
                        .filter(|m| m.tmpfs)
                        .map(|m| {
                            let size = m.size_limit.map(|s| format!(",size={s}"));
                            (
                                m.container_path.clone(),
                                format!("mode=1777{}", size.unwrap_or_default()),
                            )
                        })
                        .collect()
                }),
                nano_cpus: spec.cpu_limit_milli.map(|m| (m * 1_000_000) as i64),
                memory: spec.memory_limit_bytes.map(|b| b as i64),
                // ork, not the engine, applies restartPolicy and backoff.
                restart_policy: Some(bollard::models::RestartPolicy {
                    name: Some(bollard::models::RestartPolicyNameEnum::NO),
                    maximum_retry_count: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let id = create_and_start(&self.docker, name, body, "the container", "")
            .await
            .map_err(|e| match e {
                RuntimeError::Other(m) => RuntimeError::Start(m),
                other => other,
            })?;
        self.info(&id).await
    }

    async fn wait(&self, id: &str) -> Result<ContainerInfo, RuntimeError> {
        let mut s = self.docker.wait_container(
            id,
            Some(WaitContainerOptions {
                condition: "not-running".into(),
            }),
        );
        // The stream ends (or errs with the exit code) once the container stops.
        let _ = s.next().await;
        match self.info(id).await {
            Ok(i) if i.state == RunState::Running => {
                // The wait was cut short (engine restart): wait again.
                Box::pin(self.wait(id)).await
            }
            Ok(i) => Ok(i),
            Err(RuntimeError::NotFound(_)) => Err(RuntimeError::NotFound(id.to_string())),
            Err(e) => Err(e),
        }
    }

    async fn stop(&self, id: &str, grace: Duration) -> Result<(), RuntimeError> {
        let opts = StopContainerOptions {
            t: Some(grace.as_secs().min(i32::MAX as u64) as i32),
            ..Default::default()
        };
        match self.docker.stop_container(id, Some(opts)).await {
            Ok(()) => Ok(()),
            Err(e) if not_found(&e) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            Err(e) => Err(docker_err("stopping the container", e)),
        }
    }

    async fn remove(&self, id: &str) -> Result<(), RuntimeError> {
        force_remove(&self.docker, id)
            .await
            .map_err(|e| docker_err("removing the container", e))
    }

    async fn list(&self) -> Result<Vec<ContainerInfo>, RuntimeError> {
        let pairs = [
            (LABEL_MANAGED, "true"),
            (LABEL_ROLE, "container"),
            (LABEL_NODE_ID, self.scope.as_str()),
        ];
        let list = list_labelled(&self.docker, &pairs, "listing containers").await?;
        let mut out = vec![];
        for c in list {
            let Some(id) = c.id else { continue };
            if c.state == Some(ContainerSummaryStateEnum::REMOVING) {
                continue;
            }
            match self.info(&id).await {
                Ok(i) => out.push(i),
                Err(RuntimeError::NotFound(_)) => {}
                Err(e) => tracing::warn!(container = %id, error = %e, "skipping a container"),
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    async fn logs(&self, id: &str, opts: LogOptions) -> Result<LogStream, RuntimeError> {
        let o = LogsOptions {
            follow: opts.follow,
            stdout: true,
            stderr: true,
            tail: opts
                .tail
                .map(|n| n.to_string())
                .unwrap_or_else(|| "all".into()),
            since: opts
                .since
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| i32::try_from(d.as_secs()).unwrap_or(0)),
            timestamps: opts.timestamps,
            ..Default::default()
        };
        let s = self
            .docker
            .logs(id, Some(o))
            .map(|r| r.map(log_bytes).map_err(|e| docker_err("reading logs", e)));
        Ok(Box::pin(s))
    }

    async fn exec_session(&self, id: &str, req: ExecRequest) -> Result<ExecSession, RuntimeError> {
        exec::session(&self.docker, id, req).await
    }

    async fn stats(&self, id: &str) -> Result<Usage, RuntimeError> {
        let mut s = self.docker.stats(
            id,
            Some(StatsOptions {
                stream: false,
                one_shot: true,
            }),
        );
        let st = s
            .next()
            .await
            .ok_or_else(|| RuntimeError::Other("no stats".into()))?
            .map_err(|e| docker_err("reading stats", e))?;
        let cpu = st
            .cpu_stats
            .as_ref()
            .and_then(|c| c.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0);
        let mem = st.memory_stats.as_ref();
        let usage = mem.and_then(|m| m.usage).unwrap_or(0);
        // The working set, as Kubernetes reports memory: usage minus reclaimable cache.
        let cache = mem
            .and_then(|m| m.stats.as_ref())
            .and_then(|s| {
                s.get("inactive_file")
                    .or_else(|| s.get("total_inactive_file"))
                    .copied()
            })
            .unwrap_or(0);
        Ok(Usage {
            cpu_nanos: cpu,
            memory_bytes: usage.saturating_sub(cache),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_names_are_unique_per_pod_container_and_attempt() {
        let spec = ContainerSpec {
            pod_uid: "1234abcd-5678".into(),
            pod_name: "web-x".into(),
            namespace: "default".into(),
            container_name: "app".into(),
            attempt: 2,
            ..Default::default()
        };
        assert_eq!(container_name(&spec), "ork_default_web-x_app_2_1234abcd");
        let l = labels("node-1", &spec);
        assert_eq!(l[LABEL_NODE_ID], "node-1");
        assert_eq!(l[LABEL_POD_UID], "1234abcd-5678");
        assert_eq!(l[LABEL_ATTEMPT], "2");
        assert_eq!(l[LABEL_ROLE], "container");
    }
}
