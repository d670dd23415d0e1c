//! Filter: the node is Ready and not cordoned (unless the pod tolerates
//! `node.kubernetes.io/unschedulable`, as daemon pods do).

use crate::api::Pod;
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Status};

pub struct NodeReady;

impl Filter for NodeReady {
    fn name(&self) -> &'static str {
        "NodeReady"
    }

    fn filter(&self, pod: &Pod, _u: &PodUsage, n: &NodeInfo) -> Status {
        // A cordoned node counts as tainted `node.kubernetes.io/unschedulable`
        // (NoSchedule): pods that tolerate it (daemon pods) may still go there.
        if n.node.spec.unschedulable
            && !crate::api::placement::tolerated(
                &pod.spec.tolerations,
                &crate::api::daemonset::unschedulable_taint(),
            )
        {
            return Status::unschedulable(self.name(), vec![Reason::Unschedulable]);
        }
        if !n.ready {
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
        let s = NodeReady.filter(&p, &u, &info(cordoned.clone()));
        assert_eq!(s.reasons, vec!["node(s) were unschedulable"]);
        let mut daemon = p.clone();
        crate::api::daemonset::add_daemon_tolerations(&mut daemon.spec);
        assert!(
            NodeReady
                .filter(&daemon, &u, &info(cordoned.clone()))
                .is_success(),
            "pods tolerating the unschedulable taint may go to cordoned nodes"
        );
        let mut down = node("a", "1", "1Gi");
        down.status.conditions[0].status = "False".into();
        let s = NodeReady.filter(&p, &u, &info(down));
        assert_eq!(s.reasons, vec!["node(s) were not ready"]);
    }
}
