//! Preemption weighs PodDisruptionBudgets, as Kubernetes' default
//! preemption does: on two hollow nodes equally full of equally
//! unimportant pods, the node whose pods a budget protects is spared and
//! the high-priority pod preempts on the other, which is nominated for it.

use crate::harness::{Cluster, wait_for};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// A hollow pod bound to `node`, asking for half a cpu.
fn pinned(name: &str, app: &str, node: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: {app}}}}}
spec:
  nodeName: {node}
  terminationGracePeriodSeconds: 1
  containers:
  - {{name: c, image: none, command: [none], resources: {{requests: {{cpu: 500m}}}}}}
---
"
    )
}

#[test]
fn the_high_priority_pod_preempts_where_no_budget_is_broken() {
    let mut c = Cluster::start(0, "fake");
    c.add_node_with("a", "fake", &["--capacity", "cpu=1"]);
    c.add_node_with("b", "fake", &["--capacity", "cpu=1"]);
    // Equal pods everywhere: by name alone node a would be chosen.
    let mut pods = String::new();
    for (name, app, node) in [
        ("zk-0", "zk", "a"),
        ("zk-1", "zk", "a"),
        ("web-0", "web", "b"),
        ("web-1", "web", "b"),
    ] {
        pods.push_str(&pinned(name, app, node));
    }
    c.apply(&pods);
    c.apply(
        "apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: zk-pdb}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: zk}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
",
    );
    c.wait_running("app=zk", 2);
    c.wait_running("app=web", 2);
    c.wait_json(
        "the budget to allow no disruption of two healthy pods",
        WAIT,
        &["get", "pdb", "zk-pdb"],
        |p| p["status"]["currentHealthy"] == 2 && p["status"]["disruptionsAllowed"] == 0,
    );
    let uid = |name: &str| c.json(&["get", "pod", name]).unwrap()["metadata"]["uid"].clone();
    let before: Vec<_> = ["zk-0", "zk-1", "web-0", "web-1"]
        .iter()
        .map(|n| uid(n))
        .collect();

    c.apply(
        "apiVersion: v1
kind: Pod
metadata: {name: vip}
spec:
  priorityClassName: high
  containers:
  - {name: c, image: none, command: [none], resources: {requests: {cpu: 500m}}}
",
    );
    let vip = c.wait_json("vip running", WAIT, &["get", "pod", "vip"], |p| {
        p["status"]["phase"] == "Running"
    });
    assert_eq!(vip["spec"]["nodeName"], "b", "{vip}");
    // Exactly one web pod went; both zk pods are the ones from before.
    let gone = wait_for("one web pod gone", WAIT, || {
        let gone: Vec<&str> = ["web-0", "web-1"]
            .into_iter()
            .filter(|n| c.json(&["get", "pod", n]).is_none())
            .collect();
        (gone.len() == 1).then_some(gone)
    });
    for (i, n) in ["zk-0", "zk-1"].iter().enumerate() {
        assert_eq!(uid(n), before[i], "{n} was not touched");
    }
    let events = c.ok(&["get", "events", "-o", "json"]);
    let events: serde_json::Value = serde_json::from_str(&events).unwrap();
    let victims: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reason"] == "Preempted")
        .filter_map(|e| e["involvedObject"]["name"].as_str())
        .collect();
    assert_eq!(victims, gone, "{events}");
}
