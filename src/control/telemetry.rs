//! The control daemon's own measurements, served at `/metrics` in the
//! Prometheus text format: API requests (count by method and code, latency
//! histogram by method), store commits (latency, writes per commit),
//! scheduling attempts (by result, latency), open watches, and — computed at
//! scrape time — nodes and pods by state and each node's reported usage.
//!
//! Counters are process-wide atomics so the store and the scheduler record
//! without plumbing; nothing here does I/O. It must not import `http`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Bucket bounds in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A histogram of durations (or of counts, with `observe_value`).
pub struct Histogram {
    bounds: &'static [f64],
    buckets: Vec<AtomicU64>,
    /// Sum in millionths.
    sum_micro: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            buckets: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micro: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, d: Duration) {
        self.observe_value(d.as_secs_f64());
    }

    pub fn observe_value(&self, v: f64) {
        for (b, bound) in self.buckets.iter().zip(self.bounds) {
            if v <= *bound {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sum_micro
            .fetch_add((v * 1e6) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (b, bound) in self.buckets.iter().zip(self.bounds) {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {}",
                b.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(
            out,
            "{name}_sum{braces} {}",
            self.sum_micro.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// Everything measured.
pub struct Telemetry {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    request_latency: Mutex<BTreeMap<String, &'static Histogram>>,
    pub commit_latency: Histogram,
    pub commit_writes: Histogram,
    schedule_attempts: Mutex<BTreeMap<&'static str, u64>>,
    pub schedule_latency: Histogram,
    pub watches: AtomicU64,
}

/// The process's telemetry.
pub fn global() -> &'static Telemetry {
    static T: OnceLock<Telemetry> = OnceLock::new();
    T.get_or_init(|| Telemetry {
        requests: Mutex::new(BTreeMap::new()),
        request_latency: Mutex::new(BTreeMap::new()),
        commit_latency: Histogram::new(&BUCKETS),
        commit_writes: Histogram::new(&BATCH_BUCKETS),
        schedule_attempts: Mutex::new(BTreeMap::new()),
        schedule_latency: Histogram::new(&BUCKETS),
        watches: AtomicU64::new(0),
    })
}

impl Telemetry {
    /// One API request answered.
    pub fn request(&self, method: &str, code: u16, took: Duration) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((method.to_string(), code))
            .or_default() += 1;
        let h = *self
            .request_latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(method.to_string())
            // A handful of methods, each leaked once for the life of the process.
            .or_insert_with(|| Box::leak(Box::new(Histogram::new(&BUCKETS))));
        h.observe(took);
    }

    /// One scheduling attempt: `scheduled`, `unschedulable` or `error`.
    pub fn schedule_attempt(&self, result: &'static str, took: Duration) {
        *self
            .schedule_attempts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(result)
            .or_default() += 1;
        self.schedule_latency.observe(took);
    }

    /// The Prometheus text of everything measured, then `extra` (gauges
    /// computed by the caller at scrape time).
    pub fn render(&self, extra: &str) -> String {
        let mut out = String::new();
        out.push_str("# HELP ork_api_requests_total API requests answered, by method and status code.\n# TYPE ork_api_requests_total counter\n");
        for ((m, c), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "ork_api_requests_total{{method=\"{m}\",code=\"{c}\"}} {n}"
            );
        }
        out.push_str("# HELP ork_api_request_duration_seconds API request latency, by method.\n# TYPE ork_api_request_duration_seconds histogram\n");
        for (m, h) in self
            .request_latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            h.write(
                &mut out,
                "ork_api_request_duration_seconds",
                &format!("method=\"{m}\""),
            );
        }
        out.push_str("# HELP ork_store_commit_duration_seconds Time to make a group of writes durable.\n# TYPE ork_store_commit_duration_seconds histogram\n");
        self.commit_latency
            .write(&mut out, "ork_store_commit_duration_seconds", "");
        out.push_str("# HELP ork_store_commit_writes Object writes per durable commit.\n# TYPE ork_store_commit_writes histogram\n");
        self.commit_writes
            .write(&mut out, "ork_store_commit_writes", "");
        out.push_str("# HELP ork_scheduler_attempts_total Scheduling attempts, by result.\n# TYPE ork_scheduler_attempts_total counter\n");
        for (r, n) in self
            .schedule_attempts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(out, "ork_scheduler_attempts_total{{result=\"{r}\"}} {n}");
        }
        out.push_str("# HELP ork_scheduler_attempt_duration_seconds Time to decide one pod's node.\n# TYPE ork_scheduler_attempt_duration_seconds histogram\n");
        self.schedule_latency
            .write(&mut out, "ork_scheduler_attempt_duration_seconds", "");
        out.push_str("# HELP ork_api_watches Open watch streams.\n# TYPE ork_api_watches gauge\n");
        let _ = writeln!(
            out,
            "ork_api_watches {}",
            self.watches.load(Ordering::Relaxed)
        );
        out.push_str(extra);
        out
    }
}

/// Counts an open watch for as long as it lives.
pub struct WatchGuard(());

impl WatchGuard {
    pub fn new() -> Self {
        global().watches.fetch_add(1, Ordering::Relaxed);
        WatchGuard(())
    }
}

impl Default for WatchGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        global().watches.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Escapes a label value.
pub fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_render_as_prometheus_text() {
        let h = Histogram::new(&BUCKETS);
        h.observe(Duration::from_micros(700));
        h.observe(Duration::from_millis(30));
        let mut out = String::new();
        h.write(&mut out, "x_seconds", "method=\"GET\"");
        assert!(
            out.contains("x_seconds_bucket{method=\"GET\",le=\"0.0005\"} 0\n"),
            "{out}"
        );
        assert!(
            out.contains("x_seconds_bucket{method=\"GET\",le=\"0.001\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains("x_seconds_bucket{method=\"GET\",le=\"0.05\"} 2\n"),
            "{out}"
        );
        assert!(
            out.contains("x_seconds_bucket{method=\"GET\",le=\"+Inf\"} 2\n"),
            "{out}"
        );
        assert!(out.contains("x_seconds_count{method=\"GET\"} 2\n"), "{out}");
        assert_eq!(label("a\"b\\"), "a\\\"b\\\\");
    }
}
