//! Score: prefer nodes with the least CPU and memory left after placing the
//! pod (bin packing: fill nodes before opening new ones). 100 = full after
//! placement, 0 = empty. Used instead of least-allocated with
//! `ork control --scheduling-strategy binpack`.

use super::least_allocated::requested_after;
use crate::api::Pod;
use crate::scheduler::{NodeInfo, PodUsage, Score};

pub struct MostAllocated;

fn used_share(requested: i128, allocatable: i128) -> i64 {
    if allocatable <= 0 {
        return 0;
    }
    (requested.min(allocatable) * 100 / allocatable) as i64
}

impl Score for MostAllocated {
    fn name(&self) -> &'static str {
        "MostAllocated"
    }

    fn score(&self, _pod: &Pod, u: &PodUsage, n: &NodeInfo) -> i64 {
        let (cpu, mem) = requested_after(u, n);
        (used_share(cpu, n.alloc_cpu_milli) + used_share(mem, n.alloc_memory_bytes)) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{info, node, pod};

    #[test]
    fn fuller_nodes_score_higher() {
        let p = pod("500m", "512Mi");
        let u = PodUsage::of(&p);
        let empty = info(node("a", "4", "8Gi"));
        let mut busy = info(node("b", "4", "8Gi"));
        busy.req_cpu_milli = 3000;
        busy.req_memory_bytes = 6 << 30;
        assert!(MostAllocated.score(&p, &u, &busy) > MostAllocated.score(&p, &u, &empty));
        assert_eq!(MostAllocated.score(&p, &u, &empty), (12 + 6) / 2);
    }
}
