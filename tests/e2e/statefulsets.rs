//! StatefulSets and headless Services with real processes on three nodes:
//! pods start one at a time in ordinal order, each with its own claim; a
//! deleted pod comes back with the same name, hostname and claim data; the
//! headless Service shows `None` and its Endpoints list exactly the ready
//! pods; scaling down removes the highest ordinal and keeps its claim.

use crate::harness::{Cluster, marker, wait_for};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

fn logs(c: &Cluster, pod: &str) -> String {
    String::from_utf8_lossy(&c.ork(&["logs", pod]).stdout).into_owned()
}

fn ready(p: &Value) -> bool {
    p["status"]["phase"] == "Running"
        && p["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

fn names(pods: &[Value]) -> BTreeSet<String> {
    pods.iter()
        .filter_map(|p| p["metadata"]["name"].as_str().map(String::from))
        .collect()
}

/// The pod names the Endpoints list as ready addresses.
fn endpoint_pods(c: &Cluster) -> BTreeSet<String> {
    c.json(&["get", "endpoints", "web"])
        .and_then(|e| e["subsets"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .flat_map(|s| s["addresses"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a["targetRef"]["name"].as_str().map(String::from))
        .collect()
}

#[test]
fn a_statefulset_starts_in_order_keeps_claims_and_names_and_its_headless_service_lists_ready_pods()
{
    let c = Cluster::start(3, "process");
    let m = marker();
    c.apply(
        r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports:
  - {name: web, port: 8080}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "echo DIR $ORK_VOLUME_DATA; echo HOST $HOSTNAME; cat $ORK_VOLUME_DATA/marker 2>/dev/null; sleep 3600"]
        ports: [{name: web, containerPort: 8080}]
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"#,
    );
    // Ordered start: while polling, a pod never exists before every lower
    // ordinal is Running and Ready.
    let pods = wait_for("web-0, web-1, web-2 ready", WAIT, || {
        let pods = c.pods("app=web");
        for p in &pods {
            let name = p["metadata"]["name"].as_str().unwrap_or("");
            let ord: usize = name.trim_start_matches("web-").parse().unwrap();
            for lower in 0..ord {
                let l = pods
                    .iter()
                    .find(|q| q["metadata"]["name"] == format!("web-{lower}"));
                assert!(
                    l.is_some_and(ready),
                    "{name} exists while web-{lower} is not ready"
                );
            }
        }
        (pods.len() == 3 && pods.iter().all(ready)).then_some(pods)
    });
    assert_eq!(
        names(&pods),
        ["web-0", "web-1", "web-2"].map(String::from).into()
    );
    for p in &pods {
        let name = p["metadata"]["name"].as_str().unwrap();
        assert_eq!(p["spec"]["hostname"], name);
        assert_eq!(p["spec"]["subdomain"], "web");
        assert_eq!(
            p["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"],
            name
        );
        let claim = format!("data-{name}");
        assert_eq!(
            p["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
            claim.as_str()
        );
        let pvc = c.json(&["get", "pvc", &claim]);
        let pvc = pvc.unwrap_or_else(|| panic!("{claim} missing"));
        assert_eq!(
            pvc["spec"]["storageClassName"], "local",
            "the template names no class: the default one"
        );
        let out = wait_for("the pod's output", WAIT, || {
            let l = logs(&c, name);
            l.contains("HOST ").then_some(l)
        });
        assert!(out.contains(&format!("HOST {name}")), "{out}");
    }
    // The headless service: no cluster IP, endpoints are exactly the ready pods.
    let table = c.ok(&["get", "svc", "web"]);
    let row = table.lines().nth(1).unwrap();
    assert_eq!(row.split_whitespace().nth(2), Some("None"), "{table}");
    wait_for("endpoints of the three pods", WAIT, || {
        (endpoint_pods(&c) == names(&pods)).then_some(())
    });
    wait_for("READY 3/3 in ork get statefulset", WAIT, || {
        let st = c.ok(&["get", "statefulset", "web"]);
        let row: Vec<String> = st
            .lines()
            .nth(1)?
            .split_whitespace()
            .map(String::from)
            .collect();
        (row.get(1).map(String::as_str) == Some("3/3")).then_some(())
    });

    // web-1's claim data outlives the pod: it comes back with the same name and claim.
    let dir = logs(&c, "web-1")
        .lines()
        .find_map(|l| l.strip_prefix("DIR ").map(|d| d.trim().to_string()))
        .unwrap();
    std::fs::write(
        std::path::Path::new(&dir).join("marker"),
        format!("kept-{m}\n"),
    )
    .unwrap();
    let old_uid = pods
        .iter()
        .find(|p| p["metadata"]["name"] == "web-1")
        .unwrap()["metadata"]["uid"]
        .clone();
    c.ok(&["delete", "pod", "web-1"]);
    let again = c.wait_json(
        "web-1 back and ready",
        WAIT,
        &["get", "pod", "web-1"],
        |p| p["metadata"]["uid"] != old_uid && ready(p),
    );
    assert_eq!(
        again["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "data-web-1"
    );
    wait_for("the new web-1 to read the old data", WAIT, || {
        logs(&c, "web-1")
            .contains(&format!("kept-{m}"))
            .then_some(())
    });

    // Scale down: web-2 goes, its claim stays (Retain), endpoints follow.
    c.ok(&["scale", "statefulset/web", "--replicas", "2"]);
    wait_for("web-2 gone", WAIT, || {
        (names(&c.pods("app=web")) == ["web-0", "web-1"].map(String::from).into()).then_some(())
    });
    wait_for("endpoints of web-0 and web-1", WAIT, || {
        (endpoint_pods(&c) == ["web-0", "web-1"].map(String::from).into()).then_some(())
    });
    assert!(c.json(&["get", "pvc", "data-web-2"]).is_some());
}

/// `rollout history|undo statefulset/NAME` through the set's
/// ControllerRevisions, and `status.currentRevision/updateRevision` as
/// Kubernetes reports them.
#[test]
fn a_statefulset_keeps_its_revisions_and_rolls_back_to_one() {
    let c = Cluster::start(1, "process");
    let set = |msg: &str| {
        format!(
            r#"apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db}}
spec:
  serviceName: db
  replicas: 2
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "echo {msg}; sleep 3600"]
"#
        )
    };
    let settled = |what: &str| {
        wait_for(what, WAIT, || {
            let s = c.json(&["get", "statefulset", "db"])?;
            let st = &s["status"];
            (st["readyReplicas"] == 2
                && st["updatedReplicas"] == 2
                && st["currentRevision"] == st["updateRevision"]
                && st["observedGeneration"] == s["metadata"]["generation"])
                .then_some(s)
        })
    };
    c.apply(&set("one"));
    let first = settled("the first revision to run");
    let rev1 = first["status"]["currentRevision"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(rev1.starts_with("db-"), "{rev1}");
    c.apply(&set("two"));
    let second = settled("the second revision to run");
    let rev2 = second["status"]["updateRevision"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(rev1, rev2);
    // Both revisions are ControllerRevisions owned by the set, numbered.
    let revs = c.json(&["get", "controllerrevisions"]).unwrap();
    let mut numbered: Vec<(i64, String)> = revs["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet")
        .map(|r| {
            (
                r["revision"].as_i64().unwrap(),
                r["metadata"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    numbered.sort();
    assert_eq!(numbered, [(1, rev1.clone()), (2, rev2.clone())]);
    let hist = c.ok(&["rollout", "history", "statefulset/db"]);
    let lines: Vec<&str> = hist.lines().collect();
    assert_eq!(lines[0], "statefulset.apps/db");
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["REVISION", "CHANGE-CAUSE"]
    );
    assert_eq!(lines.len(), 4, "{hist}");
    let one = c.ok(&["rollout", "history", "sts/db", "--revision", "1"]);
    assert!(one.contains("echo one"), "{one}");
    // Undo: the first template comes back, as revision 3.
    assert_eq!(
        c.ok(&["rollout", "undo", "statefulset/db"]).trim(),
        "statefulset.apps/db rolled back"
    );
    let back = settled("the rollback to finish");
    assert_eq!(back["status"]["currentRevision"], rev1.as_str());
    let r = c.json(&["get", "controllerrevision", &rev1]).unwrap();
    assert_eq!(r["revision"], 3);
    let pods = c.pods("app=db");
    for p in &pods {
        assert_eq!(
            p["metadata"]["labels"]["controller-revision-hash"],
            rev1.as_str()
        );
    }
    let name = pods[0]["metadata"]["name"].as_str().unwrap();
    wait_for("the old output again", WAIT, || {
        logs(&c, name).contains("one").then_some(())
    });
}
