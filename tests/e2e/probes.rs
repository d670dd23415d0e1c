//! Probes end to end: liveness restarts, readiness gates Ready.

use crate::harness::{Cluster, free_port, wait_for};
use std::time::Duration;

fn restart_count(p: &serde_json::Value) -> i64 {
    p["status"]["containerStatuses"][0]["restartCount"]
        .as_i64()
        .unwrap_or(0)
}

fn ready(p: &serde_json::Value) -> bool {
    p["status"]["containerStatuses"][0]["ready"] == true
}

#[test]
fn a_failing_liveness_probe_restarts_the_container() {
    let c = Cluster::start(1, "process");
    let flag = c.dir.path().join("alive");
    std::fs::write(&flag, "").unwrap();
    c.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: live
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    command: ["sleep", "100000"]
    livenessProbe:
      exec:
        command: ["test", "-f", "{}"]
      periodSeconds: 1
      failureThreshold: 2
"#,
        flag.display()
    ));
    c.wait_json(
        "running and ready",
        Duration::from_secs(20),
        &["get", "pod", "live"],
        ready,
    );
    std::fs::remove_file(&flag).unwrap();
    let p = c.wait_json(
        "a restart",
        Duration::from_secs(20),
        &["get", "pod", "live"],
        |p| restart_count(p) >= 1,
    );
    assert_eq!(
        p["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"],
        143
    );
    let events = c.ok(&["events", "--for", "pod/live"]);
    assert!(events.contains("Liveness probe failed"), "{events}");
    assert!(
        events.contains("failed liveness probe, will be restarted"),
        "{events}"
    );
}

#[test]
fn readiness_decides_ready_and_the_ready_counts() {
    let c = Cluster::start(1, "process");
    let flag = c.dir.path().join("ready");
    c.apply(&format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: gated
spec:
  replicas: 2
  selector:
    matchLabels: {{app: gated}}
  template:
    metadata:
      labels: {{app: gated}}
    spec:
      containers:
      - name: main
        command: ["sleep", "100000"]
        readinessProbe:
          exec:
            command: ["test", "-f", "{}"]
          periodSeconds: 1
"#,
        flag.display()
    ));
    // Running but not ready: READY 0/1, and the Deployment counts none ready.
    wait_for("two running pods", Duration::from_secs(20), || {
        let pods = c.pods("app=gated");
        (pods.len() == 2 && pods.iter().all(|p| p["status"]["phase"] == "Running")).then_some(())
    });
    // Wait for proof that the probe ran and failed twice, then check nobody became ready.
    wait_for(
        "two recorded readiness failures",
        Duration::from_secs(20),
        || {
            let evs = c.json(&["get", "events"])?;
            evs["items"]
                .as_array()?
                .iter()
                .any(|e| e["reason"] == "Unhealthy" && e["count"].as_i64().unwrap_or(0) >= 2)
                .then_some(())
        },
    );
    let pods = c.pods("app=gated");
    assert!(
        pods.iter().all(|p| !ready(p)),
        "no pod may be ready without its flag"
    );
    let table = c.ok(&["get", "pods", "-l", "app=gated"]);
    assert!(
        table
            .lines()
            .skip(1)
            .all(|l| l.contains("0/1") && l.contains("Running")),
        "{table}"
    );
    let d = c.json(&["get", "deploy", "gated"]).unwrap();
    assert_eq!(d["status"]["readyReplicas"].as_i64().unwrap_or(0), 0);
    std::fs::write(&flag, "").unwrap();
    c.wait_json(
        "both ready",
        Duration::from_secs(20),
        &["get", "deploy", "gated"],
        |d| d["status"]["readyReplicas"] == 2,
    );
    // Failing again takes them out.
    std::fs::remove_file(&flag).unwrap();
    c.wait_json(
        "none ready again",
        Duration::from_secs(20),
        &["get", "deploy", "gated"],
        |d| d["status"]["readyReplicas"].as_i64().unwrap_or(0) == 0,
    );
}

#[test]
fn http_and_tcp_probes_check_the_port_the_node_gave() {
    let c = Cluster::start(1, "process");
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/hello.yaml"))
            .unwrap();
    assert!(
        example.contains("readinessProbe"),
        "the example shows probes"
    );
    c.apply(&example);
    let pods = c.wait_running("app=hello", 2);
    for p in &pods {
        assert!(ready(p));
        assert_eq!(restart_count(p), 0);
    }
}

/// etcd serves the standard gRPC health service on its client port, as in
/// the Kubernetes documentation's gRPC probe example.
#[test]
fn a_grpc_probe_asks_the_health_service_and_names_what_it_answered() {
    if !crate::ha::have_etcd() {
        return;
    }
    let c = Cluster::start(1, "process");
    let pod = |name: &str, service: &str| {
        let (client, peer) = (free_port(), free_port());
        // The data directory is relative: in the pod's own working directory.
        format!(
            r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: etcd
    command: ["etcd", "--name", "{name}", "--data-dir", "{name}.etcd",
      "--listen-client-urls", "http://127.0.0.1:{client}", "--advertise-client-urls", "http://127.0.0.1:{client}",
      "--listen-peer-urls", "http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", "http://127.0.0.1:{peer}",
      "--initial-cluster", "{name}=http://127.0.0.1:{peer}"]
    readinessProbe:
      grpc:
        port: {client}
        service: "{service}"
      periodSeconds: 1
"#
        )
    };
    c.apply(&format!(
        "{}---\n{}",
        pod("serving", ""),
        pod("asked-wrong", "no-such-service")
    ));
    c.wait_json(
        "the pod asking about the server as a whole is Ready",
        Duration::from_secs(30),
        &["get", "pod", "serving"],
        ready,
    );
    wait_for(
        "the readiness failure of the other, with the health service's answer",
        Duration::from_secs(30),
        || {
            let events = c.ok(&["events", "--for", "pod/asked-wrong"]);
            events
                .contains("Readiness probe failed: error: health rpc probe failed: NotFound")
                .then_some(())
        },
    );
    let p = c.json(&["get", "pod", "asked-wrong"]).unwrap();
    assert_eq!(p["status"]["phase"], "Running");
    assert!(
        !ready(&p),
        "a service the health server does not know is not ready"
    );
}
