//! `ork rollout status|history|undo|restart|pause|resume deployment/NAME`
//! (status|history|undo|restart daemonset/NAME, status|history|undo
//! statefulset/NAME):
//! the arguments and the printing; the work is `verbs::rollout`'s.

use super::misc::parse_duration;
use super::{CliError, Ctx, Result};
use crate::api::Kind;
use crate::verbs::output::{table, to_yaml};
use crate::verbs::rollout::{follow, history, restart, set_paused, undo};
use clap::{Args, Subcommand};
use std::time::Duration;

#[derive(Args, Debug)]
pub struct RolloutArgs {
    #[command(subcommand)]
    pub command: RolloutCommand,
}

#[derive(Subcommand, Debug)]
pub enum RolloutCommand {
    /// Follow a rollout until it completes; exit non-zero if it fails or is rolled back.
    Status {
        /// deployment/NAME.
        target: String,
        /// Give up after this long.
        #[arg(long, default_value = "10m", value_parser = parse_duration)]
        timeout: Duration,
    },
    /// List the revisions of a deployment, or show one.
    History {
        target: String,
        /// Show the pod template of this revision.
        #[arg(long)]
        revision: Option<i64>,
    },
    /// Go back to the previous revision, or to a given one.
    Undo {
        target: String,
        #[arg(long)]
        to_revision: Option<i64>,
    },
    /// Replace every pod, one step at a time, with the same template.
    Restart { target: String },
    /// Stop rolling out template changes (scaling still works).
    Pause { target: String },
    /// Roll out again.
    Resume { target: String },
}

fn deployment_name(target: &str) -> Result<String> {
    let (k, n) = target
        .split_once('/')
        .ok_or_else(|| CliError::Usage(format!("{target:?}: give deployment/NAME")))?;
    match Kind::from_name(k) {
        Some(Kind::Deployment) => Ok(n.to_string()),
        _ => Err(CliError::Usage(format!(
            "{target:?}: rollouts are for deployments, daemonsets and statefulsets (deployment/NAME, daemonset/NAME, statefulset/NAME)"
        ))),
    }
}

/// The name in `statefulset/NAME` (or `sts/NAME`).
fn statefulset_name(target: &str) -> Option<String> {
    let (k, n) = target.split_once('/')?;
    (Kind::from_name(k) == Some(Kind::StatefulSet)).then(|| n.to_string())
}

/// `rollout history`: the revisions as a table, or one revision's template.
async fn print_history(ctx: &Ctx, name: &str, rev: Option<i64>) -> Result<()> {
    let h = history(ctx, name).await?;
    if let Some(n) = rev {
        let r = h.get(n)?;
        println!("deployment.apps/{name} with revision #{n}");
        let v = serde_json::to_value(&r.template).map_err(|e| CliError::Failed(e.to_string()))?;
        print!("{}", to_yaml(&serde_json::json!({ "template": v }))?);
        return Ok(());
    }
    println!("deployment.apps/{name}");
    let rows: Vec<Vec<String>> = h
        .revisions
        .iter()
        .map(|r| {
            let mark = if h.current == Some(r.number) {
                " (current)"
            } else {
                ""
            };
            vec![
                format!("{}{mark}", r.number),
                r.replicaset.clone(),
                r.cause.clone().unwrap_or_else(|| "<none>".into()),
            ]
        })
        .collect();
    let headers = ["REVISION", "REPLICASET", "CHANGE-CAUSE"].map(String::from);
    print!("{}", table(&headers, &rows, true));
    Ok(())
}

/// `rollout history` of a DaemonSet or StatefulSet (`what` is
/// `daemonset.apps`, `statefulset.apps`): its ControllerRevisions as a
/// table, or one revision's template.
fn print_revisions(
    what: &str,
    name: &str,
    revs: &[crate::verbs::rollout_daemonset::Revision],
    revision: Option<i64>,
) -> Result<()> {
    if let Some(n) = revision {
        let r = revs.iter().find(|r| r.number == n).ok_or_else(|| {
            CliError::Failed(format!("unable to find the specified revision {n}"))
        })?;
        println!("{what}/{name} with revision #{n}");
        let v = serde_json::to_value(&r.template).map_err(|e| CliError::Failed(e.to_string()))?;
        print!("{}", to_yaml(&serde_json::json!({ "template": v }))?);
        return Ok(());
    }
    println!("{what}/{name}");
    let rows: Vec<Vec<String>> = revs
        .iter()
        .map(|r| {
            vec![
                r.number.to_string(),
                r.cause.clone().unwrap_or_else(|| "<none>".into()),
            ]
        })
        .collect();
    let headers = ["REVISION", "CHANGE-CAUSE"].map(String::from);
    print!("{}", table(&headers, &rows, true));
    Ok(())
}

/// `daemonset/NAME` (or `ds/NAME`): the name, when the target is a DaemonSet.
fn daemonset_name(target: &str) -> Option<&str> {
    let (k, n) = target.split_once('/')?;
    (Kind::from_name(k) == Some(Kind::DaemonSet)).then_some(n)
}

/// `rollout status|history|undo|restart daemonset/NAME`.
async fn daemonset_rollout(ctx: &Ctx, name: &str, command: RolloutCommand) -> Result<()> {
    use crate::verbs::rollout_daemonset as ds;
    let line = match command {
        RolloutCommand::Status { timeout, .. } => {
            ds::follow(ctx, name, timeout, |m| println!("{m}")).await?
        }
        RolloutCommand::History { revision, .. } => {
            let revs = ds::history(ctx, name).await?;
            return print_revisions("daemonset.apps", name, &revs, revision);
        }
        RolloutCommand::Undo { to_revision, .. } => ds::undo(ctx, name, to_revision).await?,
        RolloutCommand::Restart { .. } => ds::restart(ctx, name).await?,
        RolloutCommand::Pause { .. } | RolloutCommand::Resume { .. } => {
            return Err(CliError::Usage(format!(
                "daemonsets.apps {name:?} pausing is not supported"
            )));
        }
    };
    println!("{line}");
    Ok(())
}

pub async fn rollout(ctx: &Ctx, a: RolloutArgs) -> Result<()> {
    let target = match &a.command {
        RolloutCommand::Status { target, .. }
        | RolloutCommand::History { target, .. }
        | RolloutCommand::Undo { target, .. }
        | RolloutCommand::Restart { target }
        | RolloutCommand::Pause { target }
        | RolloutCommand::Resume { target } => target.clone(),
    };
    if let Some(name) = daemonset_name(&target) {
        return daemonset_rollout(ctx, name, a.command).await;
    }
    let line = match a.command {
        RolloutCommand::Status { target, timeout } if statefulset_name(&target).is_some() => {
            let name = statefulset_name(&target).unwrap_or_default();
            crate::verbs::statefulset_rollout::follow(ctx, &name, timeout, |m| println!("{m}"))
                .await?
        }
        RolloutCommand::Status { target, timeout } => {
            follow(ctx, &deployment_name(&target)?, timeout, |m| {
                println!("{m}")
            })
            .await?
        }
        RolloutCommand::History { target, revision } if statefulset_name(&target).is_some() => {
            let name = statefulset_name(&target).unwrap_or_default();
            let revs = crate::verbs::statefulset_rollout::history(ctx, &name).await?;
            return print_revisions("statefulset.apps", &name, &revs, revision);
        }
        RolloutCommand::History { target, revision } => {
            return print_history(ctx, &deployment_name(&target)?, revision).await;
        }
        RolloutCommand::Undo {
            target,
            to_revision,
        } if statefulset_name(&target).is_some() => {
            let name = statefulset_name(&target).unwrap_or_default();
            crate::verbs::statefulset_rollout::undo(ctx, &name, to_revision).await?
        }
        RolloutCommand::Undo {
            target,
            to_revision,
        } => undo(ctx, &deployment_name(&target)?, to_revision).await?,
        RolloutCommand::Restart { target } => restart(ctx, &deployment_name(&target)?).await?,
        RolloutCommand::Pause { target } => {
            set_paused(ctx, &deployment_name(&target)?, true).await?
        }
        RolloutCommand::Resume { target } => {
            set_paused(ctx, &deployment_name(&target)?, false).await?
        }
    };
    println!("{line}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_must_be_deployments() {
        assert_eq!(deployment_name("deploy/web").unwrap(), "web");
        assert_eq!(deployment_name("deployment.apps/web").unwrap(), "web");
        assert!(deployment_name("rs/web").is_err());
        assert!(deployment_name("web").is_err());
        assert_eq!(daemonset_name("ds/agent"), Some("agent"));
        assert_eq!(daemonset_name("daemonset.apps/agent"), Some("agent"));
        assert_eq!(daemonset_name("deploy/agent"), None);
    }
}
