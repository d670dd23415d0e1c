//! securityContext on both runtimes: who a container runs as (runAsUser,
//! the pod's supplementalGroups), the pod's safe sysctls, and what a runtime
//! cannot honour refused at start with `CreateContainerConfigError` naming
//! the field.

use crate::harness::{Cluster, wait_for};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn logs(c: &Cluster, pod: &str) -> String {
    String::from_utf8_lossy(&c.ork(&["logs", pod]).stdout).into_owned()
}

/// The waiting (reason, message) of the pod's first container.
fn waiting(c: &Cluster, pod: &str) -> Option<(String, String)> {
    let p = c.json(&["get", "pod", pod])?;
    let w = &p["status"]["containerStatuses"][0]["state"]["waiting"];
    Some((w["reason"].as_str()?.into(), w["message"].as_str()?.into()))
}

/// Waits for the pod's `CreateContainerConfigError`; its message.
fn config_error(c: &Cluster, pod: &str) -> String {
    wait_for(&format!("{pod}'s CreateContainerConfigError"), WAIT, || {
        waiting(c, pod).filter(|(r, _)| r == "CreateContainerConfigError")
    })
    .1
}

/// A pod of one container `c` running `script`, with extra spec and
/// container lines (indented already).
fn pod(name: &str, image: Option<&str>, spec: &str, container: &str, script: &str) -> String {
    let image = image
        .map(|i| format!("    image: {i}\n    imagePullPolicy: Never\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  terminationGracePeriodSeconds: 1
{spec}  containers:
  - name: c
{image}    command: [sh, -c, {}]
{container}",
        serde_json::to_string(script).unwrap()
    )
}

#[test]
fn process_pods_take_run_as_user_and_supplemental_groups_and_refuse_what_a_process_cannot_have() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!(
            "skipped: the process runtime sets a pod's user and groups only when its node runs as root, and these tests do not"
        );
        return;
    }
    let c = Cluster::start(1, "process");
    c.apply(&pod(
        "ids",
        None,
        "  securityContext: {runAsUser: 65534, runAsGroup: 65534, supplementalGroups: [4000, 5000]}\n",
        "",
        "echo IDS $(id -u) $(id -G); sleep 3600",
    ));
    c.apply(&pod(
        "privileged",
        None,
        "",
        "    securityContext: {privileged: true}\n",
        "sleep 3600",
    ));
    c.apply(&pod(
        "tuned",
        None,
        "  securityContext:\n    sysctls: [{name: net.ipv4.tcp_syncookies, value: \"1\"}]\n",
        "",
        "sleep 3600",
    ));
    let out = wait_for("the ids pod's output", WAIT, || {
        let l = logs(&c, "ids");
        l.contains("IDS").then_some(l)
    });
    assert_eq!(out.trim(), "IDS 65534 65534 4000 5000");
    // ork exec runs as the same user with the same groups.
    let out = c.ok(&["exec", "ids", "--", "id", "-G"]);
    assert_eq!(out.trim(), "65534 4000 5000");
    let msg = config_error(&c, "privileged");
    assert!(
        msg.contains("privileged is not supported by the process runtime"),
        "{msg}"
    );
    let msg = config_error(&c, "tuned");
    assert!(
        msg.contains("sysctls are not supported by the process runtime"),
        "{msg}"
    );
}

#[test]
fn process_pods_refuse_a_sysctl_outside_the_safe_set_by_name_and_change_nothing() {
    let c = Cluster::start(1, "process");
    let out = c.ork_stdin(
        &["apply", "-f", "-"],
        Some(&pod(
            "unsafe",
            None,
            "  securityContext:\n    sysctls: [{name: kernel.msgmax, value: \"65536\"}]\n",
            "",
            "true",
        )),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("spec.securityContext.sysctls[0].name")
            && err.contains("\"kernel.msgmax\" is not in Kubernetes' safe set"),
        "{err}"
    );
    assert!(c.json(&["get", "pod", "unsafe"]).is_none());
}

#[test]
fn docker_pods_take_run_as_user_supplemental_groups_and_safe_sysctls() {
    if !crate::docker::docker_ready() {
        return;
    }
    let image = crate::docker::IMAGE;
    let c = Cluster::start(1, "docker");
    c.apply(&pod(
        "ids",
        Some(image),
        "  securityContext:\n    runAsUser: 65534\n    supplementalGroups: [4000]\n    sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: \"100\"}]\n",
        "",
        "echo IDS $(id -u) $(id -G) $(cat /proc/sys/net/ipv4/ip_unprivileged_port_start); sleep 3600",
    ));
    c.apply(&pod(
        "privileged",
        Some(image),
        "",
        "    securityContext: {privileged: true}\n",
        "sleep 3600",
    ));
    let out = wait_for("the ids pod's output", WAIT, || {
        let l = logs(&c, "ids");
        l.contains("IDS").then_some(l)
    });
    assert_eq!(out.trim(), "IDS 65534 0 4000 100");
    let msg = config_error(&c, "privileged");
    assert!(
        msg.contains("privileged:") && msg.contains("--allow-root-pods"),
        "{msg}"
    );
}

#[test]
fn docker_pods_take_a_localhost_seccomp_profile_from_the_nodes_directory_and_apparmor_as_the_engine_can()
 {
    if !crate::docker::docker_ready() {
        return;
    }
    let image = crate::docker::IMAGE;
    let c = Cluster::start(1, "docker");
    // A profile that lets everything through but mkdir, in the node's
    // seccomp directory, as the kubelet's <root-dir>/seccomp.
    let dir = c.nodes[0].dir.join("seccomp/profiles");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("no-mkdir.json"),
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}"#,
    )
    .unwrap();
    let script = "if mkdir /tmp/made 2>/dev/null; then echo MKDIR ok; else echo MKDIR refused; fi; sleep 3600";
    c.apply(&pod(
        "confined",
        Some(image),
        "  securityContext:\n    seccompProfile: {type: Localhost, localhostProfile: profiles/no-mkdir.json}\n",
        "",
        script,
    ));
    c.apply(&pod("free", Some(image), "", "", script));
    c.apply(&pod(
        "missing",
        Some(image),
        "",
        "    securityContext:\n      seccompProfile: {type: Localhost, localhostProfile: profiles/absent.json}\n",
        "sleep 3600",
    ));
    for (name, want) in [("confined", "MKDIR refused"), ("free", "MKDIR ok")] {
        let out = wait_for(&format!("{name}'s output"), WAIT, || {
            let l = logs(&c, name);
            l.contains("MKDIR").then_some(l)
        });
        assert_eq!(out.trim(), want, "{name}");
    }
    let msg = config_error(&c, "missing");
    assert!(
        msg.contains("cannot load seccomp profile") && msg.contains("profiles/absent.json"),
        "{msg}"
    );

    // AppArmor: Unconfined runs anywhere; a profile runs only on an engine
    // that has AppArmor, and is refused in the kubelet's words elsewhere.
    let engine_has_apparmor = std::process::Command::new("docker")
        .args(["info", "--format", "{{json .SecurityOptions}}"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("name=apparmor"));
    c.apply(&pod(
        "unconfined",
        Some(image),
        "  securityContext:\n    appArmorProfile: {type: Unconfined}\n",
        "",
        "echo UP; sleep 3600",
    ));
    c.apply(&pod(
        "armored",
        Some(image),
        "",
        "    securityContext:\n      appArmorProfile: {type: RuntimeDefault}\n",
        "echo UP; sleep 3600",
    ));
    wait_for("the unconfined pod's output", WAIT, || {
        logs(&c, "unconfined").contains("UP").then_some(())
    });
    if engine_has_apparmor {
        wait_for("the armored pod's output", WAIT, || {
            logs(&c, "armored").contains("UP").then_some(())
        });
    } else {
        let msg = config_error(&c, "armored");
        assert!(
            msg.starts_with("Cannot enforce AppArmor: AppArmor is not enabled on the host"),
            "{msg}"
        );
    }
}
