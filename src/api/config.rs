//! `v1` ConfigMap and Secret: configuration data as string keys (`data`)
//! and base64 bytes (`binaryData`; a Secret's `data` is all base64, and
//! `stringData` is folded into it on write), and the rules for their keys
//! and size that `validation::config` applies (key names, no key in both
//! maps, 1 MiB in all). Validation messages never quote a Secret's values.
//!
//! Imports only the rest of `api`.

use super::meta::ObjectMeta;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most bytes a ConfigMap may hold, keys and values together.
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// Configuration data (keys and values) that pods read as environment variables or files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ConfigMap {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
    /// Values are base64.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub binary_data: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
}

impl ConfigMap {
    /// Number of keys, as `get configmaps` shows in DATA.
    pub fn key_count(&self) -> usize {
        self.data.len() + self.binary_data.len()
    }

    pub fn is_immutable(&self) -> bool {
        self.immutable == Some(true)
    }
}

/// Sensitive data (keys and base64 values), encrypted at rest, that pods
/// read as environment variables or files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Secret {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    /// `Opaque` (default), `kubernetes.io/tls`, `kubernetes.io/basic-auth`...
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub type_: String,
    /// Values are base64.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
    /// Write-only plain values, folded into `data` when stored.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub string_data: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
}

impl Secret {
    pub fn is_immutable(&self) -> bool {
        self.immutable == Some(true)
    }

    /// The TYPE column.
    pub fn type_name(&self) -> &str {
        if self.type_.is_empty() {
            "Opaque"
        } else {
            &self.type_
        }
    }

    /// Folds `stringData` into `data` (base64), as the API server does on write.
    pub fn fold_string_data(&mut self) {
        use base64::Engine;
        for (k, v) in std::mem::take(&mut self.string_data) {
            self.data.insert(
                k,
                base64::engine::general_purpose::STANDARD.encode(v.as_bytes()),
            );
        }
        if self.type_.is_empty() {
            self.type_ = "Opaque".into();
        }
    }

    /// The bytes of a key, if it holds valid base64.
    pub fn value(&self, key: &str) -> Option<Vec<u8>> {
        self.data.get(key).and_then(|v| decode_base64(v))
    }
}

/// A key Kubernetes accepts in a ConfigMap or Secret: `[-._a-zA-Z0-9]+`,
/// at most 253 characters, not `.` or `..`.
pub fn key_error(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("a key must not be empty".into());
    }
    if key.len() > 253 {
        return Some(format!("key {key:?} is longer than 253 characters"));
    }
    if key == "." || key.starts_with("..") {
        return Some(format!(
            "key {key:?} is not allowed: keys must not be '.' or start with '..' (volumes use such names for their own)"
        ));
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "key {key:?} has {c:?}: keys may hold only letters, digits, '-', '_' and '.'"
        ));
    }
    None
}

/// The bytes base64 `s` (standard alphabet, padded) stands for.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_kubernetes_rules() {
        for ok in ["a", "game.properties", "UI_COLOR", "x-1.y_2"] {
            assert_eq!(key_error(ok), None, "{ok}");
        }
        for bad in ["", ".", "..", "..data", "...x", "a/b", "a b", "é"] {
            assert!(key_error(bad).is_some(), "{bad:?}");
        }
        assert!(key_error(&"k".repeat(254)).is_some());
    }

    #[test]
    fn base64_decodes_with_padding() {
        assert_eq!(decode_base64("AJ+Slg==").map(|b| b.len()), Some(4));
        assert_eq!(decode_base64("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_base64("not base64!"), None);
    }
}
