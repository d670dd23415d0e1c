//! Ingress served by the nodes, with real processes behind it: hosts and
//! paths to the right Services, 404 for an unknown host, 503 for a Service
//! without ready endpoints, X-Forwarded-* headers, keep-alive, TLS by SNI
//! from Secrets holding certificates made here, a WebSocket echo passed
//! through, Ingresses of other classes left alone, the load balancer
//! status and `ork get ingress`; and both nodes of `ork up --nodes 2`
//! serving the same Ingress on their own ports. Every daemon gets its
//! ingress ports from the test (free loopback ports).

use crate::harness::{Cluster, Up, free_port, wait_for};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// A python3 web server answering `<pod> <path> host=.. xff=.. proto=..
/// xhost=..`, and echoing WebSocket messages on any path asking for an
/// upgrade.
const SERVER: &str = r#"
import base64, hashlib, http.server, os
me = os.environ["HOSTNAME"]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(s):
        if s.headers.get("Upgrade", "").lower() == "websocket":
            key = s.headers["Sec-WebSocket-Key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
            accept = base64.b64encode(hashlib.sha1(key.encode()).digest()).decode()
            s.send_response(101)
            s.send_header("Upgrade", "websocket")
            s.send_header("Connection", "Upgrade")
            s.send_header("Sec-WebSocket-Accept", accept)
            s.end_headers()
            s.wfile.flush()
            r, w = s.rfile, s.wfile
            while True:
                h = r.read(2)
                if len(h) < 2:
                    return
                op, n = h[0] & 15, h[1] & 127
                if n == 126:
                    n = int.from_bytes(r.read(2), "big")
                mask = r.read(4) if h[1] & 128 else bytes(4)
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(r.read(n)))
                if op == 8:
                    w.write(bytes([0x88, 0])); w.flush(); return
                data = (me + ": ").encode() + data
                w.write(bytes([0x80 | op, len(data)]) + data); w.flush()
        g = s.headers.get
        body = "%s %s host=%s xff=%s proto=%s xhost=%s" % (me, s.path, g("Host"), g("X-Forwarded-For"), g("X-Forwarded-Proto"), g("X-Forwarded-Host"))
        body = body.encode()
        s.send_response(200)
        s.send_header("Content-Length", str(len(body)))
        s.end_headers()
        s.wfile.write(body)
    def log_message(s, *a):
        pass
http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), H).serve_forever()
"#;

/// A Deployment of one [`SERVER`] pod and its Service on port 80 (named
/// `http`); `selector` other than the name leaves the Service empty.
fn web(name: &str, selector: &str) -> String {
    let script: String = SERVER.lines().map(|l| format!("          {l}\n")).collect();
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      runtimeClassName: process
      containers:
      - name: web
        image: python
        command:
        - python3
        - -c
        - |
{script}        ports:
        - name: http
          containerPort: 8080
        readinessProbe:
          tcpSocket:
            port: http
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {selector}}}
  ports:
  - name: http
    port: 80
    targetPort: http
"#
    )
}

/// A `kubernetes.io/tls` Secret with a certificate for `host` made here;
/// returns the manifest and the certificate's PEM.
fn tls_secret(name: &str, host: &str) -> (String, String) {
    let c = rcgen::generate_simple_self_signed(vec![host.to_string()]).unwrap();
    let indent = |pem: String| -> String { pem.lines().map(|l| format!("    {l}\n")).collect() };
    let cert = c.cert.pem();
    let yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: |\n{}  tls.key: |\n{}",
        indent(cert.clone()),
        indent(c.signing_key.serialize_pem())
    );
    (yaml, cert)
}

const INGRESS: &str = r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
  tls:
  - hosts: [secure.example]
    secretName: secure-tls
  - hosts: ["*.other.example"]
    secretName: other-tls
  rules:
  - host: a.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: alpha, port: {number: 80}}}}
      - {path: /beta, pathType: Prefix, backend: {service: {name: beta, port: {name: http}}}}
  - host: b.example
    http:
      paths:
      - {path: /, pathType: ImplementationSpecific, backend: {service: {name: beta, port: {number: 80}}}}
  - host: down.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: empty, port: {number: 80}}}}
  - host: secure.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: alpha, port: {number: 80}}}}
  - host: "*.other.example"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: beta, port: {number: 80}}}}
"#;

/// A free loopback port (closed again: the daemon binds it).
/// Two free ports in a row.
fn free_pair() -> u16 {
    loop {
        let p = free_port();
        if p < u16::MAX && TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
}

/// Status and body of `GET path` with `Host: host` on 127.0.0.1:`port`.
fn get(port: u16, host: &str, path: &str) -> (u16, String) {
    let r = crate::harness::http()
        .get(format!("http://127.0.0.1:{port}{path}"))
        .header("Host", host)
        .timeout(Duration::from_secs(5))
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

/// Reads one HTTP/1.1 response (with Content-Length) from `r`.
fn read_response(r: &mut BufReader<TcpStream>) -> (String, String) {
    let mut status = String::new();
    r.read_line(&mut status).unwrap();
    let mut len = 0;
    loop {
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        if l == "\r\n" {
            break;
        }
        if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    (status.trim().to_string(), String::from_utf8(body).unwrap())
}

/// An HTTPS GET to `host` through 127.0.0.1:`port`, sending `host` as SNI
/// and trusting only `cert_pem`.
fn https_get(port: u16, host: &str, cert_pem: &str) -> reqwest::Result<String> {
    ork::tls::install_crypto();
    let roots =
        ork::tls::roots(&ork::tls::certs_from_pem(cert_pem.as_bytes(), "test cert").unwrap())
            .unwrap();
    let client = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(ork::tls::client_config(roots, None).unwrap())
        .resolve(host, SocketAddr::from(([127, 0, 0, 1], port)))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    client
        .get(format!("https://{host}:{port}/"))
        .send()?
        .error_for_status()?
        .text()
}

/// Sends `msg` over a WebSocket to `ws://host/path` through 127.0.0.1:`port`
/// and returns the answer.
fn websocket_echo(port: u16, host: &str, msg: &str) -> String {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let (mut ws, resp) = tokio_tungstenite::client_async(format!("ws://{host}/ws"), tcp)
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 101);
        ws.send(Message::text(msg)).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let _ = ws.close(None).await;
        answer.into_text().unwrap().to_string()
    })
}

#[test]
fn ingress_routes_hosts_and_paths_over_http_https_and_websocket() {
    let (http, https) = (free_port(), free_port());
    let mut c = Cluster::start(0, "process");
    c.add_node_with(
        "n1",
        "process",
        &[
            "--ingress-port",
            &http.to_string(),
            "--ingress-tls-port",
            &https.to_string(),
        ],
    );
    // ork's class exists by default and is the default.
    let class = c.wait_json(
        "IngressClass ork",
        Duration::from_secs(10),
        &["get", "ingressclass", "ork"],
        |_| true,
    );
    assert_eq!(class["spec"]["controller"], "ork.dev/ingress");
    assert_eq!(
        class["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"],
        "true"
    );

    c.apply(&web("alpha", "alpha"));
    c.apply(&web("beta", "beta"));
    c.apply(&web("empty", "nobody"));
    let (secure, secure_cert) = tls_secret("secure-tls", "secure.example");
    let (other, other_cert) = tls_secret("other-tls", "*.other.example");
    c.apply(&secure);
    c.apply(&other);
    c.apply(INGRESS);
    c.wait_running("app=alpha", 1);
    c.wait_running("app=beta", 1);

    // Hosts and paths, longest prefix first, element by element.
    let alpha = wait_for("alpha through the ingress", Duration::from_secs(30), || {
        let (code, body) = get(http, "a.example", "/");
        (code == 200 && body.starts_with("alpha-")).then_some(body)
    });
    assert!(
        alpha.ends_with("/ host=a.example xff=127.0.0.1 proto=http xhost=a.example"),
        "{alpha}"
    );
    let (code, body) = get(http, "a.example", "/beta/x?q=1");
    assert_eq!(code, 200);
    assert!(
        body.starts_with("beta-") && body.contains(" /beta/x?q=1 "),
        "{body}"
    );
    let (_, body) = get(http, "a.example", "/betamax");
    assert!(
        body.starts_with("alpha-"),
        "/betamax is not under /beta: {body}"
    );
    let (_, body) = get(http, "B.example:8080", "/anything");
    assert!(body.starts_with("beta-"), "{body}");
    let (_, body) = get(http, "x.other.example", "/");
    assert!(body.starts_with("beta-"), "wildcard host: {body}");

    // Nothing matches: 404; no ready endpoint: 503.
    let (code, body) = get(http, "unknown.example", "/");
    assert_eq!(
        (code, body.contains("no Ingress rule matches")),
        (404, true),
        "{body}"
    );
    let (code, body) = get(http, "down.example", "/");
    assert_eq!(code, 503, "{body}");
    assert!(
        body.contains("default/empty:80 has no ready endpoint"),
        "{body}"
    );

    // Keep-alive: two requests, two answers, one connection.
    let s = TcpStream::connect(("127.0.0.1", http)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    for path in ["/one", "/beta/two"] {
        write!(w, "GET {path} HTTP/1.1\r\nHost: a.example\r\n\r\n").unwrap();
        let (status, body) = read_response(&mut r);
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(body.contains(&format!(" {path} ")), "{body}");
    }

    // TLS: each name gets its own Secret's certificate (by SNI).
    let body = wait_for("HTTPS for secure.example", Duration::from_secs(20), || {
        https_get(https, "secure.example", &secure_cert).ok()
    });
    assert!(
        body.starts_with("alpha-") && body.contains("proto=https"),
        "{body}"
    );
    let body = https_get(https, "shop.other.example", &other_cert).unwrap();
    assert!(body.starts_with("beta-"), "{body}");
    assert!(
        https_get(https, "shop.other.example", &secure_cert).is_err(),
        "the other name does not get secure.example's certificate"
    );

    // A WebSocket passes through, both ways.
    assert!(websocket_echo(http, "a.example", "hello").ends_with(": hello"));

    // The status lists the node's address and ports; get shows kubectl's columns.
    let ing = c.wait_json(
        "the load balancer status",
        Duration::from_secs(10),
        &["get", "ingress", "shop"],
        |v| !v["status"]["loadBalancer"]["ingress"].is_null(),
    );
    let lb = &ing["status"]["loadBalancer"]["ingress"];
    assert_eq!(lb.as_array().unwrap().len(), 1, "{lb}");
    assert_eq!(lb[0]["ip"], "127.0.0.1");
    let mut ports: Vec<u64> = lb[0]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    ports.sort();
    let mut want = vec![u64::from(http), u64::from(https)];
    want.sort();
    assert_eq!(ports, want);
    let out = c.ok(&["get", "ingress"]);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]
    );
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        row[..6],
        [
            "shop",
            "<none>",
            "a.example,b.example,down.example,secure.example",
            "+",
            "1",
            "more..."
        ],
        "{out}"
    );
    assert_eq!(row[6..9], ["127.0.0.1", "80,", "443"], "{out}");

    // An Ingress of another class is stored and left alone.
    c.apply(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: theirs\nspec:\n  ingressClassName: nginx\n  rules:\n  - host: theirs.example\n    http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: alpha, port: {number: 80}}}}\n",
    );
    // A change the node has seen after it: the class-less Ingress's new rule.
    c.apply(&INGRESS.replace("host: b.example", "host: c.example"));
    wait_for("the new rule", Duration::from_secs(10), || {
        (get(http, "c.example", "/").0 == 200).then_some(())
    });
    assert_eq!(get(http, "theirs.example", "/").0, 404);
    let theirs = c.json(&["get", "ingress", "theirs"]).unwrap();
    assert!(
        theirs["status"]["loadBalancer"]["ingress"].is_null(),
        "{theirs}"
    );
}

#[test]
fn the_documentations_ingress_examples_apply_but_resource_backends() {
    let c = Cluster::start(0, "fake");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/docs_examples/ingress");
    let mut applied = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let file = path.to_str().unwrap();
        if file.ends_with("ingress-resource-backend.yaml") {
            let out = c.ork(&["apply", "-f", file]);
            assert_eq!(out.status.code(), Some(1));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("spec.defaultBackend.resource: not supported by ork yet"),
                "{err}"
            );
            continue;
        }
        let out = c.ok(&["apply", "-f", file]);
        assert!(
            out.contains(" created") || out.contains(" configured"),
            "{file}: {out}"
        );
        applied += 1;
    }
    assert_eq!(applied, 11);
    let classes = c.ok(&["get", "ingressclass"]);
    let row: Vec<&str> = classes
        .lines()
        .find(|l| l.starts_with("external-lb "))
        .unwrap_or_else(|| panic!("{classes}"))
        .split_whitespace()
        .collect();
    assert_eq!(
        row[..3],
        [
            "external-lb",
            "example.com/ingress-controller",
            "IngressParameters.k8s.example.com/external-lb"
        ],
        "{classes}"
    );
    assert!(
        c.json(&["get", "ingress", "ingress-resource-backend"])
            .is_none()
    );
    let d = c.ok(&["describe", "ingress", "simple-fanout-example"]);
    for want in [
        "foo.bar.com",
        "/foo (Prefix)",
        "service1:4200",
        "/bar (Prefix)",
        "service2:8080",
    ] {
        assert!(d.contains(want), "{want}: {d}");
    }
}

#[test]
fn a_node_that_cannot_bind_its_ingress_port_says_so_and_runs_on() {
    let taken = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let tls = free_port().to_string();
    let mut c = Cluster::start(0, "process");
    c.add_node_with(
        "n1",
        "process",
        &["--ingress-port", &port, "--ingress-tls-port", &tls],
    );
    let events = c.wait_json(
        "the IngressPortUnavailable event",
        Duration::from_secs(10),
        &[
            "get",
            "events",
            "--field-selector",
            "reason=IngressPortUnavailable",
        ],
        |v| v["items"].as_array().is_some_and(|i| !i.is_empty()),
    );
    let e = &events["items"][0];
    assert_eq!(e["type"], "Warning");
    assert_eq!(e["involvedObject"]["kind"], "Node");
    assert_eq!(e["involvedObject"]["name"], "n1");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.starts_with(&format!("cannot serve Ingress HTTP on port {port}: ")),
        "{msg}"
    );
    assert!(msg.contains("the node runs without it"), "{msg}");
    // The node is Ready and serves HTTPS, which it could bind.
    let node = c.json(&["get", "node", "n1"]).unwrap();
    let labels = &node["metadata"]["labels"];
    assert!(labels["ingress.ork.dev/http-port"].is_null(), "{labels}");
    assert_eq!(labels["ingress.ork.dev/https-port"], tls.as_str());
    drop(taken);
}

#[test]
fn both_nodes_of_ork_up_serve_the_same_ingress_on_their_own_ports() {
    let (http, https) = (free_pair(), free_pair());
    let up = Up::start(&[
        "--nodes",
        "2",
        "--runtime",
        "process",
        "--ingress-port",
        &http.to_string(),
        "--ingress-tls-port",
        &https.to_string(),
    ]);
    let apply = |yaml: &str| {
        let f = up.dir.path().join("app.yaml");
        std::fs::write(&f, yaml).unwrap();
        let out = up.ork(&["apply", "-f", f.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    apply(&web("alpha", "alpha"));
    apply(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: site\nspec:\n  defaultBackend:\n    service: {name: alpha, port: {number: 80}}\n",
    );
    for port in [http, http + 1] {
        let body = wait_for(
            &format!("the ingress on port {port}"),
            Duration::from_secs(40),
            || {
                let r = crate::harness::http()
                    .get(format!("http://127.0.0.1:{port}/x"))
                    .header("Host", "any.example")
                    .timeout(Duration::from_secs(3))
                    .send()
                    .ok()?;
                (r.status() == 200).then(|| r.text().ok()).flatten()
            },
        );
        assert!(body.starts_with("alpha-"), "{body}");
    }
    let lb = wait_for("both nodes in the status", Duration::from_secs(20), || {
        let v: Value = up.json(&["get", "ingress", "site"])?;
        let ports = v["status"]["loadBalancer"]["ingress"][0]["ports"]
            .as_array()?
            .len();
        (ports == 4).then_some(v)
    });
    let ports: Vec<u64> = lb["status"]["loadBalancer"]["ingress"][0]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    let (h, s) = (u64::from(http), u64::from(https));
    let mut want = vec![h, h + 1, s, s + 1];
    want.sort();
    assert_eq!(ports, want);
}
