//! `ork why pod NAME`: every node with the filter plugin and reason that
//! rejected the pod and what would make it fit, or, for feasible nodes,
//! each score plugin's score. It runs ork's own scheduler code on the
//! cluster as the API shows it now (the same filters the control daemon
//! runs), so the answer is the scheduler's, not a guess.

use super::output::table;
use super::{CliError, Ctx, Result};
use crate::api::Pod;
use crate::verbs::placement;
use clap::Args;

#[derive(Args, Debug)]
pub struct WhyArgs {
    /// `pod` (the only kind placed by the scheduler).
    #[arg(value_name = "pod")]
    pub kind: String,
    pub name: String,
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
        if pod.is_gated() {
            let gates: Vec<&str> = pod
                .spec
                .scheduling_gates
                .iter()
                .map(|g| g.name.as_str())
                .collect();
            println!(
                "held by scheduling gates {}: it is not scheduled until they are removed from spec.schedulingGates",
                gates.join(", ")
            );
        }
        if !pod.status.nominated_node_name.is_empty() {
            println!(
                "nominated to node {}: pods of lower priority were preempted there for it and are terminating",
                pod.status.nominated_node_name
            );
        } else if let Some(line) = placement::preemption(ctx, &pod).await? {
            println!("{line}");
        }
    } else {
        println!(
            "pod {key} runs on node {}; how every node judges it now:",
            pod.spec.node_name
        );
    }
    let rows = placement::rows(ctx, &pod).await?;
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
