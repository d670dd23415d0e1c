//! Opening the runtimes a node daemon offers: `auto` uses Docker when an
//! engine answers (`DOCKER_HOST` or the default socket) and the process
//! runtime otherwise; with Docker, the process runtime is offered too, for
//! pods that ask for it with `spec.runtimeClassName: process`.
//!
//! This module must not import `control`, `cli` or `tui`.

use super::runtime::docker::{DockerRuntime, check};
use super::runtime::fake::FakeRuntime;
use super::runtime::process::ProcessRuntime;
use super::runtime::{Runtime, Runtimes};
use crate::api::Condition;
use std::path::Path;
use std::sync::Arc;

/// Which runtime runs the pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimeKind {
    /// Docker when an engine answers, else process.
    Auto,
    Process,
    Docker,
    Fake,
}

impl RuntimeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuntimeKind::Auto => "auto",
            RuntimeKind::Process => "process",
            RuntimeKind::Docker => "docker",
            RuntimeKind::Fake => "fake",
        }
    }
}

/// The runtimes a node opened: the default first.
pub struct Opened {
    pub runtimes: Runtimes,
    /// `docker://27.5.1`, `process://0.1.0`...
    pub version: String,
    /// One line saying which runtime runs pods, and why.
    pub summary: String,
    /// Conditions for the Node: the Docker engine's startup check.
    pub conditions: Vec<Condition>,
}

/// A runtime that could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("starting the {runtime} runtime: {message}")]
pub struct OpenError {
    pub runtime: &'static str,
    pub message: String,
}

fn process_runtime(
    data_dir: &Path,
    pods_dir: &Path,
    dns: Option<&crate::node::dns::NodeDns>,
) -> Result<Arc<dyn Runtime>, OpenError> {
    let err = |message: String| OpenError {
        runtime: "process",
        message,
    };
    let shim = std::env::current_exe()
        .map_err(|e| err(format!("finding the ork binary for the shim: {e}")))?;
    Ok(Arc::new(
        ProcessRuntime::new(data_dir.join("containers"), shim)
            .map_err(|e| err(e.to_string()))?
            .with_pods_dir(pods_dir.to_path_buf())
            .with_dns(
                dns.map(|d| (d.settings.addr.ip(), d.settings.cluster_domain.clone())),
                data_dir.join("pod-dns"),
            ),
    ))
}

/// Opens the runtimes `kind` asks for. Docker containers are labelled with
/// `node_id`, so several node daemons can share one engine. Process
/// containers' working directories go under `pods_dir`.
pub async fn open_runtimes(
    kind: RuntimeKind,
    data_dir: &Path,
    pods_dir: &Path,
    node_id: &str,
    dns: Option<crate::node::dns::NodeDns>,
) -> Result<Opened, OpenError> {
    let pkg = env!("CARGO_PKG_VERSION");
    match kind {
        RuntimeKind::Fake => Ok(Opened {
            runtimes: Runtimes::new(Arc::new(FakeRuntime::new()), vec![]),
            version: format!("fake://{pkg}"),
            summary: "runtime: fake (runs nothing; every container reports Running)".into(),
            conditions: vec![],
        }),
        RuntimeKind::Process => Ok(Opened {
            runtimes: Runtimes::new(process_runtime(data_dir, pods_dir, dns.as_ref())?, vec![]),
            version: format!("process://{pkg}"),
            summary: "runtime: process (containers run as host processes; images are not used)"
                .into(),
            conditions: vec![],
        }),
        RuntimeKind::Docker | RuntimeKind::Auto => {
            let endpoint = DockerRuntime::endpoint();
            match DockerRuntime::connect(node_id).await {
                Ok(d) => {
                    // Entering pods' network namespaces needs root.
                    let d = d
                        .with_dns(dns.clone().filter(|_| nix::unistd::geteuid().is_root()))
                        .with_seccomp_dir(data_dir.join("seccomp"));
                    d.adopt_dns().await;
                    let version = d.version.clone();
                    let health = check::check(d.engine(), node_id).await;
                    let verdict = if health.ok {
                        "; engine check passed: a container started on its bridge network"
                            .to_string()
                    } else {
                        tracing::warn!(message = %health.message, "Docker engine check failed");
                        format!("; WARNING: {}", health.message)
                    };
                    Ok(Opened {
                        runtimes: Runtimes::new(
                            Arc::new(d),
                            vec![process_runtime(data_dir, pods_dir, dns.as_ref())?],
                        ),
                        version: format!("docker://{version}"),
                        summary: format!(
                            "runtime: docker (engine {version} at {endpoint}; pods may pick runtimeClassName: process){verdict}"
                        ),
                        conditions: vec![Condition::new(
                            check::CONDITION,
                            health.ok,
                            health.reason,
                            &health.message,
                        )],
                    })
                }
                Err(e) if kind == RuntimeKind::Docker => Err(OpenError {
                    runtime: "docker",
                    message: format!("no Docker engine answers at {endpoint}: {e}"),
                }),
                Err(e) => Ok(Opened {
                    runtimes: Runtimes::new(
                        process_runtime(data_dir, pods_dir, dns.as_ref())?,
                        vec![],
                    ),
                    version: format!("process://{pkg}"),
                    summary: format!(
                        "runtime: process (no Docker engine at {endpoint}: {e}; containers run as host processes)"
                    ),
                    conditions: vec![],
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_fake_runtime_opens_alone_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let o = open_runtimes(RuntimeKind::Fake, dir.path(), dir.path(), "id", None)
            .await
            .unwrap();
        assert_eq!(o.runtimes.names(), ["fake"]);
        assert!(o.version.starts_with("fake://"));
        assert!(o.summary.starts_with("runtime: fake"));
    }
}
