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

/// A small deterministic generator for the property tests (xorshift).
struct Gen(u64);

impl Gen {
    fn next(&mut self, m: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % m
    }

    /// Every `every`-th round a large cluster (150 to 399 nodes: only a
    /// share of them is scored), otherwise `smallest` to `smallest + 7` nodes.
    fn cluster_size(&mut self, round: usize, every: usize, smallest: usize) -> usize {
        if round.is_multiple_of(every) {
            150 + self.next(250) as usize
        } else {
            smallest + self.next(8) as usize
        }
    }
}

/// A random cluster of `n` nodes: CPU, memory and pod slots all vary, some
/// nodes are equal (ties), and a pod of the sequence may carry an owner.
fn random_case(g: &mut Gen, n: usize, pods: usize) -> (Vec<Node>, Vec<Pod>) {
    let nodes = (0..n)
        .map(|i| {
            let mut nd = if g.next(3) == 0 {
                node(&format!("n{i:03}"), "2", "2Gi")
            } else {
                node(
                    &format!("n{i:03}"),
                    &format!("{}m", 500 + g.next(4000)),
                    &format!("{}Mi", 256 + g.next(4096)),
                )
            };
            let slots = 1 + g.next(12);
            nd.status
                .allocatable
                .insert("pods".into(), slots.to_string().parse().unwrap());
            nd
        })
        .collect();
    let pods = (0..pods)
        .map(|i| {
            let mut p = pod(
                &format!("{}m", 1 + g.next(1500)),
                &format!("{}Mi", 1 + g.next(1500)),
            );
            p.metadata.name = format!("p{i}");
            p.metadata.uid = format!("uid-{i}");
            if g.next(2) == 0 {
                p.metadata.owner_references = vec![crate::api::OwnerReference {
                    uid: format!("rs-{}", g.next(3)),
                    controller: Some(true),
                    ..Default::default()
                }];
            }
            p
        })
        .collect();
    (nodes, pods)
}

/// Places `pods` one by one as the scheduling loop does (each placement
/// counted before the next decision), checking after each that no node holds
/// more than its allocatable CPU, memory or pod count, and that a pod is only
/// refused when no node could hold it. Returns the decisions.
fn place_all(strategy: Strategy, nodes: &[Node], pods: &[Pod]) -> Vec<Option<String>> {
    let mut s = snapshot(nodes.to_vec());
    let sched = Scheduler::with_strategy(strategy);
    let mut out = vec![];
    for p in pods {
        let u = PodUsage::of(p);
        let could_fit = s.nodes.values().any(|n| {
            n.req_cpu_milli + u.cpu_milli <= n.alloc_cpu_milli
                && n.req_memory_bytes + u.memory_bytes <= n.alloc_memory_bytes
                && n.pod_count < n.alloc_pods
        });
        match sched.schedule(&s, p) {
            Ok(name) => {
                let info = s.nodes.get_mut(&name).unwrap();
                info.add(&u);
                assert!(
                    info.req_cpu_milli <= info.alloc_cpu_milli
                        && info.req_memory_bytes <= info.alloc_memory_bytes
                        && info.pod_count <= info.alloc_pods,
                    "{strategy:?} overcommitted {name}"
                );
                out.push(Some(name));
            }
            Err(e) => {
                assert!(!could_fit, "refused although a node fits: {}", e.message);
                out.push(None);
            }
        }
    }
    out
}

/// Property: under both strategies, on small clusters (every node scored)
/// and large ones (a share of the nodes scored, from a rotating start), no
/// placement exceeds a node's allocatable and a pod is refused only when
/// nothing could hold it.
#[test]
fn placements_never_overcommit_a_node() {
    let mut g = Gen(0x2545_f491_4f6c_dd1d);
    for round in 0..60 {
        let n = g.cluster_size(round, 6, 1);
        let (nodes, pods) = random_case(&mut g, n, 80);
        for strategy in [Strategy::Spread, Strategy::Binpack] {
            let placed = place_all(strategy, &nodes, &pods);
            assert!(placed.iter().any(Option::is_some));
        }
    }
}

/// Property: the same cluster and the same pods give the same decisions
/// twice, ties included (a fresh scheduler each time, as after a restart).
#[test]
fn ties_break_the_same_way_twice() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let mut ties = 0;
    for round in 0..40 {
        let n = g.cluster_size(round, 4, 2);
        let (nodes, pods) = random_case(&mut g, n, 60);
        ties += nodes
            .iter()
            .filter(|x| x.status.allocatable["cpu"] == "2".parse().unwrap())
            .count();
        for strategy in [Strategy::Spread, Strategy::Binpack] {
            let first = place_all(strategy, &nodes, &pods);
            // The nodes listed in another order change nothing.
            let mut reversed = nodes.clone();
            reversed.reverse();
            let second = place_all(strategy, &reversed, &pods);
            assert_eq!(first, second, "{strategy:?} round {round}");
        }
    }
    assert!(ties > 100, "the cases must contain equal nodes ({ties})");
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
