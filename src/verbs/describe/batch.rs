//! Jobs in prose, as `kubectl describe job` lays them out: counts, mode,
//! limits, times, pod statuses, the pod template and conditions; CronJobs
//! and PodDisruptionBudgets as kubectl describes them.

use super::workloads::{selector, template};
use super::{Doc, conditions, meta, time};
use crate::api::IntOrString;
use crate::api::batch::Job;
use crate::api::columns::human_duration;
use crate::api::cronjob::CronJob;
use crate::api::pdb::PodDisruptionBudget;

pub(super) fn job(d: &mut Doc, j: &Job) {
    meta(d, &j.metadata, true);
    if let Some(s) = &j.spec.selector {
        selector(d, s);
    }
    d.kv(0, "Parallelism", j.parallelism().to_string());
    d.kv(
        0,
        "Completions",
        j.spec
            .completions
            .map_or("<unset>".to_string(), |c| c.to_string()),
    );
    d.kv(0, "Completion Mode", format!("{:?}", j.completion_mode()));
    d.kv(0, "Suspend", j.suspended().to_string());
    d.kv(0, "Backoff Limit", j.backoff_limit().to_string());
    if let Some(b) = j.spec.backoff_limit_per_index {
        d.kv(0, "Backoff Limit Per Index", b.to_string());
    }
    if let Some(m) = j.spec.max_failed_indexes {
        d.kv(0, "Max Failed Indexes", m.to_string());
    }
    if let Some(t) = j.spec.ttl_seconds_after_finished {
        d.kv(0, "TTL Seconds After Finished", t.to_string());
    }
    if let Some(s) = j.status.start_time {
        d.kv(0, "Start Time", time(Some(s)));
    }
    if let Some(c) = j.status.completion_time {
        d.kv(0, "Completed At", time(Some(c)));
        if let Some(s) = j.status.start_time {
            d.kv(0, "Duration", human_duration(s.seconds_until(&c)));
        }
    }
    if let Some(a) = j.spec.active_deadline_seconds {
        d.kv(0, "Active Deadline Seconds", format!("{a}s"));
    }
    d.kv(
        0,
        "Pods Statuses",
        format!(
            "{} Active ({} Ready) / {} Succeeded / {} Failed",
            j.status.active,
            j.status.ready.unwrap_or(0),
            j.status.succeeded,
            j.status.failed
        ),
    );
    if j.indexed() {
        d.kv(
            0,
            "Completed Indexes",
            j.status.completed_indexes.as_deref().unwrap_or("<none>"),
        );
        if j.spec.backoff_limit_per_index.is_some() {
            d.kv(
                0,
                "Failed Indexes",
                j.status.failed_indexes.as_deref().unwrap_or("<none>"),
            );
        }
    }
    template(d, &j.spec.template);
    conditions(d, &j.status.conditions);
}

/// A CronJob as `kubectl describe cronjob` lays it out.
pub(super) fn cronjob(d: &mut Doc, c: &CronJob) {
    meta(d, &c.metadata, true);
    let s = &c.spec;
    let unset = |v: Option<String>| v.unwrap_or_else(|| "<unset>".into());
    d.kv(0, "Schedule", &s.schedule);
    if let Some(z) = &s.time_zone {
        d.kv(0, "Time Zone", z);
    }
    d.kv(
        0,
        "Concurrency Policy",
        format!("{:?}", c.concurrency_policy()),
    );
    d.kv(0, "Suspend", if c.suspended() { "True" } else { "False" });
    d.kv(
        0,
        "Successful Job History Limit",
        unset(s.successful_jobs_history_limit.map(|n| n.to_string())),
    );
    d.kv(
        0,
        "Failed Job History Limit",
        unset(s.failed_jobs_history_limit.map(|n| n.to_string())),
    );
    d.kv(
        0,
        "Starting Deadline Seconds",
        unset(s.starting_deadline_seconds.map(|n| format!("{n}s"))),
    );
    let js = &s.job_template.spec;
    match &js.selector {
        Some(sel) => selector(d, sel),
        None => d.kv(0, "Selector", "<unset>"),
    }
    d.kv(
        0,
        "Parallelism",
        unset(js.parallelism.map(|n| n.to_string())),
    );
    d.kv(
        0,
        "Completions",
        unset(js.completions.map(|n| n.to_string())),
    );
    if let Some(a) = js.active_deadline_seconds {
        d.kv(0, "Active Deadline Seconds", format!("{a}s"));
    }
    template(d, &js.template);
    d.kv(0, "Last Schedule Time", time(c.status.last_schedule_time));
    if let Some(t) = c.status.last_successful_time {
        d.kv(0, "Last Successful Time", time(Some(t)));
    }
    let active: Vec<&str> = c.status.active.iter().map(|r| r.name.as_str()).collect();
    d.kv(
        0,
        "Active Jobs",
        if active.is_empty() {
            "<none>".to_string()
        } else {
            active.join(", ")
        },
    );
}

/// A PodDisruptionBudget as `kubectl describe pdb` lays it out.
pub(super) fn pdb(d: &mut Doc, p: &PodDisruptionBudget) {
    meta(d, &p.metadata, true);
    let show = |v: &IntOrString| match v {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(s) => s.clone(),
    };
    if let Some(m) = &p.spec.min_available {
        d.kv(0, "Min available", show(m));
    }
    if let Some(m) = &p.spec.max_unavailable {
        d.kv(0, "Max unavailable", show(m));
    }
    match &p.spec.selector {
        Some(s) => selector(d, s),
        None => d.kv(0, "Selector", "<unset>"),
    }
    if let Some(u) = p.spec.unhealthy_pod_eviction_policy {
        d.kv(0, "Unhealthy Pod Eviction Policy", format!("{u:?}"));
    }
    let st = &p.status;
    d.line(0, "Status:");
    d.kv(4, "Allowed disruptions", st.disruptions_allowed.to_string());
    d.kv(4, "Current", st.current_healthy.to_string());
    d.kv(4, "Desired", st.desired_healthy.to_string());
    d.kv(4, "Total", st.expected_pods.to_string());
    conditions(d, &st.conditions);
}
