//! ReplicaSets and Deployments: a selector that matches the template, a
//! template that restarts always, rollout parameters that make sense.

use super::super::apps::{Deployment, ReplicaSet, StrategyType};
use super::super::pod::{PodTemplateSpec, RestartPolicy};
use super::super::selector::LabelSelector;
use super::pod::validate_pod_spec;
use super::{FieldError, object, validate_labels};

pub(super) fn validate_workload(
    replicas: Option<i32>,
    selector: &LabelSelector,
    template: &PodTemplateSpec,
    errs: &mut Vec<FieldError>,
) {
    if let Some(r) = replicas
        && r < 0
    {
        errs.push(FieldError::new("spec.replicas", "must not be negative"));
    }
    if selector.is_empty() {
        errs.push(FieldError::new(
            "spec.selector",
            "required: give matchLabels that the template's labels carry",
        ));
    }
    match selector.to_selector() {
        Err(e) => errs.push(FieldError::new("spec.selector", e.to_string())),
        Ok(sel) => {
            if !selector.is_empty() && !sel.matches(&template.metadata.labels) {
                errs.push(FieldError::new(
                    "spec.template.metadata.labels",
                    format!("`selector` does not match template `labels` (selector: {sel})"),
                ));
            }
        }
    }
    validate_labels("spec.selector.matchLabels", &selector.match_labels, errs);
    validate_labels(
        "spec.template.metadata.labels",
        &template.metadata.labels,
        errs,
    );
    validate_pod_spec("spec.template.spec", &template.spec, errs);
    if template.spec.restart_policy != RestartPolicy::Always {
        errs.push(FieldError::new(
            "spec.template.spec.restartPolicy",
            format!(
                "{:?} is not allowed here: only \"Always\" is supported for workloads",
                template.spec.restart_policy
            ),
        ));
    }
}

pub fn validate_replicaset(rs: &ReplicaSet) -> Vec<FieldError> {
    object(rs, |rs, errs| {
        validate_workload(rs.spec.replicas, &rs.spec.selector, &rs.spec.template, errs)
    })
}

pub fn validate_deployment(d: &Deployment) -> Vec<FieldError> {
    object(d, deployment_spec)
}

fn deployment_spec(d: &Deployment, errs: &mut Vec<FieldError>) {
    validate_workload(d.spec.replicas, &d.spec.selector, &d.spec.template, errs);
    if let Err(m) = d.surge_and_unavailable() {
        errs.push(FieldError::new("spec.strategy.rollingUpdate", m));
    }
    if let Some(s) = &d.spec.strategy
        && s.type_ == Some(StrategyType::Recreate)
        && s.rolling_update.is_some()
    {
        errs.push(FieldError::new(
            "spec.strategy.rollingUpdate",
            "may not be given when strategy type is Recreate",
        ));
    }
    if let Some(n) = d.spec.revision_history_limit
        && n < 0
    {
        errs.push(FieldError::new(
            "spec.revisionHistoryLimit",
            "must not be negative",
        ));
    }
    if let Some(n) = d.spec.progress_deadline_seconds
        && n <= d.spec.min_ready_seconds
    {
        errs.push(FieldError::new(
            "spec.progressDeadlineSeconds",
            "must be greater than minReadySeconds",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_must_match_template() {
        let mut d = Deployment::test("web", 1);
        d.spec
            .template
            .metadata
            .labels
            .insert("app".into(), "api".into());
        let errs = validate_deployment(&d);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].path, "spec.template.metadata.labels");
        d.spec
            .template
            .metadata
            .labels
            .insert("app".into(), "web".into());
        assert!(validate_deployment(&d).is_empty());
    }
}
