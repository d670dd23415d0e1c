//! The hollow runtime: runs nothing, and every container is Running the
//! moment it starts. Nothing is kept on disk, so a restarted node daemon
//! starts its hollow containers afresh. It exists to exercise the control
//! plane (tests, benchmarks with thousands of hollow pods) without the cost
//! of real processes: an instance is a map entry and a watch channel.
//!
//! - `injected_env` is the process runtime's (`PORT`, `ORK_PORT_<NAME>`), so
//!   what a pod sees does not depend on the runtime.
//! - `wait` pends until `stop` (or `remove`).
//! - `stop` makes the container exit with code 0, reason `Completed`: a
//!   hollow container is a well-behaved program that exits cleanly on
//!   SIGTERM, as Kubernetes shows such a container (143 `Error` is for one
//!   that the signal killed).
//! - `logs` is empty; `exec` succeeds while the container runs.
//! - A container whose command is `true` exits with code 0 at once (a
//!   hollow batch pod, for Job benchmarks).

use super::process::port_env;
use super::{ContainerInfo, ContainerSpec, LogOptions, LogStream, RunState, Runtime, RuntimeError};
use crate::api::{ContainerPort, Time};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;

struct Instance {
    info: ContainerInfo,
    exited: watch::Sender<bool>,
}

/// Containers that run nothing.
#[derive(Default)]
pub struct FakeRuntime {
    instances: Mutex<HashMap<String, Instance>>,
}

impl FakeRuntime {
    pub fn new() -> Self {
        FakeRuntime::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instance>> {
        self.instances.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl Runtime for FakeRuntime {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn injected_env(&self, ports: &[ContainerPort]) -> Vec<(String, String)> {
        port_env(ports)
    }

    async fn start(&self, spec: &ContainerSpec) -> Result<ContainerInfo, RuntimeError> {
        let id = format!("{}_{}_{}", spec.pod_uid, spec.container_name, spec.attempt);
        let mut info = spec.instance(&id, Time::now(), RunState::Running);
        let done_at_once = spec.command == ["true"];
        if done_at_once {
            info.state = RunState::Exited {
                code: 0,
                signal: None,
                finished_at: Time::now(),
                reason: "Completed".into(),
            };
        }
        let (exited, _) = watch::channel(done_at_once);
        let mut all = self.lock();
        if all
            .get(&id)
            .is_some_and(|i| i.info.state == RunState::Running)
        {
            return Err(RuntimeError::Start(format!(
                "container instance {id} already runs"
            )));
        }
        all.insert(
            id,
            Instance {
                info: info.clone(),
                exited,
            },
        );
        Ok(info)
    }

    async fn wait(&self, id: &str) -> Result<ContainerInfo, RuntimeError> {
        let mut rx = self
            .lock()
            .get(id)
            .map(|i| i.exited.subscribe())
            .ok_or_else(|| RuntimeError::NotFound(id.to_string()))?;
        let _ = rx.wait_for(|done| *done).await;
        self.lock()
            .get(id)
            .map(|i| i.info.clone())
            .ok_or_else(|| RuntimeError::NotFound(id.to_string()))
    }

    async fn stop(&self, id: &str, _grace: Duration) -> Result<(), RuntimeError> {
        let mut all = self.lock();
        let Some(i) = all.get_mut(id) else {
            return Err(RuntimeError::NotFound(id.to_string()));
        };
        if i.info.state == RunState::Running {
            i.info.state = RunState::Exited {
                code: 0,
                signal: None,
                finished_at: Time::now(),
                reason: "Completed".into(),
            };
            i.exited.send_replace(true);
        }
        Ok(())
    }

    async fn remove(&self, id: &str) -> Result<(), RuntimeError> {
        if let Some(i) = self.lock().remove(id) {
            i.exited.send_replace(true);
        }
        Ok(())
    }

    async fn list(&self) -> Result<Vec<ContainerInfo>, RuntimeError> {
        let mut out: Vec<ContainerInfo> = self.lock().values().map(|i| i.info.clone()).collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    async fn exec(
        &self,
        id: &str,
        _command: &[String],
        _timeout: Duration,
    ) -> Result<i32, RuntimeError> {
        match self.lock().get(id) {
            Some(i) if i.info.state == RunState::Running => Ok(0),
            Some(_) => Err(RuntimeError::Other(format!(
                "container {id} is not running"
            ))),
            None => Err(RuntimeError::NotFound(id.to_string())),
        }
    }

    async fn logs(&self, id: &str, _opts: LogOptions) -> Result<LogStream, RuntimeError> {
        if !self.lock().contains_key(id) {
            return Err(RuntimeError::NotFound(id.to_string()));
        }
        Ok(Box::pin(futures::stream::empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hollow_containers_run_until_stopped() {
        let rt = FakeRuntime::new();
        let spec = ContainerSpec {
            pod_uid: "u".into(),
            container_name: "c".into(),
            ..Default::default()
        };
        let info = rt.start(&spec).await.unwrap();
        assert_eq!(info.state, RunState::Running);
        assert_eq!(rt.list().await.unwrap().len(), 1);
        let rt = std::sync::Arc::new(rt);
        let waiter = {
            let rt = rt.clone();
            let id = info.id.clone();
            tokio::spawn(async move { rt.wait(&id).await })
        };
        rt.stop(&info.id, Duration::ZERO).await.unwrap();
        let done = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert!(matches!(done.state, RunState::Exited { code: 0, .. }));
        rt.remove(&info.id).await.unwrap();
        assert!(rt.list().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn ids_are_unique_and_a_running_instance_is_not_started_twice() {
        let rt = FakeRuntime::new();
        let spec = |attempt| ContainerSpec {
            pod_uid: "u".into(),
            container_name: "c".into(),
            attempt,
            ..Default::default()
        };
        let a = rt.start(&spec(0)).await.unwrap();
        let b = rt.start(&spec(1)).await.unwrap();
        assert_ne!(a.id, b.id);
        assert!(matches!(
            rt.start(&spec(0)).await,
            Err(RuntimeError::Start(_))
        ));
        rt.stop(&a.id, Duration::ZERO).await.unwrap();
        rt.stop(&a.id, Duration::ZERO).await.unwrap();
        let info = tokio::time::timeout(Duration::from_secs(5), rt.wait(&a.id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            info.state,
            rt.list().await.unwrap()[0].state,
            "wait and list agree"
        );
        assert!(matches!(
            rt.wait("nope").await,
            Err(RuntimeError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn the_environment_and_logs_look_like_the_process_runtimes() {
        use futures::StreamExt;
        let rt = FakeRuntime::new();
        let ports = vec![ContainerPort {
            name: "http".into(),
            container_port: 80,
            host_port: Some(30080),
            ..Default::default()
        }];
        assert_eq!(rt.injected_env(&ports), port_env(&ports));
        let info = rt
            .start(&ContainerSpec {
                pod_uid: "u".into(),
                container_name: "c".into(),
                ports: ports.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(info.ports, ports);
        let mut logs = rt
            .logs(
                &info.id,
                LogOptions {
                    follow: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(logs.next().await.is_none());
    }
}
