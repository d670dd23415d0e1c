//! An instance's state directory, `STATE/<pod uid>_<container>_<attempt>/`:
//! what `spec.json` records (who the instance belongs to, its ports, when it
//! started, the shim's and the process's pids with their start times), and
//! how the instance's state is read from that and the files the shim writes
//! (`pid`, `exit.json`, `log`; `run-as.json` is the runtime's, for the shim)
//! together with /proc. Everything the runtime
//! knows is in those files, so a later node daemon reads the same.

use super::io;
use crate::api::{ContainerPort, Time};
use crate::node::procfs;
use crate::node::runtime::shim::ExitRecord;
use crate::node::runtime::{ContainerInfo, ContainerSpec, RunState, RuntimeError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What `spec.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub id: String,
    pub pod_uid: String,
    pub pod_name: String,
    pub namespace: String,
    pub container_name: String,
    pub attempt: u32,
    pub started_at: Time,
    #[serde(default)]
    pub ports: Vec<ContainerPort>,
    /// 0 until the shim runs.
    #[serde(default)]
    pub shim_pid: i32,
    /// The shim's start time in clock ticks since boot (`/proc/PID/stat`).
    #[serde(default)]
    pub shim_start: u64,
    /// The start time of the container's main process (0: unknown).
    #[serde(default)]
    pub pid_start: u64,
    /// The working directory the runtime made for the instance (in the
    /// pods dir), removed with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_dir: Option<std::path::PathBuf>,
}

impl Record {
    /// The record of instance `id` of `spec`, before its shim runs.
    pub fn new(id: &str, spec: &ContainerSpec) -> Record {
        // Whole seconds, as spec.json keeps it: the same for an adopter.
        let now = Time(chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0));
        let i = spec.instance(id, now, RunState::Running);
        Record {
            id: i.id,
            pod_uid: i.pod_uid,
            pod_name: i.pod_name,
            namespace: i.namespace,
            container_name: i.container_name,
            attempt: i.attempt,
            started_at: i.started_at,
            ports: i.ports,
            shim_pid: 0,
            shim_start: 0,
            pid_start: 0,
            work_dir: None,
        }
    }
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

pub fn safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 255
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub fn read(dir: &Path) -> Option<Record> {
    let bytes = std::fs::read(dir.join("spec.json")).ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub fn read_exit(dir: &Path) -> Option<ExitRecord> {
    let bytes = std::fs::read(dir.join("exit.json")).ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub fn child_pid(dir: &Path) -> Option<i32> {
    std::fs::read_to_string(dir.join("pid"))
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|p| *p > 1)
}

pub fn write(dir: &Path, rec: &Record) -> Result<(), RuntimeError> {
    let bytes = serde_json::to_vec_pretty(rec).map_err(|e| RuntimeError::Other(e.to_string()))?;
    crate::node::runtime::shim::write_atomic(&dir.join("spec.json"), &bytes)
        .map_err(io("writing spec.json"))
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

/// The current state of an instance, from its files.
pub fn state(dir: &Path, rec: &Record) -> RunState {
    if let Some(e) = read_exit(dir) {
        return exited_state(e);
    }
    if procfs::alive(rec.shim_pid, rec.shim_start) {
        return RunState::Running;
    }
    // The shim may have recorded the exit just before it went.
    if let Some(e) = read_exit(dir) {
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

/// The instance as the runtime reports it.
pub fn info(dir: &Path, rec: &Record) -> ContainerInfo {
    ContainerInfo {
        id: rec.id.clone(),
        pod_uid: rec.pod_uid.clone(),
        pod_name: rec.pod_name.clone(),
        namespace: rec.namespace.clone(),
        container_name: rec.container_name.clone(),
        attempt: rec.attempt,
        started_at: rec.started_at,
        state: state(dir, rec),
        ports: rec.ports.clone(),
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
}
