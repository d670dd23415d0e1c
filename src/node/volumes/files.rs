//! The files of volumes on the host: configMap and secret contents written
//! the kubelet's way (atomically, through `..data`) and owned by the pod's
//! user, the directories pods may traverse but not list, and hostPath
//! resolution confined to the node's allowed roots and kept out of the
//! node's own directories.

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

/// Writes `files` into `dir` (its parent must exist) the kubelet's way
/// (see the module doc), each file with `mode` and owned by `owner` (when
/// given). Returns whether anything changed.
pub fn write_atomic(
    dir: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    mode: u32,
    owner: Option<Ids>,
) -> std::io::Result<bool> {
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
        let same = files
            .iter()
            .all(|(k, v)| std::fs::read(cur.join(k)).is_ok_and(|b| &b == v) && owned(&cur.join(k)))
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
