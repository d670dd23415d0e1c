//! The real kubectl changing objects on ork the ways it changes them on
//! Kubernetes: client-side `apply` (three-way strategic merge patch),
//! `set image|env`, `patch --type=json|merge|strategic`, `label` and
//! `annotate`, server-side apply with field managers and conflicts,
//! `diff`, `rollout undo` (a JSON patch) and `--dry-run=server`.

use crate::harness::{Cluster, wait_for};
use crate::kubectl::require_kubectl;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

fn manifest(image: &str, replicas: u32, extra_label: bool) -> String {
    let label = if extra_label { "\n    tier: web" } else { "" };
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web{label}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: app
        image: {image}
        command: ["sleep", "3600"]
        ports:
        - containerPort: 8080
        env:
        - name: A
          value: "1"
        resources:
          limits: {{cpu: 100m, memory: 64Mi}}
"#
    )
}

fn write(c: &Cluster, name: &str, text: &str) -> String {
    let p = c.dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn get(c: &Cluster, bin: &Path, what: &str) -> Value {
    let out = c.kubectl_ok(bin, &["get", what, "-o", "json", "--show-managed-fields"]);
    serde_json::from_str(&out).unwrap()
}

fn container(d: &Value) -> &Value {
    &d["spec"]["template"]["spec"]["containers"][0]
}

/// The fields a one-field change must not touch.
fn assert_kept(d: &Value) {
    let c = container(d);
    assert_eq!(c["command"], serde_json::json!(["sleep", "3600"]), "{c}");
    assert_eq!(c["ports"][0]["containerPort"], 8080, "{c}");
    assert_eq!(c["resources"]["limits"]["memory"], "64Mi", "{c}");
}

fn fails_with(c: &Cluster, bin: &Path, args: &[&str], text: &str) -> String {
    let out = c.kubectl_with(bin, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "kubectl {args:?} should fail");
    assert!(err.contains(text), "kubectl {args:?}: {err}");
    err
}

#[test]
fn client_side_apply_and_set_change_one_field_and_keep_the_rest() {
    let Some(bin) = require_kubectl() else { return };
    let c = Cluster::start(0, "fake");
    let f = write(&c, "d.yaml", &manifest("nginx:1", 1, true));
    c.kubectl_ok(&bin, &["apply", "-f", &f]);
    // A new image, and a label dropped from the manifest.
    let f = write(&c, "d.yaml", &manifest("nginx:2", 1, false));
    let out = c.kubectl_ok(&bin, &["apply", "-f", &f]);
    assert!(out.contains("deployment.apps/web configured"), "{out}");
    let d = get(&c, &bin, "deploy/web");
    assert_eq!(container(&d)["image"], "nginx:2");
    assert_kept(&d);
    assert_eq!(
        d["metadata"]["labels"].get("tier"),
        None,
        "{}",
        d["metadata"]
    );
    let out = c.kubectl_ok(&bin, &["apply", "-f", &f]);
    assert!(out.contains("deployment.apps/web unchanged"), "{out}");

    c.kubectl_ok(&bin, &["set", "image", "deploy/web", "app=nginx:3"]);
    let d = get(&c, &bin, "deploy/web");
    assert_eq!(container(&d)["image"], "nginx:3");
    assert_kept(&d);

    c.kubectl_ok(&bin, &["set", "env", "deploy/web", "B=2"]);
    let d = get(&c, &bin, "deploy/web");
    let env = &container(&d)["env"];
    assert_eq!(env[0]["name"], "A", "{env}");
    assert_eq!(env[1]["name"], "B", "{env}");
    assert_eq!(env[1]["value"], "2", "{env}");
    assert_kept(&d);
    // Every write is recorded under kubectl's manager for its command.
    let managers: Vec<&str> = d["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["manager"].as_str().unwrap())
        .collect();
    assert!(
        managers.contains(&"kubectl-client-side-apply"),
        "{managers:?}"
    );
    assert!(managers.contains(&"kubectl-set"), "{managers:?}");
}

#[test]
fn patch_of_each_type_and_labels_and_annotations() {
    let Some(bin) = require_kubectl() else { return };
    let c = Cluster::start(0, "fake");
    let f = write(&c, "d.yaml", &manifest("nginx:1", 1, false));
    c.kubectl_ok(&bin, &["create", "-f", &f]);

    c.kubectl_ok(
        &bin,
        &["patch", "deploy/web", "--type=json",
          "-p", r#"[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":2}]"#],
    );
    assert_eq!(get(&c, &bin, "deploy/web")["spec"]["replicas"], 2);
    let err = fails_with(
        &c,
        &bin,
        &[
            "patch",
            "deploy/web",
            "--type=json",
            "-p",
            r#"[{"op":"test","path":"/spec/replicas","value":7},{"op":"replace","path":"/spec/replicas","value":9}]"#,
        ],
        "/spec/replicas",
    );
    assert!(err.contains("The request is invalid"), "{err}");
    assert_eq!(get(&c, &bin, "deploy/web")["spec"]["replicas"], 2);

    c.kubectl_ok(
        &bin,
        &[
            "patch",
            "deploy/web",
            "--type=merge",
            "-p",
            r#"{"spec":{"replicas":3}}"#,
        ],
    );
    assert_eq!(get(&c, &bin, "deploy/web")["spec"]["replicas"], 3);

    c.kubectl_ok(
        &bin,
        &[
            "patch",
            "deploy/web",
            "--type=strategic",
            "-p",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:9"}]}}}}"#,
        ],
    );
    let d = get(&c, &bin, "deploy/web");
    assert_eq!(container(&d)["image"], "nginx:9");
    assert_kept(&d);
    // A merge patch replaces the list, as on Kubernetes.
    c.kubectl_ok(
        &bin,
        &[
            "patch",
            "deploy/web",
            "--type=merge",
            "-p",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:10"}]}}}}"#,
        ],
    );
    let d = get(&c, &bin, "deploy/web");
    assert_eq!(container(&d).get("command"), None, "{}", container(&d));

    c.kubectl_ok(&bin, &["label", "deploy/web", "team=blue"]);
    assert_eq!(
        get(&c, &bin, "deploy/web")["metadata"]["labels"]["team"],
        "blue"
    );
    c.kubectl_ok(&bin, &["label", "deploy/web", "team-"]);
    assert_eq!(
        get(&c, &bin, "deploy/web")["metadata"]["labels"].get("team"),
        None
    );
    c.kubectl_ok(&bin, &["annotate", "deploy/web", "note=hello"]);
    assert_eq!(
        get(&c, &bin, "deploy/web")["metadata"]["annotations"]["note"],
        "hello"
    );
    c.kubectl_ok(&bin, &["annotate", "deploy/web", "note-"]);
    let a = &get(&c, &bin, "deploy/web")["metadata"]["annotations"];
    assert!(a.get("note").is_none(), "{a}");
}

#[test]
fn server_side_apply_owns_fields_and_conflicts_with_other_managers() {
    let Some(bin) = require_kubectl() else { return };
    let c = Cluster::start(0, "fake");
    let f = write(&c, "d.yaml", &manifest("nginx:1", 3, true));
    let out = c.kubectl_ok(&bin, &["apply", "--server-side", "-f", &f]);
    assert!(out.contains("serverside-applied"), "{out}");
    let d = get(&c, &bin, "deploy/web");
    let e = &d["metadata"]["managedFields"][0];
    assert_eq!(
        (e["manager"].as_str(), e["operation"].as_str()),
        (Some("kubectl"), Some("Apply")),
        "{e}"
    );
    assert!(e["fieldsV1"]["f:spec"]["f:replicas"].is_object(), "{e}");

    // Applied again without the label and with a new image.
    let f = write(&c, "d.yaml", &manifest("nginx:2", 3, false));
    c.kubectl_ok(&bin, &["apply", "--server-side", "-f", &f]);
    let d = get(&c, &bin, "deploy/web");
    assert_eq!(container(&d)["image"], "nginx:2");
    assert_eq!(
        d["metadata"]["labels"].get("tier"),
        None,
        "{}",
        d["metadata"]
    );
    assert_kept(&d);

    // Another manager changing kubectl's field conflicts, until forced.
    let g = write(&c, "other.yaml", &manifest("nginx:other", 3, false));
    let err = fails_with(
        &c,
        &bin,
        &["apply", "--server-side", "--field-manager=other", "-f", &g],
        "conflict with \"kubectl\"",
    );
    assert!(
        err.contains(".spec.template.spec.containers[name=\"app\"].image"),
        "{err}"
    );
    assert_eq!(container(&get(&c, &bin, "deploy/web"))["image"], "nginx:2");
    c.kubectl_ok(
        &bin,
        &[
            "apply",
            "--server-side",
            "--field-manager=other",
            "--force-conflicts",
            "-f",
            &g,
        ],
    );
    assert_eq!(
        container(&get(&c, &bin, "deploy/web"))["image"],
        "nginx:other"
    );

    // kubectl scale takes replicas (as manager "kubectl", from its
    // User-Agent: it sends no fieldManager); applying them again conflicts.
    c.kubectl_ok(&bin, &["scale", "deploy/web", "--replicas=5"]);
    let g = write(&c, "d2.yaml", &manifest("nginx:other", 3, false));
    fails_with(
        &c,
        &bin,
        &["apply", "--server-side", "--field-manager=other", "-f", &g],
        "conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas",
    );
    assert_eq!(get(&c, &bin, "deploy/web")["spec"]["replicas"], 5);
}

#[test]
fn diff_rollout_undo_and_server_dry_run() {
    let Some(bin) = require_kubectl() else { return };
    let c = Cluster::start(0, "fake");
    let f = write(&c, "d.yaml", &manifest("nginx:1", 1, false));

    // A server-side dry run stores nothing.
    let out = c.kubectl_ok(&bin, &["create", "--dry-run=server", "-f", &f]);
    assert!(out.contains("(server dry run)"), "{out}");
    let gone = c.kubectl_with(&bin, &["get", "deploy/web"]);
    assert!(!gone.status.success());

    c.kubectl_ok(&bin, &["apply", "-f", &f]);
    let same = c.kubectl_with(&bin, &["diff", "-f", &f]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    let g = write(&c, "d2.yaml", &manifest("nginx:1", 4, false));
    let changed = c.kubectl_with(&bin, &["diff", "-f", &g]);
    let out = String::from_utf8_lossy(&changed.stdout);
    assert_eq!(
        changed.status.code(),
        Some(1),
        "{out}\n{}",
        String::from_utf8_lossy(&changed.stderr)
    );
    assert!(out.contains("+  replicas: 4"), "{out}");
    assert!(out.contains("-  replicas: 1"), "{out}");
    assert_eq!(get(&c, &bin, "deploy/web")["spec"]["replicas"], 1);
    let ssa = c.kubectl_with(&bin, &["diff", "--server-side", "-f", &g]);
    assert_eq!(
        ssa.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&ssa.stderr)
    );

    // rollout undo patches the template back with a JSON patch.
    c.kubectl_ok(&bin, &["set", "image", "deploy/web", "app=nginx:2"]);
    wait_for("two ReplicaSets", Duration::from_secs(20), || {
        let l = get(&c, &bin, "rs");
        (l["items"].as_array().unwrap().len() >= 2).then_some(())
    });
    c.kubectl_ok(&bin, &["rollout", "undo", "deploy/web"]);
    let d = get(&c, &bin, "deploy/web");
    assert_eq!(container(&d)["image"], "nginx:1");
    assert_kept(&d);
}
