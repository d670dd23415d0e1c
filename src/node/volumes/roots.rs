//! Where a pod's files go on this node ([`Roots`]): the pods dir, the
//! secrets root on tmpfs, the claims, and the allowed hostPath roots; and
//! moving claims an older ork kept in the data dir into the pods dir
//! without losing them.

use super::*;

/// Where a pod's volumes go on this node.
#[derive(Clone, Debug)]
pub struct Roots {
    /// The pods dir: emptyDir and configMap volumes, working directories, claims.
    pub pods: PathBuf,
    /// Secret volumes (tmpfs when there is one).
    pub secrets: PathBuf,
    /// `<pods dir>/claims`: node-local persistent volume claims.
    pub claims: PathBuf,
    /// `<data dir>/claims`, where an older ork kept them.
    pub old_claims: PathBuf,
    /// The host directories `hostPath` volumes may use (canonical).
    pub host_paths: Vec<PathBuf>,
    /// Directories no hostPath may reach: the node's data dir, any
    /// directory above it holding the control daemon's credentials, and
    /// the directories of pods' files (canonical).
    pub forbidden: Vec<PathBuf>,
    /// Whether files are handed to their pod's user (the daemon is root).
    pub chown: bool,
    /// ConfigMaps and Secrets as the node's watches see them.
    pub watched: std::sync::Arc<Watched>,
}

/// Files in a directory that make it the control daemon's or a node's.
const CREDENTIAL_MARKERS: [&str; 4] = ["admin.token", "ca.key", "node.kubeconfig", "node-id"];

impl Roots {
    /// The roots of a node with data dir `data_dir` and pods dir `pods`;
    /// `chown`: the daemon is root and hands files to pods' users.
    pub fn new(
        data_dir: &Path,
        pods: &Path,
        node_id: &str,
        host_paths: &[PathBuf],
        chown: bool,
    ) -> Roots {
        let shm = Path::new("/dev/shm");
        let secrets = if shm.is_dir() {
            shm.join(format!("ork-{node_id}"))
        } else {
            pods.join("secrets")
        };
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let data = canonical(data_dir);
        let mut forbidden = vec![data.clone(), canonical(pods), canonical(&secrets)];
        // An `ork up` data dir holds its nodes' data dirs.
        for above in data.ancestors().skip(1) {
            if CREDENTIAL_MARKERS.iter().any(|m| above.join(m).exists()) {
                forbidden.push(above.to_path_buf());
            }
        }
        Roots {
            pods: pods.to_path_buf(),
            secrets,
            claims: pods.join("claims"),
            old_claims: data_dir.join("claims"),
            host_paths: host_paths
                .iter()
                .filter_map(|p| std::fs::canonicalize(p).ok())
                .collect(),
            forbidden,
            chown,
            watched: Default::default(),
        }
    }

    /// Makes the pods dir's own directories (the pods dir itself must exist).
    pub fn prepare(&self) -> std::io::Result<()> {
        dir_with_mode(&self.pods, TRAVERSE_ONLY)?;
        dir_with_mode(&self.claims, TRAVERSE_ONLY)?;
        if let Some(parent) = self.secrets.parent()
            && parent.is_dir()
        {
            dir_with_mode(&self.secrets, TRAVERSE_ONLY)?;
        }
        Ok(())
    }

    /// Removes everything of a pod but its claims.
    pub fn cleanup(&self, pod_uid: &str) {
        // Memory emptyDirs first: their tmpfs is not the pod's directory's.
        if self.chown {
            unmount_below(&self.pods.join(pod_uid).join("volumes"));
        }
        for base in [&self.pods, &self.secrets] {
            let _ = std::fs::remove_dir_all(base.join(pod_uid));
        }
    }

    /// Moves the claims an older ork kept in the data dir's `claims/` to
    /// [`Roots::claims`]: by rename, or else by copy then removal of the
    /// original once the copy is complete. A claim already there is left as
    /// it is, and so is its old copy (with a warning): nothing is deleted
    /// that was not copied. One that cannot be moved stays, and its pods
    /// wait saying so (see `prepare`). Returns how many moved.
    pub fn adopt_claims(&self) -> usize {
        let old = &self.old_claims;
        let Ok(entries) = std::fs::read_dir(old) else {
            return 0;
        };
        let mut moved = 0;
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(uid) = name.to_str().filter(|n| !n.starts_with('.')) else {
                continue;
            };
            let (from, to) = (e.path(), self.claims.join(uid));
            if to.exists() {
                tracing::warn!(from = %from.display(), to = %to.display(), "a claim's data is in both places; keeping both, using the new one");
                continue;
            }
            match move_tree(&from, &to) {
                Ok(()) => {
                    tracing::info!(claim_uid = %uid, to = %to.display(), "moved a claim's data to the pods dir");
                    moved += 1;
                }
                Err(err) => {
                    tracing::warn!(claim_uid = %uid, error = %err, "could not move a claim's data; it stays where it was")
                }
            }
        }
        let _ = std::fs::remove_dir(old);
        moved
    }
}

/// Moves a directory tree: a rename, or across filesystems a copy (to a
/// temporary name, then renamed into place) and then the original's removal.
pub(super) fn move_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::rename(from, to) {
        Ok(()) => return Ok(()),
        Err(e) if e.raw_os_error() != Some(nix::libc::EXDEV) => return Err(e),
        Err(_) => {}
    }
    let name = to.file_name().unwrap_or_default().to_string_lossy();
    let tmp = to.with_file_name(format!(".{name}.moving"));
    let _ = std::fs::remove_dir_all(&tmp);
    copy_tree(from, &tmp)?;
    std::fs::rename(&tmp, to)?;
    std::fs::remove_dir_all(from)
}

/// Copies a tree with its modes, owners and symlinks.
pub(super) fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(from)?;
    let ft = meta.file_type();
    if ft.is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from)?, to)?;
        let _ = std::os::unix::fs::lchown(to, Some(meta.uid()), Some(meta.gid()));
        return Ok(());
    }
    if ft.is_dir() {
        std::fs::create_dir(to)?;
        for e in std::fs::read_dir(from)? {
            let e = e?;
            copy_tree(&e.path(), &to.join(e.file_name()))?;
        }
    } else if ft.is_file() {
        std::fs::copy(from, to)?;
    } else {
        // Sockets, fifos, devices: not data.
        return Ok(());
    }
    std::os::unix::fs::chown(to, Some(meta.uid()), Some(meta.gid()))?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(meta.mode() & 0o7777))
}
