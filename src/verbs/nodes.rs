//! Taking a node out of service: [`cordon`] (no new pods go there) and
//! [`drain`] (cordon, evict its pods, wait until they run elsewhere).
//!
//! Drain evicts through the Eviction subresource, so PodDisruptionBudgets
//! hold: a pod a budget protects is asked for again every
//! [`EVICTION_RETRY`], saying which budget holds it, until the timeout. An
//! eviction is a graceful delete: each pod gets its
//! terminationGracePeriodSeconds, or [`DrainOptions::grace_period`]. It
//! waits until the pods are gone and every ReplicaSet that owned one is
//! fully ready again elsewhere, telling its progress as it goes. Pods
//! without a controller would be lost for good, so drain refuses them
//! unless [`DrainOptions::force`]. DaemonSet pods stay: their DaemonSet
//! tolerates the cordon and would put them straight back.

use super::{Ctx, Result, VerbError};
use crate::api::{Kind, Node, Pod, ReplicaSet};
use crate::client::{DeleteOptions, ListParams};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Sets `spec.unschedulable`; returns whether it changed.
async fn set_unschedulable(ctx: &Ctx, node: &str, on: bool) -> Result<bool> {
    let n: Node = ctx.client.get("", node).await?;
    if n.spec.unschedulable == on {
        return Ok(false);
    }
    let patch = serde_json::json!({"spec": {"unschedulable": on}});
    ctx.client
        .patch_value(Kind::Node, "", node, &patch, false)
        .await?;
    Ok(true)
}

/// Cordons (`on`) or uncordons a node; returns what happened, in one line.
pub async fn cordon(ctx: &Ctx, node: &str, on: bool) -> Result<String> {
    let changed = set_unschedulable(ctx, node, on).await?;
    let verb = if on { "cordoned" } else { "uncordoned" };
    Ok(if changed {
        format!("node/{node} {verb}")
    } else {
        format!("node/{node} already {verb}")
    })
}

/// How a drain goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrainOptions {
    /// Give up after this long (the node stays cordoned).
    pub timeout: Duration,
    /// Also delete pods that no controller will replace.
    pub force: bool,
    /// Seconds each pod gets to stop (default: its own terminationGracePeriodSeconds).
    pub grace_period: Option<i64>,
}

impl Default for DrainOptions {
    /// Five minutes, no force, each pod's own grace period.
    fn default() -> Self {
        DrainOptions {
            timeout: Duration::from_secs(300),
            force: false,
            grace_period: None,
        }
    }
}

/// How long drain waits before asking again to evict a pod a disruption
/// budget holds.
pub const EVICTION_RETRY: Duration = Duration::from_secs(2);

/// What an eviction request came to.
enum Evicted {
    Yes,
    /// The pod is already gone.
    Gone,
    /// 429: a disruption budget holds it; the server's message and cause.
    Held(String),
}

/// Asks the API to evict a pod (the Eviction subresource, which a
/// PodDisruptionBudget may refuse with 429).
async fn evict(ctx: &Ctx, p: &Pod, delete: &DeleteOptions) -> Result<Evicted> {
    let (ns, name) = (&p.metadata.namespace, &p.metadata.name);
    let body = serde_json::json!({
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": ns},
        "deleteOptions": delete,
    });
    let path = format!("{}/eviction", Kind::Pod.object_path(ns, name));
    match ctx.client.post::<_, serde_json::Value>(&path, &body).await {
        Ok(_) => Ok(Evicted::Yes),
        Err(e) if e.is_not_found() => Ok(Evicted::Gone),
        Err(crate::client::ClientError::Api(s)) if s.code == 429 => {
            let causes: Vec<String> = s
                .details
                .iter()
                .flat_map(|d| d.causes.iter().map(|c| c.message.clone()))
                .collect();
            Ok(Evicted::Held(if causes.is_empty() {
                s.message.clone()
            } else {
                format!("{} ({})", s.message, causes.join("; "))
            }))
        }
        Err(e) => Err(e.into()),
    }
}

fn key(p: &Pod) -> String {
    format!("{}/{}", p.metadata.namespace, p.metadata.name)
}

/// Pods of a node that drain must move.
async fn pods_on(ctx: &Ctx, node: &str) -> Result<Vec<Pod>> {
    let opts = ListParams {
        field_selector: Some(format!("spec.nodeName={node}")),
        ..Default::default()
    };
    Ok(ctx
        .client
        .list::<Pod>(None, &opts)
        .await?
        .items
        .into_iter()
        .filter(|p| !p.is_terminal())
        .collect())
}

/// Drains a node, telling `say` each step as it happens (the last one is
/// `node/NAME drained`).
pub async fn drain(
    ctx: &Ctx,
    node: &str,
    opts: &DrainOptions,
    mut say: impl FnMut(String),
) -> Result<()> {
    if set_unschedulable(ctx, node, true).await? {
        say(format!("node/{node} cordoned"));
    }
    let (daemon, pods): (Vec<Pod>, Vec<Pod>) =
        pods_on(ctx, node).await?.into_iter().partition(|p| {
            p.metadata
                .controller()
                .is_some_and(|c| c.kind == Kind::DaemonSet.as_str())
        });
    if !daemon.is_empty() {
        // Their DaemonSet would put them straight back: they stay, as with
        // kubectl's --ignore-daemonsets.
        let names: Vec<String> = daemon.iter().map(key).collect();
        say(format!(
            "Warning: ignoring DaemonSet-managed Pods: {}",
            names.join(", ")
        ));
    }
    let unmanaged: Vec<String> = pods
        .iter()
        .filter(|p| p.metadata.controller().is_none())
        .map(key)
        .collect();
    if !unmanaged.is_empty() && !opts.force {
        return Err(VerbError::Failed(format!(
            "cannot drain node/{node}: these pods have no controller and would not come back: {} (use --force to delete them anyway)",
            unmanaged.join(", ")
        )));
    }
    // ReplicaSets that must be whole again elsewhere: (namespace, name).
    let owners: BTreeSet<(String, String)> = pods
        .iter()
        .filter_map(|p| {
            p.metadata
                .controller()
                .filter(|c| c.kind == Kind::ReplicaSet.as_str())
                .map(|c| (p.metadata.namespace.clone(), c.name.clone()))
        })
        .collect();
    let delete = DeleteOptions {
        grace_period_seconds: opts.grace_period,
        ..Default::default()
    };
    // Pods still to evict; those a disruption budget holds are retried
    // every EVICTION_RETRY, as kubectl drain does, until the timeout.
    let mut pending: Vec<&Pod> = vec![];
    let mut evicting: BTreeMap<String, String> = BTreeMap::new();
    for p in &pods {
        if p.metadata.is_terminating() {
            evicting.insert(key(p), p.metadata.uid.clone());
        } else {
            pending.push(p);
        }
    }
    let mut held: BTreeMap<String, String> = BTreeMap::new();
    let work = async {
        let mut reported: BTreeSet<String> = BTreeSet::new();
        let mut last_wait = String::new();
        let mut next_try = tokio::time::Instant::now();
        loop {
            if !pending.is_empty() && tokio::time::Instant::now() >= next_try {
                let mut still = vec![];
                for p in pending.drain(..) {
                    let k = key(p);
                    if !held.contains_key(&k) {
                        say(format!("evicting pod {k}"));
                    }
                    match evict(ctx, p, &delete).await? {
                        Evicted::Yes => {
                            held.remove(&k);
                            evicting.insert(k, p.metadata.uid.clone());
                        }
                        Evicted::Gone => {
                            held.remove(&k);
                        }
                        Evicted::Held(why) => {
                            if held.get(&k) != Some(&why) {
                                say(format!(
                                    "error when evicting pods/{:?} -n {:?} (will retry after {}s): {why}",
                                    p.metadata.name,
                                    p.metadata.namespace,
                                    EVICTION_RETRY.as_secs()
                                ));
                                held.insert(k, why);
                            }
                            still.push(p);
                        }
                    }
                }
                pending = still;
                next_try = tokio::time::Instant::now() + EVICTION_RETRY;
            }
            let left: BTreeSet<String> = pods_on(ctx, node)
                .await?
                .iter()
                .filter(|p| evicting.contains_key(&key(p)))
                .map(key)
                .collect();
            for k in evicting.keys() {
                if !left.contains(k) && reported.insert(k.clone()) {
                    say(format!("pod {k} evicted"));
                }
            }
            let mut waiting = vec![];
            for (ns, name) in &owners {
                match ctx.client.get::<ReplicaSet>(ns, name).await {
                    Ok(rs) if rs.status.ready_replicas < rs.replicas() => waiting.push(format!(
                        "replicaset {ns}/{name} {}/{} ready",
                        rs.status.ready_replicas,
                        rs.replicas()
                    )),
                    Ok(_) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(VerbError::from(e)),
                }
            }
            let gone = evicting.keys().all(|k| !left.contains(k));
            if pending.is_empty() && gone && waiting.is_empty() {
                return Ok(());
            }
            let msg = if !gone {
                let n = evicting.keys().filter(|k| left.contains(*k)).count();
                format!(
                    "waiting for {n} pod{} to stop",
                    if n == 1 { "" } else { "s" }
                )
            } else if !waiting.is_empty() {
                format!("waiting for replacements: {}", waiting.join(", "))
            } else {
                String::new()
            };
            if !msg.is_empty() && msg != last_wait {
                say(msg.clone());
                last_wait = msg;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    let outcome = tokio::time::timeout(opts.timeout, work).await;
    match outcome {
        Ok(r) => r?,
        Err(_) => {
            let holds: Vec<String> = held
                .iter()
                .map(|(k, why)| format!("pod {k}: {why}"))
                .collect();
            return Err(VerbError::Failed(format!(
                "timed out after {:?} draining node/{node} (it stays cordoned){}",
                opts.timeout,
                if holds.is_empty() {
                    String::new()
                } else {
                    format!("; still held by disruption budgets: {}", holds.join("; "))
                }
            )));
        }
    }
    say(format!("node/{node} drained"));
    Ok(())
}
