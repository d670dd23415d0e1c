//! StorageClasses: ork's own `local` class exists and is the default, a
//! claim that names no class gets it and is provisioned on its first pod's
//! node, and a claim ork does not provision (a class that does not exist,
//! another provisioner's class) stays Pending with its pods, each saying
//! why, as Kubernetes words it. Uses the harness only.

use crate::harness::{Cluster, wait_for};
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// A claim `name` of `class` (none: the line is left out) and a process
/// pod `name`-user that mounts it.
fn claim_and_pod(name: &str, class: Option<&str>) -> String {
    let class = class
        .map(|c| format!("  storageClassName: {c}\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: {name}}}
spec:
{class}  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 1Gi}}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: {name}-user}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {{name: c, image: busybox, command: [sleep, '3600']}}
  volumes:
  - {{name: data, persistentVolumeClaim: {{claimName: {name}}}}}
"
    )
}

/// The message of the pod's `PodScheduled=False` condition, once it says `want`.
fn unschedulable(c: &Cluster, pod: &str, want: &str) -> String {
    wait_for(
        &format!("{pod} unschedulable saying {want:?}"),
        WAIT,
        || {
            let p = c.json(&["get", "pod", pod])?;
            let conds = p["status"]["conditions"].as_array()?.clone();
            conds
                .iter()
                .find(|c| c["type"] == "PodScheduled" && c["status"] == "False")
                .and_then(|c| c["message"].as_str())
                .filter(|m| m.contains(want))
                .map(str::to_string)
        },
    )
}

/// Waits for an event of `reason` about claim `name`; its message.
fn claim_event(c: &Cluster, name: &str, reason: &str) -> String {
    wait_for(&format!("{reason} event on claim {name}"), WAIT, || {
        let evs = c.json(&["get", "events"])?;
        evs["items"]
            .as_array()?
            .iter()
            .find(|e: &&Value| {
                e["involvedObject"]["kind"] == "PersistentVolumeClaim"
                    && e["involvedObject"]["name"] == name
                    && e["reason"] == reason
            })
            .and_then(|e| e["message"].as_str().map(str::to_string))
    })
}

#[test]
fn claims_of_orks_default_class_are_provisioned_and_others_wait_saying_why() {
    let c = Cluster::start(1, "process");
    let classes = wait_for("ork's StorageClass", WAIT, || {
        let out = c.ok(&["get", "storageclass"]);
        out.contains("local (default)").then_some(out)
    });
    let row = classes.lines().nth(1).unwrap();
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cols[..6],
        [
            "local",
            "(default)",
            "ork.dev/local",
            "Delete",
            "WaitForFirstConsumer",
            "false"
        ],
        "{classes}"
    );

    // No class named: the default one, provisioned on the pod's node.
    c.apply(&claim_and_pod("plain", None));
    c.wait_json("claim plain Bound", WAIT, &["get", "pvc", "plain"], |v| {
        v["status"]["phase"] == "Bound"
    });
    let plain = c.json(&["get", "pvc", "plain"]).unwrap();
    assert_eq!(plain["spec"]["storageClassName"], "local");

    // A class that does not exist: the claim and its pod wait.
    c.apply(&claim_and_pod("fast", Some("fast")));
    let msg = unschedulable(
        &c,
        "fast-user",
        "persistentvolumeclaim \"fast\" is not provisioned",
    );
    assert!(
        msg.contains("storageclass.storage.k8s.io \"fast\" not found"),
        "{msg}"
    );
    let ev = claim_event(&c, "fast", "ProvisioningFailed");
    assert_eq!(ev, "storageclass.storage.k8s.io \"fast\" not found");

    // The class made, for another provisioner: still waiting, for it.
    c.apply(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: csi.example.com\nparameters: {type: ssd}\n",
    );
    unschedulable(
        &c,
        "fast-user",
        "waiting for a volume to be created either by the external provisioner \"csi.example.com\"",
    );
    claim_event(&c, "fast", "ExternalProvisioning");
    let fast = c.json(&["get", "pvc", "fast"]).unwrap();
    assert_eq!(fast["status"]["phase"], "Pending");

    // A class must not change what it provisions with.
    let out = c.ork_stdin(
        &["apply", "-f", "-"],
        Some("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: other.example.com\nparameters: {type: ssd}\n"),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("provisioner: field is immutable"), "{err}");

    // ork's own provisioner refuses what it would not honour.
    let out = c.ork_stdin(
        &["apply", "-f", "-"],
        Some("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: kept}\nprovisioner: ork.dev/local\nreclaimPolicy: Retain\n"),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("reclaimPolicy: not supported by ork's ork.dev/local provisioner"),
        "{err}"
    );
    assert!(c.json(&["get", "storageclass", "kept"]).is_none());
}
