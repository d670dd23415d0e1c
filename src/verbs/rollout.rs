//! A Deployment's rollouts: where one stands ([`verdict`], [`follow`]), its
//! revisions ([`history`]), and the changes that start a new one ([`undo`],
//! [`restart`], [`set_paused`]). Every change re-reads the deployment and
//! retries on a conflict, so it never overwrites someone else's edit.

use super::output::to_yaml;
use super::{Ctx, Result, VerbError};
use crate::api::{
    Deployment, Kind, ObjectMeta, POD_TEMPLATE_HASH_LABEL, PodTemplateSpec, REVISION_ANNOTATION,
    ReplicaSet, Time, find_condition,
};
use crate::client::{ListParams, WatchEventType};
use futures::StreamExt;
use std::time::Duration;

/// The annotation `kubectl annotate` (or a manifest) sets to say why a revision was made.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
const ROLLED_BACK_GENERATION: &str = "ork.dev/rolled-back-generation";

/// The revision number an object's annotation gives, if any.
fn annotated_revision(m: &ObjectMeta) -> Option<i64> {
    m.annotations
        .get(REVISION_ANNOTATION)
        .and_then(|r| r.parse().ok())
}

/// The revision number a ReplicaSet carries (0 when it has none).
pub fn revision(rs: &ReplicaSet) -> i64 {
    rs.metadata.rollout_revision()
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

/// Replaces the deployment after `edit` (which says whether it changed
/// anything), retrying on conflicts; returns whether it was replaced.
async fn update(
    ctx: &Ctx,
    name: &str,
    mut edit: impl FnMut(&mut Deployment) -> bool,
) -> Result<bool> {
    for _ in 0..10 {
        let mut d: Deployment = ctx.client.get(&ctx.namespace, name).await?;
        if !edit(&mut d) {
            return Ok(false);
        }
        match ctx.client.replace(&d).await {
            Ok(_) => return Ok(true),
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(VerbError::Failed(format!(
        "deployment {name:?} keeps changing; try again"
    )))
}

/// One line on where a rollout is, or how it ended.
#[derive(Debug, PartialEq)]
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

/// Follows a rollout through a watch until it completes, telling `say`
/// each new waiting line; returns the closing line. A failed or rolled-back
/// rollout, a deleted deployment and `timeout` are errors.
pub async fn follow(
    ctx: &Ctx,
    name: &str,
    timeout: Duration,
    mut say: impl FnMut(String),
) -> Result<String> {
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
                Verdict::Done(m) => return Ok(m),
                Verdict::Failed(m) => return Err(VerbError::Failed(m)),
                Verdict::Waiting(m) => {
                    if m != last {
                        say(m.clone());
                        last = m;
                    }
                }
            }
            loop {
                let Some(ev) = stream.next().await else {
                    return Err(VerbError::Failed("the watch ended (server gone?)".into()));
                };
                let ev = ev?;
                match (ev.type_, ev.object) {
                    (WatchEventType::Deleted, _) => {
                        return Err(VerbError::Failed(format!(
                            "deployment {name:?} was deleted"
                        )));
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
            Err(VerbError::Failed(format!(
                "timed out after {timeout:?} waiting for the rollout"
            )))
        })
}

/// One revision of a deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub number: i64,
    pub replicaset: String,
    /// Why it was made, when someone said ([`CHANGE_CAUSE`]).
    pub cause: Option<String>,
    /// Its pod template, without the pod-template-hash label.
    pub template: PodTemplateSpec,
}

impl Revision {
    /// The pod template as YAML.
    pub fn template_yaml(&self) -> Result<String> {
        let v =
            serde_json::to_value(&self.template).map_err(|e| VerbError::Failed(e.to_string()))?;
        to_yaml(&v)
    }
}

/// A deployment's revisions, oldest first, and which one it runs.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    pub name: String,
    /// The deployment's own revision annotation, when it has one.
    pub current: Option<i64>,
    pub revisions: Vec<Revision>,
}

impl History {
    /// Revision `n`, or an error that says it does not exist.
    pub fn get(&self, n: i64) -> Result<&Revision> {
        self.revisions
            .iter()
            .find(|r| r.number == n)
            .ok_or_else(|| {
                VerbError::Failed(format!("deployment {:?} has no revision {n}", self.name))
            })
    }
}

/// The revisions of deployment `name`, read from the ReplicaSets it owns.
pub async fn history(ctx: &Ctx, name: &str) -> Result<History> {
    let d: Deployment = ctx.client.get(&ctx.namespace, name).await?;
    let revisions = sets_of(ctx, &d)
        .await?
        .into_iter()
        .map(|rs| {
            let mut template = rs.spec.template.clone();
            template.metadata.labels.remove(POD_TEMPLATE_HASH_LABEL);
            Revision {
                number: revision(&rs),
                cause: rs.metadata.annotations.get(CHANGE_CAUSE).cloned(),
                replicaset: rs.metadata.name,
                template,
            }
        })
        .collect();
    Ok(History {
        name: name.to_string(),
        current: annotated_revision(&d.metadata),
        revisions,
    })
}

/// Rolls a deployment back to a revision (the previous one when `to` is
/// `None`); returns what happened, in one line.
pub async fn undo(ctx: &Ctx, name: &str, to: Option<i64>) -> Result<String> {
    let h = history(ctx, name).await?;
    let current = h.current.unwrap_or(0);
    let target = match to {
        Some(n) => h.get(n)?,
        None => h
            .revisions
            .iter()
            .rev()
            .find(|r| r.number < current)
            .ok_or_else(|| {
                VerbError::Failed(format!("deployment {name:?} has no previous revision"))
            })?,
    };
    let n = target.number;
    let changed = update(ctx, name, |d| {
        if d.spec.template == target.template {
            return false;
        }
        d.spec.template = target.template.clone();
        true
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
    let stamp = serde_json::to_value(now).map_err(|e| VerbError::Failed(e.to_string()))?;
    update(ctx, name, |d| {
        d.spec.template.metadata.annotations.insert(
            "kubectl.kubernetes.io/restartedAt".into(),
            stamp.as_str().unwrap_or_default().to_string(),
        );
        true
    })
    .await?;
    Ok(format!("deployment.apps/{name} restarted"))
}

/// Pauses (template changes are not rolled out) or resumes a deployment.
pub async fn set_paused(ctx: &Ctx, name: &str, paused: bool) -> Result<String> {
    let changed = update(ctx, name, |d| {
        let was = d.spec.paused;
        d.spec.paused = paused;
        was != paused
    })
    .await?;
    let verb = if paused { "paused" } else { "resumed" };
    Ok(if changed {
        format!("deployment.apps/{name} {verb}")
    } else {
        format!("deployment.apps/{name} already {verb}")
    })
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
}
