//! Services through the node proxies, with real processes: load spread over
//! ready endpoints, a not-ready one left out within a second, "connection
//! refused" at once with no endpoints, NodePort on every node of `ork up
//! --nodes 2`, the `<NAME>_SERVICE_HOST/PORT` variables, and the watch
//! streams a node holds for them.

use crate::harness::{Cluster, Up, marker, wait_for};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A Deployment of python3 HTTP servers that answer their pod's name, and
/// are not ready while `/tmp/<marker>-notready-<pod>` exists; and a Service.
fn echo(name: &str, replicas: u32, m: u64, svc_type: &str) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
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
          import http.server, os
          me = os.environ["HOSTNAME"]
          class H(http.server.BaseHTTPRequestHandler):
              def do_GET(s):
                  if s.path == "/ready" and os.path.exists("/tmp/{m}-notready-" + me):
                      s.send_response(503); s.end_headers(); return
                  body = (me + " " + os.environ.get("{up}_SERVICE_HOST", "-") + ":" + os.environ.get("{up}_SERVICE_PORT", "-")).encode()
                  s.send_response(200); s.send_header("Content-Length", str(len(body))); s.end_headers(); s.wfile.write(body)
              def log_message(s, *a): pass
          http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), H).serve_forever()
        ports:
        - name: http
          containerPort: 8080
        readinessProbe:
          httpGet:
            path: /ready
            port: http
          periodSeconds: 1
          failureThreshold: 1
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  type: {svc_type}
  selector:
    app: {name}
  ports:
  - name: web
    port: 80
    targetPort: http
"#,
        up = name.to_ascii_uppercase().replace('-', "_"),
    )
}

/// One GET through `port` on loopback; the body, or the connect error.
fn get(port: u16) -> std::io::Result<String> {
    let mut s = TcpStream::connect_timeout(
        &format!("127.0.0.1:{port}").parse().unwrap(),
        Duration::from_secs(2),
    )?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out.split("\r\n\r\n").nth(1).unwrap_or("").to_string())
}

fn ready_addresses(ep: &serde_json::Value) -> usize {
    ep["subsets"]
        .as_array()
        .map(|ss| {
            ss.iter()
                .map(|s| s["addresses"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn a_service_balances_over_ready_pods_only_and_refuses_when_there_are_none() {
    let c = Cluster::start(1, "process");
    let m = marker();
    c.apply(&echo("echo", 2, m, "ClusterIP"));
    let pods = c.wait_running("app=echo", 2);
    let names: Vec<String> = pods
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    c.wait_json(
        "two ready endpoints",
        Duration::from_secs(20),
        &["get", "endpoints", "echo"],
        |e| ready_addresses(e) == 2,
    );
    let svc = c.json(&["get", "svc", "echo"]).unwrap();
    let port = svc["spec"]["ports"][0]["clusterPort"].as_u64().unwrap() as u16;
    let ip = svc["spec"]["clusterIP"].as_str().unwrap().to_string();
    assert!(ip.starts_with("127.77."), "{ip}");

    // 100 requests: both replicas answer, about half each.
    let mut hits = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..100 {
        let body = get(port).expect("the service answers");
        let who = body.split(' ').next().unwrap_or("").to_string();
        *hits.entry(who).or_default() += 1;
    }
    assert_eq!(hits.keys().cloned().collect::<Vec<_>>(), {
        let mut n = names.clone();
        n.sort();
        n
    });
    assert!(hits.values().all(|n| *n >= 30), "{hits:?}");
    // The service variables of a pod started after the service.
    c.ok(&["delete", "pod", &names[0]]);
    let fresh = wait_for("a replacement pod", Duration::from_secs(30), || {
        c.pods("app=echo")
            .iter()
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
            .find(|n| !names.contains(n))
    });
    let body = wait_for("the replacement to answer", Duration::from_secs(30), || {
        (0..10)
            .filter_map(|_| get(port).ok())
            .find(|b| b.starts_with(&fresh))
    });
    assert_eq!(body, format!("{fresh} {ip}:80"));

    // One replica turns not ready: within a second, every request goes to the other.
    let (sick, well) = (fresh.clone(), names[1].clone());
    std::fs::write(format!("/tmp/{m}-notready-{sick}"), "").unwrap();
    let _cleanup = Cleanup(format!("/tmp/{m}-notready-{sick}"));
    c.wait_json(
        "one ready endpoint",
        Duration::from_secs(20),
        &["get", "endpoints", "echo"],
        |e| ready_addresses(e) == 1,
    );
    let seen = Instant::now();
    wait_for(
        "only the ready replica answering",
        Duration::from_secs(1),
        || {
            (0..20)
                .all(|_| get(port).is_ok_and(|b| b.starts_with(&well)))
                .then_some(())
        },
    );
    assert!(seen.elapsed() < Duration::from_millis(1500));
    for _ in 0..50 {
        assert!(get(port).unwrap().starts_with(&well));
    }

    // Scaled to zero: connection refused, at once.
    c.ok(&["scale", "deployment/echo", "--replicas", "0"]);
    c.wait_json(
        "no endpoints",
        Duration::from_secs(30),
        &["get", "endpoints", "echo"],
        |e| ready_addresses(e) == 0,
    );
    let refused = wait_for("connections refused", Duration::from_secs(2), || {
        let t = Instant::now();
        match get(port) {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Some(t.elapsed()),
            _ => None,
        }
    });
    assert!(refused < Duration::from_millis(100), "{refused:?}");
}

struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Sockets a process has open (their inodes).
fn socket_inodes(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter_map(|l| {
                    l.to_str()?
                        .strip_prefix("socket:[")?
                        .strip_suffix(']')
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Inodes of TCP sockets listening on `port`.
fn listening_on(port: u16) -> Vec<String> {
    let mut out = vec![];
    for f in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for l in text.lines().skip(1) {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let Some(local) = cols.get(1) else { continue };
            let p = local
                .rsplit(':')
                .next()
                .and_then(|h| u16::from_str_radix(h, 16).ok());
            if p == Some(port) && cols.get(3) == Some(&"0A") {
                out.push(cols[9].to_string());
            }
        }
    }
    out
}

#[test]
fn a_node_port_service_answers_on_every_node_of_ork_up() {
    let mut up = Up::start(&["--nodes", "2", "--runtime", "process"]);
    let data = up.data.clone();
    let ork = |args: &[&str]| up.ork(args);
    let f = up.dir.path().join("np.yaml");
    std::fs::write(&f, echo("np", 2, marker(), "NodePort")).unwrap();
    let out = ork(&["apply", "-f", f.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svc: serde_json::Value =
        serde_json::from_slice(&ork(&["get", "svc", "np", "-o", "json"]).stdout).unwrap();
    let node_port = svc["spec"]["ports"][0]["nodePort"].as_u64().unwrap() as u16;
    assert!((30000..=32767).contains(&node_port));
    let body = wait_for("the node port to answer", Duration::from_secs(30), || {
        get(node_port).ok().filter(|b| b.starts_with("np-"))
    });
    assert!(body.starts_with("np-"));
    // Each node daemon (its own process) listens on the node port itself.
    let pids: Vec<u32> = ["node-1", "node-2"]
        .iter()
        .map(|n| {
            std::fs::read_to_string(data.join("nodes").join(format!("{n}.pid")))
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        })
        .collect();
    wait_for(
        "both node daemons listening",
        Duration::from_secs(10),
        || {
            let listening = listening_on(node_port);
            pids.iter()
                .all(|pid| socket_inodes(*pid).iter().any(|i| listening.contains(i)))
                .then_some(())
        },
    );
    up.stop();
}

/// The control daemon's count of open watch streams.
fn open_watches(c: &Cluster) -> u64 {
    let r = c
        .http()
        .get(format!("{}/metrics", c.url))
        .bearer_auth(&c.admin)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("ork_api_watches "))
        .unwrap_or_else(|| panic!("no ork_api_watches in:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

/// A node watches Services and Endpoints once for its proxy and its
/// cluster DNS together: with Ingresses off (as in these tests) it holds
/// five watch streams on the control daemon — its Pods, ConfigMaps,
/// Secrets, Services and Endpoints — and keeps them.
#[test]
fn a_node_holds_one_watch_of_services_and_endpoints() {
    let mut c = Cluster::start(0, "process");
    let before = open_watches(&c);
    c.add_node("n1", "process");
    // The same count for a second on end: every watch opened, none extra.
    let mut steady = 0;
    let mut last = 0;
    wait_for(
        "the node's watches to settle",
        Duration::from_secs(30),
        || {
            let n = open_watches(&c) - before;
            steady = if n == last { steady + 1 } else { 0 };
            last = n;
            (n > 0 && steady >= 20).then_some(())
        },
    );
    assert_eq!(last, 5, "watch streams the node opened");
}
