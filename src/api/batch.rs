//! `batch/v1` Job: runs pods of one template until a number of them
//! succeed (or, Indexed, until each completion index has succeeded once),
//! with Kubernetes' defaults, labels and index helpers.
//!
//! Types and pure helpers only; imports nothing of ork outside `api`.

use super::meta::{Condition, ObjectMeta, Time};
use super::pod::PodTemplateSpec;
use super::selector::LabelSelector;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The label and annotation holding an Indexed Job pod's completion index.
pub const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
/// The environment variable holding an Indexed Job pod's completion index.
pub const COMPLETION_INDEX_ENV: &str = "JOB_COMPLETION_INDEX";
/// The label carrying the uid of the Job that owns a pod.
pub const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
/// The label carrying the name of the Job that owns a pod.
pub const JOB_NAME: &str = "batch.kubernetes.io/job-name";
/// Kubernetes' older, unprefixed forms of the two labels, still set.
pub const LEGACY_CONTROLLER_UID: &str = "controller-uid";
pub const LEGACY_JOB_NAME: &str = "job-name";
/// Default `backoffLimit`.
pub const DEFAULT_BACKOFF_LIMIT: i32 = 6;

/// Runs pods until enough of them succeed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Job {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: JobSpec,
    pub status: JobStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobSpec {
    /// Most pods running at once (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<i32>,
    /// Successful pods wanted; unset: the first success (work queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completions: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_failure_policy: Option<PodFailurePolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_policy: Option<SuccessPolicy>,
    /// Failed pods tolerated before the Job fails (default 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit_per_index: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed_indexes: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_selector: Option<bool>,
    #[serde(default)]
    pub template: PodTemplateSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds_after_finished: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_mode: Option<CompletionMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_replacement_policy: Option<PodReplacementPolicy>,
    /// Only the built-in controller is served: `kubernetes.io/job-controller`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CompletionMode {
    #[default]
    NonIndexed,
    Indexed,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PodReplacementPolicy {
    /// Replace a pod as soon as it is terminating or failed.
    #[default]
    TerminatingOrFailed,
    /// Replace a pod only once it has fully failed.
    Failed,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodFailurePolicy {
    pub rules: Vec<PodFailurePolicyRule>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodFailurePolicyRule {
    pub action: PodFailurePolicyAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_exit_codes: Option<OnExitCodes>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_pod_conditions: Vec<OnPodCondition>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PodFailurePolicyAction {
    /// Fail the whole Job.
    FailJob,
    /// Fail the pod's index (with `backoffLimitPerIndex`).
    FailIndex,
    /// Do not count the failure; replace the pod.
    Ignore,
    /// Count the failure against the backoff limit (the default).
    #[default]
    Count,
}

/// `PodFailurePolicyOnExitCodesRequirement`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OnExitCodes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    pub operator: ExitCodeOperator,
    pub values: Vec<i32>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ExitCodeOperator {
    #[default]
    In,
    NotIn,
}

/// `PodFailurePolicyOnPodConditionsPattern`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OnPodCondition {
    #[serde(rename = "type")]
    pub type_: String,
    /// `True` (default), `False` or `Unknown`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuccessPolicy {
    pub rules: Vec<SuccessPolicyRule>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuccessPolicyRule {
    /// Index intervals (`0-2,5`) that must all succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub succeeded_indexes: Option<String>,
    /// Indexes (of `succeededIndexes`, when given) that must succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub succeeded_count: Option<i32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobStatus {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_time: Option<Time>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub active: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub succeeded: i32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminating: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_indexes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_indexes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncounted_terminated_pods: Option<UncountedTerminatedPods>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<i32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UncountedTerminatedPods {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub succeeded: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

fn is_zero(v: &i32) -> bool {
    *v == 0
}

impl Job {
    pub fn parallelism(&self) -> i32 {
        self.spec.parallelism.unwrap_or(1)
    }

    pub fn completion_mode(&self) -> CompletionMode {
        self.spec.completion_mode.unwrap_or_default()
    }

    pub fn indexed(&self) -> bool {
        self.completion_mode() == CompletionMode::Indexed
    }

    pub fn suspended(&self) -> bool {
        self.spec.suspend == Some(true)
    }

    /// `backoffLimit`, defaulting as Kubernetes does (6, or unlimited with
    /// `backoffLimitPerIndex`).
    pub fn backoff_limit(&self) -> i32 {
        self.spec
            .backoff_limit
            .unwrap_or(if self.spec.backoff_limit_per_index.is_some() {
                i32::MAX
            } else {
                DEFAULT_BACKOFF_LIMIT
            })
    }

    pub fn replacement_policy(&self) -> PodReplacementPolicy {
        self.spec
            .pod_replacement_policy
            .unwrap_or(if self.spec.pod_failure_policy.is_some() {
                PodReplacementPolicy::Failed
            } else {
                PodReplacementPolicy::TerminatingOrFailed
            })
    }

    /// The condition of a type when it is true.
    pub fn true_condition(&self, type_: &str) -> Option<&Condition> {
        self.status
            .conditions
            .iter()
            .find(|c| c.type_ == type_ && c.is_true())
    }

    /// Whether the Job has ended: `Complete` or `Failed` is true.
    pub fn is_finished(&self) -> bool {
        self.true_condition("Complete").is_some() || self.true_condition("Failed").is_some()
    }

    /// `Complete`, `Failed`, `Suspended`, `FailureTarget`, `SuccessCriteriaMet`
    /// or `Running`, as kubectl 1.32 prints a Job's STATUS.
    pub fn display_status(&self) -> &'static str {
        for (cond, shown) in [
            ("Failed", "Failed"),
            ("Complete", "Complete"),
            ("Suspended", "Suspended"),
            ("FailureTarget", "FailureTarget"),
            ("SuccessCriteriaMet", "SuccessCriteriaMet"),
        ] {
            if self.true_condition(cond).is_some() {
                return shown;
            }
        }
        "Running"
    }

    /// Fills in what Kubernetes defaults on a written Job: parallelism,
    /// completions (1 when neither is given), backoffLimit, completionMode,
    /// suspend, podReplacementPolicy.
    pub fn default_fields(&mut self) {
        let s = &mut self.spec;
        if s.completions.is_none() && s.parallelism.is_none() {
            s.completions = Some(1);
        }
        s.parallelism.get_or_insert(1);
        if s.backoff_limit.is_none() && s.backoff_limit_per_index.is_none() {
            s.backoff_limit = Some(DEFAULT_BACKOFF_LIMIT);
        }
        s.completion_mode.get_or_insert(CompletionMode::NonIndexed);
        s.suspend.get_or_insert(false);
        if s.pod_replacement_policy.is_none() {
            s.pod_replacement_policy = Some(if s.pod_failure_policy.is_some() {
                PodReplacementPolicy::Failed
            } else {
                PodReplacementPolicy::TerminatingOrFailed
            });
        }
    }

    /// Without `manualSelector: true`: selects the Job's own pods by its uid
    /// and labels the template with the uid and the Job's name, as
    /// Kubernetes does when a Job is created.
    pub fn generate_selector(&mut self) {
        if self.spec.manual_selector == Some(true) || self.metadata.uid.is_empty() {
            return;
        }
        let uid = self.metadata.uid.clone();
        let name = self.metadata.name.clone();
        let labels = &mut self.spec.template.metadata.labels;
        labels.insert(CONTROLLER_UID.into(), uid.clone());
        labels.insert(JOB_NAME.into(), name.clone());
        labels.insert(LEGACY_CONTROLLER_UID.into(), uid.clone());
        labels.insert(LEGACY_JOB_NAME.into(), name);
        let mut sel = LabelSelector::default();
        sel.match_labels.insert(CONTROLLER_UID.into(), uid);
        self.spec.selector = Some(sel);
    }
}

/// Parses Kubernetes' index interval form (`1,3-5,7`) into indexes below
/// `limit` (all when `limit` is `None`). Errors say what is wrong.
pub fn parse_indexes(s: &str, limit: Option<i32>) -> Result<BTreeSet<i32>, String> {
    let mut out = BTreeSet::new();
    if s.trim().is_empty() {
        return Ok(out);
    }
    let mut last = -1;
    for part in s.split(',') {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a, b),
            None => (part, part),
        };
        let parse = |x: &str| {
            x.trim()
                .parse::<i32>()
                .map_err(|_| format!("{part:?} is not an index or an interval first-last"))
        };
        let (a, b) = (parse(a)?, parse(b)?);
        if a < 0 || b < a {
            return Err(format!(
                "{part:?}: an interval goes from a lower to a higher index"
            ));
        }
        if a <= last {
            return Err(format!("{part:?}: intervals must be in increasing order"));
        }
        if let Some(l) = limit
            && b >= l
        {
            return Err(format!("{part:?}: indexes must be below completions ({l})"));
        }
        last = b;
        out.extend(a..=b);
    }
    Ok(out)
}

/// Writes indexes in Kubernetes' interval form: `0-2,5,7-8`.
pub fn format_indexes(set: &BTreeSet<i32>) -> String {
    let mut out: Vec<String> = vec![];
    let mut it = set.iter().copied().peekable();
    while let Some(start) = it.next() {
        let mut end = start;
        while it.peek() == Some(&(end + 1)) {
            end += 1;
            it.next();
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_round_trip_through_intervals() {
        let s = parse_indexes("0-2,5,7-8", None).unwrap();
        assert_eq!(
            s.iter().copied().collect::<Vec<_>>(),
            vec![0, 1, 2, 5, 7, 8]
        );
        assert_eq!(format_indexes(&s), "0-2,5,7-8");
        assert_eq!(format_indexes(&BTreeSet::new()), "");
        assert!(parse_indexes("3-1", None).is_err());
        assert!(parse_indexes("4,2", None).is_err());
        assert!(
            parse_indexes("0-3", Some(3))
                .unwrap_err()
                .contains("below completions")
        );
        assert!(parse_indexes("x", None).is_err());
    }

    #[test]
    fn defaults_follow_kubernetes() {
        let mut j = Job::default();
        j.default_fields();
        assert_eq!((j.spec.completions, j.spec.parallelism), (Some(1), Some(1)));
        assert_eq!(j.spec.backoff_limit, Some(6));
        assert_eq!(j.spec.completion_mode, Some(CompletionMode::NonIndexed));
        let mut w = Job::default();
        w.spec.parallelism = Some(3);
        w.default_fields();
        assert_eq!(
            w.spec.completions, None,
            "a work queue keeps no completions"
        );
        let mut p = Job::default();
        p.spec.backoff_limit_per_index = Some(1);
        p.default_fields();
        assert_eq!((p.spec.backoff_limit, p.backoff_limit()), (None, i32::MAX));
    }

    #[test]
    fn the_generated_selector_names_the_uid() {
        let mut j = Job::default();
        j.metadata.name = "pi".into();
        j.metadata.uid = "u1".into();
        j.generate_selector();
        assert_eq!(j.spec.selector.unwrap().match_labels[CONTROLLER_UID], "u1");
        assert_eq!(j.spec.template.metadata.labels[JOB_NAME], "pi");
        let mut m = Job::default();
        m.metadata.uid = "u2".into();
        m.spec.manual_selector = Some(true);
        m.generate_selector();
        assert!(m.spec.selector.is_none());
    }
}
