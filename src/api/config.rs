//! `v1` ConfigMap and Secret: configuration data as string keys (`data`)
//! and base64 bytes (`binaryData`; a Secret's `data` is all base64, and
//! `stringData` is folded into it on write), with the validation Kubernetes
//! applies (key names, no key in both maps, 1 MiB in all). Validation
//! messages never quote a Secret's values.
//!
//! Imports only the rest of `api`.

use super::meta::ObjectMeta;
use super::validation::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most bytes a ConfigMap may hold, keys and values together.
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigMap {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
    /// Values are base64.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub binary_data: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Secret {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `Opaque` (default), `kubernetes.io/tls`, `kubernetes.io/basic-auth`...
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub type_: String,
    /// Values are base64.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
    /// Write-only plain values, folded into `data` when stored.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub string_data: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

pub fn validate_secret(s: &Secret, errs: &mut Vec<FieldError>) {
    let mut size = 0;
    for (k, v) in &s.data {
        if let Some(e) = key_error(k) {
            errs.push(FieldError::new(format!("data[{k}]"), e));
        }
        match decode_base64(v) {
            Some(b) => size += k.len() + b.len(),
            // Never quote the value: it is a secret.
            None => errs.push(FieldError::new(
                format!("data[{k}]"),
                "not base64 (standard alphabet, padded); put plain values in stringData",
            )),
        }
    }
    for (k, v) in &s.string_data {
        if let Some(e) = key_error(k) {
            errs.push(FieldError::new(format!("stringData[{k}]"), e));
        }
        size += k.len() + v.len();
    }
    if size > MAX_CONFIG_BYTES {
        errs.push(FieldError::new(
            "data",
            format!("{size} bytes in all; a Secret holds at most {MAX_CONFIG_BYTES} (1 MiB)"),
        ));
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
    if key == "." || key == ".." {
        return Some(format!("key {key:?} is not allowed"));
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

pub fn validate_config_map(c: &ConfigMap, errs: &mut Vec<FieldError>) {
    let mut size = 0;
    for (k, v) in &c.data {
        if let Some(e) = key_error(k) {
            errs.push(FieldError::new(format!("data[{k}]"), e));
        }
        size += k.len() + v.len();
    }
    for (k, v) in &c.binary_data {
        if let Some(e) = key_error(k) {
            errs.push(FieldError::new(format!("binaryData[{k}]"), e));
        }
        if c.data.contains_key(k) {
            errs.push(FieldError::new(
                format!("binaryData[{k}]"),
                "the key is also in data; a key may be in only one of them",
            ));
        }
        match decode_base64(v) {
            Some(bytes) => size += k.len() + bytes.len(),
            None => errs.push(FieldError::new(
                format!("binaryData[{k}]"),
                "not base64 (standard alphabet, padded)",
            )),
        }
    }
    if size > MAX_CONFIG_BYTES {
        errs.push(FieldError::new(
            "data",
            format!("{size} bytes in all; a ConfigMap holds at most {MAX_CONFIG_BYTES} (1 MiB)"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_kubernetes_rules() {
        for ok in ["a", "game.properties", "UI_COLOR", "x-1.y_2"] {
            assert_eq!(key_error(ok), None, "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a b", "é"] {
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

    #[test]
    fn validation_names_every_bad_key_and_the_size() {
        let mut c = ConfigMap::default();
        c.data.insert("ok".into(), "v".into());
        c.data.insert("bad/key".into(), "v".into());
        c.binary_data.insert("ok".into(), "aGk=".into());
        c.binary_data.insert("bin".into(), "not base64!".into());
        let mut errs = vec![];
        validate_config_map(&c, &mut errs);
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["data[bad/key]", "binaryData[bin]", "binaryData[ok]"]
        );
        let mut big = ConfigMap::default();
        big.data.insert("a".into(), "x".repeat(MAX_CONFIG_BYTES));
        let mut errs = vec![];
        validate_config_map(&big, &mut errs);
        assert!(errs[0].message.contains("at most 1048576"), "{errs:?}");
    }
}
