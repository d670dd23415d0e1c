//! Usage metrics end to end: node daemons sample real processes (and Docker
//! containers) and `ork top` shows what they use.

use crate::harness::{Cluster, wait_for};
use serde_json::Value;
use std::time::Duration;

fn pod_usage(c: &Cluster, name: &str) -> Option<(u64, u64)> {
    let out = c.ork(&["top", "pods", name, "-o", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    let item = v["items"].as_array()?.first()?.clone();
    let usage = &item["containers"][0]["usage"];
    let cpu: ork::api::Quantity = usage["cpu"].as_str()?.parse().ok()?;
    let mem: ork::api::Quantity = usage["memory"].as_str()?.parse().ok()?;
    Some((cpu.milli() as u64, mem.value() as u64))
}

#[test]
fn top_shows_a_busy_pod_near_one_core_an_idle_one_near_zero_and_memory_held() {
    let c = Cluster::start(1, "process");
    c.apply(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: busy, labels: {app: top}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: none, command: ["sh", "-c", "while :; do :; done"]}
---
apiVersion: v1
kind: Pod
metadata: {name: idle, labels: {app: top}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: none, command: ["sleep", "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: hog, labels: {app: top}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: none
    command: ["python3", "-c", "import time\nb = b'x' * (200 << 20)\ntime.sleep(3600)"]
"#,
    );
    c.wait_running("app=top", 3);
    // Several samples: the busy loop is near 1000m (±30%) in three in a row.
    let mut busy = vec![];
    wait_for(
        "three samples of the busy pod",
        Duration::from_secs(40),
        || {
            let (cpu, _) = pod_usage(&c, "busy")?;
            if busy.last() != Some(&cpu) {
                busy.push(cpu);
            }
            (busy.len() >= 4).then_some(())
        },
    );
    let recent = &busy[busy.len() - 3..];
    assert!(
        recent.iter().all(|m| (700..=1300).contains(m)),
        "busy loop ≈1000m: {busy:?}"
    );
    let (idle_cpu, _) = wait_for("idle usage", Duration::from_secs(20), || {
        pod_usage(&c, "idle")
    });
    assert!(idle_cpu <= 20, "idle ≈0: {idle_cpu}m");
    let mib = 1024 * 1024;
    let (_, hog_mem) = wait_for("the hog's memory", Duration::from_secs(30), || {
        pod_usage(&c, "hog").filter(|(_, m)| *m > 150 * mib)
    });
    assert!(
        (160 * mib..=240 * mib).contains(&hog_mem),
        "200 MiB ±20%: {} MiB",
        hog_mem / mib
    );
    // The tables as kubectl prints them.
    let pods = c.ok(&["top", "pods"]);
    assert!(
        pods.starts_with("NAME") && pods.contains("CPU(cores)") && pods.contains("MEMORY(bytes)"),
        "{pods}"
    );
    assert!(
        pods.lines()
            .any(|l| l.starts_with("busy ") && l.contains('m')),
        "{pods}"
    );
    let containers = c.ok(&["top", "pods", "-l", "app=top", "--containers"]);
    assert!(containers.starts_with("POD"), "{containers}");
    assert_eq!(containers.lines().count(), 4, "{containers}");
    let nodes = wait_for("node usage", Duration::from_secs(20), || {
        let out = c.ork(&["top", "nodes"]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).to_string())
    });
    assert!(nodes.contains("CPU(%)") && nodes.contains("n1"), "{nodes}");
    // Without a token, no metrics.
    let status = reqwest::blocking::get(format!("{}/apis/metrics.k8s.io/v1beta1/nodes", c.url))
        .unwrap()
        .status();
    assert_eq!(status, 401);
}
