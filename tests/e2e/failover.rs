//! Self-healing and failover: dead processes come back, dead nodes' pods run
//! elsewhere within seconds, a returning node stops what is no longer its,
//! and a control plane outage restarts nothing.

use crate::harness::{Cluster, ORK, Up, marker, pids_of, wait_for};
use crate::workloads::deployment;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_killed_process_runs_again_within_two_seconds() {
    let c = Cluster::start(1, "process");
    let m = marker().to_string();
    c.apply(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: phoenix\nspec:\n  containers:\n  - name: main\n    command: [\"sleep\", \"{m}\"]\n"
    ));
    let pid = wait_for("the process", Duration::from_secs(20), || {
        pids_of(&["sleep", &m]).first().copied()
    });
    c.wait_json(
        "Running",
        Duration::from_secs(20),
        &["get", "pod", "phoenix"],
        |p| p["status"]["containerStatuses"][0]["ready"] == true,
    );
    let t0 = Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let new_pid = wait_for("a new process", Duration::from_secs(10), || {
        pids_of(&["sleep", &m])
            .first()
            .copied()
            .filter(|p| *p != pid)
    });
    let took = t0.elapsed();
    println!(
        "killed process running again after {:.2} s (target < 2 s)",
        took.as_secs_f64()
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_ne!(new_pid, pid);
    let p = c.wait_json(
        "restartCount 1",
        Duration::from_secs(10),
        &["get", "pod", "phoenix"],
        |p| p["status"]["containerStatuses"][0]["restartCount"] == 1,
    );
    assert_eq!(
        p["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"],
        137
    );
    let events = c.ok(&["events", "--for", "pod/phoenix"]);
    assert!(events.contains("after it exited with code 137"), "{events}");
}

#[test]
fn a_container_that_always_exits_backs_off_1_2_4_seconds() {
    let c = Cluster::start(1, "process");
    c.apply(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: flop\nspec:\n  containers:\n  - name: main\n    command: [\"sh\", \"-c\", \"exit 1\"]\n",
    );
    // The instants at which the restart count moves.
    let mut seen: Vec<(i64, Instant)> = vec![];
    wait_for("three restarts", Duration::from_secs(30), || {
        let p = c.json(&["get", "pod", "flop"])?;
        let n = p["status"]["containerStatuses"][0]["restartCount"]
            .as_i64()
            .unwrap_or(0);
        if seen.last().is_none_or(|(last, _)| *last != n) {
            seen.push((n, Instant::now()));
        }
        (n >= 3).then_some(())
    });
    let at = |n: i64| seen.iter().find(|(c, _)| *c == n).map(|(_, t)| *t).unwrap();
    let gaps: Vec<f64> = (1..=2).map(|n| (at(n + 1) - at(n)).as_secs_f64()).collect();
    println!("delays between restarts: {gaps:?} (expect about 2 s, then 4 s)");
    assert!((1.5..3.5).contains(&gaps[0]), "{gaps:?}");
    assert!((3.0..6.0).contains(&gaps[1]), "{gaps:?}");
    let p = c.json(&["get", "pod", "flop"]).unwrap();
    let state = &p["status"]["containerStatuses"][0]["state"];
    assert!(
        state["waiting"]["reason"] == "CrashLoopBackOff" || state["running"].is_object(),
        "{state}"
    );
}

/// Pods of `app=NAME` that are Running and ready, by node.
fn ready_by_node(c: &serde_json::Value) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for p in c["items"].as_array().into_iter().flatten() {
        let ready = p["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        });
        if ready && p["metadata"]["deletionTimestamp"].is_null() {
            *out.entry(p["spec"]["nodeName"].as_str().unwrap_or("").to_string())
                .or_default() += 1;
        }
    }
    out
}

#[test]
fn a_dead_nodes_pods_run_elsewhere_within_ten_seconds_and_it_stops_them_when_back() {
    let mut up = Up::start(&["--nodes", "3", "--runtime", "process"]);
    let (data, url, dir) = (up.data.clone(), up.url.clone(), &up.dir);
    let ork = |args: &[&str]| up.ork(args);
    let json = |args: &[&str]| up.json(args);
    wait_for("three Ready nodes", Duration::from_secs(30), || {
        (ready_nodes(&json(&["get", "nodes"])?)?.len() == 3).then_some(())
    });
    let m = marker();
    let ms = m.to_string();
    let f = dir.path().join("d.yaml");
    std::fs::write(&f, deployment("ha", 6, m)).unwrap();
    assert!(ork(&["apply", "-f", f.to_str().unwrap()]).status.success());
    let placed = wait_for("6 ready pods, 2 per node", Duration::from_secs(30), || {
        let by_node = ready_by_node(&json(&["get", "pods", "-l", "app=ha"])?);
        (by_node.values().sum::<usize>() == 6 && by_node.len() == 3).then_some(by_node)
    });
    assert_eq!(placed.values().copied().collect::<Vec<_>>(), vec![2, 2, 2]);
    assert_eq!(pids_of(&["sleep", &ms]).len(), 6);

    // Kill node-2's daemon: its two pods keep running (nobody stops them), but
    // the cluster must run 6 elsewhere.
    let t0 = Instant::now();
    signal_node(&data, "node-2", nix::sys::signal::Signal::SIGKILL);
    let after = wait_for(
        "6 ready pods on the other two nodes",
        Duration::from_secs(30),
        || {
            let by_node = ready_by_node(&json(&["get", "pods", "-l", "app=ha"])?);
            let elsewhere: usize = by_node
                .iter()
                .filter(|(n, _)| *n != "node-2")
                .map(|(_, c)| *c)
                .sum();
            (elsewhere == 6).then_some(by_node)
        },
    );
    let took = t0.elapsed();
    println!(
        "failover: 6 pods Running on the other nodes {:.1} s after node-2 died (target < 10 s)",
        took.as_secs_f64()
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(!after.contains_key("node-2"));
    // The timeline is on the node, each step with its time since the last heartbeat.
    let describe = wait_for("the failover timeline", Duration::from_secs(10), || {
        let d = String::from_utf8(ork(&["describe", "node", "node-2"]).stdout).ok()?;
        [
            "NodeNotReady",
            "PodsMarkedLost",
            "ReplacementsScheduled",
            "ReplacementsReady",
        ]
        .iter()
        .all(|step| d.contains(step))
        .then_some(d)
    });
    println!(
        "{}",
        describe
            .lines()
            .skip_while(|l| !l.starts_with("Events:"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let lost = String::from_utf8(ork(&["get", "pods", "-l", "app=ha"]).stdout).unwrap();
    assert!(lost.contains("NodeLost"), "{lost}");
    assert_eq!(
        pids_of(&["sleep", &ms]).len(),
        8,
        "the dead node's pods still run until it returns"
    );

    // node-2 comes back: it stops its stale pods before reporting Ready.
    let node = Command::new(ORK)
        .args(["node", "--join", &url, "--token-file"])
        .arg(data.join("node.token"))
        .args(["--name", "node-2", "--data-dir"])
        .arg(data.join("nodes/node-2"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("node-2 Ready again", Duration::from_secs(30), || {
        let v = json(&["get", "node", "node-2"])?;
        v["status"]["conditions"]
            .as_array()?
            .iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
            .then_some(())
    });
    assert_eq!(
        pids_of(&["sleep", &ms]).len(),
        6,
        "stale pods were stopped before Ready"
    );
    wait_for("the lost pods gone", Duration::from_secs(20), || {
        let v = json(&["get", "pods", "-l", "app=ha"])?;
        (v["items"].as_array()?.len() == 6).then_some(())
    });
    let mut node = node;
    let _ = node.kill();
    let _ = node.wait();
    up.stop();
    let out = Command::new(ORK)
        .args(["down", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(pids_of(&["sleep", &ms]).is_empty());
}

#[test]
fn a_control_plane_down_for_thirty_seconds_restarts_no_workload() {
    let mut c = Cluster::start(2, "process");
    let m = marker();
    let ms = m.to_string();
    c.apply(&deployment("steady", 4, m));
    c.wait_running("app=steady", 4);
    let pids = wait_for("4 processes", Duration::from_secs(20), || {
        let p = pids_of(&["sleep", &ms]);
        (p.len() == 4).then_some(p)
    });
    let names = |pods: &[serde_json::Value]| {
        let mut n: Vec<String> = pods
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let before = names(&c.pods("app=steady"));
    c.kill_control();
    // The outage itself: nothing to wait for, the point is its length.
    std::thread::sleep(Duration::from_secs(30));
    assert_eq!(
        pids_of(&["sleep", &ms]),
        pids,
        "pods ran on through the outage"
    );
    c.start_control();
    let after = c.wait_running("app=steady", 4);
    assert_eq!(names(&after), before, "the same pods");
    assert!(
        after
            .iter()
            .all(|p| p["status"]["containerStatuses"][0]["restartCount"] == 0)
    );
    // And it stays that way once the nodes are back in touch.
    c.wait_json(
        "both nodes Ready",
        Duration::from_secs(20),
        &["get", "nodes"],
        |v| {
            v["items"].as_array().is_some_and(|ns| {
                ns.iter().all(|n| {
                    n["status"]["conditions"].as_array().is_some_and(|cs| {
                        cs.iter()
                            .any(|c| c["type"] == "Ready" && c["status"] == "True")
                    })
                })
            })
        },
    );
    assert_eq!(pids_of(&["sleep", &ms]), pids);
    let events = c.ok(&["get", "events"]);
    assert!(!events.contains("NodeLost"), "{events}");
}

/// Sends `sig` to node `name`'s daemon of an `ork up` cluster.
fn signal_node(data: &std::path::Path, name: &str, sig: nix::sys::signal::Signal) {
    let pid: i32 = std::fs::read_to_string(data.join(format!("nodes/{name}.pid")))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig).unwrap();
}

/// Names of the nodes whose Ready condition is True.
fn ready_nodes(nodes: &serde_json::Value) -> Option<Vec<String>> {
    Some(
        nodes["items"]
            .as_array()?
            .iter()
            .filter(|n| {
                n["status"]["conditions"].as_array().is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
            })
            .filter_map(|n| n["metadata"]["name"].as_str().map(String::from))
            .collect(),
    )
}

#[test]
fn when_every_node_falls_silent_their_pods_are_kept_until_one_answers() {
    use nix::sys::signal::Signal;
    let up = Up::start(&["--nodes", "2", "--runtime", "process"]);
    let data = up.data.clone();
    let dir = &up.dir;
    let json = |args: &[&str]| up.json(args);
    wait_for("two Ready nodes", Duration::from_secs(30), || {
        (ready_nodes(&json(&["get", "nodes"])?)?.len() == 2).then_some(())
    });
    let m = marker();
    let f = dir.path().join("d.yaml");
    std::fs::write(&f, deployment("calm", 4, m)).unwrap();
    assert!(
        up.ork(&["apply", "-f", f.to_str().unwrap()])
            .status
            .success()
    );
    wait_for(
        "4 ready pods on both nodes",
        Duration::from_secs(30),
        || {
            let by_node = ready_by_node(&json(&["get", "pods", "-l", "app=calm"])?);
            (by_node.values().sum::<usize>() == 4 && by_node.len() == 2).then_some(())
        },
    );
    let uids = |v: &serde_json::Value| -> Vec<String> {
        let mut u: Vec<String> = v["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["metadata"]["uid"].as_str().map(String::from))
            .collect();
        u.sort();
        u
    };
    let before = uids(&json(&["get", "pods", "-l", "app=calm"]).unwrap());

    // Both node daemons frozen: to the control daemon, every node is silent,
    // as when its own network fails. The nodes go NotReady, the pods stay.
    struct Thaw(std::path::PathBuf);
    impl Drop for Thaw {
        fn drop(&mut self) {
            for n in ["node-1", "node-2"] {
                signal_node(&self.0, n, nix::sys::signal::Signal::SIGCONT);
            }
        }
    }
    let _thaw = Thaw(data.clone());
    for n in ["node-1", "node-2"] {
        signal_node(&data, n, Signal::SIGSTOP);
    }
    wait_for("both nodes NotReady", Duration::from_secs(30), || {
        ready_nodes(&json(&["get", "nodes"])?)?
            .is_empty()
            .then_some(())
    });
    // Two more grace periods (5 s each): time in which the pods would have been
    // marked lost at once.
    std::thread::sleep(Duration::from_secs(10));
    let pods = json(&["get", "pods", "-l", "app=calm"]).unwrap();
    assert_eq!(uids(&pods), before, "no pod replaced");
    assert!(
        pods["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["metadata"]["deletionTimestamp"].is_null()),
        "no pod marked lost while every node was silent: {pods}"
    );
    assert!(
        ready_by_node(&pods).is_empty(),
        "pods of silent nodes are not Ready (Services stop sending to them): {pods}"
    );
    let events = up.ork(&["get", "events", "-A"]);
    let events = String::from_utf8_lossy(&events.stdout);
    assert!(!events.contains("NodeLost"), "{events}");
    assert!(events.contains("every node is silent"), "{events}");

    // node-1 answers again; node-2 stays silent: after a fresh grace period
    // its pods are marked lost and replaced on node-1.
    signal_node(&data, "node-1", Signal::SIGCONT);
    let t0 = Instant::now();
    wait_for(
        "4 ready pods, all on node-1",
        Duration::from_secs(40),
        || {
            let by_node = ready_by_node(&json(&["get", "pods", "-l", "app=calm"])?);
            (by_node.get("node-1") == Some(&4)).then_some(())
        },
    );
    println!(
        "node-2's pods replaced on node-1 {:.1} s after node-1 answered again",
        t0.elapsed().as_secs_f64()
    );
    assert!(
        t0.elapsed() > Duration::from_secs(5),
        "not before a fresh grace"
    );
    let events = up.ork(&["get", "events", "-A"]);
    assert!(String::from_utf8_lossy(&events.stdout).contains("NodeLost"));
    signal_node(&data, "node-2", Signal::SIGCONT);
    wait_for("node-2 Ready again", Duration::from_secs(30), || {
        (ready_nodes(&json(&["get", "nodes"])?)?.len() == 2).then_some(())
    });
}
