//! `ork why pod NAME`: every node with the filter plugin and reason that
//! rejected the pod and what would make it fit, or, for feasible nodes,
//! each score plugin's score. It runs ork's own scheduler code on the
//! cluster as the API shows it now (the same filters the control daemon
//! runs), so the answer is the scheduler's, not a guess.

use super::output::table;
use super::{CliError, Ctx, Result};
use crate::api::{Node, Pod};
use crate::client::ListParams;
use crate::scheduler::{Scheduler, Snapshot, Strategy};
use clap::Args;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct WhyArgs {
    /// `pod` (the only kind placed by the scheduler).
    #[arg(value_name = "pod")]
    pub kind: String,
    pub name: String,
}

/// The per-node table for a pod: NODE, VERDICT, PLUGIN, DETAIL.
pub async fn placement_rows(ctx: &Ctx, pod: &Pod) -> Result<Vec<Vec<String>>> {
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
    let verdicts = Scheduler::with_strategy(strategy).explain(&snapshot, pod);
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

pub async fn why(ctx: &Ctx, a: WhyArgs) -> Result<()> {
    if !matches!(a.kind.as_str(), "pod" | "pods" | "po") {
        return Err(CliError::Usage(format!(
            "{:?}: only pods are placed; use `ork why pod NAME`",
            a.kind
        )));
    }
    let name = a.name.strip_prefix("pod/").unwrap_or(&a.name);
    let pod: Pod = ctx.client.get(&ctx.namespace, name).await?;
    let key = format!("{}/{}", pod.metadata.namespace, pod.metadata.name);
    if pod.spec.node_name.is_empty() {
        let why = pod
            .status
            .conditions
            .iter()
            .find(|c| c.type_ == "PodScheduled")
            .map(|c| c.message.clone())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "not scheduled yet".into());
        println!("pod {key} is Pending: {why}");
    } else {
        println!(
            "pod {key} runs on node {}; how every node judges it now:",
            pod.spec.node_name
        );
    }
    let rows = placement_rows(ctx, &pod).await?;
    if rows.is_empty() {
        println!("no nodes are registered: start one with `ork node --join ...` or `ork up`");
        return Ok(());
    }
    let headers: Vec<String> = ["NODE", "VERDICT", "PLUGIN", "DETAIL"]
        .map(String::from)
        .to_vec();
    print!("{}", table(&headers, &rows, true));
    Ok(())
}
