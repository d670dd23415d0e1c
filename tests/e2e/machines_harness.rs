//! `ork up --machines docker` clusters for the failure suites
//! ([`super::machines`], [`super::failures`]): three machines started in a
//! temp dir and removed again, `ork` run against them, the replicas of an
//! app as the API has them and as `sleep` processes inside the machines.

use crate::harness::{Deploy, ORK, UpGuard, marker, wait_for};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Whether the long profile runs (`ORK_FAILURE_LONG=1`).
pub(crate) fn long() -> bool {
    std::env::var("ORK_FAILURE_LONG").as_deref() == Ok("1")
}

/// An `ork up --machines docker --nodes 3` in a temp dir; dropping it kills
/// `ork up` and runs `ork down` (which removes the machines, the network
/// and a control daemon started again).
pub(crate) struct Machines {
    _guard: UpGuard,
    _child: Child,
    _dir: tempfile::TempDir,
    pub(crate) data: PathBuf,
    pub(crate) config: PathBuf,
    pub(crate) cluster: String,
}

impl Machines {
    /// Three machines of cluster `cluster`, with `--node-grace grace` and
    /// `--fence-after fence_after`; returns once `ork up` says it is up.
    pub(crate) fn start(cluster: &str, grace: &str, fence_after: &str) -> Machines {
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

    pub(crate) fn ork(&self, args: &[&str]) -> Output {
        Command::new(ORK)
            .args(args)
            .env("ORK_CONFIG", &self.config)
            .env("ORK_DATA_DIR", &self.data)
            .output()
            .unwrap()
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.ork(args);
        assert!(
            out.status.success(),
            "ork {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn apply(&self, yaml: &str) {
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
    pub(crate) fn pods(&self, app: &str) -> Option<Vec<Value>> {
        let out = self.ork(&["get", "pods", "-l", &format!("app={app}"), "-o", "json"]);
        if !out.status.success() {
            return None;
        }
        let v: Value = serde_json::from_slice(&out.stdout).ok()?;
        v["items"].as_array().cloned()
    }

    /// Running and Ready pods not being deleted, by node.
    pub(crate) fn ready_by_node(&self, app: &str) -> Option<BTreeMap<String, Vec<String>>> {
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

    /// The node with most Ready pods of `app`.
    pub(crate) fn busiest(&self, app: &str) -> (String, Vec<String>) {
        let by = self.ready_by_node(app).unwrap();
        by.into_iter().max_by_key(|(_, v)| v.len()).unwrap()
    }

    /// The container of machine `node`.
    pub(crate) fn container(&self, node: &str) -> String {
        format!("{}-{node}", self.cluster)
    }

    /// The pids of the `sleep <mark>` processes in machine `node`; `None`
    /// when it cannot be looked into (stopped, paused).
    pub(crate) fn sleep_pids_in(&self, node: &str, mark: u64) -> Option<Vec<u32>> {
        let out = Command::new("docker")
            .args(["exec", &self.container(node), "ps", "-o", "pid,args"])
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let want = format!("sleep {mark}");
        let mut pids: Vec<u32> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let (pid, args) = l.trim().split_once(' ')?;
                (args.trim() == want).then(|| pid.parse().ok())?
            })
            .collect();
        pids.sort();
        Some(pids)
    }

    /// How many `sleep <mark>` processes run in machine `node`; `None` when
    /// it cannot be looked into.
    pub(crate) fn sleeps_in(&self, node: &str, mark: u64) -> Option<usize> {
        self.sleep_pids_in(node, mark).map(|p| p.len())
    }

    /// The pids of the `sleep <mark>` processes in each machine that can be
    /// looked into.
    pub(crate) fn processes(&self, mark: u64) -> BTreeMap<String, Vec<u32>> {
        (1..=3)
            .map(|i| format!("node-{i}"))
            .filter_map(|n| Some((n.clone(), self.sleep_pids_in(&n, mark)?)))
            .collect()
    }

    /// `sleep <mark>` processes in every machine that can be looked into.
    pub(crate) fn sleeps(&self, mark: u64) -> usize {
        self.processes(mark).values().map(Vec::len).sum()
    }

    /// How many Events of `reason` there are.
    pub(crate) fn events(&self, reason: &str) -> usize {
        let out = self.ork(&["get", "events", "-A", "-o", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        v["items"]
            .as_array()
            .map(|a| a.iter().filter(|e| e["reason"] == reason).count())
            .unwrap_or(0)
    }
}

pub(crate) fn running_ready(p: &Value) -> bool {
    p["metadata"]["deletionTimestamp"].is_null()
        && p["status"]["phase"] == "Running"
        && p["status"]["conditions"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// Six replicas of `sleep <mark>` (app `app`), spread over the three
/// machines: six pods Running and Ready, six processes in the machines.
pub(crate) fn deploy_six(m: &Machines, app: &str) -> u64 {
    let mark = marker();
    let mark_s = mark.to_string();
    m.apply(
        &Deploy::new(app, 6)
            .grace(1)
            .command(&["sleep", &mark_s])
            .yaml(),
    );
    wait_for("6 pods Running and Ready", Duration::from_secs(90), || {
        let pods = m.pods(app)?;
        (pods.len() == 6 && pods.iter().all(running_ready)).then_some(())
    });
    wait_for(
        "6 sleep processes in the machines",
        Duration::from_secs(30),
        || (m.sleeps(mark) == 6).then_some(()),
    );
    mark
}
