//! The client config (`$ORK_CONFIG`, default `~/.config/ork/config.yaml`,
//! 0600): the API server URL and token that `ork up` writes and every client
//! reads. [`Overrides`] (from flags or the environment) win over the file.

use super::{Result, VerbError};
use crate::sys::write_private;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// What the config file holds.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub server: String,
    pub token: String,
    #[serde(default)]
    pub namespace: Option<String>,
}

/// Values given on the command line or in the environment, each winning
/// over the config file's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    pub server: Option<String>,
    pub token: Option<String>,
    /// The config file to read instead of the default one.
    pub config: Option<PathBuf>,
    pub namespace: Option<String>,
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

/// Reads a config file; `Ok(None)` when there is none.
pub fn read(path: &Path) -> Result<Option<ClientConfig>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_saphyr::from_str::<ClientConfig>(&text)
            .map(Some)
            .map_err(|e| VerbError::ParseConfig {
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(VerbError::ReadConfig {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes a config file readable only by its owner.
pub fn write(path: &Path, cfg: &ClientConfig) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| VerbError::ConfigDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let mut text = format!(
        "# written by `ork up`; the token grants full access to the cluster\nserver: {}\ntoken: {}\n",
        cfg.server, cfg.token
    );
    if let Some(ns) = &cfg.namespace {
        text.push_str(&format!("namespace: {ns}\n"));
    }
    Ok(write_private(path, text.as_bytes())?)
}

/// The server and token to use, from the overrides and the config file.
pub fn resolve(o: &Overrides) -> Result<ClientConfig> {
    let file_path = path(o);
    let file = read(&file_path)?;
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
    let token = o
        .token
        .clone()
        .or_else(|| {
            file.as_ref()
                .filter(|f| f.server.trim_end_matches('/') == server.trim_end_matches('/'))
                .map(|f| f.token.clone())
        })
        .ok_or_else(|| {
            VerbError::NotConfigured(format!(
                "no token for {server}: pass --token or set ORK_TOKEN (the admin token is DATA_DIR/admin.token)"
            ))
        })?;
    Ok(ClientConfig {
        server,
        token,
        namespace: file.and_then(|f| f.namespace),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let cfg = ClientConfig {
            server: "http://127.0.0.1:7700".into(),
            token: "abc".into(),
            namespace: None,
        };
        write(&p, &cfg).unwrap();
        assert_eq!(read(&p).unwrap(), Some(cfg.clone()));
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(resolve(&overrides(&p)).unwrap(), cfg);
    }

    #[test]
    fn flags_override_the_file_and_a_foreign_server_gets_no_token() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.yaml");
        write(
            &p,
            &ClientConfig {
                server: "http://a:1".into(),
                token: "secret".into(),
                namespace: None,
            },
        )
        .unwrap();
        let mut o = overrides(&p);
        o.server = Some("http://b:2".into());
        assert!(matches!(resolve(&o), Err(VerbError::NotConfigured(_))));
        o.token = Some("t2".into());
        assert_eq!(resolve(&o).unwrap().token, "t2");
    }

    #[test]
    fn no_config_at_all_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let e = resolve(&overrides(&dir.path().join("none.yaml"))).unwrap_err();
        assert!(e.to_string().contains("ork up"), "{e}");
    }
}
