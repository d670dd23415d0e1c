//! `ork create deployment NAME --image=IMG` and `ork create namespace
//! NAME`, as kubectl's generators make them (`verbs::workloads`).

use super::{CliError, Ctx, Result};
use crate::api::{Kind, qualified_name};
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
    /// The container's command (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct NamespaceArgs {
    pub name: String,
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
    ctx.client.create(&d).await?;
    println!("{} created", qualified_name(Kind::Deployment, &a.name));
    Ok(())
}

pub async fn namespace(ctx: &Ctx, a: NamespaceArgs) -> Result<()> {
    ctx.client.create(&new_namespace(&a.name)).await?;
    println!("{} created", qualified_name(Kind::Namespace, &a.name));
    Ok(())
}
