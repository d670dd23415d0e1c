//! What clients read in answers and send as query parameters, through the
//! real kubectl and the official Python client: describe with events, logs
//! with `--since` and `--tail`, `auth can-i`, `autoscale` (autoscaling/v1),
//! drain (evictions), field selectors, pages (`--chunk-size`), and the
//! Python suite in tests/python/.
//!
//! The Python suite runs in the interpreter `ORK_PYTHON` names (a venv with
//! `kubernetes` and `pytest`; `.ci/run` makes one), else `python3` when that
//! one has both. With `ORK_REQUIRE_KUBECTL=1` a missing client fails.

use crate::harness::{Cluster, Deploy, wait_for};
use crate::kubectl::require_kubectl;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A Python with the Kubernetes client and pytest, or `None` (skip) when
/// there is none and none is required.
fn python() -> Option<String> {
    let candidate = std::env::var("ORK_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&candidate)
        .args(["-c", "import kubernetes, pytest"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("ORK_REQUIRE_KUBECTL").as_deref() != Ok("1"),
            "ORK_REQUIRE_KUBECTL=1 but {candidate} has no `kubernetes` and `pytest` (set ORK_PYTHON to a venv's python)"
        );
        eprintln!("skipping: {candidate} lacks the kubernetes client or pytest");
        return None;
    }
    Some(candidate)
}

#[test]
fn the_official_python_client_reads_writes_and_watches_every_kind() {
    let Some(py) = python() else { return };
    let c = Cluster::start(1, "process");
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python");
    let out = Command::new(&py)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(&suite)
        .env("ORK_KUBECONFIG", c.kubeconfig())
        .env("ORK_NODE", "n1")
        .current_dir(c.dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pytest failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn kubectl_reads_events_logs_pages_and_field_selectors() {
    let Some(k) = require_kubectl() else { return };
    let c = Cluster::start(1, "process");
    c.apply(
        &Deploy::new("talk", 3)
            .command(&[
                "sh",
                "-c",
                "for i in 1 2 3; do echo line $i; done; sleep 3600",
            ])
            .yaml(),
    );
    let pods = c.wait_running("app=talk", 3);
    let pod = pods[0]["metadata"]["name"].as_str().unwrap().to_string();

    // describe shows the pod's events (kubectl asks with a field selector on involvedObject).
    let described = wait_for("an event in describe", Duration::from_secs(30), || {
        let out = c.kubectl_ok(&k, &["describe", "pod", &pod]);
        (out.contains("Events:") && out.contains("Scheduled")).then_some(out)
    });
    assert!(!described.contains("<none>\n\n\nEvents"), "{described}");
    let d = c.kubectl_ok(&k, &["describe", "deployment", "talk"]);
    assert!(d.contains("Events:"), "{d}");
    let d = c.kubectl_ok(&k, &["describe", "node", "n1"]);
    assert!(
        d.contains("Kernel Version:") && d.contains("Boot ID:"),
        "{d}"
    );

    // logs with --since and --tail.
    let all = wait_for("three lines of output", Duration::from_secs(20), || {
        let out = c.kubectl_ok(&k, &["logs", &pod, "--since=1h"]);
        out.contains("line 3").then_some(out)
    });
    assert_eq!(all, "line 1\nline 2\nline 3\n");
    assert_eq!(c.kubectl_ok(&k, &["logs", &pod, "--tail=1"]), "line 3\n");
    let prev = c.kubectl_with(&k, &["logs", &pod, "--previous"]);
    assert!(!prev.status.success());
    let err = String::from_utf8_lossy(&prev.stderr);
    assert!(
        err.contains(&format!(
            "previous terminated container \"main\" in pod \"{pod}\" not found"
        )),
        "{err}"
    );

    // Field selectors and pages.
    let running = c.kubectl_ok(
        &k,
        &[
            "get",
            "pods",
            "--field-selector",
            "status.phase=Running",
            "-o",
            "name",
        ],
    );
    assert_eq!(running.lines().count(), 3, "{running}");
    let none = c.kubectl_ok(
        &k,
        &[
            "get",
            "pods",
            "--field-selector",
            "status.phase=Failed",
            "-o",
            "name",
        ],
    );
    assert!(none.trim().is_empty(), "{none}");
    let bad = c.kubectl_with(&k, &["get", "pods", "--field-selector", "spec.nope=1"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("status.phase"));
    let out = c
        .kubectl_cmd(&k, &["get", "pods", "--chunk-size=2", "-o", "name", "-v=6"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("limit=2") && log.contains("continue="),
        "{log}"
    );
}

#[test]
fn kubectl_autoscale_can_i_cordon_and_drain() {
    let Some(k) = require_kubectl() else { return };
    let c = Cluster::start(1, "process");
    c.apply(&Deploy::new("web", 2).yaml());
    c.wait_running("app=web", 2);

    c.kubectl_ok(&k, &["cordon", "n1"]);
    let node = c.json(&["get", "node", "n1"]).unwrap();
    assert_eq!(node["spec"]["unschedulable"], true);
    c.kubectl_ok(
        &k,
        &[
            "drain",
            "n1",
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout=60s",
        ],
    );
    wait_for("the node's pods gone", Duration::from_secs(30), || {
        c.pods("app=web")
            .iter()
            .all(|p| {
                p["spec"]["nodeName"] != "n1" || p["metadata"]["deletionTimestamp"].is_string()
            })
            .then_some(())
    });

    // kubectl sends the HPA and the access reviews (and drain its
    // DeleteOptions) as protobuf.
    c.kubectl_ok(
        &k,
        &[
            "autoscale",
            "deployment",
            "web",
            "--min=1",
            "--max=3",
            "--cpu-percent=50",
        ],
    );
    let hpa = c.kubectl_ok(&k, &["get", "hpa.v2.autoscaling", "web", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&hpa).unwrap();
    assert_eq!(
        v["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
        50
    );

    assert_eq!(
        c.kubectl_ok(&k, &["auth", "can-i", "create", "pods"])
            .trim(),
        "yes"
    );
    let list = c.kubectl_ok(&k, &["auth", "can-i", "--list"]);
    assert!(list.contains("pods"), "{list}");
}
