//! PodDisruptionBudgets: one of minAvailable and maxUnavailable, each a
//! number not below zero or a percentage 0%-100%, and a selector that
//! parses.

use super::super::apps::IntOrString;
use super::super::pdb::PodDisruptionBudget;
use super::{FieldError, object, validate_labels};

pub fn validate_pdb(p: &PodDisruptionBudget) -> Vec<FieldError> {
    object(p, pdb_spec)
}

fn int_or_percent(path: &str, v: &Option<IntOrString>, errs: &mut Vec<FieldError>) {
    if let Some(v) = v
        && let Err(e) = v.scaled(100, true)
    {
        errs.push(FieldError::new(path, e));
    }
}

fn pdb_spec(p: &PodDisruptionBudget, errs: &mut Vec<FieldError>) {
    let s = &p.spec;
    if s.min_available.is_some() && s.max_unavailable.is_some() {
        errs.push(FieldError::new(
            "spec",
            "minAvailable and maxUnavailable cannot be both set",
        ));
    }
    int_or_percent("spec.minAvailable", &s.min_available, errs);
    int_or_percent("spec.maxUnavailable", &s.max_unavailable, errs);
    if let Some(sel) = &s.selector {
        validate_labels("spec.selector.matchLabels", &sel.match_labels, errs);
        if let Err(e) = sel.to_selector() {
            errs.push(FieldError::new("spec.selector", e.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Object, new_object};

    #[test]
    fn both_limits_or_a_bad_value_are_refused_by_path() {
        let mut p: PodDisruptionBudget = new_object("default", "zk-pdb");
        p.spec.min_available = Some(IntOrString::Int(2));
        assert_eq!(p.validate(), vec![]);
        p.spec.max_unavailable = Some(IntOrString::String("150%".into()));
        let paths: Vec<String> = p.validate().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["spec", "spec.maxUnavailable"]);
        p.spec.max_unavailable = None;
        p.spec.min_available = Some(IntOrString::Int(-1));
        assert!(p.validate()[0].message.contains("must not be negative"));
    }
}
