//! What a pod's topology rules need of the whole cluster, computed once per
//! scheduling attempt (Kubernetes' PreFilter): for each topology spread
//! constraint, how many matching pods each domain holds; for each positive
//! pod-affinity term, which domains hold a matching pod; for pod
//! anti-affinity over a key wider than one node (`topology.kubernetes.io/zone`),
//! the domains the pod must keep out of, by its own required terms and by
//! the required terms of the pods already placed (symmetry), and the
//! matching pods per domain of its preferred terms. The filter and score
//! plugins then judge one node at a time from it. Anti-affinity over
//! `kubernetes.io/hostname` is judged on the node alone and needs none of
//! this.
//!
//! A domain is a value of the constraint's `topologyKey` label on a node
//! (`kubernetes.io/hostname` falls back to the node's name); a node
//! without the label is in no domain: it holds no match and is kept out
//! of nothing.

use super::plugins::{NodeAffinity, NodeSelector, TaintToleration};
use super::snapshot::reaches_beyond_node;
use super::{Filter, NodeInfo, PodUsage, Snapshot};
use crate::api::Pod;
use crate::api::placement::{HOSTNAME_TOPOLOGY, PodAffinityTerm};
use crate::api::selector::Selector;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The per-attempt state of one pod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cycle {
    /// One per `topologySpreadConstraints[]`, in order.
    pub spread: Vec<Spread>,
    /// One per required pod-affinity term, in order.
    pub affinity: Vec<AffinityTerm>,
    /// Whether no pod in the cluster matches any required term while the
    /// pod matches all its own: then it may go anywhere (the first of a
    /// group that wants to be together).
    pub affinity_first: bool,
    /// One per preferred pod-affinity term: its weight and the matching
    /// pods per domain.
    pub preferred: Vec<(String, i64, HashMap<String, i64>)>,
    /// The highest sum of preferred weights any node's domains reach.
    pub preferred_max: i64,
    /// Per topology key beyond the node, the domains holding a pod one of
    /// the pod's required anti-affinity terms selects.
    pub anti: HashMap<String, HashSet<String>>,
    /// Per topology key beyond the node, the domains holding a pod whose
    /// required anti-affinity term selects this pod.
    pub anti_existing: HashMap<String, HashSet<String>>,
    /// One per preferred anti-affinity term, in order: matching pods per
    /// domain (empty for `kubernetes.io/hostname` terms, counted on the node).
    pub anti_preferred: Vec<HashMap<String, i64>>,
}

/// One spread constraint, counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spread {
    pub topology_key: String,
    pub max_skew: i64,
    pub hard: bool,
    /// Matching pods per eligible domain (domains with none are present).
    pub counts: BTreeMap<String, i64>,
    /// The fewest matching pods of an eligible domain (0 when there are
    /// fewer domains than `minDomains`).
    pub min: i64,
    pub max: i64,
    /// 1 when the incoming pod itself matches the selector.
    pub self_match: i64,
}

/// One required pod-affinity term: the domains with a matching pod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AffinityTerm {
    pub topology_key: String,
    pub domains: HashSet<String>,
}

/// The domain of a node for a topology key.
pub fn domain<'n>(node: &'n NodeInfo, key: &str) -> Option<&'n str> {
    let m = &node.node.metadata;
    match m.labels.get(key) {
        Some(v) => Some(v.as_str()),
        None if key == HOSTNAME_TOPOLOGY => Some(m.name.as_str()),
        None => None,
    }
}

/// Whether the pod has rules this module counts for.
pub fn needed(pod: &Pod) -> bool {
    let anti_wide = || {
        pod.spec
            .affinity
            .as_ref()
            .and_then(|a| a.pod_anti_affinity.as_ref())
            .is_some_and(|a| {
                reaches_beyond_node(&a.required_during_scheduling_ignored_during_execution)
                    || a.preferred_during_scheduling_ignored_during_execution
                        .iter()
                        .any(|w| w.pod_affinity_term.topology_key != HOSTNAME_TOPOLOGY)
            })
    };
    !pod.spec.topology_spread_constraints.is_empty()
        || pod
            .spec
            .affinity
            .as_ref()
            .is_some_and(|a| a.pod_affinity.is_some())
        || anti_wide()
}

/// Whether placing `pod` on `snapshot` needs a [`Cycle`]: its own rules
/// do, or a placed pod has required anti-affinity beyond its node (a walk
/// over the nodes' counters, no pod is looked at).
pub fn needed_in(snapshot: &Snapshot, pod: &Pod) -> bool {
    needed(pod) || snapshot.nodes.values().any(|n| n.anti_wide > 0)
}

/// Pods on a node (other than `pod` itself) in namespace `ns` that `sel` matches.
fn matching(node: &NodeInfo, pod: &Pod, ns: &str, sel: &Selector) -> i64 {
    node.pod_labels
        .iter()
        .filter(|(uid, (pns, labels))| {
            **uid != pod.metadata.uid && pns == ns && sel.matches(labels)
        })
        .count() as i64
}

/// Pods on a node (other than `pod`) that a pod-affinity term of `pod` selects.
fn term_matches(node: &NodeInfo, pod: &Pod, t: &PodAffinityTerm) -> i64 {
    node.pod_labels
        .iter()
        .filter(|(uid, (ns, labels))| {
            **uid != pod.metadata.uid && t.selects(&pod.metadata.namespace, ns, labels)
        })
        .count() as i64
}

/// Computes the cycle state of `pod` over `snapshot`.
pub fn cycle(snapshot: &Snapshot, pod: &Pod, usage: &PodUsage) -> Cycle {
    let mut c = Cycle::default();
    let ns = &pod.metadata.namespace;
    for t in &pod.spec.topology_spread_constraints {
        let sel = t.selector(&pod.metadata.labels);
        let honor_affinity = t.node_affinity_policy.as_deref() != Some("Ignore");
        let honor_taints = t.node_taints_policy.as_deref() == Some("Honor");
        let mut counts: BTreeMap<String, i64> = BTreeMap::new();
        for info in snapshot.nodes.values() {
            let Some(d) = domain(info, &t.topology_key) else {
                continue;
            };
            if honor_affinity
                && !(NodeSelector.filter(pod, usage, info).is_success()
                    && Filter::filter(&NodeAffinity, pod, usage, info).is_success())
            {
                continue;
            }
            if honor_taints && !Filter::filter(&TaintToleration, pod, usage, info).is_success() {
                continue;
            }
            let n = sel.as_ref().map_or(0, |s| matching(info, pod, ns, s));
            *counts.entry(d.to_string()).or_default() += n;
        }
        let mut min = counts.values().copied().min().unwrap_or(0);
        if t.is_hard()
            && let Some(m) = t.min_domains
            && (counts.len() as i64) < i64::from(m)
        {
            min = 0;
        }
        let max = counts.values().copied().max().unwrap_or(0);
        let self_match = sel
            .as_ref()
            .is_some_and(|s| s.matches(&pod.metadata.labels)) as i64;
        c.spread.push(Spread {
            topology_key: t.topology_key.clone(),
            max_skew: i64::from(t.max_skew.max(1)),
            hard: t.is_hard(),
            counts,
            min,
            max,
            self_match,
        });
    }
    anti(&mut c, snapshot, pod);
    let Some(aff) = pod
        .spec
        .affinity
        .as_ref()
        .and_then(|a| a.pod_affinity.as_ref())
    else {
        return c;
    };
    let mut any = false;
    for t in &aff.required_during_scheduling_ignored_during_execution {
        let mut domains = HashSet::new();
        for info in snapshot.nodes.values() {
            if let Some(d) = domain(info, &t.topology_key)
                && term_matches(info, pod, t) > 0
            {
                domains.insert(d.to_string());
                any = true;
            }
        }
        c.affinity.push(AffinityTerm {
            topology_key: t.topology_key.clone(),
            domains,
        });
    }
    let own = aff
        .required_during_scheduling_ignored_during_execution
        .iter()
        .all(|t| t.selects(ns, ns, &pod.metadata.labels));
    c.affinity_first = !any && own;
    for w in &aff.preferred_during_scheduling_ignored_during_execution {
        let t = &w.pod_affinity_term;
        let mut per: HashMap<String, i64> = HashMap::new();
        for info in snapshot.nodes.values() {
            if let Some(d) = domain(info, &t.topology_key) {
                *per.entry(d.to_string()).or_default() += term_matches(info, pod, t);
            }
        }
        c.preferred
            .push((t.topology_key.clone(), i64::from(w.weight.max(0)), per));
    }
    c.preferred_max = snapshot
        .nodes
        .values()
        .map(|n| preferred_sum(&c, n))
        .max()
        .unwrap_or(0);
    c
}

/// The weighted count of matching pods in a node's domains under the
/// preferred terms.
pub fn preferred_sum(c: &Cycle, node: &NodeInfo) -> i64 {
    c.preferred
        .iter()
        .map(|(key, weight, per)| {
            domain(node, key)
                .and_then(|d| per.get(d))
                .map_or(0, |n| n * weight)
        })
        .sum()
}

/// Fills the anti-affinity part of the cycle: the pod's own terms over
/// keys beyond the node, and the placed pods' required terms that select
/// the pod.
fn anti(c: &mut Cycle, snapshot: &Snapshot, pod: &Pod) {
    let ns = &pod.metadata.namespace;
    let wide = |t: &&PodAffinityTerm| t.topology_key != HOSTNAME_TOPOLOGY;
    for info in snapshot.nodes.values().filter(|n| n.anti_wide > 0) {
        for (uid, (pns, terms)) in &info.anti_pods {
            if *uid == pod.metadata.uid {
                continue;
            }
            for t in terms.iter().filter(wide) {
                if let Some(d) = domain(info, &t.topology_key)
                    && t.selects(pns, ns, &pod.metadata.labels)
                {
                    c.anti_existing
                        .entry(t.topology_key.clone())
                        .or_default()
                        .insert(d.to_string());
                }
            }
        }
    }
    let Some(rules) = pod
        .spec
        .affinity
        .as_ref()
        .and_then(|a| a.pod_anti_affinity.as_ref())
    else {
        return;
    };
    for t in rules
        .required_during_scheduling_ignored_during_execution
        .iter()
        .filter(wide)
    {
        let domains = c.anti.entry(t.topology_key.clone()).or_default();
        for info in snapshot.nodes.values() {
            if let Some(d) = domain(info, &t.topology_key)
                && !domains.contains(d)
                && term_matches(info, pod, t) > 0
            {
                domains.insert(d.to_string());
            }
        }
    }
    for w in &rules.preferred_during_scheduling_ignored_during_execution {
        let t = &w.pod_affinity_term;
        let mut per: HashMap<String, i64> = HashMap::new();
        if wide(&t) {
            for info in snapshot.nodes.values() {
                if let Some(d) = domain(info, &t.topology_key) {
                    let n = term_matches(info, pod, t);
                    if n > 0 {
                        *per.entry(d.to_string()).or_default() += n;
                    }
                }
            }
        }
        c.anti_preferred.push(per);
    }
}
