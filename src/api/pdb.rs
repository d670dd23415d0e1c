//! `policy/v1` PodDisruptionBudget: how many of a set of pods must stay
//! healthy while pods are evicted (`ork drain`, the Eviction subresource),
//! and the pure arithmetic of its status.
//!
//! Types and pure helpers only; imports nothing of ork outside `api`.

use super::apps::IntOrString;
use super::meta::{Condition, ObjectMeta, Time, set_condition};
use super::pod::Pod;
use super::selector::LabelSelector;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The condition saying whether an eviction may go ahead now.
pub const DISRUPTION_ALLOWED: &str = "DisruptionAllowed";
/// An evicted pod not deleted within this long counts as healthy again.
pub const DELETION_TIMEOUT: chrono::Duration = chrono::Duration::minutes(2);
/// The message of a 429 answer to an eviction a budget forbids.
pub const EVICTION_BLOCKED: &str =
    "Cannot evict pod as it would violate the pod's disruption budget.";

/// Limits voluntary disruptions of the pods a selector picks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PodDisruptionBudget {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: PodDisruptionBudgetSpec,
    pub status: PodDisruptionBudgetStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodDisruptionBudgetSpec {
    /// Pods that must stay available (a number or a percentage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_available: Option<IntOrString>,
    /// Pods that may be unavailable (a number or a percentage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
    /// The pods counted; an empty selector picks every pod of the namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unhealthy_pod_eviction_policy: Option<UnhealthyPodEvictionPolicy>,
}

/// When a pod that is not Ready may be evicted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum UnhealthyPodEvictionPolicy {
    /// Only while the budget holds (the default).
    #[default]
    IfHealthyBudget,
    /// Always: a pod that is not Ready protects nothing.
    AlwaysAllow,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodDisruptionBudgetStatus {
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub observed_generation: i64,
    /// Pods evicted but not yet gone, with when (they no longer count as healthy).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub disrupted_pods: BTreeMap<String, Time>,
    #[serde(default)]
    pub disruptions_allowed: i32,
    #[serde(default)]
    pub current_healthy: i32,
    #[serde(default)]
    pub desired_healthy: i32,
    #[serde(default)]
    pub expected_pods: i32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

impl PodDisruptionBudget {
    pub fn unhealthy_policy(&self) -> UnhealthyPodEvictionPolicy {
        self.spec.unhealthy_pod_eviction_policy.unwrap_or_default()
    }

    /// Whether the budget counts with a number of expected pods taken from
    /// the pods' controllers (a percentage, or `maxUnavailable`) rather
    /// than from the pods present (`minAvailable` as a number).
    pub fn needs_scale(&self) -> bool {
        !matches!(
            (&self.spec.min_available, &self.spec.max_unavailable),
            (Some(IntOrString::Int(_)), None) | (None, None)
        )
    }
}

/// What the disruption controller computes for a budget.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    pub expected_pods: i32,
    pub desired_healthy: i32,
    pub current_healthy: i32,
    pub disruptions_allowed: i32,
}

/// Kubernetes' arithmetic: `expected` pods (the controllers' scale, or
/// the pods present for an integer `minAvailable`; none when the budget
/// gives neither field), `healthy` of them Ready
/// and not being evicted. No disruption is allowed while nothing is
/// expected, so a budget whose pods have not appeared yet is safe.
pub fn budget(
    spec: &PodDisruptionBudgetSpec,
    expected: i32,
    healthy: i32,
) -> Result<Budget, String> {
    let desired = match (&spec.min_available, &spec.max_unavailable) {
        (Some(min), _) => min.scaled(expected, true)?,
        (None, Some(max)) => (expected - max.scaled(expected, true)?).max(0),
        // Neither given: nothing is expected, so nothing may be disrupted.
        (None, None) => 0,
    };
    let allowed = if expected <= 0 {
        0
    } else {
        (healthy - desired).max(0)
    };
    Ok(Budget {
        expected_pods: expected,
        desired_healthy: desired,
        current_healthy: healthy,
        disruptions_allowed: allowed,
    })
}

impl PodDisruptionBudget {
    /// Whether the budget covers a pod of its namespace: a missing
    /// selector covers none, an empty one every pod (as policy/v1 says).
    pub fn covers(&self, pod: &Pod) -> bool {
        pod.metadata.namespace == self.metadata.namespace
            && self
                .spec
                .selector
                .as_ref()
                .is_some_and(|s| s.matches(&pod.metadata.labels))
    }
}

/// The status the disruption controller writes for a budget: `pods` are
/// the pods it covers, `expected` the number of pods their controllers
/// want (`Err` with why when it cannot be known; ignored for an integer
/// `minAvailable`, which counts the pods present). Evicted pods still
/// present stay out of the healthy count for [`DELETION_TIMEOUT`].
pub fn status_for(
    pdb: &PodDisruptionBudget,
    pods: &[&Pod],
    expected: Result<i32, String>,
    now: Time,
) -> PodDisruptionBudgetStatus {
    let old = &pdb.status;
    let mut st = PodDisruptionBudgetStatus {
        observed_generation: pdb.metadata.generation,
        conditions: old.conditions.clone(),
        ..Default::default()
    };
    for p in pods {
        if let Some(t) = old.disrupted_pods.get(&p.metadata.name)
            && !p.metadata.is_terminating()
            && t.0 + DELETION_TIMEOUT > now.0
        {
            st.disrupted_pods.insert(p.metadata.name.clone(), *t);
        }
    }
    let expected = if pdb.needs_scale() {
        expected
    } else {
        Ok(pods.len() as i32)
    };
    let counted = expected.and_then(|e| {
        let healthy = pods
            .iter()
            .filter(|p| {
                p.is_ready()
                    && !p.metadata.is_terminating()
                    && !st.disrupted_pods.contains_key(&p.metadata.name)
            })
            .count() as i32;
        budget(&pdb.spec, e, healthy)
    });
    let condition = match counted {
        Ok(b) => {
            st.expected_pods = b.expected_pods;
            st.desired_healthy = b.desired_healthy;
            st.current_healthy = b.current_healthy;
            st.disruptions_allowed = b.disruptions_allowed;
            if b.disruptions_allowed > 0 {
                Condition::new(DISRUPTION_ALLOWED, true, "SufficientPods", "")
            } else {
                Condition::new(DISRUPTION_ALLOWED, false, "InsufficientPods", "")
            }
        }
        Err(why) => Condition::new(DISRUPTION_ALLOWED, false, "SyncFailed", &why),
    };
    let mut condition = condition;
    condition.last_transition_time = Some(now);
    set_condition(&mut st.conditions, condition);
    st
}

/// What an eviction of one pod comes to.
#[derive(Debug, PartialEq)]
pub enum Eviction {
    /// Delete the pod; the budget (by name) gives one disruption for it.
    Allowed { charge: Option<String> },
    /// 429: the budget forbids it, with Kubernetes' cause message.
    Blocked { budget: String, cause: String },
    /// Refused for another reason (more than one budget, a broken status).
    Refused { code: u16, message: String },
}

/// Kubernetes' eviction rules for a pod and the budgets covering it.
/// Pods that are finished, pending or already terminating go without a
/// budget's say; a pod that is not Ready goes when the budget's policy is
/// `AlwaysAllow`, or when the budget is whole without it.
pub fn decide_eviction(pod: &Pod, budgets: &[&PodDisruptionBudget]) -> Eviction {
    use super::pod::PodPhase;
    if pod.metadata.is_terminating()
        || matches!(
            pod.status.phase,
            PodPhase::Succeeded | PodPhase::Failed | PodPhase::Pending
        )
    {
        return Eviction::Allowed { charge: None };
    }
    let pdb = match budgets {
        [] => return Eviction::Allowed { charge: None },
        [one] => one,
        _ => {
            return Eviction::Refused {
                code: 500,
                message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.".into(),
            };
        }
    };
    let st = &pdb.status;
    let name = pdb.metadata.name.clone();
    if st.observed_generation < pdb.metadata.generation {
        return Eviction::Blocked {
            cause: format!("The disruption budget {name} is still being processed by the server."),
            budget: name,
        };
    }
    if !pod.is_ready()
        && (pdb.unhealthy_policy() == UnhealthyPodEvictionPolicy::AlwaysAllow
            || (st.current_healthy >= st.desired_healthy && st.desired_healthy > 0))
    {
        return Eviction::Allowed { charge: None };
    }
    if st.disruptions_allowed < 0 {
        return Eviction::Refused {
            code: 403,
            message: "pdb disruptions allowed is negative".into(),
        };
    }
    if st.disruptions_allowed == 0 {
        return Eviction::Blocked {
            cause: format!(
                "The disruption budget {name} needs {} healthy pods and has {} currently",
                st.desired_healthy, st.current_healthy
            ),
            budget: name,
        };
    }
    Eviction::Allowed { charge: Some(name) }
}

/// Takes one disruption from a budget for an evicted pod, as the
/// eviction does before it deletes the pod.
pub fn charge(st: &mut PodDisruptionBudgetStatus, pod: &str, now: Time) {
    st.disruptions_allowed -= 1;
    if st.disruptions_allowed == 0 {
        let mut c = Condition::new(DISRUPTION_ALLOWED, false, "InsufficientPods", "");
        c.last_transition_time = Some(now);
        set_condition(&mut st.conditions, c);
    }
    st.disrupted_pods.insert(pod.to_string(), now);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pod::PodPhase;
    use crate::api::{Object, new_object};

    fn t(secs: i64) -> Time {
        Time(chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap())
    }

    fn pod(name: &str, ready: bool) -> Pod {
        let mut p: Pod = new_object("default", name);
        p.metadata.labels.insert("app".into(), "zk".into());
        p.status.phase = PodPhase::Running;
        p.status.conditions = vec![Condition::new("Ready", ready, "", "")];
        p
    }

    fn pdb(min: i32) -> PodDisruptionBudget {
        let mut b: PodDisruptionBudget = new_object("default", "zk-pdb");
        b.metadata.generation = 1;
        b.spec.min_available = Some(IntOrString::Int(min));
        let mut sel = LabelSelector::default();
        sel.match_labels.insert("app".into(), "zk".into());
        b.spec.selector = Some(sel);
        b
    }

    #[test]
    fn the_status_counts_ready_pods_not_being_evicted() {
        let mut b = pdb(2);
        let pods = [pod("zk-0", true), pod("zk-1", true), pod("zk-2", false)];
        let refs: Vec<&Pod> = pods.iter().collect();
        let st = status_for(&b, &refs, Err("unused".into()), t(0));
        assert_eq!(
            (
                st.expected_pods,
                st.desired_healthy,
                st.current_healthy,
                st.disruptions_allowed
            ),
            (3, 2, 2, 0)
        );
        assert_eq!(st.observed_generation, 1);
        assert_eq!(st.conditions[0].reason, "InsufficientPods");
        // A recent eviction keeps zk-1 out of the count; an old one does not.
        b.status.disrupted_pods.insert("zk-1".into(), t(0));
        let st = status_for(&b, &refs, Ok(0), t(60));
        assert_eq!(st.current_healthy, 1);
        assert!(st.disrupted_pods.contains_key("zk-1"));
        let st = status_for(&b, &refs, Ok(0), t(121));
        assert_eq!(st.current_healthy, 2);
        assert!(st.disrupted_pods.is_empty());
    }

    #[test]
    fn a_percentage_without_a_known_scale_fails_safe() {
        let mut b = pdb(0);
        b.spec.min_available = Some(IntOrString::String("50%".into()));
        let pods = [pod("zk-0", true)];
        let refs: Vec<&Pod> = pods.iter().collect();
        let st = status_for(
            &b,
            &refs,
            Err("found no controllers for pod \"zk-0\"".into()),
            t(0),
        );
        assert_eq!(st.disruptions_allowed, 0);
        assert_eq!(st.conditions[0].reason, "SyncFailed");
        assert!(st.conditions[0].message.contains("no controllers"));
        let st = status_for(&b, &refs, Ok(4), t(0));
        assert_eq!((st.desired_healthy, st.disruptions_allowed), (2, 0));
    }

    #[test]
    fn evictions_follow_the_budget() {
        let mut b = pdb(2);
        b.status = PodDisruptionBudgetStatus {
            observed_generation: 1,
            current_healthy: 3,
            desired_healthy: 2,
            expected_pods: 3,
            disruptions_allowed: 1,
            ..Default::default()
        };
        let ready = pod("zk-0", true);
        assert_eq!(
            decide_eviction(&ready, &[&b]),
            Eviction::Allowed {
                charge: Some("zk-pdb".into())
            }
        );
        charge(&mut b.status, "zk-0", t(0));
        assert_eq!(b.status.disruptions_allowed, 0);
        assert_eq!(b.status.conditions[0].reason, "InsufficientPods");
        b.status.current_healthy = 2;
        assert_eq!(
            decide_eviction(&pod("zk-1", true), &[&b]),
            Eviction::Blocked {
                budget: "zk-pdb".into(),
                cause: "The disruption budget zk-pdb needs 2 healthy pods and has 2 currently"
                    .into()
            }
        );
        // A pod that is not Ready: blocked unless the budget is whole or
        // the policy is AlwaysAllow.
        let sick = pod("zk-2", false);
        b.status.current_healthy = 1;
        assert!(matches!(
            decide_eviction(&sick, &[&b]),
            Eviction::Blocked { .. }
        ));
        b.spec.unhealthy_pod_eviction_policy = Some(UnhealthyPodEvictionPolicy::AlwaysAllow);
        assert_eq!(
            decide_eviction(&sick, &[&b]),
            Eviction::Allowed { charge: None }
        );
        // Pending or finished pods, or no budget: always.
        let mut pending = pod("zk-3", false);
        pending.status.phase = PodPhase::Pending;
        b.spec.unhealthy_pod_eviction_policy = None;
        assert_eq!(
            decide_eviction(&pending, &[&b]),
            Eviction::Allowed { charge: None }
        );
        assert_eq!(
            decide_eviction(&ready, &[]),
            Eviction::Allowed { charge: None }
        );
        // A budget not yet seen by its controller, or two budgets.
        let mut fresh = pdb(1);
        fresh.metadata.generation = 2;
        match decide_eviction(&ready, &[&fresh]) {
            Eviction::Blocked { cause, .. } => assert!(cause.contains("still being processed")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decide_eviction(&ready, &[&b, &fresh]),
            Eviction::Refused { code: 500, .. }
        ));
    }

    #[test]
    fn a_missing_selector_covers_nothing_and_an_empty_one_everything() {
        let mut b = pdb(1);
        let p = pod("zk-0", true);
        assert!(b.covers(&p));
        b.spec.selector = None;
        assert!(!b.covers(&p));
        b.spec.selector = Some(LabelSelector::default());
        assert!(b.covers(&p));
        let _ = b.validate();
    }

    fn spec(min: Option<IntOrString>, max: Option<IntOrString>) -> PodDisruptionBudgetSpec {
        PodDisruptionBudgetSpec {
            min_available: min,
            max_unavailable: max,
            ..Default::default()
        }
    }

    #[test]
    fn budgets_count_as_kubernetes_does() {
        use IntOrString::{Int, String as Pct};
        let pct = |s: &str| Pct(s.into());
        // (minAvailable, maxUnavailable, expected, healthy) -> (desired, allowed)
        let cases = [
            (Some(Int(2)), None, 3, 3, 2, 1),
            (Some(Int(2)), None, 3, 2, 2, 0),
            (Some(Int(5)), None, 3, 3, 5, 0),
            (Some(pct("50%")), None, 3, 3, 2, 1),
            (Some(pct("100%")), None, 4, 4, 4, 0),
            (None, Some(Int(1)), 3, 3, 2, 1),
            (None, Some(Int(1)), 3, 2, 2, 0),
            (None, Some(pct("34%")), 3, 3, 1, 2),
            (None, Some(Int(5)), 3, 3, 0, 3),
            (Some(Int(0)), None, 0, 0, 0, 0),
            (None, None, 0, 2, 0, 0),
        ];
        for (min, max, expected, healthy, desired, allowed) in cases {
            let b = budget(&spec(min.clone(), max.clone()), expected, healthy).unwrap();
            assert_eq!(
                (b.desired_healthy, b.disruptions_allowed),
                (desired, allowed),
                "min {min:?} max {max:?} expected {expected} healthy {healthy}"
            );
        }
        assert!(budget(&spec(Some(pct("x%")), None), 3, 3).is_err());
    }

    #[test]
    fn only_an_integer_min_available_counts_the_pods_present() {
        let mut p = PodDisruptionBudget::default();
        p.spec.min_available = Some(IntOrString::Int(1));
        assert!(!p.needs_scale());
        p.spec.min_available = Some(IntOrString::String("50%".into()));
        assert!(p.needs_scale());
        p.spec.min_available = None;
        p.spec.max_unavailable = Some(IntOrString::Int(1));
        assert!(p.needs_scale());
    }
}
