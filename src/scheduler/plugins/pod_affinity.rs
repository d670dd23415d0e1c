//! Filter and score: positive `podAffinity`. A required term admits a node
//! whose domain (the nodes sharing its `topologyKey` label value) holds a
//! pod the term selects; the first pod of a group, matching its own terms
//! when nothing else does, may go anywhere. Preferred terms score the
//! weighted matching pods of the node's domains. Domains come from the
//! pod's [`crate::scheduler::topology::Cycle`].

use crate::api::Pod;
use crate::scheduler::topology::{domain, preferred_sum};
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Score, Status};

pub struct InterPodAffinity;

impl Filter for InterPodAffinity {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }

    fn filter(&self, _pod: &Pod, u: &PodUsage, n: &NodeInfo) -> Status {
        let Some(c) = &u.cycle else {
            return Status::success(Filter::name(self));
        };
        if c.affinity_first {
            return Status::success(Filter::name(self));
        }
        for t in &c.affinity {
            let ok = domain(n, &t.topology_key).is_some_and(|d| t.domains.contains(d));
            if !ok {
                return Status::unschedulable(
                    Filter::name(self),
                    vec![Reason::PodAffinityUnmatched],
                );
            }
        }
        Status::success(Filter::name(self))
    }
}

impl Score for InterPodAffinity {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }

    fn score(&self, _pod: &Pod, u: &PodUsage, n: &NodeInfo) -> i64 {
        match &u.cycle {
            Some(c) if c.preferred_max > 0 => 100 * preferred_sum(c, n) / c.preferred_max,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::LabelSelector;
    use crate::api::placement::{Affinity, PodAffinity, PodAffinityTerm, WeightedPodAffinityTerm};
    use crate::scheduler::plugins::testing::{info, node, pod};
    use crate::scheduler::{Scheduler, Snapshot, topology};

    fn labelled(name: &str, app: &str) -> Pod {
        let mut p = pod("", "");
        p.metadata.name = name.into();
        p.metadata.uid = format!("uid-{name}");
        p.metadata.labels.insert("app".into(), app.into());
        p
    }

    fn term(app: &str, key: &str) -> PodAffinityTerm {
        PodAffinityTerm {
            label_selector: Some(LabelSelector {
                match_labels: [("app".to_string(), app.to_string())].into(),
                ..Default::default()
            }),
            namespaces: vec![],
            topology_key: key.into(),
        }
    }

    /// n1, n2 in zone a; n3 in zone b; a cache pod on n2.
    fn cluster() -> Snapshot {
        let mut s = Snapshot::default();
        for (name, zone) in [("n1", "a"), ("n2", "a"), ("n3", "b")] {
            let mut n = node(name, "8", "8Gi");
            n.metadata.labels.insert("zone".into(), zone.into());
            s.nodes.insert(name.into(), info(n));
        }
        s.nodes
            .get_mut("n2")
            .unwrap()
            .add(&PodUsage::of(&labelled("cache-1", "cache")));
        s
    }

    fn verdicts(s: &Snapshot, p: &Pod) -> Vec<bool> {
        let mut u = PodUsage::of(p);
        u.cycle = Some(std::sync::Arc::new(topology::cycle(s, p, &u)));
        s.nodes
            .values()
            .map(|n| Filter::filter(&InterPodAffinity, p, &u, n).is_success())
            .collect()
    }

    fn wanting(terms: Vec<PodAffinityTerm>) -> Pod {
        let mut p = labelled("web", "web");
        p.spec.affinity = Some(Affinity {
            pod_affinity: Some(PodAffinity {
                required_during_scheduling_ignored_during_execution: terms,
                ..Default::default()
            }),
            ..Default::default()
        });
        p
    }

    #[test]
    fn required_terms_admit_the_domains_holding_a_match() {
        let s = cluster();
        let table = [
            (
                term("cache", "kubernetes.io/hostname"),
                [false, true, false],
            ),
            (term("cache", "zone"), [true, true, false]),
            // Nothing matches and the pod is no cache: nowhere.
            (term("db", "zone"), [false, false, false]),
            // Nothing matches but the pod matches itself: the first of its group.
            (term("web", "zone"), [true, true, true]),
        ];
        for (t, want) in table {
            assert_eq!(verdicts(&s, &wanting(vec![t.clone()])), want, "{t:?}");
        }
    }

    #[test]
    fn preferred_terms_draw_the_pod_to_its_match() {
        let s = cluster();
        let mut p = labelled("web", "web");
        p.spec.affinity = Some(Affinity {
            pod_affinity: Some(PodAffinity {
                preferred_during_scheduling_ignored_during_execution: vec![
                    WeightedPodAffinityTerm {
                        weight: 100,
                        pod_affinity_term: term("cache", "kubernetes.io/hostname"),
                    },
                ],
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!(Scheduler::default().schedule(&s, &p), Ok("n2".to_string()));
    }
}
