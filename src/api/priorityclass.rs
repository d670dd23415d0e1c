//! `scheduling.k8s.io/v1` PriorityClass: a name for a pod priority. A pod
//! names one in `spec.priorityClassName`; admission copies its `value` into
//! the pod's `spec.priority` and its `preemptionPolicy` into the pod's, and
//! the scheduler places higher priorities first and may preempt lower ones
//! for them. A class with `globalDefault: true` gives its value to pods
//! that name none. `system-node-critical` and `system-cluster-critical`
//! always exist, as in Kubernetes.
//!
//! Pure: the type, its validation and the resolution of a pod's class;
//! imports only the rest of `api`.

use super::meta::ObjectMeta;
use super::pod::{PREEMPT_LOWER_PRIORITY, PodSpec};
use super::validation::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The highest value a user's class may have (Kubernetes'
/// `HighestUserDefinablePriority`); above it are the system classes.
pub const HIGHEST_USER_DEFINABLE: i32 = 1_000_000_000;

/// The classes every cluster has, with their values.
pub const SYSTEM_CLASSES: [(&str, i32, &str); 2] = [
    (
        "system-node-critical",
        2_000_001_000,
        "Used for system critical pods that must not be moved from their current node.",
    ),
    (
        "system-cluster-critical",
        2_000_000_000,
        "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
    ),
];

/// A named priority.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PriorityClass {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    /// The priority pods of this class get; higher is more important.
    pub value: i32,
    /// Whether pods that name no class get this one's value (at most one
    /// class may say so).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub global_default: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `PreemptLowerPriority` (default) or `Never`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preemption_policy: Option<String>,
}

impl PriorityClass {
    /// A built-in class (`system-node-critical`, `system-cluster-critical`).
    pub fn system(name: &str) -> Option<PriorityClass> {
        let (n, value, description) = SYSTEM_CLASSES.iter().find(|(n, ..)| *n == name)?;
        let mut c: PriorityClass = super::object::new_object("", n);
        c.value = *value;
        c.description = (*description).into();
        c.preemption_policy = Some(PREEMPT_LOWER_PRIORITY.into());
        Some(c)
    }

    /// The policy, defaulted.
    pub fn policy(&self) -> &str {
        self.preemption_policy
            .as_deref()
            .unwrap_or(PREEMPT_LOWER_PRIORITY)
    }
}

/// Checks a class on its own: a known policy, a value users may give, a
/// name not in the `system-` prefix (the built-in ones are the only such).
pub fn validate(c: &PriorityClass) -> Vec<FieldError> {
    let mut errs = vec![];
    let system = PriorityClass::system(&c.metadata.name);
    if let Some(p) = &c.preemption_policy
        && !matches!(p.as_str(), "PreemptLowerPriority" | "Never")
    {
        errs.push(FieldError::new(
            "preemptionPolicy",
            format!(
                "Unsupported value: {p:?}: supported values: \"Never\", \"PreemptLowerPriority\""
            ),
        ));
    }
    match system {
        Some(s) => {
            if c.value != s.value {
                errs.push(FieldError::new(
                    "value",
                    format!(
                        "{:?} is a system priority class: its value is {}",
                        c.metadata.name, s.value
                    ),
                ));
            }
        }
        None => {
            if c.metadata.name.starts_with("system-") {
                errs.push(FieldError::new(
                    "metadata.name",
                    "priority class names with 'system-' prefix are reserved",
                ));
            }
            if c.value > HIGHEST_USER_DEFINABLE {
                errs.push(FieldError::new(
                    "value",
                    format!(
                        "maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE}"
                    ),
                ));
            }
        }
    }
    errs
}

/// An update may change the description and globalDefault only, as in
/// Kubernetes.
pub fn validate_update(new: &PriorityClass, old: &PriorityClass) -> Vec<FieldError> {
    let mut errs = vec![];
    if new.value != old.value {
        errs.push(FieldError::new("value", "field is immutable"));
    }
    if new.policy() != old.policy() {
        errs.push(FieldError::new("preemptionPolicy", "field is immutable"));
    }
    errs
}

/// Gives a new pod its priority from `classes` (the stored ones; the
/// system ones are added here): the class it names, or the global default
/// (the lowest-valued one when several say so), or 0. A pod that names a
/// class that does not exist, or gives a priority other than its class's,
/// is refused with Kubernetes' words.
pub fn resolve(spec: &mut PodSpec, classes: &[&PriorityClass]) -> Result<(), String> {
    let name = spec.priority_class_name.clone();
    let found = if name.is_empty() {
        classes
            .iter()
            .filter(|c| c.global_default)
            .min_by_key(|c| c.value)
            .map(|c| (*c).clone())
    } else {
        let c = classes
            .iter()
            .find(|c| c.metadata.name == name)
            .map(|c| (*c).clone())
            .or_else(|| PriorityClass::system(&name));
        match c {
            Some(c) => Some(c),
            None => return Err(format!("no PriorityClass with name {name} was found")),
        }
    };
    let (value, policy) = match &found {
        Some(c) => (c.value, c.policy().to_string()),
        None => (0, PREEMPT_LOWER_PRIORITY.to_string()),
    };
    if let Some(p) = spec.priority
        && p != value
    {
        return Err(
            "the integer value of priority must not be provided in pod spec; priority admission controller computed the value from the given PriorityClass name"
                .into(),
        );
    }
    if let Some(c) = &found
        && name.is_empty()
    {
        spec.priority_class_name = c.metadata.name.clone();
    }
    spec.priority = Some(value);
    if spec.preemption_policy.is_none() {
        spec.preemption_policy = Some(policy);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::new_object;

    fn class(name: &str, value: i32, default: bool) -> PriorityClass {
        let mut c: PriorityClass = new_object("", name);
        c.value = value;
        c.global_default = default;
        c
    }

    #[test]
    fn a_named_class_gives_its_value_and_policy() {
        let mut high = class("high", 1000, false);
        high.preemption_policy = Some("Never".into());
        let mut spec = PodSpec {
            priority_class_name: "high".into(),
            ..Default::default()
        };
        resolve(&mut spec, &[&high]).unwrap();
        assert_eq!(spec.priority, Some(1000));
        assert_eq!(spec.preemption_policy.as_deref(), Some("Never"));
    }

    #[test]
    fn an_unknown_class_is_refused_by_name() {
        let mut spec = PodSpec {
            priority_class_name: "nope".into(),
            ..Default::default()
        };
        assert_eq!(
            resolve(&mut spec, &[]).unwrap_err(),
            "no PriorityClass with name nope was found"
        );
        assert_eq!(spec.priority, None, "nothing changed");
    }

    #[test]
    fn system_classes_always_exist() {
        let mut spec = PodSpec {
            priority_class_name: "system-node-critical".into(),
            ..Default::default()
        };
        resolve(&mut spec, &[]).unwrap();
        assert_eq!(spec.priority, Some(2_000_001_000));
    }

    #[test]
    fn the_global_default_applies_to_pods_naming_none() {
        let (a, b, c) = (
            class("a", 50, true),
            class("b", 10, true),
            class("c", 5, false),
        );
        let mut spec = PodSpec::default();
        resolve(&mut spec, &[&a, &b, &c]).unwrap();
        assert_eq!(
            (spec.priority, spec.priority_class_name.as_str()),
            (Some(10), "b")
        );
        let mut none = PodSpec::default();
        resolve(&mut none, &[&c]).unwrap();
        assert_eq!(none.priority, Some(0));
        assert_eq!(
            none.preemption_policy.as_deref(),
            Some("PreemptLowerPriority")
        );
    }

    #[test]
    fn a_priority_other_than_the_class_value_is_refused() {
        let mut spec = PodSpec {
            priority: Some(7),
            ..Default::default()
        };
        assert!(
            resolve(&mut spec, &[])
                .unwrap_err()
                .contains("must not be provided")
        );
        // The value the class gives is accepted (a re-applied `get -o yaml`).
        let mut same = PodSpec {
            priority: Some(0),
            ..Default::default()
        };
        resolve(&mut same, &[]).unwrap();
    }

    #[test]
    fn validation_keeps_to_kubernetes_limits() {
        let mut bad = class("system-mine", HIGHEST_USER_DEFINABLE + 1, false);
        bad.preemption_policy = Some("Sometimes".into());
        let paths: Vec<String> = validate(&bad).into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["preemptionPolicy", "metadata.name", "value"]);
        assert!(validate(&class("high", 1000, true)).is_empty());
        assert!(validate(&PriorityClass::system("system-node-critical").unwrap()).is_empty());
        let old = class("high", 1000, false);
        let mut new = old.clone();
        new.global_default = true;
        new.description = "more".into();
        assert!(validate_update(&new, &old).is_empty());
        new.value = 1;
        assert_eq!(validate_update(&new, &old)[0].path, "value");
    }
}
