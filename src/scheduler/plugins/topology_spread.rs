//! Filter and score: `topologySpreadConstraints`. A `DoNotSchedule`
//! constraint refuses a node without its topology label, and one where
//! the matching pods of the node's domain, with this pod, would exceed the
//! fewest of any eligible domain by more than `maxSkew`. `ScheduleAnyway`
//! constraints score: the fewer matching pods in the node's domain, the
//! higher. Counts come from the pod's [`crate::scheduler::topology::Cycle`].

use crate::api::Pod;
use crate::scheduler::topology::domain;
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Score, Status};

pub struct PodTopologySpread;

impl Filter for PodTopologySpread {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }

    fn filter(&self, _pod: &Pod, u: &PodUsage, n: &NodeInfo) -> Status {
        let Some(c) = &u.cycle else {
            return Status::success(Filter::name(self));
        };
        for s in c.spread.iter().filter(|s| s.hard) {
            let Some(d) = domain(n, &s.topology_key) else {
                return Status::unresolvable(Filter::name(self), Reason::SpreadMissingLabel);
            };
            let here = s.counts.get(d).copied().unwrap_or(0);
            if here + s.self_match - s.min > s.max_skew {
                return Status::unschedulable(Filter::name(self), vec![Reason::SpreadSkew]);
            }
        }
        Status::success(Filter::name(self))
    }
}

impl Score for PodTopologySpread {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }

    fn score(&self, _pod: &Pod, u: &PodUsage, n: &NodeInfo) -> i64 {
        let Some(c) = &u.cycle else { return 100 };
        let soft: Vec<_> = c.spread.iter().filter(|s| !s.hard).collect();
        if soft.is_empty() {
            return 100;
        }
        let total: i64 = soft
            .iter()
            .map(|s| match domain(n, &s.topology_key) {
                None => 0,
                Some(d) => {
                    let here = s.counts.get(d).copied().unwrap_or(0);
                    if s.max == s.min {
                        100
                    } else {
                        100 * (s.max - here) / (s.max - s.min)
                    }
                }
            })
            .sum();
        total / soft.len() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::LabelSelector;
    use crate::api::placement::TopologySpreadConstraint;
    use crate::scheduler::plugins::testing::{info, node, pod};
    use crate::scheduler::{Scheduler, Snapshot, topology};

    fn web(name: &str) -> Pod {
        let mut p = pod("", "");
        p.metadata.name = name.into();
        p.metadata.uid = format!("uid-{name}");
        p.metadata.labels.insert("app".into(), "web".into());
        p
    }

    fn constraint(key: &str, skew: i32, when: &str) -> TopologySpreadConstraint {
        TopologySpreadConstraint {
            max_skew: skew,
            topology_key: key.into(),
            when_unsatisfiable: when.into(),
            label_selector: Some(LabelSelector {
                match_labels: [("app".to_string(), "web".to_string())].into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Three nodes in zones a, a, b; `placed` web pods on each.
    fn cluster(placed: [usize; 3]) -> Snapshot {
        let mut s = Snapshot::default();
        for (i, (name, zone)) in [("n1", "a"), ("n2", "a"), ("n3", "b")].iter().enumerate() {
            let mut n = node(name, "8", "8Gi");
            n.metadata.labels.insert("zone".into(), zone.to_string());
            let mut ni = info(n);
            for j in 0..placed[i] {
                ni.add(&PodUsage::of(&web(&format!("{name}-{j}"))));
            }
            s.nodes.insert(name.to_string(), ni);
        }
        s
    }

    fn verdicts(s: &Snapshot, p: &Pod) -> Vec<bool> {
        let mut u = PodUsage::of(p);
        u.cycle = Some(std::sync::Arc::new(topology::cycle(s, p, &u)));
        s.nodes
            .values()
            .map(|n| PodTopologySpread.filter(p, &u, n).is_success())
            .collect()
    }

    #[test]
    fn max_skew_one_over_hostnames_fills_the_emptiest_nodes() {
        let mut p = web("new");
        p.spec.topology_spread_constraints =
            vec![constraint("kubernetes.io/hostname", 1, "DoNotSchedule")];
        // (pods on n1, n2, n3) -> which nodes may take one more
        let table = [
            ([0, 0, 0], [true, true, true]),
            ([1, 0, 0], [false, true, true]),
            ([1, 1, 0], [false, false, true]),
            ([1, 1, 1], [true, true, true]),
            ([2, 1, 1], [false, true, true]),
        ];
        for (placed, want) in table {
            assert_eq!(verdicts(&cluster(placed), &p), want, "{placed:?}");
        }
    }

    #[test]
    fn zones_are_any_node_label_and_nodes_without_it_are_refused() {
        let mut p = web("new");
        p.spec.topology_spread_constraints = vec![constraint("zone", 1, "DoNotSchedule")];
        // Zone a holds 2, zone b 1: a third in a would make skew 2.
        assert_eq!(verdicts(&cluster([1, 1, 1]), &p), [false, false, true]);
        let mut s = cluster([0, 0, 0]);
        s.nodes
            .insert("bare".into(), info(node("bare", "8", "8Gi")));
        let mut u = PodUsage::of(&p);
        u.cycle = Some(std::sync::Arc::new(topology::cycle(&s, &p, &u)));
        assert_eq!(
            PodTopologySpread.filter(&p, &u, &s.nodes["bare"]).reasons,
            vec!["node(s) didn't match pod topology spread constraints (missing required label)"]
        );
    }

    #[test]
    fn min_domains_counts_missing_domains_as_empty() {
        let mut p = web("new");
        let mut c = constraint("zone", 1, "DoNotSchedule");
        c.min_domains = Some(3);
        p.spec.topology_spread_constraints = vec![c];
        // Two zones exist, three are wanted: the minimum is 0, so a zone
        // with one pod already may take no more.
        assert_eq!(verdicts(&cluster([1, 0, 1]), &p), [false, false, false]);
        assert_eq!(verdicts(&cluster([0, 0, 0]), &p), [true, true, true]);
    }

    #[test]
    fn match_label_keys_count_only_the_same_revision() {
        let mut p = web("new");
        p.metadata.labels.insert("rev".into(), "2".into());
        let mut c = constraint("kubernetes.io/hostname", 1, "DoNotSchedule");
        c.match_label_keys = vec!["rev".into()];
        p.spec.topology_spread_constraints = vec![c];
        // The pods already placed have no `rev: 2`: they do not count.
        assert_eq!(verdicts(&cluster([3, 0, 0]), &p), [true, true, true]);
    }

    #[test]
    fn schedule_anyway_prefers_the_emptiest_domain_and_never_refuses() {
        let mut p = web("new");
        p.spec.topology_spread_constraints =
            vec![constraint("kubernetes.io/hostname", 1, "ScheduleAnyway")];
        let s = cluster([2, 1, 0]);
        assert_eq!(verdicts(&s, &p), [true, true, true]);
        assert_eq!(Scheduler::default().schedule(&s, &p), Ok("n3".to_string()));
    }
}
