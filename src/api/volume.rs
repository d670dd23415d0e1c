//! What a pod takes from outside its image: environment from ConfigMaps,
//! Secrets and its own fields (`env[].valueFrom`, `envFrom`), and volumes
//! (`configMap`, `secret`, `emptyDir`, `hostPath`, `persistentVolumeClaim`,
//! `downwardAPI`, `projected`) mounted into containers (`volumeMounts`,
//! whole or one path inside with `subPath`/`subPathExpr`), and
//! PersistentVolumeClaims.
//! Their checks live in `validation::volume`.
//!
//! Imports only the rest of `api`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvVarSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_key_ref: Option<KeySelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<KeySelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_ref: Option<ObjectFieldSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_field_ref: Option<ResourceFieldSelector>,
}

/// A container's limit or request (`limits.cpu`, `requests.memory`...), in
/// units of `divisor` (default 1), rounded up. An unset limit is the node's
/// capacity, as in Kubernetes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceFieldSelector {
    /// Required in volumes; in env, the container itself by default.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub container_name: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub divisor: Option<super::quantity::Quantity>,
}

/// The resources `resourceFieldRef` may name.
pub const RESOURCE_FIELDS: &[&str] = &[
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
];

/// A key of a named ConfigMap or Secret.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeySelector {
    pub name: String,
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectFieldSelector {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `metadata.name`, `metadata.namespace`, `metadata.uid`,
    /// `metadata.labels['k']`, `metadata.annotations['k']`, `spec.nodeName`,
    /// `spec.serviceAccountName`, `status.hostIP`, `status.podIP`.
    pub field_path: String,
}

/// The fields `fieldRef` may name.
pub fn field_path_ok(p: &str) -> bool {
    matches!(
        p,
        "metadata.name"
            | "metadata.namespace"
            | "metadata.uid"
            | "spec.nodeName"
            | "spec.serviceAccountName"
            | "status.hostIP"
            | "status.hostIPs"
            | "status.podIP"
            | "status.podIPs"
    ) || ((p.starts_with("metadata.labels['") || p.starts_with("metadata.annotations['"))
        && p.ends_with("']"))
}

/// The fields a `downwardAPI` volume's file may hold (as in Kubernetes,
/// the pod's metadata only; its node and addresses are for env).
pub fn volume_field_path_ok(p: &str) -> bool {
    matches!(
        p,
        "metadata.name"
            | "metadata.namespace"
            | "metadata.uid"
            | "metadata.labels"
            | "metadata.annotations"
    ) || (p.starts_with("metadata.") && field_path_ok(p))
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvFromSource {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_ref: Option<NameRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<NameRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NameRef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    /// A path inside the volume to mount instead of its root (relative,
    /// no `..`); it must stay inside the volume once symlinks are followed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sub_path: String,
    /// As `subPath`, with `$(VAR)` expanded from the container's env.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sub_path_expr: String,
}

impl VolumeMount {
    /// The path inside the volume this mount asks for, `$(VAR)` expanded
    /// with `lookup` (`subPathExpr`) or as written (`subPath`); empty for
    /// the volume's root. An unknown variable expands to nothing, as in
    /// Kubernetes.
    pub fn sub_path_with(&self, lookup: impl Fn(&str) -> Option<String>) -> String {
        if self.sub_path_expr.is_empty() {
            return self.sub_path.clone();
        }
        let mut out = String::new();
        let mut rest = self.sub_path_expr.as_str();
        while let Some(i) = rest.find("$(") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            match after.find(')') {
                Some(j) => {
                    out.push_str(&lookup(&after[..j]).unwrap_or_default());
                    rest = &after[j + 1..];
                }
                None => {
                    out.push_str(&rest[i..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Volume {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ConfigMapVolumeSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretVolumeSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_dir: Option<EmptyDirVolumeSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_path: Option<HostPathVolumeSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim: Option<ClaimVolumeSource>,
    #[serde(
        default,
        rename = "downwardAPI",
        skip_serializing_if = "Option::is_none"
    )]
    pub downward_api: Option<DownwardApiVolumeSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projected: Option<ProjectedVolumeSource>,
}

impl Volume {
    /// Whether the volume's files are written from sources that change
    /// (ConfigMaps, Secrets, the pod's own fields) and kept current.
    pub fn follows_sources(&self) -> bool {
        self.config_map.is_some()
            || self.secret.is_some()
            || self.downward_api.is_some()
            || self.projected.is_some()
    }

    /// Whether the volume has files made from the pod's own fields (so a
    /// change of its labels or annotations is to be written at once).
    pub fn follows_pod(&self) -> bool {
        self.downward_api.is_some()
            || self
                .projected
                .as_ref()
                .is_some_and(|p| p.sources.iter().any(|s| s.downward_api.is_some()))
    }

    /// Whether the volume holds Secret data or tokens (kept on tmpfs, never
    /// on disk).
    pub fn holds_secrets(&self) -> bool {
        self.secret.is_some()
            || self.projected.as_ref().is_some_and(|p| {
                p.sources
                    .iter()
                    .any(|s| s.secret.is_some() || s.service_account_token.is_some())
            })
    }

    /// The service-account tokens a projected volume holds.
    pub fn tokens(&self) -> impl Iterator<Item = &ServiceAccountTokenProjection> {
        self.projected
            .iter()
            .flat_map(|p| p.sources.iter())
            .filter_map(|s| s.service_account_token.as_ref())
    }
}

/// The pod's own fields as files (`downwardAPI`): each item a field
/// (`fieldRef`: name, namespace, uid, labels, annotations...) or a
/// container's resource (`resourceFieldRef`, `containerName` required).
/// `labels` and `annotations` files follow the pod's metadata.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DownwardApiVolumeSource {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<DownwardApiFile>,
    /// 0644 by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_mode: Option<i32>,
}

/// One file of a downward API volume or projection.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DownwardApiFile {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_ref: Option<ObjectFieldSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_field_ref: Option<ResourceFieldSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<i32>,
}

/// Several sources in one directory (`projected`): ConfigMaps, Secrets,
/// the pod's own fields and service-account tokens bound to the pod.
/// Kubernetes' `clusterTrustBundle` and `podCertificate` sources are not in
/// ork's schema: the field policy refuses them by name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectedVolumeSource {
    #[serde(default)]
    pub sources: Vec<VolumeProjection>,
    /// 0644 by default, for every source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_mode: Option<i32>,
}

/// One source of a projected volume: exactly one of its fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VolumeProjection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<KeysProjection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<KeysProjection>,
    #[serde(
        default,
        rename = "downwardAPI",
        skip_serializing_if = "Option::is_none"
    )]
    pub downward_api: Option<DownwardApiProjection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_token: Option<ServiceAccountTokenProjection>,
}

/// A token of the pod's ServiceAccount, bound to the pod (it stops working
/// once the pod is gone), for `audience` (the API's when empty), renewed by
/// the node after 80% of `expirationSeconds` (3600 by default, at least 600).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceAccountTokenProjection {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub audience: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_seconds: Option<i64>,
    pub path: String,
}

impl ServiceAccountTokenProjection {
    /// The lifetime asked for: `expirationSeconds`, 3600 when unset.
    pub fn expiration(&self) -> i64 {
        self.expiration_seconds.unwrap_or(3600)
    }
}

/// The keys of a ConfigMap or Secret in a projected volume.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeysProjection {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<KeyToPath>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// The pod's own fields in a projected volume.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DownwardApiProjection {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<DownwardApiFile>,
}

/// Declares a volume made of the keys of a ConfigMap or a Secret: the two
/// differ only in what the field naming the object is called.
macro_rules! keys_volume_source {
    ($source:ident, $object:ident) => {
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $source {
            pub $object: String,
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub items: Vec<KeyToPath>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub optional: Option<bool>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub default_mode: Option<i32>,
        }
    };
}

// A ConfigMap's keys as files, and a Secret's.
keys_volume_source!(ConfigMapVolumeSource, name);
keys_volume_source!(SecretVolumeSource, secret_name);

/// A key written to a chosen relative path.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyToPath {
    pub key: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<i32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmptyDirVolumeSource {
    /// `""` (the node's disk) or `Memory` (tmpfs).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub medium: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_limit: Option<super::quantity::Quantity>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostPathVolumeSource {
    pub path: String,
    /// `""`, `Directory`, `DirectoryOrCreate`, `File`, `FileOrCreate`.
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub type_: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimVolumeSource {
    pub claim_name: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

/// Whether a relative path stays inside its directory (no `..`, not absolute).
pub fn relative_path_ok(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && p.split('/').all(|c| !c.is_empty() && c != ".." && c != ".")
}

/// An environment variable name Kubernetes accepts (`[-._a-zA-Z][-._a-zA-Z0-9]*`).
pub fn env_name_ok(n: &str) -> bool {
    !n.is_empty()
        && !n.starts_with(|c: char| c.is_ascii_digit())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The annotation that records the node a node-local claim lives on (as
/// Kubernetes' `WaitForFirstConsumer` binding writes it).
pub const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";

/// `v1` PersistentVolumeClaim, backed by a directory on one node: unbound
/// until the first pod that uses it is scheduled, then bound to that node
/// for good (its pods go only there). Its data lives until it is deleted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PersistentVolumeClaim {
    pub api_version: String,
    pub kind: String,
    pub metadata: super::meta::ObjectMeta,
    pub spec: ClaimSpec,
    pub status: ClaimStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_modes: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "super::pod::ResourceRequirements::is_empty"
    )]
    pub resources: super::pod::ResourceRequirements,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub volume_mode: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub volume_name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimStatus {
    /// `Pending` until a pod uses it, then `Bound`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phase: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_modes: Vec<String>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub capacity: std::collections::BTreeMap<String, super::quantity::Quantity>,
}

impl PersistentVolumeClaim {
    /// The node the claim is bound to, if any.
    pub fn node(&self) -> Option<&str> {
        self.metadata
            .annotations
            .get(SELECTED_NODE)
            .map(String::as_str)
            .filter(|n| !n.is_empty())
    }
}

/// The claims a pod's volumes name.
pub fn claims_of(spec: &super::pod::PodSpec) -> Vec<&str> {
    spec.volumes
        .iter()
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .map(|c| c.claim_name.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_path_expr_expands_known_variables_and_drops_unknown_ones() {
        let env = |n: &str| (n == "POD").then(|| "web-0".to_string());
        let m = |sub: &str, expr: &str| VolumeMount {
            sub_path: sub.into(),
            sub_path_expr: expr.into(),
            ..Default::default()
        };
        assert_eq!(m("", "logs/$(POD)").sub_path_with(env), "logs/web-0");
        assert_eq!(m("", "$(NOPE)x/$(POD)").sub_path_with(env), "x/web-0");
        assert_eq!(m("", "open$(POD").sub_path_with(env), "open$(POD");
        assert_eq!(m("plain/$(POD)", "").sub_path_with(env), "plain/$(POD)");
        assert_eq!(m("", "").sub_path_with(env), "");
    }
}
