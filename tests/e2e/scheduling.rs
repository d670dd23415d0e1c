//! Placement rules against hollow nodes: taints and tolerations, node
//! affinity, and the one-line explanation of a pod that fits nowhere.

use crate::harness::Cluster;
use serde_json::Value;
use std::time::Duration;

fn node_of(c: &Cluster, pod: &str) -> Option<String> {
    c.json(&["get", "pod", pod])
        .and_then(|p| p["spec"]["nodeName"].as_str().map(String::from))
        .filter(|n| !n.is_empty())
}

fn wait_node(c: &Cluster, pod: &str) -> String {
    crate::harness::wait_for(&format!("{pod} scheduled"), Duration::from_secs(20), || {
        node_of(c, pod)
    })
}

#[test]
fn taints_tolerations_and_node_affinity_place_pods_and_explain_refusals() {
    let mut c = Cluster::start(0, "fake");
    c.add_node_with("n1", "fake", &["--label", "zone=a"]);
    c.add_node_with(
        "n2",
        "fake",
        &["--label", "zone=b", "--taint", "dedicated=gpu:NoSchedule"],
    );
    let n2: Value = c.json(&["get", "node", "n2"]).unwrap();
    assert_eq!(n2["spec"]["taints"][0]["key"], "dedicated");
    c.apply(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  containers: [{name: c, image: none, command: ["none"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: wants-b}
spec:
  nodeSelector: {zone: b}
  containers: [{name: c, image: none, command: ["none"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: gpu-job}
spec:
  tolerations:
  - {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: zone, operator: In, values: [b]}
  containers: [{name: c, image: none, command: ["none"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: prefers-b}
spec:
  tolerations: [{operator: Exists}]
  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        preference:
          matchExpressions: [{key: zone, operator: In, values: [b]}]
  containers: [{name: c, image: none, command: ["none"]}]
"#,
    );
    assert_eq!(
        wait_node(&c, "plain"),
        "n1",
        "the untolerated taint keeps it off n2"
    );
    assert_eq!(
        wait_node(&c, "gpu-job"),
        "n2",
        "tolerated and required there"
    );
    // Ties go to the first name (n1); the preference outweighs that.
    assert_eq!(wait_node(&c, "prefers-b"), "n2", "preferred affinity");
    let pending = c.wait_json(
        "wants-b explained",
        Duration::from_secs(20),
        &["get", "pod", "wants-b"],
        |p| {
            p["status"]["conditions"].as_array().is_some_and(|cs| {
                cs.iter()
                    .any(|c| c["type"] == "PodScheduled" && c["status"] == "False")
            })
        },
    );
    let msg = pending["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "PodScheduled")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        msg,
        "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, \
         1 node(s) had untolerated taint {dedicated: gpu}."
    );
    // Removing the taint lets it in.
    c.ok(&["taint", "node", "n2", "dedicated:NoSchedule-"]);
    assert_eq!(wait_node(&c, "wants-b"), "n2");
    let n2: Value = c.json(&["get", "node", "n2"]).unwrap();
    assert!(n2["spec"]["taints"].is_null(), "{n2}");
    // A NoExecute taint evicts what does not tolerate it, and only that.
    c.ok(&["taint", "node", "n2", "maintenance:NoExecute"]);
    crate::harness::wait_for("evictions", Duration::from_secs(20), || {
        (c.json(&["get", "pod", "gpu-job"]).is_none()
            && c.json(&["get", "pod", "wants-b"]).is_none())
        .then_some(())
    });
    assert_eq!(
        node_of(&c, "prefers-b").as_deref(),
        Some("n2"),
        "tolerates everything"
    );
    let events = c.ok(&["events"]);
    assert!(events.contains("TaintManagerEviction"), "{events}");
    // Bad rules are refused with the field path.
    let bad = c.ork_stdin(
        &["apply", "-f", "-"],
        Some(
            r#"
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  tolerations: [{key: k, operator: Exists, value: v}]
  containers: [{name: c, image: none, command: ["none"]}]
"#,
        ),
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("spec.tolerations[0].value"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn ork_why_names_the_plugin_reason_and_remedy_for_each_unschedulable_pod() {
    let mut c = Cluster::start(0, "fake");
    c.add_node_with(
        "n1",
        "fake",
        &[
            "--capacity",
            "cpu=1,memory=1Gi",
            "--label",
            "zone=a",
            "--taint",
            "dedicated=gpu:NoSchedule",
        ],
    );
    c.apply(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: needs-toleration}
spec:
  containers: [{name: c, image: none, command: ["none"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: too-big}
spec:
  tolerations: [{key: dedicated, operator: Exists}]
  containers:
  - {name: c, image: none, command: ["none"], resources: {requests: {cpu: "4"}}}
---
apiVersion: v1
kind: Pod
metadata: {name: wrong-zone}
spec:
  tolerations: [{key: dedicated, operator: Exists}]
  nodeSelector: {zone: b}
  containers: [{name: c, image: none, command: ["none"]}]
"#,
    );
    for (pod, plugin, reason, remedy) in [
        (
            "needs-toleration",
            "TaintToleration",
            "node(s) had untolerated taint {dedicated: gpu}",
            "ork taint node n1 dedicated-",
        ),
        (
            "too-big",
            "NodeResourcesFit",
            "Insufficient cpu",
            "lower the pod's cpu request",
        ),
        (
            "wrong-zone",
            "NodeSelector",
            "node(s) didn't match Pod's node affinity/selector",
            "matching --label",
        ),
    ] {
        let out =
            crate::harness::wait_for(&format!("{pod} pending"), Duration::from_secs(20), || {
                let out = c.ok(&["why", "pod", pod]);
                out.contains("is Pending: 0/1 nodes are available")
                    .then_some(out)
            });
        let line = out
            .lines()
            .find(|l| l.starts_with("n1 "))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(
            line.contains("rejected") && line.contains(plugin),
            "{pod}: {line}"
        );
        assert!(
            line.contains(reason) && line.contains(remedy),
            "{pod}: {line}"
        );
    }
    let described = c.ok(&["describe", "pod", "too-big"]);
    assert!(
        described.contains("Placement (ork why pod):"),
        "{described}"
    );
    assert!(
        described.contains("n1: rejected NodeResourcesFit: Insufficient cpu"),
        "{described}"
    );
    // A feasible node shows its scores.
    c.add_node("n2", "fake");
    let out = crate::harness::wait_for(
        "needs-toleration placed on n2",
        Duration::from_secs(20),
        || {
            let out = c.ok(&["why", "pod", "needs-toleration"]);
            out.contains("runs on node n2").then_some(out)
        },
    );
    assert!(
        out.contains("fits (score") && out.contains("LeastAllocated"),
        "{out}"
    );
}

#[test]
fn required_pod_anti_affinity_puts_one_replica_per_node_and_explains_the_rest() {
    let c = Cluster::start(2, "fake");
    c.apply(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: ha}
spec:
  replicas: 3
  selector: {matchLabels: {app: ha}}
  template:
    metadata: {labels: {app: ha}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: ha}}
            topologyKey: kubernetes.io/hostname
      containers: [{name: c, image: none, command: ["none"]}]
"#,
    );
    let pods = crate::harness::wait_for("two placed, one pending", Duration::from_secs(20), || {
        let pods = c.pods("app=ha");
        let placed: Vec<String> = pods
            .iter()
            .filter_map(|p| p["spec"]["nodeName"].as_str().map(String::from))
            .filter(|n| !n.is_empty())
            .collect();
        let explained = pods.iter().any(|p| {
            p["status"]["conditions"].as_array().is_some_and(|cs| {
                cs.iter().any(|c| {
                    c["type"] == "PodScheduled"
                        && c["message"].as_str().is_some_and(|m| {
                            m.contains("2 node(s) didn't match pod anti-affinity rules")
                        })
                })
            })
        });
        (pods.len() == 3 && placed.len() == 2 && explained).then_some(placed)
    });
    assert_ne!(pods[0], pods[1], "one replica per node: {pods:?}");
}

/// Six 500m replicas on three 4-core hollow nodes: the default spread
/// strategy puts two on each node; `--scheduling-strategy binpack` fills one
/// node before it touches another.
#[test]
fn binpack_fills_one_node_where_spread_uses_all_three() {
    let manifest = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: none
        command: ["none"]
        resources: {requests: {cpu: 500m, memory: 64Mi}}
"#;
    for (args, want) in [
        (&[][..], vec![2, 2, 2]),
        (&["--scheduling-strategy", "binpack"][..], vec![6]),
    ] {
        let mut c = Cluster::start_with(0, "fake", args);
        for n in ["n1", "n2", "n3"] {
            c.add_node_with(n, "fake", &["--capacity", "cpu=4,memory=8Gi"]);
        }
        c.apply(manifest);
        let per_node =
            crate::harness::wait_for("six replicas scheduled", Duration::from_secs(30), || {
                let pods: Value = c.json(&["get", "pods", "-l", "app=web"])?;
                let items = pods["items"].as_array()?;
                let mut counts = std::collections::BTreeMap::<String, usize>::new();
                for p in items {
                    let n = p["spec"]["nodeName"].as_str().unwrap_or("");
                    if !n.is_empty() {
                        *counts.entry(n.to_string()).or_default() += 1;
                    }
                }
                (counts.values().sum::<usize>() == 6).then_some(counts)
            });
        let mut got: Vec<usize> = per_node.values().copied().collect();
        got.sort();
        assert_eq!(got, want, "{args:?}: {per_node:?}");
        // `ork why` scores the way this control daemon does.
        let pods: Value = c.json(&["get", "pods", "-l", "app=web"]).unwrap();
        let name = pods["items"][0]["metadata"]["name"].as_str().unwrap();
        let why = c.ok(&["why", "pod", name]);
        let plugin = if args.is_empty() {
            "LeastAllocated"
        } else {
            "MostAllocated"
        };
        assert!(why.contains(plugin), "{args:?}: {why}");
    }
}
