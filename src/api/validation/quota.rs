//! ResourceQuota and LimitRange: known scopes and operators, limit types,
//! and no negative amounts.

use super::super::quota_types::{
    LIMIT_TYPES, LimitRange, QUOTA_SCOPES, ResourceList, ResourceQuota,
};
use super::{FieldError, object};

fn non_negative(list: &ResourceList, path: &str, errs: &mut Vec<FieldError>) {
    for (k, q) in list {
        if q.is_negative() {
            errs.push(FieldError::new(
                format!("{path}[{k}]"),
                "must be greater than or equal to 0",
            ));
        }
    }
}

/// A ResourceQuota: amounts not negative, scopes Kubernetes knows.
pub fn validate_quota(q: &ResourceQuota) -> Vec<FieldError> {
    object(q, |q, errs| {
        non_negative(&q.spec.hard, "spec.hard", errs);
        for (i, s) in q.spec.scopes.iter().enumerate() {
            if !QUOTA_SCOPES.contains(&s.as_str()) || s == "PriorityClass" {
                errs.push(FieldError::new(
                    format!("spec.scopes[{i}]"),
                    format!(
                        "unsupported scope {s:?}: one of Terminating, NotTerminating, BestEffort, NotBestEffort (PriorityClass goes in scopeSelector)"
                    ),
                ));
            }
        }
        let exprs = q
            .spec
            .scope_selector
            .iter()
            .flat_map(|s| s.match_expressions.iter());
        for (i, e) in exprs.enumerate() {
            let f = |x: &str| format!("spec.scopeSelector.matchExpressions[{i}].{x}");
            if !QUOTA_SCOPES.contains(&e.scope_name.as_str()) {
                errs.push(FieldError::new(
                    f("scopeName"),
                    format!("unsupported scope {:?}", e.scope_name),
                ));
            }
            match e.operator.as_str() {
                "In" | "NotIn" => {
                    if e.values.is_empty() {
                        errs.push(FieldError::new(
                            f("values"),
                            "must be specified when `operator` is 'In' or 'NotIn'",
                        ));
                    }
                    if e.scope_name != "PriorityClass" {
                        errs.push(FieldError::new(
                            f("operator"),
                            "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort or ResourceQuotaScopeNotBestEffort",
                        ));
                    }
                }
                "Exists" | "DoesNotExist" => {
                    if !e.values.is_empty() {
                        errs.push(FieldError::new(
                            f("values"),
                            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                        ));
                    }
                }
                o => errs.push(FieldError::new(
                    f("operator"),
                    format!(
                        "not a valid selector operator {o:?}: In, NotIn, Exists or DoesNotExist"
                    ),
                )),
            }
        }
    })
}

/// A LimitRange: known types, amounts not negative, min <= default <= max.
pub fn validate_limit_range(l: &LimitRange) -> Vec<FieldError> {
    object(l, |l, errs| {
        for (i, item) in l.spec.limits.iter().enumerate() {
            let base = format!("spec.limits[{i}]");
            if !LIMIT_TYPES.contains(&item.type_.as_str()) {
                errs.push(FieldError::new(
                    format!("{base}.type"),
                    format!(
                        "unsupported value {:?}: Container, Pod or PersistentVolumeClaim",
                        item.type_
                    ),
                ));
            }
            for (name, list) in [
                ("max", &item.max),
                ("min", &item.min),
                ("default", &item.default),
                ("defaultRequest", &item.default_request),
                ("maxLimitRequestRatio", &item.max_limit_request_ratio),
            ] {
                non_negative(list, &format!("{base}.{name}"), errs);
            }
            if item.type_ != "Container"
                && (!item.default.is_empty() || !item.default_request.is_empty())
            {
                errs.push(FieldError::new(
                    format!("{base}.default"),
                    "may not be specified when `type` is not 'Container'",
                ));
            }
            for (k, min) in &item.min {
                if let Some(max) = item.max.get(k)
                    && min > max
                {
                    errs.push(FieldError::new(
                        format!("{base}.min[{k}]"),
                        format!("min value {min} is greater than max value {max}"),
                    ));
                }
            }
            for (name, list) in [
                ("default", &item.default),
                ("defaultRequest", &item.default_request),
            ] {
                for (k, v) in list {
                    if let Some(min) = item.min.get(k)
                        && v < min
                    {
                        errs.push(FieldError::new(
                            format!("{base}.{name}[{k}]"),
                            format!("min value {min} is greater than {name} value {v}"),
                        ));
                    }
                    if let Some(max) = item.max.get(k)
                        && v > max
                    {
                        errs.push(FieldError::new(
                            format!("{base}.{name}[{k}]"),
                            format!("{name} value {v} is greater than max value {max}"),
                        ));
                    }
                }
            }
            for (k, r) in &item.max_limit_request_ratio {
                if r.milli() < 1000 {
                    errs.push(FieldError::new(
                        format!("{base}.maxLimitRequestRatio[{k}]"),
                        format!("ratio {r} is less than 1"),
                    ));
                }
            }
        }
    })
}
