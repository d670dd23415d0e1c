//! The node's registration and liveness: the Node object this daemon
//! registers (capacity from the machine, labels for its runtimes, its
//! endpoint), registering it (waiting for the control daemon to answer),
//! reporting it Ready once the first pod sync has stopped what must not run
//! here, and a heartbeat every second after that (registering again if the
//! Node was deleted). Cut off from the control daemon, the loop follows
//! [`super::fence`]: it stops heartbeating past the grace, fences the pods
//! past the fence time, and resyncs them before reporting Ready again.
//!
//! This module must not import `control`, `cli` or `tui`.

use super::daemon::Config;
use super::fence::{self, Fencing, Heal, Step};
use super::machine;
use super::pods::Command as PodsCommand;
use super::ticks::Ticks;
use crate::api::{Condition, Node, NodeAddress, NodeSystemInfo, Quantity, new_object};
use crate::backoff::Backoff;
use crate::client::{Client, ClientError};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// How often the node daemon says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(1);

/// How registration and reporting Ready are retried while the control
/// daemon does not answer.
const RETRY: Backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));

fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// The Node object this daemon registers; `runtimes` are the names of the
/// runtimes it offers, the default first.
pub fn node_object(
    cfg: &Config,
    host_ip: IpAddr,
    port: u16,
    runtimes: &[&str],
    runtime_version: &str,
) -> Node {
    let mut n: Node = new_object("", &cfg.name);
    n.metadata
        .labels
        .insert("kubernetes.io/hostname".into(), cfg.name.clone());
    n.metadata
        .labels
        .insert("kubernetes.io/os".into(), "linux".into());
    n.metadata
        .labels
        .insert("kubernetes.io/arch".into(), arch().into());
    if let Some(default) = runtimes.first() {
        n.metadata
            .labels
            .insert("ork.dev/runtime".into(), (*default).into());
    }
    for r in runtimes {
        n.metadata.labels.insert(
            format!("{}{r}", crate::api::RUNTIME_LABEL_PREFIX),
            "true".into(),
        );
    }
    n.metadata.labels.extend(cfg.labels.clone());
    n.spec.taints = cfg.taints.clone();
    for t in &mut n.spec.taints {
        if t.effect == "NoExecute" {
            t.time_added = Some(crate::api::Time::now());
        }
    }
    let mut capacity: BTreeMap<String, Quantity> = BTreeMap::new();
    capacity.insert(
        "cpu".into(),
        Quantity::from_milli(i128::from(machine::cpus()) * 1000),
    );
    capacity.insert(
        "memory".into(),
        Quantity::from_bytes(i128::from(machine::memory_bytes())),
    );
    capacity.insert("pods".into(), Quantity::from_milli(110_000));
    capacity.extend(cfg.capacity.clone());
    n.status.allocatable = capacity.clone();
    n.status.capacity = capacity;
    n.status.conditions = vec![starting_condition()];
    n.status.addresses = vec![
        NodeAddress {
            type_: "InternalIP".into(),
            address: host_ip.to_string(),
        },
        NodeAddress {
            type_: "Hostname".into(),
            address: cfg.name.clone(),
        },
    ];
    n.status.daemon_endpoints.kubelet_endpoint.port = i32::from(port);
    n.status.node_info = NodeSystemInfo {
        machine_id: machine::machine_id(),
        system_uuid: machine::system_uuid(),
        boot_id: machine::boot_id(),
        kernel_version: machine::kernel_version(),
        os_image: machine::os_image(),
        operating_system: "linux".into(),
        architecture: arch().into(),
        container_runtime_version: runtime_version.into(),
        kubelet_version: concat!("v", env!("CARGO_PKG_VERSION")).into(),
        kube_proxy_version: concat!("v", env!("CARGO_PKG_VERSION")).into(),
    };
    n
}

/// Until the node has stopped what it must no longer run, it is not Ready.
fn starting_condition() -> Condition {
    Condition::new(
        "Ready",
        false,
        "NodeStarting",
        "stopping pods no longer bound here before taking new ones",
    )
}

/// Reports the node Ready (after its first pod sync).
async fn set_ready(client: &Client, name: &str) -> Result<(), ClientError> {
    let mut n: Node = client.get("", name).await?;
    crate::api::set_condition(
        &mut n.status.conditions,
        Condition::new(
            "Ready",
            true,
            "NodeReady",
            "node daemon is posting heartbeats",
        ),
    );
    n.metadata.resource_version.clear();
    client.replace_status(&n).await?;
    Ok(())
}

/// Creates the Node, or refreshes it when it exists: the labels it owns
/// updated, its status replaced; labels and taints given on the command line
/// apply at first registration only (an admin changes them afterwards).
async fn register(client: &Client, node: &Node) -> Result<(), ClientError> {
    match client.create(node).await {
        Ok(_) => return Ok(()),
        Err(e) if e.is_conflict() => {}
        Err(e) => return Err(e),
    }
    let mut existing: Node = client.get("", &node.metadata.name).await?;
    let before = existing.metadata.labels.clone();
    for (k, v) in &node.metadata.labels {
        if crate::api::core::node_owns_label(k) {
            existing.metadata.labels.insert(k.clone(), v.clone());
        } else if existing.metadata.labels.get(k) != Some(v) {
            tracing::warn!(label = %k, "--label applies when a node first registers; this Node exists, so an admin changes its labels");
        }
    }
    for t in &node.spec.taints {
        if !existing
            .spec
            .taints
            .iter()
            .any(|x| x.key == t.key && x.effect == t.effect)
        {
            tracing::warn!(taint = %t.describe(), "--taint applies when a node first registers; this Node exists, so an admin taints it (ork taint)");
        }
    }
    // The ingress ports are what this start serves: none of an earlier one's.
    existing.metadata.labels.retain(|k, _| {
        !crate::api::ingress::is_port_label(k) || node.metadata.labels.contains_key(k)
    });
    let mut updated = if existing.metadata.labels != before {
        client.replace(&existing).await?
    } else {
        existing
    };
    updated.status = node.status.clone();
    updated.metadata.resource_version.clear();
    client.replace_status(&updated).await?;
    Ok(())
}

/// Registers `node`, waiting (with backoff) while the control daemon is
/// unreachable; any other error ends the wait.
pub async fn register_when_reachable(client: &Client, node: &Node) -> Result<(), ClientError> {
    let mut retry = RETRY;
    loop {
        match register(client, node).await {
            Ok(()) => return Ok(()),
            Err(e @ ClientError::Unreachable { .. }) => {
                if retry.is_reset() {
                    tracing::warn!(error = %e, "waiting for the control daemon");
                }
                tokio::time::sleep(retry.next_delay()).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Reports the node Ready once `synced` fires, then heartbeats until
/// shutdown; cut off from the control daemon, it fences as `fencing` says
/// ([`super::fence`]; `None`: it only keeps trying).
pub async fn heartbeats(
    client: Client,
    node: Node,
    synced: tokio::sync::oneshot::Receiver<()>,
    fencing: Option<Fencing>,
    pods: mpsc::UnboundedSender<PodsCommand>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Ready only once the first pod sync has stopped what must not run here.
    tokio::select! {
        r = synced => if r.is_err() { return },
        _ = shutdown.changed() => return,
    }
    let name = node.metadata.name.clone();
    if !set_ready_retrying(&client, &name, &mut shutdown).await {
        return;
    }
    tracing::info!(node = %name, "node ready");
    let mut ticks = Ticks::new(HEARTBEAT, shutdown);
    let mut last_ok = Instant::now();
    let mut cut = false;
    let mut fenced = false;
    let mut peers: Vec<SocketAddr> = vec![];
    let mut beats = 0u64;
    while ticks.next().await {
        let silent = last_ok.elapsed();
        let step = match fencing {
            Some(f) => fence::decide(f, silent, fenced, None),
            None => Step::Heartbeat,
        };
        if !cut && step == Step::Heartbeat {
            match tokio::time::timeout(CALL_TIMEOUT, client.heartbeat(&name)).await {
                Ok(Ok(())) => {
                    last_ok = Instant::now();
                    // Who to ask, should this node be cut off.
                    // Listed again until a list succeeds: a node cut off
                    // soon after it (re)started must know its peers.
                    if fencing.is_some()
                        && (peers.is_empty() || beats.is_multiple_of(PEERS_EVERY))
                        && let Ok(Ok(l)) = tokio::time::timeout(
                            CALL_TIMEOUT,
                            client.list::<Node>(None, &Default::default()),
                        )
                        .await
                    {
                        peers = peer_endpoints(&l.items, &name);
                    }
                    beats += 1;
                }
                Ok(Err(e)) if e.is_not_found() => {
                    tracing::warn!("the Node object is gone; registering again");
                    let again = async {
                        register(&client, &node).await?;
                        set_ready(&client, &node.metadata.name).await
                    };
                    if let Err(e) = again.await {
                        tracing::warn!(error = %e, "registering again failed");
                    }
                }
                Ok(Err(e)) => tracing::debug!(error = %e, "heartbeat failed"),
                Err(_) => tracing::debug!("heartbeat timed out"),
            }
            continue;
        }
        if !cut {
            cut = true;
            tracing::warn!(silent_for = ?silent, "cut off from the control daemon past the grace: no longer reporting Ready");
        }
        // Probing is a read: it renews nothing, so the control daemon does
        // not count the node Ready before it has resynced.
        if let Ok(Ok(n)) = tokio::time::timeout(CALL_TIMEOUT, client.get::<Node>("", &name)).await {
            if fence::heal(n.is_ready(), fenced) == Heal::ResyncThenReady {
                let (tx, rx) = tokio::sync::oneshot::channel();
                if pods.send(PodsCommand::Resync(tx)).is_ok() {
                    let _ = tokio::time::timeout(Duration::from_secs(60), rx).await;
                }
                // The heartbeat first: Ready without a fresh heartbeat would
                // be taken back at once.
                if !matches!(
                    tokio::time::timeout(CALL_TIMEOUT, client.heartbeat(&name)).await,
                    Ok(Ok(()))
                ) {
                    continue;
                }
                if let Err(e) = set_ready(&client, &name).await {
                    tracing::debug!(error = %e, "reporting Ready failed; the heartbeats will");
                }
            } else {
                let _ = tokio::time::timeout(CALL_TIMEOUT, client.heartbeat(&name)).await;
            }
            tracing::info!(silent_for = ?silent, fenced, "the control daemon answers again; node ready");
            last_ok = Instant::now();
            cut = false;
            fenced = false;
            continue;
        }
        let Some(f) = fencing else { continue };
        if fence::decide(f, silent, fenced, None) == Step::AskPeers {
            let answers = futures::future::join_all(peers.iter().map(|a| async move {
                matches!(
                    tokio::time::timeout(PEER_TIMEOUT, tokio::net::TcpStream::connect(a)).await,
                    Ok(Ok(_))
                )
            }))
            .await;
            let seen = fence::peers(&answers);
            if fence::decide(f, silent, fenced, Some(seen)) == Step::Fence {
                let (tx, rx) = tokio::sync::oneshot::channel();
                if pods.send(PodsCommand::Fence(tx)).is_ok() {
                    let stopped = tokio::time::timeout(Duration::from_secs(40), rx).await;
                    tracing::warn!(silent_for = ?silent, stopped = ?stopped.ok().and_then(|r| r.ok()), "fenced: stopped this node's pods");
                }
                fenced = true;
            } else {
                tracing::debug!(
                    ?seen,
                    "cut off from the control daemon, not from the other nodes: pods keep running"
                );
            }
        }
    }
}

/// How long one heartbeat or probe may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a peer has to accept a connection.
const PEER_TIMEOUT: Duration = Duration::from_millis(700);
/// The other nodes are listed every this many heartbeats.
const PEERS_EVERY: u64 = 10;

/// The endpoints of the other Ready nodes (address and daemon port), to ask
/// when cut off.
pub fn peer_endpoints(nodes: &[Node], me: &str) -> Vec<SocketAddr> {
    nodes
        .iter()
        .filter(|n| n.metadata.name != me && n.is_ready())
        .filter_map(|n| {
            let ip: IpAddr = n.address("InternalIP")?.parse().ok()?;
            let port = u16::try_from(n.status.daemon_endpoints.kubelet_endpoint.port).ok()?;
            (port != 0).then_some(SocketAddr::new(ip, port))
        })
        .collect()
}

/// Reports Ready, retrying with backoff; false on shutdown.
async fn set_ready_retrying(
    client: &Client,
    name: &str,
    shutdown: &mut watch::Receiver<bool>,
) -> bool {
    let mut retry = RETRY;
    loop {
        match set_ready(client, name).await {
            Ok(()) => return true,
            Err(e) => {
                tracing::debug!(error = %e, "reporting Ready failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(retry.next_delay()) => {}
                    _ = shutdown.changed() => return false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Object;
    use crate::node::daemon::RuntimeKind;
    use std::path::PathBuf;

    #[test]
    fn the_node_object_carries_capacity_labels_and_endpoint() {
        let cfg = Config {
            join: "http://127.0.0.1:1".into(),
            token: None,
            name: "n1".into(),
            data_dir: PathBuf::from("/tmp/x"),
            runtime: RuntimeKind::Fake,
            capacity: [("cpu".to_string(), "32".parse().unwrap())].into(),
            labels: [("zone".to_string(), "a".to_string())].into(),
            usage_interval: Duration::from_secs(5),
            taints: vec![],
            allow_host_paths: vec![],
            ingress: Default::default(),
        };
        let n = node_object(
            &cfg,
            IpAddr::from([127, 0, 0, 1]),
            4321,
            &["docker", "process"],
            "docker://27.0.0",
        );
        assert_eq!(n.metadata.labels["ork.dev/runtime"], "docker");
        assert_eq!(n.metadata.labels["runtime.ork.dev/process"], "true");
        assert_eq!(
            n.status.node_info.container_runtime_version,
            "docker://27.0.0"
        );
        assert_eq!(n.status.allocatable["cpu"].milli(), 32_000);
        assert!(n.status.allocatable["memory"].value() > 0);
        assert_eq!(n.metadata.labels["zone"], "a");
        assert_eq!(n.metadata.labels["kubernetes.io/hostname"], "n1");
        assert_eq!(n.status.daemon_endpoints.kubelet_endpoint.port, 4321);
        assert_eq!(n.address("InternalIP"), Some("127.0.0.1"));
        assert!(!n.is_ready(), "not Ready until its first pod sync");
        assert!(n.validate().is_empty());
    }
}
