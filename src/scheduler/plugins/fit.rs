//! Filter: the node's allocatable CPU, memory, pod count and extended
//! resources (`example.com/dongle`, advertised with `ork node --capacity`)
//! hold the pod's requests on top of what is already bound there; a node
//! that does not advertise an extended resource has none of it. Every
//! shortfall is reported, not just the first.

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
        for (name, want) in &u.extended {
            let have = n.alloc_extended.get(name).copied().unwrap_or(0);
            let used = n.req_extended.get(name).copied().unwrap_or(0);
            if used + want > have {
                reasons.push(Reason::InsufficientResource(name.clone()));
            }
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
    fn extended_resources_fit_only_where_advertised_and_left() {
        let plain = info(node("plain", "4", "4Gi"));
        let mut n = node("dongled", "4", "4Gi");
        n.status
            .allocatable
            .insert("example.com/dongle".into(), "4".parse().unwrap());
        let mut dongled = info(n);
        let mut p = pod("", "");
        let r = &mut p.spec.containers[0].resources;
        for map in [&mut r.requests, &mut r.limits] {
            map.insert("example.com/dongle".into(), "3".parse().unwrap());
        }
        let u = PodUsage::of(&p);
        assert_eq!(
            NodeResourcesFit.filter(&p, &u, &plain).reasons,
            vec!["Insufficient example.com/dongle"]
        );
        assert!(NodeResourcesFit.filter(&p, &u, &dongled).is_success());
        dongled.add(&u);
        assert_eq!(
            NodeResourcesFit.filter(&p, &u, &dongled).reasons,
            vec!["Insufficient example.com/dongle"],
            "3 of 4 are taken"
        );
        dongled.remove(&u);
        assert!(dongled.req_extended.is_empty());
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
