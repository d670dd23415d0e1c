//! Filter: the node is Ready and not cordoned.

use crate::api::Pod;
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Status};

pub struct NodeReady;

impl Filter for NodeReady {
    fn name(&self) -> &'static str {
        "NodeReady"
    }

    fn filter(&self, _pod: &Pod, _u: &PodUsage, n: &NodeInfo) -> Status {
        if n.node.spec.unschedulable {
            return Status::unschedulable(self.name(), vec![Reason::Unschedulable]);
        }
        if !n.node.is_ready() {
            return Status::unschedulable(self.name(), vec![Reason::NodeNotReady]);
        }
        Status::success(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{info, node, pod};

    #[test]
    fn cordoned_and_not_ready_nodes_are_refused() {
        let p = pod("", "");
        let u = PodUsage::of(&p);
        assert!(
            NodeReady
                .filter(&p, &u, &info(node("a", "1", "1Gi")))
                .is_success()
        );
        let mut cordoned = node("a", "1", "1Gi");
        cordoned.spec.unschedulable = true;
        let s = NodeReady.filter(&p, &u, &info(cordoned));
        assert_eq!(s.reasons, vec!["node(s) were unschedulable"]);
        let mut down = node("a", "1", "1Gi");
        down.status.conditions[0].status = "False".into();
        let s = NodeReady.filter(&p, &u, &info(down));
        assert_eq!(s.reasons, vec!["node(s) were not ready"]);
    }
}
