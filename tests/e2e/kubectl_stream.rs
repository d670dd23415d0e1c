//! The real kubectl's streams against process pods: `kubectl exec` (output,
//! the command's exit code, stdin, a terminal in tmux), `kubectl attach`,
//! `kubectl port-forward` and `ork port-forward` with a real HTTP request
//! through them, to a process pod and to a Docker pod at its own address;
//! kubectl before 1.30, which speaks SPDY only, is told why it is refused.

use crate::harness::{Cluster, ORK, wait_for};
use crate::kubectl::{kubectl_version, require_kubectl};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const PODS: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: shell
spec:
  containers:
  - name: shell
    image: busybox
    command: ["sleep", "3600"]
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: web
    image: python
    command: ["python3", "-m", "http.server", "$(PORT)", "--bind", "127.0.0.1"]
    ports:
    - name: http
      containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: http
---
apiVersion: v1
kind: Pod
metadata:
  name: ticker
spec:
  containers:
  - name: ticker
    image: busybox
    command: ["sh", "-c", "while true; do echo tick; sleep 0.3; done"]
"#;

/// A cluster with the pods above running, and kubectl's discovery cache
/// filled when the server does not serve discovery itself (what kubectl
/// needs to find `pods` before it streams).
fn cluster() -> Cluster {
    let c = Cluster::start(1, "process");
    c.apply(PODS);
    for name in ["shell", "web", "ticker"] {
        c.wait_json(
            &format!("pod {name} running"),
            Duration::from_secs(30),
            &["get", "pod", name],
            |p| p["status"]["phase"] == "Running",
        );
    }
    seed_discovery(&c);
    c
}

fn seed_discovery(c: &Cluster) {
    let served = c
        .http()
        .get(format!("{}/api/v1", c.url))
        .bearer_auth(&c.admin)
        .send()
        .is_ok_and(|r| {
            r.status().is_success()
                && c.http()
                    .get(format!("{}/apis", c.url))
                    .bearer_auth(&c.admin)
                    .send()
                    .is_ok_and(|r| r.status().is_success())
        });
    if served {
        return;
    }
    let host = c.url.trim_start_matches("https://").replace(':', "_");
    let dir = c.dir.path().join("kube-home/cache/discovery").join(host);
    std::fs::create_dir_all(dir.join("v1")).unwrap();
    std::fs::create_dir_all(dir.join("apps/v1")).unwrap();
    let group = |name: &str, gv: &str| {
        serde_json::json!({"name": name, "versions": [{"groupVersion": gv, "version": "v1"}],
            "preferredVersion": {"groupVersion": gv, "version": "v1"}})
    };
    let groups = serde_json::json!({"kind": "APIGroupList", "apiVersion": "v1",
        "groups": [group("", "v1"), group("apps", "apps/v1")]});
    std::fs::write(dir.join("servergroups.json"), groups.to_string()).unwrap();
    let verbs = [
        "create", "delete", "get", "list", "patch", "update", "watch",
    ];
    let res = |name: &str, kind: &str, verbs: &[&str]| serde_json::json!({"name": name, "singularName": "", "namespaced": true, "kind": kind, "verbs": verbs});
    let v1 = serde_json::json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1",
        "resources": [res("pods", "Pod", &verbs), res("pods/exec", "PodExecOptions", &["create", "get"]),
            res("pods/attach", "PodAttachOptions", &["create", "get"]),
            res("pods/portforward", "PodPortForwardOptions", &["create", "get"]),
            res("services", "Service", &verbs)]});
    std::fs::write(dir.join("v1/serverresources.json"), v1.to_string()).unwrap();
    let apps = serde_json::json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1",
        "resources": [res("deployments", "Deployment", &verbs)]});
    std::fs::write(dir.join("apps/v1/serverresources.json"), apps.to_string()).unwrap();
}

/// kubectl 1.32 (PATH) and the packaged 1.30 and 1.33 where present.
fn kubectls() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = require_kubectl().into_iter().collect();
    v.extend([30, 33].into_iter().filter_map(kubectl_version));
    v
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn kubectl_exec_passes_output_exit_codes_and_stdin() {
    let bins = kubectls();
    if bins.is_empty() {
        return;
    }
    let c = cluster();
    for bin in &bins {
        let out = c.kubectl_ok(bin, &["exec", "shell", "--", "echo", "hi"]);
        assert_eq!(out, "hi\n", "{}", bin.display());

        let out = c.kubectl_with(
            bin,
            &["exec", "shell", "--", "sh", "-c", "echo oops >&2; exit 3"],
        );
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}: {}",
            bin.display(),
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("oops"), "{}", text(&out.stderr));

        let mut child = c
            .kubectl_cmd(
                bin,
                &["exec", "-i", "shell", "--", "sh", "-c", "cat; echo done"],
            )
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"data from stdin\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "data from stdin\ndone\n");

        let out = c.kubectl_with(bin, &["exec", "nosuch", "--", "true"]);
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("not found"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn kubectl_before_websockets_is_told_to_upgrade() {
    let Some(old) = kubectl_version(27) else {
        return;
    };
    let c = cluster();
    let out = c.kubectl_with(&old, &["exec", "shell", "--", "echo", "hi"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("SPDY") && err.contains("1.30"), "{err}");
    let out = c.kubectl_with(&old, &["exec", "nosuch", "--", "echo", "hi"]);
    assert!(
        text(&out.stderr).contains("not found"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn kubectl_attach_shows_a_containers_output_and_refuses_stdin() {
    let Some(bin) = require_kubectl() else {
        return;
    };
    let c = cluster();
    let mut child = c.kubectl_cmd(&bin, &["attach", "ticker"]).spawn().unwrap();
    let lines = lines_of(&mut child);
    wait_for("attach output", Duration::from_secs(20), || {
        lines
            .recv_timeout(Duration::from_millis(200))
            .ok()
            .filter(|l| l == "tick")
    });
    let _ = child.kill();
    let _ = child.wait();

    let out = c.kubectl_with(&bin, &["attach", "-i", "ticker"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("keeps no container's standard input"),
        "{}",
        text(&out.stderr)
    );
}

/// Stdout lines of a child, as they come.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Waits for `Forwarding from 127.0.0.1:PORT -> REMOTE`; returns PORT.
fn forwarded_port(lines: &mpsc::Receiver<String>) -> u16 {
    wait_for(
        "Forwarding from 127.0.0.1:",
        Duration::from_secs(20),
        || {
            let l = lines.recv_timeout(Duration::from_millis(200)).ok()?;
            let rest = l.strip_prefix("Forwarding from 127.0.0.1:")?;
            rest.split(' ').next()?.parse().ok()
        },
    )
}

fn get_through(port: u16) -> String {
    let r = reqwest::blocking::Client::new()
        .get(format!("http://127.0.0.1:{port}/"))
        .timeout(Duration::from_secs(10))
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.text().unwrap()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn kubectl_and_ork_port_forward_carry_http_to_the_pod() {
    let c = cluster();
    let mut forwards: Vec<(String, Child)> = vec![];
    // kubectl 1.31 and newer forward over WebSocket (1.30 only when asked).
    let bins: Vec<PathBuf> = require_kubectl()
        .into_iter()
        .chain([31, 33].into_iter().filter_map(kubectl_version))
        .collect();
    for bin in &bins {
        let child = c
            .kubectl_cmd(bin, &["port-forward", "pod/web", ":8080"])
            .spawn()
            .unwrap();
        forwards.push((format!("{} port-forward pod/web", bin.display()), child));
    }
    for target in ["pod/web", "service/web"] {
        let remote = if target == "pod/web" { ":8080" } else { ":80" };
        let child = ork_cmd(&c, &["port-forward", target, remote])
            .spawn()
            .unwrap();
        forwards.push((format!("ork port-forward {target}"), child));
    }
    for (what, mut child) in forwards {
        let lines = lines_of(&mut child);
        let child = Killed(child);
        let port = forwarded_port(&lines);
        // Two requests: each connection is forwarded on its own.
        for _ in 0..2 {
            let body = get_through(port);
            assert!(body.contains("Directory listing"), "{what}: {body}");
        }
        drop(child);
    }
}

fn ork_cmd(c: &Cluster, args: &[&str]) -> Command {
    let mut cmd = Command::new(ORK);
    cmd.args(args)
        .env("ORK_SERVER", &c.url)
        .env("ORK_TOKEN", &c.admin)
        .env("ORK_CA", c.ca_file())
        .env("ORK_CONFIG", c.dir.path().join("no-config.yaml"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    cmd
}

/// A tmux server of its own, killed on drop.
struct Tmux(String);

impl Tmux {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.0])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn screen(&self) -> String {
        text(&self.run(&["capture-pane", "-p", "-t", "x"]).stdout)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn kubectl_exec_it_runs_a_shell_from_a_raw_terminal() {
    let Some(bin) = require_kubectl() else {
        return;
    };
    if !Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required under CI"
        );
        eprintln!("skipped: no tmux");
        return;
    }
    let c = cluster();
    let t = Tmux(format!("ork-e2e-{}", uuid::Uuid::new_v4().simple()));
    let home = c.dir.path().join("kube-home");
    let cmd = format!(
        "HOME={h} KUBECACHEDIR={h}/cache KUBECONFIG={k} {b} exec -it shell -- sh; echo KUBECTL-EXITED $?; sleep 600",
        h = home.display(),
        k = c.kubeconfig().display(),
        b = bin.display()
    );
    let out = t.run(&[
        "new-session",
        "-d",
        "-s",
        "x",
        "-x",
        "120",
        "-y",
        "30",
        &cmd,
    ]);
    assert!(out.status.success(), "tmux: {}", text(&out.stderr));
    let wait_screen = |what: &str, f: &dyn Fn(&str) -> bool| {
        wait_for(what, Duration::from_secs(20), || {
            let s = t.screen();
            f(&s).then_some(s)
        })
    };
    // The process runtime gives commands pipes, not a pseudo-terminal: no
    // line discipline turns the raw terminal's Enter (CR) into a newline,
    // so lines are ended with LF (C-j) here.
    t.run(&["send-keys", "-t", "x", "echo answer=$((6*7))", "C-j"]);
    wait_screen("the command's output", &|s| s.contains("answer=42"));
    t.run(&["send-keys", "-t", "x", "exit 5", "C-j"]);
    wait_screen("kubectl exits with the shell's code", &|s| {
        s.contains("KUBECTL-EXITED 5")
    });
}

#[test]
fn port_forward_reaches_a_docker_pod_at_its_own_address() {
    if !crate::docker::docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: dweb
spec:
  containers:
  - name: httpd
    image: {}
    imagePullPolicy: Never
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    ports:
    - containerPort: 8080
"#,
        crate::docker::IMAGE
    ));
    c.wait_json(
        "pod dweb running",
        Duration::from_secs(60),
        &["get", "pod", "dweb"],
        |p| p["status"]["phase"] == "Running",
    );
    seed_discovery(&c);
    let mut forwards = vec![
        ork_cmd(&c, &["port-forward", "pod/dweb", ":8080"])
            .spawn()
            .unwrap(),
    ];
    if let Some(bin) = require_kubectl() {
        forwards.push(
            c.kubectl_cmd(&bin, &["port-forward", "pod/dweb", ":8080"])
                .spawn()
                .unwrap(),
        );
    }
    for mut child in forwards {
        let lines = lines_of(&mut child);
        let _child = Killed(child);
        let port = forwarded_port(&lines);
        let body = get_through(port);
        assert!(body.contains("hello from ork-test/busybox"), "{body}");
    }
}
