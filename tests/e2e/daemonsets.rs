//! DaemonSets on real node daemons: one pod per node, following a node that
//! dies and comes back and a node that joins; a rolling update, its history
//! and an undo through `ork rollout`.

use crate::harness::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

fn daemonset(command: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 1
  template:
    metadata:
      labels:
        app: agent
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox
        command: [\"sleep\", \"{command}\"]
"
    )
}

fn ready(p: &Value) -> bool {
    p["status"]["phase"] == "Running"
        && p["metadata"]["deletionTimestamp"].is_null()
        && p["status"]["containerStatuses"]
            .as_array()
            .is_some_and(|cs| !cs.is_empty() && cs.iter().all(|c| c["ready"] == true))
}

/// Pods of the DaemonSet that are not terminating, by node ("" when unbound).
fn per_node(c: &Cluster) -> BTreeMap<String, Vec<Value>> {
    let mut m: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for p in c.pods("app=agent") {
        if p["metadata"]["deletionTimestamp"].is_null() {
            let node = p["spec"]["nodeName"].as_str().unwrap_or("").to_string();
            m.entry(node).or_default().push(p);
        }
    }
    m
}

/// Waits until each of `nodes` runs exactly one ready pod of the set (and no
/// other node or unbound pod exists), optionally of a given sleep argument.
fn wait_one_per_node(c: &Cluster, nodes: &[&str], arg: &str) {
    wait_for(
        &format!("one ready agent pod on each of {nodes:?} running sleep {arg}"),
        Duration::from_secs(60),
        || {
            let m = per_node(c);
            let ok = m.len() == nodes.len()
                && nodes.iter().all(|n| {
                    m.get(*n).is_some_and(|ps| {
                        ps.len() == 1
                            && ready(&ps[0])
                            && ps[0]["spec"]["containers"][0]["command"][1] == arg
                    })
                });
            ok.then_some(())
        },
    );
}

#[test]
fn a_daemonset_runs_one_pod_per_node_and_follows_nodes_dying_returning_and_joining() {
    let mut c = Cluster::start(3, "process");
    c.apply(&daemonset("3600"));
    wait_one_per_node(&c, &["n1", "n2", "n3"], "3600");
    let ds = c.wait_json(
        "status of 3 nodes",
        Duration::from_secs(20),
        &["get", "ds", "agent"],
        |v| v["status"]["numberAvailable"] == 3,
    );
    assert_eq!(ds["status"]["desiredNumberScheduled"], 3);
    assert_eq!(ds["status"]["updatedNumberScheduled"], 3);
    let table = c.ok(&["get", "daemonsets"]);
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "NAME",
            "DESIRED",
            "CURRENT",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "NODE",
            "SELECTOR",
            "AGE"
        ]
    );
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(row[..7], ["agent", "3", "3", "3", "3", "3", "<none>"]);

    // A node dies: its pod is lost, none moves to another node; when it
    // comes back, it runs one pod again.
    c.kill_node(1);
    c.wait_json(
        "n2 NotReady",
        Duration::from_secs(30),
        &["get", "node", "n2"],
        |v| {
            v["status"]["conditions"].as_array().is_some_and(|cs| {
                cs.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] != "True")
            })
        },
    );
    let during = per_node(&c);
    for n in ["n1", "n3"] {
        assert_eq!(during[n].len(), 1, "still one pod on {n}: {during:?}");
    }
    c.restart_node(1);
    wait_one_per_node(&c, &["n1", "n2", "n3"], "3600");

    // A node joins: it gets one.
    c.add_node("n4", "process");
    wait_one_per_node(&c, &["n1", "n2", "n3", "n4"], "3600");

    // A rolling update, its history and an undo.
    c.apply(&daemonset("3601"));
    let out = c.ok(&["rollout", "status", "daemonset/agent", "--timeout", "90s"]);
    assert!(
        out.contains("daemon set \"agent\" successfully rolled out"),
        "{out}"
    );
    wait_one_per_node(&c, &["n1", "n2", "n3", "n4"], "3601");
    let history = c.ok(&["rollout", "history", "ds/agent"]);
    let revisions: Vec<&str> = history
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(revisions, ["1", "2"], "{history}");
    let undo = c.ok(&["rollout", "undo", "daemonset/agent"]);
    assert!(undo.contains("daemonset.apps/agent rolled back"), "{undo}");
    wait_one_per_node(&c, &["n1", "n2", "n3", "n4"], "3600");
    let history = c.ok(&["rollout", "history", "ds/agent"]);
    let revisions: Vec<&str> = history
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        revisions,
        ["2", "3"],
        "the first template is now revision 3: {history}"
    );
    let revs = c.json(&["get", "controllerrevisions"]).unwrap();
    assert_eq!(revs["items"].as_array().unwrap().len(), 2);
}
