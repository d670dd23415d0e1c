//! `rollout status statefulset/NAME`: where a StatefulSet's rolling update
//! stands, in kubectl's words ([`verdict`], pure), and [`follow`], which
//! polls the set until the update completes; `rollout history|undo
//! statefulset/NAME` through the ControllerRevisions the set owns
//! ([`history`], [`undo`]), as for DaemonSets. Imports `api`, `client`
//! (through `Ctx`) and the verbs' shared types only.

use super::rollout::Verdict;
use super::rollout_daemonset::{Revision, revisions_of, undo_target};
use super::{Ctx, Result, VerbError};
use crate::api::statefulset::StatefulSet;
use std::time::Duration;

/// Where the set's update stands, as kubectl's status viewer words it.
pub fn verdict(s: &StatefulSet) -> Verdict {
    if s.is_on_delete() {
        return Verdict::Failed(
            "rollout status is only available for RollingUpdate strategy type".into(),
        );
    }
    let st = &s.status;
    if st.observed_generation == 0 || st.observed_generation < s.metadata.generation {
        return Verdict::Waiting("Waiting for statefulset spec update to be observed...".into());
    }
    let want = s.replicas();
    if st.ready_replicas < want {
        return Verdict::Waiting(format!(
            "Waiting for {} pods to be ready...",
            want - st.ready_replicas
        ));
    }
    let partition = s.partition();
    if partition > 0 {
        let expected = (want - partition).max(0);
        if st.updated_replicas < expected {
            return Verdict::Waiting(format!(
                "Waiting for partitioned roll out to finish: {} out of {expected} new pods have been updated...",
                st.updated_replicas
            ));
        }
        return Verdict::Done(format!(
            "partitioned roll out complete: {} new pods have been updated...",
            st.updated_replicas
        ));
    }
    if st.update_revision != st.current_revision {
        return Verdict::Waiting(format!(
            "waiting for statefulset rolling update to complete {} pods at revision {}...",
            st.updated_replicas, st.update_revision
        ));
    }
    Verdict::Done(format!(
        "statefulset rolling update complete {} pods at revision {}...",
        st.current_replicas, st.current_revision
    ))
}

/// Polls the set until [`verdict`] is done or failed, telling `say` each
/// new waiting line; `timeout` is an error.
pub async fn follow(
    ctx: &Ctx,
    name: &str,
    timeout: Duration,
    mut say: impl FnMut(String),
) -> Result<String> {
    let run = async {
        let mut last = String::new();
        loop {
            let s: StatefulSet = ctx.client.get(&ctx.namespace, name).await?;
            match verdict(&s) {
                Verdict::Done(m) => return Ok(m),
                Verdict::Failed(m) => return Err(VerbError::Failed(m)),
                Verdict::Waiting(m) => {
                    if m != last {
                        say(m.clone());
                        last = m;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    tokio::time::timeout(timeout, run)
        .await
        .unwrap_or_else(|_| {
            Err(VerbError::Failed(format!(
                "timed out after {timeout:?} waiting for the rollout"
            )))
        })
}

/// The revisions of StatefulSet `name`, oldest first.
pub async fn history(ctx: &Ctx, name: &str) -> Result<Vec<Revision>> {
    let s: StatefulSet = ctx.client.get(&ctx.namespace, name).await?;
    revisions_of(ctx, &s.metadata.uid).await
}

/// Puts a revision's template back (the one before the newest when `to` is
/// `None`); returns what happened, in one line, as kubectl words it.
pub async fn undo(ctx: &Ctx, name: &str, to: Option<i64>) -> Result<String> {
    let revs = history(ctx, name).await?;
    let target = undo_target(&revs, to)?;
    for _ in 0..10 {
        let mut s: StatefulSet = ctx.client.get(&ctx.namespace, name).await?;
        if s.spec.template == target.template {
            return Ok(format!(
                "statefulset.apps/{name} skipped rollback (current template already matches revision {})",
                target.number
            ));
        }
        s.spec.template = target.template.clone();
        match ctx.client.replace(&s).await {
            Ok(_) => return Ok(format!("statefulset.apps/{name} rolled back")),
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(VerbError::Failed(format!(
        "statefulset {name:?} keeps changing; try again"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_kubectls_wording() {
        let mut s = StatefulSet::test("web", 3);
        assert_eq!(
            verdict(&s),
            Verdict::Waiting("Waiting for statefulset spec update to be observed...".into())
        );
        s.status.observed_generation = 1;
        s.status.ready_replicas = 1;
        assert_eq!(
            verdict(&s),
            Verdict::Waiting("Waiting for 2 pods to be ready...".into())
        );
        s.status.ready_replicas = 3;
        s.status.updated_replicas = 1;
        s.status.current_revision = "web-a".into();
        s.status.update_revision = "web-b".into();
        assert_eq!(
            verdict(&s),
            Verdict::Waiting(
                "waiting for statefulset rolling update to complete 1 pods at revision web-b..."
                    .into()
            )
        );
        s.status.current_revision = "web-b".into();
        s.status.current_replicas = 3;
        assert_eq!(
            verdict(&s),
            Verdict::Done("statefulset rolling update complete 3 pods at revision web-b...".into())
        );
    }
}
