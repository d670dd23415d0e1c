//! RBAC and bound service-account tokens through the real API: the RBAC
//! examples of the Kubernetes documentation apply unchanged and show
//! kubectl's columns; a pod whose ServiceAccount is bound to a Role that
//! allows `list pods` lists them with the official Python client's
//! `load_incluster_config` (process runtime, a root node: the token
//! directory is mounted at /var/run/secrets/kubernetes.io/serviceaccount in
//! the container's own mount namespace) and gets 403 listing Secrets; its
//! token is refused once expired and once the pod is deleted.
//!
//! The in-cluster client runs in the interpreter `ORK_PYTHON` names (a venv
//! with `kubernetes`), else `python3`; with `ORK_REQUIRE_KUBECTL=1` a
//! missing client fails the test.

use crate::harness::{Cluster, wait_for};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A Python with the Kubernetes client, or `None` (skip) when there is none
/// and none is required.
fn python() -> Option<String> {
    let candidate = std::env::var("ORK_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&candidate)
        .args(["-c", "import kubernetes"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("ORK_REQUIRE_KUBECTL").as_deref() != Ok("1"),
            "ORK_REQUIRE_KUBECTL=1 but {candidate} has no `kubernetes` (set ORK_PYTHON to a venv's python)"
        );
        eprintln!("skipping: {candidate} lacks the kubernetes client");
        return None;
    }
    Some(candidate)
}

const ACCOUNT: &str = r#"apiVersion: v1
kind: ServiceAccount
metadata: {name: reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: list-pods}
rules:
- apiGroups: [""]
  resources: ["pods", "pods/log"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-lists-pods}
subjects:
- kind: ServiceAccount
  name: reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: list-pods
"#;

#[test]
fn the_rbac_examples_of_the_kubernetes_docs_apply_and_show_kubectls_columns() {
    let c = Cluster::start(0, "process");
    c.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: development}\n");
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/docs_examples/kubernetes/rbac");
    for f in [
        "simple-role.yaml",
        "simple-rolebinding-with-role.yaml",
        "simple-clusterrole.yaml",
        "simple-clusterrolebinding.yaml",
        "simple-rolebinding-with-clusterrole.yaml",
        "endpoints-aggregated.yaml",
    ] {
        c.ok(&["apply", "-f", docs.join(f).to_str().unwrap()]);
    }
    let roles = c.ok(&["get", "roles"]);
    assert!(roles.starts_with("NAME"), "{roles}");
    assert!(
        roles.contains("CREATED AT") && roles.contains("pod-reader"),
        "{roles}"
    );
    let bindings = c.ok(&["get", "rolebindings", "-o", "wide"]);
    let row = bindings
        .lines()
        .find(|l| l.starts_with("read-pods"))
        .unwrap_or_else(|| panic!("{bindings}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[1], "Role/pod-reader", "{bindings}");
    assert_eq!(cells.last(), Some(&"jane"), "{bindings}");
    let crb = c.ok(&["get", "clusterrolebindings"]);
    assert!(crb.contains("ClusterRole/secret-reader"), "{crb}");
    let cr = c.ok(&["get", "clusterroles"]);
    assert!(cr.contains("custom:aggregate-to-edit:endpoints"), "{cr}");
    let described = c.ok(&["describe", "clusterrole", "secret-reader"]);
    assert!(
        described.lines().any(|l| l
            .split_whitespace()
            .eq(["secrets", "[]", "[]", "[get", "watch", "list]"])),
        "{described}"
    );
    let described = c.ok(&[
        "describe",
        "rolebinding",
        "read-secrets",
        "-n",
        "development",
    ]);
    assert!(
        described.contains("ClusterRole") && described.contains("dave"),
        "{described}"
    );

    // roleRef cannot change.
    let moved = c.dir.path().join("moved.yaml");
    std::fs::write(
        &moved,
        std::fs::read_to_string(docs.join("simple-rolebinding-with-role.yaml"))
            .unwrap()
            .replace("kind: \"Role\", #this", "kind: \"ClusterRole\", #this"),
    )
    .unwrap();
    let out = c.ork(&["apply", "-f", moved.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("roleRef"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_pods_service_account_lists_what_its_role_allows_and_its_token_dies_with_the_pod() {
    let Some(py) = python() else { return };
    let mut c = Cluster::start(0, "process");
    c.add_node_with("n1", "process", &["--allow-root-pods"]);
    c.apply(ACCOUNT);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/incluster_list_pods.py");
    // Root: the interpreter of the test machine may live under /root.
    c.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata: {{name: lister, labels: {{app: lister}}}}
spec:
  serviceAccountName: reader
  restartPolicy: Never
  securityContext: {{runAsUser: 0}}
  containers:
  - name: py
    image: python
    command: ["{py}", "{script}"]
"#,
        script = script.display()
    ));
    let logs = wait_for(
        "the in-cluster client's answers",
        Duration::from_secs(60),
        || {
            let out = c.ork(&["logs", "lister"]);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.contains("SECRETS").then_some(text)
        },
    );
    assert!(
        logs.lines()
            .any(|l| l.split_whitespace().eq(["PODS", "lister"])),
        "{logs}"
    );
    assert!(logs.contains("SECRETS 403"), "{logs}");

    // The token the pod was given: allowed, denied and refused as its Role says.
    let pod = c.json(&["get", "pod", "lister"]).unwrap();
    let uid = pod["metadata"]["uid"].as_str().unwrap().to_string();
    let dir = c.pods_dir("n1").join(&uid).join("serviceaccount");
    let token = std::fs::read_to_string(dir.join("token")).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("namespace")).unwrap(),
        "default"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("ca.crt")).unwrap(),
        std::fs::read_to_string(c.ca_file()).unwrap()
    );
    assert_eq!(c.get_as(&token, "/api/v1/namespaces/default/pods").0, 200);
    let (code, body) = c.get_as(&token, "/api/v1/namespaces/default/secrets");
    assert_eq!(code, 403, "{body}");
    assert!(
        body.contains("system:serviceaccount:default:reader may not list secrets"),
        "{body}"
    );
    assert_eq!(
        c.get_as(&token, "/api/v1/namespaces/kube-system/pods").0,
        403
    );
    let who: serde_json::Value = c
        .http()
        .post(format!(
            "{}/apis/authentication.k8s.io/v1/selfsubjectreviews",
            c.url
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let user = &who["status"]["userInfo"];
    assert_eq!(
        user["username"], "system:serviceaccount:default:reader",
        "{who}"
    );
    assert!(
        user["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "system:serviceaccounts:default"),
        "{who}"
    );

    // The same claims, expired, signed with the cluster's key: refused.
    let key = ork::api::bound_token::derive_key(&std::fs::read(c.data().join("ca.key")).unwrap());
    let now = chrono::Utc::now().timestamp();
    let mut claims = ork::api::bound_token::verify(&key, &token, now).unwrap();
    claims.iat = now - 7200;
    claims.nbf = now - 7200;
    claims.exp = now - 60;
    let expired = ork::api::bound_token::sign(&key, &claims);
    let (code, body) = c.get_as(&expired, "/api/v1/namespaces/default/pods");
    assert_eq!(code, 401, "{body}");
    assert!(body.contains("expired"), "{body}");

    // TokenRequest refuses what Kubernetes refuses, and answers the rest.
    let ask = |body: serde_json::Value| {
        c.http()
            .post(format!(
                "{}/api/v1/namespaces/default/serviceaccounts/reader/token",
                c.url
            ))
            .bearer_auth(&c.admin)
            .json(&body)
            .send()
            .unwrap()
    };
    let r = ask(serde_json::json!({"spec": {"expirationSeconds": 60}}));
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("less than 10 minutes"));
    let r = ask(
        serde_json::json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
        "spec": {"boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "lister", "uid": uid}}}),
    );
    assert_eq!(r.status().as_u16(), 201);
    let answer: serde_json::Value = r.json().unwrap();
    let second = answer["status"]["token"].as_str().unwrap().to_string();
    assert!(
        answer["status"]["expirationTimestamp"].is_string(),
        "{answer}"
    );
    assert_eq!(c.get_as(&second, "/api/v1/namespaces/default/pods").0, 200);

    // Once the pod is gone, its tokens are refused.
    c.ok(&["delete", "pod", "lister", "--grace-period=0"]);
    wait_for("the pod gone", Duration::from_secs(30), || {
        c.json(&["get", "pod", "lister"]).is_none().then_some(())
    });
    for t in [&token, &second] {
        let (code, body) = c.get_as(t, "/api/v1/namespaces/default/pods");
        assert_eq!(code, 401, "{body}");
        assert!(body.contains("no longer exists"), "{body}");
    }
}
