//! `ork cordon|uncordon NODE` and `ork drain NODE`.
//!
//! Drain cordons the node, evicts its pods (a graceful delete: each pod gets
//! its terminationGracePeriodSeconds, or `--grace-period`), and waits until
//! they are gone and every ReplicaSet that owned one is fully ready again
//! elsewhere, printing progress as it goes. Pods without a controller would
//! be lost for good, so drain refuses them unless `--force`.

use super::misc::parse_duration;
use super::{CliError, Ctx, Result};
use crate::api::{Kind, Node, Pod, ReplicaSet};
use crate::client::{DeleteOptions, ListParams};
use clap::Args;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

#[derive(Args, Debug)]
pub struct CordonArgs {
    /// The node.
    pub node: String,
}

#[derive(Args, Debug)]
pub struct DrainArgs {
    /// The node.
    pub node: String,
    /// Give up after this long.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Also delete pods that no controller will replace.
    #[arg(long)]
    pub force: bool,
    /// Seconds each pod gets to stop (default: its own terminationGracePeriodSeconds).
    #[arg(long, value_name = "SECONDS")]
    pub grace_period: Option<i64>,
}

/// Sets `spec.unschedulable`; returns whether it changed.
pub async fn set_unschedulable(ctx: &Ctx, node: &str, on: bool) -> Result<bool> {
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

pub async fn cordon(ctx: &Ctx, a: CordonArgs, on: bool) -> Result<()> {
    let changed = set_unschedulable(ctx, &a.node, on).await?;
    let verb = if on { "cordoned" } else { "uncordoned" };
    if changed {
        println!("node/{} {verb}", a.node);
    } else {
        println!("node/{} already {verb}", a.node);
    }
    Ok(())
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

pub async fn drain(ctx: &Ctx, a: DrainArgs) -> Result<()> {
    drain_with(ctx, a, |line| println!("{line}")).await
}

/// Drains a node, telling `say` each step as it happens.
pub async fn drain_with(ctx: &Ctx, a: DrainArgs, mut say: impl FnMut(String)) -> Result<()> {
    let node = a.node.clone();
    if set_unschedulable(ctx, &node, true).await? {
        say(format!("node/{node} cordoned"));
    }
    let pods = pods_on(ctx, &node).await?;
    let unmanaged: Vec<String> = pods
        .iter()
        .filter(|p| p.metadata.controller().is_none())
        .map(key)
        .collect();
    if !unmanaged.is_empty() && !a.force {
        return Err(CliError::Failed(format!(
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
    let opts = DeleteOptions {
        grace_period_seconds: a.grace_period,
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
            .delete(Kind::Pod, &p.metadata.namespace, &p.metadata.name, &opts)
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
            let left: BTreeSet<String> = pods_on(ctx, &node).await?.iter().map(key).collect();
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
                    Err(e) => return Err(CliError::from(e)),
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
    match tokio::time::timeout(a.timeout, work).await {
        Ok(r) => r?,
        Err(_) => {
            return Err(CliError::Failed(format!(
                "timed out after {:?} draining node/{node} (it stays cordoned)",
                a.timeout
            )));
        }
    }
    say(format!("node/{node} drained"));
    Ok(())
}

#[derive(Args, Debug)]
pub struct TaintArgs {
    /// `node` (the only kind with taints).
    #[arg(value_name = "node")]
    pub kind: String,
    pub node: String,
    /// `KEY[=VALUE]:EFFECT` to add (or replace), `KEY[:EFFECT]-` to remove.
    #[arg(required = true, value_name = "TAINT")]
    pub taints: Vec<String>,
}

/// `ork taint node NAME dedicated=gpu:NoSchedule spot-`, as kubectl does it.
pub async fn taint(ctx: &Ctx, a: TaintArgs) -> Result<()> {
    use crate::api::placement::Taint;
    if !matches!(a.kind.as_str(), "node" | "nodes" | "no") {
        return Err(CliError::Usage(format!(
            "{:?} cannot be tainted: use `ork taint node NAME ...`",
            a.kind
        )));
    }
    let mut n: Node = ctx.client.get("", &a.node).await?;
    for spec in &a.taints {
        if let Some(rm) = spec.strip_suffix('-') {
            let (key, effect) = rm.split_once(':').unwrap_or((rm, ""));
            let before = n.spec.taints.len();
            n.spec
                .taints
                .retain(|t| !(t.key == key && (effect.is_empty() || t.effect == effect)));
            if n.spec.taints.len() == before {
                return Err(CliError::Failed(format!(
                    "node {:?} has no taint {rm:?}; nothing changed",
                    a.node
                )));
            }
        } else {
            let mut t = Taint::parse(spec).map_err(CliError::Usage)?;
            if t.effect == "NoExecute" {
                // tolerationSeconds count from here.
                t.time_added = Some(crate::api::Time::now());
            }
            n.spec
                .taints
                .retain(|x| !(x.key == t.key && x.effect == t.effect));
            n.spec.taints.push(t);
        }
    }
    ctx.client.replace(&n).await?;
    println!("node/{} tainted", a.node);
    Ok(())
}
