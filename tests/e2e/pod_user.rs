//! Pods cannot reach the control plane's secrets: process pods run as an
//! unprivileged user (`nobody` unless their securityContext or the node's
//! `--pod-user` says otherwise; root only on a node started with
//! `--allow-root-pods`), their files live outside the node's private data
//! dir, and `ork exec` and exec probes run as the container's user.

use crate::harness::{Cluster, wait_for};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn logs(c: &Cluster, pod: &str) -> String {
    String::from_utf8_lossy(&c.ork(&["logs", pod]).stdout).into_owned()
}

/// Waits until the pod has succeeded; its logs.
fn finished(c: &Cluster, pod: &str) -> String {
    c.wait_json(
        &format!("pod {pod} to complete"),
        WAIT,
        &["get", "pod", pod],
        |p| p["status"]["phase"] == "Succeeded",
    );
    logs(c, pod)
}

/// The waiting (reason, message) of the pod's first container.
fn waiting(c: &Cluster, pod: &str) -> Option<(String, String)> {
    let p = c.json(&["get", "pod", pod])?;
    let w = &p["status"]["containerStatuses"][0]["state"]["waiting"];
    Some((w["reason"].as_str()?.into(), w["message"].as_str()?.into()))
}

/// Every file under `dir`, however deep.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A pod that runs `script` once with `sh -c` (its `$@` are `args`).
fn once(
    name: &str,
    spec_lines: &str,
    container_lines: &str,
    script: &str,
    args: &[String],
) -> String {
    let mut argv = vec!["sh".to_string(), "-c".into(), script.into(), "sh".into()];
    argv.extend(args.iter().cloned());
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  restartPolicy: Never
{spec_lines}  containers:
  - name: c
    command: {}
{container_lines}",
        serde_json::to_string(&argv).unwrap()
    )
}

/// The uid and gid of `nobody` on this machine.
fn nobody() -> (u32, u32) {
    let u = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    (u.uid.as_raw(), u.gid.as_raw())
}

#[test]
fn a_process_pod_can_read_none_of_the_nodes_or_the_control_planes_credentials() {
    let c = Cluster::start(1, "process");
    let node = c.nodes[0].dir.clone();
    // The node's files (the cluster's CA certificate is public), and the
    // control daemon's keys and tokens.
    let mut secret: Vec<PathBuf> = files_under(&node)
        .into_iter()
        .filter(|p| !p.ends_with("cluster-ca.crt"))
        .collect();
    assert!(
        secret.iter().any(|p| p.ends_with("node.kubeconfig")),
        "{secret:?}"
    );
    for f in [
        "admin.token",
        "admin.kubeconfig",
        "ca.key",
        "secret.key",
        "node.token",
    ] {
        assert!(c.data().join(f).is_file(), "{f}");
        secret.push(c.data().join(f));
    }
    let args: Vec<String> = secret.iter().map(|p| p.display().to_string()).collect();
    let script = r#"
echo "UID $(id -u)"
for f in "$@"; do
  if head -c 1 "$f" >/dev/null 2>&1; then echo "READABLE $f"; else echo "DENIED $f: $(cat "$f" 2>&1 >/dev/null)"; fi
done
for d in "$DATA" "$NODE"; do
  if ls "$d" >/dev/null 2>&1; then echo "LISTABLE $d"; else echo "UNLISTABLE $d"; fi
done
"#;
    let env = format!(
        "    env:\n    - {{name: DATA, value: \"{}\"}}\n    - {{name: NODE, value: \"{}\"}}\n",
        c.data().display(),
        node.display()
    );
    c.apply(&once("snoop", "", &env, script, &args));
    let out = finished(&c, "snoop");
    let uid = out
        .lines()
        .find_map(|l| l.strip_prefix("UID "))
        .unwrap_or_else(|| panic!("no uid in {out}"));
    assert_ne!(uid, "0", "{out}");
    assert_eq!(uid, nobody().0.to_string(), "{out}");
    assert!(
        !out.lines()
            .any(|l| l.starts_with("READABLE") || l.starts_with("LISTABLE")),
        "{out}"
    );
    for f in &args {
        let line = format!("DENIED {f}: ");
        let said = out
            .lines()
            .find_map(|l| l.strip_prefix(&line))
            .unwrap_or_else(|| panic!("{f} not tried: {out}"));
        assert!(said.contains("Permission denied"), "{f}: {said}");
    }
    // And nothing of them is in what the pod printed.
    let token = std::fs::read_to_string(c.data().join("admin.token")).unwrap();
    assert!(!out.contains(token.trim()), "{out}");
    // The data dirs stay private.
    for d in [c.data(), node] {
        assert_eq!(
            std::fs::metadata(&d).unwrap().mode() & 0o777,
            0o700,
            "{}",
            d.display()
        );
    }
}

#[test]
fn process_pods_run_as_nobody_or_as_their_security_context_says_and_exec_runs_as_them_too() {
    let mut c = Cluster::start(1, "process");
    // A second node lets pods run as root, and runs them as root by default.
    c.add_node_with(
        "n2",
        "process",
        &["--allow-root-pods", "--pod-user", "root"],
    );
    let (nobody_uid, nobody_gid) = nobody();
    let on = |node: &str| format!("  nodeName: {node}\n");
    let ids = "echo IDS $(id -u) $(id -g) $(id -G)";

    // By default: nobody, with no other group.
    c.apply(&once("plain", &on("n1"), "", ids, &[]));
    // The container's user over the pod's, and a group of its own.
    c.apply(&once(
        "chosen",
        &format!(
            "{}  securityContext: {{runAsUser: 1000, runAsGroup: 2000}}\n",
            on("n1")
        ),
        "    securityContext: {runAsUser: 4242, runAsGroup: 4343}\n",
        ids,
        &[],
    ));
    c.apply(&once(
        "as-nobody",
        &on("n1"),
        "    securityContext: {runAsUser: 65534}\n",
        "echo IDS $(id -u)",
        &[],
    ));
    assert_eq!(
        finished(&c, "plain").trim(),
        format!("IDS {nobody_uid} {nobody_gid} {nobody_gid}")
    );
    assert_eq!(finished(&c, "chosen").trim(), "IDS 4242 4343 4343");
    assert_eq!(finished(&c, "as-nobody").trim(), "IDS 65534");

    // Root is refused on a node that does not allow it, naming the flag.
    c.apply(&once(
        "wants-root",
        &format!("{}  securityContext: {{runAsUser: 0}}\n", on("n1")),
        "",
        ids,
        &[],
    ));
    let (_, msg) = wait_for("the root refusal", WAIT, || {
        waiting(&c, "wants-root").filter(|(r, _)| r == "CreateContainerConfigError")
    });
    assert!(msg.contains("--allow-root-pods"), "{msg}");
    let described = c.ok(&["describe", "pod", "wants-root"]);
    assert!(described.contains("--allow-root-pods"), "{described}");
    // ... and runs where it is allowed.
    c.apply(&once(
        "root-ok",
        &format!("{}  securityContext: {{runAsUser: 0}}\n", on("n2")),
        "",
        "echo IDS $(id -u)",
        &[],
    ));
    assert_eq!(finished(&c, "root-ok").trim(), "IDS 0");

    // runAsNonRoot with uid 0 is refused when applied...
    let f = c.dir.path().join("nonroot.yaml");
    std::fs::write(
        &f,
        once(
            "non-root-zero",
            "  securityContext: {runAsNonRoot: true}\n",
            "    securityContext: {runAsUser: 0}\n",
            ids,
            &[],
        ),
    )
    .unwrap();
    let out = c.ork(&["apply", "-f", f.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("spec.containers[0].securityContext.runAsNonRoot")
            && err.contains("runAsUser is 0"),
        "{err}"
    );
    assert!(c.json(&["get", "pod", "non-root-zero"]).is_none());
    // ... and by a node whose pod user is root.
    c.apply(&once(
        "non-root-here",
        &format!("{}  securityContext: {{runAsNonRoot: true}}\n", on("n2")),
        "",
        ids,
        &[],
    ));
    let (_, msg) = wait_for("the runAsNonRoot refusal", WAIT, || {
        waiting(&c, "non-root-here").filter(|(r, _)| r == "CreateContainerConfigError")
    });
    assert!(
        msg.contains("runAsNonRoot") && msg.contains("--pod-user"),
        "{msg}"
    );

    // exec and exec probes run as the container's user, never as the
    // daemon's root; without escalation, with no_new_privs too.
    c.apply(
        "apiVersion: v1
kind: Pod
metadata: {name: held}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    command: [sh, -c, 'grep NoNewPrivs /proc/self/status; sleep 3600']
    securityContext: {runAsUser: 4242, allowPrivilegeEscalation: false}
    readinessProbe:
      exec: {command: [sh, -c, 'test $(id -u) = 4242 && grep -q \"NoNewPrivs:.*1\" /proc/self/status']}
      periodSeconds: 1
",
    );
    // Ready only if the probe ran as the container's user, without privileges.
    c.wait_json("the held pod ready", WAIT, &["get", "pod", "held"], |p| {
        p["status"]["containerStatuses"][0]["ready"] == true
    });
    assert!(
        logs(&c, "held").contains("NoNewPrivs:\t1"),
        "{}",
        logs(&c, "held")
    );
    let out = c.ok(&[
        "exec",
        "held",
        "--",
        "sh",
        "-c",
        "id -u; id -G; grep NoNewPrivs /proc/self/status",
    ]);
    assert_eq!(out, "4242\n65534\nNoNewPrivs:\t1\n");
}

#[test]
fn a_non_root_pod_uses_its_working_dir_an_empty_dir_and_a_secret_volume() {
    let c = Cluster::start(1, "process");
    let script = r#"
echo "CWD $(pwd)"
echo here > in-cwd && echo "CWD WRITABLE"
echo "HOME $HOME"
echo scratch > "$ORK_VOLUME_SCRATCH/f" && echo "EMPTYDIR $(cat "$ORK_VOLUME_SCRATCH/f")"
echo "SECRET $(cat "$ORK_VOLUME_CREDS/password")"
echo "SECRETDIR $ORK_VOLUME_CREDS"
ls "$ORK_VOLUME_CREDS/.." >/dev/null 2>&1 && echo "LISTED secrets of the node" || echo "UNLISTED"
sleep 3600
"#;
    c.apply(
        "apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: hunter2}
",
    );
    let pod = once(
        "worker",
        "  securityContext: {runAsUser: 4242}
  volumes:
  - {name: scratch, emptyDir: {}}
  - {name: creds, secret: {secretName: creds}}
",
        "    volumeMounts:
    - {name: scratch, mountPath: /scratch}
    - {name: creds, mountPath: /creds}
",
        script,
        &[],
    )
    .replace("restartPolicy: Never", "terminationGracePeriodSeconds: 1");
    c.apply(&pod);
    let out = wait_for("the worker's output", WAIT, || {
        let l = logs(&c, "worker");
        l.contains("UNLISTED").then_some(l)
    });
    for want in [
        "CWD WRITABLE",
        "EMPTYDIR scratch",
        "SECRET hunter2",
        "UNLISTED",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    // Its working dir is its own, outside the node's data dir, as is HOME.
    let cwd = out.lines().find_map(|l| l.strip_prefix("CWD /")).unwrap();
    let cwd = PathBuf::from(format!("/{cwd}"));
    assert!(cwd.starts_with(c.pods_dir("n1")), "{}", cwd.display());
    assert!(out.contains(&format!("HOME {}", cwd.display())), "{out}");
    let m = std::fs::metadata(&cwd).unwrap();
    assert_eq!((m.uid(), m.mode() & 0o777), (4242, 0o700));
    // The pods dir lets pods through, but not look around.
    let pods = std::fs::metadata(c.pods_dir("n1")).unwrap();
    assert_eq!(pods.mode() & 0o777, 0o711);
    // The secret's file is the pod user's alone, on tmpfs.
    let dir = out
        .lines()
        .find_map(|l| l.strip_prefix("SECRETDIR "))
        .unwrap();
    assert!(dir.starts_with("/dev/shm/"), "{dir}");
    let f = std::fs::metadata(format!("{dir}/password")).unwrap();
    assert_eq!((f.uid(), f.mode() & 0o777), (4242, 0o600));
    // exec lands in the same place, as the same user.
    let out = c.ok(&["exec", "worker", "--", "sh", "-c", "id -u; cat in-cwd"]);
    assert_eq!(out, "4242\nhere\n");
    // A pod of another user cannot read that secret, knowing where it is.
    c.apply(&once(
        "neighbour",
        "",
        "",
        "cat \"$1\" 2>&1; id -u",
        &[format!("{dir}/password")],
    ));
    let out = finished(&c, "neighbour");
    assert!(
        out.contains("Permission denied") && !out.contains("hunter2"),
        "{out}"
    );
    c.ok(&["delete", "pod", "worker"]);
    wait_for("the working dir removed", WAIT, || {
        (!cwd.exists()).then_some(())
    });
}

/// The test image of `docker.rs`, or `None` when no Docker engine answers
/// (the test then skips, unless `ORK_REQUIRE_DOCKER=1`).
fn docker_image() -> Option<&'static str> {
    crate::docker::docker_ready().then_some(crate::docker::IMAGE)
}

#[test]
fn docker_containers_take_their_user_and_restrictions_from_the_security_context() {
    let Some(image) = docker_image() else {
        return;
    };
    let c = Cluster::start(1, "docker");
    c.apply(&format!(
        r#"apiVersion: v1
kind: Secret
metadata: {{name: creds}}
stringData: {{password: hunter2}}
---
apiVersion: v1
kind: Pod
metadata: {{name: locked}}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {{runAsUser: 1000, fsGroup: 3000}}
  containers:
  - name: c
    image: {image}
    imagePullPolicy: Never
    command: [sh, -c, 'id -u; id -G; grep -E "NoNewPrivs|CapEff" /proc/self/status; touch /x 2>/dev/null || echo READONLY; cat /creds/password; echo; sleep 3600']
    securityContext:
      runAsGroup: 2000
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {{drop: [ALL]}}
    volumeMounts:
    - {{name: creds, mountPath: /creds}}
    - {{name: scratch, mountPath: /scratch}}
  volumes:
  - {{name: creds, secret: {{secretName: creds}}}}
  - {{name: scratch, emptyDir: {{}}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: rooted-image}}
spec:
  securityContext: {{runAsNonRoot: true}}
  containers:
  - {{name: c, image: {image}, imagePullPolicy: Never, command: [sleep, "3600"]}}
"#
    ));
    let out = wait_for("the locked pod's output", WAIT, || {
        let l = logs(&c, "locked");
        l.contains("hunter2").then_some(l)
    });
    assert_eq!(
        out,
        "1000\n2000 3000\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\nREADONLY\nhunter2\n"
    );
    // Nothing of the node's data dir is mounted into it.
    // The status may be reported a moment after the output shows.
    let id = wait_for("the locked pod's container id", WAIT, || {
        let p = c.json(&["get", "pod", "locked"])?;
        p["status"]["containerStatuses"][0]["containerID"]
            .as_str()
            .map(|id| id.trim_start_matches("docker://").to_string())
    });
    let out = std::process::Command::new("docker")
        .args(["inspect", &id])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let binds: Vec<&str> = v[0]["HostConfig"]["Binds"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b.as_str())
        .collect();
    // The secret, the emptyDir, the container's termination-message file
    // and the service account's token directory (read-only).
    assert_eq!(binds.len(), 4, "{binds:?}");
    assert!(
        binds
            .iter()
            .any(|b| b.ends_with(":/var/run/secrets/kubernetes.io/serviceaccount:ro")),
        "{binds:?}"
    );
    assert!(
        binds.iter().any(|b| b.ends_with(":/dev/termination-log")),
        "{binds:?}"
    );
    let node = c.nodes[0].dir.canonicalize().unwrap();
    for b in &binds {
        assert!(
            !Path::new(b.split(':').next().unwrap()).starts_with(&node),
            "{b}"
        );
    }
    assert_eq!(v[0]["Config"]["User"], "1000:2000");
    // An image that runs as root is refused under runAsNonRoot.
    let (_, msg) = wait_for("the runAsNonRoot refusal", WAIT, || {
        waiting(&c, "rooted-image").filter(|(r, _)| r == "CreateContainerConfigError")
    });
    assert!(
        msg.contains("container has runAsNonRoot and image will run as root"),
        "{msg}"
    );
}

#[test]
fn claims_an_older_node_kept_in_its_data_dir_move_to_the_pods_dir_with_their_data() {
    let mut c = Cluster::start(1, "process");
    let pod = |name: &str, cmd: &str| {
        format!(
            "apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    command: [sh, -c, '{cmd}']
    volumeMounts: [{{name: data, mountPath: /data}}]
  volumes:
  - {{name: data, persistentVolumeClaim: {{claimName: data}}}}
"
        )
    };
    c.apply(&format!(
        "apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 1Gi}}}}
---
{}",
        pod("writer", "echo kept > $ORK_VOLUME_DATA/file; sleep 3600")
    ));
    let uid = c.wait_json("the claim bound", WAIT, &["get", "pvc", "data"], |v| {
        v["status"]["phase"] == "Bound"
    })["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_string();
    let new = c.pods_dir("n1").join("claims").join(&uid);
    wait_for("the claim's file", WAIT, || {
        new.join("file").exists().then_some(())
    });
    c.ok(&["delete", "pod", "writer"]);
    wait_for("the writer gone", WAIT, || {
        c.json(&["get", "pod", "writer"]).is_none().then_some(())
    });
    // As an older ork kept it: in the node's data dir.
    c.kill_node(0);
    let old = c.nodes[0].dir.join("claims").join(&uid);
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    std::fs::rename(&new, &old).unwrap();
    c.restart_node(0);
    wait_for("the claim moved", WAIT, || {
        (new.join("file").exists() && !old.exists()).then_some(())
    });
    c.apply(&pod("reader", "cat $ORK_VOLUME_DATA/file; sleep 3600"));
    wait_for("the reader to see the data", WAIT, || {
        logs(&c, "reader").contains("kept").then_some(())
    });
}
