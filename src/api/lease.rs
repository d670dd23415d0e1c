//! `coordination.k8s.io/v1` Lease: who holds a lock and until when, as
//! Kubernetes shows leader election (`kube-system/ork-control-plane`, held
//! by the control daemon that runs the scheduler and the controllers).
//!
//! Types only; imports nothing of ork outside `api`.

use super::meta::ObjectMeta;
use chrono::{DateTime, SecondsFormat, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The namespace of the control plane's Lease.
pub const NAMESPACE: &str = "kube-system";
/// The name of the Lease the leading control daemon holds.
pub const CONTROL_PLANE: &str = "ork-control-plane";

/// A lock with a holder and a term.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Lease {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: LeaseSpec,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LeaseSpec {
    /// Who holds the lease now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_identity: Option<String>,
    /// How long the holder may go without renewing before others may take it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_duration_seconds: Option<i32>,
    /// When the current holder took it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquire_time: Option<MicroTime>,
    /// When the current holder last renewed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_time: Option<MicroTime>,
    /// How many times it changed holders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_transitions: Option<i32>,
    /// How a holder is chosen (Kubernetes' coordinated election); kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// The holder a coordinated election would pick next; kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_holder: Option<String>,
}

/// A point in time with microseconds (`2026-12-07T09:00:00.123456Z`), like
/// Kubernetes' `metav1.MicroTime`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MicroTime(pub DateTime<Utc>);

impl MicroTime {
    pub fn now() -> Self {
        MicroTime(Utc::now())
    }
}

impl Serialize for MicroTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_rfc3339_opts(SecondsFormat::Micros, true))
    }
}

impl<'de> Deserialize<'de> for MicroTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| MicroTime(t.with_timezone(&Utc)))
            .map_err(|e| serde::de::Error::custom(format!("invalid RFC 3339 time {s:?}: {e}")))
    }
}

impl JsonSchema for MicroTime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MicroTime".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_reads_and_writes_as_kubernetes_has_it() {
        let json = r#"{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"kube-scheduler","namespace":"kube-system"},"spec":{"holderIdentity":"cp-1_5e2","leaseDurationSeconds":15,"acquireTime":"2026-12-07T09:00:00.000000Z","renewTime":"2026-12-07T09:00:02.250000Z","leaseTransitions":3}}"#;
        let l: Lease = serde_json::from_str(json).unwrap();
        assert_eq!(l.spec.holder_identity.as_deref(), Some("cp-1_5e2"));
        assert_eq!(l.spec.lease_transitions, Some(3));
        let back = serde_json::to_string(&l).unwrap();
        assert!(
            back.contains(r#""renewTime":"2026-12-07T09:00:02.250000Z""#),
            "{back}"
        );
        assert!(serde_json::from_str::<Lease>(r#"{"spec":{"holder":"x"}}"#).is_err());
    }
}
