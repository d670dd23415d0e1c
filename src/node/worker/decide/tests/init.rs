//! Init containers and sidecars in the pod worker's decisions.

use super::*;
use crate::api::PodPhase;
use crate::api::testing::container;

/// A pod with init containers `init` (those named `sc*` are sidecars) and
/// the app container `c`.
fn pod_with_init(policy: RestartPolicy, init: &[&str]) -> Pod {
    let mut p = pod(policy);
    p.spec.init_containers = init
        .iter()
        .map(|n| {
            let mut c = container(n);
            if n.starts_with("sc") {
                c.restart_policy = Some(RestartPolicy::Always);
            }
            c
        })
        .collect();
    p
}

fn started(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Start(l) => Some(l.container.clone()),
            _ => None,
        })
        .collect()
}

fn view_of(s: &Sim, name: &str) -> ContainerView {
    s.st.views()
        .into_iter()
        .find(|v| v.name == name)
        .expect("a view")
}

/// The current instance of `name` exits with `code`.
fn exit_of(s: &mut Sim, name: &str, code: i32) -> Vec<Action> {
    let mut info = view_of(s, name).current.expect("an instance");
    info.state = exited(
        code,
        s.now.wall,
        if code == 0 { "Completed" } else { "Error" },
    );
    s.turn(Observation::Exited {
        container: name.into(),
        info,
    })
}

/// The STATUS column of the pod as last reported.
fn column(s: &Sim) -> String {
    s.st.pod().display_status()
}

#[test]
fn init_containers_run_one_at_a_time_in_order_before_the_app_containers() {
    let mut s = Sim::new(pod_with_init(RestartPolicy::Always, &["i1", "i2"]));
    let a = s.turn(Observation::Adopted(vec![]));
    assert_eq!(started(&a), ["i1"]);
    assert_eq!(column(&s), "Init:0/2");
    let st = s.reported.clone().unwrap();
    assert_eq!(st.phase, PodPhase::Pending);
    assert_eq!(st.init_container_statuses.len(), 2);
    assert_eq!(
        st.container_statuses[0]
            .state
            .waiting
            .as_ref()
            .unwrap()
            .reason,
        "PodInitializing"
    );
    assert!(
        !find_condition(&st.conditions, "Initialized")
            .unwrap()
            .is_true()
    );
    let a = exit_of(&mut s, "i1", 0);
    assert_eq!(started(&a), ["i2"]);
    assert_eq!(column(&s), "Init:1/2");
    let a = exit_of(&mut s, "i2", 0);
    assert_eq!(started(&a), ["c"]);
    let st = s.reported.clone().unwrap();
    assert_eq!(st.phase, PodPhase::Running);
    assert!(
        find_condition(&st.conditions, "Initialized")
            .unwrap()
            .is_true()
    );
    assert!(st.init_container_statuses.iter().all(|c| c.ready));
    assert_eq!(column(&s), "Running");
    assert_eq!(s.st.pod().ready_count(), (1, 1));
}

#[test]
fn a_failed_init_container_fails_a_pod_that_never_restarts() {
    let mut s = Sim::new(pod_with_init(RestartPolicy::Never, &["i1", "i2"]));
    s.turn(Observation::Adopted(vec![]));
    let a = exit_of(&mut s, "i1", 3);
    assert!(started(&a).is_empty(), "nothing starts after: {a:?}");
    let st = s.reported.clone().unwrap();
    assert_eq!(st.phase, PodPhase::Failed);
    assert_eq!(column(&s), "Init:Error");
    assert!(view_of(&s, "c").current.is_none());
    assert_eq!(s.st.next_wake(), None, "no restart is scheduled");
}

#[test]
fn a_failing_init_container_backs_off_and_shows_init_crash_loop_back_off() {
    let mut s = Sim::new(pod_with_init(RestartPolicy::Always, &["i1"]));
    s.turn(Observation::Adopted(vec![]));
    let a = exit_of(&mut s, "i1", 1);
    assert!(started(&a).is_empty());
    assert_eq!(column(&s), "Init:CrashLoopBackOff");
    assert_eq!(s.reported.as_ref().unwrap().phase, PodPhase::Pending);
    let a = s.wake();
    assert_eq!(started(&a), ["i1"], "restarted after its backoff");
    assert_eq!(s.st.pod().restart_count(), 1);
    // An init container that succeeds is not run again (OnFailure).
    let a = exit_of(&mut s, "i1", 0);
    assert_eq!(started(&a), ["c"]);
}

#[test]
fn a_sidecar_starts_before_the_next_init_and_keeps_running_until_the_app_is_done() {
    let mut s = Sim::new(pod_with_init(RestartPolicy::Never, &["sc1", "i1"]));
    let a = s.turn(Observation::Adopted(vec![]));
    assert_eq!(
        started(&a),
        ["sc1", "i1"],
        "a started sidecar does not block"
    );
    let a = exit_of(&mut s, "i1", 0);
    assert_eq!(started(&a), ["c"]);
    assert_eq!(s.st.pod().ready_count(), (2, 2), "the sidecar counts");
    // A sidecar that exits is started again, even under restartPolicy Never.
    exit_of(&mut s, "sc1", 1);
    let a = s.wake();
    assert_eq!(started(&a), ["sc1"]);
    // The app container completes: the pod succeeds and the sidecar is stopped.
    let a = exit_of(&mut s, "c", 0);
    assert_eq!(s.reported.as_ref().unwrap().phase, PodPhase::Succeeded);
    let killed: Vec<&String> = a
        .iter()
        .filter_map(|a| match a {
            Action::Kill { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(killed, ["sc1-1"]);
    let a = exit_of(&mut s, "sc1", 143);
    assert!(started(&a).is_empty(), "a stopped sidecar stays stopped");
    assert_eq!(s.reported.as_ref().unwrap().phase, PodPhase::Succeeded);
    assert_eq!(column(&s), "Completed");
}

#[test]
fn a_sidecars_startup_probe_holds_the_next_init_container() {
    let mut p = pod_with_init(RestartPolicy::Always, &["sc1", "i1"]);
    p.spec.init_containers[0].startup_probe = Some(exec_probe(3));
    let mut s = Sim::new(p);
    let a = s.turn(Observation::Adopted(vec![]));
    assert_eq!(started(&a), ["sc1"]);
    assert_eq!(column(&s), "Init:0/2");
    let a = s.turn(Observation::Probed {
        container: "sc1".into(),
        id: "sc1-0".into(),
        report: probe::Report::Started,
    });
    assert_eq!(started(&a), ["i1"]);
    assert_eq!(column(&s), "Init:1/2");
}

#[test]
fn deleting_a_pod_stops_its_sidecars_after_its_app_containers() {
    let mut s = Sim::new(pod_with_init(RestartPolicy::Always, &["sc1", "sc2"]));
    s.turn(Observation::Adopted(vec![]));
    let mut p = s.st.pod().as_ref().clone();
    p.metadata.deletion_timestamp = Some(s.now.wall);
    p.metadata.deletion_grace_period_seconds = Some(30);
    let a = s.turn(Observation::Updated(Arc::new(p)));
    let stop = a
        .iter()
        .find_map(|a| match a {
            Action::StopAll {
                running, sidecars, ..
            } => Some((running.clone(), sidecars.clone())),
            _ => None,
        })
        .expect("a StopAll");
    assert_eq!(stop.0, ["c-0"]);
    assert_eq!(
        stop.1,
        ["sc2-0", "sc1-0"],
        "sidecars last, in reverse order"
    );
}
