//! `autoscaling/v2` HorizontalPodAutoscaler, and the pure part of its
//! algorithm: Kubernetes' replica calculation (desired = ceil(current ×
//! currentValue / target) over the pods that have metrics, 10% tolerance,
//! pods without metrics or not ready filled in as Kubernetes does).

use super::meta::{Condition, ObjectMeta, Time};
use super::quantity::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HorizontalPodAutoscaler {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: HpaSpec,
    #[serde(default)]
    pub status: HpaStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CrossVersionObjectReference {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    pub kind: String,
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaSpec {
    pub scale_target_ref: CrossVersionObjectReference,
    /// Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<i32>,
    pub max_replicas: i32,
    /// Default: CPU at 80% average utilization.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<HpaBehavior>,
}

impl HpaSpec {
    pub fn min(&self) -> i32 {
        self.min_replicas.unwrap_or(1)
    }

    /// The metrics, with Kubernetes' default when none are given.
    pub fn effective_metrics(&self) -> Vec<MetricSpec> {
        if !self.metrics.is_empty() {
            return self.metrics.clone();
        }
        vec![MetricSpec {
            type_: "Resource".into(),
            resource: Some(ResourceMetricSource {
                name: "cpu".into(),
                target: MetricTarget {
                    type_: "Utilization".into(),
                    average_utilization: Some(80),
                    ..Default::default()
                },
            }),
            ..Default::default()
        }]
    }

    /// Scale-down stabilization window (default 300 s).
    pub fn scale_down_window_seconds(&self) -> i64 {
        self.behavior
            .as_ref()
            .and_then(|b| b.scale_down.as_ref())
            .and_then(|r| r.stabilization_window_seconds)
            .map(i64::from)
            .unwrap_or(300)
    }

    /// Scale-up stabilization window (default 0 s).
    pub fn scale_up_window_seconds(&self) -> i64 {
        self.behavior
            .as_ref()
            .and_then(|b| b.scale_up.as_ref())
            .and_then(|r| r.stabilization_window_seconds)
            .map(i64::from)
            .unwrap_or(0)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricSpec {
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceMetricSource>,
    /// Other metric sources are accepted in manifests but not supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pods: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_resource: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceMetricSource {
    /// `cpu` or `memory`.
    pub name: String,
    pub target: MetricTarget,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricTarget {
    /// `Utilization` or `AverageValue` (`Value` is for object metrics).
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_utilization: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_value: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Quantity>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaBehavior {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<HpaScalingRules>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<HpaScalingRules>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaScalingRules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stabilization_window_seconds: Option<i32>,
    /// Accepted; ork applies the stabilization window only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<HpaScalingPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Quantity>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaScalingPolicy {
    #[serde(rename = "type")]
    pub type_: String,
    pub value: i32,
    pub period_seconds: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scale_time: Option<Time>,
    #[serde(default)]
    pub current_replicas: i32,
    #[serde(default)]
    pub desired_replicas: i32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub current_metrics: Vec<MetricStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricStatus {
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceMetricStatus>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceMetricStatus {
    pub name: String,
    pub current: MetricValueStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricValueStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_utilization: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_value: Option<Quantity>,
}

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

impl HorizontalPodAutoscaler {
    /// `45%/60%` per metric, as `kubectl get hpa` prints TARGETS
    /// (`<unknown>/60%` before the first measurement).
    pub fn targets_text(&self) -> String {
        let metrics = self.spec.effective_metrics();
        let parts: Vec<String> = metrics
            .iter()
            .map(|m| {
                let Some(r) = &m.resource else {
                    return format!("<unsupported {}>", m.type_);
                };
                let current = self
                    .status
                    .current_metrics
                    .iter()
                    .filter_map(|s| s.resource.as_ref())
                    .find(|s| s.name == r.name)
                    .map(|s| &s.current);
                match r.target.type_.as_str() {
                    "Utilization" => format!(
                        "{}: {}/{}%",
                        r.name,
                        current
                            .and_then(|c| c.average_utilization)
                            .map(|u| format!("{u}%"))
                            .unwrap_or_else(|| "<unknown>".into()),
                        r.target.average_utilization.unwrap_or(0)
                    ),
                    _ => format!(
                        "{}: {}/{}",
                        r.name,
                        current
                            .and_then(|c| c.average_value.as_ref())
                            .map(|v| v.to_string())
                            .unwrap_or_else(|| "<unknown>".into()),
                        r.target
                            .average_value
                            .as_ref()
                            .map(|v| v.to_string())
                            .unwrap_or_default()
                    ),
                }
            })
            .collect();
        parts.join(", ")
    }

    /// `Deployment/web`.
    pub fn reference(&self) -> String {
        format!(
            "{}/{}",
            self.spec.scale_target_ref.kind, self.spec.scale_target_ref.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(usage: Option<u64>, request: u64, ready: bool) -> PodSample {
        PodSample {
            usage,
            request: Some(request),
            ready,
        }
    }

    #[test]
    fn desired_is_ceil_of_current_times_ratio() {
        // One pod at 1000m of a 200m request = 500% against 50%: 10 replicas.
        let r = recommend(1, &[pod(Some(1000), 200, true)], Target::Utilization(50)).unwrap();
        assert_eq!(
            r,
            Recommendation {
                replicas: 10,
                current: 500
            }
        );
        // Three pods at 20% against 50%: ceil(3 × 0.4) = 2.
        let pods = vec![pod(Some(20), 100, true); 3];
        assert_eq!(
            recommend(3, &pods, Target::Utilization(50))
                .unwrap()
                .replicas,
            2
        );
        // Average value: 300m per pod against 100m → 3× the pods.
        let pods = vec![
            PodSample {
                usage: Some(300),
                request: None,
                ready: true
            };
            2
        ];
        assert_eq!(
            recommend(2, &pods, Target::AverageValue(100))
                .unwrap()
                .replicas,
            6
        );
    }

    #[test]
    fn changes_within_ten_percent_keep_the_replicas() {
        let pods = vec![pod(Some(54), 100, true); 4];
        assert_eq!(
            recommend(4, &pods, Target::Utilization(50))
                .unwrap()
                .replicas,
            4
        );
        let pods = vec![pod(Some(46), 100, true); 4];
        assert_eq!(
            recommend(4, &pods, Target::Utilization(50))
                .unwrap()
                .replicas,
            4
        );
    }

    #[test]
    fn pods_without_metrics_damp_the_change() {
        // Scaling up: the pod without metrics counts as 0%: (100+0)/2 = 50% of
        // 40% target → ceil(1.25 × 2) = 3, not ceil(2.5 × 2) = 5.
        let pods = vec![pod(Some(100), 100, true), pod(None, 100, true)];
        assert_eq!(
            recommend(2, &pods, Target::Utilization(40))
                .unwrap()
                .replicas,
            3
        );
        // Scaling down: it counts as 100% of the target: (0+50)/2 = 25% of 50% → 1.
        let pods = vec![pod(Some(0), 100, true), pod(None, 100, true)];
        assert_eq!(
            recommend(2, &pods, Target::Utilization(50))
                .unwrap()
                .replicas,
            1
        );
        // Unready pods count as 0% on the way up and reverse nothing.
        let pods = vec![pod(Some(60), 100, true), pod(Some(90), 100, false)];
        assert_eq!(
            recommend(2, &pods, Target::Utilization(50))
                .unwrap()
                .replicas,
            2
        );
    }

    #[test]
    fn utilization_without_requests_or_metrics_is_an_error() {
        let pods = vec![PodSample {
            usage: Some(10),
            request: None,
            ready: true,
        }];
        assert!(
            recommend(1, &pods, Target::Utilization(50))
                .unwrap_err()
                .contains("request")
        );
        let pods = vec![pod(None, 100, true)];
        assert!(recommend(1, &pods, Target::Utilization(50)).is_err());
    }

    #[test]
    fn scale_down_waits_for_its_window_and_bounds_hold() {
        // Recommended 1 now, but 4 was recommended 100 s ago within a 300 s window.
        assert_eq!(stabilize(4, 1, &[(100, 4), (200, 3)], 300, 0, 1, 10), 4);
        // Outside the window the lower value wins.
        assert_eq!(stabilize(4, 1, &[(400, 4)], 300, 0, 1, 10), 1);
        // Never below min, never above max.
        assert_eq!(stabilize(4, 0, &[], 0, 0, 2, 10), 2);
        assert_eq!(stabilize(1, 10, &[], 300, 0, 1, 3), 3);
        // Scale-up is immediate by default, even right after a recommendation.
        assert_eq!(stabilize(1, 5, &[(0, 1), (10, 1)], 300, 0, 1, 10), 5);
        // With a scale-up window, the lowest recent recommendation holds it back.
        assert_eq!(stabilize(1, 5, &[(10, 2)], 300, 60, 1, 10), 2);
    }
}
