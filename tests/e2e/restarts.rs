//! Daemon restarts never restart workloads.

use crate::harness::{Cluster, marker, pids_of, wait_for};
use crate::workloads::deployment;
use std::time::Duration;

fn restart_counts(c: &Cluster, selector: &str) -> Vec<i64> {
    c.pods(selector)
        .iter()
        .map(|p| {
            p["status"]["containerStatuses"][0]["restartCount"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

#[test]
fn restarting_the_control_daemon_keeps_objects_and_pods() {
    let mut c = Cluster::start(1, "process");
    let m = marker();
    let ms = m.to_string();
    c.apply(&deployment("keep", 2, m));
    let before = c.wait_running("app=keep", 2);
    let pids = wait_for("2 processes", Duration::from_secs(20), || {
        let p = pids_of(&["sleep", &ms]);
        (p.len() == 2).then_some(p)
    });
    let rv = c.json(&["get", "deploy", "keep"]).unwrap()["metadata"]["resourceVersion"].clone();
    c.kill_control();
    c.start_control();
    let after = c.wait_running("app=keep", 2);
    let names = |v: &[serde_json::Value]| {
        let mut n: Vec<String> = v
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(&before), names(&after), "the same pods");
    assert_eq!(
        c.json(&["get", "deploy", "keep"]).unwrap()["metadata"]["resourceVersion"],
        rv
    );
    assert_eq!(pids_of(&["sleep", &ms]), pids, "the same processes");
    assert_eq!(restart_counts(&c, "app=keep"), vec![0, 0]);
    // The restarted control daemon still runs controllers: scaling works.
    c.ok(&["scale", "deploy/keep", "--replicas", "3"]);
    c.wait_running("app=keep", 3);
}

#[test]
fn a_node_daemon_killed_and_restarted_adopts_its_processes() {
    let mut c = Cluster::start(1, "process");
    let m = marker();
    let ms = m.to_string();
    c.apply(&deployment("adopt", 3, m));
    c.wait_running("app=adopt", 3);
    let pids = wait_for("3 processes", Duration::from_secs(20), || {
        let p = pids_of(&["sleep", &ms]);
        (p.len() == 3).then_some(p)
    });
    c.kill_node(0);
    assert_eq!(
        pids_of(&["sleep", &ms]),
        pids,
        "pods outlive their node daemon"
    );
    c.restart_node(0);
    // Back and reporting: heartbeats make the node Ready again.
    c.wait_json(
        "node Ready again",
        Duration::from_secs(20),
        &["get", "node", "n1"],
        |v| {
            v["status"]["conditions"].as_array().is_some_and(|cs| {
                cs.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
        },
    );
    c.wait_running("app=adopt", 3);
    // Give a wrongly restarting daemon the chance to show it: the pods must
    // still be the same processes after a scale round-trip reaches the node.
    c.ok(&["scale", "deploy/adopt", "--replicas", "4"]);
    c.wait_running("app=adopt", 4);
    let now = pids_of(&["sleep", &ms]);
    assert_eq!(now.len(), 4);
    assert!(
        pids.iter().all(|p| now.contains(p)),
        "the first three processes are still there: {pids:?} vs {now:?}"
    );
    let mut counts = restart_counts(&c, "app=adopt");
    counts.sort();
    assert_eq!(counts, vec![0, 0, 0, 0]);
}

#[test]
fn a_crashing_container_is_restarted_with_backoff() {
    let c = Cluster::start(1, "process");
    let t0 = std::time::Instant::now();
    c.apply(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: crasher
spec:
  containers:
  - name: main
    command: ["sh", "-c", "echo started; exit 3"]
"#,
    );
    c.wait_json(
        "CrashLoopBackOff",
        Duration::from_secs(20),
        &["get", "pod", "crasher"],
        |v| v["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "CrashLoopBackOff",
    );
    let p = c.wait_json(
        "two restarts",
        Duration::from_secs(30),
        &["get", "pod", "crasher"],
        |v| {
            v["status"]["containerStatuses"][0]["restartCount"]
                .as_i64()
                .unwrap_or(0)
                >= 2
        },
    );
    // Backoff: 1 s before the first restart, 2 s before the second.
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(2800),
        "two restarts after only {took:?}: no backoff"
    );
    let cs = &p["status"]["containerStatuses"][0];
    assert_eq!(cs["lastState"]["terminated"]["exitCode"], 3);
    assert_eq!(c.ok(&["logs", "crasher", "--previous"]), "started\n");
    // A Never pod that fails stays Failed.
    c.apply(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: once
spec:
  restartPolicy: Never
  containers:
  - name: main
    command: ["sh", "-c", "exit 7"]
"#,
    );
    let p = c.wait_json(
        "Failed",
        Duration::from_secs(20),
        &["get", "pod", "once"],
        |v| v["status"]["phase"] == "Failed",
    );
    assert_eq!(
        p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"],
        7
    );
    assert_eq!(p["status"]["containerStatuses"][0]["restartCount"], 0);
    // A command that does not exist is reported, not retried in a tight loop.
    c.apply(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: typo
spec:
  containers:
  - name: main
    command: ["no-such-program-ork"]
"#,
    );
    let p = c.wait_json(
        "a start error",
        Duration::from_secs(20),
        &["get", "pod", "typo"],
        |v| {
            v["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "RunContainerError"
        },
    );
    let msg = p["status"]["containerStatuses"][0]["state"]["waiting"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("no-such-program-ork"), "{msg}");
}

#[test]
fn a_second_control_daemon_on_the_same_data_dir_is_refused() {
    let c = Cluster::start(0, "process");
    let out = std::process::Command::new(crate::harness::ORK)
        .args(["control", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(c.data())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another ork daemon"), "{err}");
    // The first one is unharmed.
    assert!(c.json(&["get", "namespaces"]).is_some());
}
