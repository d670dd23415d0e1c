//! Filter: a node's `NoSchedule` and `NoExecute` taints keep off pods that do
//! not tolerate them. Score: fewer untolerated `PreferNoSchedule` taints is
//! better.

use crate::api::Pod;
use crate::api::placement::tolerated;
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Score, Status};

pub struct TaintToleration;

impl Filter for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn filter(&self, pod: &Pod, _u: &PodUsage, n: &NodeInfo) -> Status {
        let untolerated = n.node.spec.taints.iter().find(|t| {
            matches!(t.effect.as_str(), "NoSchedule" | "NoExecute")
                && !tolerated(&pod.spec.tolerations, t)
        });
        match untolerated {
            None => Status::success(Filter::name(self)),
            Some(t) => Status::unresolvable(
                Filter::name(self),
                Reason::TaintNotTolerated {
                    key: t.key.clone(),
                    value: t.value.clone(),
                },
            ),
        }
    }
}

impl Score for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn score(&self, pod: &Pod, _u: &PodUsage, n: &NodeInfo) -> i64 {
        let untolerated = n
            .node
            .spec
            .taints
            .iter()
            .filter(|t| t.effect == "PreferNoSchedule" && !tolerated(&pod.spec.tolerations, t))
            .count() as i64;
        100 / (1 + untolerated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::placement::{Taint, Toleration};
    use crate::scheduler::Code;
    use crate::scheduler::plugins::testing::{info, node, pod};

    fn tainted(effect: &str) -> NodeInfo {
        let mut n = node("n", "1", "1Gi");
        n.spec.taints = vec![Taint {
            key: "dedicated".into(),
            value: "gpu".into(),
            effect: effect.into(),
            time_added: None,
        }];
        info(n)
    }

    #[test]
    fn untolerated_hard_taints_refuse_and_name_the_taint() {
        let plain = pod("", "");
        let mut tolerant = pod("", "");
        tolerant.spec.tolerations = vec![Toleration {
            key: "dedicated".into(),
            operator: "Exists".into(),
            ..Default::default()
        }];
        // (effect, pod, passes?)
        let table = [
            ("NoSchedule", &plain, false),
            ("NoExecute", &plain, false),
            ("PreferNoSchedule", &plain, true),
            ("NoSchedule", &tolerant, true),
            ("NoExecute", &tolerant, true),
        ];
        for (effect, p, ok) in table {
            let s = TaintToleration.filter(p, &PodUsage::of(p), &tainted(effect));
            assert_eq!(s.is_success(), ok, "{effect}");
            if !ok {
                assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
                assert_eq!(
                    s.reasons,
                    vec!["node(s) had untolerated taint {dedicated: gpu}"]
                );
            }
        }
    }

    #[test]
    fn prefer_no_schedule_lowers_the_score_unless_tolerated() {
        let p = pod("", "");
        let u = PodUsage::of(&p);
        let clean = info(node("c", "1", "1Gi"));
        let soft = tainted("PreferNoSchedule");
        assert!(
            Score::score(&TaintToleration, &p, &u, &clean)
                > Score::score(&TaintToleration, &p, &u, &soft)
        );
        let mut t = p.clone();
        t.spec.tolerations = vec![Toleration {
            key: "dedicated".into(),
            value: "gpu".into(),
            ..Default::default()
        }];
        assert_eq!(Score::score(&TaintToleration, &t, &u, &soft), 100);
    }
}
