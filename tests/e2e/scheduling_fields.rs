//! The scheduling fields of a Pod end to end: PriorityClasses and
//! preemption (on the process runtime, so the victim's process really
//! stops), topology spread constraints over three nodes, extended resources
//! only on the node advertising them, and scheduling gates.

use crate::harness::{Cluster, wait_for};
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn node_of(c: &Cluster, pod: &str) -> Option<String> {
    c.json(&["get", "pod", pod])
        .and_then(|p| p["spec"]["nodeName"].as_str().map(String::from))
        .filter(|n| !n.is_empty())
}

fn scheduled_condition(p: &Value) -> Option<(String, String)> {
    p["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "PodScheduled")
        .map(|c| {
            (
                c["reason"].as_str().unwrap_or("").to_string(),
                c["message"].as_str().unwrap_or("").to_string(),
            )
        })
}

/// A process pod that sleeps, asking for `cpu`, in class `class` (none: "").
fn sleeper(name: &str, cpu: &str, class: &str) -> String {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!("  priorityClassName: {class}\n")
    };
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
{class}  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: busybox
    command: [sleep, \"300\"]
    resources: {{requests: {{cpu: {cpu}}}}}
"
    )
}

#[test]
fn a_high_priority_pod_preempts_a_low_one_and_why_explains_it() {
    let mut c = Cluster::start(0, "process");
    c.add_node_with("n1", "process", &["--capacity", "cpu=1"]);
    c.apply(
        "apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
description: for what must run
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: polite}
value: 2000
preemptionPolicy: Never
",
    );
    let classes = c.ok(&["get", "priorityclasses"]);
    assert!(
        classes.contains("high") && classes.contains("1000"),
        "{classes}"
    );
    // A class that does not exist is refused by name, and nothing is created.
    let out = c.ork_stdin(
        &["apply", "-f", "-"],
        Some(&sleeper("lost", "100m", "no-such-class")),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no PriorityClass with name no-such-class was found"),
        "{err}"
    );
    assert!(c.json(&["get", "pod", "lost"]).is_none());

    c.apply(&sleeper("low", "600m", ""));
    c.wait_json("low running", WAIT, &["get", "pod", "low"], |p| {
        p["status"]["phase"] == "Running"
    });
    let low_uid = c.json(&["get", "pod", "low"]).unwrap()["metadata"]["uid"].clone();

    // Higher priority, but preemptionPolicy Never: it waits, and why says so.
    c.apply(&sleeper("polite", "600m", "polite"));
    let polite = c.wait_json(
        "polite unschedulable",
        WAIT,
        &["get", "pod", "polite"],
        |p| scheduled_condition(p).is_some_and(|(r, _)| r == "Unschedulable"),
    );
    assert_eq!(polite["spec"]["priority"], 2000);
    assert_eq!(polite["spec"]["preemptionPolicy"], "Never");
    let why = c.ok(&["why", "pod", "polite"]);
    assert!(
        why.contains("not eligible due to preemptionPolicy=Never"),
        "{why}"
    );
    c.ok(&["delete", "pod", "polite"]);

    // The high one takes the node: low is preempted, gracefully.
    c.apply(&sleeper("vip", "600m", "high"));
    let vip = c.json(&["get", "pod", "vip"]).unwrap();
    assert_eq!(vip["spec"]["priority"], 1000);
    assert_eq!(vip["spec"]["preemptionPolicy"], "PreemptLowerPriority");
    c.wait_json("vip running on n1", WAIT, &["get", "pod", "vip"], |p| {
        p["spec"]["nodeName"] == "n1" && p["status"]["phase"] == "Running"
    });
    wait_for("low gone", WAIT, || {
        c.json(&["get", "pod", "low"])
            .is_none_or(|p| p["metadata"]["uid"] != low_uid)
            .then_some(())
    });
    let events = c.ok(&["get", "events", "-o", "json"]);
    let events: Value = serde_json::from_str(&events).unwrap();
    let preempted = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["reason"] == "Preempted")
        .unwrap_or_else(|| panic!("a Preempted event: {events}"));
    assert_eq!(preempted["involvedObject"]["name"], "low");
    assert!(
        preempted["message"]
            .as_str()
            .unwrap()
            .starts_with("Preempted by pod "),
        "{preempted}"
    );
}

#[test]
fn topology_spread_over_three_nodes_keeps_max_skew_one() {
    let mut c = Cluster::start(0, "fake");
    for (n, zone) in [("n1", "a"), ("n2", "a"), ("n3", "b")] {
        c.add_node_with(n, "fake", &["--label", &format!("zone={zone}")]);
    }
    // Node affinity prefers n1 strongly: without the constraint, every
    // replica would go there.
    c.apply(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: spread}
spec:
  replicas: 6
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec:
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            preference:
              matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n1]}]
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: spread}}
        matchLabelKeys: [pod-template-hash]
      containers: [{name: c, image: none, command: ["none"]}]
"#,
    );
    let per_node = wait_for("six placed", WAIT, || {
        let pods = c.pods("app=spread");
        let nodes: Vec<String> = pods
            .iter()
            .filter_map(|p| p["spec"]["nodeName"].as_str().map(String::from))
            .filter(|n| !n.is_empty())
            .collect();
        (nodes.len() == 6).then_some(nodes)
    });
    for n in ["n1", "n2", "n3"] {
        assert_eq!(
            per_node.iter().filter(|x| *x == n).count(),
            2,
            "{per_node:?}"
        );
    }
    // Over a zone label: zone a has two nodes, zone b one; four pods split 2/2.
    for i in 1..=4 {
        let yaml = format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: z{i}, labels: {{app: zoned}}}}
spec:
  topologySpreadConstraints:
  - {{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {{matchLabels: {{app: zoned}}}}}}
  containers: [{{name: c, image: none, command: ["none"]}}]
"#
        );
        // One at a time, so each sees the ones before.
        if i > 1 {
            wait_for("previous placed", WAIT, || {
                node_of(&c, &format!("z{}", i - 1))
            });
        }
        c.apply(&yaml);
    }
    let zones: Vec<String> = (1..=4)
        .map(|i| {
            let n = wait_for("placed", WAIT, || node_of(&c, &format!("z{i}")));
            if n == "n3" { "b".into() } else { "a".into() }
        })
        .collect();
    assert_eq!(zones.iter().filter(|z| *z == "b").count(), 2, "{zones:?}");
}

fn dongle_pod(name: &str, n: u32) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  containers:
  - name: c
    image: none
    command: [none]
    resources:
      requests: {{example.com/dongle: {n}}}
      limits: {{example.com/dongle: {n}}}
"
    )
}

#[test]
fn an_extended_resource_pod_lands_only_on_the_node_advertising_it() {
    let mut c = Cluster::start(0, "fake");
    c.add_node("a-plain", "fake");
    c.add_node_with("b-dongles", "fake", &["--capacity", "example.com/dongle=4"]);
    let node = c.json(&["get", "node", "b-dongles"]).unwrap();
    assert_eq!(node["status"]["allocatable"]["example.com/dongle"], "4");
    c.apply(&dongle_pod("d1", 3));
    assert_eq!(
        wait_for("d1 placed", WAIT, || node_of(&c, "d1")),
        "b-dongles"
    );
    // One left: a second pod of three waits, explained.
    c.apply(&dongle_pod("d2", 3));
    let p = c.wait_json("d2 explained", WAIT, &["get", "pod", "d2"], |p| {
        scheduled_condition(p).is_some_and(|(r, _)| r == "Unschedulable")
    });
    assert_eq!(
        scheduled_condition(&p).unwrap().1,
        "0/2 nodes are available: 2 Insufficient example.com/dongle."
    );
    // A request without an equal limit is refused, as Kubernetes does.
    let out = c.ork_stdin(
        &["apply", "-f", "-"],
        Some(
            "apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers:
  - name: c
    image: none
    command: [none]
    resources: {requests: {example.com/dongle: 1}}
",
        ),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Limit must be set for non overcommitable resources"),
        "{err}"
    );
    // Freeing the dongles places the waiting pod.
    c.ok(&["delete", "pod", "d1"]);
    assert_eq!(
        wait_for("d2 placed", WAIT, || node_of(&c, "d2")),
        "b-dongles"
    );
}

fn gated(gates: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: gated}}
spec:
{gates}  containers: [{{name: c, image: none, command: [none]}}]
"
    )
}

#[test]
fn a_gated_pod_waits_until_its_gates_are_removed_then_runs() {
    let c = Cluster::start(1, "fake");
    c.apply(&gated(
        "  schedulingGates: [{name: example.com/approval}]\n",
    ));
    let p = c.json(&["get", "pod", "gated"]).unwrap();
    assert_eq!(
        scheduled_condition(&p),
        Some((
            "SchedulingGated".into(),
            "Scheduling is blocked due to non-empty scheduling gates".into()
        ))
    );
    // A pod created after it is placed: the scheduler has run, the gated
    // one is still waiting.
    c.apply(
        "apiVersion: v1
kind: Pod
metadata: {name: witness}
spec:
  containers: [{name: c, image: none, command: [none]}]
",
    );
    wait_for("witness placed", WAIT, || node_of(&c, "witness"));
    assert_eq!(node_of(&c, "gated"), None);
    let table = c.ok(&["get", "pod", "gated"]);
    assert!(table.contains("SchedulingGated"), "{table}");
    let why = c.ok(&["why", "pod", "gated"]);
    assert!(
        why.contains("held by scheduling gates example.com/approval"),
        "{why}"
    );
    // A gate may not be added on update.
    let out = c.ork_stdin(
        &["apply", "-f", "-"],
        Some(&gated(
            "  schedulingGates: [{name: example.com/approval}, {name: more}]\n",
        )),
    );
    assert!(!out.status.success(), "adding a gate is refused");
    // Removing the gates lets it run.
    c.apply(&gated(""));
    c.wait_json("gated runs", WAIT, &["get", "pod", "gated"], |p| {
        p["spec"]["nodeName"] == "n1" && p["status"]["phase"] == "Running"
    });
}

/// `POST path` with the admin token and a JSON body: status and body.
fn post(c: &Cluster, path: &str, body: serde_json::Value) -> (u16, String) {
    let r = c
        .http()
        .post(format!("{}{path}", c.url))
        .bearer_auth(&c.admin)
        .json(&body)
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap_or_default())
}

#[test]
fn a_pod_of_another_scheduler_waits_for_its_binding_and_runs_where_it_binds_it() {
    let c = Cluster::start(2, "process");
    c.apply(
        &sleeper("mine", "10m", "").replace("spec:\n", "spec:\n  schedulerName: my-scheduler\n"),
    );
    c.apply(&sleeper("theirs", "10m", ""));
    // ork's scheduler places the pod made after it, never it.
    wait_for("theirs placed", WAIT, || node_of(&c, "theirs"));
    let p = c.json(&["get", "pod", "mine"]).unwrap();
    assert_eq!(p["spec"]["schedulerName"], "my-scheduler");
    assert_eq!(node_of(&c, "mine"), None);
    assert_eq!(
        scheduled_condition(&p),
        None,
        "ork's scheduler says nothing of it"
    );

    // The other scheduler binds it, as client libraries do.
    let node = c.nodes[1].name.clone();
    let (code, body) = post(
        &c,
        "/api/v1/namespaces/default/pods/mine/binding",
        serde_json::json!({"apiVersion": "v1", "kind": "Binding",
            "metadata": {"name": "mine"}, "target": {"kind": "Node", "name": node}}),
    );
    assert_eq!(code, 201, "{body}");
    c.wait_json("mine Running", WAIT, &["get", "pod", "mine"], |p| {
        p["status"]["phase"] == "Running"
    });
    let p = c.json(&["get", "pod", "mine"]).unwrap();
    assert_eq!(p["spec"]["nodeName"], node.as_str());
    assert_eq!(scheduled_condition(&p).map(|c| c.0), Some(String::new()));

    // A bound pod cannot be bound again; the older route answers the same.
    let (code, body) = post(
        &c,
        "/api/v1/namespaces/default/bindings",
        serde_json::json!({"metadata": {"name": "mine"}, "target": {"name": c.nodes[0].name}}),
    );
    assert_eq!(code, 409, "{body}");
    assert!(
        body.contains(&format!(
            "pod mine is already assigned to node \\\"{node}\\\""
        )),
        "{body}"
    );
    assert_eq!(node_of(&c, "mine").as_deref(), Some(node.as_str()));
    // Nor may a view user bind anything.
    let view = c.ok(&["token", "create", "--role", "view"]);
    let token = view.split_whitespace().last().unwrap().to_string();
    let r = c
        .http()
        .post(format!(
            "{}/api/v1/namespaces/default/pods/theirs/binding",
            c.url
        ))
        .bearer_auth(token.trim())
        .json(&serde_json::json!({"target": {"name": node}}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}
