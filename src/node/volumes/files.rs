//! The files of volumes on the host: configMap, secret, downwardAPI and
//! projected contents written the kubelet's way (atomically, through
//! `..data`) and owned by the pod's user, the directories pods may
//! traverse but not list, hostPath resolution confined to the node's
//! allowed roots and kept out of the node's own directories, `subPath`
//! resolution confined to its volume, and tmpfs for `medium: Memory`.

use crate::node::downward::Files;
use crate::node::security::Ids;
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// Mode of the directories on the way to a pod's files: others may pass
/// through, knowing a name, but not list them.
pub const TRAVERSE_ONLY: u32 = 0o711;

/// Creates `dir` (its parent must exist) if needed and sets its mode.
pub fn dir_with_mode(dir: &Path, mode: u32) -> std::io::Result<()> {
    match std::fs::create_dir(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
        _ => {}
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
}

/// Creates `base/a/b/...` for each name of `rel` in turn, each
/// [`TRAVERSE_ONLY`]; `base` must exist. Returns the last.
pub fn traversable_dirs(base: &Path, rel: &[&str]) -> std::io::Result<PathBuf> {
    let mut dir = base.to_path_buf();
    for name in rel {
        dir.push(name);
        dir_with_mode(&dir, TRAVERSE_ONLY)?;
    }
    Ok(dir)
}

/// Resolves a hostPath under the allowed roots: the path as written must
/// not climb with `..`, and once every symlink is followed it must still be
/// under a root. `DirectoryOrCreate` / `FileOrCreate` create it (inside a
/// root only).
///
/// A path inside one of the `forbidden` directories (the node's data dir,
/// where its credentials are, and where it keeps pods' files), or one that
/// holds such a directory, is refused wherever the roots are.
pub fn host_path(
    path: &str,
    type_: &str,
    roots: &[PathBuf],
    forbidden: &[PathBuf],
) -> Result<PathBuf, String> {
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
    let private = |real: &Path| {
        forbidden
            .iter()
            .find(|f| real.starts_with(f) || f.starts_with(real))
            .map(|f| {
                format!(
                    "hostPath {path:?} is refused: it reaches {}, which holds this node's credentials or other pods' files",
                    f.display()
                )
            })
    };
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
    if let Some(e) = private(&real) {
        return Err(e);
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
    if let Some(e) = private(&real) {
        return Err(e);
    }
    Ok(real)
}

/// [`write_files`] with one `mode` for every file.
pub fn write_atomic(
    dir: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    mode: u32,
    owner: Option<Ids>,
) -> std::io::Result<bool> {
    let with: Files = files
        .iter()
        .map(|(k, v)| (k.clone(), (v.clone(), mode)))
        .collect();
    write_files(dir, &with, owner)
}

/// Writes `files` (bytes and mode each) into `dir` (its parent must exist)
/// the kubelet's way: the files go into a new timestamped directory, the
/// `..data` symlink is swapped to it with one rename, and each top-level
/// name is a symlink through `..data`; so a reader sees the old set or the
/// new one, never a mix. Files are owned by `owner` (when given). Returns
/// whether anything changed.
pub fn write_files(dir: &Path, files: &Files, owner: Option<Ids>) -> std::io::Result<bool> {
    dir_with_mode(dir, 0o755)?;
    let data_link = dir.join("..data");
    let owned = |p: &Path| {
        owner.is_none_or(|o| {
            std::fs::metadata(p).is_ok_and(|m| m.uid() == o.uid && m.gid() == o.gid)
        })
    };
    // Unchanged: every file reads the same, is owned as asked, and nothing
    // extra is there.
    if let Ok(cur) = std::fs::read_link(&data_link) {
        let cur = dir.join(cur);
        let same = files.iter().all(|(k, (v, mode))| {
            let p = cur.join(k);
            std::fs::read(&p).is_ok_and(|b| &b == v)
                && owned(&p)
                && std::fs::metadata(&p).is_ok_and(|m| m.mode() & 0o777 == *mode)
        }) && count_files(&cur) == files.len();
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
    for (k, (v, mode)) in files {
        let mode = *mode;
        let p = new.join(k);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // Made with no access for anyone, then handed over.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o000)
            .open(&p)
            .and_then(|mut f| std::io::Write::write_all(&mut f, v))?;
        if let Some(o) = owner {
            std::os::unix::fs::chown(&p, Some(o.uid), Some(o.gid))?;
        }
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

/// The host path of `sub` (a `subPath`, expanded) inside the volume
/// directory `root`. `sub` must be relative without `..`; each name is
/// followed in turn, and where one is a symlink it must still lead inside
/// the volume (resolved), so neither `..` nor a link a container planted
/// reaches the rest of the host. Missing directories are made, with the
/// volume root's owner and mode (as the kubelet makes them).
///
/// Caveat: a container that can write the volume could swap a checked
/// directory for a link between this check and its runtime's mount; the
/// path handed on is the resolved one, which narrows that to a race.
pub fn sub_path(root: &Path, sub: &str) -> Result<PathBuf, String> {
    if sub.starts_with('/') || sub.split('/').any(|c| c == "..") {
        return Err(format!(
            "subPath {sub:?} must be a relative path inside the volume and must not contain '..'"
        ));
    }
    let base = std::fs::canonicalize(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let meta = std::fs::metadata(&base).map_err(|e| format!("{}: {e}", base.display()))?;
    let mut cur = base.clone();
    for name in sub.split('/').filter(|c| !c.is_empty() && *c != ".") {
        let next = cur.join(name);
        match std::fs::symlink_metadata(&next) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                dir_with_mode(&next, meta.mode() & 0o7777)
                    .and_then(|()| {
                        std::os::unix::fs::lchown(&next, Some(meta.uid()), Some(meta.gid()))
                            .or_else(|e| {
                                // Not root: the daemon's own, which is the volume's anyway.
                                if e.kind() == std::io::ErrorKind::PermissionDenied {
                                    Ok(())
                                } else {
                                    Err(e)
                                }
                            })
                    })
                    .map_err(|e| format!("making subPath {sub:?}: {e}"))?;
                cur = next;
            }
            Err(e) => return Err(format!("subPath {sub:?}: {e}")),
            Ok(_) => {
                let real = std::fs::canonicalize(&next)
                    .map_err(|e| format!("subPath {sub:?}: {name:?} cannot be followed: {e}"))?;
                if !real.starts_with(&base) {
                    return Err(format!(
                        "subPath {sub:?} leaves its volume: {name:?} is a symlink to {}",
                        real.display()
                    ));
                }
                cur = real;
            }
        }
    }
    Ok(cur)
}

/// Whether `dir` is a mount point (its device differs from its parent's).
pub fn is_mount_point(dir: &Path) -> bool {
    let dev = |p: &Path| std::fs::metadata(p).map(|m| m.dev());
    match (dir.parent(), dev(dir)) {
        (Some(parent), Ok(d)) => dev(parent).is_ok_and(|p| p != d),
        _ => false,
    }
}

/// Mounts a tmpfs on `dir` (an existing directory), any user may write it
/// (as an emptyDir), of `size` bytes when given; nothing when one is
/// there already (a node restarting finds its pods' mounts). Needs root.
pub fn mount_tmpfs(dir: &Path, size: Option<i128>) -> Result<(), String> {
    if is_mount_point(dir) {
        return Ok(());
    }
    let mut options = "mode=0777".to_string();
    if let Some(s) = size {
        options.push_str(&format!(",size={s}"));
    }
    use nix::mount::{MsFlags, mount};
    mount(
        Some("tmpfs"),
        dir,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(options.as_str()),
    )
    .map_err(|e| format!("mounting a tmpfs on {}: {e}", dir.display()))
}

/// Unmounts what is mounted on the directories right below `dir` (a pod's
/// volumes), so their removal removes nothing beyond them.
pub fn unmount_below(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if is_mount_point(&p)
            && let Err(err) = nix::mount::umount2(&p, nix::mount::MntFlags::MNT_DETACH)
        {
            tracing::warn!(path = %p.display(), error = %err, "unmounting a pod's tmpfs failed");
        }
    }
}
