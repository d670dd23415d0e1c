//! Role, ClusterRole, RoleBinding and ClusterRoleBinding checks.

use super::{FieldError, object};
use crate::api::rbac::{
    ClusterRole, ClusterRoleBinding, GROUP, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};

/// Why `name` is not a valid path segment, as RBAC objects' names must be.
pub(super) fn path_segment_error(name: &str) -> Option<String> {
    if name == "." || name == ".." {
        return Some(format!("may not be '{name}'"));
    }
    ["/", "%"]
        .into_iter()
        .find(|c| name.contains(c))
        .map(|c| format!("may not contain '{c}'"))
}

fn rules(path: &str, rules: &[PolicyRule], cluster: bool, errs: &mut Vec<FieldError>) {
    for (i, r) in rules.iter().enumerate() {
        let at = |f: &str| format!("{path}[{i}].{f}");
        if r.verbs.is_empty() {
            errs.push(FieldError::new(
                at("verbs"),
                "Required value: verbs must contain at least one value",
            ));
        }
        if !r.non_resource_urls.is_empty() {
            if !cluster {
                errs.push(FieldError::new(
                    at("nonResourceURLs"),
                    "Invalid value: namespaced rules cannot apply to non-resource URLs",
                ));
            }
            if !r.api_groups.is_empty() || !r.resources.is_empty() {
                errs.push(FieldError::new(
                    at("nonResourceURLs"),
                    "Invalid value: rules cannot apply to both regular resources and non-resource URLs",
                ));
            }
            continue;
        }
        if r.api_groups.is_empty() {
            errs.push(FieldError::new(
                at("apiGroups"),
                "Required value: resource rules must supply at least one api group (\"\" for the core group)",
            ));
        }
        if r.resources.is_empty() {
            errs.push(FieldError::new(
                at("resources"),
                "Required value: resource rules must supply at least one resource",
            ));
        }
    }
}

fn subjects(list: &[Subject], errs: &mut Vec<FieldError>) {
    for (i, s) in list.iter().enumerate() {
        let at = |f: &str| format!("subjects[{i}].{f}");
        if s.name.is_empty() {
            errs.push(FieldError::new(at("name"), "Required value"));
        }
        match s.kind.as_str() {
            "ServiceAccount" => {
                if !s.api_group.is_empty() {
                    errs.push(FieldError::new(
                        at("apiGroup"),
                        "Unsupported value: a ServiceAccount subject has apiGroup \"\"",
                    ));
                }
            }
            "User" | "Group" => {
                if s.api_group != GROUP {
                    errs.push(FieldError::new(
                        at("apiGroup"),
                        format!("Unsupported value: {:?}: supported values: {GROUP:?}", s.api_group),
                    ));
                }
            }
            k => errs.push(FieldError::new(
                at("kind"),
                format!("Unsupported value: {k:?}: supported values: \"ServiceAccount\", \"User\", \"Group\""),
            )),
        }
    }
}

fn role_ref(r: &RoleRef, cluster: bool, errs: &mut Vec<FieldError>) {
    if r.api_group != GROUP {
        errs.push(FieldError::new(
            "roleRef.apiGroup",
            format!(
                "Unsupported value: {:?}: supported values: {GROUP:?}",
                r.api_group
            ),
        ));
    }
    match r.kind.as_str() {
        "ClusterRole" => {}
        "Role" if !cluster => {}
        k => errs.push(FieldError::new(
            "roleRef.kind",
            format!(
                "Unsupported value: {k:?}: supported values: {}",
                if cluster {
                    "\"ClusterRole\""
                } else {
                    "\"Role\", \"ClusterRole\""
                }
            ),
        )),
    }
    if r.name.is_empty() {
        errs.push(FieldError::new("roleRef.name", "Required value"));
    }
}

pub fn validate_role(r: &Role) -> Vec<FieldError> {
    object(r, |r, errs| rules("rules", &r.rules, false, errs))
}

pub fn validate_cluster_role(r: &ClusterRole) -> Vec<FieldError> {
    object(r, |r, errs| {
        rules("rules", &r.rules, true, errs);
        if let Some(a) = &r.aggregation_rule {
            for (i, s) in a.cluster_role_selectors.iter().enumerate() {
                if let Err(e) = s.to_selector() {
                    errs.push(FieldError::new(
                        format!("aggregationRule.clusterRoleSelectors[{i}]"),
                        e.to_string(),
                    ));
                }
            }
        }
    })
}

pub fn validate_role_binding(b: &RoleBinding) -> Vec<FieldError> {
    object(b, |b, errs| {
        subjects(&b.subjects, errs);
        role_ref(&b.role_ref, false, errs);
    })
}

pub fn validate_cluster_role_binding(b: &ClusterRoleBinding) -> Vec<FieldError> {
    object(b, |b, errs| {
        subjects(&b.subjects, errs);
        role_ref(&b.role_ref, true, errs);
    })
}

/// A binding's `roleRef` cannot change, as in Kubernetes.
pub fn validate_role_ref_update(new: &RoleRef, old: &RoleRef) -> Vec<FieldError> {
    if new == old {
        vec![]
    } else {
        vec![FieldError::new(
            "roleRef",
            "Invalid value: cannot change roleRef (delete the binding and create it again)",
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::new_object;

    #[test]
    fn bindings_need_a_known_role_kind_and_subject_kinds() {
        let mut b: RoleBinding = new_object("default", "read-pods");
        b.role_ref = RoleRef {
            api_group: GROUP.into(),
            kind: "Role".into(),
            name: "pod-reader".into(),
        };
        b.subjects = vec![Subject {
            kind: "ServiceAccount".into(),
            name: "reader".into(),
            ..Default::default()
        }];
        assert!(validate_role_binding(&b).is_empty());
        b.subjects[0].kind = "Robot".into();
        let errs = validate_role_binding(&b);
        assert_eq!(errs[0].path, "subjects[0].kind");
        let mut c: ClusterRoleBinding = new_object("", "x");
        c.role_ref = b.role_ref.clone();
        assert_eq!(validate_cluster_role_binding(&c)[0].path, "roleRef.kind");
    }

    #[test]
    fn rbac_names_are_path_segments() {
        let r: ClusterRole = new_object("", "system:aggregate-to-edit");
        assert!(validate_cluster_role(&r).is_empty());
        let r: ClusterRole = new_object("", "a/b");
        assert_eq!(validate_cluster_role(&r)[0].path, "metadata.name");
    }

    #[test]
    fn aggregation_selectors_must_be_valid_and_roles_need_verbs() {
        let mut c: ClusterRole = new_object("", "monitoring");
        c.aggregation_rule = Some(Default::default());
        assert!(validate_cluster_role(&c).is_empty());
        c.aggregation_rule = Some(crate::api::rbac::AggregationRule {
            cluster_role_selectors: vec![crate::api::selector::LabelSelector {
                match_expressions: vec![crate::api::selector::LabelSelectorRequirement {
                    key: "a".into(),
                    operator: crate::api::selector::SelectorOperator::In,
                    values: vec![],
                }],
                ..Default::default()
            }],
        });
        let errs = validate_cluster_role(&c);
        assert_eq!(errs[0].path, "aggregationRule.clusterRoleSelectors[0]");
        let mut r: Role = new_object("default", "r");
        r.rules = vec![PolicyRule {
            resources: vec!["pods".into()],
            api_groups: vec!["".into()],
            ..Default::default()
        }];
        assert_eq!(validate_role(&r)[0].path, "rules[0].verbs");
    }
}
