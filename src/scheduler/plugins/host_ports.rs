//! Filter: the host ports the pod asks for are free on the node.

use crate::api::Pod;
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Status};

pub struct HostPorts;

impl Filter for HostPorts {
    fn name(&self) -> &'static str {
        "HostPorts"
    }

    fn filter(&self, _pod: &Pod, u: &PodUsage, n: &NodeInfo) -> Status {
        match u.host_ports.iter().find(|p| n.host_ports.contains_key(p)) {
            Some(&(port, protocol)) => {
                Status::unschedulable(self.name(), vec![Reason::HostPortTaken(port, protocol)])
            }
            None => Status::success(self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{info, node, pod, with_host_port};

    #[test]
    fn a_taken_host_port_is_refused() {
        let mut n = info(node("a", "1", "1Gi"));
        let p = with_host_port(pod("", ""), 8080);
        let u = PodUsage::of(&p);
        assert!(HostPorts.filter(&p, &u, &n).is_success());
        n.add(&u);
        assert!(!HostPorts.filter(&p, &u, &n).is_success());
        n.remove(&u);
        assert!(HostPorts.filter(&p, &u, &n).is_success());
    }
}
