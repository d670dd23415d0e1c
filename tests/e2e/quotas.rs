//! ResourceQuota and LimitRange admission against a real control daemon
//! and hollow nodes: a `pods` quota stops a Deployment at the limit with the
//! quota named in the ReplicaSet's events and in the 403 a client gets, and
//! usage is given back when pods go.

use crate::harness::{Cluster, Deploy, wait_for};
use serde_json::Value;
use std::time::Duration;

fn used_pods(c: &Cluster) -> Option<String> {
    c.json(&["get", "resourcequota", "pods-max"])
        .and_then(|q| q["status"]["used"]["pods"].as_str().map(String::from))
}

#[test]
fn a_pods_quota_stops_a_deployment_at_the_limit_and_says_why() {
    let c = Cluster::start(1, "fake");
    c.apply(
        "apiVersion: v1
kind: ResourceQuota
metadata: {name: pods-max}
spec:
  hard: {pods: \"5\", count/configmaps: \"100\"}
",
    );
    wait_for("usage counted", Duration::from_secs(20), || {
        (used_pods(&c).as_deref() == Some("0")).then_some(())
    });
    c.apply(&Deploy::new("web", 10).yaml());
    let event = wait_for(
        "FailedCreate naming the quota",
        Duration::from_secs(30),
        || {
            let evs = c.json(&["get", "events"])?;
            evs["items"]
                .as_array()?
                .iter()
                .find(|e| e["reason"] == "FailedCreate")
                .cloned()
        },
    );
    assert_eq!(event["type"], "Warning");
    assert_eq!(event["involvedObject"]["kind"], "ReplicaSet");
    let msg = event["message"].as_str().unwrap();
    assert!(
        msg.starts_with("Error creating: pods \"web-")
            && msg.ends_with(
                "is forbidden: exceeded quota: pods-max, requested: pods=1, used: pods=5, limited: pods=5"
            ),
        "{msg}"
    );
    // The event is written by the pass that found the quota full: there are
    // exactly five pods, and the quota says so.
    assert_eq!(c.pods("app=web").len(), 5);
    assert_eq!(used_pods(&c).as_deref(), Some("5"));

    // A client is refused with the same words.
    let out = c.ork_stdin(
        &["apply", "-f", "-"],
        Some("apiVersion: v1\nkind: Pod\nmetadata: {name: extra}\nspec:\n  containers: [{name: c, image: none, command: [none]}]\n"),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pods \"extra\" is forbidden: exceeded quota: pods-max, requested: pods=1, used: pods=5, limited: pods=5"),
        "{err}"
    );
    assert!(c.json(&["get", "pod", "extra"]).is_none());

    // The table reads as kubectl's, describe shows Used and Hard.
    let table = c.ok(&["get", "quota"]);
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "AGE", "REQUEST", "LIMIT"]);
    assert!(
        lines
            .next()
            .unwrap()
            .contains("count/configmaps: 0/100, pods: 5/5"),
        "{table}"
    );
    let described = c.ok(&["describe", "quota", "pods-max"]);
    assert!(
        described
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["pods", "5", "5"]),
        "{described}"
    );

    // Scaling down gives the usage back.
    c.ok(&["scale", "deployment", "web", "--replicas", "3"]);
    wait_for("usage released", Duration::from_secs(30), || {
        (used_pods(&c).as_deref() == Some("3")).then_some(())
    });
    let q: Value = c.json(&["get", "quota", "pods-max"]).unwrap();
    assert_eq!(q["status"]["hard"]["pods"], "5");
}

#[test]
fn a_limit_range_default_lands_in_the_stored_pod_and_its_max_refuses() {
    let c = Cluster::start(1, "fake");
    c.apply(
        "apiVersion: v1
kind: LimitRange
metadata: {name: mem-limit-range}
spec:
  limits:
  - type: Container
    default: {memory: 512Mi}
    defaultRequest: {memory: 256Mi}
    max: {memory: 1Gi}
",
    );
    c.apply(
        "apiVersion: v1
kind: Pod
metadata: {name: default-mem}
spec:
  containers: [{name: web, image: none, command: [none]}]
",
    );
    let p = c.json(&["get", "pod", "default-mem"]).unwrap();
    let r = &p["spec"]["containers"][0]["resources"];
    assert_eq!(r["limits"]["memory"], "512Mi");
    assert_eq!(r["requests"]["memory"], "256Mi");
    assert_eq!(
        p["metadata"]["annotations"]["kubernetes.io/limit-ranger"],
        "LimitRanger plugin set: memory request for container web; memory limit for container web"
    );
    let out = c.ork_stdin(
        &["apply", "-f", "-"],
        Some("apiVersion: v1\nkind: Pod\nmetadata: {name: big}\nspec:\n  containers:\n  - {name: web, image: none, command: [none], resources: {limits: {memory: 2Gi}}}\n"),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "pods \"big\" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi"
        ),
        "{err}"
    );
    let described = c.ok(&["describe", "limitrange", "mem-limit-range"]);
    assert!(
        described
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["Container", "memory", "-", "1Gi", "256Mi", "512Mi", "-"]),
        "{described}"
    );
}
