//! Filter: the pod keeps out of the domains its required anti-affinity
//! terms name (a domain: the nodes sharing the term's `topologyKey` label
//! value) when a pod there matches a term, and out of the domains where a
//! placed pod's required anti-affinity term selects it (symmetry, as in
//! Kubernetes). Score: fewer matching pods in the node's domains under the
//! preferred terms, by weight.
//!
//! Terms over `kubernetes.io/hostname` are judged on the node alone (one
//! node, one domain: the common case costs no cluster-wide count); terms
//! over other keys use the domains counted in the pod's
//! [`crate::scheduler::topology::Cycle`].

use crate::api::Pod;
use crate::api::placement::{HOSTNAME_TOPOLOGY, PodAntiAffinity as Rules};
use crate::scheduler::topology::domain;
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Score, Status};

pub struct PodAntiAffinity;

fn rules(pod: &Pod) -> Option<&Rules> {
    pod.spec.affinity.as_ref()?.pod_anti_affinity.as_ref()
}

/// Pods on the node (other than `pod`) a term of `pod` selects.
fn matching_here(pod: &Pod, n: &NodeInfo, t: &crate::api::placement::PodAffinityTerm) -> usize {
    let own = &pod.metadata.namespace;
    n.pod_labels
        .iter()
        .filter(|(uid, (ns, labels))| **uid != pod.metadata.uid && t.selects(own, ns, labels))
        .count()
}

/// Whether the node is in a domain of `per` (key → domains).
fn in_domains(
    n: &NodeInfo,
    per: &std::collections::HashMap<String, std::collections::HashSet<String>>,
) -> bool {
    per.iter()
        .any(|(key, domains)| domain(n, key).is_some_and(|d| domains.contains(d)))
}

impl Filter for PodAntiAffinity {
    fn name(&self) -> &'static str {
        "PodAntiAffinity"
    }

    fn filter(&self, pod: &Pod, u: &PodUsage, n: &NodeInfo) -> Status {
        let refuse = |r| Status::unschedulable(Filter::name(self), vec![r]);
        // The pod's own terms first, then the placed pods', in Kubernetes' order.
        let clash = rules(pod).is_some_and(|r| {
            r.required_during_scheduling_ignored_during_execution
                .iter()
                .any(|t| t.topology_key == HOSTNAME_TOPOLOGY && matching_here(pod, n, t) > 0)
        });
        if clash || u.cycle.as_ref().is_some_and(|c| in_domains(n, &c.anti)) {
            return refuse(Reason::PodAntiAffinityConflict);
        }
        let ns = &pod.metadata.namespace;
        let kept_away = n.anti_pods.iter().any(|(uid, (pns, terms))| {
            *uid != pod.metadata.uid
                && terms.iter().any(|t| {
                    t.topology_key == HOSTNAME_TOPOLOGY && t.selects(pns, ns, &pod.metadata.labels)
                })
        });
        if kept_away
            || u.cycle
                .as_ref()
                .is_some_and(|c| in_domains(n, &c.anti_existing))
        {
            return refuse(Reason::ExistingPodAntiAffinity);
        }
        Status::success(Filter::name(self))
    }
}

impl Score for PodAntiAffinity {
    fn name(&self) -> &'static str {
        "PodAntiAffinity"
    }

    fn score(&self, pod: &Pod, u: &PodUsage, n: &NodeInfo) -> i64 {
        let Some(r) = rules(pod) else { return 100 };
        let penalty: i64 = r
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let t = &w.pod_affinity_term;
                let matching = if t.topology_key == HOSTNAME_TOPOLOGY {
                    matching_here(pod, n, t) as i64
                } else {
                    u.cycle
                        .as_ref()
                        .and_then(|c| c.anti_preferred.get(i))
                        .and_then(|per| domain(n, &t.topology_key).and_then(|d| per.get(d)))
                        .copied()
                        .unwrap_or(0)
                };
                i64::from(w.weight.max(0)) * matching
            })
            .sum();
        100 * 100 / (100 + penalty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::LabelSelector;
    use crate::api::placement::{
        Affinity, HOSTNAME_TOPOLOGY, PodAffinityTerm, WeightedPodAffinityTerm,
    };
    use crate::scheduler::plugins::testing::{info, node, pod};

    fn term(app: &str) -> PodAffinityTerm {
        PodAffinityTerm {
            label_selector: Some(LabelSelector {
                match_labels: [("app".to_string(), app.to_string())].into(),
                ..Default::default()
            }),
            namespaces: vec![],
            topology_key: HOSTNAME_TOPOLOGY.into(),
        }
    }

    fn with_app(name: &str, ns: &str, app: &str) -> Pod {
        let mut p = pod("", "");
        p.metadata.name = name.into();
        p.metadata.uid = format!("uid-{name}");
        p.metadata.namespace = ns.into();
        p.metadata.labels.insert("app".into(), app.into());
        p
    }

    #[test]
    fn a_node_with_a_matching_pod_is_refused_in_the_same_namespace_only() {
        let mut incoming = with_app("web-2", "default", "web");
        incoming.spec.affinity = Some(Affinity {
            pod_anti_affinity: Some(Rules {
                required_during_scheduling_ignored_during_execution: vec![term("web")],
                ..Default::default()
            }),
            ..Default::default()
        });
        let u = PodUsage::of(&incoming);
        // (pod already on the node, passes?)
        let table = [
            (with_app("web-1", "default", "web"), false),
            (with_app("db-1", "default", "db"), true),
            (with_app("web-x", "other", "web"), true),
        ];
        for (existing, ok) in table {
            let mut n = info(node("a", "1", "1Gi"));
            n.add(&PodUsage::of(&existing));
            let s = PodAntiAffinity.filter(&incoming, &u, &n);
            assert_eq!(s.is_success(), ok, "{}", existing.metadata.name);
            // Removing the pod frees the node.
            n.remove(&PodUsage::of(&existing));
            assert!(PodAntiAffinity.filter(&incoming, &u, &n).is_success());
        }
    }

    #[test]
    fn preferred_terms_lower_the_score_per_matching_pod() {
        let mut incoming = with_app("web-2", "default", "web");
        incoming.spec.affinity = Some(Affinity {
            pod_anti_affinity: Some(Rules {
                preferred_during_scheduling_ignored_during_execution: vec![
                    WeightedPodAffinityTerm {
                        weight: 100,
                        pod_affinity_term: term("web"),
                    },
                ],
                ..Default::default()
            }),
            ..Default::default()
        });
        let u = PodUsage::of(&incoming);
        let empty = info(node("a", "1", "1Gi"));
        let mut crowded = info(node("b", "1", "1Gi"));
        crowded.add(&PodUsage::of(&with_app("web-1", "default", "web")));
        assert_eq!(Score::score(&PodAntiAffinity, &incoming, &u, &empty), 100);
        assert_eq!(Score::score(&PodAntiAffinity, &incoming, &u, &crowded), 50);
    }

    /// n1, n2 in zone a; n3 in zone b; n4 without a zone label; `on_n1`
    /// placed on n1.
    fn zones(on_n1: &Pod) -> crate::scheduler::Snapshot {
        let mut s = crate::scheduler::Snapshot::default();
        for (name, zone) in [("n1", "a"), ("n2", "a"), ("n3", "b"), ("n4", "")] {
            let mut n = node(name, "8", "8Gi");
            if !zone.is_empty() {
                n.metadata
                    .labels
                    .insert("topology.kubernetes.io/zone".into(), zone.into());
            }
            s.nodes.insert(name.into(), info(n));
        }
        s.nodes.get_mut("n1").unwrap().add(&PodUsage::of(on_n1));
        s
    }

    fn keyed(app: &str, key: &str) -> PodAffinityTerm {
        PodAffinityTerm {
            topology_key: key.into(),
            ..term(app)
        }
    }

    fn avoiding(mut p: Pod, required: Vec<PodAffinityTerm>) -> Pod {
        p.spec.affinity = Some(Affinity {
            pod_anti_affinity: Some(Rules {
                required_during_scheduling_ignored_during_execution: required,
                ..Default::default()
            }),
            ..Default::default()
        });
        p
    }

    /// Per node n1..n4, the reason the whole scheduler rejects it (`""`
    /// when it is feasible).
    fn verdicts(s: &crate::scheduler::Snapshot, p: &Pod) -> Vec<String> {
        let mut v = crate::scheduler::Scheduler::default().explain(s, p);
        v.sort_by(|a, b| a.node.cmp(&b.node));
        v.into_iter()
            .map(|v| {
                v.rejected
                    .map_or(String::new(), |r| r.reasons[0].to_string())
            })
            .collect()
    }

    const ZONE: &str = "topology.kubernetes.io/zone";
    const OWN: &str = "node(s) didn't match pod anti-affinity rules";
    const THEIRS: &str = "node(s) didn't satisfy existing pods anti-affinity rules";

    #[test]
    fn required_terms_keep_the_pod_out_of_the_whole_domain_of_a_match() {
        let web1 = with_app("web-1", "default", "web");
        let s = zones(&web1);
        // (the incoming pod's terms, verdicts on n1..n4)
        let table = [
            (vec![keyed("web", ZONE)], [OWN, OWN, "", ""]),
            (vec![keyed("web", HOSTNAME_TOPOLOGY)], [OWN, "", "", ""]),
            (vec![keyed("db", ZONE)], ["", "", "", ""]),
            // A key no node has: no node shares a domain with web-1.
            (vec![keyed("web", "rack")], ["", "", "", ""]),
            (
                vec![keyed("db", ZONE), keyed("web", ZONE)],
                [OWN, OWN, "", ""],
            ),
        ];
        for (terms, want) in table {
            let p = avoiding(with_app("web-2", "default", "web"), terms.clone());
            assert_eq!(verdicts(&s, &p), want, "{terms:?}");
        }
    }

    #[test]
    fn a_placed_pods_required_terms_keep_matching_pods_out_of_its_domain() {
        // (db-1's terms on n1, incoming pod's namespace, verdicts on n1..n4)
        let table = [
            (
                vec![keyed("web", ZONE)],
                "default",
                [THEIRS, THEIRS, "", ""],
            ),
            (
                vec![keyed("web", HOSTNAME_TOPOLOGY)],
                "default",
                [THEIRS, "", "", ""],
            ),
            // The term looks in db-1's own namespace only.
            (vec![keyed("web", ZONE)], "other", ["", "", "", ""]),
            (vec![keyed("cache", ZONE)], "default", ["", "", "", ""]),
        ];
        for (terms, ns, want) in table {
            let db1 = avoiding(with_app("db-1", "default", "db"), terms.clone());
            let mut s = zones(&db1);
            let incoming = with_app("web-2", ns, "web");
            assert_eq!(verdicts(&s, &incoming), want, "{terms:?} {ns}");
            // db-1 gone: nothing keeps the pod away any more.
            s.nodes.get_mut("n1").unwrap().remove(&PodUsage::of(&db1));
            assert_eq!(s.nodes["n1"].anti_wide, 0);
            assert_eq!(verdicts(&s, &incoming), ["", "", "", ""]);
        }
    }

    #[test]
    fn preferred_terms_over_a_zone_lower_the_score_of_the_whole_zone() {
        let s = zones(&with_app("web-1", "default", "web"));
        let mut p = with_app("web-2", "default", "web");
        p.spec.affinity = Some(Affinity {
            pod_anti_affinity: Some(Rules {
                preferred_during_scheduling_ignored_during_execution: vec![
                    WeightedPodAffinityTerm {
                        weight: 100,
                        pod_affinity_term: keyed("web", ZONE),
                    },
                ],
                ..Default::default()
            }),
            ..Default::default()
        });
        let mut v = crate::scheduler::Scheduler::default().explain(&s, &p);
        v.sort_by(|a, b| a.node.cmp(&b.node));
        let scores: Vec<i64> = v
            .iter()
            .map(|v| {
                v.scores
                    .iter()
                    .find(|(n, _, _)| *n == "PodAntiAffinity")
                    .map(|s| s.1)
                    .unwrap()
            })
            .collect();
        assert_eq!(scores, [50, 50, 100, 100]);
        assert_eq!(
            crate::scheduler::Scheduler::default().schedule(&s, &p),
            Ok("n3".to_string())
        );
    }
}
