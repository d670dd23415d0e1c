//! ServiceAccount admission: a new pod's `serviceAccountName` (and its
//! deprecated alias `serviceAccount`) defaults to `default`, and a pod naming
//! a ServiceAccount that does not exist is refused with Kubernetes' 403
//! wording. A new pod that names no `imagePullSecrets` gets its account's,
//! as Kubernetes' admission gives them. A new namespace gets its `default`
//! ServiceAccount in the same transaction, so a pod created right after it
//! is admitted.
//!
//! Controllers that create pods straight in the store call [`admit_pod`]
//! themselves and report its refusal as a `FailedCreate` event.
//!
//! This module must not import the HTTP layer, controllers or the scheduler.

use crate::api::serviceaccount::{DEFAULT, ServiceAccount, missing_account_reason};
use crate::api::{Pod, new_object};
use crate::control::store::{StoreError, Tx};

/// The `default` ServiceAccount of namespace `ns`.
pub fn default_account(ns: &str) -> ServiceAccount {
    new_object(ns, DEFAULT)
}

/// What a pod creation is refused with when its account is missing:
/// `pods "NAME" is forbidden: error looking up service account NS/SA: ...`.
/// `NAME` is the pod's name, or its `generateName` prefix.
pub fn refusal(pod: &Pod, account: &str) -> String {
    let m = &pod.metadata;
    let name = if m.name.is_empty() {
        &m.generate_name
    } else {
        &m.name
    };
    format!(
        "pods {name:?} is forbidden: {}",
        missing_account_reason(&m.namespace, account)
    )
}

/// The pure decision for a new pod, given the account it names (`None`:
/// there is none): the pod with its account fields and pull secrets
/// defaulted, or the refusal.
pub fn decide(
    mut pod: Pod,
    account: impl Fn(&str) -> Option<ServiceAccount>,
) -> Result<Pod, String> {
    pod.spec.default_service_account();
    let name = pod.spec.service_account_name.clone();
    let Some(sa) = account(&name) else {
        return Err(refusal(&pod, &name));
    };
    if pod.spec.image_pull_secrets.is_empty() {
        pod.spec.image_pull_secrets = sa.image_pull_secrets;
    }
    Ok(pod)
}

/// Defaults a new pod's account and checks that it exists. The `default`
/// account is created when missing (as the controller keeping it would a
/// moment later), so a pod in a namespace made a moment ago is admitted.
pub fn admit_pod(tx: &mut Tx<'_>, pod: &mut Pod) -> Result<(), StoreError> {
    let ns = pod.metadata.namespace.clone();
    pod.spec.default_service_account();
    if pod.spec.service_account_name == DEFAULT && tx.get::<ServiceAccount>(&ns, DEFAULT).is_none()
    {
        ensure_default(tx, &ns)?;
    }
    let decided = decide(pod.clone(), |name| {
        tx.get::<ServiceAccount>(&ns, name).map(|a| (*a).clone())
    });
    match decided {
        Ok(p) => {
            *pod = p;
            Ok(())
        }
        Err(why) => Err(StoreError::Forbidden(why)),
    }
}

/// A replacement that names no account keeps the stored pod's (a manifest
/// applied again without `serviceAccountName` changes nothing).
pub fn keep_on_update(pod: &mut Pod, old: &Pod) {
    if pod.spec.named_service_account().is_empty() {
        pod.spec.service_account_name = old.spec.service_account_name.clone();
        pod.spec.service_account = old.spec.service_account.clone();
    }
}

/// Creates namespace `ns`'s `default` ServiceAccount unless it exists.
pub fn ensure_default(tx: &mut Tx<'_>, ns: &str) -> Result<(), StoreError> {
    if tx.get::<ServiceAccount>(ns, DEFAULT).is_some() {
        return Ok(());
    }
    match tx.create(default_account(ns)) {
        Ok(_) | Err(StoreError::AlreadyExists { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(sa_name: &str, sa: &str) -> Pod {
        let mut p = Pod::test("web");
        p.spec.service_account_name = sa_name.into();
        p.spec.service_account = sa.into();
        p
    }

    #[test]
    fn accounts_default_and_missing_ones_are_refused() {
        let exists =
            |n: &str| (n == "default" || n == "builder").then(|| default_account("default"));
        // (serviceAccountName, serviceAccount, result: the account or the refusal)
        let cases: &[(&str, &str, Result<&str, String>)] = &[
            ("", "", Ok("default")),
            ("builder", "", Ok("builder")),
            ("", "builder", Ok("builder")),
            ("builder", "builder", Ok("builder")),
            (
                "missing",
                "",
                Err(
                    "pods \"web\" is forbidden: error looking up service account default/missing: \
                     serviceaccount \"missing\" not found"
                        .to_string(),
                ),
            ),
        ];
        for (name, alias, want) in cases {
            let got = decide(pod(name, alias), exists);
            match (got, want) {
                (Ok(p), Ok(w)) => {
                    assert_eq!(p.spec.service_account_name, *w, "{name:?}/{alias:?}");
                    assert_eq!(p.spec.service_account, *w, "{name:?}/{alias:?}");
                }
                (Err(e), Err(w)) => assert_eq!(&e, w),
                (got, want) => panic!("{name:?}/{alias:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn a_pod_without_pull_secrets_gets_its_accounts() {
        use crate::api::serviceaccount::LocalObjectReference;
        let reference = |n: &str| LocalObjectReference { name: n.into() };
        let mut builder = default_account("default");
        builder.image_pull_secrets = vec![reference("registry-a"), reference("registry-b")];
        let account = |_: &str| Some(builder.clone());
        let got = decide(pod("builder", ""), account).unwrap();
        assert_eq!(
            got.spec.image_pull_secrets,
            [reference("registry-a"), reference("registry-b")]
        );
        let mut own = pod("builder", "");
        own.spec.image_pull_secrets = vec![reference("mine")];
        let got = decide(own, account).unwrap();
        assert_eq!(
            got.spec.image_pull_secrets,
            [reference("mine")],
            "the pod's own win"
        );
    }

    #[test]
    fn a_generated_name_is_refused_by_its_prefix() {
        let mut p = pod("missing", "");
        p.metadata.name.clear();
        p.metadata.generate_name = "web-5d4f-".into();
        let e = decide(p, |_| None).unwrap_err();
        assert!(e.starts_with("pods \"web-5d4f-\" is forbidden: "), "{e}");
    }
}
