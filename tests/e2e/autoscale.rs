//! The HorizontalPodAutoscaler end to end: real busy processes, usage
//! reported by the node, the controller scaling the Deployment up under load
//! and back down after its (shortened) stabilization window, never below
//! minReplicas, with an event per rescale.

use crate::harness::{Cluster, marker, wait_for};
use serde_json::Value;
use std::time::Duration;

fn replicas(c: &Cluster) -> i64 {
    c.json(&["get", "deployment", "burn"])
        .and_then(|d| d["spec"]["replicas"].as_i64())
        .unwrap_or(-1)
}

fn rescales(c: &Cluster) -> Vec<String> {
    c.json(&["get", "events"])
        .and_then(|v| v["items"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter(|e| e["reason"] == "SuccessfulRescale")
        .filter_map(|e| e["message"].as_str().map(String::from))
        .collect()
}

#[test]
fn an_hpa_scales_a_busy_deployment_up_then_down_after_its_window() {
    let c = Cluster::start(1, "process");
    let stop = c.dir.path().join(format!("stop-{}", marker()));
    c.apply(&format!(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: burn}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: burn}}}}
  template:
    metadata: {{labels: {{app: burn}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: none
        command: ["sh", "-c", "while [ ! -e {stop} ]; do :; done; exec sleep 3600"]
        resources:
          requests: {{cpu: 200m}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: burn}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: burn}}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {{type: Utilization, averageUtilization: 50}}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 6
"#,
        stop = stop.display()
    ));
    c.wait_running("app=burn", 1);
    // ~1000m used of 200m requested = 500% against 50%: up to the maximum.
    wait_for("scaled up to 3", Duration::from_secs(60), || {
        (replicas(&c) == 3).then_some(())
    });
    let hpa: Value = c.json(&["get", "hpa", "burn"]).unwrap();
    let util = hpa["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"]
        .as_i64()
        .unwrap();
    assert!(util > 100, "utilization well above target: {util}%");
    let conds = hpa["status"]["conditions"].as_array().unwrap();
    assert!(
        conds
            .iter()
            .any(|c| c["type"] == "ScalingActive" && c["status"] == "True"),
        "{conds:?}"
    );
    let table = c.ok(&["get", "hpa"]);
    assert!(
        table.contains("REFERENCE") && table.contains("Deployment/burn"),
        "{table}"
    );
    assert!(table.contains("%/50%"), "{table}");
    assert!(
        rescales(&c).iter().any(|m| m.starts_with("New size: 3")),
        "{:?}",
        rescales(&c)
    );
    // The load stops: back to minReplicas once the window has passed, not below.
    std::fs::write(&stop, b"").unwrap();
    let stopped = std::time::Instant::now();
    wait_for("scaled down to 1", Duration::from_secs(60), || {
        (replicas(&c) == 1).then_some(())
    });
    // Not before the 6 s window since the last high recommendation.
    assert!(
        stopped.elapsed() >= Duration::from_secs(5),
        "scale-down waited for its window: {:?}",
        stopped.elapsed()
    );
    assert!(
        rescales(&c).iter().any(|m| m.starts_with("New size: 1")),
        "{:?}",
        rescales(&c)
    );
    let hpa: Value = c.json(&["get", "hpa", "burn"]).unwrap();
    assert_eq!(hpa["status"]["desiredReplicas"], 1);
    // Several more syncs: it stays at the minimum.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(replicas(&c), 1);
}

#[test]
fn ork_autoscale_creates_an_hpa_and_bad_ones_are_refused() {
    let c = Cluster::start(1, "fake");
    c.apply(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: none, command: ["none"]}]
"#,
    );
    c.ok(&[
        "autoscale",
        "deployment/web",
        "--min",
        "2",
        "--max",
        "5",
        "--cpu-percent",
        "60",
    ]);
    let h = c.json(&["get", "hpa", "web"]).unwrap();
    assert_eq!(h["spec"]["minReplicas"], 2);
    assert_eq!(h["spec"]["maxReplicas"], 5);
    assert_eq!(
        h["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
        60
    );
    // The pods have no CPU requests: the HPA says so instead of guessing.
    let h = c.wait_json(
        "ScalingActive False",
        Duration::from_secs(30),
        &["get", "hpa", "web"],
        |h| {
            h["status"]["conditions"].as_array().is_some_and(|cs| {
                cs.iter()
                    .any(|c| c["type"] == "ScalingActive" && c["status"] == "False")
            })
        },
    );
    let msg = h["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ScalingActive")
        .unwrap()["message"]
        .to_string();
    assert!(msg.contains("request") || msg.contains("metrics"), "{msg}");
    let bad = c.ork(&[
        "autoscale",
        "deployment/web",
        "--name",
        "bad",
        "--min",
        "4",
        "--max",
        "2",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("maxReplicas"));
}
