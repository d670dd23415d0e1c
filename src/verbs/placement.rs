//! Where a pod can go: ork's own scheduler run on the cluster as the API
//! shows it now, with the strategy the control daemon uses, giving every
//! node's verdict (the filter and reasons that rejected the pod and what
//! would make it fit, or each score plugin's score).

use super::{Ctx, Result};
use crate::api::pdb::PodDisruptionBudget;
use crate::api::{Node, Pod};
use crate::client::ListParams;
use crate::scheduler::{Scheduler, Snapshot, Strategy};
use std::sync::Arc;

/// The cluster as the scheduler would see it for `pod`: the snapshot, the
/// pods bound to nodes (without `pod`), and the scheduler configured as
/// the control daemon's.
async fn cluster(ctx: &Ctx, pod: &Pod) -> Result<(Snapshot, Vec<Arc<Pod>>, Scheduler)> {
    let nodes: Vec<Arc<Node>> = ctx
        .client
        .list::<Node>(None, &ListParams::default())
        .await?
        .items
        .into_iter()
        .map(Arc::new)
        .collect();
    let pods: Vec<Arc<Pod>> = ctx
        .client
        .list::<Pod>(None, &ListParams::default())
        .await?
        .items
        .into_iter()
        .filter(|p| {
            p.metadata.uid != pod.metadata.uid && !p.spec.node_name.is_empty() && p.is_active()
        })
        .map(Arc::new)
        .collect();
    let snapshot = Snapshot::build(&nodes, &pods);
    // Score as the control daemon does.
    let strategy = ctx
        .client
        .version()
        .await
        .ok()
        .and_then(|v| v["schedulingStrategy"].as_str().and_then(Strategy::parse))
        .unwrap_or_default();
    Ok((snapshot, pods, Scheduler::with_strategy(strategy)))
}

/// What preemption would do for a pending `pod` now: the node and the
/// pods of lower priority it would evict there, or why it would not.
/// `None` when the pod fits somewhere without it.
pub async fn preemption(ctx: &Ctx, pod: &Pod) -> Result<Option<String>> {
    let (snapshot, pods, sched) = cluster(ctx, pod).await?;
    let Err(failed) = sched.schedule(&snapshot, pod) else {
        return Ok(None);
    };
    let on = |n: &str| {
        pods.iter()
            .filter(|p| p.spec.node_name == n)
            .cloned()
            .collect::<Vec<_>>()
    };
    // Budgets the caller may not read count as none.
    let budgets: Vec<Arc<PodDisruptionBudget>> = ctx
        .client
        .list::<PodDisruptionBudget>(None, &ListParams::default())
        .await
        .map(|l| l.items.into_iter().map(Arc::new).collect())
        .unwrap_or_default();
    Ok(Some(
        match sched.preempt(&snapshot, pod, &failed, &on, &budgets) {
            Ok(p) => format!(
                "preemption (priority {}): evicting {} on node {} lets it fit{}",
                pod.priority(),
                p.victims
                    .iter()
                    .map(|v| format!("{}/{} (priority {})", v.namespace, v.name, v.priority))
                    .collect::<Vec<_>>()
                    .join(", "),
                p.node,
                match p.budget_violations {
                    0 => String::new(),
                    n => format!(" ({n} of them beyond what their PodDisruptionBudget allows)"),
                }
            ),
            Err(why) => format!("{why} (pod priority {})", pod.priority()),
        },
    ))
}

/// The per-node table for a pod: NODE, VERDICT, PLUGIN, DETAIL.
pub async fn rows(ctx: &Ctx, pod: &Pod) -> Result<Vec<Vec<String>>> {
    let (snapshot, _, sched) = cluster(ctx, pod).await?;
    let verdicts = sched.explain(&snapshot, pod);
    Ok(verdicts
        .into_iter()
        .map(|v| match v.rejected {
            Some(s) => vec![
                v.node.clone(),
                "rejected".into(),
                s.plugin.to_string(),
                s.reasons
                    .iter()
                    .map(|r| format!("{r} → {}", r.remedy(&v.node)))
                    .collect::<Vec<_>>()
                    .join("; "),
            ],
            None => vec![
                v.node.clone(),
                format!("fits (score {})", v.total),
                "scores".into(),
                v.scores
                    .iter()
                    .map(|(name, s, w)| format!("{name} {s}×{w}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ],
        })
        .collect())
}
