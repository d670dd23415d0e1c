//! Service-account tokens in projected volumes (`serviceAccountToken`
//! sources), as the Kubernetes documentation's examples write them: a token
//! for the API and one for another audience, each bound to the pod, with
//! the lifetime asked for, in the volume's mode, beside a ConfigMap of the
//! same volume; the API takes the first, refuses the second, and refuses
//! both once the pod is gone.

use crate::harness::{Cluster, marker, wait_for};
use base64::Engine;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

/// The claims of a JWT, unverified.
fn claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn a_projected_volume_holds_tokens_bound_to_the_pod_for_their_audiences() {
    let c = Cluster::start(1, "process");
    let m = marker();
    c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ca}\ndata: {bundle: pem}\n");
    c.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata: {{name: tokened, labels: {{app: tokened}}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo DIR $ORK_VOLUME_TOKENS; exec sleep {m}"]
    volumeMounts:
    - {{name: tokens, mountPath: /var/run/secrets/tokens}}
  volumes:
  - name: tokens
    projected:
      defaultMode: 0640
      sources:
      - serviceAccountToken: {{path: api-token}}
      - serviceAccountToken:
          path: vault/token
          audience: vault
          expirationSeconds: 7200
      - configMap:
          name: ca
          items: [{{key: bundle, path: ca.pem}}]
"#
    ));
    c.wait_running("app=tokened", 1);
    let dir = wait_for("the pod's output", Duration::from_secs(20), || {
        let l = c.ok(&["logs", "tokened"]);
        l.lines()
            .find_map(|l| l.strip_prefix("DIR "))
            .map(|d| PathBuf::from(d.trim()))
    });
    let api = std::fs::read_to_string(dir.join("api-token")).unwrap();
    let vault = std::fs::read_to_string(dir.join("vault/token")).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("ca.pem")).unwrap(),
        "pem",
        "the ConfigMap source beside the tokens"
    );
    for f in ["api-token", "vault/token", "ca.pem"] {
        let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "{f}");
    }
    // Tokens are secrets: on tmpfs, not under the node's pods dir on disk.
    assert!(
        !dir.starts_with(c.pods_dir("n1")),
        "{} is on disk",
        dir.display()
    );

    let pod = c.json(&["get", "pod", "tokened"]).unwrap();
    let uid = pod["metadata"]["uid"].as_str().unwrap();
    let (a, v) = (claims(&api), claims(&vault));
    assert_eq!(a["sub"], "system:serviceaccount:default:default", "{a}");
    assert_eq!(a["kubernetes.io"]["pod"]["uid"], uid, "{a}");
    assert_eq!(
        a["exp"].as_i64().unwrap() - a["iat"].as_i64().unwrap(),
        3600,
        "the default lifetime: {a}"
    );
    assert_eq!(v["aud"], serde_json::json!(["vault"]), "{v}");
    assert_eq!(
        v["exp"].as_i64().unwrap() - v["iat"].as_i64().unwrap(),
        7200
    );

    // The API knows the first (the default account may not list pods: 403,
    // not 401) and refuses the one made for another audience.
    let (code, body) = c.get_as(&api, "/api/v1/namespaces/default/pods");
    assert_eq!(code, 403, "{body}");
    let (code, body) = c.get_as(&vault, "/api/v1/namespaces/default/pods");
    assert_eq!(code, 401, "{body}");
    assert!(body.contains("audience"), "{body}");

    // Rewriting the volume for its ConfigMap keeps the tokens.
    c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ca}\ndata: {bundle: pem2}\n");
    wait_for(
        "the ConfigMap change in the volume",
        Duration::from_secs(30),
        || (std::fs::read_to_string(dir.join("ca.pem")).ok()? == "pem2").then_some(()),
    );
    assert_eq!(std::fs::read_to_string(dir.join("api-token")).unwrap(), api);

    c.ok(&["delete", "pod", "tokened", "--grace-period=0"]);
    wait_for("the pod gone", Duration::from_secs(30), || {
        c.json(&["get", "pod", "tokened"]).is_none().then_some(())
    });
    let (code, body) = c.get_as(&api, "/api/v1/namespaces/default/pods");
    assert_eq!(code, 401, "{body}");
    assert!(body.contains("no longer exists"), "{body}");
}
