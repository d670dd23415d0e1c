//! Filter: a pod that names a runtime (`spec.runtimeClassName`) only goes to
//! nodes that offer it, which they say with a `runtime.ork.dev/<name>` label.

use crate::api::{Pod, RUNTIME_LABEL_PREFIX};
use crate::scheduler::{Filter, NodeInfo, PodUsage, Reason, Status};

pub struct RuntimeClass;

impl Filter for RuntimeClass {
    fn name(&self) -> &'static str {
        "RuntimeClass"
    }

    fn filter(&self, pod: &Pod, _u: &PodUsage, n: &NodeInfo) -> Status {
        let want = &pod.spec.runtime_class_name;
        if want.is_empty() {
            return Status::success(self.name());
        }
        let key = format!("{RUNTIME_LABEL_PREFIX}{want}");
        if n.node
            .metadata
            .labels
            .get(&key)
            .is_some_and(|v| v == "true")
        {
            Status::success(self.name())
        } else {
            Status::unresolvable(self.name(), Reason::RuntimeNotOffered(want.clone()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::Code;
    use crate::scheduler::plugins::testing::{info, node, pod};

    #[test]
    fn pods_naming_a_runtime_only_go_where_it_is_offered() {
        let mut p = pod("", "");
        let u = PodUsage::of(&p);
        let plain = info(node("a", "1", "1Gi"));
        assert!(RuntimeClass.filter(&p, &u, &plain).is_success());
        p.spec.runtime_class_name = "docker".into();
        let s = RuntimeClass.filter(&p, &u, &plain);
        assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
        let mut n = node("b", "1", "1Gi");
        n.metadata
            .labels
            .insert("runtime.ork.dev/docker".into(), "true".into());
        assert!(RuntimeClass.filter(&p, &u, &info(n)).is_success());
    }
}
