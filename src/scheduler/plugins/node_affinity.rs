//! Filter: the node satisfies one of the pod's required node affinity terms
//! (`requiredDuringSchedulingIgnoredDuringExecution`). Score: the share of
//! the preferred terms' weight the node satisfies.

use crate::api::Pod;
use crate::api::placement::NodeAffinity as Rules;
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Score, Status};

pub struct NodeAffinity;

fn rules(pod: &Pod) -> Option<&Rules> {
    pod.spec.affinity.as_ref()?.node_affinity.as_ref()
}

impl Filter for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn filter(&self, pod: &Pod, _u: &PodUsage, n: &NodeInfo) -> Status {
        let Some(req) = rules(pod).and_then(|r| {
            r.required_during_scheduling_ignored_during_execution
                .as_ref()
        }) else {
            return Status::success(Filter::name(self));
        };
        let node = &n.node.metadata;
        if req
            .node_selector_terms
            .iter()
            .any(|t| t.matches(&node.labels, &node.name))
        {
            Status::success(Filter::name(self))
        } else {
            Status::unresolvable(Filter::name(self), Reason::NodeSelectorMismatch)
        }
    }
}

impl Score for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn score(&self, pod: &Pod, _u: &PodUsage, n: &NodeInfo) -> i64 {
        let Some(r) = rules(pod) else { return 0 };
        let prefs = &r.preferred_during_scheduling_ignored_during_execution;
        let total: i64 = prefs.iter().map(|p| i64::from(p.weight.max(0))).sum();
        if total == 0 {
            return 0;
        }
        let node = &n.node.metadata;
        let got: i64 = prefs
            .iter()
            .filter(|p| p.preference.matches(&node.labels, &node.name))
            .map(|p| i64::from(p.weight.max(0)))
            .sum();
        got * 100 / total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::placement::{
        Affinity, NodeSelectorRequirement, NodeSelectorSpec, NodeSelectorTerm,
        PreferredSchedulingTerm,
    };
    use crate::scheduler::plugins::testing::{info, node, pod};

    fn term(key: &str, op: &str, values: &[&str]) -> NodeSelectorTerm {
        NodeSelectorTerm {
            match_expressions: vec![NodeSelectorRequirement {
                key: key.into(),
                operator: op.into(),
                values: values.iter().map(|s| s.to_string()).collect(),
            }],
            match_fields: vec![],
        }
    }

    fn zoned(name: &str, zone: Option<&str>) -> NodeInfo {
        let mut n = node(name, "1", "1Gi");
        if let Some(z) = zone {
            n.metadata.labels.insert("zone".into(), z.into());
        }
        info(n)
    }

    #[test]
    fn required_terms_are_ored_and_each_operator_applies() {
        let mut p = pod("", "");
        p.spec.affinity = Some(Affinity {
            node_affinity: Some(Rules {
                required_during_scheduling_ignored_during_execution: Some(NodeSelectorSpec {
                    node_selector_terms: vec![
                        term("zone", "In", &["a"]),
                        term("zone", "DoesNotExist", &[]),
                    ],
                }),
                ..Default::default()
            }),
            ..Default::default()
        });
        let u = PodUsage::of(&p);
        // (node, passes?)
        for (n, ok) in [
            (zoned("a", Some("a")), true),
            (zoned("b", Some("b")), false),
            (zoned("none", None), true),
        ] {
            let s = NodeAffinity.filter(&p, &u, &n);
            assert_eq!(s.is_success(), ok, "{}", n.node.metadata.name);
            if !ok {
                assert_eq!(
                    s.reasons,
                    vec!["node(s) didn't match Pod's node affinity/selector"]
                );
            }
        }
        // No rules: every node passes.
        let plain = pod("", "");
        assert!(
            NodeAffinity
                .filter(&plain, &u, &zoned("b", Some("b")))
                .is_success()
        );
    }

    #[test]
    fn preferred_terms_score_by_weight() {
        let mut p = pod("", "");
        p.spec.affinity = Some(Affinity {
            node_affinity: Some(Rules {
                preferred_during_scheduling_ignored_during_execution: vec![
                    PreferredSchedulingTerm {
                        weight: 80,
                        preference: term("zone", "In", &["a"]),
                    },
                    PreferredSchedulingTerm {
                        weight: 20,
                        preference: term("zone", "NotIn", &["c"]),
                    },
                ],
                ..Default::default()
            }),
            ..Default::default()
        });
        let u = PodUsage::of(&p);
        assert_eq!(
            Score::score(&NodeAffinity, &p, &u, &zoned("a", Some("a"))),
            100
        );
        assert_eq!(
            Score::score(&NodeAffinity, &p, &u, &zoned("b", Some("b"))),
            20
        );
        assert_eq!(
            Score::score(&NodeAffinity, &p, &u, &zoned("c", Some("c"))),
            0
        );
    }
}
