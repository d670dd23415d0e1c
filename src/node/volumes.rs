//! What a pod needs from outside before its containers start: the
//! environment its `env[].valueFrom` and `envFrom` name, and its volumes as
//! host directories (configMap and secret contents, emptyDir, allowed
//! hostPaths, node-local claims). A missing ConfigMap, Secret or key that is
//! not optional is an error that names it (the container waits with
//! `CreateContainerConfigError`).
//!
//! ConfigMap and Secret volumes are written the way the kubelet writes them,
//! so updates are atomic: the files live in a timestamped directory that
//! `..data` (a symlink) points to, each key is a symlink through `..data`,
//! and an update swaps `..data` with one rename. The node watches ConfigMaps
//! and Secrets ([`announce_changes`]) so running pods compare their volumes
//! with their sources when something changed. Secret volumes live on tmpfs
//! (`/dev/shm`), never on disk, with files 0600.
//!
//! Reads ConfigMaps and Secrets through `client`; never logs their values.

use crate::api::volume::{KeyToPath, PersistentVolumeClaim, Volume};
use crate::api::{ConfigMap, Pod, Secret};
use crate::client::Client;
use std::collections::{BTreeMap, HashMap};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

/// Where a pod's volumes go on this node.
#[derive(Clone, Debug)]
pub struct Roots {
    /// `<node data dir>/pods`: emptyDir and configMap volumes.
    pub pods: PathBuf,
    /// Secret volumes (tmpfs when there is one).
    pub secrets: PathBuf,
    /// `<node data dir>/claims`: node-local persistent volume claims.
    pub claims: PathBuf,
    /// The host directories `hostPath` volumes may use (canonical).
    pub host_paths: Vec<PathBuf>,
}

impl Roots {
    pub fn new(data_dir: &Path, node_id: &str, host_paths: &[PathBuf]) -> Roots {
        let shm = Path::new("/dev/shm");
        let secrets = if shm.is_dir() {
            shm.join(format!("ork-{node_id}"))
        } else {
            data_dir.join("secrets")
        };
        Roots {
            pods: data_dir.join("pods"),
            secrets,
            claims: data_dir.join("claims"),
            host_paths: host_paths
                .iter()
                .filter_map(|p| std::fs::canonicalize(p).ok())
                .collect(),
        }
    }

    /// Removes everything of a pod but its claims.
    pub fn cleanup(&self, pod_uid: &str) {
        for base in [&self.pods, &self.secrets] {
            let _ = std::fs::remove_dir_all(base.join(pod_uid));
        }
    }
}

/// A volume as a directory on this host.
#[derive(Clone, Debug, PartialEq)]
pub struct Mount {
    pub volume: String,
    pub host_path: PathBuf,
    pub container_path: String,
    pub read_only: bool,
}

/// What a pod's containers get.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    /// Per container, the spec's environment in order (envFrom, then env).
    pub env: HashMap<String, Vec<(String, String)>>,
    pub mounts: HashMap<String, Vec<Mount>>,
}

fn optional(o: Option<bool>) -> bool {
    o == Some(true)
}

/// Data of a ConfigMap or Secret, as bytes per key; `None` when absent.
type Data = BTreeMap<String, Vec<u8>>;

async fn config_map(c: &Client, ns: &str, name: &str) -> Result<Option<Data>, String> {
    match c.get::<ConfigMap>(ns, name).await {
        Ok(cm) => {
            let mut d: Data = cm
                .data
                .iter()
                .map(|(k, v)| (k.clone(), v.as_bytes().to_vec()))
                .collect();
            for (k, v) in &cm.binary_data {
                if let Some(b) = crate::api::config::decode_base64(v) {
                    d.insert(k.clone(), b);
                }
            }
            Ok(Some(d))
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(format!("reading configmap {name:?}: {e}")),
    }
}

async fn secret(c: &Client, ns: &str, name: &str) -> Result<Option<Data>, String> {
    match c.get::<Secret>(ns, name).await {
        Ok(s) => Ok(Some(
            s.data
                .keys()
                .filter_map(|k| s.value(k).map(|v| (k.clone(), v)))
                .collect(),
        )),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(format!("reading secret {name:?}: {e}")),
    }
}

/// ConfigMaps and Secrets read once per resolution.
#[derive(Default)]
struct Cache {
    maps: HashMap<String, Option<Data>>,
    secrets: HashMap<String, Option<Data>>,
}

impl Cache {
    async fn map(&mut self, c: &Client, ns: &str, name: &str) -> Result<Option<&Data>, String> {
        if !self.maps.contains_key(name) {
            let d = config_map(c, ns, name).await?;
            self.maps.insert(name.to_string(), d);
        }
        Ok(self.maps.get(name).and_then(Option::as_ref))
    }

    async fn secret(&mut self, c: &Client, ns: &str, name: &str) -> Result<Option<&Data>, String> {
        if !self.secrets.contains_key(name) {
            let d = secret(c, ns, name).await?;
            self.secrets.insert(name.to_string(), d);
        }
        Ok(self.secrets.get(name).and_then(Option::as_ref))
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn field(pod: &Pod, path: &str) -> String {
    let m = &pod.metadata;
    let quoted = |p: &str, prefix: &str| {
        p.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix("']"))
            .map(str::to_string)
    };
    match path {
        "metadata.name" => m.name.clone(),
        "metadata.namespace" => m.namespace.clone(),
        "metadata.uid" => m.uid.clone(),
        "spec.nodeName" => pod.spec.node_name.clone(),
        "spec.serviceAccountName" => "default".into(),
        "status.hostIP" | "status.podIP" | "status.podIPs" => pod.status.host_ip.clone(),
        p => {
            if let Some(k) = quoted(p, "metadata.labels['") {
                m.labels.get(&k).cloned().unwrap_or_default()
            } else if let Some(k) = quoted(p, "metadata.annotations['") {
                m.annotations.get(&k).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    }
}

/// Resolves the environment and prepares the volumes of a pod.
pub async fn resolve(client: &Client, pod: &Pod, roots: &Roots) -> Result<Resolved, String> {
    let ns = &pod.metadata.namespace;
    let mut cache = Cache::default();
    let mut out = Resolved::default();
    for c in &pod.spec.containers {
        let mut env: Vec<(String, String)> = vec![];
        for ef in &c.env_from {
            let (data, what, name, opt) = if let Some(r) = &ef.config_map_ref {
                (
                    cache.map(client, ns, &r.name).await?,
                    "configmap",
                    &r.name,
                    optional(r.optional),
                )
            } else if let Some(r) = &ef.secret_ref {
                (
                    cache.secret(client, ns, &r.name).await?,
                    "secret",
                    &r.name,
                    optional(r.optional),
                )
            } else {
                continue;
            };
            match data {
                Some(d) => {
                    for (k, v) in d {
                        let name = format!("{}{k}", ef.prefix);
                        // Kubernetes skips keys that are not valid names.
                        if crate::api::volume::env_name_ok(&name) {
                            env.push((name, text(v)));
                        }
                    }
                }
                None if opt => {}
                None => return Err(format!("{what} {name:?} not found")),
            }
        }
        for e in &c.env {
            let Some(from) = &e.value_from else {
                env.push((e.name.clone(), e.value.clone()));
                continue;
            };
            let value = if let Some(r) = &from.config_map_key_ref {
                match cache.map(client, ns, &r.name).await? {
                    Some(d) => match d.get(&r.key) {
                        Some(v) => Some(text(v)),
                        None if optional(r.optional) => None,
                        None => {
                            return Err(format!(
                                "couldn't find key {} in ConfigMap {ns}/{}",
                                r.key, r.name
                            ));
                        }
                    },
                    None if optional(r.optional) => None,
                    None => return Err(format!("configmap {:?} not found", r.name)),
                }
            } else if let Some(r) = &from.secret_key_ref {
                match cache.secret(client, ns, &r.name).await? {
                    Some(d) => match d.get(&r.key) {
                        Some(v) => Some(text(v)),
                        None if optional(r.optional) => None,
                        None => {
                            return Err(format!(
                                "couldn't find key {} in Secret {ns}/{}",
                                r.key, r.name
                            ));
                        }
                    },
                    None if optional(r.optional) => None,
                    None => return Err(format!("secret {:?} not found", r.name)),
                }
            } else {
                from.field_ref.as_ref().map(|f| field(pod, &f.field_path))
            };
            if let Some(v) = value {
                env.push((e.name.clone(), v));
            }
        }
        out.env.insert(c.name.clone(), env);
    }
    let mut dirs: HashMap<String, PathBuf> = HashMap::new();
    for v in &pod.spec.volumes {
        let dir = prepare(client, pod, v, roots, &mut cache).await?;
        dirs.insert(v.name.clone(), dir);
    }
    for c in &pod.spec.containers {
        let mounts = c
            .volume_mounts
            .iter()
            .filter_map(|m| {
                let v = pod.spec.volumes.iter().find(|v| v.name == m.name)?;
                Some(Mount {
                    volume: m.name.clone(),
                    host_path: dirs.get(&m.name)?.clone(),
                    container_path: m.mount_path.clone(),
                    read_only: m.read_only
                        || v.config_map.is_some()
                        || v.secret.is_some()
                        || v.persistent_volume_claim
                            .as_ref()
                            .is_some_and(|p| p.read_only),
                })
            })
            .collect();
        out.mounts.insert(c.name.clone(), mounts);
    }
    Ok(out)
}

/// Rewrites the configMap and secret volumes of a running pod whose source
/// changed (atomically); returns how many changed.
pub async fn refresh(client: &Client, pod: &Pod, roots: &Roots) -> Result<usize, String> {
    let mut cache = Cache::default();
    let mut n = 0;
    for v in &pod.spec.volumes {
        if v.config_map.is_none() && v.secret.is_none() {
            continue;
        }
        let (dir, files, mode) = match contents(client, pod, v, roots, &mut cache).await {
            Ok(Some(x)) => x,
            // Gone meanwhile: keep what the pod has, as Kubernetes does.
            Ok(None) | Err(_) => continue,
        };
        if write_atomic(&dir, &files, mode).map_err(|e| e.to_string())? {
            n += 1;
        }
    }
    Ok(n)
}

/// The directory, files and mode of a configMap or secret volume; `None`
/// when its source is optional and missing.
async fn contents(
    client: &Client,
    pod: &Pod,
    v: &Volume,
    roots: &Roots,
    cache: &mut Cache,
) -> Result<Option<(PathBuf, BTreeMap<String, Vec<u8>>, u32)>, String> {
    let ns = &pod.metadata.namespace;
    let uid = &pod.metadata.uid;
    let (data, items, mode, dir, what, name, opt) = if let Some(c) = &v.config_map {
        (
            cache.map(client, ns, &c.name).await?.cloned(),
            &c.items,
            c.default_mode.map_or(0o644, |m| m as u32 & 0o777),
            roots.pods.join(uid).join("volumes").join(&v.name),
            "configmap",
            &c.name,
            optional(c.optional),
        )
    } else if let Some(s) = &v.secret {
        crate::sys::private_dir(&roots.secrets).map_err(|e| e.to_string())?;
        (
            cache.secret(client, ns, &s.secret_name).await?.cloned(),
            &s.items,
            s.default_mode.map_or(0o600, |m| m as u32 & 0o777),
            roots.secrets.join(uid).join(&v.name),
            "secret",
            &s.secret_name,
            optional(s.optional),
        )
    } else {
        return Ok(None);
    };
    let Some(data) = data else {
        if opt {
            return Ok(Some((dir, BTreeMap::new(), mode)));
        }
        return Err(format!("{what} {name:?} not found (volume {:?})", v.name));
    };
    Ok(Some((dir, files_of(&data, items, what, name)?, mode)))
}

/// Files of a volume: every key, or only `items` at their paths.
fn files_of(
    data: &Data,
    items: &[KeyToPath],
    what: &str,
    name: &str,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    if items.is_empty() {
        return Ok(data.clone());
    }
    let mut out = BTreeMap::new();
    for it in items {
        let v = data
            .get(&it.key)
            .ok_or_else(|| format!("couldn't find key {} in {what} {name:?}", it.key))?;
        out.insert(it.path.clone(), v.clone());
    }
    Ok(out)
}

/// Makes a volume's directory on the host.
async fn prepare(
    client: &Client,
    pod: &Pod,
    v: &Volume,
    roots: &Roots,
    cache: &mut Cache,
) -> Result<PathBuf, String> {
    let io = |what: &str, p: &Path, e: std::io::Error| format!("{what} {}: {e}", p.display());
    if v.config_map.is_some() || v.secret.is_some() {
        let (dir, files, mode) = contents(client, pod, v, roots, cache)
            .await?
            .ok_or_else(|| format!("volume {:?} has no source", v.name))?;
        write_atomic(&dir, &files, mode).map_err(|e| io("writing", &dir, e))?;
        return Ok(dir);
    }
    if v.empty_dir.is_some() {
        let dir = roots
            .pods
            .join(&pod.metadata.uid)
            .join("volumes")
            .join(&v.name);
        std::fs::create_dir_all(&dir).map_err(|e| io("creating", &dir, e))?;
        // Any container user may write, as in Kubernetes.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))
            .map_err(|e| io("chmod", &dir, e))?;
        return Ok(dir);
    }
    if let Some(h) = &v.host_path {
        return host_path(&h.path, &h.type_, &roots.host_paths)
            .map_err(|e| format!("volume {:?}: {e}", v.name));
    }
    if let Some(c) = &v.persistent_volume_claim {
        let ns = &pod.metadata.namespace;
        let claim = match client.get::<PersistentVolumeClaim>(ns, &c.claim_name).await {
            Ok(claim) => claim,
            Err(e) if e.is_not_found() => {
                return Err(format!(
                    "persistentvolumeclaim {:?} not found",
                    c.claim_name
                ));
            }
            Err(e) => return Err(format!("reading claim {:?}: {e}", c.claim_name)),
        };
        if claim.node().is_some_and(|n| n != pod.spec.node_name) {
            return Err(format!(
                "claim {:?} is bound to node {}, not this one",
                c.claim_name,
                claim.node().unwrap_or_default()
            ));
        }
        // By uid: a claim deleted and made again starts empty.
        let dir = roots.claims.join(&claim.metadata.uid);
        std::fs::create_dir_all(&dir).map_err(|e| io("creating", &dir, e))?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))
            .map_err(|e| io("chmod", &dir, e))?;
        return Ok(dir);
    }
    Err(format!("volume {:?} has no source", v.name))
}

/// Resolves a hostPath under the allowed roots: the path as written must
/// not climb with `..`, and once every symlink is followed it must still be
/// under a root. `DirectoryOrCreate` / `FileOrCreate` create it (inside a
/// root only).
pub fn host_path(path: &str, type_: &str, roots: &[PathBuf]) -> Result<PathBuf, String> {
    let p = Path::new(path);
    if !p.is_absolute() || p.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(format!(
            "hostPath {path:?} must be absolute and must not contain '..'"
        ));
    }
    if roots.is_empty() {
        return Err(format!(
            "hostPath {path:?} is not allowed: this node allows no host paths (start it with --allow-host-path DIR)"
        ));
    }
    let allowed = |real: &Path| roots.iter().any(|r| real.starts_with(r));
    let list = || {
        roots
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The longest existing prefix, resolved; then what is left below it.
    let mut existing = p.to_path_buf();
    let mut rest = vec![];
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(n), Some(parent)) => {
                rest.push(n.to_owned());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut real =
        std::fs::canonicalize(&existing).map_err(|e| format!("hostPath {path:?}: {e}"))?;
    for n in rest.iter().rev() {
        real.push(n);
    }
    if !allowed(&real) {
        let how = if real != p {
            format!(" (it resolves to {}, through a symlink)", real.display())
        } else {
            String::new()
        };
        return Err(format!(
            "hostPath {path:?} is not under a directory this node allows{how}; allowed: {}",
            list()
        ));
    }
    let exists = real.exists();
    match type_ {
        "DirectoryOrCreate" if !exists => {
            std::fs::create_dir_all(&real)
                .map_err(|e| format!("creating {}: {e}", real.display()))?;
        }
        "FileOrCreate" if !exists => {
            if let Some(parent) = real.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("creating {}: {e}", parent.display()))?;
            }
            std::fs::File::create(&real)
                .map_err(|e| format!("creating {}: {e}", real.display()))?;
        }
        "Directory" if !real.is_dir() => {
            return Err(format!("hostPath {path:?} is not an existing directory"));
        }
        "File" if !real.is_file() => {
            return Err(format!("hostPath {path:?} is not an existing file"));
        }
        "" if !exists => {
            return Err(format!("hostPath {path:?} does not exist"));
        }
        _ => {}
    }
    // Created parents could not have escaped: check once more, resolved.
    let real = std::fs::canonicalize(&real).map_err(|e| format!("hostPath {path:?}: {e}"))?;
    if !allowed(&real) {
        return Err(format!(
            "hostPath {path:?} is not under a directory this node allows; allowed: {}",
            list()
        ));
    }
    Ok(real)
}

/// Writes `files` into `dir` the kubelet's way (see the module doc).
/// Returns whether anything changed.
pub fn write_atomic(
    dir: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    mode: u32,
) -> std::io::Result<bool> {
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    let data_link = dir.join("..data");
    // Unchanged: every file reads the same and nothing extra is there.
    if let Ok(cur) = std::fs::read_link(&data_link) {
        let cur = dir.join(cur);
        let same = files
            .iter()
            .all(|(k, v)| std::fs::read(cur.join(k)).is_ok_and(|b| &b == v))
            && count_files(&cur) == files.len();
        if same {
            return Ok(false);
        }
    }
    let stamp = format!(
        "..{}.{}",
        chrono::Utc::now().format("%Y_%m_%d_%H_%M_%S"),
        uuid::Uuid::new_v4().simple()
    );
    let new = dir.join(&stamp);
    std::fs::create_dir(&new)?;
    for (k, v) in files {
        let p = new.join(k);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&p, v)?;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode))?;
    }
    let old = std::fs::read_link(&data_link).ok();
    let tmp = dir.join("..data_tmp");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(&stamp, &tmp)?;
    std::fs::rename(&tmp, &data_link)?;
    // Top-level names: a symlink through ..data for each; stale ones go.
    let tops: std::collections::BTreeSet<String> = files
        .keys()
        .filter_map(|k| k.split('/').next().map(str::to_string))
        .collect();
    for t in &tops {
        let link = dir.join(t);
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(Path::new("..data").join(t), &link)?;
        }
    }
    for e in std::fs::read_dir(dir)?.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if !n.starts_with("..") && !tops.contains(&n) {
            let _ = std::fs::remove_file(e.path());
        }
    }
    if let Some(old) = old {
        let _ = std::fs::remove_dir_all(dir.join(old));
    }
    std::fs::File::open(dir)?.sync_all()?;
    Ok(true)
}

fn count_files(dir: &Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| {
            if e.path().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

/// Watches a kind (ConfigMap or Secret) and bumps `changes` on every event,
/// so pods compare their volumes with their sources only when something
/// changed. After a broken watch it bumps once (something may have been
/// missed) and watches again.
pub async fn announce_changes(
    client: Client,
    kind: crate::api::Kind,
    changes: tokio::sync::watch::Sender<u64>,
) {
    use futures::StreamExt;
    loop {
        if let Ok(list) = client
            .list_any(kind, None, &crate::client::ListOptions::default())
            .await
        {
            changes.send_modify(|n| *n += 1);
            if let Ok(mut s) = client
                .watch(
                    kind,
                    None,
                    &crate::client::ListOptions::default(),
                    Some(list.resource_version),
                )
                .await
            {
                while let Some(Ok(_)) = s.next().await {
                    changes.send_modify(|n| *n += 1);
                }
            }
        }
        if changes.is_closed() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// Removes the data of claims that no longer exist (their directories are
/// named by the claim's uid).
pub async fn sweep_claims(client: &Client, roots: &Roots) {
    let Ok(entries) = std::fs::read_dir(&roots.claims) else {
        return;
    };
    let Ok(live) = client
        .list::<PersistentVolumeClaim>(None, &crate::client::ListOptions::default())
        .await
    else {
        return;
    };
    let uids: std::collections::HashSet<String> =
        live.items.into_iter().map(|c| c.metadata.uid).collect();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !uids.contains(&name) {
            tracing::info!(claim_uid = %name, "removing the data of a deleted claim");
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// `ORK_VOLUME_<NAME>` for each volume a process container mounts.
pub fn volume_env(mounts: &[Mount]) -> Vec<(String, String)> {
    mounts
        .iter()
        .map(|m| {
            (
                format!(
                    "ORK_VOLUME_{}",
                    m.volume.to_ascii_uppercase().replace(['-', '.'], "_")
                ),
                m.host_path.display().to_string(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_files_are_swapped_atomically_and_stale_keys_go() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("v");
        let mut files = BTreeMap::from([
            ("a".to_string(), b"1".to_vec()),
            ("b".to_string(), b"2".to_vec()),
        ]);
        assert!(write_atomic(&dir, &files, 0o644).unwrap());
        assert_eq!(std::fs::read(dir.join("a")).unwrap(), b"1");
        assert!(!write_atomic(&dir, &files, 0o644).unwrap(), "unchanged");
        let first = std::fs::read_link(dir.join("..data")).unwrap();
        files.insert("a".into(), b"changed".to_vec());
        files.remove("b");
        assert!(write_atomic(&dir, &files, 0o644).unwrap());
        assert_eq!(std::fs::read(dir.join("a")).unwrap(), b"changed");
        assert!(!dir.join("b").exists());
        assert!(!dir.join(first).exists(), "the old generation is removed");
        // Keys are symlinks through ..data (what makes the swap atomic).
        assert_eq!(
            std::fs::read_link(dir.join("a")).unwrap(),
            Path::new("..data/a")
        );
    }

    #[test]
    fn host_paths_stay_under_their_roots() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("allowed");
        let outside = d.path().join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("escape")).unwrap();
        let roots = vec![std::fs::canonicalize(&root).unwrap()];
        let r = |p: &Path, t: &str| host_path(p.to_str().unwrap(), t, &roots);
        assert!(r(&root.join("data"), "DirectoryOrCreate").is_ok());
        assert!(root.join("data").is_dir());
        let e = r(&outside, "Directory").unwrap_err();
        assert!(e.contains("not under a directory this node allows"), "{e}");
        let e = host_path(
            &format!("{}/../outside", root.display()),
            "Directory",
            &roots,
        )
        .unwrap_err();
        assert!(e.contains("'..'"), "{e}");
        let e = r(&root.join("escape"), "Directory").unwrap_err();
        assert!(e.contains("through a symlink"), "{e}");
        let e = r(&root.join("escape/new"), "DirectoryOrCreate").unwrap_err();
        assert!(e.contains("through a symlink"), "{e}");
        assert!(!outside.join("new").exists(), "nothing created outside");
        let e = host_path("/etc", "Directory", &[]).unwrap_err();
        assert!(e.contains("--allow-host-path"), "{e}");
    }
}
