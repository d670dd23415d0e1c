//! Score: spread the replicas of one owner (a ReplicaSet) across nodes, so a
//! node loss takes as few of them as possible. 100 with none of its siblings
//! on the node, 50 with one, 33 with two...

use crate::api::Pod;
use crate::scheduler::{NodeInfo, PodUsage, Score};

pub struct SpreadOwner;

impl Score for SpreadOwner {
    fn name(&self) -> &'static str {
        "SpreadOwner"
    }

    fn score(&self, _pod: &Pod, u: &PodUsage, n: &NodeInfo) -> i64 {
        let Some(owner) = &u.owner else { return 100 };
        let siblings = n.owners.get(owner).copied().unwrap_or(0) as i64;
        100 / (1 + siblings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::OwnerReference;
    use crate::scheduler::plugins::testing::{info, node, pod};

    #[test]
    fn nodes_with_fewer_siblings_score_higher() {
        let mut p = pod("", "");
        p.metadata.owner_references = vec![OwnerReference {
            uid: "rs-1".into(),
            controller: Some(true),
            ..Default::default()
        }];
        let u = PodUsage::of(&p);
        let mut n = info(node("a", "1", "1Gi"));
        assert_eq!(SpreadOwner.score(&p, &u, &n), 100);
        n.add(&u);
        assert_eq!(SpreadOwner.score(&p, &u, &n), 50);
        n.add(&u);
        assert_eq!(SpreadOwner.score(&p, &u, &n), 33);
        let orphan = pod("", "");
        assert_eq!(SpreadOwner.score(&orphan, &PodUsage::of(&orphan), &n), 100);
    }
}
