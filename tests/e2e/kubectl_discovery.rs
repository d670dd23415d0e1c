//! The real kubectl finding its way around ork: discovery (`api-resources`,
//! `api-versions`, `get` with no discovery errors), validation left to the
//! server through the OpenAPI documents (`apply -f` validates by default
//! and refuses a misspelled field, naming it), `explain` from the OpenAPI
//! v3 schema; for the default kubectl and 1.27 and 1.33 when present. Also
//! the raw endpoints kubectl does not show: aggregated discovery's
//! Content-Type, `fieldValidation=Warn|Ignore`, `/livez` and `/readyz`.

use crate::harness::Cluster;
use crate::kubectl::{kubectl_version, require_kubectl};
use std::path::PathBuf;

/// The default kubectl, then 1.27 and 1.33 where the machine has them.
fn kubectls() -> Option<Vec<PathBuf>> {
    let mut bins = vec![require_kubectl()?];
    bins.extend([27, 33].into_iter().filter_map(kubectl_version));
    Some(bins)
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: NAME
spec:
  replicas: 1
  selector:
    matchLabels: {app: NAME}
  template:
    metadata:
      labels: {app: NAME}
    spec:
      containers:
      - name: web
        image: nginx
";

/// Writes a manifest into the test's directory.
fn manifest(c: &Cluster, file: &str, text: &str) -> String {
    let p = c.dir.path().join(file);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn kubectl_lists_every_kind_and_gets_without_discovery_errors() {
    let Some(bins) = kubectls() else { return };
    let c = Cluster::start(0, "fake");
    for bin in &bins {
        let v = bin.display();
        let out = c.kubectl_ok(bin, &["api-resources", "--no-headers"]);
        let rows: Vec<Vec<&str>> = out
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        for kind in ork::api::Kind::ALL {
            let i = kind.info();
            let row = rows
                .iter()
                .find(|r| r[0] == i.plural && r.contains(&i.api_version))
                .unwrap_or_else(|| panic!("{v}: {} not listed:\n{out}", i.plural));
            for short in i.short_names {
                assert_eq!(row[1], *short, "{v}: {row:?}");
            }
            assert!(row.contains(&i.kind), "{v}: {row:?}");
        }
        let versions = c.kubectl_ok(bin, &["api-versions"]);
        for gv in ["v1", "apps/v1", "autoscaling/v2", "autoscaling/v1"] {
            assert!(
                versions.lines().any(|l| l == gv),
                "{v}: {gv} missing:\n{versions}"
            );
        }
        for args in [
            &["get", "pods"][..],
            &["get", "all"],
            &["get", "hpa,deploy,svc"],
        ] {
            let o = c.kubectl_with(bin, args);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert!(o.status.success(), "{v} {args:?}: {stderr}");
            let noise: Vec<&str> = stderr
                .lines()
                .filter(|l| !l.starts_with("No resources found"))
                .collect();
            assert!(noise.is_empty(), "{v} {args:?} printed:\n{stderr}");
        }
    }
}

#[test]
fn kubectl_apply_validates_on_the_server_and_explain_reads_the_schema() {
    let Some(bins) = kubectls() else { return };
    let c = Cluster::start(0, "fake");
    for (n, bin) in bins.iter().enumerate() {
        let v = bin.display();
        let good = manifest(
            &c,
            "good.yaml",
            &DEPLOYMENT.replace("NAME", &format!("web{n}")),
        );
        let out = c.kubectl_ok(bin, &["apply", "-f", &good]);
        assert!(
            out.contains(&format!("deployment.apps/web{n} created")),
            "{v}: {out}"
        );
        let name = format!("typo{n}");
        let bad = DEPLOYMENT
            .replace("NAME", &name)
            .replace("replicas:", "replicass:");
        let bad = manifest(&c, "bad.yaml", &bad);
        for verb in ["apply", "create"] {
            let o = c.kubectl_with(bin, &[verb, "-f", &bad]);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert!(
                !o.status.success(),
                "{v} {verb}: accepted a misspelled field"
            );
            assert!(
                stderr.contains(r#"unknown field "spec.replicass""#),
                "{v} {verb}: {stderr}"
            );
        }
        let o = c.kubectl_with(bin, &["get", "deployment", &name]);
        assert!(!o.status.success(), "{v}: the refused Deployment exists");

        let out = c.kubectl_ok(bin, &["explain", "deployment.spec.replicas"]);
        assert!(out.contains("FIELD: replicas <integer>"), "{v}: {out}");
        assert!(out.contains("Desired pods (default 1)."), "{v}: {out}");
        let out = c.kubectl_ok(bin, &["explain", "pods.spec.containers"]);
        assert!(out.contains("image\t<string>"), "{v}: {out}");
        assert!(out.contains("The image to run"), "{v}: {out}");
        let out = c.kubectl_ok(bin, &["explain", "deployment", "--recursive"]);
        assert!(
            out.contains("rollingUpdate\t<RollingUpdateDeployment>"),
            "{v}: {out}"
        );
    }
    let out = c.ok(&["explain", "deployment.spec.strategy"]);
    assert!(
        out.contains("FIELD: strategy <DeploymentStrategy>"),
        "{out}"
    );
}

#[test]
fn field_validation_warns_or_ignores_and_discovery_answers_as_asked() {
    let c = Cluster::start(0, "fake");
    let http = c.http();
    let post = |q: &str, body: &str| {
        http.post(format!(
            "{}/api/v1/namespaces/default/configmaps?{q}",
            c.url
        ))
        .bearer_auth(&c.admin)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .unwrap()
    };
    let cm = |name: &str| {
        format!(
            r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{name}"}},"data":{{"a":"b"}},"colour":"red"}}"#
        )
    };
    let r = post("fieldValidation=Strict", &cm("strict"));
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().unwrap().contains(r#"unknown field \"colour\""#));
    let r = post("fieldValidation=Warn", &cm("warn"));
    assert_eq!(r.status().as_u16(), 201);
    let warning = r
        .headers()
        .get("warning")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(warning, r#"299 - "unknown field \"colour\"""#);
    let r = post("fieldValidation=Ignore", &cm("ignore"));
    assert_eq!(r.status().as_u16(), 201);
    assert!(r.headers().get("warning").is_none());
    assert_eq!(
        post("fieldValidation=Loose", &cm("loose"))
            .status()
            .as_u16(),
        400
    );
    let names = c.ok(&["get", "configmaps", "-o", "name"]);
    assert!(names.contains("configmap/warn") && names.contains("configmap/ignore"));
    assert!(
        !names.contains("strict") && !names.contains("loose"),
        "{names}"
    );

    // Aggregated discovery when asked for, with its Content-Type.
    let get = |path: &str, accept: &str| {
        http.get(format!("{}{path}", c.url))
            .bearer_auth(&c.admin)
            .header("Accept", accept)
            .send()
            .unwrap()
    };
    let r = get(
        "/apis",
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
    );
    assert_eq!(
        r.headers()["content-type"],
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    let body: serde_json::Value = r.json().unwrap();
    assert_eq!(body["kind"], "APIGroupDiscoveryList");
    let body: serde_json::Value = get("/apis/", "application/json").json().unwrap();
    assert_eq!(body["kind"], "APIGroupList");
    let body: serde_json::Value = get("/api/v1/", "application/json").json().unwrap();
    assert_eq!(body["kind"], "APIResourceList");
    let r = get("/openapi/v2", "text/html");
    assert_eq!(r.status().as_u16(), 406);

    // Health checks need no credentials.
    for (path, last) in [
        ("/livez?verbose", "livez check passed"),
        ("/readyz?verbose", "readyz check passed"),
    ] {
        let r = http.get(format!("{}{path}", c.url)).send().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let text = r.text().unwrap();
        assert!(
            text.contains("[+]ping ok") && text.trim_end().ends_with(last),
            "{text}"
        );
    }
    assert_eq!(
        http.get(format!("{}/readyz", c.url))
            .send()
            .unwrap()
            .text()
            .unwrap(),
        "ok"
    );
}
