//! The docker runtime against the machine's real Docker engine, with the
//! locally built `ork-test/busybox:latest` (tests/images/build.sh; nothing is
//! pulled). Without an engine these tests skip, unless `ORK_REQUIRE_DOCKER=1`
//! (CI), where they fail.

use crate::harness::{Cluster, Deploy, docker_ps, wait_for};
use serde_json::Value;
use std::process::Command;
use std::sync::Once;
use std::time::{Duration, Instant};

pub const IMAGE: &str = "ork-test/busybox:latest";
/// busybox httpd serving `/www` on 8080 in the foreground.
const HTTPD: &[&str] = &["httpd", "-f", "-p", "8080", "-h", "/www"];

/// Whether the Docker tests can run here (building the test image if needed).
pub fn docker_ready() -> bool {
    let engine = Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !engine {
        assert!(
            std::env::var("ORK_REQUIRE_DOCKER").as_deref() != Ok("1"),
            "ORK_REQUIRE_DOCKER=1 but no Docker engine answers"
        );
        eprintln!("skipped: no Docker engine answers");
        return false;
    }
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let have = Command::new("docker")
            .args(["image", "inspect", IMAGE])
            .output()
            .is_ok_and(|o| o.status.success());
        if !have {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/images/build.sh");
            let out = Command::new("bash").arg(script).output().unwrap();
            assert!(
                out.status.success(),
                "building {IMAGE}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    });
    true
}

fn node_id(c: &Cluster) -> String {
    std::fs::read_to_string(c.nodes[0].dir.join("node-id"))
        .unwrap()
        .trim()
        .to_string()
}

/// Ids of the pod containers (not sandboxes) of the cluster's first node.
fn containers(c: &Cluster, all: bool) -> Vec<String> {
    let mine = docker_ps(&format!("ork.dev/node-id={}", node_id(c)), all);
    let role = docker_ps("ork.dev/role=container", all);
    mine.into_iter().filter(|i| role.contains(i)).collect()
}

fn inspect(id: &str) -> Value {
    let out = Command::new("docker")
        .args(["inspect", id])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0].clone()
}

fn pod_json(c: &Cluster, name: &str) -> Option<Value> {
    c.json(&["get", "pod", name])
}

fn container_status(c: &Cluster, pod: &str) -> Option<Value> {
    pod_json(c, pod).map(|p| p["status"]["containerStatuses"][0].clone())
}

#[test]
fn httpd_replicas_answer_on_their_host_ports_then_scale_down_and_delete_leave_nothing() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(
        &Deploy::new("web", 3)
            .container("httpd")
            .image(IMAGE)
            .command(HTTPD)
            .field("ports: [{containerPort: 8080}]")
            .field("resources: {limits: {memory: 64Mi, cpu: 250m}}")
            .yaml(),
    );
    let pods = c.wait_running("app=web", 3);
    let ids = containers(&c, false);
    assert_eq!(ids.len(), 3, "three running containers: {ids:?}");
    for p in &pods {
        let name = p["metadata"]["name"].as_str().unwrap();
        let uid = p["metadata"]["uid"].as_str().unwrap();
        let cs = &p["status"]["containerStatuses"][0];
        let id = cs["containerID"]
            .as_str()
            .unwrap()
            .strip_prefix("docker://")
            .unwrap()
            .to_string();
        assert!(ids.contains(&id), "{id} is one of {ids:?}");
        let info = inspect(&id);
        let labels = &info["Config"]["Labels"];
        assert_eq!(labels["ork.dev/pod-uid"], uid);
        assert_eq!(labels["ork.dev/pod"], name);
        assert_eq!(labels["ork.dev/namespace"], "default");
        assert_eq!(labels["ork.dev/container"], "httpd");
        assert_eq!(info["HostConfig"]["Memory"], 64 * 1024 * 1024);
        assert_eq!(info["HostConfig"]["NanoCpus"], 250_000_000);
        // ork applies restartPolicy, not Docker.
        assert_eq!(info["HostConfig"]["RestartPolicy"]["Name"], "no");
        let port = cs["ports"][0]["hostPort"].as_i64().unwrap();
        let body = wait_for("httpd to answer", Duration::from_secs(10), || {
            crate::harness::http_get(format!("http://127.0.0.1:{port}/"))
                .ok()?
                .text()
                .ok()
        });
        assert!(body.contains("hello from ork-test/busybox"), "{body}");
    }
    c.ok(&["scale", "deployment", "web", "--replicas", "1"]);
    let left = wait_for("two containers removed", Duration::from_secs(30), || {
        let all = containers(&c, true);
        (all.len() == 1).then_some(all)
    });
    assert!(ids.contains(&left[0]), "the kept container is an original");
    c.wait_running("app=web", 1);
    c.ok(&["delete", "deployment", "web"]);
    let id = node_id(&c);
    wait_for("no container left", Duration::from_secs(30), || {
        docker_ps(&format!("ork.dev/node-id={id}"), true)
            .is_empty()
            .then_some(())
    });
}

#[test]
fn containers_of_a_pod_reach_each_other_on_localhost() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: duo}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: server
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    ports: [{{containerPort: 8080}}]
  - name: client
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "until wget -q -O- http://127.0.0.1:8080/; do sleep 0.2; done; exec sleep 3600"]
"#
    ));
    let logs = wait_for(
        "the client to reach the server on 127.0.0.1",
        Duration::from_secs(30),
        || {
            let out = c.ork(&["logs", "duo", "-c", "client"]);
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            text.contains("hello from ork-test/busybox").then_some(text)
        },
    );
    assert!(logs.contains("hello"), "{logs}");
}

#[test]
fn a_killed_container_restarts_with_growing_backoff_and_keeps_its_previous_logs() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: victim, labels: {{app: victim}}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo run $(date +%s%N); exec sleep 3600"]
"#
    ));
    c.wait_running("app=victim", 1);
    let mut gaps = vec![];
    let mut last_id = String::new();
    for round in 1..=3 {
        let cs = wait_for("a running instance", Duration::from_secs(30), || {
            container_status(&c, "victim")
                .filter(|cs| cs["state"]["running"].is_object() && cs["restartCount"] == round - 1)
        });
        let id = cs["containerID"].as_str().unwrap()["docker://".len()..].to_string();
        assert_ne!(id, last_id, "each restart is a new container");
        let killed = Instant::now();
        let out = Command::new("docker").args(["kill", &id]).output().unwrap();
        assert!(out.status.success());
        wait_for("the restart", Duration::from_secs(30), || {
            container_status(&c, "victim")
                .filter(|cs| cs["restartCount"] == round && cs["state"]["running"].is_object())
        });
        gaps.push(killed.elapsed());
        last_id = id;
    }
    // Backoff 1 s, 2 s, 4 s: each restart waits longer than the one before.
    assert!(
        gaps[2] > gaps[0] + Duration::from_millis(1500),
        "backoff grows: {gaps:?}"
    );
    let cs = container_status(&c, "victim").unwrap();
    assert_eq!(cs["lastState"]["terminated"]["exitCode"], 137);
    let now = c.ok(&["logs", "victim"]);
    let before = c.ok(&["logs", "victim", "--previous"]);
    assert!(now.starts_with("run ") && before.starts_with("run "));
    assert_ne!(now, before, "--previous shows the instance before");
}

#[test]
fn exec_runs_in_the_container_and_passes_the_exit_code_back() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: shell, labels: {{app: shell}}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    env: [{{name: GREETING, value: bonjour}}]
    command: ["sh", "-c", "echo ready; exec sleep 3600"]
"#
    ));
    c.wait_running("app=shell", 1);
    let out = c.ork(&["exec", "shell", "--", "echo", "hi"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
    let out = c.ork(&[
        "exec",
        "shell",
        "--",
        "sh",
        "-c",
        "echo $GREETING; echo oops >&2; exit 3",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "bonjour\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "oops\n");
    let out = c.ork_stdin(&["exec", "-i", "shell", "--", "wc", "-c"], Some("12345"));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "5");
    let logs = c.ok(&["logs", "shell"]);
    assert_eq!(logs, "ready\n");
    // The node serves the container's usage (for `ork top`) over TLS, to
    // the control daemon's certificate only.
    use ork::control::pki::Profile;
    let pod = c.json(&["get", "pod", "shell"]).unwrap();
    let node = c.json(&["get", "node", "n1"]).unwrap();
    let port = node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"]
        .as_i64()
        .unwrap();
    let url = format!(
        "https://127.0.0.1:{port}/stats/{}",
        pod["metadata"]["uid"].as_str().unwrap()
    );
    let anonymous = c.node_endpoint_client("n1", None);
    assert!(
        anonymous.get(&url).send().is_err(),
        "no certificate, no TLS session"
    );
    let another_node = c.node_endpoint_client("n1", Some(Profile::node("n2", &[])));
    assert_eq!(another_node.get(&url).send().unwrap().status(), 403);
    let control = c.node_endpoint_client("n1", Some(Profile::control()));
    let stats: Value = control.get(&url).send().unwrap().json().unwrap();
    let main = &stats["containers"][0];
    assert_eq!(main["name"], "main");
    assert!(main["memoryBytes"].as_u64().unwrap() > 0, "{stats}");
    // A pod that does not exist, a container that does not: clear errors.
    let out = c.ork(&["exec", "nope", "--", "true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
    let out = c.ork(&["exec", "shell", "-c", "other", "--", "true"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("choose one of: main"));
}

#[test]
fn a_missing_image_with_pull_policy_never_waits_with_err_image_never_pull() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: absent}
spec:
  containers:
  - name: main
    image: ork-test/absent:1.0
    imagePullPolicy: Never
"#,
    );
    let cs = wait_for("ErrImageNeverPull", Duration::from_secs(20), || {
        container_status(&c, "absent")
            .filter(|cs| cs["state"]["waiting"]["reason"] == "ErrImageNeverPull")
    });
    assert!(
        cs["state"]["waiting"]["message"]
            .as_str()
            .unwrap()
            .contains("ork-test/absent:1.0"),
        "{cs}"
    );
    c.wait_json(
        "an ErrImageNeverPull event",
        Duration::from_secs(10),
        &["get", "events"],
        |v| {
            v["items"].as_array().is_some_and(|items| {
                items.iter().any(|e| {
                    e["reason"] == "ErrImageNeverPull" && e["involvedObject"]["name"] == "absent"
                })
            })
        },
    );
    // The daemon is unaffected: another pod still runs.
    c.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: fine, labels: {{app: fine}}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sleep", "3600"]
"#
    ));
    c.wait_running("app=fine", 1);
    assert_eq!(
        container_status(&c, "absent").unwrap()["state"]["waiting"]["reason"],
        "ErrImageNeverPull"
    );
}

#[test]
fn a_node_daemon_killed_five_times_adopts_the_same_containers() {
    if !docker_ready() {
        return;
    }
    let mut c = Cluster::start(1, "docker");
    c.apply(&Deploy::new("steady", 3).grace(1).image(IMAGE).yaml());
    c.wait_running("app=steady", 3);
    let before = containers(&c, true);
    assert_eq!(before.len(), 3);
    let log = c.dir.path().join("node-n1.log");
    let readies = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("node ready")
            .count()
    };
    for round in 1..=5 {
        let seen = readies();
        c.kill_node(0);
        c.restart_node(0);
        wait_for(
            &format!("the node daemon ready again (round {round})"),
            Duration::from_secs(30),
            || (readies() > seen).then_some(()),
        );
        assert_eq!(
            containers(&c, true),
            before,
            "round {round}: same containers"
        );
    }
    let pods = c.wait_running("app=steady", 3);
    for p in pods {
        assert_eq!(p["status"]["containerStatuses"][0]["restartCount"], 0);
    }
    assert_eq!(containers(&c, false), before, "all three still running");
    // Pods deleted while the node daemon is down: it removes their containers
    // (and sandboxes) when it comes back.
    c.kill_node(0);
    c.ok(&["scale", "deployment", "steady", "--replicas", "0"]);
    c.ok(&[
        "delete",
        "pods",
        "-l",
        "app=steady",
        "--force",
        "--grace-period",
        "0",
    ]);
    c.restart_node(0);
    let id = node_id(&c);
    wait_for("the orphans removed", Duration::from_secs(30), || {
        docker_ps(&format!("ork.dev/node-id={id}"), true)
            .is_empty()
            .then_some(())
    });
}

#[test]
fn a_pod_picks_the_process_runtime_on_a_docker_node() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    let node = c.json(&["get", "node", "n1"]).unwrap();
    assert_eq!(node["metadata"]["labels"]["ork.dev/runtime"], "docker");
    assert_eq!(
        node["metadata"]["labels"]["runtime.ork.dev/process"],
        "true"
    );
    c.apply(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: plain, labels: {app: plain}}
spec:
  runtimeClassName: process
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ignored
    command: ["sleep", "3600"]
"#,
    );
    let pods = c.wait_running("app=plain", 1);
    let id = pods[0]["status"]["containerStatuses"][0]["containerID"]
        .as_str()
        .unwrap();
    assert!(id.starts_with("process://"), "{id}");
    assert!(
        containers(&c, true).is_empty(),
        "no Docker container for it"
    );
    // exec works on the process runtime too.
    let out = c.ork(&["exec", "plain", "--", "sh", "-c", "echo hi; exit 4"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
}

#[test]
fn top_reads_a_busy_containers_cpu_from_the_engine() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: spin, labels: {{app: spin}}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "while :; do :; done"]
"#
    ));
    c.wait_running("app=spin", 1);
    // A busy loop uses about a core; other tests share these cores, so only
    // "clearly busy" is asserted here (the process runtime's test checks ±30%).
    let cpu = wait_for(
        "engine stats of the busy container",
        Duration::from_secs(30),
        || {
            let out = c.ork(&["top", "pods", "spin", "-o", "json"]);
            let v: Value = serde_json::from_slice(&out.stdout).ok()?;
            let q: ork::api::Quantity = v["items"][0]["containers"][0]["usage"]["cpu"]
                .as_str()?
                .parse()
                .ok()?;
            (q.milli() >= 500).then_some(q.milli())
        },
    );
    assert!(cpu <= 1300, "{cpu}m");
}

#[test]
fn a_container_reaches_a_service_at_the_cluster_ip_its_variables_name() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    let deploy = Deploy::new("back", 2)
        .grace(1)
        .image(IMAGE)
        .command(HTTPD)
        .field("ports: [{name: http, containerPort: 8080}]")
        .yaml();
    c.apply(&format!(
        r#"{deploy}
---
apiVersion: v1
kind: Service
metadata: {{name: back}}
spec:
  selector: {{app: back}}
  ports: [{{port: 80, targetPort: http}}]
"#
    ));
    c.wait_running("app=back", 2);
    c.wait_json(
        "two endpoints",
        Duration::from_secs(20),
        &["get", "endpoints", "back"],
        |e| e["subsets"].as_array().is_some_and(|s| !s.is_empty()),
    );
    // Started after the service: it gets BACK_SERVICE_HOST/PORT, the
    // cluster IP and declared port, served inside its network namespace.
    c.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: client, labels: {{app: client}}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo via $BACK_SERVICE_HOST:$BACK_SERVICE_PORT; while true; do wget -qO- http://$BACK_SERVICE_HOST:$BACK_SERVICE_PORT/; sleep 0.5; done"]
"#
    ));
    c.wait_running("app=client", 1);
    let logs = wait_for(
        "the client to reach the service",
        Duration::from_secs(20),
        || {
            let l = c.ok(&["logs", "client"]);
            l.contains("hello from ork-test/busybox").then_some(l)
        },
    );
    assert!(
        logs.contains("via 127.77."),
        "the variables name the cluster IP: {logs}"
    );
}

#[test]
fn containers_see_config_secret_and_shared_empty_dir_through_bind_mounts() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(&format!(
        r#"
apiVersion: v1
kind: ConfigMap
metadata: {{name: web-config}}
data: {{greeting: hello-from-configmap}}
---
apiVersion: v1
kind: Secret
metadata: {{name: web-secret}}
stringData: {{token: hidden-value}}
---
apiVersion: v1
kind: Pod
metadata: {{name: mounts, labels: {{app: mounts}}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: writer
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo shared-by-writer > /scratch/note; sleep 3600"]
    volumeMounts: [{{name: scratch, mountPath: /scratch}}]
  - name: reader
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "while [ ! -f /scratch/note ]; do sleep 0.1; done; echo $(cat /etc/config/greeting) $(cat /etc/secret/token) $(cat /scratch/note); touch /etc/config/x 2>/dev/null || echo read-only; sleep 3600"]
    volumeMounts:
    - {{name: scratch, mountPath: /scratch}}
    - {{name: config, mountPath: /etc/config}}
    - {{name: secret, mountPath: /etc/secret}}
  volumes:
  - {{name: scratch, emptyDir: {{}}}}
  - name: config
    configMap: {{name: web-config}}
  - name: secret
    secret: {{secretName: web-secret}}
"#
    ));
    c.wait_running("app=mounts", 1);
    let logs = wait_for("the reader's output", Duration::from_secs(30), || {
        let l = c.ok(&["logs", "mounts", "-c", "reader"]);
        l.contains("read-only").then_some(l)
    });
    assert!(
        logs.contains("hello-from-configmap hidden-value shared-by-writer"),
        "{logs}"
    );
}
