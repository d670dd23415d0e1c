//! Table tests of the CronJob reconcile: CronJob, Jobs and a clock in,
//! plan out.

use super::*;
use crate::api::batch::JobStatus;
use crate::api::testing::container;
use crate::api::{Condition, RestartPolicy, new_object};

/// A time on 2026-03-02 (a Monday), UTC: `at("10:01:05")`.
fn at(hms: &str) -> Time {
    on("2026-03-02", hms)
}

fn on(day: &str, hms: &str) -> Time {
    Time(
        DateTime::parse_from_rfc3339(&format!("{day}T{hms}Z"))
            .unwrap()
            .with_timezone(&Utc),
    )
}

/// `hello`, created at 10:00:30, running `schedule`, with Kubernetes' defaults.
fn cronjob(schedule: &str) -> CronJob {
    let mut c: CronJob = new_object("default", "hello");
    c.metadata.uid = "cj-uid".into();
    c.metadata.creation_timestamp = Some(at("10:00:30"));
    c.spec.schedule = schedule.into();
    c.spec.job_template.spec.template.spec.containers = vec![container("hello")];
    c.spec.job_template.spec.template.spec.restart_policy = RestartPolicy::OnFailure;
    c.default_fields();
    c
}

/// The Job `cj` makes for `scheduled`, stored with a uid and started then.
fn job_at(cj: &CronJob, scheduled: Time) -> Job {
    let name = job_name(&cj.metadata.name, scheduled);
    let mut j = job_from_template(cj, Some(scheduled), &name);
    j.metadata.uid = format!("uid-{name}");
    j.status.start_time = Some(scheduled);
    j
}

fn finish(mut j: Job, cond: &str, at: Time) -> Job {
    j.status = JobStatus {
        conditions: vec![Condition {
            type_: cond.into(),
            status: "True".into(),
            ..Default::default()
        }],
        start_time: j.status.start_time,
        completion_time: (cond == "Complete").then_some(at),
        ..Default::default()
    };
    j
}

fn active(cj: &mut CronJob, j: &Job) {
    cj.status.active.push(job_reference(j));
}

fn reasons(p: &Plan) -> Vec<&'static str> {
    p.events.iter().map(|e| e.reason).collect()
}

fn arcs(jobs: &[Job]) -> Vec<Arc<Job>> {
    jobs.iter().cloned().map(Arc::new).collect()
}

#[test]
fn nothing_is_due_before_the_first_time_and_the_wait_names_it() {
    let c = cronjob("*/1 * * * *");
    let p = reconcile(&c, &[], at("10:00:45"));
    assert_eq!(p.create, None);
    assert_eq!(p.status, c.status);
    assert_eq!(p.requeue, Some(Duration::from_millis(15_100)));
}

#[test]
fn a_due_time_makes_one_job_named_after_its_minute() {
    let c = cronjob("*/1 * * * *");
    let p = reconcile(&c, &[], at("10:01:05"));
    assert_eq!(p.create, Some(at("10:01:00")));
    let minutes = at("10:01:00").0.timestamp() / 60;
    assert_eq!(p.status.active.len(), 1);
    assert_eq!(p.status.active[0].name, format!("hello-{minutes}"));
    assert_eq!(p.status.last_schedule_time, Some(at("10:01:00")));
    assert_eq!(p.requeue, Some(Duration::from_millis(55_100)));
    assert!(p.events.is_empty(), "the loop records SuccessfulCreate");
}

#[test]
fn running_again_after_the_write_changes_nothing() {
    let mut c = cronjob("*/1 * * * *");
    let j = job_at(&c, at("10:01:00"));
    active(&mut c, &j);
    c.status.last_schedule_time = Some(at("10:01:00"));
    let p = reconcile(&c, &arcs(&[j]), at("10:01:06"));
    assert_eq!(p.create, None);
    assert!(p.delete.is_empty() && p.events.is_empty());
    assert_eq!(p.status, c.status);
}

#[test]
fn after_an_outage_only_the_most_recent_missed_time_runs() {
    let mut c = cronjob("*/1 * * * *");
    c.status.last_schedule_time = Some(at("10:01:00"));
    // 49 minutes missed: one catch-up run, no warning.
    let p = reconcile(&c, &[], at("10:50:20"));
    assert_eq!(p.create, Some(at("10:50:00")));
    assert_eq!(p.status.active.len(), 1);
    assert!(p.events.is_empty());
    // 209 missed: still one run, and Kubernetes' warning.
    let p = reconcile(&c, &[], at("13:30:20"));
    assert_eq!(p.create, Some(at("13:30:00")));
    assert_eq!(reasons(&p), ["TooManyMissedTimes"]);
    assert!(
        p.events[0]
            .message
            .contains("too many missed start times: 209")
    );
}

#[test]
fn a_time_later_than_the_starting_deadline_is_skipped() {
    let mut c = cronjob("0 * * * *");
    c.status.last_schedule_time = Some(at("09:00:00"));
    c.spec.starting_deadline_seconds = Some(10);
    // 10:00 is 20 s ago, beyond the deadline: nothing runs until 11:00.
    let p = reconcile(&c, &[], at("10:00:20"));
    assert_eq!(p.create, None);
    assert_eq!(p.status.last_schedule_time, Some(at("09:00:00")));
    assert_eq!(p.requeue, Some(Duration::from_millis(3_580_100)));
    // Within the deadline it runs.
    c.spec.starting_deadline_seconds = Some(30);
    let p = reconcile(&c, &[], at("10:00:20"));
    assert_eq!(p.create, Some(at("10:00:00")));
    // After a long outage the deadline still bounds the catch-up.
    c.spec.starting_deadline_seconds = Some(600);
    let p = reconcile(&c, &[], at("15:20:00"));
    assert_eq!(p.create, None, "15:00 is 20 minutes ago");
    let p = reconcile(&c, &[], at("15:05:00"));
    assert_eq!(p.create, Some(at("15:00:00")));
}

#[test]
fn forbid_skips_while_a_job_runs_and_replace_deletes_it_first() {
    let mut c = cronjob("*/5 * * * *");
    let running = job_at(&c, at("10:05:00"));
    active(&mut c, &running);
    c.status.last_schedule_time = Some(at("10:05:00"));
    let jobs = arcs(std::slice::from_ref(&running));

    c.spec.concurrency_policy = Some(ConcurrencyPolicy::Forbid);
    let p = reconcile(&c, &jobs, at("10:10:01"));
    assert_eq!(p.create, None);
    assert_eq!(reasons(&p), ["JobAlreadyActive"]);
    assert_eq!(p.status, c.status, "the time is not marked as run");

    c.spec.concurrency_policy = Some(ConcurrencyPolicy::Replace);
    let p = reconcile(&c, &jobs, at("10:10:01"));
    assert_eq!(p.create, Some(at("10:10:00")));
    assert_eq!(p.delete, std::slice::from_ref(&running.metadata.name));
    assert_eq!(reasons(&p), ["SuccessfulDelete"]);
    assert_eq!(p.status.active.len(), 1);
    assert_ne!(p.status.active[0].name, running.metadata.name);

    c.spec.concurrency_policy = Some(ConcurrencyPolicy::Allow);
    let p = reconcile(&c, &jobs, at("10:10:01"));
    assert_eq!(p.create, Some(at("10:10:00")));
    assert!(p.delete.is_empty());
    assert_eq!(p.status.active.len(), 2);
}

#[test]
fn a_suspended_or_deleted_cronjob_starts_nothing() {
    let mut c = cronjob("*/1 * * * *");
    c.spec.suspend = Some(true);
    let p = reconcile(&c, &[], at("10:07:00"));
    assert_eq!((p.create, p.requeue), (None, None));
    let mut d = cronjob("*/1 * * * *");
    d.metadata.deletion_timestamp = Some(at("10:06:00"));
    assert_eq!(reconcile(&d, &[], at("10:07:00")).create, None);
}

#[test]
fn a_finished_job_leaves_active_and_sets_the_last_success() {
    let mut c = cronjob("*/5 * * * *");
    let j = job_at(&c, at("10:05:00"));
    active(&mut c, &j);
    c.status.last_schedule_time = Some(at("10:05:00"));
    let done = finish(j, "Complete", at("10:05:40"));
    let p = reconcile(&c, &arcs(std::slice::from_ref(&done)), at("10:06:00"));
    assert!(p.status.active.is_empty());
    assert_eq!(p.status.last_successful_time, Some(at("10:05:40")));
    assert_eq!(reasons(&p), ["SawCompletedJob"]);
    assert!(p.events[0].message.ends_with("condition: Complete"));
    // Idempotent: the written status leads to no further change.
    let mut after = c.clone();
    after.status = p.status.clone();
    let again = reconcile(&after, &arcs(&[done]), at("10:06:01"));
    assert_eq!(again.status, after.status);
    assert!(again.events.is_empty());
}

#[test]
fn history_limits_delete_the_oldest_finished_jobs() {
    let mut c = cronjob("*/1 * * * *");
    c.spec.successful_jobs_history_limit = Some(2);
    c.spec.failed_jobs_history_limit = Some(1);
    c.status.last_schedule_time = Some(at("10:06:00"));
    let mut jobs = vec![];
    for m in 1..=4 {
        let t = at(&format!("10:0{m}:00"));
        jobs.push(finish(job_at(&c, t), "Complete", t));
    }
    for m in 5..=6 {
        let t = at(&format!("10:0{m}:00"));
        jobs.push(finish(job_at(&c, t), "Failed", t));
    }
    let name = |m: u32| job_name("hello", at(&format!("10:0{m}:00")));
    let p = reconcile(&c, &arcs(&jobs), at("10:06:30"));
    assert_eq!(p.delete, [name(1), name(2), name(5)]);
    assert_eq!(
        reasons(&p),
        ["SuccessfulDelete", "SuccessfulDelete", "SuccessfulDelete"]
    );
    assert_eq!(p.create, None);
    // Without limits nothing is deleted.
    c.spec.successful_jobs_history_limit = None;
    c.spec.failed_jobs_history_limit = None;
    assert!(
        reconcile(&c, &arcs(&jobs), at("10:06:30"))
            .delete
            .is_empty()
    );
}

#[test]
fn an_active_job_that_is_gone_is_forgotten() {
    let mut c = cronjob("*/5 * * * *");
    let j = job_at(&c, at("10:05:00"));
    active(&mut c, &j);
    c.status.last_schedule_time = Some(at("10:05:00"));
    let p = reconcile(&c, &[], at("10:06:00"));
    assert!(p.status.active.is_empty());
    assert_eq!(reasons(&p), ["MissingJob"]);
}

#[test]
fn a_job_that_exists_for_the_time_is_adopted_not_made_again() {
    let c = cronjob("*/1 * * * *");
    let j = job_at(&c, at("10:01:00"));
    let p = reconcile(&c, &arcs(std::slice::from_ref(&j)), at("10:01:05"));
    assert_eq!(p.create, None);
    assert_eq!(p.status.active, vec![job_reference(&j)]);
    assert_eq!(p.status.last_schedule_time, Some(at("10:01:00")));
    assert_eq!(reasons(&p), ["UnexpectedJob"]);
}

#[test]
fn a_time_zone_schedule_follows_daylight_saving() {
    // 09:00 in Berlin is 08:00Z before 29 March 2026 and 07:00Z from then on.
    let mut c = cronjob("0 9 * * *");
    c.spec.time_zone = Some("Europe/Berlin".into());
    c.metadata.creation_timestamp = Some(on("2026-03-27", "12:00:00"));
    let p = reconcile(&c, &[], on("2026-03-28", "08:00:10"));
    assert_eq!(p.create, Some(on("2026-03-28", "08:00:00")));
    c.status.last_schedule_time = p.status.last_schedule_time;
    assert_eq!(
        reconcile(&c, &[], on("2026-03-29", "06:59:59")).create,
        None
    );
    let p = reconcile(&c, &[], on("2026-03-29", "07:00:01"));
    assert_eq!(p.create, Some(on("2026-03-29", "07:00:00")));
    let j = job_from_template(&c, p.create, "x");
    assert_eq!(
        j.metadata.annotations[crate::api::cronjob::SCHEDULED_TIMESTAMP],
        "2026-03-29T09:00:00+02:00"
    );
}

#[test]
fn missed_times_count_across_irregular_schedules() {
    // Weekdays at 06:30, 10:30 and 14:30: Friday evening to Monday noon.
    let s = Schedule::parse("30 6-16/4 * * 1-5", None).unwrap();
    let mut c = cronjob("30 6-16/4 * * 1-5");
    c.status.last_schedule_time = Some(on("2026-02-27", "14:30:00"));
    let (_, due, missed) =
        most_recent_schedule_time(&c, on("2026-03-02", "12:00:00").0, &s, true).unwrap();
    assert_eq!(due, Some(on("2026-03-02", "10:30:00").0));
    assert_eq!(missed, Missed::Few);
}

#[test]
fn an_unparseable_schedule_is_reported_not_run() {
    let mut c = cronjob("*/1 * * * *");
    c.spec.schedule = "every minute".into();
    let p = reconcile(&c, &[], at("10:05:00"));
    assert_eq!(p.create, None);
    assert_eq!(reasons(&p), ["UnparseableSchedule"]);
}

/// Decisions per second of the pure reconcile over a CronJob with 100
/// finished Jobs (ignored: a figure, not a check).
#[test]
#[ignore]
fn bench_cronjob_decisions() {
    let mut c = cronjob("*/1 * * * *");
    c.spec.successful_jobs_history_limit = Some(100);
    c.status.last_schedule_time = Some(at("10:00:00"));
    let jobs: Vec<Job> = (0..100)
        .map(|i| {
            let t = Time(at("08:00:00").0 + chrono::Duration::minutes(i));
            finish(job_at(&c, t), "Complete", t)
        })
        .collect();
    let jobs = arcs(&jobs);
    let n = 20_000;
    let start = std::time::Instant::now();
    for i in 0..n {
        let now = Time(at("10:00:30").0 + chrono::Duration::seconds(i % 600));
        std::hint::black_box(reconcile(&c, &jobs, now));
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "cronjob reconcile, 100 finished jobs: {rate:.0} decisions/s (target 1,000 decisions/s: each of 1,000 CronJobs decided every second)"
    );
}
