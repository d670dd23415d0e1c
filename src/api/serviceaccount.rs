//! `v1` ServiceAccount: the identity a pod runs as, named by a pod's
//! `spec.serviceAccountName`. Every namespace has one called `default`.
//! ork stores the kind and checks that pods name one that exists; the node
//! mounts a bound token of the account into each pod
//! ([`crate::api::bound_token`]) unless `automountServiceAccountToken` is
//! `false` on the pod, or unset on the pod and `false` on the account
//! ([`automount`]).
//!
//! Imports only the rest of `api`.

use super::core::ObjectReference;
use super::meta::ObjectMeta;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The ServiceAccount every namespace has and pods run as by default.
pub const DEFAULT: &str = "default";

/// An identity for the processes of pods.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ServiceAccount {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    /// Secrets pods of this account may use (kept as written).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<ObjectReference>,
    /// Registry credentials for pulling images (kept as written).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<LocalObjectReference>,
    /// Whether pods of this account get a token mounted (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
}

/// A reference by name to an object in the same namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocalObjectReference {
    #[serde(default)]
    pub name: String,
}

impl super::pod::PodSpec {
    /// The ServiceAccount the spec names: `serviceAccountName`, else the
    /// deprecated `serviceAccount`, else empty.
    pub fn named_service_account(&self) -> &str {
        if self.service_account_name.is_empty() {
            &self.service_account
        } else {
            &self.service_account_name
        }
    }

    /// Fills `serviceAccountName` and `serviceAccount` as Kubernetes does:
    /// each from the other, and `default` when neither is set.
    pub fn default_service_account(&mut self) {
        let name = match self.named_service_account() {
            "" => DEFAULT.to_string(),
            n => n.to_string(),
        };
        self.service_account_name = name.clone();
        self.service_account = name;
    }
}

impl super::pod::Pod {
    /// The ServiceAccount the pod runs as (`default` when none is named).
    pub fn service_account(&self) -> &str {
        match self.spec.named_service_account() {
            "" => DEFAULT,
            n => n,
        }
    }
}

/// The reason a pod naming a ServiceAccount that does not exist is refused,
/// worded as Kubernetes' admission words it (after `pods "x" is forbidden: `).
pub fn missing_account_reason(namespace: &str, name: &str) -> String {
    format!(
        "error looking up service account {namespace}/{name}: serviceaccount \"{name}\" not found"
    )
}

/// Whether a pod gets its account's token mounted: the pod's
/// `automountServiceAccountToken`, else the account's, else true.
pub fn automount(pod: Option<bool>, account: Option<bool>) -> bool {
    pod.or(account).unwrap_or(true)
}
