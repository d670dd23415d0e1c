//! `ork expose deployment|replicaset|pod|service NAME --port=P`: a Service
//! selecting the same pods, as `kubectl expose` makes it
//! (`verbs::workloads::expose`).

use super::{CliError, Ctx, Result};
use crate::verbs::workloads::{ExposeSpec, expose as service_for};
use clap::Args;

#[derive(Args, Debug)]
pub struct ExposeArgs {
    /// TYPE NAME or TYPE/NAME: a deployment, replicaset, pod or service.
    #[arg(required = true, num_args = 1..=2, value_name = "TYPE NAME")]
    pub target: Vec<String>,
    /// The Service's port (default: the ports the pods' containers declare).
    #[arg(long)]
    pub port: Option<i32>,
    /// The pods' port, a number or a container port's name (default: --port).
    #[arg(long)]
    pub target_port: Option<String>,
    /// ClusterIP (default) or NodePort.
    #[arg(long = "type", value_name = "TYPE")]
    pub type_: Option<String>,
    /// The Service's name (default: the exposed object's).
    #[arg(long)]
    pub name: Option<String>,
    /// TCP (default) or UDP.
    #[arg(long)]
    pub protocol: Option<String>,
    #[command(flatten)]
    pub gen_flags: super::generated::GenFlags,
}

pub async fn expose(ctx: &Ctx, a: ExposeArgs) -> Result<()> {
    let (kind, name) = crate::verbs::kinds::target(&a.target).map_err(CliError::Failed)?;
    let protocol = match a.protocol.as_deref() {
        None => None,
        Some("TCP") => Some(crate::api::pod::Protocol::TCP),
        Some("UDP") => Some(crate::api::pod::Protocol::UDP),
        Some(p) => {
            return Err(CliError::Usage(format!(
                "invalid protocol {p:?}: use TCP or UDP"
            )));
        }
    };
    if let Some(t) = &a.type_
        && !matches!(t.as_str(), "ClusterIP" | "NodePort")
    {
        return Err(CliError::Usage(format!(
            "invalid service type {t:?}: ork serves ClusterIP and NodePort"
        )));
    }
    let obj = ctx.client.get_any(kind, &ctx.namespace, &name).await?;
    let svc = service_for(
        &obj,
        &ExposeSpec {
            name: a.name,
            port: a.port,
            target_port: a.target_port,
            type_: a.type_,
            protocol,
        },
    )
    .map_err(CliError::Failed)?;
    super::generated::create(ctx, &svc, &a.gen_flags, "exposed").await
}
