//! Runaway work contained: a Deployment asked for a million pods on hollow
//! nodes, then scaled to zero. After the scale-down is acknowledged no pod
//! is created any more, Events stay within `--max-events`, and the control
//! daemon's memory stays under 1 GiB.

use crate::harness::{Cluster, Deploy, wait_for};
use serde_json::Value;
use std::io::BufRead;
use std::time::{Duration, Instant};

const MAX_EVENTS: usize = 2000;
/// Pods made before the scale-down: the controllers are in full burst.
const BURST: i64 = 2000;

fn rss_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

struct Probe<'a> {
    c: &'a Cluster,
    http: reqwest::blocking::Client,
    pid: u32,
    peak_rss: u64,
    peak_events: usize,
}

impl Probe<'_> {
    fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.c.url))
            .bearer_auth(&self.c.admin)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    /// Samples memory and the number of Events.
    fn sample(&mut self) {
        self.peak_rss = self.peak_rss.max(rss_bytes(self.pid));
        let events = self.get("/api/v1/events")["items"]
            .as_array()
            .map_or(0, Vec::len);
        self.peak_events = self.peak_events.max(events);
    }

    /// The active pods of the Deployment's sets, as their status counts them.
    fn set_replicas(&self) -> i64 {
        self.get("/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dbig")["items"]
            .as_array()
            .map_or(0, |sets| {
                sets.iter()
                    .map(|s| s["status"]["replicas"].as_i64().unwrap_or(0))
                    .sum()
            })
    }

    fn pods(&self) -> usize {
        self.get("/api/v1/namespaces/default/pods?labelSelector=app%3Dbig")["items"]
            .as_array()
            .map_or(0, Vec::len)
    }
}

#[test]
fn a_million_replicas_scaled_to_zero_stop_at_once_within_bounded_events_and_memory() {
    let max = MAX_EVENTS.to_string();
    let c = Cluster::start_with(4, "fake", &["--max-events", &max]);
    let mut probe = Probe {
        c: &c,
        http: c.http(),
        pid: c.control.as_ref().unwrap().id(),
        peak_rss: 0,
        peak_events: 0,
    };
    let started = Instant::now();
    c.apply(&Deploy::new("big", 1_000_000).yaml());
    wait_for(
        &format!("{BURST} pods of the million"),
        Duration::from_secs(60),
        || {
            probe.sample();
            (probe.set_replicas() >= BURST).then_some(())
        },
    );
    let burst = started.elapsed();
    // The scale-down, acknowledged at revision `acked`.
    let scaled: Value = probe
        .http
        .patch(format!(
            "{}/apis/apps/v1/namespaces/default/deployments/big",
            c.url
        ))
        .bearer_auth(&c.admin)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"spec":{"replicas":0}}"#)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(scaled["spec"]["replicas"], 0, "{scaled}");
    let acked = scaled["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    // Every pod change from the acknowledgement on.
    let watch = probe
        .http
        .get(format!(
            "{}/api/v1/namespaces/default/pods?watch=true&resourceVersion={acked}",
            c.url
        ))
        .bearer_auth(&c.admin)
        .send()
        .unwrap();
    assert!(watch.status().is_success(), "{}", watch.status());
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(watch).lines() {
            let Ok(line) = line else { return };
            let Ok(ev) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if tx.send(ev).is_err() {
                return;
            }
        }
    });
    let created_before = probe.pods();
    wait_for("every pod of big gone", Duration::from_secs(60), || {
        probe.sample();
        (probe.pods() == 0).then_some(())
    });
    probe.sample();
    let mut seen = 0;
    let mut added = vec![];
    while let Ok(ev) = rx.recv_timeout(Duration::from_millis(500)) {
        seen += 1;
        assert_ne!(ev["type"], "ERROR", "the watch from {acked} failed: {ev}");
        if ev["type"] == "ADDED" {
            added.push(ev["object"]["metadata"]["name"].clone());
        }
    }
    assert!(seen > 0, "the watch from {acked} showed no pod change");
    assert!(
        added.is_empty(),
        "{} pods created after the scale-down was acknowledged: {added:?}",
        added.len()
    );
    println!(
        "scale to 1,000,000 then 0: {BURST}+ pods in {:.1} s, {created_before} when scaled to 0, \
         all gone after {:.1} s; peak {} Events (cap {MAX_EVENTS}), peak control RSS {} MiB (target <1,024)",
        burst.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        probe.peak_events,
        probe.peak_rss >> 20
    );
    assert!(
        probe.peak_events <= MAX_EVENTS,
        "{} Events held, over the cap of {MAX_EVENTS}",
        probe.peak_events
    );
    assert!(probe.peak_rss > 0 && probe.peak_rss < 1 << 30);
    // The deployment settles at zero.
    c.wait_json(
        "big at 0 replicas",
        Duration::from_secs(20),
        &["get", "deployment", "big"],
        |d| d["status"]["replicas"].as_i64().unwrap_or(0) == 0,
    );
}
