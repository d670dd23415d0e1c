//! The client config (`$ORK_CONFIG`, default `~/.config/ork/config.yaml`,
//! 0600): the API server URL and token that `ork up` writes and every client
//! command reads. `--server`/`--token` and `ORK_SERVER`/`ORK_TOKEN` override it.

use super::{CliError, Global, Result};
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

/// The default config path: `$XDG_CONFIG_HOME/ork/config.yaml` or `~/.config/ork/config.yaml`.
pub fn default_path() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("ork").join("config.yaml");
    }
    home().join(".config").join("ork").join("config.yaml")
}

pub fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

pub fn path(g: &Global) -> PathBuf {
    g.config.clone().unwrap_or_else(default_path)
}

/// Reads a config file; `Ok(None)` when there is none.
pub fn read(path: &Path) -> Result<Option<ClientConfig>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_saphyr::from_str::<ClientConfig>(&text)
            .map(Some)
            .map_err(|e| CliError::Failed(format!("client config {}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CliError::Io {
            what: "reading client config",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes a config file readable only by its owner.
pub fn write(path: &Path, cfg: &ClientConfig) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Io {
            what: "creating config dir",
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
    write_private(path, text.as_bytes()).map_err(|e| CliError::Failed(e.to_string()))
}

/// The server and token to use, from flags, environment and the config file.
pub fn resolve(g: &Global) -> Result<ClientConfig> {
    let file_path = path(g);
    let file = read(&file_path)?;
    let server = g
        .server
        .clone()
        .or_else(|| file.as_ref().map(|f| f.server.clone()))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "no API server configured: run `ork up` (it writes {}), or pass --server / set ORK_SERVER",
                file_path.display()
            ))
        })?;
    let token = g
        .token
        .clone()
        .or_else(|| {
            file.as_ref()
                .filter(|f| f.server.trim_end_matches('/') == server.trim_end_matches('/'))
                .map(|f| f.token.clone())
        })
        .ok_or_else(|| {
            CliError::Usage(format!(
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

    fn global(config: &Path) -> Global {
        Global {
            server: None,
            token: None,
            config: Some(config.to_path_buf()),
            namespace: None,
            log_level: None,
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
        assert_eq!(resolve(&global(&p)).unwrap(), cfg);
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
        let mut g = global(&p);
        g.server = Some("http://b:2".into());
        assert!(matches!(resolve(&g), Err(CliError::Usage(_))));
        g.token = Some("t2".into());
        assert_eq!(resolve(&g).unwrap().token, "t2");
    }

    #[test]
    fn no_config_at_all_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let e = resolve(&global(&dir.path().join("none.yaml"))).unwrap_err();
        assert!(e.to_string().contains("ork up"), "{e}");
    }
}
