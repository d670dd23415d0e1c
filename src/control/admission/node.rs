//! What a node may write, beyond the routes the authorizer lets it reach
//! (Kubernetes' NodeRestriction): the content of its writes.
//!
//! - Its Node: created under its own name, with any labels but those under
//!   `node-restriction.kubernetes.io/`; afterwards it may change only the
//!   labels it owns (`kubernetes.io/hostname|os|arch`, `node.kubernetes.io/…`,
//!   `ork.dev/runtime`, `runtime.ork.dev/…`), never its taints or the rest
//!   of its spec (cordoning and taints are an admin's).
//! - Events: only about itself or the pods bound to it.
//!
//! Pure: decisions over the objects and the one fact it needs (where a pod
//! is bound).

use crate::api::core::node_owns_label as owns_label;
use crate::api::{AnyObject, Event, Node};
use std::collections::BTreeMap;

/// Labels a node may never set on itself.
const FORBIDDEN_PREFIX: &str = "node-restriction.kubernetes.io/";

/// Why node `me` may not write `new` (over `old`, when it exists); `None`
/// when it may. `pod_node` says where a pod is bound.
pub fn refusal(
    me: &str,
    new: &AnyObject,
    old: Option<&AnyObject>,
    pod_node: &dyn Fn(&str, &str) -> Option<String>,
) -> Option<String> {
    match (new, old) {
        (AnyObject::Node(n), None) => node_create(me, n),
        (AnyObject::Node(n), Some(AnyObject::Node(o))) => node_update(n, o),
        (AnyObject::Event(e), _) => event(me, e, pod_node),
        _ => None,
    }
}

fn node_create(me: &str, n: &Node) -> Option<String> {
    if n.metadata.name != me {
        return Some(format!(
            "node {me:?} may not register a Node named {:?}",
            n.metadata.name
        ));
    }
    n.metadata
        .labels
        .keys()
        .find(|k| k.starts_with(FORBIDDEN_PREFIX))
        .map(|k| {
            format!(
                "a node may not set the label {k:?} (only admins set {FORBIDDEN_PREFIX} labels)"
            )
        })
}

fn changed_labels<'a>(
    new: &'a BTreeMap<String, String>,
    old: &'a BTreeMap<String, String>,
) -> impl Iterator<Item = &'a String> {
    new.iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .chain(old.keys().filter(|k| !new.contains_key(*k)))
}

fn node_update(n: &Node, o: &Node) -> Option<String> {
    if let Some(k) = changed_labels(&n.metadata.labels, &o.metadata.labels).find(|k| !owns_label(k))
    {
        return Some(format!(
            "a node may not change its label {k:?}: labels other than its own (hostname, os, arch, runtimes, node.kubernetes.io/…) are an admin's"
        ));
    }
    if n.spec != o.spec {
        return Some(
            "a node may not change its spec (taints, unschedulable): an admin does, with ork taint, cordon or drain"
                .into(),
        );
    }
    None
}

fn event(me: &str, e: &Event, pod_node: &dyn Fn(&str, &str) -> Option<String>) -> Option<String> {
    let o = &e.involved_object;
    let ok = match o.kind.as_str() {
        "Node" => o.name == me,
        "Pod" => pod_node(&o.namespace, &o.name).as_deref() == Some(me),
        _ => false,
    };
    (!ok).then(|| {
        format!(
            "node {me:?} may record events only about itself and its pods, not {} {}/{}",
            o.kind, o.namespace, o.name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Object;
    use crate::api::testing::Build;

    fn bound(_ns: &str, name: &str) -> Option<String> {
        (name == "mine").then(|| "a".to_string())
    }

    fn check(new: &AnyObject, old: Option<&AnyObject>) -> Option<String> {
        refusal("a", new, old, &bound)
    }

    #[test]
    fn a_node_registers_only_itself_and_changes_only_labels_it_owns() {
        let a = Node::test("a").labelled("zone", "1");
        assert_eq!(check(&a.clone().into_any(), None), None);
        assert!(check(&Node::test("b").into_any(), None).is_some());
        let bad = Node::test("a").labelled("node-restriction.kubernetes.io/x", "y");
        assert!(check(&bad.into_any(), None).is_some());
        let old = a.clone().into_any();
        let runtimes = a.clone().labelled("runtime.ork.dev/docker", "true");
        assert_eq!(check(&runtimes.into_any(), Some(&old)), None);
        let zone = a.clone().labelled("zone", "2");
        assert!(
            check(&zone.into_any(), Some(&old))
                .unwrap()
                .contains("\"zone\"")
        );
        let mut cordoned = a.clone();
        cordoned.spec.unschedulable = true;
        assert!(check(&cordoned.into_any(), Some(&old)).is_some());
        let mut untainted = a;
        untainted
            .spec
            .taints
            .push(crate::api::placement::Taint::parse("k=v:NoExecute").unwrap());
        assert!(check(&untainted.into_any(), Some(&old)).is_some());
    }

    #[test]
    fn a_node_records_events_only_about_itself_and_its_pods() {
        let about = |kind: &str, name: &str| {
            let mut e: Event = crate::api::new_object("default", "e");
            e.involved_object.kind = kind.into();
            e.involved_object.namespace = "default".into();
            e.involved_object.name = name.into();
            e.into_any()
        };
        assert_eq!(check(&about("Node", "a"), None), None);
        assert_eq!(check(&about("Pod", "mine"), None), None);
        assert!(check(&about("Node", "b"), None).is_some());
        assert!(check(&about("Pod", "theirs"), None).is_some());
        assert!(check(&about("Deployment", "web"), None).is_some());
    }
}
