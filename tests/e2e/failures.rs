//! More of the failure suite on `ork up --machines docker` clusters: the
//! control daemon killed while three machines run six replicas (they keep
//! running untouched: no restart, no replacement), and a machine killed from
//! the dashboard's nodes view (`ork tui` in tmux: `K`, then `y`), which runs
//! `ork chaos kill`'s own code and shows the kill on the failover timeline.
//!
//! Replicas are checked both through the API and inside the machines
//! (`docker exec ps`: the very same processes). The short profile (default,
//! CI) holds the control daemon down for 10 s; `ORK_FAILURE_LONG=1` for
//! 60 s. Each test's Docker objects carry its own cluster name and are
//! removed when it ends.

use crate::docker::docker_ready;
use crate::harness::{Deploy, ORK, UpGuard, marker, wait_for};
use crate::tui::{Tmux, tmux_available};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn long() -> bool {
    std::env::var("ORK_FAILURE_LONG").as_deref() == Ok("1")
}

/// `ork up --machines docker --nodes 3` in a temp dir (grace 3 s, fencing
/// after 6 s); dropping it kills `ork up` and runs `ork down`, which removes
/// the machines, the network and a control daemon started again.
struct Cluster {
    _guard: UpGuard,
    _child: Child,
    _dir: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
    name: String,
}

impl Cluster {
    fn start(name: &str) -> Cluster {
        use std::io::{BufRead, BufReader};
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = dir.path().join("config.yaml");
        let mut child = Command::new(ORK)
            .args(["up", "--listen", "127.0.0.1:0", "--machines", "docker"])
            .args(["--nodes", "3", "--cluster", name])
            .args(["--node-grace", "3s", "--fence-after", "6s"])
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
        Cluster {
            _guard: guard,
            _child: child,
            _dir: dir,
            data,
            config,
            name: name.into(),
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

    /// Six replicas of `sleep <mark>` (app `app`), Ready, six processes in
    /// the machines.
    fn deploy_six(&self, app: &str) -> u64 {
        let mark = marker();
        let mark_s = mark.to_string();
        let yaml = Deploy::new(app, 6)
            .grace(1)
            .command(&["sleep", &mark_s])
            .yaml();
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
        wait_for("6 pods Running and Ready", Duration::from_secs(90), || {
            let pods = self.pods(app)?;
            (pods.len() == 6 && pods.iter().all(running_ready)).then_some(())
        });
        wait_for(
            "6 sleep processes in the machines",
            Duration::from_secs(30),
            || (self.processes(mark).values().map(Vec::len).sum::<usize>() == 6).then_some(()),
        );
        mark
    }

    /// The pods of app `app` as the API has them; `None` when it does not answer.
    fn pods(&self, app: &str) -> Option<Vec<Value>> {
        let out = self.ork(&["get", "pods", "-l", &format!("app={app}"), "-o", "json"]);
        if !out.status.success() {
            return None;
        }
        let v: Value = serde_json::from_slice(&out.stdout).ok()?;
        v["items"].as_array().cloned()
    }

    fn container(&self, node: &str) -> String {
        format!("{}-{node}", self.name)
    }

    /// The pids of the `sleep <mark>` processes in each machine that can be
    /// looked into.
    fn processes(&self, mark: u64) -> BTreeMap<String, Vec<u32>> {
        let want = format!("sleep {mark}");
        let mut out = BTreeMap::new();
        for i in 1..=3 {
            let node = format!("node-{i}");
            let Ok(o) = Command::new("docker")
                .args(["exec", &self.container(&node), "ps", "-o", "pid,args"])
                .output()
            else {
                continue;
            };
            if !o.status.success() {
                continue;
            }
            let mut pids: Vec<u32> = String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| {
                    let (pid, args) = l.trim().split_once(' ')?;
                    (args.trim() == want).then(|| pid.parse().ok())?
                })
                .collect();
            pids.sort();
            out.insert(node, pids);
        }
        out
    }

    fn events(&self, reason: &str) -> usize {
        let out = self.ork(&["get", "events", "-A", "-o", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        v["items"]
            .as_array()
            .map(|a| a.iter().filter(|e| e["reason"] == reason).count())
            .unwrap_or(0)
    }

    /// How many Nodes are Ready; `None` when the API does not answer.
    fn nodes_ready(&self) -> Option<usize> {
        let out = self.ork(&["get", "nodes", "-o", "json"]);
        if !out.status.success() {
            return None;
        }
        let v: Value = serde_json::from_slice(&out.stdout).ok()?;
        Some(
            v["items"]
                .as_array()?
                .iter()
                .filter(|n| {
                    n["status"]["conditions"].as_array().is_some_and(|c| {
                        c.iter()
                            .any(|c| c["type"] == "Ready" && c["status"] == "True")
                    })
                })
                .count(),
        )
    }

    /// Whether machine `node`'s container runs.
    fn running(&self, node: &str) -> bool {
        let out = Command::new("docker")
            .args([
                "inspect",
                "--format",
                "{{.State.Running}}",
                &self.container(node),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "true"
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

/// Each pod's uid, node and container restarts.
fn identity(pods: &[Value]) -> BTreeMap<String, (String, i64)> {
    pods.iter()
        .map(|p| {
            let restarts = p["status"]["containerStatuses"]
                .as_array()
                .map(|cs| cs.iter().filter_map(|c| c["restartCount"].as_i64()).sum())
                .unwrap_or(0);
            (
                p["metadata"]["uid"].as_str().unwrap_or("").to_string(),
                (
                    p["spec"]["nodeName"].as_str().unwrap_or("").to_string(),
                    restarts,
                ),
            )
        })
        .collect()
}

#[test]
fn with_the_control_daemon_killed_the_workload_keeps_running_untouched() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start("ork-e2e-ctl");
    let mark = c.deploy_six("calm");
    let before = identity(&c.pods("calm").unwrap());
    let procs = c.processes(mark);
    assert_eq!(before.len(), 6);
    let spread: Vec<usize> = procs.values().map(Vec::len).collect();
    eprintln!("six replicas on the machines: {spread:?}");

    let down_for = if long() {
        Duration::from_secs(60)
    } else {
        Duration::from_secs(10)
    };
    let said = c.ok(&["chaos", "kill", "control"]);
    assert!(said.contains("kill control: SIGKILL"), "{said}");
    let t0 = Instant::now();
    wait_for("the API to stop answering", Duration::from_secs(10), || {
        c.pods("calm").is_none().then_some(())
    });
    // All the while, the same six processes run in the machines.
    let mut samples = 0;
    while t0.elapsed() < down_for {
        assert_eq!(
            c.processes(mark),
            procs,
            "the pods' processes changed {:.1} s after the control daemon was killed",
            t0.elapsed().as_secs_f64()
        );
        samples += 1;
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(samples >= 5, "only {samples} samples");

    let t1 = Instant::now();
    let said = c.ok(&["chaos", "restart", "control"]);
    assert!(said.contains("restart control"), "{said}");
    wait_for(
        "the API back with three Ready nodes",
        Duration::from_secs(60),
        || (c.nodes_ready()? == 3).then_some(()),
    );
    eprintln!(
        "control daemon down {:.1} s; API back with 3 Ready nodes {:.1} s after its restart",
        down_for.as_secs_f64(),
        t1.elapsed().as_secs_f64()
    );
    // Past three graces after the restart nothing was counted lost: the
    // same six pods, Ready, not restarted, the same processes.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_secs(10) {
        let pods = c.pods("calm").expect("the API answers");
        assert_eq!(identity(&pods), before, "a pod was replaced or restarted");
        assert!(pods.iter().all(running_ready), "a pod is not Ready");
        assert_eq!(c.processes(mark), procs, "the pods' processes changed");
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(c.nodes_ready(), Some(3));
    for reason in ["PodsMarkedLost", "NodeNotReady", "Fenced"] {
        assert_eq!(c.events(reason), 0, "a {reason} Event was recorded");
    }
    eprintln!(
        "control daemon killed for {:.0} s: 0 restarts, 0 replacements, 6/6 Ready",
        down_for.as_secs_f64()
    );
}

#[test]
fn a_machine_killed_from_the_dashboard_dies_and_shows_on_the_timeline() {
    if !docker_ready() {
        return;
    }
    if !tmux_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required under CI"
        );
        eprintln!("skipped: no tmux");
        return;
    }
    let c = Cluster::start("ork-e2e-tuikill");
    let t = Tmux {
        socket: format!("ork-e2e-{}", uuid::Uuid::new_v4().simple()),
    };
    let cmd = format!(
        "ORK_CONFIG={} ORK_DATA_DIR={} {ORK} tui --view nodes; echo ORK-TUI-EXITED $?; sleep 600",
        c.config.display(),
        c.data.display()
    );
    let out = t.run(&[
        "new-session",
        "-d",
        "-s",
        "tui",
        "-x",
        "160",
        "-y",
        "40",
        &cmd,
    ]);
    assert!(
        out.status.success(),
        "tmux: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The nodes view, sorted by name, with the chaos keys offered.
    t.wait_screen("the three machines and the chaos keys", |s| {
        s.contains("node-3") && s.contains("K/R/p/x") && s.contains("nodes[1/3]")
    });
    t.keys(&["j"]);
    t.wait_screen("node-2 selected", |s| s.contains("nodes[2/3]"));
    t.keys(&["K"]);
    t.wait_screen("the kill question", |s| {
        s.contains("Kill machine node-2 (SIGKILL)?")
    });
    assert!(c.running("node-2"), "nothing happens before the answer");
    t.keys(&["y"]);
    wait_for("machine node-2 killed", Duration::from_secs(30), || {
        (!c.running("node-2")).then_some(())
    });
    assert!(c.running("node-1") && c.running("node-3"));
    t.wait_screen("what the kill did", |s| {
        s.contains("kill node-2: SIGKILL to the machine")
    });
    assert!(c.events("ChaosKill") >= 1, "the kill is an Event");
    // The failover timeline shows the kill, then the node lost.
    t.keys(&["8"]);
    let s = t.wait_screen("the kill and the NotReady on the timeline", |s| {
        s.contains("chaos kill: SIGKILL to the machine")
            && s.contains("✔")
            && s.contains("node NotReady")
            && !s.contains("…          node NotReady")
    });
    eprintln!("{s}");
    t.keys(&["q"]);
    t.wait_screen("ork tui to exit cleanly", |s| {
        s.contains("ORK-TUI-EXITED 0")
    });
}
