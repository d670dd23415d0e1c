//! The Docker engine's startup check: a node daemon that picked Docker
//! starts (and removes) one throwaway sandbox container on the engine's
//! default network before it takes pods, so an engine that cannot run
//! containers (no `docker0` bridge, iptables refused, storage broken) is
//! said once, in `ork up`'s output and as the Node's `ContainerRuntimeReady`
//! condition, instead of as every pod's failure. [`explain`] names the real
//! cause of an engine error for those messages and for sandbox errors.
//!
//! This module must not import `control`, `cli` or `tui`.

use super::super::RuntimeError;
use super::{LABEL_MANAGED, LABEL_ROLE, create_and_start, force_remove, sandbox};
use bollard::Docker;
use bollard::models::ContainerCreateBody;
use std::collections::HashMap;
use std::time::Duration;

/// Longest the check may take (the sandbox image is built on first use).
pub const DEADLINE: Duration = Duration::from_secs(120);

/// The Node condition the check sets.
pub const CONDITION: &str = "ContainerRuntimeReady";

/// What the check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    pub ok: bool,
    /// A CamelCase reason for the Node condition.
    pub reason: &'static str,
    /// One line for a person.
    pub message: String,
}

/// The likely cause behind an engine error message, with what to do; `None`
/// when the message says it plainly enough.
pub fn explain(engine_message: &str) -> Option<(&'static str, &'static str)> {
    let m = engine_message.to_ascii_lowercase();
    if m.contains("could not find bridge")
        || m.contains("network bridge not found")
        || m.contains("no such network: bridge")
    {
        return Some((
            "BridgeNetworkMissing",
            "the engine's default bridge network is missing (its docker0 interface is gone or the engine runs with bridge: none); restart the Docker engine, or run pods with --runtime process",
        ));
    }
    if m.contains("iptables") || m.contains("nftables") {
        return Some((
            "FirewallSetupFailed",
            "the engine could not set up its iptables rules for the container's network; check the engine's log (journalctl -u docker), or run pods with --runtime process",
        ));
    }
    if m.contains("port is already allocated") || m.contains("address already in use") {
        return Some((
            "HostPortTaken",
            "a host port the pod publishes is already taken on this machine",
        ));
    }
    if m.contains("no space left on device") {
        return Some((
            "NoSpace",
            "the engine's storage is full; free space (docker system prune) and retry",
        ));
    }
    None
}

/// The check's verdict from the start's outcome.
pub fn verdict(result: &Result<(), String>) -> Health {
    match result {
        Ok(()) => Health {
            ok: true,
            reason: "EngineReady",
            message: "the engine starts containers on its default bridge network".into(),
        },
        Err(message) => {
            let (reason, cause) = explain(message).unwrap_or(("ContainerStartFailed", ""));
            let message = if cause.is_empty() {
                format!("the engine cannot start a container: {message}")
            } else {
                format!("the engine cannot start a container: {cause} ({message})")
            };
            Health {
                ok: false,
                reason,
                message,
            }
        }
    }
}

/// Starts a throwaway sandbox container on the default network and removes it.
async fn try_start(docker: &Docker, scope: &str) -> Result<(), String> {
    sandbox::ensure_image(docker)
        .await
        .map_err(|e| e.to_string())?;
    let labels = HashMap::from([
        (LABEL_MANAGED.to_string(), "true".to_string()),
        (LABEL_ROLE.to_string(), "check".to_string()),
    ]);
    let body = ContainerCreateBody {
        image: Some(sandbox::IMAGE.into()),
        labels: Some(labels),
        ..Default::default()
    };
    let name = format!("ork_check_{}", scope.chars().take(12).collect::<String>());
    let id = create_and_start(docker, name, body, "a test container", "")
        .await
        .map_err(|e: RuntimeError| e.to_string())?;
    let _ = force_remove(docker, &id).await;
    Ok(())
}

/// Runs the check (within [`DEADLINE`]).
pub async fn check(docker: &Docker, scope: &str) -> Health {
    let r = match tokio::time::timeout(DEADLINE, try_start(docker, scope)).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {} s", DEADLINE.as_secs())),
    };
    verdict(&r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_bridge_is_named_as_such() {
        let h = verdict(&Err(
            "starting a test container: could not find bridge docker0: route ip+net: no such network interface".into(),
        ));
        assert!(!h.ok);
        assert_eq!(h.reason, "BridgeNetworkMissing");
        assert!(
            h.message.contains("default bridge network is missing"),
            "{}",
            h.message
        );
        assert!(!h.message.contains("host ports"), "{}", h.message);
    }

    #[test]
    fn taken_ports_and_unknown_errors_are_told_apart() {
        assert_eq!(
            explain("Bind for 0.0.0.0:8080 failed: port is already allocated").map(|e| e.0),
            Some("HostPortTaken")
        );
        let h = verdict(&Err("something odd".into()));
        assert_eq!(h.reason, "ContainerStartFailed");
        assert!(h.message.ends_with("something odd"));
        assert!(verdict(&Ok(())).ok);
    }
}
