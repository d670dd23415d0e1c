//! PodDisruptionBudgets on a cluster of two process nodes: the budget's
//! status follows its pods, an eviction it forbids is answered 429 with
//! Kubernetes' message (to ork and to kubectl), and `ork drain` waits on
//! it, saying which budget holds it up, and finishes once replacements are
//! ready elsewhere.

use crate::harness::{Cluster, Deploy, wait_for};
use crate::kubectl::require_kubectl;
use std::time::Duration;

const PDB: &str = r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: zk-pdb
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: zk
"#;

#[test]
fn a_drain_held_by_a_budget_says_so_and_goes_on_once_a_replacement_is_ready() {
    let c = Cluster::start(2, "process");
    // Everything on n1 first: n2 is cordoned.
    c.ok(&["cordon", "n2"]);
    c.apply(&Deploy::new("zk", 3).yaml());
    c.apply(PDB);
    let pods = c.wait_running("app=zk", 3);
    assert!(pods.iter().all(|p| p["spec"]["nodeName"] == "n1"));
    let pdb = c.wait_json(
        "the budget to count three healthy pods",
        Duration::from_secs(30),
        &["get", "pdb", "zk-pdb"],
        |p| p["status"]["currentHealthy"] == 3,
    );
    assert_eq!(pdb["status"]["desiredHealthy"], 2);
    assert_eq!(pdb["status"]["expectedPods"], 3);
    assert_eq!(pdb["status"]["disruptionsAllowed"], 1);
    let cond = &pdb["status"]["conditions"][0];
    assert_eq!(
        (
            cond["type"].as_str(),
            cond["status"].as_str(),
            cond["reason"].as_str()
        ),
        (
            Some("DisruptionAllowed"),
            Some("True"),
            Some("SufficientPods")
        )
    );
    let table = c.ok(&["get", "pdb"]);
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        [
            "NAME",
            "MIN",
            "AVAILABLE",
            "MAX",
            "UNAVAILABLE",
            "ALLOWED",
            "DISRUPTIONS",
            "AGE"
        ]
    );
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(row[..4], ["zk-pdb", "2", "N/A", "1"]);

    std::thread::scope(|s| {
        let drain = s.spawn(|| c.ork(&["drain", "n1", "--timeout", "90s"]));
        // One pod goes (the budget allows one); its replacement cannot be
        // placed while n2 is cordoned, so the budget holds the rest.
        wait_for(
            "the replacement to wait and the budget to allow nothing",
            Duration::from_secs(30),
            || {
                let pending = c
                    .pods("app=zk")
                    .iter()
                    .any(|p| p["spec"]["nodeName"].is_null() || p["spec"]["nodeName"] == "");
                let pdb = c.json(&["get", "pdb", "zk-pdb"])?;
                (pending && pdb["status"]["disruptionsAllowed"] == 0).then_some(())
            },
        );
        // An eviction now is refused, as Kubernetes refuses it.
        let victim = c
            .pods("app=zk")
            .into_iter()
            .find(|p| p["spec"]["nodeName"] == "n1" && p["metadata"]["deletionTimestamp"].is_null())
            .unwrap();
        let name = victim["metadata"]["name"].as_str().unwrap().to_string();
        let r = c
            .http()
            .post(format!(
                "{}/api/v1/namespaces/default/pods/{name}/eviction",
                c.url
            ))
            .bearer_auth(&c.admin)
            .json(&serde_json::json!({
                "apiVersion": "policy/v1", "kind": "Eviction",
                "metadata": {"name": name, "namespace": "default"}
            }))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 429);
        let body: serde_json::Value = r.json().unwrap();
        assert_eq!(body["reason"], "TooManyRequests");
        assert_eq!(
            body["message"],
            "Cannot evict pod as it would violate the pod's disruption budget."
        );
        assert_eq!(body["details"]["causes"][0]["reason"], "DisruptionBudget");
        assert_eq!(
            body["details"]["causes"][0]["message"],
            "The disruption budget zk-pdb needs 2 healthy pods and has 2 currently"
        );
        if let Some(k) = require_kubectl() {
            let table = c.kubectl_ok(&k, &["get", "pdb"]);
            let head: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
            assert_eq!(
                head,
                [
                    "NAME",
                    "MIN",
                    "AVAILABLE",
                    "MAX",
                    "UNAVAILABLE",
                    "ALLOWED",
                    "DISRUPTIONS",
                    "AGE"
                ]
            );
            let out = c.kubectl_with(&k, &["drain", "n1", "--timeout=3s"]);
            assert!(!out.status.success());
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("Cannot evict pod as it would violate the pod's disruption budget"),
                "{err}"
            );
        }
        // A node for the replacements: the drain goes on by itself.
        c.ok(&["uncordon", "n2"]);
        let out = drain.join().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("Cannot evict pod as it would violate the pod's disruption budget. (The disruption budget zk-pdb needs 2 healthy pods and has 2 currently)"),
            "{stdout}"
        );
        assert!(stdout.contains("(will retry after 2s)"), "{stdout}");
        assert!(stdout.trim_end().ends_with("node/n1 drained"), "{stdout}");
    });
    let pods = c.wait_running("app=zk", 3);
    assert!(pods.iter().all(|p| p["spec"]["nodeName"] == "n2"));
}
