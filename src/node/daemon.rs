//! Starting and stopping the node daemon: take its data directory (locked,
//! with the node's id), open the runtimes ([`super::runtimes`]), register
//! the Node ([`super::register`]), then run its tasks until shutdown: the
//! endpoint the control daemon reaches ([`super::server`]), heartbeats,
//! usage reports ([`super::usage`]), the pod sync ([`super::pods`]), and,
//! except on hollow nodes, the one watch of Services and Endpoints
//! ([`super::services`]) that the service proxy ([`super::proxy`]), cluster
//! DNS ([`super::dns`]) and the ingress server ([`super::ingress`]) read, and
//! the watches behind configMap and secret volumes ([`super::volumes`]).
//!
//! Pods' files go to the pods dir (`--pods-dir`; by default
//! `/var/lib/ork/pods/<node id>` when the daemon is root, else the data
//! dir's `pods`), outside the private data dir, so that pods running as
//! other users ([`super::security`], `--pod-user`, `--allow-root-pods`) can
//! reach their own files and nothing of the node's: it and every directory
//! above it must let others through (checked at start).
//!
//! The Node carries the label `runtime.ork.dev/<name>=true` for each runtime
//! it offers, so the scheduler only places a pod where its runtime class
//! exists. Docker containers are labelled with the node's id (a random id
//! kept in its data directory), so several node daemons can share one
//! engine without touching each other's.
//!
//! This module must not import `control`, `cli` or `tui`.

use super::machine;
use super::pods;
use super::register;
pub use super::runtimes::RuntimeKind;
use super::runtimes::{OpenError, open_runtimes};
use super::security::PodUsers;
use super::server;
use super::ticks::Ticks;
use super::worker::Shared;
use crate::api::Quantity;
use crate::client::{Client, ClientError};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The node's id in its data directory, made on first start (random, 0600).
pub fn node_id(data_dir: &std::path::Path) -> Result<String, crate::sys::SysError> {
    let path = data_dir.join("node-id");
    if let Ok(id) = std::fs::read_to_string(&path) {
        let id = id.trim();
        if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(id.to_string());
        }
    }
    let id: String = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    crate::sys::write_private(&path, format!("{id}\n").as_bytes())?;
    Ok(id)
}

/// How `ork node` runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The control daemon's URL, or several separated by commas (the node
    /// moves to the next one on connection errors).
    pub join: String,
    /// The join token (`K10<ca hash>::<id>.<secret>`); needed only until
    /// the node has its credentials (`node.kubeconfig` in its data dir).
    pub token: Option<String>,
    pub name: String,
    pub data_dir: PathBuf,
    pub runtime: RuntimeKind,
    /// Replaces the measured capacity (hollow nodes).
    pub capacity: BTreeMap<String, Quantity>,
    pub labels: BTreeMap<String, String>,
    /// How often usage is sampled and reported.
    pub usage_interval: Duration,
    /// Taints the Node starts with.
    pub taints: Vec<crate::api::placement::Taint>,
    /// Host directories `hostPath` volumes may use (none: hostPath is refused).
    pub allow_host_paths: Vec<PathBuf>,
    /// Where Ingresses are served (0: not at all); hollow nodes serve none.
    pub ingress: super::ingress::Ports,
}

/// Who pods run as and where their files go ([`start_with`]); the default
/// is `nobody`, no root, and the default pods dir.
#[derive(Clone, Debug, Default)]
pub struct PodSettings {
    /// Who process pods run as unless they say (`USER|UID[:GROUP|GID]`;
    /// `None`: `nobody`, or the daemon's own user when it is not root).
    pub pod_user: Option<String>,
    /// Whether pods may run as root (uid or gid 0) on the node itself.
    pub allow_root_pods: bool,
    /// Where pods' files go (`None`: see the module docs).
    pub pods_dir: Option<PathBuf>,
    /// When the node, cut off from the control daemon, stops reporting
    /// Ready and stops its pods ([`super::fence`]; `None`: never).
    pub fencing: Option<super::fence::Fencing>,
    /// The node's cluster DNS.
    pub dns: super::dns::DnsSettings,
}

/// Where pods' files go by default, for a daemon that is root, under a node id.
pub const SYSTEM_PODS_DIR: &str = "/var/lib/ork/pods";

/// Why the node daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    DataDir(#[from] crate::sys::SysError),
    #[error(transparent)]
    Lock(#[from] crate::sys::LockError),
    #[error(transparent)]
    Runtime(#[from] OpenError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Join(#[from] super::join::JoinError),
    #[error("TLS for the node's endpoint: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("listening for the control daemon on {addr}: {source}")]
    Listen {
        addr: IpAddr,
        #[source]
        source: std::io::Error,
    },
    /// `--pod-user` or `--allow-root-pods` cannot be honoured.
    #[error("{0}")]
    PodUsers(String),
    /// The pods dir cannot be made, or pods could not reach it.
    #[error("pods dir {path}: {message}")]
    PodsDir { path: PathBuf, message: String },
}

/// The pods dir of a node: made (missing parents 0711), 0711 itself, and,
/// when pods run as other users, reachable by them: every directory above
/// it lets others through. Never the data dir itself.
fn pods_dir(
    cfg: &Config,
    settings: &PodSettings,
    id: &str,
    root: bool,
) -> Result<PathBuf, NodeError> {
    // Hollow nodes run nothing: their pods' files stay with them.
    let dir = match &settings.pods_dir {
        Some(d) => d.clone(),
        None if root && cfg.runtime != RuntimeKind::Fake => Path::new(SYSTEM_PODS_DIR).join(id),
        None => cfg.data_dir.join("pods"),
    };
    let err = |message: String| NodeError::PodsDir {
        path: dir.clone(),
        message,
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o711)
        .create(&dir)
        .map_err(|e| err(format!("creating it: {e}")))?;
    let dir = std::fs::canonicalize(&dir).map_err(|e| err(e.to_string()))?;
    let data = std::fs::canonicalize(&cfg.data_dir).unwrap_or_else(|_| cfg.data_dir.clone());
    if dir == data {
        return Err(err(
            "it is the node's data dir, which must stay private; choose another --pods-dir".into(),
        ));
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o711))
        .map_err(|e| err(format!("chmod: {e}")))?;
    // Pods of hollow nodes never run: nobody needs to reach their files.
    if root && cfg.runtime != RuntimeKind::Fake {
        for above in dir.ancestors().skip(1) {
            let mode = std::fs::metadata(above)
                .map(|m| m.permissions().mode())
                .unwrap_or(0);
            if mode & 0o001 == 0 {
                return Err(err(format!(
                    "pods could not reach it: {} (mode {:o}) does not let other users through; choose another --pods-dir",
                    above.display(),
                    mode & 0o7777
                )));
            }
        }
    }
    crate::sys::write_private(
        &cfg.data_dir.join(PODS_DIR_RECORD),
        format!("{}\n", dir.display()).as_bytes(),
    )?;
    Ok(dir)
}

/// The file in a node's data dir that says where its pods dir is.
const PODS_DIR_RECORD: &str = "pods-dir";

/// The pods dir a node data dir recorded, if any (for `ork down --purge`).
pub fn recorded_pods_dir(data_dir: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(data_dir.join(PODS_DIR_RECORD)).ok()?;
    Some(PathBuf::from(text.trim()))
}

/// Removes the empty directories a node left in its pods dir (the
/// directories of pods whose containers are gone, an unused claims dir,
/// and the pods dir itself when it is ork's own and nothing is left), for
/// `ork down`. Only empty directories of ork's own layout go: volumes and
/// claims with data stay for the pods when they run again.
pub fn prune_pods_dir(data_dir: &Path) {
    let Ok(text) = std::fs::read_to_string(data_dir.join(PODS_DIR_RECORD)) else {
        return;
    };
    let pods = PathBuf::from(text.trim());
    let Ok(entries) = std::fs::read_dir(&pods) else {
        return;
    };
    // Each removal fails, as it should, unless the directory is empty.
    let empty_children = |dir: &Path| {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let _ = std::fs::remove_dir(e.path());
        }
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pod_uid = name.len() == 36 && name.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if pod_uid {
            for sub in ["work", "volumes"] {
                empty_children(&e.path().join(sub));
                let _ = std::fs::remove_dir(e.path().join(sub));
            }
        }
        if pod_uid || name == "claims" {
            let _ = std::fs::remove_dir(e.path());
        }
    }
    let data = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    if pods.starts_with(SYSTEM_PODS_DIR) || pods.starts_with(&data) {
        let _ = std::fs::remove_dir(&pods);
    }
    if !pods.exists() {
        let _ = std::fs::remove_file(data_dir.join(PODS_DIR_RECORD));
    }
}

/// A running node daemon.
pub struct Running {
    pub name: String,
    /// Which runtime runs pods, in one line.
    pub runtime_summary: String,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    _lock: crate::sys::DirLock,
}

impl Running {
    /// Stops heartbeats, the pod loop and the server. Pods keep running (a
    /// new node daemon adopts them).
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            t.abort();
            let _ = t.await;
        }
    }
}

/// Renews the node's certificate in the last third of its life, checking
/// every tenth of it.
async fn renew_certificate(
    client: Client,
    id: super::join::NodeIdentity,
    data_dir: PathBuf,
    name: String,
    host_ip: IpAddr,
    stop: watch::Receiver<bool>,
) {
    let mut every = Ticks::new(super::join::check_every(&id.cert), stop);
    while every.next().await {
        if let Err(e) = super::join::renew_if_due(&client, &id, &data_dir, &name, &[host_ip]).await
        {
            tracing::warn!(error = %e, "renewing the node certificate failed; retrying");
        }
    }
}

fn host_and_port(url: &str) -> (String, u16) {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or(rest);
    match authority.rsplit_once(':') {
        Some((h, p)) => (
            h.trim_matches(|c| c == '[' || c == ']').to_string(),
            p.parse().unwrap_or(80),
        ),
        None => (authority.to_string(), 80),
    }
}

/// Starts the node daemon with the default [`PodSettings`]; returns once
/// the Node is registered.
pub async fn start(cfg: Config) -> Result<Running, NodeError> {
    start_with(cfg, PodSettings::default()).await
}

/// Starts the node daemon; returns once the Node is registered.
pub async fn start_with(cfg: Config, settings: PodSettings) -> Result<Running, NodeError> {
    crate::sys::private_dir(&cfg.data_dir)?;
    let lock = crate::sys::lock_dir(&cfg.data_dir, "node")?;
    let id = node_id(&cfg.data_dir)?;
    let daemon = PodUsers::current_ids();
    let users = PodUsers::resolve(
        settings.pod_user.as_deref(),
        settings.allow_root_pods,
        daemon,
    )
    .map_err(NodeError::PodUsers)?;
    let pods = pods_dir(&cfg, &settings, &id, daemon.uid == 0)?;
    let volume_roots = super::volumes::Roots::new(
        &cfg.data_dir,
        &pods,
        &id,
        &cfg.allow_host_paths,
        daemon.uid == 0,
    );
    volume_roots.prepare().map_err(|e| NodeError::PodsDir {
        path: pods.clone(),
        message: e.to_string(),
    })?;
    // Claims an older ork kept in the private data dir.
    volume_roots.adopt_claims();
    // Cluster DNS (hollow nodes run none); Docker pods get it inside their
    // network namespaces, which only a root daemon can enter.
    let node_dns = (settings.dns.enabled && cfg.runtime != RuntimeKind::Fake)
        .then(|| super::dns::NodeDns::new(settings.dns.clone()));
    let opened = open_runtimes(cfg.runtime, &cfg.data_dir, &pods, &id, node_dns.clone()).await?;
    let runtimes = opened.runtimes;
    // `--join` may list several control daemons; the first one tells which
    // address of this machine they reach.
    let (host, port) = host_and_port(cfg.join.split(',').next().unwrap_or(&cfg.join));
    let host_ip = machine::address_towards(&host, port);
    let identity = super::join::credentials(
        &cfg.data_dir,
        &cfg.join,
        cfg.token.as_deref(),
        &cfg.name,
        &[host_ip],
    )
    .await?;
    let client = identity.client()?;
    // The endpoint presents the node's certificate and serves only the
    // control daemon's.
    let tls = Arc::new(crate::tls::server_config(
        &identity.cert,
        crate::tls::ClientAuth::Required(crate::tls::roots(&identity.cluster_ca()?)?),
    )?);
    let listener = tokio::net::TcpListener::bind((host_ip, 0))
        .await
        .map_err(|source| NodeError::Listen {
            addr: host_ip,
            source,
        })?;
    let node_port = listener
        .local_addr()
        .map_err(|source| NodeError::Listen {
            addr: host_ip,
            source,
        })?
        .port();
    let mut node =
        register::node_object(&cfg, host_ip, node_port, &runtimes.names(), &opened.version);
    node.status.conditions.extend(opened.conditions.clone());
    // The ingress ports, bound before registering so the Node says which it serves.
    let ingress = if cfg.runtime == RuntimeKind::Fake {
        super::ingress::Bound::default()
    } else {
        super::ingress::bind(cfg.ingress)
    };
    node.metadata.labels.extend(ingress.labels());
    register::register_when_reachable(&client, &node).await?;
    tracing::info!(node = %cfg.name, runtimes = ?runtimes.names(), address = %host_ip, "node registered");
    for line in &ingress.failures {
        super::worker::record_event(
            &client,
            &cfg.name,
            crate::api::AnyObject::Node(Arc::new(node.clone())),
            "Warning",
            "IngressPortUnavailable",
            line,
        )
        .await;
    }
    let (shutdown, rx) = watch::channel(false);
    // Hollow nodes watch no services: their view stays empty.
    let (feed, view) = super::services::channel();
    let services = super::proxy::Services::new(view.clone());
    let (config_tx, config_changes) = watch::channel(0u64);
    let shared = Arc::new(Shared {
        client: client.clone(),
        runtimes: runtimes.clone(),
        node_name: cfg.name.clone(),
        host_ip: host_ip.to_string(),
        services: services.clone(),
        volumes: volume_roots.clone(),
        users,
        config_changes,
        cluster_ca: identity.credentials.ca_pem.clone().unwrap_or_default(),
    });
    // Cluster ports are served on loopback and wherever the runtimes' pods
    // reach this machine (the Docker gateway). Hollow nodes run no proxy.
    let mut local: Vec<std::net::IpAddr> = vec![std::net::Ipv4Addr::LOCALHOST.into()];
    for rt in runtimes.all() {
        if let Some(ip) = rt.service_host().and_then(|h| h.parse().ok())
            && !local.contains(&ip)
        {
            local.push(ip);
        }
    }
    let (synced_tx, synced) = tokio::sync::oneshot::channel();
    let (pods_tx, pods_rx) = tokio::sync::mpsc::unbounded_channel();
    // Hollow nodes run nothing: nothing to fence.
    let fencing = settings
        .fencing
        .filter(|_| cfg.runtime != RuntimeKind::Fake);
    let mut tasks = vec![
        server::serve(listener, runtimes.clone(), tls, rx.clone()),
        tokio::spawn(renew_certificate(
            client.clone(),
            identity,
            cfg.data_dir.clone(),
            cfg.name.clone(),
            host_ip,
            rx.clone(),
        )),
        tokio::spawn(register::heartbeats(
            client.clone(),
            node.clone(),
            synced,
            fencing,
            pods_tx,
            rx.clone(),
        )),
        tokio::spawn(super::usage::run(
            shared.clone(),
            cfg.usage_interval,
            rx.clone(),
        )),
        tokio::spawn(pods::sync_pods(shared, synced_tx, pods_rx, rx.clone())),
    ];
    if let Some(d) = node_dns {
        tasks.push(tokio::spawn(super::dns::run(view.clone(), d, rx.clone())));
    }
    if cfg.runtime != RuntimeKind::Fake {
        tasks.push(tokio::spawn(super::services::run(
            client.clone(),
            feed,
            rx.clone(),
        )));
        tasks.push(tokio::spawn(super::ingress::run(
            client.clone(),
            view,
            ingress,
            rx.clone(),
        )));
        tasks.push(tokio::spawn(super::proxy::run(
            cfg.name.clone(),
            host_ip.to_string(),
            local,
            services,
            rx.clone(),
        )));
        for kind in [crate::api::Kind::ConfigMap, crate::api::Kind::Secret] {
            tasks.push(tokio::spawn(super::volumes::announce_changes(
                client.clone(),
                kind,
                volume_roots.watched.clone(),
                config_tx.clone(),
            )));
        }
        // Data of deleted claims goes, every few seconds.
        let (c, roots) = (client.clone(), volume_roots);
        let mut every = Ticks::new(Duration::from_secs(5), rx);
        tasks.push(tokio::spawn(async move {
            while every.next().await {
                super::volumes::sweep_claims(&c, &roots).await;
            }
        }));
    }
    Ok(Running {
        name: cfg.name,
        runtime_summary: opened.summary,
        shutdown,
        tasks,
        _lock: lock,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_urls_give_host_and_port() {
        assert_eq!(
            host_and_port("http://127.0.0.1:7700"),
            ("127.0.0.1".into(), 7700)
        );
        assert_eq!(host_and_port("http://[::1]:80/x"), ("::1".into(), 80));
        assert_eq!(host_and_port("http://ctl"), ("ctl".into(), 80));
    }

    #[test]
    fn pruning_a_pods_dir_removes_only_emptiness_of_orks_own_layout() {
        let d = tempfile::tempdir().unwrap();
        let data = std::fs::canonicalize(d.path()).unwrap();
        let pods = data.join("pods");
        let gone = "0b7c2a4e-0000-4000-8000-000000000001";
        let kept = "0b7c2a4e-0000-4000-8000-000000000002";
        for p in [
            pods.join("claims"),
            pods.join(gone).join("work"),
            pods.join(kept).join("volumes/cache"),
            pods.join(kept).join("work/c_0"),
            pods.join("not-ours"),
        ] {
            std::fs::create_dir_all(p).unwrap();
        }
        std::fs::write(pods.join(kept).join("volumes/cache/file"), "data").unwrap();
        std::fs::write(data.join(PODS_DIR_RECORD), format!("{}\n", pods.display())).unwrap();
        prune_pods_dir(&data);
        assert!(!pods.join("claims").exists() && !pods.join(gone).exists());
        assert!(!pods.join(kept).join("work").exists());
        assert!(pods.join(kept).join("volumes/cache/file").exists());
        assert!(pods.join("not-ours").exists());
        // Once only ork's emptiness is left, the pods dir and its record go.
        std::fs::remove_dir_all(pods.join(kept)).unwrap();
        std::fs::remove_dir(pods.join("not-ours")).unwrap();
        prune_pods_dir(&data);
        assert!(!pods.exists() && !data.join(PODS_DIR_RECORD).exists());
    }
}
