//! Who may do what, route by route: every route the API's router has
//! (`ork::control::http::route_paths`), every method it answers, for every
//! kind of caller — nobody, a join token, node `a`'s certificate, view,
//! edit and admin tokens — against a real `ork control` over TLS.
//!
//! Writes carry `dryRun=All`, so the sweep changes nothing it then reads.
//! "Allowed" means neither 401 nor 403: an allowed request with an empty
//! body is still refused for its body (400), which is the handler speaking,
//! not the authorizer.

use crate::harness::{Cluster, https};
use ork::control::pki::{Ca, DEFAULT_VALIDITY, Profile};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Nobody,
    Joiner,
    NodeA,
    View,
    Edit,
    Admin,
}

struct Caller {
    who: Who,
    http: Client,
    token: Option<String>,
    /// The body of the last answer.
    last: std::cell::RefCell<String>,
}

impl Caller {
    /// The answer's code, and whether the authorizer refused (401, or a
    /// 403 whose message says the caller "may not": a handler's own 403,
    /// such as "the default namespace cannot be deleted", is not one).
    fn try_(&self, c: &Cluster, method: &str, path: &str) -> (u16, bool) {
        let code = self.send(c, method, path, None);
        (
            code,
            code == 401 || (code == 403 && self.last_refused_by_authorizer()),
        )
    }

    fn last_refused_by_authorizer(&self) -> bool {
        self.last.borrow().contains(" may not ")
    }

    fn send(&self, c: &Cluster, method: &str, path: &str, body: Option<&Value>) -> u16 {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = if method == "GET" {
            format!("{}{path}", c.url)
        } else {
            format!("{}{path}{sep}dryRun=All", c.url)
        };
        let mut rb = self.http.request(m, url);
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let r = rb.send().unwrap();
        let code = r.status().as_u16();
        *self.last.borrow_mut() = r.text().unwrap_or_default();
        code
    }
}

fn client_with(c: &Cluster, profile: Profile) -> Client {
    let ca = Ca::load_or_create(&c.data(), DEFAULT_VALIDITY).unwrap();
    let cert = ca.live(&profile).unwrap();
    let pem = std::fs::read(c.ca_file()).unwrap();
    let roots = ork::tls::roots(&ork::tls::certs_from_pem(&pem, "ca").unwrap()).unwrap();
    Client::builder()
        .tls_backend_preconfigured(ork::tls::client_config(roots, Some(&cert)).unwrap())
        .build()
        .unwrap()
}

/// The token a `ork token create` prints.
fn token(c: &Cluster, role: &str) -> String {
    c.ok(&["token", "create", "--role", role])
        .trim()
        .to_string()
}

/// Objects the rules are about: nodes `a` and `b`; pod `pa` on `a` using
/// Secret `sa` and ConfigMap `ca`, pod `pb` on `b` using Secret `sb`; an
/// unused Secret `su` and ConfigMap `cu`; events `ea` (about `pa`) and `eb`
/// (about node `b`); a Deployment `web`.
fn seed(c: &Cluster) {
    let pod = |name: &str, node: &str, secret: &str, cm: &str| {
        format!(
            r#"apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  nodeName: {node}
  containers:
  - name: c
    image: busybox
    command: ["sleep", "1000"]
    env:
    - {{name: A, valueFrom: {{secretKeyRef: {{name: {secret}, key: k}}}}}}
    - {{name: B, valueFrom: {{configMapKeyRef: {{name: {cm}, key: k}}}}}}
"#
        )
    };
    let event = |name: &str, kind: &str, about: &str| {
        format!(
            "apiVersion: v1\nkind: Event\nmetadata: {{name: {name}}}\ninvolvedObject: {{kind: {kind}, name: {about}, namespace: default}}\nreason: Test\nmessage: m\n"
        )
    };
    let mut docs = vec![
        "apiVersion: v1\nkind: Node\nmetadata: {name: a}\n".to_string(),
        "apiVersion: v1\nkind: Node\nmetadata: {name: b}\n".to_string(),
    ];
    for s in ["sa", "sb", "su"] {
        docs.push(format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: {s}}}\nstringData: {{k: v}}\n"
        ));
    }
    for m in ["ca", "cb", "cu"] {
        docs.push(format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {m}}}\ndata: {{k: v}}\n"
        ));
    }
    docs.push(pod("pa", "a", "sa", "ca"));
    docs.push(pod("pb", "b", "sb", "cb"));
    docs.push(event("ea", "Pod", "pa"));
    docs.push(event("eb", "Node", "b"));
    // No replicas: heartbeats sent by the sweep may make node a Ready, and
    // a pod of web landing there would change what a lists.
    docs.push(crate::harness::Deploy::new("web", 0).yaml());
    c.apply(&docs.join("---\n"));
}

/// The concrete paths a route template stands for here.
fn expand(template: &str) -> Vec<String> {
    let t = template.replace("{ns}", "default");
    if !t.contains("{name}") {
        return vec![t];
    }
    let names: &[&str] = if t.contains("/nodes/{name}") {
        &["a", "b"]
    } else if t.contains("/pods/{name}") {
        &["pa", "pb"]
    } else if t.contains("/secrets/{name}") {
        &["sa", "su"]
    } else if t.contains("/configmaps/{name}") {
        &["ca", "cu"]
    } else if t.contains("/events/{name}") {
        &["ea", "eb"]
    } else {
        &["web"]
    };
    names.iter().map(|n| t.replace("{name}", n)).collect()
}

/// What node `a` may reach (Kubernetes' Node authorizer, as the security
/// model says): its own Node, pods bound to it, what they use, services and
/// endpoints, events, and the questions everyone may ask.
fn node_a_may(m: &str, p: &str) -> bool {
    let ns = "/api/v1/namespaces/default";
    let read = m == "GET";
    match p {
        "/version" => read,
        _ if is_discovery(p) => read,
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        | "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
        | "/apis/authentication.k8s.io/v1/selfsubjectreviews" => m == "POST",
        "/api/v1/nodes" => matches!(m, "POST" | "GET"),
        "/api/v1/nodes/a" | "/api/v1/nodes/a/status" => matches!(m, "GET" | "PUT" | "PATCH"),
        "/api/v1/nodes/a/heartbeat" | "/api/v1/nodes/a/usage" | "/api/v1/nodes/a/certificate" => {
            m == "POST"
        }
        _ if p == format!("{ns}/pods/pa") => matches!(m, "GET" | "DELETE"),
        _ if p == format!("{ns}/pods/pa/status") => matches!(m, "GET" | "PUT" | "PATCH"),
        _ if p == format!("{ns}/secrets/sa") || p == format!("{ns}/configmaps/ca") => read,
        // Lists and watches, cut down to what its pods use.
        "/api/v1/secrets" | "/api/v1/configmaps" | "/api/v1/persistentvolumeclaims" => read,
        _ if p == format!("{ns}/secrets")
            || p == format!("{ns}/configmaps")
            || p == format!("{ns}/persistentvolumeclaims") =>
        {
            read
        }
        "/api/v1/services" | "/api/v1/endpoints" => read,
        // What the node's ingress server serves.
        "/apis/networking.k8s.io/v1/ingresses"
        | "/apis/networking.k8s.io/v1/namespaces/default/ingresses"
        | "/apis/networking.k8s.io/v1/namespaces/default/ingresses/web"
        | "/apis/networking.k8s.io/v1/ingressclasses"
        | "/apis/networking.k8s.io/v1/ingressclasses/web" => read,
        _ if p.starts_with(&format!("{ns}/services"))
            || p.starts_with(&format!("{ns}/endpoints")) =>
        {
            read && !p.ends_with("/status")
        }
        _ if p == format!("{ns}/events") => m == "POST",
        _ if p == format!("{ns}/events/ea") => matches!(m, "GET" | "PUT" | "PATCH"),
        _ if p == format!("{ns}/events/eb") => matches!(m, "PUT" | "PATCH"),
        // Tokens of its pods' accounts: the TokenRequest handler refuses a
        // token bound to anything but a pod of this node.
        _ if p == format!("{ns}/serviceaccounts/web/token") => m == "POST",
        _ => false,
    }
}

/// Discovery and OpenAPI, which every authenticated caller reads
/// (Kubernetes' system:discovery role).
fn is_discovery(p: &str) -> bool {
    let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    matches!(
        segs.as_slice(),
        ["api"] | ["api", _] | ["apis"] | ["apis", _] | ["apis", _, _] | ["openapi", ..]
    )
}

/// RBAC objects grant access, admission policies decide what may be
/// written: only admins reach them (as Kubernetes' edit and view roles do
/// not).
fn is_rbac(p: &str) -> bool {
    [
        "/apis/rbac.authorization.k8s.io/v1/",
        "/apis/admissionregistration.k8s.io/v1/",
    ]
    .iter()
    .any(|group| p.strip_prefix(group).is_some_and(|rest| !rest.is_empty()))
}

/// What the view role may do: read everything but Secrets, RBAC objects and /metrics.
fn view_may(m: &str, p: &str) -> bool {
    if p.contains("selfsubject") {
        return m == "POST";
    }
    if is_rbac(p) {
        return false;
    }
    // Streams opened with GET (WebSocket) are `create pods/exec|attach|portforward`.
    let stream = ["/exec", "/attach", "/portforward"]
        .iter()
        .any(|s| p.ends_with(s));
    m == "GET"
        && !p.contains("/secrets")
        && p != "/metrics"
        && p != "/apis/ork.dev/v1/backup"
        && !stream
}

/// What the edit role may do: view's reads, every write to workloads
/// (Secrets written, never read), no changes to nodes or namespaces, no
/// admin paths.
fn edit_may(m: &str, p: &str) -> bool {
    if p.contains("selfsubject") || p == "/apis/ork.dev/v1/apply" {
        return m == "POST";
    }
    if is_rbac(p) {
        return false;
    }
    if p.contains("/secrets") && !p.starts_with("/apis/ork.dev") {
        return m != "GET";
    }
    // IngressClasses say which controller serves Ingresses, Leases who
    // leads the control plane, PriorityClasses how pods rank, StorageClasses
    // which claims get volumes: admins' to write.
    if p.starts_with("/apis/networking.k8s.io/v1/ingressclasses")
        || p.starts_with("/apis/coordination.k8s.io/v1/")
        || p.starts_with("/apis/scheduling.k8s.io/v1/")
        || p.starts_with("/apis/storage.k8s.io/v1/")
    {
        return m == "GET";
    }
    let admin_only = p == "/metrics"
        || p == "/apis/ork.dev/v1/backup"
        || p.starts_with("/apis/ork.dev/v1/secrets")
        || p == "/apis/ork.dev/v1/join";
    let cluster_scoped = p.starts_with("/api/v1/nodes")
        || p == "/api/v1/namespaces"
        || p == "/api/v1/namespaces/default"
        || p == "/api/v1/namespaces/default/status"
        || p.starts_with("/apis/metrics.k8s.io")
        || p.starts_with("/apis/ork.dev");
    if admin_only {
        false
    } else if cluster_scoped {
        m == "GET"
    } else {
        true
    }
}

fn expected(who: Who, m: &str, p: &str) -> bool {
    match who {
        Who::Nobody => false,
        Who::Joiner => m == "POST" && p == "/apis/ork.dev/v1/join",
        Who::NodeA => node_a_may(m, p),
        Who::View => view_may(m, p),
        Who::Edit => edit_may(m, p),
        Who::Admin => true,
    }
}

#[test]
fn every_route_answers_each_kind_of_caller_as_the_security_model_says() {
    let c = Cluster::start(0, "process");
    seed(&c);
    let plain = https(&c.ca_file());
    let join = std::fs::read_to_string(c.data().join("node.token")).unwrap();
    let join_secret = join.trim().rsplit_once("::").unwrap().1.to_string();
    let callers = [
        Caller {
            who: Who::Nobody,
            http: plain.clone(),
            token: None,
            last: Default::default(),
        },
        Caller {
            who: Who::Joiner,
            http: plain.clone(),
            token: Some(join_secret),
            last: Default::default(),
        },
        Caller {
            who: Who::NodeA,
            http: client_with(&c, Profile::node("a", &[])),
            token: None,
            last: Default::default(),
        },
        Caller {
            who: Who::View,
            http: plain.clone(),
            token: Some(token(&c, "view")),
            last: Default::default(),
        },
        Caller {
            who: Who::Edit,
            http: plain.clone(),
            token: Some(token(&c, "edit")),
            last: Default::default(),
        },
        Caller {
            who: Who::Admin,
            http: plain.clone(),
            token: Some(c.admin.clone()),
            last: Default::default(),
        },
    ];
    let admin = &callers[5];
    let mut wrong = vec![];
    let mut checked = 0;
    for template in ork::control::http::route_paths() {
        for path in expand(&template) {
            for m in METHODS {
                // Methods the route does not have: the router says 405 to an admin.
                if admin.send(&c, m, &path, None) == 405 {
                    continue;
                }
                for caller in &callers {
                    let (code, refused) = caller.try_(&c, m, &path);
                    let allowed = !refused;
                    let want = expected(caller.who, m, &path);
                    checked += 1;
                    if caller.who == Who::Nobody && code != 401 {
                        wrong.push(format!("{:?} {m} {path}: {code}, want 401", caller.who));
                    } else if allowed != want {
                        wrong.push(format!(
                            "{:?} {m} {path}: {code}, want {}",
                            caller.who,
                            if want { "allowed" } else { "401/403" }
                        ));
                    }
                }
            }
        }
    }
    eprintln!("{checked} route, method and caller checks");
    assert!(checked > 1000, "only {checked} checks");
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // Node a lists its own pods only, and sees only what its pods use.
    let node = &callers[2];
    let get = |path: &str| -> (u16, Value) {
        let r = node.http.get(format!("{}{path}", c.url)).send().unwrap();
        (r.status().as_u16(), r.json().unwrap_or(Value::Null))
    };
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (code, mine) = get("/api/v1/pods?fieldSelector=spec.nodeName%3Da");
    assert_eq!((code, names(&mine)), (200, vec!["pa".to_string()]));
    assert_eq!(get("/api/v1/pods?fieldSelector=spec.nodeName%3Db").0, 403);
    let (code, secrets) = get("/api/v1/secrets");
    assert_eq!(code, 200);
    assert_eq!(names(&secrets), ["sa"], "only what pa uses");
    let (_, maps) = get("/api/v1/namespaces/default/configmaps");
    assert_eq!(names(&maps), ["ca"]);
}

#[test]
fn a_node_writes_only_its_own_node_and_events_about_its_own_objects() {
    let c = Cluster::start(0, "process");
    seed(&c);
    let node = client_with(&c, Profile::node("a", &[]));
    let send = |m: reqwest::Method, path: &str, ct: &str, body: Value| {
        node.request(m, format!("{}{path}", c.url))
            .header("content-type", ct)
            .body(body.to_string())
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    let merge = "application/merge-patch+json";
    let json_ct = "application/json";
    // Another node: neither patched nor registered in its name.
    let label = json!({"metadata": {"labels": {"zone": "x"}}});
    assert_eq!(
        send(
            reqwest::Method::PATCH,
            "/api/v1/nodes/b",
            merge,
            label.clone()
        ),
        403
    );
    let b = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "b2"}});
    assert_eq!(
        send(reqwest::Method::POST, "/api/v1/nodes", json_ct, b),
        403
    );
    // Its own: status yes; labels it does not own and taints, no.
    assert_eq!(
        send(reqwest::Method::PATCH, "/api/v1/nodes/a", merge, label),
        403
    );
    let taint = json!({"spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]}});
    assert_eq!(
        send(reqwest::Method::PATCH, "/api/v1/nodes/a", merge, taint),
        403
    );
    let owned = json!({"metadata": {"labels": {"kubernetes.io/os": "linux"}}});
    assert_eq!(
        send(reqwest::Method::PATCH, "/api/v1/nodes/a", merge, owned),
        200
    );
    let status = json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}});
    assert_eq!(
        send(
            reqwest::Method::PATCH,
            "/api/v1/nodes/a/status",
            merge,
            status
        ),
        200
    );
    // Events: about its pod yes, about another node's pod no.
    let event = |name: &str, pod: &str| {
        json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
               "involvedObject": {"kind": "Pod", "name": pod, "namespace": "default"},
               "reason": "Started", "message": "m"})
    };
    let events = "/api/v1/namespaces/default/events";
    assert_eq!(
        send(reqwest::Method::POST, events, json_ct, event("e1", "pa")),
        201
    );
    assert_eq!(
        send(reqwest::Method::POST, events, json_ct, event("e2", "pb")),
        403
    );
    // The admin sees what happened and who did it.
    let audit = std::fs::read_to_string(c.data().join("audit.log")).unwrap();
    let line = audit
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["path"] == "/api/v1/nodes/b" && l["user"] == "system:node:a")
        .expect("the refused patch is in the audit log");
    assert_eq!(line["code"], 403);
    assert_eq!(line["verb"], "patch");
    assert!(
        !audit.contains(c.admin.as_str()),
        "no token in the audit log"
    );
}

#[test]
fn roles_answer_can_i_and_whoami_for_the_caller() {
    let c = Cluster::start(0, "process");
    let edit = token(&c, "edit");
    let http = https(&c.ca_file());
    let ask = |t: &str, verb: &str, resource: &str| -> Value {
        http.post(format!(
            "{}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            c.url
        ))
        .bearer_auth(t)
        .json(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                       "spec": {"resourceAttributes": {"namespace": "default", "verb": verb, "resource": resource}}}))
        .send()
        .unwrap()
        .json()
        .unwrap()
    };
    assert_eq!(ask(&edit, "create", "pods")["status"]["allowed"], true);
    assert_eq!(ask(&edit, "get", "secrets")["status"]["allowed"], false);
    assert_eq!(ask(&c.admin, "get", "secrets")["status"]["allowed"], true);
    let me: Value = http
        .post(format!(
            "{}/apis/authentication.k8s.io/v1/selfsubjectreviews",
            c.url
        ))
        .bearer_auth(&edit)
        .json(&json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = edit.split('.').next().unwrap();
    assert_eq!(me["status"]["userInfo"]["username"], format!("token:{id}"));
    assert!(
        me["status"]["userInfo"]["groups"]
            .as_array()
            .unwrap()
            .contains(&json!("ork:edit"))
    );
    // The edit token writes a Secret, cannot read it back, cannot cordon.
    let out = c.ork_with_token(
        &edit,
        &["create", "secret", "generic", "s1", "--from-literal", "k=v"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = c.ork_with_token(&edit, &["get", "secret", "s1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Forbidden"));
    // A revoked token stops working at once.
    let id = edit.split('.').next().unwrap().to_string();
    c.ok(&["token", "revoke", &id]);
    let out = c.ork_with_token(&edit, &["get", "pods"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Unauthorized"));
    let listed = c.ok(&["token", "list"]);
    assert!(!listed.contains(&id), "{listed}");
    // A user with a certificate: its kubeconfig works on its own, in its role.
    let file = c.dir.path().join("alice.kubeconfig");
    c.ok(&[
        "user",
        "create",
        "alice",
        "--role",
        "view",
        "--out",
        file.to_str().unwrap(),
    ]);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let as_alice = |args: &[&str]| {
        std::process::Command::new(crate::harness::ORK)
            .args(args)
            .env("ORK_CONFIG", &file)
            .env_remove("ORK_SERVER")
            .env_remove("ORK_TOKEN")
            .env_remove("ORK_CA")
            .output()
            .unwrap()
    };
    let out = as_alice(&["get", "pods"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = as_alice(&["get", "secrets"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Forbidden"));
    let out = as_alice(&["user", "create", "mallory", "--role", "admin"]);
    assert!(!out.status.success(), "a viewer makes no admins");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Forbidden"));
}
