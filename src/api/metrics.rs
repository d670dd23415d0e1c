//! Resource usage: what node daemons report every few seconds
//! ([`UsageReport`]) and what the API serves from it, in the shape of
//! Kubernetes' `metrics.k8s.io/v1beta1` (`NodeMetrics`, `PodMetrics`), so
//! tools written for metrics-server read it unchanged.
//!
//! Pure data, no I/O.

use super::meta::Time;
use super::quantity::Quantity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The API group and version of usage metrics.
pub const METRICS_API_VERSION: &str = "metrics.k8s.io/v1beta1";

/// CPU and memory in use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Thousandths of a core, averaged over the report's window.
    pub cpu_milli: u64,
    /// Resident bytes (the working set for containers).
    pub memory_bytes: u64,
}

impl Usage {
    /// As Kubernetes writes usage: `cpu: 250m`, `memory: 1234Ki`.
    pub fn to_resources(self) -> BTreeMap<String, Quantity> {
        let mut m = BTreeMap::new();
        m.insert(
            "cpu".into(),
            Quantity::from_milli(i128::from(self.cpu_milli)),
        );
        let kib = self.memory_bytes / 1024;
        m.insert(
            "memory".into(),
            Quantity::from_bytes(i128::from(kib) * 1024),
        );
        m
    }
}

impl std::ops::Add for Usage {
    type Output = Usage;
    fn add(self, o: Usage) -> Usage {
        Usage {
            cpu_milli: self.cpu_milli + o.cpu_milli,
            memory_bytes: self.memory_bytes + o.memory_bytes,
        }
    }
}

/// One container's usage in a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerUsage {
    pub name: String,
    #[serde(flatten)]
    pub usage: Usage,
}

/// One pod's usage in a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodUsage {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub containers: Vec<ContainerUsage>,
}

impl PodUsage {
    pub fn total(&self) -> Usage {
        self.containers
            .iter()
            .fold(Usage::default(), |a, c| a + c.usage)
    }
}

/// What a node daemon sends (`POST /api/v1/nodes/{name}/usage`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    /// When the sample was taken.
    pub timestamp: Time,
    /// The span the CPU figures average over, in milliseconds.
    pub window_millis: u64,
    /// The whole machine.
    pub node: Usage,
    pub pods: Vec<PodUsage>,
}

/// Kubernetes' object metadata, as far as metrics carry it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsMeta {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    pub creation_timestamp: Time,
}

/// `metrics.k8s.io/v1beta1` NodeMetrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeMetrics {
    pub api_version: String,
    pub kind: String,
    pub metadata: MetricsMeta,
    pub timestamp: Time,
    /// e.g. `5s`.
    pub window: String,
    pub usage: BTreeMap<String, Quantity>,
}

/// A container's usage in [`PodMetrics`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContainerMetrics {
    pub name: String,
    pub usage: BTreeMap<String, Quantity>,
}

/// `metrics.k8s.io/v1beta1` PodMetrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMetrics {
    pub api_version: String,
    pub kind: String,
    pub metadata: MetricsMeta,
    pub timestamp: Time,
    pub window: String,
    pub containers: Vec<ContainerMetrics>,
}

/// A list of metrics (`NodeMetricsList`, `PodMetricsList`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsList<T> {
    pub api_version: String,
    pub kind: String,
    pub items: Vec<T>,
}

/// A window as Kubernetes writes durations: `5s`, `1.5s`.
pub fn window_text(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{}s", millis as f64 / 1000.0)
    }
}

impl<T> MetricsList<T> {
    /// A `metrics.k8s.io/v1beta1` list of `kind` (`PodMetricsList`).
    pub fn new(kind: &str, items: Vec<T>) -> Self {
        MetricsList {
            api_version: METRICS_API_VERSION.into(),
            kind: kind.into(),
            items,
        }
    }
}

/// A CPU quantity (`250m`, `2`, `0`, `1500000n`) in thousandths of a core.
pub fn cpu_milli(q: &Quantity) -> u64 {
    u64::try_from(q.milli()).unwrap_or(0)
}

/// A memory quantity in bytes.
pub fn memory_bytes(q: &Quantity) -> u64 {
    u64::try_from(q.value()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_written_as_kubernetes_writes_it() {
        let u = Usage {
            cpu_milli: 250,
            memory_bytes: 200 * 1024 * 1024 + 100,
        };
        let r = u.to_resources();
        assert_eq!(r["cpu"].to_string(), "250m");
        assert_eq!(r["memory"].to_string(), "200Mi");
        assert_eq!(cpu_milli(&r["cpu"]), 250);
        assert_eq!(memory_bytes(&r["memory"]), 200 * 1024 * 1024);
        assert_eq!(window_text(5000), "5s");
        assert_eq!(window_text(1500), "1.5s");
    }

    #[test]
    fn reports_round_trip_as_json() {
        let r = UsageReport {
            timestamp: serde_json::from_str("\"2026-11-22T10:00:00Z\"").unwrap(),
            window_millis: 5000,
            node: Usage {
                cpu_milli: 1200,
                memory_bytes: 1 << 30,
            },
            pods: vec![PodUsage {
                namespace: "default".into(),
                name: "p".into(),
                uid: "u".into(),
                containers: vec![ContainerUsage {
                    name: "c".into(),
                    usage: Usage {
                        cpu_milli: 1000,
                        memory_bytes: 42,
                    },
                }],
            }],
        };
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"cpuMilli\":1000"), "{json}");
        let back: UsageReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.pods[0].total().cpu_milli, 1000);
    }
}
