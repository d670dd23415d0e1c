//! Port-forward on the node: the control daemon asks for one connection to
//! a pod's port (`POST /portforward/{pod uid}?port=N`, upgraded to
//! [`crate::api::remotecommand::PORTFORWARD_UPGRADE`]); the node connects
//! to that port where the pod listens, answers 101 only once connected, and
//! then copies bytes both ways until either side closes.
//!
//! Where a pod listens is decided by [`address`]: a pod with its own address
//! (Docker) at that address and the container port; a process pod on this
//! machine, at the host port the node gave the container port (or the port
//! itself, when no container declares it).
//!
//! The route sits behind the node endpoint's check that only the control
//! daemon calls it. This module must not import `control`, `cli` or `tui`.

use super::runtime::{ContainerInfo, RunState, Runtime};
use crate::api::remotecommand::PORTFORWARD_UPGRADE;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// `?port=N`.
#[derive(serde::Deserialize)]
pub struct ForwardParams {
    pub port: u16,
}

/// Where to connect for `port` of a pod whose running containers are
/// `running`: the pod's own address when it has one, else this machine at
/// the host port given to that container port.
pub fn address(pod_ip: Option<&str>, running: &[ContainerInfo], port: u16) -> String {
    if let Some(ip) = pod_ip {
        return if ip.contains(':') {
            format!("[{ip}]:{port}")
        } else {
            format!("{ip}:{port}")
        };
    }
    let host_port = running
        .iter()
        .flat_map(|c| &c.ports)
        .find(|p| p.container_port == i32::from(port))
        .and_then(|p| p.host_port)
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(port);
    format!("127.0.0.1:{host_port}")
}

fn error(code: StatusCode, message: impl std::fmt::Display) -> Response {
    (code, format!("{message}\n")).into_response()
}

/// Connects to `port` of the pod whose container instances are `found`
/// and, once connected, upgrades `req` and relays.
pub async fn serve(
    found: Vec<(Arc<dyn Runtime>, ContainerInfo)>,
    port: u16,
    mut req: Request,
) -> Response {
    let wanted = req.headers().get(header::UPGRADE).is_some_and(|v| {
        v.as_bytes()
            .eq_ignore_ascii_case(PORTFORWARD_UPGRADE.as_bytes())
    });
    if !wanted {
        return error(
            StatusCode::BAD_REQUEST,
            format!("port-forward needs `Upgrade: {PORTFORWARD_UPGRADE}`"),
        );
    }
    let running: Vec<ContainerInfo> = found
        .iter()
        .filter(|(_, c)| c.state == RunState::Running)
        .map(|(_, c)| c.clone())
        .collect();
    let Some((rt, first)) = found.iter().find(|(_, c)| c.state == RunState::Running) else {
        return error(
            StatusCode::BAD_REQUEST,
            "the pod has no running container on this node; port-forward needs a running pod",
        );
    };
    let pod_ip = rt.pod_ip(&first.pod_uid).await;
    let addr = address(pod_ip.as_deref(), &running, port);
    let conn = match tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::TcpStream::connect(&addr),
    )
    .await
    {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            return error(
                StatusCode::BAD_GATEWAY,
                format!(
                    "connecting to port {port} of pod {:?} ({addr}): {e}",
                    first.pod_name
                ),
            );
        }
        Err(_) => {
            return error(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "connecting to port {port} of pod {:?} ({addr}): timed out after 5s",
                    first.pod_name
                ),
            );
        }
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(up) => {
                let mut up = hyper_util::rt::TokioIo::new(up);
                let mut conn = conn;
                let _ = tokio::io::copy_bidirectional(&mut up, &mut conn).await;
            }
            Err(e) => tracing::debug!(error = %e, "port-forward upgrade failed"),
        }
    });
    let mut r = StatusCode::SWITCHING_PROTOCOLS.into_response();
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    r.headers_mut().insert(
        header::UPGRADE,
        HeaderValue::from_static(PORTFORWARD_UPGRADE),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ContainerPort;

    fn running(ports: &[(i32, Option<i32>)]) -> ContainerInfo {
        let ports = ports
            .iter()
            .map(|(c, h)| ContainerPort {
                container_port: *c,
                host_port: *h,
                ..ContainerPort::default()
            })
            .collect();
        ContainerInfo::running_for_test("i", ports)
    }

    #[test]
    fn a_process_pod_is_reached_at_the_host_port_its_container_port_was_given() {
        let c = [running(&[(8080, Some(31000)), (9090, None)])];
        assert_eq!(address(None, &c, 8080), "127.0.0.1:31000");
        assert_eq!(address(None, &c, 9090), "127.0.0.1:9090");
        // A port no container declares is the port itself, as in Kubernetes.
        assert_eq!(address(None, &c, 5000), "127.0.0.1:5000");
    }

    #[test]
    fn a_pod_with_its_own_address_is_reached_there_at_the_container_port() {
        let c = [running(&[(8080, Some(31000))])];
        assert_eq!(address(Some("172.17.0.5"), &c, 8080), "172.17.0.5:8080");
        assert_eq!(address(Some("fd00::5"), &c, 80), "[fd00::5]:80");
    }
}
