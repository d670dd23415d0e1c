//! The autoscaler's decision, pure: from an HPA, its target's scale and the
//! usage of the target's pods, the status to write and whether to rescale.
//!
//! Per metric, Kubernetes' replica calculation ([`recommend`]): desired =
//! ceil(current × currentValue / target) over the pods that have metrics,
//! no change within a 10 % tolerance, pods without metrics or not ready
//! filled in as Kubernetes does. The highest recommendation of all metrics
//! wins, is stabilized ([`stabilize`]: a scale-down waits for its window, by
//! default 300 s) and clamped to [min, max]. No I/O: the loop in `mod.rs`
//! reads the store and the usage, and writes what this returns.

use crate::api::autoscaling::{
    HorizontalPodAutoscaler, HpaStatus, MetricStatus, MetricValueStatus, ResourceMetricStatus,
};
use crate::api::metrics::Usage;
use crate::api::{Condition, Pod, Quantity, Time, set_condition};

/// Usage changes smaller than this share of the target do not rescale.
pub const TOLERANCE: f64 = 0.1;

/// One pod as the replica calculation sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct PodSample {
    /// Usage of the metric's resource (millicores, or bytes), if measured.
    pub usage: Option<u64>,
    /// The pod's request of the resource (needed for utilization).
    pub request: Option<u64>,
    pub ready: bool,
}

/// What to compare usage against.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Percent of the request.
    Utilization(u64),
    /// Average per pod (millicores or bytes).
    AverageValue(u64),
}

/// A metric's recommendation.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    pub replicas: i32,
    /// The current value: utilization in percent, or the average value.
    pub current: u64,
}

/// Kubernetes' replica calculation for one resource metric. Pods without
/// metrics count as 0% when scaling up and as 100% of the target when
/// scaling down; unready pods count as 0% when scaling up and are left out
/// when scaling down. Errors say why no recommendation can be made.
pub fn recommend(
    current_replicas: i32,
    pods: &[PodSample],
    target: Target,
) -> Result<Recommendation, String> {
    let value = |usage: u64, request: Option<u64>| -> Result<f64, String> {
        match target {
            Target::Utilization(_) => match request {
                Some(r) if r > 0 => Ok(usage as f64 * 100.0 / r as f64),
                _ => Err(
                    "missing request for the resource on a pod: utilization needs requests".into(),
                ),
            },
            Target::AverageValue(_) => Ok(usage as f64),
        }
    };
    let target_value = match target {
        Target::Utilization(t) | Target::AverageValue(t) => t as f64,
    };
    if target_value <= 0.0 {
        return Err("the target must be above zero".into());
    }
    let mut ready_values = vec![];
    let mut missing = vec![];
    let mut unready = vec![];
    for p in pods {
        match (p.usage, p.ready) {
            (Some(u), true) => ready_values.push(value(u, p.request)?),
            (Some(_), false) => unready.push(p),
            (None, _) => missing.push(p),
        }
        if matches!(target, Target::Utilization(_)) && p.request.is_none_or(|r| r == 0) {
            return Err(
                "missing request for the resource on a pod: utilization needs requests".into(),
            );
        }
    }
    if ready_values.is_empty() {
        return Err("no ready pod reports metrics yet".into());
    }
    let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let current = avg(&ready_values);
    let ratio = current / target_value;
    let current_out = current.round() as u64;
    if missing.is_empty() && unready.is_empty() {
        if (ratio - 1.0).abs() <= TOLERANCE {
            return Ok(Recommendation {
                replicas: current_replicas,
                current: current_out,
            });
        }
        return Ok(Recommendation {
            replicas: (ratio * ready_values.len() as f64).ceil() as i32,
            current: current_out,
        });
    }
    // Fill in the pods without a usable reading, then check the direction holds.
    let mut all = ready_values.clone();
    let up = ratio > 1.0;
    for _ in &missing {
        all.push(if up { 0.0 } else { target_value });
    }
    if up {
        all.extend(std::iter::repeat_n(0.0, unready.len()));
    }
    let new_ratio = avg(&all) / target_value;
    if (new_ratio - 1.0).abs() <= TOLERANCE || (up && new_ratio < 1.0) || (!up && new_ratio > 1.0) {
        return Ok(Recommendation {
            replicas: current_replicas,
            current: current_out,
        });
    }
    let replicas = (new_ratio * all.len() as f64).ceil() as i32;
    // A fill-in must never turn a scale-up into a scale-down or the reverse.
    let replicas = if up {
        replicas.max(current_replicas)
    } else {
        replicas.min(current_replicas)
    };
    Ok(Recommendation {
        replicas,
        current: current_out,
    })
}

/// The replicas to set: the recommendation stabilized (scale-down takes the
/// highest recommendation of its window, scale-up the lowest of its own)
/// and clamped to [min, max]. `history` holds (seconds ago, replicas).
pub fn stabilize(
    current: i32,
    recommended: i32,
    history: &[(i64, i32)],
    down_window: i64,
    up_window: i64,
    min: i32,
    max: i32,
) -> i32 {
    let mut desired = recommended;
    if recommended < current {
        desired = history
            .iter()
            .filter(|(ago, _)| *ago <= down_window)
            .map(|(_, r)| *r)
            .chain([recommended])
            .max()
            .unwrap_or(recommended)
            .min(current);
    } else if recommended > current {
        desired = history
            .iter()
            .filter(|(ago, _)| *ago < up_window)
            .map(|(_, r)| *r)
            .chain([recommended])
            .min()
            .unwrap_or(recommended)
            .max(current);
    }
    desired.clamp(min, max.max(min))
}

/// The target as the loop read it.
#[derive(Clone, Debug)]
pub struct Scale<'a> {
    /// The target's `spec.replicas`.
    pub replicas: i32,
    /// The pods its selector picks (active, not terminating), each with the
    /// usage its node last reported, if any.
    pub pods: &'a [(&'a Pod, Option<Usage>)],
}

/// What one evaluation of an HPA comes to.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The HPA's new status (conditions, current metrics, replicas).
    pub status: HpaStatus,
    /// The size to set the target to, when it changes.
    pub rescale: Option<Rescale>,
    /// The recommendation to remember for the stabilization windows of later
    /// evaluations (none when no metric gave one).
    pub recommended: Option<i32>,
}

/// A change of the target's size and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Rescale {
    pub replicas: i32,
    /// `cpu resource utilization (percentage of request) above target`.
    pub reason: String,
}

impl Rescale {
    /// The `SuccessfulRescale` event's message.
    pub fn message(&self) -> String {
        format!("New size: {}; reason: {}", self.replicas, self.reason)
    }
}

fn cond(type_: &str, ok: bool, reason: &str, message: impl Into<String>) -> Condition {
    Condition::new(type_, ok, reason, &message.into())
}

/// Decides one HPA. `scale` is the target, or why it could not be read.
/// `past` holds the earlier recommendations within the windows as (seconds
/// ago, replicas); `None` for an HPA the controller has not seen yet (a new
/// one, or after a restart), which starts from the current size as
/// Kubernetes does: no scale-down before a whole window has passed.
pub fn decide(
    h: &HorizontalPodAutoscaler,
    scale: Result<Scale<'_>, String>,
    past: Option<&[(i64, i32)]>,
    now: Time,
) -> Decision {
    let mut status = h.status.clone();
    status.observed_generation = Some(h.metadata.generation);
    let mut set = |c: Condition| set_condition(&mut status.conditions, c);
    let scale = match scale {
        Ok(s) => s,
        Err(msg) => {
            set(cond("AbleToScale", false, "FailedGetScale", msg));
            return unchanged(status);
        }
    };
    let current = scale.replicas;
    set(cond(
        "AbleToScale",
        true,
        "SucceededGetScale",
        "the HPA controller was able to get the target's current scale",
    ));
    if current == 0 {
        set(cond(
            "ScalingActive",
            false,
            "ScalingDisabled",
            "scaling is disabled since the replica count of the target is zero",
        ));
        status.current_replicas = current;
        status.desired_replicas = 0;
        return unchanged(status);
    }
    let measured = measure(h, current, scale.pods);
    let Some((recommended, why)) = measured.best else {
        set(cond(
            "ScalingActive",
            false,
            "FailedGetResourceMetric",
            measured.failure.unwrap_or_else(|| "no metrics".into()),
        ));
        status.current_replicas = current;
        status.current_metrics = measured.metrics;
        status.desired_replicas = current;
        return unchanged(status);
    };
    set(cond(
        "ScalingActive",
        true,
        "ValidMetricFound",
        "the HPA was able to successfully calculate a replica count from resource metrics",
    ));
    let (min, max) = (h.spec.min(), h.spec.max_replicas);
    let desired = stabilize(
        current,
        recommended,
        past.unwrap_or(&[(0, current)]),
        h.spec.scale_down_window_seconds(),
        h.spec.scale_up_window_seconds(),
        min,
        max,
    );
    set(if recommended > max {
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
    });
    let rescale = if desired == current {
        set(if recommended < current {
            cond(
                "AbleToScale",
                true,
                "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation",
            )
        } else {
            cond(
                "AbleToScale",
                true,
                "ReadyForNewScale",
                "recommended size matches current size",
            )
        });
        None
    } else {
        set(cond(
            "AbleToScale",
            true,
            "SucceededRescale",
            format!("the HPA controller was able to update the target scale to {desired}"),
        ));
        status.last_scale_time = Some(now);
        Some(Rescale {
            replicas: desired,
            reason: why,
        })
    };
    status.current_replicas = current;
    status.current_metrics = measured.metrics;
    status.desired_replicas = desired;
    Decision {
        status,
        rescale,
        recommended: Some(recommended),
    }
}

fn unchanged(status: HpaStatus) -> Decision {
    Decision {
        status,
        rescale: None,
        recommended: None,
    }
}

/// What the metrics say together.
struct Measured {
    /// The highest recommendation (the first metric wins a tie) and why.
    best: Option<(i32, String)>,
    /// The current value of each metric that gave a recommendation.
    metrics: Vec<MetricStatus>,
    /// Why the last metric without a recommendation gave none.
    failure: Option<String>,
}

/// An amount of `resource` in the unit the calculation uses: millicores for
/// cpu, bytes otherwise.
fn amount(resource: &str, q: &Quantity) -> Option<u64> {
    u64::try_from(if resource == "cpu" {
        q.milli()
    } else {
        q.value()
    })
    .ok()
}

/// Sum of a resource's requests over a pod's containers; `None` when one lacks it.
fn pod_request(p: &Pod, resource: &str) -> Option<u64> {
    p.spec
        .containers
        .iter()
        .map(|c| amount(resource, c.resources.request(resource)?))
        .sum()
}

fn measure(h: &HorizontalPodAutoscaler, current: i32, pods: &[(&Pod, Option<Usage>)]) -> Measured {
    let mut out = Measured {
        best: None,
        metrics: vec![],
        failure: None,
    };
    for m in h.spec.effective_metrics() {
        let Some(r) = &m.resource else {
            out.failure = Some(format!("{} metrics are not supported", m.type_));
            continue;
        };
        let cpu = r.name == "cpu";
        let samples: Vec<PodSample> = pods
            .iter()
            .map(|(p, u)| PodSample {
                usage: u.map(|u| if cpu { u.cpu_milli } else { u.memory_bytes }),
                request: pod_request(p, &r.name),
                ready: p.is_ready(),
            })
            .collect();
        let target = match (
            r.target.type_.as_str(),
            r.target.average_utilization,
            &r.target.average_value,
        ) {
            ("Utilization", Some(u), _) => Target::Utilization(u.max(0) as u64),
            (_, _, Some(v)) => Target::AverageValue(amount(&r.name, v).unwrap_or(0)),
            _ => {
                out.failure = Some(format!("metric {} has no usable target", r.name));
                continue;
            }
        };
        let rec = match recommend(current, &samples, target) {
            Ok(rec) => rec,
            Err(e) => {
                out.failure = Some(format!("failed to get {} utilization: {e}", r.name));
                continue;
            }
        };
        let (util, avg) = match target {
            Target::Utilization(_) => (Some(rec.current as i32), None),
            Target::AverageValue(_) => (
                None,
                Some(if cpu {
                    Quantity::from_milli(i128::from(rec.current))
                } else {
                    Quantity::from_bytes(i128::from(rec.current))
                }),
            ),
        };
        out.metrics.push(MetricStatus {
            type_: "Resource".into(),
            resource: Some(ResourceMetricStatus {
                name: r.name.clone(),
                current: MetricValueStatus {
                    average_utilization: util,
                    average_value: avg,
                },
            }),
        });
        let above = match target {
            Target::Utilization(t) => rec.current > t,
            Target::AverageValue(_) => rec.replicas > current,
        };
        let why = format!(
            "{} resource {}{} target",
            r.name,
            if matches!(target, Target::Utilization(_)) {
                "utilization (percentage of request) "
            } else {
                ""
            },
            if above { "above" } else { "below" }
        );
        if out.best.as_ref().is_none_or(|(b, _)| rec.replicas > *b) {
            out.best = Some((rec.replicas, why));
        }
    }
    out
}
