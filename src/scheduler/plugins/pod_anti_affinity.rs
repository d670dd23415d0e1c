//! Filter: no pod on the node matches one of the pod's required
//! anti-affinity terms (topology `kubernetes.io/hostname`: one node, one
//! domain). Score: fewer matching pods under the preferred terms, by weight.

use crate::api::Pod;
use crate::api::placement::PodAntiAffinity as Rules;
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Score, Status};

pub struct PodAntiAffinity;

fn rules(pod: &Pod) -> Option<&Rules> {
    pod.spec.affinity.as_ref()?.pod_anti_affinity.as_ref()
}

impl Filter for PodAntiAffinity {
    fn name(&self) -> &'static str {
        "PodAntiAffinity"
    }

    fn filter(&self, pod: &Pod, _u: &PodUsage, n: &NodeInfo) -> Status {
        let Some(r) = rules(pod) else {
            return Status::success(Filter::name(self));
        };
        let own = &pod.metadata.namespace;
        let clash = r
            .required_during_scheduling_ignored_during_execution
            .iter()
            .any(|t| {
                n.pod_labels.iter().any(|(uid, (ns, labels))| {
                    *uid != pod.metadata.uid && t.selects(own, ns, labels)
                })
            });
        if clash {
            Status::unschedulable(Filter::name(self), vec![Reason::PodAntiAffinityConflict])
        } else {
            Status::success(Filter::name(self))
        }
    }
}

impl Score for PodAntiAffinity {
    fn name(&self) -> &'static str {
        "PodAntiAffinity"
    }

    fn score(&self, pod: &Pod, _u: &PodUsage, n: &NodeInfo) -> i64 {
        let Some(r) = rules(pod) else { return 100 };
        let own = &pod.metadata.namespace;
        let penalty: i64 = r
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .map(|w| {
                let matching = n
                    .pod_labels
                    .values()
                    .filter(|(ns, labels)| w.pod_affinity_term.selects(own, ns, labels))
                    .count() as i64;
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
}
