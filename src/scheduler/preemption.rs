//! Preemption, as Kubernetes decides it: when a pod fits nowhere, find the
//! node where evicting pods of lower priority makes it fit, evicting as
//! few and as unimportant ones as possible. A pure decision: the caller
//! evicts the victims (gracefully), sets the pod's `nominatedNodeName` and
//! records the events.
//!
//! For each node that rejected the pod for a reason eviction can cure (not
//! a selector, a taint or a missing label), every pod of lower priority is
//! taken off; if the pod then passes every filter, victims are given back
//! one at a time, most important first, as long as the pod still fits
//! (the "reprieve"). Among the nodes that work, the winner has the lowest
//! highest-victim priority, then the lowest sum of victim priorities, then
//! the fewest victims, then the first name.
//!
//! Caveats: the topology counts of spread constraints and pod affinity are
//! the ones before eviction; PodDisruptionBudgets are not consulted.

use super::{Code, NodeInfo, PodUsage, Scheduler, Snapshot, Unschedulable};
use crate::api::Pod;
use std::sync::Arc;

/// A pod to evict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Victim {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub priority: i32,
}

/// The decision: evict `victims` on `node`, then place the pod there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preemption {
    pub node: String,
    pub victims: Vec<Victim>,
}

/// Why no preemption helps, in Kubernetes' words.
pub fn refusal(nodes: usize, why: &str) -> String {
    format!("preemption: 0/{nodes} nodes are available: {why}.")
}

impl Scheduler {
    /// The preemption that lets `pod` run, given why it fits nowhere
    /// (`failed`, from [`Scheduler::schedule`]) and the pods bound to a
    /// node (`pods_on`). `Err` says why there is none.
    pub fn preempt(
        &self,
        snapshot: &Snapshot,
        pod: &Pod,
        failed: &Unschedulable,
        pods_on: &dyn Fn(&str) -> Vec<Arc<Pod>>,
    ) -> Result<Preemption, String> {
        let total = snapshot.nodes.len();
        if !pod.may_preempt() {
            return Err(refusal(total, "not eligible due to preemptionPolicy=Never"));
        }
        let priority = pod.priority();
        // Victims of an earlier preemption still terminating: wait for them.
        let nominated = &pod.status.nominated_node_name;
        if !nominated.is_empty()
            && pods_on(nominated)
                .iter()
                .any(|p| p.metadata.is_terminating() && p.priority() < priority && !p.is_terminal())
        {
            return Err(format!(
                "waiting for the pods preempted on node {nominated} to terminate"
            ));
        }
        let mut usage = PodUsage::of(pod);
        if super::topology::needed(pod) {
            usage.cycle = Some(Arc::new(super::topology::cycle(snapshot, pod, &usage)));
        }
        let mut best: Option<((i32, i64, usize, String), Preemption)> = None;
        let mut helpless = 0;
        for (name, status) in &failed.nodes {
            let Some(info) = snapshot.nodes.get(name) else {
                continue;
            };
            if status.code == Code::UnschedulableAndUnresolvable
                || !info.has_lower_priority(priority)
            {
                helpless += 1;
                continue;
            }
            let Some(victims) = self.victims_on(info, pod, &usage, pods_on(name)) else {
                helpless += 1;
                continue;
            };
            let rank = (
                victims.iter().map(|v| v.priority).max().unwrap_or(i32::MIN),
                victims.iter().map(|v| i64::from(v.priority)).sum::<i64>(),
                victims.len(),
                name.clone(),
            );
            if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                best = Some((
                    rank,
                    Preemption {
                        node: name.clone(),
                        victims,
                    },
                ));
            }
        }
        match best {
            Some((_, p)) => Ok(p),
            None => Err(refusal(
                total,
                &format!("{helpless} No preemption victims found for incoming pod"),
            )),
        }
    }

    /// The fewest, least important pods of lower priority on one node
    /// whose eviction lets `pod` pass every filter there; `None` when
    /// evicting all of them is not enough.
    fn victims_on(
        &self,
        info: &NodeInfo,
        pod: &Pod,
        usage: &PodUsage,
        bound: Vec<Arc<Pod>>,
    ) -> Option<Vec<Victim>> {
        let priority = pod.priority();
        let mut lower: Vec<Arc<Pod>> = bound
            .into_iter()
            .filter(|p| {
                p.metadata.uid != pod.metadata.uid
                    && !p.is_terminal()
                    && !p.metadata.is_terminating()
                    && p.priority() < priority
            })
            .collect();
        if lower.is_empty() {
            return None;
        }
        let mut trial = info.clone();
        for p in &lower {
            trial.remove(&PodUsage::of(p));
        }
        if !self.check(pod, usage, &trial).is_success() {
            return None;
        }
        // Most important first get their reprieve; among equals, the
        // longest running.
        lower.sort_by(|a, b| {
            b.priority()
                .cmp(&a.priority())
                .then(
                    a.metadata
                        .creation_timestamp
                        .cmp(&b.metadata.creation_timestamp),
                )
                .then(a.metadata.name.cmp(&b.metadata.name))
        });
        let mut victims = vec![];
        for p in lower {
            let u = PodUsage::of(&p);
            trial.add(&u);
            if self.check(pod, usage, &trial).is_success() {
                continue;
            }
            trial.remove(&u);
            victims.push(Victim {
                namespace: p.metadata.namespace.clone(),
                name: p.metadata.name.clone(),
                uid: p.metadata.uid.clone(),
                priority: p.priority(),
            });
        }
        victims.sort_by(|a, b| a.priority.cmp(&b.priority).then(a.name.cmp(&b.name)));
        Some(victims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Time;
    use crate::scheduler::plugins::testing::{info, node, pod};
    use std::collections::HashMap;

    fn prio(name: &str, cpu: &str, priority: i32) -> Pod {
        let mut p = pod(cpu, "");
        p.metadata.name = name.into();
        p.metadata.uid = format!("uid-{name}");
        p.spec.priority = Some(priority);
        p
    }

    struct World {
        snapshot: Snapshot,
        pods: HashMap<String, Vec<Arc<Pod>>>,
    }

    impl World {
        fn new(nodes: &[(&str, &str, Vec<Pod>)]) -> World {
            let mut w = World {
                snapshot: Snapshot::default(),
                pods: HashMap::new(),
            };
            for (name, cpu, pods) in nodes {
                let mut ni = info(node(name, cpu, "8Gi"));
                let mut bound = vec![];
                for p in pods {
                    let mut p = p.clone();
                    p.spec.node_name = name.to_string();
                    ni.add(&PodUsage::of(&p));
                    bound.push(Arc::new(p));
                }
                w.snapshot.nodes.insert(name.to_string(), ni);
                w.pods.insert(name.to_string(), bound);
            }
            w
        }

        fn preempt(&self, p: &Pod) -> Result<Preemption, String> {
            let s = Scheduler::default();
            let failed = s.schedule(&self.snapshot, p).expect_err("fits nowhere");
            s.preempt(&self.snapshot, p, &failed, &|n| {
                self.pods.get(n).cloned().unwrap_or_default()
            })
        }
    }

    fn names(p: &Preemption) -> Vec<&str> {
        p.victims.iter().map(|v| v.name.as_str()).collect()
    }

    #[test]
    fn the_fewest_least_important_victims_are_chosen() {
        let w = World::new(&[
            ("n1", "2", vec![prio("a", "1", 100), prio("b", "1", 100)]),
            ("n2", "2", vec![prio("c", "1", 10), prio("d", "1", 500)]),
        ]);
        let p = w.preempt(&prio("vip", "1", 1000)).unwrap();
        assert_eq!((p.node.as_str(), names(&p)), ("n2", vec!["c"]));
    }

    #[test]
    fn only_lower_priorities_are_victims() {
        let w = World::new(&[("n1", "2", vec![prio("a", "1", 1000), prio("b", "1", 2000)])]);
        assert_eq!(
            w.preempt(&prio("p", "1", 1000)).unwrap_err(),
            "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
        );
    }

    #[test]
    fn reprieve_keeps_every_pod_not_needed() {
        let w = World::new(&[(
            "n1",
            "3",
            vec![
                prio("small", "500m", 1),
                prio("big", "2", 2),
                prio("x", "500m", 3),
            ],
        )]);
        // 1.5 cpu are wanted: evicting `big` alone frees 2.
        let p = w.preempt(&prio("p", "1500m", 100)).unwrap();
        assert_eq!(names(&p), ["big"]);
    }

    #[test]
    fn never_policy_and_unresolvable_nodes_do_not_preempt() {
        let w = World::new(&[("n1", "1", vec![prio("a", "1", 0)])]);
        let mut p = prio("p", "1", 10);
        p.spec.preemption_policy = Some("Never".into());
        assert!(
            w.preempt(&p)
                .unwrap_err()
                .contains("preemptionPolicy=Never")
        );
        let mut p = prio("p", "1", 10);
        p.spec.node_selector.insert("zone".into(), "x".into());
        assert!(w.preempt(&p).unwrap_err().contains("No preemption victims"));
    }

    #[test]
    fn a_nominated_pod_waits_for_its_victims_to_terminate() {
        let mut w = World::new(&[("n1", "1", vec![prio("a", "1", 0)])]);
        let mut gone = (*w.pods["n1"][0]).clone();
        gone.metadata.deletion_timestamp = Some(Time::now());
        w.pods.insert("n1".into(), vec![Arc::new(gone)]);
        let mut p = prio("p", "1", 10);
        p.status.nominated_node_name = "n1".into();
        assert_eq!(
            w.preempt(&p).unwrap_err(),
            "waiting for the pods preempted on node n1 to terminate"
        );
    }
}
