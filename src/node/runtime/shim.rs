//! The shim: `ork shim --dir DIR -- COMMAND...`, one per process-runtime
//! container. It starts the container process, waits for it, and records how
//! it ended, so that the exit is known even when the node daemon that started
//! it has died in the meantime. It is synchronous and uses std and nix only:
//! it runs once per container and should cost next to nothing.
//!
//! # Protocol (files in DIR)
//!
//! - `pid`: the container process's pid (also its process group id), written
//!   atomically right after it starts;
//! - `log`: the process's stdout and stderr, interleaved (opened once, in
//!   append mode, shared by both);
//! - `exit.json`: `{"exitCode": N, "signal": S|null, "finishedAt": T,
//!   "message": M}`, written atomically when the process has ended
//!   (exitCode 128+S when killed by signal S; 127 "not found" or 126 "cannot
//!   execute" with a message naming the program when it could not be
//!   started, and then no `pid` file).
//!
//! - `run-as.json` (written by the runtime before the shim starts, 0600):
//!   `{"uid": U, "gid": G, "groups": [..], "noNewPrivileges": B}`, who the
//!   container process runs as. The shim stays root: only the process drops
//!   to that user and group, after which it changes into the working
//!   directory, so a directory the user may not enter fails the start.
//!   Without `groups` the process has no supplementary groups. With them,
//!   the process is started as `ork shim --dir DIR --exec -- COMMAND...`,
//!   which sets its own groups, group and user (std cannot set
//!   supplementary groups on a child without `unsafe`), then execs the
//!   command in place (same pid); a command that cannot be started then
//!   exits 127 or 126 with its reason in the log. With `noNewPrivileges` the shim sets Linux's no_new_privs on
//!   itself before the spawn, and the process inherits it. Absent: the
//!   process runs as the shim's own user. Unreadable: nothing is started.
//!
//! The container's environment and working directory are the shim's own: the
//! runtime sets them on the shim's command.
//!
//! - `resolv.conf`, `hosts` (written by the runtime when the node runs as
//!   root and the pod has its own DNS settings): the shim enters a mount
//!   namespace of its own (private propagation, so nothing leaks back to the
//!   host) and bind-mounts each over `/etc/resolv.conf` and `/etc/hosts`;
//!   the process inherits that view, the rest of the machine keeps its own.
//!   A failure is written to the shim's stderr and the process starts with
//!   the machine's files.
//!
//! # Signals
//!
//! - The shim leaves the node daemon's session (`setsid`), so a Ctrl-C in the
//!   terminal of `ork up`, the terminal closing, or the daemon dying (even by
//!   SIGKILL) does not reach it or the container.
//! - The runtime never signals the shim: it signals the container's process
//!   group, and the shim exits once the container has.
//! - Should anyone else send SIGTERM, SIGINT, SIGHUP or SIGQUIT to the shim
//!   (`pkill ork`), the shim survives: once the container process is
//!   started, the shim *blocks* them (a signal mask, which needs no `unsafe`,
//!   unlike installing a handler), so they stay pending until it exits. It
//!   blocks them only after the spawn because a mask, unlike a handler, is
//!   inherited through exec: the container starts with the node daemon's
//!   (empty) mask and default dispositions (`std::process` also resets
//!   SIGPIPE), so it can handle SIGTERM. Before the spawn, while the runtime
//!   is still in `start`, a signal kills the shim and the start fails. (A
//!   signal the daemon itself was started with *ignored*, as under `nohup`,
//!   stays ignored: nothing resets SIG_IGN without `unsafe`.) SIGKILL cannot
//!   be blocked; a shim killed that way records nothing, and the runtime
//!   reports the container's state as unknown.
//!
//! # Leftover processes
//!
//! When the container's main process exits, whatever it left running in its
//! process group is killed (SIGKILL) before the exit is recorded, as a
//! container's other processes die with its init. The main process is
//! waited for without being reaped first (`waitid(WNOWAIT)`), so its pid, the
//! group id, cannot be reused before the group is killed. Processes that left
//! the group (`setsid`, `setpgid`) escape: there are no cgroups here.

use nix::sys::signal::{SigSet, Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::Pid;
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
    /// Become the user of `run-as.json` and exec the command (see the
    /// module docs) instead of supervising it.
    pub exec: bool,
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

/// What `run-as.json` holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RunAs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// Supplementary groups (`supplementalGroups`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<u32>,
    #[serde(default)]
    pub no_new_privileges: bool,
}

/// The file in a shim's directory that says who the process runs as.
pub const RUN_AS_FILE: &str = "run-as.json";

/// Reads `run-as.json` from `dir`: `None` when there is none; an error when
/// it cannot be read, so that nothing runs as the wrong user.
pub fn read_run_as(dir: &Path) -> Result<Option<RunAs>, String> {
    let path = dir.join(RUN_AS_FILE);
    match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| format!("reading {}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("reading {}: {e}", path.display())),
    }
}

/// Signals the shim blocks so that it outlives them (see the module docs).
const BLOCKED: [Signal; 4] = [
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGHUP,
    Signal::SIGQUIT,
];

/// Writes a file atomically (temp file, then rename), readable by the owner only.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
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

/// Writes `exit.json`; the shim's exit code (0 once recorded).
fn record(dir: &Path, rec: &ExitRecord) -> i32 {
    let bytes = serde_json::to_vec(rec).unwrap_or_default();
    match write_atomic(&dir.join("exit.json"), &bytes) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("ork shim: writing {}: {e}", dir.join("exit.json").display());
            1
        }
    }
}

/// The exit code of a program that could not be started, as shells report it.
fn spawn_failure_code(e: &std::io::Error) -> i32 {
    match e.kind() {
        std::io::ErrorKind::NotFound => 127,
        _ => 126,
    }
}

/// `--exec`: takes the supplementary groups, group and user of
/// `run-as.json` (in that order, so that no step lacks the right for the
/// next), enters the working directory as that user, then execs the
/// command. Returns only on failure, with a shell's exit code.
fn exec_as(args: ShimArgs) -> i32 {
    let Some(program) = args.command.first() else {
        eprintln!("ork shim: no command");
        return 2;
    };
    let run_as = match read_run_as(&args.dir) {
        Ok(r) => r.unwrap_or_default(),
        Err(e) => {
            eprintln!("cannot run {program:?}: {e}");
            return 126;
        }
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let groups: Vec<nix::unistd::Gid> = run_as
        .groups
        .iter()
        .map(|g| nix::unistd::Gid::from_raw(*g))
        .collect();
    let dropped = nix::unistd::setgroups(&groups)
        .map_err(|e| format!("setting supplementary groups {:?}: {e}", run_as.groups))
        .and_then(|()| match run_as.gid {
            Some(g) => nix::unistd::setgid(nix::unistd::Gid::from_raw(g))
                .map_err(|e| format!("setting gid {g}: {e}")),
            None => Ok(()),
        })
        .and_then(|()| match run_as.uid {
            Some(u) => nix::unistd::setuid(nix::unistd::Uid::from_raw(u))
                .map_err(|e| format!("setting uid {u}: {e}")),
            None => Ok(()),
        })
        .and_then(|()| {
            std::env::set_current_dir(&cwd).map_err(|e| format!("entering {}: {e}", cwd.display()))
        });
    if let Err(e) = dropped {
        eprintln!("cannot run {program:?}: {e}");
        return 126;
    }
    let e = Command::new(program).args(&args.command[1..]).exec();
    eprintln!(
        "cannot run {program:?} as uid {} gid {} groups {:?}: {e}",
        run_as.uid.map_or("-".into(), |u| u.to_string()),
        run_as.gid.map_or("-".into(), |g| g.to_string()),
        run_as.groups
    );
    spawn_failure_code(&e)
}

/// The link, in an instance's dir, to its pod's service-account token
/// directory (written by the runtime when the node runs as root).
pub const SERVICE_ACCOUNT_LINK: &str = "serviceaccount";

/// Links the instance `dir` to the token directory its container mounts at
/// [`crate::api::bound_token::MOUNT_PATH`], when it mounts one and this
/// daemon is root (only root can mount it there).
pub fn link_service_account(
    dir: &Path,
    mounts: &[crate::node::volumes::Mount],
) -> std::io::Result<()> {
    let wanted = mounts
        .iter()
        .find(|m| m.container_path == crate::api::bound_token::MOUNT_PATH);
    match wanted {
        Some(m) if nix::unistd::geteuid().is_root() => {
            std::os::unix::fs::symlink(&m.host_path, dir.join(SERVICE_ACCOUNT_LINK))
        }
        _ => Ok(()),
    }
}

/// Enters a mount namespace of the shim's own whose mounts do not
/// propagate back to the machine's.
fn private_mount_namespace() -> Result<(), String> {
    use nix::mount::{MsFlags, mount};
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
        .map_err(|e| format!("entering a mount namespace: {e}"))?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| format!("making mounts private: {e}"))
}

/// The pod's service-account token directory, read-only at
/// `/var/run/secrets/kubernetes.io/serviceaccount`, in a mount namespace
/// of the shim's own (made for it, or the one `own_etc_files` entered).
fn own_service_account(dir: &Path) -> Result<(), String> {
    use nix::mount::{MsFlags, mount};
    let Ok(src) = std::fs::read_link(dir.join(SERVICE_ACCOUNT_LINK)) else {
        return Ok(());
    };
    private_mount_namespace()?;
    let target = Path::new(crate::api::bound_token::MOUNT_PATH);
    std::fs::create_dir_all(target).map_err(|e| format!("creating {}: {e}", target.display()))?;
    mount(
        Some(&src),
        target,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(|e| format!("mounting {} on {}: {e}", src.display(), target.display()))?;
    mount(
        None::<&str>,
        target,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
        None::<&str>,
    )
    .map_err(|e| format!("making {} read-only: {e}", target.display()))
}

/// The pod's own `resolv.conf` and `hosts` over the machine's, in a mount
/// namespace of the shim's own (see the module docs).
fn own_etc_files(dir: &Path) -> Result<(), String> {
    use nix::mount::{MsFlags, mount};
    let files: Vec<(PathBuf, &str)> = ["resolv.conf", "hosts"]
        .into_iter()
        .map(|f| (dir.join(f), f))
        .filter(|(p, _)| p.exists())
        .collect();
    if files.is_empty() {
        return Ok(());
    }
    private_mount_namespace()?;
    for (src, name) in files {
        let target = Path::new("/etc").join(name);
        mount(
            Some(&src),
            &target,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(|e| format!("mounting {} over {}: {e}", src.display(), target.display()))?;
    }
    Ok(())
}

/// Runs the shim; returns its exit code.
pub fn run(args: ShimArgs) -> i32 {
    if args.exec {
        return exec_as(args);
    }
    // Fails only when already a session leader: then we are on our own anyway.
    let _ = nix::unistd::setsid();
    let dir = args.dir;
    if let Err(e) = own_etc_files(&dir) {
        eprintln!("ork shim: the pod's resolv.conf and hosts: {e}");
    }
    if let Err(e) = own_service_account(&dir) {
        eprintln!("ork shim: the service-account token directory: {e}");
    }
    let Some(program) = args.command.first() else {
        eprintln!("ork shim: no command");
        return 2;
    };
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(dir.join("log"));
    let (out, err) = match log.and_then(|f| Ok((f.try_clone()?, f))) {
        Ok((a, b)) => (Stdio::from(a), Stdio::from(b)),
        Err(e) => {
            eprintln!("ork shim: opening the log: {e}");
            (Stdio::null(), Stdio::null())
        }
    };
    let failed = |exit_code: i32, message: String| {
        record(
            &dir,
            &ExitRecord {
                exit_code,
                signal: None,
                finished_at: crate::api::Time::now(),
                message,
            },
        )
    };
    let run_as = match read_run_as(&dir) {
        Ok(r) => r.unwrap_or_default(),
        Err(e) => return failed(126, format!("cannot run {program:?}: {e}")),
    };
    // Asking to stay who we are changes nothing (a daemon that is not root).
    let same = run_as
        .uid
        .is_none_or(|u| u == nix::unistd::geteuid().as_raw())
        && run_as
            .gid
            .is_none_or(|g| g == nix::unistd::getegid().as_raw());
    let helper = !same && !run_as.groups.is_empty();
    let mut cmd = if helper {
        let me = match std::env::current_exe() {
            Ok(p) => p,
            Err(e) => return failed(126, format!("cannot run {program:?}: finding ork: {e}")),
        };
        let mut c = Command::new(me);
        c.arg("shim")
            .arg("--dir")
            .arg(&dir)
            .arg("--exec")
            .arg("--")
            .args(&args.command);
        c
    } else {
        let mut c = Command::new(program);
        c.args(&args.command[1..]);
        c
    };
    cmd.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    let mut as_user = String::new();
    if !same && !helper {
        if let Some(gid) = run_as.gid {
            cmd.gid(gid);
        }
        if let Some(uid) = run_as.uid {
            cmd.uid(uid);
        }
        // Entered as the user, after the drop: std changes directory last.
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        as_user = format!(
            " as uid {} gid {} in {}",
            run_as.uid.map_or("-".into(), |u| u.to_string()),
            run_as.gid.map_or("-".into(), |g| g.to_string()),
            cwd.display()
        );
        cmd.current_dir(cwd);
    }
    if run_as.no_new_privileges
        && let Err(e) = nix::sys::prctl::set_no_new_privs()
    {
        return failed(
            126,
            format!("cannot run {program:?}: setting no_new_privs: {e}"),
        );
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return failed(
                spawn_failure_code(&e),
                format!("cannot run {program:?}{as_user}: {e}"),
            );
        }
    };
    // Only now: a child inherits its parent's signal mask through exec.
    let mut blocked = SigSet::empty();
    for s in BLOCKED {
        blocked.add(s);
    }
    if let Err(e) = blocked.thread_block() {
        eprintln!("ork shim: blocking signals: {e}");
    }
    let pid = Pid::from_raw(child.id() as i32);
    if let Err(e) = write_atomic(&dir.join("pid"), format!("{pid}\n").as_bytes()) {
        // Without a pid file nobody can stop it: do not leave it running.
        eprintln!("ork shim: writing the pid file: {e}");
        let _ = killpg(pid, Signal::SIGKILL);
    }
    // Wait for the exit without reaping, so that the group id stays ours
    // while what the process left behind is killed.
    while let Err(nix::errno::Errno::EINTR) =
        waitid(Id::Pid(pid), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT)
    {}
    let _ = killpg(pid, Signal::SIGKILL);
    let status = loop {
        match child.wait() {
            Ok(s) => break Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("ork shim: waiting for the process: {e}");
                break None;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_the_file_and_leave_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("exit.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("exit.json")]);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn spawn_failures_get_shell_exit_codes() {
        let e = Command::new("/definitely/not/here").spawn().unwrap_err();
        assert_eq!(spawn_failure_code(&e), 127);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("not-executable");
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        let e = Command::new(&p).spawn().unwrap_err();
        assert_eq!(spawn_failure_code(&e), 126);
    }

    #[test]
    fn exit_records_use_kubernetes_field_names() {
        let rec = ExitRecord {
            exit_code: 137,
            signal: Some(9),
            finished_at: crate::api::Time::now(),
            message: String::new(),
        };
        let v: serde_json::Value = serde_json::to_value(&rec).unwrap();
        assert_eq!(v["exitCode"], 137);
        assert_eq!(v["signal"], 9);
        assert!(v["finishedAt"].is_string());
        assert!(v.get("message").is_none());
    }
}
