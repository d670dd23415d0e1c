//! `autoscaling/v1` HorizontalPodAutoscaler, as a view of ork's stored
//! `autoscaling/v2` one: `targetCPUUtilizationPercentage` is the v2 CPU
//! `Utilization` metric (80 when unset, as Kubernetes defaults it) and
//! `currentCPUUtilizationPercentage` the CPU utilization the status reports.
//! Whatever v1 cannot say (other metrics, `behavior`) is kept from the
//! stored object when a v1 client writes.
//!
//! Pure conversions; no I/O.

use super::autoscaling::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, MetricSpec, MetricTarget,
    ResourceMetricSource,
};
use super::meta::{ObjectMeta, Time};
use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "autoscaling/v1";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct HpaV1 {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: HpaSpecV1,
    pub status: HpaStatusV1,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaSpecV1 {
    pub scale_target_ref: CrossVersionObjectReference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<i32>,
    #[serde(default)]
    pub max_replicas: i32,
    #[serde(
        default,
        rename = "targetCPUUtilizationPercentage",
        alias = "targetCpuUtilizationPercentage",
        skip_serializing_if = "Option::is_none"
    )]
    pub target_cpu_utilization_percentage: Option<i32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaStatusV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scale_time: Option<Time>,
    #[serde(default)]
    pub current_replicas: i32,
    #[serde(default)]
    pub desired_replicas: i32,
    #[serde(
        default,
        rename = "currentCPUUtilizationPercentage",
        alias = "currentCpuUtilizationPercentage",
        skip_serializing_if = "Option::is_none"
    )]
    pub current_cpu_utilization_percentage: Option<i32>,
}

fn is_cpu_utilization(m: &MetricSpec) -> bool {
    m.type_ == "Resource"
        && m.resource
            .as_ref()
            .is_some_and(|r| r.name == "cpu" && r.target.type_ == "Utilization")
}

/// The v1 view of a stored HPA.
pub fn to_v1(h: &HorizontalPodAutoscaler) -> HpaV1 {
    let target = h
        .spec
        .effective_metrics()
        .iter()
        .find(|m| is_cpu_utilization(m))
        .and_then(|m| m.resource.as_ref())
        .and_then(|r| r.target.average_utilization);
    let current = h
        .status
        .current_metrics
        .iter()
        .filter_map(|m| m.resource.as_ref())
        .find(|r| r.name == "cpu")
        .and_then(|r| r.current.average_utilization);
    HpaV1 {
        api_version: API_VERSION.into(),
        kind: "HorizontalPodAutoscaler".into(),
        metadata: h.metadata.clone(),
        spec: HpaSpecV1 {
            scale_target_ref: h.spec.scale_target_ref.clone(),
            min_replicas: h.spec.min_replicas,
            max_replicas: h.spec.max_replicas,
            target_cpu_utilization_percentage: target,
        },
        status: HpaStatusV1 {
            observed_generation: h.status.observed_generation,
            last_scale_time: h.status.last_scale_time,
            current_replicas: h.status.current_replicas,
            desired_replicas: h.status.desired_replicas,
            current_cpu_utilization_percentage: current,
        },
    }
}

/// The stored (v2) HPA a v1 client's object means, keeping from `stored`
/// (the object it replaces, if any) what v1 cannot express: other metrics,
/// `behavior` and the v2 status.
pub fn from_v1(v1: HpaV1, stored: Option<&HorizontalPodAutoscaler>) -> HorizontalPodAutoscaler {
    let mut h = stored.cloned().unwrap_or_default();
    h.api_version = "autoscaling/v2".into();
    h.kind = "HorizontalPodAutoscaler".into();
    h.metadata = v1.metadata;
    h.spec.scale_target_ref = v1.spec.scale_target_ref;
    h.spec.min_replicas = v1.spec.min_replicas;
    h.spec.max_replicas = v1.spec.max_replicas;
    let mut others: Vec<MetricSpec> = h
        .spec
        .metrics
        .iter()
        .filter(|m| !is_cpu_utilization(m))
        .cloned()
        .collect();
    // No target and no other metric: v2's default (CPU at 80 %) applies.
    if let Some(pct) = v1.spec.target_cpu_utilization_percentage {
        others.insert(
            0,
            MetricSpec {
                type_: "Resource".into(),
                resource: Some(ResourceMetricSource {
                    name: "cpu".into(),
                    target: MetricTarget {
                        type_: "Utilization".into(),
                        average_utilization: Some(pct),
                        ..Default::default()
                    },
                }),
                ..Default::default()
            },
        );
    }
    h.spec.metrics = others;
    if stored.is_none() {
        h.status.observed_generation = v1.status.observed_generation;
        h.status.last_scale_time = v1.status.last_scale_time;
        h.status.current_replicas = v1.status.current_replicas;
        h.status.desired_replicas = v1.status.desired_replicas;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::autoscaling::{MetricStatus, MetricValueStatus, ResourceMetricStatus};

    fn v1(pct: Option<i32>) -> HpaV1 {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 1, "maxReplicas": 3,
                "targetCPUUtilizationPercentage": pct,
            }
        }))
        .unwrap()
    }

    #[test]
    fn the_cpu_target_becomes_a_utilization_metric_and_back() {
        let h = from_v1(v1(Some(50)), None);
        let m = &h.spec.metrics[0];
        assert_eq!(m.resource.as_ref().unwrap().name, "cpu");
        assert_eq!(
            m.resource.as_ref().unwrap().target.average_utilization,
            Some(50)
        );
        assert_eq!(h.spec.max_replicas, 3);
        let back = to_v1(&h);
        assert_eq!(back.spec.target_cpu_utilization_percentage, Some(50));
        assert_eq!(back.api_version, "autoscaling/v1");
        // Without a target, v2's default shows as Kubernetes' 80.
        let d = from_v1(v1(None), None);
        assert!(d.spec.metrics.is_empty());
        assert_eq!(to_v1(&d).spec.target_cpu_utilization_percentage, Some(80));
    }

    #[test]
    fn current_utilization_comes_from_the_cpu_metric_status() {
        let mut h = from_v1(v1(Some(50)), None);
        h.status.current_metrics = vec![MetricStatus {
            type_: "Resource".into(),
            resource: Some(ResourceMetricStatus {
                name: "cpu".into(),
                current: MetricValueStatus {
                    average_utilization: Some(42),
                    ..Default::default()
                },
            }),
        }];
        h.status.desired_replicas = 2;
        let s = serde_json::to_value(to_v1(&h)).unwrap();
        assert_eq!(s["status"]["currentCPUUtilizationPercentage"], 42);
        assert_eq!(s["status"]["desiredReplicas"], 2);
    }

    #[test]
    fn a_v1_write_keeps_what_v1_cannot_say() {
        let mut stored = from_v1(v1(Some(50)), None);
        let memory = MetricSpec {
            type_: "Resource".into(),
            resource: Some(ResourceMetricSource {
                name: "memory".into(),
                target: MetricTarget {
                    type_: "Utilization".into(),
                    average_utilization: Some(70),
                    ..Default::default()
                },
            }),
            ..Default::default()
        };
        stored.spec.metrics.push(memory.clone());
        let h = from_v1(v1(Some(60)), Some(&stored));
        assert_eq!(h.spec.metrics.len(), 2);
        assert_eq!(h.spec.metrics[1], memory);
        assert_eq!(
            h.spec.metrics[0]
                .resource
                .as_ref()
                .unwrap()
                .target
                .average_utilization,
            Some(60)
        );
    }
}
