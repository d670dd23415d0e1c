//! Jobs: counts that make sense, a template that does not restart always,
//! failure and success policies that fit the completion mode, and the
//! fields an update may not change. CronJobs: a schedule and time zone
//! Kubernetes reads, and a job template that makes a valid Job.

use super::super::batch::{
    ExitCodeOperator, Job, PodFailurePolicyAction, PodFailurePolicyRule, parse_indexes,
};
use super::super::cronjob::{CronJob, Schedule, parse_time_zone};
use super::super::pod::RestartPolicy;
use super::pod::validate_pod_spec;
use super::{FieldError, object, validate_labels};

/// The only `managedBy` ork serves: its own Job controller.
pub const JOB_CONTROLLER: &str = "kubernetes.io/job-controller";

fn not_negative(path: &str, v: Option<i64>, errs: &mut Vec<FieldError>) {
    if let Some(v) = v
        && v < 0
    {
        errs.push(FieldError::new(
            path,
            format!("{v}: must be greater than or equal to 0"),
        ));
    }
}

pub fn validate_job(j: &Job) -> Vec<FieldError> {
    object(j, job_spec)
}

/// A CronJob's name leaves room for the 11 characters its Jobs add.
pub const MAX_CRONJOB_NAME: usize = 52;

/// A CronJob: a schedule Kubernetes' parser reads, a known time zone,
/// limits that are not negative, and a job template that makes a valid
/// Job (its problems named under `spec.jobTemplate.spec`).
pub fn validate_cronjob(c: &CronJob) -> Vec<FieldError> {
    object(c, cronjob_spec)
}

fn cronjob_spec(c: &CronJob, errs: &mut Vec<FieldError>) {
    let s = &c.spec;
    if c.metadata.name.len() > MAX_CRONJOB_NAME {
        errs.push(FieldError::new(
            "metadata.name",
            format!("must be no more than {MAX_CRONJOB_NAME} characters"),
        ));
    }
    if s.schedule.trim().is_empty() {
        errs.push(FieldError::new("spec.schedule", "required"));
    } else if let Some(tz) = &s.time_zone
        && let Err(e) = parse_time_zone(tz)
    {
        errs.push(FieldError::new("spec.timeZone", e));
    } else if let Err(e) = Schedule::parse(&s.schedule, s.time_zone.as_deref()) {
        errs.push(FieldError::new(
            "spec.schedule",
            format!("{:?}: {e}", s.schedule),
        ));
    }
    not_negative(
        "spec.startingDeadlineSeconds",
        s.starting_deadline_seconds,
        errs,
    );
    not_negative(
        "spec.successfulJobsHistoryLimit",
        s.successful_jobs_history_limit.map(i64::from),
        errs,
    );
    not_negative(
        "spec.failedJobsHistoryLimit",
        s.failed_jobs_history_limit.map(i64::from),
        errs,
    );
    let t = &s.job_template;
    validate_labels("spec.jobTemplate.metadata.labels", &t.metadata.labels, errs);
    let mut job = Job {
        spec: t.spec.clone(),
        ..Default::default()
    };
    job.metadata.name = "cronjob-template".into();
    let mut inner = vec![];
    job_spec(&job, &mut inner);
    errs.extend(inner.into_iter().map(|e| {
        let rest = e.path.strip_prefix("spec").unwrap_or(&e.path);
        FieldError::new(format!("spec.jobTemplate.spec{rest}"), e.message)
    }));
}

fn job_spec(j: &Job, errs: &mut Vec<FieldError>) {
    let s = &j.spec;
    not_negative("spec.parallelism", s.parallelism.map(i64::from), errs);
    not_negative("spec.completions", s.completions.map(i64::from), errs);
    not_negative("spec.backoffLimit", s.backoff_limit.map(i64::from), errs);
    not_negative(
        "spec.backoffLimitPerIndex",
        s.backoff_limit_per_index.map(i64::from),
        errs,
    );
    not_negative(
        "spec.maxFailedIndexes",
        s.max_failed_indexes.map(i64::from),
        errs,
    );
    not_negative(
        "spec.ttlSecondsAfterFinished",
        s.ttl_seconds_after_finished.map(i64::from),
        errs,
    );
    if let Some(d) = s.active_deadline_seconds
        && d <= 0
    {
        errs.push(FieldError::new(
            "spec.activeDeadlineSeconds",
            format!("{d}: must be greater than 0"),
        ));
    }
    if let Some(m) = &s.managed_by
        && m != JOB_CONTROLLER
    {
        errs.push(FieldError::new(
            "spec.managedBy",
            format!("{m:?}: not supported by ork: only {JOB_CONTROLLER:?} manages Jobs here"),
        ));
    }
    if j.indexed() && s.completions.is_none() {
        errs.push(FieldError::new(
            "spec.completions",
            "required when completionMode is Indexed",
        ));
    }
    if !j.indexed() {
        if s.backoff_limit_per_index.is_some() {
            errs.push(FieldError::new(
                "spec.backoffLimitPerIndex",
                "requires completionMode Indexed",
            ));
        }
        if s.success_policy.is_some() {
            errs.push(FieldError::new(
                "spec.successPolicy",
                "requires completionMode Indexed",
            ));
        }
    }
    if s.max_failed_indexes.is_some() && s.backoff_limit_per_index.is_none() {
        errs.push(FieldError::new(
            "spec.maxFailedIndexes",
            "requires backoffLimitPerIndex",
        ));
    }
    if let (Some(m), Some(c)) = (s.max_failed_indexes, s.completions)
        && m > c
    {
        errs.push(FieldError::new(
            "spec.maxFailedIndexes",
            format!("{m}: must be less than or equal to completions ({c})"),
        ));
    }
    // The selector and its labels: generated from the uid unless manual.
    match &s.selector {
        None if s.manual_selector == Some(true) => errs.push(FieldError::new(
            "spec.selector",
            "required when manualSelector is true",
        )),
        None => {}
        Some(sel) => {
            validate_labels("spec.selector.matchLabels", &sel.match_labels, errs);
            match sel.to_selector() {
                Err(e) => errs.push(FieldError::new("spec.selector", e.to_string())),
                Ok(m) => {
                    if sel.is_empty() {
                        errs.push(FieldError::new("spec.selector", "must not be empty"));
                    } else if !m.matches(&s.template.metadata.labels) {
                        errs.push(FieldError::new(
                            "spec.template.metadata.labels",
                            format!("`selector` does not match template `labels` (selector: {m})"),
                        ));
                    }
                }
            }
        }
    }
    validate_labels(
        "spec.template.metadata.labels",
        &s.template.metadata.labels,
        errs,
    );
    validate_pod_spec("spec.template.spec", &s.template.spec, errs);
    if s.template.spec.restart_policy == RestartPolicy::Always {
        errs.push(FieldError::new(
            "spec.template.spec.restartPolicy",
            "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
        ));
    }
    if let Some(p) = &s.pod_failure_policy {
        if s.template.spec.restart_policy != RestartPolicy::Never {
            errs.push(FieldError::new(
                "spec.template.spec.restartPolicy",
                "only \"Never\" is supported when podFailurePolicy is specified",
            ));
        }
        for (i, r) in p.rules.iter().enumerate() {
            failure_rule(j, &format!("spec.podFailurePolicy.rules[{i}]"), r, errs);
        }
    }
    if let Some(p) = &s.success_policy {
        if p.rules.is_empty() {
            errs.push(FieldError::new(
                "spec.successPolicy.rules",
                "at least one rule is required",
            ));
        }
        for (i, r) in p.rules.iter().enumerate() {
            let path = format!("spec.successPolicy.rules[{i}]");
            if r.succeeded_indexes.is_none() && r.succeeded_count.is_none() {
                errs.push(FieldError::new(
                    &path,
                    "must specify at least one of succeededIndexes or succeededCount",
                ));
            }
            let mut size = s.completions.unwrap_or(0);
            if let Some(ix) = &r.succeeded_indexes {
                match parse_indexes(ix, s.completions) {
                    Ok(set) => size = set.len() as i32,
                    Err(e) => errs.push(FieldError::new(format!("{path}.succeededIndexes"), e)),
                }
            }
            if let Some(c) = r.succeeded_count
                && (c < 0 || c > size)
            {
                errs.push(FieldError::new(
                    format!("{path}.succeededCount"),
                    format!("{c}: must be between 0 and the number of indexes it counts ({size})"),
                ));
            }
        }
    }
}

fn failure_rule(j: &Job, path: &str, r: &PodFailurePolicyRule, errs: &mut Vec<FieldError>) {
    if r.on_exit_codes.is_some() != r.on_pod_conditions.is_empty() {
        errs.push(FieldError::new(
            path,
            "specify exactly one of onExitCodes and onPodConditions",
        ));
    }
    if r.action == PodFailurePolicyAction::FailIndex && j.spec.backoff_limit_per_index.is_none() {
        errs.push(FieldError::new(
            format!("{path}.action"),
            "FailIndex requires backoffLimitPerIndex",
        ));
    }
    if let Some(e) = &r.on_exit_codes {
        let p = format!("{path}.onExitCodes");
        if let Some(c) = &e.container_name
            && !j.spec.template.spec.containers.iter().any(|x| &x.name == c)
        {
            errs.push(FieldError::new(
                format!("{p}.containerName"),
                format!("{c:?}: must be one of the container names in the pod template"),
            ));
        }
        if e.values.is_empty() {
            errs.push(FieldError::new(
                format!("{p}.values"),
                "at least one value is required",
            ));
        }
        if e.values.len() > 255 {
            errs.push(FieldError::new(
                format!("{p}.values"),
                "must have at most 255 items",
            ));
        }
        if e.values.windows(2).any(|w| w[0] >= w[1]) {
            errs.push(FieldError::new(
                format!("{p}.values"),
                "must be ordered and without duplicates",
            ));
        }
        if e.operator == ExitCodeOperator::In && e.values.contains(&0) {
            errs.push(FieldError::new(
                format!("{p}.values"),
                "0: must not be 0 for the In operator",
            ));
        }
    }
    for (i, c) in r.on_pod_conditions.iter().enumerate() {
        if !matches!(c.status.as_str(), "" | "True" | "False" | "Unknown") {
            errs.push(FieldError::new(
                format!("{path}.onPodConditions[{i}].status"),
                format!(
                    "Unsupported value: {:?}: supported values: \"True\", \"False\", \"Unknown\"",
                    c.status
                ),
            ));
        }
    }
}

/// What an update may not change: the selector, the pod template, the
/// completion mode, the failure policy, and completions (except scaling an
/// Indexed Job with completions equal to parallelism, as Kubernetes allows).
pub fn validate_job_update(new: &Job, old: &Job) -> Vec<FieldError> {
    let mut errs = vec![];
    let (n, o) = (&new.spec, &old.spec);
    let immutable = "field is immutable";
    if n.selector != o.selector {
        errs.push(FieldError::new("spec.selector", immutable));
    }
    if n.template != o.template {
        errs.push(FieldError::new("spec.template", immutable));
    }
    if n.completion_mode != o.completion_mode {
        errs.push(FieldError::new("spec.completionMode", immutable));
    }
    if n.pod_failure_policy != o.pod_failure_policy {
        errs.push(FieldError::new("spec.podFailurePolicy", immutable));
    }
    if n.backoff_limit_per_index != o.backoff_limit_per_index {
        errs.push(FieldError::new("spec.backoffLimitPerIndex", immutable));
    }
    let elastic = new.indexed() && n.completions == n.parallelism && o.completions == o.parallelism;
    if n.completions != o.completions && !elastic {
        errs.push(FieldError::new("spec.completions", immutable));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::batch::{CompletionMode, OnExitCodes, PodFailurePolicy};
    use crate::api::testing::container;
    use crate::api::{Object, new_object};

    fn job() -> Job {
        let mut j: Job = new_object("default", "pi");
        j.spec.template.spec.containers = vec![container("main")];
        j.spec.template.spec.restart_policy = RestartPolicy::Never;
        j.normalize();
        j
    }

    fn paths(j: &Job) -> Vec<String> {
        j.validate().into_iter().map(|e| e.path).collect()
    }

    fn cronjob() -> CronJob {
        let mut c: CronJob = new_object("default", "hello");
        c.spec.schedule = "*/1 * * * *".into();
        c.spec.job_template.spec = job().spec;
        c.normalize();
        c
    }

    #[test]
    fn a_cronjob_names_its_bad_schedule_zone_and_template_fields() {
        assert_eq!(cronjob().validate(), vec![]);
        let mut c = cronjob();
        c.spec.schedule = "0 0 L * *".into();
        c.spec.failed_jobs_history_limit = Some(-1);
        c.spec.job_template.spec.template.spec.restart_policy = RestartPolicy::Always;
        let errs = c.validate();
        let got: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            got,
            [
                "spec.schedule",
                "spec.failedJobsHistoryLimit",
                "spec.jobTemplate.spec.template.spec.restartPolicy"
            ]
        );
        assert!(
            errs[0].message.contains("Kubernetes' cron syntax"),
            "{}",
            errs[0].message
        );
        let mut z = cronjob();
        z.spec.time_zone = Some("Nowhere/Land".into());
        assert_eq!(z.validate()[0].path, "spec.timeZone");
        let mut n = cronjob();
        n.metadata.name = "x".repeat(53);
        assert!(n.validate()[0].message.contains("52 characters"));
        let mut e = cronjob();
        e.spec.schedule = String::new();
        assert_eq!(e.validate()[0].message, "required");
    }

    #[test]
    fn a_plain_job_is_valid() {
        assert_eq!(paths(&job()), Vec::<String>::new());
    }

    #[test]
    fn bad_fields_are_named() {
        let mut j = job();
        j.spec.template.spec.restart_policy = RestartPolicy::Always;
        j.spec.parallelism = Some(-1);
        j.spec.completion_mode = Some(CompletionMode::Indexed);
        j.spec.completions = None;
        j.spec.active_deadline_seconds = Some(0);
        assert_eq!(
            paths(&j),
            vec![
                "spec.parallelism",
                "spec.activeDeadlineSeconds",
                "spec.completions",
                "spec.template.spec.restartPolicy"
            ]
        );
    }

    #[test]
    fn failure_policies_are_checked_rule_by_rule() {
        let mut j = job();
        j.spec.pod_failure_policy = Some(PodFailurePolicy {
            rules: vec![
                PodFailurePolicyRule {
                    action: PodFailurePolicyAction::FailJob,
                    on_exit_codes: Some(OnExitCodes {
                        container_name: Some("nope".into()),
                        operator: ExitCodeOperator::In,
                        values: vec![0, 3],
                    }),
                    on_pod_conditions: vec![],
                },
                PodFailurePolicyRule {
                    action: PodFailurePolicyAction::FailIndex,
                    ..Default::default()
                },
            ],
        });
        assert_eq!(
            paths(&j),
            vec![
                "spec.podFailurePolicy.rules[0].onExitCodes.containerName",
                "spec.podFailurePolicy.rules[0].onExitCodes.values",
                "spec.podFailurePolicy.rules[1]",
                "spec.podFailurePolicy.rules[1].action",
            ]
        );
    }

    #[test]
    fn the_template_of_a_job_cannot_change() {
        let old = job();
        let mut new = old.clone();
        new.spec.template.spec.containers[0].image = "other".into();
        new.spec.parallelism = Some(4);
        let errs = validate_job_update(&new, &old);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path, "spec.template");
        assert_eq!(errs[0].message, "field is immutable");
    }
}
