//! Starting the node daemon: pick the runtimes, register the Node with the
//! machine's real capacity, heartbeat every second, and keep one worker per
//! pod bound here, fed by a list-then-watch of those pods (listing again
//! after any watch error).
//!
//! # Restarts
//!
//! On start the runtime lists every container instance it knows, including
//! those a previous daemon started. After the first successful pod list, each
//! pod's worker adopts its instances (same processes, same restart counts);
//! instances of pods no longer bound here are stopped and removed. Until that
//! first list succeeds nothing is stopped: a daemon that cannot reach the
//! control daemon leaves its pods running.
//!
//! # Runtimes
//!
//! `auto` uses Docker when an engine answers (`DOCKER_HOST` or the default
//! socket) and the process runtime otherwise; with Docker, the process
//! runtime is offered too, for pods that ask for it with
//! `spec.runtimeClassName: process`. The Node carries the label
//! `runtime.ork.dev/<name>=true` for each runtime it offers, so the scheduler
//! only places a pod where its runtime class exists. Docker containers are
//! labelled with the node's id (a random id kept in its data directory), so
//! several node daemons can share one engine without touching each other's.

use super::machine;
use super::runtime::docker::DockerRuntime;
use super::runtime::fake::FakeRuntime;
use super::runtime::process::ProcessRuntime;
use super::runtime::{ContainerInfo, Runtime, Runtimes};
use super::server;
use super::worker::{self, Handle, Msg, Shared};
use crate::api::{Condition, Node, NodeAddress, NodeSystemInfo, Object, Pod, Quantity, new_object};
use crate::backoff::Backoff;
use crate::client::{Change, Client, ClientError, ListParams, watcher};
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often the node daemon says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(1);

/// How registration and reporting Ready are retried while the control
/// daemon does not answer.
const RETRY: Backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));

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
}

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

fn process_runtime(data_dir: &std::path::Path) -> Result<Arc<dyn Runtime>, NodeError> {
    let err = |message: String| NodeError::Runtime {
        runtime: "process",
        message,
    };
    let shim = std::env::current_exe()
        .map_err(|e| err(format!("finding the ork binary for the shim: {e}")))?;
    Ok(Arc::new(
        ProcessRuntime::new(data_dir.join("containers"), shim).map_err(|e| err(e.to_string()))?,
    ))
}

/// Opens the runtimes `kind` asks for.
pub async fn open_runtimes(
    kind: RuntimeKind,
    data_dir: &std::path::Path,
    node_id: &str,
) -> Result<Opened, NodeError> {
    let pkg = env!("CARGO_PKG_VERSION");
    match kind {
        RuntimeKind::Fake => Ok(Opened {
            runtimes: Runtimes::new(Arc::new(FakeRuntime::new()), vec![]),
            version: format!("fake://{pkg}"),
            summary: "runtime: fake (runs nothing; every container reports Running)".into(),
        }),
        RuntimeKind::Process => Ok(Opened {
            runtimes: Runtimes::new(process_runtime(data_dir)?, vec![]),
            version: format!("process://{pkg}"),
            summary: "runtime: process (containers run as host processes; images are not used)"
                .into(),
        }),
        RuntimeKind::Docker | RuntimeKind::Auto => {
            let endpoint = DockerRuntime::endpoint();
            match DockerRuntime::connect(node_id).await {
                Ok(d) => {
                    let version = d.version.clone();
                    Ok(Opened {
                        runtimes: Runtimes::new(Arc::new(d), vec![process_runtime(data_dir)?]),
                        version: format!("docker://{version}"),
                        summary: format!(
                            "runtime: docker (engine {version} at {endpoint}; pods may pick runtimeClassName: process)"
                        ),
                    })
                }
                Err(e) if kind == RuntimeKind::Docker => Err(NodeError::Runtime {
                    runtime: "docker",
                    message: format!("no Docker engine answers at {endpoint}: {e}"),
                }),
                Err(e) => Ok(Opened {
                    runtimes: Runtimes::new(process_runtime(data_dir)?, vec![]),
                    version: format!("process://{pkg}"),
                    summary: format!(
                        "runtime: process (no Docker engine at {endpoint}: {e}; containers run as host processes)"
                    ),
                }),
            }
        }
    }
}

/// How `ork node` runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The control daemon's URL.
    pub join: String,
    pub token: String,
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
}

/// Why the node daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    DataDir(#[from] crate::sys::SysError),
    #[error(transparent)]
    Lock(#[from] crate::sys::LockError),
    #[error("starting the {runtime} runtime: {message}")]
    Runtime {
        runtime: &'static str,
        message: String,
    },
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("listening for the control daemon on {addr}: {source}")]
    Listen {
        addr: IpAddr,
        #[source]
        source: std::io::Error,
    },
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
        kernel_version: machine::kernel_version(),
        os_image: machine::os_image(),
        operating_system: "linux".into(),
        architecture: arch().into(),
        container_runtime_version: runtime_version.into(),
        kubelet_version: concat!("v", env!("CARGO_PKG_VERSION")).into(),
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

/// Creates the Node, or refreshes it (labels merged, spec such as
/// `unschedulable` kept, status replaced) when it exists.
async fn register(client: &Client, node: &Node) -> Result<(), ClientError> {
    match client.create(node).await {
        Ok(_) => return Ok(()),
        Err(e) if e.is_conflict() => {}
        Err(e) => return Err(e),
    }
    let mut existing: Node = client.get("", &node.metadata.name).await?;
    existing
        .metadata
        .labels
        .extend(node.metadata.labels.clone());
    // Taints given at start are added (a present one keeps its value and
    // time); others set since (ork taint) are kept.
    for t in &node.spec.taints {
        if !existing
            .spec
            .taints
            .iter()
            .any(|x| x.key == t.key && x.effect == t.effect)
        {
            existing.spec.taints.push(t.clone());
        }
    }
    let mut updated = client.replace(&existing).await?;
    updated.status = node.status.clone();
    updated.metadata.resource_version.clear();
    client.replace_status(&updated).await?;
    Ok(())
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

/// Starts the node daemon; returns once the Node is registered.
pub async fn start(cfg: Config) -> Result<Running, NodeError> {
    crate::sys::private_dir(&cfg.data_dir)?;
    let lock = crate::sys::lock_dir(&cfg.data_dir, "node")?;
    let id = node_id(&cfg.data_dir)?;
    let opened = open_runtimes(cfg.runtime, &cfg.data_dir, &id).await?;
    let runtimes = opened.runtimes;
    let client = Client::new(&cfg.join, &cfg.token)?;
    let (host, port) = host_and_port(&cfg.join);
    let host_ip = machine::address_towards(&host, port);
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
    let node = node_object(&cfg, host_ip, node_port, &runtimes.names(), &opened.version);
    let mut retry = RETRY;
    loop {
        match register(&client, &node).await {
            Ok(()) => break,
            Err(e @ ClientError::Unreachable { .. }) => {
                if retry.is_reset() {
                    tracing::warn!(error = %e, "waiting for the control daemon");
                }
                tokio::time::sleep(retry.next_delay()).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(node = %cfg.name, runtimes = ?runtimes.names(), address = %host_ip, "node registered");
    let (shutdown, rx) = watch::channel(false);
    let services = super::proxy::Services::default();
    let volume_roots = super::volumes::Roots::new(&cfg.data_dir, &id, &cfg.allow_host_paths);
    let (config_tx, config_changes) = watch::channel(0u64);
    let shared = Arc::new(Shared {
        client: client.clone(),
        runtimes: runtimes.clone(),
        node_name: cfg.name.clone(),
        host_ip: host_ip.to_string(),
        services: services.clone(),
        volumes: volume_roots.clone(),
        config_changes,
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
    let tasks = vec![
        server::serve(listener, runtimes.clone(), cfg.token.clone(), rx.clone()),
        tokio::spawn(heartbeats(client.clone(), node.clone(), synced, rx.clone())),
        tokio::spawn(super::usage::run(
            shared.clone(),
            cfg.usage_interval,
            rx.clone(),
        )),
        tokio::spawn(sync_pods(shared, synced_tx, rx.clone())),
    ];
    let mut tasks = tasks;
    if cfg.runtime != RuntimeKind::Fake {
        tasks.push(tokio::spawn(super::proxy::run(
            client.clone(),
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
        let (c, roots, mut stop) = (client.clone(), volume_roots, rx);
        tasks.push(tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(5));
            loop {
                tokio::select! {
                    _ = every.tick() => super::volumes::sweep_claims(&c, &roots).await,
                    _ = stop.changed() => return,
                }
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

async fn heartbeats(
    client: Client,
    node: Node,
    synced: tokio::sync::oneshot::Receiver<()>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Ready only once the first pod sync has stopped what must not run here.
    tokio::select! {
        r = synced => if r.is_err() { return },
        _ = shutdown.changed() => return,
    }
    let name = node.metadata.name.clone();
    let mut retry = RETRY;
    loop {
        match set_ready(&client, &name).await {
            Ok(()) => break,
            Err(e) => {
                tracing::debug!(error = %e, "reporting Ready failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(retry.next_delay()) => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
    }
    tracing::info!(node = %name, "node ready");
    let mut tick = tokio::time::interval(HEARTBEAT);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        match client.heartbeat(&node.metadata.name).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {
                tracing::warn!("the Node object is gone; registering again");
                let again = async {
                    register(&client, &node).await?;
                    set_ready(&client, &node.metadata.name).await
                };
                if let Err(e) = again.await {
                    tracing::warn!(error = %e, "registering again failed");
                }
            }
            Err(e) => tracing::debug!(error = %e, "heartbeat failed"),
        }
    }
}

struct Pods {
    shared: Arc<Shared>,
    workers: HashMap<String, Handle>,
    /// Uids of pods found terminating by the first list.
    terminating: Vec<String>,
    /// Instances found at start, by pod uid, with the runtime that has
    /// them, until their pods are seen.
    adopted: Option<HashMap<String, Vec<(&'static str, ContainerInfo)>>>,
}

impl Pods {
    fn upsert(&mut self, pod: Pod) {
        let uid = pod.metadata.uid.clone();
        let pod = Arc::new(pod);
        self.workers.retain(|_, h| !h.join.is_finished());
        if let Some(h) = self.workers.get(&uid) {
            let _ = h.tx.send(Msg::Update(pod));
            return;
        }
        let found = self
            .adopted
            .as_mut()
            .and_then(|a| a.remove(&uid))
            .unwrap_or_default();
        // A pod runs on one runtime: instances another runtime has of it
        // (its runtimeClassName changed) are stopped.
        let runtime = self.shared.runtimes.for_pod(&pod).ok().map(|r| r.name());
        let (adopted, strays): (Vec<_>, Vec<_>) =
            found.into_iter().partition(|(rt, _)| Some(*rt) == runtime);
        if !strays.is_empty() {
            self.stop_instances(uid.clone(), strays, true);
        }
        let adopted = adopted.into_iter().map(|(_, i)| i).collect();
        let h = worker::spawn(self.shared.clone(), pod, adopted);
        self.workers.insert(uid, h);
    }

    /// Stops and removes instances of pod `uid` in the background, and the
    /// pod's sandbox unless `keep_sandbox` (a worker runs the pod).
    fn stop_instances(
        &self,
        uid: String,
        instances: Vec<(&'static str, ContainerInfo)>,
        keep_sandbox: bool,
    ) -> tokio::task::JoinHandle<()> {
        let runtimes = self.shared.runtimes.clone();
        tokio::spawn(async move {
            for (name, i) in instances {
                let Some(rt) = runtimes.get(name) else {
                    continue;
                };
                let _ = rt.stop(&i.id, Duration::from_secs(10)).await;
                let _ = rt.remove(&i.id).await;
            }
            if !keep_sandbox {
                for rt in runtimes.all() {
                    let _ = rt.remove_pod(&uid).await;
                }
            }
        })
    }

    fn remove(&mut self, uid: &str) {
        if let Some(h) = self.workers.remove(uid) {
            let _ = h.tx.send(Msg::Removed);
        }
    }

    /// After the first full list: stop what belongs to no pod bound here, and
    /// wait (bounded) for pods being deleted to stop. Returns when done.
    async fn first_sync(&mut self) {
        let Some(orphans) = self.adopted.take() else {
            return;
        };
        let mut stops = vec![];
        for (uid, instances) in orphans {
            tracing::info!(pod_uid = %uid, count = instances.len(), "stopping containers of a pod no longer bound here");
            let keep = self.workers.contains_key(&uid);
            stops.push(self.stop_instances(uid, instances, keep));
        }
        // Sandboxes of pods that have no worker (their containers are gone).
        for rt in self.shared.runtimes.all() {
            let Ok(prepared) = rt.prepared_pods().await else {
                continue;
            };
            for uid in prepared {
                if !self.workers.contains_key(&uid) {
                    let rt = rt.clone();
                    stops.push(tokio::spawn(async move {
                        let _ = rt.remove_pod(&uid).await;
                    }));
                }
            }
        }
        let terminating: Vec<tokio::task::JoinHandle<()>> = std::mem::take(&mut self.terminating)
            .into_iter()
            .filter_map(|uid| self.workers.remove(&uid))
            .map(|h| h.join)
            .collect();
        let all = futures::future::join_all(stops.into_iter().chain(terminating));
        if tokio::time::timeout(Duration::from_secs(60), all)
            .await
            .is_err()
        {
            tracing::warn!("some pods are still stopping after 60 s; reporting Ready anyway");
        }
    }
}

async fn sync_pods(
    shared: Arc<Shared>,
    synced: tokio::sync::oneshot::Sender<()>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut synced = Some(synced);
    let mut adopted: HashMap<String, Vec<(&'static str, ContainerInfo)>> = HashMap::new();
    for rt in shared.runtimes.all() {
        match rt.list().await {
            Ok(list) => {
                for c in list {
                    adopted
                        .entry(c.pod_uid.clone())
                        .or_default()
                        .push((rt.name(), c));
                }
            }
            Err(e) => {
                tracing::warn!(runtime = rt.name(), error = %e, "listing existing containers failed")
            }
        }
    }
    if !adopted.is_empty() {
        tracing::info!(pods = adopted.len(), "found containers from an earlier run");
    }
    let mut pods = Pods {
        shared: shared.clone(),
        workers: HashMap::new(),
        terminating: vec![],
        adopted: Some(adopted),
    };
    let opts = ListParams::fields(&format!("spec.nodeName={}", shared.node_name));
    let mut changes = std::pin::pin!(watcher(
        shared.client.clone(),
        crate::api::Kind::Pod,
        None,
        opts
    ));
    loop {
        let change = tokio::select! {
            c = changes.next() => match c { Some(c) => c, None => return },
            _ = shutdown.changed() => return,
        };
        match change {
            Change::Listed(items) => {
                let items: Vec<Pod> = items
                    .iter()
                    .filter_map(|o| Pod::from_any(o).map(|p| (**p).clone()))
                    .collect();
                let live: HashSet<String> = items.iter().map(|p| p.metadata.uid.clone()).collect();
                let gone: Vec<String> = pods
                    .workers
                    .keys()
                    .filter(|u| !live.contains(*u))
                    .cloned()
                    .collect();
                for uid in gone {
                    pods.remove(&uid);
                }
                let first = synced.is_some();
                for p in items {
                    if first && p.metadata.is_terminating() {
                        pods.terminating.push(p.metadata.uid.clone());
                    }
                    pods.upsert(p);
                }
                if let Some(tx) = synced.take() {
                    pods.first_sync().await;
                    let _ = tx.send(());
                }
            }
            Change::Applied(o) => {
                if let Some(p) = Pod::from_any(&o) {
                    pods.upsert((**p).clone());
                }
            }
            Change::Deleted(o) => pods.remove(&o.meta().uid),
            Change::Failed(e) => tracing::debug!(error = %e, "pod watch failed; listing again"),
        }
    }
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
    fn the_node_object_carries_capacity_labels_and_endpoint() {
        let cfg = Config {
            join: "http://127.0.0.1:1".into(),
            token: "t".into(),
            name: "n1".into(),
            data_dir: PathBuf::from("/tmp/x"),
            runtime: RuntimeKind::Fake,
            capacity: [("cpu".to_string(), "32".parse().unwrap())].into(),
            labels: [("zone".to_string(), "a".to_string())].into(),
            usage_interval: Duration::from_secs(5),
            taints: vec![],
            allow_host_paths: vec![],
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
