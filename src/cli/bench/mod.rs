//! `ork bench …`: ork's benchmarks, run on the machine at hand. Each prints
//! its figures beside the targets ork holds itself to and the machine's core
//! count. `scheduler` runs in process against a real SQLite store;
//! `startup`, `api`, `footprint` and `churn` start a real `ork control` as a child
//! process (this binary) and talk to it over HTTP on loopback, with hollow
//! nodes (the `fake` runtime) running inside the benchmark process.
//!
//! Owns: benchmark drivers and their report lines. Must not be imported by
//! the daemons.

mod api;
mod churn;
mod daemonset;
mod footprint;
mod job;
mod scheduler;
mod startup;
mod tui;

use super::{CliError, Result};
use crate::api::{Container, Pod, Quantity, new_object};
use crate::client::Client;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Subcommand, Debug)]
pub enum BenchWhat {
    /// Pods placed per second on hollow nodes, then per-pod latency at a
    /// fixed offered rate (in process: scheduler + SQLite store binds).
    Scheduler {
        #[arg(long, default_value_t = 5000)]
        nodes: usize,
        /// Pods placed before measuring.
        #[arg(long, default_value_t = 1000)]
        warm: usize,
        /// Pods measured for throughput (all created at once).
        #[arg(long, default_value_t = 10000)]
        pods: usize,
        /// Offered rate (pods/s) of the latency run.
        #[arg(long, default_value_t = 1000)]
        rate: u32,
        /// Pods of the latency run.
        #[arg(long, default_value_t = 3000)]
        latency_pods: usize,
    },
    /// Create → Running through the real API with hollow nodes, at a fixed
    /// offered rate; also the control daemon's memory at the end.
    Startup {
        #[arg(long, default_value_t = 1000)]
        nodes: usize,
        #[arg(long, default_value_t = 30000)]
        pods: usize,
        /// Offered rate, pods/s.
        #[arg(long, default_value_t = 1000)]
        rate: u32,
        #[command(flatten)]
        store: BenchStore,
    },
    /// The API under concurrent clients: write throughput, mutating/get/list
    /// latency, and database size after many updates.
    Api {
        #[command(flatten)]
        load: api::Load,
        #[command(flatten)]
        store: BenchStore,
    },
    /// Resident memory of an idle control daemon, an idle node daemon, and
    /// the control daemon holding many hollow nodes and pods.
    Footprint {
        #[arg(long, default_value_t = 1000)]
        nodes: usize,
        #[arg(long, default_value_t = 30000)]
        pods: usize,
    },
    /// The dashboard at many pods: frame time at 160x48, time to the first
    /// frame showing every pod from a cold start, and idle CPU.
    Tui {
        #[arg(long, default_value_t = 10000)]
        pods: usize,
    },
    /// Memory given back: cycles of large ConfigMaps (~1 MB of data, or as
    /// many labels as validation allows) created, patched and deleted; the
    /// control daemon's resident memory after each cycle, which must stay
    /// within 1.5× of the settled daemon's before the first (else exit 1).
    Churn {
        #[arg(long, default_value_t = 5)]
        cycles: usize,
        /// ConfigMaps of each kind (data, labels) per cycle.
        #[arg(long, default_value_t = 10)]
        objects: usize,
        /// Bytes of data in each data ConfigMap.
        #[arg(long, default_value_t = 1_000_000)]
        data_bytes: usize,
        /// Merge patches applied to each object before it is deleted.
        #[arg(long, default_value_t = 3)]
        patches: usize,
        /// The control daemon's `--watch-history-bytes`. Small by default:
        /// the ring of recent changes deliberately keeps the last large
        /// objects alive, and this benchmark measures what is freed.
        #[arg(long, default_value = "1Mi")]
        watch_history_bytes: String,
        /// The factor of its starting memory a cycle may end at.
        #[arg(long, default_value_t = churn::ALLOWED_GROWTH)]
        allowed: f64,
    },
    /// A DaemonSet on hollow nodes: time from its create to all its pods Running.
    Daemonset {
        #[arg(long, default_value_t = 1000)]
        nodes: usize,
    },
    /// A Job of many completions on hollow nodes: completions per second
    /// from create to Complete.
    Job {
        #[arg(long, default_value_t = 100)]
        nodes: usize,
        #[arg(long, default_value_t = 10000)]
        completions: i32,
        #[arg(long, default_value_t = 500)]
        parallelism: i32,
    },
}

pub async fn bench(a: BenchArgs) -> Result<()> {
    crate::sys::raise_fd_limit();
    let dir = BenchDir::new()?;
    match a.what {
        BenchWhat::Scheduler {
            nodes,
            warm,
            pods,
            rate,
            latency_pods,
        } => scheduler::run(&dir.0, nodes, warm, pods, rate, latency_pods).await,
        BenchWhat::Startup {
            nodes,
            pods,
            rate,
            store,
        } => startup::run(&dir.0, nodes, pods, rate, &store).await,
        BenchWhat::Api { load, store } => api::run(&dir.0, &load, &store).await,
        BenchWhat::Footprint { nodes, pods } => footprint::run(&dir.0, nodes, pods).await,
        BenchWhat::Tui { pods } => tui::run(&dir.0, pods).await,
        BenchWhat::Churn {
            cycles,
            objects,
            data_bytes,
            patches,
            watch_history_bytes,
            allowed,
        } => {
            let churn = churn::Churn {
                cycles,
                objects,
                data_bytes,
                patches,
                allowed,
            };
            let history = watch_history_bytes.as_str();
            churn::run(&dir.0, churn, history).await
        }
        BenchWhat::Daemonset { nodes } => daemonset::run(&dir.0, nodes).await,
        BenchWhat::Job {
            nodes,
            completions,
            parallelism,
        } => job::run(&dir.0, nodes, completions, parallelism).await,
    }
}

/// The store the benchmark's control daemon uses: its SQLite file by
/// default, or an etcd the user runs.
#[derive(Args, Debug, Clone, Default)]
pub struct BenchStore {
    /// Run the control daemon on this etcd (`etcd://HOST:PORT[,…]`) under a
    /// new key prefix `/ork-bench-…`, which the report names.
    #[arg(long, value_name = "URL", value_parser = parse_etcd_url)]
    store: Option<String>,
}

fn parse_etcd_url(s: &str) -> std::result::Result<String, String> {
    match crate::control::store::etcd::parse_store_url(s)? {
        crate::control::store::StoreUrl::Etcd(_) => Ok(s.to_string()),
        crate::control::store::StoreUrl::Sqlite => {
            Err(format!("{s:?}: expected etcd://HOST:PORT[,HOST:PORT…]"))
        }
    }
}

impl BenchStore {
    /// `ork control` flags for this store (on etcd under a new prefix);
    /// prints which store it is.
    fn control_args(&self) -> Vec<String> {
        match &self.store {
            Some(url) => {
                let id = uuid::Uuid::new_v4().simple().to_string();
                let prefix = format!("/ork-bench-{}", &id[..12]);
                println!(
                    "store: etcd at {}, prefix {prefix} (left there afterwards: etcdctl del --prefix {prefix}/)",
                    url.trim_start_matches("etcd://")
                );
                vec![
                    "--store".into(),
                    url.clone(),
                    "--store-prefix".into(),
                    prefix,
                ]
            }
            None => {
                println!("store: SQLite");
                vec![]
            }
        }
    }

    fn is_etcd(&self) -> bool {
        self.store.is_some()
    }
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(e.to_string())
}

/// A private scratch directory, removed on drop.
struct BenchDir(PathBuf);

impl BenchDir {
    fn new() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("ork-bench-{}", uuid::Uuid::new_v4().simple()));
        crate::sys::private_dir(&dir).map_err(failed)?;
        Ok(BenchDir(dir))
    }
}

impl Drop for BenchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Resident memory of a process (`VmRSS`), in bytes.
fn rss_bytes(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A pod requesting 100m and 128Mi, for hollow nodes (`image: none`).
fn hollow_pod(prefix: &str, i: usize) -> Pod {
    let mut p: Pod = new_object("default", &format!("{prefix}-{i:06}"));
    let mut c = Container {
        name: "c".into(),
        image: "none".into(),
        command: vec!["none".into()],
        ..Default::default()
    };
    for (k, v) in [("cpu", "100m"), ("memory", "128Mi")] {
        c.resources.requests.insert(
            k.into(),
            v.parse::<Quantity>()
                .unwrap_or_else(|_| Quantity::from_milli(0)),
        );
    }
    p.spec.containers = vec![c];
    p
}

/// The index a [`hollow_pod`] name ends with.
fn pod_index(name: &str) -> Option<usize> {
    name.rsplit_once('-')?.1.parse().ok()
}

/// An `ork control` child process on 127.0.0.1, killed on drop.
struct ControlProcess {
    child: Child,
    url: String,
    admin: String,
    node_token: String,
    data_dir: PathBuf,
}

impl ControlProcess {
    /// Starts `ork control` with its data in `dir` and waits until it listens.
    async fn spawn(dir: &Path, extra: &[&str]) -> Result<Self> {
        crate::sys::private_dir(dir).map_err(failed)?;
        let log = std::fs::File::create(dir.join("control.log")).map_err(failed)?;
        let exe = std::env::current_exe().map_err(failed)?;
        let child = Command::new(exe)
            .args(["control", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .args(extra)
            .env("ORK_LOG", "warn")
            // Opens the credentials it shares on etcd; SQLite ignores it.
            .env(
                "ORK_CLUSTER_SECRET",
                uuid::Uuid::new_v4().simple().to_string(),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(failed)?)
            .stderr(log)
            .spawn()
            .map_err(failed)?;
        let mut cp = ControlProcess {
            child,
            url: String::new(),
            admin: String::new(),
            node_token: String::new(),
            data_dir: dir.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(u) = std::fs::read_to_string(dir.join("control.url"))
                && !u.trim().is_empty()
            {
                cp.url = u.trim().to_string();
                break;
            }
            if let Ok(Some(status)) = cp.child.try_wait() {
                return Err(failed(format!(
                    "ork control exited ({status}); see {}",
                    dir.join("control.log").display()
                )));
            }
            if Instant::now() > deadline {
                return Err(failed("ork control did not start listening within 20 s"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let read = |f: &str| {
            std::fs::read_to_string(dir.join(f))
                .map(|s| s.trim().to_string())
                .map_err(failed)
        };
        cp.admin = read("admin.token")?;
        cp.node_token = read("node.token")?;
        Ok(cp)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn client(&self) -> Result<Client> {
        Client::from_kubeconfig(&self.data_dir.join("admin.kubeconfig")).map_err(failed)
    }

    fn rss(&self) -> u64 {
        rss_bytes(self.pid()).unwrap_or(0)
    }

    /// Stops the daemon with SIGTERM and waits (up to 10 s) for it to exit.
    async fn stop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.pid() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for ControlProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `n` hollow node daemons (the `fake` runtime: 32 cores, 128Gi, 110
/// pods) inside this process, joined to `cp`, and waits until the control
/// daemon sees all of them Ready.
async fn hollow_nodes(
    cp: &ControlProcess,
    dir: &Path,
    n: usize,
) -> Result<Vec<crate::node::daemon::Running>> {
    use futures::StreamExt;
    let mut capacity = std::collections::BTreeMap::new();
    for (k, v) in [("cpu", "32"), ("memory", "128Gi"), ("pods", "110")] {
        capacity.insert(k.to_string(), v.parse::<Quantity>().map_err(failed)?);
    }
    let cfgs: Vec<crate::node::daemon::Config> = (0..n)
        .map(|i| crate::node::daemon::Config {
            join: cp.url.clone(),
            token: Some(cp.node_token.clone()),
            name: format!("hollow-{i:05}"),
            data_dir: dir.join(format!("hollow-{i:05}")),
            runtime: crate::node::daemon::RuntimeKind::Fake,
            capacity: capacity.clone(),
            labels: Default::default(),
            usage_interval: Duration::from_secs(3600),
            taints: vec![],
            allow_host_paths: vec![],
            ingress: Default::default(),
        })
        .collect();
    let started: Vec<_> = futures::stream::iter(cfgs)
        .map(crate::node::daemon::start)
        .buffer_unordered(64)
        .collect()
        .await;
    let mut running = Vec::with_capacity(n);
    for r in started {
        running.push(r.map_err(failed)?);
    }
    let client = cp.client()?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let nodes = client
            .list::<crate::api::Node>(None, &Default::default())
            .await
            .map_err(failed)?;
        let ready = nodes.items.iter().filter(|n| n.is_ready()).count();
        if ready >= n {
            return Ok(running);
        }
        if Instant::now() > deadline {
            return Err(failed(format!(
                "only {ready} of {n} hollow nodes became Ready"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
