//! ServiceAccount checks, and the service-account fields of a pod spec
//! (`serviceAccountName`, `serviceAccount`, `automountServiceAccountToken`).

use super::{FieldError, dns1123_subdomain_error, object};
use crate::api::pod::PodSpec;
use crate::api::serviceaccount::ServiceAccount;

/// A ServiceAccount: metadata, secret references, token automount.
pub fn validate_service_account(sa: &ServiceAccount) -> Vec<FieldError> {
    object(sa, |sa, errs| {
        for (i, s) in sa.secrets.iter().enumerate() {
            if s.name.is_empty() {
                errs.push(FieldError::new(format!("secrets[{i}].name"), "required"));
            }
        }
        for (i, s) in sa.image_pull_secrets.iter().enumerate() {
            if s.name.is_empty() {
                errs.push(FieldError::new(
                    format!("imagePullSecrets[{i}].name"),
                    "required",
                ));
            }
        }
    })
}

/// The service-account fields of a pod spec at `path` (a pod's `spec` or a
/// template's `spec.template.spec`).
pub(super) fn validate_pod_service_account(path: &str, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    for (field, name) in [
        ("serviceAccountName", &spec.service_account_name),
        ("serviceAccount", &spec.service_account),
    ] {
        if !name.is_empty()
            && let Some(m) = dns1123_subdomain_error(name)
        {
            errs.push(FieldError::new(format!("{path}.{field}"), m));
        }
    }
    if !spec.service_account_name.is_empty()
        && !spec.service_account.is_empty()
        && spec.service_account_name != spec.service_account
    {
        errs.push(FieldError::new(
            format!("{path}.serviceAccount"),
            format!(
                "must equal serviceAccountName {:?} (it is its deprecated alias)",
                spec.service_account_name
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Pod, new_object};

    fn paths(errs: &[FieldError]) -> Vec<(&str, &str)> {
        errs.iter()
            .map(|e| (e.path.as_str(), e.message.as_str()))
            .collect()
    }

    #[test]
    fn pod_account_fields_are_checked_by_path() {
        // (serviceAccountName, serviceAccount, automount, expected errors)
        type Case<'a> = (&'a str, &'a str, Option<bool>, &'a [(&'a str, &'a str)]);
        let cases: &[Case] = &[
            ("", "", None, &[]),
            ("builder", "", Some(false), &[]),
            ("builder", "builder", None, &[]),
            ("", "", Some(true), &[]),
            (
                "builder",
                "other",
                None,
                &[(
                    "spec.serviceAccount",
                    "must equal serviceAccountName \"builder\" (it is its deprecated alias)",
                )],
            ),
        ];
        for (name, alias, automount, want) in cases {
            let mut p = Pod::test("web");
            p.spec.service_account_name = name.to_string();
            p.spec.service_account = alias.to_string();
            p.spec.automount_service_account_token = *automount;
            let errs = crate::api::validation::validate_pod(&p);
            assert_eq!(paths(&errs), *want, "{name:?} {alias:?} {automount:?}");
        }
        let mut p = Pod::test("web");
        p.spec.service_account_name = "Not_Valid".into();
        let errs = crate::api::validation::validate_pod(&p);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path, "spec.serviceAccountName");
    }

    #[test]
    fn a_service_account_takes_automount_and_refuses_nameless_references() {
        let mut sa: ServiceAccount = new_object("default", "builder");
        assert!(validate_service_account(&sa).is_empty());
        sa.automount_service_account_token = Some(false);
        assert!(validate_service_account(&sa).is_empty());
        sa.automount_service_account_token = Some(true);
        sa.secrets.push(Default::default());
        let errs = validate_service_account(&sa);
        assert_eq!(paths(&errs), [("secrets[0].name", "required")]);
    }
}
