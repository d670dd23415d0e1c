//! How a pod's status is derived from what its containers are doing: the
//! per-container state a node reports, the pod phase (as Kubernetes computes
//! it for each restartPolicy) and the Ready conditions. Pure.

use super::runtime::{ContainerInfo, RunState};
use crate::api::{
    Condition, ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStatus,
    Pod, PodPhase, PodStatus, RestartPolicy, Time, find_condition, set_condition,
};

/// What the node knows of one container of a pod.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerView {
    pub name: String,
    pub image: String,
    /// The latest instance, running or exited.
    pub current: Option<ContainerInfo>,
    /// How the instance before `current` ended.
    pub previous_exit: Option<ContainerStateTerminated>,
    /// Set while the container is not running and not about to be reported
    /// as finished: `ContainerCreating`, `CrashLoopBackOff`, `RunContainerError`...
    pub waiting: Option<(String, String)>,
    /// Whether it ever started in this pod.
    pub ever_started: bool,
    /// Whether the current instance passed its startup probe (or has none).
    pub started: bool,
    /// Whether the current instance passes its readiness probe (or is started and has none).
    pub ready: bool,
    /// The termination message of an exited instance, by instance id.
    pub message: Option<(String, String)>,
}

/// The terminated state of an exited instance.
pub fn terminated(info: &ContainerInfo) -> Option<ContainerStateTerminated> {
    match &info.state {
        RunState::Running => None,
        RunState::Exited {
            code,
            signal,
            finished_at,
            reason,
        } => Some(ContainerStateTerminated {
            exit_code: *code,
            signal: *signal,
            reason: reason.clone(),
            message: String::new(),
            started_at: Some(info.started_at),
            finished_at: Some(*finished_at),
        }),
    }
}

fn is_running(v: &ContainerView) -> bool {
    v.waiting.is_none()
        && v.current
            .as_ref()
            .is_some_and(|c| c.state == RunState::Running)
}

/// The status line of one container.
pub fn container_status(v: &ContainerView, runtime: &str) -> ContainerStatus {
    let current_exit = v.current.as_ref().and_then(terminated).map(|mut t| {
        if let Some((id, m)) = &v.message
            && v.current.as_ref().is_some_and(|c| &c.id == id)
        {
            t.message = m.clone();
        }
        t
    });
    let (state, last_state) = if let Some((reason, message)) = &v.waiting {
        (
            ContainerState::waiting(reason, message),
            current_exit.clone().or(v.previous_exit.clone()),
        )
    } else if let Some(c) = v.current.as_ref().filter(|c| c.state == RunState::Running) {
        (
            ContainerState {
                running: Some(ContainerStateRunning {
                    started_at: Some(c.started_at),
                }),
                ..Default::default()
            },
            v.previous_exit.clone(),
        )
    } else if let Some(t) = current_exit {
        (
            ContainerState {
                terminated: Some(t),
                ..Default::default()
            },
            v.previous_exit.clone(),
        )
    } else {
        (ContainerState::waiting("ContainerCreating", ""), None)
    };
    let running = is_running(v);
    ContainerStatus {
        name: v.name.clone(),
        ready: running && v.ready,
        restart_count: v.current.as_ref().map(|c| c.attempt as i32).unwrap_or(0),
        state,
        last_state: last_state
            .map(|t| ContainerState {
                terminated: Some(t),
                ..Default::default()
            })
            .unwrap_or_default(),
        image: v.image.clone(),
        // Runtimes report no image digests yet.
        image_id: String::new(),
        container_id: v
            .current
            .as_ref()
            .map(|c| format!("{runtime}://{}", c.id))
            .unwrap_or_default(),
        started: Some(running && v.started),
        ports: v
            .current
            .as_ref()
            .map(|c| c.ports.clone())
            .unwrap_or_default(),
    }
}

/// The pod phase for a restart policy, as Kubernetes computes it.
pub fn phase(policy: RestartPolicy, views: &[ContainerView]) -> PodPhase {
    if views.is_empty() || views.iter().any(|v| !v.ever_started) {
        return PodPhase::Pending;
    }
    let exit_of = |v: &ContainerView| -> Option<i32> {
        if v.waiting.is_some() {
            return None;
        }
        v.current.as_ref().and_then(terminated).map(|t| t.exit_code)
    };
    let exits: Vec<Option<i32>> = views.iter().map(exit_of).collect();
    let all_done = exits.iter().all(Option::is_some);
    match policy {
        RestartPolicy::Always => PodPhase::Running,
        RestartPolicy::OnFailure => {
            if all_done && exits.iter().all(|e| *e == Some(0)) {
                PodPhase::Succeeded
            } else {
                PodPhase::Running
            }
        }
        RestartPolicy::Never => {
            if !all_done {
                PodPhase::Running
            } else if exits.iter().any(|e| *e != Some(0)) {
                PodPhase::Failed
            } else {
                PodPhase::Succeeded
            }
        }
    }
}

/// The views of a pod's init containers and of its app containers, apart.
fn split<'a>(
    pod: &Pod,
    views: &'a [ContainerView],
) -> (Vec<&'a ContainerView>, Vec<&'a ContainerView>) {
    views
        .iter()
        .partition(|v| pod.spec.init_containers.iter().any(|c| c.name == v.name))
}

/// Whether an init container is done for the pod's start: completed (a
/// sidecar: running and started).
fn init_done(pod: &Pod, v: &ContainerView) -> bool {
    let sidecar = pod.spec.container(&v.name).is_some_and(|c| c.is_sidecar());
    match v.current.as_ref().map(|c| &c.state) {
        Some(RunState::Running) => sidecar && v.started && v.waiting.is_none(),
        Some(RunState::Exited { code: 0, .. }) => !sidecar,
        _ => false,
    }
}

/// Whether the pod is initialized: every init container is done, or an app
/// container already started (init containers do not run again).
pub fn initialized(pod: &Pod, views: &[ContainerView]) -> bool {
    let (init, app) = split(pod, views);
    app.iter().any(|v| v.ever_started)
        || (init.len() == pod.spec.init_containers.len() && init.iter().all(|v| init_done(pod, v)))
}

/// The pod phase from every container's view (init containers first): as
/// [`phase`] over the app containers once initialized; `Pending` before;
/// `Failed` when an init container failed under `restartPolicy: Never`.
pub fn phase_of(pod: &Pod, views: &[ContainerView]) -> PodPhase {
    let (init, app) = split(pod, views);
    if !initialized(pod, views) {
        let failed = pod.spec.restart_policy == RestartPolicy::Never
            && init.iter().any(|v| {
                v.waiting.is_none()
                    && v.current
                        .as_ref()
                        .and_then(terminated)
                        .is_some_and(|t| t.exit_code != 0)
            });
        return if failed {
            PodPhase::Failed
        } else {
            PodPhase::Pending
        };
    }
    let app: Vec<ContainerView> = app.into_iter().cloned().collect();
    phase(pod.spec.restart_policy, &app)
}

/// The whole status the node reports for a pod, from the views of every
/// container (init containers first). Conditions set by others
/// (PodScheduled) are kept.
pub fn pod_status(
    pod: &Pod,
    views: &[ContainerView],
    runtime: &str,
    host_ip: &str,
    start_time: Time,
) -> PodStatus {
    let is_initialized = initialized(pod, views);
    let (init, app) = split(pod, views);
    // Containers whose turn has not come wait as `PodInitializing`.
    let status_of = |v: &ContainerView| {
        let mut v = v.clone();
        if !is_initialized && v.current.is_none() && v.waiting.is_none() {
            v.waiting = Some(("PodInitializing".into(), String::new()));
        }
        container_status(&v, runtime)
    };
    let statuses: Vec<ContainerStatus> = app.iter().map(|v| status_of(v)).collect();
    let init_statuses: Vec<ContainerStatus> = init
        .iter()
        .map(|v| {
            let mut s = status_of(v);
            // A completed init container is ready, as the kubelet reports it.
            if !pod.spec.container(&v.name).is_some_and(|c| c.is_sidecar()) {
                s.ready = s
                    .state
                    .terminated
                    .as_ref()
                    .is_some_and(|t| t.exit_code == 0);
            }
            s
        })
        .collect();
    let phase = phase_of(pod, views);
    let sidecars_ready = init_statuses
        .iter()
        .filter(|s| pod.spec.container(&s.name).is_some_and(|c| c.is_sidecar()))
        .all(|s| s.ready);
    let ready = phase == PodPhase::Running && sidecars_ready && statuses.iter().all(|c| c.ready);
    let mut conditions = pod.status.conditions.clone();
    let keep_time = |conds: &[Condition], t: &str, ok: bool| -> Option<Time> {
        find_condition(conds, t)
            .filter(|c| c.is_true() == ok)
            .and_then(|c| c.last_transition_time)
    };
    for (t, ok, reason) in [
        (
            "Initialized",
            is_initialized,
            if is_initialized {
                ""
            } else {
                "ContainersNotInitialized"
            },
        ),
        (
            "ContainersReady",
            ready,
            if ready { "" } else { "ContainersNotReady" },
        ),
        (
            "Ready",
            ready,
            if ready { "" } else { "ContainersNotReady" },
        ),
    ] {
        let mut c = Condition::new(t, ok, reason, "");
        if let Some(keep) = keep_time(&conditions, t, ok) {
            c.last_transition_time = Some(keep);
        }
        set_condition(&mut conditions, c);
    }
    as_kept(PodStatus {
        phase,
        conditions,
        host_ip: host_ip.to_string(),
        pod_ip: host_ip.to_string(),
        start_time: pod.status.start_time.or(Some(start_time)),
        container_statuses: statuses,
        init_container_statuses: init_statuses,
        reason: String::new(),
        message: String::new(),
        nominated_node_name: String::new(),
    })
}

/// `s` as the API keeps it: times to the second, as Kubernetes writes
/// `metav1.Time`. A status read back from the API then compares equal to the
/// one computed for an unchanged pod, which is not reported again on every
/// turn (the kubelet's status manager normalizes its statuses the same way).
fn as_kept(s: PodStatus) -> PodStatus {
    serde_json::to_value(&s)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or(s)
}

/// Whether a container that exited with `code` is started again.
pub fn should_restart(policy: RestartPolicy, code: i32) -> bool {
    match policy {
        RestartPolicy::Always => true,
        RestartPolicy::OnFailure => code != 0,
        RestartPolicy::Never => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::testing::container;

    fn info(attempt: u32, state: RunState) -> ContainerInfo {
        ContainerInfo {
            id: format!("u_c_{attempt}"),
            pod_uid: "u".into(),
            pod_name: "p".into(),
            namespace: "default".into(),
            container_name: "c".into(),
            attempt,
            started_at: Time::now(),
            state,
            ports: vec![],
        }
    }

    fn exited(code: i32) -> RunState {
        RunState::Exited {
            code,
            signal: None,
            finished_at: Time::now(),
            reason: if code == 0 { "Completed" } else { "Error" }.into(),
        }
    }

    fn view(current: Option<ContainerInfo>) -> ContainerView {
        let running = current
            .as_ref()
            .is_some_and(|c| c.state == RunState::Running);
        ContainerView {
            name: "c".into(),
            ever_started: current.is_some(),
            started: running,
            ready: running,
            current,
            ..Default::default()
        }
    }

    #[test]
    fn phases_follow_the_restart_policy() {
        let running = view(Some(info(0, RunState::Running)));
        let ok = view(Some(info(0, exited(0))));
        let bad = view(Some(info(0, exited(2))));
        let never_started = view(None);
        use PodPhase::*;
        use RestartPolicy as R;
        assert_eq!(
            phase(R::Always, std::slice::from_ref(&never_started)),
            Pending
        );
        assert_eq!(phase(R::Always, &[running.clone(), ok.clone()]), Running);
        assert_eq!(phase(R::Never, &[ok.clone(), ok.clone()]), Succeeded);
        assert_eq!(phase(R::Never, &[ok.clone(), bad.clone()]), Failed);
        assert_eq!(phase(R::Never, &[running.clone(), bad.clone()]), Running);
        assert_eq!(phase(R::OnFailure, std::slice::from_ref(&ok)), Succeeded);
        assert_eq!(phase(R::OnFailure, std::slice::from_ref(&bad)), Running);
        let mut backing_off = bad.clone();
        backing_off.waiting = Some(("CrashLoopBackOff".into(), "".into()));
        assert_eq!(phase(R::OnFailure, &[backing_off]), Running);
    }

    #[test]
    fn a_crash_looping_container_shows_waiting_with_its_last_exit() {
        let mut v = view(Some(info(3, exited(1))));
        v.waiting = Some(("CrashLoopBackOff".into(), "back-off 8s".into()));
        let s = container_status(&v, "process");
        assert_eq!(s.restart_count, 3);
        assert_eq!(s.state.waiting.as_ref().unwrap().reason, "CrashLoopBackOff");
        assert_eq!(s.last_state.terminated.as_ref().unwrap().exit_code, 1);
        assert!(!s.ready);
        assert_eq!(s.container_id, "process://u_c_3");
    }

    #[test]
    fn a_restarted_container_runs_with_its_previous_exit_as_last_state() {
        let mut v = view(Some(info(1, RunState::Running)));
        v.previous_exit = terminated(&info(0, exited(137)));
        let s = container_status(&v, "process");
        assert!(s.state.running.is_some());
        assert!(s.ready);
        assert_eq!(s.restart_count, 1);
        assert_eq!(s.last_state.terminated.as_ref().unwrap().exit_code, 137);
    }

    #[test]
    fn ready_needs_every_container_running() {
        let mut pod = Pod::test("p");
        pod.spec.containers.push(container("d"));
        let views = [view(Some(info(0, RunState::Running))), view(None)];
        let s = pod_status(&pod, &views, "process", "10.0.0.1", Time::now());
        assert_eq!(s.phase, PodPhase::Pending);
        assert!(!find_condition(&s.conditions, "Ready").unwrap().is_true());
        let views = [
            view(Some(info(0, RunState::Running))),
            view(Some(info(0, RunState::Running))),
        ];
        let s = pod_status(&pod, &views, "process", "10.0.0.1", Time::now());
        assert_eq!(s.phase, PodPhase::Running);
        assert!(find_condition(&s.conditions, "Ready").unwrap().is_true());
        assert_eq!(s.host_ip, "10.0.0.1");
    }

    #[test]
    fn a_running_container_is_ready_only_when_its_probe_says_so() {
        let mut v = view(Some(info(0, RunState::Running)));
        v.ready = false;
        let s = container_status(&v, "process");
        assert!(!s.ready);
        assert_eq!(s.started, Some(true));
        let pod = Pod::test("p");
        let st = pod_status(&pod, &[v], "process", "10.0.0.1", Time::now());
        assert_eq!(st.phase, PodPhase::Running);
        assert!(!find_condition(&st.conditions, "Ready").unwrap().is_true());
    }

    #[test]
    fn restart_decisions_follow_the_policy() {
        assert!(should_restart(RestartPolicy::Always, 0));
        assert!(should_restart(RestartPolicy::OnFailure, 1));
        assert!(!should_restart(RestartPolicy::OnFailure, 0));
        assert!(!should_restart(RestartPolicy::Never, 1));
    }
}
