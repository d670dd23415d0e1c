use super::*;
use crate::api::IntOrString;
use crate::api::PodPhase;
use crate::api::daemonset::{DaemonSetUpdateStrategy, RollingUpdateDaemonSet};
use crate::api::meta::Condition as Cond;
use crate::api::placement::{Taint, Toleration};
use crate::api::testing::Build;

fn ds() -> DaemonSet {
    DaemonSet::test("agent").with_uid("ds-uid")
}

fn hash(d: &DaemonSet) -> String {
    template_hash(&d.spec.template)
}

fn node(name: &str) -> Arc<Node> {
    Arc::new(Node::test(name))
}

fn tainted(name: &str, key: &str) -> Arc<Node> {
    let mut n = Node::test(name);
    n.spec.taints = vec![Taint {
        key: key.into(),
        value: "x".into(),
        effect: "NoSchedule".into(),
        time_added: None,
    }];
    Arc::new(n)
}

fn cordoned(name: &str) -> Arc<Node> {
    let mut n = Node::test(name);
    n.spec.unschedulable = true;
    Arc::new(n)
}

fn labelled(name: &str, k: &str, v: &str) -> Arc<Node> {
    Arc::new(Node::test(name).labelled(k, v))
}

/// A daemon pod of `d`'s current template on `node`, `age_s` old.
fn pod(d: &DaemonSet, name: &str, node: &str, age_s: i64) -> Pod {
    let mut p = pod_for_node(d, &hash(d), node);
    p.metadata.name = name.into();
    p.metadata.creation_timestamp =
        Some(Time(chrono::Utc::now() - chrono::Duration::seconds(age_s)));
    p
}

fn ready(mut p: Pod) -> Arc<Pod> {
    p.status.phase = PodPhase::Running;
    p.status.conditions = vec![Cond::new("Ready", true, "", "")];
    Arc::new(p)
}

fn pending(p: Pod) -> Arc<Pod> {
    Arc::new(p)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn placement_over_tainted_cordoned_and_selected_nodes() {
    let nodes = vec![
        node("plain"),
        tainted("tainted", "dedicated"),
        cordoned("cordoned"),
        labelled("ssd", "disk", "ssd"),
    ];
    struct Case {
        name: &'static str,
        edit: fn(&mut DaemonSet),
        want: &'static [&'static str],
    }
    let cases = [
        Case {
            name: "every node but the tainted one; cordoned nodes are tolerated",
            edit: |_| {},
            want: &["cordoned", "plain", "ssd"],
        },
        Case {
            name: "a nodeSelector keeps it to the selected node",
            edit: |d| {
                d.spec
                    .template
                    .spec
                    .node_selector
                    .insert("disk".into(), "ssd".into());
            },
            want: &["ssd"],
        },
        Case {
            name: "a toleration lets it onto the tainted node",
            edit: |d| {
                d.spec.template.spec.tolerations = vec![Toleration {
                    key: "dedicated".into(),
                    operator: "Exists".into(),
                    ..Default::default()
                }];
            },
            want: &["cordoned", "plain", "ssd", "tainted"],
        },
        Case {
            name: "required node affinity selects by label",
            edit: |d| {
                let mut spec = crate::api::PodSpec::default();
                pin_to_node(&mut spec, "x");
                let mut aff = spec.affinity.unwrap();
                let term = &mut aff
                    .node_affinity
                    .as_mut()
                    .unwrap()
                    .required_during_scheduling_ignored_during_execution
                    .as_mut()
                    .unwrap()
                    .node_selector_terms[0];
                term.match_fields.clear();
                term.match_expressions = vec![crate::api::placement::NodeSelectorRequirement {
                    key: "disk".into(),
                    operator: "DoesNotExist".into(),
                    values: vec![],
                }];
                d.spec.template.spec.affinity = Some(aff);
            },
            want: &["cordoned", "plain"],
        },
    ];
    for c in cases {
        let mut d = ds();
        (c.edit)(&mut d);
        let plan = reconcile(&d, &hash(&d), &nodes, &[], Time::now());
        assert_eq!(plan.create, c.want, "{}", c.name);
        assert_eq!(
            plan.status.desired_number_scheduled,
            c.want.len() as i32,
            "{}",
            c.name
        );
        assert!(plan.delete.is_empty(), "{}", c.name);
    }
}

#[test]
fn pods_are_pinned_to_their_node_and_tolerate_lost_nodes() {
    let d = ds();
    let p = pod_for_node(&d, &hash(&d), "n2");
    assert_eq!(target_node(&p.spec), Some("n2"));
    assert_eq!(p.metadata.generate_name, "agent-");
    assert_eq!(p.metadata.labels[REVISION_HASH_LABEL], hash(&d));
    assert_eq!(p.metadata.labels[TEMPLATE_GENERATION_LABEL], "1");
    assert_eq!(p.metadata.controller().unwrap().uid, "ds-uid");
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
        "node.kubernetes.io/unschedulable",
    ] {
        assert!(
            p.spec.tolerations.iter().any(|t| t.key == key),
            "{key} tolerated"
        );
    }
}

#[test]
fn pods_follow_nodes_joining_and_leaving() {
    let d = ds();
    let pods = vec![
        ready(pod(&d, "a-1", "a", 50)),
        ready(pod(&d, "gone-1", "gone", 50)),
    ];
    let plan = reconcile(&d, &hash(&d), &[node("a"), node("b")], &pods, Time::now());
    assert_eq!(plan.create, vec!["b"], "the new node gets one");
    assert_eq!(plan.delete, vec!["gone-1"], "the removed node's pod goes");
    assert_eq!(plan.status.desired_number_scheduled, 2);
    assert_eq!(plan.status.current_number_scheduled, 1);
    // A node relabelled out of the selector: its pod is misscheduled and goes.
    let mut d2 = ds();
    d2.spec
        .template
        .spec
        .node_selector
        .insert("role".into(), "edge".into());
    let pods = vec![ready(pod(&d2, "a-1", "a", 50))];
    let plan = reconcile(&d2, &hash(&d2), &[node("a")], &pods, Time::now());
    assert_eq!(plan.status.number_misscheduled, 1);
    assert_eq!(plan.delete, vec!["a-1"]);
    assert!(plan.create.is_empty());
}

#[test]
fn one_pod_per_node_keeping_the_oldest_and_replacing_finished_or_lost_ones() {
    let d = ds();
    let mut failed = pod(&d, "b-1", "b", 100);
    failed.status.phase = PodPhase::Failed;
    let mut lost = pod(&d, "c-1", "c", 100);
    lost.metadata.deletion_timestamp = Some(Time::now());
    let pods = vec![
        ready(pod(&d, "a-new", "a", 10)),
        ready(pod(&d, "a-old", "a", 100)),
        Arc::new(failed),
        Arc::new(lost),
    ];
    let nodes = [node("a"), node("b"), node("c")];
    let plan = reconcile(&d, &hash(&d), &nodes, &pods, Time::now());
    assert_eq!(sorted(plan.delete), vec!["a-new", "b-1"]);
    assert_eq!(plan.create, vec!["b", "c"]);
    assert_eq!(plan.status.current_number_scheduled, 1);
    assert_eq!(plan.status.number_ready, 1);
    assert_eq!(plan.status.number_available, 1);
    assert_eq!(plan.status.number_unavailable, 2);
}

#[test]
fn a_settled_set_is_left_alone() {
    let mut d = ds();
    let pods = vec![
        ready(pod(&d, "a-1", "a", 10)),
        ready(pod(&d, "b-1", "b", 10)),
    ];
    let nodes = [node("a"), node("b")];
    let plan = reconcile(&d, &hash(&d), &nodes, &pods, Time::now());
    assert!(plan.create.is_empty() && plan.delete.is_empty());
    let s = &plan.status;
    assert_eq!(
        (
            s.desired_number_scheduled,
            s.current_number_scheduled,
            s.number_ready,
            s.updated_number_scheduled,
            s.number_available,
            s.observed_generation
        ),
        (2, 2, 2, 2, 2, 1)
    );
    d.status = plan.status;
    let again = reconcile(&d, &hash(&d), &nodes, &pods, Time::now());
    assert_eq!(again.status, d.status);
}

fn with_update(d: &mut DaemonSet, unavailable: i32, surge: i32) {
    d.spec.update_strategy = Some(DaemonSetUpdateStrategy {
        type_: Some(DaemonSetStrategyType::RollingUpdate),
        rolling_update: Some(RollingUpdateDaemonSet {
            max_unavailable: Some(IntOrString::Int(unavailable)),
            max_surge: Some(IntOrString::Int(surge)),
        }),
    });
}

fn new_image(d: &DaemonSet) -> DaemonSet {
    let mut n = d.clone();
    n.spec.template.spec.containers[0].image = "agent:v2".into();
    n.metadata.generation += 1;
    n
}

#[test]
fn rolling_update_replaces_node_by_node_within_max_unavailable() {
    let mut old = ds();
    with_update(&mut old, 1, 0);
    let new = new_image(&old);
    let h = hash(&new);
    let nodes = [node("a"), node("b"), node("c")];
    // Step 1: every pod old and available: one goes, its node gets a new one.
    let mut pods: Vec<Arc<Pod>> = ["a", "b", "c"]
        .iter()
        .map(|n| ready(pod(&old, &format!("{n}-old"), n, 100)))
        .collect();
    let plan = reconcile(&new, &h, &nodes, &pods, Time::now());
    assert_eq!(plan.delete, vec!["a-old"]);
    assert_eq!(plan.create, vec!["a"]);
    assert_eq!(plan.status.updated_number_scheduled, 0);
    // Step 2: the new pod on a is not ready yet: nothing else may go.
    pods[0] = pending(pod(&new, "a-new", "a", 1));
    let plan = reconcile(&new, &h, &nodes, &pods, Time::now());
    assert!(plan.delete.is_empty() && plan.create.is_empty(), "{plan:?}");
    assert_eq!(plan.status.updated_number_scheduled, 1);
    assert_eq!(plan.status.number_unavailable, 1);
    // Step 3: it is ready: the next node is replaced.
    pods[0] = ready(pod(&new, "a-new", "a", 1));
    let plan = reconcile(&new, &h, &nodes, &pods, Time::now());
    assert_eq!(plan.delete, vec!["b-old"]);
    assert_eq!(plan.create, vec!["b"]);
    // With maxUnavailable 2, two nodes at a time.
    let mut wide = new.clone();
    with_update(&mut wide, 2, 0);
    let plan = reconcile(&wide, &hash(&wide), &nodes, &pods[1..], Time::now());
    assert_eq!(plan.create, vec!["a", "b"], "a has none; b is replaced");
    // An old pod that is not available is replaced at once, whatever the budget.
    let mut pods2 = pods.clone();
    pods2[0] = pending(pod(&new, "a-new", "a", 1));
    pods2[2] = pending(pod(&old, "c-old", "c", 100));
    let plan = reconcile(&new, &h, &nodes, &pods2, Time::now());
    assert_eq!(plan.delete, vec!["c-old"]);
}

#[test]
fn surge_starts_the_new_pod_beside_the_old_one() {
    let mut old = ds();
    with_update(&mut old, 0, 1);
    let new = new_image(&old);
    let h = hash(&new);
    let nodes = [node("a"), node("b")];
    let mut pods: Vec<Arc<Pod>> = ["a", "b"]
        .iter()
        .map(|n| ready(pod(&old, &format!("{n}-old"), n, 100)))
        .collect();
    let plan = reconcile(&new, &h, &nodes, &pods, Time::now());
    assert!(plan.delete.is_empty());
    assert_eq!(plan.create, vec!["a"], "one node surges at a time");
    pods.push(pending(pod(&new, "a-new", "a", 1)));
    let plan = reconcile(&new, &h, &nodes, &pods, Time::now());
    assert!(plan.delete.is_empty() && plan.create.is_empty(), "{plan:?}");
    assert_eq!(plan.status.current_number_scheduled, 2);
    pods[2] = ready(pod(&new, "a-new", "a", 1));
    let plan = reconcile(&new, &h, &nodes, &pods, Time::now());
    assert_eq!(
        plan.delete,
        vec!["a-old"],
        "the old pod goes once the new is available"
    );
    assert!(plan.create.is_empty(), "a is still surging in this pass");
}

#[test]
fn on_delete_replaces_only_deleted_pods() {
    let mut old = ds();
    old.spec.update_strategy = Some(DaemonSetUpdateStrategy {
        type_: Some(DaemonSetStrategyType::OnDelete),
        rolling_update: None,
    });
    let new = new_image(&old);
    let pods = vec![ready(pod(&old, "a-old", "a", 100))];
    let plan = reconcile(
        &new,
        &hash(&new),
        &[node("a"), node("b")],
        &pods,
        Time::now(),
    );
    assert!(plan.delete.is_empty());
    assert_eq!(plan.create, vec!["b"]);
    assert_eq!(plan.status.updated_number_scheduled, 0);
}

#[test]
fn creation_is_batched_on_large_clusters() {
    let nodes: Vec<Arc<Node>> = (0..1200).map(|i| node(&format!("n{i:04}"))).collect();
    let d = ds();
    let plan = reconcile(&d, &hash(&d), &nodes, &[], Time::now());
    assert_eq!(plan.create.len(), MAX_CREATE);
    assert_eq!(plan.requeue, Some(Duration::ZERO));
    assert_eq!(plan.status.desired_number_scheduled, 1200);
}

fn rev(d: &DaemonSet, h: &str, n: i64) -> Arc<ControllerRevision> {
    Arc::new(revision_for(d, h, n))
}

#[test]
fn history_numbers_templates_and_prunes_unused_ones() {
    let d = ds();
    let h = hash(&d);
    assert_eq!(
        history(&d, &h, &[], &[]),
        HistoryPlan {
            create: Some(1),
            ..Default::default()
        }
    );
    let r1 = rev(&d, &h, 1);
    assert_eq!(
        history(&d, &h, std::slice::from_ref(&r1), &[]),
        HistoryPlan::default()
    );
    let v2 = new_image(&d);
    let h2 = hash(&v2);
    assert_eq!(
        history(&v2, &h2, std::slice::from_ref(&r1), &[]).create,
        Some(2)
    );
    // Back to the first template: its revision becomes the newest (3).
    let r2 = rev(&v2, &h2, 2);
    let plan = history(&d, &h, &[r1.clone(), r2.clone()], &[]);
    assert_eq!(plan.renumber, Some((revision_name(&d, &h), 3)));
    assert_eq!(plan.create, None);
    // With a limit of 0, old revisions go unless a live pod still runs them.
    let mut limited = v2.clone();
    limited.spec.revision_history_limit = Some(0);
    let plan = history(&limited, &h2, &[r1.clone(), r2.clone()], &[]);
    assert_eq!(plan.delete, vec![revision_name(&d, &h)]);
    let running_old = ready(pod(&d, "a-old", "a", 5));
    let plan = history(&limited, &h2, &[r1, r2], &[running_old]);
    assert!(plan.delete.is_empty());
    let data = &revision_for(&d, &h, 1).data;
    assert!(data["spec"]["template"]["spec"]["containers"].is_array());
}
