//! How Kubernetes merges each list (and the few structs with `retainKeys`)
//! of the kinds ork serves: the `patchMergeKey` / `patchStrategy` tags of
//! Kubernetes' Go types, keyed by the schema type name and the JSON field
//! name, as ork's types are named like Kubernetes'. Strategic merge patch
//! and the OpenAPI documents (`x-kubernetes-patch-merge-key`,
//! `x-kubernetes-patch-strategy`) both read this one table.
//!
//! Pure data and lookups; imports nothing of ork.

/// How a field is merged by a strategic merge patch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldStrategy {
    /// For a list of objects: the field that identifies an element.
    /// `None` with `merge` set: a list of primitives merged as a set.
    pub merge_key: Option<&'static str>,
    /// Lists are merged (not replaced).
    pub merge: bool,
    /// Keys absent from the patch are cleared (`retainKeys`).
    pub retain_keys: bool,
}

impl FieldStrategy {
    const fn keyed(key: &'static str) -> Self {
        FieldStrategy {
            merge_key: Some(key),
            merge: true,
            retain_keys: false,
        }
    }

    /// The `x-kubernetes-patch-strategy` value Kubernetes publishes.
    pub fn strategy_name(&self) -> &'static str {
        match (self.merge, self.retain_keys) {
            (true, true) => "merge,retainKeys",
            (true, false) => "merge",
            (false, true) => "retainKeys",
            (false, false) => "replace",
        }
    }
}

/// `(type, field)` → strategy, from Kubernetes' types (k8s.io/api).
const TABLE: &[(&str, &str, FieldStrategy)] = &[
    (
        "ObjectMeta",
        "finalizers",
        FieldStrategy {
            merge_key: None,
            merge: true,
            retain_keys: false,
        },
    ),
    ("ObjectMeta", "ownerReferences", FieldStrategy::keyed("uid")),
    ("PodSpec", "containers", FieldStrategy::keyed("name")),
    ("PodSpec", "initContainers", FieldStrategy::keyed("name")),
    (
        "PodSpec",
        "ephemeralContainers",
        FieldStrategy::keyed("name"),
    ),
    (
        "PodSpec",
        "volumes",
        FieldStrategy {
            merge_key: Some("name"),
            merge: true,
            retain_keys: true,
        },
    ),
    ("PodSpec", "imagePullSecrets", FieldStrategy::keyed("name")),
    ("PodSpec", "hostAliases", FieldStrategy::keyed("ip")),
    (
        "PodSpec",
        "topologySpreadConstraints",
        FieldStrategy::keyed("topologyKey"),
    ),
    ("PodSpec", "resourceClaims", FieldStrategy::keyed("name")),
    ("PodSpec", "schedulingGates", FieldStrategy::keyed("name")),
    ("Container", "ports", FieldStrategy::keyed("containerPort")),
    ("Container", "env", FieldStrategy::keyed("name")),
    (
        "Container",
        "volumeMounts",
        FieldStrategy::keyed("mountPath"),
    ),
    (
        "Container",
        "volumeDevices",
        FieldStrategy::keyed("devicePath"),
    ),
    ("ServiceSpec", "ports", FieldStrategy::keyed("port")),
    ("PodStatus", "conditions", FieldStrategy::keyed("type")),
    ("PodStatus", "podIPs", FieldStrategy::keyed("ip")),
    ("PodStatus", "hostIPs", FieldStrategy::keyed("ip")),
    ("NodeStatus", "conditions", FieldStrategy::keyed("type")),
    ("NodeStatus", "addresses", FieldStrategy::keyed("type")),
    (
        "NamespaceStatus",
        "conditions",
        FieldStrategy::keyed("type"),
    ),
    (
        "DeploymentStatus",
        "conditions",
        FieldStrategy::keyed("type"),
    ),
    (
        "ReplicaSetStatus",
        "conditions",
        FieldStrategy::keyed("type"),
    ),
    (
        "HorizontalPodAutoscalerStatus",
        "conditions",
        FieldStrategy::keyed("type"),
    ),
    (
        "DeploymentSpec",
        "strategy",
        FieldStrategy {
            merge_key: None,
            merge: false,
            retain_keys: true,
        },
    ),
];

/// How field `field` of type `ty` merges; `None`: lists are replaced
/// whole, structs merged key by key (Kubernetes' default).
pub fn field_strategy(ty: &str, field: &str) -> Option<FieldStrategy> {
    TABLE
        .iter()
        .find(|(t, f, _)| *t == ty && *f == field)
        .map(|(_, _, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_merge_by_name_and_volumes_retain_keys() {
        let c = field_strategy("PodSpec", "containers").unwrap();
        assert_eq!(c.merge_key, Some("name"));
        assert_eq!(c.strategy_name(), "merge");
        let v = field_strategy("PodSpec", "volumes").unwrap();
        assert_eq!(v.strategy_name(), "merge,retainKeys");
        assert_eq!(field_strategy("Container", "command"), None);
        assert_eq!(
            field_strategy("DeploymentSpec", "strategy")
                .unwrap()
                .strategy_name(),
            "retainKeys"
        );
    }
}
