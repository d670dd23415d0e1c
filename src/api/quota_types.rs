//! Namespace policy kinds read by admission: `v1` ResourceQuota (hard
//! limits on what a namespace's objects may request and how many there may
//! be, with the usage charged against them in `status.used`) and `v1`
//! LimitRange (defaults, minimums, maximums and limit/request ratios for
//! containers, pods and claims). Their checks live in
//! `validation::quota`; how they are enforced is the control daemon's
//! admission.
//!
//! Imports only the rest of `api`.

use super::meta::ObjectMeta;
use super::quantity::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Resource name to amount, as `hard`, `used`, `min`, `max` write it.
pub type ResourceList = BTreeMap<String, Quantity>;

/// `v1` ResourceQuota.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ResourceQuota {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ResourceQuotaSpec,
    pub status: ResourceQuotaStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceQuotaSpec {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hard: ResourceList,
    /// `Terminating`, `NotTerminating`, `BestEffort`, `NotBestEffort`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_selector: Option<ScopeSelector>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScopeSelector {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<ScopedRequirement>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScopedRequirement {
    pub scope_name: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceQuotaStatus {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hard: ResourceList,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub used: ResourceList,
}

/// The scopes a quota may name.
pub const QUOTA_SCOPES: [&str; 5] = [
    "Terminating",
    "NotTerminating",
    "BestEffort",
    "NotBestEffort",
    "PriorityClass",
];

impl ResourceQuota {
    /// Every scope the quota names, from `scopes` and `scopeSelector`.
    pub fn scope_names(&self) -> impl Iterator<Item = &str> {
        self.spec.scopes.iter().map(String::as_str).chain(
            self.spec
                .scope_selector
                .iter()
                .flat_map(|s| s.match_expressions.iter().map(|e| e.scope_name.as_str())),
        )
    }
}

/// `v1` LimitRange.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct LimitRange {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: LimitRangeSpec,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LimitRangeSpec {
    #[serde(default)]
    pub limits: Vec<LimitRangeItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LimitRangeItem {
    /// `Container`, `Pod` or `PersistentVolumeClaim`.
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub max: ResourceList,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub min: ResourceList,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub default: ResourceList,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub default_request: ResourceList,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub max_limit_request_ratio: ResourceList,
}

/// The limit types a LimitRange may hold.
pub const LIMIT_TYPES: [&str; 3] = ["Container", "Pod", "PersistentVolumeClaim"];

/// The REQUEST and LIMIT cells kubectl prints for a quota: `name: used/hard`
/// for each resource in `spec.hard`, those under `limits` in the second.
pub fn quota_columns(q: &ResourceQuota) -> (String, String) {
    let (mut requests, mut limits) = (vec![], vec![]);
    for (name, hard) in &q.spec.hard {
        let used = q
            .status
            .used
            .get(name)
            .map_or_else(|| "0".to_string(), ToString::to_string);
        let hard = q.status.hard.get(name).unwrap_or(hard);
        let cell = format!("{name}: {used}/{hard}");
        if name.starts_with("limits") {
            limits.push(cell);
        } else {
            requests.push(cell);
        }
    }
    (requests.join(", "), limits.join(", "))
}

/// Fills in what Kubernetes defaults in a Container item when it is
/// written: the default limit from `max`, the default request from the
/// default limit, then from `min`.
pub fn default_item(item: &mut LimitRangeItem) {
    if item.type_ != "Container" {
        return;
    }
    for (k, v) in &item.max {
        item.default.entry(k.clone()).or_insert_with(|| v.clone());
    }
    for (k, v) in item.default.iter().chain(item.min.iter()) {
        item.default_request
            .entry(k.clone())
            .or_insert_with(|| v.clone());
    }
}
