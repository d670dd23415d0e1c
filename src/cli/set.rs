//! `ork set image TYPE/NAME CONTAINER=IMAGE...` and `ork set env TYPE/NAME
//! KEY=VALUE KEY-...`: one field of the named containers changed, every
//! other field (command, ports, probes) kept; sent under a resourceVersion
//! precondition (`verbs::change::update`, `verbs::workloads`).

use super::{CliError, Ctx, Result};
use crate::api::qualified_name;
use crate::verbs::change::update;
use crate::verbs::objects::Target;
use crate::verbs::workloads::{key_value, set_env, set_images};
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct SetArgs {
    #[command(subcommand)]
    pub what: SetWhat,
}

#[derive(Subcommand, Debug)]
pub enum SetWhat {
    /// Set containers' images: `ork set image deployment/web main=nginx:1.27` (`*=IMAGE`: all).
    Image(SetImageArgs),
    /// Set or remove containers' environment variables: `ork set env deployment/web A=1 B-`.
    Env(SetEnvArgs),
}

#[derive(Args, Debug)]
pub struct SetImageArgs {
    /// TYPE/NAME (or TYPE NAME), then CONTAINER=IMAGE pairs.
    #[arg(required = true, num_args = 2.., value_name = "TYPE/NAME CONTAINER=IMAGE")]
    pub args: Vec<String>,
}

#[derive(Args, Debug)]
pub struct SetEnvArgs {
    /// TYPE/NAME (or TYPE NAME), then KEY=VALUE to set and KEY- to remove.
    #[arg(required = true, num_args = 2.., value_name = "TYPE/NAME KEY=VALUE|KEY-")]
    pub args: Vec<String>,
    /// Only the container of this name (default: all).
    #[arg(short = 'c', long, default_value = "*")]
    pub containers: String,
}

/// The target and the rest of the arguments: `TYPE/NAME rest...` or `TYPE NAME rest...`.
fn split(ctx: &Ctx, args: &[String]) -> Result<(Target, Vec<String>)> {
    let (target, rest) = if args[0].contains('/') {
        (&args[..1], &args[1..])
    } else if args.len() >= 3 {
        (&args[..2], &args[2..])
    } else {
        return Err(CliError::Usage("give TYPE/NAME, then what to set".into()));
    };
    let (kind, name) = crate::verbs::kinds::target(target).map_err(CliError::Failed)?;
    crate::verbs::workloads::containers_pointer(kind).map_err(CliError::Failed)?;
    let namespace = ctx.namespace.clone();
    Ok((
        Target {
            kind,
            namespace,
            name,
        },
        rest.to_vec(),
    ))
}

fn label(t: &Target) -> String {
    qualified_name(t.kind, &t.name)
}

pub async fn set(ctx: &Ctx, a: SetArgs) -> Result<()> {
    match a.what {
        SetWhat::Image(a) => {
            let (t, rest) = split(ctx, &a.args)?;
            let pairs = rest
                .iter()
                .map(|p| key_value(p, "CONTAINER=IMAGE"))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(CliError::Usage)?;
            if update(ctx, &t, |v| set_images(v, t.kind, &pairs)).await? {
                println!("{} image updated", label(&t));
            }
        }
        SetWhat::Env(a) => {
            let (t, rest) = split(ctx, &a.args)?;
            let mut set = vec![];
            let mut remove = vec![];
            for p in &rest {
                match p.strip_suffix('-') {
                    Some(k) if !p.contains('=') => remove.push(k.to_string()),
                    _ => set.push(key_value(p, "KEY=VALUE").map_err(CliError::Usage)?),
                }
            }
            let only = a.containers.clone();
            if update(ctx, &t, |v| set_env(v, t.kind, &only, &set, &remove)).await? {
                println!("{} env updated", label(&t));
            }
        }
    }
    Ok(())
}
