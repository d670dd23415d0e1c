//! What every control daemon of a cluster on etcd shares: the Secrets
//! sealing key (`secret.key`), the cluster CA (`ca.crt`, `ca.key`) and the
//! tokens (`admin.token`, `node.token`). The first control daemon creates
//! them as a lone one would, then stores them in etcd (`<prefix>/shared`)
//! sealed with a key derived from the cluster secret the operator gives
//! every control daemon; the next ones open that and write the same files
//! into their own data dirs before starting. Without the right secret a
//! daemon refuses to start and changes nothing.
//!
//! This module must not import the HTTP layer, controllers or the scheduler.

use crate::control::store::{BackendError, Etcd};
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// The files shared, in the data dir.
pub const FILES: [&str; 5] = [
    "secret.key",
    "ca.crt",
    "ca.key",
    "admin.token",
    "node.token",
];
const KEY: &str = "shared";
const MAGIC: &[u8] = b"ORKSHARE1";

/// Why the shared credentials could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SharedError {
    #[error(
        "a store in etcd needs the cluster secret (--cluster-secret-file or ORK_CLUSTER_SECRET): every control daemon of the cluster is given the same one"
    )]
    NoSecret,
    #[error(
        "the cluster's shared credentials in etcd do not open with this cluster secret: give this control daemon the secret the first one was started with"
    )]
    WrongSecret,
    #[error(
        "another control daemon set the cluster up at the same time; start this one again to use its credentials"
    )]
    Raced,
    #[error("{0}")]
    Store(#[from] BackendError),
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

fn cipher(secret: &str) -> Aes256Gcm {
    let mut h = Sha256::new();
    h.update(b"ork cluster secret\0");
    h.update(secret.as_bytes());
    let k = h.finalize();
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&k))
}

/// Seals `files` (name -> contents) for `prefix` with the cluster secret.
pub fn seal(secret: &str, prefix: &str, files: &BTreeMap<String, String>) -> Vec<u8> {
    let plain = serde_json::to_vec(files).unwrap_or_default();
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ct = cipher(secret)
        .encrypt(
            &nonce,
            Payload {
                msg: &plain,
                aad: prefix.as_bytes(),
            },
        )
        .unwrap_or_default();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out
}

/// Opens what [`seal`] made; `None` with another secret or prefix.
pub fn open(secret: &str, prefix: &str, sealed: &[u8]) -> Option<BTreeMap<String, String>> {
    let rest = sealed.strip_prefix(MAGIC)?;
    if rest.len() < 12 {
        return None;
    }
    let (nonce, ct) = rest.split_at(12);
    let plain = cipher(secret)
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ct,
                aad: prefix.as_bytes(),
            },
        )
        .ok()?;
    serde_json::from_slice(&plain).ok()
}

/// Before the store opens: writes the cluster's shared files into
/// `data_dir` when etcd holds them. Returns whether it did (else this is
/// the first control daemon: call [`publish`] once the files exist).
pub fn fetch(etcd: &Etcd, secret: &str, data_dir: &Path) -> Result<bool, SharedError> {
    let Some(sealed) = etcd.get_extra(KEY)? else {
        return Ok(false);
    };
    let files = open(secret, etcd.prefix(), &sealed).ok_or(SharedError::WrongSecret)?;
    for (name, text) in files {
        if !FILES.contains(&name.as_str()) {
            continue;
        }
        let path = data_dir.join(&name);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| SharedError::File {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        crate::sys::write_private(&path, &bytes).map_err(|e| SharedError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(true)
}

/// After the first control daemon made its files: stores them for the next.
pub fn publish(etcd: &Etcd, secret: &str, data_dir: &Path) -> Result<(), SharedError> {
    let mut files = BTreeMap::new();
    for name in FILES {
        let path = data_dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| SharedError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        files.insert(
            name.to_string(),
            base64::engine::general_purpose::STANDARD.encode(bytes),
        );
    }
    if etcd.create_extra(KEY, seal(secret, etcd.prefix(), &files))? {
        Ok(())
    } else {
        Err(SharedError::Raced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_files_open_only_with_the_same_secret_and_prefix() {
        let files = BTreeMap::from([("admin.token".to_string(), "dG9r".to_string())]);
        let sealed = seal("s3cret", "/ork", &files);
        assert!(!sealed.windows(4).any(|w| w == b"dG9r"));
        assert_eq!(open("s3cret", "/ork", &sealed), Some(files));
        assert_eq!(open("other", "/ork", &sealed), None);
        assert_eq!(open("s3cret", "/other", &sealed), None);
        assert_eq!(open("s3cret", "/ork", &sealed[..10]), None);
    }
}
