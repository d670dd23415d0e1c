//! ReplicationControllers: the kind kubectl still creates from old
//! manifests keeps its pods as a ReplicaSet does: its selector defaults to
//! the template's labels, pods are made and replaced at its count, it is
//! scaled through kubectl's `scale` subresource, shown with kubectl's
//! columns, and its pods go with it.

use crate::harness::{Cluster, wait_for};
use crate::kubectl::require_kubectl;
use std::time::Duration;

const RC: &str = "apiVersion: v1
kind: ReplicationController
metadata: {name: web}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: c, image: busybox, command: [sh, -c, 'echo hello from web; exec sleep 3600']}
";

#[test]
fn a_replication_controller_keeps_scales_and_collects_its_pods() {
    let Some(kubectl) = require_kubectl() else {
        return;
    };
    let c = Cluster::start(1, "process");
    let f = c.data().join("rc.yaml");
    std::fs::write(&f, RC).unwrap();
    c.kubectl_ok(&kubectl, &["apply", "-f", f.to_str().unwrap()]);
    let pods = c.wait_running("app=web", 3);
    for p in &pods {
        let owner = &p["metadata"]["ownerReferences"][0];
        assert_eq!(owner["kind"], "ReplicationController", "{p}");
        assert_eq!(owner["name"], "web");
    }
    // Kubernetes' defaults are shown.
    let rc = c.json(&["get", "rc", "web"]).unwrap();
    assert_eq!(rc["spec"]["selector"]["app"], "web", "{rc}");
    assert_eq!(rc["metadata"]["labels"]["app"], "web", "{rc}");
    let rc = c.wait_json(
        "status of 3 ready",
        Duration::from_secs(30),
        &["get", "rc", "web"],
        |v| v["status"]["readyReplicas"] == 3,
    );
    assert_eq!(rc["status"]["replicas"], 3);
    let table = c.kubectl_ok(&kubectl, &["get", "replicationcontrollers"]);
    let row = table.lines().find(|l| l.starts_with("web")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[..4], ["web", "3", "3", "3"], "{table}");
    assert!(table.starts_with("NAME"), "{table}");

    // A deleted pod is replaced.
    let victim = pods[0]["metadata"]["name"].as_str().unwrap().to_string();
    c.ok(&["delete", "pod", &victim, "--wait=false"]);
    wait_for("a replacement pod", Duration::from_secs(30), || {
        let pods = c.pods("app=web");
        let fresh = pods
            .iter()
            .filter(|p| p["metadata"]["name"] != victim.as_str())
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .count();
        (fresh == 3).then_some(())
    });

    c.kubectl_ok(&kubectl, &["scale", "rc", "web", "--replicas=1"]);
    c.wait_running("app=web", 1);
    // Its pods' logs are read through it, as `kubectl logs rc/NAME` does.
    let logs = c.ok(&["logs", "rc/web"]);
    assert!(logs.contains("hello from web"), "{logs}");
    let described = c.kubectl_ok(&kubectl, &["describe", "rc", "web"]);
    assert!(described.contains("SuccessfulDelete"), "{described}");

    c.kubectl_ok(&kubectl, &["delete", "rc", "web"]);
    wait_for(
        "the pods gone with their controller",
        Duration::from_secs(30),
        || c.pods("app=web").is_empty().then_some(()),
    );
}
