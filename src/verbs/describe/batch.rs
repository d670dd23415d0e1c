//! Jobs in prose, as `kubectl describe job` lays them out: counts, mode,
//! limits, times, pod statuses, the pod template and conditions.

use super::workloads::{selector, template};
use super::{Doc, conditions, meta, time};
use crate::api::batch::Job;
use crate::api::columns::human_duration;

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
