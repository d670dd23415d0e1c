//! The field policy and Pod updates end to end: Kubernetes' defaults are
//! accepted and shown, a security setting ork lacks is refused even with
//! `--validate=warn`, and a Pod's spec changes only where Kubernetes lets
//! it (images), anything else being refused naming the field; a Pod that
//! names a node that does not exist waits for it, with a warning.

use crate::harness::{Cluster, wait_for};
use std::time::Duration;

fn pod(command: &str, image: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: fixed
spec:
  dnsPolicy: ClusterFirst
  containers:
  - name: main
    image: {image}
    command: [sleep, \"{command}\"]
    terminationMessagePath: /dev/termination-log
"
    )
}

#[test]
fn a_pod_command_change_is_refused_naming_the_field_and_an_image_change_is_not() {
    let c = Cluster::start(0, "process");
    c.apply(&pod("100", "busybox"));
    let shown = c.json(&["get", "pod", "fixed"]).expect("the pod");
    assert_eq!(shown["spec"]["dnsPolicy"], "ClusterFirst");
    assert_eq!(shown["spec"]["schedulerName"], "default-scheduler");
    assert_eq!(shown["spec"]["enableServiceLinks"], true);

    let out = c.ork_stdin(&["apply", "-f", "-"], Some(&pod("200", "busybox")));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`")
            && err.contains("(changed: spec.containers[0].command[1])"),
        "{err}"
    );
    let kept = c.json(&["get", "pod", "fixed"]).expect("the pod");
    assert_eq!(kept["spec"]["containers"][0]["command"][1], "100");

    c.apply(&pod("100", "busybox:2"));
    let changed = c.json(&["get", "pod", "fixed"]).expect("the pod");
    assert_eq!(changed["spec"]["containers"][0]["image"], "busybox:2");
}

#[test]
fn validate_warn_never_drops_a_security_setting() {
    let c = Cluster::start(0, "process");
    let yaml = pod("100", "busybox").replace(
        "  dnsPolicy: ClusterFirst\n",
        "  hostPID: true\n  setHostnameAsFQDN: true\n",
    );
    let out = c.ork_stdin(&["apply", "--validate=warn", "-f", "-"], Some(&yaml));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("-: document 1: spec.hostPID: not supported by ork yet, line 6"),
        "{err}"
    );
    assert!(c.json(&["get", "pod", "fixed"]).is_none());
    // Without it, warn applies, naming what it dropped.
    let yaml = yaml.replace("  hostPID: true\n", "");
    let out = c.ork_stdin(&["apply", "--validate=warn", "-f", "-"], Some(&yaml));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("spec.setHostnameAsFQDN: not supported by ork yet"),
        "{err}"
    );
    assert!(c.json(&["get", "pod", "fixed"]).is_some());
}

#[test]
fn a_pod_naming_a_node_that_does_not_exist_stays_pending_with_a_warning() {
    let c = Cluster::start(1, "process");
    let yaml =
        pod("100", "busybox").replace("  dnsPolicy: ClusterFirst\n", "  nodeName: foo-node\n");
    c.apply(&yaml);
    let event = wait_for("the NodeNotFound event", Duration::from_secs(60), || {
        let events = c.json(&["get", "events"])?;
        events["items"]
            .as_array()?
            .iter()
            .find(|e| e["reason"] == "NodeNotFound" && e["involvedObject"]["name"] == "fixed")
            .cloned()
    });
    assert_eq!(event["type"], "Warning");
    assert!(
        event["message"]
            .as_str()
            .unwrap()
            .contains("node \"foo-node\" named by spec.nodeName does not exist"),
        "{event}"
    );
    // Past a full sweep of the collector, the pod is still there, Pending.
    let count = |c: &Cluster| {
        c.json(&["get", "events"]).and_then(|e| {
            e["items"]
                .as_array()?
                .iter()
                .find(|e| e["reason"] == "NodeNotFound")
                .and_then(|e| e["count"].as_i64())
        })
    };
    wait_for("a second sweep", Duration::from_secs(60), || {
        count(&c).filter(|n| *n >= 2)
    });
    let pod = c.json(&["get", "pod", "fixed"]).expect("the pod is kept");
    assert_eq!(pod["spec"]["nodeName"], "foo-node");
    assert!(pod["status"]["containerStatuses"].is_null(), "{pod}");
    assert!(
        pod["status"]["phase"].is_null() || pod["status"]["phase"] == "Pending",
        "{pod}"
    );
}
