//! kubectl's everyday surface against one ork cluster, in the order a user
//! would go: discovery, apply, get, describe, logs, exec, port-forward,
//! edits of every kind, rollouts, drain, delete. Each step runs the real
//! kubectl and checks what it printed or what the cluster then holds. The
//! scorecard (`kubectl 1.NN: passed/total`) is printed for each version
//! tried; every step must pass with every version, but for the ones listed
//! in [`known_gaps`] (the protocols old kubectls speak and ork does not).

use crate::harness::{Cluster, wait_for};
use crate::kubectl::{kubectl_version, require_kubectl};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// A process pod serving HTTP on its `PORT`, declared as container port 8080.
const WEB: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      runtimeClassName: process
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: python:IMAGE_TAG
        command: ["python3", "-m", "http.server", "$(PORT)"]
        env:
        - name: GREETING
          value: hello
        ports:
        - containerPort: 8080
        resources:
          requests:
            cpu: 10m
"#;

/// Steps that kubectl `minor` cannot do against ork, and why.
fn known_gaps(minor: u32) -> &'static [&'static str] {
    match minor {
        // exec and port-forward speak SPDY only before 1.29 (ork serves
        // them over WebSocket; 1.29 needs an opt-in environment variable
        // for exec, 1.30 for port-forward).
        0..=29 => &["exec", "exec-exit-code", "exec-stdin", "port-forward"],
        30 => &["port-forward"],
        _ => &[],
    }
}

struct Run<'a> {
    c: &'a Cluster,
    bin: PathBuf,
    dir: PathBuf,
    passed: Vec<&'static str>,
    failed: Vec<(&'static str, String)>,
}

impl Run<'_> {
    fn out(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        let mut cmd = self.c.kubectl_cmd(&self.bin, args);
        cmd.env("EDITOR", self.dir.join("editor.sh"));
        let out = match stdin {
            None => cmd.output().unwrap(),
            Some(text) => {
                use std::io::Write;
                cmd.stdin(Stdio::piped());
                let mut child = cmd.spawn().unwrap();
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(text.as_bytes())
                    .unwrap();
                child.wait_with_output().unwrap()
            }
        };
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// One step: `check` gets stdout and says what is wrong, if anything.
    fn step(
        &mut self,
        name: &'static str,
        args: &[&str],
        stdin: Option<&str>,
        check: impl FnOnce(&str) -> Result<(), String>,
    ) {
        let (ok, stdout, stderr) = self.out(args, stdin);
        let verdict = if ok {
            check(&stdout)
        } else {
            Err(format!("exit failure: {}", stderr.trim()))
        };
        self.record(name, verdict.map_err(|e| format!("kubectl {args:?}: {e}")));
    }

    fn record(&mut self, name: &'static str, verdict: Result<(), String>) {
        match verdict {
            Ok(()) => self.passed.push(name),
            Err(e) => self.failed.push((name, e)),
        }
    }

    /// kubectl's JSON of one object.
    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["get"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["-o", "json"]);
        let (_, out, _) = self.out(&a, None);
        serde_json::from_str(&out).unwrap_or_default()
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }
}

fn contains(needle: &'static str) -> impl FnOnce(&str) -> Result<(), String> {
    move |out| {
        if out.contains(needle) {
            Ok(())
        } else {
            Err(format!("output lacks {needle:?}:\n{out}"))
        }
    }
}

fn any(_: &str) -> Result<(), String> {
    Ok(())
}

fn surface(bin: PathBuf, minor: u32) {
    let c = Cluster::start(1, "process");
    let dir = c.dir.path().join(format!("kubectl-{minor}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut r = Run {
        c: &c,
        bin,
        dir,
        passed: vec![],
        failed: vec![],
    };
    // The editor `kubectl edit` runs: one more replica.
    let editor = r.write(
        "editor.sh",
        "#!/bin/sh\nsed -i 's/^  replicas: 2$/  replicas: 3/' \"$1\"\n",
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let v1 = r.write("web.yaml", &WEB.replace("IMAGE_TAG", "3.11"));
    let v2 = r.write("web2.yaml", &WEB.replace("IMAGE_TAG", "3.12"));

    r.step("version", &["version"], None, contains("Server Version"));
    r.step("api-resources", &["api-resources"], None, |out| {
        for k in ["deployments", "pods", "configmaps", "services"] {
            if !out.contains(k) {
                return Err(format!("no {k}:\n{out}"));
            }
        }
        Ok(())
    });
    r.step("apply", &["apply", "-f", &v1], None, contains("created"));
    r.step(
        "rollout-status",
        &["rollout", "status", "deployment/web", "--timeout=60s"],
        None,
        contains("successfully rolled out"),
    );
    r.step("get-pods", &["get", "pods"], None, |out| {
        if out.contains("READY") && out.contains("1/1") && out.contains("Running") {
            Ok(())
        } else {
            Err(format!("no Table columns:\n{out}"))
        }
    });
    r.step(
        "get-wide",
        &["get", "deployments", "-o", "wide"],
        None,
        contains("CONTAINERS"),
    );
    r.step(
        "get-jsonpath",
        &[
            "get",
            "pods",
            "-l",
            "app=web",
            "-o",
            "jsonpath={.items[0].status.phase}",
        ],
        None,
        contains("Running"),
    );
    r.step(
        "get-all",
        &["get", "all"],
        None,
        contains("deployment.apps/web"),
    );
    r.step(
        "describe",
        &["describe", "deployment", "web"],
        None,
        |out| {
            if out.contains("Events:") && out.contains("ScalingReplicaSet") {
                Ok(())
            } else {
                Err(format!("no events:\n{out}"))
            }
        },
    );
    r.step(
        "wait",
        &[
            "wait",
            "--for=condition=Available",
            "deployment/web",
            "--timeout=30s",
        ],
        None,
        contains("condition met"),
    );
    r.step("diff", &["diff", "-f", &v1], None, any);
    // An edited manifest changes one field; the rest of the container stays.
    r.step(
        "apply-edited",
        &["apply", "-f", &v2],
        None,
        contains("configured"),
    );
    let d = r.json(&["deployment", "web"]);
    let ctr = &d["spec"]["template"]["spec"]["containers"][0];
    let kept = ctr["image"] == "python:3.12"
        && ctr["ports"][0]["containerPort"] == 8080
        && ctr["command"][0] == "python3"
        && ctr["env"][0]["value"] == "hello"
        && ctr["resources"]["requests"]["cpu"] == "10m";
    r.record(
        "apply-keeps-fields",
        kept.then_some(())
            .ok_or(format!("container after apply: {ctr}")),
    );
    r.step(
        "rollout-status-2",
        &["rollout", "status", "deployment/web", "--timeout=60s"],
        None,
        any,
    );
    r.step(
        "apply-server-side",
        &["apply", "--server-side", "-f", &v2],
        None,
        contains("serverside-applied"),
    );
    r.step(
        "scale",
        &["scale", "deployment/web", "--replicas=2"],
        None,
        contains("scaled"),
    );
    r.step(
        "edit",
        &["edit", "deployment/web"],
        None,
        contains("edited"),
    );
    let replicas = r.json(&["deployment", "web"])["spec"]["replicas"].clone();
    r.record(
        "edit-took",
        (replicas == 3)
            .then_some(())
            .ok_or(format!("replicas after edit: {replicas}")),
    );
    r.step(
        "set-image",
        &["set", "image", "deployment/web", "web=python:3.13"],
        None,
        contains("image updated"),
    );
    let ctr = r.json(&["deployment", "web"])["spec"]["template"]["spec"]["containers"][0].clone();
    r.record(
        "set-image-keeps-command",
        (ctr["image"] == "python:3.13" && ctr["command"][0] == "python3")
            .then_some(())
            .ok_or(format!("container after set image: {ctr}")),
    );
    r.step(
        "set-env",
        &["set", "env", "deployment/web", "MODE=test"],
        None,
        contains("env updated"),
    );
    r.step(
        "rollout-history",
        &["rollout", "history", "deployment/web"],
        None,
        contains("REVISION"),
    );
    r.step(
        "rollout-undo",
        &["rollout", "undo", "deployment/web"],
        None,
        contains("rolled back"),
    );
    r.step(
        "rollout-restart",
        &["rollout", "restart", "deployment/web"],
        None,
        contains("restarted"),
    );
    r.step(
        "rollout-status-3",
        &["rollout", "status", "deployment/web", "--timeout=90s"],
        None,
        contains("successfully rolled out"),
    );
    r.step(
        "label",
        &["label", "deployment", "web", "tier=front"],
        None,
        contains("labeled"),
    );
    r.step(
        "annotate",
        &["annotate", "deployment", "web", "owner=ops"],
        None,
        // kubectl 1.27 says "annotate", later ones "annotated".
        contains("annotate"),
    );
    r.step(
        "label-remove",
        &["label", "deployment", "web", "tier-"],
        None,
        contains("unlabeled"),
    );
    r.step(
        "patch-merge",
        &[
            "patch",
            "deployment",
            "web",
            "--type=merge",
            "-p",
            r#"{"metadata":{"labels":{"m":"1"}}}"#,
        ],
        None,
        contains("patched"),
    );
    r.step(
        "patch-json",
        &[
            "patch",
            "deployment",
            "web",
            "--type=json",
            "-p",
            r#"[{"op":"add","path":"/metadata/labels/j","value":"2"}]"#,
        ],
        None,
        contains("patched"),
    );
    r.step(
        "patch-strategic",
        &[
            "patch",
            "deployment",
            "web",
            "-p",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"S","value":"3"}]}]}}}}"#,
        ],
        None,
        contains("patched"),
    );
    let ctr = r.json(&["deployment", "web"])["spec"]["template"]["spec"]["containers"][0].clone();
    let envs: Vec<String> = ctr["env"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    r.record(
        "patch-strategic-merges",
        (envs.contains(&"GREETING".to_string()) && envs.contains(&"S".to_string()))
            .then_some(())
            .ok_or(format!("env after strategic patch: {envs:?}")),
    );
    r.step(
        "rollout-status-4",
        &["rollout", "status", "deployment/web", "--timeout=90s"],
        None,
        any,
    );
    r.step(
        "logs",
        &["logs", "deployment/web", "--since=1h", "--tail=5"],
        None,
        any,
    );
    r.step(
        "exec",
        &["exec", "deployment/web", "--", "echo", "hi-from-exec"],
        None,
        contains("hi-from-exec"),
    );
    let code =
        r.c.kubectl_cmd(
            &r.bin,
            &["exec", "deployment/web", "--", "sh", "-c", "exit 3"],
        )
        .status()
        .unwrap()
        .code();
    r.record(
        "exec-exit-code",
        (code == Some(3))
            .then_some(())
            .ok_or(format!("exit code {code:?}")),
    );
    r.step(
        "exec-stdin",
        &["exec", "-i", "deployment/web", "--", "cat"],
        Some("through-stdin\n"),
        contains("through-stdin"),
    );
    let pf = port_forward(&r);
    r.record("port-forward", pf);
    r.step(
        "create-deployment",
        &[
            "create",
            "deployment",
            "sleeper",
            "--image=busybox",
            "--",
            "sleep",
            "3600",
        ],
        None,
        contains("created"),
    );
    r.step(
        "create-configmap",
        &["create", "configmap", "cfg", "--from-literal=a=b"],
        None,
        contains("created"),
    );
    r.step(
        "create-secret",
        &["create", "secret", "generic", "sec", "--from-literal=a=b"],
        None,
        contains("created"),
    );
    r.step(
        "create-namespace",
        &["create", "namespace", "scratch"],
        None,
        contains("created"),
    );
    r.step(
        "create-dry-run-server",
        &[
            "create",
            "configmap",
            "dry",
            "--dry-run=server",
            "-o",
            "name",
        ],
        None,
        contains("configmap/dry"),
    );
    r.step(
        "expose",
        &[
            "expose",
            "deployment",
            "web",
            "--port=80",
            "--target-port=8080",
        ],
        None,
        contains("exposed"),
    );
    r.step(
        "autoscale",
        &[
            "autoscale",
            "deployment",
            "web",
            "--min=1",
            "--max=3",
            "--cpu-percent=50",
        ],
        None,
        contains("autoscaled"),
    );
    r.step(
        "explain",
        &["explain", "deployment.spec.replicas"],
        None,
        contains("replicas"),
    );
    r.step(
        "auth-can-i",
        &["auth", "can-i", "create", "pods"],
        None,
        contains("yes"),
    );
    r.step(
        "get-events",
        &[
            "get",
            "events",
            "--field-selector",
            "involvedObject.kind=Deployment",
        ],
        None,
        contains("web"),
    );
    r.step("cordon", &["cordon", "n1"], None, contains("cordoned"));
    r.step(
        "drain",
        &[
            "drain",
            "n1",
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout=60s",
        ],
        None,
        contains("drained"),
    );
    r.step(
        "uncordon",
        &["uncordon", "n1"],
        None,
        contains("uncordoned"),
    );
    r.step(
        "delete",
        &["delete", "-f", &v2, "--timeout=60s"],
        None,
        contains("deleted"),
    );
    r.step(
        "delete-namespace",
        &["delete", "namespace", "scratch", "--timeout=60s"],
        None,
        contains("deleted"),
    );

    let total = r.passed.len() + r.failed.len();
    println!(
        "kubectl 1.{minor}: {}/{total} steps pass against ork",
        r.passed.len()
    );
    let gaps = known_gaps(minor);
    let unexpected: Vec<_> = r
        .failed
        .iter()
        .filter(|(name, _)| !gaps.contains(name))
        .collect();
    for (name, why) in &r.failed {
        println!("  {name}: {why}");
    }
    assert!(
        unexpected.is_empty(),
        "kubectl 1.{minor}: {} step(s) failed: {unexpected:#?}",
        unexpected.len()
    );
}

/// `kubectl port-forward deployment/web :8080`, then an HTTP request
/// through the port kubectl chose.
fn port_forward(r: &Run) -> Result<(), String> {
    let mut child =
        r.c.kubectl_cmd(&r.bin, &["port-forward", "deployment/web", ":8080"])
            .spawn()
            .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let result = (|| {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .map_err(|_| "port-forward printed nothing".to_string())?;
        // "Forwarding from 127.0.0.1:43123 -> 8080"
        let port = line
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .ok_or(format!("unexpected line {line:?}"))?
            .to_string();
        let body = wait_for(
            "an answer through port-forward",
            Duration::from_secs(20),
            || {
                crate::harness::http_get(format!("http://127.0.0.1:{port}/"))
                    .ok()
                    .and_then(|resp| resp.text().ok())
            },
        );
        if body.contains("Directory listing") {
            Ok(())
        } else {
            Err(format!("unexpected body {body:?}"))
        }
    })();
    let _ = child.kill();
    let mut err = String::new();
    let _ = child.wait();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    result.map_err(|e| format!("{e}; stderr: {err}"))
}

fn minor_of(bin: &Path) -> u32 {
    let out = std::process::Command::new(bin)
        .args(["version", "--client", "-o", "json"])
        .env("HOME", std::env::temp_dir())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["clientVersion"]["minor"]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches('+')
        .parse()
        .unwrap()
}

#[test]
fn kubectl_default_version_everyday_surface() {
    let Some(bin) = require_kubectl() else { return };
    let minor = minor_of(&bin);
    surface(bin, minor);
}

#[test]
fn kubectl_1_27_everyday_surface() {
    if let Some(bin) = kubectl_version(27) {
        surface(bin, 27);
    }
}

#[test]
fn kubectl_1_33_everyday_surface() {
    if let Some(bin) = kubectl_version(33) {
        surface(bin, 33);
    }
}
