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
    /// The range Services' cluster IPs are allocated from (IPv4, /8 to /28;
    /// its tenth address is kept for the cluster DNS service).
    #[arg(long, default_value = crate::api::service::SERVICE_CIDR, value_name = "CIDR")]
    pub service_cidr: crate::api::service::ServiceRange,
    /// A host directory pods may mount with `hostPath` (repeatable; none by default).
    #[arg(long = "allow-host-path", value_name = "DIR")]
    pub allow_host_paths: Vec<PathBuf>,
    #[command(flatten)]
    pub pods: PodArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Run each node daemon on a machine of its own: `docker` (a container
    /// per node on a private network, pods run inside it by the process
    /// runtime). `ork down` removes the machines; `ork chaos` breaks them.
    #[arg(long, value_enum, value_name = "KIND")]
    pub machines: Option<MachinesChoice>,
    /// With --machines: run the control daemon in a container too (default: on this host).
    #[arg(long, requires = "machines")]
    pub control_in_container: bool,
    /// With --machines: the prefix of the Docker objects' names (network, containers).
    #[arg(
        long,
        default_value = "ork",
        value_name = "NAME",
        requires = "machines"
    )]
    pub cluster: String,
    /// Cut off from the control daemon this long, a node stops its pods
    /// (the control daemon has replaced them) [default: twice --node-grace].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub fence_after: Option<Duration>,
    /// With --nodes N, node i serves Ingresses on these ports + i - 1.
    #[command(flatten)]
    pub ingress: IngressArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Where a node serves Ingresses.
#[derive(Args, Debug, Clone)]
pub struct IngressArgs {
    /// The port Ingresses are served on over HTTP, on every address of the
    /// node (0: off). `ork up --nodes N` gives node i this port + i - 1.
    #[arg(
        long,
        env = "ORK_INGRESS_PORT",
        default_value_t = 80,
        value_name = "PORT"
    )]
    pub ingress_port: u16,
    /// The port Ingresses are served on over HTTPS (certificates from their
    /// kubernetes.io/tls Secrets, by SNI; 0: off). `ork up --nodes N` gives
    /// node i this port + i - 1.
    #[arg(
        long,
        env = "ORK_INGRESS_TLS_PORT",
        default_value_t = 443,
        value_name = "PORT"
    )]
    pub ingress_tls_port: u16,
}

impl IngressArgs {
    fn ports(&self) -> crate::node::ingress::Ports {
        crate::node::ingress::Ports {
            http: self.ingress_port,
            https: self.ingress_tls_port,
        }
    }
}

/// Where `ork up --machines` puts the nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MachinesChoice {
    /// A Docker container per node on a private Docker network.
    Docker,
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
    /// The cluster domain names are served under [default: cluster.local].
    #[arg(long, value_name = "DOMAIN")]
    pub cluster_domain: Option<String>,
    /// Where the node serves cluster DNS, on the host and inside each
    /// Docker pod [default: 127.77.0.10:53].
    #[arg(long, value_name = "IP[:PORT]", value_parser = crate::node::dns::parse_addr)]
    pub dns_addr: Option<std::net::SocketAddr>,
    /// A resolver for names outside the cluster (repeatable; default: the
    /// nameservers of the node's /etc/resolv.conf).
    #[arg(long, value_name = "IP[:PORT]", value_parser = crate::node::dns::parse_addr)]
    pub dns_upstream: Vec<std::net::SocketAddr>,
    /// Serve no cluster DNS: pods keep the engine's resolv.conf.
    #[arg(long)]
    pub no_cluster_dns: bool,
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
    /// The range Services' cluster IPs are allocated from (IPv4, /8 to /28;
    /// its tenth address is kept for the cluster DNS service).
    #[arg(long, default_value = crate::api::service::SERVICE_CIDR, value_name = "CIDR")]
    pub service_cidr: crate::api::service::ServiceRange,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// What the audit log (DATA/audit.log) records: `metadata` (who did what to which object, and the answer; never bodies) or `off`.
    #[arg(long, value_enum, default_value = "metadata")]
    pub audit_log: crate::control::audit::Level,
    #[command(flatten)]
    pub backups: super::backup::ScheduleArgs,
    #[command(flatten)]
    pub store: StoreArgs,
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

/// Where the cluster's objects live.
#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// `sqlite` (the file in the data dir) or `etcd://HOST:PORT[,HOST:PORT…]`
    /// (an etcd cluster several control daemons share; one of them leads).
    #[arg(long, env = "ORK_STORE", default_value = "sqlite", value_parser = crate::control::store::etcd::parse_store_url, value_name = "URL")]
    pub store: crate::control::store::StoreUrl,
    /// Key prefix in etcd, so several clusters can share one etcd.
    #[arg(long, env = "ORK_STORE_PREFIX", default_value = "/ork", value_parser = crate::control::store::etcd::parse_prefix, value_name = "PREFIX")]
    pub store_prefix: String,
    /// CA certificate (PEM) of the etcd members: connect to etcd over TLS.
    #[arg(long, value_name = "FILE")]
    pub etcd_ca: Option<PathBuf>,
    /// Client certificate (PEM) for etcd's client-certificate auth.
    #[arg(long, value_name = "FILE", requires = "etcd_key")]
    pub etcd_cert: Option<PathBuf>,
    /// The key of --etcd-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "etcd_cert")]
    pub etcd_key: Option<PathBuf>,
    /// File holding the cluster secret (or set ORK_CLUSTER_SECRET): every
    /// control daemon on one etcd is given the same; it seals the CA, the
    /// tokens and the Secrets key they share.
    #[arg(long, value_name = "FILE")]
    pub cluster_secret_file: Option<PathBuf>,
    /// How long the leader's lease lasts unrenewed (it renews every second);
    /// a dead leader is replaced after about this long.
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub leader_term: Duration,
    /// Memory for recent changes that watches resume from (`64Mi`, `512Ki`…);
    /// past it the oldest go first.
    #[arg(long, default_value = "16Mi", value_parser = parse_bytes, value_name = "BYTES")]
    pub watch_history_bytes: usize,
    /// Memory one watcher may hold in changes it has not read; a watcher
    /// further behind is ended with 410 Gone and lists again.
    #[arg(long, default_value = "64Mi", value_parser = parse_bytes, value_name = "BYTES")]
    pub watch_queue_bytes: usize,
}

/// A size in bytes, as a quantity (`16Mi`, `1G`, `65536`), at least 64 KiB.
fn parse_bytes(s: &str) -> std::result::Result<usize, String> {
    let q: crate::api::Quantity = s
        .parse()
        .map_err(|e| format!("{s:?}: expected a size such as 16Mi ({e})"))?;
    match usize::try_from(q.value()) {
        Ok(n) if n >= 64 << 10 => Ok(n),
        _ => Err(format!("{s:?}: expected a size of at least 64Ki")),
    }
}

/// The cluster secret from `file`, else from `ORK_CLUSTER_SECRET`; `None`
/// when neither gives one.
pub fn cluster_secret(file: Option<&std::path::Path>) -> Result<Option<String>> {
    let secret = match file {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .map_err(|source| CliError::Io {
                    what: "reading the cluster secret",
                    path: p.to_path_buf(),
                    source,
                })?
                .trim()
                .to_string(),
        ),
        None => std::env::var("ORK_CLUSTER_SECRET").ok(),
    };
    Ok(secret.filter(|s| !s.is_empty()))
}

impl StoreArgs {
    fn config(&self) -> Result<control_daemon::StoreConfig> {
        use crate::control::store::{EtcdConfig, StoreUrl};
        let etcd = match &self.store {
            StoreUrl::Sqlite => None,
            StoreUrl::Etcd(endpoints) => Some(EtcdConfig {
                endpoints: endpoints.clone(),
                prefix: self.store_prefix.clone(),
                ca: self.etcd_ca.clone(),
                cert: self.etcd_cert.clone().zip(self.etcd_key.clone()),
            }),
        };
        let cluster_secret = cluster_secret(self.cluster_secret_file.as_deref())?;
        if self.leader_term < Duration::from_secs(2) {
            return Err(CliError::Usage(
                "--leader-term must be at least 2s (etcd leases count whole seconds)".into(),
            ));
        }
        Ok(control_daemon::StoreConfig {
            etcd,
            cluster_secret,
            leader_term: self.leader_term,
            budgets: crate::control::store::Budgets {
                history_bytes: self.watch_history_bytes,
                queue_bytes: self.watch_queue_bytes,
            },
        })
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
    /// URL of the control daemon; several, separated by commas, for a node
    /// that moves to the next one when its current one stops answering.
    #[arg(long, value_name = "URL[,URL...]")]
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
    /// Capacity to report instead of the machine's, e.g. cpu=32,memory=128Gi,
    /// and extended resources the node advertises, e.g.
    /// example.com/dongle=4 (pods requesting one are placed only on nodes
    /// advertising enough of it).
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
    /// Silence after which the control daemon counts this node as NotReady
    /// (give the control daemon's --node-grace); cut off longer, the node
    /// stops reporting Ready.
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub node_grace: Duration,
    /// Cut off from the control daemon this long, the node stops its pods
    /// (unless annotated `ork.dev/never-fence: "true"`), which the control
    /// daemon has replaced elsewhere [default: twice --node-grace].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub fence_after: Option<Duration>,
    /// Where pods' files go (volumes, working directories, claims), outside
    /// the private data dir [default: /var/lib/ork/pods/<node id> as root,
    /// DIR/pods otherwise].
    #[arg(long, value_name = "DIR")]
    pub pods_dir: Option<PathBuf>,
    #[command(flatten)]
    pub ingress: IngressArgs,
}

impl PodArgs {
    fn settings(
        &self,
        pods_dir: Option<PathBuf>,
        fencing: crate::node::fence::Fencing,
    ) -> node_daemon::PodSettings {
        node_daemon::PodSettings {
            pod_user: self.pod_user.clone(),
            allow_root_pods: self.allow_root_pods,
            pods_dir,
            fencing: Some(fencing),
            dns: {
                let mut d = crate::node::dns::DnsSettings {
                    enabled: !self.no_cluster_dns,
                    upstreams: self.dns_upstream.clone(),
                    ..Default::default()
                };
                if let Some(a) = self.dns_addr {
                    d.addr = a;
                }
                if let Some(c) = &self.cluster_domain {
                    d.cluster_domain = c.clone();
                }
                d
            },
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
        if let Some(c) = &self.cluster_domain {
            out.extend(["--cluster-domain".to_string(), c.clone()]);
        }
        if let Some(a) = self.dns_addr {
            out.extend(["--dns-addr".to_string(), a.to_string()]);
        }
        for u in &self.dns_upstream {
            out.extend(["--dns-upstream".to_string(), u.to_string()]);
        }
        if self.no_cluster_dns {
            out.push("--no-cluster-dns".into());
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
    let schedule = a.backups.schedule(&dir)?;
    crate::control::admission::cluster_ip::set_range(a.service_cidr);
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
        store: a.store.config()?,
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
    let (stop_backups, stopped) = tokio::sync::watch::channel(false);
    if let Some(s) = schedule {
        println!(
            "backups: every {} into {}, keeping {}",
            humantime::format_duration(s.every),
            s.dir.display(),
            s.keep
        );
        tokio::spawn(crate::control::backup::run_schedule(
            running.store.clone(),
            dir.clone(),
            s,
            stopped,
        ));
    }
    interrupted().await;
    let _ = stop_backups.send(true);
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
        let extended = crate::api::validation::scheduling::is_extended(&k);
        let native = matches!(k.as_str(), "cpu" | "memory" | "pods" | "ephemeral-storage")
            || k.starts_with("hugepages-");
        if !extended && !native {
            return Err(CliError::Usage(format!(
                "--capacity {k}: not a resource: use cpu, memory, pods, ephemeral-storage, or a domain-prefixed extended resource (example.com/dongle)"
            )));
        }
        if extended && (q.is_negative() || q.milli() % 1000 != 0) {
            return Err(CliError::Usage(format!(
                "--capacity {k}={v}: an extended resource is a whole number"
            )));
        }
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
    let settings = a.pods.settings(
        a.pods_dir.clone(),
        crate::node::fence::Fencing::new(a.node_grace, a.fence_after),
    );
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
            ingress: a.ingress.ports(),
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
    (ingress, fencing): (crate::node::ingress::Ports, crate::node::fence::Fencing),
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
        .args([
            "--ingress-port".to_string(),
            ingress.http.to_string(),
            "--ingress-tls-port".to_string(),
            ingress.https.to_string(),
        ])
        .arg(format!("--node-grace={}ms", fencing.grace.as_millis()))
        .arg(format!(
            "--fence-after={}ms",
            fencing.fence_after.as_millis()
        ))
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
    if a.machines.is_some() {
        return up_machines(g, a).await;
    }
    let dir = a.data_dir.clone().unwrap_or_else(default_data_dir);
    let runtime = a.runtime.resolve();
    crate::control::admission::cluster_ip::set_range(a.service_cidr);
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
        store: a.store.config()?,
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
                    ingress: a.ingress.ports(),
                },
                a.pods.settings(
                    None,
                    crate::node::fence::Fencing::new(a.node_grace, a.fence_after),
                ),
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
                    (
                        a.ingress.ports().nth(u16::try_from(i - 1).unwrap_or(0)),
                        crate::node::fence::Fencing::new(a.node_grace, a.fence_after),
                    ),
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

/// Waits until `path` exists and is not empty, as long as `alive` says the
/// process writing it is; its trimmed content.
async fn wait_file(path: &Path, what: &str, mut alive: impl FnMut() -> bool) -> Result<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(t) = std::fs::read_to_string(path)
            && !t.trim().is_empty()
        {
            return Ok(t.trim().to_string());
        }
        if !alive() {
            return Err(CliError::Failed(format!("{what} exited before it was up")));
        }
        if std::time::Instant::now() > deadline {
            return Err(CliError::Failed(format!("{what} not up after 60 s")));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts `ork ARGS` on the host as the machines' control daemon, in its
/// own process group, logging to DATA/control.log; its pid goes to
/// DATA/control.pid (`ork chaos kill control`, `ork down`).
pub(super) fn spawn_host_control(dir: &Path, args: &[String]) -> Result<tokio::process::Child> {
    let exe = std::env::current_exe().map_err(|source| CliError::Io {
        what: "finding the ork binary",
        path: PathBuf::from("ork"),
        source,
    })?;
    let io = |what: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| CliError::Io { what, path, source }
    };
    let log_path = dir.join("control.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(io("opening", &log_path))?;
    let err = log.try_clone().map_err(io("opening", &log_path))?;
    let _ = std::fs::remove_file(dir.join("control.url"));
    let child = tokio::process::Command::new(exe)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(io("starting the control daemon", dir))?;
    if let Some(pid) = child.id() {
        let _ = std::fs::write(dir.join("control.pid"), format!("{pid}\n"));
    }
    Ok(child)
}

/// The pid in DATA/control.pid when it is still an `ork control` process.
pub(super) fn host_control_pid(dir: &Path) -> Option<nix::unistd::Pid> {
    let pid: i32 = std::fs::read_to_string(dir.join("control.pid"))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    args.iter()
        .any(|a| *a == b"control")
        .then_some(nix::unistd::Pid::from_raw(pid))
}

/// Stops the machines' control daemon on the host (SIGTERM, SIGKILL after 5 s).
async fn stop_host_control(dir: &Path) {
    let Some(pid) = host_control_pid(dir) else {
        return;
    };
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    for _ in 0..50 {
        if host_control_pid(dir).is_none() || nix::sys::signal::kill(pid, None).is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
    let _ = std::fs::remove_file(dir.join("control.pid"));
}

/// Removes a data dir's machines (containers, network) and stops its
/// control daemon; how many containers went.
async fn remove_machines(dir: &Path, cluster: &str) -> Result<usize> {
    stop_host_control(dir).await;
    let n = super::machines::remove_cluster(cluster).await?;
    let _ = std::fs::remove_file(dir.join(super::machines::STATE_FILE));
    Ok(n)
}

/// `ork up --machines docker`: a network, an image, the control daemon,
/// then one container per node; waits for every Node to be Ready.
async fn up_machines(g: &Global, a: UpArgs) -> Result<()> {
    use super::machines::{self, ControlPlace, Machine, Machines};
    let started = std::time::Instant::now();
    let dir = a.data_dir.clone().unwrap_or_else(default_data_dir);
    let n = a.nodes.unwrap_or(1);
    if let Some(e) = machines::cluster_name_error(&a.cluster) {
        return Err(CliError::Usage(format!("--cluster {e}")));
    }
    if !matches!(a.runtime, RuntimeChoice::Auto | RuntimeChoice::Process) {
        return Err(CliError::Usage(
            "--machines docker runs pods with the process runtime inside each machine; drop --runtime".into(),
        ));
    }
    crate::sys::private_dir(&dir).map_err(|e| CliError::Failed(e.to_string()))?;
    machines::require_engine().await?;
    // What an earlier `ork up` of this cluster left behind.
    if let Some(old) = Machines::load(&dir)? {
        remove_machines(&dir, &old.cluster).await?;
    }
    machines::remove_cluster(&a.cluster).await?;
    let plan = machines::create_network(&a.cluster).await?;
    println!(
        "network {} on {} (gateway {})",
        machines::network_name(&a.cluster),
        plan.subnet,
        plan.gateway
    );
    let fencing = crate::node::fence::Fencing::new(a.node_grace, a.fence_after);
    let mut child = None;
    let setup = async {
        let image = machines::ensure_image(&dir).await?;
        println!("image {image} (ork and busybox, FROM scratch)");
        let grace = format!("{}ms", a.node_grace.as_millis());
        let (control, url, ctl_dir) = if a.control_in_container {
            let ctl_dir = dir.join("control");
            crate::sys::private_dir(&ctl_dir).map_err(|e| CliError::Failed(e.to_string()))?;
            let _ = std::fs::remove_file(ctl_dir.join("control.url"));
            let port = if a.listen.port() == 0 {
                7700
            } else {
                a.listen.port()
            };
            let run = machines::control_run_args(
                &a.cluster,
                &image,
                &plan.control,
                port,
                &ctl_dir,
                a.node_grace,
            );
            let run: Vec<&str> = run.iter().map(String::as_str).collect();
            let container = machines::docker(&run).await?;
            let _ = container;
            let url =
                wait_file(&ctl_dir.join("control.url"), "the control daemon", || true).await?;
            (
                ControlPlace::Container {
                    container: machines::container_name(&a.cluster, "control"),
                    ip: plan.control.clone(),
                },
                url,
                ctl_dir,
            )
        } else {
            let mut args: Vec<String> = vec!["control".into(), "--data-dir".into()];
            args.push(dir.display().to_string());
            args.extend([
                "--listen".into(),
                format!("{}:{}", plan.gateway, a.listen.port()),
                "--node-grace".into(),
                grace.clone(),
                "--tls-san".into(),
                plan.gateway.clone(),
            ]);
            for san in &a.tls.tls_sans {
                args.extend(["--tls-san".into(), san.clone()]);
            }
            let mut c = spawn_host_control(&dir, &args)?;
            let url = wait_file(&dir.join("control.url"), "the control daemon", || {
                matches!(c.try_wait(), Ok(None))
            })
            .await?;
            child = Some(c);
            // Started again by `ork chaos restart control`, it must come back
            // where the machines look for it, not on another free port.
            if let Some(at) = args.iter().position(|x| x == "--listen")
                && let Some(addr) = url.strip_prefix("https://")
            {
                args[at + 1] = addr.to_string();
            }
            (ControlPlace::Host { args }, url, dir.clone())
        };
        println!("control daemon at {url}");
        let admin = config::read(&ctl_dir.join("admin.kubeconfig"))?.ok_or_else(|| {
            CliError::Failed("the control daemon wrote no admin.kubeconfig".into())
        })?;
        let token = ctl_dir.join("node.token");
        let mut nodes = vec![];
        let mut runs = vec![];
        for i in 1..=n {
            let name = format!("node-{i}");
            let ip = plan.node(i);
            runs.push(machines::node_run_args(
                &a.cluster,
                &image,
                &name,
                &ip,
                &token,
                &url,
                fencing.grace,
                fencing.fence_after,
            ));
            nodes.push(Machine {
                container: machines::container_name(&a.cluster, &name),
                name,
                ip,
            });
        }
        let state = Machines {
            cluster: a.cluster.clone(),
            network: machines::network_name(&a.cluster),
            subnet: plan.subnet.clone(),
            gateway: plan.gateway.clone(),
            image: image.clone(),
            control,
            url: url.clone(),
            nodes,
        };
        state.save(&dir)?;
        let started_nodes = futures::future::join_all(runs.iter().map(|r| {
            let r: Vec<&str> = r.iter().map(String::as_str).collect();
            async move { machines::docker(&r).await }
        }))
        .await;
        for r in started_nodes {
            r?;
        }
        Ok::<_, CliError>((state, admin))
    };
    let (state, admin) = match setup.await {
        Ok(v) => v,
        Err(e) => {
            let _ = remove_machines(&dir, &a.cluster).await;
            return Err(e);
        }
    };
    let cfg_path = config::path(&g.overrides());
    config::write(&cfg_path, &admin)?;
    let ctx = crate::verbs::Ctx::connect(&g.overrides())?;
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    loop {
        let ready = ctx
            .client
            .list::<crate::api::Node>(None, &Default::default())
            .await
            .map(|l| l.items.iter().filter(|n| n.is_ready()).count())
            .unwrap_or(0);
        if ready >= n as usize {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = remove_machines(&dir, &a.cluster).await;
            return Err(CliError::Failed(format!(
                "only {ready} of {n} machines Ready after 180 s; see `docker logs {}`",
                state.nodes[0].container
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "{n} machine{} Ready in {:.1} s from nothing (network, image, control daemon, machines)",
        if n == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64()
    );
    for m in &state.nodes {
        println!("  {}  {}  container {}", m.name, m.ip, m.container);
    }
    println!("ork is up: API {}, data in {}", state.url, dir.display());
    println!("client config written to {}", cfg_path.display());
    println!("try: ork apply -f examples/hello.yaml && ork chaos kill node-1");
    println!("press Ctrl-C to stop ork and remove the machines (`ork down` does too)");
    // While it runs, this host reaches the cluster IPs too (it runs no node).
    let (stop_proxy, proxy_stop) = tokio::sync::watch::channel(false);
    let proxy = tokio::spawn(crate::node::proxy::run_outside(
        ctx.client.clone(),
        proxy_stop,
    ));
    interrupted().await;
    let _ = stop_proxy.send(true);
    proxy.abort();
    eprintln!("stopping ork, removing the machines…");
    if let Some(mut c) = child
        && matches!(c.try_wait(), Ok(None))
    {
        let _ = c.start_kill();
    }
    remove_machines(&dir, &a.cluster).await?;
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
    // Machines take their pods with them.
    if let Some(m) = super::machines::Machines::load(&dir)? {
        let n = remove_machines(&dir, &m.cluster).await?;
        println!(
            "removed {n} machine container{} and network {}",
            if n == 1 { "" } else { "s" },
            m.network
        );
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
