//! The daemon commands: `ork up` (control daemon plus node daemons on this
//! machine), `ork control`, `ork node`, and `ork down`.
//!
//! Stopping a daemon never stops pods: a restarted node daemon adopts them.
//! `ork down` stops the pods an `ork up` data dir left running.

use super::misc::parse_duration;
use super::{CliError, Global, Result};
use crate::api::Quantity;
use crate::control::daemon as control_daemon;
use crate::node::daemon::{self as node_daemon, RuntimeKind};
use crate::node::machine;
use crate::node::runtime::Runtime;
use crate::verbs::config;
use clap::{Args, ValueEnum};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The default data dir: `$XDG_DATA_HOME/ork` or `~/.local/share/ork`.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("ork");
    }
    config::home().join(".local").join("share").join("ork")
}

/// Runtime choice on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RuntimeChoice {
    /// Docker when an engine answers (DOCKER_HOST or the default socket), else process.
    Auto,
    /// Containers as plain host processes (`command` + `args`; the image is not used).
    Process,
    /// Containers through the Docker engine; fails when no engine answers.
    Docker,
    /// Runs nothing, reports Running: hollow nodes for tests and benchmarks.
    Fake,
}

impl RuntimeChoice {
    fn resolve(self) -> RuntimeKind {
        match self {
            RuntimeChoice::Auto => RuntimeKind::Auto,
            RuntimeChoice::Process => RuntimeKind::Process,
            RuntimeChoice::Docker => RuntimeKind::Docker,
            RuntimeChoice::Fake => RuntimeKind::Fake,
        }
    }
}

#[derive(Args, Debug)]
pub struct UpArgs {
    /// Where the database, tokens and container state live.
    #[arg(long, env = "ORK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address of the API.
    #[arg(long, default_value = "127.0.0.1:7700", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Run N node daemons, each as its own child process (default: one, in this process).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub nodes: Option<u32>,
    /// How pods run.
    #[arg(long, value_enum, default_value = "auto")]
    pub runtime: RuntimeChoice,
    /// Silence after which a node counts as NotReady.
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub node_grace: Duration,
    /// A host directory pods may mount with `hostPath` (repeatable; none by default).
    #[arg(long = "allow-host-path", value_name = "DIR")]
    pub allow_host_paths: Vec<PathBuf>,
    #[command(flatten)]
    pub pods: PodArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
}

/// Who pods run as on a node.
#[derive(Args, Debug, Clone, Default)]
pub struct PodArgs {
    /// Who process pods run as unless their securityContext says (default:
    /// nobody; the node's own user when it does not run as root).
    #[arg(long, value_name = "USER|UID[:GID]")]
    pub pod_user: Option<String>,
    /// Let pods run as root (uid or gid 0) on the node itself (process pods
    /// with runAsUser: 0, or --pod-user root).
    #[arg(long)]
    pub allow_root_pods: bool,
}

#[derive(Args, Debug)]
pub struct ControlArgs {
    #[arg(long, env = "ORK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[arg(long, default_value = "127.0.0.1:7700", value_name = "ADDR")]
    pub listen: SocketAddr,
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub node_grace: Duration,
    /// How often HorizontalPodAutoscalers are evaluated.
    #[arg(long, env = "ORK_HPA_SYNC_PERIOD", default_value = "15s", value_parser = parse_duration, value_name = "DURATION")]
    pub hpa_sync_period: Duration,
    /// Serve /metrics without a token (for a Prometheus that has none).
    #[arg(long)]
    pub metrics_public: bool,
    /// `spread` (least-allocated: emptiest nodes first) or `binpack`
    /// (most-allocated: fill nodes before using more).
    #[arg(long, value_enum, default_value = "spread")]
    pub scheduling_strategy: StrategyChoice,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// What the audit log (DATA/audit.log) records: `metadata` (who did what to which object, and the answer; never bodies) or `off`.
    #[arg(long, value_enum, default_value = "metadata")]
    pub audit_log: crate::control::audit::Level,
    /// How long an Event is kept after it last happened.
    #[arg(long, default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
    pub event_ttl: Duration,
    /// How many Events the cluster keeps; past it the oldest are evicted.
    #[arg(long, default_value_t = crate::control::events::DEFAULT_MAX_EVENTS, value_parser = parse_max_events, value_name = "N")]
    pub max_events: usize,
}

fn parse_max_events(s: &str) -> std::result::Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 10 => Ok(n),
        _ => Err(format!("{s:?}: expected a whole number of at least 10")),
    }
}

/// The API's certificate.
#[derive(Args, Debug, Clone)]
pub struct TlsArgs {
    /// Another name or address the API's certificate covers (repeatable);
    /// the listen address, hostname, machine addresses and localhost always are.
    #[arg(long = "tls-san", value_name = "NAME|IP")]
    pub tls_sans: Vec<String>,
    /// Serve this certificate chain (PEM, ending with its CA) instead of one from the cluster CA.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// How long the certificates the cluster CA issues (the API's, nodes') are valid; each renews itself in the last third.
    #[arg(long, default_value = "365d", value_parser = parse_duration, value_name = "DURATION")]
    pub cert_validity: Duration,
}

impl TlsArgs {
    fn config(&self) -> control_daemon::TlsConfig {
        control_daemon::TlsConfig {
            sans: self.tls_sans.clone(),
            cert: self.tls_cert.clone().zip(self.tls_key.clone()),
            validity: self.cert_validity,
        }
    }
}

impl Default for TlsArgs {
    fn default() -> Self {
        TlsArgs {
            tls_sans: vec![],
            tls_cert: None,
            tls_key: None,
            cert_validity: crate::control::pki::DEFAULT_VALIDITY,
        }
    }
}

/// Scheduling strategy on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StrategyChoice {
    Spread,
    Binpack,
}

impl From<StrategyChoice> for crate::scheduler::Strategy {
    fn from(c: StrategyChoice) -> Self {
        match c {
            StrategyChoice::Spread => crate::scheduler::Strategy::Spread,
            StrategyChoice::Binpack => crate::scheduler::Strategy::Binpack,
        }
    }
}

#[derive(Args, Debug)]
pub struct NodeArgs {
    /// URL of the control daemon.
    #[arg(long, value_name = "URL")]
    pub join: String,
    /// File holding the node join token (the control daemon's node.token);
    /// or give the token itself with --token.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Node name (default: the hostname).
    #[arg(long)]
    pub name: Option<String>,
    /// Where this node keeps container state and logs.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// How pods run.
    #[arg(long, value_enum, default_value = "auto")]
    pub runtime: RuntimeChoice,
    /// Capacity to report instead of the machine's, e.g. cpu=32,memory=128Gi.
    #[arg(long, value_name = "LIST")]
    pub capacity: Option<String>,
    /// A label for the Node (repeatable), e.g. --label zone=a.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// A taint for the Node (repeatable), e.g. --taint dedicated=gpu:NoSchedule.
    #[arg(long = "taint", value_name = "KEY[=VALUE]:EFFECT")]
    pub taints: Vec<String>,
    /// How often the node samples and reports CPU and memory usage.
    #[arg(long, env = "ORK_USAGE_INTERVAL", default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub usage_interval: Duration,
    /// Exit when the parent process exits (used by `ork up --nodes`).
    #[arg(long, hide = true)]
    pub exit_with_parent: bool,
    /// A host directory pods may mount with `hostPath` (repeatable; none by default).
    #[arg(long = "allow-host-path", value_name = "DIR")]
    pub allow_host_paths: Vec<PathBuf>,
    #[command(flatten)]
    pub pods: PodArgs,
    /// Where pods' files go (volumes, working directories, claims), outside
    /// the private data dir [default: /var/lib/ork/pods/<node id> as root,
    /// DIR/pods otherwise].
    #[arg(long, value_name = "DIR")]
    pub pods_dir: Option<PathBuf>,
}

impl PodArgs {
    fn settings(&self, pods_dir: Option<PathBuf>) -> node_daemon::PodSettings {
        node_daemon::PodSettings {
            pod_user: self.pod_user.clone(),
            allow_root_pods: self.allow_root_pods,
            pods_dir,
        }
    }

    /// The same flags for a child `ork node`.
    fn args(&self) -> Vec<String> {
        let mut out = vec![];
        if let Some(u) = &self.pod_user {
            out.extend(["--pod-user".to_string(), u.clone()]);
        }
        if self.allow_root_pods {
            out.push("--allow-root-pods".into());
        }
        out
    }
}

#[derive(Args, Debug)]
pub struct DownArgs {
    #[arg(long, env = "ORK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Also delete the cluster: its data dir (database, CA, tokens, pods'
    /// files) and its context in the client config, so the next `ork up`
    /// starts empty.
    #[arg(long)]
    pub purge: bool,
    /// Do not ask before --purge deletes anything.
    #[arg(long, short = 'y', requires = "purge")]
    pub yes: bool,
}

/// Resolves when SIGINT or SIGTERM arrives.
async fn interrupted() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

fn pairs(list: &str, what: &str) -> Result<Vec<(String, String)>> {
    list.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| CliError::Usage(format!("{what} {kv:?}: expected KEY=VALUE")))
        })
        .collect()
}

async fn start_control(cfg: control_daemon::Config) -> Result<control_daemon::Running> {
    control_daemon::start(cfg)
        .await
        .map_err(|e| CliError::Failed(e.to_string()))
}

pub async fn control(a: ControlArgs) -> Result<()> {
    let dir = a.data_dir.unwrap_or_else(default_data_dir);
    let running = start_control(control_daemon::Config {
        data_dir: dir.clone(),
        listen: a.listen,
        node_grace: a.node_grace,
        hpa_sync_period: a.hpa_sync_period,
        metrics_public: a.metrics_public,
        scheduling_strategy: a.scheduling_strategy.into(),
        tls: a.tls.config(),
        audit: a.audit_log,
        events: crate::control::events::Limits {
            ttl: a.event_ttl,
            max_events: a.max_events,
        },
    })
    .await?;
    println!("control daemon listening on {}", running.url);
    println!(
        "admin kubeconfig: {} (KUBECONFIG= for kubectl, --config for ork)",
        dir.join("admin.kubeconfig").display()
    );
    println!(
        "join a node:  ork node --join {} --token-file {}",
        running.url,
        dir.join("node.token").display()
    );
    interrupted().await;
    running.shutdown().await;
    Ok(())
}

pub async fn node(g: &Global, a: NodeArgs) -> Result<()> {
    if a.exit_with_parent {
        let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM);
    }
    let token = match (&a.token_file, &g.token) {
        (None, Some(t)) => Some(t.trim().to_string()),
        (Some(f), _) => Some(
            std::fs::read_to_string(f)
                .map_err(|source| CliError::Io {
                    what: "reading token file",
                    path: f.clone(),
                    source,
                })?
                .trim()
                .to_string(),
        ),
        // A node that joined before has its credentials in its data dir.
        (None, None) => None,
    };
    let name = a.name.clone().unwrap_or_else(machine::node_name);
    if let Some(m) = crate::api::validation::dns1123_subdomain_error(&name) {
        return Err(CliError::Usage(format!("--name: {m}")));
    }
    let mut capacity = BTreeMap::new();
    for (k, v) in pairs(a.capacity.as_deref().unwrap_or(""), "--capacity")? {
        let q: Quantity = v
            .parse()
            .map_err(|e| CliError::Usage(format!("--capacity {k}: {e}")))?;
        capacity.insert(k, q);
    }
    let mut labels = BTreeMap::new();
    for l in &a.labels {
        for (k, v) in pairs(l, "--label")? {
            labels.insert(k, v);
        }
    }
    let data_dir = a
        .data_dir
        .clone()
        .unwrap_or_else(|| default_data_dir().join("nodes").join(&name));
    let runtime = a.runtime.resolve();
    let settings = a.pods.settings(a.pods_dir.clone());
    let running = node_daemon::start_with(
        node_daemon::Config {
            join: a.join.clone(),
            token,
            name: name.clone(),
            data_dir,
            runtime,
            capacity,
            labels,
            usage_interval: a.usage_interval,
            allow_host_paths: a.allow_host_paths.clone(),
            taints: a
                .taints
                .iter()
                .map(|t| crate::api::placement::Taint::parse(t))
                .collect::<std::result::Result<_, _>>()
                .map_err(CliError::Usage)?,
        },
        settings,
    )
    .await
    .map_err(|e| CliError::Failed(e.to_string()))?;
    println!("node {name} joined {}", a.join);
    println!("{}", running.runtime_summary);
    interrupted().await;
    running.shutdown().await;
    Ok(())
}

/// A node daemon running as a child process of `ork up`.
struct ChildNode {
    name: String,
    child: tokio::process::Child,
}

fn spawn_child_node(
    url: &str,
    dir: &Path,
    name: &str,
    runtime: RuntimeKind,
    allow_host_paths: &[PathBuf],
    pods: &PodArgs,
) -> Result<ChildNode> {
    let exe = std::env::current_exe().map_err(|source| CliError::Io {
        what: "finding the ork binary",
        path: PathBuf::from("ork"),
        source,
    })?;
    let nodes = dir.join("nodes");
    std::fs::create_dir_all(&nodes).map_err(|source| CliError::Io {
        what: "creating",
        path: nodes.clone(),
        source,
    })?;
    let log_path = nodes.join(format!("{name}.log"));
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|source| CliError::Io {
            what: "opening node log",
            path: log_path.clone(),
            source,
        })?;
    let err = log.try_clone().map_err(|source| CliError::Io {
        what: "opening node log",
        path: log_path.clone(),
        source,
    })?;
    let child = tokio::process::Command::new(exe)
        .args(["node", "--join", url, "--token-file"])
        .arg(dir.join("node.token"))
        .args([
            "--name",
            name,
            "--runtime",
            runtime.as_str(),
            "--exit-with-parent",
            "--data-dir",
        ])
        .arg(nodes.join(name))
        .args(
            allow_host_paths
                .iter()
                .flat_map(|p| [std::ffi::OsStr::new("--allow-host-path"), p.as_os_str()]),
        )
        .args(pods.args())
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|source| CliError::Io {
            what: "starting node daemon",
            path: nodes.join(name),
            source,
        })?;
    if let Some(pid) = child.id() {
        let _ = std::fs::write(nodes.join(format!("{name}.pid")), format!("{pid}\n"));
    }
    Ok(ChildNode {
        name: name.to_string(),
        child,
    })
}

pub async fn up(g: &Global, a: UpArgs) -> Result<()> {
    let dir = a.data_dir.clone().unwrap_or_else(default_data_dir);
    let runtime = a.runtime.resolve();
    let control = start_control(control_daemon::Config {
        data_dir: dir.clone(),
        listen: a.listen,
        node_grace: a.node_grace,
        hpa_sync_period: crate::control::controllers::hpa::DEFAULT_SYNC_PERIOD,
        metrics_public: false,
        scheduling_strategy: crate::scheduler::Strategy::Spread,
        tls: a.tls.config(),
        audit: crate::control::audit::Level::Metadata,
        events: Default::default(),
    })
    .await?;
    let cfg_path = config::path(&g.overrides());
    config::write(&cfg_path, &control.kubeconfig)?;
    let mut in_process = None;
    let mut children = vec![];
    match a.nodes {
        None => {
            let name = machine::node_name();
            let running = node_daemon::start_with(
                node_daemon::Config {
                    join: control.url.clone(),
                    token: Some(control.tokens.node.clone()),
                    name: name.clone(),
                    data_dir: dir.join("node"),
                    runtime,
                    capacity: BTreeMap::new(),
                    labels: BTreeMap::new(),
                    usage_interval: crate::node::usage::DEFAULT_INTERVAL,
                    taints: vec![],
                    allow_host_paths: a.allow_host_paths.clone(),
                },
                a.pods.settings(None),
            )
            .await
            .map_err(|e| CliError::Failed(e.to_string()))?;
            println!("node {name} ready");
            println!("{}", running.runtime_summary);
            in_process = Some(running);
        }
        Some(n) => {
            // Every child uses the same runtime: decide once.
            let runtime = match runtime {
                RuntimeKind::Auto => {
                    match crate::node::runtime::docker::DockerRuntime::connect("probe").await {
                        Ok(_) => RuntimeKind::Docker,
                        Err(e) => {
                            println!(
                                "no Docker engine at {}: {e}",
                                crate::node::runtime::docker::DockerRuntime::endpoint()
                            );
                            RuntimeKind::Process
                        }
                    }
                }
                other => other,
            };
            for i in 1..=n {
                let name = format!("node-{i}");
                children.push(spawn_child_node(
                    &control.url,
                    &dir,
                    &name,
                    runtime,
                    &a.allow_host_paths,
                    &a.pods,
                )?);
            }
            println!(
                "{n} node daemons starting as child processes (runtime: {}; pids and logs in {})",
                runtime.as_str(),
                dir.join("nodes").display()
            );
        }
    }
    println!("ork is up: API {}, data in {}", control.url, dir.display());
    println!("client config written to {}", cfg_path.display());
    println!("try: ork apply -f examples/hello.yaml && ork get pods");
    println!("press Ctrl-C to stop ork (pods keep running; `ork down` stops them)");
    let mut watch_children = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            _ = interrupted() => break,
            _ = watch_children.tick() => {
                for c in children.iter_mut() {
                    if let Ok(Some(status)) = c.child.try_wait() {
                        tracing::warn!(node = %c.name, %status, "node daemon exited");
                        let _ = std::fs::remove_file(dir.join("nodes").join(format!("{}.pid", c.name)));
                    }
                }
                children.retain_mut(|c| matches!(c.child.try_wait(), Ok(None)));
            }
        }
    }
    eprintln!("stopping ork…");
    for c in &children {
        if let Some(pid) = c.child.id() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
    }
    for mut c in children {
        if tokio::time::timeout(Duration::from_secs(5), c.child.wait())
            .await
            .is_err()
        {
            let _ = c.child.kill().await;
        }
        let _ = std::fs::remove_file(dir.join("nodes").join(format!("{}.pid", c.name)));
    }
    if let Some(n) = in_process {
        n.shutdown().await;
    }
    control.shutdown().await;
    Ok(())
}

/// Every node data dir under an `ork up` data dir.
fn node_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.join("node")];
    if let Ok(entries) = std::fs::read_dir(dir.join("nodes")) {
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.push(e.path());
            }
        }
    }
    out.into_iter().filter(|p| p.is_dir()).collect()
}

/// Every container state dir under an `ork up` data dir.
fn container_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.join("node").join("containers")];
    if let Ok(entries) = std::fs::read_dir(dir.join("nodes")) {
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.push(e.path().join("containers"));
            }
        }
    }
    out.into_iter().filter(|p| p.is_dir()).collect()
}

pub async fn down(g: &Global, a: DownArgs) -> Result<()> {
    let dir = a.data_dir.clone().unwrap_or_else(default_data_dir);
    if a.purge && !a.yes {
        confirm_purge(&dir, &config::path(&g.overrides()))?;
    }
    if let Ok(url) = std::fs::read_to_string(dir.join("control.url")) {
        let url = url.trim().to_string();
        // Only whether something answers: no credentials are sent.
        crate::tls::install_crypto();
        let probe = crate::tls::insecure_client_config(None)
            .ok()
            .and_then(|c| {
                reqwest::Client::builder()
                    .tls_backend_preconfigured(c)
                    .build()
                    .ok()
            })
            .unwrap_or_default();
        let health = probe
            .get(format!("{url}/healthz"))
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        if health.is_ok_and(|r| r.status().is_success()) {
            return Err(CliError::Failed(format!(
                "ork is still running at {url}; stop it (Ctrl-C on `ork up`) before `ork down`, or it would restart the pods"
            )));
        }
    }
    let shim = std::env::current_exe().map_err(|source| CliError::Io {
        what: "finding the ork binary",
        path: PathBuf::from("ork"),
        source,
    })?;
    // A node daemon still running would restart what we stop.
    let mut locks = vec![];
    for node_dir in node_dirs(&dir) {
        locks.push(
            crate::sys::lock_dir(&node_dir, "node").map_err(|e| CliError::Failed(e.to_string()))?,
        );
    }
    let mut stopped = 0;
    for d in container_dirs(&dir) {
        let rt = crate::node::runtime::process::ProcessRuntime::new(d.clone(), shim.clone())
            .map_err(|e| CliError::Failed(e.to_string()))?;
        let list = rt
            .list()
            .await
            .map_err(|e| CliError::Failed(e.to_string()))?;
        let stops = list.iter().map(|c| rt.stop(&c.id, Duration::from_secs(10)));
        for r in futures::future::join_all(stops).await {
            if r.is_ok() {
                stopped += 1;
            }
        }
        for c in &list {
            let _ = rt.remove(&c.id).await;
        }
    }
    // Docker containers of every node of this data dir (by the node's id).
    for node_dir in node_dirs(&dir) {
        let Ok(id) = std::fs::read_to_string(node_dir.join("node-id")) else {
            continue;
        };
        let Ok(docker) = crate::node::runtime::docker::DockerRuntime::connect(id.trim()).await
        else {
            continue;
        };
        stopped += docker
            .remove_everything()
            .await
            .map_err(|e| CliError::Failed(e.to_string()))?;
    }
    // What the stopped pods left empty in the nodes' pods dirs.
    for node_dir in node_dirs(&dir) {
        node_daemon::prune_pods_dir(&node_dir);
    }
    println!(
        "stopped {stopped} container{}",
        if stopped == 1 { "" } else { "s" }
    );
    if a.purge {
        purge(&dir, &config::path(&g.overrides()))?;
    }
    Ok(())
}

/// Asks on the terminal before `--purge` deletes a cluster; without a
/// terminal, `--yes` must say so.
fn confirm_purge(dir: &Path, cfg: &Path) -> Result<()> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "--purge deletes {} for good; add --yes to confirm",
            dir.display()
        )));
    }
    eprint!(
        "delete the cluster in {} (database, CA, tokens, pods' files) and its context in {}? [y/N] ",
        dir.display(),
        cfg.display()
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(CliError::Failed("nothing deleted".into()))
    }
}

/// The client config without what points at the cluster whose CA is
/// `ca_data` (base64 of its PEM, as kubeconfigs carry it): its clusters,
/// the contexts using them and those contexts' users. `None` when nothing
/// is left.
pub fn without_cluster(
    mut cfg: crate::client::kubeconfig::Kubeconfig,
    ca_data: &str,
) -> Option<crate::client::kubeconfig::Kubeconfig> {
    let gone: Vec<String> = cfg
        .clusters
        .iter()
        .filter(|c| c.cluster.certificate_authority_data.as_deref() == Some(ca_data))
        .map(|c| c.name.clone())
        .collect();
    let users: Vec<String> = cfg
        .contexts
        .iter()
        .filter(|c| gone.contains(&c.context.cluster))
        .map(|c| c.context.user.clone())
        .collect();
    cfg.clusters.retain(|c| !gone.contains(&c.name));
    cfg.contexts.retain(|c| !gone.contains(&c.context.cluster));
    let used: Vec<String> = cfg
        .contexts
        .iter()
        .map(|c| c.context.user.clone())
        .collect();
    cfg.users
        .retain(|u| !users.contains(&u.name) || used.contains(&u.name));
    if !cfg.contexts.iter().any(|c| c.name == cfg.current_context) {
        cfg.current_context = cfg
            .contexts
            .first()
            .map(|c| c.name.clone())
            .unwrap_or_default();
    }
    (!cfg.clusters.is_empty() || !cfg.contexts.is_empty()).then_some(cfg)
}

/// Deletes a stopped cluster: the pods dirs its nodes recorded outside the
/// data dir, the data dir, and its context in the client config at `cfg`.
fn purge(dir: &Path, cfg: &Path) -> Result<()> {
    let io = |what: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| CliError::Io { what, path, source }
    };
    // The admin kubeconfig names the cluster's CA, which the client config shares.
    let admin = config::read(&dir.join("admin.kubeconfig")).ok().flatten();
    let ca = admin
        .as_ref()
        .and_then(|k| k.clusters.first())
        .and_then(|c| c.cluster.certificate_authority_data.clone());
    for node_dir in node_dirs(dir) {
        if let Some(pods) = node_daemon::recorded_pods_dir(&node_dir)
            && !pods.starts_with(dir)
            && pods.starts_with(node_daemon::SYSTEM_PODS_DIR)
        {
            std::fs::remove_dir_all(&pods)
                .or_else(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => Ok(()),
                    _ => Err(e),
                })
                .map_err(io("deleting", &pods))?;
        }
    }
    match std::fs::remove_dir_all(dir) {
        Ok(()) => println!("deleted {}", dir.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io("deleting", dir)(e)),
    }
    if let (Some(ca), Ok(Some(client))) = (ca, config::read(cfg)) {
        let before = client.contexts.len();
        match without_cluster(client, &ca) {
            None => {
                std::fs::remove_file(cfg).map_err(io("deleting", cfg))?;
                println!("deleted {}", cfg.display());
            }
            Some(rest) if rest.contexts.len() < before => {
                config::write(cfg, &rest)?;
                println!("removed the cluster's context from {}", cfg.display());
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::kubeconfig::{Kubeconfig, User};

    #[test]
    fn purging_removes_only_the_purged_clusters_context() {
        let mine = Kubeconfig::single(
            "ork",
            "https://127.0.0.1:7700",
            Some(b"A"),
            User::token("t"),
        );
        let ca = mine.clusters[0]
            .cluster
            .certificate_authority_data
            .clone()
            .unwrap();
        assert!(without_cluster(mine.clone(), &ca).is_none());
        let other = Kubeconfig::single(
            "prod",
            "https://10.0.0.1:6443",
            Some(b"B"),
            User::token("u"),
        );
        let mut both = other.clone();
        both.clusters.extend(mine.clusters.clone());
        both.contexts.extend(mine.contexts.clone());
        both.users.extend(mine.users.clone());
        both.current_context = mine.current_context.clone();
        let left = without_cluster(both, &ca).unwrap();
        assert_eq!(left.clusters, other.clusters);
        assert_eq!(left.contexts, other.contexts);
        assert_eq!(left.users, other.users);
        assert_eq!(left.current_context, other.current_context);
    }
}
