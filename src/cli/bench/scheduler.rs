//! `ork bench scheduler`: the control plane's scheduler measured in process:
//! a real SQLite store, N ready hollow nodes, a warm-up of pods placed first,
//! then the measured pods created in transactions of 500 as fast as the
//! store takes them; each pod's latency runs from its create commit to the
//! bind seen on the store's watch. Prints the figures, the targets and the
//! machine's core count.

use super::{CliError, Result};
use crate::api::{Condition, Container, Kind, Namespace, Node, Object, Pod, Quantity, new_object};
use crate::control::scheduling;
use crate::control::store::{Sqlite, Store};
use crate::scheduler::Scheduler;
use clap::{Args, Subcommand};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Subcommand, Debug)]
pub enum BenchWhat {
    /// Pods placed per second and per-pod latency on hollow nodes.
    Scheduler {
        #[arg(long, default_value_t = 5000)]
        nodes: usize,
        /// Pods placed before measuring.
        #[arg(long, default_value_t = 1000)]
        warm: usize,
        /// Pods measured.
        #[arg(long, default_value_t = 10000)]
        pods: usize,
    },
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(e.to_string())
}

fn hollow_node(i: usize) -> Node {
    let mut n: Node = new_object("", &format!("hollow-{i:05}"));
    for (k, v) in [("cpu", "32"), ("memory", "128Gi"), ("pods", "110")] {
        n.status.allocatable.insert(
            k.into(),
            v.parse::<Quantity>()
                .unwrap_or_else(|_| Quantity::from_milli(0)),
        );
    }
    n.metadata
        .labels
        .insert("kubernetes.io/hostname".into(), n.metadata.name.clone());
    n.status.conditions = vec![Condition::new("Ready", true, "NodeReady", "")];
    n
}

fn bench_pod(prefix: &str, i: usize) -> Pod {
    let mut p: Pod = new_object("default", &format!("{prefix}-{i:06}"));
    let mut c = Container {
        name: "c".into(),
        image: "none".into(),
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

/// Creates pods in transactions of 500; returns each pod's create commit time by name.
async fn create_pods(store: &Store, prefix: &str, n: usize) -> Result<HashMap<String, Instant>> {
    let mut created = HashMap::with_capacity(n);
    for start in (0..n).step_by(500) {
        let batch: Vec<Pod> = (start..(start + 500).min(n))
            .map(|i| bench_pod(prefix, i))
            .collect();
        let names: Vec<String> = batch.iter().map(|p| p.metadata.name.clone()).collect();
        store
            .txn(move |tx| {
                for p in batch {
                    tx.create(p)?;
                }
                Ok(())
            })
            .await
            .map_err(failed)?;
        let at = Instant::now();
        created.extend(names.into_iter().map(|n| (n, at)));
    }
    Ok(created)
}

/// Waits until `want` binds arrived; times by pod name.
async fn wait_bound(
    want: usize,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<(String, Instant)>,
) -> Result<HashMap<String, Instant>> {
    let mut got = HashMap::with_capacity(want);
    while got.len() < want {
        match tokio::time::timeout(Duration::from_secs(60), rx.recv()).await {
            Ok(Some((n, t))) => {
                got.insert(n, t);
            }
            _ => {
                return Err(failed(format!(
                    "only {} of {want} pods were bound (none for a minute)",
                    got.len()
                )));
            }
        }
    }
    Ok(got)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
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

pub async fn bench(a: BenchArgs) -> Result<()> {
    let BenchWhat::Scheduler { nodes, warm, pods } = a.what;
    let dir = std::env::temp_dir().join(format!("ork-bench-{}", uuid::Uuid::new_v4().simple()));
    crate::sys::private_dir(&dir).map_err(failed)?;
    let result = run_scheduler(&dir, nodes, warm, pods).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_scheduler(
    dir: &std::path::Path,
    nodes: usize,
    warm: usize,
    pods: usize,
) -> Result<()> {
    let store = Store::open(Arc::new(Sqlite::open(&dir.join("ork.db")).map_err(failed)?))
        .map_err(failed)?;
    store
        .create(new_object::<Namespace>("", "default"))
        .await
        .map_err(failed)?;
    for start in (0..nodes).step_by(500) {
        let batch: Vec<Node> = (start..(start + 500).min(nodes)).map(hollow_node).collect();
        store
            .txn(move |tx| {
                for n in batch {
                    tx.create(n)?;
                }
                Ok(())
            })
            .await
            .map_err(failed)?;
    }
    let (_stop, rx) = tokio::sync::watch::channel(false);
    let mut watch = store
        .watch(Some(Kind::Pod), Some(store.revision()))
        .await
        .map_err(failed)?;
    scheduling::start(store.clone(), Arc::new(Scheduler::default()), rx);
    // Bind times, by pod name, from the watch.
    let (bound_tx, mut bound_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    tokio::spawn(async move {
        while let Some(Ok(ev)) = watch.next().await {
            if let Some(p) = Pod::from_any(&ev.obj)
                && !p.spec.node_name.is_empty()
                && ev
                    .prev
                    .as_ref()
                    .and_then(|o| Pod::from_any(o))
                    .is_some_and(|old| old.spec.node_name.is_empty())
                && bound_tx
                    .send((p.metadata.name.clone(), Instant::now()))
                    .is_err()
            {
                return;
            }
        }
    });
    create_pods(&store, "warm", warm).await?;
    wait_bound(warm, &mut bound_rx).await?;
    let started = Instant::now();
    let created = create_pods(&store, "bench", pods).await?;
    let bound = wait_bound(pods, &mut bound_rx).await?;
    let elapsed = started.elapsed();
    let mut lat: Vec<Duration> = bound
        .iter()
        .filter_map(|(n, t)| created.get(n).map(|c| t.saturating_duration_since(*c)))
        .collect();
    lat.sort();
    // Nothing may exceed a node's allocatable (32 cores / 100m = 320 > 110 pods: pod count binds first).
    let over = store
        .list::<Node>(None)
        .iter()
        .filter(|n| store.pods_on_node(&n.metadata.name).len() > 110)
        .count();
    let rate = pods as f64 / elapsed.as_secs_f64();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!(
        "scheduler {} nodes: {} pods/s (target ≥5,000), {cores} cores",
        thousands(nodes as u64),
        thousands(rate as u64)
    );
    println!(
        "per-pod create→bound latency: p50 {:.1} ms, p99 {:.1} ms (target p99 ≤10 ms; all {} pods created at once, so this includes queueing)",
        percentile(&lat, 0.50).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0,
        thousands(pods as u64)
    );
    println!("nodes over their pod capacity: {over}");
    if over > 0 {
        return Err(failed("a node was overcommitted"));
    }
    Ok(())
}
