//! Runtimes: how a node runs containers. Everything the node daemon does to
//! the machine goes through the [`Runtime`] trait, so pod workers behave the
//! same on every runtime:
//!
//! - `process`: each container is a host process started from
//!   `command` + `args` (the image is not used), watched by a small shim
//!   (`ork shim`) that outlives the node daemon, so a restarted daemon adopts
//!   running containers instead of restarting them;
//! - `fake`: runs nothing and reports every container Running at once; the
//!   hollow node used in tests and benchmarks.
//!
//! A runtime never decides restarts: the pod worker applies restartPolicy and
//! backoff for every runtime alike.
//!
//! This module must not import `control`, `cli` or `tui`.

pub mod fake;
pub mod process;
pub mod shim;

use crate::api::{ContainerPort, Time};
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use std::time::Duration;

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

/// Options of a log read.
#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    /// Keep the stream open and send new output as it comes.
    pub follow: bool,
    /// Only the last N lines.
    pub tail: Option<usize>,
}

/// Errors of a runtime, named after the step that failed.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The container cannot be started as specified (bad command, missing binary...):
    /// the pod worker reports it and retries with backoff.
    #[error("{0}")]
    Start(String),
    #[error("container {0} not found")]
    NotFound(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
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
    async fn exec(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<i32, RuntimeError>;
}
