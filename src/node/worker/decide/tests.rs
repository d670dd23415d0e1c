//! The pod worker's decisions, driven by a simulated runtime and API with an
//! injected clock: no task, no sleep, no I/O.

use super::*;
use crate::api::testing::Build;
use crate::api::{ContainerStatus, ExecAction, Probe, RestartPolicy, find_condition};

/// A runtime and API that answer every action at once, as `Sim`'s fields say.
struct Sim {
    st: PodState,
    now: Now,
    config_error: Option<String>,
    sandbox_error: Option<String>,
    needs_pull: bool,
    start_error: Option<fn() -> RuntimeError>,
    /// Every instance has ended by the time its start returns, with this
    /// exit code and termination message.
    exits_at_once: Option<(i32, &'static str)>,
    report_fails: bool,
    /// The API says the pod is gone.
    pod_gone: bool,
    /// The last status the API took.
    reported: Option<PodStatus>,
}

fn at_start() -> Now {
    Now {
        at: Instant::now(),
        wall: Time::now(),
    }
}

fn pod(policy: RestartPolicy) -> Pod {
    let mut p = Pod::test("p").with_uid("u1").on_node("n1");
    p.spec.restart_policy = policy;
    p
}

/// Instance `attempt` of container `c` of the pod, started at `at`.
fn instance(attempt: u32, at: Time, state: RunState) -> ContainerInfo {
    ContainerInfo {
        id: format!("c-{attempt}"),
        pod_uid: "u1".into(),
        pod_name: "p".into(),
        namespace: "default".into(),
        container_name: "c".into(),
        attempt,
        started_at: at,
        state,
        ports: vec![],
    }
}

fn exited(code: i32, at: Time, reason: &str) -> RunState {
    RunState::Exited {
        code,
        signal: None,
        finished_at: at,
        reason: reason.into(),
    }
}

/// A report of the prober of instance `id` of container `c`.
fn probed(id: &str, report: probe::Report) -> Observation {
    Observation::Probed {
        container: "c".into(),
        id: id.into(),
        report,
    }
}

fn liveness_gave_up(message: &str) -> probe::Report {
    probe::Report::Unhealthy {
        kind: probe::Kind::Liveness,
        message: message.into(),
    }
}

fn exec_probe(failures: i32) -> Probe {
    Probe {
        exec: Some(ExecAction {
            command: vec!["true".into()],
        }),
        failure_threshold: Some(failures),
        ..Default::default()
    }
}

impl Sim {
    fn new(pod: Pod) -> Sim {
        let now = at_start();
        Sim {
            st: PodState::new(Arc::new(pod), Ok("process"), "10.0.0.1", now),
            now,
            config_error: None,
            sandbox_error: None,
            needs_pull: false,
            start_error: None,
            exits_at_once: None,
            report_fails: false,
            pod_gone: false,
            reported: None,
        }
    }

    /// A pod whose only container `c` runs, started by the first turn.
    fn running(pod: Pod) -> Sim {
        let mut s = Sim::new(pod);
        s.turn(Observation::Adopted(vec![]));
        assert_eq!(s.current().state, RunState::Running);
        s
    }

    fn advance(&mut self, d: Duration) {
        self.now.at += d;
        self.now.wall = Time(self.now.wall.0 + chrono::Duration::from_std(d).unwrap());
    }

    /// One turn from `obs`: every action with a result is answered, and the
    /// answer decided on, until the turn waits or finishes. Returns every
    /// action of the turn, in order.
    fn turn(&mut self, obs: Observation) -> Vec<Action> {
        let mut done = vec![];
        let mut queue: VecDeque<Action> = decide(&mut self.st, obs, self.now).into();
        while let Some(a) = queue.pop_front() {
            if let Some(result) = self.answer(&a) {
                for next in decide(&mut self.st, result, self.now).into_iter().rev() {
                    queue.push_front(next);
                }
            }
            let last = matches!(a, Action::Wait { .. } | Action::Finish);
            done.push(a);
            if last {
                assert!(queue.is_empty(), "nothing after the end of a turn");
            }
        }
        assert!(
            matches!(done.last(), Some(Action::Wait { .. } | Action::Finish)),
            "a turn ends with Wait or Finish: {done:?}"
        );
        done
    }

    fn answer(&mut self, a: &Action) -> Option<Observation> {
        Some(match a {
            Action::ResolveConfig => {
                Observation::ConfigResolved(self.config_error.clone().map_or(Ok(()), Err))
            }
            Action::AllocatePorts(needed) => Observation::PortsAllocated(
                needed
                    .iter()
                    .map(|(name, ports)| {
                        let ports = ports
                            .iter()
                            .map(|p| ContainerPort {
                                host_port: Some(31000 + p.container_port),
                                ..p.clone()
                            })
                            .collect();
                        (name.clone(), ports)
                    })
                    .collect(),
            ),
            Action::PreparePod(_) => Observation::PodPrepared(match &self.sandbox_error {
                Some(m) => Err(RuntimeError::Other(m.clone())),
                None => Ok(()),
            }),
            Action::CheckImage(l) => Observation::ImageChecked {
                container: l.container.clone(),
                result: Ok(self.needs_pull),
            },
            Action::Start(l) => Observation::ContainerStarted {
                container: l.container.clone(),
                attempt: l.attempt,
                result: match self.start_error {
                    Some(e) => Err(e()),
                    None => Ok(ContainerInfo {
                        id: format!("{}-{}", l.container, l.attempt),
                        pod_uid: "u1".into(),
                        pod_name: "p".into(),
                        namespace: "default".into(),
                        container_name: l.container.clone(),
                        attempt: l.attempt,
                        started_at: self.now.wall,
                        state: match self.exits_at_once {
                            Some((code, _)) => exited(code, self.now.wall, "Error"),
                            None => RunState::Running,
                        },
                        ports: l.ports.clone(),
                    }),
                },
                message: self.exits_at_once.map(|(_, m)| m.to_string()),
            },
            Action::Report(status) => {
                if self.pod_gone {
                    Observation::StatusReported(Reported::Gone)
                } else if self.report_fails {
                    Observation::StatusReported(Reported::Failed)
                } else {
                    self.reported = Some((**status).clone());
                    let mut p = self.st.pod().as_ref().clone();
                    p.status = (**status).clone();
                    // The API keeps what it was sent as JSON: times to the second.
                    let p = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
                    Observation::StatusReported(Reported::Accepted(Box::new(p)))
                }
            }
            _ => return None,
        })
    }

    fn view(&self) -> ContainerView {
        self.st.views().remove(0)
    }

    fn current(&self) -> ContainerInfo {
        self.view().current.expect("an instance")
    }

    /// The current instance exits with `code` after running for `ran`.
    fn exit(&mut self, code: i32, ran: Duration) -> Vec<Action> {
        let mut info = self.current();
        let finished = Time(info.started_at.0 + chrono::Duration::from_std(ran).unwrap());
        info.state = exited(
            code,
            finished,
            if code == 0 { "Completed" } else { "Error" },
        );
        self.turn(Observation::Exited {
            container: "c".into(),
            info,
        })
    }

    /// Lets time pass to the next timer and takes that turn.
    fn wake(&mut self) -> Vec<Action> {
        let at = self.st.next_wake().expect("a timer");
        self.advance(at.saturating_duration_since(self.now.at));
        self.turn(Observation::Woke)
    }

    fn status(&self) -> ContainerStatus {
        self.reported.as_ref().expect("a report").container_statuses[0].clone()
    }

    fn waiting(&self) -> Option<(String, String)> {
        self.view().waiting
    }
}

fn waits_until(actions: &[Action]) -> Option<Instant> {
    match actions.last() {
        Some(Action::Wait { until, .. }) => *until,
        other => panic!("the turn does not wait: {other:?}"),
    }
}

fn starts(actions: &[Action]) -> Vec<u32> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Start(l) => Some(l.attempt),
            _ => None,
        })
        .collect()
}

fn events(actions: &[Action]) -> Vec<(&'static str, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Event {
                reason, message, ..
            } => Some((*reason, message.clone())),
            _ => None,
        })
        .collect()
}

fn reports(actions: &[Action]) -> usize {
    actions
        .iter()
        .filter(|a| matches!(a, Action::Report(_)))
        .count()
}

#[test]
fn a_new_pod_resolves_config_prepares_its_sandbox_then_checks_and_starts_each_container() {
    let mut s = Sim::new(pod(RestartPolicy::Always));
    let actions = s.turn(Observation::Adopted(vec![]));
    let kinds: Vec<&str> = actions
        .iter()
        .map(|a| match a {
            Action::ResolveConfig => "resolve",
            Action::PreparePod(_) => "prepare",
            Action::CheckImage(_) => "check",
            Action::Start(_) => "start",
            Action::WatchExit { .. } => "watch",
            Action::Event { .. } => "event",
            Action::Report(_) => "report",
            Action::Wait { .. } => "wait",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "resolve", "prepare", "check", "start", "watch", "event", "report", "wait"
        ]
    );
    assert_eq!(
        events(&actions),
        [("Started", "Started container c".into())]
    );
    let st = s.reported.as_ref().unwrap();
    assert_eq!(st.phase, crate::api::PodPhase::Running);
    assert!(find_condition(&st.conditions, "Ready").unwrap().is_true());
    assert_eq!(
        waits_until(&actions),
        None,
        "nothing to wait for but messages"
    );
}

#[test]
fn a_container_that_ended_before_its_start_returned_is_reported_with_its_message() {
    let mut s = Sim::new(pod(RestartPolicy::Never));
    s.exits_at_once = Some((3, "last words\n"));
    s.turn(Observation::Adopted(vec![]));
    // The first status that says it ended carries the message: the pod
    // worker does not wait for the exit watch to read it.
    let status = s.reported.clone().unwrap();
    assert_eq!(status.phase, crate::api::PodPhase::Failed);
    let t = status.container_statuses[0]
        .state
        .terminated
        .clone()
        .unwrap();
    assert_eq!((t.exit_code, t.message.as_str()), (3, "last words\n"));
}

#[test]
fn restart_policies_decide_which_exits_start_the_container_again() {
    use RestartPolicy::*;
    for (policy, code, restarts) in [
        (Always, 0, true),
        (Always, 1, true),
        (OnFailure, 0, false),
        (OnFailure, 1, true),
        (Never, 0, false),
        (Never, 1, false),
    ] {
        let mut s = Sim::running(pod(policy));
        let actions = s.exit(code, Duration::from_secs(5));
        let case = format!("{policy:?} after exit code {code}");
        assert!(
            actions
                .iter()
                .any(|a| matches!(a, Action::StopProbing { .. })),
            "{case}"
        );
        if restarts {
            assert_eq!(
                waits_until(&actions),
                Some(s.now.at + BACKOFF_START),
                "{case}"
            );
            assert_eq!(s.waiting().unwrap().0, "CrashLoopBackOff", "{case}");
            assert_eq!(starts(&s.wake()), [1], "{case}");
            assert_eq!(s.current().state, RunState::Running, "{case}");
        } else {
            assert_eq!(waits_until(&actions), None, "{case}");
            assert_eq!(s.waiting(), None, "{case}");
            assert!(starts(&s.turn(Observation::Woke)).is_empty(), "{case}");
        }
    }
}

#[test]
fn restart_delays_double_from_one_second_up_to_a_minute() {
    let mut s = Sim::running(pod(RestartPolicy::Always));
    let mut delays = vec![];
    for attempt in 1..=9 {
        let actions = s.exit(1, Duration::from_secs(1));
        let until = waits_until(&actions).unwrap();
        delays.push((until - s.now.at).as_secs());
        assert!(
            starts(&s.turn(Observation::Woke)).is_empty(),
            "nothing starts before its delay"
        );
        assert_eq!(starts(&s.wake()), [attempt]);
    }
    assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    assert_eq!(s.current().attempt, 9);
}

#[test]
fn ten_minutes_of_running_start_the_backoff_over() {
    let mut s = Sim::running(pod(RestartPolicy::Always));
    for _ in 0..4 {
        s.exit(1, Duration::from_secs(1));
        s.wake();
    }
    let delay = |a: &[Action], now: Instant| (waits_until(a).unwrap() - now).as_secs();
    let a = s.exit(1, BACKOFF_RESET - Duration::from_secs(1));
    assert_eq!(
        delay(&a, s.now.at),
        16,
        "a run short of ten minutes keeps doubling"
    );
    s.wake();
    let a = s.exit(1, BACKOFF_RESET);
    assert_eq!(delay(&a, s.now.at), 1, "ten minutes of running start over");
    s.wake();
    let a = s.exit(1, Duration::ZERO);
    assert_eq!(delay(&a, s.now.at), 2);
}

#[test]
fn a_container_waiting_to_restart_is_reported_in_crash_loop_back_off() {
    let mut s = Sim::running(pod(RestartPolicy::Always));
    s.exit(1, Duration::from_secs(3));
    s.wake();
    let actions = s.exit(2, Duration::from_secs(3));
    assert_eq!(reports(&actions), 1);
    let st = s.status();
    let waiting = st.state.waiting.expect("waiting");
    assert_eq!(waiting.reason, "CrashLoopBackOff");
    assert_eq!(
        waiting.message,
        "back-off 2s restarting failed container=c pod=p"
    );
    assert_eq!(st.last_state.terminated.unwrap().exit_code, 2);
    assert_eq!(st.restart_count, 1);
    assert!(!st.ready);
    // Restarted: running again, the exit before as its last state.
    let actions = s.wake();
    assert_eq!(
        events(&actions),
        [(
            "Started",
            "Restarted container c (restart 2) after it exited with code 2".into()
        )]
    );
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Remove { ids } if ids == &["c-0".to_string()])),
        "only one earlier instance is kept, for logs --previous"
    );
    let st = s.status();
    assert!(st.state.running.is_some());
    assert_eq!(st.restart_count, 2);
}

#[test]
fn a_start_failure_waits_with_its_reason_and_backs_off() {
    let mut s = Sim::new(pod(RestartPolicy::Always));
    s.start_error = Some(|| RuntimeError::Start("no `command`".into()));
    let actions = s.turn(Observation::Adopted(vec![]));
    assert_eq!(
        events(&actions),
        [("Failed", "Error: no `command`".to_string())]
    );
    assert_eq!(
        s.waiting(),
        Some(("RunContainerError".into(), "no `command`".into()))
    );
    assert_eq!(
        waits_until(&actions),
        Some(s.now.at + Duration::from_secs(1))
    );
    let actions = s.wake();
    assert_eq!(starts(&actions), [1], "each try is a new attempt");
    assert_eq!(
        waits_until(&actions),
        Some(s.now.at + Duration::from_secs(2))
    );
    s.start_error = None;
    s.wake();
    assert_eq!(s.current().attempt, 2);
    assert_eq!(s.waiting(), None);
}

#[test]
fn without_a_startup_probe_a_container_is_started_once_running_and_the_prober_saying_so_costs_no_write()
 {
    let mut p = pod(RestartPolicy::Always);
    p.spec.containers[0].readiness_probe = Some(exec_probe(3));
    let mut s = Sim::new(p);
    let actions = s.turn(Observation::Adopted(vec![]));
    assert_eq!(reports(&actions), 1);
    assert_eq!(s.status().started, Some(true));
    assert!(!s.status().ready, "not before its readiness probe passes");
    assert_eq!(reports(&s.turn(probed("c-0", probe::Report::Started))), 0);
    assert_eq!(
        reports(&s.turn(probed("c-0", probe::Report::Ready(true)))),
        1
    );
    assert!(s.status().ready);
    // A liveness probe alone gates nothing: ready at once.
    let mut p = pod(RestartPolicy::Always);
    p.spec.containers[0].liveness_probe = Some(exec_probe(3));
    let mut s = Sim::new(p);
    s.turn(Observation::Adopted(vec![]));
    assert!(s.status().ready);
    assert_eq!(reports(&s.turn(probed("c-0", probe::Report::Started))), 0);
    assert_eq!(
        reports(&s.turn(probed("c-0", probe::Report::Ready(true)))),
        0
    );
    // A startup probe holds both until it passes.
    let mut p = pod(RestartPolicy::Always);
    p.spec.containers[0].startup_probe = Some(exec_probe(3));
    let mut s = Sim::new(p);
    s.turn(Observation::Adopted(vec![]));
    assert_eq!(s.status().started, Some(false));
    assert!(!s.status().ready);
    s.turn(probed("c-0", probe::Report::Started));
    assert_eq!(s.status().started, Some(true));
}

#[test]
fn a_readiness_probe_decides_when_the_container_is_ready() {
    let mut p = pod(RestartPolicy::Always);
    p.spec.containers[0].readiness_probe = Some(exec_probe(3));
    let mut s = Sim::new(p);
    let actions = s.turn(Observation::Adopted(vec![]));
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Probe { instance, .. } if instance.id == "c-0"))
    );
    assert!(!s.status().ready);
    s.turn(probed("c-0", probe::Report::Started));
    assert_eq!(s.status().started, Some(true));
    assert!(!s.status().ready);
    s.turn(probed("c-0", probe::Report::Ready(true)));
    assert!(s.status().ready);
    let st = s.reported.as_ref().unwrap();
    assert!(find_condition(&st.conditions, "Ready").unwrap().is_true());
    let actions = s.turn(probed(
        "c-0",
        probe::Report::Failed {
            kind: probe::Kind::Readiness,
            message: "exit 1".into(),
        },
    ));
    assert_eq!(
        events(&actions),
        [("Unhealthy", "Readiness probe failed: exit 1".to_string())]
    );
    assert_eq!(reports(&actions), 0, "one failed check changes nothing");
    s.turn(probed("c-0", probe::Report::Ready(false)));
    assert!(!s.status().ready);
}

#[test]
fn a_container_without_probes_is_started_and_ready_at_once() {
    let s = Sim::running(pod(RestartPolicy::Always));
    let st = s.status();
    assert_eq!(st.started, Some(true));
    assert!(st.ready);
}

#[test]
fn an_unhealthy_container_is_killed_with_the_pods_grace_period_and_restarted() {
    let mut p = pod(RestartPolicy::Always);
    p.spec.termination_grace_period_seconds = Some(7);
    p.spec.containers[0].liveness_probe = Some(exec_probe(3));
    let mut s = Sim::running(p);
    let actions = s.turn(probed("c-0", liveness_gave_up("exit 1")));
    assert!(matches!(
        &actions[0],
        Action::Kill { id, grace } if id == "c-0" && *grace == Duration::from_secs(7)
    ));
    assert_eq!(
        events(&actions),
        [(
            "Killing",
            "Container c failed liveness probe, will be restarted".to_string()
        )]
    );
    // The kill ends the instance; the policy restarts it.
    s.exit(137, Duration::from_secs(30));
    assert_eq!(starts(&s.wake()), [1]);
}

#[test]
fn probe_reports_about_an_earlier_instance_are_ignored() {
    let mut p = pod(RestartPolicy::Always);
    p.spec.containers[0].liveness_probe = Some(exec_probe(1));
    let mut s = Sim::running(p);
    let actions = s.turn(probed("c-old", liveness_gave_up("late")));
    assert!(!actions.iter().any(|a| matches!(a, Action::Kill { .. })));
    assert!(events(&actions).is_empty());
}

#[test]
fn deleting_a_pod_stops_its_containers_within_what_is_left_of_the_grace_period() {
    let mut s = Sim::running(pod(RestartPolicy::Always));
    let mut deleting = s.st.pod().as_ref().clone();
    deleting.metadata.deletion_timestamp = Some(Time(s.now.wall.0 + chrono::Duration::seconds(30)));
    deleting.metadata.deletion_grace_period_seconds = Some(30);
    deleting.metadata.resource_version = "100".into();
    // Seen 10 s after the deletion was asked for: 20 s are left.
    s.advance(Duration::from_secs(10));
    let actions = s.turn(Observation::Updated(Arc::new(deleting)));
    assert_eq!(
        events(&actions),
        [(
            "Killing",
            "Stopping containers (grace period 20s)".to_string()
        )]
    );
    match &actions[1] {
        Action::StopAll {
            running,
            instances,
            grace,
            ..
        } => {
            assert_eq!(running, &["c-0".to_string()]);
            assert_eq!(instances, &["c-0".to_string()]);
            assert_eq!(
                *grace,
                Duration::from_secs(20),
                "SIGKILL after the grace left"
            );
        }
        other => panic!("expected StopAll, got {other:?}"),
    }
    assert!(matches!(
        &actions[2..],
        [Action::DeletePod, Action::CleanUpVolumes, Action::Finish]
    ));
}

#[test]
fn a_pod_gone_from_the_node_is_stopped_with_its_own_grace_period_and_not_deleted() {
    let mut p = pod(RestartPolicy::Always);
    p.spec.termination_grace_period_seconds = Some(5);
    let mut s = Sim::running(p);
    let actions = s.turn(Observation::Removed);
    assert!(matches!(
        &actions[..],
        [
            Action::StopAll { grace, .. },
            Action::CleanUpVolumes,
            Action::Finish
        ] if *grace == Duration::from_secs(5)
    ));
}

#[test]
fn a_pod_the_api_no_longer_has_is_stopped_at_the_next_turn() {
    let mut s = Sim::running(pod(RestartPolicy::Always));
    s.pod_gone = true;
    let actions = s.exit(1, Duration::ZERO);
    assert!(
        matches!(actions.last(), Some(Action::Wait { .. })),
        "the report that finds it gone ends the turn"
    );
    let actions = s.wake();
    assert!(matches!(
        &actions[..],
        [
            Action::StopAll { .. },
            Action::CleanUpVolumes,
            Action::Finish
        ]
    ));
}

#[test]
fn a_sandbox_that_cannot_be_prepared_is_retried_with_doubling_delays() {
    let mut s = Sim::new(pod(RestartPolicy::Always));
    s.sandbox_error = Some("port 80 is taken".into());
    let actions = s.turn(Observation::Adopted(vec![]));
    assert_eq!(
        events(&actions),
        [(
            "FailedCreatePodSandBox",
            "Failed to create pod sandbox: port 80 is taken".to_string()
        )]
    );
    assert_eq!(
        s.waiting(),
        Some(("ContainerCreating".into(), "port 80 is taken".into()))
    );
    let mut delays = vec![(waits_until(&actions).unwrap() - s.now.at).as_secs()];
    for _ in 0..3 {
        let a = s.wake();
        delays.push((waits_until(&a).unwrap() - s.now.at).as_secs());
    }
    assert_eq!(delays, [1, 2, 4, 8]);
    s.sandbox_error = None;
    assert_eq!(starts(&s.wake()), [0]);
}

#[test]
fn a_config_error_is_reported_once_and_retried_every_two_seconds() {
    let mut s = Sim::new(pod(RestartPolicy::Always));
    s.config_error = Some("configmap \"app\" not found".into());
    let actions = s.turn(Observation::Adopted(vec![]));
    assert_eq!(events(&actions).len(), 1);
    assert_eq!(s.waiting().unwrap().0, "CreateContainerConfigError");
    for _ in 0..3 {
        let a = s.wake();
        assert!(
            events(&a).is_empty(),
            "the same error is not reported again"
        );
        assert_eq!(waits_until(&a), Some(s.now.at + Duration::from_secs(2)));
    }
    s.config_error = None;
    assert_eq!(starts(&s.wake()), [0]);
}

#[test]
fn a_pod_asking_for_a_runtime_this_node_lacks_waits_with_a_config_error() {
    let now = at_start();
    let mut st = PodState::new(
        Arc::new(pod(RestartPolicy::Always)),
        Err("no runtime \"gvisor\" here".into()),
        "10.0.0.1",
        now,
    );
    let actions = decide(&mut st, Observation::Adopted(vec![]), now);
    assert!(matches!(
        &actions[0],
        Action::Event {
            reason: "Failed",
            ..
        }
    ));
    assert!(matches!(&actions[1], Action::Report(_)));
    assert_eq!(
        st.views()[0].waiting.as_ref().unwrap().0,
        "CreateContainerConfigError"
    );
}

#[test]
fn pull_failures_back_off_as_err_image_pull_then_image_pull_back_off() {
    let mut s = Sim::new(pod(RestartPolicy::Always));
    s.needs_pull = true;
    let actions = s.turn(Observation::Adopted(vec![]));
    assert!(actions.iter().any(|a| matches!(a, Action::Pull(_))));
    assert_eq!(
        events(&actions),
        [("Pulling", "Pulling image \"busybox\"".to_string())]
    );
    assert_eq!(waits_until(&actions), None, "the pull reports back");
    let failed = |s: &mut Sim| {
        s.turn(Observation::Pulled {
            container: "c".into(),
            result: Err(("ErrImagePull", "no such host".into())),
        })
    };
    let a = failed(&mut s);
    assert_eq!(s.waiting().unwrap().0, "ErrImagePull");
    assert_eq!(events(&a)[0].0, "Failed");
    assert_eq!(waits_until(&a), Some(s.now.at + Duration::from_secs(1)));
    assert!(s.wake().iter().any(|a| matches!(a, Action::Pull(_))));
    let a = failed(&mut s);
    assert_eq!(s.waiting().unwrap().0, "ImagePullBackOff");
    assert_eq!(events(&a)[0].0, "BackOff");
    assert_eq!(waits_until(&a), Some(s.now.at + Duration::from_secs(2)));
    s.wake();
    let a = s.turn(Observation::Pulled {
        container: "c".into(),
        result: Ok(Duration::from_millis(1500)),
    });
    assert_eq!(
        events(&a)[0],
        (
            "Pulled",
            "Successfully pulled image \"busybox\" in 1.500s".to_string()
        )
    );
    assert!(
        !a.iter().any(|a| matches!(a, Action::CheckImage(_))),
        "a pulled image is not checked again"
    );
    assert_eq!(starts(&a), [0]);
}

#[test]
fn adopted_instances_keep_their_restart_count_and_running_ones_are_not_started_again() {
    let mut s = Sim::new(pod(RestartPolicy::Always));
    let now = s.now.wall;
    let old = instance(2, now, exited(1, now, "Error"));
    let actions = s.turn(Observation::Adopted(vec![
        instance(3, now, RunState::Running),
        old,
    ]));
    assert!(starts(&actions).is_empty());
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::WatchExit { id, .. } if id == "c-3"))
    );
    let st = s.status();
    assert_eq!(st.restart_count, 3);
    assert_eq!(st.last_state.terminated.unwrap().exit_code, 1);
    // Its next restart is attempt 4.
    s.exit(1, Duration::ZERO);
    assert_eq!(starts(&s.wake()), [4]);
}

#[test]
fn an_adopted_instance_that_exited_meanwhile_is_restarted_after_its_backoff() {
    let mut s = Sim::new(pod(RestartPolicy::Always));
    let now = s.now.wall;
    let gone = instance(0, now, exited(137, now, "ContainerStatusUnknown"));
    let actions = s.turn(Observation::Adopted(vec![gone]));
    assert!(starts(&actions).is_empty());
    assert_eq!(waits_until(&actions), Some(s.now.at + BACKOFF_START));
    assert_eq!(starts(&s.wake()), [1]);
}

#[test]
fn status_is_reported_only_when_it_changes_and_retried_after_a_failure() {
    let mut s = Sim::running(pod(RestartPolicy::Always));
    assert_eq!(reports(&s.turn(Observation::Woke)), 0, "nothing changed");
    s.report_fails = true;
    let actions = s.exit(1, Duration::ZERO);
    assert_eq!(reports(&actions), 1);
    // The retry (2 s) comes after the restart (1 s): the restart's turn does not report.
    assert_eq!(waits_until(&actions), Some(s.now.at + BACKOFF_START));
    let a = s.wake();
    assert_eq!(starts(&a), [1]);
    assert_eq!(reports(&a), 0, "not before the retry is due");
    s.report_fails = false;
    let a = s.wake();
    assert_eq!(reports(&a), 1);
    assert_eq!(s.status().restart_count, 1);
}

#[test]
fn host_ports_are_allocated_once_per_pod_and_kept_across_restarts() {
    let mut p = pod(RestartPolicy::Always);
    p.spec.containers[0].ports = vec![ContainerPort {
        name: "http".into(),
        container_port: 80,
        ..Default::default()
    }];
    let mut s = Sim::new(p);
    let actions = s.turn(Observation::Adopted(vec![]));
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::AllocatePorts(_)))
    );
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::PreparePod(sb) if sb.ports[0].host_port == Some(31080)))
    );
    s.exit(1, Duration::ZERO);
    let actions = s.wake();
    assert!(
        !actions
            .iter()
            .any(|a| matches!(a, Action::AllocatePorts(_)))
    );
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Start(l) if l.ports[0].host_port == Some(31080)))
    );
}

#[test]
fn config_volumes_are_compared_with_their_sources_every_thirty_seconds_and_when_announced() {
    let mut p = pod(RestartPolicy::Always);
    p.spec.volumes = vec![crate::api::volume::Volume {
        name: "cfg".into(),
        config_map: Some(crate::api::volume::ConfigMapVolumeSource {
            name: "app".into(),
            ..Default::default()
        }),
        ..Default::default()
    }];
    let mut s = Sim::new(p);
    let refreshes = |a: &[Action]| {
        a.iter()
            .filter(|a| matches!(a, Action::RefreshVolumes))
            .count()
    };
    let actions = s.turn(Observation::Adopted(vec![]));
    assert_eq!(refreshes(&actions), 1);
    assert!(matches!(
        actions.last(),
        Some(Action::Wait { until: Some(t), follow_config: true }) if *t == s.now.at + VOLUME_REFRESH
    ));
    s.advance(Duration::from_secs(5));
    assert_eq!(refreshes(&s.turn(Observation::Woke)), 0, "not due yet");
    assert_eq!(refreshes(&s.turn(Observation::ConfigAnnounced)), 1);
    assert_eq!(refreshes(&s.wake()), 1, "and again 30 s later");
}

mod init;
