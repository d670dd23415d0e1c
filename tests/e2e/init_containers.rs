//! Init containers and sidecars on the process runtime: order, the STATUS
//! column while they run, failure, and a sidecar that keeps running and is
//! stopped after the app container of a Job-style pod.

use crate::harness::{Cluster, marker, wait_for};
use std::time::Duration;

/// The STATUS column of pod `name` in `ork get pods`.
fn status_column(c: &Cluster, name: &str) -> Option<String> {
    let out = c.ork(&["get", "pods", name, "--no-headers"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.split_whitespace().nth(2).map(str::to_string)
}

#[test]
fn init_containers_run_in_order_before_the_app_and_show_init_statuses() {
    let c = Cluster::start(1, "process");
    let m = marker();
    c.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: init-order
  labels: {{app: init-order}}
spec:
  volumes:
  - name: work
    emptyDir: {{}}
  initContainers:
  - name: first
    image: busybox
    command: ["sh", "-c", "sleep 3; echo one >> $ORK_VOLUME_WORK/log"]
    volumeMounts: [{{name: work, mountPath: /work}}]
  - name: second
    image: busybox
    command: ["sh", "-c", "echo two >> $ORK_VOLUME_WORK/log"]
    volumeMounts: [{{name: work, mountPath: /work}}]
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "cat $ORK_VOLUME_WORK/log; exec sleep {m}"]
    volumeMounts: [{{name: work, mountPath: /work}}]
"#
    ));
    let seen = wait_for("Init:0/2", Duration::from_secs(20), || {
        status_column(&c, "init-order").filter(|s| s == "Init:0/2")
    });
    assert_eq!(seen, "Init:0/2");
    c.wait_running("app=init-order", 1);
    let logs = c.ok(&["logs", "init-order"]);
    assert_eq!(logs.trim(), "one\ntwo", "the init containers ran in order");
    let pod = c.json(&["get", "pod", "init-order"]).unwrap();
    let inits = pod["status"]["initContainerStatuses"].as_array().unwrap();
    assert_eq!(inits.len(), 2);
    for s in inits {
        assert_eq!(s["state"]["terminated"]["reason"], "Completed", "{s}");
        assert_eq!(s["state"]["terminated"]["exitCode"], 0);
    }
    assert_eq!(status_column(&c, "init-order").as_deref(), Some("Running"));
    let init_cond = pod["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Initialized")
        .cloned()
        .unwrap();
    assert_eq!(init_cond["status"], "True");
}

#[test]
fn a_failing_init_container_fails_a_never_restarting_pod_and_crash_loops_otherwise() {
    let c = Cluster::start(1, "process");
    let pod = |name: &str, policy: &str| {
        format!(
            r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  restartPolicy: {policy}
  initContainers:
  - name: setup
    image: busybox
    command: ["sh", "-c", "exit 3"]
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo must-not-run"]
"#
        )
    };
    c.apply(&pod("init-fails", "Never"));
    c.apply(&pod("init-loops", "Always"));
    c.wait_json(
        "the pod Failed",
        Duration::from_secs(30),
        &["get", "pod", "init-fails"],
        |v| v["status"]["phase"] == "Failed",
    );
    assert_eq!(
        status_column(&c, "init-fails").as_deref(),
        Some("Init:Error")
    );
    wait_for("Init:CrashLoopBackOff", Duration::from_secs(30), || {
        status_column(&c, "init-loops").filter(|s| s == "Init:CrashLoopBackOff")
    });
    let v = c.json(&["get", "pod", "init-loops"]).unwrap();
    assert_eq!(v["status"]["phase"], "Pending");
    assert!(
        v["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing",
        "the app container never started: {v}"
    );
}

#[test]
fn a_sidecar_keeps_running_beside_the_app_and_stops_after_it() {
    let c = Cluster::start(1, "process");
    c.apply(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: with-sidecar
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 5
  volumes:
  - name: work
    emptyDir: {}
  initContainers:
  - name: ticker
    image: busybox
    restartPolicy: Always
    command: ["sh", "-c", "while true; do echo tick >> $ORK_VOLUME_WORK/ticks; sleep 0.2; done"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "sleep 2; test -s $ORK_VOLUME_WORK/ticks && echo saw-ticks"]
    volumeMounts: [{name: work, mountPath: /work}]
"#,
    );
    let v = c.wait_json(
        "the pod Succeeded",
        Duration::from_secs(40),
        &["get", "pod", "with-sidecar"],
        |v| {
            v["status"]["phase"] == "Succeeded"
                && v["status"]["initContainerStatuses"][0]["state"]["terminated"].is_object()
        },
    );
    assert_eq!(
        v["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"], 0,
        "the app saw the sidecar's output: {v}"
    );
    let side = &v["status"]["initContainerStatuses"][0]["state"]["terminated"];
    let app = &v["status"]["containerStatuses"][0]["state"]["terminated"];
    assert!(
        side["finishedAt"].as_str() >= app["finishedAt"].as_str(),
        "the sidecar stopped after the app: {v}"
    );
    assert_eq!(
        c.ok(&["logs", "with-sidecar", "-c", "app"]).trim(),
        "saw-ticks"
    );
    assert_eq!(
        status_column(&c, "with-sidecar").as_deref(),
        Some("Completed")
    );
}

#[test]
fn on_docker_init_containers_hooks_and_termination_messages_work_in_containers() {
    use crate::docker::{IMAGE, docker_ready};
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: in-docker
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  volumes:
  - name: work
    emptyDir: {{}}
  initContainers:
  - name: setup
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo from-init > /work/init"]
    volumeMounts: [{{name: work, mountPath: /work}}]
  containers:
  - name: app
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "while [ ! -f /work/hook ]; do sleep 0.1; done; cat /work/init /work/hook > /dev/termination-log; exit 4"]
    volumeMounts: [{{name: work, mountPath: /work}}]
    lifecycle:
      postStart:
        exec:
          command: ["sh", "-c", "echo from-hook > /work/hook"]
"#
    ));
    let v = c.wait_json(
        "the pod Failed",
        Duration::from_secs(60),
        &["get", "pod", "in-docker"],
        |v| v["status"]["phase"] == "Failed",
    );
    let t = &v["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(t["exitCode"], 4, "{v}");
    assert_eq!(t["message"], "from-init\nfrom-hook\n", "{v}");
    assert_eq!(
        v["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
}
