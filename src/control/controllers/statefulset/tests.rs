//! Table tests of the StatefulSet reconcile: ordering, scale-down order,
//! partitioned updates, claim naming and retention.

use super::*;
use crate::api::meta::Condition as Cond;
use crate::api::testing::Build;

fn set(replicas: i32) -> StatefulSet {
    StatefulSet::test("web", replicas).with_uid("set-uid")
}

/// The pod of `ordinal` as the controller makes it, in a given state.
#[derive(Clone, Copy)]
enum S {
    Pending,
    Running,
    Ready,
    Terminating,
    Failed,
}

fn pod(set: &StatefulSet, ordinal: i32, state: S) -> Arc<Pod> {
    pod_at(set, ordinal, state, &revision_of(set))
}

fn pod_at(set: &StatefulSet, ordinal: i32, state: S, rev: &str) -> Arc<Pod> {
    let mut p = new_pod(set, ordinal, rev, None);
    p.metadata.uid = format!("uid-{ordinal}");
    if !matches!(state, S::Pending) {
        p.spec.node_name = "n1".into();
        p.status.phase = PodPhase::Running;
    }
    if matches!(state, S::Ready | S::Terminating) {
        p.status.conditions = vec![Cond::new("Ready", true, "", "")];
    }
    if matches!(state, S::Terminating) {
        p.metadata.deletion_timestamp = Some(Time::now());
    }
    if matches!(state, S::Failed) {
        p.status.phase = PodPhase::Failed;
    }
    Arc::new(p)
}

fn names(pods: &[Pod]) -> Vec<&str> {
    pods.iter().map(|p| p.metadata.name.as_str()).collect()
}

fn plan(set: &StatefulSet, pods: &[Arc<Pod>]) -> Plan {
    let claims: HashSet<String> = (0..10).map(|o| format!("data-web-{o}")).collect();
    reconcile(set, pods, &claims, Time::now())
}

#[test]
fn ordered_ready_creates_one_pod_at_a_time_in_order() {
    let s = set(3);
    // (pods that exist, pods created next)
    type Row = (Vec<(i32, S)>, Vec<&'static str>);
    let table: Vec<Row> = vec![
        (vec![], vec!["web-0"]),
        (vec![(0, S::Pending)], vec![]),
        (vec![(0, S::Running)], vec![]),
        (vec![(0, S::Ready)], vec!["web-1"]),
        (vec![(0, S::Ready), (1, S::Ready)], vec!["web-2"]),
        // A lost lower pod comes back first; higher ones wait.
        (vec![(1, S::Ready)], vec!["web-0"]),
        (vec![(0, S::Ready), (1, S::Ready), (2, S::Ready)], vec![]),
    ];
    for (have, want) in table {
        let pods: Vec<Arc<Pod>> = have.iter().map(|(o, st)| pod(&s, *o, *st)).collect();
        let p = plan(&s, &pods);
        assert_eq!(
            names(&p.create_pods),
            want,
            "with {:?}",
            have.iter().map(|x| x.0).collect::<Vec<_>>()
        );
    }
}

#[test]
fn parallel_creates_every_missing_pod_at_once() {
    let mut s = set(3);
    s.spec.pod_management_policy = "Parallel".into();
    let p = plan(&s, &[pod(&s, 1, S::Pending)]);
    assert_eq!(names(&p.create_pods), ["web-0", "web-2"]);
}

#[test]
fn pods_have_stable_identity_claims_and_ordinals_start() {
    let mut s = set(2);
    s.spec.ordinals = Some(crate::api::statefulset::StatefulSetOrdinals { start: 5 });
    let p = reconcile(&s, &[], &HashSet::new(), Time::now());
    let web5 = &p.create_pods[0];
    assert_eq!(web5.metadata.name, "web-5");
    assert_eq!(web5.spec.hostname, "web-5");
    assert_eq!(web5.spec.subdomain, "web");
    assert_eq!(web5.metadata.labels[POD_NAME_LABEL], "web-5");
    assert_eq!(web5.metadata.labels[POD_INDEX_LABEL], "5");
    assert_eq!(web5.metadata.labels[REVISION_LABEL], revision_of(&s));
    assert_eq!(
        web5.metadata.controller().map(|r| r.uid.as_str()),
        Some("set-uid")
    );
    let claim = web5.spec.volumes[0]
        .persistent_volume_claim
        .as_ref()
        .unwrap();
    assert_eq!(claim.claim_name, "data-web-5");
    let made: Vec<&str> = p
        .create_claims
        .iter()
        .map(|c| c.metadata.name.as_str())
        .collect();
    assert_eq!(made, ["data-web-5"]);
    assert_eq!(p.create_claims[0].metadata.labels["app"], "web");
    // Retained by default: not owned by the set.
    assert!(p.create_claims[0].metadata.owner_references.is_empty());
    // An existing claim is reused, not made again.
    let have: HashSet<String> = ["data-web-5".to_string()].into();
    assert!(
        reconcile(&s, &[], &have, Time::now())
            .create_claims
            .is_empty()
    );
}

#[test]
fn a_failed_pod_is_replaced_under_the_same_name() {
    let s = set(2);
    let pods = vec![pod(&s, 0, S::Ready), pod(&s, 1, S::Failed)];
    let p = plan(&s, &pods);
    assert_eq!(p.delete_pods, ["web-1"]);
    let p = plan(&s, &pods[..1]);
    assert_eq!(names(&p.create_pods), ["web-1"]);
}

#[test]
fn scale_down_removes_the_highest_ordinal_first_one_at_a_time() {
    let s = set(1);
    let all = |st2: S| vec![pod(&s, 0, S::Ready), pod(&s, 1, S::Ready), pod(&s, 2, st2)];
    assert_eq!(plan(&s, &all(S::Ready)).delete_pods, ["web-2"]);
    // While web-2 terminates, web-1 waits.
    assert!(plan(&s, &all(S::Terminating)).delete_pods.is_empty());
    // Nothing goes while a remaining pod is not ready.
    let pods = vec![pod(&s, 0, S::Running), pod(&s, 1, S::Ready)];
    assert!(plan(&s, &pods).delete_pods.is_empty());
    // Parallel removes all surplus at once, highest first.
    let mut par = s.clone();
    par.spec.pod_management_policy = "Parallel".into();
    let pods = vec![
        pod(&par, 0, S::Ready),
        pod(&par, 1, S::Running),
        pod(&par, 2, S::Ready),
    ];
    assert_eq!(plan(&par, &pods).delete_pods, ["web-2", "web-1"]);
}

#[test]
fn claims_of_scaled_away_ordinals_go_only_when_the_policy_says_delete() {
    let mut s = set(1);
    let pods = vec![pod(&s, 0, S::Ready)];
    assert!(plan(&s, &pods).delete_claims.is_empty());
    s.spec.persistent_volume_claim_retention_policy = Some(
        crate::api::statefulset::StatefulSetPersistentVolumeClaimRetentionPolicy {
            when_deleted: "Delete".into(),
            when_scaled: "Delete".into(),
        },
    );
    let claims: HashSet<String> = ["data-web-0", "data-web-1", "data-web-2", "data-other-1"]
        .map(String::from)
        .into();
    // web-2's pod still exists: its claim stays until the pod is gone.
    let pods = vec![pod(&s, 0, S::Ready), pod(&s, 2, S::Terminating)];
    let p = reconcile(&s, &pods, &claims, Time::now());
    assert_eq!(p.delete_claims, ["data-web-1"]);
    // whenDeleted: Delete makes the set the claims' owner (garbage collected with it).
    let p = reconcile(&s, &[], &HashSet::new(), Time::now());
    assert_eq!(
        p.create_claims[0].metadata.owner_references[0].uid,
        "set-uid"
    );
}

#[test]
fn rolling_update_goes_from_the_highest_ordinal_down_to_the_partition() {
    let old = set(4);
    let old_rev = revision_of(&old);
    let mut s = old.clone();
    s.spec.template.spec.containers[0].image = "busybox:2".into();
    s.status.current_revision = old_rev.clone();
    let new_rev = revision_of(&s);
    assert_ne!(old_rev, new_rev);
    let at = |revs: [&str; 4]| -> Vec<Arc<Pod>> {
        (0..4)
            .map(|o| pod_at(&s, o, S::Ready, revs[o as usize]))
            .collect()
    };
    let (o, n) = (old_rev.as_str(), new_rev.as_str());
    // (revisions of web-0..3, partition, pod deleted next)
    let table: Vec<([&str; 4], i32, Vec<&str>)> = vec![
        ([o, o, o, o], 0, vec!["web-3"]),
        ([o, o, o, n], 0, vec!["web-2"]),
        ([o, n, n, n], 0, vec!["web-0"]),
        ([n, n, n, n], 0, vec![]),
        ([o, o, o, n], 2, vec!["web-2"]),
        ([o, o, n, n], 2, vec![]),
    ];
    for (revs, partition, want) in table {
        let mut s = s.clone();
        s.spec.update_strategy = Some(crate::api::statefulset::StatefulSetUpdateStrategy {
            type_: "RollingUpdate".into(),
            rolling_update: Some(crate::api::statefulset::RollingUpdateStatefulSetStrategy {
                partition: Some(partition),
                max_unavailable: None,
            }),
        });
        let p = plan(&s, &at(revs));
        assert_eq!(p.delete_pods, want, "{revs:?} partition {partition}");
    }
    // Nothing is replaced while a pod is unavailable.
    let mut pods = at([o, o, o, n]);
    pods[3] = pod_at(&s, 3, S::Running, n);
    assert!(plan(&s, &pods).delete_pods.is_empty());
    // A recreated pod below the partition keeps the old revision's spec.
    let mut part = s.clone();
    part.spec.update_strategy = Some(crate::api::statefulset::StatefulSetUpdateStrategy {
        type_: "RollingUpdate".into(),
        rolling_update: Some(crate::api::statefulset::RollingUpdateStatefulSetStrategy {
            partition: Some(2),
            max_unavailable: None,
        }),
    });
    let old_pod = pod_at(&old, 1, S::Ready, o);
    let p = plan(
        &part,
        &[
            old_pod,
            pod_at(&s, 2, S::Ready, n),
            pod_at(&s, 3, S::Ready, n),
        ],
    );
    assert_eq!(names(&p.create_pods), ["web-0"]);
    assert_eq!(p.create_pods[0].metadata.labels[REVISION_LABEL], old_rev);
    assert_eq!(p.create_pods[0].spec.containers[0].image, "busybox");
    // OnDelete replaces nothing by itself.
    let mut od = s.clone();
    od.spec.update_strategy = Some(crate::api::statefulset::StatefulSetUpdateStrategy {
        type_: "OnDelete".into(),
        rolling_update: None,
    });
    assert!(plan(&od, &at([o, o, o, o])).delete_pods.is_empty());
}

#[test]
fn status_counts_revisions_and_moves_current_once_all_are_updated() {
    let s = set(2);
    let p = plan(&s, &[pod(&s, 0, S::Ready), pod(&s, 1, S::Running)]);
    assert_eq!(
        (
            p.status.replicas,
            p.status.ready_replicas,
            p.status.updated_replicas
        ),
        (2, 1, 2)
    );
    let p = plan(&s, &[pod(&s, 0, S::Ready), pod(&s, 1, S::Ready)]);
    assert_eq!(p.status.current_revision, p.status.update_revision);
    assert_eq!(
        (p.status.current_replicas, p.status.available_replicas),
        (2, 2)
    );
    // Settled: a second pass changes nothing.
    let mut settled = s.clone();
    settled.status = p.status.clone();
    let again = plan(&settled, &[pod(&s, 0, S::Ready), pod(&s, 1, S::Ready)]);
    assert_eq!(again.status, settled.status);
    assert!(again.create_pods.is_empty() && again.delete_pods.is_empty());
}

#[test]
fn ordered_ready_waits_for_min_ready_seconds_before_the_next_pod() {
    let mut s = set(2);
    s.spec.min_ready_seconds = 30;
    let mut p = (*pod(&s, 0, S::Ready)).clone();
    p.status.conditions[0].last_transition_time = Some(Time::now());
    let plan = plan(&s, &[Arc::new(p.clone())]);
    assert!(plan.create_pods.is_empty());
    assert_eq!(plan.requeue, Some(Duration::from_secs(1)));
    p.status.conditions[0].last_transition_time =
        Some(Time(chrono::Utc::now() - chrono::Duration::seconds(31)));
    let plan = super::reconcile(&s, &[Arc::new(p)], &HashSet::new(), Time::now());
    assert_eq!(names(&plan.create_pods), ["web-1"]);
}

#[test]
fn each_template_is_a_numbered_revision_and_undo_renumbers_the_old_one() {
    let v1 = set(2);
    // No revision yet: the current template's is made as number 1.
    let h = history(&v1, &[], &[]);
    assert_eq!(h.create, Some(1));
    let r1 = Arc::new(revision_for(&v1, 1));
    assert_eq!(r1.metadata.name, revision_of(&v1));
    assert_eq!(r1.metadata.labels[REVISION_LABEL], revision_of(&v1));
    assert_eq!(
        r1.data["spec"]["template"]["spec"]["containers"][0]["name"],
        "c"
    );
    assert_eq!(
        history(&v1, std::slice::from_ref(&r1), &[]),
        HistoryPlan::default()
    );
    // A new template: revision 2.
    let mut v2 = v1.clone();
    v2.spec.template.spec.containers[0].image = "busybox:2".into();
    let h = history(&v2, std::slice::from_ref(&r1), &[]);
    assert_eq!(h.create, Some(2));
    let r2 = Arc::new(revision_for(&v2, 2));
    // Back to the first template (undo): its revision becomes number 3.
    let h = history(&v1, &[r1.clone(), r2.clone()], &[]);
    assert_eq!(h.create, None);
    assert_eq!(h.renumber, Some((revision_of(&v1), 3)));
    // Beyond revisionHistoryLimit, revisions no pod runs go, oldest first.
    let mut limited = v2.clone();
    limited.spec.revision_history_limit = Some(0);
    assert_eq!(
        history(&limited, &[r1.clone(), r2.clone()], &[]).delete,
        std::slice::from_ref(&r1.metadata.name)
    );
    let running_v1 = pod_at(&v1, 0, S::Ready, &revision_of(&v1));
    assert!(
        history(&limited, &[r1, r2], &[running_v1])
            .delete
            .is_empty(),
        "a revision a pod runs is kept"
    );
}
