//! Deployments end to end on the process runtime: pods are real processes.

use crate::harness::{Cluster, Deploy, marker, pids_of, wait_for};
use std::time::Duration;

pub fn deployment(name: &str, replicas: u32, sleep: u64) -> String {
    Deploy::new(name, replicas)
        .command(&["sleep", &sleep.to_string()])
        .yaml()
}

fn wait_processes(argv: &[&str], n: usize) -> Vec<u32> {
    wait_for(
        &format!("{n} processes {argv:?}"),
        Duration::from_secs(30),
        || {
            let p = pids_of(argv);
            (p.len() == n).then_some(p)
        },
    )
}

#[test]
fn a_deployment_runs_scales_rolls_and_goes_away_as_real_processes() {
    let c = Cluster::start(1, "process");
    let m = marker();
    let ms = m.to_string();
    let out = c.apply(&deployment("web", 3, m));
    assert_eq!(out.trim(), "deployment.apps/web created");
    c.wait_running("app=web", 3);
    wait_processes(&["sleep", &ms], 3);

    // Scale up and down: exactly that many processes.
    assert_eq!(
        c.ok(&["scale", "deployment/web", "--replicas", "5"]).trim(),
        "deployment.apps/web scaled"
    );
    c.wait_running("app=web", 5);
    wait_processes(&["sleep", &ms], 5);
    c.ok(&["scale", "deploy", "web", "--replicas", "1"]);
    c.wait_running("app=web", 1);
    wait_processes(&["sleep", &ms], 1);

    // A new template: a new ReplicaSet whose pods replace the old ones.
    let m2 = marker();
    let m2s = m2.to_string();
    let out = c.apply(&deployment("web", 1, m2));
    assert_eq!(out.trim(), "deployment.apps/web configured");
    wait_processes(&["sleep", &m2s], 1);
    wait_processes(&["sleep", &ms], 0);
    let rs = c.wait_json(
        "two replicasets",
        Duration::from_secs(20),
        &["get", "rs", "-l", "app=web"],
        |v| v["items"].as_array().is_some_and(|i| i.len() == 2),
    );
    let mut replicas: Vec<i64> = rs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["spec"]["replicas"].as_i64().unwrap())
        .collect();
    replicas.sort();
    assert_eq!(replicas, vec![0, 1], "the old set is kept at 0 for history");
    let pods = c.wait_running("app=web", 1);
    let hash = pods[0]["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .unwrap()
        .to_string();
    let new_rs = rs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["spec"]["replicas"] == 1)
        .unwrap();
    assert!(
        new_rs["metadata"]["name"]
            .as_str()
            .unwrap()
            .ends_with(&hash)
    );

    // Delete: no pods, no processes, no replicasets.
    let out = c.ok(&["delete", "deployment", "web"]);
    assert_eq!(out.trim(), "deployment \"web\" deleted");
    wait_for("pods gone", Duration::from_secs(30), || {
        c.pods("app=web").is_empty().then_some(())
    });
    wait_processes(&["sleep", &m2s], 0);
    wait_for("replicasets gone", Duration::from_secs(30), || {
        c.json(&["get", "rs"])
            .filter(|v| v["items"].as_array().is_some_and(|i| i.is_empty()))
    });
}

#[test]
fn get_prints_tables_json_yaml_and_names() {
    let c = Cluster::start(1, "process");
    c.apply(&deployment("api", 2, marker()));
    c.wait_running("app=api", 2);
    let table = c.ok(&["get", "pods"]);
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, vec!["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert!(r[0].starts_with("api-"), "{r:?}");
        assert_eq!((r[1], r[2], r[3]), ("1/1", "Running", "0"));
    }
    let list: serde_json::Value =
        serde_json::from_str(&c.ok(&["get", "pods", "-o", "json"])).unwrap();
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(list["kind"], "List");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let names = c.ok(&["get", "deploy", "-o", "name"]);
    assert_eq!(names.trim(), "deployment.apps/api");
    let yaml = c.ok(&["get", "deployment", "api", "-o", "yaml"]);
    assert!(yaml.contains("kind: Deployment"), "{yaml}");
    let wide = c.ok(&["get", "nodes", "-o", "wide"]);
    assert!(wide.starts_with("NAME"), "{wide}");
    assert!(wide.contains("n1") && wide.contains("Ready"), "{wide}");
    let all = c.ok(&["get", "pods", "-A"]);
    assert!(all.starts_with("NAMESPACE"), "{all}");
    // Describe shows the pod's events.
    let pod = rows[0][0];
    let d = c.ok(&["describe", "pod", pod]);
    assert!(d.contains("Scheduled"), "{d}");
    assert!(d.contains("Controlled By:"), "{d}");
    let out = c.ork(&["get", "pod", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
}

#[test]
fn logs_come_from_the_process() {
    let c = Cluster::start(1, "process");
    let m = marker();
    c.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: talker
spec:
  containers:
  - name: main
    command: ["sh", "-c", "echo hello from $(GREETING); echo to stderr >&2; exec sleep {m}"]
    env:
    - name: GREETING
      value: ork
"#
    ));
    wait_for("the pod's output", Duration::from_secs(30), || {
        let out = c.ork(&["logs", "talker"]);
        let s = String::from_utf8_lossy(&out.stdout).to_string();
        (out.status.success() && s.contains("to stderr")).then_some(s)
    });
    let s = c.ok(&["logs", "talker"]);
    assert_eq!(s, "hello from ork\nto stderr\n");
    assert_eq!(c.ok(&["logs", "talker", "--tail", "1"]), "to stderr\n");
}

#[test]
fn a_pod_that_fits_nowhere_says_why() {
    let c = Cluster::start(1, "process");
    c.apply(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: huge
spec:
  containers:
  - name: main
    command: ["sleep", "1"]
    resources:
      requests:
        memory: 100Ti
"#,
    );
    let p = c.wait_json(
        "an unschedulable condition",
        Duration::from_secs(20),
        &["get", "pod", "huge"],
        |v| {
            v["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["reason"] == "Unschedulable"))
        },
    );
    let cond = p["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "PodScheduled")
        .unwrap()
        .clone();
    assert_eq!(
        cond["message"],
        "0/1 nodes are available: 1 Insufficient memory."
    );
    let table = c.ok(&["get", "pods"]);
    assert!(table.contains("Pending"), "{table}");
}

#[test]
fn replicas_spread_over_nodes() {
    let c = Cluster::start(3, "fake");
    c.apply(&deployment("spread", 6, marker()));
    let pods = c.wait_running("app=spread", 6);
    let mut per_node = std::collections::BTreeMap::<String, usize>::new();
    for p in &pods {
        *per_node
            .entry(p["spec"]["nodeName"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(
        per_node.values().copied().collect::<Vec<_>>(),
        vec![2, 2, 2],
        "{per_node:?}"
    );
}

/// Reads lines from a child's stdout on a thread, so tests can wait on them with a timeout.
fn line_reader(out: std::process::ChildStdout) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

fn ork_child(c: &Cluster, args: &[&str]) -> std::process::Child {
    std::process::Command::new(crate::harness::ORK)
        .args(args)
        .env("ORK_SERVER", &c.url)
        .env("ORK_TOKEN", &c.admin)
        .env("ORK_CA", c.ca_file())
        .env("ORK_CONFIG", c.dir.path().join("none.yaml"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn get_watch_prints_changes_and_logs_follow_streams_through_the_control_daemon() {
    let c = Cluster::start(1, "process");
    let mut watch = ork_child(&c, &["get", "pods", "-w"]);
    let lines = line_reader(watch.stdout.take().unwrap());
    c.apply(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: ticker
spec:
  containers:
  - name: main
    command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"]
"#,
    );
    let seen = wait_for(
        "the watch to show ticker Running",
        Duration::from_secs(20),
        || {
            let l = lines.recv_timeout(Duration::from_millis(100)).ok()?;
            (l.starts_with("ticker") && l.contains("Running")).then_some(l)
        },
    );
    assert!(seen.contains("1/1"), "{seen}");
    let _ = watch.kill();
    let _ = watch.wait();
    let mut follow = ork_child(&c, &["logs", "-f", "ticker"]);
    let lines = line_reader(follow.stdout.take().unwrap());
    let mut got = vec![];
    wait_for("three followed lines", Duration::from_secs(20), || {
        if let Ok(l) = lines.recv_timeout(Duration::from_millis(100)) {
            got.push(l);
        }
        (got.len() >= 3).then_some(())
    });
    assert!(got.iter().all(|l| l.starts_with("tick ")), "{got:?}");
    let _ = follow.kill();
    let _ = follow.wait();
}

#[test]
fn yaml_from_get_applies_back_unchanged_and_delete_f_removes_it() {
    let c = Cluster::start(1, "process");
    c.apply(&deployment("round", 1, marker()));
    c.wait_running("app=round", 1);
    let yaml = c.ok(&["get", "deployment", "round", "-o", "yaml"]);
    let f = c.dir.path().join("round.yaml");
    std::fs::write(&f, &yaml).unwrap();
    assert_eq!(
        c.ok(&["apply", "-f", f.to_str().unwrap()]).trim(),
        "deployment.apps/round unchanged"
    );
    assert_eq!(
        c.ok(&["delete", "-f", f.to_str().unwrap()]).trim(),
        "deployment \"round\" deleted"
    );
    wait_for("pods gone", Duration::from_secs(30), || {
        c.pods("app=round").is_empty().then_some(())
    });
    let out = c.ork(&["delete", "deployment", "round"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
    assert!(
        c.ork(&["delete", "deployment", "round", "--ignore-not-found"])
            .status
            .success()
    );
}
