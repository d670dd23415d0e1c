//! Filter: the node carries every label of the pod's `nodeSelector`.

use crate::api::Pod;
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Status};

pub struct NodeSelector;

impl Filter for NodeSelector {
    fn name(&self) -> &'static str {
        "NodeSelector"
    }

    fn filter(&self, pod: &Pod, _u: &PodUsage, n: &NodeInfo) -> Status {
        let labels = &n.node.metadata.labels;
        let fits = pod
            .spec
            .node_selector
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v));
        if fits {
            Status::success(self.name())
        } else {
            Status::unresolvable(self.name(), Reason::NodeSelectorMismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::Code;
    use crate::scheduler::plugins::testing::{info, node, pod};

    #[test]
    fn nodes_without_the_selected_labels_are_refused() {
        let mut p = pod("", "");
        p.spec.node_selector.insert("disk".into(), "ssd".into());
        let u = PodUsage::of(&p);
        let plain = info(node("a", "1", "1Gi"));
        let s = NodeSelector.filter(&p, &u, &plain);
        assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
        let mut n = node("b", "1", "1Gi");
        n.metadata.labels.insert("disk".into(), "ssd".into());
        assert!(NodeSelector.filter(&p, &u, &info(n)).is_success());
    }
}
