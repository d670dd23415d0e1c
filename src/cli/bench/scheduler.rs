//! `ork bench scheduler`: the control plane's scheduler measured in process:
//! a real SQLite store, N ready hollow nodes, a warm-up of pods placed first,
//! then the measured pods created in transactions of 500 as fast as the
//! store takes them; each pod's latency runs from its create commit to the
//! bind seen on the store's watch. Prints the figures, the targets and the
//! machine's core count.

use super::{Result, failed, hollow_pod, ms, percentile, thousands};
use crate::api::{Condition, Kind, Namespace, Node, Object, Pod, Quantity, new_object};
use crate::control::scheduling;
use crate::control::store::{Sqlite, Store};
use crate::scheduler::Scheduler;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// User and system CPU time this process has used, in seconds.
fn cpu_seconds() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_SELF).map_or(0.0, |u| {
        let t = |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 + tv.tv_usec() as f64 / 1e6;
        t(u.user_time()) + t(u.system_time())
    })
}

/// Creates pods in transactions of 500; returns each pod's create commit time by name.
async fn create_pods(store: &Store, prefix: &str, n: usize) -> Result<HashMap<String, Instant>> {
    let mut created = HashMap::with_capacity(n);
    for start in (0..n).step_by(500) {
        let batch: Vec<Pod> = (start..(start + 500).min(n))
            .map(|i| hollow_pod(prefix, i))
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

pub async fn run(
    dir: &std::path::Path,
    nodes: usize,
    warm: usize,
    pods: usize,
    rate: u32,
    latency_pods: usize,
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
    let cpu_before = cpu_seconds();
    let created = create_pods(&store, "bench", pods).await?;
    let bound = wait_bound(pods, &mut bound_rx).await?;
    let elapsed = started.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    let mut burst: Vec<Duration> = bound
        .iter()
        .filter_map(|(n, t)| created.get(n).map(|c| t.saturating_duration_since(*c)))
        .collect();
    burst.sort();
    let throughput = pods as f64 / elapsed.as_secs_f64();
    println!(
        "scheduler {} nodes: {} pods/s (target ≥5,000), {} cores",
        thousands(nodes as u64),
        thousands(throughput as u64),
        super::cores()
    );
    // CPU time does not count waiting for a core, so it holds on a busy
    // machine where the wall-clock rate does not.
    println!(
        "  CPU used: {:.2} s for {} pods, {} pods per CPU-second",
        cpu,
        thousands(pods as u64),
        thousands((pods as f64 / cpu.max(1e-9)) as u64),
    );
    println!(
        "  burst of {}: create→bound p50 {:.1} ms, p99 {:.1} ms (all created at once, so this is mostly queueing)",
        thousands(pods as u64),
        ms(percentile(&burst, 0.50)),
        ms(percentile(&burst, 0.99)),
    );
    // Per-pod latency: one pod per commit at a fixed offered rate, each
    // timed from its create commit to its bind on the watch.
    if latency_pods > 0 && rate > 0 {
        let t0 = Instant::now();
        let mut creates = tokio::task::JoinSet::new();
        for i in 0..latency_pods {
            let at = t0 + Duration::from_secs_f64(i as f64 / rate as f64);
            let store = store.clone();
            creates.spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                let p = hollow_pod("paced", i);
                let name = p.metadata.name.clone();
                store.create(p).await.map(|_| (name, Instant::now()))
            });
        }
        let mut committed = HashMap::with_capacity(latency_pods);
        while let Some(r) = creates.join_next().await {
            let (name, at) = r.map_err(failed)?.map_err(failed)?;
            committed.insert(name, at);
        }
        let offered = latency_pods as f64 / t0.elapsed().as_secs_f64();
        let bound = wait_bound(latency_pods, &mut bound_rx).await?;
        let mut lat: Vec<Duration> = bound
            .iter()
            .filter_map(|(n, t)| committed.get(n).map(|c| t.saturating_duration_since(*c)))
            .collect();
        lat.sort();
        println!(
            "  per pod at {} pods/s offered ({} pods): create→bound p50 {:.2} ms, p99 {:.2} ms (target p99 ≤10 ms)",
            thousands(offered as u64),
            thousands(latency_pods as u64),
            ms(percentile(&lat, 0.50)),
            ms(percentile(&lat, 0.99)),
        );
    }
    // Nothing may exceed a node's allocatable (32 cores / 100m = 320 > 110 pods: pod count binds first).
    let over = store
        .list::<Node>(None)
        .iter()
        .filter(|n| store.pods_on_node(&n.metadata.name).len() > 110)
        .count();
    println!("  nodes over their pod capacity: {over}");
    if over > 0 {
        return Err(failed("a node was overcommitted"));
    }
    Ok(())
}
