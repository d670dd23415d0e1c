//! Preemption, as Kubernetes decides it: when a pod fits nowhere, find the
//! node where evicting pods of lower priority makes it fit, breaking as
//! few PodDisruptionBudgets and evicting as few and as unimportant pods as
//! possible. A pure decision: the caller evicts the victims (gracefully),
//! sets the pod's `nominatedNodeName` and records the events.
//!
//! For each node that rejected the pod for a reason eviction can cure (not
//! a selector, a taint or a missing label), every pod of lower priority is
//! taken off; if the pod then passes every filter, victims are given back
//! one at a time as long as the pod still fits (the "reprieve"): first the
//! pods whose eviction would break a budget, then the others, most
//! important first in each group. A budget is broken when more of its pods
//! would go than its `status.disruptionsAllowed` allows; breaking one is a
//! last resort, counted and minimised, not forbidden (Kubernetes deletes
//! victims directly, the eviction API's refusal does not apply). Among the
//! nodes that work, the winner breaks the fewest budgets, then has the
//! lowest highest-victim priority, then the lowest sum of victim
//! priorities, then the fewest victims, then the first name.
//!
//! Pods nominated to a node by an earlier preemption, of at least the
//! pod's priority, count as running there ([`Snapshot::as_seen_by`]).
//!
//! Caveats: the topology counts of spread constraints and pod affinity are
//! the ones before eviction.

use super::{Code, PodUsage, Scheduler, Snapshot, Unschedulable};
use crate::api::Pod;
use crate::api::pdb::PodDisruptionBudget;
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
    /// Victims whose eviction breaks a PodDisruptionBudget.
    pub budget_violations: usize,
}

/// Splits candidate victims into those whose eviction would break a
/// budget and the others, each in the given order, as Kubernetes'
/// `filterPodsWithPDBViolation`: going through the pods in order, each pod
/// a budget covers takes one of its `disruptionsAllowed`; a pod that
/// drives a budget below zero breaks it. A pod the budget already counts
/// as disrupted (`status.disruptedPods`) takes nothing. As in Kubernetes'
/// scheduler, a budget without a selector or with an empty one covers no
/// pod here.
pub fn split_by_budgets(
    pods: Vec<Arc<Pod>>,
    budgets: &[Arc<PodDisruptionBudget>],
) -> (Vec<Arc<Pod>>, Vec<Arc<Pod>>) {
    let mut allowed: Vec<i32> = budgets
        .iter()
        .map(|b| b.status.disruptions_allowed)
        .collect();
    let mut violating = vec![];
    let mut other = vec![];
    for p in pods {
        let mut breaks = false;
        if !p.metadata.labels.is_empty() {
            for (i, b) in budgets.iter().enumerate() {
                let covers = b.metadata.namespace == p.metadata.namespace
                    && b.spec
                        .selector
                        .as_ref()
                        .is_some_and(|s| !s.is_empty() && s.matches(&p.metadata.labels));
                if !covers || b.status.disrupted_pods.contains_key(&p.metadata.name) {
                    continue;
                }
                allowed[i] -= 1;
                if allowed[i] < 0 {
                    breaks = true;
                }
            }
        }
        if breaks {
            violating.push(p);
        } else {
            other.push(p);
        }
    }
    (violating, other)
}

/// Broken budgets, highest victim priority, offset sum of priorities,
/// victims, node name.
pub type Rank = (usize, i32, i64, usize, String);

/// How a node's preemption ranks against another's: lower is better.
/// Kubernetes' `pickOneNodeForPreemption` order: fewest broken budgets,
/// lowest highest-victim priority, lowest sum of priorities (each offset
/// by 2^31 so that negative priorities still add up), fewest victims; then
/// the node's name.
pub fn rank(node: &str, victims: &[Victim], violations: usize) -> Rank {
    (
        violations,
        victims.iter().map(|v| v.priority).max().unwrap_or(i32::MIN),
        victims
            .iter()
            .map(|v| i64::from(v.priority) + (1i64 << 31))
            .sum::<i64>(),
        victims.len(),
        node.to_string(),
    )
}

/// Why no preemption helps, in Kubernetes' words.
pub fn refusal(nodes: usize, why: &str) -> String {
    format!("preemption: 0/{nodes} nodes are available: {why}.")
}

impl Scheduler {
    /// The preemption that lets `pod` run, given why it fits nowhere
    /// (`failed`, from [`Scheduler::schedule`]), the pods bound to a node
    /// (`pods_on`) and the cluster's PodDisruptionBudgets. `Err` says why
    /// there is none.
    pub fn preempt(
        &self,
        snapshot: &Snapshot,
        pod: &Pod,
        failed: &Unschedulable,
        pods_on: &dyn Fn(&str) -> Vec<Arc<Pod>>,
        budgets: &[Arc<PodDisruptionBudget>],
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
        if super::topology::needed_in(snapshot, pod) {
            usage.cycle = Some(Arc::new(super::topology::cycle(snapshot, pod, &usage)));
        }
        let mut best: Option<(Rank, Preemption)> = None;
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
            let seen = snapshot.as_seen_by(name, info, &usage);
            let Some((victims, violations)) =
                self.victims_on(&seen, pod, &usage, pods_on(name), budgets)
            else {
                helpless += 1;
                continue;
            };
            let r = rank(name, &victims, violations);
            if best.as_ref().is_none_or(|(b, _)| r < *b) {
                best = Some((
                    r,
                    Preemption {
                        node: name.clone(),
                        victims,
                        budget_violations: violations,
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
    /// whose eviction lets `pod` pass every filter there, sparing first the
    /// pods a budget protects, with how many victims break a budget;
    /// `None` when evicting all of them is not enough.
    fn victims_on(
        &self,
        info: &super::NodeInfo,
        pod: &Pod,
        usage: &PodUsage,
        bound: Vec<Arc<Pod>>,
        budgets: &[Arc<PodDisruptionBudget>],
    ) -> Option<(Vec<Victim>, usize)> {
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
        let (violating, other) = split_by_budgets(lower, budgets);
        let mut victims = vec![];
        let mut violations = 0;
        for (breaks, p) in violating
            .into_iter()
            .map(|p| (true, p))
            .chain(other.into_iter().map(|p| (false, p)))
        {
            let u = PodUsage::of(&p);
            trial.add(&u);
            if self.check(pod, usage, &trial).is_success() {
                continue;
            }
            trial.remove(&u);
            violations += usize::from(breaks);
            victims.push(Victim {
                namespace: p.metadata.namespace.clone(),
                name: p.metadata.name.clone(),
                uid: p.metadata.uid.clone(),
                priority: p.priority(),
            });
        }
        victims.sort_by(|a, b| a.priority.cmp(&b.priority).then(a.name.cmp(&b.name)));
        Some((victims, violations))
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
        budgets: Vec<Arc<PodDisruptionBudget>>,
    }

    impl World {
        fn new(nodes: &[(&str, &str, Vec<Pod>)]) -> World {
            let mut w = World {
                snapshot: Snapshot::default(),
                pods: HashMap::new(),
                budgets: vec![],
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
            s.preempt(
                &self.snapshot,
                p,
                &failed,
                &|n| self.pods.get(n).cloned().unwrap_or_default(),
                &self.budgets,
            )
        }
    }

    fn labelled(name: &str, cpu: &str, priority: i32, app: &str) -> Pod {
        let mut p = prio(name, cpu, priority);
        p.metadata.labels.insert("app".into(), app.into());
        p
    }

    fn budget(app: &str, allowed: i32) -> Arc<PodDisruptionBudget> {
        let mut b: PodDisruptionBudget = crate::api::new_object("default", &format!("{app}-pdb"));
        let mut sel = crate::api::LabelSelector::default();
        sel.match_labels.insert("app".into(), app.into());
        b.spec.selector = Some(sel);
        b.status.disruptions_allowed = allowed;
        Arc::new(b)
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

    #[test]
    fn pods_are_split_by_the_budgets_their_eviction_breaks() {
        let pods = |list: &[(&str, &str)]| -> Vec<Arc<Pod>> {
            list.iter()
                .map(|(n, app)| Arc::new(labelled(n, "1", 0, app)))
                .collect()
        };
        let mut disrupted = (*budget("zk", 0)).clone();
        disrupted
            .status
            .disrupted_pods
            .insert("zk-0".into(), Time::now());
        let mut other_ns = (*budget("zk", 0)).clone();
        other_ns.metadata.namespace = "other".into();
        let mut empty = (*budget("zk", 0)).clone();
        empty.spec.selector = Some(Default::default());
        // (budgets, pods in order, the ones that break a budget)
        type Case = (
            Vec<Arc<PodDisruptionBudget>>,
            Vec<Arc<Pod>>,
            Vec<&'static str>,
        );
        let table: Vec<Case> = vec![
            (vec![], pods(&[("zk-0", "zk")]), vec![]),
            // One disruption allowed: the first pod takes it, the second breaks.
            (
                vec![budget("zk", 1)],
                pods(&[("zk-0", "zk"), ("zk-1", "zk")]),
                vec!["zk-1"],
            ),
            (
                vec![budget("zk", 0)],
                pods(&[("web-0", "web"), ("zk-0", "zk")]),
                vec!["zk-0"],
            ),
            // Already counted as disrupted: takes nothing, breaks nothing.
            (
                vec![Arc::new(disrupted)],
                pods(&[("zk-0", "zk"), ("zk-1", "zk")]),
                vec!["zk-1"],
            ),
            (vec![Arc::new(other_ns)], pods(&[("zk-0", "zk")]), vec![]),
            // An empty selector covers nothing here, as in Kubernetes' scheduler.
            (vec![Arc::new(empty)], pods(&[("zk-0", "zk")]), vec![]),
            // Two budgets on one pod: breaking either one counts.
            (
                vec![budget("zk", 5), {
                    let mut b = (*budget("zk", 0)).clone();
                    b.metadata.name = "strict".into();
                    Arc::new(b)
                }],
                pods(&[("zk-0", "zk")]),
                vec!["zk-0"],
            ),
        ];
        for (budgets, pods, want) in table {
            let total = pods.len();
            let (violating, other) = split_by_budgets(pods, &budgets);
            let got: Vec<&str> = violating.iter().map(|p| p.metadata.name.as_str()).collect();
            assert_eq!(got, want, "{budgets:?}");
            assert_eq!(violating.len() + other.len(), total);
        }
    }

    #[test]
    fn nodes_rank_by_broken_budgets_first() {
        let v = |p: i32| Victim {
            namespace: "default".into(),
            name: format!("v{p}"),
            uid: String::new(),
            priority: p,
        };
        // A node breaking no budget beats one breaking one, whatever the priorities.
        assert!(rank("b", &[v(100), v(100)], 0) < rank("a", &[v(1)], 1));
        // Then the lowest highest priority, the lowest sum, the fewest victims.
        assert!(rank("b", &[v(5), v(5)], 0) < rank("a", &[v(6)], 0));
        assert!(rank("b", &[v(-5)], 0) < rank("a", &[v(-5), v(-5)], 0));
        assert!(rank("a", &[v(1)], 0) < rank("b", &[v(1)], 0));
    }

    #[test]
    fn the_node_whose_victims_break_no_budget_is_chosen() {
        let mut w = World::new(&[
            (
                "a",
                "2",
                vec![
                    labelled("zk-0", "1", 1, "zk"),
                    labelled("zk-1", "1", 1, "zk"),
                ],
            ),
            (
                "b",
                "2",
                vec![
                    labelled("web-0", "1", 1, "web"),
                    labelled("web-1", "1", 1, "web"),
                ],
            ),
        ]);
        let p = w.preempt(&prio("vip", "1", 1000)).unwrap();
        assert_eq!(p.node, "a", "without a budget the first name wins");
        w.budgets = vec![budget("zk", 0)];
        let p = w.preempt(&prio("vip", "1", 1000)).unwrap();
        assert_eq!(
            (p.node.as_str(), names(&p), p.budget_violations),
            ("b", vec!["web-1"], 0)
        );
    }

    #[test]
    fn on_a_node_the_protected_pods_are_spared_first() {
        let mut w = World::new(&[(
            "a",
            "2",
            vec![
                labelled("zk-0", "1", 1, "zk"),
                labelled("web-0", "1", 5, "web"),
            ],
        )]);
        w.budgets = vec![budget("zk", 0)];
        // By priority alone zk-0 would go; the budget spares it.
        let p = w.preempt(&prio("vip", "1", 1000)).unwrap();
        assert_eq!((names(&p), p.budget_violations), (vec!["web-0"], 0));
        // Both needed: the budget is broken, as a last resort, and counted.
        let p = w.preempt(&prio("vip", "2", 1000)).unwrap();
        assert_eq!((names(&p), p.budget_violations), (vec!["zk-0", "web-0"], 1));
    }

    #[test]
    fn the_room_of_a_nominated_pod_is_kept_from_pods_of_lower_priority() {
        // n1 has 2 cpu, 1 used; a pod of priority 100 waits for n1 with 1 cpu.
        let mut w = World::new(&[("n1", "2", vec![prio("a", "1", 0)])]);
        let mut nominee = prio("nominee", "1", 100);
        nominee.status.nominated_node_name = "n1".into();
        w.snapshot.nominated.add("n1", PodUsage::of(&nominee));
        let s = Scheduler::default();
        // (incoming, placed?)
        let table = [
            (prio("low", "1", 10), false),
            (prio("equal", "1", 100), false),
            (prio("high", "1", 1000), true),
            (nominee.clone(), true),
        ];
        for (p, fits) in table {
            assert_eq!(
                s.schedule(&w.snapshot, &p).is_ok(),
                fits,
                "{}",
                p.metadata.name
            );
        }
        // The low pod's preemption counts the nominee too: evicting `a`
        // is not enough for both.
        let low = prio("low", "2", 10);
        assert!(
            w.preempt(&low)
                .unwrap_err()
                .contains("No preemption victims")
        );
        w.snapshot.nominated.remove(&nominee.metadata.uid);
        assert!(s.schedule(&w.snapshot, &prio("low", "1", 10)).is_ok());
    }
}
