//! Request bodies in Kubernetes' protobuf encoding
//! (`application/vnd.kubernetes.protobuf`, which kubectl ≥ 1.32 sends for
//! `create deployment|configmap|secret|namespace` and drain's evictions):
//! the `k8s\0` magic, a `runtime.Unknown` envelope naming the type, then the
//! message, decoded with the `k8s-pb` crate's types and turned into the JSON
//! the API takes. The server then decodes that JSON as it decodes any JSON
//! body, so validation and strictness are the same for both encodings.
//!
//! The JSON is built field by field from [`messages`]: every field of a
//! message is carried over (an unset one left out), so a field ork does not
//! serve is refused by the strict JSON decoding, naming it, as in a JSON
//! body. The types with their own JSON form (`IntOrString`, `Quantity`,
//! `Time`, `MicroTime`, `Duration`, `FieldsV1`, `RawExtension`, bytes) are
//! written here by hand.
//!
//! Pure; imports nothing of ork but [`super::Kind`].

pub mod catalog;
mod messages;

use super::Kind;
use base64::Engine;
use k8s_pb as pb;
use prost::Message;
use serde_json::Value;
use std::collections::BTreeMap;

/// The media type of protobuf bodies.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The prefix of every protobuf body.
pub const MAGIC: &[u8] = b"k8s\0";

/// Why a protobuf body could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProtoError {
    /// The body does not start with the `k8s\0` prefix.
    #[error(
        "a protobuf body starts with the 4 bytes \"k8s\\0\"; this one does not (send JSON, or Kubernetes' protobuf encoding)"
    )]
    NoMagic,
    /// The envelope or the message is not valid protobuf.
    #[error("the protobuf body is not a valid {what}: {source}")]
    Decode {
        what: String,
        #[source]
        source: prost::DecodeError,
    },
    /// The envelope names a type ork does not take in protobuf.
    #[error("ork does not take {api_version}/{kind} in protobuf; send it as JSON")]
    Unsupported { api_version: String, kind: String },
}

/// A value with a JSON form; `absent` ones (unset, empty) are left out.
pub trait Json {
    fn json(&self) -> Value;
    fn absent(&self) -> bool {
        false
    }
}

/// Implements [`Json`] for a `k8s-pb` message from its fields' JSON names;
/// an empty name marks a struct Go embeds inline (`VolumeSource` in
/// `Volume`, `ProbeHandler` in `Probe`), whose fields JSON writes in place;
/// a `?` before a name marks a number or boolean Go holds by value, whose
/// zero Go's protobuf writes and its JSON leaves out (empty strings are
/// left out everywhere, as Go's JSON does).
/// The destructuring pattern names every field, so a message with a field
/// that is not listed does not compile.
macro_rules! message {
    ($($seg:ident)::+ { $($field:ident : $name:literal),* $(,)? }) => {
        impl Json for k8s_pb::$($seg)::+ {
            #[allow(unused_mut)]
            fn json(&self) -> Value {
                let Self { $($field),* } = self;
                let mut m = Map::new();
                $(
                    if !$field.absent() {
                        let (name, plain) = match $name.strip_prefix('?') {
                            Some(n) => (n, true),
                            None => ($name, false),
                        };
                        match (name, $field.json()) {
                            (_, Value::Null) => {}
                            // Go writes its empty strings; JSON leaves them out.
                            (_, Value::String(s)) if s.is_empty() => {}
                            (_, Value::Bool(false)) if plain => {}
                            (_, Value::Number(n)) if plain && n.as_i64() == Some(0) => {}
                            // Embedded inline in Go: its fields are this object's.
                            ("", Value::Object(inner)) => m.extend(inner),
                            (name, v) => {
                                m.insert(name.to_string(), v);
                            }
                        }
                    }
                )*
                Value::Object(m)
            }
        }

        impl crate::api::protobuf::catalog::Described for k8s_pb::$($seg)::+ {
            fn described() -> (Option<crate::api::protobuf::catalog::TypeFn>, bool) {
                fn build() -> &'static crate::api::protobuf::catalog::Type {
                    static TYPE: std::sync::OnceLock<crate::api::protobuf::catalog::Type> = std::sync::OnceLock::new();
                    TYPE.get_or_init(|| {
                        let k8s_pb::$($seg)::+ { $($field),* } = &<k8s_pb::$($seg)::+>::default();
                        crate::api::protobuf::catalog::Type {
                            name: crate::api::protobuf::catalog::short_name(stringify!($($seg)::+)),
                            fields: vec![$(crate::api::protobuf::catalog::field($name, $field)),*],
                        }
                    })
                }
                (Some(build), false)
            }
        }
    };
}
use message;

impl Json for String {
    fn json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl Json for bool {
    fn json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl Json for i32 {
    fn json(&self) -> Value {
        Value::from(*self)
    }
}

impl Json for i64 {
    fn json(&self) -> Value {
        Value::from(*self)
    }
}

impl Json for f64 {
    fn json(&self) -> Value {
        serde_json::Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
}

/// `bytes` are base64 in JSON.
impl Json for Vec<u8> {
    fn json(&self) -> Value {
        Value::String(base64::engine::general_purpose::STANDARD.encode(self))
    }
}

impl<T: Json> Json for Option<T> {
    fn json(&self) -> Value {
        self.as_ref().map_or(Value::Null, Json::json)
    }
    fn absent(&self) -> bool {
        self.is_none()
    }
}

impl<T: Json> Json for Box<T> {
    fn json(&self) -> Value {
        self.as_ref().json()
    }
}

impl<T: Json> Json for Vec<T> {
    fn json(&self) -> Value {
        Value::Array(self.iter().map(Json::json).collect())
    }
    fn absent(&self) -> bool {
        self.is_empty()
    }
}

impl<T: Json> Json for BTreeMap<String, T> {
    fn json(&self) -> Value {
        Value::Object(self.iter().map(|(k, v)| (k.clone(), v.json())).collect())
    }
    fn absent(&self) -> bool {
        self.is_empty()
    }
}

use pb::apimachinery::pkg::apis::meta::v1 as meta;

impl Json for pb::apimachinery::pkg::util::intstr::IntOrString {
    fn json(&self) -> Value {
        match self.r#type {
            Some(1) => self.str_val.clone().unwrap_or_default().into(),
            _ => self.int_val.unwrap_or_default().into(),
        }
    }
}

impl Json for pb::apimachinery::pkg::api::resource::Quantity {
    fn json(&self) -> Value {
        self.string.clone().unwrap_or_default().into()
    }
}

/// A time at `seconds` and `nanos` since the epoch, as RFC 3339 with
/// `digits` fraction digits; the zero time is `null`.
fn rfc3339(seconds: i64, nanos: i32, micros: bool) -> Value {
    if seconds == 0 && nanos == 0 {
        return Value::Null;
    }
    let Some(t) = chrono::DateTime::from_timestamp(seconds, u32::try_from(nanos).unwrap_or(0))
    else {
        return Value::Null;
    };
    let f = if micros {
        chrono::SecondsFormat::Micros
    } else {
        chrono::SecondsFormat::Secs
    };
    t.to_rfc3339_opts(f, true).into()
}

impl Json for meta::Time {
    fn json(&self) -> Value {
        rfc3339(self.seconds.unwrap_or(0), self.nanos.unwrap_or(0), false)
    }
}

impl Json for meta::MicroTime {
    fn json(&self) -> Value {
        rfc3339(self.seconds.unwrap_or(0), self.nanos.unwrap_or(0), true)
    }
}

/// Go's `time.Duration` text (`1h2m3s`, `1.5s`, `0s`).
impl Json for meta::Duration {
    fn json(&self) -> Value {
        let ns = self.duration.unwrap_or(0);
        let (sign, ns) = if ns < 0 { ("-", -ns) } else { ("", ns) };
        let (h, rest) = (ns / 3_600_000_000_000, ns % 3_600_000_000_000);
        let (m, rest) = (rest / 60_000_000_000, rest % 60_000_000_000);
        let (s, frac) = (rest / 1_000_000_000, rest % 1_000_000_000);
        let secs = if frac == 0 {
            format!("{s}s")
        } else {
            let f = format!("{frac:09}");
            format!("{s}.{}s", f.trim_end_matches('0'))
        };
        let text = match (h, m) {
            (0, 0) => secs,
            (0, m) => format!("{m}m{secs}"),
            (h, m) => format!("{h}h{m}m{secs}"),
        };
        format!("{sign}{text}").into()
    }
}

/// Raw JSON carried inside a message (managed fields, embedded objects).
fn raw_json(raw: &Option<Vec<u8>>) -> Value {
    raw.as_deref()
        .and_then(|r| serde_json::from_slice(r).ok())
        .unwrap_or(Value::Null)
}

impl Json for meta::FieldsV1 {
    fn json(&self) -> Value {
        raw_json(&self.raw)
    }
}

impl Json for pb::apimachinery::pkg::runtime::RawExtension {
    fn json(&self) -> Value {
        raw_json(&self.raw)
    }
}

/// Whether a `Content-Type` is the protobuf one.
pub fn is_protobuf(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case(MEDIA_TYPE))
}

fn decode_as<M: Message + Default + Json>(raw: &[u8], what: &str) -> Result<Value, ProtoError> {
    let m = M::decode(raw).map_err(|source| ProtoError::Decode {
        what: what.to_string(),
        source,
    })?;
    Ok(m.json())
}

/// The JSON object a protobuf body holds, with its `apiVersion` and `kind`:
/// any kind ork serves (HorizontalPodAutoscalers in `autoscaling/v1` too),
/// `DeleteOptions`, an `Eviction` or an access review.
pub fn to_json(body: &[u8]) -> Result<Value, ProtoError> {
    let rest = body.strip_prefix(MAGIC).ok_or(ProtoError::NoMagic)?;
    let env = pb::apimachinery::pkg::runtime::Unknown::decode(rest).map_err(|source| {
        ProtoError::Decode {
            what: "runtime.Unknown envelope".into(),
            source,
        }
    })?;
    let tm = env.type_meta.unwrap_or_default();
    let api_version = tm.api_version.unwrap_or_default();
    let kind = tm.kind.unwrap_or_default();
    let raw = env.raw.unwrap_or_default();
    let what = format!("{api_version}/{kind}");
    let mut v = match (api_version.as_str(), kind.as_str()) {
        (_, "DeleteOptions") => decode_as::<meta::DeleteOptions>(&raw, &what)?,
        ("policy/v1", "Eviction") => decode_as::<pb::api::policy::v1::Eviction>(&raw, &what)?,
        ("autoscaling/v1", "HorizontalPodAutoscaler") => {
            decode_as::<pb::api::autoscaling::v1::HorizontalPodAutoscaler>(&raw, &what)?
        }
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => {
            decode_as::<pb::api::authorization::v1::SelfSubjectAccessReview>(&raw, &what)?
        }
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview") => {
            decode_as::<pb::api::authorization::v1::SelfSubjectRulesReview>(&raw, &what)?
        }
        _ => match Kind::from_type_meta(&api_version, &kind) {
            Some(k) => decode_kind(k, &raw, &what)?,
            None => return Err(ProtoError::Unsupported { api_version, kind }),
        },
    };
    if let Value::Object(m) = &mut v {
        m.insert("apiVersion".into(), api_version.into());
        m.insert("kind".into(), kind.into());
    }
    Ok(v)
}

fn decode_kind(kind: Kind, raw: &[u8], what: &str) -> Result<Value, ProtoError> {
    use pb::api::{apps::v1 as apps, autoscaling::v2 as autoscaling, core::v1 as core};
    match kind {
        Kind::Namespace => decode_as::<core::Namespace>(raw, what),
        Kind::Node => decode_as::<core::Node>(raw, what),
        Kind::Pod => decode_as::<core::Pod>(raw, what),
        Kind::ReplicaSet => decode_as::<apps::ReplicaSet>(raw, what),
        Kind::Deployment => decode_as::<apps::Deployment>(raw, what),
        Kind::Event => decode_as::<core::Event>(raw, what),
        Kind::HorizontalPodAutoscaler => {
            decode_as::<autoscaling::HorizontalPodAutoscaler>(raw, what)
        }
        Kind::ConfigMap => decode_as::<core::ConfigMap>(raw, what),
        Kind::Service => decode_as::<core::Service>(raw, what),
        Kind::Endpoints => decode_as::<core::Endpoints>(raw, what),
        Kind::Secret => decode_as::<core::Secret>(raw, what),
        Kind::PersistentVolumeClaim => decode_as::<core::PersistentVolumeClaim>(raw, what),
        Kind::Job => decode_as::<pb::api::batch::v1::Job>(raw, what),
        Kind::DaemonSet => decode_as::<apps::DaemonSet>(raw, what),
        Kind::ControllerRevision => decode_as::<apps::ControllerRevision>(raw, what),
        Kind::StatefulSet => decode_as::<apps::StatefulSet>(raw, what),
        Kind::ResourceQuota => decode_as::<core::ResourceQuota>(raw, what),
        Kind::LimitRange => decode_as::<core::LimitRange>(raw, what),
        Kind::ServiceAccount => decode_as::<core::ServiceAccount>(raw, what),
        Kind::Ingress => decode_as::<pb::api::networking::v1::Ingress>(raw, what),
        Kind::IngressClass => decode_as::<pb::api::networking::v1::IngressClass>(raw, what),
        Kind::CronJob => decode_as::<pb::api::batch::v1::CronJob>(raw, what),
        Kind::PodDisruptionBudget => {
            decode_as::<pb::api::policy::v1::PodDisruptionBudget>(raw, what)
        }
        Kind::Role => decode_as::<pb::api::rbac::v1::Role>(raw, what),
        Kind::ClusterRole => decode_as::<pb::api::rbac::v1::ClusterRole>(raw, what),
        Kind::RoleBinding => decode_as::<pb::api::rbac::v1::RoleBinding>(raw, what),
        Kind::ClusterRoleBinding => decode_as::<pb::api::rbac::v1::ClusterRoleBinding>(raw, what),
        Kind::Lease => decode_as::<pb::api::coordination::v1::Lease>(raw, what),
        Kind::PriorityClass => decode_as::<pb::api::scheduling::v1::PriorityClass>(raw, what),
        Kind::StorageClass => decode_as::<pb::api::storage::v1::StorageClass>(raw, what),
        Kind::ReplicationController => {
            decode_as::<pb::api::core::v1::ReplicationController>(raw, what)
        }
        Kind::ValidatingAdmissionPolicy => {
            decode_as::<pb::api::admissionregistration::v1::ValidatingAdmissionPolicy>(raw, what)
        }
        Kind::ValidatingAdmissionPolicyBinding => decode_as::<
            pb::api::admissionregistration::v1::ValidatingAdmissionPolicyBinding,
        >(raw, what),
    }
}

/// A protobuf body in the envelope Kubernetes writes: `k8s\0`, then a
/// `runtime.Unknown` naming `api_version`/`kind` around the message.
pub fn envelope(api_version: &str, kind: &str, message: &impl Message) -> Vec<u8> {
    let env = pb::apimachinery::pkg::runtime::Unknown {
        type_meta: Some(pb::apimachinery::pkg::runtime::TypeMeta {
            api_version: Some(api_version.to_string()),
            kind: Some(kind.to_string()),
        }),
        raw: Some(message.encode_to_vec()),
        content_encoding: Some(String::new()),
        content_type: Some(String::new()),
    };
    let mut out = MAGIC.to_vec();
    out.extend(env.encode_to_vec());
    out
}

#[cfg(test)]
mod tests;
