//! Checks beyond the schema, one file per kind: DNS-1123 names, label
//! syntax, container and port rules, selectors that must match their
//! templates. Each check returns every problem it finds as a [`FieldError`]
//! naming the field path, so a manifest's errors are listed at once. This
//! file holds what every kind shares: the error type, name and label rules,
//! and the metadata check every validator runs first.
//!
//! Checks here see one object only; those that need other objects (ports
//! taken by other services, quotas) belong to the control daemon's admission.

mod apps;
mod autoscaling;
pub mod batch;
mod config;
mod core;
mod daemonset;
mod downward;
mod ingress;
mod init;
mod lease;
mod lifecycle;
mod pdb;
mod pod;
mod quota;
mod rbac;
pub mod scheduling;
mod service;
mod serviceaccount;
pub mod statefulset;
mod volume;

pub use apps::{validate_deployment, validate_replicaset};
pub use autoscaling::validate_hpa;
pub use config::{validate_configmap, validate_secret};
pub use core::{validate_event, validate_namespace, validate_node};
pub use daemonset::{validate_controller_revision, validate_daemonset};
pub use ingress::{validate_ingress, validate_ingress_class};
pub use lease::validate_lease;
pub use pdb::validate_pdb;
pub use pod::{RUNTIME_CLASSES, validate_pod};
pub use quota::{validate_limit_range, validate_quota};
pub use rbac::{
    validate_cluster_role, validate_cluster_role_binding, validate_role, validate_role_binding,
    validate_role_ref_update,
};
pub use scheduling::validate_priority_class;
pub use service::{validate_endpoints, validate_service};
pub use serviceaccount::validate_service_account;
pub use statefulset::{validate_statefulset, validate_statefulset_update};
pub use volume::validate_claim;

use super::meta::ObjectMeta;
use super::object::{Kind, Object};
use std::collections::BTreeMap;
use std::fmt;

/// One problem with one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path with indices: `spec.template.spec.containers[0].name`.
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a string is not a DNS-1123 label (lowercase alphanumerics and `-`,
/// starting and ending alphanumeric, at most 63), or `None` when it is one.
pub fn dns1123_label_error(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > 63 {
        return Some(format!("must be at most 63 characters (is {})", s.len()));
    }
    let ok_chars = s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let edges = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !ok_chars || !edges(s.chars().next()) || !edges(s.chars().last()) {
        return Some(format!(
            "{s:?} is not a DNS-1123 label: use lowercase letters, digits and '-', \
             starting and ending with a letter or digit (e.g. 'my-name')"
        ));
    }
    None
}

/// Why a string is not a DNS-1123 subdomain (labels joined by `.`, at most
/// 253), or `None` when it is one.
pub fn dns1123_subdomain_error(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > 253 {
        return Some(format!("must be at most 253 characters (is {})", s.len()));
    }
    if s.split('.').any(|part| dns1123_label_error(part).is_some()) {
        return Some(format!(
            "{s:?} is not a DNS-1123 subdomain: use lowercase letters, digits, '-' and '.', \
             starting and ending with a letter or digit (e.g. 'example.com')"
        ));
    }
    None
}

fn qualified_name_part_ok(s: &str) -> bool {
    let edges = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && edges(s.chars().next())
        && edges(s.chars().last())
}

/// Why a string is not a label or annotation key (`[prefix/]name`).
pub fn label_key_error(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix
        && dns1123_subdomain_error(p).is_some()
    {
        return Some(format!(
            "key {key:?}: prefix {p:?} must be a DNS-1123 subdomain"
        ));
    }
    if !qualified_name_part_ok(name) {
        return Some(format!(
            "key {key:?}: name part must be 1-63 characters of letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit"
        ));
    }
    None
}

/// Why a string is not a label value (empty, or up to 63 like a name part).
pub fn label_value_error(v: &str) -> Option<String> {
    if v.is_empty() || qualified_name_part_ok(v) {
        None
    } else {
        Some(format!(
            "value {v:?} must be at most 63 characters of letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit"
        ))
    }
}

/// Every problem of an object: its metadata first, then what `rest` finds
/// in the rest of it.
/// Labels and annotations of one object may total at most this many bytes.
pub const MAX_METADATA_BYTES: usize = 256 * 1024;

pub(crate) fn object<T: Object>(
    obj: &T,
    rest: impl FnOnce(&T, &mut Vec<FieldError>),
) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(T::KIND, obj.meta(), &mut errs);
    rest(obj, &mut errs);
    errs
}

fn validate_meta(kind: Kind, meta: &ObjectMeta, errs: &mut Vec<FieldError>) {
    if meta.name.is_empty() {
        if meta.generate_name.is_empty() {
            errs.push(FieldError::new("metadata.name", "required"));
        }
    } else {
        let bad = if kind == Kind::Namespace {
            dns1123_label_error(&meta.name)
        } else if kind.info().group == crate::api::rbac::GROUP {
            // RBAC names are path segments (`system:aggregate-to-edit`).
            rbac::path_segment_error(&meta.name)
        } else {
            dns1123_subdomain_error(&meta.name)
        };
        if let Some(m) = bad {
            errs.push(FieldError::new("metadata.name", m));
        }
    }
    if kind.namespaced()
        && !meta.namespace.is_empty()
        && let Some(m) = dns1123_label_error(&meta.namespace)
    {
        errs.push(FieldError::new("metadata.namespace", m));
    }
    validate_labels("metadata.labels", &meta.labels, errs);
    let mut size: usize = meta.labels.iter().map(|(k, v)| k.len() + v.len()).sum();
    for (k, v) in &meta.annotations {
        if let Some(m) = label_key_error(k) {
            errs.push(FieldError::new(format!("metadata.annotations.{k}"), m));
        }
        size += k.len() + v.len();
    }
    if size > MAX_METADATA_BYTES {
        errs.push(FieldError::new(
            "metadata.annotations",
            format!("labels and annotations total {size} bytes; at most 256 KiB are allowed"),
        ));
    }
}

pub(super) fn validate_labels(
    path: &str,
    labels: &BTreeMap<String, String>,
    errs: &mut Vec<FieldError>,
) {
    for (k, v) in labels {
        if let Some(m) = label_key_error(k) {
            errs.push(FieldError::new(format!("{path}.{k}"), m));
        }
        if let Some(m) = label_value_error(v) {
            errs.push(FieldError::new(format!("{path}.{k}"), m));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels_and_subdomains() {
        assert!(dns1123_label_error("web-1").is_none());
        assert!(dns1123_label_error("Web").is_some());
        assert!(dns1123_label_error("-web").is_some());
        assert!(dns1123_label_error("web-").is_some());
        assert!(dns1123_label_error(&"a".repeat(64)).is_some());
        assert!(dns1123_label_error("a.b").is_some());
        assert!(dns1123_subdomain_error("a.b-c.d").is_none());
        assert!(dns1123_subdomain_error("a..b").is_some());
        assert!(dns1123_subdomain_error("under_score").is_some());
    }

    #[test]
    fn label_keys_and_values() {
        assert!(label_key_error("app").is_none());
        assert!(label_key_error("app.kubernetes.io/name").is_none());
        assert!(label_key_error("Bad Key").is_some());
        assert!(label_key_error("UPPER.example/x").is_some());
        assert!(label_value_error("").is_none());
        assert!(label_value_error("v1.2_x").is_none());
        assert!(label_value_error("-x").is_some());
    }
}
