//! `batch/v1` CronJob: makes a Job from its template at each time of a
//! cron schedule, with Kubernetes' defaults, and the schedule itself.
//!
//! [`Schedule`] reads what Kubernetes' `cron.ParseStandard` reads: five
//! fields (minute, hour, day of month, month, day of week; numbers, names,
//! `*`, `?`, ranges, lists and steps), the macros `@yearly`, `@annually`,
//! `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly` and
//! `@every DURATION`, in the CronJob's `timeZone` (UTC when unset).
//! Extensions Kubernetes refuses (`L`, `W`, `#`, seconds) are refused here
//! too, so a manifest ork accepts is one Kubernetes accepts.
//!
//! Types and pure helpers only; imports nothing of ork outside `api`.

use super::batch::{Job, JobSpec};
use super::core::ObjectReference;
use super::meta::{ObjectMeta, OwnerReference, Time};
use super::object::{Kind, new_object};
use chrono::{DateTime, TimeZone, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The annotation on a CronJob's Job holding its scheduled time (RFC 3339,
/// in the CronJob's time zone).
pub const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/// Default `successfulJobsHistoryLimit`.
pub const DEFAULT_SUCCESSFUL_HISTORY: i32 = 3;
/// Default `failedJobsHistoryLimit`.
pub const DEFAULT_FAILED_HISTORY: i32 = 1;

/// Runs a Job on a schedule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CronJob {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: CronJobSpec,
    pub status: CronJobStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CronJobSpec {
    /// Cron syntax: `*/5 * * * *`, `@hourly`.
    pub schedule: String,
    /// An IANA time zone name (`Europe/Berlin`); UTC when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// A run more than this late is skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_deadline_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency_policy: Option<ConcurrencyPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    pub job_template: JobTemplateSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successful_jobs_history_limit: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_jobs_history_limit: Option<i32>,
}

/// What to do with a run due while the previous one is still active.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ConcurrencyPolicy {
    /// Run them side by side.
    #[default]
    Allow,
    /// Skip the new run.
    Forbid,
    /// Delete the running Jobs and start the new one.
    Replace,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobTemplateSpec {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: JobSpec,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CronJobStatus {
    /// The Jobs running now.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub active: Vec<ObjectReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_schedule_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_successful_time: Option<Time>,
}

impl CronJob {
    pub fn suspended(&self) -> bool {
        self.spec.suspend == Some(true)
    }

    pub fn concurrency_policy(&self) -> ConcurrencyPolicy {
        self.spec.concurrency_policy.unwrap_or_default()
    }

    /// Fills in what Kubernetes defaults on a written CronJob.
    pub fn default_fields(&mut self) {
        let s = &mut self.spec;
        s.concurrency_policy.get_or_insert(ConcurrencyPolicy::Allow);
        s.suspend.get_or_insert(false);
        s.successful_jobs_history_limit
            .get_or_insert(DEFAULT_SUCCESSFUL_HISTORY);
        s.failed_jobs_history_limit
            .get_or_insert(DEFAULT_FAILED_HISTORY);
    }

    /// The schedule in the CronJob's time zone.
    pub fn schedule(&self) -> Result<Schedule, String> {
        Schedule::parse(&self.spec.schedule, self.spec.time_zone.as_deref())
    }
}

/// The annotation `ork create job --from=cronjob/NAME` sets, as kubectl does.
pub const INSTANTIATE: &str = "cronjob.kubernetes.io/instantiate";

/// A Job made from the CronJob's template, owned by it: for a scheduled
/// time (named by [`job_name`], with the scheduled-timestamp annotation in
/// the CronJob's time zone) or, with `scheduled` `None`, a manual run named
/// `name` (annotated `cronjob.kubernetes.io/instantiate: manual`).
pub fn job_from_template(cj: &CronJob, scheduled: Option<Time>, name: &str) -> Job {
    let t = &cj.spec.job_template;
    let mut job: Job = new_object(&cj.metadata.namespace, name);
    job.metadata.labels = t.metadata.labels.clone();
    job.metadata.annotations = t.metadata.annotations.clone();
    match scheduled {
        Some(at) => {
            let zone = cj
                .spec
                .time_zone
                .as_deref()
                .and_then(|z| parse_time_zone(z).ok())
                .unwrap_or(chrono_tz::UTC);
            job.metadata.annotations.insert(
                SCHEDULED_TIMESTAMP.into(),
                at.0.with_timezone(&zone)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
        }
        None => {
            job.metadata
                .annotations
                .insert(INSTANTIATE.into(), "manual".into());
        }
    }
    job.metadata.owner_references = vec![OwnerReference {
        api_version: Kind::CronJob.api_version().into(),
        kind: Kind::CronJob.as_str().into(),
        name: cj.metadata.name.clone(),
        uid: cj.metadata.uid.clone(),
        controller: Some(true),
        // A scheduled Job blocks its owner's foreground deletion; a manual
        // one does not, as kubectl makes it.
        block_owner_deletion: scheduled.map(|_| true),
    }];
    job.spec = t.spec.clone();
    job
}

/// A reference to a Job, as `status.active` holds it.
pub fn job_reference(job: &Job) -> ObjectReference {
    ObjectReference {
        api_version: Kind::Job.api_version().into(),
        kind: Kind::Job.as_str().into(),
        namespace: job.metadata.namespace.clone(),
        name: job.metadata.name.clone(),
        uid: job.metadata.uid.clone(),
        resource_version: job.metadata.resource_version.clone(),
        field_path: String::new(),
    }
}

/// The name of the Job made for a scheduled time: `NAME-<minutes since
/// the epoch>`, as Kubernetes names it (so a second run for the same time
/// is refused as existing).
pub fn job_name(cronjob: &str, scheduled: Time) -> String {
    format!("{cronjob}-{}", scheduled.0.timestamp().div_euclid(60))
}

/// A parsed schedule: when a CronJob runs.
#[derive(Clone, Debug)]
pub enum Schedule {
    /// Cron fields, read in a time zone.
    Cron {
        cron: Box<croner::Cron>,
        zone: chrono_tz::Tz,
    },
    /// `@every DURATION`: a constant delay, in whole seconds.
    Every(chrono::Duration),
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// The fields of a five-field schedule: name, range.
const FIELDS: [(&str, u32, u32); 5] = [
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 6),
];

/// Checks one field as Kubernetes' parser reads it: `*` or `?`, numbers or
/// names in range, ranges `a-b`, steps `/n`, lists `,`.
fn check_field(i: usize, field: &str) -> Result<(), String> {
    let (what, lo, hi) = FIELDS[i];
    let names: &[&str] = match i {
        3 => &MONTHS,
        4 => &DAYS,
        _ => &[],
    };
    let value = |s: &str| -> Result<u32, String> {
        let up = s.to_ascii_uppercase();
        if let Some(p) = names.iter().position(|n| *n == up) {
            return Ok(p as u32 + if i == 3 { 1 } else { 0 });
        }
        let v: u32 = s.parse().map_err(|_| {
            if s.contains(['L', 'W', '#', '+']) {
                format!("{what} {s:?}: L, W, # and + are not part of Kubernetes' cron syntax")
            } else {
                format!("{what}: {s:?} is not a number")
            }
        })?;
        if v < lo || v > hi {
            return Err(format!("{what}: {v} is outside {lo}-{hi}"));
        }
        Ok(v)
    };
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        if let Some(s) = step {
            match s.parse::<u32>() {
                Ok(n) if n > 0 => {}
                _ => return Err(format!("{what}: step {s:?} must be a positive number")),
            }
        }
        if range == "*" || range == "?" {
            continue;
        }
        match range.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (value(a)?, value(b)?);
                if a > b {
                    return Err(format!("{what}: range {range:?} goes backwards"));
                }
            }
            None => {
                value(range)?;
            }
        }
    }
    Ok(())
}

/// Parses a Go duration of hours, minutes and seconds (`1h30m`, `90s`).
fn parse_every(s: &str) -> Result<chrono::Duration, String> {
    let bad = || format!("@every {s:?}: not a duration such as 90s, 5m or 1h30m");
    let mut total = 0i64;
    let mut num = String::new();
    let mut any = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total += n * match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        any = true;
    }
    if !num.is_empty() || !any {
        return Err(bad());
    }
    if total < 1 {
        return Err(format!("@every {s:?}: must be at least one second"));
    }
    Ok(chrono::Duration::seconds(total))
}

impl Schedule {
    /// Parses a schedule in a time zone (UTC when `None`). Errors say what
    /// is wrong, in one line.
    pub fn parse(schedule: &str, time_zone: Option<&str>) -> Result<Schedule, String> {
        let s = schedule.trim();
        if s.contains("TZ") {
            return Err("cannot use TZ or CRON_TZ in schedule, use timeZone field instead".into());
        }
        let zone = match time_zone {
            None => chrono_tz::UTC,
            Some(z) => parse_time_zone(z)?,
        };
        if let Some(d) = s.strip_prefix("@every ") {
            return parse_every(d.trim()).map(Schedule::Every);
        }
        let fields = match s.to_ascii_lowercase().as_str() {
            "@yearly" | "@annually" => "0 0 1 1 *".to_string(),
            "@monthly" => "0 0 1 * *".into(),
            "@weekly" => "0 0 * * 0".into(),
            "@daily" | "@midnight" => "0 0 * * *".into(),
            "@hourly" => "0 * * * *".into(),
            m if m.starts_with('@') => {
                return Err(format!(
                    "unrecognized descriptor: {s} (use @yearly, @monthly, @weekly, @daily, @hourly or @every DURATION)"
                ));
            }
            _ => s.to_string(),
        };
        let parts: Vec<&str> = fields.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(format!(
                "expected exactly 5 fields (minute hour day-of-month month day-of-week), found {}: {s:?}",
                parts.len()
            ));
        }
        for (i, f) in parts.iter().enumerate() {
            check_field(i, f)?;
        }
        let cron = croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Disallowed)
            .year(croner::parser::Year::Disallowed)
            .build()
            .parse(&fields)
            .map_err(|e| format!("{s:?}: {e}"))?;
        Ok(Schedule::Cron {
            cron: Box::new(cron),
            zone,
        })
    }

    /// The first time strictly after `t` the schedule names; `None` when
    /// it names none (a 30th of February).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Every(d) => {
                // As Kubernetes: from the whole second.
                let base = Utc.timestamp_opt(t.timestamp(), 0).single()?;
                Some(base + *d)
            }
            Schedule::Cron { cron, zone } => cron
                .find_next_occurrence(&t.with_timezone(zone), false)
                .ok()
                .map(|n| n.with_timezone(&Utc)),
        }
    }

    /// The time zone the schedule is read in.
    pub fn zone(&self) -> chrono_tz::Tz {
        match self {
            Schedule::Cron { zone, .. } => *zone,
            Schedule::Every(_) => chrono_tz::UTC,
        }
    }
}

/// An IANA time zone, as Kubernetes accepts `timeZone` (not `Local`).
pub fn parse_time_zone(z: &str) -> Result<chrono_tz::Tz, String> {
    if z.eq_ignore_ascii_case("local") {
        return Err(
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
                .into(),
        );
    }
    chrono_tz::Tz::from_str(z).map_err(|_| format!("unknown time zone {z:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn next(schedule: &str, tz: Option<&str>, from: &str) -> String {
        let s = Schedule::parse(schedule, tz).unwrap();
        s.next_after(at(from))
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    #[test]
    fn five_fields_and_macros_name_the_next_time() {
        assert_eq!(
            next("*/5 * * * *", None, "2026-03-01T10:02:30Z"),
            "2026-03-01T10:05:00Z"
        );
        assert_eq!(
            next("*/1 * * * *", None, "2026-03-01T10:05:00Z"),
            "2026-03-01T10:06:00Z",
            "strictly after"
        );
        assert_eq!(
            next("@hourly", None, "2026-03-01T10:02:00Z"),
            "2026-03-01T11:00:00Z"
        );
        assert_eq!(
            next("@daily", None, "2026-03-01T10:02:00Z"),
            "2026-03-02T00:00:00Z"
        );
        assert_eq!(
            next("@midnight", None, "2026-03-01T10:02:00Z"),
            "2026-03-02T00:00:00Z"
        );
        assert_eq!(
            next("@weekly", None, "2026-03-04T10:02:00Z"),
            "2026-03-08T00:00:00Z",
            "Sunday"
        );
        assert_eq!(
            next("@monthly", None, "2026-03-04T10:02:00Z"),
            "2026-04-01T00:00:00Z"
        );
        assert_eq!(
            next("@yearly", None, "2026-03-04T10:02:00Z"),
            "2027-01-01T00:00:00Z"
        );
        assert_eq!(
            next("0 9 * * MON-FRI", None, "2026-03-06T09:00:00Z"),
            "2026-03-09T09:00:00Z",
            "Friday to Monday"
        );
        assert_eq!(
            next("30 4 1 jan,jul *", None, "2026-03-06T09:00:00Z"),
            "2026-07-01T04:30:00Z"
        );
        assert_eq!(
            next("@every 90s", None, "2026-03-06T09:00:00.700Z"),
            "2026-03-06T09:01:30Z"
        );
    }

    #[test]
    fn day_of_month_or_day_of_week_as_vixie_cron() {
        // Both restricted: either matches (the 13th, or a Friday).
        assert_eq!(
            next("0 0 13 * 5", None, "2026-03-01T00:00:00Z"),
            "2026-03-06T00:00:00Z",
            "the first Friday comes before the 13th"
        );
    }

    #[test]
    fn a_time_zone_moves_with_daylight_saving() {
        // 09:00 in Berlin: 08:00Z in winter, 07:00Z after the change on
        // the last Sunday of March.
        assert_eq!(
            next("0 9 * * *", Some("Europe/Berlin"), "2026-03-27T12:00:00Z"),
            "2026-03-28T08:00:00Z"
        );
        assert_eq!(
            next("0 9 * * *", Some("Europe/Berlin"), "2026-03-28T12:00:00Z"),
            "2026-03-29T07:00:00Z"
        );
        // New York, autumn: 09:00 EDT is 13:00Z, 09:00 EST is 14:00Z.
        assert_eq!(
            next(
                "0 9 * * *",
                Some("America/New_York"),
                "2026-10-31T14:00:00Z"
            ),
            "2026-11-01T14:00:00Z"
        );
        // Every hour of the night the clock goes back runs once per real hour.
        let s = Schedule::parse("0 * * * *", Some("America/New_York")).unwrap();
        let mut t = at("2026-11-01T04:30:00Z");
        let mut got = vec![];
        for _ in 0..4 {
            t = s.next_after(t).unwrap();
            got.push(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
        assert_eq!(
            got,
            [
                "2026-11-01T05:00:00Z",
                "2026-11-01T06:00:00Z",
                "2026-11-01T07:00:00Z",
                "2026-11-01T08:00:00Z"
            ]
        );
    }

    #[test]
    fn what_kubernetes_refuses_is_refused_with_a_reason() {
        let err = |s: &str| Schedule::parse(s, None).unwrap_err();
        assert!(
            err("* * * *").contains("exactly 5 fields"),
            "{}",
            err("* * * *")
        );
        assert!(err("0 * * * * *").contains("exactly 5 fields"));
        assert!(err("61 * * * *").contains("minute: 61 is outside 0-59"));
        assert!(err("0 0 L * *").contains("not part of Kubernetes' cron syntax"));
        assert!(err("0 0 * * 5#2").contains("not part of Kubernetes' cron syntax"));
        assert!(err("0 0 * * 7").contains("day of week: 7 is outside 0-6"));
        assert!(err("*/0 * * * *").contains("step"));
        assert!(err("5-1 * * * *").contains("backwards"));
        assert!(err("@fortnightly").contains("unrecognized descriptor"));
        assert!(err("@every 0s").contains("at least one second"));
        assert!(err("@every soon").contains("not a duration"));
        assert!(err("TZ=UTC 0 * * * *").contains("use timeZone field"));
        assert!(
            Schedule::parse("0 * * * *", Some("Mars/Olympus"))
                .unwrap_err()
                .contains("unknown time zone")
        );
        assert!(
            Schedule::parse("0 * * * *", Some("Local"))
                .unwrap_err()
                .contains("explicit time zone")
        );
        assert!(Schedule::parse("0 0 ? * *", None).is_ok());
    }

    #[test]
    fn a_schedule_that_names_no_time_has_no_next() {
        let s = Schedule::parse("0 0 30 2 *", None).unwrap();
        assert_eq!(s.next_after(at("2026-01-01T00:00:00Z")), None);
    }

    #[test]
    fn job_names_count_minutes_since_the_epoch() {
        let t = Time(at("2026-03-01T10:05:00Z"));
        assert_eq!(
            job_name("hello", t),
            format!("hello-{}", t.0.timestamp() / 60)
        );
        assert_eq!(
            job_name("hello", Time(at("1970-01-01T01:00:00Z"))),
            "hello-60"
        );
    }

    #[test]
    fn a_scheduled_job_carries_its_time_in_the_cronjobs_zone() {
        let mut cj: CronJob = new_object("default", "hello");
        cj.metadata.uid = "u1".into();
        cj.spec.time_zone = Some("Europe/Berlin".into());
        cj.spec
            .job_template
            .metadata
            .labels
            .insert("app".into(), "hello".into());
        let at = Time(at("2026-03-01T10:05:00Z"));
        let j = job_from_template(&cj, Some(at), &job_name("hello", at));
        assert_eq!(
            j.metadata.annotations[SCHEDULED_TIMESTAMP],
            "2026-03-01T11:05:00+01:00"
        );
        assert_eq!(j.metadata.labels["app"], "hello");
        let owner = &j.metadata.owner_references[0];
        assert_eq!((owner.kind.as_str(), owner.uid.as_str()), ("CronJob", "u1"));
        assert_eq!(owner.controller, Some(true));
        let m = job_from_template(&cj, None, "by-hand");
        assert_eq!(m.metadata.annotations[INSTANTIATE], "manual");
        assert_eq!(m.metadata.name, "by-hand");
    }

    #[test]
    fn defaults_follow_kubernetes() {
        let mut c = CronJob::default();
        c.default_fields();
        assert_eq!(c.spec.concurrency_policy, Some(ConcurrencyPolicy::Allow));
        assert_eq!(c.spec.suspend, Some(false));
        assert_eq!(c.spec.successful_jobs_history_limit, Some(3));
        assert_eq!(c.spec.failed_jobs_history_limit, Some(1));
    }
}
