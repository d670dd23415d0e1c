//! The API over real HTTPS on loopback, against a real SQLite store.

use super::*;
use crate::api::Namespace;
use crate::control::store::Sqlite;
use serde_json::{Value, json};

struct Server {
    url: String,
    admin: String,
    /// Trusts the cluster CA, presents no certificate.
    http: reqwest::Client,
    store: Store,
    ca: Arc<Ca>,
    app: Arc<App>,
    _dir: tempfile::TempDir,
}

/// The API over TLS on loopback, as `ork control` serves it, with a CA of
/// its own and the admin token.
async fn server() -> Server {
    server_with(Default::default()).await
}

/// [`server`] with its own concurrency budgets.
async fn server_with(fairness: crate::control::fairness::Fairness) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Arc::new(Sqlite::open(&dir.path().join("ork.db")).unwrap())).unwrap();
    for ns in ["default", "kube-system"] {
        crate::control::daemon::ensure_namespace(&store, ns)
            .await
            .unwrap();
    }
    let admin = crate::control::auth::admin_token(&dir.path().join("data")).unwrap();
    let ca =
        Arc::new(Ca::load_or_create(dir.path(), crate::control::pki::DEFAULT_VALIDITY).unwrap());
    let (dns, ips) = crate::control::pki::serving_names("127.0.0.1".parse().unwrap(), &[]);
    let serving = crate::control::pki::serving_cert(&ca, dir.path(), &dns, &ips).unwrap();
    let roots = crate::tls::roots(std::slice::from_ref(ca.cert())).unwrap();
    let app = Arc::new(App {
        store: store.clone(),
        authn: Authenticator::new(admin.clone(), store.clone()),
        ca: ca.clone(),
        leases: Leases::default(),
        nodes: NodeClients::new(
            roots.clone(),
            ca.live(&crate::control::pki::Profile::control()).unwrap(),
        ),
        usage: Default::default(),
        metrics_public: false,
        shutdown: tokio::sync::watch::channel(false).1,
        scheduling_strategy: Default::default(),
        audit: AuditLog::off(),
        fairness,
        data_dir: dir.path().to_path_buf(),
    });
    let tls = crate::tls::server_config(&serving, crate::tls::ClientAuth::Optional(roots)).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    // The server lives as long as the test's runtime.
    std::mem::forget(stop_tx);
    tokio::spawn(crate::serve::serve(
        listener,
        Some(Arc::new(tls)),
        router(app.clone()),
        crate::serve::Limits::default(),
        stop,
    ));
    let mut s = Server {
        url: format!("https://{addr}"),
        admin,
        http: reqwest::Client::new(),
        store,
        ca,
        app,
        _dir: dir,
    };
    s.http = s.client_as(None);
    s
}

impl Server {
    /// A client trusting the cluster CA, presenting `cert` if given.
    fn client_as(&self, cert: Option<&crate::tls::LiveCert>) -> reqwest::Client {
        let roots = crate::tls::roots(std::slice::from_ref(self.ca.cert())).unwrap();
        reqwest::Client::builder()
            .tls_backend_preconfigured(crate::tls::client_config(roots, cert).unwrap())
            .build()
            .unwrap()
    }

    /// A client presenting node `name`'s certificate.
    fn node_client(&self, name: &str) -> reqwest::Client {
        let cert = self
            .ca
            .live(&crate::control::pki::Profile::node(name, &[]))
            .unwrap();
        self.client_as(Some(&cert))
    }

    fn req(&self, m: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(m, format!("{}{path}", self.url))
            .bearer_auth(&self.admin)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn post_nothing(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, None).await
    }

    async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    async fn send(&self, m: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self.req(m, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        let code = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            code,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

fn pod_json(name: &str, labels: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "100"]}]}
    })
}

fn deployment_json(name: &str, replicas: i32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "command": ["sleep", "100"]}]}
            }
        }
    })
}

#[tokio::test]
async fn health_needs_no_token_and_every_other_route_does() {
    let s = server().await;
    let r = s
        .http
        .get(format!("{}/healthz", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for (m, path) in [
        ("GET", "/version"),
        ("GET", "/api/v1/pods"),
        ("GET", "/api/v1/namespaces/default/pods"),
        ("GET", "/api/v1/namespaces/default/pods/x"),
        ("POST", "/api/v1/namespaces/default/pods"),
        ("PUT", "/api/v1/namespaces/default/pods/x"),
        ("DELETE", "/api/v1/namespaces/default/pods/x"),
        ("GET", "/api/v1/namespaces/default/pods?watch=true"),
        ("GET", "/apis/apps/v1/namespaces/default/deployments"),
        (
            "PUT",
            "/apis/apps/v1/namespaces/default/deployments/x/scale",
        ),
        ("GET", "/api/v1/nodes"),
        ("POST", "/api/v1/nodes/n1/heartbeat"),
        ("GET", "/apis/ork.dev/v1/heartbeats"),
        ("GET", "/api/v1/namespaces/default/pods/x/log"),
        ("POST", "/apis/ork.dev/v1/apply"),
        ("GET", "/no/such/route"),
    ] {
        let m = reqwest::Method::from_bytes(m.as_bytes()).unwrap();
        for token in [None, Some("wrong")] {
            let mut r = s.http.request(m.clone(), format!("{}{path}", s.url));
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            let resp = r.send().await.unwrap();
            assert_eq!(resp.status(), 401, "{m} {path} with {token:?}");
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["reason"], "Unauthorized");
            assert_eq!(body["code"], 401);
        }
    }
}

#[tokio::test]
async fn a_node_cannot_reach_workloads_and_lists_only_its_own_pods() {
    let s = server().await;
    let node = s.node_client("n1");
    let get = |path: &str| node.get(format!("{}{path}", s.url)).send();
    assert_eq!(
        get("/apis/apps/v1/deployments").await.unwrap().status(),
        403
    );
    assert_eq!(get("/api/v1/pods").await.unwrap().status(), 403);
    let mine = get("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1")
        .await
        .unwrap();
    assert_eq!(mine.status(), 200);
    let theirs = get("/api/v1/pods?fieldSelector=spec.nodeName%3Dn2")
        .await
        .unwrap();
    assert_eq!(theirs.status(), 403);
}

#[tokio::test]
async fn pods_are_created_read_listed_by_label_and_deleted() {
    let s = server().await;
    let (code, created) = s
        .post(
            "/api/v1/namespaces/default/pods",
            pod_json("a", json!({"app": "web"})),
        )
        .await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["metadata"]["namespace"], "default");
    assert!(created["metadata"]["uid"].as_str().unwrap().len() > 10);
    s.post(
        "/api/v1/namespaces/default/pods",
        pod_json("b", json!({"app": "db"})),
    )
    .await;
    let (code, got) = s.get("/api/v1/namespaces/default/pods/a").await;
    assert_eq!(code, 200);
    assert_eq!(got["metadata"]["name"], "a");
    let (_, list) = s.get("/api/v1/pods?labelSelector=app%3Dweb").await;
    assert_eq!(list["kind"], "PodList");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["metadata"]["name"], "a");
    let (code, _) = s.delete("/api/v1/namespaces/default/pods/a").await;
    assert_eq!(code, 200);
    let (code, err) = s.get("/api/v1/namespaces/default/pods/a").await;
    assert_eq!(code, 404);
    assert_eq!(err["reason"], "NotFound");
    assert!(err["message"].as_str().unwrap().contains("\"a\""));
}

#[tokio::test]
async fn a_stale_write_is_refused_with_409() {
    let s = server().await;
    let (_, created) = s
        .post("/api/v1/namespaces/default/pods", pod_json("a", json!({})))
        .await;
    let mut first = created.clone();
    first["metadata"]["labels"] = json!({"x": "1"});
    let (code, _) = s.put("/api/v1/namespaces/default/pods/a", first).await;
    assert_eq!(code, 200);
    let mut stale = created;
    stale["metadata"]["labels"] = json!({"x": "2"});
    let (code, err) = s.put("/api/v1/namespaces/default/pods/a", stale).await;
    assert_eq!(code, 409);
    assert_eq!(err["reason"], "Conflict");
    assert!(err["message"].as_str().unwrap().contains("retry"));
}

#[tokio::test]
async fn invalid_objects_get_422_with_every_field() {
    let s = server().await;
    let mut p = pod_json("Bad_Name", json!({}));
    p["spec"]["containers"][0]["name"] = json!("Also Bad");
    let (code, err) = s.post("/api/v1/namespaces/default/pods", p).await;
    assert_eq!(code, 422);
    assert_eq!(err["reason"], "Invalid");
    let fields: Vec<&str> = err["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["metadata.name", "spec.containers[0].name"]);
}

#[tokio::test]
async fn unknown_fields_in_a_body_are_refused_with_their_path() {
    let s = server().await;
    let mut p = pod_json("a", json!({}));
    p["spec"]["containers"][0]["imagePullPolcy"] = json!("Always");
    let (code, err) = s.post("/api/v1/namespaces/default/pods", p).await;
    assert_eq!(code, 400);
    let msg = err["message"].as_str().unwrap();
    assert!(msg.contains("spec.containers[0]"), "{msg}");
    assert!(msg.contains("imagePullPolcy"), "{msg}");
}

#[tokio::test]
async fn bodies_over_3_mib_get_413_as_json() {
    let s = server().await;
    let mut p = pod_json("a", json!({}));
    p["metadata"]["annotations"] = json!({"big": "x".repeat(4 << 20)});
    let (code, err) = s.post("/api/v1/namespaces/default/pods", p).await;
    assert_eq!(code, 413);
    assert_eq!(err["code"], 413);
    assert!(s.store.get::<Pod>("default", "a").is_none());
}

use crate::api::Pod;

async fn read_line(resp: &mut reqwest::Response, buf: &mut Vec<u8>) -> Value {
    loop {
        if let Some(i) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=i).collect();
            return serde_json::from_slice(&line).unwrap();
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), resp.chunk())
            .await
            .expect("a watch event within 5 s")
            .unwrap()
            .expect("stream open");
        buf.extend_from_slice(&chunk);
    }
}

#[tokio::test]
async fn a_watch_streams_changes_and_resumes_from_a_revision() {
    let s = server().await;
    s.post(
        "/api/v1/namespaces/default/pods",
        pod_json("a", json!({"app": "web"})),
    )
    .await;
    let mut resp = s
        .req(
            reqwest::Method::GET,
            "/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dweb",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut buf = vec![];
    let ev = read_line(&mut resp, &mut buf).await;
    assert_eq!(ev["type"], "ADDED");
    assert_eq!(ev["object"]["metadata"]["name"], "a");
    let rv: u64 = ev["object"]["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // A pod that does not match is not sent; relabelling the watched one away is a DELETED.
    s.post(
        "/api/v1/namespaces/default/pods",
        pod_json("b", json!({"app": "db"})),
    )
    .await;
    let (_, a) = s.get("/api/v1/namespaces/default/pods/a").await;
    let mut relabelled = a.clone();
    relabelled["metadata"]["labels"] = json!({"app": "other"});
    s.put("/api/v1/namespaces/default/pods/a", relabelled).await;
    let ev = read_line(&mut resp, &mut buf).await;
    assert_eq!(ev["type"], "DELETED");
    assert_eq!(ev["object"]["metadata"]["name"], "a");
    // Resuming from the first revision replays what came after.
    let mut resp = s
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/namespaces/default/pods?watch=true&resourceVersion={rv}"),
        )
        .send()
        .await
        .unwrap();
    let mut buf = vec![];
    let ev = read_line(&mut resp, &mut buf).await;
    assert_eq!(
        (
            ev["type"].as_str(),
            ev["object"]["metadata"]["name"].as_str()
        ),
        (Some("ADDED"), Some("b"))
    );
    let ev = read_line(&mut resp, &mut buf).await;
    assert_eq!(
        (
            ev["type"].as_str(),
            ev["object"]["metadata"]["name"].as_str()
        ),
        (Some("MODIFIED"), Some("a"))
    );
}

#[tokio::test]
async fn scale_and_merge_patch_change_replicas() {
    let s = server().await;
    let (code, _) = s
        .post(
            "/apis/apps/v1/namespaces/default/deployments",
            deployment_json("web", 3),
        )
        .await;
    assert_eq!(code, 201);
    let (code, scale) = s
        .put(
            "/apis/apps/v1/namespaces/default/deployments/web/scale",
            json!({"spec": {"replicas": 5}}),
        )
        .await;
    assert_eq!(code, 200, "{scale}");
    assert_eq!(scale["spec"]["replicas"], 5);
    assert_eq!(scale["status"]["selector"], "app=web");
    let resp = s
        .req(
            reqwest::Method::PATCH,
            "/apis/apps/v1/namespaces/default/deployments/web",
        )
        .header("content-type", "application/merge-patch+json")
        .body(json!({"spec": {"replicas": 1}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let d: Value = resp.json().await.unwrap();
    assert_eq!(d["spec"]["replicas"], 1);
    assert_eq!(d["metadata"]["generation"], 3);
}

#[tokio::test]
async fn apply_is_all_or_nothing_and_three_way() {
    let s = server().await;
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}});
    let mut d = deployment_json("web", 2);
    d["metadata"]["namespace"] = json!("shop");
    let mut bad = deployment_json("Bad_Name", 1);
    bad["metadata"]["namespace"] = json!("shop");
    // Namespace listed last still comes first; a bad third item keeps everything out.
    let (code, err) = s
        .post(
            "/apis/ork.dev/v1/apply",
            json!({"items": [d.clone(), bad, ns.clone()]}),
        )
        .await;
    assert_eq!(code, 422, "{err}");
    assert_eq!(err["details"]["item"], 1);
    assert!(s.store.get::<Namespace>("", "shop").is_none());
    let (code, out) = s
        .post(
            "/apis/ork.dev/v1/apply",
            json!({"items": [d.clone(), ns.clone()]}),
        )
        .await;
    assert_eq!(code, 200, "{out}");
    assert_eq!(out["items"][0]["action"], "created");
    assert_eq!(out["items"][1]["action"], "created");
    // Scaled by someone else; a manifest without replicas keeps that scale.
    let mut no_replicas = d.clone();
    no_replicas["spec"]
        .as_object_mut()
        .unwrap()
        .remove("replicas");
    s.post(
        "/apis/ork.dev/v1/apply",
        json!({"items": [no_replicas.clone()]}),
    )
    .await;
    s.put(
        "/apis/apps/v1/namespaces/shop/deployments/web/scale",
        json!({"spec": {"replicas": 7}}),
    )
    .await;
    let (_, out) = s
        .post("/apis/ork.dev/v1/apply", json!({"items": [no_replicas]}))
        .await;
    assert_eq!(out["items"][0]["action"], "unchanged");
    let (_, live) = s.get("/apis/apps/v1/namespaces/shop/deployments/web").await;
    assert_eq!(live["spec"]["replicas"], 7);
    // A dry run reports without writing.
    let mut changed = d.clone();
    changed["spec"]["replicas"] = json!(9);
    let (_, out) = s
        .post(
            "/apis/ork.dev/v1/apply?dryRun=All",
            json!({"items": [changed]}),
        )
        .await;
    assert_eq!(out["items"][0]["action"], "configured");
    let (_, live) = s.get("/apis/apps/v1/namespaces/shop/deployments/web").await;
    assert_eq!(live["spec"]["replicas"], 7);
}

#[tokio::test]
async fn heartbeats_need_a_registered_node() {
    let s = server().await;
    let (code, _) = s.post_nothing("/api/v1/nodes/n1/heartbeat").await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn heartbeat_ages_are_listed_per_node() {
    let s = server().await;
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}});
    let (code, _) = s.post("/api/v1/nodes", node).await;
    assert_eq!(code, 201);
    let (_, before) = s.get("/apis/ork.dev/v1/heartbeats").await;
    assert_eq!(before["items"], json!([]));
    let (code, _) = s.post_nothing("/api/v1/nodes/n1/heartbeat").await;
    assert_eq!(code, 200);
    let (_, after) = s.get("/apis/ork.dev/v1/heartbeats").await;
    assert_eq!(after["items"][0]["node"], "n1");
    assert!(after["items"][0]["secondsAgo"].as_f64().unwrap() < 5.0);
}

#[tokio::test]
async fn a_heartbeat_is_served_while_the_nodes_other_requests_fill_their_budget() {
    use crate::control::fairness::{Class, Fairness};
    let s = server_with(Fairness::new(
        2,
        2,
        2,
        std::time::Duration::from_millis(300),
    ))
    .await;
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}});
    assert_eq!(s.post("/api/v1/nodes", node).await.0, 201);
    // Status writes and lists of every node daemon hold the nodes' seats.
    let _held = [
        s.app.fairness.seat(Class::Nodes).await.unwrap(),
        s.app.fairness.seat(Class::Nodes).await.unwrap(),
    ];
    let n1 = s.node_client("n1");
    let list = n1
        .get(format!("{}/api/v1/nodes/n1", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        list.status(),
        429,
        "the node's other requests wait, then are refused"
    );
    for _ in 0..3 {
        let beat = n1
            .post(format!("{}/api/v1/nodes/n1/heartbeat", s.url))
            .send()
            .await
            .unwrap();
        assert_eq!(beat.status(), 200, "a heartbeat does not queue behind them");
    }
    let (_, ages) = s.get("/apis/ork.dev/v1/heartbeats").await;
    assert_eq!(ages["items"][0]["node"], "n1");
}

/// Established connections whose local end is `port` (the server's side of
/// each connection to it), from the kernel's table.
fn connections_to(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    table
        .lines()
        .skip(1)
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 3 && f[1].ends_with(&format!(":{port:04X}")) && f[3] == "01"
        })
        .count()
}

#[tokio::test]
async fn a_node_daemon_sends_everything_over_one_http2_connection_and_kubectl_stays_on_http1() {
    let s = server().await;
    let port: u16 = s.url.rsplit(':').next().unwrap().parse().unwrap();
    let cert =
        s.ca.live(&crate::control::pki::Profile::node("n1", &[]))
            .unwrap();
    let creds = crate::client::Credentials {
        server: s.url.clone(),
        ca_pem: Some(s.ca.pem().as_bytes().to_vec()),
        ..Default::default()
    };
    let node = crate::client::Client::multiplexed(&creds, Some(cert.clone())).unwrap();
    let asks = (0..64).map(|_| node.get::<crate::api::Node>("", "n1"));
    for r in futures::future::join_all(asks).await {
        assert!(r.unwrap_err().is_not_found());
    }
    assert_eq!(
        connections_to(port),
        1,
        "64 requests at once, one connection"
    );

    // What kubectl offers (h2, then http/1.1) gets HTTP/1.1, whose
    // upgrades exec and port-forward need; a client offering only h2 gets it.
    let offering = |alpn: &[&[u8]]| {
        let roots = crate::tls::roots(std::slice::from_ref(s.ca.cert())).unwrap();
        let mut c = crate::tls::client_config(roots, None).unwrap();
        c.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        reqwest::Client::builder()
            .tls_backend_preconfigured(c)
            .build()
            .unwrap()
    };
    for (alpn, version) in [
        (
            &[b"h2".as_slice(), b"http/1.1"][..],
            reqwest::Version::HTTP_11,
        ),
        (&[b"h2".as_slice()][..], reqwest::Version::HTTP_2),
        (&[b"http/1.1".as_slice()][..], reqwest::Version::HTTP_11),
    ] {
        let r = offering(alpn)
            .get(format!("{}/api/v1/namespaces", s.url))
            .bearer_auth(&s.admin)
            .send()
            .await
            .unwrap();
        assert_eq!((r.status().as_u16(), r.version()), (200, version));
    }
}
