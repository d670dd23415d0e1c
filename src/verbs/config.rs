//! The client config: a standard kubeconfig (`$ORK_CONFIG`, default
//! `~/.config/ork/config.yaml`, 0600) that `ork up` writes and every client
//! reads — kubectl reads the same file (`KUBECONFIG=$ORK_CONFIG`).
//! [`Overrides`] (flags or environment) win over the file: `--server` and
//! `--token`, `--certificate-authority`, `--context`. A server other than
//! the file's gets none of the file's credentials.
//!
//! The file of an older ork (`server:` and `token:` only) is still read.

use super::{Result, VerbError};
use crate::client::Credentials;
use crate::client::kubeconfig::Kubeconfig;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Values given on the command line or in the environment, each winning
/// over the config file's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    pub server: Option<String>,
    pub token: Option<String>,
    /// The config file to read instead of the default one.
    pub config: Option<PathBuf>,
    pub namespace: Option<String>,
    /// A file with the CA certificate(s) to trust.
    pub certificate_authority: Option<PathBuf>,
    /// Do not check the server's certificate (encrypted, not authenticated).
    pub insecure_skip_tls_verify: bool,
    /// The kubeconfig context to use instead of its current one.
    pub context: Option<String>,
}

/// The default config path: `$XDG_CONFIG_HOME/ork/config.yaml` or `~/.config/ork/config.yaml`.
pub fn default_path() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("ork").join("config.yaml");
    }
    home().join(".config").join("ork").join("config.yaml")
}

/// `$HOME`, or `/root` when it is not set.
pub fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// The config file to use.
pub fn path(o: &Overrides) -> PathBuf {
    o.config.clone().unwrap_or_else(default_path)
}

/// The shape an older ork wrote.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Legacy {
    server: String,
    token: String,
    #[serde(default)]
    namespace: Option<String>,
}

/// Reads a config file; `Ok(None)` when there is none.
pub fn read(path: &Path) -> Result<Option<Kubeconfig>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(VerbError::ReadConfig {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    if let Ok(l) = serde_saphyr::from_str::<Legacy>(&text) {
        let mut k = Kubeconfig::single(
            "ork",
            &l.server,
            None,
            crate::client::kubeconfig::User::token(&l.token),
        );
        k.contexts[0].context.namespace = l.namespace;
        return Ok(Some(k));
    }
    Kubeconfig::parse(&text)
        .map(Some)
        .map_err(|message| VerbError::ParseConfig {
            path: path.to_path_buf(),
            message,
        })
}

/// Writes a config file readable only by its owner.
pub fn write(path: &Path, cfg: &Kubeconfig) -> Result<()> {
    Ok(cfg.write(path)?)
}

/// What to connect with, from the overrides and the config file.
pub fn resolve(o: &Overrides) -> Result<Credentials> {
    let file_path = path(o);
    let base = file_path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let file = match read(&file_path)? {
        Some(k) => Some(
            k.credentials(o.context.as_deref(), &base)
                .map_err(|message| VerbError::ParseConfig {
                    path: file_path.clone(),
                    message,
                })?,
        ),
        None => None,
    };
    let server = o
        .server
        .clone()
        .or_else(|| file.as_ref().map(|f| f.server.clone()))
        .ok_or_else(|| {
            VerbError::NotConfigured(format!(
                "no API server configured: run `ork up` (it writes {}), or pass --server / set ORK_SERVER",
                file_path.display()
            ))
        })?;
    // The file's credentials go only to the file's server.
    let same = |f: &&Credentials| f.server.trim_end_matches('/') == server.trim_end_matches('/');
    let mut c = file.as_ref().filter(same).cloned().unwrap_or_default();
    c.server = server.clone();
    if let Some(t) = &o.token {
        c.token = Some(t.clone());
    }
    if let Some(p) = &o.certificate_authority {
        c.ca_pem = Some(std::fs::read(p).map_err(|source| VerbError::ReadConfig {
            path: p.clone(),
            source,
        })?);
    }
    c.insecure |= o.insecure_skip_tls_verify;
    if c.namespace.is_none() {
        c.namespace = file.and_then(|f| f.namespace);
    }
    if c.token.is_none() && c.client_cert_pem.is_none() {
        return Err(VerbError::NotConfigured(format!(
            "no credentials for {server}: pass --token or set ORK_TOKEN, or use the kubeconfig the control daemon wrote (DATA_DIR/admin.kubeconfig) with --config"
        )));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::kubeconfig::User;
    use std::os::unix::fs::PermissionsExt;

    fn overrides(config: &Path) -> Overrides {
        Overrides {
            config: Some(config.to_path_buf()),
            ..Default::default()
        }
    }

    #[test]
    fn the_config_round_trips_privately() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/config.yaml");
        let cfg = Kubeconfig::single(
            "ork",
            "https://127.0.0.1:7700",
            Some(b"CA PEM"),
            User::token("abc"),
        );
        write(&p, &cfg).unwrap();
        assert_eq!(read(&p).unwrap(), Some(cfg.clone()));
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let c = resolve(&overrides(&p)).unwrap();
        assert_eq!(c.token.as_deref(), Some("abc"));
        assert_eq!(c.ca_pem.as_deref(), Some(&b"CA PEM"[..]));
    }

    #[test]
    fn flags_override_the_file_and_a_foreign_server_gets_no_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.yaml");
        write(
            &p,
            &Kubeconfig::single("ork", "https://a:1", Some(b"CA"), User::token("secret")),
        )
        .unwrap();
        let mut o = overrides(&p);
        o.server = Some("https://b:2".into());
        assert!(matches!(resolve(&o), Err(VerbError::NotConfigured(_))));
        o.token = Some("t2".into());
        let c = resolve(&o).unwrap();
        assert_eq!(c.token.as_deref(), Some("t2"));
        assert_eq!(c.ca_pem, None, "the file's CA is not the other server's");
    }

    #[test]
    fn an_older_config_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.yaml");
        std::fs::write(
            &p,
            "server: http://127.0.0.1:7700\ntoken: abc\nnamespace: team\n",
        )
        .unwrap();
        let c = resolve(&overrides(&p)).unwrap();
        assert_eq!(c.server, "http://127.0.0.1:7700");
        assert_eq!(c.token.as_deref(), Some("abc"));
        assert_eq!(c.namespace.as_deref(), Some("team"));
    }

    #[test]
    fn no_config_at_all_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let e = resolve(&overrides(&dir.path().join("none.yaml"))).unwrap_err();
        assert!(e.to_string().contains("ork up"), "{e}");
    }
}
