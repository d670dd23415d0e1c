//! Score: prefer nodes with the most CPU and memory left after placing the
//! pod (spreads load). 100 = empty, 0 = full. As in Kubernetes, a pod that
//! requests nothing counts as 100m CPU and 200 MiB here (only for scoring), so
//! such pods spread too.

use crate::api::Pod;
use crate::scheduler::{NodeInfo, PodUsage, Score};

pub struct LeastAllocated;

/// CPU a pod without a request counts as when scoring.
pub const DEFAULT_CPU_MILLI: i128 = 100;
/// Memory a pod without a request counts as when scoring.
pub const DEFAULT_MEMORY_BYTES: i128 = 200 << 20;

/// CPU (millicores) and memory (bytes) the node would have requested with
/// the pod placed, a pod without requests counting as the defaults above.
/// Shared by every capacity score.
pub fn requested_after(u: &PodUsage, n: &NodeInfo) -> (i128, i128) {
    let or_default = |v: i128, d: i128| if v > 0 { v } else { d };
    (
        n.req_cpu_milli + or_default(u.cpu_milli, DEFAULT_CPU_MILLI),
        n.req_memory_bytes + or_default(u.memory_bytes, DEFAULT_MEMORY_BYTES),
    )
}

fn free_share(requested: i128, allocatable: i128) -> i64 {
    if allocatable <= 0 {
        return 0;
    }
    let free = (allocatable - requested).max(0);
    // In i64 when it fits (always, for real nodes): i128 division is a
    // library call, and this runs once per pod and node.
    match (i64::try_from(free), i64::try_from(allocatable)) {
        (Ok(f), Ok(a)) if f <= i64::MAX / 100 => f * 100 / a,
        _ => (free * 100 / allocatable) as i64,
    }
}

impl Score for LeastAllocated {
    fn name(&self) -> &'static str {
        "LeastAllocated"
    }

    fn score(&self, _pod: &Pod, u: &PodUsage, n: &NodeInfo) -> i64 {
        let (cpu, mem) = requested_after(u, n);
        (free_share(cpu, n.alloc_cpu_milli) + free_share(mem, n.alloc_memory_bytes)) / 2
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
