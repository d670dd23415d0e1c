//! The field policy and Pod updates end to end: Kubernetes' defaults are
//! accepted and shown, a security setting ork lacks is refused even with
//! `--validate=warn`, and a Pod's spec changes only where Kubernetes lets
//! it (images), anything else being refused naming the field.

use crate::harness::Cluster;

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
        "  hostPID: true\n  hostname: web\n",
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
        err.contains("spec.hostname: not supported by ork yet"),
        "{err}"
    );
    assert!(c.json(&["get", "pod", "fixed"]).is_some());
}
