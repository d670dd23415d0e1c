//! `ork create configmap NAME` and `ork create secret generic NAME` from
//! `--from-literal k=v --from-file [k=]path --from-env-file path`, as kubectl
//! builds them: every source is read and checked before anything is sent, a
//! key given twice is an error, and a file that is not UTF-8 goes to a
//! ConfigMap's `binaryData` (base64; a Secret's data is all base64);
//! `ork create secret docker-registry NAME` for `imagePullSecrets`; and
//! `ork secret rotate-key`.
//!
//! Imports the client and the api types; no daemon code.

use super::{CliError, Ctx, Result};
use crate::api::{ConfigMap, Kind, Secret, qualified_name};
use base64::Engine;
use clap::{Args, Subcommand};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(subcommand)]
    pub what: CreateWhat,
}

#[derive(Subcommand, Debug)]
pub enum CreateWhat {
    /// A ConfigMap from literals, files, directories and env files.
    #[command(visible_alias = "cm")]
    Configmap(SourceArgs),
    /// A Deployment running an image: `ork create deployment web --image=nginx --replicas=2`.
    #[command(visible_alias = "deploy")]
    Deployment(super::create_objects::DeploymentArgs),
    /// A Namespace.
    #[command(visible_alias = "ns")]
    Namespace(super::create_objects::NamespaceArgs),
    /// A Secret (`generic`) from literals, files, directories and env files.
    Secret {
        #[command(subcommand)]
        kind: SecretKind,
    },
    /// A Job running an image once: `ork create job once --image=busybox -- date`.
    Job(super::create_batch::JobArgs),
    /// A CronJob: `ork create cronjob hello --image=busybox --schedule='*/1 * * * *' -- date`.
    #[command(visible_alias = "cj")]
    Cronjob(super::create_batch::CronJobArgs),
}

#[derive(Subcommand, Debug)]
pub enum SecretKind {
    /// Keys and values from the same sources as a ConfigMap.
    Generic {
        #[command(flatten)]
        src: SourceArgs,
        /// The Secret's type.
        #[arg(long = "type", default_value = "Opaque")]
        type_: String,
    },
    /// Registry credentials for pods' `imagePullSecrets`
    /// (`kubernetes.io/dockerconfigjson`), as kubectl makes them.
    DockerRegistry(DockerRegistryArgs),
}

#[derive(Args, Debug)]
pub struct DockerRegistryArgs {
    pub name: String,
    /// The registry the credentials are for.
    #[arg(long, default_value = DOCKER_HUB_SERVER)]
    pub docker_server: String,
    #[arg(long, required = true)]
    pub docker_username: String,
    #[arg(long, required = true)]
    pub docker_password: String,
    #[arg(long, default_value = "")]
    pub docker_email: String,
}

/// kubectl's default `--docker-server`: Docker Hub.
pub const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";

/// The `.dockerconfigjson` of one registry's credentials, as kubectl
/// writes it (`auth` is base64 of `user:password`).
pub fn docker_config_json(a: &DockerRegistryArgs) -> String {
    let auth = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", a.docker_username, a.docker_password));
    let mut entry = serde_json::json!({
        "username": a.docker_username,
        "password": a.docker_password,
        "auth": auth,
    });
    if !a.docker_email.is_empty() {
        entry["email"] = a.docker_email.clone().into();
    }
    serde_json::json!({"auths": {a.docker_server.clone(): entry}}).to_string()
}

#[derive(Args, Debug)]
pub struct SecretCmdArgs {
    #[command(subcommand)]
    pub what: SecretCmd,
}

#[derive(Subcommand, Debug)]
pub enum SecretCmd {
    /// Encrypt every Secret under a new key (the control daemon's secret.key
    /// then holds only the new key).
    RotateKey,
}

/// `ork secret rotate-key`.
pub async fn secret(ctx: &Ctx, a: SecretCmdArgs) -> Result<()> {
    let SecretCmd::RotateKey = a.what;
    let r = ctx.client.rotate_secret_key().await?;
    println!("secrets re-encrypted: {} under key {}", r.secrets, r.key_id);
    Ok(())
}

#[derive(Args, Debug)]
pub struct SourceArgs {
    pub name: String,
    /// A key and its value (repeatable).
    #[arg(long = "from-literal", value_name = "KEY=VALUE")]
    pub literals: Vec<String>,
    /// A file (key: its name, or the KEY given) or every regular file of a
    /// directory (repeatable).
    #[arg(long = "from-file", value_name = "[KEY=]PATH")]
    pub files: Vec<String>,
    /// `KEY=VALUE` lines of a file; blank lines and `#` comments are skipped
    /// (repeatable).
    #[arg(long = "from-env-file", value_name = "PATH")]
    pub env_files: Vec<PathBuf>,
}

/// Keys and values gathered from every source: text and binary.
#[derive(Debug, Default, PartialEq)]
pub struct Sources {
    pub data: BTreeMap<String, String>,
    pub binary: BTreeMap<String, String>,
}

impl Sources {
    fn insert(&mut self, key: &str, value: Vec<u8>, from: &str) -> Result<()> {
        if self.data.contains_key(key) || self.binary.contains_key(key) {
            return Err(CliError::Usage(format!(
                "key {key:?} given twice (again by {from})"
            )));
        }
        match String::from_utf8(value) {
            Ok(s) => self.data.insert(key.to_string(), s),
            Err(e) => self.binary.insert(
                key.to_string(),
                base64::engine::general_purpose::STANDARD.encode(e.into_bytes()),
            ),
        };
        Ok(())
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| CliError::Io {
        what: "reading",
        path: path.to_path_buf(),
        source,
    })
}

fn file_key(path: &Path) -> Result<String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "{} has no file name to use as a key",
                path.display()
            ))
        })
}

/// Reads every source in order: literals, files, env files.
pub fn gather(a: &SourceArgs) -> Result<Sources> {
    let mut s = Sources::default();
    for l in &a.literals {
        let (k, v) = l
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--from-literal {l:?}: expected KEY=VALUE")))?;
        s.insert(k, v.as_bytes().to_vec(), &format!("--from-literal {k}"))?;
    }
    for f in &a.files {
        let (key, path) = match f.split_once('=') {
            Some((k, p)) if !k.is_empty() => (Some(k.to_string()), PathBuf::from(p)),
            _ => (None, PathBuf::from(f)),
        };
        if path.is_dir() {
            if key.is_some() {
                return Err(CliError::Usage(format!(
                    "--from-file {f}: a directory cannot take a key"
                )));
            }
            let entries = std::fs::read_dir(&path).map_err(|source| CliError::Io {
                what: "reading",
                path: path.clone(),
                source,
            })?;
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for p in files {
                s.insert(
                    &file_key(&p)?,
                    read(&p)?,
                    &format!("--from-file {}", p.display()),
                )?;
            }
        } else {
            let k = match key {
                Some(k) => k,
                None => file_key(&path)?,
            };
            s.insert(&k, read(&path)?, &format!("--from-file {f}"))?;
        }
    }
    for f in &a.env_files {
        let text = String::from_utf8(read(f)?).map_err(|_| {
            CliError::Usage(format!("--from-env-file {}: not UTF-8 text", f.display()))
        })?;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line.split_once('=').ok_or_else(|| {
                CliError::Usage(format!(
                    "{}:{}: expected KEY=VALUE, found {line:?}",
                    f.display(),
                    i + 1
                ))
            })?;
            s.insert(
                k.trim_end(),
                v.as_bytes().to_vec(),
                &format!("{}:{}", f.display(), i + 1),
            )?;
        }
    }
    Ok(s)
}

pub async fn create(ctx: &Ctx, a: CreateArgs) -> Result<()> {
    let src = match a.what {
        CreateWhat::Configmap(src) => src,
        CreateWhat::Deployment(d) => return super::create_objects::deployment(ctx, d).await,
        CreateWhat::Namespace(n) => return super::create_objects::namespace(ctx, n).await,
        CreateWhat::Job(j) => return super::create_batch::job(ctx, j).await,
        CreateWhat::Cronjob(c) => return super::create_batch::cronjob(ctx, c).await,
        CreateWhat::Secret {
            kind: SecretKind::DockerRegistry(d),
        } => {
            let mut sec: Secret = crate::api::new_object(&ctx.namespace, &d.name);
            sec.type_ = "kubernetes.io/dockerconfigjson".into();
            sec.data.insert(
                ".dockerconfigjson".into(),
                base64::engine::general_purpose::STANDARD.encode(docker_config_json(&d)),
            );
            ctx.client.create(&sec).await?;
            println!("{} created", qualified_name(Kind::Secret, &d.name));
            return Ok(());
        }
        CreateWhat::Secret {
            kind: SecretKind::Generic { src, type_ },
        } => {
            let s = gather(&src)?;
            let mut sec: Secret = crate::api::new_object(&ctx.namespace, &src.name);
            sec.type_ = type_;
            for (k, v) in s.data {
                sec.data.insert(
                    k,
                    base64::engine::general_purpose::STANDARD.encode(v.as_bytes()),
                );
            }
            sec.data.extend(s.binary);
            ctx.client.create(&sec).await?;
            println!("{} created", qualified_name(Kind::Secret, &src.name));
            return Ok(());
        }
    };
    let s = gather(&src)?;
    let mut c: ConfigMap = crate::api::new_object(&ctx.namespace, &src.name);
    c.data = s.data;
    c.binary_data = s.binary;
    ctx.client.create(&c).await?;
    println!("{} created", qualified_name(Kind::ConfigMap, &src.name));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(literals: &[&str], files: &[&str], env: &[&Path]) -> SourceArgs {
        SourceArgs {
            name: "c".into(),
            literals: literals.iter().map(|s| s.to_string()).collect(),
            files: files.iter().map(|s| s.to_string()).collect(),
            env_files: env.iter().map(|p| p.to_path_buf()).collect(),
        }
    }

    #[test]
    fn registry_credentials_are_written_as_kubectl_writes_them() {
        let mut a = DockerRegistryArgs {
            name: "reg".into(),
            docker_server: "reg.example.com:5000".into(),
            docker_username: "ann".into(),
            docker_password: "s3cret".into(),
            docker_email: String::new(),
        };
        let v: serde_json::Value = serde_json::from_str(&docker_config_json(&a)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"auths": {"reg.example.com:5000": {
                "username": "ann", "password": "s3cret", "auth": "YW5uOnMzY3JldA=="
            }}})
        );
        a.docker_email = "ann@example.com".into();
        let v: serde_json::Value = serde_json::from_str(&docker_config_json(&a)).unwrap();
        assert_eq!(
            v["auths"]["reg.example.com:5000"]["email"],
            "ann@example.com"
        );
    }

    #[test]
    fn every_source_lands_under_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("app.conf"), "x=1\n").unwrap();
        std::fs::write(d.join("logo.bin"), [0xff, 0x00, 0xfe]).unwrap();
        std::fs::write(d.join("vars.env"), "# comment\n\nA=1\nB = two=2\n").unwrap();
        std::fs::create_dir(d.join("conf.d")).unwrap();
        std::fs::write(d.join("conf.d/one"), "1").unwrap();
        std::fs::write(d.join("conf.d/two"), "2").unwrap();
        let app = d.join("app.conf");
        let renamed = format!("main={}", app.display());
        let logo = d.join("logo.bin");
        let conf = d.join("conf.d");
        let s = gather(&args(
            &["mode=fast", "empty="],
            &[&renamed, logo.to_str().unwrap(), conf.to_str().unwrap()],
            &[&d.join("vars.env")],
        ))
        .unwrap();
        let keys: Vec<&str> = s.data.keys().map(String::as_str).collect();
        assert_eq!(keys, ["A", "B", "empty", "main", "mode", "one", "two"]);
        assert_eq!(s.data["main"], "x=1\n");
        assert_eq!(s.data["B"], " two=2");
        assert_eq!(s.binary["logo.bin"], "/wD+");
    }

    #[test]
    fn bad_sources_are_refused_before_anything_is_sent() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path().join("bad.env");
        std::fs::write(&env, "A=1\nnot a pair\n").unwrap();
        let e = gather(&args(&[], &[], &[&env])).unwrap_err().to_string();
        assert!(
            e.ends_with("bad.env:2: expected KEY=VALUE, found \"not a pair\""),
            "{e}"
        );
        let e = gather(&args(&["a=1", "a=2"], &[], &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("key \"a\" given twice"), "{e}");
        let e = gather(&args(&["novalue"], &[], &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected KEY=VALUE"), "{e}");
        let missing = dir.path().join("missing");
        let e = gather(&args(&[], &[missing.to_str().unwrap()], &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing"), "{e}");
    }
}
