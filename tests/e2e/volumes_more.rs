//! The downward API and projected volumes, `subPath` and Memory emptyDirs,
//! on the process runtime and on Docker: downward API files that follow
//! the pod's labels within seconds, a projected volume that combines a
//! ConfigMap, a Secret and the pod's labels with their modes, a subPath
//! that mounts one file, and subPaths that would leave their volume
//! (through `..`, refused at apply; through a symlink, refused at the
//! container's start with the reason in its status).

use crate::docker::{IMAGE, docker_ready};
use crate::harness::{Cluster, marker, wait_for};
use crate::volumes::{HostPathPod, host_path_node, refused_at_apply, waiting};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The ConfigMap and Secret the pods project.
const SOURCES: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: app}
data: {greeting: hello-from-configmap, other: not-projected}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {token: hidden-value}
"#;

/// A pod named `info` labelled `tier: {tier}` whose container (image
/// `image`, running `script`) mounts a downwardAPI volume at
/// /etc/podinfo, a projected one at /etc/all and one ConfigMap key
/// through subPath at /etc/greeting.txt.
fn info_pod(tier: &str, image: &str, script: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: info
  labels: {{app: info, tier: {tier}}}
  annotations: {{build: "7"}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: {image}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", {script:?}]
    resources:
      limits: {{cpu: 250m, memory: 64Mi}}
    volumeMounts:
    - {{name: podinfo, mountPath: /etc/podinfo}}
    - {{name: all, mountPath: /etc/all}}
    - {{name: config, mountPath: /etc/greeting.txt, subPath: greeting}}
  volumes:
  - name: podinfo
    downwardAPI:
      defaultMode: 0640
      items:
      - {{path: labels, fieldRef: {{fieldPath: metadata.labels}}}}
      - {{path: annotations, fieldRef: {{fieldPath: metadata.annotations}}}}
      - {{path: name, fieldRef: {{fieldPath: metadata.name}}, mode: 0600}}
      - path: cpu_limit
        resourceFieldRef: {{containerName: app, resource: limits.cpu, divisor: 1m}}
  - name: all
    projected:
      sources:
      - configMap:
          name: app
          items: [{{key: greeting, path: greeting}}]
      - secret:
          name: creds
          items: [{{key: token, path: secret/token, mode: 0400}}]
      - downwardAPI:
          items: [{{path: labels, fieldRef: {{fieldPath: "metadata.labels['tier']"}}}}]
      - configMap:
          name: absent
          optional: true
  - name: config
    configMap: {{name: app}}
"#
    )
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

/// Relabels pod `info` to `tier: b` and waits for `labels_file()` to say
/// so; returns how long it took.
fn relabel_and_wait(c: &Cluster, yaml: &str, mut labels_file: impl FnMut() -> String) -> Duration {
    let t = Instant::now();
    c.apply(yaml);
    wait_for(
        "the labels file to follow the new label",
        Duration::from_secs(10),
        || labels_file().contains("tier=\"b\"").then_some(()),
    );
    t.elapsed()
}

#[test]
fn downward_files_follow_labels_and_a_projected_volume_combines_config_secret_and_labels() {
    let c = Cluster::start(1, "process");
    let m = marker();
    c.apply(SOURCES);
    let script = format!(
        "echo \"DIRS $ORK_VOLUME_PODINFO $ORK_VOLUME_ALL\"; echo \"FILE $(cat $ORK_VOLUME_CONFIG)\"; exec sleep {m}"
    );
    c.apply(&info_pod("a", "busybox", &script));
    c.wait_running("app=info", 1);
    let logs = wait_for("the pod's output", Duration::from_secs(20), || {
        let l = c.ok(&["logs", "info"]);
        l.contains("FILE").then_some(l)
    });
    // The subPath gives the process the one file.
    assert!(logs.contains("FILE hello-from-configmap"), "{logs}");
    let dirs: Vec<PathBuf> = logs
        .lines()
        .find_map(|l| l.strip_prefix("DIRS "))
        .unwrap()
        .split(' ')
        .map(PathBuf::from)
        .collect();
    let (podinfo, all) = (&dirs[0], &dirs[1]);

    assert_eq!(read(&podinfo.join("labels")), "app=\"info\"\ntier=\"a\"");
    // Every annotation, `ork apply`'s record of the manifest among them.
    assert!(
        read(&podinfo.join("annotations"))
            .lines()
            .any(|l| l == "build=\"7\""),
        "{}",
        read(&podinfo.join("annotations"))
    );
    assert_eq!(read(&podinfo.join("name")), "info");
    assert_eq!(read(&podinfo.join("cpu_limit")), "250");
    assert_eq!(mode(&podinfo.join("labels")), 0o640);
    assert_eq!(mode(&podinfo.join("name")), 0o600);
    // The kubelet's layout: each name a link through `..data`.
    assert_eq!(
        std::fs::read_link(podinfo.join("labels")).unwrap(),
        PathBuf::from("..data/labels")
    );

    assert_eq!(read(&all.join("greeting")), "hello-from-configmap");
    assert!(!all.join("other").exists());
    assert_eq!(read(&all.join("secret/token")), "hidden-value");
    assert_eq!(mode(&all.join("secret/token")), 0o400);
    assert_eq!(read(&all.join("labels")), "a");
    assert_eq!(mode(&all.join("greeting")), 0o644);

    let took = relabel_and_wait(&c, &info_pod("b", "busybox", &script), || {
        read(&podinfo.join("labels"))
    });
    eprintln!("downward API labels file updated {took:?} after the apply (target ≤ 5s)");
    assert!(took <= Duration::from_secs(5), "{took:?}");
    wait_for("the projected label", Duration::from_secs(5), || {
        (read(&all.join("labels")) == "b").then_some(())
    });
}

#[test]
fn a_subpath_stays_inside_its_volume_through_dotdot_and_symlinks() {
    let (c, allowed) = host_path_node("host", &[]);
    std::fs::create_dir_all(allowed.join("inside")).unwrap();
    std::fs::write(allowed.join("inside/file"), "in-the-volume").unwrap();
    std::os::unix::fs::symlink("/etc", allowed.join("escape")).unwrap();
    std::os::unix::fs::symlink("inside", allowed.join("fine")).unwrap();
    let script = format!("cat $ORK_VOLUME_HOST; echo; exec sleep {}", marker());
    let path = allowed.display().to_string();
    let pod = |name: &str, mount: &str, sub: &str| {
        HostPathPod {
            name,
            path: &path,
            type_: "Directory",
            script: &script,
            mount,
            spec: "  terminationGracePeriodSeconds: 1\n",
            container: &format!("    env:\n    - name: SUB\n      value: {sub}\n"),
        }
        .yaml()
    };
    let pod_at = |name: &str, sub: &str| pod(name, "subPathExpr: \"$(SUB)\"", sub);

    // `..` is refused at once, naming the field and why.
    let err = refused_at_apply(&c, &pod("dotdot", "subPath: ../outside", "x"));
    assert!(
        err.contains("spec.containers[0].volumeMounts[0].subPath")
            && err.contains("must not contain '..'"),
        "{err}"
    );
    assert!(c.json(&["get", "pod", "dotdot"]).is_none());

    // A link that stays inside is followed; the file is the one mounted.
    c.apply(&pod_at("inside", "fine/file"));
    let logs = wait_for("the file's content", Duration::from_secs(20), || {
        // Not started yet is an error of `logs`: try again.
        let out = c.ork(&["logs", "inside"]);
        let l = String::from_utf8_lossy(&out.stdout).to_string();
        (out.status.success() && l.contains("in-the-volume")).then_some(l)
    });
    assert_eq!(logs.trim(), "in-the-volume");

    // A link out of the volume is refused when the container would start,
    // with the reason in its status and an event.
    c.apply(&pod_at("escape", "escape/passwd"));
    let (_, message) = wait_for("the refusal", Duration::from_secs(20), || {
        waiting(&c, "escape").filter(|(r, _)| r == "CreateContainerConfigError")
    });
    assert!(
        message.contains("subPath \"escape/passwd\" leaves its volume")
            && message.contains("is a symlink to /etc"),
        "{message}"
    );
    let events = c.ok(&["describe", "pod", "escape"]);
    assert!(events.contains("leaves its volume"), "{events}");
}

#[test]
fn docker_mounts_downward_projected_subpath_and_memory_volumes() {
    if !docker_ready() {
        return;
    }
    let c = Cluster::start(1, "docker");
    c.apply(SOURCES);
    let script = "cat /etc/greeting.txt; echo; \
        echo \"ALL $(cat /etc/all/greeting) $(cat /etc/all/secret/token) $(cat /etc/all/labels)\"; \
        echo \"NAME $(cat /etc/podinfo/name) CPU $(cat /etc/podinfo/cpu_limit)\"; \
        echo \"MEM $(grep ' /mem ' /proc/mounts | cut -d' ' -f3)\"; \
        while true; do echo \"LABELS $(tr '\\n' ' ' < /etc/podinfo/labels)\"; sleep 0.3; done";
    let with_memory = |yaml: String| {
        yaml.replace(
            "    - {name: config, mountPath: /etc/greeting.txt, subPath: greeting}\n",
            "    - {name: config, mountPath: /etc/greeting.txt, subPath: greeting}\n    - {name: mem, mountPath: /mem}\n",
        )
        .replace(
            "  - name: config\n",
            "  - name: mem\n    emptyDir: {medium: Memory, sizeLimit: 8Mi}\n  - name: config\n",
        )
    };
    let yaml = |tier: &str| with_memory(info_pod(tier, IMAGE, script));
    c.apply(&yaml("a"));
    c.wait_running("app=info", 1);
    let logs = wait_for("the pod's output", Duration::from_secs(30), || {
        let l = c.ok(&["logs", "info"]);
        l.contains("LABELS").then_some(l)
    });
    let line = |p: &str| {
        logs.lines()
            .find(|l| l.starts_with(p))
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(logs.lines().next(), Some("hello-from-configmap"), "{logs}");
    assert_eq!(line("ALL"), "ALL hello-from-configmap hidden-value a");
    assert_eq!(line("NAME"), "NAME info CPU 250");
    assert_eq!(line("MEM"), "MEM tmpfs");
    assert_eq!(line("LABELS"), "LABELS app=\"info\" tier=\"a\"");

    let took = relabel_and_wait(&c, &yaml("b"), || {
        let l = c.ok(&["logs", "info"]);
        l.lines()
            .rev()
            .find(|l| l.starts_with("LABELS"))
            .unwrap_or("")
            .to_string()
    });
    eprintln!(
        "Docker: downward API labels seen in the container {took:?} after the apply (target ≤ 5s)"
    );
    assert!(took <= Duration::from_secs(5), "{took:?}");
    c.ok(&["delete", "pod", "info"]);
}
