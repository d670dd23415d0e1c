//! Rollout health, pure: the `Progressing` condition and its deadline, when a
//! rollout has failed, and where an automatic rollback goes.
//!
//! - **Progressing** is `True/ReplicaSetUpdated` while a rollout moves (its
//!   `lastUpdateTime` is the last time it did), `True/NewReplicaSetAvailable`
//!   once complete, `Unknown/DeploymentPaused` while paused, and
//!   `False/ProgressDeadlineExceeded` when it has not moved for
//!   `progressDeadlineSeconds` (default 600).
//! - **A rollout fails** when it passes its deadline, when a pod of the new
//!   ReplicaSet has restarted `ork.dev/rollback-after-restarts` times (default
//!   3: it crash-loops), or when one has existed for
//!   `ork.dev/rollback-after-unready-seconds` (default 120) without being Ready.
//! - **Automatic rollback** (ork's addition; `ork.dev/auto-rollback: "false"`
//!   turns it off) puts back the template of the last revision that was fully
//!   available (`ork.dev/last-good-revision`), and says so in a `RolledBack`
//!   condition and an event.

use crate::api::{
    Condition, Deployment, DeploymentStatus, POD_TEMPLATE_HASH_LABEL, Pod, PodTemplateSpec,
    ReplicaSet, Time, find_condition,
};
use std::sync::Arc;

pub const AUTO_ROLLBACK: &str = "ork.dev/auto-rollback";
pub const ROLLBACK_AFTER_RESTARTS: &str = "ork.dev/rollback-after-restarts";
pub const ROLLBACK_AFTER_UNREADY: &str = "ork.dev/rollback-after-unready-seconds";
pub const LAST_GOOD_REVISION: &str = "ork.dev/last-good-revision";
/// The generation whose rollout failed and was rolled back (for `rollout status`).
pub const ROLLED_BACK_GENERATION: &str = "ork.dev/rolled-back-generation";
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
pub const DEFAULT_DEADLINE_SECONDS: i32 = 600;

fn annotation_number(d: &Deployment, key: &str, default: i64) -> i64 {
    d.metadata
        .annotations
        .get(key)
        .and_then(|v| v.trim().parse().ok())
        .filter(|n: &i64| *n > 0)
        .unwrap_or(default)
}

pub fn deadline_seconds(d: &Deployment) -> i64 {
    i64::from(
        d.spec
            .progress_deadline_seconds
            .unwrap_or(DEFAULT_DEADLINE_SECONDS)
            .max(1),
    )
}

/// The new Progressing condition.
pub fn progressing(
    d: &Deployment,
    prev: &DeploymentStatus,
    new_rs_name: &str,
    complete: bool,
    progressed: bool,
    now: Time,
) -> Condition {
    let old = find_condition(&prev.conditions, "Progressing");
    let mut c = if complete {
        Condition::new(
            "Progressing",
            true,
            "NewReplicaSetAvailable",
            &format!("ReplicaSet \"{new_rs_name}\" has successfully progressed."),
        )
    } else if d.spec.paused {
        let mut c = Condition::new(
            "Progressing",
            false,
            "DeploymentPaused",
            "Deployment is paused",
        );
        c.status = "Unknown".into();
        c
    } else if progressed {
        Condition::new(
            "Progressing",
            true,
            "ReplicaSetUpdated",
            &format!("ReplicaSet \"{new_rs_name}\" is progressing."),
        )
    } else {
        match old {
            Some(o) if o.reason == "ProgressDeadlineExceeded" => o.clone(),
            Some(o) if o.reason == "ReplicaSetUpdated" => {
                let since = o.last_update_time.or(o.last_transition_time).unwrap_or(now);
                if since.seconds_until(&now) > deadline_seconds(d) {
                    Condition::new(
                        "Progressing",
                        false,
                        "ProgressDeadlineExceeded",
                        &format!("ReplicaSet \"{new_rs_name}\" has timed out progressing."),
                    )
                } else {
                    o.clone()
                }
            }
            _ => Condition::new(
                "Progressing",
                true,
                "ReplicaSetUpdated",
                &format!("ReplicaSet \"{new_rs_name}\" is progressing."),
            ),
        }
    };
    let unchanged = old.is_some_and(|o| o.status == c.status && o.reason == c.reason);
    if unchanged && !progressed {
        c.last_update_time = old.and_then(|o| o.last_update_time);
        c.last_transition_time = old.and_then(|o| o.last_transition_time);
    } else {
        c.last_update_time = Some(now);
        if let Some(o) = old.filter(|o| o.status == c.status) {
            c.last_transition_time = o.last_transition_time;
        }
    }
    c
}

/// Why the rollout to the new ReplicaSet has failed, if it has.
pub fn failure(
    d: &Deployment,
    progressing: &Condition,
    new_pods: &[Arc<Pod>],
    now: Time,
) -> Option<String> {
    if progressing.reason == "ProgressDeadlineExceeded" {
        return Some(format!(
            "it made no progress for {}s (progressDeadlineSeconds)",
            deadline_seconds(d)
        ));
    }
    let max_restarts = annotation_number(d, ROLLBACK_AFTER_RESTARTS, 3);
    let max_unready = annotation_number(d, ROLLBACK_AFTER_UNREADY, 120);
    for p in new_pods.iter().filter(|p| p.is_active()) {
        let restarts = i64::from(p.restart_count());
        if restarts >= max_restarts {
            let why = p.display_status();
            return Some(format!(
                "pod {} restarted {restarts} times ({why})",
                p.metadata.name
            ));
        }
        let age = p
            .metadata
            .creation_timestamp
            .map(|t| t.seconds_until(&now))
            .unwrap_or(0);
        if !p.is_ready() && age >= max_unready {
            return Some(format!(
                "pod {} has not been Ready for {age}s ({})",
                p.metadata.name,
                p.display_status()
            ));
        }
    }
    None
}

/// The template of the last fully available revision, unless that is the
/// current one or automatic rollback is off.
pub fn rollback_target(
    d: &Deployment,
    owned: &[Arc<ReplicaSet>],
    current: &ReplicaSet,
) -> Option<(i64, PodTemplateSpec)> {
    if d.metadata
        .annotations
        .get(AUTO_ROLLBACK)
        .is_some_and(|v| v == "false")
    {
        return None;
    }
    let good: i64 = d
        .metadata
        .annotations
        .get(LAST_GOOD_REVISION)?
        .parse()
        .ok()?;
    if good == current.metadata.rollout_revision() {
        return None;
    }
    let rs = owned
        .iter()
        .find(|r| r.metadata.rollout_revision() == good)?;
    let mut t = rs.spec.template.clone();
    t.metadata.labels.remove(POD_TEMPLATE_HASH_LABEL);
    Some((good, t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::REVISION_ANNOTATION;
    use crate::api::{Condition as C, ContainerStatus, new_object};

    fn dep() -> Deployment {
        let mut d: Deployment = new_object("default", "web");
        d.spec.progress_deadline_seconds = Some(60);
        d
    }

    fn at(secs: i64) -> Time {
        Time(chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap())
    }

    fn with_progressing(reason: &str, updated: i64) -> DeploymentStatus {
        let mut c = C::new("Progressing", true, reason, "");
        c.last_update_time = Some(at(updated));
        c.last_transition_time = Some(at(updated));
        DeploymentStatus {
            conditions: vec![c],
            ..Default::default()
        }
    }

    #[test]
    fn progress_resets_the_clock_and_silence_exceeds_the_deadline() {
        let d = dep();
        let prev = with_progressing("ReplicaSetUpdated", 0);
        let c = progressing(&d, &prev, "web-1", false, true, at(30));
        assert_eq!(
            (c.reason.as_str(), c.last_update_time),
            ("ReplicaSetUpdated", Some(at(30)))
        );
        let c = progressing(&d, &prev, "web-1", false, false, at(59));
        assert_eq!(
            (c.reason.as_str(), c.last_update_time),
            ("ReplicaSetUpdated", Some(at(0)))
        );
        let c = progressing(&d, &prev, "web-1", false, false, at(61));
        assert_eq!(
            (c.status.as_str(), c.reason.as_str()),
            ("False", "ProgressDeadlineExceeded")
        );
        let c = progressing(&d, &prev, "web-1", true, false, at(61));
        assert_eq!(c.reason, "NewReplicaSetAvailable");
    }

    #[test]
    fn a_paused_rollout_has_no_deadline() {
        let mut d = dep();
        d.spec.paused = true;
        let c = progressing(
            &d,
            &with_progressing("ReplicaSetUpdated", 0),
            "web-1",
            false,
            false,
            at(9999),
        );
        assert_eq!(
            (c.status.as_str(), c.reason.as_str()),
            ("Unknown", "DeploymentPaused")
        );
    }

    fn pod(restarts: i32, ready: bool, age: i64, now: i64) -> Arc<Pod> {
        let mut p: Pod = new_object("default", "web-x");
        p.metadata.creation_timestamp = Some(at(now - age));
        p.status.container_statuses = vec![ContainerStatus {
            name: "c".into(),
            restart_count: restarts,
            ..Default::default()
        }];
        p.status.conditions = vec![C::new("Ready", ready, "", "")];
        Arc::new(p)
    }

    #[test]
    fn crash_loops_and_long_unreadiness_fail_a_rollout() {
        let d = dep();
        let ok = C::new("Progressing", true, "ReplicaSetUpdated", "");
        assert_eq!(failure(&d, &ok, &[pod(2, false, 10, 100)], at(100)), None);
        let why = failure(&d, &ok, &[pod(3, false, 10, 100)], at(100)).unwrap();
        assert!(why.contains("restarted 3 times"), "{why}");
        let why = failure(&d, &ok, &[pod(0, false, 130, 200)], at(200)).unwrap();
        assert!(why.contains("not been Ready for 130s"), "{why}");
        assert_eq!(failure(&d, &ok, &[pod(0, true, 500, 600)], at(600)), None);
        let late = C::new("Progressing", false, "ProgressDeadlineExceeded", "");
        assert!(
            failure(&d, &late, &[], at(0))
                .unwrap()
                .contains("no progress")
        );
        let mut tuned = dep();
        tuned
            .metadata
            .annotations
            .insert(ROLLBACK_AFTER_RESTARTS.into(), "1".into());
        assert!(failure(&tuned, &ok, &[pod(1, false, 5, 100)], at(100)).is_some());
    }

    fn rs(rev: i64, image: &str) -> Arc<ReplicaSet> {
        let mut r: ReplicaSet = new_object("default", &format!("web-{rev}"));
        r.metadata
            .annotations
            .insert(REVISION_ANNOTATION.into(), rev.to_string());
        r.spec
            .template
            .metadata
            .labels
            .insert(POD_TEMPLATE_HASH_LABEL.into(), "h".into());
        r.spec
            .template
            .metadata
            .labels
            .insert("app".into(), "web".into());
        r.spec.template.spec.containers = vec![crate::api::Container {
            name: "c".into(),
            image: image.into(),
            ..Default::default()
        }];
        Arc::new(r)
    }

    #[test]
    fn rollback_goes_to_the_last_good_revision_unless_turned_off() {
        let owned = vec![rs(1, "v1"), rs(2, "v2"), rs(3, "v3")];
        let mut d = dep();
        assert_eq!(
            rollback_target(&d, &owned, &owned[2]),
            None,
            "nothing known good yet"
        );
        d.metadata
            .annotations
            .insert(LAST_GOOD_REVISION.into(), "2".into());
        let (rev, t) = rollback_target(&d, &owned, &owned[2]).unwrap();
        assert_eq!(rev, 2);
        assert_eq!(t.spec.containers[0].image, "v2");
        assert!(!t.metadata.labels.contains_key(POD_TEMPLATE_HASH_LABEL));
        assert_eq!(
            rollback_target(&d, &owned, &owned[1]),
            None,
            "already there"
        );
        d.metadata
            .annotations
            .insert(AUTO_ROLLBACK.into(), "false".into());
        assert_eq!(rollback_target(&d, &owned, &owned[2]), None);
    }
}
