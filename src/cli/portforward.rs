//! `ork port-forward pod/NAME|deployment/NAME|service/NAME [LOCAL:]REMOTE...`:
//! listens on local ports and carries each connection accepted there to the
//! pod's port through the control daemon (a WebSocket on the pod's
//! `portforward`, one per connection, with the port's data on channel 0 and
//! errors on channel 1, as [`crate::api::remotecommand`] says), until Ctrl-C.
//!
//! A Deployment or Service is forwarded to one of its running pods, picked
//! once at start as kubectl does; a Service's port becomes the pod's target
//! port. Parsing and the choice of pod and port are pure functions below.
//!
//! This module must not import `tui` or `control`.

use super::{CliError, Ctx, Result};
use crate::api::apps::IntOrString;
use crate::api::remotecommand::{self as rc};
use crate::api::selector::Selector;
use crate::api::wire::ListParams;
use crate::api::{Deployment, Kind, Pod, PodPhase, Service};
use clap::Args;
use futures::{SinkExt, StreamExt};
use std::collections::BTreeMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

#[derive(Args, Debug)]
pub struct PortForwardArgs {
    /// What to forward to: pod/NAME (or NAME), deployment/NAME or service/NAME.
    pub target: String,
    /// Ports: LOCAL:REMOTE, PORT (the same on both sides), or :REMOTE (a free local port).
    #[arg(required = true, value_name = "[LOCAL:]REMOTE")]
    pub ports: Vec<String>,
    /// The local address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub address: String,
}

/// `LOCAL:REMOTE`, `PORT` or `:REMOTE` as (local, remote); local 0 is any free port.
pub fn parse_ports(spec: &str) -> std::result::Result<(u16, u16), String> {
    let bad = || format!("{spec:?} is not a port mapping: use LOCAL:REMOTE, PORT or :REMOTE");
    let num = |s: &str| s.parse::<u16>().map_err(|_| bad());
    let (local, remote) = match spec.split_once(':') {
        Some(("", r)) => (0, num(r)?),
        Some((l, r)) => (num(l)?, num(r)?),
        None => {
            let p = num(spec)?;
            (p, p)
        }
    };
    if remote == 0 {
        return Err(bad());
    }
    Ok((local, remote))
}

/// What `TYPE/NAME` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Pod(String),
    Deployment(String),
    Service(String),
}

pub fn parse_target(s: &str) -> std::result::Result<Target, String> {
    let Some((kind, name)) = s.split_once('/') else {
        return Ok(Target::Pod(s.to_string()));
    };
    if name.is_empty() {
        return Err(format!("{s:?} names no object: use TYPE/NAME"));
    }
    match kind {
        "pod" | "pods" | "po" => Ok(Target::Pod(name.into())),
        "deployment" | "deployments" | "deploy" => Ok(Target::Deployment(name.into())),
        "service" | "services" | "svc" => Ok(Target::Service(name.into())),
        _ => Err(format!(
            "cannot forward to a {kind}: use pod/NAME, deployment/NAME or service/NAME"
        )),
    }
}

/// The pod to forward to among those a selector matched: a running one,
/// the oldest first (ties by name), so repeated runs pick the same.
pub fn pick_pod(pods: &[Pod]) -> Option<&Pod> {
    pods.iter()
        .filter(|p| p.status.phase == PodPhase::Running && p.metadata.deletion_timestamp.is_none())
        .min_by_key(|p| (p.metadata.creation_timestamp, p.metadata.name.clone()))
}

/// The pod port a Service port leads to on `pod`.
pub fn service_target_port(
    svc: &Service,
    port: u16,
    pod: &Pod,
) -> std::result::Result<u16, String> {
    let sp = svc
        .spec
        .ports
        .iter()
        .find(|p| p.port == i32::from(port))
        .ok_or_else(|| {
            let ports: Vec<String> = svc.spec.ports.iter().map(|p| p.port.to_string()).collect();
            format!(
                "service {:?} has no port {port}; its ports: {}",
                svc.metadata.name,
                ports.join(", ")
            )
        })?;
    let target = sp.target_port.clone().unwrap_or(IntOrString::Int(sp.port));
    let resolved = pod
        .spec
        .containers
        .iter()
        .find_map(|c| c.resolve_port(&target))
        .ok_or_else(|| {
            format!(
                "pod {:?} has no container port named {target:?} (the target of service port {port})",
                pod.metadata.name
            )
        })?;
    u16::try_from(resolved).map_err(|_| format!("port {resolved} is out of range"))
}

async fn pods_matching(ctx: &Ctx, selector: &BTreeMap<String, String>) -> Result<Vec<Pod>> {
    let opts = ListParams {
        label_selector: Some(Selector::from_labels(selector).to_string()),
        ..Default::default()
    };
    Ok(ctx
        .client
        .list::<Pod>(Some(&ctx.namespace), &opts)
        .await?
        .items)
}

/// The pod and the (local, pod port) pairs to forward.
async fn resolve(ctx: &Ctx, a: &PortForwardArgs) -> Result<(String, Vec<(u16, u16)>)> {
    let target = parse_target(&a.target).map_err(CliError::Usage)?;
    let mut ports = a
        .ports
        .iter()
        .map(|s| parse_ports(s))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(CliError::Usage)?;
    let none_running = |what: &str| {
        CliError::Failed(format!(
            "{what} has no running pod to forward to (see `ork get pods`)"
        ))
    };
    let pod = match target {
        Target::Pod(name) => name,
        Target::Deployment(name) => {
            let d: Deployment = ctx.client.get(&ctx.namespace, &name).await?;
            let pods = pods_matching(ctx, &d.spec.selector.match_labels).await?;
            let what = format!("deployment {name:?}");
            pick_pod(&pods)
                .ok_or_else(|| none_running(&what))?
                .metadata
                .name
                .clone()
        }
        Target::Service(name) => {
            let svc: Service = ctx.client.get(&ctx.namespace, &name).await?;
            let pods = pods_matching(ctx, &svc.spec.selector).await?;
            let what = format!("service {name:?}");
            let pod = pick_pod(&pods).ok_or_else(|| none_running(&what))?;
            for p in &mut ports {
                p.1 = service_target_port(&svc, p.1, pod).map_err(CliError::Failed)?;
            }
            pod.metadata.name.clone()
        }
    };
    Ok((pod, ports))
}

pub async fn port_forward(ctx: &Ctx, a: PortForwardArgs) -> Result<()> {
    let (pod, ports) = resolve(ctx, &a).await?;
    let path = format!(
        "{}/portforward",
        Kind::Pod.object_path(&ctx.namespace, &pod)
    );
    let mut tasks = tokio::task::JoinSet::new();
    for (local, remote) in ports {
        let listener = tokio::net::TcpListener::bind((a.address.as_str(), local))
            .await
            .map_err(|e| CliError::Failed(format!("listening on {}:{local}: {e}", a.address)))?;
        let bound = listener
            .local_addr()
            .map_err(|e| CliError::Failed(e.to_string()))?;
        println!("Forwarding from {bound} -> {remote}");
        let (client, path) = (ctx.client.clone(), path.clone());
        tasks.spawn(async move {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    return;
                };
                println!("Handling connection for {}", bound.port());
                let (client, path) = (client.clone(), path.clone());
                tokio::spawn(async move {
                    if let Err(e) = forward(&client, &path, remote, conn).await {
                        eprintln!("error: forwarding to port {remote}: {e}");
                    }
                });
            }
        });
    }
    let _ = tokio::signal::ctrl_c().await;
    tasks.abort_all();
    Ok(())
}

/// Carries one local connection to the pod's `port` and back.
async fn forward(
    client: &crate::client::Client,
    path: &str,
    port: u16,
    conn: tokio::net::TcpStream,
) -> std::result::Result<(), String> {
    let io = client
        .websocket(
            path,
            &[("ports", port.to_string())],
            rc::PORTFORWARD_CHANNELS,
        )
        .await
        .map_err(|e| e.to_string())?;
    let ws = WebSocketStream::from_raw_socket(io, Role::Client, None).await;
    let (mut ws_tx, mut ws_rx) = ws.split();
    let (mut rd, mut wr) = conn.into_split();
    let up = async move {
        let mut chunk = vec![0u8; 32 * 1024];
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let msg = Message::Binary(rc::frame(0, &chunk[..n]).into());
                    if ws_tx.send(msg).await.is_err() {
                        return;
                    }
                }
            }
        }
        // The channel protocol cannot half-close: keep the socket open
        // until the pod's side ends.
        std::future::pending::<()>().await;
    };
    let down = async move {
        // The first message of each channel is the port; skip it.
        let mut prefixed = [false; 2];
        let mut error = String::new();
        while let Some(Ok(msg)) = ws_rx.next().await {
            let Message::Binary(b) = msg else {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
                continue;
            };
            let Some((&channel, mut data)) = b.split_first() else {
                continue;
            };
            let Some(seen) = prefixed.get_mut(usize::from(channel)) else {
                continue;
            };
            if !*seen {
                *seen = true;
                data = data.get(2..).unwrap_or_default();
            }
            if channel == 0 {
                if wr.write_all(data).await.is_err() {
                    break;
                }
            } else {
                error.push_str(&String::from_utf8_lossy(data));
            }
        }
        let _ = wr.shutdown().await;
        error
    };
    let error = tokio::select! {
        e = down => e,
        _ = up => String::new(),
    };
    if error.is_empty() { Ok(()) } else { Err(error) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_mappings_read_as_kubectl_reads_them() {
        assert_eq!(parse_ports("8080:80"), Ok((8080, 80)));
        assert_eq!(parse_ports("5000"), Ok((5000, 5000)));
        assert_eq!(parse_ports(":80"), Ok((0, 80)));
        assert!(parse_ports("80:").is_err());
        assert!(parse_ports("http").is_err());
        assert!(parse_ports("1:0").is_err());
    }

    #[test]
    fn the_oldest_running_pod_is_the_one_forwarded_to() {
        let mut old = Pod::test("b").running(true);
        old.metadata.creation_timestamp = Some(crate::api::Time::now());
        let mut new = Pod::test("a").running(true);
        new.metadata.creation_timestamp = old
            .metadata
            .creation_timestamp
            .map(|t| crate::api::Time(t.0 + chrono::Duration::seconds(5)));
        let pending = Pod::test("0");
        let pods = [new, pending, old];
        assert_eq!(pick_pod(&pods).unwrap().metadata.name, "b");
        assert!(pick_pod(&[Pod::test("p")]).is_none());
    }

    #[test]
    fn a_service_port_leads_to_its_target_port_on_the_pod_by_number_or_name() {
        let pod = Pod::test("p").serving("http", 8080, "10.0.0.1", 31000);
        let mut svc = Service::test("web");
        svc.spec.ports = vec![
            crate::api::service::ServicePort {
                port: 80,
                target_port: Some(IntOrString::String("http".into())),
                ..Default::default()
            },
            crate::api::service::ServicePort {
                port: 9000,
                ..Default::default()
            },
        ];
        assert_eq!(service_target_port(&svc, 80, &pod), Ok(8080));
        assert_eq!(service_target_port(&svc, 9000, &pod), Ok(9000));
        assert!(
            service_target_port(&svc, 81, &pod)
                .unwrap_err()
                .contains("80, 9000")
        );
        svc.spec.ports[0].target_port = Some(IntOrString::String("grpc".into()));
        assert!(
            service_target_port(&svc, 80, &pod)
                .unwrap_err()
                .contains("grpc")
        );
    }

    #[test]
    fn targets_are_pods_deployments_or_services() {
        assert_eq!(parse_target("web"), Ok(Target::Pod("web".into())));
        assert_eq!(parse_target("po/web"), Ok(Target::Pod("web".into())));
        assert_eq!(
            parse_target("deploy/web"),
            Ok(Target::Deployment("web".into()))
        );
        assert_eq!(parse_target("svc/web"), Ok(Target::Service("web".into())));
        assert!(parse_target("node/n1").unwrap_err().contains("pod/NAME"));
        assert!(parse_target("pod/").is_err());
    }
}
