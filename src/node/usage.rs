//! Usage sampling: every few seconds the node daemon reads the CPU time and
//! memory of every running container (through its runtime: the engine's
//! stats for Docker, /proc for processes) and of the machine
//! ([`super::procfs`]), turns CPU time into cores over the interval, and sends
//! one [`UsageReport`] to the control daemon, which keeps it in memory.
//!
//! This module must not import `control`, `cli` or `tui`.

use super::procfs;
use super::runtime::RunState;
use super::worker::Shared;
use crate::api::Time;
use crate::api::metrics::{ContainerUsage, PodUsage, Usage, UsageReport};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often usage is sampled and reported.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// Thousandths of a core used between two readings of cumulative CPU time.
pub fn cpu_rate(prev_nanos: u64, now_nanos: u64, elapsed: Duration) -> u64 {
    let el = elapsed.as_nanos();
    if el == 0 || now_nanos < prev_nanos {
        return 0;
    }
    (u128::from(now_nanos - prev_nanos) * 1000 / el) as u64
}

struct Sampler {
    /// Cumulative CPU nanoseconds of each instance at the last sample.
    containers: HashMap<String, (u64, Instant)>,
    /// Busy and total ticks of the machine at the last sample.
    machine: Option<(u64, u64)>,
}

impl Sampler {
    async fn sample(&mut self, shared: &Shared, cpus: u64) -> UsageReport {
        let now = Instant::now();
        let mut pods: BTreeMap<String, PodUsage> = BTreeMap::new();
        let mut seen = HashMap::new();
        for rt in shared.runtimes.all() {
            let Ok(list) = rt.list().await else { continue };
            for c in list.into_iter().filter(|c| c.state == RunState::Running) {
                let Ok(u) = rt.stats(&c.id).await else {
                    continue;
                };
                seen.insert(c.id.clone(), (u.cpu_nanos, now));
                // A rate needs two readings; a new instance shows from its second.
                let Some((prev, at)) = self.containers.get(&c.id) else {
                    continue;
                };
                let usage = Usage {
                    cpu_milli: cpu_rate(*prev, u.cpu_nanos, now - *at),
                    memory_bytes: u.memory_bytes,
                };
                pods.entry(c.pod_uid.clone())
                    .or_insert_with(|| PodUsage {
                        namespace: c.namespace.clone(),
                        name: c.pod_name.clone(),
                        uid: c.pod_uid.clone(),
                        containers: vec![],
                    })
                    .containers
                    .push(ContainerUsage {
                        name: c.container_name.clone(),
                        usage,
                    });
            }
        }
        self.containers = seen;
        let machine = procfs::machine_cpu();
        let cpu_milli = match (self.machine, machine) {
            (Some((b0, t0)), Some((b1, t1))) if t1 > t0 => {
                (b1.saturating_sub(b0)) * 1000 * cpus / (t1 - t0)
            }
            _ => 0,
        };
        self.machine = machine;
        UsageReport {
            timestamp: Time::now(),
            window_millis: 0,
            node: Usage {
                cpu_milli,
                memory_bytes: procfs::machine_memory_in_use().unwrap_or(0),
            },
            pods: pods.into_values().collect(),
        }
    }
}

/// Samples and reports until shutdown. A report the control daemon does not
/// take is dropped: the next one replaces it.
pub async fn run(shared: Arc<Shared>, interval: Duration, shutdown: watch::Receiver<bool>) {
    let cpus = super::machine::cpus().max(1);
    let mut s = Sampler {
        containers: HashMap::new(),
        machine: None,
    };
    let mut ticks = super::ticks::Ticks::new(interval, shutdown);
    while ticks.next().await {
        let mut report = s.sample(&shared, cpus).await;
        report.window_millis = interval.as_millis() as u64;
        if let Err(e) = shared.client.report_usage(&shared.node_name, &report).await {
            tracing::debug!(error = %e, "reporting usage failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_becomes_cores() {
        // One core busy for the whole second.
        assert_eq!(cpu_rate(0, 1_000_000_000, Duration::from_secs(1)), 1000);
        assert_eq!(cpu_rate(500, 250_000_500, Duration::from_millis(500)), 500);
        // A counter that went back (a new instance) is not negative usage.
        assert_eq!(cpu_rate(10, 5, Duration::from_secs(1)), 0);
        assert_eq!(cpu_rate(0, 5, Duration::ZERO), 0);
    }
}
