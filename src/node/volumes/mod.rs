//! What a pod needs from outside before its containers start: the
//! environment its `env[].valueFrom` and `envFrom` name, and its volumes as
//! host directories (configMap, secret, downwardAPI and projected contents,
//! emptyDir (a tmpfs for `medium: Memory`), allowed hostPaths, node-local
//! claims), mounted whole or one path inside (`subPath`, `subPathExpr`,
//! kept inside the volume: [`files::sub_path`]). A missing ConfigMap, Secret or key that is
//! not optional is an error that names it (the container waits with
//! `CreateContainerConfigError`).
//!
//! # Where pods' files live
//!
//! Pods may run as users other than the node daemon's, so what they use is
//! kept apart from the node's data dir (which stays 0700, with its
//! credentials): under the pods dir `P` ([`Roots::pods`], `--pods-dir`),
//! whose directories pods may traverse but not list (0711):
//!
//! - `P/<pod uid>/volumes/<name>`: emptyDir (0777, as Kubernetes makes it)
//!   and configMap volumes (files 0644 unless `defaultMode` says otherwise);
//! - `P/<pod uid>/work/...`: process containers' working directories (made
//!   by the process runtime);
//! - `P/claims/<claim uid>`: node-local claims (0777), kept until the claim
//!   is deleted. Claims an older ork kept in the data dir's `claims/` are
//!   moved here when the node starts ([`Roots::adopt_claims`]), never lost.
//!
//! `medium: Memory` emptyDirs are a tmpfs mounted there when the daemon is
//! root (its size the `sizeLimit`, so writes past it fail with ENOSPC, as
//! Kubernetes sizes them), unmounted when the pod's files go; a daemon
//! that is not root leaves them to Docker's own tmpfs mount (one per
//! container) and the process runtime refuses them.
//!
//! Secret volumes, and projected volumes holding a Secret or a
//! service-account token ([`tokens`], renewed by one task per volume), live on tmpfs (`/dev/shm/ork-<node id>/<pod uid>/<name>`,
//! directories 0711), never on disk, with files 0600 unless `defaultMode`
//! says otherwise. ConfigMap and secret files, and emptyDirs, belong to the
//! user of the first container that mounts them and to the pod's `fsGroup`
//! (which also gets read access to secret files)
//! ([`crate::node::security::volume_owner`]). Pods of one user are not kept
//! from each other's files (nor their processes): give pods their own
//! `runAsUser` to keep them apart.
//!
//! ConfigMap, Secret, downwardAPI and projected volumes are written the way
//! the kubelet writes them,
//! so updates are atomic: the files live in a timestamped directory that
//! `..data` (a symlink) points to, each key is a symlink through `..data`,
//! and an update swaps `..data` with one rename. The node watches ConfigMaps
//! and Secrets ([`announce_changes`]) so running pods compare their volumes
//! with their sources when something changed; a pod whose labels or
//! annotations change rewrites its downward API files at once.
//!
//! The node watches only the ConfigMaps and Secrets its pods use (the API
//! shows a node nothing else). A container start reads them through
//! `client`; a running pod's volumes are compared with what the node watches
//! ([`Watched`]). Their values are never logged.
//! Writing files and resolving hostPaths is [`files`].

use crate::api::volume::{KeyToPath, PersistentVolumeClaim, Volume};
use crate::api::{AnyObject, ConfigMap, Kind, Pod, Secret};
use crate::client::{Change, Client, ListParams, watcher};
use crate::node::downward::{Capacity, Files};
use crate::node::security::{ContainerSecurity, Ids, volume_owner};

mod files;
mod roots;
pub mod tokens;
pub use files::{
    TRAVERSE_ONLY, dir_with_mode, host_path, sub_path, traversable_dirs, unmount_below,
    write_atomic, write_files,
};
pub use roots::Roots;
#[cfg(test)]
use roots::copy_tree;
use roots::move_tree;
use std::collections::{BTreeMap, HashMap};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// A volume (or, with `subPath`, a path inside one) on this host.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mount {
    pub volume: String,
    pub host_path: PathBuf,
    pub container_path: String,
    pub read_only: bool,
    /// A `medium: Memory` emptyDir the node could not mount (it is not
    /// root): the runtime mounts a tmpfs itself, of `size_limit` bytes, or
    /// refuses the container.
    pub tmpfs: bool,
    pub size_limit: Option<i128>,
}

/// What a pod's containers get.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    /// Per container, the spec's environment in order (envFrom, then env).
    pub env: HashMap<String, Vec<(String, String)>>,
    pub mounts: HashMap<String, Vec<Mount>>,
    /// Per container, who it runs as and what its runtime applies.
    pub security: HashMap<String, ContainerSecurity>,
    /// The registry credentials of the pod's `imagePullSecrets`, in order.
    pub registry_auths: Vec<crate::node::pull_secrets::RegistryAuth>,
    /// The pull secrets that are missing or hold no credentials, by name.
    pub unusable_pull_secrets: Vec<String>,
}

fn optional(o: Option<bool>) -> bool {
    o == Some(true)
}

/// Data of a ConfigMap or Secret, as bytes per key; `None` when absent.
type Data = BTreeMap<String, Vec<u8>>;

fn map_data(cm: &ConfigMap) -> Data {
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
    d
}

fn secret_data(s: &Secret) -> Data {
    s.data
        .keys()
        .filter_map(|k| s.value(k).map(|v| (k.clone(), v)))
        .collect()
}

/// The kind, namespace, name and data of a ConfigMap or Secret.
fn entry_of(o: &AnyObject) -> Option<(Kind, String, String, Data)> {
    let m = o.meta();
    let d = match o {
        AnyObject::ConfigMap(c) => map_data(c),
        AnyObject::Secret(s) => secret_data(s),
        _ => return None,
    };
    Some((o.kind(), m.namespace.clone(), m.name.clone(), d))
}

/// ConfigMaps and Secrets as this node's watches last saw them
/// ([`announce_changes`] keeps it): pods read them here, not through the API.
#[derive(Default)]
pub struct Watched {
    objs: RwLock<HashMap<(Kind, String, String), Data>>,
}

impl std::fmt::Debug for Watched {
    // Counts only: the values are secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.objs.read().map_or(0, |o| o.len());
        f.debug_struct("Watched").field("objects", &n).finish()
    }
}

impl Watched {
    fn get(&self, kind: Kind, ns: &str, name: &str) -> Option<Data> {
        let objs = self.objs.read().unwrap_or_else(|e| e.into_inner());
        objs.get(&(kind, ns.to_string(), name.to_string())).cloned()
    }

    fn replace(&self, kind: Kind, items: &[AnyObject]) {
        let mut objs = self.objs.write().unwrap_or_else(|e| e.into_inner());
        objs.retain(|(k, _, _), _| *k != kind);
        for o in items {
            if let Some((k, ns, name, d)) = entry_of(o) {
                objs.insert((k, ns, name), d);
            }
        }
    }

    fn apply(&self, deleted: bool, o: &AnyObject) {
        let Some((k, ns, name, d)) = entry_of(o) else {
            return;
        };
        let mut objs = self.objs.write().unwrap_or_else(|e| e.into_inner());
        if deleted {
            objs.remove(&(k, ns, name));
        } else {
            objs.insert((k, ns, name), d);
        }
    }
}

/// A ConfigMap's or Secret's data through the API; `None` when it does not exist.
async fn read(c: &Client, kind: Kind, ns: &str, name: &str) -> Result<Option<Data>, String> {
    let got = match kind {
        Kind::Secret => c.get::<Secret>(ns, name).await.map(|s| secret_data(&s)),
        _ => c.get::<ConfigMap>(ns, name).await.map(|m| map_data(&m)),
    };
    match got {
        Ok(d) => Ok(Some(d)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(format!(
            "reading {} {name:?}: {e}",
            kind.as_str().to_lowercase()
        )),
    }
}

/// ConfigMaps and Secrets read once per resolution: through the API when
/// a container starts (the node sees only what its pods use, so an object
/// no pod used for a while may be stale in its copy), else from what the
/// node watches, and through the API for what it has not seen yet.
struct Cache<'a> {
    watched: &'a Watched,
    fresh: bool,
    read: HashMap<(Kind, String), Option<Data>>,
}

impl<'a> Cache<'a> {
    fn new(roots: &'a Roots, fresh: bool) -> Self {
        Cache {
            watched: &roots.watched,
            fresh,
            read: HashMap::new(),
        }
    }

    /// The data of ConfigMap or Secret (`kind`) `ns/name`; `None` when it
    /// does not exist.
    async fn data(
        &mut self,
        c: &Client,
        kind: Kind,
        ns: &str,
        name: &str,
    ) -> Result<Option<&Data>, String> {
        let key = (kind, name.to_string());
        if !self.read.contains_key(&key) {
            let d = match self.watched.get(kind, ns, name).filter(|_| !self.fresh) {
                Some(d) => Some(d),
                None => read(c, kind, ns, name).await?,
            };
            self.read.insert(key.clone(), d);
        }
        Ok(self.read.get(&key).and_then(Option::as_ref))
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The value of `key` in the ConfigMap or Secret (`kind`) `ns/name` whose
/// data is `data` (`None`: it does not exist); `None` when it or the key is
/// missing and that is allowed.
fn key_ref(
    data: Option<&Data>,
    kind: &str,
    ns: &str,
    name: &str,
    key: &str,
    optional: bool,
) -> Result<Option<String>, String> {
    match data {
        Some(d) => match d.get(key) {
            Some(v) => Ok(Some(text(v))),
            None if optional => Ok(None),
            None => Err(format!("couldn't find key {key} in {kind} {ns}/{name}")),
        },
        None if optional => Ok(None),
        None => Err(format!("{} {name:?} not found", kind.to_lowercase())),
    }
}

/// Resolves the environment and prepares the volumes of a pod whose
/// containers run as `security` says.
pub async fn resolve(
    client: &Client,
    pod: &Pod,
    roots: &Roots,
    security: HashMap<String, ContainerSecurity>,
) -> Result<Resolved, String> {
    let ns = &pod.metadata.namespace;
    let mut cache = Cache::new(roots, true);
    let mut out = Resolved {
        security,
        ..Default::default()
    };
    for c in pod.spec.all_containers() {
        let mut env: Vec<(String, String)> = vec![];
        for ef in &c.env_from {
            let (data, what, name, opt) = if let Some(r) = &ef.config_map_ref {
                (
                    cache.data(client, Kind::ConfigMap, ns, &r.name).await?,
                    "configmap",
                    &r.name,
                    optional(r.optional),
                )
            } else if let Some(r) = &ef.secret_ref {
                (
                    cache.data(client, Kind::Secret, ns, &r.name).await?,
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
                let data = cache.data(client, Kind::ConfigMap, ns, &r.name).await?;
                key_ref(data, "ConfigMap", ns, &r.name, &r.key, optional(r.optional))?
            } else if let Some(r) = &from.secret_key_ref {
                let data = cache.data(client, Kind::Secret, ns, &r.name).await?;
                key_ref(data, "Secret", ns, &r.name, &r.key, optional(r.optional))?
            } else if let Some(r) = &from.resource_field_ref {
                Some(crate::node::downward::resource_value(
                    pod,
                    &c.name,
                    r,
                    &crate::node::downward::Capacity::of_machine(),
                )?)
            } else {
                from.field_ref
                    .as_ref()
                    .map(|f| crate::node::downward::field_value(pod, &f.field_path))
            };
            if let Some(v) = value {
                env.push((e.name.clone(), v));
            }
        }
        out.env.insert(c.name.clone(), env);
    }
    let mut dirs: HashMap<String, (PathBuf, bool)> = HashMap::new();
    for v in &pod.spec.volumes {
        let owner = owner_of(pod, &out.security, v, roots);
        let dir = prepare(client, pod, v, roots, owner, &mut cache).await?;
        dirs.insert(v.name.clone(), dir);
    }
    for c in pod.spec.all_containers() {
        let env = out.env.get(&c.name);
        let lookup = |name: &str| {
            env.and_then(|e| e.iter().rev().find(|(k, _)| k == name))
                .map(|(_, v)| v.clone())
        };
        let mut mounts = vec![];
        for m in &c.volume_mounts {
            let (Some(v), Some((dir, tmpfs))) = (
                pod.spec.volumes.iter().find(|v| v.name == m.name),
                dirs.get(&m.name),
            ) else {
                continue;
            };
            let sub = m.sub_path_with(lookup);
            let host_path = if sub.is_empty() {
                dir.clone()
            } else if *tmpfs {
                return Err(format!(
                    "container {:?}: subPath of the Memory emptyDir {:?} needs the node daemon to run as root (it mounts the tmpfs)",
                    c.name, m.name
                ));
            } else {
                sub_path(dir, &sub).map_err(|e| {
                    format!(
                        "container {:?}, volumeMount {:?} at {}: {e}",
                        c.name, m.name, m.mount_path
                    )
                })?
            };
            mounts.push(Mount {
                volume: m.name.clone(),
                host_path,
                container_path: m.mount_path.clone(),
                read_only: m.read_only
                    || v.follows_sources()
                    || v.persistent_volume_claim
                        .as_ref()
                        .is_some_and(|p| p.read_only),
                tmpfs: *tmpfs,
                size_limit: v
                    .empty_dir
                    .as_ref()
                    .and_then(|e| e.size_limit.as_ref())
                    .map(|q| q.value()),
            });
        }
        out.mounts.insert(c.name.clone(), mounts);
    }
    // A pull secret that is missing or holds no credentials is passed over,
    // as the kubelet does: the pull is tried with the others, or without.
    for r in &pod.spec.image_pull_secrets {
        let auths = match cache.data(client, Kind::Secret, ns, &r.name).await? {
            Some(d) => crate::node::pull_secrets::from_secret(d),
            None => Err("not found".into()),
        };
        match auths {
            Ok(auths) => out.registry_auths.extend(auths),
            Err(why) => {
                tracing::debug!(secret = %r.name, %why, "image pull secret not used");
                out.unusable_pull_secrets.push(r.name.clone());
            }
        }
    }
    Ok(out)
}

/// Who owns a volume's files: see [`volume_owner`]; `None` when the daemon
/// cannot hand files over (it is not root).
fn owner_of(
    pod: &Pod,
    security: &HashMap<String, ContainerSecurity>,
    v: &Volume,
    roots: &Roots,
) -> Option<Ids> {
    roots.chown.then(|| volume_owner(pod, security, &v.name))
}

/// Whether the pod has an `fsGroup` (its volumes' group may read secret files).
fn has_fs_group(pod: &Pod) -> bool {
    pod.spec
        .security_context
        .as_ref()
        .is_some_and(|s| s.fs_group.is_some())
}

/// Rewrites the configMap, secret, downwardAPI and projected volumes of a
/// running pod whose sources changed (atomically), owned as at its start
/// (`security`); returns how many changed.
pub async fn refresh(
    client: &Client,
    pod: &Pod,
    roots: &Roots,
    security: &HashMap<String, ContainerSecurity>,
) -> Result<usize, String> {
    let mut cache = Cache::new(roots, false);
    let mut n = 0;
    for v in &pod.spec.volumes {
        if !v.follows_sources() {
            continue;
        }
        let (dir, files) = match contents(client, pod, v, roots, &mut cache).await {
            Ok(Some(x)) => x,
            // Gone meanwhile: keep what the pod has, as Kubernetes does.
            Ok(None) | Err(_) => continue,
        };
        let owner = owner_of(pod, security, v, roots);
        if write_files(&dir, &files, owner).map_err(|e| e.to_string())? {
            n += 1;
        }
    }
    Ok(n)
}

/// The directory and files (with their modes) of a configMap, secret,
/// downwardAPI or projected volume; `None` for other volumes. A missing
/// optional source gives no files.
async fn contents(
    client: &Client,
    pod: &Pod,
    v: &Volume,
    roots: &Roots,
    cache: &mut Cache<'_>,
) -> Result<Option<(PathBuf, Files)>, String> {
    let ns = &pod.metadata.namespace;
    let uid = &pod.metadata.uid;
    let made = |e: std::io::Error| format!("making the directories of volume {:?}: {e}", v.name);
    let mode_of = |m: Option<i32>, default: u32| m.map_or(default, |m| m as u32 & 0o777);
    // The volumes' group may read secrets, as Kubernetes does with fsGroup.
    let group_read = if has_fs_group(pod) { 0o040 } else { 0 };
    let dir = if !v.follows_sources() {
        return Ok(None);
    } else if v.holds_secrets() {
        let parent = roots.secrets.parent().unwrap_or(Path::new("/"));
        traversable_dirs(parent, &[&file_name(&roots.secrets), uid])
            .map_err(made)?
            .join(&v.name)
    } else {
        traversable_dirs(&roots.pods, &[uid, "volumes"])
            .map_err(made)?
            .join(&v.name)
    };
    let cap = Capacity::of_machine();
    let mut files = Files::new();
    if let Some(c) = &v.config_map {
        let mode = mode_of(c.default_mode, 0o644);
        let source = Source::new(Kind::ConfigMap, &c.name, &c.items, optional(c.optional));
        source.add(client, ns, cache, mode, &mut files).await?;
    } else if let Some(s) = &v.secret {
        let mode = mode_of(s.default_mode, 0o600) | group_read;
        let source = Source::new(Kind::Secret, &s.secret_name, &s.items, optional(s.optional));
        source.add(client, ns, cache, mode, &mut files).await?;
    } else if let Some(d) = &v.downward_api {
        let mode = mode_of(d.default_mode, 0o644);
        files = crate::node::downward::files(pod, &d.items, mode, &cap)?;
    } else if let Some(p) = &v.projected {
        let mode = mode_of(p.default_mode, 0o644);
        for src in &p.sources {
            if let Some(c) = &src.config_map {
                let source = Source::new(Kind::ConfigMap, &c.name, &c.items, optional(c.optional));
                source.add(client, ns, cache, mode, &mut files).await?;
            } else if let Some(s) = &src.secret {
                let source = Source::new(Kind::Secret, &s.name, &s.items, optional(s.optional));
                source
                    .add(client, ns, cache, mode | group_read, &mut files)
                    .await?;
            } else if let Some(d) = &src.downward_api {
                files.extend(crate::node::downward::files(pod, &d.items, mode, &cap)?);
            } else if let Some(t) = &src.service_account_token {
                let token = tokens::token(client, pod, &v.name, t).await?;
                files.insert(t.path.clone(), (token.into_bytes(), mode | group_read));
            }
        }
    }
    Ok(Some((dir, files)))
}

/// A ConfigMap or Secret whose keys a volume (or a projected volume's
/// source) holds.
struct Source<'a> {
    kind: Kind,
    name: &'a str,
    items: &'a [KeyToPath],
    optional: bool,
}

impl<'a> Source<'a> {
    fn new(kind: Kind, name: &'a str, items: &'a [KeyToPath], optional: bool) -> Self {
        Source {
            kind,
            name,
            items,
            optional,
        }
    }

    /// Adds its files to `files`, each with its item's mode or `mode`.
    async fn add(
        &self,
        client: &Client,
        ns: &str,
        cache: &mut Cache<'_>,
        mode: u32,
        files: &mut Files,
    ) -> Result<(), String> {
        let what = self.kind.as_str().to_lowercase();
        let name = self.name;
        let Some(data) = cache.data(client, self.kind, ns, name).await? else {
            if self.optional {
                return Ok(());
            }
            return Err(format!("{what} {name:?} not found"));
        };
        files.extend(files_of(
            data,
            self.items,
            mode,
            self.optional,
            &what,
            name,
        )?);
        Ok(())
    }
}

/// Files of a volume: every key with `mode`, or only `items` at their
/// paths with their own modes (a missing key is an error unless the
/// source is optional).
fn files_of(
    data: &Data,
    items: &[KeyToPath],
    mode: u32,
    optional: bool,
    what: &str,
    name: &str,
) -> Result<Files, String> {
    if items.is_empty() {
        return Ok(data
            .iter()
            .map(|(k, v)| (k.clone(), (v.clone(), mode)))
            .collect());
    }
    let mut out = Files::new();
    for it in items {
        let Some(v) = data.get(&it.key) else {
            if optional {
                continue;
            }
            return Err(format!("couldn't find key {} in {what} {name:?}", it.key));
        };
        let m = it.mode.map_or(mode, |m| m as u32 & 0o777);
        out.insert(it.path.clone(), (v.clone(), m));
    }
    Ok(out)
}

/// A directory's last name.
fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Makes a volume's directory on the host, its files owned by `owner`;
/// says whether the runtime is to mount a tmpfs there itself (a Memory
/// emptyDir the daemon could not mount, not being root).
async fn prepare(
    client: &Client,
    pod: &Pod,
    v: &Volume,
    roots: &Roots,
    owner: Option<Ids>,
    cache: &mut Cache<'_>,
) -> Result<(PathBuf, bool), String> {
    let io = |what: &str, p: &Path, e: std::io::Error| format!("{what} {}: {e}", p.display());
    if v.follows_sources() {
        let (dir, files) = contents(client, pod, v, roots, cache)
            .await
            .map_err(|e| format!("{e} (volume {:?})", v.name))?
            .ok_or_else(|| format!("volume {:?} has no source", v.name))?;
        write_files(&dir, &files, owner).map_err(|e| io("writing", &dir, e))?;
        if v.tokens().next().is_some() {
            keep_tokens_fresh(client, pod, v, roots, owner, &dir);
        }
        return Ok((dir, false));
    }
    if let Some(e) = &v.empty_dir {
        let base = traversable_dirs(&roots.pods, &[&pod.metadata.uid, "volumes"])
            .map_err(|e| io("creating", &roots.pods, e))?;
        let dir = base.join(&v.name);
        // Any container user may write, as in Kubernetes.
        dir_with_mode(&dir, 0o777).map_err(|e| io("creating", &dir, e))?;
        let memory = e.medium == "Memory";
        if memory && roots.chown {
            files::mount_tmpfs(&dir, e.size_limit.as_ref().map(|q| q.value()))
                .map_err(|e| format!("volume {:?}: {e}", v.name))?;
        }
        if let Some(o) = owner {
            std::os::unix::fs::chown(&dir, Some(o.uid), Some(o.gid))
                .map_err(|e| io("chown", &dir, e))?;
        }
        return Ok((dir, memory && !roots.chown));
    }
    if let Some(h) = &v.host_path {
        return host_path(&h.path, &h.type_, &roots.host_paths, &roots.forbidden)
            .map(|p| (p, false))
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
        // By uid: a claim deleted and made again starts empty. Any user
        // may write: pods of different users may use it in turn.
        let dir = roots.claims.join(&claim.metadata.uid);
        let old = roots.old_claims.join(&claim.metadata.uid);
        if !dir.exists() && old.exists() {
            move_tree(&old, &dir).map_err(|e| {
                format!(
                    "the data of claim {:?} is in {} and could not be moved to {}: {e}",
                    c.claim_name,
                    old.display(),
                    dir.display()
                )
            })?;
        }
        dir_with_mode(&dir, 0o777).map_err(|e| io("creating", &dir, e))?;
        return Ok((dir, false));
    }
    Err(format!("volume {:?} has no source", v.name))
}

/// Volumes (pod uid, name) whose tokens a task keeps fresh.
fn keepers() -> &'static std::sync::Mutex<std::collections::HashSet<(String, String)>> {
    static SET: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<(String, String)>>> =
        std::sync::OnceLock::new();
    SET.get_or_init(Default::default)
}

/// Starts (once per pod volume) the task that rewrites volume `v` of `pod`
/// whenever one of its service-account tokens is due ([`tokens::due`]),
/// until its directory is removed or the API refuses a token (the pod or
/// its account is gone).
fn keep_tokens_fresh(
    client: &Client,
    pod: &Pod,
    v: &Volume,
    roots: &Roots,
    owner: Option<Ids>,
    dir: &Path,
) {
    let key = (pod.metadata.uid.clone(), v.name.clone());
    if !keepers()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key.clone())
    {
        return;
    }
    let (client, pod, v, roots, dir) = (
        client.clone(),
        pod.clone(),
        v.clone(),
        roots.clone(),
        dir.to_path_buf(),
    );
    tokio::spawn(async move {
        let uid = pod.metadata.uid.clone();
        while let Some(at) = tokens::due(&uid, &v.name) {
            let wait = (at - chrono::Utc::now().timestamp()).max(1);
            tokio::time::sleep(std::time::Duration::from_secs(wait.unsigned_abs())).await;
            if !dir.exists() {
                break;
            }
            let mut cache = Cache::new(&roots, false);
            match contents(&client, &pod, &v, &roots, &mut cache).await {
                Ok(Some((dir, files))) => {
                    if let Err(e) = write_files(&dir, &files, owner) {
                        tracing::warn!(pod = %pod.metadata.name, volume = %v.name, error = %e, "rewriting a volume's service-account token");
                    }
                }
                Ok(None) => break,
                Err(e) if e.contains("(403)") || e.contains("(404)") || e.contains("(422)") => {
                    tracing::debug!(pod = %pod.metadata.name, volume = %v.name, error = %e, "no more service-account tokens");
                    break;
                }
                // The API is unreachable or a source is missing: try again soon.
                Err(_) => tokio::time::sleep(std::time::Duration::from_secs(10)).await,
            }
        }
        tokens::forget(&uid, &v.name);
        keepers()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(uid, v.name.clone()));
    });
}

/// Watches a kind (ConfigMap or Secret) and bumps `changes` on every event,
/// so pods compare their volumes with their sources only when something
/// changed. A fresh list (the first, and after a broken watch, when
/// something may have been missed) bumps it too.
pub async fn announce_changes(
    client: Client,
    kind: crate::api::Kind,
    watched: std::sync::Arc<Watched>,
    changes: tokio::sync::watch::Sender<u64>,
) {
    use futures::StreamExt;
    let mut stream = std::pin::pin!(watcher(client, kind, None, ListParams::default()));
    while let Some(change) = stream.next().await {
        match change {
            Change::Listed(items) => watched.replace(kind, &items),
            Change::Applied(o) => watched.apply(false, &o),
            Change::Deleted(o) => watched.apply(true, &o),
            Change::Failed(e) => {
                tracing::debug!(%kind, error = %e, "watching volume sources failed; listing again");
                continue;
            }
        }
        changes.send_modify(|n| *n += 1);
        if changes.is_closed() {
            return;
        }
    }
}

/// Removes the data of claims that no longer exist (their directories are
/// named by the claim's uid).
pub async fn sweep_claims(client: &Client, roots: &Roots) {
    let Ok(entries) = std::fs::read_dir(&roots.claims) else {
        return;
    };
    let Ok(live) = client
        .list::<PersistentVolumeClaim>(None, &crate::client::ListParams::default())
        .await
    else {
        return;
    };
    let uids: std::collections::HashSet<String> =
        live.items.into_iter().map(|c| c.metadata.uid).collect();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        // A claim being moved in is not a deleted one.
        if !uids.contains(&name) && !name.starts_with('.') {
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
mod tests;
