//! Job controller: runs a Job's pods until enough succeed, or until the Job
//! fails, as Kubernetes' Job controller does.
//!
//! [`reconcile`] is the whole decision, pure over the Job, its pods and the
//! time: which pods to create (with their completion index when Indexed),
//! which to delete, the new status and conditions, the events to record,
//! and whether the Job's time to live has run out. The loop at the bottom
//! reads the store, runs it and writes the plan in one transaction.
//!
//! - Never more than `parallelism` active pods; NonIndexed Jobs want
//!   `completions - succeeded` more, a work queue (no completions) stops
//!   creating at the first success; Indexed Jobs run each index not yet
//!   completed once, the lowest first.
//! - A failed pod is judged by `podFailurePolicy` (first matching rule:
//!   FailJob, FailIndex, Ignore, Count); counted failures beyond
//!   `backoffLimit` (or `backoffLimitPerIndex` per index) fail the Job or
//!   the index. Replacements wait 10 s, doubling per failure since the last
//!   success, up to 6 minutes.
//! - Ending: `FailureTarget` or `SuccessCriteriaMet` first, the remaining
//!   pods deleted, then `Failed` or `Complete` once none is left running.
//!   Finished pods stay (for their logs) until the Job goes; the garbage
//!   collector removes them by their owner reference.
//!
//! Counts come from the pods present (and never go down), so a finished
//! pod deleted by hand is still counted; a pod deleted before it was ever
//! seen finished is not.
//!
//! Imports the API types and the store; nothing of the node or the CLI.

use super::create_owned_pod;
use super::{Controller, Key, owner_key, self_key};
use crate::api::batch::{
    COMPLETION_INDEX, COMPLETION_INDEX_ENV, ExitCodeOperator, Job, JobStatus,
    PodFailurePolicyAction, PodReplacementPolicy, format_indexes, parse_indexes,
};
use crate::api::volume::{EnvVarSource, ObjectFieldSelector};
use crate::api::wire::DeleteOptions;
use crate::api::{
    Condition, EnvVar, Kind, OwnerReference, Pod, PodPhase, RestartPolicy, Time, new_object,
    set_condition,
};
use crate::control::events::{EventType, Recorder};
use crate::control::ops;
use crate::control::store::{Store, StoreError, Subresource};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const EVENTS: Recorder = Recorder("job-controller");

/// Most pods created by one reconcile; the rest come on the next pass.
pub const MAX_CREATE: usize = 500;
/// The first delay before a failed pod is replaced.
pub const BACKOFF_BASE: Duration = Duration::from_secs(10);
/// The longest delay before a failed pod is replaced.
pub const BACKOFF_MAX: Duration = Duration::from_secs(360);

/// One event to record about the Job.
#[derive(Clone, Debug, PartialEq)]
pub struct JobEvent {
    pub type_: EventType,
    pub reason: &'static str,
    pub message: String,
}

/// What a reconcile will do.
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// One entry per pod to create: its completion index when Indexed.
    pub create: Vec<Option<i32>>,
    /// Names of pods to delete.
    pub delete: Vec<String>,
    pub status: JobStatus,
    pub events: Vec<JobEvent>,
    /// The Job's `ttlSecondsAfterFinished` has run out: delete it.
    pub delete_job: bool,
    /// When to look again (backoff, deadline, time to live).
    pub requeue: Option<Duration>,
}

/// How `podFailurePolicy` judges one failed pod.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Counts against the backoff limit (also: no policy, no rule matched).
    Count,
    /// Not counted; the pod is replaced.
    Ignore,
    /// The Job fails, with this message.
    FailJob(String),
    /// The pod's index fails.
    FailIndex,
}

/// The completion index of a pod of an Indexed Job.
pub fn pod_index(p: &Pod) -> Option<i32> {
    p.metadata
        .annotations
        .get(COMPLETION_INDEX)
        .or_else(|| p.metadata.labels.get(COMPLETION_INDEX))
        .and_then(|v| v.parse().ok())
        .filter(|i| *i >= 0)
}

/// When a pod finished: its last container's finish, else its last
/// condition change, else its creation.
fn finished_at(p: &Pod) -> Option<Time> {
    p.status
        .container_statuses
        .iter()
        .filter_map(|s| s.state.terminated.as_ref().and_then(|t| t.finished_at))
        .max()
        .or_else(|| {
            p.status
                .conditions
                .iter()
                .filter_map(|c| c.last_transition_time)
                .max()
        })
        .or(p.metadata.creation_timestamp)
}

/// The first rule of the Job's `podFailurePolicy` matching a failed pod,
/// as Kubernetes evaluates them: in order; exit codes of terminated
/// containers other than 0 (of the named container, when one is named),
/// or a pod condition with the given status (default `True`).
pub fn judge(job: &Job, p: &Pod) -> Verdict {
    let Some(policy) = &job.spec.pod_failure_policy else {
        return Verdict::Count;
    };
    let pod = format!("{}/{}", p.metadata.namespace, p.metadata.name);
    for (i, rule) in policy.rules.iter().enumerate() {
        let matched = if let Some(req) = &rule.on_exit_codes {
            p.status
                .container_statuses
                .iter()
                .filter(|s| req.container_name.as_ref().is_none_or(|n| *n == s.name))
                .filter_map(|s| s.state.terminated.as_ref().map(|t| (s, t.exit_code)))
                .find(|(_, code)| {
                    *code != 0
                        && (req.values.contains(code) == (req.operator == ExitCodeOperator::In))
                })
                .map(|(s, code)| {
                    format!(
                        "Container {} for pod {pod} failed with exit code {code} matching {:?} rule at index {i}",
                        s.name, rule.action
                    )
                })
        } else {
            rule.on_pod_conditions
                .iter()
                .find(|pat| {
                    let want = if pat.status.is_empty() {
                        "True"
                    } else {
                        &pat.status
                    };
                    p.status
                        .conditions
                        .iter()
                        .any(|c| c.type_ == pat.type_ && c.status == want)
                })
                .map(|pat| {
                    format!(
                        "Pod {pod} has condition {} matching {:?} rule at index {i}",
                        pat.type_, rule.action
                    )
                })
        };
        if let Some(message) = matched {
            return match rule.action {
                PodFailurePolicyAction::FailJob => Verdict::FailJob(message),
                PodFailurePolicyAction::FailIndex => Verdict::FailIndex,
                PodFailurePolicyAction::Ignore => Verdict::Ignore,
                PodFailurePolicyAction::Count => Verdict::Count,
            };
        }
    }
    Verdict::Count
}

/// The delay before replacing after `failures` failures in a row: 10 s,
/// doubling, at most 6 minutes.
pub fn backoff_delay(failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let shift = (failures - 1).min(16);
    (BACKOFF_BASE * (1u32 << shift)).min(BACKOFF_MAX)
}

/// How long from `now` until `failures` failures, the last at `last`,
/// allow a new pod; `None` when one may be created now.
fn backoff_wait(failures: u32, last: Option<Time>, now: Time) -> Option<Duration> {
    let last = last?;
    let ready = last.0 + chrono::Duration::from_std(backoff_delay(failures)).ok()?;
    (ready > now.0).then(|| (ready - now.0).to_std().unwrap_or(Duration::ZERO))
}

fn min_requeue(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// Orders pods so that the ones to delete first come first: unscheduled,
/// pending, not ready, then newest.
fn deletion_order(a: &&Arc<Pod>, b: &&Arc<Pod>) -> std::cmp::Ordering {
    let bound = |p: &Pod| !p.spec.node_name.is_empty();
    let running = |p: &Pod| p.status.phase == PodPhase::Running;
    bound(a)
        .cmp(&bound(b))
        .then(running(a).cmp(&running(b)))
        .then(a.is_ready().cmp(&b.is_ready()))
        .then(
            b.metadata
                .creation_timestamp
                .cmp(&a.metadata.creation_timestamp),
        )
        .then(b.metadata.name.cmp(&a.metadata.name))
}

fn condition(type_: &str, reason: &str, message: &str, now: Time) -> Condition {
    Condition {
        type_: type_.into(),
        status: "True".into(),
        reason: reason.into(),
        message: message.into(),
        last_transition_time: Some(now),
        last_probe_time: Some(now),
        ..Default::default()
    }
}

/// Whether the Job's `successPolicy` is met by the completed indexes: the
/// index of the first rule met.
fn success_rule_met(job: &Job, completed: &BTreeSet<i32>) -> Option<usize> {
    let policy = job.spec.success_policy.as_ref()?;
    policy.rules.iter().position(|r| {
        let among: BTreeSet<i32> = match &r.succeeded_indexes {
            Some(s) => match parse_indexes(s, job.spec.completions) {
                Ok(set) => set,
                Err(_) => return false,
            },
            None => completed.clone(),
        };
        let done = among.intersection(completed).count();
        match r.succeeded_count {
            Some(c) => done >= c.max(0) as usize,
            None => done == among.len(),
        }
    })
}

/// The pure decision: what to create, what to delete, the new status.
pub fn reconcile(job: &Job, pods: &[Arc<Pod>], now: Time) -> Plan {
    let mut plan = Plan {
        create: vec![],
        delete: vec![],
        status: job.status.clone(),
        events: vec![],
        delete_job: false,
        requeue: None,
    };
    if job.is_finished() {
        if let Some(ttl) = job.spec.ttl_seconds_after_finished {
            let done = job
                .status
                .completion_time
                .or_else(|| {
                    job.true_condition("Failed")
                        .and_then(|c| c.last_transition_time)
                })
                .unwrap_or(now);
            let left = i64::from(ttl) - done.seconds_until(&now);
            if left <= 0 {
                plan.delete_job = true;
            } else {
                plan.requeue = Some(Duration::from_secs(left as u64));
            }
        }
        return plan;
    }
    let st = &mut plan.status;
    let indexed = job.indexed();
    let completions = job.spec.completions;
    let in_range = |i: i32| completions.is_none_or(|c| i < c);

    let active: Vec<&Arc<Pod>> = pods.iter().filter(|p| p.is_active()).collect();
    let terminating = pods
        .iter()
        .filter(|p| p.metadata.is_terminating() && !p.is_terminal())
        .count();

    // Successes.
    let succeeded_pods: Vec<&Arc<Pod>> = pods
        .iter()
        .filter(|p| p.status.phase == PodPhase::Succeeded)
        .collect();
    let mut completed: BTreeSet<i32> = st
        .completed_indexes
        .as_deref()
        .and_then(|s| parse_indexes(s, None).ok())
        .unwrap_or_default();
    if indexed {
        completed.extend(
            succeeded_pods
                .iter()
                .filter_map(|p| pod_index(p))
                .filter(|i| in_range(*i)),
        );
        completed.retain(|i| in_range(*i));
        st.succeeded = st.succeeded.max(completed.len() as i32);
        st.completed_indexes = (!completed.is_empty()).then(|| format_indexes(&completed));
    } else {
        st.succeeded = st.succeeded.max(succeeded_pods.len() as i32);
    }
    let last_success = succeeded_pods.iter().filter_map(|p| finished_at(p)).max();

    // Failures, judged by the pod failure policy.
    let mut failure: Option<(&'static str, String)> = None;
    let mut counted = 0;
    let mut per_index: BTreeMap<i32, (u32, Option<Time>)> = BTreeMap::new();
    let mut failed_indexes: BTreeSet<i32> = st
        .failed_indexes
        .as_deref()
        .and_then(|s| parse_indexes(s, None).ok())
        .unwrap_or_default();
    let (mut since_success, mut last_failure) = (0u32, None);
    for p in pods.iter().filter(|p| p.status.phase == PodPhase::Failed) {
        let verdict = judge(job, p);
        if verdict == Verdict::Ignore {
            continue;
        }
        counted += 1;
        let at = finished_at(p);
        if at.is_some() && (last_success.is_none() || at > last_success) {
            since_success += 1;
            last_failure = last_failure.max(at);
        }
        let index = pod_index(p).filter(|i| indexed && in_range(*i));
        if let Some(i) = index {
            let e = per_index.entry(i).or_default();
            e.0 += 1;
            e.1 = e.1.max(at);
        }
        match verdict {
            Verdict::FailJob(m) if failure.is_none() => failure = Some(("PodFailurePolicy", m)),
            Verdict::FailIndex => failed_indexes.extend(index),
            _ => {}
        }
    }
    st.failed = st.failed.max(counted);
    if let Some(limit) = job.spec.backoff_limit_per_index {
        for (i, (n, _)) in &per_index {
            if *n > limit.max(0) as u32 {
                failed_indexes.insert(*i);
            }
        }
        failed_indexes.retain(|i| !completed.contains(i));
        st.failed_indexes = Some(format_indexes(&failed_indexes));
    }

    // Why the Job fails, in Kubernetes' order, unless it already is.
    if let Some(c) = job.true_condition("FailureTarget") {
        failure = Some((reason_of(&c.reason), c.message.clone()));
    }
    let restarts: i32 = if job.spec.template.spec.restart_policy == RestartPolicy::OnFailure {
        active.iter().map(|p| p.restart_count()).sum()
    } else {
        0
    };
    let limit = job.backoff_limit();
    let past_backoff = st.failed > limit
        || (job.spec.template.spec.restart_policy == RestartPolicy::OnFailure
            && if limit == 0 {
                restarts > 0
            } else {
                restarts >= limit
            });
    if failure.is_none() && past_backoff {
        failure = Some((
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit".into(),
        ));
    }
    if failure.is_none()
        && let Some(m) = job.spec.max_failed_indexes
        && failed_indexes.len() > m.max(0) as usize
    {
        failure = Some((
            "MaxFailedIndexesExceeded",
            "Job has exceeded the specified maximal number of failed indexes".into(),
        ));
    }
    if failure.is_none()
        && !job.suspended()
        && let (Some(d), Some(start)) = (job.spec.active_deadline_seconds, st.start_time)
    {
        let left = d - start.seconds_until(&now);
        if left <= 0 {
            failure = Some((
                "DeadlineExceeded",
                "Job was active longer than specified deadline".into(),
            ));
        } else {
            plan.requeue = Some(Duration::from_secs(left as u64));
        }
    }

    // Whether the Job succeeds.
    let mut success: Option<(&'static str, String)> = job
        .true_condition("SuccessCriteriaMet")
        .map(|c| (reason_of(&c.reason), c.message.clone()));
    if failure.is_none() && success.is_none() {
        let reached = (
            "CompletionsReached",
            "Reached expected number of succeeded pods".into(),
        );
        if indexed {
            let c = completions.unwrap_or(0);
            if let Some(r) = success_rule_met(job, &completed) {
                success = Some(("SuccessPolicy", format!("Matched rules at index {r}")));
            } else if completed.len() as i32 >= c {
                success = Some(reached);
            } else if job.spec.backoff_limit_per_index.is_some()
                && !failed_indexes.is_empty()
                && (completed.len() + failed_indexes.len()) as i32 >= c
            {
                failure = Some(("FailedIndexes", "Job has failed indexes".into()));
            }
        } else {
            match completions {
                Some(c) if st.succeeded >= c => success = Some(reached),
                None if st.succeeded > 0 && active.is_empty() => success = Some(reached),
                _ => {}
            }
        }
    }

    let ready = active.iter().filter(|p| p.is_ready()).count() as i32;
    let ending = match (failure, success) {
        (Some(f), _) => Some((("FailureTarget", "Failed"), f)),
        (None, Some(s)) => Some((("SuccessCriteriaMet", "Complete"), s)),
        (None, None) => None,
    };
    if let Some(((interim, last), (reason, message))) = ending {
        set_condition(
            &mut st.conditions,
            condition(interim, reason, &message, now),
        );
        plan.delete = active.iter().map(|p| p.metadata.name.clone()).collect();
        st.active = 0;
        st.ready = Some(0);
        st.terminating = Some((terminating + plan.delete.len()) as i32);
        if active.is_empty() && terminating == 0 {
            set_condition(&mut st.conditions, condition(last, reason, &message, now));
            if last == "Complete" {
                st.completion_time = Some(now);
                plan.events.push(JobEvent {
                    type_: EventType::Normal,
                    reason: "Completed",
                    message: "Job completed".into(),
                });
            } else {
                plan.events.push(JobEvent {
                    type_: EventType::Warning,
                    reason,
                    message: message.clone(),
                });
            }
            // The time to live counts from now.
            if let Some(ttl) = job.spec.ttl_seconds_after_finished {
                plan.requeue = Some(Duration::from_secs(ttl.max(0) as u64));
            } else {
                plan.requeue = None;
            }
        }
        return plan;
    }

    // Suspended: no pods, no start time.
    if job.suspended() {
        plan.delete = active.iter().map(|p| p.metadata.name.clone()).collect();
        if job.true_condition("Suspended").is_none() {
            set_condition(
                &mut st.conditions,
                condition("Suspended", "JobSuspended", "Job suspended", now),
            );
            plan.events.push(JobEvent {
                type_: EventType::Normal,
                reason: "Suspended",
                message: "Job suspended".into(),
            });
        }
        st.start_time = None;
        st.active = 0;
        st.ready = Some(0);
        st.terminating = Some((terminating + plan.delete.len()) as i32);
        plan.requeue = None;
        return plan;
    }
    if job.true_condition("Suspended").is_some() {
        let mut c = condition("Suspended", "JobResumed", "Job resumed", now);
        c.status = "False".into();
        set_condition(&mut st.conditions, c);
        plan.events.push(JobEvent {
            type_: EventType::Normal,
            reason: "Resumed",
            message: "Job resumed".into(),
        });
        st.start_time = Some(now);
    }
    if st.start_time.is_none() {
        st.start_time = Some(now);
        if let Some(d) = job.spec.active_deadline_seconds {
            plan.requeue = min_requeue(plan.requeue, Some(Duration::from_secs(d.max(0) as u64)));
        }
    }

    // How many run: never more than parallelism.
    let parallelism = job.parallelism().max(0) as usize;
    let mut keep: Vec<&Arc<Pod>> = vec![];
    if indexed {
        let mut held = BTreeSet::new();
        let mut ordered = active.clone();
        ordered.sort_by_key(|p| (p.metadata.creation_timestamp, p.metadata.name.clone()));
        for p in ordered {
            match pod_index(p).filter(|i| in_range(*i)) {
                Some(i)
                    if !completed.contains(&i)
                        && !failed_indexes.contains(&i)
                        && held.insert(i) =>
                {
                    keep.push(p)
                }
                _ => plan.delete.push(p.metadata.name.clone()),
            }
        }
        if job.replacement_policy() == PodReplacementPolicy::Failed {
            held.extend(
                pods.iter()
                    .filter(|p| p.metadata.is_terminating() && !p.is_terminal())
                    .filter_map(|p| pod_index(p)),
            );
        }
        let busy = keep.len()
            + if job.replacement_policy() == PodReplacementPolicy::Failed {
                terminating
            } else {
                0
            };
        let room = parallelism.saturating_sub(busy).min(MAX_CREATE);
        let global_wait = if job.spec.backoff_limit_per_index.is_none() {
            backoff_wait(since_success, last_failure, now)
        } else {
            None
        };
        if let Some(w) = global_wait {
            plan.requeue = min_requeue(plan.requeue, Some(w));
        } else {
            for i in 0..completions.unwrap_or(0) {
                if plan.create.len() >= room {
                    break;
                }
                if completed.contains(&i) || failed_indexes.contains(&i) || held.contains(&i) {
                    continue;
                }
                if job.spec.backoff_limit_per_index.is_some()
                    && let Some((n, last)) = per_index.get(&i)
                    && let Some(w) = backoff_wait(*n, *last, now)
                {
                    plan.requeue = min_requeue(plan.requeue, Some(w));
                    continue;
                }
                plan.create.push(Some(i));
            }
        }
    } else {
        keep = active.clone();
        let busy = keep.len()
            + if job.replacement_policy() == PodReplacementPolicy::Failed {
                terminating
            } else {
                0
            };
        let want = match completions {
            Some(c) => ((c - st.succeeded).max(0) as usize).min(parallelism),
            None if st.succeeded > 0 => keep.len().min(parallelism),
            None => parallelism,
        };
        if keep.len() > want {
            keep.sort_by(deletion_order);
            let excess = keep.len() - want;
            plan.delete
                .extend(keep.drain(..excess).map(|p| p.metadata.name.clone()));
        } else if busy < want {
            match backoff_wait(since_success, last_failure, now) {
                Some(w) => plan.requeue = min_requeue(plan.requeue, Some(w)),
                None => plan.create = vec![None; (want - busy).min(MAX_CREATE)],
            }
        }
    }
    if plan.create.len() == MAX_CREATE {
        plan.requeue = Some(Duration::ZERO);
    }
    st.active = (keep.len() + plan.create.len()) as i32;
    st.ready = Some(ready.min(keep.len() as i32));
    st.terminating = Some((terminating + plan.delete.len()) as i32);
    plan
}

/// The static form of a condition reason read back from a stored Job.
fn reason_of(s: &str) -> &'static str {
    [
        "PodFailurePolicy",
        "BackoffLimitExceeded",
        "DeadlineExceeded",
        "MaxFailedIndexesExceeded",
        "FailedIndexes",
        "CompletionsReached",
        "SuccessPolicy",
    ]
    .into_iter()
    .find(|r| *r == s)
    .unwrap_or("JobFailed")
}

/// A new pod of the Job, owned by it; with its completion index (label,
/// annotation and `JOB_COMPLETION_INDEX`) when Indexed.
pub fn pod_for(job: &Job, index: Option<i32>) -> Pod {
    let t = &job.spec.template;
    let name = &job.metadata.name;
    let mut p: Pod = new_object(&job.metadata.namespace, "");
    p.metadata.generate_name = match index {
        Some(i) => format!("{name}-{i}-"),
        None => format!("{name}-"),
    };
    p.metadata.labels = t.metadata.labels.clone();
    p.metadata.annotations = t.metadata.annotations.clone();
    p.metadata.owner_references = vec![OwnerReference {
        api_version: Kind::Job.api_version().into(),
        kind: Kind::Job.as_str().into(),
        name: name.clone(),
        uid: job.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }];
    p.spec = t.spec.clone();
    if let Some(i) = index {
        p.metadata
            .annotations
            .insert(COMPLETION_INDEX.into(), i.to_string());
        p.metadata
            .labels
            .insert(COMPLETION_INDEX.into(), i.to_string());
        for c in &mut p.spec.containers {
            c.env.retain(|e| e.name != COMPLETION_INDEX_ENV);
            c.env.push(EnvVar {
                name: COMPLETION_INDEX_ENV.into(),
                value: String::new(),
                value_from: Some(EnvVarSource {
                    field_ref: Some(ObjectFieldSelector {
                        api_version: "v1".into(),
                        field_path: format!("metadata.annotations['{COMPLETION_INDEX}']"),
                    }),
                    ..Default::default()
                }),
            });
        }
    }
    p
}

async fn sync(store: &Store, key: Key) -> Result<Option<Duration>, StoreError> {
    let Some(job) = store.get::<Job>(&key.0, &key.1) else {
        return Ok(None);
    };
    let pods = super::controlled::<Pod, _>(store, job.as_ref());
    let plan = reconcile(&job, &pods, Time::now());
    let requeue = plan.requeue;
    if plan.delete_job {
        let uid = job.metadata.uid.clone();
        store
            .txn(move |tx| {
                match tx.get::<Job>(&key.0, &key.1) {
                    Some(cur) if cur.metadata.uid == uid => {}
                    _ => return Ok(()),
                }
                match ops::delete(tx, Kind::Job, &key.0, &key.1, &DeleteOptions::default()) {
                    Ok(_) | Err(StoreError::NotFound { .. }) => Ok(()),
                    Err(e) => Err(e),
                }
            })
            .await?;
        return Ok(None);
    }
    if plan.create.is_empty()
        && plan.delete.is_empty()
        && plan.events.is_empty()
        && plan.status == job.status
    {
        return Ok(requeue);
    }
    store
        .txn(move |tx| {
            // The Job may have been replaced since we read it.
            let Some(cur) = tx.get::<Job>(&key.0, &key.1) else {
                return Ok(());
            };
            if cur.metadata.uid != job.metadata.uid {
                return Ok(());
            }
            for index in &plan.create {
                let Some(p) = create_owned_pod(tx, EVENTS, cur.as_ref(), pod_for(&cur, *index))?
                else {
                    break;
                };
                EVENTS.record(
                    tx,
                    cur.as_ref(),
                    EventType::Normal,
                    "SuccessfulCreate",
                    &format!("Created pod: {}", p.metadata.name),
                )?;
            }
            for name in &plan.delete {
                match ops::delete(tx, Kind::Pod, &key.0, name, &DeleteOptions::default()) {
                    Ok(_) | Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
                EVENTS.record(
                    tx,
                    cur.as_ref(),
                    EventType::Normal,
                    "SuccessfulDelete",
                    &format!("Deleted pod: {name}"),
                )?;
            }
            for e in &plan.events {
                EVENTS.record(tx, cur.as_ref(), e.type_, e.reason, &e.message)?;
            }
            let status = plan.status;
            tx.mutate::<Job, _>(&key.0, &key.1, Subresource::Status, move |j| {
                let changed = j.status != status;
                j.status = status;
                Ok(changed)
            })?;
            Ok(())
        })
        .await?;
    Ok(requeue)
}

/// Starts the controller's watches and worker.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    Controller::new("job", store, shutdown)
        .watch(Kind::Job, self_key)
        .watch(Kind::Pod, |ev| owner_key(ev, Kind::Job))
        .run(
            Kind::Job,
            |store, key| async move { sync(&store, key).await },
        );
}

#[cfg(test)]
mod tests;
