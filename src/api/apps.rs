//! `apps/v1` workloads: ReplicaSet (keeps N pods of one template) and
//! Deployment (owns one ReplicaSet per template and moves between them).

use super::meta::{Condition, ObjectMeta};
use super::pod::PodTemplateSpec;
use super::selector::LabelSelector;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An integer or a percentage (`maxSurge: 1`, `maxSurge: 25%`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(i32),
    String(String),
}

impl JsonSchema for IntOrString {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IntOrString".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": ["integer", "string"], "format": "int-or-string" })
    }
}

impl IntOrString {
    /// Resolves against a total: an integer as is, `N%` as a share of `total`,
    /// rounded up or down. Errors name what is wrong with the value.
    pub fn scaled(&self, total: i32, round_up: bool) -> Result<i32, String> {
        match self {
            IntOrString::Int(i) if *i >= 0 => Ok(*i),
            IntOrString::Int(i) => Err(format!("{i} must not be negative")),
            IntOrString::String(s) => {
                let pct: i64 = s
                    .strip_suffix('%')
                    .and_then(|p| p.parse().ok())
                    .filter(|p| (0..=100).contains(p))
                    .ok_or_else(|| format!("{s:?} must be an integer or a percentage 0%-100%"))?;
                let part = pct * i64::from(total);
                Ok(if round_up {
                    (part + 99) / 100
                } else {
                    part / 100
                } as i32)
            }
        }
    }
}

/// Keeps a number of pods of one template running, replacing those that
/// end or are lost.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ReplicaSet {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ReplicaSetSpec,
    pub status: ReplicaSetStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplicaSetSpec {
    /// Desired pods (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    pub selector: LabelSelector,
    #[serde(default)]
    pub template: PodTemplateSpec,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_ready_seconds: i32,
}

fn is_zero(v: &i32) -> bool {
    *v == 0
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplicaSetStatus {
    #[serde(default)]
    pub replicas: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fully_labeled_replicas: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ready_replicas: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub available_replicas: i32,
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub observed_generation: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

impl ReplicaSet {
    pub fn replicas(&self) -> i32 {
        self.spec.replicas.unwrap_or(1)
    }
}

/// Declares the pods of an application: it owns one ReplicaSet per pod
/// template and rolls from the old to the new when the template changes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Deployment {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: DeploymentSpec,
    pub status: DeploymentStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentSpec {
    /// Desired pods (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    pub selector: LabelSelector,
    #[serde(default)]
    pub template: PodTemplateSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<DeploymentStrategy>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_ready_seconds: i32,
    /// Old ReplicaSets kept for rollback (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_deadline_seconds: Option<i32>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentStrategy {
    /// `RollingUpdate` (default) or `Recreate`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<StrategyType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdate>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum StrategyType {
    RollingUpdate,
    Recreate,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RollingUpdate {
    /// Pods above the desired count during an update (default 25%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<IntOrString>,
    /// Pods below the desired count during an update (default 25%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentStatus {
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub observed_generation: i64,
    #[serde(default)]
    pub replicas: i32,
    #[serde(default)]
    pub updated_replicas: i32,
    #[serde(default)]
    pub ready_replicas: i32,
    #[serde(default)]
    pub available_replicas: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unavailable_replicas: i32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collision_count: Option<i32>,
}

/// Default for `revisionHistoryLimit`.
pub const DEFAULT_REVISION_HISTORY: i32 = 10;

impl Deployment {
    pub fn replicas(&self) -> i32 {
        self.spec.replicas.unwrap_or(1)
    }

    pub fn strategy_type(&self) -> StrategyType {
        self.spec
            .strategy
            .as_ref()
            .and_then(|s| s.type_)
            .unwrap_or(StrategyType::RollingUpdate)
    }

    /// `(maxSurge, maxUnavailable)` resolved against the desired replicas, as
    /// Kubernetes does: surge rounds up, unavailable rounds down, and both zero
    /// becomes unavailable 1 so an update can progress.
    pub fn surge_and_unavailable(&self) -> Result<(i32, i32), String> {
        let ru = self
            .spec
            .strategy
            .as_ref()
            .and_then(|s| s.rolling_update.clone())
            .unwrap_or_default();
        let quarter = IntOrString::String("25%".into());
        let desired = self.replicas();
        let surge = ru
            .max_surge
            .unwrap_or(quarter.clone())
            .scaled(desired, true)?;
        let mut unavailable = ru
            .max_unavailable
            .unwrap_or(quarter)
            .scaled(desired, false)?;
        if surge == 0 && unavailable == 0 {
            unavailable = 1;
        }
        Ok((surge, unavailable))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_scale_with_rounding() {
        let p = IntOrString::String("25%".into());
        assert_eq!(p.scaled(10, true), Ok(3));
        assert_eq!(p.scaled(10, false), Ok(2));
        assert_eq!(IntOrString::Int(2).scaled(10, true), Ok(2));
        assert!(IntOrString::String("x%".into()).scaled(10, true).is_err());
        assert!(IntOrString::String("120%".into()).scaled(10, true).is_err());
        assert!(IntOrString::Int(-1).scaled(10, true).is_err());
    }

    #[test]
    fn rolling_defaults_follow_kubernetes() {
        let mut d = Deployment::default();
        d.spec.replicas = Some(4);
        assert_eq!(d.surge_and_unavailable(), Ok((1, 1)));
        d.spec.replicas = Some(1);
        assert_eq!(d.surge_and_unavailable(), Ok((1, 0)));
        d.spec.strategy = Some(DeploymentStrategy {
            type_: None,
            rolling_update: Some(RollingUpdate {
                max_surge: Some(IntOrString::Int(0)),
                max_unavailable: Some(IntOrString::Int(0)),
            }),
        });
        assert_eq!(d.surge_and_unavailable(), Ok((0, 1)));
    }

    #[test]
    fn int_or_string_reads_both_forms() {
        let v: Vec<IntOrString> = serde_json::from_str(r#"[1, "25%"]"#).unwrap();
        assert_eq!(
            v,
            vec![IntOrString::Int(1), IntOrString::String("25%".into())]
        );
    }
}
