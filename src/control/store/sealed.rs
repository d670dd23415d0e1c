//! Secrets at rest: a [`Backend`] wrapper that seals every Secret change
//! with AES-256-GCM before it reaches the database (objects table and change
//! log alike) and opens it on the way back (startup load, watch replay).
//! Other kinds pass through untouched.
//!
//! The keys live in `secret.key` in the data dir (0600, never in the
//! database): one `<id> <base64 32 bytes>` per line; the last line seals,
//! any line opens. A sealed value is `ORKSEAL1`, the key id (u32, big
//! endian), a 96-bit random nonce and the ciphertext with its tag; the
//! associated data is `Secret/<namespace>/<name>`, so a sealed value moved to
//! another row does not open. [`Backend::rotate_key`] adds a key, re-seals
//! every Secret row with it in one transaction, then drops the old keys.

use super::backend::{Backend, BackendError, Change, ChangeType, Followed, Loaded, Rewrite, Sink};
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::RwLock;

const MAGIC: &[u8] = b"ORKSEAL1";
const KIND: &str = "Secret";
/// The key file's name in the data dir.
pub const KEY_FILE: &str = "secret.key";

/// What can go wrong with keys or sealed values.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("{path}: {message}")]
    KeyFile { path: PathBuf, message: String },
    #[error(
        "secret {namespace}/{name} in the database does not open with key {key} of {file}: the stored value or the key was changed (restore {file} or the database from a backup)"
    )]
    Tampered {
        namespace: String,
        name: String,
        key: u32,
        file: String,
    },
    #[error(
        "secret {namespace}/{name} in the database was sealed with key {key}, which {file} does not have (restore the key file from a backup)"
    )]
    UnknownKey {
        namespace: String,
        name: String,
        key: u32,
        file: String,
    },
    #[error(
        "secret {namespace}/{name} in the database is not sealed: it was written without encryption"
    )]
    NotSealed { namespace: String, name: String },
}

impl From<SealError> for BackendError {
    fn from(e: SealError) -> Self {
        BackendError::Sealed(e.to_string())
    }
}

/// The keys of `secret.key`.
pub struct Keyring {
    path: PathBuf,
    /// `(id, key)`, the sealing key last.
    keys: Vec<(u32, [u8; 32])>,
}

fn new_key() -> [u8; 32] {
    let k = Aes256Gcm::generate_key(&mut OsRng);
    let mut out = [0u8; 32];
    out.copy_from_slice(&k);
    out
}

impl Keyring {
    /// Loads the key file of a data dir, creating it (one fresh key) if absent.
    pub fn load_or_create(data_dir: &Path) -> Result<Keyring, SealError> {
        let path = data_dir.join(KEY_FILE);
        let bad = |message: String| SealError::KeyFile {
            path: path.clone(),
            message,
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let ring = Keyring {
                    path: path.clone(),
                    keys: vec![(1, new_key())],
                };
                ring.save()?;
                return Ok(ring);
            }
            Err(e) => return Err(bad(format!("cannot read: {e}"))),
        };
        let mut keys = vec![];
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, b64) = line
                .split_once(' ')
                .ok_or_else(|| bad(format!("line {}: expected `<id> <base64 key>`", i + 1)))?;
            let id: u32 = id
                .parse()
                .map_err(|_| bad(format!("line {}: the key id is not a number", i + 1)))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| bad(format!("line {}: the key is not base64", i + 1)))?;
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| bad(format!("line {}: a key must be 32 bytes", i + 1)))?;
            keys.push((id, key));
        }
        if keys.is_empty() {
            return Err(bad("no key in the file".into()));
        }
        Ok(Keyring { path, keys })
    }

    fn save(&self) -> Result<(), SealError> {
        let mut text =
            String::from("# ork secret keys: <id> <base64 AES-256 key>; the last one encrypts\n");
        for (id, k) in &self.keys {
            text.push_str(&format!(
                "{id} {}\n",
                base64::engine::general_purpose::STANDARD.encode(k)
            ));
        }
        crate::sys::write_private(&self.path, text.as_bytes()).map_err(|e| SealError::KeyFile {
            path: self.path.clone(),
            message: e.to_string(),
        })
    }

    fn file(&self) -> String {
        self.path.display().to_string()
    }

    /// The id of the key that seals.
    pub fn current(&self) -> u32 {
        self.keys.last().map_or(0, |(id, _)| *id)
    }

    fn aad(namespace: &str, name: &str) -> Vec<u8> {
        format!("{KIND}/{namespace}/{name}").into_bytes()
    }

    /// Seals `plain` with the current key.
    pub fn seal(&self, namespace: &str, name: &str, plain: &[u8]) -> Vec<u8> {
        let (id, key) = self.keys.last().expect("a keyring has a key");
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = Self::aad(namespace, name);
        let ct = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer");
        let mut out = Vec::with_capacity(MAGIC.len() + 4 + 12 + ct.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Opens a sealed value.
    pub fn open(&self, namespace: &str, name: &str, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        let head = MAGIC.len() + 4 + 12;
        if sealed.len() < head + 16 || !sealed.starts_with(MAGIC) {
            return Err(SealError::NotSealed {
                namespace: namespace.into(),
                name: name.into(),
            });
        }
        let id = u32::from_be_bytes(
            sealed[MAGIC.len()..MAGIC.len() + 4]
                .try_into()
                .expect("four bytes"),
        );
        let Some((_, key)) = self.keys.iter().find(|(i, _)| *i == id) else {
            return Err(SealError::UnknownKey {
                namespace: namespace.into(),
                name: name.into(),
                key: id,
                file: self.file(),
            });
        };
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
        let nonce = Nonce::from_slice(&sealed[MAGIC.len() + 4..head]);
        let aad = Self::aad(namespace, name);
        cipher
            .decrypt(
                nonce,
                Payload {
                    msg: &sealed[head..],
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Tampered {
                namespace: namespace.into(),
                name: name.into(),
                key: id,
                file: self.file(),
            })
    }
}

/// A backend whose Secret rows are sealed.
pub struct Sealed<B: Backend> {
    inner: B,
    ring: Arc<RwLock<Keyring>>,
}

impl<B: Backend> Sealed<B> {
    pub fn new(inner: B, ring: Keyring) -> Self {
        Sealed {
            inner,
            ring: Arc::new(RwLock::new(ring)),
        }
    }

    /// The backend inside.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    fn ring(&self) -> std::sync::RwLockReadGuard<'_, Keyring> {
        self.ring.read().unwrap_or_else(|e| e.into_inner())
    }
}

impl<B: Backend> Backend for Sealed<B> {
    fn load(&self) -> Result<Loaded, BackendError> {
        let mut loaded = self.inner.load()?;
        let ring = self.ring();
        for ((kind, data), (ns, name)) in loaded.objects.iter_mut().zip(&loaded.ids) {
            if kind == KIND {
                *data = ring.open(ns, name, data)?;
            }
        }
        Ok(loaded)
    }

    fn commit(&self, changes: &[Change], revision: u64) -> Result<(), BackendError> {
        if !changes.iter().any(|c| c.kind == KIND) {
            return self.inner.commit(changes, revision);
        }
        let ring = self.ring();
        let sealed: Vec<Change> = changes
            .iter()
            .map(|c| {
                let mut c = c.clone();
                if c.kind == KIND {
                    c.data = ring.seal(&c.namespace, &c.name, &c.data).into();
                }
                c
            })
            .collect();
        self.inner.commit(&sealed, revision)
    }

    fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<Change>, BackendError> {
        let mut out = self.inner.changes_since(after, limit)?;
        if out.iter().any(|c| c.kind == KIND) {
            let ring = self.ring();
            for c in &mut out {
                if c.kind == KIND {
                    c.data = ring.open(&c.namespace, &c.name, &c.data)?.into();
                }
            }
        }
        Ok(out)
    }

    fn compact(&self, upto: u64) -> Result<(), BackendError> {
        self.inner.compact(upto)
    }

    fn follow(&self, sink: Sink) -> Result<(), BackendError> {
        let ring = self.ring.clone();
        self.inner.follow(Box::new(move |followed| {
            let ring = ring.read().unwrap_or_else(|e| e.into_inner());
            let opened = match followed {
                Followed::Group {
                    revision,
                    mut changes,
                } => {
                    for c in changes
                        .iter_mut()
                        .filter(|c| c.kind == KIND && c.type_ != ChangeType::Deleted)
                    {
                        match ring.open(&c.namespace, &c.name, &c.data) {
                            Ok(plain) => c.data = plain.into(),
                            Err(e) => {
                                tracing::error!(error = %e, "a followed Secret does not open")
                            }
                        }
                    }
                    Followed::Group { revision, changes }
                }
                Followed::Reset(mut loaded) => {
                    for ((kind, data), (ns, name)) in loaded.objects.iter_mut().zip(&loaded.ids) {
                        if kind == KIND {
                            match ring.open(ns, name, data) {
                                Ok(plain) => *data = plain,
                                Err(e) => tracing::error!(error = %e, "a Secret does not open"),
                            }
                        }
                    }
                    Followed::Reset(loaded)
                }
            };
            drop(ring);
            sink(opened)
        }))
    }

    fn checkpoint(&self) -> Result<(), BackendError> {
        self.inner.checkpoint()
    }

    fn shared(&self) -> bool {
        self.inner.shared()
    }

    fn take_turn(&self) -> Result<u64, BackendError> {
        self.inner.take_turn()
    }

    fn release_turn(&self) {
        self.inner.release_turn()
    }

    fn rewrite_kind(&self, kind: &str, f: &Rewrite<'_>) -> Result<usize, BackendError> {
        self.inner.rewrite_kind(kind, f)
    }

    fn rotate_key(&self) -> Result<(u32, usize), BackendError> {
        // New commits seal with the new key from here on; the rewrite below
        // re-seals what is stored (commits and the rewrite take turns on the
        // database), then the old keys are dropped.
        let id = {
            let mut ring = self.ring.write().unwrap_or_else(|e| e.into_inner());
            let id = ring.keys.iter().map(|(i, _)| *i).max().unwrap_or(0) + 1;
            ring.keys.push((id, new_key()));
            ring.save()?;
            id
        };
        let ring = self.ring();
        let n = self.inner.rewrite_kind(KIND, &|ns, name, data| {
            let plain = ring.open(ns, name, data)?;
            Ok(ring.seal(ns, name, &plain))
        })?;
        drop(ring);
        let mut ring = self.ring.write().unwrap_or_else(|e| e.into_inner());
        ring.keys.retain(|(i, _)| *i == id);
        ring.save()?;
        Ok((id, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_as_itself_and_only_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::load_or_create(dir.path()).unwrap();
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        let s = ring.seal("default", "db", b"{\"password\":\"hunter2\"}");
        assert!(!s.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(
            ring.open("default", "db", &s).unwrap(),
            b"{\"password\":\"hunter2\"}"
        );
        // Moved to another row: refused.
        assert!(matches!(
            ring.open("default", "other", &s),
            Err(SealError::Tampered { .. })
        ));
        // A flipped bit: refused, with a message that says what to do.
        let mut t = s.clone();
        let last = t.len() - 1;
        t[last] ^= 1;
        let e = ring.open("default", "db", &t).unwrap_err();
        assert!(e.to_string().contains("was changed"), "{e}");
        // The same file opens it again after a restart.
        let again = Keyring::load_or_create(dir.path()).unwrap();
        assert_eq!(
            again.open("default", "db", &s).unwrap(),
            b"{\"password\":\"hunter2\"}"
        );
    }

    #[test]
    fn a_bad_key_file_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE), "1 c2hvcnQ=\n").unwrap();
        let e = Keyring::load_or_create(dir.path()).err().unwrap();
        assert!(
            e.to_string().contains("line 1: a key must be 32 bytes"),
            "{e}"
        );
    }
}
