//! Rollouts: controlled by readiness, with history, undo and automatic
//! rollback; drain and cordon.

use crate::harness::{Cluster, marker, pids_of, wait_for};
use std::time::{Duration, Instant};

/// A Deployment whose pods run `sleep MARKER` and are ready once a readiness
/// probe passes.
fn web(replicas: u32, m: u64, extra: &str) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    kubernetes.io/change-cause: "sleep {m}"
{extra}spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels: {{app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        command: ["sleep", "{m}"]
        readinessProbe:
          exec:
            command: ["true"]
          periodSeconds: 1
"#
    )
}

fn ready_pods(c: &Cluster) -> Option<usize> {
    let v = c.json(&["get", "pods", "-l", "app=web"])?;
    Some(
        v["items"]
            .as_array()?
            .iter()
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .filter(|p| {
                p["status"]["conditions"].as_array().is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
            })
            .count(),
    )
}

#[test]
fn a_rolling_update_never_drops_below_desired_and_a_crashing_one_is_rolled_back() {
    let c = Cluster::start(2, "process");
    let (m1, m2) = (marker(), marker());
    c.apply(&web(4, m1, ""));
    assert_eq!(
        c.ok(&["rollout", "status", "deployment/web"])
            .lines()
            .last(),
        Some("deployment \"web\" successfully rolled out")
    );

    // v1 -> v2 with maxUnavailable 0: sample the ready count all along.
    let t0 = Instant::now();
    c.apply(&web(4, m2, ""));
    let mut lowest = usize::MAX;
    let m2s = m2.to_string();
    wait_for("v2 everywhere", Duration::from_secs(60), || {
        if let Some(n) = ready_pods(&c) {
            lowest = lowest.min(n);
        }
        let d = c.json(&["get", "deploy", "web"])?;
        let done = d["status"]["updatedReplicas"] == 4
            && d["status"]["availableReplicas"] == 4
            && d["status"]["replicas"] == 4
            && pids_of(&["sleep", &m2s]).len() == 4;
        done.then_some(())
    });
    println!(
        "rollout of 4 replicas with maxUnavailable 0 took {:.1} s; lowest ready count seen {lowest}",
        t0.elapsed().as_secs_f64()
    );
    assert!(lowest >= 4, "ready pods fell to {lowest}");
    let history = c.ok(&["rollout", "history", "deployment/web"]);
    assert!(
        history.contains(&format!("sleep {m1}")) && history.contains("2 (current)"),
        "{history}"
    );

    // v3 crash-loops: ork rolls back to v2 by itself, and `rollout status` says so.
    let bad = web(4, m2, "").replace(
        &format!("command: [\"sleep\", \"{m2}\"]"),
        "command: [\"sh\", \"-c\", \"exit 3\"]",
    );
    c.apply(&bad);
    let out = c.ork(&["rollout", "status", "deployment/web", "--timeout", "90s"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("rolled back") && err.contains("restarted 3 times"),
        "{err}"
    );
    let d = c.wait_json(
        "back on v2's template",
        Duration::from_secs(30),
        &["get", "deploy", "web"],
        |d| d["spec"]["template"]["spec"]["containers"][0]["command"][1] == m2s.as_str(),
    );
    let rb = d["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "RolledBack")
        .cloned()
        .unwrap();
    assert!(
        rb["message"].as_str().unwrap().contains("to revision 2"),
        "{rb}"
    );
    let events = c.ok(&["events", "--for", "deployment/web"]);
    assert!(events.contains("RolledBack"), "{events}");
    wait_for("4 v2 pods ready again", Duration::from_secs(60), || {
        (ready_pods(&c)? == 4 && pids_of(&["sleep", &m2s]).len() == 4).then_some(())
    });

    // Revisions now: v1 = 1, the crashing v3 = 3, v2 = 4 (current again).
    let history = c.ok(&["rollout", "history", "deployment/web"]);
    assert!(history.contains("4 (current)"), "{history}");
    let out = c.ok(&["rollout", "undo", "deployment/web", "--to-revision", "1"]);
    assert!(out.contains("rolled back to revision 1"), "{out}");
    let m1s = m1.to_string();
    wait_for("v1 running again", Duration::from_secs(60), || {
        (pids_of(&["sleep", &m1s]).len() == 4 && pids_of(&["sleep", &m2s]).is_empty()).then_some(())
    });
    assert!(
        c.ok(&["rollout", "status", "deployment/web"])
            .contains("successfully rolled out")
    );
}

#[test]
fn restart_pause_and_resume() {
    let c = Cluster::start(1, "process");
    let m = marker();
    c.apply(&web(2, m, ""));
    c.ok(&["rollout", "status", "deployment/web"]);
    let before: Vec<String> = c
        .pods("app=web")
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        c.ok(&["rollout", "restart", "deployment/web"]).trim(),
        "deployment.apps/web restarted"
    );
    wait_for("all pods replaced", Duration::from_secs(60), || {
        let now = c.pods("app=web");
        (now.len() == 2
            && now
                .iter()
                .all(|p| !before.contains(&p["metadata"]["name"].as_str().unwrap().to_string()))
            && ready_pods(&c)? == 2)
            .then_some(())
    });
    assert_eq!(
        c.ok(&["rollout", "pause", "deployment/web"]).trim(),
        "deployment.apps/web paused"
    );
    let m2 = marker();
    c.apply(&web(2, m2, ""));
    // Paused: the template change is recorded but no new set appears.
    let d = c.wait_json(
        "the change observed",
        Duration::from_secs(20),
        &["get", "deploy", "web"],
        |d| d["status"]["observedGeneration"] == d["metadata"]["generation"],
    );
    let progressing = d["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Progressing")
        .unwrap()
        .clone();
    assert_eq!(progressing["reason"], "DeploymentPaused");
    assert!(pids_of(&["sleep", &m2.to_string()]).is_empty());
    assert_eq!(
        c.ok(&["rollout", "resume", "deployment/web"]).trim(),
        "deployment.apps/web resumed"
    );
    let m2s = m2.to_string();
    wait_for("v2 after resume", Duration::from_secs(60), || {
        (pids_of(&["sleep", &m2s]).len() == 2).then_some(())
    });
    c.ok(&["rollout", "status", "deployment/web"]);
    // Plain undo: back to the revision before, the restarted v1.
    let out = c.ok(&["rollout", "undo", "deployment/web"]);
    assert!(out.contains("rolled back to revision 2"), "{out}");
    let ms = m.to_string();
    wait_for("v1 after undo", Duration::from_secs(60), || {
        (pids_of(&["sleep", &ms]).len() == 2 && pids_of(&["sleep", &m2s]).is_empty()).then_some(())
    });
}

#[test]
fn drain_moves_every_pod_and_a_cordoned_node_gets_no_new_ones() {
    let c = Cluster::start(2, "process");
    let m = marker();
    c.apply(&web(4, m, ""));
    c.ok(&["rollout", "status", "deployment/web"]);
    let on = |node: &str| -> usize {
        c.pods("app=web")
            .iter()
            .filter(|p| {
                p["spec"]["nodeName"] == node && p["metadata"]["deletionTimestamp"].is_null()
            })
            .count()
    };
    assert_eq!((on("n1"), on("n2")), (2, 2));
    let out = c.ok(&["drain", "n1", "--timeout", "60s"]);
    assert!(
        out.contains("node/n1 cordoned")
            && out.contains("evicting pod")
            && out.trim_end().ends_with("node/n1 drained"),
        "{out}"
    );
    assert_eq!(
        ready_pods(&c),
        Some(4),
        "the replacements are ready when drain returns"
    );
    assert_eq!((on("n1"), on("n2")), (0, 4));
    let nodes = c.ok(&["get", "nodes"]);
    assert!(nodes.contains("SchedulingDisabled"), "{nodes}");
    // Cordoned: new pods go elsewhere.
    c.ok(&["scale", "deployment/web", "--replicas", "6"]);
    wait_for("6 ready", Duration::from_secs(30), || {
        (ready_pods(&c)? == 6).then_some(())
    });
    assert_eq!(on("n1"), 0);
    assert_eq!(c.ok(&["uncordon", "n1"]).trim(), "node/n1 uncordoned");
    c.ok(&["scale", "deployment/web", "--replicas", "8"]);
    wait_for("new pods on n1 again", Duration::from_secs(30), || {
        (on("n1") > 0 && ready_pods(&c)? == 8).then_some(())
    });
    // A bare pod stops a drain unless forced.
    c.apply("apiVersion: v1\nkind: Pod\nmetadata:\n  name: bare\nspec:\n  nodeName: n2\n  containers:\n  - name: main\n    command: [\"sleep\", \"1000\"]\n");
    let out = c.ork(&["drain", "n2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("default/bare"));
}
