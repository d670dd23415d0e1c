//! Operating-system helpers both daemons and the CLI share: private
//! directories and files (0700 / 0600, written atomically, kept private
//! when read), the
//! one-daemon-per-data-dir lock, and the open-files limit.
//!
//! It imports nothing else of ork.

use nix::fcntl::{Flock, FlockArg};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Errors creating private files and directories.
#[derive(Debug, thiserror::Error)]
pub enum SysError {
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Creates `dir` if needed and makes it private (0700).
pub fn private_dir(dir: &Path) -> Result<(), SysError> {
    let io = |what, source| SysError::Io {
        what,
        path: dir.to_path_buf(),
        source,
    };
    fs::create_dir_all(dir).map_err(|e| io("creating data dir", e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(|e| io("making data dir private", e))
}

/// Makes an existing file readable only by its owner (0600); a missing
/// file is left alone.
pub fn make_private(path: &Path) {
    if path.exists() {
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
    }
}

/// Writes a file readable only by its owner (0600), replacing it atomically.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<(), SysError> {
    let io = |what, source| SysError::Io {
        what,
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("tmp");
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| io("creating", e))?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600)).map_err(|e| io("chmod", e))?;
    f.write_all(contents).map_err(|e| io("writing", e))?;
    f.sync_all().map_err(|e| io("syncing", e))?;
    fs::rename(&tmp, path).map_err(|e| io("renaming", e))
}

/// Reads a file that must stay private: one that others could read is made
/// 0600 again (with a warning) before its contents are trusted. `None` when
/// it does not exist.
pub fn read_private(path: &Path) -> Result<Option<String>, SysError> {
    let io = |what, source| SysError::Io {
        what,
        path: path.to_path_buf(),
        source,
    };
    let text = match fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("reading", e)),
    };
    let mode = fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0o600);
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "file was readable by others; making it 0600");
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|e| io("chmod", e))?;
    }
    Ok(Some(text))
}

/// A held lock; dropping it releases it.
pub struct DirLock {
    _lock: Flock<std::fs::File>,
}

/// Why a data dir could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{dir} is in use by another ork daemon{}; stop it, or give this one another data dir", holder.as_ref().map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Busy {
        dir: PathBuf,
        holder: Option<String>,
    },
}

/// Takes the lock `DIR/<name>.lock` and records our pid in it.
pub fn lock_dir(dir: &Path, name: &str) -> Result<DirLock, LockError> {
    let path = dir.join(format!("{name}.lock"));
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(mut lock) => {
            lock.set_len(0).map_err(io)?;
            writeln!(lock, "{}", std::process::id()).map_err(io)?;
            Ok(DirLock { _lock: lock })
        }
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => Err(LockError::Busy {
            dir: dir.to_path_buf(),
            holder: std::fs::read_to_string(&path)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        }),
        Err((_, e)) => Err(io(std::io::Error::from(e))),
    }
}

/// Raises the soft limit on open files to the hard limit: a control daemon
/// holds a connection per node and watcher, a node daemon log files and
/// sockets per container. Best effort.
pub fn raise_fd_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE)
        && soft < hard
    {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_daemon_on_the_same_dir_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_dir(dir.path(), "control").unwrap();
        match lock_dir(dir.path(), "control") {
            Err(LockError::Busy { holder, .. }) => {
                assert_eq!(holder, Some(std::process::id().to_string()));
            }
            other => panic!("expected busy, got {:?}", other.err()),
        }
        assert!(lock_dir(dir.path(), "node").is_ok(), "locks are per name");
        drop(first);
        assert!(lock_dir(dir.path(), "control").is_ok());
    }
}
