//! Taking a node out of service: [`cordon`] (no new pods go there) and
//! [`drain`] (cordon, evict its pods, wait until they run elsewhere).
//!
//! Drain evicts with a graceful delete: each pod gets its
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
    let mut evicting: BTreeMap<String, String> = BTreeMap::new();
    for p in &pods {
        if p.metadata.is_terminating() {
            evicting.insert(key(p), p.metadata.uid.clone());
            continue;
        }
        say(format!("evicting pod {}", key(p)));
        match ctx
            .client
            .delete(Kind::Pod, &p.metadata.namespace, &p.metadata.name, &delete)
            .await
        {
            Ok(_) => {
                evicting.insert(key(p), p.metadata.uid.clone());
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    let work = async {
        let mut reported: BTreeSet<String> = BTreeSet::new();
        let mut last_wait = String::new();
        loop {
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
            if gone && waiting.is_empty() {
                return Ok(());
            }
            let msg = if gone {
                format!("waiting for replacements: {}", waiting.join(", "))
            } else {
                let n = evicting.keys().filter(|k| left.contains(*k)).count();
                format!(
                    "waiting for {n} pod{} to stop",
                    if n == 1 { "" } else { "s" }
                )
            };
            if msg != last_wait {
                say(msg.clone());
                last_wait = msg;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    match tokio::time::timeout(opts.timeout, work).await {
        Ok(r) => r?,
        Err(_) => {
            return Err(VerbError::Failed(format!(
                "timed out after {:?} draining node/{node} (it stays cordoned)",
                opts.timeout
            )));
        }
    }
    say(format!("node/{node} drained"));
    Ok(())
}
