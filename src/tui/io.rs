//! The dashboard's network side: one task per watched kind (list, then
//! watch from that revision; on any failure report it and start over with a
//! backoff), a heartbeat task that measures API latency and reads node
//! heartbeats and usage, and an executor that runs each [`Effect`] and sends
//! its answer back as a [`Msg`].
//!
//! Talks to the API through `client` and the shared `verbs` (describe,
//! scale, delete, cordon, drain, rollouts), and to the machines only through
//! the chaos [`Runner`] it is given; knows nothing of drawing.

use super::app::{Effect, Msg, NO_MACHINES, Revision, Target};
use super::data::WATCHED;
use crate::verbs::chaos::Runner;
use crate::{
    api::Kind,
    api::metrics::{MetricsList, NodeMetrics, cpu_milli},
    client::{Change, Client, DeleteOptions, ListParams, LogParams, WatchEventType, watcher},
    verbs::nodes::{DrainOptions, cordon, drain},
    verbs::{Ctx, describe, objects, rollout},
};
use futures::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

/// Starts the background tasks; returns where to send effects.
pub fn start(
    client: Client,
    tx: UnboundedSender<Msg>,
    chaos: Option<Arc<dyn Runner>>,
) -> UnboundedSender<Effect> {
    for kind in WATCHED {
        tokio::spawn(watch(client.clone(), *kind, tx.clone()));
    }
    tokio::spawn(pulse(client.clone(), tx.clone()));
    let (etx, erx) = unbounded_channel();
    tokio::spawn(execute(client, tx, erx, chaos));
    etx
}

async fn watch(client: Client, kind: Kind, tx: UnboundedSender<Msg>) {
    let mut changes = std::pin::pin!(watcher(client, kind, None, ListParams::default()));
    while let Some(change) = changes.next().await {
        let msgs = match change {
            Change::Listed(items) => vec![Msg::Listed(kind, items), Msg::Connected],
            Change::Applied(o) => vec![Msg::Watched(kind, WatchEventType::Modified, o)],
            Change::Deleted(o) => vec![Msg::Watched(kind, WatchEventType::Deleted, o)],
            // A kind this user may not read (a view user's Secrets) stays
            // empty; it is not a lost connection.
            Change::Failed(e) if e.code() == Some(403) => return,
            Change::Failed(e) => vec![Msg::Disconnected(e.to_string())],
        };
        for m in msgs {
            if tx.send(m).is_err() {
                return;
            }
        }
    }
}

/// Every 2 s: API latency (a version call), node heartbeat ages and CPU use.
/// These are not objects, so they cannot be watched.
async fn pulse(client: Client, tx: UnboundedSender<Msg>) {
    let mut every = tokio::time::interval(Duration::from_secs(2));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Nodes whose usage history was read once (to fill their sparklines).
    let mut preloaded = std::collections::HashSet::new();
    loop {
        every.tick().await;
        let t = Instant::now();
        let sent = match client.version().await {
            Ok(_) => tx.send(Msg::Latency(t.elapsed())),
            Err(e) => tx.send(Msg::Disconnected(e.to_string())),
        };
        if sent.is_err() {
            return;
        }
        let beats: Vec<(String, f64)> = client
            .heartbeats()
            .await
            .map(|b| {
                b.items
                    .into_iter()
                    .map(|b| (b.node, b.seconds_ago))
                    .collect()
            })
            .unwrap_or_default();
        let cpu: Vec<(String, u64)> = client
            .get_json::<MetricsList<NodeMetrics>>("/apis/metrics.k8s.io/v1beta1/nodes", &[])
            .await
            .map(|l| {
                l.items
                    .into_iter()
                    .map(|m| {
                        let c = m.usage.get("cpu").map(cpu_milli).unwrap_or(0);
                        (m.metadata.name, c)
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (node, _) in &cpu {
            if preloaded.insert(node.clone())
                && let Ok(h) = client.usage_history(node).await
            {
                let samples: Vec<u64> = h.samples.iter().map(|s| s.cpu_milli).collect();
                let _ = tx.send(Msg::NodeHistory {
                    node: node.clone(),
                    cpu_milli: samples,
                });
            }
        }
        let _ = tx.send(Msg::NodeStats {
            heartbeats: beats,
            cpu_milli: cpu,
        });
    }
}

async fn execute(
    client: Client,
    tx: UnboundedSender<Msg>,
    mut rx: UnboundedReceiver<Effect>,
    chaos: Option<Arc<dyn Runner>>,
) {
    let mut logs: Option<JoinHandle<()>> = None;
    while let Some(e) = rx.recv().await {
        match e {
            Effect::StopLogs => {
                if let Some(h) = logs.take() {
                    h.abort();
                }
            }
            Effect::Logs {
                id,
                target,
                container,
                previous,
            } => {
                if let Some(h) = logs.take() {
                    h.abort();
                }
                logs = Some(tokio::spawn(stream_logs(
                    client.clone(),
                    tx.clone(),
                    id,
                    target,
                    container,
                    previous,
                )));
            }
            Effect::Chaos { action, target } => {
                let tx = tx.clone();
                let done = chaos.as_ref().map(|r| r.run(action, target));
                tokio::spawn(async move {
                    let r = match done {
                        Some(f) => f.await,
                        None => Err(NO_MACHINES.to_string()),
                    };
                    let _ = tx.send(Msg::Done(r));
                });
            }
            other => {
                tokio::spawn(run(client.clone(), tx.clone(), other));
            }
        }
    }
}

async fn stream_logs(
    client: Client,
    tx: UnboundedSender<Msg>,
    id: u64,
    t: Target,
    container: Option<String>,
    previous: bool,
) {
    let opts = LogParams {
        container,
        follow: !previous,
        tail_lines: Some(1000),
        previous,
        ..Default::default()
    };
    let mut s = match client.logs(&t.namespace, &t.name, &opts).await {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.send(Msg::LogEnd {
                id,
                error: Some(e.to_string()),
            });
            return;
        }
    };
    while let Some(chunk) = s.next().await {
        match chunk {
            Ok(b) => {
                let text = String::from_utf8_lossy(&b).into_owned();
                if tx.send(Msg::LogChunk { id, text }).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Msg::LogEnd {
                    id,
                    error: Some(e.to_string()),
                });
                return;
            }
        }
    }
    let _ = tx.send(Msg::LogEnd { id, error: None });
}

async fn history(ctx: &Ctx, t: &Target) -> Result<(Vec<Revision>, i64), String> {
    let h = rollout::history(ctx, &t.name)
        .await
        .map_err(|e| e.to_string())?;
    let mut out = vec![];
    for r in &h.revisions {
        out.push(Revision {
            number: r.number,
            replicaset: r.replicaset.clone(),
            cause: r.cause.clone().unwrap_or_default(),
            template: r.template_yaml().map_err(|e| e.to_string())?,
        });
    }
    Ok((out, h.current.unwrap_or(0)))
}

async fn run(client: Client, tx: UnboundedSender<Msg>, e: Effect) {
    let ctx = |ns: &str| Ctx::in_namespace(&client, ns);
    let msg = match e {
        Effect::Scale { target, replicas } => Msg::Done(
            objects::scale(&ctx(&target.namespace), &target, replicas)
                .await
                .map(|_| format!("{} scaled to {replicas}", target.label()))
                .map_err(|e| e.to_string()),
        ),
        Effect::Delete(t) => Msg::Done(
            objects::delete(&ctx(&t.namespace), &t, &DeleteOptions::default())
                .await
                .map(|_| format!("{} deleted", t.label()))
                .map_err(|e| e.to_string()),
        ),
        Effect::Cordon { node, on } => {
            Msg::Done(cordon(&ctx(""), &node, on).await.map_err(|e| e.to_string()))
        }
        Effect::Drain(node) => {
            let title = format!("drain node/{node}");
            let ptx = tx.clone();
            let t2 = title.clone();
            let r = drain(&ctx(""), &node, &DrainOptions::default(), move |line| {
                let _ = ptx.send(Msg::Progress {
                    title: t2.clone(),
                    line,
                });
            })
            .await;
            match r {
                Ok(()) => Msg::Done(Ok(format!("node/{node} drained"))),
                Err(e) => {
                    let _ = tx.send(Msg::Progress {
                        title,
                        line: format!("error: {e}"),
                    });
                    Msg::Done(Err(e.to_string()))
                }
            }
        }
        Effect::Restart(t) => Msg::Done(
            rollout::restart(&ctx(&t.namespace), &t.name)
                .await
                .map_err(|e| e.to_string()),
        ),
        Effect::Undo { target, revision } => Msg::Done(
            rollout::undo(&ctx(&target.namespace), &target.name, Some(revision))
                .await
                .map_err(|e| e.to_string()),
        ),
        Effect::Describe(t) => Msg::Text {
            title: format!("describe {}", t.label()),
            body: describe::describe_text(&ctx(&t.namespace), t.kind, &t.name)
                .await
                .map_err(|e| e.to_string()),
        },
        Effect::History(t) => {
            let result = history(&ctx(&t.namespace), &t).await;
            Msg::History { target: t, result }
        }
        Effect::Logs { .. } | Effect::StopLogs | Effect::Chaos { .. } => return,
    };
    let _ = tx.send(msg);
}
