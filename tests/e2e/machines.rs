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
use crate::harness::{Deploy, ORK, UpGuard, marker, wait_for};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn long() -> bool {
    std::env::var("ORK_FAILURE_LONG").as_deref() == Ok("1")
}

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

/// An `ork up --machines docker --nodes 3` in a temp dir; dropping it kills
/// `ork up` and runs `ork down` (which removes the machines and network).
struct Machines {
    _guard: UpGuard,
    _child: Child,
    _dir: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
    cluster: String,
}

impl Machines {
    fn start(cluster: &str, grace: &str, fence_after: &str) -> Machines {
        use std::io::{BufRead, BufReader};
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = dir.path().join("config.yaml");
        let started = Instant::now();
        let mut child = Command::new(ORK)
            .args(["up", "--listen", "127.0.0.1:0", "--machines", "docker"])
            .args(["--nodes", "3", "--cluster", cluster])
            .args(["--node-grace", grace, "--fence-after", fence_after])
            .arg("--data-dir")
            .arg(&data)
            .env("ORK_CONFIG", &config)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let guard = UpGuard {
            pid: child.id(),
            data: data.clone(),
        };
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        wait_for("ork up --machines docker", Duration::from_secs(240), || {
            let l = lines.next()?.ok()?;
            eprintln!("ork up: {l}");
            l.starts_with("ork is up: API ").then_some(())
        });
        eprintln!(
            "3 machines Ready after {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Machines {
            _guard: guard,
            _child: child,
            _dir: dir,
            data,
            config,
            cluster: cluster.into(),
        }
    }

    fn ork(&self, args: &[&str]) -> Output {
        Command::new(ORK)
            .args(args)
            .env("ORK_CONFIG", &self.config)
            .env("ORK_DATA_DIR", &self.data)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.ork(args);
        assert!(
            out.status.success(),
            "ork {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn apply(&self, yaml: &str) {
        let mut child = Command::new(ORK)
            .args(["apply", "-f", "-"])
            .env("ORK_CONFIG", &self.config)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(yaml.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
    }

    /// The pods of app `app` as the API has them; `None` when it does not answer.
    fn pods(&self, app: &str) -> Option<Vec<Value>> {
        let out = self.ork(&["get", "pods", "-l", &format!("app={app}"), "-o", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).ok()?;
        v["items"].as_array().cloned()
    }

    /// Running and Ready pods not being deleted, by node.
    fn ready_by_node(&self, app: &str) -> Option<BTreeMap<String, Vec<String>>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in self.pods(app)? {
            if running_ready(&p) {
                out.entry(p["spec"]["nodeName"].as_str().unwrap_or("").into())
                    .or_default()
                    .push(p["metadata"]["uid"].as_str().unwrap_or("").into());
            }
        }
        Some(out)
    }

    fn container(&self, node: &str) -> String {
        format!("{}-{node}", self.cluster)
    }

    /// `sleep <mark>` processes running in machine `node`; `None` when it
    /// cannot be looked into (stopped, paused).
    fn sleeps_in(&self, node: &str, mark: u64) -> Option<usize> {
        let out = Command::new("docker")
            .args(["exec", &self.container(node), "ps", "-o", "args"])
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let want = format!("sleep {mark}");
        Some(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.trim() == want)
                .count(),
        )
    }

    /// `sleep <mark>` processes in every machine that can be looked into.
    fn sleeps(&self, mark: u64) -> usize {
        (1..=3)
            .filter_map(|i| self.sleeps_in(&format!("node-{i}"), mark))
            .sum()
    }

    /// The node with most Ready pods of `app`.
    fn busiest(&self, app: &str) -> (String, Vec<String>) {
        let by = self.ready_by_node(app).unwrap();
        by.into_iter().max_by_key(|(_, v)| v.len()).unwrap()
    }

    fn events(&self, reason: &str) -> usize {
        let out = self.ork(&["get", "events", "-A", "-o", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        v["items"]
            .as_array()
            .map(|a| a.iter().filter(|e| e["reason"] == reason).count())
            .unwrap_or(0)
    }
}

fn running_ready(p: &Value) -> bool {
    p["metadata"]["deletionTimestamp"].is_null()
        && p["status"]["phase"] == "Running"
        && p["status"]["conditions"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// Six replicas of `sleep <mark>`, spread over the three machines.
fn deploy_six(m: &Machines, app: &str) -> u64 {
    let mark = marker();
    let mark_s = mark.to_string();
    m.apply(
        &Deploy::new(app, 6)
            .grace(1)
            .command(&["sleep", &mark_s])
            .yaml(),
    );
    wait_for("6 pods Running and Ready", Duration::from_secs(90), || {
        let by = m.ready_by_node(app)?;
        (by.values().map(Vec::len).sum::<usize>() == 6).then_some(())
    });
    wait_for(
        "6 sleep processes in the machines",
        Duration::from_secs(30),
        || (m.sleeps(mark) == 6).then_some(()),
    );
    mark
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
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(flap.wait().unwrap().success());
    eprintln!("flapping: at most {most} replicas running in {samples} samples (limit 8)");
    assert!(samples > 5);
    wait_for("exactly 6 after flapping", Duration::from_secs(120), || {
        let pods = m.pods("flap")?;
        (pods.len() == 6 && pods.iter().all(running_ready) && m.sleeps(mark) == 6).then_some(())
    });
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

/// A `type: LoadBalancer` Service on three machines: every machine's own
/// address answers at the Service's port, and the status lists all three.
#[test]
#[ignore = "known bug: inside `--machines docker` nodes the service proxy does not relay (LB port, node port and cluster IP reset or stay silent while the pod's own port answers)"]
fn a_load_balancer_answers_on_every_machines_address() {
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
        command: ["httpd", "-f", "-p", "8080", "-h", "/etc"]
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: lbweb}
spec:
  type: LoadBalancer
  selector: {app: lbweb}
  ports: [{port: 8090, targetPort: 8080}]
"#,
    );
    // The addresses of the Ready machines, as the Nodes report them.
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
    wait_for(
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
            (listed == addresses).then_some(())
        },
    );
    // One HTTP/1.0 GET of /hostname (httpd serves /etc) at each address.
    let get = |addr: &str| -> Option<String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect_timeout(
            &format!("{addr}:8090").parse().ok()?,
            Duration::from_secs(2),
        )
        .ok()?;
        s.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
        s.write_all(b"GET /hostname HTTP/1.0\r\n\r\n").ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        out.starts_with("HTTP/1.0 200").then_some(out)
    };
    for addr in &addresses {
        wait_for(
            &format!("the load balancer to answer on {addr}:8090"),
            Duration::from_secs(60),
            || get(addr),
        );
    }
}
