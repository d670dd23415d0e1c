//! Applying manifests: strict decoding, nothing half-applied, files,
//! directories, stdin, dry runs, namespaces.

use crate::harness::{Cluster, marker};
use crate::workloads::deployment;

#[test]
fn an_unknown_field_fails_with_its_path_and_line_and_stores_nothing() {
    let c = Cluster::start(0, "process");
    let good = deployment("first", 1, marker());
    let bad = deployment("second", 1, marker()).replace(
        "        image: busybox\n",
        "        image: busybox\n        imagePullPolcy: Always\n",
    );
    let f = c.dir.path().join("app.yaml");
    std::fs::write(&f, format!("{good}---\n{bad}")).unwrap();
    let out = c.ork(&["apply", "-f", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = good.lines().count()
        + 1
        + bad
            .lines()
            .position(|l| l.contains("imagePullPolcy"))
            .unwrap()
        + 1;
    assert!(
        err.contains(&format!(
            "app.yaml: document 2: spec.template.spec.containers[0].imagePullPolcy: unknown field (did you mean imagePullPolicy?), line {line}"
        )),
        "{err}"
    );
    assert!(err.contains("nothing was applied"), "{err}");
    let deployments = c.json(&["get", "deployments"]).unwrap();
    assert!(
        deployments["items"].as_array().unwrap().is_empty(),
        "the valid first document was not applied either"
    );
}

#[test]
fn a_server_refusal_keeps_the_whole_file_out() {
    let c = Cluster::start(0, "process");
    // Valid to the decoder, refused by the server: the namespace does not exist.
    let yaml = format!(
        "{}---\n{}",
        deployment("a", 1, marker()),
        deployment("b", 1, marker()).replace(
            "metadata:\n  name: b\n",
            "metadata:\n  name: b\n  namespace: nowhere\n"
        )
    );
    let out = c.ork_stdin(&["apply", "-f", "-"], Some(&yaml));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("-: document 2"), "{err}");
    assert!(err.contains("nowhere"), "{err}");
    assert!(c.json(&["get", "deploy", "a"]).is_none());
}

#[test]
fn directories_stdin_json_namespaces_and_dry_runs_apply() {
    let c = Cluster::start(0, "process");
    let dir = c.dir.path().join("manifests");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("00-ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("10-app.yaml"),
        deployment("cart", 1, marker()).replace(
            "  name: cart\n  labels",
            "  name: cart\n  namespace: shop\n  labels",
        ),
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "not a manifest").unwrap();
    let out = c.ok(&["apply", "-f", dir.to_str().unwrap(), "--dry-run"]);
    assert_eq!(
        out,
        "namespace/shop created (dry run)\ndeployment.apps/cart created (dry run)\n"
    );
    assert!(
        c.json(&["get", "ns", "shop"]).is_none(),
        "a dry run changes nothing"
    );
    let out = c.ok(&["apply", "-f", dir.to_str().unwrap()]);
    assert_eq!(
        out,
        "namespace/shop created\ndeployment.apps/cart created\n"
    );
    let out = c.ok(&["apply", "-f", dir.to_str().unwrap()]);
    assert_eq!(
        out,
        "namespace/shop unchanged\ndeployment.apps/cart unchanged\n"
    );
    assert!(c.json(&["get", "deploy", "cart", "-n", "shop"]).is_some());
    // JSON on stdin, into the namespace given with -n.
    let json = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "solo"},
        "spec": {"containers": [{"name": "c", "command": ["sleep", "1"]}]}
    })
    .to_string();
    let out = c.ork_stdin(&["apply", "-n", "shop", "-f", "-"], Some(&json));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "pod/solo created\n");
    assert!(c.json(&["get", "pod", "solo", "-n", "shop"]).is_some());
    // -n that contradicts the manifest is refused.
    let out = c.ork(&[
        "apply",
        "-n",
        "other",
        "-f",
        dir.join("10-app.yaml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_nginx_deployment_from_the_kubernetes_docs_applies_unchanged() {
    let c = Cluster::start(0, "process");
    let nginx = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
"#;
    assert_eq!(
        c.apply(nginx).trim(),
        "deployment.apps/nginx-deployment created"
    );
    let d = c.json(&["get", "deployment", "nginx-deployment"]).unwrap();
    assert_eq!(d["spec"]["replicas"], 3);
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"],
        80
    );
}
