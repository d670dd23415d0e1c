//! Deleting with finalizers and in the foreground: an owner deleted with
//! `--cascade=foreground` stays, marked, until its pods are gone; an object
//! with a finalizer stays until the finalizer is removed. With ork's CLI and
//! with the real kubectl.

use crate::harness::{Cluster, Deploy, marker, pids_of, wait_for};
use crate::kubectl::require_kubectl;
use std::time::Duration;

/// Pods that take about two seconds to stop after SIGTERM.
fn slow_stopping(name: &str, m: u64) -> String {
    let script = format!("trap 'sleep 2; exit 0' TERM; sleep {m} & wait; sleep {m}");
    Deploy::new(name, 2)
        .grace(20)
        .command(&["sh", "-c", &script])
        .yaml()
}

#[test]
fn a_foreground_delete_keeps_the_deployment_until_its_pods_are_gone() {
    let c = Cluster::start(1, "process");
    let m = marker();
    c.apply(&slow_stopping("fg", m));
    c.wait_running("app=fg", 2);
    c.ok(&[
        "delete",
        "deploy",
        "fg",
        "--cascade=foreground",
        "--wait=false",
    ]);
    let d = c.json(&["get", "deploy", "fg"]).expect("still there");
    assert_eq!(d["metadata"]["finalizers"][0], "foregroundDeletion", "{d}");
    assert!(d["metadata"]["deletionTimestamp"].is_string(), "{d}");
    // The ReplicaSet is deleted in the foreground too, as it owns the pods.
    c.wait_json(
        "the replica set marked",
        Duration::from_secs(10),
        &["get", "rs", "-l", "app=fg"],
        |v| {
            v["items"][0]["metadata"]["finalizers"][0] == "foregroundDeletion"
                && v["items"][0]["metadata"]["deletionTimestamp"].is_string()
        },
    );
    // Nothing replaces the stopping pods meanwhile.
    let pods = c.json(&["get", "pods", "-l", "app=fg"]).unwrap();
    assert!(pods["items"].as_array().unwrap().len() <= 2, "{pods}");
    // The Deployment goes only after every pod of it has.
    wait_for("the deployment gone", Duration::from_secs(30), || {
        c.json(&["get", "deploy", "fg"]).is_none().then_some(())
    });
    let pods = c.json(&["get", "pods", "-l", "app=fg"]).unwrap();
    assert_eq!(pods["items"].as_array().unwrap().len(), 0, "{pods}");
    let rs = c.json(&["get", "rs", "-l", "app=fg"]).unwrap();
    assert_eq!(rs["items"].as_array().unwrap().len(), 0, "{rs}");
    assert!(pids_of(&["sleep", &m.to_string()]).is_empty());
}

#[test]
fn kubectl_deletes_in_the_foreground_and_finalizers_hold_an_object() {
    let Some(kubectl) = require_kubectl() else {
        return;
    };
    let c = Cluster::start(1, "process");
    c.apply(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: held
  finalizers: [example.com/hold]
data:
  k: v
",
    );
    c.kubectl_ok(&kubectl, &["delete", "configmap", "held", "--wait=false"]);
    let cm = c
        .json(&["get", "cm", "held"])
        .expect("held by its finalizer");
    assert!(cm["metadata"]["deletionTimestamp"].is_string(), "{cm}");
    // A finalizer cannot be added to an object on its way out.
    let out = c.kubectl_with(
        &kubectl,
        &[
            "patch",
            "configmap",
            "held",
            "--type=json",
            "-p",
            r#"[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/more"}]"#,
        ],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no new finalizers"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Removing the finalizer lets it go.
    c.kubectl_ok(
        &kubectl,
        &[
            "patch",
            "configmap",
            "held",
            "--type=merge",
            "-p",
            r#"{"metadata":{"finalizers":null}}"#,
        ],
    );
    assert!(c.json(&["get", "cm", "held"]).is_none());

    // kubectl waits for a foreground delete to finish, then nothing is left.
    let m = marker();
    c.apply(&slow_stopping("kfg", m));
    c.wait_running("app=kfg", 2);
    c.kubectl_ok(
        &kubectl,
        &[
            "delete",
            "deployment",
            "kfg",
            "--cascade=foreground",
            "--timeout=60s",
        ],
    );
    assert!(c.json(&["get", "deploy", "kfg"]).is_none());
    let pods = c.json(&["get", "pods", "-l", "app=kfg"]).unwrap();
    assert_eq!(pods["items"].as_array().unwrap().len(), 0, "{pods}");
}
