//! `ork rollout status|history|undo|restart|pause|resume deployment/NAME`.

use super::misc::parse_duration;
use super::output::{table, to_yaml};
use super::{CliError, Ctx, Result};
use crate::api::{
    Deployment, Kind, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, ReplicaSet, Time,
    find_condition,
};
use crate::client::{ListParams, WatchEventType};
use clap::{Args, Subcommand};
use futures::StreamExt;
use std::time::Duration;

const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
const ROLLED_BACK_GENERATION: &str = "ork.dev/rolled-back-generation";

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
            "{target:?}: rollouts are for deployments (deployment/NAME)"
        ))),
    }
}

/// The revision number a ReplicaSet carries (0 when it has none).
pub fn revision(rs: &ReplicaSet) -> i64 {
    rs.metadata
        .annotations
        .get(REVISION_ANNOTATION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// The ReplicaSets a deployment owns, oldest revision first.
pub async fn sets_of(ctx: &Ctx, d: &Deployment) -> Result<Vec<ReplicaSet>> {
    let mut sets: Vec<ReplicaSet> = ctx
        .client
        .list::<ReplicaSet>(Some(&d.metadata.namespace), &ListParams::default())
        .await?
        .items
        .into_iter()
        .filter(|r| {
            r.metadata
                .controller()
                .is_some_and(|c| c.uid == d.metadata.uid)
        })
        .collect();
    sets.sort_by_key(revision);
    Ok(sets)
}

/// Replaces the deployment after `edit`, retrying on conflicts.
async fn update(
    ctx: &Ctx,
    name: &str,
    mut edit: impl FnMut(&mut Deployment) -> Result<bool>,
) -> Result<bool> {
    for _ in 0..10 {
        let mut d: Deployment = ctx.client.get(&ctx.namespace, name).await?;
        if !edit(&mut d)? {
            return Ok(false);
        }
        match ctx.client.replace(&d).await {
            Ok(_) => return Ok(true),
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(CliError::Failed(format!(
        "deployment {name:?} keeps changing; try again"
    )))
}

/// One line on where a rollout is, or how it ended.
pub enum Verdict {
    Waiting(String),
    Done(String),
    Failed(String),
}

/// Where a rollout stands, as kubectl words it. `generation` is the
/// deployment's generation when the caller started to follow it: a rollback
/// of that generation (or a later one) is this rollout's failure.
pub fn verdict(d: &Deployment, generation: i64) -> Verdict {
    let name = &d.metadata.name;
    let s = &d.status;
    let rolled_back: i64 = d
        .metadata
        .annotations
        .get(ROLLED_BACK_GENERATION)
        .and_then(|g| g.parse().ok())
        .unwrap_or(0);
    if rolled_back >= generation
        && let Some(rb) = find_condition(&s.conditions, "RolledBack")
    {
        return Verdict::Failed(format!(
            "deployment {name:?} was rolled back: {}",
            rb.message
        ));
    }
    if s.observed_generation < generation {
        return Verdict::Waiting("Waiting for deployment spec update to be observed...".into());
    }
    if let Some(p) = find_condition(&s.conditions, "Progressing")
        && p.status == "False"
    {
        return Verdict::Failed(match p.reason.as_str() {
            "ProgressDeadlineExceeded" => {
                format!("deployment {name:?} exceeded its progress deadline")
            }
            _ => format!("deployment {name:?} is failing: {}", p.message),
        });
    }
    let want = d.replicas();
    if s.updated_replicas < want {
        Verdict::Waiting(format!(
            "Waiting for deployment {name:?} rollout to finish: {} out of {want} new replicas have been updated...",
            s.updated_replicas
        ))
    } else if s.replicas > s.updated_replicas {
        Verdict::Waiting(format!(
            "Waiting for deployment {name:?} rollout to finish: {} old replicas are pending termination...",
            s.replicas - s.updated_replicas
        ))
    } else if s.available_replicas < s.updated_replicas {
        Verdict::Waiting(format!(
            "Waiting for deployment {name:?} rollout to finish: {} of {} updated replicas are available...",
            s.available_replicas, s.updated_replicas
        ))
    } else {
        Verdict::Done(format!("deployment {name:?} successfully rolled out"))
    }
}

async fn status(ctx: &Ctx, name: &str, timeout: Duration) -> Result<()> {
    let d: Deployment = ctx.client.get(&ctx.namespace, name).await?;
    let generation = d.metadata.generation;
    let opts = ListParams {
        field_selector: Some(format!("metadata.name={name}")),
        ..Default::default()
    };
    let follow = async {
        let mut last = String::new();
        let mut current = d;
        let mut stream = ctx
            .client
            .watch(
                Kind::Deployment,
                Some(&ctx.namespace),
                &opts,
                Some(current.metadata.revision()),
            )
            .await?;
        loop {
            match verdict(&current, generation) {
                Verdict::Done(m) => {
                    println!("{m}");
                    return Ok(());
                }
                Verdict::Failed(m) => return Err(CliError::Failed(m)),
                Verdict::Waiting(m) => {
                    if m != last {
                        println!("{m}");
                        last = m;
                    }
                }
            }
            loop {
                let Some(ev) = stream.next().await else {
                    return Err(CliError::Failed("the watch ended (server gone?)".into()));
                };
                let ev = ev?;
                match (ev.type_, ev.object) {
                    (WatchEventType::Deleted, _) => {
                        return Err(CliError::Failed(format!("deployment {name:?} was deleted")));
                    }
                    (_, Some(o)) => {
                        if let Some(d) = <Deployment as crate::api::Object>::from_any(&o) {
                            current = (**d).clone();
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
    };
    tokio::time::timeout(timeout, follow)
        .await
        .unwrap_or_else(|_| {
            Err(CliError::Failed(format!(
                "timed out after {timeout:?} waiting for the rollout"
            )))
        })
}

async fn history(ctx: &Ctx, name: &str, rev: Option<i64>) -> Result<()> {
    let d: Deployment = ctx.client.get(&ctx.namespace, name).await?;
    let sets = sets_of(ctx, &d).await?;
    if let Some(n) = rev {
        let rs = sets
            .iter()
            .find(|r| revision(r) == n)
            .ok_or_else(|| CliError::Failed(format!("deployment {name:?} has no revision {n}")))?;
        let mut t = rs.spec.template.clone();
        t.metadata.labels.remove(POD_TEMPLATE_HASH_LABEL);
        println!("deployment.apps/{name} with revision #{n}");
        let v = serde_json::to_value(&t).map_err(|e| CliError::Failed(e.to_string()))?;
        print!("{}", to_yaml(&serde_json::json!({ "template": v }))?);
        return Ok(());
    }
    println!("deployment.apps/{name}");
    let current = d
        .metadata
        .annotations
        .get(REVISION_ANNOTATION)
        .cloned()
        .unwrap_or_default();
    let rows: Vec<Vec<String>> = sets
        .iter()
        .map(|r| {
            let n = revision(r).to_string();
            let mark = if n == current { " (current)" } else { "" };
            vec![
                format!("{n}{mark}"),
                r.metadata.name.clone(),
                r.metadata
                    .annotations
                    .get(CHANGE_CAUSE)
                    .cloned()
                    .unwrap_or_else(|| "<none>".into()),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "REVISION".into(),
                "REPLICASET".into(),
                "CHANGE-CAUSE".into()
            ],
            &rows,
            true
        )
    );
    Ok(())
}

async fn undo(ctx: &Ctx, name: &str, to: Option<i64>) -> Result<()> {
    println!("{}", undo_to(ctx, name, to).await?);
    Ok(())
}

/// Rolls a deployment back to a revision (the previous one when `to` is
/// `None`); returns what happened, in one line.
pub async fn undo_to(ctx: &Ctx, name: &str, to: Option<i64>) -> Result<String> {
    let d: Deployment = ctx.client.get(&ctx.namespace, name).await?;
    let sets = sets_of(ctx, &d).await?;
    let current: i64 = d
        .metadata
        .annotations
        .get(REVISION_ANNOTATION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    let target = match to {
        Some(n) => sets
            .iter()
            .find(|r| revision(r) == n)
            .ok_or_else(|| CliError::Failed(format!("deployment {name:?} has no revision {n}")))?,
        None => sets
            .iter()
            .rev()
            .find(|r| revision(r) < current)
            .ok_or_else(|| {
                CliError::Failed(format!("deployment {name:?} has no previous revision"))
            })?,
    };
    let n = revision(target);
    let mut template = target.spec.template.clone();
    template.metadata.labels.remove(POD_TEMPLATE_HASH_LABEL);
    let changed = update(ctx, name, |d| {
        if d.spec.template == template {
            return Ok(false);
        }
        d.spec.template = template.clone();
        Ok(true)
    })
    .await?;
    Ok(if changed {
        format!("deployment.apps/{name} rolled back to revision {n}")
    } else {
        format!("deployment.apps/{name} skipped rollback (already at the template of revision {n})")
    })
}

/// Replaces every pod of a deployment by stamping its template.
pub async fn restart(ctx: &Ctx, name: &str) -> Result<String> {
    let now = Time::now();
    let stamp = serde_json::to_value(now).map_err(|e| CliError::Failed(e.to_string()))?;
    update(ctx, name, |d| {
        d.spec.template.metadata.annotations.insert(
            "kubectl.kubernetes.io/restartedAt".into(),
            stamp.as_str().unwrap_or_default().to_string(),
        );
        Ok(true)
    })
    .await?;
    Ok(format!("deployment.apps/{name} restarted"))
}

pub async fn rollout(ctx: &Ctx, a: RolloutArgs) -> Result<()> {
    let pause = matches!(a.command, RolloutCommand::Pause { .. });
    match a.command {
        RolloutCommand::Status { target, timeout } => {
            status(ctx, &deployment_name(&target)?, timeout).await
        }
        RolloutCommand::History { target, revision } => {
            history(ctx, &deployment_name(&target)?, revision).await
        }
        RolloutCommand::Undo {
            target,
            to_revision,
        } => undo(ctx, &deployment_name(&target)?, to_revision).await,
        RolloutCommand::Restart { target } => {
            println!("{}", restart(ctx, &deployment_name(&target)?).await?);
            Ok(())
        }
        RolloutCommand::Pause { target } | RolloutCommand::Resume { target } => {
            let name = deployment_name(&target)?;
            let changed = update(ctx, &name, |d| {
                let was = d.spec.paused;
                d.spec.paused = pause;
                Ok(was != pause)
            })
            .await?;
            let verb = if pause { "paused" } else { "resumed" };
            if changed {
                println!("deployment.apps/{name} {verb}");
            } else {
                println!("deployment.apps/{name} already {verb}");
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Condition, new_object};

    fn dep() -> Deployment {
        let mut d: Deployment = new_object("default", "web");
        d.metadata.generation = 2;
        d.spec.replicas = Some(3);
        d.status.observed_generation = 2;
        d
    }

    #[test]
    fn verdicts_follow_kubectls_wording() {
        let mut d = dep();
        d.status.observed_generation = 1;
        assert!(matches!(verdict(&d, 2), Verdict::Waiting(m) if m.contains("spec update")));
        d.status.observed_generation = 2;
        d.status.updated_replicas = 1;
        assert!(
            matches!(verdict(&d, 2), Verdict::Waiting(m) if m.contains("1 out of 3 new replicas"))
        );
        d.status.updated_replicas = 3;
        d.status.replicas = 4;
        assert!(matches!(verdict(&d, 2), Verdict::Waiting(m) if m.contains("1 old replicas")));
        d.status.replicas = 3;
        d.status.available_replicas = 2;
        assert!(matches!(verdict(&d, 2), Verdict::Waiting(m) if m.contains("2 of 3 updated")));
        d.status.available_replicas = 3;
        assert!(matches!(verdict(&d, 2), Verdict::Done(_)));
    }

    #[test]
    fn deadlines_and_rollbacks_are_failures() {
        let mut d = dep();
        d.status.conditions = vec![Condition::new(
            "Progressing",
            false,
            "ProgressDeadlineExceeded",
            "",
        )];
        assert!(matches!(verdict(&d, 2), Verdict::Failed(m) if m.contains("progress deadline")));
        let mut d = dep();
        d.status.available_replicas = 3;
        d.status.updated_replicas = 3;
        d.status.replicas = 3;
        d.status.conditions = vec![Condition::new(
            "RolledBack",
            true,
            "AutoRollback",
            "revision 3 failed",
        )];
        d.metadata
            .annotations
            .insert(ROLLED_BACK_GENERATION.into(), "2".into());
        assert!(matches!(verdict(&d, 2), Verdict::Failed(m) if m.contains("rolled back")));
        // A rollback of an earlier generation is history, not this rollout's failure.
        d.metadata.generation = 3;
        d.status.observed_generation = 3;
        assert!(matches!(verdict(&d, 3), Verdict::Done(_)));
    }

    #[test]
    fn targets_must_be_deployments() {
        assert_eq!(deployment_name("deploy/web").unwrap(), "web");
        assert_eq!(deployment_name("deployment.apps/web").unwrap(), "web");
        assert!(deployment_name("rs/web").is_err());
        assert!(deployment_name("web").is_err());
    }
}
