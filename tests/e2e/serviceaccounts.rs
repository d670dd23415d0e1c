//! ServiceAccounts through the real API: every namespace gets a `default`
//! account (made again when deleted), pods default to it, a pod naming a
//! missing account is refused with Kubernetes' words (and a controller's
//! pod with a FailedCreate event), `automountServiceAccountToken: true` is
//! accepted, and `ork get sa` shows kubectl's columns.

use crate::harness::{Cluster, marker, wait_for};
use std::time::Duration;

fn pod(name: &str, account_line: &str, m: u64) -> String {
    format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels:
    app: {name}
spec:
  {account_line}
  containers:
  - name: main
    command: ["sleep", "{m}"]
"#
    )
}

fn uid(c: &Cluster, ns: &str) -> Option<String> {
    c.json(&["get", "sa", "default", "-n", ns])
        .and_then(|v| v["metadata"]["uid"].as_str().map(String::from))
}

#[test]
fn namespaces_get_a_default_account_and_pods_must_name_one_that_exists() {
    let c = Cluster::start(1, "process");
    let m = marker();
    wait_for(
        "the default namespace's account",
        Duration::from_secs(30),
        || uid(&c, "default"),
    );

    // A new namespace has its account at once; deleted, it comes back.
    c.ok(&["create", "namespace", "team"]);
    let first = uid(&c, "team").expect("team/default exists with the namespace");
    c.ok(&["delete", "sa", "default", "-n", "team"]);
    wait_for("team/default made again", Duration::from_secs(30), || {
        uid(&c, "team").filter(|u| *u != first)
    });

    // A pod naming a missing account is refused, naming it as Kubernetes does.
    let f = c.dir.path().join("lost.yaml");
    std::fs::write(&f, pod("lost", "serviceAccountName: missing", m)).unwrap();
    let out = c.ork(&["apply", "-f", f.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(
            "pods \"lost\" is forbidden: error looking up service account default/missing: \
             serviceaccount \"missing\" not found"
        ),
        "{err}"
    );
    assert!(c.json(&["get", "pod", "lost"]).is_none());

    // Asking for a token is accepted (tests/e2e/rbac.rs follows it into the pod).
    std::fs::write(&f, pod("tokened", "automountServiceAccountToken: true", m)).unwrap();
    let out = c.ork(&["apply", "-f", f.to_str().unwrap(), "--dry-run=server"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // An existing account: the pod runs as it; a pod naming none runs as default.
    c.apply(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: builder\nsecrets:\n- name: build-token\nautomountServiceAccountToken: false\n",
    );
    c.apply(&pod("built", "serviceAccountName: builder", m));
    c.apply(&pod("plain", "automountServiceAccountToken: false", m));
    let built = &c.wait_running("app=built", 1)[0];
    assert_eq!(built["spec"]["serviceAccountName"], "builder");
    assert_eq!(built["spec"]["serviceAccount"], "builder");
    let plain = &c.wait_running("app=plain", 1)[0];
    assert_eq!(plain["spec"]["serviceAccountName"], "default");
    // Applying the same manifest again changes nothing.
    c.apply(&pod("plain", "automountServiceAccountToken: false", m));
    let again = c.json(&["get", "pod", "plain"]).unwrap();
    assert_eq!(again["spec"]["serviceAccountName"], "default");
    let described = c.ok(&["describe", "pod", "built"]);
    assert!(
        described
            .lines()
            .any(|l| l.split_whitespace().eq(["Service", "Account:", "builder"])),
        "{described}"
    );
    assert!(
        described.contains("unless its ServiceAccount sets automountServiceAccountToken: false"),
        "{described}"
    );
    let described = c.ok(&["describe", "pod", "plain"]);
    assert!(described.contains("none mounted"), "{described}");

    // kubectl's columns.
    let table = c.ok(&["get", "sa"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "SECRETS", "AGE"], "{table}");
    let row = table.lines().find(|l| l.starts_with("builder")).unwrap();
    assert_eq!(row.split_whitespace().nth(1), Some("1"), "{table}");
    assert!(table.lines().any(|l| l.starts_with("default ")), "{table}");

    // A controller's template naming a missing account is accepted; its pods
    // are refused, with the ReplicaSet's FailedCreate event.
    c.apply(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: orphaned
spec:
  replicas: 1
  selector:
    matchLabels:
      app: orphaned
  template:
    metadata:
      labels:
        app: orphaned
    spec:
      serviceAccountName: missing
      containers:
      - name: main
        command: ["sleep", "1"]
"#,
    );
    let message = wait_for("a FailedCreate event", Duration::from_secs(30), || {
        let evs = c.json(&["get", "events"])?;
        evs["items"].as_array()?.iter().find_map(|e| {
            (e["reason"] == "FailedCreate")
                .then(|| e["message"].as_str().unwrap_or_default().to_string())
        })
    });
    assert!(
        message.starts_with("Error creating: pods \"orphaned-")
            && message.ends_with(
                "is forbidden: error looking up service account default/missing: \
                 serviceaccount \"missing\" not found"
            ),
        "{message}"
    );
    assert!(c.pods("app=orphaned").is_empty());
}
