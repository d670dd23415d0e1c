//! The process runtime: every container is a host process, started from its
//! `command` + `args` by a shim (`ork shim`, see [`super::shim`]) that
//! records how it ended.
//!
//! Each instance has a directory `STATE/<pod uid>_<container>_<attempt>/`
//! (0700) with `spec.json` (who it belongs to, its ports, and the shim's pid
//! and start time), and the shim's `pid`, `log` and `exit.json`. Everything
//! the runtime knows is in those files, so a node daemon started later (after
//! a crash) lists and adopts the same instances.
//!
//! - **Environment**: exactly the container's env (which includes what the
//!   runtime injects: `PORT`, `ORK_PORT_<NAME>`), plus `PATH` and `HOME` from
//!   the node daemon when the container sets none, so commands are found as in
//!   a shell.
//! - **Working dir**: `workingDir`, else the instance's directory.
//! - **Stopping**: SIGTERM to the container's process group (its children
//!   too), SIGKILL after the grace period.
//! - **Waiting**: a shim this daemon started is awaited (and reaped) directly;
//!   an adopted one is checked every 200 ms (`/proc/PID`, its start time
//!   against pid reuse, and zombie state).

use super::shim::ExitRecord;
use super::{ContainerInfo, ContainerSpec, LogOptions, LogStream, RunState, Runtime, RuntimeError};
use crate::api::{ContainerPort, Time};
use async_trait::async_trait;
use bytes::Bytes;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::DirBuilderExt;
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
    #[serde(default)]
    shim_pid: i32,
    #[serde(default)]
    shim_start: u64,
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

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> RuntimeError {
    let what = what.into();
    move |source| RuntimeError::Io { what, source }
}

/// Instance ids become directory names: only letters, digits, '-', '_' and '.'.
pub fn instance_id(pod_uid: &str, container: &str, attempt: u32) -> Result<String, RuntimeError> {
    let id = format!("{pod_uid}_{container}_{attempt}");
    let safe = !pod_uid.is_empty()
        && !container.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !id.starts_with('.');
    if safe {
        Ok(id)
    } else {
        Err(RuntimeError::Start(format!(
            "pod uid {pod_uid:?} / container {container:?} cannot name a state directory"
        )))
    }
}

/// `PORT` for the first port and `ORK_PORT_<NAME>` for each named one.
pub fn port_env(ports: &[ContainerPort]) -> Vec<(String, String)> {
    let mut env = vec![];
    let host = |p: &ContainerPort| p.host_port.unwrap_or(p.container_port).to_string();
    if let Some(first) = ports.first() {
        env.push(("PORT".to_string(), host(first)));
    }
    for p in ports.iter().filter(|p| !p.name.is_empty()) {
        let name: String = p
            .name
            .chars()
            .map(|c| {
                if c == '-' {
                    '_'
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect();
        env.push((format!("ORK_PORT_{name}"), host(p)));
    }
    env
}

/// Start time of a process (in clock ticks since boot), and whether it is a zombie.
fn proc_stat(pid: i32) -> Option<(u64, bool)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = s.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state is field 3 of the line, starttime field 22.
    let zombie = fields.first().is_some_and(|s| *s == "Z" || *s == "X");
    let start = fields.get(19)?.parse().ok()?;
    Some((start, zombie))
}

fn alive(pid: i32, start: u64) -> bool {
    pid > 0 && proc_stat(pid).is_some_and(|(s, zombie)| s == start && !zombie)
}

/// The last `n` lines of a file (all of it when shorter), read from the end.
pub fn tail_bytes(path: &Path, n: usize) -> std::io::Result<Vec<u8>> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    if n == 0 {
        return Ok(vec![]);
    }
    let mut pos = len;
    let mut buf: Vec<u8> = vec![];
    const CHUNK: u64 = 64 * 1024;
    loop {
        let start = pos.saturating_sub(CHUNK);
        let mut chunk = vec![0u8; (pos - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
        pos = start;
        // A trailing newline ends the last line; it does not start a new one.
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let newlines = body.iter().filter(|b| **b == b'\n').count();
        if newlines >= n || pos == 0 {
            let mut cut = 0;
            let mut seen = 0;
            for (i, b) in body.iter().enumerate().rev() {
                if *b == b'\n' {
                    seen += 1;
                    if seen == n {
                        cut = i + 1;
                        break;
                    }
                }
            }
            return Ok(buf[cut..].to_vec());
        }
    }
}

impl ProcessRuntime {
    /// A runtime keeping instance state under `state_dir`, starting shims with
    /// the `ork` binary at `shim_program`.
    pub fn new(state_dir: PathBuf, shim_program: PathBuf) -> Result<Self, RuntimeError> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&state_dir)
            .map_err(io(format!("creating {}", state_dir.display())))?;
        // Shims run in other working directories: every path handed to them is absolute.
        let state_dir = std::fs::canonicalize(&state_dir)
            .map_err(io(format!("resolving {}", state_dir.display())))?;
        Ok(ProcessRuntime {
            dir: state_dir,
            shim: shim_program,
            exited: Mutex::new(HashMap::new()),
        })
    }

    fn instance_dir(&self, id: &str) -> Result<PathBuf, RuntimeError> {
        if id.is_empty() || id.contains('/') || id.starts_with('.') {
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

    fn child_pid(dir: &Path) -> Option<i32> {
        std::fs::read_to_string(dir.join("pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// The current state of an instance, from its files.
    fn state(dir: &Path, rec: &Record) -> RunState {
        if let Some(e) = Self::read_exit(dir) {
            return RunState::Exited {
                code: e.exit_code,
                signal: e.signal,
                finished_at: e.finished_at,
                reason: if e.exit_code == 0 {
                    "Completed"
                } else {
                    "Error"
                }
                .into(),
            };
        }
        if alive(rec.shim_pid, rec.shim_start) {
            return RunState::Running;
        }
        // The shim died without recording the exit (killed itself).
        RunState::Exited {
            code: 137,
            signal: None,
            finished_at: Time::now(),
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
}

#[async_trait]
impl Runtime for ProcessRuntime {
    fn name(&self) -> &'static str {
        "process"
    }

    fn injected_env(&self, ports: &[ContainerPort]) -> Vec<(String, String)> {
        port_env(ports)
    }

    async fn start(&self, spec: &ContainerSpec) -> Result<ContainerInfo, RuntimeError> {
        let id = instance_id(&spec.pod_uid, &spec.container_name, spec.attempt)?;
        let argv: Vec<String> = spec.command.iter().chain(&spec.args).cloned().collect();
        if spec.command.is_empty() {
            return Err(RuntimeError::Start(format!(
                "container {:?} has no `command`: the process runtime runs command + args as a host process (the image {:?} is not used)",
                spec.container_name, spec.image
            )));
        }
        let dir = self.instance_dir(&id)?;
        if dir.exists() {
            // Left over from a start that never got going.
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(io(format!("creating {}", dir.display())))?;
        let mut rec = Record {
            id: id.clone(),
            pod_uid: spec.pod_uid.clone(),
            pod_name: spec.pod_name.clone(),
            namespace: spec.namespace.clone(),
            container_name: spec.container_name.clone(),
            attempt: spec.attempt,
            started_at: Time::now(),
            ports: spec.ports.clone(),
            shim_pid: 0,
            shim_start: 0,
        };
        Self::write_record(&dir, &rec)?;
        let workdir = if spec.working_dir.is_empty() {
            dir.clone()
        } else {
            PathBuf::from(&spec.working_dir)
        };
        if !workdir.is_dir() {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(RuntimeError::Start(format!(
                "workingDir {} does not exist on this node",
                workdir.display()
            )));
        }
        // The shim's own complaints (not the container's output) go to shim.log.
        let shim_log = std::fs::File::create(dir.join("shim.log"))
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
            let _ = std::fs::remove_dir_all(&dir);
            RuntimeError::Start(format!("starting the shim {}: {e}", self.shim.display()))
        })?;
        let shim_pid = child.id().map(|p| p as i32).unwrap_or(0);
        rec.shim_pid = shim_pid;
        rec.shim_start = proc_stat(shim_pid).map(|(s, _)| s).unwrap_or(0);
        Self::write_record(&dir, &rec)?;
        let (tx, rx) = watch::channel(false);
        self.exited
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), rx);
        // Always reap the shim, whether or not anyone waits for it.
        tokio::spawn(async move {
            let _ = child.wait().await;
            tx.send_replace(true);
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(e) = Self::read_exit(&dir)
                && !dir.join("pid").exists()
            {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(RuntimeError::Start(if e.message.is_empty() {
                    format!("the process exited at once with code {}", e.exit_code)
                } else {
                    e.message
                }));
            }
            if dir.join("pid").exists() {
                return Ok(Self::info(&dir, &rec));
            }
            if Instant::now() > deadline {
                let _ = nix::sys::signal::kill(Pid::from_raw(shim_pid), Signal::SIGKILL);
                let _ = std::fs::remove_dir_all(&dir);
                return Err(RuntimeError::Start(
                    "the shim did not start the process within 10 s".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn wait(&self, id: &str) -> Result<ContainerInfo, RuntimeError> {
        let (dir, rec) = self.load(id)?;
        self.shim_gone(id, &rec).await;
        self.exited
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        Ok(Self::info(&dir, &rec))
    }

    async fn stop(&self, id: &str, grace: Duration) -> Result<(), RuntimeError> {
        let (dir, rec) = self.load(id)?;
        if Self::read_exit(&dir).is_some() || !alive(rec.shim_pid, rec.shim_start) {
            return Ok(());
        }
        let Some(pgid) = Self::child_pid(&dir) else {
            return Ok(());
        };
        let group = Pid::from_raw(pgid);
        let _ = killpg(group, Signal::SIGTERM);
        if self.exited_within(id, &rec, grace).await {
            return Ok(());
        }
        let _ = killpg(group, Signal::SIGKILL);
        if self.exited_within(id, &rec, Duration::from_secs(10)).await {
            return Ok(());
        }
        Err(RuntimeError::Other(format!(
            "container {id} did not exit after SIGKILL"
        )))
    }

    async fn remove(&self, id: &str) -> Result<(), RuntimeError> {
        let Ok((dir, rec)) = self.load(id) else {
            return Ok(());
        };
        if Self::state(&dir, &rec) == RunState::Running {
            self.stop(id, Duration::ZERO).await?;
        }
        self.exited
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        std::fs::remove_dir_all(&dir).map_err(io(format!("removing {}", dir.display())))
    }

    async fn list(&self) -> Result<Vec<ContainerInfo>, RuntimeError> {
        let entries =
            std::fs::read_dir(&self.dir).map_err(io(format!("reading {}", self.dir.display())))?;
        let mut out = vec![];
        for e in entries.flatten() {
            let dir = e.path();
            if !dir.is_dir() {
                continue;
            }
            match Self::read_record(&dir) {
                Some(rec) if rec.shim_pid > 0 => out.push(Self::info(&dir, &rec)),
                _ => {
                    // Half-started (the daemon died while starting it): clean up when stale.
                    let stale = e
                        .metadata()
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Duration::from_secs(60));
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

    async fn exec(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<i32, RuntimeError> {
        let (dir, _) = self.load(id)?;
        let pid = Self::child_pid(&dir)
            .ok_or_else(|| RuntimeError::Other(format!("container {id} has no process")))?;
        let Some(program) = command.first() else {
            return Err(RuntimeError::Other("exec needs a command".into()));
        };
        // The container process's own environment and working directory.
        let environ = std::fs::read(format!("/proc/{pid}/environ"))
            .map_err(|_| RuntimeError::Other(format!("container {id} is not running")))?;
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap_or_else(|_| dir.clone());
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(&command[1..])
            .env_clear()
            .current_dir(cwd)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        for kv in environ.split(|b| *b == 0).filter(|kv| !kv.is_empty()) {
            let kv = String::from_utf8_lossy(kv);
            if let Some((k, v)) = kv.split_once('=') {
                cmd.env(k, v);
            }
        }
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
        let start = match opts.tail {
            Some(n) => {
                let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                let tail = tail_bytes(&path, n).unwrap_or_default();
                len - tail.len() as u64
            }
            None => 0,
        };
        struct S {
            path: PathBuf,
            dir: PathBuf,
            rec: Record,
            offset: u64,
            follow: bool,
            done: bool,
        }
        let st = S {
            path,
            dir,
            rec,
            offset: start,
            follow: opts.follow,
            done: false,
        };
        let stream = futures::stream::unfold(st, |mut st| async move {
            loop {
                if st.done {
                    return None;
                }
                // Check before reading: output written before the exit is read after it.
                let finished = !st.follow || Self::state(&st.dir, &st.rec) != RunState::Running;
                let chunk = (|| -> std::io::Result<Vec<u8>> {
                    let mut f = std::fs::File::open(&st.path)?;
                    f.seek(SeekFrom::Start(st.offset))?;
                    let mut buf = vec![0u8; 64 * 1024];
                    let n = f.read(&mut buf)?;
                    buf.truncate(n);
                    Ok(buf)
                })();
                match chunk {
                    Ok(buf) if !buf.is_empty() => {
                        st.offset += buf.len() as u64;
                        return Some((Ok(Bytes::from(buf)), st));
                    }
                    Ok(_) if finished => return None,
                    Ok(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound && !finished => {
                        tokio::time::sleep(Duration::from_millis(100)).await
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
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
            }
        });
        Ok(Box::pin(stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_are_safe_directory_names() {
        assert_eq!(instance_id("abc-1", "web", 2).unwrap(), "abc-1_web_2");
        assert!(instance_id("../x", "web", 0).is_err());
        assert!(instance_id("a/b", "web", 0).is_err());
        assert!(instance_id("", "web", 0).is_err());
        assert!(instance_id(".x", "web", 0).is_err());
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
    }

    #[test]
    fn tails_read_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        std::fs::write(&p, "a\nb\nc\n").unwrap();
        assert_eq!(tail_bytes(&p, 2).unwrap(), b"b\nc\n");
        assert_eq!(tail_bytes(&p, 5).unwrap(), b"a\nb\nc\n");
        assert_eq!(tail_bytes(&p, 0).unwrap(), b"");
        std::fs::write(&p, "x\ny").unwrap();
        assert_eq!(tail_bytes(&p, 1).unwrap(), b"y");
        let big: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&p, &big).unwrap();
        assert_eq!(tail_bytes(&p, 2).unwrap(), b"line 99998\nline 99999\n");
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
    }
}
