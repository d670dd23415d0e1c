//! Container lifecycle hooks: `postStart` runs right after a container
//! starts (the container is not reported running until it returns; a failure
//! kills it, with a `FailedPostStartHook` event, and restartPolicy decides
//! what follows), `preStop` runs before the stop signal, within the pod's
//! grace period (a failure is a `FailedPreStopHook` event; the container is
//! stopped anyway). Handlers: `exec` (in the container, as probes run it),
//! `httpGet` (to the container's port, as probes send it) and `sleep`.
//!
//! This module must not import `control`, `cli` or `tui`.

use crate::api::{Container, LifecycleHandler, Pod, Probe};
use crate::node::probe;
use crate::node::runtime::{ContainerInfo, Runtime};
use std::time::Duration;

/// Which hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    PostStart,
    PreStop,
}

impl Hook {
    /// The event reason of a failure.
    pub fn failed_reason(self) -> &'static str {
        match self {
            Hook::PostStart => "FailedPostStartHook",
            Hook::PreStop => "FailedPreStopHook",
        }
    }

    fn handler(self, c: &Container) -> Option<&LifecycleHandler> {
        let l = c.lifecycle.as_ref()?;
        match self {
            Hook::PostStart => l.post_start.as_ref(),
            Hook::PreStop => l.pre_stop.as_ref(),
        }
    }
}

/// Longest a postStart hook may hold a container's start.
pub const POST_START_LIMIT: Duration = Duration::from_secs(120);

/// Runs `hook` of container `c` for `instance` within `limit`; `Ok` when the
/// container has no such hook. The error is the event message, worded as
/// Kubernetes words it.
pub async fn run(
    hook: Hook,
    runtime: &dyn Runtime,
    pod: &Pod,
    c: &Container,
    instance: &ContainerInfo,
    limit: Duration,
) -> Result<(), String> {
    let Some(h) = hook.handler(c) else {
        return Ok(());
    };
    let whose = format!(
        "for Container {:?} in Pod \"{}_{}({})\"",
        c.name, pod.metadata.name, pod.metadata.namespace, pod.metadata.uid
    );
    if let Some(s) = &h.sleep {
        let want = Duration::from_secs(s.seconds.max(0) as u64);
        tokio::time::sleep(want.min(limit)).await;
        return Ok(());
    }
    let what = if let Some(e) = &h.exec {
        format!("Exec lifecycle hook ({:?})", e.command)
    } else if let Some(g) = &h.http_get {
        format!("HTTP lifecycle hook ({})", g.path)
    } else {
        return Err(format!("lifecycle hook {whose} has no handler"));
    };
    let as_probe = Probe {
        exec: h.exec.clone(),
        http_get: h.http_get.clone(),
        timeout_seconds: Some(limit.as_secs().clamp(1, i32::MAX as u64) as i32),
        ..Default::default()
    };
    let mut target = probe::Target {
        host: "127.0.0.1".into(),
        pod_ip: None,
        container: c.clone(),
        instance: instance.clone(),
    };
    target.pod_ip = runtime.pod_ip(&instance.pod_uid).await;
    // As the kubelet's: HTTP/1.1, HTTPS without verifying the
    // certificate, so no system roots are needed (a machine image has none).
    let http = reqwest::Client::builder()
        .http1_only()
        .redirect(reqwest::redirect::Policy::limited(10))
        .tls_danger_accept_invalid_certs(true)
        .build()
        .unwrap_or_default();
    probe::check(runtime, &target, &as_probe, &http)
        .await
        .map_err(|e| format!("{what} {whose} failed - error: {e}"))
}

/// Whether `c` has `hook`.
pub fn has(hook: Hook, c: &Container) -> bool {
    hook.handler(c).is_some()
}
