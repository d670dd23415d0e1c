//! `apps/v1` DaemonSet (one pod of a template on every eligible node) and
//! ControllerRevision (an immutable snapshot of a template, the history a
//! DaemonSet rolls back to), with the pure rules of where a daemon pod
//! belongs: the tolerations every daemon pod gets, whether a node should run
//! one, and the node affinity that pins a pod to its node.
//!
//! Pure data and functions, no I/O; imports only other `api` modules.

use super::apps::IntOrString;
use super::core::Node;
use super::meta::{Condition, ObjectMeta};
use super::placement::{
    Affinity, NodeAffinity, NodeSelectorRequirement, NodeSelectorSpec, NodeSelectorTerm, Taint,
    Toleration, tolerated,
};
use super::pod::{PodSpec, PodTemplateSpec};
use super::selector::LabelSelector;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Runs one pod of its template on each node it selects.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DaemonSet {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: DaemonSetSpec,
    pub status: DaemonSetStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DaemonSetSpec {
    pub selector: LabelSelector,
    #[serde(default)]
    pub template: PodTemplateSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_strategy: Option<DaemonSetUpdateStrategy>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_ready_seconds: i32,
    /// Old revisions kept for rollback (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i32>,
}

fn is_zero(v: &i32) -> bool {
    *v == 0
}

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DaemonSetUpdateStrategy {
    /// `RollingUpdate` (default) or `OnDelete`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<DaemonSetStrategyType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdateDaemonSet>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DaemonSetStrategyType {
    RollingUpdate,
    OnDelete,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RollingUpdateDaemonSet {
    /// Nodes whose daemon pod may be unavailable during an update (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
    /// Nodes that may run an old and a new pod at once (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<IntOrString>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DaemonSetStatus {
    #[serde(default)]
    pub current_number_scheduled: i32,
    #[serde(default)]
    pub number_misscheduled: i32,
    #[serde(default)]
    pub desired_number_scheduled: i32,
    #[serde(default)]
    pub number_ready: i32,
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub observed_generation: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub updated_number_scheduled: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub number_available: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub number_unavailable: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collision_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// An immutable snapshot of a controller's pod template at one revision.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ControllerRevision {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    /// The state at this revision (for a DaemonSet: `{"spec":{"template":…}}`).
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub data: serde_json::Value,
    pub revision: i64,
}

/// The label carrying the hash of the template a daemon pod was made from.
pub const REVISION_HASH_LABEL: &str = "controller-revision-hash";
/// The label carrying the DaemonSet generation a pod was made at.
pub const TEMPLATE_GENERATION_LABEL: &str = "pod-template-generation";

impl DaemonSet {
    pub fn strategy_type(&self) -> DaemonSetStrategyType {
        self.spec
            .update_strategy
            .as_ref()
            .and_then(|s| s.type_)
            .unwrap_or(DaemonSetStrategyType::RollingUpdate)
    }

    /// `(maxSurge, maxUnavailable)` resolved against the nodes that should run
    /// a pod, rounded up as Kubernetes does for DaemonSets; defaults 0 and 1.
    pub fn surge_and_unavailable(&self, desired: i32) -> Result<(i32, i32), String> {
        let ru = self
            .spec
            .update_strategy
            .as_ref()
            .and_then(|s| s.rolling_update.clone())
            .unwrap_or_default();
        let surge = ru
            .max_surge
            .unwrap_or(IntOrString::Int(0))
            .scaled(desired, true)?;
        let unavailable = ru
            .max_unavailable
            .unwrap_or(IntOrString::Int(1))
            .scaled(desired, true)?;
        if surge == 0 && unavailable == 0 {
            // Both 0 is refused by validation; a percentage of few nodes may
            // still round to it: keep the update moving one node at a time.
            return Ok((0, 1));
        }
        Ok((surge, unavailable))
    }

    pub fn revision_history_limit(&self) -> i32 {
        self.spec.revision_history_limit.unwrap_or(10).max(0)
    }
}

/// The tolerations Kubernetes adds to every daemon pod, so it runs on nodes
/// that are not ready, unreachable, under pressure or cordoned.
pub fn daemon_tolerations() -> Vec<Toleration> {
    let t = |key: &str, effect: &str| Toleration {
        key: key.into(),
        operator: "Exists".into(),
        value: String::new(),
        effect: effect.into(),
        toleration_seconds: None,
    };
    vec![
        t("node.kubernetes.io/not-ready", "NoExecute"),
        t("node.kubernetes.io/unreachable", "NoExecute"),
        t("node.kubernetes.io/disk-pressure", "NoSchedule"),
        t("node.kubernetes.io/memory-pressure", "NoSchedule"),
        t("node.kubernetes.io/pid-pressure", "NoSchedule"),
        t("node.kubernetes.io/unschedulable", "NoSchedule"),
    ]
}

/// Adds each of [`daemon_tolerations`] the spec does not already carry.
pub fn add_daemon_tolerations(spec: &mut PodSpec) {
    for t in daemon_tolerations() {
        let has = spec
            .tolerations
            .iter()
            .any(|x| x.key == t.key && x.effect == t.effect && x.operator == t.operator);
        if !has {
            spec.tolerations.push(t);
        }
    }
}

/// The taint a cordoned node is treated as carrying.
pub fn unschedulable_taint() -> Taint {
    Taint {
        key: "node.kubernetes.io/unschedulable".into(),
        value: String::new(),
        effect: "NoSchedule".into(),
        time_added: None,
    }
}

/// Whether a daemon pod of `spec` (its tolerations already completed with
/// [`add_daemon_tolerations`]) should run on `node`: the nodeSelector and
/// required node affinity select it and every NoSchedule/NoExecute taint is
/// tolerated. Readiness and cordoning do not matter: daemon pods tolerate them.
pub fn should_run_on(spec: &PodSpec, node: &Node) -> bool {
    let labels = &node.metadata.labels;
    if !spec
        .node_selector
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v))
    {
        return false;
    }
    if let Some(req) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        && !req
            .node_selector_terms
            .iter()
            .any(|t| t.matches(labels, &node.metadata.name))
    {
        return false;
    }
    node.spec
        .taints
        .iter()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .all(|t| tolerated(&spec.tolerations, t))
}

/// Pins a pod to `node` as Kubernetes does: the required node affinity
/// becomes one term matching the field `metadata.name`, which the scheduler
/// honours (preferred terms and other affinities stay).
pub fn pin_to_node(spec: &mut PodSpec, node: &str) {
    let term = NodeSelectorTerm {
        match_expressions: vec![],
        match_fields: vec![NodeSelectorRequirement {
            key: "metadata.name".into(),
            operator: "In".into(),
            values: vec![node.into()],
        }],
    };
    let affinity = spec.affinity.get_or_insert_with(Affinity::default);
    let na = affinity
        .node_affinity
        .get_or_insert_with(NodeAffinity::default);
    na.required_during_scheduling_ignored_during_execution = Some(NodeSelectorSpec {
        node_selector_terms: vec![term],
    });
}

/// The node a daemon pod belongs to: where it is bound, else the node its
/// required affinity names.
pub fn target_node(spec: &PodSpec) -> Option<&str> {
    if !spec.node_name.is_empty() {
        return Some(&spec.node_name);
    }
    spec.affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms
        .iter()
        .flat_map(|t| &t.match_fields)
        .find(|r| r.key == "metadata.name" && r.operator == "In" && r.values.len() == 1)
        .map(|r| r.values[0].as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str) -> Node {
        let mut n = Node::default();
        n.metadata.name = name.into();
        n
    }

    #[test]
    fn daemon_pods_tolerate_cordons_and_lost_nodes_but_not_other_taints() {
        let mut spec = PodSpec::default();
        add_daemon_tolerations(&mut spec);
        add_daemon_tolerations(&mut spec);
        assert_eq!(spec.tolerations.len(), 6, "added once");
        let mut n = node("a");
        n.spec.unschedulable = true;
        n.spec.taints = vec![
            unschedulable_taint(),
            Taint {
                key: "node.kubernetes.io/unreachable".into(),
                effect: "NoExecute".into(),
                ..Default::default()
            },
        ];
        assert!(should_run_on(&spec, &n));
        n.spec.taints.push(Taint {
            key: "dedicated".into(),
            value: "db".into(),
            effect: "NoSchedule".into(),
            time_added: None,
        });
        assert!(!should_run_on(&spec, &n));
        n.spec.taints.last_mut().unwrap().effect = "PreferNoSchedule".into();
        assert!(should_run_on(&spec, &n), "soft taints do not keep it off");
    }

    #[test]
    fn pinning_replaces_required_terms_and_is_read_back() {
        let mut spec = PodSpec::default();
        assert_eq!(target_node(&spec), None);
        pin_to_node(&mut spec, "n2");
        assert_eq!(target_node(&spec), Some("n2"));
        let mut n = node("n2");
        assert!(should_run_on(&spec, &n));
        n.metadata.name = "n3".into();
        assert!(!should_run_on(&spec, &n));
        spec.node_name = "n9".into();
        assert_eq!(target_node(&spec), Some("n9"));
    }

    #[test]
    fn update_parameters_default_and_round_up() {
        let mut ds = DaemonSet::default();
        assert_eq!(ds.surge_and_unavailable(10), Ok((0, 1)));
        ds.spec.update_strategy = Some(DaemonSetUpdateStrategy {
            type_: None,
            rolling_update: Some(RollingUpdateDaemonSet {
                max_unavailable: Some(IntOrString::String("25%".into())),
                max_surge: Some(IntOrString::Int(0)),
            }),
        });
        assert_eq!(ds.surge_and_unavailable(10), Ok((0, 3)));
        assert_eq!(ds.surge_and_unavailable(0), Ok((0, 1)));
    }
}
