//! The API's Service `default/kubernetes`, as every Kubernetes cluster has
//! it: kept by the control plane (made again when deleted), its Endpoints
//! the control daemons' addresses (a dead one leaves them), and pods reach
//! the API through it: the environment names its cluster IP and port 443,
//! the API's certificate is valid for that address and for
//! `kubernetes.default.svc[.cluster.local]`, and Docker pods resolve those
//! names through the cluster DNS.

use crate::docker::{IMAGE, docker_ready};
use crate::harness::{Cluster, wait_for};
use serde_json::Value;
use std::time::Duration;

/// The API's port, from the cluster's URL.
fn api_port(c: &Cluster) -> u16 {
    c.url.rsplit(':').next().unwrap().parse().unwrap()
}

/// The `(ip, port)` pairs of the ready addresses of the API's Endpoints.
fn api_endpoints(e: &Value) -> Vec<(String, u16)> {
    let mut out = vec![];
    for s in e["subsets"].as_array().into_iter().flatten() {
        let port = s["ports"][0]["port"].as_u64().unwrap_or(0) as u16;
        assert_eq!(s["ports"][0]["name"], "https", "{e}");
        for a in s["addresses"].as_array().into_iter().flatten() {
            out.push((a["ip"].as_str().unwrap_or("").to_string(), port));
        }
    }
    out.sort();
    out
}

/// Waits for the Service as the control plane keeps it; returns it.
fn wait_service(c: &Cluster) -> Value {
    let port = api_port(c);
    c.wait_json(
        "the API's Service",
        Duration::from_secs(20),
        &["get", "svc", "kubernetes", "-n", "default"],
        |s| {
            s["spec"]["clusterIP"] == "127.77.0.1"
                && s["spec"]["ports"][0]["name"] == "https"
                && s["spec"]["ports"][0]["port"] == 443
                && s["spec"]["ports"][0]["targetPort"] == port
                && s["spec"].get("selector").is_none()
                && s["metadata"]["labels"]["provider"] == "kubernetes"
        },
    )
}

/// An HTTPS client trusting the cluster CA that sends every name it is
/// asked for to `addr` (what a pod's resolver would do).
fn https_at(c: &Cluster, addr: &str) -> reqwest::blocking::Client {
    ork::tls::install_crypto();
    let pem = std::fs::read(c.ca_file()).unwrap();
    let roots = ork::tls::roots(&ork::tls::certs_from_pem(&pem, "ca").unwrap()).unwrap();
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    let mut b = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(ork::tls::client_config(roots, None).unwrap())
        .timeout(Duration::from_secs(5));
    for name in [
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    ] {
        b = b.resolve(name, addr);
    }
    b.build().unwrap()
}

#[test]
fn the_control_plane_keeps_the_api_service_and_process_pods_reach_the_api_through_it() {
    let c = Cluster::start(1, "process");
    let port = api_port(&c);
    let svc = wait_service(&c);
    let eps = c.wait_json(
        "the API's Endpoints",
        Duration::from_secs(20),
        &["get", "endpoints", "kubernetes", "-n", "default"],
        |e| !api_endpoints(e).is_empty(),
    );
    assert_eq!(api_endpoints(&eps), [("127.0.0.1".to_string(), port)]);

    // The node serves the cluster IP at 443, and the API's certificate is
    // valid there, for the address and for every name of the Service.
    let client = https_at(&c, "127.77.0.1:443");
    for host in [
        "127.77.0.1",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    ] {
        let url = format!("https://{host}:443/version");
        let v: Value = wait_for(
            &format!("GET {url} through the cluster IP"),
            Duration::from_secs(20),
            || {
                client
                    .get(&url)
                    .bearer_auth(&c.admin)
                    .send()
                    .ok()?
                    .json()
                    .ok()
            },
        );
        assert!(v["gitVersion"].is_string(), "{url}: {v}");
    }

    // Deleted, it is made again (same address); so are its Endpoints.
    c.ok(&["delete", "svc", "kubernetes", "-n", "default"]);
    let again = wait_for("the API's Service again", Duration::from_secs(20), || {
        let s = c.json(&["get", "svc", "kubernetes", "-n", "default"])?;
        (s["metadata"]["uid"] != svc["metadata"]["uid"]).then_some(s)
    });
    assert_eq!(again["spec"]["clusterIP"], "127.77.0.1");
    wait_for("the API's Endpoints again", Duration::from_secs(20), || {
        let e = c.json(&["get", "endpoints", "kubernetes", "-n", "default"])?;
        (api_endpoints(&e) == [("127.0.0.1".to_string(), port)]).then_some(())
    });
    // An Endpoints changed by hand is put back.
    c.apply(
        "apiVersion: v1\nkind: Endpoints\nmetadata: {name: kubernetes, namespace: default}\nsubsets:\n- addresses: [{ip: 10.9.9.9}]\n  ports: [{name: https, port: 1}]\n",
    );
    wait_for(
        "the API's Endpoints put back",
        Duration::from_secs(20),
        || {
            let e = c.json(&["get", "endpoints", "kubernetes", "-n", "default"])?;
            (api_endpoints(&e) == [("127.0.0.1".to_string(), port)]).then_some(())
        },
    );

    // A process pod in another namespace, without service links: its
    // environment names the Service, and TLS to it verifies with the
    // service-account CA under the Service's name.
    c.apply(
        r#"apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: v1
kind: Pod
metadata: {name: reader, namespace: apps}
spec:
  runtimeClassName: process
  restartPolicy: Never
  enableServiceLinks: false
  containers:
  - name: py
    image: python
    command:
    - python3
    - -c
    - |
      import json, os, socket, ssl
      env = {k: v for k, v in os.environ.items() if k.startswith("KUBERNETES_")}
      print("ENV " + json.dumps(env, sort_keys=True), flush=True)
      sa = os.environ.get("ORK_SERVICE_ACCOUNT_DIR", "/var/run/secrets/kubernetes.io/serviceaccount")
      ctx = ssl.create_default_context(cafile=sa + "/ca.crt")
      host, port = os.environ["KUBERNETES_SERVICE_HOST"], int(os.environ["KUBERNETES_SERVICE_PORT"])
      for name in (host, "kubernetes.default.svc"):
          s = ctx.wrap_socket(socket.create_connection((host, port), 10), server_hostname=name)
          token = open(sa + "/token").read().strip()
          s.sendall(("GET /version HTTP/1.0\r\nHost: kubernetes\r\nAuthorization: Bearer " + token + "\r\n\r\n").encode())
          data = b""
          while True:
              chunk = s.recv(65536)
              if not chunk:
                  break
              data += chunk
          body = json.loads(data.split(b"\r\n\r\n", 1)[1])
          print("VERSION " + name + " " + body["gitVersion"], flush=True)
"#,
    );
    let logs = wait_for("the pod's answers", Duration::from_secs(60), || {
        let out = c.ork(&["logs", "reader", "-n", "apps"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (text.matches("VERSION").count() == 2).then_some(text)
    });
    let env: Value = serde_json::from_str(
        logs.lines()
            .find_map(|l| l.strip_prefix("ENV "))
            .unwrap_or_else(|| panic!("{logs}")),
    )
    .unwrap();
    assert_eq!(env["KUBERNETES_SERVICE_HOST"], "127.77.0.1", "{env}");
    assert_eq!(env["KUBERNETES_SERVICE_PORT"], "443", "{env}");
    assert_eq!(env["KUBERNETES_SERVICE_PORT_HTTPS"], "443", "{env}");
    assert_eq!(env["KUBERNETES_PORT"], "tcp://127.77.0.1:443", "{env}");
    assert_eq!(
        env["KUBERNETES_PORT_443_TCP"], "tcp://127.77.0.1:443",
        "{env}"
    );
    assert_eq!(env["KUBERNETES_PORT_443_TCP_ADDR"], "127.77.0.1", "{env}");
    assert_eq!(env["KUBERNETES_PORT_443_TCP_PORT"], "443", "{env}");
    assert_eq!(env["KUBERNETES_PORT_443_TCP_PROTO"], "tcp", "{env}");
    assert!(logs.contains("VERSION 127.77.0.1 v"), "{logs}");
    assert!(logs.contains("VERSION kubernetes.default.svc v"), "{logs}");
}

#[test]
fn docker_pods_reach_the_api_at_the_service_address_and_name() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    wait_service(&c);
    c.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata: {{name: client}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: sh
    image: {IMAGE}
    imagePullPolicy: Never
    command: ["sleep", "3600"]
"#
    ));
    wait_for("the client to run", Duration::from_secs(60), || {
        let p = c.json(&["get", "pod", "client"])?;
        (p["status"]["phase"] == "Running").then_some(())
    });
    let sh = |script: &str| {
        let out = c.ork(&["exec", "client", "--", "sh", "-c", script]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let env = sh("env | grep ^KUBERNETES_ | sort");
    for line in [
        "KUBERNETES_SERVICE_HOST=127.77.0.1",
        "KUBERNETES_SERVICE_PORT=443",
        "KUBERNETES_PORT=tcp://127.77.0.1:443",
        "KUBERNETES_PORT_443_TCP_ADDR=127.77.0.1",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} in:\n{env}");
    }
    // The API's port answers at the address from the environment and at
    // the Service's DNS names (busybox's own TLS client crashes on the
    // API's certificate, so this checks the connection; the process test
    // checks TLS and the answer).
    for target in [
        "$KUBERNETES_SERVICE_HOST $KUBERNETES_SERVICE_PORT",
        "kubernetes.default.svc 443",
        "kubernetes.default.svc.cluster.local 443",
        "kubernetes 443",
    ] {
        let script = format!("nc -w 5 {target} </dev/null >/dev/null 2>&1; echo rc=$?");
        wait_for(
            &format!("a connection to the API at {target}"),
            Duration::from_secs(20),
            || sh(&script).contains("rc=0").then_some(()),
        );
    }
    // A port the Service does not have is refused at the same address.
    assert!(
        sh("nc -w 5 $KUBERNETES_SERVICE_HOST 444 </dev/null >/dev/null 2>&1; echo rc=$?")
            .contains("rc=1")
    );
}

#[test]
fn every_control_daemon_of_a_cluster_on_etcd_is_an_endpoint_until_it_dies() {
    use crate::ha::{Control, Etcd, have_etcd};
    if !have_etcd() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let etcd = Etcd::start(dir.path());
    let a = Control::start(dir.path(), "a", &etcd.url());
    let mut b = Control::start(dir.path(), "b", &etcd.url());
    let port = |c: &Control| -> u16 { c.url.rsplit(':').next().unwrap().parse().unwrap() };
    let both = {
        let mut v = vec![
            ("127.0.0.1".to_string(), port(&a)),
            ("127.0.0.1".to_string(), port(&b)),
        ];
        v.sort();
        v
    };
    wait_for(
        "both daemons in the Endpoints",
        Duration::from_secs(30),
        || {
            let e = a.json(&["get", "endpoints", "kubernetes", "-n", "default"])?;
            (api_endpoints(&e) == both).then_some(())
        },
    );
    // The second dies without a word: it leaves once its Lease ends.
    b.kill();
    wait_for(
        "the dead daemon to leave the Endpoints",
        Duration::from_secs(40),
        || {
            let e = a.json(&["get", "endpoints", "kubernetes", "-n", "default"])?;
            (api_endpoints(&e) == [("127.0.0.1".to_string(), port(&a))]).then_some(())
        },
    );
}

/// A token of ServiceAccount `ns/name`, from the TokenRequest API.
fn account_token(c: &Cluster, ns: &str, name: &str) -> String {
    let answer: Value = c
        .http()
        .post(format!(
            "{}/api/v1/namespaces/{ns}/serviceaccounts/{name}/token",
            c.url
        ))
        .bearer_auth(&c.admin)
        .json(&serde_json::json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    answer["status"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_string()
}

#[test]
fn the_default_view_role_lets_an_account_read_pods_and_a_labelled_role_extends_it() {
    let c = Cluster::start(0, "process");
    let view = c.wait_json(
        "the default ClusterRoles",
        Duration::from_secs(20),
        &["get", "clusterrole", "view"],
        |v| v["rules"].as_array().is_some_and(|r| !r.is_empty()),
    );
    assert_eq!(
        view["metadata"]["labels"]["kubernetes.io/bootstrapping"],
        "rbac-defaults"
    );
    for name in ["cluster-admin", "admin", "edit"] {
        assert!(c.json(&["get", "clusterrole", name]).is_some(), "{name}");
    }
    c.apply(
        r#"apiVersion: v1
kind: ServiceAccount
metadata: {name: watcher}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: watcher-views}
subjects: [{kind: ServiceAccount, name: watcher}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
"#,
    );
    let token = account_token(&c, "default", "watcher");
    let status = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut r = c
            .http()
            .request(method, format!("{}{path}", c.url))
            .bearer_auth(&token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send().unwrap().status().as_u16()
    };
    let pods = "/api/v1/namespaces/default/pods";
    let secrets = "/api/v1/namespaces/default/secrets";
    assert_eq!(status(reqwest::Method::GET, pods, None), 200);
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}});
    assert_eq!(status(reqwest::Method::POST, pods, Some(pod)), 403);
    assert_eq!(status(reqwest::Method::GET, secrets, None), 403);
    assert_eq!(
        status(
            reqwest::Method::GET,
            "/api/v1/namespaces/kube-system/pods",
            None
        ),
        403,
        "the binding is for its namespace only"
    );

    // A ClusterRole labelled aggregate-to-view extends view at once.
    c.apply(
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secret-peeker
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list"]
"#,
    );
    wait_for(
        "view to take the new rules",
        Duration::from_secs(20),
        || (status(reqwest::Method::GET, secrets, None) == 200).then_some(()),
    );
    let view = c.json(&["get", "clusterrole", "view"]).unwrap();
    assert!(
        view["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["resources"] == serde_json::json!(["secrets"])),
        "{view}"
    );
    // Its own aggregated role: the same, from a selector of the user's.
    c.apply(
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-endpoints
  labels: {rbac.example.com/aggregate-to-monitoring: "true"}
rules:
- apiGroups: [""]
  resources: ["services", "endpoints", "pods"]
  verbs: ["get", "list", "watch"]
"#,
    );
    c.wait_json(
        "monitoring aggregated",
        Duration::from_secs(20),
        &["get", "clusterrole", "monitoring"],
        |v| v["rules"][0]["resources"] == serde_json::json!(["services", "endpoints", "pods"]),
    );
    // Removed, the extension leaves view again.
    c.ok(&["delete", "clusterrole", "secret-peeker"]);
    wait_for("view to lose the rules", Duration::from_secs(20), || {
        (status(reqwest::Method::GET, secrets, None) == 403).then_some(())
    });
    // A default role deleted comes back.
    let uid = view["metadata"]["uid"].clone();
    c.ok(&["delete", "clusterrole", "view"]);
    c.wait_json(
        "view again",
        Duration::from_secs(20),
        &["get", "clusterrole", "view"],
        |v| v["metadata"]["uid"] != uid && v["rules"].as_array().is_some_and(|r| !r.is_empty()),
    );
    assert_eq!(status(reqwest::Method::GET, pods, None), 200);
}
