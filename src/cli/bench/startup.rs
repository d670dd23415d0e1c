//! `ork bench startup`: pod startup through the whole control plane. A real
//! `ork control` child process, N hollow nodes in this process (each a full
//! node daemon with the `fake` runtime: registration, heartbeats, a pod
//! watch, status reports), and pods created through the HTTP API at a fixed
//! offered rate by 64 concurrent senders. Each pod is timed from the moment
//! its create was due (not when it was sent, so a slow sender cannot hide
//! latency) to the moment a watch shows it Running.

use super::{
    BenchStore, ControlProcess, Result, failed, hollow_nodes, hollow_pod, mib, ms, percentile,
    pod_index, thousands,
};
use crate::api::{Kind, Node, Object, Pod, PodPhase};
use crate::client::Client;
use futures::StreamExt;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Concurrent senders of creates.
const SENDERS: usize = 64;

pub async fn run(
    dir: &Path,
    nodes: usize,
    pods: usize,
    rate: u32,
    store: &BenchStore,
) -> Result<()> {
    let args = store.control_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let cp = ControlProcess::spawn(&dir.join("control"), &args).await?;
    let t = Instant::now();
    let running_nodes = hollow_nodes(&cp, &dir.join("nodes"), nodes).await?;
    println!(
        "{} hollow nodes registered and Ready in {:.1} s",
        thousands(nodes as u64),
        t.elapsed().as_secs_f64()
    );
    let client = cp.client()?;
    let not_ready = Arc::new(AtomicU64::new(0));
    let node_watch = tokio::spawn(count_not_ready(client.clone(), not_ready.clone()));
    let result = measure(&cp, pods, rate).await;
    node_watch.abort();
    for n in running_nodes {
        n.shutdown().await;
    }
    let (lat, sent_rate, rss) = result?;
    let mut held = vec![];
    let mut pods_held = 0;
    for kind in [Kind::Pod, Kind::Event, Kind::Node] {
        let body = client
            .get_bytes(&kind.collection_path(None))
            .await
            .map_err(failed)?;
        let n = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["items"].as_array().map(Vec::len))
            .unwrap_or(0);
        if kind == Kind::Pod {
            pods_held = n;
        }
        held.push(format!(
            "{} {} ({} of JSON)",
            thousands(n as u64),
            kind.plural(),
            mib(body.len() as u64)
        ));
    }
    println!(
        "startup {} pods on {} hollow nodes at {} pods/s offered ({} sent): create→Running p50 {:.0} ms, p99 {:.0} ms (target p99 ≤250 ms), {} cores",
        thousands(pods as u64),
        thousands(nodes as u64),
        thousands(rate as u64),
        thousands(sent_rate as u64),
        ms(percentile(&lat, 0.50)),
        ms(percentile(&lat, 0.99)),
        super::cores()
    );
    println!(
        "control daemon resident memory with {} nodes and {} pods: {} (target ≤300 MB)",
        thousands(nodes as u64),
        thousands(pods as u64),
        mib(rss)
    );
    println!("  the store holds {}", held.join(", "));
    println!(
        "nodes judged NotReady during the run: {}, pods gone from the store: {} (target 0: every hollow node heartbeats throughout)",
        thousands(not_ready.load(Ordering::Relaxed)),
        thousands(pods.saturating_sub(pods_held) as u64)
    );
    Ok(())
}

/// Counts the times a Ready node is seen not Ready, until aborted; lists
/// again whenever the watch ends and retries a failed list or watch, so the
/// count covers the whole run.
async fn count_not_ready(client: Client, count: Arc<AtomicU64>) {
    let mut ready: HashMap<String, bool> = HashMap::new();
    let mut seen = |n: &Node| {
        let now = n.is_ready();
        if ready.insert(n.metadata.name.clone(), now) == Some(true) && !now {
            count.fetch_add(1, Ordering::Relaxed);
        }
    };
    loop {
        let Ok(l) = client.list::<Node>(None, &Default::default()).await else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        l.items.iter().for_each(&mut seen);
        let Ok(mut watch) = client
            .watch(
                Kind::Node,
                None,
                &Default::default(),
                Some(l.resource_version),
            )
            .await
        else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        while let Some(Ok(ev)) = watch.next().await {
            if let Some(n) = ev.object.as_ref().and_then(Node::from_any) {
                seen(n);
            }
        }
    }
}

/// Creates `pods` at `rate`; returns each pod's create→Running latency
/// (sorted), the achieved send rate and the control daemon's RSS at the end.
pub async fn measure(
    cp: &ControlProcess,
    pods: usize,
    rate: u32,
) -> Result<(Vec<Duration>, f64, u64)> {
    let client = cp.client()?;
    let list = client
        .list::<Pod>(None, &Default::default())
        .await
        .map_err(failed)?;
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    let watch_client = client.clone();
    let watcher = tokio::spawn(async move {
        let mut done = std::collections::HashSet::new();
        let seen = |p: &Pod, done: &mut std::collections::HashSet<usize>| {
            p.status.phase == PodPhase::Running
                && pod_index(&p.metadata.name)
                    .is_some_and(|i| done.insert(i) && seen_tx.send((i, Instant::now())).is_err())
        };
        let mut from = list.resource_version;
        loop {
            let Ok(mut watch) = watch_client
                .watch(Kind::Pod, None, &Default::default(), Some(from))
                .await
            else {
                return;
            };
            while let Some(Ok(ev)) = watch.next().await {
                let Some(obj) = ev.object else { continue };
                if let Some(p) = Pod::from_any(&obj)
                    && seen(p, &mut done)
                {
                    return;
                }
            }
            // Expired (this watcher fell behind) or cut: list again. Pods
            // found Running now count as seen now, which can only add latency.
            let Ok(l) = watch_client.list::<Pod>(None, &Default::default()).await else {
                return;
            };
            for p in &l.items {
                if seen(p, &mut done) {
                    return;
                }
            }
            from = l.resource_version;
        }
    });
    let period = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let t0 = Instant::now() + Duration::from_millis(100);
    let due = move |i: usize| t0 + period * i as u32;
    let mut senders = tokio::task::JoinSet::new();
    for k in 0..SENDERS {
        let client = client.clone();
        senders.spawn(async move {
            let mut errors = 0usize;
            for i in (k..pods).step_by(SENDERS) {
                tokio::time::sleep_until(due(i).into()).await;
                if client.create(&hollow_pod("startup", i)).await.is_err() {
                    errors += 1;
                }
            }
            errors
        });
    }
    let mut errors = 0;
    while let Some(r) = senders.join_next().await {
        errors += r.map_err(failed)?;
    }
    let sent_rate = pods as f64 / t0.elapsed().as_secs_f64();
    if errors > 0 {
        watcher.abort();
        return Err(failed(format!("{errors} of {pods} creates failed")));
    }
    let mut lat = Vec::with_capacity(pods);
    while lat.len() < pods {
        match tokio::time::timeout(Duration::from_secs(60), seen_rx.recv()).await {
            Ok(Some((i, at))) => lat.push(at.saturating_duration_since(due(i))),
            _ => {
                watcher.abort();
                let stuck: Vec<String> = client
                    .list::<Pod>(None, &Default::default())
                    .await
                    .map(|l| l.items)
                    .unwrap_or_default()
                    .iter()
                    .filter(|p| p.status.phase != PodPhase::Running)
                    .take(5)
                    .map(|p| {
                        format!(
                            "{} on {:?}: {}",
                            p.metadata.name,
                            p.spec.node_name,
                            p.display_status()
                        )
                    })
                    .collect();
                return Err(failed(format!(
                    "only {} of {pods} pods were seen Running (none for a minute); not Running now: {}",
                    lat.len(),
                    stuck.join("; ")
                )));
            }
        }
    }
    watcher.abort();
    lat.sort();
    Ok((lat, sent_rate, cp.rss()))
}
