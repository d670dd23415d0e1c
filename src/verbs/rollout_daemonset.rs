//! A DaemonSet's rollouts: where one stands ([`verdict`], [`follow`]), its
//! revisions (the ControllerRevisions it owns, [`history`]; a StatefulSet's
//! too, [`revisions_of`]) and going back to one ([`undo`]). Changes re-read
//! the DaemonSet and retry on a conflict.
//!
//! Shared by the CLI and the dashboard; imports `api` and `client` only.

use super::{Ctx, Result, VerbError};
use crate::api::daemonset::{ControllerRevision, DaemonSet, DaemonSetStrategyType};
use crate::api::{PodTemplateSpec, Time};
use crate::client::ListParams;
use std::time::{Duration, Instant};

/// Where a DaemonSet's rollout stands, in kubectl's words.
pub fn verdict(ds: &DaemonSet) -> std::result::Result<(bool, String), String> {
    let name = &ds.metadata.name;
    if ds.strategy_type() != DaemonSetStrategyType::RollingUpdate {
        return Err("rollout status is only available for RollingUpdate strategy type".into());
    }
    let s = &ds.status;
    if ds.metadata.generation > s.observed_generation {
        return Ok((
            false,
            "Waiting for daemon set spec update to be observed...".into(),
        ));
    }
    if s.updated_number_scheduled < s.desired_number_scheduled {
        return Ok((
            false,
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {} out of {} new pods have been updated...",
                s.updated_number_scheduled, s.desired_number_scheduled
            ),
        ));
    }
    if s.number_available < s.desired_number_scheduled {
        return Ok((
            false,
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {} of {} updated pods are available...",
                s.number_available, s.desired_number_scheduled
            ),
        ));
    }
    Ok((true, format!("daemon set {name:?} successfully rolled out")))
}

/// Follows a rollout until it completes, telling `say` each new waiting
/// line; returns the closing line. Re-reads the DaemonSet every 300 ms.
pub async fn follow(
    ctx: &Ctx,
    name: &str,
    timeout: Duration,
    mut say: impl FnMut(String),
) -> Result<String> {
    let start = Instant::now();
    let mut last = String::new();
    loop {
        let ds: DaemonSet = ctx.client.get(&ctx.namespace, name).await?;
        match verdict(&ds).map_err(VerbError::Failed)? {
            (true, m) => return Ok(m),
            (false, m) => {
                if m != last {
                    say(m.clone());
                    last = m;
                }
            }
        }
        if start.elapsed() > timeout {
            return Err(VerbError::Failed(format!(
                "timed out after {timeout:?} waiting for the rollout"
            )));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// One revision of a DaemonSet.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub number: i64,
    pub name: String,
    pub cause: Option<String>,
    pub template: PodTemplateSpec,
}

/// The revisions of DaemonSet `name`, oldest first.
pub async fn history(ctx: &Ctx, name: &str) -> Result<Vec<Revision>> {
    let ds: DaemonSet = ctx.client.get(&ctx.namespace, name).await?;
    revisions_of(ctx, &ds.metadata.uid).await
}

/// The ControllerRevisions an object (by uid) controls in `ctx`'s
/// namespace, oldest first: a DaemonSet's or a StatefulSet's history.
pub async fn revisions_of(ctx: &Ctx, owner_uid: &str) -> Result<Vec<Revision>> {
    let mut revs: Vec<Revision> = ctx
        .client
        .list::<ControllerRevision>(Some(&ctx.namespace), &ListParams::default())
        .await?
        .items
        .into_iter()
        .filter(|r| r.metadata.controller().is_some_and(|c| c.uid == owner_uid))
        .map(|r| Revision {
            number: r.revision,
            cause: r
                .metadata
                .annotations
                .get(super::rollout::CHANGE_CAUSE)
                .cloned(),
            template: serde_json::from_value(r.data["spec"]["template"].clone())
                .unwrap_or_default(),
            name: r.metadata.name,
        })
        .collect();
    revs.sort_by_key(|r| r.number);
    Ok(revs)
}

/// The revision `undo` goes back to: `to`, or the one before the newest.
pub fn undo_target(revs: &[Revision], to: Option<i64>) -> Result<&Revision> {
    match to {
        Some(n) => revs.iter().find(|r| r.number == n).ok_or_else(|| {
            VerbError::Failed(format!("unable to find specified revision {n} in history"))
        }),
        None => revs
            .iter()
            .rev()
            .nth(1)
            .ok_or_else(|| VerbError::Failed("no rollout history found".into())),
    }
}

/// Rolls a DaemonSet back to a revision (the one before the newest when `to`
/// is `None`); returns what happened, in one line.
pub async fn undo(ctx: &Ctx, name: &str, to: Option<i64>) -> Result<String> {
    let revs = history(ctx, name).await?;
    let target = undo_target(&revs, to)?;
    for _ in 0..10 {
        let mut ds: DaemonSet = ctx.client.get(&ctx.namespace, name).await?;
        if ds.spec.template == target.template {
            return Ok(format!(
                "daemonset.apps/{name} skipped rollback (current template already matches revision {})",
                target.number
            ));
        }
        ds.spec.template = target.template.clone();
        match ctx.client.replace(&ds).await {
            Ok(_) => return Ok(format!("daemonset.apps/{name} rolled back")),
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(VerbError::Failed(format!(
        "daemonset {name:?} keeps changing; try again"
    )))
}

/// Replaces every pod of a DaemonSet by stamping its template.
pub async fn restart(ctx: &Ctx, name: &str) -> Result<String> {
    let stamp = serde_json::to_value(Time::now()).map_err(|e| VerbError::Failed(e.to_string()))?;
    for _ in 0..10 {
        let mut ds: DaemonSet = ctx.client.get(&ctx.namespace, name).await?;
        ds.spec.template.metadata.annotations.insert(
            "kubectl.kubernetes.io/restartedAt".into(),
            stamp.as_str().unwrap_or_default().to_string(),
        );
        match ctx.client.replace(&ds).await {
            Ok(_) => return Ok(format!("daemonset.apps/{name} restarted")),
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(VerbError::Failed(format!(
        "daemonset {name:?} keeps changing; try again"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_kubectls_wording() {
        let mut ds = DaemonSet::test("agent");
        ds.metadata.generation = 2;
        ds.status.observed_generation = 1;
        assert!(
            verdict(&ds)
                .unwrap()
                .1
                .contains("spec update to be observed")
        );
        ds.status.observed_generation = 2;
        ds.status.desired_number_scheduled = 3;
        ds.status.updated_number_scheduled = 1;
        assert_eq!(
            verdict(&ds).unwrap().1,
            "Waiting for daemon set \"agent\" rollout to finish: 1 out of 3 new pods have been updated..."
        );
        ds.status.updated_number_scheduled = 3;
        ds.status.number_available = 2;
        assert!(
            verdict(&ds)
                .unwrap()
                .1
                .contains("2 of 3 updated pods are available")
        );
        ds.status.number_available = 3;
        assert_eq!(
            verdict(&ds).unwrap(),
            (true, "daemon set \"agent\" successfully rolled out".into())
        );
        ds.spec.update_strategy = Some(crate::api::daemonset::DaemonSetUpdateStrategy {
            type_: Some(DaemonSetStrategyType::OnDelete),
            rolling_update: None,
        });
        assert!(verdict(&ds).is_err());
    }
}
