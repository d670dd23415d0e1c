//! The process runtime: every container is a host process, started from its
//! `command` + `args` by a shim (`ork shim`, see [`super::shim`]) that
//! records how it ended.
//!
//! Each instance has a directory `STATE/<pod uid>_<container>_<attempt>/`
//! (0700, files 0600) with `spec.json` (who it belongs to, its ports, when it
//! started, the shim's pid and the process's pid with their start times),
//! `run-as.json` (who the process runs as), and the shim's `pid`, `log`,
//! `exit.json` (and `shim.log`, the shim's own complaints). Everything the
//! runtime knows is in those files, so a node daemon started later (after a
//! crash) lists and adopts the same instances.
//!
//! - **User**: the container's process runs as the user the node decided
//!   ([`crate::node::security`], in the spec's `security`), dropped to by the
//!   shim, which stays root; with no user given, as the daemon's own. So do
//!   `ork exec` and exec probes, with no_new_privs when the container has
//!   it: a command in a container never runs with more than the container.
//!
//! - **Command**: `command` + `args`; the image is not used, and a container
//!   without `command` cannot start.
//! - **Environment**: exactly the container's env (which includes what the
//!   runtime injects: `PORT`, `ORK_PORT_<NAME>`), plus `PATH` and `HOME`
//!   from the node daemon when the container sets none: commands are found
//!   as in the shell that started `ork`, and tools that need a home (caches,
//!   config) work, as every container has a `HOME` in Kubernetes. Nothing
//!   else of the daemon's environment leaks in.
//! - **Working dir**: `workingDir` (which must exist, and which the
//!   container's user must be able to enter), else a fresh directory of its
//!   own, `PODS/<pod uid>/work/<container>_<attempt>` (0700, the container
//!   user's), removed with the instance; without a pods dir, the instance's
//!   directory. `HOME`, when the container sets none and runs as another
//!   user than the daemon, is that user's home if it exists, else the
//!   working directory.
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
//!
//! Here: starting, waiting for, stopping, removing and listing instances.
//! The state directory's files are read and written in `record`, commands in
//! a container's context (`exec`, exec probes) run from `exec`, output is
//! read in `logs`, and processes are looked at through
//! [`crate::node::procfs`].

mod exec;
mod logs;
mod record;

pub use logs::tail_offset;
pub use record::instance_id;
use record::{Record, safe_id};

use super::shim::{self, RunAs};
use super::{
    ContainerInfo, ContainerSpec, ExecRequest, ExecSession, LogOptions, LogStream, RunState,
    Runtime, RuntimeError, Usage,
};
use crate::api::ContainerPort;
use crate::node::procfs;
use async_trait::async_trait;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Containers as host processes.
pub struct ProcessRuntime {
    dir: PathBuf,
    shim: PathBuf,
    /// Where containers' working directories are made (`None`: in their state dir).
    pods: Option<PathBuf>,
    /// Exit signals of shims this runtime started (true once reaped).
    exited: Mutex<HashMap<String, watch::Receiver<bool>>>,
    /// The cluster DNS pods are given, and where each pod's resolv.conf
    /// and hosts are kept (`<dir>/<pod uid>/`).
    dns: Option<PodDnsFiles>,
}

/// Per-pod resolv.conf and hosts for process pods (a root node only; see
/// the shim's module docs).
struct PodDnsFiles {
    cluster: Option<(std::net::IpAddr, String)>,
    dir: PathBuf,
    /// Whether this daemon can give pods files of their own (root).
    root: bool,
}

impl PodDnsFiles {
    /// `<dir>/<pod uid>`, the uid kept to letters, digits and `-`.
    fn pod_dir(&self, uid: &str) -> PathBuf {
        let safe: String = uid
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        self.dir.join(safe)
    }
}

/// How often an adopted shim is checked.
const POLL: Duration = Duration::from_millis(200);
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
            pods: None,
            exited: Mutex::new(HashMap::new()),
            dns: None,
        })
    }

    /// Gives pods a resolv.conf (the cluster DNS at `cluster`, when given)
    /// and hosts file of their own, kept under `dir`.
    pub fn with_dns(mut self, cluster: Option<(std::net::IpAddr, String)>, dir: PathBuf) -> Self {
        self.dns = Some(PodDnsFiles {
            cluster,
            dir,
            root: nix::unistd::geteuid().is_root(),
        });
        self
    }

    /// The pod's own resolv.conf and hosts, when it needs them and the
    /// node can give them.
    fn write_dns_files(&self, pod: &super::PodSandbox) -> Result<(), RuntimeError> {
        use crate::node::dns::resolv;
        let Some(d) = self.dns.as_ref().filter(|d| d.root) else {
            return Ok(());
        };
        let node = resolv::parse(&std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default());
        let cluster = d
            .cluster
            .as_ref()
            .map(|(ip, domain)| (*ip, domain.as_str()));
        let conf = resolv::for_pod(&pod.dns, cluster, &node);
        let aliases = resolv::hosts_lines(&pod.dns.host_aliases);
        if conf.is_none() && aliases.is_empty() {
            return Ok(());
        }
        let dir = d.pod_dir(&pod.pod_uid);
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(io(format!("creating {}", dir.display())))?;
        let write = |name: &str, text: String| {
            let p = dir.join(name);
            std::fs::write(&p, text).map_err(io(format!("writing {}", p.display())))?;
            std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o644))
                .map_err(io(format!("setting the mode of {}", p.display())))
        };
        if let Some(c) = conf {
            write("resolv.conf", resolv::render(&c))?;
        }
        if !aliases.is_empty() {
            let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
            write("hosts", format!("{hosts}\n# hostAliases\n{aliases}"))?;
        }
        Ok(())
    }

    /// Copies the pod's DNS files into an instance's dir, where the shim
    /// finds them.
    fn copy_dns_files(&self, pod_uid: &str, instance: &Path) -> Result<(), RuntimeError> {
        let Some(d) = &self.dns else { return Ok(()) };
        let dir = d.pod_dir(pod_uid);
        for name in ["resolv.conf", "hosts"] {
            let src = dir.join(name);
            if src.exists() {
                std::fs::copy(&src, instance.join(name))
                    .map_err(io(format!("copying {}", src.display())))?;
            }
        }
        Ok(())
    }

    /// Makes containers' default working directories under `pods_dir` (the
    /// node's pods dir, which pods' users can traverse).
    pub fn with_pods_dir(mut self, pods_dir: PathBuf) -> Self {
        self.pods = Some(pods_dir);
        self
    }

    /// A fresh working directory for an instance under the pods dir, the
    /// user's (when one is given and this daemon is root).
    fn make_work_dir(
        &self,
        spec: &ContainerSpec,
        run_as: &RunAs,
    ) -> Result<Option<PathBuf>, RuntimeError> {
        let Some(pods) = &self.pods else {
            return Ok(None);
        };
        let parent =
            crate::node::volumes::traversable_dirs(pods, &[&spec.pod_uid, "work"]).map_err(io(
                format!("creating the working directory in {}", pods.display()),
            ))?;
        let dir = parent.join(format!("{}_{}", spec.container_name, spec.attempt));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io(format!("removing {}", dir.display())))?;
        }
        crate::node::volumes::dir_with_mode(&dir, 0o700)
            .map_err(io(format!("creating {}", dir.display())))?;
        if nix::unistd::geteuid().is_root() && (run_as.uid.is_some() || run_as.gid.is_some()) {
            std::os::unix::fs::chown(&dir, run_as.uid, run_as.gid).map_err(io(format!(
                "handing {} to the container's user",
                dir.display()
            )))?;
        }
        Ok(Some(dir))
    }

    fn instance_dir(&self, id: &str) -> Result<PathBuf, RuntimeError> {
        if !safe_id(id) {
            return Err(RuntimeError::NotFound(id.to_string()));
        }
        Ok(self.dir.join(id))
    }

    /// The container's process group, if `pid` (from the pid file) still
    /// leads a group in the shim's session: never signal a group on the
    /// word of a damaged file alone.
    fn group_of(pid: Option<i32>, rec: &Record) -> Option<Pid> {
        let pid = pid?;
        let (pgrp, session) = procfs::group_and_session(pid)?;
        (pid > 1 && rec.shim_pid > 1 && pgrp == pid && session == rec.shim_pid)
            .then(|| Pid::from_raw(pid))
    }

    fn load(&self, id: &str) -> Result<(PathBuf, Record), RuntimeError> {
        let dir = self.instance_dir(id)?;
        let rec = record::read(&dir).ok_or_else(|| RuntimeError::NotFound(id.to_string()))?;
        Ok((dir, rec))
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
                while procfs::alive(rec.shim_pid, rec.shim_start) {
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
        let pid = record::child_pid(dir);
        let Some(group) = Self::group_of(pid, rec) else {
            return Ok(());
        };
        let pid = group.as_raw();
        if rec.pid_start == 0 || !procfs::alive(pid, rec.pid_start) {
            return Ok(());
        }
        tracing::warn!(%id, pid, "the shim is gone; killing the container's processes");
        let _ = killpg(group, Signal::SIGKILL);
        let deadline = Instant::now() + KILL_TIMEOUT;
        while procfs::alive(pid, rec.pid_start) {
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
            let exit = record::read_exit(dir);
            if let Some(pid) = record::child_pid(dir) {
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

    async fn prepare_pod(&self, pod: &super::PodSandbox) -> Result<(), RuntimeError> {
        self.write_dns_files(pod)
    }

    async fn remove_pod(&self, pod_uid: &str) -> Result<(), RuntimeError> {
        if let Some(d) = &self.dns {
            let dir = d.pod_dir(pod_uid);
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(io(format!("removing {}", dir.display())))?;
            }
        }
        Ok(())
    }

    async fn prepared_pods(&self) -> Result<Vec<String>, RuntimeError> {
        let Some(d) = &self.dns else {
            return Ok(vec![]);
        };
        Ok(std::fs::read_dir(&d.dir)
            .map(|r| {
                r.flatten()
                    .filter_map(|e| e.file_name().to_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    fn dns_note(&self, pod: &super::PodSandbox) -> Option<String> {
        let d = self.dns.as_ref()?;
        if d.root {
            return None;
        }
        let (ip, _) = d.cluster.as_ref()?;
        let wants =
            pod.dns.cluster_first() || pod.dns.config.is_some() || !pod.dns.host_aliases.is_empty();
        wants.then(|| {
            format!(
                "this node does not run as root, so the pod's processes keep the machine's /etc/resolv.conf and /etc/hosts: cluster names resolve only when asked of {ip} directly, and dnsPolicy, dnsConfig and hostAliases are not applied"
            )
        })
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
        if spec.stdin || spec.tty {
            return Err(RuntimeError::Config(format!(
                "container {:?} asks for {}: the process runtime runs host processes without one; remove it (use `ork exec -it` for a shell) or use the docker runtime (runtimeClassName: docker)",
                spec.container_name,
                if spec.stdin { "stdin" } else { "a tty" }
            )));
        }
        if let Some(m) = spec.mounts.iter().find(|m| m.tmpfs) {
            return Err(RuntimeError::Config(format!(
                "volume {:?} (emptyDir, medium: Memory) needs a tmpfs, which only a node daemon running as root mounts; run the node as root, drop medium: Memory, or use the Docker runtime",
                m.volume
            )));
        }
        let argv: Vec<String> = spec.command.iter().chain(&spec.args).cloned().collect();
        let dir = self.instance_dir(&id)?;
        if dir.exists() {
            match record::read(&dir) {
                Some(rec) if record::state(&dir, &rec) == RunState::Running => {
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
        let run_as = run_as(spec);
        let mut rec = Record::new(&id, spec);
        let workdir = if spec.working_dir.is_empty() {
            rec.work_dir = self.make_work_dir(spec, &run_as).map_err(cleanup)?;
            rec.work_dir.clone().unwrap_or_else(|| dir.clone())
        } else {
            PathBuf::from(&spec.working_dir)
        };
        let cleanup = |e: RuntimeError| {
            if let Some(w) = &rec.work_dir {
                let _ = std::fs::remove_dir_all(w);
            }
            cleanup(e)
        };
        if !workdir.is_dir() {
            return Err(cleanup(RuntimeError::Start(format!(
                "workingDir {} does not exist on this node",
                workdir.display()
            ))));
        }
        if run_as != RunAs::default() {
            let bytes = serde_json::to_vec(&run_as).unwrap_or_default();
            shim::write_atomic(&dir.join(shim::RUN_AS_FILE), &bytes)
                .map_err(io(format!(
                    "writing {}",
                    dir.join(shim::RUN_AS_FILE).display()
                )))
                .map_err(cleanup)?;
        }
        self.copy_dns_files(&spec.pod_uid, &dir).map_err(cleanup)?;
        shim::link_service_account(&dir, &spec.mounts)
            .map_err(io(format!(
                "linking the service-account token into {}",
                dir.display()
            )))
            .map_err(cleanup)?;
        record::write(&dir, &rec).map_err(cleanup)?;
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
        let other_user = run_as
            .uid
            .is_some_and(|u| u != nix::unistd::geteuid().as_raw());
        for inherited in ["PATH", "HOME"] {
            if spec.env.iter().any(|(k, _)| k == inherited) {
                continue;
            }
            if inherited == "HOME" && other_user {
                cmd.env(
                    "HOME",
                    home_of(run_as.uid).unwrap_or_else(|| workdir.clone()),
                );
            } else if let Some(v) = std::env::var_os(inherited) {
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
        rec.shim_start = procfs::start_and_zombie(shim_pid)
            .map(|(s, _)| s)
            .unwrap_or(0);
        let (tx, rx) = watch::channel(false);
        // Always reap the shim, whether or not anyone waits for it.
        tokio::spawn(async move {
            let _ = child.wait().await;
            tx.send_replace(true);
        });
        if let Err(e) = record::write(&dir, &rec) {
            let _ = nix::sys::signal::kill(Pid::from_raw(shim_pid), Signal::SIGKILL);
            return Err(cleanup(e));
        }
        match self.await_process(&dir, shim_pid, rx.clone()).await {
            Ok(pid) => {
                rec.pid_start = procfs::start_and_zombie(pid).map(|(s, _)| s).unwrap_or(0);
                if let Err(e) = record::write(&dir, &rec) {
                    tracing::warn!(%id, error = %e, "recording the process's start time");
                }
                self.exited
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(id, rx);
                Ok(record::info(&dir, &rec))
            }
            Err(e) => Err(cleanup(e)),
        }
    }

    async fn wait(&self, id: &str) -> Result<ContainerInfo, RuntimeError> {
        let (dir, rec) = self.load(id)?;
        self.shim_gone(id, &rec).await;
        self.forget(id);
        Ok(record::info(&dir, &rec))
    }

    async fn stop(&self, id: &str, grace: Duration) -> Result<(), RuntimeError> {
        let (dir, rec) = self.load(id)?;
        if record::read_exit(&dir).is_some() {
            return Ok(());
        }
        if !procfs::alive(rec.shim_pid, rec.shim_start) {
            if record::read_exit(&dir).is_some() {
                return Ok(());
            }
            return self.kill_orphan(id, &dir, &rec).await;
        }
        let Some(group) = Self::group_of(record::child_pid(&dir), &rec) else {
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
        if let Some(rec) = record::read(&dir) {
            // A no-op for an exited instance, as it should be.
            self.stop(id, Duration::ZERO).await?;
            if let Some(w) = &rec.work_dir {
                let _ = std::fs::remove_dir_all(w);
            }
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
            match record::read(&dir) {
                Some(rec) if rec.shim_pid > 0 => out.push(record::info(&dir, &rec)),
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
        self.open_exec(id, req)
    }

    async fn exec(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<i32, RuntimeError> {
        self.run_exec(id, command, timeout).await
    }

    async fn logs(&self, id: &str, opts: LogOptions) -> Result<LogStream, RuntimeError> {
        let (dir, rec) = self.load(id)?;
        logs::read(dir, rec, opts)
    }

    async fn stats(&self, id: &str) -> Result<Usage, RuntimeError> {
        let (dir, _) = self.load(id)?;
        let pid = record::child_pid(&dir)
            .ok_or_else(|| RuntimeError::Other(format!("container {id} has no process")))?;
        procfs::tree_usage(pid)
            .ok_or_else(|| RuntimeError::Other(format!("container {id} is not running")))
    }
}

/// Who the shim runs a container's process as: the decided user (with its
/// primary group when none is given) and no_new_privs.
fn run_as(spec: &ContainerSpec) -> RunAs {
    let s = &spec.security;
    let gid = s.user.map(|u| {
        u.gid.unwrap_or_else(|| {
            crate::node::security::primary_group(u.uid).unwrap_or(crate::node::security::NOGROUP)
        })
    });
    RunAs {
        uid: s.user.map(|u| u.uid),
        gid,
        groups: s.supplemental_groups.clone(),
        no_new_privileges: s.no_new_privileges,
    }
}

/// A user's home directory, when it exists.
fn home_of(uid: Option<u32>) -> Option<PathBuf> {
    let u = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid?)).ok()??;
    u.dir.is_dir().then_some(u.dir)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_damaged_pid_file_names_no_container_group() {
        let me = std::process::id() as i32;
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
}
