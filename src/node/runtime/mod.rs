//! Runtimes: how a node runs containers. Everything the node daemon does to
//! the machine goes through the [`Runtime`] trait, so pod workers behave the
//! same on every runtime:
//!
//! - `process`: each container is a host process started from
//!   `command` + `args` (the image is not used), watched by a small shim
//!   (`ork shim`) that outlives the node daemon, so a restarted daemon adopts
//!   running containers instead of restarting them; the process runs as the
//!   user the node decided (never as the daemon's root unless allowed);
//! - `docker`: real containers through the Docker engine (bollard); the
//!   containers of a pod share the network namespace of a small sandbox
//!   container that publishes the pod's ports;
//! - `fake`: runs nothing and reports every container Running at once; the
//!   hollow node used in tests and benchmarks.
//!
//! A runtime never decides restarts, nor who a container runs as: the pod
//! worker applies restartPolicy and backoff for every runtime alike, and
//! hands each start the security [`crate::node::security`] decided.
//!
//! This module must not import `control`, `cli` or `tui`.

pub mod docker;
pub mod fake;
pub mod process;
pub mod shim;

use crate::api::{ContainerPort, Pod, PullPolicy, Time};
use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWrite;

/// Everything needed to start one container instance. Command, args and env
/// are fully resolved (`$(VAR)` expanded) by the caller.
#[derive(Clone, Debug, Default)]
pub struct ContainerSpec {
    pub pod_uid: String,
    pub pod_name: String,
    pub namespace: String,
    pub container_name: String,
    /// 0 for the first start of this container in this pod, then 1, 2...
    pub attempt: u32,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub working_dir: String,
    /// The container's ports, each with the host port the node gave it.
    pub ports: Vec<ContainerPort>,
    /// When to pull the image (resolved: never `None` semantics left to the runtime).
    pub pull_policy: Option<PullPolicy>,
    /// CPU limit in thousandths of a core.
    pub cpu_limit_milli: Option<i128>,
    /// Memory limit in bytes.
    pub memory_limit_bytes: Option<i128>,
    /// Volumes as host directories and where the container sees them.
    pub mounts: Vec<crate::node::volumes::Mount>,
    /// Who the container runs as and what it may do (decided by
    /// [`crate::node::security::decide`]); the default changes nothing.
    pub security: crate::node::security::ContainerSecurity,
    /// The pod's `shareProcessNamespace`: the container joins the process
    /// namespace of the pod's sandbox rather than having its own.
    pub share_process_namespace: bool,
    /// The credentials of the pod's `imagePullSecrets`, for pulling its image.
    pub registry_auths: Vec<crate::node::pull_secrets::RegistryAuth>,
    /// `stdin`: the container's stdin is kept open.
    pub stdin: bool,
    /// `tty`: the container gets a terminal.
    pub tty: bool,
}

impl ContainerSpec {
    /// Instance `id` of this spec, as a runtime reports it.
    pub fn instance(&self, id: &str, started_at: Time, state: RunState) -> ContainerInfo {
        ContainerInfo {
            id: id.to_string(),
            pod_uid: self.pod_uid.clone(),
            pod_name: self.pod_name.clone(),
            namespace: self.namespace.clone(),
            container_name: self.container_name.clone(),
            attempt: self.attempt,
            started_at,
            state,
            ports: self.ports.clone(),
        }
    }
}

/// What a pod as a whole needs before its containers start.
#[derive(Clone, Debug, Default)]
pub struct PodSandbox {
    pub pod_uid: String,
    pub pod_name: String,
    pub namespace: String,
    /// Every container port of the pod, each with its host port.
    pub ports: Vec<ContainerPort>,
    /// The pod's hostname (`spec.hostname`, else its name).
    pub hostname: String,
    /// The pod's `securityContext.sysctls` (validated as safe), set where
    /// the pod's namespaces are made.
    pub sysctls: Vec<(String, String)>,
    /// `dnsPolicy`, `dnsConfig`, `hostAliases`: what its resolv.conf and
    /// hosts file get.
    pub dns: crate::node::dns::resolv::PodDns,
    /// `hostNetwork`: the pod uses the node's network namespace.
    pub host_network: bool,
}

/// What an exec runs.
#[derive(Clone, Debug, Default)]
pub struct ExecRequest {
    pub command: Vec<String>,
    /// Attach standard input.
    pub stdin: bool,
    /// Give the command a terminal.
    pub tty: bool,
}

/// A chunk of an exec's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecOutput {
    Stdout(Bytes),
    Stderr(Bytes),
}

/// Resizes an exec's terminal to (columns, rows).
pub type ResizeFn = Box<dyn Fn(u16, u16) -> BoxFuture<'static, ()> + Send + Sync>;

/// A running exec: its output, its input, and its exit code once the output ends.
pub struct ExecSession {
    pub output: BoxStream<'static, Result<ExecOutput, RuntimeError>>,
    pub input: Option<Pin<Box<dyn AsyncWrite + Send>>>,
    pub exit: BoxFuture<'static, Result<i32, RuntimeError>>,
    /// Resizes the terminal (columns, rows), when there is one.
    pub resize: Option<ResizeFn>,
}

/// Resource use of one container instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// CPU time used since the instance started, in nanoseconds.
    pub cpu_nanos: u64,
    /// Memory in use now (resident), in bytes.
    pub memory_bytes: u64,
}

/// Whether a container runs or how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunState {
    Running,
    Exited {
        /// The exit code; 128+N when killed by signal N.
        code: i32,
        signal: Option<i32>,
        finished_at: Time,
        /// `Completed`, `Error`, `OOMKilled`, `ContainerStatusUnknown`...
        reason: String,
    },
}

/// What a runtime knows of one container instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerInfo {
    /// Unique within the runtime; stable for the life of the instance.
    pub id: String,
    pub pod_uid: String,
    pub pod_name: String,
    pub namespace: String,
    pub container_name: String,
    pub attempt: u32,
    pub started_at: Time,
    pub state: RunState,
    /// Ports with their host ports, as given at start.
    pub ports: Vec<ContainerPort>,
}

#[cfg(test)]
impl ContainerInfo {
    /// A running instance `id` of container `c` of pod `default/p` (uid `u`),
    /// started now, with `ports`.
    pub fn running_for_test(id: &str, ports: Vec<ContainerPort>) -> Self {
        ContainerInfo {
            id: id.into(),
            pod_uid: "u".into(),
            pod_name: "p".into(),
            namespace: "default".into(),
            container_name: "c".into(),
            attempt: 0,
            started_at: Time::now(),
            state: RunState::Running,
            ports,
        }
    }
}

/// Options of a log read.
#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    /// Keep the stream open and send new output as it comes.
    pub follow: bool,
    /// Only the last N lines.
    pub tail: Option<usize>,
    /// Only output written at or after this time. The process runtime
    /// knows only when its log was last written: all of it, or nothing.
    pub since: Option<std::time::SystemTime>,
    /// Start each line with its RFC 3339 time (runtimes that record it).
    pub timestamps: bool,
}

/// Errors of a runtime, named after the step that failed.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The container cannot be started as specified (bad command, missing binary...):
    /// the pod worker reports it and retries with backoff.
    #[error("{0}")]
    Start(String),
    /// The container's configuration cannot be honoured here (an image that
    /// runs as root under `runAsNonRoot`...): it waits with
    /// `CreateContainerConfigError`, retried with backoff.
    #[error("{0}")]
    Config(String),
    #[error("container {0} not found")]
    NotFound(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The image could not be had; `reason` is `ErrImagePull` or `ErrImageNeverPull`.
    #[error("{message}")]
    Image {
        reason: &'static str,
        message: String,
    },
    /// The runtime cannot do this at all.
    #[error("the {runtime} runtime does not support {what}")]
    Unsupported {
        runtime: &'static str,
        what: &'static str,
    },
    #[error("{0}")]
    Other(String),
}

pub type LogStream = BoxStream<'static, Result<Bytes, RuntimeError>>;

/// A way to run containers. Implementations must be safe to call from many
/// pod workers at once.
#[async_trait]
pub trait Runtime: Send + Sync + 'static {
    /// `process`, `fake`, `docker`.
    fn name(&self) -> &'static str;

    /// Environment a runtime adds for a container with these ports (the process
    /// runtime adds `PORT` and `ORK_PORT_<NAME>`). Added before `$(VAR)`
    /// expansion, so `args: ["$(PORT)"]` works.
    fn injected_env(&self, _ports: &[ContainerPort]) -> Vec<(String, String)> {
        vec![]
    }

    /// The address this runtime's pods reach their node's service proxy at
    /// (`<NAME>_SERVICE_HOST`); `None` when they cannot.
    fn service_host(&self) -> Option<String> {
        None
    }

    /// Environment a runtime adds for a container's volumes (the process
    /// runtime cannot mount: it gives `ORK_VOLUME_<NAME>`, the directory).
    fn mount_env(&self, _mounts: &[crate::node::volumes::Mount]) -> Vec<(String, String)> {
        vec![]
    }

    /// Starts a container instance; returns once it runs (or fails to start).
    async fn start(&self, spec: &ContainerSpec) -> Result<ContainerInfo, RuntimeError>;

    /// Resolves when the instance has exited (at once if it already has),
    /// with its final info.
    async fn wait(&self, id: &str) -> Result<ContainerInfo, RuntimeError>;

    /// Asks the instance to stop (SIGTERM), kills it after `grace` (SIGKILL),
    /// and returns once it has exited. Stopping an exited instance is a no-op.
    async fn stop(&self, id: &str, grace: Duration) -> Result<(), RuntimeError>;

    /// Forgets an exited instance and its logs.
    async fn remove(&self, id: &str) -> Result<(), RuntimeError>;

    /// Every instance the runtime knows of, running or exited, including those
    /// started by an earlier node daemon on this machine.
    async fn list(&self) -> Result<Vec<ContainerInfo>, RuntimeError>;

    /// The instance's output (stdout and stderr interleaved).
    async fn logs(&self, id: &str, opts: LogOptions) -> Result<LogStream, RuntimeError>;

    /// Runs a command in the instance's context (its environment and working
    /// directory; inside the container for container runtimes) and returns its
    /// exit code. A command still running after `timeout` is killed and is an error.
    ///
    /// By default: an [`Runtime::exec_session`] without input, its output
    /// read to the end and dropped, then its exit code.
    async fn exec(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<i32, RuntimeError> {
        let run = async {
            let session = self
                .exec_session(
                    id,
                    ExecRequest {
                        command: command.to_vec(),
                        stdin: false,
                        tty: false,
                    },
                )
                .await?;
            let mut out = session.output;
            while out.next().await.is_some() {}
            session.exit.await
        };
        tokio::time::timeout(timeout, run)
            .await
            .unwrap_or_else(|_| {
                Err(RuntimeError::Other(format!(
                    "{:?} did not finish within {}s",
                    command.join(" "),
                    timeout.as_secs()
                )))
            })
    }

    /// Starts an interactive command in the instance (`ork exec`).
    async fn exec_session(
        &self,
        _id: &str,
        _req: ExecRequest,
    ) -> Result<ExecSession, RuntimeError> {
        Err(RuntimeError::Unsupported {
            runtime: self.name(),
            what: "exec",
        })
    }

    /// Whether the image of `spec` must be pulled before it starts (by its
    /// pull policy and whether the image is here). An image that is missing
    /// and may not be pulled is `RuntimeError::Image` (`ErrImageNeverPull`).
    async fn image_needs_pull(&self, _spec: &ContainerSpec) -> Result<bool, RuntimeError> {
        Ok(false)
    }

    /// Pulls the image of `spec` (bounded in time; failures are `RuntimeError::Image`).
    async fn pull_image(&self, _spec: &ContainerSpec) -> Result<(), RuntimeError> {
        Ok(())
    }

    /// The address a pod's containers listen on, as seen from this node, when
    /// the runtime gives pods their own (probes then go to the container port
    /// there); `None` when containers listen on the node's own ports.
    async fn pod_ip(&self, _pod_uid: &str) -> Option<String> {
        None
    }

    /// The network namespace of a prepared pod (a file to `setns` into),
    /// when the runtime gives pods their own; `None` when they share the
    /// node's, or it cannot be found.
    async fn pod_netns(&self, _pod_uid: &str) -> Option<std::path::PathBuf> {
        None
    }

    /// Prepares what a pod's containers share (idempotent; called before any
    /// container of the pod starts, again after a daemon restart).
    async fn prepare_pod(&self, _pod: &PodSandbox) -> Result<(), RuntimeError> {
        Ok(())
    }

    /// What this runtime cannot give the pod of its DNS settings, for a
    /// Warning event (`None`: all of it).
    fn dns_note(&self, _pod: &PodSandbox) -> Option<String> {
        None
    }

    /// Removes what `prepare_pod` made, once every container of the pod is gone.
    async fn remove_pod(&self, _pod_uid: &str) -> Result<(), RuntimeError> {
        Ok(())
    }

    /// Uids of pods that have something prepared (for cleaning up after a restart).
    async fn prepared_pods(&self) -> Result<Vec<String>, RuntimeError> {
        Ok(vec![])
    }

    /// What an instance uses now.
    async fn stats(&self, _id: &str) -> Result<Usage, RuntimeError> {
        Err(RuntimeError::Unsupported {
            runtime: self.name(),
            what: "stats",
        })
    }
}

/// The runtimes a node offers: the default, used by pods that name none, and
/// the others a pod may pick with `spec.runtimeClassName`.
#[derive(Clone)]
pub struct Runtimes {
    all: Vec<Arc<dyn Runtime>>,
}

impl Runtimes {
    /// `default` first, then the others.
    pub fn new(default: Arc<dyn Runtime>, others: Vec<Arc<dyn Runtime>>) -> Self {
        let mut all = vec![default];
        all.extend(others);
        Runtimes { all }
    }

    pub fn default_runtime(&self) -> &Arc<dyn Runtime> {
        &self.all[0]
    }

    pub fn all(&self) -> &[Arc<dyn Runtime>] {
        &self.all
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.all.iter().map(|r| r.name()).collect()
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn Runtime>> {
        self.all.iter().find(|r| r.name() == name)
    }

    /// The runtime that runs `pod`, or why none here can.
    pub fn for_pod(&self, pod: &Pod) -> Result<Arc<dyn Runtime>, String> {
        let want = pod.spec.runtime_class_name.as_str();
        if want.is_empty() {
            return Ok(self.default_runtime().clone());
        }
        self.get(want).cloned().ok_or_else(|| {
            format!(
                "the pod asks for runtime {want:?}, which this node does not offer (it offers {})",
                self.names().join(", ")
            )
        })
    }
}
