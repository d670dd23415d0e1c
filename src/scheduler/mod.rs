//! Pure placement: a cluster [`Snapshot`] and a pod in, a node name (or the
//! reasons nothing fits) out. No I/O happens here; the control daemon's
//! scheduling loop feeds snapshots from watches and binds the results in store
//! transactions that re-check capacity.
//!
//! The pipeline: every **filter** plugin judges every node and returns a
//! [`Status`] (Success, or Unschedulable with [`Reason`]s: reasons are data,
//! not errors, and both their text and the remedy `ork why` suggests come
//! from them); nodes that pass every filter are **scored** by each score plugin
//! (0–100), scores are multiplied by the plugin's weight and summed; the
//! highest total wins, ties broken by node name so results are deterministic.
//! When no node passes, the reasons of all nodes are counted into one line,
//! as Kubernetes writes it: `0/3 nodes are available: 2 Insufficient memory,
//! 1 node(s) were unschedulable.`
//!
//! Rules that look at the whole cluster (topology spread constraints,
//! positive pod affinity) get their counts once per attempt, before the
//! filters run ([`topology::cycle`], Kubernetes' PreFilter). The caller
//! takes pending pods highest priority first; when a pod fits nowhere,
//! [`Scheduler::preempt`] chooses lower-priority pods to evict for it, and
//! the room freed is kept for it ([`Nominations`]): filters judge a node
//! with the pods nominated there of at least the incoming pod's priority
//! counted as running (scores judge it without them, as in Kubernetes).
//!
//! This module must not import `control`, `node`, `client`, `cli` or `tui`.

mod plugins;
pub mod preemption;
mod reason;
mod snapshot;
pub mod topology;

pub use plugins::{
    BalancedAllocation, HostPorts, InterPodAffinity, LeastAllocated, MostAllocated, NodeAffinity,
    NodeReady, NodeResourcesFit, NodeSelector, PodAntiAffinity, PodTopologySpread, RuntimeClass,
    SpreadOwner, TaintToleration,
};
pub use preemption::{Preemption, Victim};
pub use reason::Reason;
pub use snapshot::{NodeInfo, Nominations, PodUsage, Snapshot};

use crate::api::Pod;
use std::collections::BTreeMap;

/// Outcome class of a filter, as in Kubernetes' scheduler framework.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    Success,
    /// The pod does not fit now; it may once the cluster changes.
    Unschedulable,
    /// The pod cannot fit on this node whatever else changes (e.g. a selector).
    UnschedulableAndUnresolvable,
    /// A bug or missing data; the node is skipped.
    Error,
}

/// A filter's verdict on one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub code: Code,
    /// One reason per shortfall (`Insufficient memory`).
    pub reasons: Vec<Reason>,
    pub plugin: &'static str,
}

impl Status {
    pub fn success(plugin: &'static str) -> Self {
        Status {
            code: Code::Success,
            reasons: vec![],
            plugin,
        }
    }

    pub fn unschedulable(plugin: &'static str, reasons: Vec<Reason>) -> Self {
        Status {
            code: Code::Unschedulable,
            reasons,
            plugin,
        }
    }

    pub fn unresolvable(plugin: &'static str, reason: Reason) -> Self {
        Status {
            code: Code::UnschedulableAndUnresolvable,
            reasons: vec![reason],
            plugin,
        }
    }

    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }
}

/// Decides whether a pod may run on a node.
pub trait Filter: Send + Sync {
    fn name(&self) -> &'static str;
    fn filter(&self, pod: &Pod, usage: &PodUsage, node: &NodeInfo) -> Status;
}

/// Ranks a feasible node from 0 (worst) to 100 (best).
pub trait Score: Send + Sync {
    fn name(&self) -> &'static str;
    fn score(&self, pod: &Pod, usage: &PodUsage, node: &NodeInfo) -> i64;
}

/// Why a pod fits nowhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unschedulable {
    /// The one-line summary for the pod's condition and events.
    pub message: String,
    /// Each rejected node with the verdict that rejected it.
    pub nodes: BTreeMap<String, Status>,
}

/// A configured scheduler: its filters and weighted scores.
pub struct Scheduler {
    filters: Vec<Box<dyn Filter>>,
    scores: Vec<(Box<dyn Score>, i64)>,
    /// Filters and scores that only judge pods with topology rules (a
    /// [`topology::Cycle`]); skipped for the others, which are most pods.
    topology_filters: Vec<Box<dyn Filter>>,
    topology_scores: Vec<(Box<dyn Score>, i64)>,
    /// The node the last search stopped at: the next one starts after it
    /// (rotates, as in Kubernetes).
    resume_after: std::sync::Mutex<Option<String>>,
}

/// How many feasible nodes a search looks for before scoring, as Kubernetes'
/// adaptive `percentageOfNodesToScore`: every node up to 100, then 50% less
/// 1% per 125 nodes (at least 5%), and never fewer than 100.
pub fn feasible_target(nodes: usize) -> usize {
    if nodes <= 100 {
        return nodes;
    }
    let pct = 50usize.saturating_sub(nodes / 125).max(5);
    (nodes * pct / 100).max(100)
}

/// How the scheduler weighs free capacity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    /// Prefer the emptiest nodes (least-allocated), and spread.
    #[default]
    Spread,
    /// Prefer the fullest nodes that still fit (most-allocated): fewer nodes in use.
    Binpack,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Spread => "spread",
            Strategy::Binpack => "binpack",
        }
    }

    /// `spread` or `binpack`.
    pub fn parse(s: &str) -> Option<Strategy> {
        match s {
            "spread" => Some(Strategy::Spread),
            "binpack" => Some(Strategy::Binpack),
            _ => None,
        }
    }
}

impl Scheduler {
    /// The default pipeline with the given capacity strategy.
    pub fn with_strategy(strategy: Strategy) -> Self {
        let mut s = Scheduler::default();
        if strategy == Strategy::Binpack {
            s.scores = vec![
                (Box::new(MostAllocated), 3),
                (Box::new(BalancedAllocation), 1),
                (Box::new(NodeAffinity), 2),
                (Box::new(TaintToleration), 3),
                (Box::new(PodAntiAffinity), 2),
            ];
        }
        s
    }
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler {
            resume_after: std::sync::Mutex::new(None),
            filters: vec![
                Box::new(NodeReady),
                Box::new(NodeSelector),
                Box::new(NodeAffinity),
                Box::new(TaintToleration),
                Box::new(RuntimeClass),
                Box::new(NodeResourcesFit),
                Box::new(HostPorts),
                Box::new(PodAntiAffinity),
            ],
            scores: vec![
                (Box::new(LeastAllocated), 1),
                (Box::new(BalancedAllocation), 1),
                (Box::new(SpreadOwner), 2),
                (Box::new(NodeAffinity), 2),
                (Box::new(TaintToleration), 3),
                (Box::new(PodAntiAffinity), 2),
            ],
            topology_filters: vec![Box::new(PodTopologySpread), Box::new(InterPodAffinity)],
            topology_scores: vec![
                (Box::new(PodTopologySpread), 2),
                (Box::new(InterPodAffinity), 2),
            ],
        }
    }
}

impl Scheduler {
    /// What the pod asks, with its cycle state when its rules need the
    /// whole cluster.
    fn usage(snapshot: &Snapshot, pod: &Pod) -> PodUsage {
        let mut usage = PodUsage::of(pod);
        if topology::needed_in(snapshot, pod) {
            usage.cycle = Some(std::sync::Arc::new(topology::cycle(snapshot, pod, &usage)));
        }
        usage
    }

    /// The score plugins that judge a pod with this usage, with weights.
    fn scores_for<'s>(
        &'s self,
        usage: &PodUsage,
    ) -> impl Iterator<Item = &'s (Box<dyn Score>, i64)> + 's {
        let topology = match usage.cycle {
            Some(_) => &self.topology_scores[..],
            None => &[],
        };
        self.scores.iter().chain(topology)
    }

    /// The verdict of the first filter that rejects the node, or success.
    pub fn check(&self, pod: &Pod, usage: &PodUsage, node: &NodeInfo) -> Status {
        let topology = match usage.cycle {
            Some(_) => &self.topology_filters[..],
            None => &[],
        };
        for f in self.filters.iter().chain(topology) {
            let s = f.filter(pod, usage, node);
            if !s.is_success() {
                return s;
            }
        }
        Status::success("all")
    }

    /// Picks the best node for `pod`, or says why none fits. On large
    /// clusters the search stops once [`feasible_target`] nodes passed the
    /// filters (starting where the last search stopped, so every node gets
    /// its turn); a pod that fits nowhere is judged against every node.
    pub fn schedule(&self, snapshot: &Snapshot, pod: &Pod) -> Result<String, Unschedulable> {
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let usage = Self::usage(snapshot, pod);
        let want = feasible_target(snapshot.nodes.len());
        let after = self
            .resume_after
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut best: Option<(i64, &str)> = None;
        let mut rejected = BTreeMap::new();
        let mut feasible = 0;
        let mut last: Option<&str> = None;
        // From the node after the last search's stop, wrapping around; a
        // range, so the start costs a lookup, not a walk.
        let (tail, head) = match after.as_deref() {
            Some(a) => (
                snapshot.nodes.range::<str, _>((Excluded(a), Unbounded)),
                Some(snapshot.nodes.range::<str, _>((Unbounded, Included(a)))),
            ),
            None => (snapshot.nodes.range::<str, _>(..), None),
        };
        for (name, info) in tail.chain(head.into_iter().flatten()) {
            last = Some(name);
            let verdict = self.check(pod, &usage, &snapshot.as_seen_by(name, info, &usage));
            if !verdict.is_success() {
                rejected.insert(name.clone(), verdict);
                continue;
            }
            let total: i64 = self
                .scores_for(&usage)
                .map(|(s, w)| s.score(pod, &usage, info).clamp(0, 100) * w)
                .sum();
            // Highest total; among equal totals the first name wins, wherever the search began.
            if best.is_none_or(|(b, bn)| total > b || (total == b && name.as_str() < bn)) {
                best = Some((total, name));
            }
            feasible += 1;
            if feasible >= want {
                break;
            }
        }
        if let Some(l) = last {
            *self.resume_after.lock().unwrap_or_else(|e| e.into_inner()) = Some(l.to_string());
        }
        match best {
            Some((_, name)) => Ok(name.to_string()),
            None => Err(Unschedulable {
                message: summary(snapshot.nodes.len(), &rejected),
                nodes: rejected,
            }),
        }
    }
}

/// One node as [`Scheduler::explain`] sees it for a pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeVerdict {
    pub node: String,
    /// The rejecting filter's verdict; `None` when the node is feasible.
    pub rejected: Option<Status>,
    /// Each score plugin's score (0–100) and weight, when feasible.
    pub scores: Vec<(&'static str, i64, i64)>,
    pub total: i64,
}

impl Scheduler {
    /// Every node's verdict for `pod`, best first (feasible by total score,
    /// then rejected ones by name): what `ork why` prints.
    pub fn explain(&self, snapshot: &Snapshot, pod: &Pod) -> Vec<NodeVerdict> {
        let usage = Self::usage(snapshot, pod);
        let mut out: Vec<NodeVerdict> = snapshot
            .nodes
            .iter()
            .map(|(name, info)| {
                let verdict = self.check(pod, &usage, &snapshot.as_seen_by(name, info, &usage));
                if !verdict.is_success() {
                    return NodeVerdict {
                        node: name.clone(),
                        rejected: Some(verdict),
                        scores: vec![],
                        total: 0,
                    };
                }
                let scores: Vec<(&'static str, i64, i64)> = self
                    .scores_for(&usage)
                    .map(|(s, w)| (s.name(), s.score(pod, &usage, info).clamp(0, 100), *w))
                    .collect();
                let total = scores.iter().map(|(_, v, w)| v * w).sum();
                NodeVerdict {
                    node: name.clone(),
                    rejected: None,
                    scores,
                    total,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            a.rejected
                .is_some()
                .cmp(&b.rejected.is_some())
                .then(b.total.cmp(&a.total))
                .then(a.node.cmp(&b.node))
        });
        out
    }
}

/// `0/N nodes are available: <count> <reason>, ...` with reasons sorted.
pub fn summary(total: usize, rejected: &BTreeMap<String, Status>) -> String {
    if total == 0 {
        return "0/0 nodes are available: no nodes are registered.".into();
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for s in rejected.values() {
        for r in &s.reasons {
            *counts.entry(r.to_string()).or_default() += 1;
        }
    }
    let parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    format!("0/{total} nodes are available: {}.", parts.join(", "))
}

#[cfg(test)]
mod tests;
