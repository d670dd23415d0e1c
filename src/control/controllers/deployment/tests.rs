use super::*;
use crate::api::testing::Build;
use crate::api::{DeploymentStrategy, IntOrString, ReplicaSetStatus, RollingUpdate, Time};

fn deployment(replicas: i32, image: &str) -> Deployment {
    Deployment::test("web", replicas)
        .with_image(image)
        .with_uid("d-uid")
}

/// The plan for a deployment and its sets, with no pods known.
fn plan_for(d: &Deployment, sets: &[ReplicaSet]) -> Plan {
    let owned: Vec<Arc<ReplicaSet>> = sets.iter().cloned().map(Arc::new).collect();
    reconcile(d, &owned, &PodsBySet::new(), Time::now())
}

/// The RS controller, idealised: every pod it is asked for is there and available.
fn settle(rs: &mut ReplicaSet) {
    let n = rs.replicas();
    rs.status = ReplicaSetStatus {
        replicas: n,
        ready_replicas: n,
        available_replicas: n,
        ..Default::default()
    };
}

fn created(d: &Deployment, sets: &[ReplicaSet]) -> ReplicaSet {
    let owned: Vec<Arc<ReplicaSet>> = sets.iter().cloned().map(Arc::new).collect();
    let mut rs = reconcile(d, &owned, &PodsBySet::new(), Time::now())
        .create
        .expect("a new replicaset");
    rs.metadata.uid = format!("uid-{}", rs.metadata.name);
    rs.metadata.creation_timestamp = Some(Time::now());
    rs
}

/// Applies a plan to the sets, as the store would.
fn apply(plan: &Plan, sets: &mut Vec<ReplicaSet>) {
    if let Some(rs) = &plan.create {
        let mut rs = rs.clone();
        rs.metadata.uid = format!("uid-{}", rs.metadata.name);
        sets.push(rs);
    }
    for (name, n) in &plan.scale {
        let rs = sets.iter_mut().find(|r| r.metadata.name == *name).unwrap();
        rs.spec.replicas = Some(*n);
    }
    sets.retain(|r| !plan.delete.contains(&r.metadata.name));
}

#[test]
fn a_new_deployment_gets_one_full_replicaset() {
    let d = deployment(3, "nginx:1");
    let rs = created(&d, &[]);
    let hash = template_hash(&d.spec.template, 0);
    assert_eq!(rs.metadata.name, format!("web-{hash}"));
    assert_eq!(rs.replicas(), 3);
    assert_eq!(rs.metadata.annotations[REVISION_ANNOTATION], "1");
    assert_eq!(rs.spec.selector.match_labels[POD_TEMPLATE_HASH_LABEL], hash);
    assert_eq!(
        rs.spec.template.metadata.labels[POD_TEMPLATE_HASH_LABEL],
        hash
    );
    assert_eq!(rs.metadata.controller().unwrap().uid, "d-uid");
}

#[test]
fn template_hashes_are_stable_and_tell_templates_apart() {
    let a = deployment(1, "nginx:1");
    let b = deployment(1, "nginx:2");
    assert_eq!(
        template_hash(&a.spec.template, 0),
        template_hash(&a.spec.template, 0)
    );
    assert_ne!(
        template_hash(&a.spec.template, 0),
        template_hash(&b.spec.template, 0)
    );
    assert_ne!(
        template_hash(&a.spec.template, 0),
        template_hash(&a.spec.template, 1)
    );
}

#[test]
fn a_settled_deployment_is_left_alone() {
    let d = deployment(3, "nginx:1");
    let mut rs = created(&d, &[]);
    settle(&mut rs);
    let plan = plan_for(&d, &[rs]);
    assert!(plan.create.is_none() && plan.scale.is_empty() && plan.delete.is_empty());
    assert_eq!(plan.status.available_replicas, 3);
    assert_eq!(plan.status.updated_replicas, 3);
    let progressing = crate::api::find_condition(&plan.status.conditions, "Progressing").unwrap();
    assert_eq!(progressing.reason, "NewReplicaSetAvailable");
}

#[test]
fn scaling_changes_the_current_set() {
    let mut d = deployment(3, "nginx:1");
    let mut rs = created(&d, &[]);
    settle(&mut rs);
    d.spec.replicas = Some(5);
    let plan = plan_for(&d, std::slice::from_ref(&rs));
    assert_eq!(plan.scale, vec![(rs.metadata.name.clone(), 5)]);
}

fn check_rolling(replicas: i32, surge: IntOrString, unavailable: IntOrString) {
    let mut d = deployment(replicas, "nginx:1");
    d.spec.strategy = Some(DeploymentStrategy {
        type_: Some(StrategyType::RollingUpdate),
        rolling_update: Some(RollingUpdate {
            max_surge: Some(surge),
            max_unavailable: Some(unavailable),
        }),
    });
    let (max_surge, max_unavailable) = d.surge_and_unavailable().unwrap();
    let mut first = created(&d, &[]);
    settle(&mut first);
    let mut sets = vec![first];
    d.spec.template.spec.containers[0].image = "nginx:2".into();
    for step in 0..200 {
        let owned: Vec<Arc<ReplicaSet>> = sets.iter().cloned().map(Arc::new).collect();
        let plan = reconcile(&d, &owned, &PodsBySet::new(), Time::now());
        if plan.create.is_none() && plan.scale.is_empty() {
            break;
        }
        apply(&plan, &mut sets);
        let total: i32 = sets.iter().map(|r| r.replicas()).sum();
        assert!(
            total <= replicas + max_surge,
            "step {step}: {total} pods over the surge"
        );
        // Pods come up available after each step; availability never drops below the floor.
        for rs in sets.iter_mut() {
            settle(rs);
        }
        let available: i32 = sets.iter().map(|r| r.status.available_replicas).sum();
        assert!(
            available >= replicas - max_unavailable,
            "step {step}: only {available} available"
        );
    }
    let new_hash = template_hash(&d.spec.template, 0);
    for rs in &sets {
        let want = if rs.metadata.name.ends_with(&new_hash) {
            replicas
        } else {
            0
        };
        assert_eq!(rs.replicas(), want, "{}", rs.metadata.name);
    }
    assert_eq!(sets.len(), 2, "the old set is kept for history");
}

#[test]
fn a_rolling_update_converges_within_surge_and_availability() {
    check_rolling(
        4,
        IntOrString::String("25%".into()),
        IntOrString::String("25%".into()),
    );
    check_rolling(10, IntOrString::Int(3), IntOrString::Int(0));
    check_rolling(10, IntOrString::Int(0), IntOrString::Int(2));
    check_rolling(1, IntOrString::Int(1), IntOrString::Int(0));
    check_rolling(
        7,
        IntOrString::String("50%".into()),
        IntOrString::String("10%".into()),
    );
}

#[test]
fn a_rolling_update_waits_for_new_pods_to_be_available() {
    let mut d = deployment(2, "nginx:1");
    d.spec.strategy = Some(DeploymentStrategy {
        type_: None,
        rolling_update: Some(RollingUpdate {
            max_surge: Some(IntOrString::Int(1)),
            max_unavailable: Some(IntOrString::Int(0)),
        }),
    });
    let mut old = created(&d, &[]);
    settle(&mut old);
    d.spec.template.spec.containers[0].image = "nginx:2".into();
    let mut sets = vec![old];
    let plan = plan_for(&d, &sets);
    apply(&plan, &mut sets);
    assert_eq!(sets[1].replicas(), 1, "one surge pod");
    // The new pod is not ready yet: nothing else may move.
    let plan = plan_for(&d, &sets);
    assert!(plan.scale.is_empty() && plan.create.is_none(), "{plan:?}");
}

#[test]
fn recreate_empties_old_sets_before_growing_the_new_one() {
    let mut d = deployment(3, "nginx:1");
    d.spec.strategy = Some(DeploymentStrategy {
        type_: Some(StrategyType::Recreate),
        rolling_update: None,
    });
    let mut old = created(&d, &[]);
    settle(&mut old);
    d.spec.template.spec.containers[0].image = "nginx:2".into();
    let mut sets = vec![old];
    let plan = plan_for(&d, &sets);
    assert_eq!(plan.create.as_ref().unwrap().replicas(), 0);
    apply(&plan, &mut sets);
    let plan = plan_for(&d, &sets);
    assert_eq!(plan.scale, vec![(sets[0].metadata.name.clone(), 0)]);
    apply(&plan, &mut sets);
    // Old pods still terminating: the new set waits.
    let plan = plan_for(&d, &sets);
    assert!(plan.scale.is_empty());
    sets[0].status = ReplicaSetStatus::default();
    let plan = plan_for(&d, &sets);
    assert_eq!(plan.scale, vec![(sets[1].metadata.name.clone(), 3)]);
}

#[test]
fn old_sets_beyond_the_history_limit_are_deleted_oldest_first() {
    let mut d = deployment(1, "v0");
    d.spec.revision_history_limit = Some(2);
    let mut sets = vec![];
    for i in 0..5 {
        d.spec.template.spec.containers[0].image = format!("v{i}");
        let mut rs = created(&d, &sets);
        rs.spec.replicas = Some(0);
        rs.status = ReplicaSetStatus::default();
        sets.push(rs);
    }
    d.spec.template.spec.containers[0].image = "v4".into();
    let last = sets.last_mut().unwrap();
    last.spec.replicas = Some(1);
    settle(last);
    let plan = plan_for(&d, &sets);
    assert_eq!(
        plan.delete,
        vec![sets[0].metadata.name.clone(), sets[1].metadata.name.clone()]
    );
    assert_eq!(plan.annotations[REVISION_ANNOTATION], "5");
}

#[test]
fn a_paused_deployment_scales_but_does_not_roll_out() {
    let mut d = deployment(2, "v1");
    let mut rs = created(&d, &[]);
    settle(&mut rs);
    d.spec.paused = true;
    d.spec.template.spec.containers[0].image = "v2".into();
    let plan = plan_for(&d, std::slice::from_ref(&rs));
    assert!(plan.create.is_none(), "no new set while paused");
    d.spec.template.spec.containers[0].image = "v1".into();
    d.spec.replicas = Some(4);
    let plan = plan_for(&d, std::slice::from_ref(&rs));
    assert_eq!(plan.scale, vec![(rs.metadata.name.clone(), 4)]);
}

#[test]
fn a_change_cause_is_kept_on_the_new_set_and_completion_records_the_good_revision() {
    let mut d = deployment(1, "v1");
    d.metadata
        .annotations
        .insert(progress::CHANGE_CAUSE.into(), "first release".into());
    let mut rs = created(&d, &[]);
    assert_eq!(
        rs.metadata.annotations[progress::CHANGE_CAUSE],
        "first release"
    );
    settle(&mut rs);
    let plan = plan_for(&d, &[rs]);
    assert_eq!(plan.annotations[progress::LAST_GOOD_REVISION], "1");
}

fn crashing_pod(rs: &ReplicaSet, restarts: i32) -> Arc<crate::api::Pod> {
    let mut p = crate::control::controllers::replicaset::pod_from_template(rs);
    p.metadata.name = format!("{}-x", rs.metadata.name);
    p.metadata.creation_timestamp = Some(Time::now());
    p.status.container_statuses = vec![crate::api::ContainerStatus {
        name: "c".into(),
        restart_count: restarts,
        state: crate::api::ContainerState::waiting("CrashLoopBackOff", ""),
        ..Default::default()
    }];
    Arc::new(p)
}

#[test]
fn a_crash_looping_rollout_rolls_back_to_the_last_good_revision() {
    let mut d = deployment(2, "v1");
    let mut v1 = created(&d, &[]);
    settle(&mut v1);
    d.metadata
        .annotations
        .insert(progress::LAST_GOOD_REVISION.into(), "1".into());
    d.spec.template.spec.containers[0].image = "v2".into();
    let mut v2 = created(&d, std::slice::from_ref(&v1));
    v2.spec.replicas = Some(1);
    v2.status.replicas = 1;
    let owned: Vec<Arc<ReplicaSet>> = vec![Arc::new(v1.clone()), Arc::new(v2.clone())];
    let mut pods = PodsBySet::new();
    pods.insert(v2.metadata.uid.clone(), vec![crashing_pod(&v2, 1)]);
    let plan = reconcile(&d, &owned, &pods, Time::now());
    assert!(
        plan.rollback.is_none(),
        "one restart is not yet a crash loop"
    );
    pods.insert(v2.metadata.uid.clone(), vec![crashing_pod(&v2, 3)]);
    let plan = reconcile(&d, &owned, &pods, Time::now());
    let rb = plan.rollback.expect("a rollback");
    assert_eq!((rb.from, rb.to), (2, 1));
    assert_eq!(rb.template.spec.containers[0].image, "v1");
    assert!(rb.reason.contains("restarted 3 times"), "{}", rb.reason);
    let p = crate::api::find_condition(&plan.status.conditions, "Progressing").unwrap();
    assert_eq!(
        (p.status.as_str(), p.reason.as_str()),
        ("False", "NewReplicaSetFailing")
    );
    // Back on v1's template, v1's set is current again and gets the next revision.
    d.spec.template = rb.template;
    let plan = reconcile(&d, &owned, &pods, Time::now());
    assert_eq!(plan.bump, Some((v1.metadata.name.clone(), 3)));
    assert_eq!(plan.annotations[REVISION_ANNOTATION], "3");
}

#[test]
fn without_a_good_revision_or_with_rollback_off_a_failing_rollout_is_only_marked() {
    let mut d = deployment(1, "v1");
    let v1 = created(&d, &[]);
    let owned = vec![Arc::new(v1.clone())];
    let mut pods = PodsBySet::new();
    pods.insert(v1.metadata.uid.clone(), vec![crashing_pod(&v1, 5)]);
    let plan = reconcile(&d, &owned, &pods, Time::now());
    assert!(plan.rollback.is_none());
    let p = crate::api::find_condition(&plan.status.conditions, "Progressing").unwrap();
    assert_eq!(p.reason, "NewReplicaSetFailing");
    d.metadata
        .annotations
        .insert(progress::AUTO_ROLLBACK.into(), "false".into());
    assert!(reconcile(&d, &owned, &pods, Time::now()).rollback.is_none());
}
