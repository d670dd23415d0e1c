//! HorizontalPodAutoscalers: a scalable target, sane bounds, Resource
//! metrics on cpu or memory with a target of the right type.

use super::super::autoscaling::HorizontalPodAutoscaler;
use super::{FieldError, object};

/// A HorizontalPodAutoscaler: a Deployment or ReplicaSet target, bounds that
/// make sense, and Resource metrics on cpu or memory only.
pub fn validate_hpa(h: &HorizontalPodAutoscaler) -> Vec<FieldError> {
    object(h, hpa_spec)
}

fn hpa_spec(h: &HorizontalPodAutoscaler, errs: &mut Vec<FieldError>) {
    let t = &h.spec.scale_target_ref;
    if !matches!(t.kind.as_str(), "Deployment" | "ReplicaSet") {
        errs.push(FieldError::new(
            "spec.scaleTargetRef.kind",
            format!(
                "{:?} cannot be scaled by ork; use Deployment or ReplicaSet",
                t.kind
            ),
        ));
    }
    if t.name.is_empty() {
        errs.push(FieldError::new("spec.scaleTargetRef.name", "is required"));
    }
    let min = h.spec.min();
    if min < 1 {
        errs.push(FieldError::new("spec.minReplicas", "must be at least 1"));
    }
    if h.spec.max_replicas < 1 || h.spec.max_replicas < min {
        errs.push(FieldError::new(
            "spec.maxReplicas",
            format!("must be at least 1 and at least minReplicas ({min})"),
        ));
    }
    for (i, m) in h.spec.metrics.iter().enumerate() {
        let path = format!("spec.metrics[{i}]");
        if m.type_ != "Resource" {
            errs.push(FieldError::new(
                format!("{path}.type"),
                format!(
                    "{:?} metrics are not supported by ork; use Resource (cpu or memory)",
                    m.type_
                ),
            ));
            continue;
        }
        let Some(r) = &m.resource else {
            errs.push(FieldError::new(
                format!("{path}.resource"),
                "is required for type Resource",
            ));
            continue;
        };
        if !matches!(r.name.as_str(), "cpu" | "memory") {
            errs.push(FieldError::new(
                format!("{path}.resource.name"),
                format!("{:?} is not measured; use cpu or memory", r.name),
            ));
        }
        match (
            r.target.type_.as_str(),
            r.target.average_utilization,
            &r.target.average_value,
        ) {
            ("Utilization", Some(u), _) if u > 0 => {}
            ("Utilization", _, _) => errs.push(FieldError::new(
                format!("{path}.resource.target.averageUtilization"),
                "must be given and above 0 for type Utilization",
            )),
            ("AverageValue", _, Some(v)) if v.milli() > 0 => {}
            ("AverageValue", _, _) => errs.push(FieldError::new(
                format!("{path}.resource.target.averageValue"),
                "must be given and above 0 for type AverageValue",
            )),
            (other, _, _) => errs.push(FieldError::new(
                format!("{path}.resource.target.type"),
                format!(
                    "{other:?} is not valid for Resource metrics; use Utilization or AverageValue"
                ),
            )),
        }
    }
    for (dir, rules) in [
        (
            "scaleUp",
            h.spec.behavior.as_ref().and_then(|b| b.scale_up.as_ref()),
        ),
        (
            "scaleDown",
            h.spec.behavior.as_ref().and_then(|b| b.scale_down.as_ref()),
        ),
    ] {
        if let Some(w) = rules.and_then(|r| r.stabilization_window_seconds)
            && !(0..=3600).contains(&w)
        {
            errs.push(FieldError::new(
                format!("spec.behavior.{dir}.stabilizationWindowSeconds"),
                "must be between 0 and 3600",
            ));
        }
    }
}
