//! The catalog of Kubernetes' field names per type, read from the `k8s-pb`
//! message structs through the field lists of [`super::messages`]: every
//! message listed there also gets a [`Described`] implementation (by the
//! same `message!` macro), whose fields carry their JSON names and, for a
//! field holding another message, that message's type. So the catalog can
//! never drift from the structs: a field the crate adds does not compile
//! until it is listed, and then it is in the catalog too.
//!
//! [`of_kind`] is the type of a kind's objects; [`Type::at`] walks a field
//! path (`spec.containers[0].lifecycle`) from there.
//!
//! Pure data built on first use; imports nothing of ork but
//! [`crate::api::Kind`].

use crate::api::Kind;
use std::collections::BTreeMap;

/// A function giving a message's type (a pointer, so that types that hold
/// each other are built one at a time, on first use).
pub type TypeFn = fn() -> &'static Type;

/// A Kubernetes message type and its fields.
#[derive(Debug)]
pub struct Type {
    /// The type's name as Kubernetes spells it (`Container`, `PodSpec`).
    pub name: String,
    pub fields: Vec<Field>,
}

/// One field of a [`Type`].
#[derive(Debug)]
pub struct Field {
    /// The JSON name; empty for a struct Go embeds inline, whose fields
    /// are this type's fields.
    pub name: &'static str,
    /// The message the field holds (through lists and maps), if any.
    pub message: Option<TypeFn>,
    /// Whether the field is a map from strings (so a path names a key
    /// below it before the next field).
    pub map: bool,
}

impl Type {
    /// The field named `name`, own or of an inline struct.
    pub fn field(&self, name: &str) -> Option<&Field> {
        for f in &self.fields {
            if f.name == name {
                return Some(f);
            }
            if f.name.is_empty()
                && let Some(inner) = f.message.and_then(|t| t().field(name))
            {
                return Some(inner);
            }
        }
        None
    }

    /// Every field name, those of inline structs included, in the order
    /// Kubernetes declares them.
    pub fn names(&self) -> Vec<&'static str> {
        let mut out = vec![];
        for f in &self.fields {
            match (f.name, f.message) {
                ("", Some(t)) => out.extend(t().names()),
                (name, _) => out.push(name),
            }
        }
        out
    }

    /// The type of the object at `path` below this one: field names
    /// separated by dots, list indexes (`[0]`) and map keys (`[key]`, or a
    /// dotted segment after a map field) skipped. `None` when the path
    /// leaves the catalog (a field it lacks, or one that is not a message).
    pub fn at(&'static self, path: &str) -> Option<&'static Type> {
        let mut here = self;
        let mut map_key_next = false;
        for segment in path.split('.').filter(|s| !s.is_empty()) {
            let name = segment.split('[').next().unwrap_or("");
            if std::mem::take(&mut map_key_next) {
                continue;
            }
            if name.is_empty() {
                continue;
            }
            let field = here.field(name)?;
            here = (field.message?)();
            map_key_next = field.map && !segment.contains('[');
        }
        Some(here)
    }
}

/// A Rust type of a message's field: a message has a [`Type`], a scalar
/// none; lists, options and boxes are their element's; maps say so.
pub trait Described {
    /// The message type and whether it is held in a map.
    fn described() -> (Option<TypeFn>, bool) {
        (None, false)
    }
}

/// The catalog field of a message field named `name` (in `message!`'s
/// notation: a leading `?` is dropped) of type `T`.
pub(super) fn field<T: Described>(name: &'static str, _: &T) -> Field {
    let (message, map) = T::described();
    Field {
        name: name.trim_start_matches('?'),
        message,
        map,
    }
}

/// The last segment of a Rust type path.
pub(super) fn short_name(path: &str) -> String {
    path.rsplit("::").next().unwrap_or(path).trim().to_string()
}

impl Described for String {}
impl Described for bool {}
impl Described for i32 {}
impl Described for i64 {}
impl Described for f64 {}
impl Described for Vec<u8> {}

macro_rules! leaf {
    ($($t:ty),*) => { $(impl Described for $t {})* };
}
leaf!(
    k8s_pb::apimachinery::pkg::util::intstr::IntOrString,
    k8s_pb::apimachinery::pkg::api::resource::Quantity,
    k8s_pb::apimachinery::pkg::apis::meta::v1::Time,
    k8s_pb::apimachinery::pkg::apis::meta::v1::MicroTime,
    k8s_pb::apimachinery::pkg::apis::meta::v1::Duration,
    k8s_pb::apimachinery::pkg::apis::meta::v1::FieldsV1,
    k8s_pb::apimachinery::pkg::runtime::RawExtension
);

impl<T: Described> Described for Option<T> {
    fn described() -> (Option<TypeFn>, bool) {
        T::described()
    }
}

impl<T: Described> Described for Box<T> {
    fn described() -> (Option<TypeFn>, bool) {
        T::described()
    }
}

impl<T: Described> Described for Vec<T> {
    fn described() -> (Option<TypeFn>, bool) {
        T::described()
    }
}

impl<T: Described> Described for BTreeMap<String, T> {
    fn described() -> (Option<TypeFn>, bool) {
        (T::described().0, true)
    }
}

/// The type of a kind's objects, for the kinds ork serves.
pub fn of_kind(kind: Kind) -> Option<&'static Type> {
    use k8s_pb::api::{apps::v1 as apps, autoscaling::v2 as autoscaling, core::v1 as core};
    fn t<M: Described>() -> Option<&'static Type> {
        M::described().0.map(|f| f())
    }
    #[allow(unreachable_patterns)]
    match kind {
        Kind::Namespace => t::<core::Namespace>(),
        Kind::Node => t::<core::Node>(),
        Kind::Pod => t::<core::Pod>(),
        Kind::ReplicaSet => t::<apps::ReplicaSet>(),
        Kind::ReplicationController => t::<core::ReplicationController>(),
        Kind::Deployment => t::<apps::Deployment>(),
        Kind::Event => t::<core::Event>(),
        Kind::HorizontalPodAutoscaler => t::<autoscaling::HorizontalPodAutoscaler>(),
        Kind::ConfigMap => t::<core::ConfigMap>(),
        Kind::Service => t::<core::Service>(),
        Kind::Endpoints => t::<core::Endpoints>(),
        Kind::Secret => t::<core::Secret>(),
        Kind::PersistentVolumeClaim => t::<core::PersistentVolumeClaim>(),
        Kind::Ingress => t::<k8s_pb::api::networking::v1::Ingress>(),
        Kind::IngressClass => t::<k8s_pb::api::networking::v1::IngressClass>(),
        Kind::ValidatingAdmissionPolicy => {
            t::<k8s_pb::api::admissionregistration::v1::ValidatingAdmissionPolicy>()
        }
        Kind::ValidatingAdmissionPolicyBinding => {
            t::<k8s_pb::api::admissionregistration::v1::ValidatingAdmissionPolicyBinding>()
        }
        // A kind without its message here still has its pod template's.
        _ => None,
    }
}

/// The pod template's type, for kinds [`of_kind`] does not know.
pub fn pod_template() -> Option<&'static Type> {
    <k8s_pb::api::core::v1::PodTemplateSpec as Described>::described()
        .0
        .map(|f| f())
}
