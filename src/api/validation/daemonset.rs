//! DaemonSets and ControllerRevisions: a selector that matches the template,
//! a template that restarts always, update parameters that make sense.

use super::super::daemonset::{ControllerRevision, DaemonSet, DaemonSetStrategyType};
use super::apps::validate_workload;
use super::{FieldError, object};

pub fn validate_daemonset(ds: &DaemonSet) -> Vec<FieldError> {
    object(ds, daemonset_spec)
}

fn daemonset_spec(ds: &DaemonSet, errs: &mut Vec<FieldError>) {
    validate_workload(None, &ds.spec.selector, &ds.spec.template, errs);
    let path = "spec.updateStrategy.rollingUpdate";
    if let Some(s) = &ds.spec.update_strategy {
        if s.type_ == Some(DaemonSetStrategyType::OnDelete) && s.rolling_update.is_some() {
            errs.push(FieldError::new(
                path,
                "may not be given when updateStrategy type is OnDelete",
            ));
        }
        if let Some(ru) = &s.rolling_update {
            for (field, v) in [
                ("maxUnavailable", &ru.max_unavailable),
                ("maxSurge", &ru.max_surge),
            ] {
                if let Some(Err(m)) = v.as_ref().map(|v| v.scaled(100, true)) {
                    errs.push(FieldError::new(format!("{path}.{field}"), m));
                }
            }
            let zero = |v: &Option<crate::api::IntOrString>| {
                v.as_ref().is_some_and(|v| v.scaled(100, true) == Ok(0))
            };
            if zero(&ru.max_unavailable) && (ru.max_surge.is_none() || zero(&ru.max_surge)) {
                errs.push(FieldError::new(
                    format!("{path}.maxUnavailable"),
                    "may not be 0 when maxSurge is 0",
                ));
            }
        }
    }
    if let Some(n) = ds.spec.revision_history_limit
        && n < 0
    {
        errs.push(FieldError::new(
            "spec.revisionHistoryLimit",
            "must not be negative",
        ));
    }
    if ds.spec.min_ready_seconds < 0 {
        errs.push(FieldError::new(
            "spec.minReadySeconds",
            "must not be negative",
        ));
    }
}

pub fn validate_controller_revision(r: &ControllerRevision) -> Vec<FieldError> {
    object(r, |r, errs| {
        if r.revision < 0 {
            errs.push(FieldError::new("revision", "must not be negative"));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::IntOrString;
    use crate::api::daemonset::{DaemonSetUpdateStrategy, RollingUpdateDaemonSet};

    #[test]
    fn update_parameters_are_checked_by_path() {
        let mut ds = DaemonSet::test("agent");
        assert!(validate_daemonset(&ds).is_empty());
        ds.spec.update_strategy = Some(DaemonSetUpdateStrategy {
            type_: None,
            rolling_update: Some(RollingUpdateDaemonSet {
                max_unavailable: Some(IntOrString::Int(0)),
                max_surge: Some(IntOrString::String("x".into())),
            }),
        });
        let errs = validate_daemonset(&ds);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].path, "spec.updateStrategy.rollingUpdate.maxSurge");
        let ru = ds.spec.update_strategy.as_mut().unwrap();
        ru.rolling_update.as_mut().unwrap().max_surge = Some(IntOrString::Int(0));
        let errs = validate_daemonset(&ds);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(
            errs[0].path,
            "spec.updateStrategy.rollingUpdate.maxUnavailable"
        );
        ds.spec.template.metadata.labels.clear();
        assert!(
            validate_daemonset(&ds)
                .iter()
                .any(|e| e.path == "spec.template.metadata.labels")
        );
    }
}
