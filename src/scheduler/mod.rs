//! Pure placement: a cluster [`Snapshot`] and a pod in, a node name (or the
//! reasons nothing fits) out. No I/O happens here; the control daemon's
//! scheduling loop feeds snapshots from watches and binds the results in store
//! transactions that re-check capacity.
//!
//! The pipeline: every **filter** plugin judges every node and returns a
//! [`Status`] (Success, or Unschedulable with reasons: reasons are data, not
//! errors); nodes that pass every filter are **scored** by each score plugin
//! (0–100), scores are multiplied by the plugin's weight and summed; the
//! highest total wins, ties broken by node name so results are deterministic.
//! When no node passes, the reasons of all nodes are counted into one line,
//! as Kubernetes writes it: `0/3 nodes are available: 2 Insufficient memory,
//! 1 node(s) were unschedulable.`
//!
//! This module must not import `control`, `node`, `client`, `cli` or `tui`.

mod plugins;
mod snapshot;

pub use plugins::{
    HostPorts, LeastAllocated, NodeAffinity, NodeReady, NodeResourcesFit, NodeSelector,
    RuntimeClass, SpreadOwner, TaintToleration,
};
pub use snapshot::{NodeInfo, PodUsage, Snapshot};

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
    /// Human reasons, one per shortfall (`Insufficient memory`).
    pub reasons: Vec<String>,
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

    pub fn unschedulable(plugin: &'static str, reasons: Vec<String>) -> Self {
        Status {
            code: Code::Unschedulable,
            reasons,
            plugin,
        }
    }

    pub fn unresolvable(plugin: &'static str, reason: impl Into<String>) -> Self {
        Status {
            code: Code::UnschedulableAndUnresolvable,
            reasons: vec![reason.into()],
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
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler {
            filters: vec![
                Box::new(NodeReady),
                Box::new(NodeSelector),
                Box::new(NodeAffinity),
                Box::new(TaintToleration),
                Box::new(RuntimeClass),
                Box::new(NodeResourcesFit),
                Box::new(HostPorts),
            ],
            scores: vec![
                (Box::new(LeastAllocated), 1),
                (Box::new(SpreadOwner), 2),
                (Box::new(NodeAffinity), 2),
                (Box::new(TaintToleration), 3),
            ],
        }
    }
}

impl Scheduler {
    /// The verdict of the first filter that rejects the node, or success.
    pub fn check(&self, pod: &Pod, usage: &PodUsage, node: &NodeInfo) -> Status {
        for f in &self.filters {
            let s = f.filter(pod, usage, node);
            if !s.is_success() {
                return s;
            }
        }
        Status::success("all")
    }

    /// Picks the best node for `pod`, or says why none fits.
    pub fn schedule(&self, snapshot: &Snapshot, pod: &Pod) -> Result<String, Unschedulable> {
        let usage = PodUsage::of(pod);
        let mut best: Option<(i64, &str)> = None;
        let mut rejected = BTreeMap::new();
        for (name, info) in &snapshot.nodes {
            let verdict = self.check(pod, &usage, info);
            if !verdict.is_success() {
                rejected.insert(name.clone(), verdict);
                continue;
            }
            let total: i64 = self
                .scores
                .iter()
                .map(|(s, w)| s.score(pod, &usage, info).clamp(0, 100) * w)
                .sum();
            // Strictly greater: among equal scores the first name (BTreeMap order) wins.
            if best.is_none_or(|(b, _)| total > b) {
                best = Some((total, name));
            }
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

/// `0/N nodes are available: <count> <reason>, ...` with reasons sorted.
pub fn summary(total: usize, rejected: &BTreeMap<String, Status>) -> String {
    if total == 0 {
        return "0/0 nodes are available: no nodes are registered.".into();
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in rejected.values() {
        for r in &s.reasons {
            *counts.entry(r.as_str()).or_default() += 1;
        }
    }
    let parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    format!("0/{total} nodes are available: {}.", parts.join(", "))
}

#[cfg(test)]
mod tests;
