//! Filter: the node's allocatable CPU, memory and pod count hold the pod's
//! requests on top of what is already bound there. Every shortfall is
//! reported, not just the first.

use crate::api::Pod;
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Status};

pub struct NodeResourcesFit;

impl Filter for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn filter(&self, _pod: &Pod, u: &PodUsage, n: &NodeInfo) -> Status {
        let mut reasons = vec![];
        if n.pod_count + 1 > n.alloc_pods {
            reasons.push(Reason::TooManyPods);
        }
        if u.cpu_milli > 0 && n.req_cpu_milli + u.cpu_milli > n.alloc_cpu_milli {
            reasons.push(Reason::InsufficientCpu);
        }
        if u.memory_bytes > 0 && n.req_memory_bytes + u.memory_bytes > n.alloc_memory_bytes {
            reasons.push(Reason::InsufficientMemory);
        }
        if reasons.is_empty() {
            Status::success(self.name())
        } else {
            Status::unschedulable(self.name(), reasons)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{info, node, pod};

    #[test]
    fn every_shortfall_is_reported() {
        let mut n = info(node("a", "1", "1Gi"));
        let big = pod("2", "2Gi");
        let s = NodeResourcesFit.filter(&big, &PodUsage::of(&big), &n);
        assert_eq!(s.reasons, vec!["Insufficient cpu", "Insufficient memory"]);
        let half = pod("500m", "512Mi");
        let u = PodUsage::of(&half);
        assert!(NodeResourcesFit.filter(&half, &u, &n).is_success());
        n.add(&u);
        assert!(
            NodeResourcesFit.filter(&half, &u, &n).is_success(),
            "exactly full fits"
        );
        n.add(&u);
        let s = NodeResourcesFit.filter(&half, &u, &n);
        assert_eq!(s.reasons, vec!["Insufficient cpu", "Insufficient memory"]);
    }

    #[test]
    fn pods_without_requests_are_limited_by_pod_count() {
        let mut n = info(node("a", "1", "1Gi"));
        n.alloc_pods = 1;
        let p = pod("", "");
        let u = PodUsage::of(&p);
        assert!(NodeResourcesFit.filter(&p, &u, &n).is_success());
        n.add(&u);
        assert_eq!(
            NodeResourcesFit.filter(&p, &u, &n).reasons,
            vec!["Too many pods"]
        );
    }
}
