//! Usage as node daemons report it, kept in memory only (a sample is never
//! written to SQLite): the latest report of each node, and a short history
//! of node totals for sparklines. Reports older than [`STALE`] are not
//! served, so a dead node's last figures do not linger.
//!
//! This module must not import `http`, controllers or the scheduler.

use crate::api::metrics::{PodUsage, Usage, UsageReport};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Reports older than this are ignored.
pub const STALE: Duration = Duration::from_secs(60);
/// Node samples kept per node.
pub const HISTORY: usize = 120;

struct Entry {
    received: Instant,
    report: Arc<UsageReport>,
    history: VecDeque<Usage>,
}

/// The usage store. Cheap to clone.
#[derive(Clone, Default)]
pub struct UsageStore {
    nodes: Arc<RwLock<HashMap<String, Entry>>>,
}

impl UsageStore {
    /// Keeps a node's new report.
    pub fn record(&self, node: &str, report: UsageReport) {
        let mut nodes = self.nodes.write().unwrap_or_else(|e| e.into_inner());
        let e = nodes.entry(node.to_string()).or_insert_with(|| Entry {
            received: Instant::now(),
            report: Arc::new(report.clone()),
            history: VecDeque::new(),
        });
        if e.history.len() == HISTORY {
            e.history.pop_front();
        }
        e.history.push_back(report.node);
        e.received = Instant::now();
        e.report = Arc::new(report);
    }

    /// Forgets a node (deleted).
    pub fn forget(&self, node: &str) {
        self.nodes
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(node);
    }

    /// The latest fresh report of every node, by node name.
    pub fn nodes(&self) -> Vec<(String, Arc<UsageReport>)> {
        let nodes = self.nodes.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<(String, Arc<UsageReport>)> = nodes
            .iter()
            .filter(|(_, e)| e.received.elapsed() < STALE)
            .map(|(n, e)| (n.clone(), e.report.clone()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Recent node totals, oldest first.
    pub fn history(&self, node: &str) -> Vec<Usage> {
        let nodes = self.nodes.read().unwrap_or_else(|e| e.into_inner());
        nodes
            .get(node)
            .map(|e| e.history.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The latest usage of every pod, with the report it came in, by pod uid.
    pub fn pods(&self) -> HashMap<String, (PodUsage, Arc<UsageReport>)> {
        let mut out = HashMap::new();
        for (_, r) in self.nodes() {
            for p in &r.pods {
                out.insert(p.uid.clone(), (p.clone(), r.clone()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Time;
    use crate::api::metrics::ContainerUsage;

    fn report(cpu: u64) -> UsageReport {
        UsageReport {
            timestamp: Time::now(),
            window_millis: 5000,
            node: Usage {
                cpu_milli: cpu,
                memory_bytes: 1,
            },
            pods: vec![PodUsage {
                namespace: "default".into(),
                name: "p".into(),
                uid: "u1".into(),
                containers: vec![ContainerUsage {
                    name: "c".into(),
                    usage: Usage {
                        cpu_milli: cpu,
                        memory_bytes: 2,
                    },
                }],
            }],
        }
    }

    #[test]
    fn the_latest_report_wins_and_history_is_bounded() {
        let s = UsageStore::default();
        for i in 0..(HISTORY as u64 + 10) {
            s.record("n1", report(i));
        }
        let nodes = s.nodes();
        assert_eq!(nodes.len(), 1);
        assert_eq!(nodes[0].1.node.cpu_milli, HISTORY as u64 + 9);
        let h = s.history("n1");
        assert_eq!(h.len(), HISTORY);
        assert_eq!(h[0].cpu_milli, 10);
        assert_eq!(
            s.pods()["u1"].0.containers[0].usage.cpu_milli,
            HISTORY as u64 + 9
        );
        s.forget("n1");
        assert!(s.nodes().is_empty());
    }
}
