//! `apps/v1` StatefulSet: pods with stable ordinal names (`web-0`, `web-1`…),
//! each with its own claims made from `volumeClaimTemplates`
//! (`<template>-<set>-<ordinal>`), started and stopped in order unless
//! `podManagementPolicy: Parallel`. Its checks live in
//! `validation::statefulset`; its controller in
//! `control::controllers::statefulset`.
//!
//! Imports only the rest of `api`.

use super::apps::IntOrString;
use super::meta::{Condition, ObjectMeta};
use super::pod::PodTemplateSpec;
use super::selector::LabelSelector;
use super::volume::PersistentVolumeClaim;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The label carrying a StatefulSet pod's name (for per-pod Services).
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// The label carrying a StatefulSet pod's ordinal.
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// The label carrying the revision (template hash) a pod was made from.
pub const REVISION_LABEL: &str = "controller-revision-hash";

/// Pods with stable names and storage, one per ordinal.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StatefulSet {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: StatefulSetSpec,
    pub status: StatefulSetStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatefulSetSpec {
    /// Desired pods (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    pub selector: LabelSelector,
    #[serde(default)]
    pub template: PodTemplateSpec,
    /// Claims every pod gets, named `<template name>-<set>-<ordinal>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volume_claim_templates: Vec<PersistentVolumeClaim>,
    /// The headless Service the pods' names resolve under.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_name: String,
    /// `OrderedReady` (default) or `Parallel`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pod_management_policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_strategy: Option<StatefulSetUpdateStrategy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i32>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_ready_seconds: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim_retention_policy:
        Option<StatefulSetPersistentVolumeClaimRetentionPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordinals: Option<StatefulSetOrdinals>,
}

fn is_zero(v: &i32) -> bool {
    *v == 0
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatefulSetUpdateStrategy {
    /// `RollingUpdate` (default) or `OnDelete`.
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdateStatefulSetStrategy>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RollingUpdateStatefulSetStrategy {
    /// Ordinals below this keep their revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<i32>,
    /// Pods that may be unavailable during the update (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
}

/// What happens to the claims when the set is deleted or scaled down.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatefulSetPersistentVolumeClaimRetentionPolicy {
    /// `Retain` (default) or `Delete`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub when_deleted: String,
    /// `Retain` (default) or `Delete`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub when_scaled: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatefulSetOrdinals {
    /// The first ordinal (default 0).
    #[serde(default)]
    pub start: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatefulSetStatus {
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub observed_generation: i64,
    #[serde(default)]
    pub replicas: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ready_replicas: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub current_replicas: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub updated_replicas: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub available_replicas: i32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub current_revision: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub update_revision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collision_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

impl StatefulSet {
    pub fn replicas(&self) -> i32 {
        self.spec.replicas.unwrap_or(1)
    }

    /// The first ordinal (`spec.ordinals.start`, default 0).
    pub fn start_ordinal(&self) -> i32 {
        self.spec.ordinals.as_ref().map_or(0, |o| o.start)
    }

    pub fn is_parallel(&self) -> bool {
        self.spec.pod_management_policy == "Parallel"
    }

    pub fn is_on_delete(&self) -> bool {
        self.spec
            .update_strategy
            .as_ref()
            .is_some_and(|s| s.type_ == "OnDelete")
    }

    /// `spec.updateStrategy.rollingUpdate.partition` (default 0).
    pub fn partition(&self) -> i32 {
        self.rolling().and_then(|r| r.partition).unwrap_or(0)
    }

    /// Pods that may be unavailable during an update (default 1, at least 1).
    pub fn max_unavailable(&self) -> i32 {
        self.rolling()
            .and_then(|r| r.max_unavailable.as_ref())
            .and_then(|m| m.scaled(self.replicas(), false).ok())
            .unwrap_or(1)
            .max(1)
    }

    fn rolling(&self) -> Option<&RollingUpdateStatefulSetStrategy> {
        self.spec
            .update_strategy
            .as_ref()
            .and_then(|s| s.rolling_update.as_ref())
    }

    /// Whether claims are deleted when the set is (`whenDeleted: Delete`).
    pub fn deletes_claims_with_set(&self) -> bool {
        self.spec
            .persistent_volume_claim_retention_policy
            .as_ref()
            .is_some_and(|p| p.when_deleted == "Delete")
    }

    /// Whether claims of removed ordinals go (`whenScaled: Delete`).
    pub fn deletes_claims_when_scaled(&self) -> bool {
        self.spec
            .persistent_volume_claim_retention_policy
            .as_ref()
            .is_some_and(|p| p.when_scaled == "Delete")
    }

    /// The name of the pod with `ordinal`: `web-0`.
    pub fn pod_name(&self, ordinal: i32) -> String {
        format!("{}-{ordinal}", self.metadata.name)
    }

    /// The claim of `template` for `ordinal`: `www-web-0`.
    pub fn claim_name(&self, template: &str, ordinal: i32) -> String {
        format!("{template}-{}-{ordinal}", self.metadata.name)
    }

    /// The ordinal of a pod of this set by its name (`web-2` → 2).
    pub fn ordinal_of(&self, pod_name: &str) -> Option<i32> {
        let rest = pod_name
            .strip_prefix(&self.metadata.name)?
            .strip_prefix('-')?;
        if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        rest.parse().ok()
    }
}
