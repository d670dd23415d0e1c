//! Placement rules of the Kubernetes dialect: node taints, pod tolerations
//! and node affinity, with the pure matching Kubernetes defines for them
//! (what tolerates what, which node a selector term selects).
//!
//! Pure data and functions, no I/O.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A node's taint: pods that do not tolerate it are kept off (NoSchedule),
/// preferably off (PreferNoSchedule), or also evicted (NoExecute).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Taint {
    pub key: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_added: Option<super::meta::Time>,
}

impl Taint {
    /// `{key: value}` as the scheduler's reasons print it.
    pub fn describe(&self) -> String {
        format!("{{{}: {}}}", self.key, self.value)
    }

    /// `key=value:Effect` (the `--taint` syntax), parsed.
    pub fn parse(s: &str) -> Result<Taint, String> {
        let (kv, effect) = s
            .rsplit_once(':')
            .ok_or_else(|| format!("taint {s:?}: expected KEY[=VALUE]:EFFECT"))?;
        if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect) {
            return Err(format!(
                "taint {s:?}: effect must be NoSchedule, PreferNoSchedule or NoExecute"
            ));
        }
        let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
        if key.is_empty() {
            return Err(format!("taint {s:?}: the key is empty"));
        }
        Ok(Taint {
            key: key.into(),
            value: value.into(),
            effect: effect.into(),
            time_added: None,
        })
    }
}

/// A pod's permission to run despite matching taints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toleration {
    /// Empty with `Exists`: tolerates every taint.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// `Equal` (default) or `Exists`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub operator: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// Empty: every effect.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub effect: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// Whether this toleration tolerates `t` (Kubernetes' ToleratesTaint).
    pub fn tolerates(&self, t: &Taint) -> bool {
        if !self.effect.is_empty() && self.effect != t.effect {
            return false;
        }
        if !self.key.is_empty() && self.key != t.key {
            return false;
        }
        match self.operator.as_str() {
            "Exists" => true,
            "" | "Equal" => self.value == t.value,
            _ => false,
        }
    }
}

/// Whether any toleration tolerates the taint.
pub fn tolerated(tolerations: &[Toleration], t: &Taint) -> bool {
    tolerations.iter().any(|tol| tol.tolerates(t))
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Affinity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_affinity: Option<NodeAffinity>,
    /// Go near pods that match (in the same topology domain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_affinity: Option<PodAffinity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_anti_affinity: Option<PodAntiAffinity>,
}

/// Run in a topology domain (a node, a zone: the nodes sharing the
/// term's `topologyKey` label value) that holds pods which match.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodAffinity {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_during_scheduling_ignored_during_execution: Vec<PodAffinityTerm>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred_during_scheduling_ignored_during_execution: Vec<WeightedPodAffinityTerm>,
}

/// `spec.topologySpreadConstraints[]`: how unevenly the pods a selector
/// matches may spread over the domains of a topology key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TopologySpreadConstraint {
    /// The most the matching pods of one domain may exceed the fewest of
    /// any eligible domain (at least 1).
    pub max_skew: i32,
    /// The node label whose values are the domains.
    pub topology_key: String,
    /// `DoNotSchedule` (a filter) or `ScheduleAnyway` (a score).
    pub when_unsatisfiable: String,
    /// Which pods count (in the pod's namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<super::selector::LabelSelector>,
    /// With fewer eligible domains than this, the global minimum counts as
    /// 0 (only with `DoNotSchedule`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_domains: Option<i32>,
    /// Label keys whose values, taken from the incoming pod, are added to
    /// the selector (`pod-template-hash`: spread per rollout revision).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_label_keys: Vec<String>,
    /// `Honor` (default: only nodes the pod's node affinity/selector
    /// allows are domains) or `Ignore`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_affinity_policy: Option<String>,
    /// `Ignore` (default) or `Honor` (nodes with taints the pod does not
    /// tolerate are not domains).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_taints_policy: Option<String>,
}

impl TopologySpreadConstraint {
    /// Whether the constraint is a hard one (`DoNotSchedule`).
    pub fn is_hard(&self) -> bool {
        self.when_unsatisfiable == "DoNotSchedule"
    }

    /// The selector of the pods that count for a pod with `own` labels:
    /// `labelSelector` plus `matchLabelKeys` with the pod's values. `None`
    /// when the constraint has no selector (it then counts nothing).
    pub fn selector(&self, own: &BTreeMap<String, String>) -> Option<super::selector::Selector> {
        let mut sel = self.label_selector.clone()?;
        for k in &self.match_label_keys {
            if let Some(v) = own.get(k) {
                sel.match_labels.insert(k.clone(), v.clone());
            }
        }
        sel.to_selector().ok()
    }
}

/// The topology key ork's pod anti-affinity supports: one node is one domain.
pub const HOSTNAME_TOPOLOGY: &str = "kubernetes.io/hostname";

/// Keep away from pods that match (on the same node).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodAntiAffinity {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_during_scheduling_ignored_during_execution: Vec<PodAffinityTerm>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred_during_scheduling_ignored_during_execution: Vec<WeightedPodAffinityTerm>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodAffinityTerm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<super::selector::LabelSelector>,
    /// Empty: the pod's own namespace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    pub topology_key: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WeightedPodAffinityTerm {
    /// 1–100.
    pub weight: i32,
    pub pod_affinity_term: PodAffinityTerm,
}

impl PodAffinityTerm {
    /// Whether another pod (its namespace and labels) matches this term of a
    /// pod in `own_namespace`. A term without a selector matches nothing.
    pub fn selects(
        &self,
        own_namespace: &str,
        ns: &str,
        labels: &BTreeMap<String, String>,
    ) -> bool {
        let in_scope = if self.namespaces.is_empty() {
            ns == own_namespace
        } else {
            self.namespaces.iter().any(|n| n == ns)
        };
        in_scope
            && self
                .label_selector
                .as_ref()
                .and_then(|s| s.to_selector().ok())
                .is_some_and(|s| s.matches(labels))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeAffinity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_during_scheduling_ignored_during_execution: Option<NodeSelectorSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred_during_scheduling_ignored_during_execution: Vec<PreferredSchedulingTerm>,
}

/// Kubernetes' `NodeSelector`: the terms are ORed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSelectorSpec {
    pub node_selector_terms: Vec<NodeSelectorTerm>,
}

/// Requirements that are ANDed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSelectorTerm {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<NodeSelectorRequirement>,
    /// Only `metadata.name` is a field Kubernetes defines here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_fields: Vec<NodeSelectorRequirement>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSelectorRequirement {
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`.
    pub operator: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreferredSchedulingTerm {
    /// 1–100.
    pub weight: i32,
    pub preference: NodeSelectorTerm,
}

impl NodeSelectorRequirement {
    /// Whether a value (a label's, or a field's) satisfies the requirement.
    pub fn matches(&self, value: Option<&str>) -> bool {
        match self.operator.as_str() {
            "In" => value.is_some_and(|v| self.values.iter().any(|x| x == v)),
            "NotIn" => value.is_none_or(|v| !self.values.iter().any(|x| x == v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            "Gt" | "Lt" => {
                let (Some(v), Some(bound)) = (
                    value.and_then(|v| v.parse::<i64>().ok()),
                    self.values.first().and_then(|b| b.parse::<i64>().ok()),
                ) else {
                    return false;
                };
                if self.operator == "Gt" {
                    v > bound
                } else {
                    v < bound
                }
            }
            _ => false,
        }
    }

    /// What is wrong with the requirement, if anything.
    pub fn problem(&self) -> Option<String> {
        match self.operator.as_str() {
            "In" | "NotIn" if self.values.is_empty() => {
                Some(format!("{} needs values", self.operator))
            }
            "Exists" | "DoesNotExist" if !self.values.is_empty() => {
                Some(format!("{} takes no values", self.operator))
            }
            "Gt" | "Lt" if self.values.len() != 1 || self.values[0].parse::<i64>().is_err() => {
                Some(format!("{} needs one integer value", self.operator))
            }
            "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" => None,
            other => Some(format!(
                "unknown operator {other:?}; use In, NotIn, Exists, DoesNotExist, Gt or Lt"
            )),
        }
    }
}

impl NodeSelectorTerm {
    /// Whether a node with these labels and this name is selected. An empty
    /// term selects nothing, as in Kubernetes.
    pub fn matches(&self, labels: &BTreeMap<String, String>, node_name: &str) -> bool {
        if self.match_expressions.is_empty() && self.match_fields.is_empty() {
            return false;
        }
        self.match_expressions
            .iter()
            .all(|r| r.matches(labels.get(&r.key).map(String::as_str)))
            && self
                .match_fields
                .iter()
                .all(|r| r.matches((r.key == "metadata.name").then_some(node_name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(k: &str, v: &str, e: &str) -> Taint {
        Taint {
            key: k.into(),
            value: v.into(),
            effect: e.into(),
            time_added: None,
        }
    }

    fn tol(k: &str, op: &str, v: &str, e: &str) -> Toleration {
        Toleration {
            key: k.into(),
            operator: op.into(),
            value: v.into(),
            effect: e.into(),
            toleration_seconds: None,
        }
    }

    #[test]
    fn tolerations_match_as_in_kubernetes() {
        let gpu = taint("dedicated", "gpu", "NoSchedule");
        // (toleration, tolerates?)
        let table = [
            (tol("dedicated", "Equal", "gpu", "NoSchedule"), true),
            (tol("dedicated", "", "gpu", ""), true),
            (tol("dedicated", "Exists", "", ""), true),
            (tol("", "Exists", "", ""), true),
            (tol("", "Exists", "", "NoExecute"), false),
            (tol("dedicated", "Equal", "cpu", "NoSchedule"), false),
            (tol("other", "Exists", "", ""), false),
            (tol("dedicated", "Equal", "gpu", "PreferNoSchedule"), false),
            (tol("dedicated", "Bogus", "gpu", ""), false),
        ];
        for (t, want) in table {
            assert_eq!(t.tolerates(&gpu), want, "{t:?}");
        }
    }

    #[test]
    fn taints_parse_from_the_flag_syntax() {
        assert_eq!(
            Taint::parse("dedicated=gpu:NoSchedule").unwrap(),
            taint("dedicated", "gpu", "NoSchedule")
        );
        assert_eq!(
            Taint::parse("spot:PreferNoSchedule").unwrap(),
            taint("spot", "", "PreferNoSchedule")
        );
        assert!(Taint::parse("x=y").is_err());
        assert!(Taint::parse("x=y:Sometimes").is_err());
        assert!(Taint::parse("=y:NoSchedule").is_err());
    }

    #[test]
    fn selector_requirements_match_every_operator() {
        let r = |op: &str, vals: &[&str]| NodeSelectorRequirement {
            key: "k".into(),
            operator: op.into(),
            values: vals.iter().map(|s| s.to_string()).collect(),
        };
        // (requirement, value, matches?)
        let table = [
            (r("In", &["a", "b"]), Some("a"), true),
            (r("In", &["a"]), Some("c"), false),
            (r("In", &["a"]), None, false),
            (r("NotIn", &["a"]), Some("c"), true),
            (r("NotIn", &["a"]), None, true),
            (r("NotIn", &["a"]), Some("a"), false),
            (r("Exists", &[]), Some(""), true),
            (r("Exists", &[]), None, false),
            (r("DoesNotExist", &[]), None, true),
            (r("DoesNotExist", &[]), Some("x"), false),
            (r("Gt", &["5"]), Some("7"), true),
            (r("Gt", &["5"]), Some("5"), false),
            (r("Lt", &["5"]), Some("3"), true),
            (r("Lt", &["5"]), Some("x"), false),
        ];
        for (req, v, want) in table {
            assert_eq!(req.matches(v), want, "{req:?} on {v:?}");
        }
        assert!(r("In", &[]).problem().is_some());
        assert!(r("Gt", &["x"]).problem().is_some());
        assert!(r("Near", &["x"]).problem().is_some());
        assert!(r("Exists", &[]).problem().is_none());
    }

    #[test]
    fn terms_and_their_requirements_and_fields() {
        let labels: BTreeMap<String, String> = [("zone".to_string(), "a".to_string())].into();
        let term = NodeSelectorTerm {
            match_expressions: vec![NodeSelectorRequirement {
                key: "zone".into(),
                operator: "In".into(),
                values: vec!["a".into()],
            }],
            match_fields: vec![NodeSelectorRequirement {
                key: "metadata.name".into(),
                operator: "NotIn".into(),
                values: vec!["n2".into()],
            }],
        };
        assert!(term.matches(&labels, "n1"));
        assert!(!term.matches(&labels, "n2"));
        assert!(
            !NodeSelectorTerm::default().matches(&labels, "n1"),
            "an empty term selects nothing"
        );
    }
}
