//! `ork up`, the README's first command, end to end: one process, a client
//! config written, the quickstart example applied, Ctrl-C, `ork down`.

use crate::harness::{ORK, Up, UpGuard, wait_for};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn ork_up_serves_the_quickstart_and_down_stops_its_pods() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.yaml");
    let mut up = Command::new(ORK)
        .args(["up", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env("ORK_CONFIG", &config)
        .env_remove("ORK_SERVER")
        .env_remove("ORK_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _guard = UpGuard {
        pid: up.id(),
        data: data.clone(),
    };
    let mut lines = BufReader::new(up.stdout.take().unwrap()).lines();
    let mut seen = vec![];
    let ready = wait_for("ork up to say it is up", Duration::from_secs(30), || {
        let l = lines.next()?.ok()?;
        seen.push(l.clone());
        l.starts_with("ork is up").then_some(l)
    });
    assert!(ready.contains("https://127.0.0.1:"), "{seen:?}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&config).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let ork = |args: &[&str]| {
        Command::new(ORK)
            .args(args)
            .env("ORK_CONFIG", &config)
            .env_remove("ORK_SERVER")
            .env_remove("ORK_TOKEN")
            .output()
            .unwrap()
    };
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/hello.yaml");
    let out = ork(&["apply", "-f", example]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let running = wait_for(
        "the example's pods running",
        Duration::from_secs(30),
        || {
            let out = ork(&["get", "pods", "-l", "app=hello", "-o", "json"]);
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
            let items = v["items"].as_array()?.clone();
            (items.len() == 2 && items.iter().all(|p| p["status"]["phase"] == "Running"))
                .then_some(items)
        },
    );
    // The example serves HTTP on the port the node gave it.
    let port = running[0]["status"]["containerStatuses"][0]["ports"][0]["hostPort"]
        .as_i64()
        .unwrap();
    let body = wait_for("the example to answer", Duration::from_secs(20), || {
        crate::harness::http_get(format!("http://127.0.0.1:{port}/"))
            .ok()?
            .text()
            .ok()
    });
    assert!(body.contains("hello from"), "{body}");
    // Ctrl-C stops ork; the pods keep running until `ork down`.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(up.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = wait_for("ork up to exit", Duration::from_secs(20), || {
        up.try_wait().unwrap()
    });
    assert!(status.success());
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
    assert!(String::from_utf8_lossy(&out.stdout).contains("stopped 2 containers"));
    wait_for(
        "the example to stop answering",
        Duration::from_secs(20),
        || {
            crate::harness::http_get(format!("http://127.0.0.1:{port}/"))
                .is_err()
                .then_some(())
        },
    );
}

#[test]
fn ork_up_with_nodes_runs_each_node_daemon_as_a_child_process() {
    let mut up = Up::start(&["--nodes", "3", "--runtime", "fake", "--node-grace", "2s"]);
    let data = up.data.clone();
    let ork = |args: &[&str]| up.json(args);
    let ready = |v: &serde_json::Value, name: &str| {
        v["items"].as_array().is_some_and(|items| {
            items.iter().any(|n| {
                n["metadata"]["name"] == name
                    && n["status"]["conditions"].as_array().is_some_and(|cs| {
                        cs.iter()
                            .any(|c| c["type"] == "Ready" && c["status"] == "True")
                    })
            })
        })
    };
    wait_for("three Ready nodes", Duration::from_secs(30), || {
        ork(&["get", "nodes"])
            .filter(|v| ["node-1", "node-2", "node-3"].iter().all(|n| ready(v, n)))
    });
    // Each node daemon is its own process with a pid file: kill -9 is a real node death.
    let pid: i32 = std::fs::read_to_string(data.join("nodes/node-2.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_ne!(pid as u32, up.child.id());
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_for("node-2 NotReady", Duration::from_secs(20), || {
        ork(&["get", "nodes"]).filter(|v| !ready(v, "node-2") && ready(v, "node-1"))
    });
    up.stop();
    assert!(up.child.try_wait().unwrap().is_some_and(|s| s.success()));
    assert!(
        !data.join("nodes/node-1.pid").exists(),
        "pid files are removed with their processes"
    );
}
