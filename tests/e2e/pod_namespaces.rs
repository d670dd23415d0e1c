//! Which namespaces a Docker pod shares: `shareProcessNamespace` (its
//! containers see each other's processes, with the sandbox's `ork pause`
//! as PID 1) and `hostNetwork` (it listens on the node's own addresses,
//! each port's `hostPort` is its `containerPort`, and `ClusterFirst` DNS is
//! the node's), and what it is given: an open stdin and a terminal
//! (`stdin`, `tty`). Uses the harness and the docker module's test image.

use crate::docker::{IMAGE, docker_ready};
use crate::harness::{Cluster, free_port, http_get, wait_for};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// A pod of two busybox containers `a` and `b`, each sleeping a time only
/// it uses, with `spec` lines (indented already) added to its spec.
fn two_sleepers(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  terminationGracePeriodSeconds: 1
{spec}  containers:
  - {{name: a, image: {IMAGE}, imagePullPolicy: Never, command: [sleep, '3601']}}
  - {{name: b, image: {IMAGE}, imagePullPolicy: Never, command: [sleep, '3602']}}
"
    )
}

fn running(c: &Cluster, pod: &str) {
    c.wait_json(&format!("{pod} Running"), WAIT, &["get", "pod", pod], |p| {
        p["status"]["phase"] == "Running"
    });
}

fn exec(c: &Cluster, pod: &str, container: &str, argv: &[&str]) -> String {
    let mut args = vec!["exec", pod, "-c", container, "--"];
    args.extend_from_slice(argv);
    c.ok(&args)
}

#[test]
fn containers_of_a_pod_sharing_its_process_namespace_see_each_other_and_pause_is_pid_1() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(&two_sleepers("shared", "  shareProcessNamespace: true\n"));
    c.apply(&two_sleepers("apart", ""));
    running(&c, "shared");
    running(&c, "apart");
    let ps = wait_for("a's sleep seen from b", WAIT, || {
        let ps = exec(&c, "shared", "b", &["ps", "-o", "pid,args"]);
        ps.contains("sleep 3601").then_some(ps)
    });
    assert!(ps.contains("sleep 3602"), "{ps}");
    let init = exec(&c, "shared", "b", &["cat", "/proc/1/cmdline"]);
    assert!(
        init.contains("pause"),
        "PID 1 is the sandbox's ork pause: {init:?}"
    );
    let ps = exec(&c, "apart", "b", &["ps", "-o", "pid,args"]);
    assert!(
        !ps.contains("sleep 3601") && ps.contains("sleep 3602"),
        "without it each container sees only its own: {ps}"
    );
    let init = exec(&c, "apart", "b", &["cat", "/proc/1/cmdline"]);
    assert!(init.starts_with("sleep"), "{init:?}");
}

#[test]
fn a_pod_on_the_nodes_network_listens_on_the_node_with_its_hostname_and_resolvers() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    let port = free_port();
    c.apply(&format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: on-host}}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: {IMAGE}
    imagePullPolicy: Never
    command: [httpd, -f, -p, '{port}', -h, /www]
    ports: [{{containerPort: {port}}}]
"
    ));
    running(&c, "on-host");
    let body = wait_for("the pod's httpd on the node's own port", WAIT, || {
        http_get(format!("http://127.0.0.1:{port}/"))
            .ok()
            .and_then(|r| r.text().ok())
            .filter(|b| !b.is_empty())
    });
    assert_eq!(body.trim(), "hello from ork-test/busybox");
    let pod = c.json(&["get", "pod", "on-host"]).unwrap();
    assert_eq!(
        pod["spec"]["containers"][0]["ports"][0]["hostPort"], port,
        "hostPort defaults to containerPort"
    );
    assert_eq!(pod["status"]["podIP"], pod["status"]["hostIP"]);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(
        exec(&c, "on-host", "web", &["hostname"]).trim(),
        host.trim()
    );
    assert_eq!(
        exec(&c, "on-host", "web", &["sh", "-c", "echo $HOSTNAME"]).trim(),
        host.trim(),
        "HOSTNAME is the node's too"
    );
    let resolv = exec(&c, "on-host", "web", &["cat", "/etc/resolv.conf"]);
    assert!(
        !resolv.contains("svc.cluster.local"),
        "ClusterFirst on the node's network is the node's resolvers: {resolv}"
    );

    // A hostPort other than the containerPort cannot be had there.
    let out = c.ork_stdin(
        &["apply", "-f", "-"],
        Some(&format!(
            "apiVersion: v1
kind: Pod
metadata: {{name: mismatch}}
spec:
  hostNetwork: true
  containers:
  - {{name: web, image: {IMAGE}, ports: [{{containerPort: 80, hostPort: 8080}}]}}
"
        )),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("spec.containers[0].ports[0].hostPort: must match containerPort (80) when hostNetwork is true"),
        "{err}"
    );
    assert!(c.json(&["get", "pod", "mismatch"]).is_none());
}

#[test]
fn a_shell_given_stdin_and_a_tty_waits_for_input_where_one_without_ends() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    let pod = |name: &str, fields: &str| {
        format!(
            "apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: shell
    image: {IMAGE}
    imagePullPolicy: Never
    command: [sh]
{fields}"
        )
    };
    c.apply(&pod("interactive", "    stdin: true\n    tty: true\n"));
    c.apply(&pod("closed", ""));
    c.wait_json("closed Succeeded", WAIT, &["get", "pod", "closed"], |p| {
        p["status"]["phase"] == "Succeeded"
    });
    running(&c, "interactive");
    let input = exec(&c, "interactive", "shell", &["readlink", "/proc/1/fd/0"]);
    assert!(input.trim().starts_with("/dev/pts/"), "{input:?}");
    let p = c.json(&["get", "pod", "interactive"]).unwrap();
    assert_eq!(p["status"]["phase"], "Running", "the shell waits for input");
}
