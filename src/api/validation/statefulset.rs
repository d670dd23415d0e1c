//! StatefulSets: the workload rules (selector matches the template, pods
//! restart always), claim templates that are valid claims with distinct
//! names, the management policy, update strategy, retention policy and
//! ordinals Kubernetes accepts.

use super::super::statefulset::StatefulSet;
use super::super::volume::{ClaimVolumeSource, Volume};
use super::apps::validate_workload;
use super::{FieldError, dns1123_label_error, object};
use std::collections::HashSet;

pub fn validate_statefulset(s: &StatefulSet) -> Vec<FieldError> {
    object(s, statefulset_spec)
}

/// The pod template as pods get it: claim templates become claim volumes
/// (so mounts naming them are valid), unless the template has a volume of
/// that name already.
pub fn template_with_claims(s: &StatefulSet) -> super::super::pod::PodTemplateSpec {
    let mut t = s.spec.template.clone();
    for c in &s.spec.volume_claim_templates {
        let name = &c.metadata.name;
        if t.spec.volumes.iter().any(|v| &v.name == name) {
            continue;
        }
        t.spec.volumes.push(Volume {
            name: name.clone(),
            persistent_volume_claim: Some(ClaimVolumeSource {
                claim_name: name.clone(),
                read_only: false,
            }),
            ..Default::default()
        });
    }
    t
}

fn statefulset_spec(s: &StatefulSet, errs: &mut Vec<FieldError>) {
    validate_workload(
        s.spec.replicas,
        &s.spec.selector,
        &template_with_claims(s),
        errs,
    );
    if !s.spec.service_name.is_empty()
        && let Some(m) = dns1123_label_error(&s.spec.service_name)
    {
        errs.push(FieldError::new("spec.serviceName", m));
    }
    if !matches!(
        s.spec.pod_management_policy.as_str(),
        "" | "OrderedReady" | "Parallel"
    ) {
        errs.push(FieldError::new(
            "spec.podManagementPolicy",
            format!(
                "Unsupported value: {:?}: supported values: \"OrderedReady\", \"Parallel\"",
                s.spec.pod_management_policy
            ),
        ));
    }
    if let Some(u) = &s.spec.update_strategy {
        if !matches!(u.type_.as_str(), "" | "RollingUpdate" | "OnDelete") {
            errs.push(FieldError::new(
                "spec.updateStrategy.type",
                format!(
                    "Unsupported value: {:?}: supported values: \"OnDelete\", \"RollingUpdate\"",
                    u.type_
                ),
            ));
        }
        if let Some(r) = &u.rolling_update {
            if u.type_ == "OnDelete" {
                errs.push(FieldError::new(
                    "spec.updateStrategy.rollingUpdate",
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
            if r.partition.is_some_and(|p| p < 0) {
                errs.push(FieldError::new(
                    "spec.updateStrategy.rollingUpdate.partition",
                    "must be greater than or equal to 0",
                ));
            }
            if let Some(m) = &r.max_unavailable {
                match m.scaled(100, false) {
                    Err(e) => errs.push(FieldError::new(
                        "spec.updateStrategy.rollingUpdate.maxUnavailable",
                        e,
                    )),
                    Ok(0) => errs.push(FieldError::new(
                        "spec.updateStrategy.rollingUpdate.maxUnavailable",
                        "must be greater than 0",
                    )),
                    Ok(_) => {}
                }
            }
        }
    }
    if let Some(p) = &s.spec.persistent_volume_claim_retention_policy {
        for (field, v) in [
            ("whenDeleted", &p.when_deleted),
            ("whenScaled", &p.when_scaled),
        ] {
            if !matches!(v.as_str(), "" | "Retain" | "Delete") {
                errs.push(FieldError::new(
                    format!("spec.persistentVolumeClaimRetentionPolicy.{field}"),
                    format!("Unsupported value: {v:?}: supported values: \"Retain\", \"Delete\""),
                ));
            }
        }
    }
    if s.start_ordinal() < 0 {
        errs.push(FieldError::new(
            "spec.ordinals.start",
            "must be greater than or equal to 0",
        ));
    }
    if s.spec.revision_history_limit.is_some_and(|n| n < 0) {
        errs.push(FieldError::new(
            "spec.revisionHistoryLimit",
            "must be greater than or equal to 0",
        ));
    }
    let mut names = HashSet::new();
    for (i, c) in s.spec.volume_claim_templates.iter().enumerate() {
        let path = format!("spec.volumeClaimTemplates[{i}]");
        if let Some(m) = dns1123_label_error(&c.metadata.name) {
            errs.push(FieldError::new(format!("{path}.metadata.name"), m));
        }
        if !names.insert(c.metadata.name.clone()) {
            errs.push(FieldError::new(
                format!("{path}.metadata.name"),
                format!("Duplicate value: {:?}", c.metadata.name),
            ));
        }
        for (j, m) in c.spec.access_modes.iter().enumerate() {
            if !matches!(
                m.as_str(),
                "ReadWriteOnce" | "ReadOnlyMany" | "ReadWriteMany" | "ReadWriteOncePod"
            ) {
                errs.push(FieldError::new(
                    format!("{path}.spec.accessModes[{j}]"),
                    format!("unknown access mode {m:?}"),
                ));
            }
        }
        if !matches!(c.spec.volume_mode.as_str(), "" | "Filesystem") {
            errs.push(FieldError::new(
                format!("{path}.spec.volumeMode"),
                "ork's node-local claims are directories: Filesystem only",
            ));
        }
    }
}

/// What an update may not change: everything but replicas, template,
/// updateStrategy, revisionHistoryLimit, minReadySeconds, ordinals and the
/// retention policy (Kubernetes' rule).
pub fn validate_statefulset_update(new: &StatefulSet, old: &StatefulSet) -> Vec<FieldError> {
    let mut a = new.spec.clone();
    let b = &old.spec;
    a.replicas = b.replicas;
    a.template = b.template.clone();
    a.update_strategy = b.update_strategy.clone();
    a.revision_history_limit = b.revision_history_limit;
    a.min_ready_seconds = b.min_ready_seconds;
    a.ordinals = b.ordinals.clone();
    a.persistent_volume_claim_retention_policy = b.persistent_volume_claim_retention_policy.clone();
    if &a != b {
        return vec![FieldError::new(
            "spec",
            "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        )];
    }
    vec![]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_mounts_are_valid_and_bad_policies_name_their_field() {
        let s = StatefulSet::test("web", 3);
        assert!(
            validate_statefulset(&s).is_empty(),
            "{:?}",
            validate_statefulset(&s)
        );
        let mut bad = s.clone();
        bad.spec.pod_management_policy = "Random".into();
        bad.spec
            .volume_claim_templates
            .push(bad.spec.volume_claim_templates[0].clone());
        let paths: Vec<String> = validate_statefulset(&bad)
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            [
                "spec.podManagementPolicy",
                "spec.volumeClaimTemplates[1].metadata.name"
            ]
        );
        let mut changed = s.clone();
        changed.spec.service_name = "other".into();
        assert_eq!(validate_statefulset_update(&changed, &s)[0].path, "spec");
        let mut scaled = s.clone();
        scaled.spec.replicas = Some(5);
        assert!(validate_statefulset_update(&scaled, &s).is_empty());
    }
}
