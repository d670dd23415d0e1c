//! The filter and score plugins, one file each.

mod balanced;
mod fit;
mod host_ports;
mod least_allocated;
mod most_allocated;
mod node_affinity;
mod node_ready;
mod node_selector;
mod pod_affinity;
mod pod_anti_affinity;
mod runtime_class;
mod spread_owner;
mod taint_toleration;
mod topology_spread;

pub use balanced::BalancedAllocation;
pub use fit::NodeResourcesFit;
pub use host_ports::HostPorts;
pub use least_allocated::LeastAllocated;
pub use most_allocated::MostAllocated;
pub use node_affinity::NodeAffinity;
pub use node_ready::NodeReady;
pub use node_selector::NodeSelector;
pub use pod_affinity::InterPodAffinity;
pub use pod_anti_affinity::PodAntiAffinity;
pub use runtime_class::RuntimeClass;
pub use spread_owner::SpreadOwner;
pub use taint_toleration::TaintToleration;
pub use topology_spread::PodTopologySpread;

#[cfg(test)]
pub(crate) mod testing {
    use crate::api::{Condition, Container, ContainerPort, Node, Pod, Quantity, new_object};
    use crate::scheduler::NodeInfo;
    use std::sync::Arc;

    pub fn node(name: &str, cpu: &str, mem: &str) -> Node {
        let mut n: Node = new_object("", name);
        for (k, v) in [("cpu", cpu), ("memory", mem), ("pods", "110")] {
            n.status
                .allocatable
                .insert(k.into(), v.parse::<Quantity>().unwrap());
        }
        n.status.conditions = vec![Condition::new("Ready", true, "NodeReady", "")];
        n
    }

    pub fn info(n: Node) -> NodeInfo {
        NodeInfo::new(Arc::new(n))
    }

    pub fn pod(cpu: &str, mem: &str) -> Pod {
        let mut p: Pod = new_object("default", "p");
        let mut c = Container {
            name: "c".into(),
            ..Default::default()
        };
        if !cpu.is_empty() {
            c.resources
                .requests
                .insert("cpu".into(), cpu.parse().unwrap());
        }
        if !mem.is_empty() {
            c.resources
                .requests
                .insert("memory".into(), mem.parse().unwrap());
        }
        p.spec.containers = vec![c];
        p
    }

    pub fn with_host_port(mut p: Pod, port: i32) -> Pod {
        p.spec.containers[0].ports.push(ContainerPort {
            container_port: port,
            host_port: Some(port),
            ..Default::default()
        });
        p
    }
}
