//! `ork cordon|uncordon NODE`, `ork drain NODE` (their arguments and
//! printing; the work is `verbs::nodes`'), and `ork taint node NAME ...`.

use super::misc::parse_duration;
use super::{CliError, Ctx, Result};
use crate::api::Node;
use crate::verbs::nodes::{self, DrainOptions};
use clap::Args;
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

pub async fn cordon(ctx: &Ctx, a: CordonArgs, on: bool) -> Result<()> {
    println!("{}", nodes::cordon(ctx, &a.node, on).await?);
    Ok(())
}

pub async fn drain(ctx: &Ctx, a: DrainArgs) -> Result<()> {
    let opts = DrainOptions {
        timeout: a.timeout,
        force: a.force,
        grace_period: a.grace_period,
    };
    Ok(nodes::drain(ctx, &a.node, &opts, |line| println!("{line}")).await?)
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
