//! ConfigMaps and Secrets: key names, base64 where it is required, at most
//! 1 MiB in all.

use super::super::config::{ConfigMap, MAX_CONFIG_BYTES, Secret, decode_base64, key_error};
use super::{FieldError, object};

/// A ConfigMap: metadata, key names, base64 binaryData, 1 MiB in all.
pub fn validate_configmap(c: &ConfigMap) -> Vec<FieldError> {
    object(c, config_map_data)
}

/// A Secret: metadata, key names, base64 data, 1 MiB in all.
pub fn validate_secret(s: &Secret) -> Vec<FieldError> {
    object(s, secret_data)
}

fn secret_data(s: &Secret, errs: &mut Vec<FieldError>) {
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

fn config_map_data(c: &ConfigMap, errs: &mut Vec<FieldError>) {
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
    fn validation_names_every_bad_key_and_the_size() {
        let mut c = ConfigMap::default();
        c.data.insert("ok".into(), "v".into());
        c.data.insert("bad/key".into(), "v".into());
        c.binary_data.insert("ok".into(), "aGk=".into());
        c.binary_data.insert("bin".into(), "not base64!".into());
        let mut errs = vec![];
        config_map_data(&c, &mut errs);
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["data[bad/key]", "binaryData[bin]", "binaryData[ok]"]
        );
        let mut big = ConfigMap::default();
        big.data.insert("a".into(), "x".repeat(MAX_CONFIG_BYTES));
        let mut errs = vec![];
        config_map_data(&big, &mut errs);
        assert!(errs[0].message.contains("at most 1048576"), "{errs:?}");
    }
}
