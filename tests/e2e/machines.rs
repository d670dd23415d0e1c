//! The failure suite: `ork up --machines docker` clusters (a container per
//! node, pods run inside them) broken with `ork chaos`: a machine killed and
//! restarted, a machine partitioned (fenced, then healed), a machine's
//! network flapping. Replicas are counted both as the API has them and as
//! processes inside the machines (`docker exec ps`).
//!
//! The short profile (default, CI) asserts correctness with generous
//! timeouts; `ORK_FAILURE_LONG=1` runs the long profile (60 s partition,
//! 2 min of flapping) and asserts the timing targets. Each test's Docker
//! objects carry its own cluster name and are removed when it ends.

use crate::docker::docker_ready;
use crate::harness::{ORK, wait_for};
use crate::machines_harness::{Machines, deploy_six, long, running_ready};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A timing target: asserted in the long profile, printed in both.
fn target(what: &str, took: Duration, goal: Duration, short_limit: Duration) {
    eprintln!(
        "{what}: {:.1} s (target {:.0} s)",
        took.as_secs_f64(),
        goal.as_secs_f64()
    );
    let limit = if long() { goal } else { short_limit };
    assert!(took <= limit, "{what} took {took:?}, limit {limit:?}");
}

#[test]
fn a_killed_machine_is_replaced_and_a_partitioned_one_fences_itself() {
    if !docker_ready() {
        return;
    }
    let (grace, fence) = if long() { ("5s", "10s") } else { ("3s", "6s") };
    let m = Machines::start("ork-e2e-kill", grace, fence);
    let mark = deploy_six(&m, "web");

    // Machine kill: the busiest machine dies with its pods.
    let (victim, _) = m.busiest("web");
    let t0 = Instant::now();
    let said = m.ok(&["chaos", "kill", &victim]);
    assert!(said.contains("docker kill --signal KILL"), "{said}");
    wait_for("6 Ready elsewhere", Duration::from_secs(120), || {
        let by = m.ready_by_node("web")?;
        let elsewhere: usize = by
            .iter()
            .filter(|(n, _)| **n != victim)
            .map(|(_, v)| v.len())
            .sum();
        (elsewhere == 6).then_some(())
    });
    target(
        "machine kill: 6 Running and Ready elsewhere",
        t0.elapsed(),
        Duration::from_secs(10),
        Duration::from_secs(120),
    );
    assert_eq!(
        m.sleeps_in(&victim, mark),
        None,
        "the killed machine runs nothing"
    );
    assert!(m.events("ChaosKill") >= 1, "the kill is an Event");

    // It restarts: its old pods are stopped, exactly six remain.
    let t0 = Instant::now();
    m.ok(&["chaos", "restart", &victim]);
    wait_for(
        "exactly 6 pods after the restart",
        Duration::from_secs(120),
        || {
            let pods = m.pods("web")?;
            let ready = m.ready_by_node("web")?;
            let ready: usize = ready.values().map(Vec::len).sum();
            let node_ready = m.ork(&["get", "node", &victim, "-o", "json"]);
            let node: Value = serde_json::from_slice(&node_ready.stdout).ok()?;
            let up = node["status"]["conditions"]
                .as_array()?
                .iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            (up && pods.len() == 6 && ready == 6).then_some(())
        },
    );
    target(
        "machine restart: exactly 6",
        t0.elapsed(),
        Duration::from_secs(15),
        Duration::from_secs(120),
    );
    wait_for(
        "6 sleep processes after the restart",
        Duration::from_secs(30),
        || (m.sleeps(mark) == 6).then_some(()),
    );

    // Partition: replacements elsewhere, the cut machine fences its pods,
    // and after heal exactly six with none of the old set left.
    let (cut, old) = m.busiest("web");
    assert!(!old.is_empty());
    let t0 = Instant::now();
    m.ok(&["chaos", "partition", &cut]);
    wait_for(
        "replacements of the cut machine's pods",
        Duration::from_secs(120),
        || {
            let by = m.ready_by_node("web")?;
            let elsewhere: usize = by
                .iter()
                .filter(|(n, _)| **n != cut)
                .map(|(_, v)| v.len())
                .sum();
            (elsewhere == 6).then_some(())
        },
    );
    target(
        "partition: 6 Running and Ready elsewhere",
        t0.elapsed(),
        Duration::from_secs(10),
        Duration::from_secs(120),
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    while m.sleeps_in(&cut, mark) != Some(0) {
        if Instant::now() > deadline {
            let logs = Command::new("docker")
                .args(["logs", "--tail", "40", &m.container(&cut)])
                .output()
                .unwrap();
            panic!(
                "the cut machine did not fence its pods in 90 s; its log:\n{}{}",
                String::from_utf8_lossy(&logs.stdout),
                String::from_utf8_lossy(&logs.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let fenced_after = t0.elapsed();
    eprintln!(
        "partition: the cut machine stopped its pods after {:.1} s",
        fenced_after.as_secs_f64()
    );
    assert_eq!(
        m.sleeps(mark),
        6,
        "never more than the 6 replicas once fenced"
    );
    let hold = if long() {
        Duration::from_secs(60)
    } else {
        Duration::from_secs(2)
    };
    std::thread::sleep(
        hold.saturating_sub(t0.elapsed())
            .max(Duration::from_secs(1)),
    );
    let t1 = Instant::now();
    m.ok(&["chaos", "heal", &cut]);
    wait_for(
        "exactly 6 after heal, none of the old set",
        Duration::from_secs(120),
        || {
            let pods = m.pods("web")?;
            let uids: Vec<&str> = pods
                .iter()
                .filter_map(|p| p["metadata"]["uid"].as_str())
                .collect();
            let node: Value =
                serde_json::from_slice(&m.ork(&["get", "node", &cut, "-o", "json"]).stdout).ok()?;
            let up = node["status"]["conditions"]
                .as_array()?
                .iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            (up && pods.len() == 6
                && pods.iter().all(running_ready)
                && old.iter().all(|o| !uids.contains(&o.as_str())))
            .then_some(())
        },
    );
    eprintln!(
        "partition: exactly 6 again {:.1} s after heal",
        t1.elapsed().as_secs_f64()
    );
    wait_for(
        "exactly 6 sleep processes in the machines",
        Duration::from_secs(30),
        || (m.sleeps(mark) == 6).then_some(()),
    );
    assert!(m.events("ChaosPartition") >= 1 && m.events("ChaosHeal") >= 1);
}

#[test]
fn a_flapping_machine_never_runs_more_than_six_plus_surge() {
    if !docker_ready() {
        return;
    }
    let m = Machines::start("ork-e2e-flap", "3s", "6s");
    let mark = deploy_six(&m, "flap");
    let (victim, _) = m.busiest("flap");
    // The pods on the two healthy machines, with their restart counts:
    // flapping must neither replace nor restart any of them.
    let healthy = |pods: &[Value]| -> BTreeMap<String, (i64, bool)> {
        pods.iter()
            .filter(|p| p["spec"]["nodeName"] != victim.as_str())
            .map(|p| {
                let restarts = p["status"]["containerStatuses"].as_array().map_or(0, |c| {
                    c.iter()
                        .map(|c| c["restartCount"].as_i64().unwrap_or(0))
                        .sum()
                });
                let uid = p["metadata"]["uid"].as_str().unwrap_or("").to_string();
                (uid, (restarts, running_ready(p)))
            })
            .collect()
    };
    let before = healthy(&m.pods("flap").unwrap());
    assert!(
        !before.is_empty() && before.values().all(|(_, ready)| *ready),
        "{before:?}"
    );
    let (period, total) = if long() { ("5s", "2m") } else { ("3s", "24s") };
    let mut flap = Command::new(ORK)
        .args(["chaos", "flap", &victim, "--period", period, "--for", total])
        .env("ORK_CONFIG", &m.config)
        .env("ORK_DATA_DIR", &m.data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // maxSurge defaults to 25% of 6, rounded up: 2.
    let mut most = 0;
    let mut samples = 0;
    while flap.try_wait().unwrap().is_none() {
        let n = m.sleeps(mark);
        most = most.max(n);
        samples += 1;
        assert!(n <= 8, "{n} replicas running at once while flapping");
        if let Some(pods) = m.pods("flap") {
            let now = healthy(&pods);
            for (uid, was) in &before {
                assert_eq!(
                    now.get(uid),
                    Some(was),
                    "pod {uid} on a healthy machine was replaced, restarted or not Ready while {victim} flapped"
                );
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(flap.wait().unwrap().success());
    eprintln!("flapping: at most {most} replicas running in {samples} samples (limit 8)");
    assert!(samples > 5);
    wait_for("exactly 6 after flapping", Duration::from_secs(120), || {
        let pods = m.pods("flap")?;
        (pods.len() == 6 && pods.iter().all(running_ready) && m.sleeps(mark) == 6).then_some(())
    });
    let after = healthy(&m.pods("flap").unwrap());
    for (uid, was) in &before {
        assert_eq!(
            after.get(uid),
            Some(was),
            "pod {uid} on a healthy machine after flapping"
        );
    }
    // The node daemon did not crash: its container still runs the same process.
    let out = Command::new("docker")
        .args([
            "inspect",
            "--format",
            "{{.RestartCount}} {{.State.Running}}",
            &m.container(&victim),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0 true");
}

/// One HTTP/1.0 GET of `/hostname` at `addr` (`Host: host` if given);
/// the response when its status is 200. busybox httpd answers HTTP/1.1.
fn get_hostname(addr: &str, host: Option<&str>, timeout: Duration) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect_timeout(&addr.parse().ok()?, timeout).ok()?;
    s.set_read_timeout(Some(timeout)).ok()?;
    s.set_write_timeout(Some(timeout)).ok()?;
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    s.write_all(format!("GET /hostname HTTP/1.0\r\n{host}\r\n").as_bytes())
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.lines().next()?;
    (status.starts_with("HTTP/1.") && status.split(' ').nth(1) == Some("200")).then_some(out)
}

/// The InternalIP of every Node, sorted.
fn node_addresses(m: &Machines) -> Vec<String> {
    let nodes: Value = serde_json::from_str(&m.ok(&["get", "nodes", "-o", "json"])).unwrap();
    let mut addresses: Vec<String> = nodes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| {
            n["status"]["addresses"]
                .as_array()?
                .iter()
                .find(|a| a["type"] == "InternalIP")?["address"]
                .as_str()
                .map(String::from)
        })
        .collect();
    addresses.sort();
    assert_eq!(addresses.len(), 3, "{nodes}");
    addresses
}

/// A `type: LoadBalancer` Service and an Ingress on three machines: from
/// the host, every machine's own address answers at the Service's port, at
/// its node port and at the Ingress port, and the cluster IP answers on the
/// host's loopback (served by `ork up`); the status lists all three machines.
/// The pod is a process pod: it listens on the port it was given, `$(PORT)`.
#[test]
fn a_load_balancer_node_port_and_ingress_answer_on_every_machines_address() {
    if !docker_ready() {
        return;
    }
    let m = Machines::start("ork-e2e-lb", "3s", "6s");
    m.apply(
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: lbweb}
spec:
  replicas: 1
  selector: {matchLabels: {app: lbweb}}
  template:
    metadata: {labels: {app: lbweb}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: busybox
        command: ["httpd", "-f", "-p", "$(PORT)", "-h", "/etc"]
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: lbweb}
spec:
  type: LoadBalancer
  selector: {app: lbweb}
  ports: [{port: 8090, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: lbweb}
spec:
  rules:
  - host: lbweb.example
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: lbweb, port: {number: 8090}}}
"#,
    );
    // The addresses of the machines, as the Nodes report them.
    let addresses = node_addresses(&m);
    let svc = wait_for(
        "the load balancer's status to list the three machines",
        Duration::from_secs(60),
        || {
            let s: Value =
                serde_json::from_str(&m.ok(&["get", "svc", "lbweb", "-o", "json"])).ok()?;
            let mut listed: Vec<String> = s["status"]["loadBalancer"]["ingress"]
                .as_array()?
                .iter()
                .filter_map(|i| i["ip"].as_str().map(String::from))
                .collect();
            listed.sort();
            (listed == addresses).then_some(s)
        },
    );
    let node_port = svc["spec"]["ports"][0]["nodePort"].as_u64().unwrap();
    let cluster_ip = svc["spec"]["clusterIP"].as_str().unwrap().to_string();
    let t = Duration::from_secs(3);
    for addr in &addresses {
        for (what, at, host) in [
            ("the load balancer", format!("{addr}:8090"), None),
            ("the node port", format!("{addr}:{node_port}"), None),
            ("the Ingress", format!("{addr}:80"), Some("lbweb.example")),
        ] {
            wait_for(
                &format!("{what} to answer on {at}"),
                Duration::from_secs(60),
                || get_hostname(&at, host, t),
            );
        }
    }
    wait_for(
        &format!("the cluster IP {cluster_ip}:8090 to answer on the host"),
        Duration::from_secs(30),
        || get_hostname(&format!("{cluster_ip}:8090"), None, t),
    );
}

/// Requests at 20 per second from the host to `addr`, each on a new
/// connection, until stopped.
struct Load {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<(Duration, bool)>>,
    started: Instant,
}

impl Load {
    fn start(addr: String) -> Load {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let (tx, rx) = std::sync::mpsc::channel();
            let mut sent = 0u32;
            while !flag.load(Ordering::Relaxed) {
                let due = Duration::from_millis(50) * sent;
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    std::thread::sleep(wait);
                }
                let (tx, addr) = (tx.clone(), addr.clone());
                std::thread::spawn(move || {
                    let ok = get_hostname(&addr, None, Duration::from_secs(5)).is_some();
                    let _ = tx.send((due, ok));
                });
                sent += 1;
            }
            drop(tx);
            let mut out: Vec<(Duration, bool)> = rx.iter().collect();
            out.sort_by_key(|(at, _)| *at);
            out
        });
        Load {
            stop,
            thread,
            started,
        }
    }

    /// Stops sending; every request's due time (since the start) and whether it was answered.
    fn finish(self) -> Vec<(Duration, bool)> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

/// Answered share of `results` due at or after `from`, printed with the target.
fn answered(what: &str, results: &[(Duration, bool)], from: Duration, target: f64) -> f64 {
    let window: Vec<bool> = results
        .iter()
        .filter(|(at, _)| *at >= from)
        .map(|(_, ok)| *ok)
        .collect();
    let ok = window.iter().filter(|ok| **ok).count();
    let share = 100.0 * ok as f64 / window.len().max(1) as f64;
    eprintln!(
        "{what}: {ok} of {} requests answered, {share:.2}% (target ≥{target}%)",
        window.len()
    );
    share
}

/// A Service keeps answering requests at 20 per second, sent from the host
/// to another machine's node port, while a machine with one of its
/// endpoints is drained (≥99.9%) and while one is killed (≥99% after the
/// node grace).
#[test]
fn a_service_keeps_answering_while_a_machine_is_drained_or_killed() {
    if !docker_ready() {
        return;
    }
    let grace = Duration::from_secs(3);
    let m = Machines::start("ork-e2e-svc", "3s", "6s");
    m.apply(
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: avail}
spec:
  replicas: 3
  selector: {matchLabels: {app: avail}}
  template:
    metadata: {labels: {app: avail}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: httpd
        image: busybox
        command: ["httpd", "-f", "-p", "$(PORT)", "-h", "/etc"]
        ports: [{containerPort: 8080}]
        readinessProbe:
          tcpSocket: {port: 8080}
          periodSeconds: 1
        lifecycle:
          preStop: {sleep: {seconds: 1}}
---
apiVersion: v1
kind: Service
metadata: {name: avail}
spec:
  type: NodePort
  selector: {app: avail}
  ports: [{port: 80, targetPort: 8080}]
"#,
    );
    let svc: Value = serde_json::from_str(&m.ok(&["get", "svc", "avail", "-o", "json"])).unwrap();
    let node_port = svc["spec"]["ports"][0]["nodePort"].as_u64().unwrap();
    let ip_of = |node: &str| {
        let n = node.trim_start_matches("node-").parse::<usize>().unwrap();
        node_addresses(&m)[n - 1].clone()
    };
    // Three Ready pods on machines other than `off`.
    let three_ready_off = |off: &str| -> Option<()> {
        let by = m.ready_by_node("avail")?;
        let n: usize = by
            .iter()
            .filter(|(node, _)| node.as_str() != off)
            .map(|(_, v)| v.len())
            .sum();
        (n == 3).then_some(())
    };
    wait_for("3 pods Running and Ready", Duration::from_secs(90), || {
        three_ready_off("")
    });
    // A machine with an endpoint, and another one the requests go to.
    let pick = || {
        let (victim, _) = m.busiest("avail");
        let client = (1..=3)
            .map(|i| format!("node-{i}"))
            .find(|n| *n != victim)
            .unwrap();
        (victim, format!("{}:{node_port}", ip_of(&client)))
    };
    wait_for("the node port to answer", Duration::from_secs(30), || {
        get_hostname(&pick().1, None, Duration::from_secs(3))
    });

    // Drain.
    let t0 = Instant::now();
    let (victim, to) = pick();
    let load = Load::start(to.clone());
    std::thread::sleep(Duration::from_secs(2));
    m.ok(&["drain", &victim]);
    wait_for(
        "3 Ready off the drained machine",
        Duration::from_secs(60),
        || three_ready_off(&victim),
    );
    std::thread::sleep(Duration::from_secs(2));
    let results = load.finish();
    let share = answered(
        &format!("drain of {victim} (requests to {to})"),
        &results,
        Duration::ZERO,
        99.9,
    );
    assert!(share >= 99.9, "{results:?}");
    m.ok(&["uncordon", &victim]);

    // Kill.
    let (victim, to) = pick();
    let load = Load::start(to.clone());
    std::thread::sleep(Duration::from_secs(2));
    let killed_at = load.started.elapsed();
    m.ok(&["chaos", "kill", &victim]);
    wait_for(
        "3 Ready off the killed machine",
        Duration::from_secs(60),
        || three_ready_off(&victim),
    );
    std::thread::sleep(Duration::from_secs(2));
    let results = load.finish();
    answered(
        &format!("kill of {victim} (requests to {to}), whole run"),
        &results,
        Duration::ZERO,
        99.0,
    );
    let share = answered(
        &format!("kill of {victim} (requests to {to}), after the grace"),
        &results,
        killed_at + grace,
        99.0,
    );
    assert!(share >= 99.0, "{results:?}");
    eprintln!(
        "service availability: drain and kill in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
}
