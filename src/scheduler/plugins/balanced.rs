//! Score: prefer nodes whose CPU and memory would be used in the same
//! proportion after placing the pod (Kubernetes' BalancedResourceAllocation),
//! so neither runs out while the other sits idle. 100 = equal shares.

use super::least_allocated::requested_after;
use crate::api::Pod;
use crate::scheduler::{NodeInfo, PodUsage, Score};

pub struct BalancedAllocation;

impl Score for BalancedAllocation {
    fn name(&self) -> &'static str {
        "BalancedAllocation"
    }

    fn score(&self, _pod: &Pod, u: &PodUsage, n: &NodeInfo) -> i64 {
        if n.alloc_cpu_milli <= 0 || n.alloc_memory_bytes <= 0 {
            return 0;
        }
        // Through i64 when it fits: i128 to f64 is a library call.
        let float = |v: i128| i64::try_from(v).map_or(v as f64, |v| v as f64);
        let share = |req: i128, alloc: i128| (float(req) / float(alloc)).min(1.0);
        let (cpu, mem) = requested_after(u, n);
        let (cpu, mem) = (
            share(cpu, n.alloc_cpu_milli),
            share(mem, n.alloc_memory_bytes),
        );
        ((1.0 - (cpu - mem).abs()) * 100.0) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{info, node, pod};

    #[test]
    fn even_use_beats_lopsided_use() {
        // A CPU-heavy pod: better on the node short of CPU use than on the
        // one already CPU-heavy.
        let p = pod("2", "256Mi");
        let u = PodUsage::of(&p);
        let mut cpu_heavy = info(node("a", "4", "8Gi"));
        cpu_heavy.req_cpu_milli = 2000;
        let mut mem_heavy = info(node("b", "4", "8Gi"));
        mem_heavy.req_memory_bytes = 4 << 30;
        let a = BalancedAllocation.score(&p, &u, &cpu_heavy);
        let b = BalancedAllocation.score(&p, &u, &mem_heavy);
        assert!(b > a, "{b} > {a}");
        assert!((0..=100).contains(&a) && (0..=100).contains(&b));
    }
}
