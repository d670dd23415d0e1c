//! The process runtime: every container is a host process, started from its
//! `command` + `args` by a shim (`ork shim`, see [`super::shim`]) that
//! records how it ended.
//!
//! Each instance has a directory `STATE/<pod uid>_<container>_<attempt>/`
//! (0700, files 0600) with `spec.json` (who it belongs to, its ports, when it
//! started, the shim's pid and the process's pid with their start times),
//! and the shim's `pid`, `log`, `exit.json` (and `shim.log`, the shim's own
//! complaints). Everything the runtime knows is in those files, so a node
//! daemon started later (after a crash) lists and adopts the same instances.
//!
//! - **Command**: `command` + `args`; the image is not used, and a container
//!   without `command` cannot start.
//! - **Environment**: exactly the container's env (which includes what the
//!   runtime injects: `PORT`, `ORK_PORT_<NAME>`), plus `PATH` and `HOME`
//!   from the node daemon when the container sets none: commands are found
//!   as in the shell that started `ork`, and tools that need a home (caches,
//!   config) work, as every container has a `HOME` in Kubernetes. Nothing
//!   else of the daemon's environment leaks in.
//! - **Working dir**: `workingDir` (which must exist), else the instance's
//!   directory.
//! - **Stopping**: SIGTERM to the container's process group (its children
//!   too), SIGKILL after the grace period. The shim itself is never
//!   signalled. When the main process exits, the shim kills what it left in
//!   its group.
//! - **Waiting and reaping**: the shim is this daemon's child until the
//!   daemon dies: a task awaits (reaps) every shim it starts, whether or not
//!   anyone calls `wait`, and `wait` listens to that task without polling. An
//!   adopted shim (started by an earlier daemon, reparented to init) is
//!   checked every 200 ms: `/proc/PID` exists, its start time is the
//!   recorded one (against pid reuse), and it is not a zombie (some container
//!   inits do not reap).
//! - **Shim gone without a record** (killed with SIGKILL): the instance is
//!   reported exited with code 137 and reason `ContainerStatusUnknown`, and
//!   stopping or removing it kills its process group if the process (checked
//!   by its start time) still runs.

use super::shim::ExitRecord;
use super::{
    ContainerInfo, ContainerSpec, ExecOutput, ExecRequest, ExecSession, LogOptions, LogStream,
    RunState, Runtime, RuntimeError, Usage,
};
use crate::api::{ContainerPort, Time};
use async_trait::async_trait;
use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What `spec.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    id: String,
    pod_uid: String,
    pod_name: String,
    namespace: String,
    container_name: String,
    attempt: u32,
    started_at: Time,
    #[serde(default)]
    ports: Vec<ContainerPort>,
    /// 0 until the shim runs.
    #[serde(default)]
    shim_pid: i32,
    /// The shim's start time in clock ticks since boot (`/proc/PID/stat`).
    #[serde(default)]
    shim_start: u64,
    /// The start time of the container's main process (0: unknown).
    #[serde(default)]
    pid_start: u64,
}

/// Containers as host processes.
pub struct ProcessRuntime {
    dir: PathBuf,
    shim: PathBuf,
    /// Exit signals of shims this runtime started (true once reaped).
    exited: Mutex<HashMap<String, watch::Receiver<bool>>>,
}

/// How often an adopted shim is checked.
const POLL: Duration = Duration::from_millis(200);
/// How often a followed log is read again.
const LOG_POLL: Duration = Duration::from_millis(100);
/// How long `start` waits for the shim to start the process.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a process may take to die after SIGKILL.
const KILL_TIMEOUT: Duration = Duration::from_secs(10);
/// Directories without a usable `spec.json` younger than this may still be starting.
const HALF_STARTED_AGE: Duration = Duration::from_secs(60);

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> RuntimeError {
    let what = what.into();
    move |source| RuntimeError::Io { what, source }
}

/// Instance ids become directory names: only ASCII letters, digits, '-', '_'
/// and '.', not starting with '.'.
pub fn instance_id(pod_uid: &str, container: &str, attempt: u32) -> Result<String, RuntimeError> {
    let id = format!("{pod_uid}_{container}_{attempt}");
    if !pod_uid.is_empty() && !container.is_empty() && safe_id(&id) {
        Ok(id)
    } else {
        Err(RuntimeError::Start(format!(
            "pod uid {pod_uid:?} and container name {container:?} cannot name a state directory"
        )))
    }
}

fn safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 255
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `PORT` for the first port and `ORK_PORT_<NAME>` for each named one
/// (uppercased, `-` as `_`), each the host port (the container port when
/// the node gave none).
pub fn port_env(ports: &[ContainerPort]) -> Vec<(String, String)> {
    let host = |p: &ContainerPort| p.host_port.unwrap_or(p.container_port).to_string();
    let mut env = vec![];
    if let Some(first) = ports.first() {
        env.push(("PORT".to_string(), host(first)));
    }
    for p in ports.iter().filter(|p| !p.name.is_empty()) {
        env.push((port_env_name(&p.name), host(p)));
    }
    env
}

/// `ORK_PORT_<NAME>` for a port name.
pub fn port_env_name(name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| match c {
            '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    format!("ORK_PORT_{name}")
}

/// Start time of a process (in clock ticks since boot), and whether it is
/// dead but not reaped (a zombie).
fn proc_stat(pid: i32) -> Option<(u64, bool)> {
    if pid <= 0 {
        return None;
    }
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses.
    let rest = s.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Counting from the state (field 3 of the line), starttime is field 22.
    let zombie = fields.first().is_some_and(|s| *s == "Z" || *s == "X");
    let start = fields.get(19)?.parse().ok()?;
    Some((start, zombie))
}

/// The process group and session of a process (zombies included).
fn proc_ids(pid: i32) -> Option<(i32, i32)> {
    if pid <= 0 {
        return None;
    }
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = s.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(2);
    let pgrp = fields.next()?.parse().ok()?;
    let session = fields.next()?.parse().ok()?;
    Some((pgrp, session))
}

/// Whether the process `pid` started at `start` still runs.
fn alive(pid: i32, start: u64) -> bool {
    pid > 0 && proc_stat(pid).is_some_and(|(s, zombie)| s == start && !zombie)
}

/// The offset in a file where its last `n` lines begin (0 when it has
/// fewer), read backwards from the end in chunks. A final newline ends the
/// last line; it does not start another.
pub fn tail_offset(path: &Path, n: usize) -> std::io::Result<u64> {
    const CHUNK: u64 = 64 * 1024;
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    if n == 0 {
        return Ok(len);
    }
    let mut buf = vec![0u8; CHUNK as usize];
    let mut pos = len;
    let mut seen = 0;
    while pos > 0 {
        let start = pos.saturating_sub(CHUNK);
        let chunk = &mut buf[..(pos - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(chunk)?;
        for (i, b) in chunk.iter().enumerate().rev() {
            let at = start + i as u64;
            if *b == b'\n' && at + 1 != len {
                seen += 1;
                if seen == n {
                    return Ok(at + 1);
                }
            }
        }
        pos = start;
    }
    Ok(0)
}

fn exited_state(e: ExitRecord) -> RunState {
    RunState::Exited {
        code: e.exit_code,
        signal: e.signal,
        finished_at: e.finished_at,
        reason: if e.exit_code == 0 {
            "Completed"
        } else {
            "Error"
        }
        .into(),
    }
}

impl ProcessRuntime {
    /// A runtime keeping instance state under `state_dir` (created 0700),
    /// starting shims with the `ork` binary at `shim_program`.
    pub fn new(state_dir: PathBuf, shim_program: PathBuf) -> Result<Self, RuntimeError> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&state_dir)
            .map_err(io(format!("creating {}", state_dir.display())))?;
        // Shims run in other working directories: every path handed to them is absolute.
        let state_dir = std::fs::canonicalize(&state_dir)
            .map_err(io(format!("resolving {}", state_dir.display())))?;
        let shim = if shim_program.is_relative() && shim_program.components().count() > 1 {
            std::fs::canonicalize(&shim_program)
                .map_err(io(format!("resolving {}", shim_program.display())))?
        } else {
            shim_program
        };
        Ok(ProcessRuntime {
            dir: state_dir,
            shim,
            exited: Mutex::new(HashMap::new()),
        })
    }

    fn instance_dir(&self, id: &str) -> Result<PathBuf, RuntimeError> {
        if !safe_id(id) {
            return Err(RuntimeError::NotFound(id.to_string()));
        }
        Ok(self.dir.join(id))
    }

    fn read_record(dir: &Path) -> Option<Record> {
        let bytes = std::fs::read(dir.join("spec.json")).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn read_exit(dir: &Path) -> Option<ExitRecord> {
        let bytes = std::fs::read(dir.join("exit.json")).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// A command run in a container's context: its environment and working directory.
    fn exec_command(
        &self,
        id: &str,
        command: &[String],
    ) -> Result<tokio::process::Command, RuntimeError> {
        let (dir, _) = self.load(id)?;
        let pid = Self::child_pid(&dir)
            .ok_or_else(|| RuntimeError::Other(format!("container {id} has no process")))?;
        let Some(program) = command.first() else {
            return Err(RuntimeError::Other("exec needs a command".into()));
        };
        let environ = std::fs::read(format!("/proc/{pid}/environ"))
            .map_err(|_| RuntimeError::Other(format!("container {id} is not running")))?;
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap_or_else(|_| dir.clone());
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(&command[1..])
            .env_clear()
            .current_dir(cwd)
            .kill_on_drop(true);
        for kv in environ.split(|b| *b == 0).filter(|kv| !kv.is_empty()) {
            let kv = String::from_utf8_lossy(kv);
            if let Some((k, v)) = kv.split_once('=') {
                cmd.env(k, v);
            }
        }
        Ok(cmd)
    }

    fn child_pid(dir: &Path) -> Option<i32> {
        std::fs::read_to_string(dir.join("pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
            .filter(|p| *p > 1)
    }

    /// The container's process group, if `pid` (from the pid file) still
    /// leads a group in the shim's session: never signal a group on the
    /// word of a damaged file alone.
    fn group_of(pid: Option<i32>, rec: &Record) -> Option<Pid> {
        let pid = pid?;
        let (pgrp, session) = proc_ids(pid)?;
        (pid > 1 && rec.shim_pid > 1 && pgrp == pid && session == rec.shim_pid)
            .then(|| Pid::from_raw(pid))
    }

    /// The current state of an instance, from its files.
    fn state(dir: &Path, rec: &Record) -> RunState {
        if let Some(e) = Self::read_exit(dir) {
            return exited_state(e);
        }
        if alive(rec.shim_pid, rec.shim_start) {
            return RunState::Running;
        }
        // The shim may have recorded the exit just before it went.
        if let Some(e) = Self::read_exit(dir) {
            return exited_state(e);
        }
        // The shim died without recording the exit (SIGKILL). The last
        // output is the best guess of when.
        let finished_at = std::fs::metadata(dir.join("log"))
            .and_then(|m| m.modified())
            .map(|t| Time(t.into()))
            .unwrap_or_else(|_| Time::now());
        RunState::Exited {
            code: 137,
            signal: None,
            finished_at,
            reason: "ContainerStatusUnknown".into(),
        }
    }

    fn info(dir: &Path, rec: &Record) -> ContainerInfo {
        ContainerInfo {
            id: rec.id.clone(),
            pod_uid: rec.pod_uid.clone(),
            pod_name: rec.pod_name.clone(),
            namespace: rec.namespace.clone(),
            container_name: rec.container_name.clone(),
            attempt: rec.attempt,
            started_at: rec.started_at,
            state: Self::state(dir, rec),
            ports: rec.ports.clone(),
        }
    }

    fn load(&self, id: &str) -> Result<(PathBuf, Record), RuntimeError> {
        let dir = self.instance_dir(id)?;
        let rec = Self::read_record(&dir).ok_or_else(|| RuntimeError::NotFound(id.to_string()))?;
        Ok((dir, rec))
    }

    fn write_record(dir: &Path, rec: &Record) -> Result<(), RuntimeError> {
        let bytes =
            serde_json::to_vec_pretty(rec).map_err(|e| RuntimeError::Other(e.to_string()))?;
        super::shim::write_atomic(&dir.join("spec.json"), &bytes).map_err(io("writing spec.json"))
    }

    fn forget(&self, id: &str) {
        self.exited
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Resolves once the instance's shim has exited.
    async fn shim_gone(&self, id: &str, rec: &Record) {
        let rx = self
            .exited
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned();
        match rx {
            Some(mut rx) => {
                let _ = rx.wait_for(|done| *done).await;
            }
            None => {
                while alive(rec.shim_pid, rec.shim_start) {
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }

    async fn exited_within(&self, id: &str, rec: &Record, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.shim_gone(id, rec))
            .await
            .is_ok()
    }

    /// Kills the process group of an instance whose shim died without
    /// recording the exit, if its process (checked by start time) still runs.
    async fn kill_orphan(&self, id: &str, dir: &Path, rec: &Record) -> Result<(), RuntimeError> {
        let pid = Self::child_pid(dir);
        let Some(group) = Self::group_of(pid, rec) else {
            return Ok(());
        };
        let pid = group.as_raw();
        if rec.pid_start == 0 || !alive(pid, rec.pid_start) {
            return Ok(());
        }
        tracing::warn!(%id, pid, "the shim is gone; killing the container's processes");
        let _ = killpg(group, Signal::SIGKILL);
        let deadline = Instant::now() + KILL_TIMEOUT;
        while alive(pid, rec.pid_start) {
            if Instant::now() > deadline {
                return Err(RuntimeError::Other(format!(
                    "container {id} did not exit after SIGKILL"
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// Waits until the shim started the process, failed to, or died.
    async fn await_process(
        &self,
        dir: &Path,
        shim_pid: i32,
        mut reaped: watch::Receiver<bool>,
    ) -> Result<i32, RuntimeError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            // Read in this order: the shim writes `pid` before `exit.json`, and
            // both before it exits; so a later read that finds no pid is final.
            let gone = *reaped.borrow_and_update();
            let exit = Self::read_exit(dir);
            if let Some(pid) = Self::child_pid(dir) {
                return Ok(pid);
            }
            if let Some(e) = exit {
                return Err(RuntimeError::Start(if e.message.is_empty() {
                    format!("the process exited at once with code {}", e.exit_code)
                } else {
                    e.message
                }));
            }
            if gone {
                let said = std::fs::read_to_string(dir.join("shim.log")).unwrap_or_default();
                return Err(RuntimeError::Start(format!(
                    "the shim {} exited without starting the process: {}",
                    self.shim.display(),
                    said.trim()
                )));
            }
            if Instant::now() > deadline {
                let _ = nix::sys::signal::kill(Pid::from_raw(shim_pid), Signal::SIGKILL);
                return Err(RuntimeError::Start(format!(
                    "the shim did not start the process within {} s",
                    START_TIMEOUT.as_secs()
                )));
            }
            let _ = tokio::time::timeout(Duration::from_millis(5), reaped.changed()).await;
        }
    }
}

#[async_trait]
impl Runtime for ProcessRuntime {
    fn name(&self) -> &'static str {
        "process"
    }

    fn mount_env(&self, mounts: &[crate::node::volumes::Mount]) -> Vec<(String, String)> {
        crate::node::volumes::volume_env(mounts)
    }

    fn service_host(&self) -> Option<String> {
        Some(crate::api::service::CLUSTER_IP.to_string())
    }

    fn injected_env(&self, ports: &[ContainerPort]) -> Vec<(String, String)> {
        port_env(ports)
    }

    async fn start(&self, spec: &ContainerSpec) -> Result<ContainerInfo, RuntimeError> {
        let id = instance_id(&spec.pod_uid, &spec.container_name, spec.attempt)?;
        if spec.command.is_empty() {
            return Err(RuntimeError::Start(format!(
                "container {:?} has no `command`: the process runtime runs `command` + `args` as a host process and does not use the image ({:?})",
                spec.container_name, spec.image
            )));
        }
        let argv: Vec<String> = spec.command.iter().chain(&spec.args).cloned().collect();
        let dir = self.instance_dir(&id)?;
        if dir.exists() {
            match Self::read_record(&dir) {
                Some(rec) if Self::state(&dir, &rec) == RunState::Running => {
                    return Err(RuntimeError::Start(format!(
                        "container instance {id} already runs"
                    )));
                }
                // Left over from an earlier start of the same attempt.
                _ => {
                    std::fs::remove_dir_all(&dir)
                        .map_err(io(format!("removing {}", dir.display())))?;
                }
            }
        }
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(io(format!("creating {}", dir.display())))?;
        let cleanup = |e: RuntimeError| {
            let _ = std::fs::remove_dir_all(&dir);
            e
        };
        let workdir = if spec.working_dir.is_empty() {
            dir.clone()
        } else {
            PathBuf::from(&spec.working_dir)
        };
        if !workdir.is_dir() {
            return Err(cleanup(RuntimeError::Start(format!(
                "workingDir {} does not exist on this node",
                workdir.display()
            ))));
        }
        let mut rec = Record {
            id: id.clone(),
            pod_uid: spec.pod_uid.clone(),
            pod_name: spec.pod_name.clone(),
            namespace: spec.namespace.clone(),
            container_name: spec.container_name.clone(),
            attempt: spec.attempt,
            // Whole seconds, as spec.json keeps it: the same for an adopter.
            started_at: Time(chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0)),
            ports: spec.ports.clone(),
            shim_pid: 0,
            shim_start: 0,
            pid_start: 0,
        };
        Self::write_record(&dir, &rec).map_err(cleanup)?;
        // The shim's own complaints (not the container's output).
        let shim_log = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(dir.join("shim.log"))
            .map(std::process::Stdio::from)
            .unwrap_or_else(|_| std::process::Stdio::null());
        let mut cmd = tokio::process::Command::new(&self.shim);
        cmd.arg("shim")
            .arg("--dir")
            .arg(&dir)
            .arg("--")
            .args(&argv)
            .env_clear()
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&workdir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(shim_log);
        for inherited in ["PATH", "HOME"] {
            if !spec.env.iter().any(|(k, _)| k == inherited)
                && let Some(v) = std::env::var_os(inherited)
            {
                cmd.env(inherited, v);
            }
        }
        let mut child = cmd.spawn().map_err(|e| {
            cleanup(RuntimeError::Start(format!(
                "starting the shim {}: {e}",
                self.shim.display()
            )))
        })?;
        let shim_pid = child.id().map(|p| p as i32).unwrap_or(0);
        rec.shim_pid = shim_pid;
        rec.shim_start = proc_stat(shim_pid).map(|(s, _)| s).unwrap_or(0);
        let (tx, rx) = watch::channel(false);
        // Always reap the shim, whether or not anyone waits for it.
        tokio::spawn(async move {
            let _ = child.wait().await;
            tx.send_replace(true);
        });
        if let Err(e) = Self::write_record(&dir, &rec) {
            let _ = nix::sys::signal::kill(Pid::from_raw(shim_pid), Signal::SIGKILL);
            return Err(cleanup(e));
        }
        match self.await_process(&dir, shim_pid, rx.clone()).await {
            Ok(pid) => {
                rec.pid_start = proc_stat(pid).map(|(s, _)| s).unwrap_or(0);
                if let Err(e) = Self::write_record(&dir, &rec) {
                    tracing::warn!(%id, error = %e, "recording the process's start time");
                }
                self.exited
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(id, rx);
                Ok(Self::info(&dir, &rec))
            }
            Err(e) => Err(cleanup(e)),
        }
    }

    async fn wait(&self, id: &str) -> Result<ContainerInfo, RuntimeError> {
        let (dir, rec) = self.load(id)?;
        self.shim_gone(id, &rec).await;
        self.forget(id);
        Ok(Self::info(&dir, &rec))
    }

    async fn stop(&self, id: &str, grace: Duration) -> Result<(), RuntimeError> {
        let (dir, rec) = self.load(id)?;
        if Self::read_exit(&dir).is_some() {
            return Ok(());
        }
        if !alive(rec.shim_pid, rec.shim_start) {
            if Self::read_exit(&dir).is_some() {
                return Ok(());
            }
            return self.kill_orphan(id, &dir, &rec).await;
        }
        let Some(group) = Self::group_of(Self::child_pid(&dir), &rec) else {
            // No process yet (a daemon died while starting it), or it has
            // just ended: the shim exits on its own.
            if self.exited_within(id, &rec, KILL_TIMEOUT).await {
                return Ok(());
            }
            return Err(RuntimeError::Other(format!(
                "container {id} has no process to stop, but its shim runs on"
            )));
        };
        let _ = killpg(group, Signal::SIGTERM);
        if self.exited_within(id, &rec, grace).await {
            return Ok(());
        }
        let _ = killpg(group, Signal::SIGKILL);
        if self.exited_within(id, &rec, KILL_TIMEOUT).await {
            return Ok(());
        }
        Err(RuntimeError::Other(format!(
            "container {id} did not exit after SIGKILL"
        )))
    }

    async fn remove(&self, id: &str) -> Result<(), RuntimeError> {
        let dir = self.instance_dir(id)?;
        if Self::read_record(&dir).is_some() {
            // A no-op for an exited instance, as it should be.
            self.stop(id, Duration::ZERO).await?;
        }
        self.forget(id);
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(io(format!("removing {}", dir.display()))(e))
            }
            _ => Ok(()),
        }
    }

    async fn list(&self) -> Result<Vec<ContainerInfo>, RuntimeError> {
        let entries =
            std::fs::read_dir(&self.dir).map_err(io(format!("reading {}", self.dir.display())))?;
        let mut out = vec![];
        for e in entries.flatten() {
            let dir = e.path();
            let name = e.file_name();
            if !dir.is_dir() || !name.to_str().is_some_and(safe_id) {
                continue;
            }
            match Self::read_record(&dir) {
                Some(rec) if rec.shim_pid > 0 => out.push(Self::info(&dir, &rec)),
                _ if dir.join("pid").exists() => {
                    // A process started, but the daemon died before recording
                    // its shim, or spec.json is damaged: leave it be.
                    tracing::warn!(dir = %dir.display(), "container directory without a usable spec.json; skipping it");
                }
                _ => {
                    // Half-started: the daemon died while starting it.
                    let stale = e
                        .metadata()
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > HALF_STARTED_AGE);
                    if stale {
                        tracing::warn!(dir = %dir.display(), "removing a half-started container directory");
                        let _ = std::fs::remove_dir_all(&dir);
                    }
                }
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    async fn exec_session(&self, id: &str, req: ExecRequest) -> Result<ExecSession, RuntimeError> {
        let mut cmd = self.exec_command(id, &req.command)?;
        let program = req.command.first().cloned().unwrap_or_default();
        // No terminal here: `-t` gets plain pipes (the process runtime has no pty).
        cmd.stdin(if req.stdin {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        })
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| RuntimeError::Start(format!("running {program:?}: {e}")))?;
        let input = child
            .stdin
            .take()
            .map(|i| Box::pin(i) as std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>);
        let out = child
            .stdout
            .take()
            .map(|o| read_stream(o, ExecOutput::Stdout));
        let err = child
            .stderr
            .take()
            .map(|e| read_stream(e, ExecOutput::Stderr));
        let output = futures::stream::select(
            futures::stream::iter(out).flatten(),
            futures::stream::iter(err).flatten(),
        )
        .boxed();
        let exit = async move {
            let status = child
                .wait()
                .await
                .map_err(|e| RuntimeError::Other(format!("waiting for {program:?}: {e}")))?;
            Ok(status.code().unwrap_or_else(|| {
                128 + std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)
            }))
        }
        .boxed();
        Ok(ExecSession {
            output,
            input,
            exit,
            resize: None,
        })
    }

    async fn stats(&self, id: &str) -> Result<Usage, RuntimeError> {
        let (dir, _) = self.load(id)?;
        let pid = Self::child_pid(&dir)
            .ok_or_else(|| RuntimeError::Other(format!("container {id} has no process")))?;
        proc_usage(pid).ok_or_else(|| RuntimeError::Other(format!("container {id} is not running")))
    }

    async fn exec(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<i32, RuntimeError> {
        let mut cmd = self.exec_command(id, command)?;
        let program = command.first().cloned().unwrap_or_default();
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = cmd
            .spawn()
            .map_err(|e| RuntimeError::Other(format!("running {program:?}: {e}")))?;
        match tokio::time::timeout(timeout, child.wait()).await {
            Ok(Ok(status)) => Ok(status.code().unwrap_or_else(|| {
                128 + std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)
            })),
            Ok(Err(e)) => Err(RuntimeError::Other(format!("waiting for {program:?}: {e}"))),
            Err(_) => {
                let _ = child.kill().await;
                Err(RuntimeError::Other(format!(
                    "{program:?} did not finish within {}s",
                    timeout.as_secs()
                )))
            }
        }
    }

    async fn logs(&self, id: &str, opts: LogOptions) -> Result<LogStream, RuntimeError> {
        let (dir, rec) = self.load(id)?;
        let path = dir.join("log");
        let offset = match opts.tail {
            Some(n) => match tail_offset(&path, n) {
                Ok(o) => o,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                Err(e) => return Err(io(format!("reading {}", path.display()))(e)),
            },
            None => 0,
        };
        struct Follow {
            path: PathBuf,
            dir: PathBuf,
            rec: Record,
            offset: u64,
            follow: bool,
            done: bool,
        }
        let st = Follow {
            path,
            dir,
            rec,
            offset,
            follow: opts.follow,
            done: false,
        };
        let stream = futures::stream::unfold(st, |mut st| async move {
            loop {
                if st.done {
                    return None;
                }
                // Checked before reading: what was written before the exit is
                // read after it, so nothing is lost at the end.
                let finished = !st.follow || Self::state(&st.dir, &st.rec) != RunState::Running;
                let chunk = (|| -> std::io::Result<Vec<u8>> {
                    let mut f = std::fs::File::open(&st.path)?;
                    f.seek(SeekFrom::Start(st.offset))?;
                    let mut buf = Vec::with_capacity(64 * 1024);
                    f.take(64 * 1024).read_to_end(&mut buf)?;
                    Ok(buf)
                })();
                match chunk {
                    Ok(buf) if !buf.is_empty() => {
                        st.offset += buf.len() as u64;
                        return Some((Ok(Bytes::from(buf)), st));
                    }
                    Ok(_) if finished => return None,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        if finished {
                            return None;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        st.done = true;
                        return Some((
                            Err(RuntimeError::Io {
                                what: format!("reading {}", st.path.display()),
                                source: e,
                            }),
                            st,
                        ));
                    }
                }
                tokio::time::sleep(LOG_POLL).await;
            }
        });
        Ok(Box::pin(stream))
    }
}

/// A reader as a stream of output chunks.
fn read_stream<R>(
    reader: R,
    wrap: fn(Bytes) -> ExecOutput,
) -> futures::stream::BoxStream<'static, Result<ExecOutput, RuntimeError>>
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
{
    futures::stream::unfold(reader, move |mut r| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 16 * 1024];
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(wrap(Bytes::from(buf))), r))
            }
        }
    })
    .boxed()
}

/// CPU time and resident memory of a process and all its descendants, from /proc.
pub fn proc_usage(pid: i32) -> Option<Usage> {
    // (pid, ppid, cpu ticks incl. reaped children, rss pages) of every process.
    let mut procs: Vec<(i32, i32, u64, u64)> = vec![];
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // Fields after the command (which may hold spaces) in parentheses.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let ppid = f.get(1).and_then(|v| v.parse::<i32>().ok()).unwrap_or(0);
        // utime, stime, cutime, cstime are fields 14-17 of stat; rss is 24.
        procs.push((p, ppid, num(11) + num(12) + num(13) + num(14), num(21)));
    }
    if !procs.iter().any(|(p, ..)| *p == pid) {
        return None;
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            procs
                .iter()
                .filter(|(_, pp, ..)| *pp == parent)
                .map(|(p, ..)| *p),
        );
        i += 1;
    }
    let tick_ns = 1_000_000_000 / clock_ticks();
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|p| u64::try_from(p).ok())
        .unwrap_or(4096);
    let (cpu, rss) = procs
        .iter()
        .filter(|(p, ..)| tree.contains(p))
        .fold((0u64, 0u64), |(c, r), (_, _, t, rs)| (c + t, r + rs));
    Some(Usage {
        cpu_nanos: cpu * tick_ns,
        memory_bytes: rss * page,
    })
}

fn clock_ticks() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|t| u64::try_from(t).ok())
        .filter(|t| *t > 0)
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_are_safe_directory_names() {
        assert_eq!(instance_id("abc-1", "web", 2).unwrap(), "abc-1_web_2");
        assert!(instance_id("../x", "web", 0).is_err());
        assert!(instance_id("a/b", "web", 0).is_err());
        assert!(instance_id("a", "w b", 0).is_err());
        assert!(instance_id("", "web", 0).is_err());
        assert!(instance_id("u", "", 0).is_err());
        assert!(instance_id(".x", "web", 0).is_err());
        assert!(instance_id("é", "web", 0).is_err());
        assert!(instance_id(&"x".repeat(300), "web", 0).is_err());
        assert!(!safe_id(".."));
        assert!(!safe_id("a/b"));
        assert!(safe_id("0b5c7e1a-2f3d-4c5b-9a8e-7f6d5c4b3a21_web_0"));
    }

    #[test]
    fn ports_become_environment_variables() {
        let ports = vec![
            ContainerPort {
                name: "http".into(),
                container_port: 80,
                host_port: Some(31000),
                ..Default::default()
            },
            ContainerPort {
                name: "admin-api".into(),
                container_port: 9000,
                host_port: Some(31001),
                ..Default::default()
            },
            ContainerPort {
                container_port: 7000,
                host_port: None,
                ..Default::default()
            },
        ];
        assert_eq!(
            port_env(&ports),
            vec![
                ("PORT".to_string(), "31000".to_string()),
                ("ORK_PORT_HTTP".to_string(), "31000".to_string()),
                ("ORK_PORT_ADMIN_API".to_string(), "31001".to_string()),
            ]
        );
        assert!(port_env(&[]).is_empty());
        // Without a host port, the container port.
        assert_eq!(
            port_env(&ports[2..]),
            vec![("PORT".to_string(), "7000".to_string())]
        );
        assert_eq!(port_env_name("metrics-v2"), "ORK_PORT_METRICS_V2");
    }

    fn tail(p: &Path, n: usize) -> Vec<u8> {
        let all = std::fs::read(p).unwrap();
        all[tail_offset(p, n).unwrap() as usize..].to_vec()
    }

    #[test]
    fn tails_read_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        std::fs::write(&p, "").unwrap();
        assert_eq!(tail(&p, 3), b"");
        std::fs::write(&p, "a\nb\nc\n").unwrap();
        assert_eq!(tail(&p, 2), b"b\nc\n");
        assert_eq!(tail(&p, 3), b"a\nb\nc\n");
        assert_eq!(tail(&p, 5), b"a\nb\nc\n");
        assert_eq!(tail(&p, 0), b"");
        std::fs::write(&p, "x\ny").unwrap();
        assert_eq!(tail(&p, 1), b"y");
        assert_eq!(tail(&p, 2), b"x\ny");
        std::fs::write(&p, "\n\n").unwrap();
        assert_eq!(tail(&p, 1), b"\n");
        // Across chunk boundaries, without reading the whole file.
        let big: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&p, &big).unwrap();
        assert_eq!(tail(&p, 2), b"line 99998\nline 99999\n");
        let many = tail(&p, 20_000);
        assert_eq!(many.iter().filter(|b| **b == b'\n').count(), 20_000);
        assert!(many.starts_with(b"line 80000\n"));
        assert_eq!(tail(&p, 1_000_000).len(), big.len());
        assert!(tail_offset(&dir.path().join("missing"), 1).is_err());
    }

    #[test]
    fn our_own_process_looks_alive_with_its_start_time() {
        let me = std::process::id() as i32;
        let (start, zombie) = proc_stat(me).unwrap();
        assert!(!zombie);
        assert!(alive(me, start));
        assert!(
            !alive(me, start + 1),
            "a different start time means a reused pid"
        );
        assert!(!alive(0, 0));
        assert!(!alive(-1, 0));
    }

    #[test]
    fn process_groups_are_read_from_proc() {
        let me = std::process::id() as i32;
        let (pgrp, session) = proc_ids(me).unwrap();
        assert_eq!(pgrp, nix::unistd::getpgrp().as_raw());
        assert_eq!(session, nix::unistd::getsid(None).unwrap().as_raw());
        assert!(proc_ids(0).is_none());
        // A damaged pid file naming some other process is not a container group.
        let rec: Record = serde_json::from_value(serde_json::json!({
            "id": "u_c_0", "podUid": "u", "podName": "p", "namespace": "n",
            "containerName": "c", "attempt": 0, "startedAt": "2026-01-01T00:00:00Z",
            "shimPid": me,
        }))
        .unwrap();
        assert!(ProcessRuntime::group_of(Some(1), &rec).is_none());
        assert!(ProcessRuntime::group_of(None, &rec).is_none());
    }

    #[test]
    fn a_zombie_is_not_alive() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        let start = proc_stat(pid).unwrap().0;
        // Not reaped yet: a zombie once it exits.
        let deadline = Instant::now() + Duration::from_secs(10);
        while proc_stat(pid).is_some_and(|(_, z)| !z) {
            assert!(Instant::now() < deadline, "`true` did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!alive(pid, start));
        child.wait().unwrap();
        assert!(proc_stat(pid).is_none());
    }
}
