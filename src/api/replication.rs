//! `v1` ReplicationController: the older form of a ReplicaSet, with an
//! equality-only selector (a map of labels) and an optional template. ork
//! runs it as the ReplicaSet it is equivalent to ([`as_replica_set`]): the
//! same controller keeps exactly `replicas` pods of its template, with the
//! same status.
//!
//! As Kubernetes defaults it, a controller without a selector selects its
//! template's labels, one without labels carries them, and one without
//! `replicas` wants one pod.
//!
//! Types and pure functions only; imports nothing of ork outside `api`.

use super::apps::{ReplicaSet, ReplicaSetSpec, ReplicaSetStatus};
use super::meta::ObjectMeta;
use super::pod::PodTemplateSpec;
use super::selector::LabelSelector;
use super::validation::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Keeps `replicas` pods of a template running.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ReplicationController {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ReplicationControllerSpec,
    pub status: ReplicaSetStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ReplicationControllerSpec {
    /// Desired pods (default 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    #[serde(skip_serializing_if = "is_zero")]
    pub min_ready_seconds: i32,
    /// The labels of its pods (default: the template's labels).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<PodTemplateSpec>,
}

fn is_zero(v: &i32) -> bool {
    *v == 0
}

impl ReplicationController {
    pub fn replicas(&self) -> i32 {
        self.spec.replicas.unwrap_or(1)
    }

    /// The labels it selects: its selector, or its template's labels.
    pub fn selector(&self) -> BTreeMap<String, String> {
        if self.spec.selector.is_empty() {
            self.spec
                .template
                .as_ref()
                .map(|t| t.metadata.labels.clone())
                .unwrap_or_default()
        } else {
            self.spec.selector.clone()
        }
    }

    /// Kubernetes' defaults: selector and labels from the template's
    /// labels, one replica.
    pub fn default_fields(&mut self) {
        self.spec.selector = self.selector();
        if self.metadata.labels.is_empty()
            && let Some(t) = &self.spec.template
        {
            self.metadata.labels = t.metadata.labels.clone();
        }
        self.spec.replicas.get_or_insert(1);
    }
}

/// The ReplicaSet the controller is equivalent to: its metadata, replicas,
/// template, selector (as `matchLabels`) and status.
pub fn as_replica_set(rc: &ReplicationController) -> ReplicaSet {
    ReplicaSet {
        api_version: rc.api_version.clone(),
        kind: rc.kind.clone(),
        metadata: rc.metadata.clone(),
        spec: ReplicaSetSpec {
            replicas: rc.spec.replicas,
            selector: LabelSelector {
                match_labels: rc.selector(),
                ..Default::default()
            },
            template: rc.spec.template.clone().unwrap_or_default(),
            min_ready_seconds: rc.spec.min_ready_seconds,
        },
        status: rc.status.clone(),
    }
}

/// Every problem of a ReplicationController: those of the ReplicaSet it is
/// equivalent to, with the selector's path its own, and a template required.
pub fn validate(rc: &ReplicationController) -> Vec<FieldError> {
    if rc.spec.template.is_none() {
        return vec![FieldError::new(
            "spec.template",
            "required: the pods to keep running",
        )];
    }
    let mut errs = super::validation::validate_replicaset(&as_replica_set(rc));
    for e in &mut errs {
        if let Some(rest) = e.path.strip_prefix("spec.selector.matchLabels") {
            e.path = format!("spec.selector{rest}");
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rc(v: serde_json::Value) -> ReplicationController {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_selector_defaults_to_the_templates_labels_and_replicas_to_one() {
        let mut c = rc(json!({"metadata": {"name": "nginx"}, "spec": {"template": {
            "metadata": {"labels": {"app": "nginx"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}));
        assert_eq!(validate(&c), vec![]);
        let rs = as_replica_set(&c);
        assert_eq!(rs.spec.selector.match_labels["app"], "nginx");
        assert_eq!(rs.replicas(), 1);
        c.default_fields();
        assert_eq!(c.spec.selector["app"], "nginx");
        assert_eq!(c.metadata.labels["app"], "nginx");
        assert_eq!(c.spec.replicas, Some(1));
    }

    #[test]
    fn a_selector_the_template_does_not_carry_or_no_template_is_refused() {
        let c = rc(
            json!({"metadata": {"name": "nginx"}, "spec": {"replicas": -1,
            "selector": {"app": "web"}, "template": {
            "metadata": {"labels": {"app": "nginx"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}),
        );
        let paths: Vec<String> = validate(&c).into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["spec.replicas", "spec.template.metadata.labels"]);
        let none = rc(json!({"metadata": {"name": "x"}, "spec": {"selector": {"a": "b"}}}));
        assert_eq!(validate(&none)[0].path, "spec.template");
    }
}
