use super::plugins::testing::{node, pod};
use super::*;
use crate::api::Node;
use std::sync::Arc;

fn snapshot(nodes: Vec<Node>) -> Snapshot {
    let nodes: Vec<Arc<Node>> = nodes.into_iter().map(Arc::new).collect();
    Snapshot::build(&nodes, &[])
}

#[test]
fn the_least_loaded_feasible_node_wins() {
    let mut s = snapshot(vec![node("a", "2", "2Gi"), node("b", "2", "2Gi")]);
    let p = pod("1", "1Gi");
    s.nodes.get_mut("a").unwrap().add(&PodUsage::of(&p));
    assert_eq!(Scheduler::default().schedule(&s, &p), Ok("b".to_string()));
}

#[test]
fn ties_break_by_node_name() {
    let s = snapshot(vec![
        node("c", "2", "2Gi"),
        node("a", "2", "2Gi"),
        node("b", "2", "2Gi"),
    ]);
    assert_eq!(
        Scheduler::default().schedule(&s, &pod("1", "1Gi")),
        Ok("a".to_string())
    );
}

#[test]
fn the_summary_counts_every_reason_like_kubernetes() {
    let mut cordoned = node("c", "8", "8Gi");
    cordoned.spec.unschedulable = true;
    let s = snapshot(vec![node("a", "1", "1Gi"), node("b", "4", "1Gi"), cordoned]);
    let err = Scheduler::default()
        .schedule(&s, &pod("2", "2Gi"))
        .unwrap_err();
    assert_eq!(
        err.message,
        "0/3 nodes are available: 1 Insufficient cpu, 2 Insufficient memory, 1 node(s) were unschedulable."
    );
    assert_eq!(err.nodes["c"].plugin, "NodeReady");
    assert_eq!(
        err.nodes["a"].reasons,
        vec!["Insufficient cpu", "Insufficient memory"]
    );
}

#[test]
fn no_nodes_at_all_is_said_plainly() {
    let err = Scheduler::default()
        .schedule(&Snapshot::default(), &pod("", ""))
        .unwrap_err();
    assert_eq!(
        err.message,
        "0/0 nodes are available: no nodes are registered."
    );
}

/// Property: placing pods one by one (updating the snapshot as the loop does)
/// never puts more on a node than it can hold, and places a pod whenever some
/// node could hold it.
#[test]
fn placements_never_overcommit_a_node() {
    // A small deterministic generator (no extra crates): xorshift.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    for _round in 0..50 {
        let n_nodes = 1 + next(6) as usize;
        let nodes: Vec<Node> = (0..n_nodes)
            .map(|i| {
                node(
                    &format!("n{i}"),
                    &format!("{}m", 500 + next(4000)),
                    &format!("{}Mi", 256 + next(4096)),
                )
            })
            .collect();
        let mut s = snapshot(nodes);
        let sched = Scheduler::default();
        for _ in 0..60 {
            let p = pod(
                &format!("{}m", 1 + next(1500)),
                &format!("{}Mi", 1 + next(1500)),
            );
            let u = PodUsage::of(&p);
            let could_fit = s.nodes.values().any(|n| {
                n.req_cpu_milli + u.cpu_milli <= n.alloc_cpu_milli
                    && n.req_memory_bytes + u.memory_bytes <= n.alloc_memory_bytes
            });
            match sched.schedule(&s, &p) {
                Ok(name) => s.nodes.get_mut(&name).unwrap().add(&u),
                Err(e) => assert!(!could_fit, "refused although a node fits: {}", e.message),
            }
            for n in s.nodes.values() {
                assert!(n.req_cpu_milli <= n.alloc_cpu_milli);
                assert!(n.req_memory_bytes <= n.alloc_memory_bytes);
            }
        }
    }
}

#[test]
fn replicas_without_requests_spread_across_equal_nodes() {
    let mut s = snapshot(vec![
        node("a", "2", "2Gi"),
        node("b", "2", "2Gi"),
        node("c", "2", "2Gi"),
    ]);
    let sched = Scheduler::default();
    let mut placed = vec![];
    for i in 0..6 {
        let mut p = pod("", "");
        p.metadata.name = format!("p{i}");
        p.metadata.owner_references = vec![crate::api::OwnerReference {
            uid: "rs-1".into(),
            controller: Some(true),
            ..Default::default()
        }];
        let n = sched.schedule(&s, &p).unwrap();
        s.nodes.get_mut(&n).unwrap().add(&PodUsage::of(&p));
        placed.push(n);
    }
    placed.sort();
    assert_eq!(placed, vec!["a", "a", "b", "b", "c", "c"]);
}

#[test]
fn binpack_fills_the_busy_node_where_spread_picks_the_empty_one() {
    let mut s = snapshot(vec![node("a", "4", "4Gi"), node("b", "4", "4Gi")]);
    let first = pod("2", "2Gi");
    s.nodes.get_mut("b").unwrap().add(&PodUsage::of(&first));
    let p = pod("1", "1Gi");
    assert_eq!(
        Scheduler::with_strategy(Strategy::Spread).schedule(&s, &p),
        Ok("a".to_string())
    );
    assert_eq!(
        Scheduler::with_strategy(Strategy::Binpack).schedule(&s, &p),
        Ok("b".to_string())
    );
    // A pod that no longer fits the busy node goes to the empty one under binpack too.
    assert_eq!(
        Scheduler::with_strategy(Strategy::Binpack).schedule(&s, &pod("3", "1Gi")),
        Ok("a".to_string())
    );
}

#[test]
fn large_clusters_score_a_share_of_the_nodes_and_every_node_gets_its_turn() {
    assert_eq!(feasible_target(3), 3);
    assert_eq!(feasible_target(100), 100);
    assert_eq!(feasible_target(1000), 420);
    assert_eq!(feasible_target(5000), 500);
    assert_eq!(feasible_target(100_000), 5000);
    let nodes: Vec<Node> = (0..300)
        .map(|i| node(&format!("n{i:03}"), "1", "1Gi"))
        .collect();
    let s = snapshot(nodes);
    let sched = Scheduler::default();
    let p = pod("100m", "10Mi");
    // Equal nodes: each search starts where the last stopped, so successive
    // pods land in different parts of the cluster, never on a node that fails.
    let a = sched.schedule(&s, &p).unwrap();
    let b = sched.schedule(&s, &p).unwrap();
    assert_ne!(a, b, "the search rotates");
    // A pod that fits nowhere is judged against every node.
    let err = sched.schedule(&s, &pod("2", "1Gi")).unwrap_err();
    assert_eq!(err.nodes.len(), 300);
    assert_eq!(
        err.message,
        "0/300 nodes are available: 300 Insufficient cpu."
    );
}
