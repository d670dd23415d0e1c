//! Score: prefer nodes with the most CPU and memory left after placing the
//! pod (spreads load). 100 = empty, 0 = full.

use crate::api::Pod;
use crate::scheduler::{NodeInfo, PodUsage, Score};

pub struct LeastAllocated;

fn free_share(requested: i128, allocatable: i128) -> i64 {
    if allocatable <= 0 {
        return 0;
    }
    let free = (allocatable - requested).max(0);
    (free * 100 / allocatable) as i64
}

impl Score for LeastAllocated {
    fn name(&self) -> &'static str {
        "LeastAllocated"
    }

    fn score(&self, _pod: &Pod, u: &PodUsage, n: &NodeInfo) -> i64 {
        let cpu = free_share(n.req_cpu_milli + u.cpu_milli, n.alloc_cpu_milli);
        let mem = free_share(n.req_memory_bytes + u.memory_bytes, n.alloc_memory_bytes);
        // Pods without requests still spread: count pods as a third resource.
        let pods = free_share(i128::from(n.pod_count + 1), i128::from(n.alloc_pods));
        (cpu + mem + pods) / 3
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{info, node, pod};

    #[test]
    fn emptier_nodes_score_higher() {
        let p = pod("500m", "256Mi");
        let u = PodUsage::of(&p);
        let empty = info(node("a", "2", "2Gi"));
        let mut busy = info(node("b", "2", "2Gi"));
        busy.add(&u);
        busy.add(&u);
        let (se, sb) = (
            LeastAllocated.score(&p, &u, &empty),
            LeastAllocated.score(&p, &u, &busy),
        );
        assert!(se > sb, "{se} > {sb}");
        assert!((0..=100).contains(&se));
    }
}
