//! Kubeconfig files, as kubectl and client-go read them: `clusters` (the
//! server URL and the CA that signs its certificate), `users` (a bearer
//! token, or a client certificate and key), `contexts` pairing them (and a
//! namespace), and `current-context`. ork writes one for `ork up`
//! (`$ORK_CONFIG`), one beside the control daemon (`admin.kubeconfig`) and
//! one per node (`node.kubeconfig`); every client command reads them.
//!
//! Reading is lenient about fields ork does not use (kubectl's
//! `preferences`, `extensions`…), strict about the ones it does: a context
//! naming a cluster or user that is not there is an error naming it.
//!
//! Pure data and file I/O; no network.

use base64::Engine;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What went wrong reading a kubeconfig.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A kubeconfig file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Kubeconfig {
    #[serde(default, rename = "apiVersion")]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub clusters: Vec<NamedCluster>,
    #[serde(default)]
    pub users: Vec<NamedUser>,
    #[serde(default)]
    pub contexts: Vec<NamedContext>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub current_context: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedCluster {
    pub name: String,
    pub cluster: Cluster,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Cluster {
    pub server: String,
    /// The CA certificate(s), base64 of PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_authority_data: Option<String>,
    /// A file holding the CA certificate(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_authority: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_skip_tls_verify: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedUser {
    pub name: String,
    #[serde(default)]
    pub user: User,
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct User {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<PathBuf>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("client_certificate", &self.client_certificate)
            .field("has_client_key_data", &self.client_key_data.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedContext {
    pub name: String,
    pub context: Context,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    pub cluster: String,
    #[serde(default)]
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// What a client needs to reach and authenticate to one API server.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub server: String,
    /// PEM of the CA(s) to trust; none: the server must be `http://` or
    /// `insecure` must be set.
    pub ca_pem: Option<Vec<u8>>,
    pub insecure: bool,
    pub token: Option<String>,
    /// PEM of a client certificate (chain) and its key.
    pub client_cert_pem: Option<Vec<u8>>,
    pub client_key_pem: Option<Vec<u8>>,
    /// The context's namespace.
    pub namespace: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("server", &self.server)
            .field("has_ca", &self.ca_pem.is_some())
            .field("insecure", &self.insecure)
            .field("has_token", &self.token.is_some())
            .field("has_client_cert", &self.client_cert_pem.is_some())
            .field("namespace", &self.namespace)
            .finish()
    }
}

fn b64(pem: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(pem)
}

impl Kubeconfig {
    /// A kubeconfig with one cluster, one user and one context (`name`),
    /// which is current.
    pub fn single(name: &str, server: &str, ca_pem: Option<&[u8]>, user: User) -> Kubeconfig {
        Kubeconfig {
            api_version: "v1".into(),
            kind: "Config".into(),
            clusters: vec![NamedCluster {
                name: name.into(),
                cluster: Cluster {
                    server: server.into(),
                    certificate_authority_data: ca_pem.map(b64),
                    ..Default::default()
                },
            }],
            users: vec![NamedUser {
                name: name.into(),
                user,
            }],
            contexts: vec![NamedContext {
                name: name.into(),
                context: Context {
                    cluster: name.into(),
                    user: name.into(),
                    namespace: None,
                },
            }],
            current_context: name.into(),
        }
    }

    /// Reads a kubeconfig; `Ok(None)` when the file does not exist.
    pub fn read(path: &Path) -> Result<Option<Kubeconfig>, KubeconfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(KubeconfigError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Self::parse(&text)
            .map(Some)
            .map_err(|message| KubeconfigError::Invalid {
                path: path.to_path_buf(),
                message,
            })
    }

    /// Parses a kubeconfig's text.
    pub fn parse(text: &str) -> Result<Kubeconfig, String> {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    }

    /// The file's text.
    pub fn to_yaml(&self) -> String {
        serde_saphyr::to_string(self).unwrap_or_default()
    }

    /// Writes the file readable only by its owner (0600).
    pub fn write(&self, path: &Path) -> Result<(), crate::sys::SysError> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|source| crate::sys::SysError::Io {
                what: "creating config dir",
                path: dir.to_path_buf(),
                source,
            })?;
        }
        crate::sys::write_private(path, self.to_yaml().as_bytes())
    }

    /// The credentials of `context` (the current one when `None`). Relative
    /// file paths are read relative to `base` (the kubeconfig's folder).
    pub fn credentials(&self, context: Option<&str>, base: &Path) -> Result<Credentials, String> {
        let name = context.unwrap_or(&self.current_context);
        let ctx = if name.is_empty() {
            match self.contexts.as_slice() {
                [only] => &only.context,
                [] => return Err("it has no contexts".into()),
                _ => return Err("it has several contexts and no current-context".into()),
            }
        } else {
            &self
                .contexts
                .iter()
                .find(|c| c.name == name)
                .ok_or_else(|| format!("context {name:?} is not in it"))?
                .context
        };
        let cluster = &self
            .clusters
            .iter()
            .find(|c| c.name == ctx.cluster)
            .ok_or_else(|| format!("cluster {:?} is not in it", ctx.cluster))?
            .cluster;
        let user = if ctx.user.is_empty() {
            User::default()
        } else {
            self.users
                .iter()
                .find(|u| u.name == ctx.user)
                .ok_or_else(|| format!("user {:?} is not in it", ctx.user))?
                .user
                .clone()
        };
        let file = |p: &Path| -> Result<Vec<u8>, String> {
            let p = if p.is_relative() {
                base.join(p)
            } else {
                p.to_path_buf()
            };
            std::fs::read(&p).map_err(|e| format!("reading {}: {e}", p.display()))
        };
        let data = |what: &str, d: &str| -> Result<Vec<u8>, String> {
            base64::engine::general_purpose::STANDARD
                .decode(d.trim())
                .map_err(|e| format!("{what} is not base64: {e}"))
        };
        let ca_pem = match (
            &cluster.certificate_authority_data,
            &cluster.certificate_authority,
        ) {
            (Some(d), _) => Some(data("certificate-authority-data", d)?),
            (None, Some(p)) => Some(file(p)?),
            (None, None) => None,
        };
        let token = match (&user.token, &user.token_file) {
            (Some(t), _) => Some(t.trim().to_string()),
            (None, Some(p)) => Some(String::from_utf8_lossy(&file(p)?).trim().to_string()),
            (None, None) => None,
        };
        let client_cert_pem = match (&user.client_certificate_data, &user.client_certificate) {
            (Some(d), _) => Some(data("client-certificate-data", d)?),
            (None, Some(p)) => Some(file(p)?),
            (None, None) => None,
        };
        let client_key_pem = match (&user.client_key_data, &user.client_key) {
            (Some(d), _) => Some(data("client-key-data", d)?),
            (None, Some(p)) => Some(file(p)?),
            (None, None) => None,
        };
        if client_cert_pem.is_some() != client_key_pem.is_some() {
            return Err(format!(
                "user {:?} has a client certificate without its key, or a key without its certificate",
                ctx.user
            ));
        }
        Ok(Credentials {
            server: cluster.server.clone(),
            ca_pem,
            insecure: cluster.insecure_skip_tls_verify,
            token,
            client_cert_pem,
            client_key_pem,
            namespace: ctx.namespace.clone(),
        })
    }
}

impl User {
    pub fn token(token: &str) -> User {
        User {
            token: Some(token.into()),
            ..Default::default()
        }
    }

    /// A client certificate (chain) and key, as PEM, embedded.
    pub fn certificate(chain_pem: &[u8], key_pem: &[u8]) -> User {
        User {
            client_certificate_data: Some(b64(chain_pem)),
            client_key_data: Some(b64(key_pem)),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_written_kubeconfig_reads_back_to_the_same_credentials_privately() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/config.yaml");
        let k = Kubeconfig::single(
            "ork",
            "https://127.0.0.1:7700",
            Some(b"-----BEGIN CERTIFICATE-----\n"),
            User::token("abc"),
        );
        k.write(&p).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let back = Kubeconfig::read(&p).unwrap().unwrap();
        assert_eq!(back, k);
        let c = back.credentials(None, dir.path()).unwrap();
        assert_eq!(c.server, "https://127.0.0.1:7700");
        assert_eq!(c.token.as_deref(), Some("abc"));
        assert_eq!(
            c.ca_pem.as_deref(),
            Some(&b"-----BEGIN CERTIFICATE-----\n"[..])
        );
        assert!(!format!("{c:?}").contains("abc"), "no token in Debug");
    }

    #[test]
    fn a_kubeconfig_kubectl_wrote_reads_with_files_relative_to_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.crt"), "CA").unwrap();
        std::fs::write(dir.path().join("u.crt"), "CERT").unwrap();
        std::fs::write(dir.path().join("u.key"), "KEY").unwrap();
        let text = r#"
apiVersion: v1
kind: Config
preferences: {}
clusters:
- cluster:
    certificate-authority: ca.crt
    server: https://10.0.0.1:6443
    extensions: []
  name: prod
contexts:
- context: {cluster: prod, user: alice, namespace: team}
  name: prod
- context: {cluster: prod, user: ghost}
  name: broken
current-context: prod
users:
- name: alice
  user:
    client-certificate: u.crt
    client-key: u.key
"#;
        let k = Kubeconfig::parse(text).unwrap();
        let c = k.credentials(None, dir.path()).unwrap();
        assert_eq!(c.ca_pem.as_deref(), Some(&b"CA"[..]));
        assert_eq!(c.client_cert_pem.as_deref(), Some(&b"CERT"[..]));
        assert_eq!(c.client_key_pem.as_deref(), Some(&b"KEY"[..]));
        assert_eq!(c.namespace.as_deref(), Some("team"));
        let e = k.credentials(Some("broken"), dir.path()).unwrap_err();
        assert!(e.contains("\"ghost\""), "{e}");
        let e = k.credentials(Some("nope"), dir.path()).unwrap_err();
        assert!(e.contains("\"nope\""), "{e}");
    }
}
