//! The HorizontalPodAutoscaler controller: every sync period it reads, for
//! each HPA, the pods its target (Deployment or ReplicaSet) selects and their
//! usage from [`crate::control::usage`], asks
//! [`crate::api::autoscaling::recommend`] for each metric, takes the highest,
//! stabilizes it (scale-down waits for its window), clamps it to
//! [min, max], scales the target and records a `SuccessfulRescale` event,
//! and writes the HPA's status (current/desired replicas, current metrics,
//! AbleToScale / ScalingActive / ScalingLimited).
//!
//! Decisions are the pure functions of `api::autoscaling`; this file is the
//! loop around them. It must not import `http`.

use crate::api::autoscaling::{
    HorizontalPodAutoscaler, MetricStatus, MetricValueStatus, PodSample, ResourceMetricStatus,
    Target, recommend, stabilize,
};
use crate::api::{
    Condition, Deployment, Object, Pod, Quantity, ReplicaSet, Selector, Time, set_condition,
};
use crate::control::events::{self, EventType};
use crate::control::store::{Store, Subresource};
use crate::control::usage::UsageStore;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often every HPA is evaluated (Kubernetes: 15 s).
pub const DEFAULT_SYNC_PERIOD: Duration = Duration::from_secs(15);

/// What the controller remembers between syncs: recent recommendations per HPA.
#[derive(Default)]
struct Memory {
    recommendations: HashMap<String, Vec<(Instant, i32)>>,
}

pub fn start(
    store: Store,
    usage: UsageStore,
    period: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut mem = Memory::default();
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => return,
            }
            let hpas = store.list::<HorizontalPodAutoscaler>(None);
            let live: Vec<String> = hpas.iter().map(|h| h.metadata.uid.clone()).collect();
            mem.recommendations.retain(|k, _| live.contains(k));
            for h in hpas {
                if h.metadata.is_terminating() {
                    continue;
                }
                if let Err(e) = sync(&store, &usage, &mut mem, &h).await {
                    tracing::debug!(hpa = %h.metadata.name, error = %e, "autoscaler sync failed");
                }
            }
        }
    });
}

/// The target's replicas and pod selector.
fn target(store: &Store, h: &HorizontalPodAutoscaler) -> Result<(i32, Selector), String> {
    let ns = &h.metadata.namespace;
    let t = &h.spec.scale_target_ref;
    let (replicas, selector) = match t.kind.as_str() {
        "Deployment" => {
            let d = store
                .get::<Deployment>(ns, &t.name)
                .ok_or_else(|| format!("the target Deployment {:?} does not exist", t.name))?;
            (d.replicas(), d.spec.selector.clone())
        }
        "ReplicaSet" => {
            let r = store
                .get::<ReplicaSet>(ns, &t.name)
                .ok_or_else(|| format!("the target ReplicaSet {:?} does not exist", t.name))?;
            (r.replicas(), r.spec.selector.clone())
        }
        k => return Err(format!("{k:?} cannot be scaled")),
    };
    let sel = selector
        .to_selector()
        .map_err(|e| format!("the target's selector: {e}"))?;
    Ok((replicas, sel))
}

/// Sum of a resource's requests over a pod's containers; `None` when one lacks it.
fn pod_request(p: &Pod, resource: &str) -> Option<u64> {
    let mut sum = 0u64;
    for c in &p.spec.containers {
        let q = c.resources.request(resource)?;
        sum += if resource == "cpu" {
            u64::try_from(q.milli()).ok()?
        } else {
            u64::try_from(q.value()).ok()?
        };
    }
    Some(sum)
}

fn cond(type_: &str, ok: bool, reason: &str, message: impl Into<String>) -> Condition {
    Condition::new(type_, ok, reason, &message.into())
}

async fn sync(
    store: &Store,
    usage: &UsageStore,
    mem: &mut Memory,
    h: &HorizontalPodAutoscaler,
) -> Result<(), crate::control::store::StoreError> {
    let mut status = h.status.clone();
    status.observed_generation = Some(h.metadata.generation);
    let (current, selector) = match target(store, h) {
        Ok(t) => t,
        Err(msg) => {
            set_condition(
                &mut status.conditions,
                cond("AbleToScale", false, "FailedGetScale", msg),
            );
            return write_status(store, h, status).await;
        }
    };
    status.current_replicas = current;
    set_condition(
        &mut status.conditions,
        cond(
            "AbleToScale",
            true,
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
        ),
    );
    if current == 0 {
        set_condition(
            &mut status.conditions,
            cond(
                "ScalingActive",
                false,
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero",
            ),
        );
        status.desired_replicas = 0;
        return write_status(store, h, status).await;
    }
    let pods: Vec<std::sync::Arc<Pod>> = store
        .list::<Pod>(Some(&h.metadata.namespace))
        .into_iter()
        .filter(|p| {
            selector.matches(&p.metadata.labels) && !p.metadata.is_terminating() && p.is_active()
        })
        .collect();
    let measured = usage.pods();
    let mut best: Option<(i32, String)> = None;
    let mut metric_status = vec![];
    let mut failure: Option<String> = None;
    for m in h.spec.effective_metrics() {
        let Some(r) = &m.resource else {
            failure = Some(format!("{} metrics are not supported", m.type_));
            continue;
        };
        let samples: Vec<PodSample> = pods
            .iter()
            .map(|p| {
                let u = measured.get(&p.metadata.uid).map(|(u, _)| u.total());
                PodSample {
                    usage: u.map(|u| {
                        if r.name == "cpu" {
                            u.cpu_milli
                        } else {
                            u.memory_bytes
                        }
                    }),
                    request: pod_request(p, &r.name),
                    ready: p.is_ready(),
                }
            })
            .collect();
        let target = match (
            r.target.type_.as_str(),
            r.target.average_utilization,
            &r.target.average_value,
        ) {
            ("Utilization", Some(u), _) => Target::Utilization(u.max(0) as u64),
            (_, _, Some(v)) => Target::AverageValue(if r.name == "cpu" {
                u64::try_from(v.milli()).unwrap_or(0)
            } else {
                u64::try_from(v.value()).unwrap_or(0)
            }),
            _ => {
                failure = Some(format!("metric {} has no usable target", r.name));
                continue;
            }
        };
        match recommend(current, &samples, target) {
            Ok(rec) => {
                let (util, avg) = match target {
                    Target::Utilization(_) => (Some(rec.current as i32), None),
                    Target::AverageValue(_) => (
                        None,
                        Some(if r.name == "cpu" {
                            Quantity::from_milli(i128::from(rec.current))
                        } else {
                            Quantity::from_bytes(i128::from(rec.current))
                        }),
                    ),
                };
                metric_status.push(MetricStatus {
                    type_: "Resource".into(),
                    resource: Some(ResourceMetricStatus {
                        name: r.name.clone(),
                        current: MetricValueStatus {
                            average_utilization: util,
                            average_value: avg,
                        },
                    }),
                });
                let why = match target {
                    Target::Utilization(t) => format!(
                        "{} resource utilization (percentage of request) {} target",
                        r.name,
                        if rec.current > t { "above" } else { "below" }
                    ),
                    Target::AverageValue(_) => format!(
                        "{} resource {} target",
                        r.name,
                        if rec.replicas > current {
                            "above"
                        } else {
                            "below"
                        }
                    ),
                };
                if best.as_ref().is_none_or(|(b, _)| rec.replicas > *b) {
                    best = Some((rec.replicas, why));
                }
            }
            Err(e) => failure = Some(format!("failed to get {} utilization: {e}", r.name)),
        }
    }
    status.current_metrics = metric_status;
    let Some((recommended, why)) = best else {
        set_condition(
            &mut status.conditions,
            cond(
                "ScalingActive",
                false,
                "FailedGetResourceMetric",
                failure.unwrap_or_else(|| "no metrics".into()),
            ),
        );
        status.desired_replicas = current;
        return write_status(store, h, status).await;
    };
    set_condition(
        &mut status.conditions,
        cond(
            "ScalingActive",
            true,
            "ValidMetricFound",
            "the HPA was able to successfully calculate a replica count from resource metrics",
        ),
    );
    let now = Instant::now();
    // A new HPA (or a restarted controller) starts from the current size, as
    // Kubernetes does: no scale-down before a whole window has passed.
    let history = mem
        .recommendations
        .entry(h.metadata.uid.clone())
        .or_insert_with(|| vec![(now, current)]);
    let keep = Duration::from_secs(
        h.spec
            .scale_down_window_seconds()
            .max(h.spec.scale_up_window_seconds()) as u64,
    );
    history.retain(|(at, _)| now.duration_since(*at) <= keep);
    let past: Vec<(i64, i32)> = history
        .iter()
        .map(|(at, r)| (now.duration_since(*at).as_secs() as i64, *r))
        .collect();
    history.push((now, recommended));
    let (min, max) = (h.spec.min(), h.spec.max_replicas);
    let desired = stabilize(
        current,
        recommended,
        &past,
        h.spec.scale_down_window_seconds(),
        h.spec.scale_up_window_seconds(),
        min,
        max,
    );
    let limited = if recommended > max {
        cond(
            "ScalingLimited",
            true,
            "TooManyReplicas",
            "the desired replica count is more than the maximum replica count",
        )
    } else if recommended < min {
        cond(
            "ScalingLimited",
            true,
            "TooFewReplicas",
            "the desired replica count is less than the minimum replica count",
        )
    } else {
        cond(
            "ScalingLimited",
            false,
            "DesiredWithinRange",
            "the desired count is within the acceptable range",
        )
    };
    set_condition(&mut status.conditions, limited);
    status.desired_replicas = desired;
    if desired == current {
        if recommended < current {
            set_condition(
                &mut status.conditions,
                cond(
                    "AbleToScale",
                    true,
                    "ScaleDownStabilized",
                    "recent recommendations were higher than current one, applying the highest recent recommendation",
                ),
            );
        } else {
            set_condition(
                &mut status.conditions,
                cond(
                    "AbleToScale",
                    true,
                    "ReadyForNewScale",
                    "recommended size matches current size",
                ),
            );
        }
        return write_status(store, h, status).await;
    }
    // Rescale the target, record it, and write the status, in one transaction.
    let (ns, t) = (
        h.metadata.namespace.clone(),
        h.spec.scale_target_ref.clone(),
    );
    let reference = events::reference(&h.clone().into_any());
    let message = format!("New size: {desired}; reason: {why}");
    set_condition(
        &mut status.conditions,
        cond(
            "AbleToScale",
            true,
            "SucceededRescale",
            format!("the HPA controller was able to update the target scale to {desired}"),
        ),
    );
    status.last_scale_time = Some(Time::now());
    status.current_replicas = current;
    let name = h.metadata.name.clone();
    let status_w = status.clone();
    tracing::info!(hpa = %name, from = current, to = desired, %why, "rescaling");
    store
        .txn(move |tx| {
            match t.kind.as_str() {
                "Deployment" => {
                    tx.mutate::<Deployment, _>(&ns, &t.name, Subresource::Main, move |d| {
                        d.spec.replicas = Some(desired);
                        Ok(true)
                    })?;
                }
                _ => {
                    tx.mutate::<ReplicaSet, _>(&ns, &t.name, Subresource::Main, move |r| {
                        r.spec.replicas = Some(desired);
                        Ok(true)
                    })?;
                }
            }
            tx.mutate::<HorizontalPodAutoscaler, _>(&ns, &name, Subresource::Status, move |h| {
                h.status = status_w;
                Ok(true)
            })?;
            events::record(
                tx,
                &reference,
                EventType::Normal,
                "SuccessfulRescale",
                &message,
                "horizontal-pod-autoscaler",
            )
        })
        .await
}

async fn write_status(
    store: &Store,
    h: &HorizontalPodAutoscaler,
    status: crate::api::autoscaling::HpaStatus,
) -> Result<(), crate::control::store::StoreError> {
    if h.status == status {
        return Ok(());
    }
    store
        .mutate::<HorizontalPodAutoscaler, _>(
            &h.metadata.namespace,
            &h.metadata.name,
            Subresource::Status,
            move |x| {
                let changed = x.status != status;
                x.status = status;
                Ok(changed)
            },
        )
        .await
        .map(|_| ())
}
