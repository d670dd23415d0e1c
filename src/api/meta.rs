//! Object metadata as Kubernetes has it: names, uids, revisions, labels,
//! annotations, owner references and timestamps.

use chrono::{DateTime, SecondsFormat, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// A point in time, written as RFC 3339 with second precision (`2026-11-22T10:00:00Z`)
/// like Kubernetes' `metav1.Time`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub DateTime<Utc>);

impl Time {
    pub fn now() -> Self {
        Time(Utc::now())
    }

    /// Whole seconds from `self` to `later` (never negative).
    pub fn seconds_until(&self, later: &Time) -> i64 {
        (later.0 - self.0).num_seconds().max(0)
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| Time(t.with_timezone(&Utc)))
            .map_err(|e| serde::de::Error::custom(format!("invalid RFC 3339 time {s:?}: {e}")))
    }
}

impl JsonSchema for Time {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Time".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time" })
    }
}

/// Standard object metadata.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectMeta {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Prefix for a server-generated name when `name` is empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub generate_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// The store revision of the last write to this object, as a decimal string.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    /// Bumped by the server each time the spec changes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub generation: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owner_references: Vec<OwnerReference>,
    /// What must happen before the object goes: a deleted object that has
    /// finalizers stays, marked with `deletionTimestamp`, until whoever
    /// owns each entry removes it (`foregroundDeletion` is ork's own: the
    /// garbage collector removes it once the blocking dependents are gone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<String>,
    /// Which manager set which fields (server-side apply); kept by the
    /// server, see [`super::managed_fields`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_fields: Vec<ManagedFieldsEntry>,
}

/// One manager's fields: `operation` is `Apply` (server-side apply) or
/// `Update` (every other write), `fieldsV1` the set in Kubernetes' FieldsV1
/// form (`{"f:spec":{"f:replicas":{}}}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManagedFieldsEntry {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manager: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub operation: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Time>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fields_type: String,
    #[serde(default, rename = "fieldsV1", skip_serializing_if = "Option::is_none")]
    pub fields_v1: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subresource: String,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

impl ObjectMeta {
    /// The reference of the owner that manages this object (`controller: true`), if any.
    pub fn controller(&self) -> Option<&OwnerReference> {
        self.owner_references
            .iter()
            .find(|r| r.controller == Some(true))
    }

    /// The store revision as a number (0 when unset or unparsable).
    pub fn revision(&self) -> u64 {
        self.resource_version.parse().unwrap_or(0)
    }

    pub fn is_terminating(&self) -> bool {
        self.deletion_timestamp.is_some()
    }

    /// Whether an update from `old` to this leaves a terminating object of
    /// `kind` without finalizers, so that it goes: every kind but
    /// Namespaces (emptied and removed by the garbage collector) and pods
    /// still stopping on their node (removed by their node's last delete).
    pub fn finalized(&self, old: &ObjectMeta, kind: super::Kind) -> bool {
        self.is_terminating()
            && self.finalizers.is_empty()
            && !old.finalizers.is_empty()
            && kind != super::Kind::Namespace
            && (kind != super::Kind::Pod || self.deletion_grace_period_seconds == Some(0))
    }

    /// Whether the object waits for its dependents to go first
    /// (`propagationPolicy: Foreground`).
    pub fn deleting_in_foreground(&self) -> bool {
        self.is_terminating() && self.finalizers.iter().any(|f| f == FOREGROUND_DELETION)
    }

    /// The rollout revision a Deployment or ReplicaSet carries in its
    /// `deployment.kubernetes.io/revision` annotation (0 when it has none).
    pub fn rollout_revision(&self) -> i64 {
        self.annotations
            .get(super::REVISION_ANNOTATION)
            .and_then(|r| r.parse().ok())
            .unwrap_or(0)
    }
}

/// The finalizer of an object deleted with `propagationPolicy: Foreground`.
pub const FOREGROUND_DELETION: &str = "foregroundDeletion";

/// The finalizer that has an object's dependents released (their reference
/// to it removed) rather than deleted when it is deleted without a
/// propagation policy of its own.
pub const ORPHAN: &str = "orphan";

/// A pointer from a dependent object to the object that owns it; deleting the
/// owner deletes its dependents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnerReference {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub uid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

/// Metadata of a list response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
}

/// A Kubernetes-style condition shared by nodes, pods and workloads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_heartbeat_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_probe_time: Option<Time>,
}

impl Condition {
    pub fn new(type_: &str, ok: bool, reason: &str, message: &str) -> Self {
        Condition {
            type_: type_.to_string(),
            status: if ok { "True" } else { "False" }.to_string(),
            reason: reason.to_string(),
            message: message.to_string(),
            last_transition_time: Some(Time::now()),
            ..Default::default()
        }
    }

    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

/// Finds the condition of a type in a list.
pub fn find_condition<'a>(conds: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conds.iter().find(|c| c.type_ == type_)
}

/// Sets a condition in a list, keeping `lastTransitionTime` when the status did
/// not change. Returns whether anything changed.
pub fn set_condition(conds: &mut Vec<Condition>, mut cond: Condition) -> bool {
    match conds.iter_mut().find(|c| c.type_ == cond.type_) {
        Some(old) => {
            if old.status == cond.status && old.reason == cond.reason && old.message == cond.message
            {
                return false;
            }
            if old.status == cond.status {
                cond.last_transition_time = old.last_transition_time;
            }
            *old = cond;
            true
        }
        None => {
            conds.push(cond);
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_round_trips_at_second_precision() {
        let t: Time = serde_json::from_str("\"2026-11-22T10:00:00Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2026-11-22T10:00:00Z\""
        );
        assert!(serde_json::from_str::<Time>("\"yesterday\"").is_err());
    }

    #[test]
    fn set_condition_keeps_transition_time_when_status_is_unchanged() {
        let mut conds = vec![];
        let mut first = Condition::new("Ready", true, "A", "");
        first.last_transition_time = Some(Time(DateTime::<Utc>::MIN_UTC));
        assert!(set_condition(&mut conds, first));
        assert!(set_condition(
            &mut conds,
            Condition::new("Ready", true, "B", "")
        ));
        assert_eq!(
            conds[0].last_transition_time,
            Some(Time(DateTime::<Utc>::MIN_UTC))
        );
        assert!(!set_condition(
            &mut conds,
            Condition::new("Ready", true, "B", "")
        ));
        assert!(set_condition(
            &mut conds,
            Condition::new("Ready", false, "B", "")
        ));
        assert_ne!(
            conds[0].last_transition_time,
            Some(Time(DateTime::<Utc>::MIN_UTC))
        );
    }
}
