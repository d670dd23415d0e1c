//! High availability: a three-member etcd on loopback ports (started and
//! stopped by the test), two control daemons on it, and a node. Without an
//! etcd binary these tests skip, unless `ORK_REQUIRE_ETCD=1` or `CI`: then
//! they fail.

use crate::harness::{ORK, free_port, http, wait_for};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn have_etcd() -> bool {
    let found = Command::new("etcd")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var("ORK_REQUIRE_ETCD").as_deref() != Ok("1")
                && std::env::var_os("CI").is_none(),
            "ORK_REQUIRE_ETCD=1 (or CI) but there is no etcd on PATH (apt-get install etcd-server)"
        );
        eprintln!("skipped: no etcd on PATH");
    }
    found
}

/// Three etcd members on loopback.
pub struct Etcd {
    dir: PathBuf,
    clients: Vec<u16>,
    peers: Vec<u16>,
    members: Vec<Option<Child>>,
}

impl Etcd {
    pub fn start(dir: &Path) -> Etcd {
        let mut e = Etcd {
            dir: dir.join("etcd"),
            clients: (0..3).map(|_| free_port()).collect(),
            peers: (0..3).map(|_| free_port()).collect(),
            members: vec![],
        };
        for i in 0..3 {
            let child = e.spawn(i);
            e.members.push(Some(child));
        }
        for i in 0..3 {
            e.wait_healthy(i);
        }
        e
    }

    fn spawn(&self, i: usize) -> Child {
        let cluster: Vec<String> = (0..3)
            .map(|j| format!("m{j}=http://127.0.0.1:{}", self.peers[j]))
            .collect();
        let c = format!("http://127.0.0.1:{}", self.clients[i]);
        let p = format!("http://127.0.0.1:{}", self.peers[i]);
        std::fs::create_dir_all(&self.dir).unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("m{i}.log")))
            .unwrap();
        Command::new("etcd")
            .args(["--name", &format!("m{i}"), "--data-dir"])
            .arg(self.dir.join(format!("m{i}")))
            .args(["--listen-client-urls", &c, "--advertise-client-urls", &c])
            .args([
                "--listen-peer-urls",
                &p,
                "--initial-advertise-peer-urls",
                &p,
            ])
            .args(["--initial-cluster", &cluster.join(",")])
            .args(["--initial-cluster-token", "ork-ha-test"])
            .args(["--max-txn-ops", "10000", "--max-request-bytes", "33554432"])
            .args(["--heartbeat-interval", "100", "--election-timeout", "1000"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    fn wait_healthy(&self, i: usize) {
        let url = format!("http://127.0.0.1:{}/health", self.clients[i]);
        wait_for(
            "an etcd member to be healthy",
            Duration::from_secs(30),
            || {
                let v: Value = http().get(&url).send().ok()?.json().ok()?;
                (v["health"] == "true").then_some(())
            },
        );
    }

    /// `etcd://` and every member's client address.
    pub fn url(&self) -> String {
        let eps: Vec<String> = self
            .clients
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        format!("etcd://{}", eps.join(","))
    }

    fn kill(&mut self, i: usize) {
        if let Some(mut c) = self.members[i].take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The member that is the raft leader now.
    fn raft_leader(&self) -> usize {
        wait_for("an etcd raft leader", Duration::from_secs(10), || {
            (0..3).find(|&i| {
                let url = format!("http://127.0.0.1:{}/v3/maintenance/status", self.clients[i]);
                let v: Option<Value> = http()
                    .post(&url)
                    .body("{}")
                    .send()
                    .ok()
                    .and_then(|r| r.json().ok());
                v.is_some_and(|v| {
                    v["leader"].is_string() && v["leader"] == v["header"]["member_id"]
                })
            })
        })
    }

    fn restart(&mut self, i: usize) {
        let child = self.spawn(i);
        self.members[i] = Some(child);
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        for i in 0..3 {
            self.kill(i);
        }
    }
}

/// One `ork control` on the shared etcd.
pub struct Control {
    child: Option<Child>,
    data: PathBuf,
    log: PathBuf,
    pub url: String,
}

pub const SECRET: &str = "a-cluster-secret-for-tests";

impl Control {
    /// Starts a control daemon with data dir `dir/name` on `store`.
    pub fn start(dir: &Path, name: &str, store: &str) -> Control {
        let data = dir.join(name);
        let log = dir.join(format!("{name}.log"));
        let f = std::fs::File::create(&log).unwrap();
        let child = Command::new(ORK)
            .args(["control", "--listen", "127.0.0.1:0", "--node-grace", "3s"])
            .args(["--store", store, "--leader-term", "3s", "--data-dir"])
            .arg(&data)
            .env("ORK_CLUSTER_SECRET", SECRET)
            .env("ORK_LOG", "info")
            .stdin(Stdio::null())
            .stdout(f.try_clone().unwrap())
            .stderr(f)
            .spawn()
            .unwrap();
        let url_file = data.join("control.url");
        let url = wait_for(
            "the control daemon to listen",
            Duration::from_secs(30),
            || {
                std::fs::read_to_string(&url_file)
                    .ok()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
            },
        );
        Control {
            child: Some(child),
            data,
            log,
            url,
        }
    }

    fn leads(&self) -> bool {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let led = log.rfind("this control daemon leads");
        let stepped = log.rfind("this control daemon stepped down");
        led.is_some() && led > stepped
    }

    fn pid(&self) -> nix::unistd::Pid {
        nix::unistd::Pid::from_raw(self.child.as_ref().unwrap().id() as i32)
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn ork(&self, args: &[&str]) -> Output {
        let token = std::fs::read_to_string(self.data.join("admin.token")).unwrap();
        Command::new(ORK)
            .args(args)
            .env("ORK_SERVER", &self.url)
            .env("ORK_TOKEN", token.trim())
            .env("ORK_CA", self.data.join("ca.crt"))
            .env("ORK_CONFIG", self.data.join("no-config.yaml"))
            .env_remove("ORK_NAMESPACE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    }

    fn apply(&self, yaml: &str) -> Output {
        use std::io::Write;
        let token = std::fs::read_to_string(self.data.join("admin.token")).unwrap();
        let mut child = Command::new(ORK)
            .args(["apply", "-f", "-"])
            .env("ORK_SERVER", &self.url)
            .env("ORK_TOKEN", token.trim())
            .env("ORK_CA", self.data.join("ca.crt"))
            .env("ORK_CONFIG", self.data.join("no-config.yaml"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(yaml.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Option<Value> {
        let mut a = args.to_vec();
        a.extend(["-o", "json"]);
        let out = self.ork(&a);
        out.status
            .success()
            .then(|| serde_json::from_slice(&out.stdout).ok())
            .flatten()
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        if let Some(c) = &self.child {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(c.id() as i32),
                nix::sys::signal::Signal::SIGCONT,
            );
        }
        self.kill();
    }
}

struct NodeProc(Child);

impl Drop for NodeProc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_node(dir: &Path, c: &Control, name: &str) -> NodeProc {
    let f = std::fs::File::create(dir.join(format!("node-{name}.log"))).unwrap();
    NodeProc(
        Command::new(ORK)
            .args(["node", "--join", &c.url, "--token-file"])
            .arg(c.data.join("node.token"))
            .args(["--name", name, "--runtime", "fake", "--data-dir"])
            .arg(dir.join(format!("node-{name}")))
            .stdin(Stdio::null())
            .stdout(f.try_clone().unwrap())
            .stderr(f)
            .spawn()
            .unwrap(),
    )
}

/// Who holds the control plane's Lease, as a daemon shows it.
fn lease_holder(c: &Control) -> Option<String> {
    let l = c.json(&["get", "lease", "ork-control-plane", "-n", "kube-system"])?;
    l["spec"]["holderIdentity"].as_str().map(String::from)
}

#[test]
fn a_lone_daemon_on_sqlite_holds_the_control_plane_lease() {
    let dir = tempfile::tempdir().unwrap();
    let c = Control::start(dir.path(), "solo", "sqlite");
    let first = wait_for("the Lease", Duration::from_secs(10), || {
        let l = c.json(&["get", "lease", "ork-control-plane", "-n", "kube-system"])?;
        l["spec"]["holderIdentity"]
            .as_str()?
            .ends_with(&c.url)
            .then_some(l)
    });
    assert_eq!(first["apiVersion"], "coordination.k8s.io/v1");
    assert_eq!(first["spec"]["leaseDurationSeconds"], 3);
    // Renewed while the daemon runs.
    wait_for("a renewal", Duration::from_secs(10), || {
        let l = c.json(&["get", "lease", "ork-control-plane", "-n", "kube-system"])?;
        (l["spec"]["renewTime"] != first["spec"]["renewTime"]).then_some(())
    });
    let out = c.ork(&["get", "leases", "-n", "kube-system"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("HOLDER") && table.contains("ork-control-plane"),
        "{table}"
    );
}

fn deployment(replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: c\n        image: ork-test/busybox:latest\n        command: [sleep, \"1000\"]\n"
    )
}

fn bound_pods(c: &Control) -> usize {
    c.json(&["get", "pods", "-l", "app=web"])
        .and_then(|v| {
            v["items"].as_array().map(|items| {
                items
                    .iter()
                    .filter(|p| {
                        p["spec"]["nodeName"]
                            .as_str()
                            .is_some_and(|n| !n.is_empty())
                            && p["metadata"]["deletionTimestamp"].is_null()
                    })
                    .count()
            })
        })
        .unwrap_or(0)
}

/// Two control daemons on one etcd, the first leading; a node on the second.
fn cluster(dir: &Path, etcd: &Etcd) -> (Control, Control, NodeProc) {
    let a = Control::start(dir, "a", &etcd.url());
    wait_for("the first daemon to lead", Duration::from_secs(20), || {
        a.leads().then_some(())
    });
    let b = Control::start(dir, "b", &etcd.url());
    for f in ["admin.token", "node.token", "ca.crt", "secret.key"] {
        assert_eq!(
            std::fs::read(a.data.join(f)).unwrap(),
            std::fs::read(b.data.join(f)).unwrap(),
            "{f} is shared"
        );
    }
    assert!(!b.leads());
    let node = start_node(dir, &b, "n1");
    wait_for("node n1 Ready", Duration::from_secs(30), || {
        let v = a.json(&["get", "node", "n1"])?;
        v["status"]["conditions"]
            .as_array()?
            .iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
            .then_some(())
    });
    (a, b, node)
}

#[test]
fn killing_the_leader_hands_over_within_seconds_and_loses_no_acknowledged_write() {
    if !have_etcd() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let etcd = Etcd::start(dir.path());
    let (mut a, b, _node) = cluster(dir.path(), &etcd);
    let out = b.apply(&deployment(2));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for("2 pods bound", Duration::from_secs(30), || {
        (bound_pods(&b) == 2).then_some(())
    });
    // A client writes through the survivor while the leader dies.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (url, data, stop) = (b.url.clone(), b.data.clone(), stop.clone());
        std::thread::spawn(move || {
            let c = Control {
                child: None,
                data,
                log: PathBuf::new(),
                url,
            };
            let mut acked = vec![];
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let name = format!("w{i}");
                if c.ork(&["create", "configmap", &name, "--from-literal", "k=v"])
                    .status
                    .success()
                {
                    acked.push(name);
                }
                i += 1;
            }
            acked
        })
    };
    // Both daemons show the leader's Lease, as kubectl would.
    for c in [&a, &b] {
        wait_for("the leader's Lease", Duration::from_secs(10), || {
            lease_holder(c).filter(|h| h.ends_with(&a.url))
        });
    }
    let table = b.ork(&["get", "leases", "-n", "kube-system"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.starts_with("NAME") && table.contains("HOLDER") && table.contains("AGE"),
        "{table}"
    );
    assert!(
        table.contains("ork-control-plane") && table.contains(&a.url),
        "{table}"
    );
    std::thread::sleep(Duration::from_millis(500));
    let killed = Instant::now();
    a.kill();
    let out = b.ork(&["scale", "deployment", "web", "--replicas", "4"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for("the scale carried out", Duration::from_secs(10), || {
        (bound_pods(&b) == 4).then_some(())
    });
    let took = killed.elapsed();
    assert!(b.leads(), "the survivor leads");
    let lease = wait_for("the new leader's Lease", Duration::from_secs(10), || {
        let l = b.json(&["get", "lease", "ork-control-plane", "-n", "kube-system"])?;
        l["spec"]["holderIdentity"]
            .as_str()?
            .ends_with(&b.url)
            .then_some(l)
    });
    assert_eq!(lease["spec"]["leaseTransitions"], 1, "{lease}");
    assert_eq!(lease["spec"]["leaseDurationSeconds"], 3, "{lease}");
    assert!(lease["spec"]["renewTime"].is_string(), "{lease}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acked = writer.join().unwrap();
    assert!(!acked.is_empty());
    let listed = b.json(&["get", "configmaps"]).unwrap();
    let names: std::collections::HashSet<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["metadata"]["name"].as_str().map(String::from))
        .collect();
    let lost: Vec<&String> = acked.iter().filter(|n| !names.contains(*n)).collect();
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
    eprintln!(
        "leader failover: scale carried out {:.1} s after kill -9 of the leader ({} acknowledged writes, 0 lost; target 10 s)",
        took.as_secs_f64(),
        acked.len()
    );
}

#[test]
fn etcd_members_dying_one_goes_unnoticed_two_stop_writes_until_they_return() {
    if !have_etcd() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut etcd = Etcd::start(dir.path());
    let (a, b, _node) = cluster(dir.path(), &etcd);
    for i in 0..5 {
        let out = b.ork(&["create", "configmap", &format!("before-{i}")]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    wait_for(
        "the other daemon to follow",
        Duration::from_secs(10),
        || a.json(&["get", "configmap", "before-4"]),
    );
    // The raft leader goes first: the election that follows is the hard case.
    let leader = etcd.raft_leader();
    etcd.kill(leader);
    for i in 0..5 {
        let started = Instant::now();
        let out = b.ork(&["create", "configmap", &format!("one-down-{i}")]);
        assert!(
            out.status.success(),
            "with one etcd member of three down: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!(
            "one etcd member down: create {i} took {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    wait_for(
        "the other daemon to follow",
        Duration::from_secs(10),
        || a.json(&["get", "configmap", "one-down-4"]),
    );
    let second = (0..3).find(|i| *i != leader).unwrap();
    etcd.kill(second);
    let out = b.ork(&["create", "configmap", "no-quorum"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("503") && err.contains("unavailable") && err.contains("quorum"),
        "{err}"
    );
    assert!(
        err.contains("may or may not have been applied") || err.contains("was not applied"),
        "the message says what became of the write: {err}"
    );
    // Reads go on from the cache.
    let read = a.ork(&["get", "configmap", "one-down-4"]);
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    assert!(b.json(&["get", "node", "n1"]).is_some());
    etcd.restart(leader);
    etcd.restart(second);
    wait_for("writes to resume", Duration::from_secs(30), || {
        let out = b.ork(&["create", "configmap", "back"]);
        let err = String::from_utf8_lossy(&out.stderr);
        // A create whose first answer was lost lands all the same.
        (out.status.success() || err.contains("AlreadyExists")).then_some(())
    });
    wait_for(
        "the other daemon to follow",
        Duration::from_secs(10),
        || a.json(&["get", "configmap", "back"]),
    );
}

#[test]
fn a_paused_leader_is_replaced_and_writes_nothing_after_its_lease() {
    if !have_etcd() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let etcd = Etcd::start(dir.path());
    let (a, b, _node) = cluster(dir.path(), &etcd);
    nix::sys::signal::kill(a.pid(), nix::sys::signal::Signal::SIGSTOP).unwrap();
    wait_for("the other daemon to lead", Duration::from_secs(15), || {
        b.leads().then_some(())
    });
    let out = b.apply(&deployment(2));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for(
        "2 pods bound by the new leader",
        Duration::from_secs(20),
        || (bound_pods(&b) == 2).then_some(()),
    );
    nix::sys::signal::kill(a.pid(), nix::sys::signal::Signal::SIGCONT).unwrap();
    wait_for(
        "the old leader to step down",
        Duration::from_secs(10),
        || (!a.leads()).then_some(()),
    );
    assert!(b.leads());
    // The old leader's controllers wrote nothing: still exactly 2 pods.
    assert_eq!(bound_pods(&b), 2);
    let pods = b.json(&["get", "pods", "-l", "app=web"]).unwrap();
    assert_eq!(pods["items"].as_array().unwrap().len(), 2);
}
