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
use crate::harness::{ORK, wait_for};
use crate::machines_harness::{Machines, deploy_six, long, running_ready};
use crate::tui::{Tmux, tmux_available};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

impl Machines {
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
    let c = Machines::start("ork-e2e-ctl", "3s", "6s");
    let mark = deploy_six(&c, "calm");
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
    let c = Machines::start("ork-e2e-tuikill", "3s", "6s");
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
