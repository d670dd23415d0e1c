//! The shim: `ork shim --dir DIR -- COMMAND...`, one per process-runtime
//! container. It starts the container process, waits for it, and records how
//! it ended, so that the exit is known even when the node daemon that started
//! it has died in the meantime.
//!
//! # Protocol (files in DIR)
//!
//! - `pid`: the container process's pid (also its process group id), written
//!   atomically right after it starts;
//! - `log`: the process's stdout and stderr, interleaved;
//! - `exit.json`: `{"exitCode": N, "signal": S|null, "finishedAt": T,
//!   "message": M}`, written atomically when the process has ended
//!   (exitCode 128+S when killed by signal S; 127/126 with a message when the
//!   program could not be started).
//!
//! # Signals
//!
//! The shim leaves the node daemon's session (`setsid`), so a Ctrl-C in the
//! terminal of `ork up` or the death of the daemon does not reach it. The
//! runtime never signals the shim: it signals the container's process group,
//! and the shim exits once the container has. The container inherits default
//! signal dispositions (the shim changes none), so it can handle SIGTERM.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Arguments of `ork shim --dir DIR -- COMMAND...`.
pub struct ShimArgs {
    pub dir: PathBuf,
    pub command: Vec<String>,
}

/// What `exit.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExitRecord {
    pub exit_code: i32,
    #[serde(default)]
    pub signal: Option<i32>,
    pub finished_at: crate::api::Time,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// Writes a file atomically (temp file, then rename), readable by the owner only.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(tmp, path)
}

fn record(dir: &Path, rec: &ExitRecord) -> i32 {
    let bytes = serde_json::to_vec(rec).unwrap_or_default();
    match write_atomic(&dir.join("exit.json"), &bytes) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// Runs the shim; returns its exit code.
pub fn run(args: ShimArgs) -> i32 {
    let _ = nix::unistd::setsid();
    let dir = args.dir;
    let Some(program) = args.command.first() else {
        return 2;
    };
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(dir.join("log"));
    let (out, err) = match log.and_then(|f| Ok((f.try_clone()?, f))) {
        Ok((a, b)) => (Stdio::from(a), Stdio::from(b)),
        Err(_) => (Stdio::null(), Stdio::null()),
    };
    let spawned = Command::new(program)
        .args(&args.command[1..])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            let code = match e.kind() {
                std::io::ErrorKind::NotFound => 127,
                std::io::ErrorKind::PermissionDenied => 126,
                _ => 127,
            };
            return record(
                &dir,
                &ExitRecord {
                    exit_code: code,
                    signal: None,
                    finished_at: crate::api::Time::now(),
                    message: format!("starting {program:?}: {e}"),
                },
            );
        }
    };
    if write_atomic(&dir.join("pid"), format!("{}\n", child.id()).as_bytes()).is_err() {
        // Without a pid file nobody can stop it: do not leave it running.
        let _ = child.kill();
    }
    let status = loop {
        match child.wait() {
            Ok(s) => break Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break None,
        }
    };
    let (exit_code, signal) = match status {
        Some(s) => match (s.code(), s.signal()) {
            (Some(c), _) => (c, None),
            (None, Some(sig)) => (128 + sig, Some(sig)),
            (None, None) => (255, None),
        },
        None => (255, None),
    };
    record(
        &dir,
        &ExitRecord {
            exit_code,
            signal,
            finished_at: crate::api::Time::now(),
            message: String::new(),
        },
    )
}
