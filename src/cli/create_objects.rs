//! `ork create deployment NAME --image=IMG` and `ork create namespace
//! NAME`, as kubectl's generators make them (`verbs::workloads`).

use super::generated::{GenFlags, create};
use super::{CliError, Ctx, Result};
use crate::verbs::workloads::{deployment as new_deployment, namespace as new_namespace};
use clap::Args;

#[derive(Args, Debug)]
pub struct DeploymentArgs {
    pub name: String,
    /// A container image (repeatable: one container each).
    #[arg(long, required = true)]
    pub image: Vec<String>,
    /// How many pods.
    #[arg(short = 'r', long, default_value_t = 1)]
    pub replicas: i32,
    /// The port the containers expose.
    #[arg(long)]
    pub port: Option<i32>,
    #[command(flatten)]
    pub gen_flags: GenFlags,
    /// The container's command (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct NamespaceArgs {
    pub name: String,
    #[command(flatten)]
    pub gen_flags: GenFlags,
}

pub async fn deployment(ctx: &Ctx, a: DeploymentArgs) -> Result<()> {
    let d = new_deployment(
        &ctx.namespace,
        &a.name,
        &a.image,
        a.replicas,
        a.port,
        &a.command,
    )
    .map_err(CliError::Usage)?;
    create(ctx, &d, &a.gen_flags, "created").await
}

pub async fn namespace(ctx: &Ctx, a: NamespaceArgs) -> Result<()> {
    create(ctx, &new_namespace(&a.name), &a.gen_flags, "created").await
}
