//! CronJob controller: makes a CronJob's Jobs at the times of its
//! schedule, as Kubernetes' CronJob controller (v2) does.
//!
//! [`reconcile`] is the whole decision, pure over the CronJob, the Jobs it
//! controls and the time `now` (passed in, so tests set the clock): the
//! new status, the Job to create (for which scheduled time), the Jobs to
//! delete, the events, and when to look again.
//!
//! - Only the most recent missed time runs: after an outage (of the
//!   control daemon or a suspension) a CronJob makes at most one catch-up
//!   Job, and none for a time more than `startingDeadlineSeconds` ago.
//!   More than 100 missed times are reported (`TooManyMissedTimes`).
//! - A time is run once: the Job's name counts the scheduled minutes since
//!   the epoch, and `lastScheduleTime` records it.
//! - `concurrencyPolicy`: Allow runs side by side; Forbid skips a time
//!   while a Job is active; Replace deletes the active Jobs first.
//! - Finished Jobs beyond `successfulJobsHistoryLimit` /
//!   `failedJobsHistoryLimit` are deleted, oldest start first (their pods go
//!   with them through the garbage collector).
//! - Nothing starts while suspended or being deleted; the status is kept.
//!
//! The loop at the bottom reads the store, runs it and writes the plan in
//! one transaction. Imports the API types and the store; nothing of the
//! node or the CLI.

use super::{Controller, Key, owner_key, self_key};
use crate::api::batch::Job;
use crate::api::cronjob::{
    ConcurrencyPolicy, CronJob, CronJobStatus, Schedule, job_from_template, job_name, job_reference,
};
use crate::api::wire::DeleteOptions;
use crate::api::{Kind, ObjectReference, Time};
use crate::control::events::{EventType, Recorder};
use crate::control::ops;
use crate::control::store::{Store, StoreError, Subresource};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const EVENTS: Recorder = Recorder("cronjob-controller");

/// Past this many missed times, a CronJob gets a `TooManyMissedTimes` warning.
pub const TOO_MANY_MISSED: i64 = 100;
/// Added to each wait for the next time, for clocks that differ a little.
const NEXT_SCHEDULE_DELTA: Duration = Duration::from_millis(100);

/// One event to record about the CronJob.
#[derive(Clone, Debug, PartialEq)]
pub struct CronEvent {
    pub type_: EventType,
    pub reason: &'static str,
    pub message: String,
}

/// What a reconcile will do.
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// The status to write: with the Job to create already in `active`
    /// (without its uid, which the store assigns).
    pub status: CronJobStatus,
    /// The scheduled time to create a Job for.
    pub create: Option<Time>,
    /// Names of Jobs to delete (replaced, or beyond the history limits).
    pub delete: Vec<String>,
    pub events: Vec<CronEvent>,
    /// When to look again: the next scheduled time.
    pub requeue: Option<Duration>,
}

/// What [`most_recent_schedule_time`] finds: the time counted from, the
/// most recent time due (if any), and how many were missed.
pub type Due = (DateTime<Utc>, Option<DateTime<Utc>>, Missed);

/// How many times were missed since the last run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missed {
    None,
    Few,
    /// More than [`TOO_MANY_MISSED`]: the count.
    Many(i64),
}

/// The times a CronJob should have run by `now`, as Kubernetes'
/// `mostRecentScheduleTime` computes them: from the last scheduled time
/// (or the creation), and, with `with_deadline`, not before `now -
/// startingDeadlineSeconds`. Returns the time counted from, the most
/// recent time due (`None` when none is), and how many were missed.
/// Errors when the schedule's times are less than a second apart.
pub fn most_recent_schedule_time(
    cj: &CronJob,
    now: DateTime<Utc>,
    schedule: &Schedule,
    with_deadline: bool,
) -> Result<Due, String> {
    let mut earliest = cj
        .status
        .last_schedule_time
        .or(cj.metadata.creation_timestamp)
        .map(|t| t.0)
        .unwrap_or(now);
    if with_deadline && let Some(d) = cj.spec.starting_deadline_seconds {
        let deadline = now - chrono::Duration::seconds(d);
        if deadline > earliest {
            earliest = deadline;
        }
    }
    let Some(t1) = schedule.next_after(earliest) else {
        return Ok((earliest, None, Missed::None));
    };
    if now < t1 {
        return Ok((earliest, None, Missed::None));
    }
    let Some(t2) = schedule.next_after(t1) else {
        return Ok((earliest, Some(t1), Missed::None));
    };
    if now < t2 {
        return Ok((earliest, Some(t1), Missed::None));
    }
    let between = (t2 - t1).num_seconds();
    if between < 1 {
        return Err("time difference between two schedules is less than 1 second".into());
    }
    let elapsed = (now - t1).num_seconds();
    let missed = elapsed / between + 1;
    // Jump close to `now` by the interval, then walk: exact for regular
    // schedules, and one step of slack for irregular ones.
    let start = t1 + chrono::Duration::seconds((missed - 2).max(0) * between);
    let mut most_recent = None;
    let mut t = schedule.next_after(start);
    while let Some(x) = t {
        if x > now {
            break;
        }
        most_recent = Some(x);
        t = schedule.next_after(x);
    }
    let missed = if missed > TOO_MANY_MISSED {
        Missed::Many(missed)
    } else {
        Missed::Few
    };
    Ok((earliest, most_recent, missed))
}

/// How long from `now` until the next scheduled time (plus a little), as
/// Kubernetes' `nextScheduleTimeDuration`.
pub fn next_schedule_wait(
    cj: &CronJob,
    now: DateTime<Utc>,
    schedule: &Schedule,
) -> Option<Duration> {
    let from = match most_recent_schedule_time(cj, now, schedule, false) {
        Err(_) => now,
        Ok((_, Some(t), _)) => t,
        Ok((earliest, None, Missed::None)) => earliest,
        Ok((_, None, _)) => now,
    };
    let next = schedule.next_after(from)?;
    let wait = (next - now).to_std().unwrap_or(Duration::ZERO);
    Some(wait + NEXT_SCHEDULE_DELTA)
}

/// `Complete` or `Failed`, when the Job has finished.
fn finished(j: &Job) -> Option<&'static str> {
    if j.true_condition("Complete").is_some() {
        Some("Complete")
    } else if j.true_condition("Failed").is_some() {
        Some("Failed")
    } else {
        None
    }
}

/// Kubernetes' RFC 1123 with numeric zone, as its events write times.
fn rfc1123z(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S %z").to_string()
}

/// Finished Jobs beyond a history limit, oldest start first (unstarted
/// last, then by name), as Kubernetes picks them.
fn beyond_limit(mut jobs: Vec<&Job>, limit: Option<i32>) -> Vec<&Job> {
    let Some(limit) = limit else {
        return vec![];
    };
    let excess = jobs.len().saturating_sub(limit.max(0) as usize);
    jobs.sort_by(|a, b| {
        match (a.status.start_time, b.status.start_time) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.metadata.name.cmp(&b.metadata.name))
    });
    jobs.truncate(excess);
    jobs
}

/// The whole decision for one CronJob: `jobs` are the Jobs it controls.
pub fn reconcile(cj: &CronJob, jobs: &[Arc<Job>], now: Time) -> Plan {
    let mut plan = Plan {
        status: cj.status.clone(),
        create: None,
        delete: vec![],
        events: vec![],
        requeue: None,
    };
    let mut event = |type_, reason, message: String| {
        plan.events.push(CronEvent {
            type_,
            reason,
            message,
        })
    };
    let st = &mut plan.status;
    let is_active = |st: &CronJobStatus, uid: &str| st.active.iter().any(|r| r.uid == uid);
    for j in jobs {
        let uid = &j.metadata.uid;
        match finished(j) {
            None if !is_active(st, uid) => event(
                EventType::Warning,
                "UnexpectedJob",
                format!(
                    "Saw a job that the controller did not create or forgot: {}",
                    j.metadata.name
                ),
            ),
            None => {}
            Some(cond) => {
                if is_active(st, uid) {
                    st.active.retain(|r| r.uid != *uid);
                    event(
                        EventType::Normal,
                        "SawCompletedJob",
                        format!("Saw completed job: {}, condition: {cond}", j.metadata.name),
                    );
                }
                if cond == "Complete"
                    && let Some(done) = j.status.completion_time
                    && st.last_successful_time.is_none_or(|t| done > t)
                {
                    st.last_successful_time = Some(done);
                }
            }
        }
    }
    // Active Jobs that are gone: forget them (a new one may start).
    let gone: Vec<ObjectReference> = st
        .active
        .iter()
        .filter(|r| !jobs.iter().any(|j| j.metadata.uid == r.uid))
        .cloned()
        .collect();
    for r in gone {
        st.active.retain(|a| a.uid != r.uid);
        event(
            EventType::Normal,
            "MissingJob",
            format!("Active job went missing: {}", r.name),
        );
    }
    // History limits.
    let (ok, failed): (Vec<&Job>, Vec<&Job>) = jobs
        .iter()
        .map(|j| j.as_ref())
        .filter(|j| finished(j).is_some())
        .partition(|j| finished(j) == Some("Complete"));
    let mut prune = beyond_limit(ok, cj.spec.successful_jobs_history_limit);
    prune.extend(beyond_limit(failed, cj.spec.failed_jobs_history_limit));
    for j in prune {
        st.active.retain(|r| r.uid != j.metadata.uid);
        plan.delete.push(j.metadata.name.clone());
        event(
            EventType::Normal,
            "SuccessfulDelete",
            format!("Deleted job {}", j.metadata.name),
        );
    }
    if cj.metadata.is_terminating() || cj.suspended() {
        return plan;
    }
    let schedule = match cj.schedule() {
        Ok(s) => s,
        Err(e) => {
            let reason = if cj
                .spec
                .time_zone
                .as_deref()
                .is_some_and(|z| crate::api::cronjob::parse_time_zone(z).is_err())
            {
                "UnknownTimeZone"
            } else {
                "UnparseableSchedule"
            };
            event(
                EventType::Warning,
                reason,
                format!("unparseable schedule: {:?} : {e}", cj.spec.schedule),
            );
            return plan;
        }
    };
    let now_t = now.0;
    let due = match most_recent_schedule_time(cj, now_t, &schedule, true) {
        Err(e) => {
            event(
                EventType::Warning,
                "InvalidSchedule",
                format!("invalid schedule: {} : {e}", cj.spec.schedule),
            );
            return plan;
        }
        Ok((_, due, missed)) => {
            if let (Some(_), Missed::Many(n)) = (due, missed) {
                event(
                    EventType::Warning,
                    "TooManyMissedTimes",
                    format!(
                        "too many missed start times: {n}. Set or decrease .spec.startingDeadlineSeconds or check clock skew"
                    ),
                );
            }
            due
        }
    };
    let wait = |st: &CronJobStatus| {
        let mut view = cj.clone();
        view.status = st.clone();
        next_schedule_wait(&view, now_t, &schedule)
    };
    let Some(due) = due else {
        plan.requeue = wait(&plan.status);
        return plan;
    };
    if let Some(d) = cj.spec.starting_deadline_seconds
        && due + chrono::Duration::seconds(d) < now_t
    {
        event(
            EventType::Warning,
            "MissSchedule",
            format!("Missed scheduled time to start a job: {}", rfc1123z(due)),
        );
        plan.requeue = wait(&plan.status);
        return plan;
    }
    let due_t = Time(due);
    let name = job_name(&cj.metadata.name, due_t);
    let st = &mut plan.status;
    if st.active.iter().any(|r| r.name == name) || st.last_schedule_time == Some(due_t) {
        plan.requeue = wait(&plan.status);
        return plan;
    }
    match cj.concurrency_policy() {
        ConcurrencyPolicy::Forbid if !st.active.is_empty() => {
            event(
                EventType::Normal,
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid"
                    .into(),
            );
            plan.requeue = wait(&plan.status);
            return plan;
        }
        ConcurrencyPolicy::Replace => {
            for r in std::mem::take(&mut st.active) {
                if !plan.delete.contains(&r.name) {
                    plan.delete.push(r.name.clone());
                    event(
                        EventType::Normal,
                        "SuccessfulDelete",
                        format!("Deleted job {}", r.name),
                    );
                }
            }
        }
        _ => {}
    }
    match jobs.iter().find(|j| j.metadata.name == name) {
        // Made by an earlier pass whose status write was lost: adopt it.
        Some(j) => {
            if finished(j).is_none() {
                st.active.push(job_reference(j));
            }
        }
        None => {
            plan.create = Some(due_t);
            st.active
                .push(job_reference(&job_from_template(cj, Some(due_t), &name)));
        }
    }
    st.last_schedule_time = Some(due_t);
    plan.requeue = wait(&plan.status);
    plan
}

async fn sync(store: &Store, key: Key) -> Result<Option<Duration>, StoreError> {
    let Some(cj) = store.get::<CronJob>(&key.0, &key.1) else {
        return Ok(None);
    };
    let jobs = super::controlled::<Job, _>(store, cj.as_ref());
    let plan = reconcile(&cj, &jobs, Time::now());
    let requeue = plan.requeue;
    if plan.create.is_none()
        && plan.delete.is_empty()
        && plan.events.is_empty()
        && plan.status == cj.status
    {
        return Ok(requeue);
    }
    store
        .txn(move |tx| {
            // The CronJob may have been replaced since we read it.
            let Some(cur) = tx.get::<CronJob>(&key.0, &key.1) else {
                return Ok(());
            };
            if cur.metadata.uid != cj.metadata.uid {
                return Ok(());
            }
            let mut status = plan.status;
            for name in &plan.delete {
                match ops::delete(tx, Kind::Job, &key.0, name, &DeleteOptions::default()) {
                    Ok(_) | Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            if let Some(at) = plan.create {
                let name = job_name(&cur.metadata.name, at);
                match tx.create(job_from_template(&cur, Some(at), &name)) {
                    Ok(job) => {
                        if let Some(r) = status.active.iter_mut().find(|r| r.name == name) {
                            *r = job_reference(&job);
                        }
                        EVENTS.record(
                            tx,
                            cur.as_ref(),
                            EventType::Normal,
                            "SuccessfulCreate",
                            &format!("Created job {name}"),
                        )?;
                    }
                    Err(StoreError::AlreadyExists { .. }) => {
                        // Someone else's Job holds the name: leave it, and
                        // this time, to them.
                        status.active.retain(|r| r.name != name);
                        status.last_schedule_time = cur.status.last_schedule_time;
                    }
                    Err(e @ (StoreError::Invalid { .. } | StoreError::Forbidden(_))) => {
                        status.active.retain(|r| r.name != name);
                        status.last_schedule_time = cur.status.last_schedule_time;
                        EVENTS.record(
                            tx,
                            cur.as_ref(),
                            EventType::Warning,
                            "FailedCreate",
                            &format!("Error creating job: {e}"),
                        )?;
                    }
                    Err(e) => return Err(e),
                }
            }
            for e in &plan.events {
                EVENTS.record(tx, cur.as_ref(), e.type_, e.reason, &e.message)?;
            }
            tx.mutate::<CronJob, _>(&key.0, &key.1, Subresource::Status, move |c| {
                let changed = c.status != status;
                c.status = status;
                Ok(changed)
            })?;
            Ok(())
        })
        .await?;
    Ok(requeue)
}

/// Starts the controller's watches and worker.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    Controller::new("cronjob", store, shutdown)
        .watch(Kind::CronJob, self_key)
        .watch(Kind::Job, |ev| owner_key(ev, Kind::CronJob))
        .run(Kind::CronJob, |store, key| async move {
            sync(&store, key).await
        });
}

#[cfg(test)]
mod tests;
