//! Services at cluster IPs of their own: Docker pods reach them at the
//! declared port inside their own network namespace (in any namespace, and
//! for services created after the pod started); process pods and the node
//! reach them on loopback, over TCP and UDP; the service variables name the
//! cluster IP (none with `enableServiceLinks: false`); a LoadBalancer is
//! served on the node's address at its port to its source ranges only.

use crate::docker::{IMAGE, docker_ready};
use crate::harness::{Cluster, wait_for};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

/// A python3 server on the process runtime answering HTTP GETs with
/// `hello <pod>` on its `http` port and echoing UDP on its `echo` port.
fn echo_app(name: &str, port: u16, svc_extra: &str) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      runtimeClassName: process
      containers:
      - name: web
        image: python
        command:
        - python3
        - -c
        - |
          import http.server, os, socket, threading
          me = os.environ["HOSTNAME"]
          u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
          u.bind(("0.0.0.0", int(os.environ["ORK_PORT_ECHO"])))
          def echo():
              while True:
                  data, peer = u.recvfrom(65536)
                  u.sendto(b"echo " + data, peer)
          threading.Thread(target=echo, daemon=True).start()
          class H(http.server.BaseHTTPRequestHandler):
              def do_GET(s):
                  body = ("hello " + me).encode()
                  s.send_response(200); s.send_header("Content-Length", str(len(body))); s.end_headers(); s.wfile.write(body)
              def log_message(s, *a): pass
          http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["ORK_PORT_HTTP"])), H).serve_forever()
        ports:
        - {{name: http, containerPort: 8080}}
        - {{name: echo, containerPort: 9090, protocol: UDP}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  selector: {{app: {name}}}
{svc_extra}  ports:
  - {{name: web, port: {port}, targetPort: http}}
  - {{name: echo, port: 5300, targetPort: echo, protocol: UDP}}
"#
    )
}

fn ready_addresses(c: &Cluster, name: &str, ns: &str) -> usize {
    c.json(&["get", "endpoints", name, "-n", ns])
        .and_then(|e| {
            e["subsets"].as_array().map(|ss| {
                ss.iter()
                    .map(|s| s["addresses"].as_array().map_or(0, Vec::len))
                    .sum()
            })
        })
        .unwrap_or(0)
}

/// The cells of `ork get svc NAME`'s row.
fn row(c: &Cluster, name: &str) -> Vec<String> {
    let table = c.ok(&["get", "svc", name]);
    table
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("{table}"))
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn cluster_ip(c: &Cluster, name: &str, ns: &str) -> String {
    let svc = c.json(&["get", "svc", name, "-n", ns]).unwrap();
    let ip = svc["spec"]["clusterIP"].as_str().unwrap().to_string();
    assert!(ip.starts_with("127.77."), "{ip}");
    assert_eq!(svc["spec"]["clusterIPs"], serde_json::json!([ip]));
    ip
}

/// One HTTP/1.0 GET to `addr` from `source` (any when `None`): the body.
fn get_from(source: Option<&str>, addr: &str) -> std::io::Result<String> {
    let addr: SocketAddr = addr.parse().unwrap();
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    if let Some(s) = source {
        let from: SocketAddr = format!("{s}:0").parse().unwrap();
        sock.bind(&from.into())?;
    }
    sock.connect_timeout(&addr.into(), Duration::from_secs(2))?;
    let mut s: TcpStream = sock.into();
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out.split("\r\n\r\n").nth(1).unwrap_or("").to_string())
}

#[test]
fn the_node_and_process_pods_reach_a_cluster_ip_over_tcp_and_udp() {
    let c = Cluster::start(1, "process");
    c.apply(&echo_app("echo", 80, ""));
    c.wait_running("app=echo", 2);
    wait_for("two ready endpoints", Duration::from_secs(30), || {
        (ready_addresses(&c, "echo", "default") == 2).then_some(())
    });
    let ip = cluster_ip(&c, "echo", "default");
    // `ork get svc` shows it as kubectl does.
    assert_eq!(
        row(&c, "echo")[..5],
        [
            "echo",
            "ClusterIP",
            ip.as_str(),
            "<none>",
            "80/TCP,5300/UDP"
        ]
    );

    // From the node: TCP at the declared port, both replicas in turn.
    let mut seen = std::collections::BTreeSet::new();
    wait_for("the cluster IP to answer", Duration::from_secs(10), || {
        get_from(None, &format!("{ip}:80")).ok()
    });
    for _ in 0..20 {
        seen.insert(get_from(None, &format!("{ip}:80")).unwrap());
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    // UDP at the declared port.
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    u.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let answer = wait_for("a UDP echo", Duration::from_secs(10), || {
        u.send_to(b"ping", format!("{ip}:5300")).ok()?;
        let mut buf = [0u8; 100];
        let (n, from) = u.recv_from(&mut buf).ok()?;
        assert_eq!(
            from.to_string(),
            format!("{ip}:5300"),
            "replies come from the cluster IP"
        );
        Some(String::from_utf8_lossy(&buf[..n]).to_string())
    });
    assert_eq!(answer, "echo ping");

    // sessionAffinity: ClientIP keeps this client on one replica.
    c.apply(&echo_app("echo", 80, "  sessionAffinity: ClientIP\n"));
    let first = wait_for("affinity to hold", Duration::from_secs(10), || {
        let answers: std::collections::BTreeSet<String> = (0..10)
            .filter_map(|_| get_from(None, &format!("{ip}:80")).ok())
            .collect();
        (answers.len() == 1).then(|| answers.into_iter().next().unwrap())
    });
    for _ in 0..20 {
        assert_eq!(get_from(None, &format!("{ip}:80")).unwrap(), first);
    }

    // A process pod started after the service: its variables name the
    // cluster IP and declared port, and it reaches the service there; one
    // with enableServiceLinks: false has no variables.
    let client = |name: &str, links: bool| {
        format!(
            r#"apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  runtimeClassName: process
  enableServiceLinks: {links}
  restartPolicy: Never
  containers:
  - name: c
    image: python
    command:
    - python3
    - -c
    - |
      import os, urllib.request
      host = os.environ.get("ECHO_SERVICE_HOST", "-")
      port = os.environ.get("ECHO_SERVICE_PORT", "-")
      body = urllib.request.urlopen("http://{ip}:80/", timeout=5).read().decode()
      print("vars", host, port, "got", body.split(" ")[0], flush=True)
"#
        )
    };
    c.apply(&client("client", true));
    c.apply(&client("nolinks", false));
    for (pod, want) in [
        ("client", format!("vars {ip} 80 got hello")),
        ("nolinks", "vars - - got hello".to_string()),
    ] {
        let logs = wait_for("the client's answer", Duration::from_secs(30), || {
            let out = c.ork(&["logs", pod]);
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            text.contains("vars").then_some(text)
        });
        assert_eq!(logs.trim(), want, "{pod}");
    }

    // Deleted, the address is refused and free again.
    c.ok(&["delete", "svc", "echo"]);
    wait_for(
        "the cluster IP to be refused",
        Duration::from_secs(10),
        || {
            get_from(None, &format!("{ip}:80"))
                .err()
                .filter(|e| e.kind() == std::io::ErrorKind::ConnectionRefused)
        },
    );
}

#[test]
fn docker_pods_reach_cluster_ips_at_the_declared_port_in_their_own_namespace() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(&format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: {IMAGE}
        imagePullPolicy: Never
        command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
        ports: [{{name: http, containerPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: http}}]
---
apiVersion: v1
kind: Namespace
metadata: {{name: other}}
---
apiVersion: v1
kind: Pod
metadata: {{name: client, namespace: other}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: sh
    image: {IMAGE}
    imagePullPolicy: Never
    command: ["sleep", "3600"]
"#
    ));
    c.wait_running("app=web", 1);
    wait_for("the client to run", Duration::from_secs(60), || {
        let p = c.json(&["get", "pod", "client", "-n", "other"])?;
        (p["status"]["phase"] == "Running").then_some(())
    });
    wait_for("a ready endpoint", Duration::from_secs(30), || {
        (ready_addresses(&c, "web", "default") == 1).then_some(())
    });
    // One HTTP/1.0 GET with busybox nc from inside the client pod: the body.
    let fetch = |ip: &str, port: u16| {
        let script = format!("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {ip} {port}");
        let out = c.ork(&["exec", "-n", "other", "client", "--", "sh", "-c", &script]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        text.split("\r\n\r\n").nth(1).unwrap_or("").to_string()
    };
    let ip = cluster_ip(&c, "web", "default");
    let body = wait_for(
        "the pod to reach web's cluster IP",
        Duration::from_secs(10),
        || Some(fetch(&ip, 80)).filter(|b| !b.is_empty()),
    );
    assert_eq!(body.trim(), "hello from ork-test/busybox");
    // And by its names, through the cluster DNS and the pod's search path.
    for name in [
        "web.default",
        "web.default.svc",
        "web.default.svc.cluster.local",
    ] {
        let body = wait_for(
            &format!("the pod to reach {name}:80"),
            Duration::from_secs(10),
            || Some(fetch(name, 80)).filter(|b| !b.is_empty()),
        );
        assert_eq!(body.trim(), "hello from ork-test/busybox", "{name}");
    }

    // A service created after the pod started is reachable at once.
    c.apply(
        "apiVersion: v1\nkind: Service\nmetadata: {name: late}\nspec:\n  selector: {app: web}\n  ports: [{port: 8081, targetPort: http}]\n",
    );
    let late = cluster_ip(&c, "late", "default");
    assert_ne!(late, ip);
    let body = wait_for(
        "the pod to reach the later service",
        Duration::from_secs(15),
        || Some(fetch(&late, 8081)).filter(|b| !b.is_empty()),
    );
    assert_eq!(body.trim(), "hello from ork-test/busybox");
    let body = wait_for(
        "the pod to reach the later service by name",
        Duration::from_secs(15),
        || Some(fetch("late.default.svc.cluster.local", 8081)).filter(|b| !b.is_empty()),
    );
    assert_eq!(body.trim(), "hello from ork-test/busybox");
    // The pod's own loopback stays its own: nothing listens at the cluster
    // IP on another port.
    assert_eq!(fetch(&late, 80), "");
}

#[test]
fn a_load_balancer_serves_its_port_on_the_node_to_its_source_ranges_only() {
    let c = Cluster::start(1, "process");
    c.apply(&echo_app(
        "lb",
        18088,
        "  type: LoadBalancer\n  loadBalancerSourceRanges: [127.0.0.1/32]\n",
    ));
    wait_for("two ready endpoints", Duration::from_secs(30), || {
        (ready_addresses(&c, "lb", "default") == 2).then_some(())
    });
    let node = c.json(&["get", "node", "n1"]).unwrap();
    let addr = node["status"]["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "InternalIP")
        .unwrap()["address"]
        .as_str()
        .unwrap()
        .to_string();
    let svc = wait_for(
        "the load balancer's address",
        Duration::from_secs(10),
        || {
            let s = c.json(&["get", "svc", "lb"])?;
            (s["status"]["loadBalancer"]["ingress"][0]["ip"] == addr.as_str()).then_some(s)
        },
    );
    // A node port as Kubernetes allocates one, and kubectl's columns.
    let node_port = svc["spec"]["ports"][0]["nodePort"].as_u64().unwrap();
    assert!((30000..=32767).contains(&node_port));
    let ports = format!("18088:{node_port}/TCP");
    assert_eq!(
        row(&c, "lb")[..4],
        [
            "lb",
            "LoadBalancer",
            svc["spec"]["clusterIP"].as_str().unwrap(),
            addr.as_str()
        ]
    );
    assert!(row(&c, "lb")[4].starts_with(&ports), "{:?}", row(&c, "lb"));
    // Served on the node's address at the declared port, to 127.0.0.1 only.
    // Until the node's proxy has the endpoints, a connection is closed
    // without an answer, as one from outside the source ranges is.
    let body = wait_for(
        "the load balancer to answer",
        Duration::from_secs(10),
        || {
            get_from(Some("127.0.0.1"), &format!("{addr}:18088"))
                .ok()
                .filter(|b| !b.is_empty())
        },
    );
    assert!(body.starts_with("hello "), "{body}");
    for _ in 0..5 {
        let refused = get_from(Some("127.0.0.2"), &format!("{addr}:18088"));
        assert!(
            refused.as_ref().map_or(true, |b| b.is_empty()),
            "a client outside the source ranges got {refused:?}"
        );
    }
    // UDP on the load balancer port as well.
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    u.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let answer = wait_for("a UDP echo", Duration::from_secs(10), || {
        u.send_to(b"lb", format!("{addr}:5300")).ok()?;
        let mut buf = [0u8; 100];
        let (n, _) = u.recv_from(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).to_string())
    });
    assert_eq!(answer, "echo lb");
}
