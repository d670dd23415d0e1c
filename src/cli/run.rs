//! `ork run NAME --image=IMG`: one Pod, as `kubectl run` makes it (label
//! `run=NAME`, `--port`, `--env`, `--labels`, `--restart`, `-- ARGS` or
//! `--command -- CMD ARGS`). The Pod is `verbs::workloads::run_pod`'s.

use super::{CliError, Ctx, Result};
use crate::verbs::workloads::{RunSpec, key_value, labels, restart_policy, run_pod};
use clap::Args;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The Pod's name (and its container's).
    pub name: String,
    /// The container image to run.
    #[arg(long)]
    pub image: String,
    /// The port the container exposes.
    #[arg(long)]
    pub port: Option<i32>,
    /// An environment variable, KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Labels, `a=b,c=d` (instead of `run=NAME`).
    #[arg(short = 'l', long)]
    pub labels: Option<String>,
    /// The pod's restart policy: Always, OnFailure or Never.
    #[arg(long, default_value = "Always")]
    pub restart: String,
    /// The arguments after `--` are the command, not arguments to the image's entrypoint.
    #[arg(long)]
    pub command: bool,
    /// Always, IfNotPresent or Never.
    #[arg(long, value_name = "POLICY")]
    pub image_pull_policy: Option<String>,
    #[command(flatten)]
    pub gen_flags: super::generated::GenFlags,
    /// The container's arguments (or command, with --command).
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

pub async fn run(ctx: &Ctx, a: RunArgs) -> Result<()> {
    let env = a
        .env
        .iter()
        .map(|e| key_value(e, "--env"))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(CliError::Usage)?;
    let image_pull_policy = match a.image_pull_policy.as_deref() {
        None => None,
        Some(p) => Some(
            serde_json::from_value(serde_json::Value::String(p.to_string())).map_err(|_| {
                CliError::Usage(format!(
                    "invalid image pull policy: {p} (use Always, IfNotPresent or Never)"
                ))
            })?,
        ),
    };
    let spec = RunSpec {
        name: a.name.clone(),
        namespace: ctx.namespace.clone(),
        image: a.image,
        port: a.port,
        env,
        labels: labels(a.labels.as_deref().unwrap_or("")).map_err(CliError::Usage)?,
        restart: restart_policy(&a.restart).map_err(CliError::Usage)?,
        command: a.command,
        args: a.args,
        image_pull_policy,
    };
    super::generated::create(ctx, &run_pod(&spec), &a.gen_flags, "created").await
}
