//! What pods take from outside, with real processes: ConfigMap and Secret
//! values as env and as files (updated in place), a missing key that keeps
//! the container waiting until it exists, hostPath confined to the node's
//! allowed roots, and emptyDir shared by a pod's containers and removed with
//! it.

use crate::harness::{Cluster, marker, wait_for};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn logs(c: &Cluster, pod: &str, container: Option<&str>) -> String {
    let mut args = vec!["logs", pod];
    if let Some(n) = container {
        args.extend(["-c", n]);
    }
    let out = c.ork(&args);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The reason and message of `pod`'s first container while it waits.
pub(crate) fn waiting(c: &Cluster, pod: &str) -> Option<(String, String)> {
    let p = c.json(&["get", "pod", pod])?;
    let w = &p["status"]["containerStatuses"][0]["state"]["waiting"];
    Some((
        w["reason"].as_str()?.to_string(),
        w["message"].as_str().unwrap_or("").to_string(),
    ))
}

/// A cluster of one process node, `n1`, that allows hostPath volumes under
/// `root` (a path in the test dir, made empty) and takes more flags `extra`.
pub(crate) fn host_path_node(root: &str, extra: &[&str]) -> (Cluster, PathBuf) {
    let mut c = Cluster::start(0, "process");
    let allowed = c.dir.path().join(root);
    std::fs::create_dir_all(&allowed).unwrap();
    let mut args = vec!["--allow-host-path", allowed.to_str().unwrap()];
    args.extend(extra);
    c.add_node_with("n1", "process", &args);
    (c, allowed)
}

/// Pod `name`: a busybox container `c` running `sh -c script` that mounts
/// the hostPath volume `host` (`path`, of type `type_`) at `/host` with
/// the mount's fields `mount` (e.g. `subPath: x`); `spec` and `container`
/// are more lines of the pod's spec and of the container (indented).
pub(crate) struct HostPathPod<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub type_: &'a str,
    pub script: &'a str,
    pub mount: &'a str,
    pub spec: &'a str,
    pub container: &'a str,
}

impl HostPathPod<'_> {
    pub fn yaml(&self) -> String {
        let HostPathPod {
            name,
            path,
            type_,
            script,
            mount,
            spec,
            container,
        } = self;
        let mount = if mount.is_empty() {
            String::new()
        } else {
            format!(", {mount}")
        };
        format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
{spec}  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "{script}"]
{container}    volumeMounts: [{{name: host, mountPath: /host{mount}}}]
  volumes:
  - name: host
    hostPath: {{path: "{path}", type: {type_}}}
"#
        )
    }
}

/// Applies `yaml` from a file of the test dir, expecting a refusal; what `ork` said.
pub(crate) fn refused_at_apply(c: &Cluster, yaml: &str) -> String {
    let f = c.dir.path().join("refused.yaml");
    std::fs::write(&f, yaml).unwrap();
    let out = c.ork(&["apply", "-f", f.to_str().unwrap()]);
    assert!(!out.status.success(), "applied: {yaml}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_pod_reads_a_configmap_and_a_secret_from_env_and_files_and_sees_updates() {
    let c = Cluster::start(1, "process");
    let m = marker();
    c.apply(&format!(
        r#"
apiVersion: v1
kind: ConfigMap
metadata: {{name: app}}
data:
  greeting: hello
  app.properties: |
    color=blue
---
apiVersion: v1
kind: Secret
metadata: {{name: creds}}
stringData:
  password: pw-{m}
---
apiVersion: v1
kind: Pod
metadata: {{name: reader}}
spec:
  containers:
  - name: c
    image: busybox
    command:
    - sh
    - -c
    - |
      echo "ENV $GREETING $PASSWORD $CFG_greeting $ME"
      echo "SECRETDIR $ORK_VOLUME_CREDS"
      while true; do echo "FILE $(cat $ORK_VOLUME_CONFIG/greeting) $(cat $ORK_VOLUME_CREDS/password)"; sleep 0.2; done
    env:
    - name: GREETING
      valueFrom: {{configMapKeyRef: {{name: app, key: greeting}}}}
    - name: PASSWORD
      valueFrom: {{secretKeyRef: {{name: creds, key: password}}}}
    - name: ME
      valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}
    - name: OPTIONAL
      valueFrom: {{configMapKeyRef: {{name: nowhere, key: x, optional: true}}}}
    envFrom:
    - configMapRef: {{name: app}}
      prefix: CFG_
    volumeMounts:
    - {{name: config, mountPath: /etc/config}}
    - {{name: creds, mountPath: /etc/creds}}
  volumes:
  - name: config
    configMap: {{name: app}}
  - name: creds
    secret: {{secretName: creds}}
"#
    ));
    let first = wait_for("the pod's output", Duration::from_secs(20), || {
        let l = logs(&c, "reader", None);
        l.contains("FILE ").then_some(l)
    });
    assert!(
        first.contains(&format!("ENV hello pw-{m} hello reader")),
        "{first}"
    );
    assert!(first.contains(&format!("FILE hello pw-{m}")), "{first}");
    // The secret's files are on tmpfs, readable by their owner only.
    let dir = first
        .lines()
        .find_map(|l| l.strip_prefix("SECRETDIR "))
        .unwrap()
        .trim()
        .to_string();
    assert!(dir.starts_with("/dev/shm/"), "{dir}");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(format!("{dir}/password"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    // A changed ConfigMap reaches the file within 5 s, without a restart.
    c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata:\n  greeting: bonjour\n  app.properties: |\n    color=blue\n");
    let t = Instant::now();
    wait_for("the file to change", Duration::from_secs(5), || {
        logs(&c, "reader", None)
            .contains(&format!("FILE bonjour pw-{m}"))
            .then_some(())
    });
    eprintln!(
        "configmap change visible in the file after {:?}",
        t.elapsed()
    );
    let p = c.json(&["get", "pod", "reader"]).unwrap();
    assert_eq!(p["status"]["containerStatuses"][0]["restartCount"], 0);
    // Following changes costs the node nothing while nothing changes (a
    // busy wait on the announcements would show here as a whole core).
    let pid = c.nodes[0].child.as_ref().unwrap().id();
    let ticks = || -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let f: Vec<&str> = s.rsplit_once(')').unwrap().1.split_whitespace().collect();
        f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
    };
    let (t0, w0) = (ticks(), Instant::now());
    std::thread::sleep(Duration::from_secs(3));
    let share = (ticks() - t0) as f64 / 100.0 / w0.elapsed().as_secs_f64();
    assert!(
        share < 0.3,
        "the node daemon used {:.0}% of a core while idle",
        share * 100.0
    );

    // Deleting the pod removes its secret files from the node.
    c.ok(&["delete", "pod", "reader", "--grace-period", "1"]);
    wait_for("the secret volume removed", Duration::from_secs(20), || {
        (!std::path::Path::new(&dir).exists()).then_some(())
    });
}

#[test]
fn a_missing_key_waits_with_create_container_config_error_until_it_exists() {
    let c = Cluster::start(1, "process");
    c.apply(
        r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: partial}
data: {present: "1"}
---
apiVersion: v1
kind: Pod
metadata: {name: needy}
spec:
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "echo LEVEL=$LEVEL; sleep 3600"]
    env:
    - name: LEVEL
      valueFrom: {configMapKeyRef: {name: partial, key: level}}
"#,
    );
    let (reason, message) = wait_for("the config error", Duration::from_secs(20), || {
        waiting(&c, "needy").filter(|(r, _)| r == "CreateContainerConfigError")
    });
    assert_eq!(reason, "CreateContainerConfigError");
    assert_eq!(
        message,
        "couldn't find key level in ConfigMap default/partial"
    );
    let events = c.ok(&["describe", "pod", "needy"]);
    assert!(events.contains("couldn't find key level"), "{events}");
    // Once the key exists, the container starts by itself.
    c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: partial}\ndata: {present: \"1\", level: debug}\n");
    wait_for("the container to start", Duration::from_secs(20), || {
        logs(&c, "needy", None)
            .contains("LEVEL=debug")
            .then_some(())
    });
    // A missing Secret says so too.
    c.apply(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: needs-secret}
spec:
  containers:
  - name: c
    image: busybox
    command: ["sleep", "3600"]
    envFrom:
    - secretRef: {name: absent}
"#,
    );
    let (_, message) = wait_for("the secret error", Duration::from_secs(20), || {
        waiting(&c, "needs-secret").filter(|(r, _)| r == "CreateContainerConfigError")
    });
    assert_eq!(message, "secret \"absent\" not found");
}

#[test]
fn host_paths_stay_under_allowed_roots_and_empty_dirs_are_shared_then_removed() {
    // The pods that write to the host run as root, as hostPath writers
    // usually must (a directory DirectoryOrCreate makes is root's, 0755).
    let (c, allowed) = host_path_node("host/allowed", &["--allow-root-pods"]);
    let outside = c.dir.path().join("host/outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, allowed.join("escape")).unwrap();

    let pod = |name: &str, path: &str| {
        HostPathPod {
            name,
            path,
            type_: "DirectoryOrCreate",
            script: "echo written > $ORK_VOLUME_HOST/from-pod; sleep 3600",
            mount: "",
            spec: "  securityContext: {runAsUser: 0}\n",
            container: "",
        }
        .yaml()
    };
    // `..` is refused at once, with the field.
    let err = refused_at_apply(
        &c,
        &pod("dotdot", &format!("{}/../outside", allowed.display())),
    );
    assert!(
        err.contains("spec.volumes[0].hostPath.path") && err.contains("'..'"),
        "{err}"
    );
    // Outside the roots, and out through a symlink: the node refuses, saying why.
    c.apply(&pod("etc", "/etc"));
    c.apply(&pod("escape", &format!("{}/escape/x", allowed.display())));
    let (_, m) = wait_for("the /etc refusal", Duration::from_secs(20), || {
        waiting(&c, "etc").filter(|(r, _)| r == "CreateContainerConfigError")
    });
    assert!(m.contains("not under a directory this node allows"), "{m}");
    let (_, m) = wait_for("the symlink refusal", Duration::from_secs(20), || {
        waiting(&c, "escape").filter(|(r, _)| r == "CreateContainerConfigError")
    });
    assert!(m.contains("through a symlink"), "{m}");
    assert!(!outside.join("x").exists(), "nothing was created outside");
    // Inside: it runs and writes there.
    c.apply(&pod("inside", &format!("{}/data", allowed.display())));
    wait_for(
        "the pod's file on the host",
        Duration::from_secs(20),
        || {
            std::fs::read_to_string(allowed.join("data/from-pod"))
                .ok()
                .filter(|s| s == "written\n")
        },
    );

    // emptyDir: one container writes, the other reads; gone with the pod.
    let m = marker();
    c.apply(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: pair}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: writer
    image: busybox
    command: ["sh", "-c", "echo token-{m} > $ORK_VOLUME_SCRATCH/shared; echo DIR $ORK_VOLUME_SCRATCH; sleep 3600"]
    volumeMounts: [{{name: scratch, mountPath: /scratch}}]
  - name: reader
    image: busybox
    command: ["sh", "-c", "while [ ! -f $ORK_VOLUME_SCRATCH/shared ]; do sleep 0.1; done; echo READ $(cat $ORK_VOLUME_SCRATCH/shared); sleep 3600"]
    volumeMounts: [{{name: scratch, mountPath: /scratch}}]
  volumes:
  - name: scratch
    emptyDir: {{}}
"#
    ));
    wait_for(
        "the reader to see the writer's file",
        Duration::from_secs(20),
        || {
            logs(&c, "pair", Some("reader"))
                .contains(&format!("READ token-{m}"))
                .then_some(())
        },
    );
    let dir = logs(&c, "pair", Some("writer"))
        .lines()
        .find_map(|l| l.strip_prefix("DIR ").map(|d| d.trim().to_string()))
        .unwrap();
    assert!(std::path::Path::new(&dir).join("shared").exists());
    c.ok(&["delete", "pod", "pair"]);
    wait_for("the emptyDir removed", Duration::from_secs(20), || {
        (!std::path::Path::new(&dir).exists()).then_some(())
    });
}

#[test]
fn claim_data_survives_its_pod_and_pins_the_next_one_to_its_node() {
    let c = Cluster::start(2, "process");
    let m = marker();
    let pod = |name: &str, cmd: &str| {
        format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "{cmd}"]
    volumeMounts: [{{name: data, mountPath: /data}}]
  volumes:
  - name: data
    persistentVolumeClaim: {{claimName: data}}
"#
        )
    };
    c.apply(&format!(
        r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 1Gi}}}}
---{}"#,
        pod(
            "writer",
            &format!(
                "echo DIR $ORK_VOLUME_DATA; echo kept-{m} > $ORK_VOLUME_DATA/file; sleep 3600"
            )
        )
    ));
    let p = c.wait_running("", 1);
    let node = p[0]["spec"]["nodeName"].as_str().unwrap().to_string();
    let claim = c.wait_json(
        "the claim bound",
        Duration::from_secs(20),
        &["get", "pvc", "data"],
        |v| v["status"]["phase"] == "Bound",
    );
    assert_eq!(
        claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"],
        node
    );
    let dir = wait_for("the writer's output", Duration::from_secs(20), || {
        logs(&c, "writer", None)
            .lines()
            .find_map(|l| l.strip_prefix("DIR ").map(|d| d.trim().to_string()))
    });
    wait_for("the file written", Duration::from_secs(20), || {
        std::path::Path::new(&dir)
            .join("file")
            .exists()
            .then_some(())
    });
    c.ok(&["delete", "pod", "writer"]);
    // A new pod on the claim lands on the same node and reads the data.
    c.apply(&pod("reader", "cat $ORK_VOLUME_DATA/file; sleep 3600"));
    wait_for(
        "the reader to see the data",
        Duration::from_secs(30),
        || {
            logs(&c, "reader", None)
                .contains(&format!("kept-{m}"))
                .then_some(())
        },
    );
    let r = c.json(&["get", "pod", "reader"]).unwrap();
    assert_eq!(r["spec"]["nodeName"], node.as_str());
    // A pod of a claim that does not exist waits, saying so.
    c.apply(&pod("orphan", "sleep 3600").replace("claimName: data", "claimName: nope"));
    let msg = wait_for("the unschedulable reason", Duration::from_secs(20), || {
        let p = c.json(&["get", "pod", "orphan"])?;
        p["status"]["conditions"]
            .as_array()?
            .iter()
            .find(|c| c["type"] == "PodScheduled" && c["status"] == "False")
            .and_then(|c| c["message"].as_str().map(str::to_string))
    });
    assert!(
        msg.contains("persistentvolumeclaim \"nope\" not found"),
        "{msg}"
    );
    // A claim in use cannot be deleted; after its pod, it can, and its data goes.
    let out = c.ork(&["delete", "pvc", "data"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by pod(s) reader"), "{err}");
    c.ok(&["delete", "pod", "reader", "orphan"]);
    c.ok(&["delete", "pvc", "data"]);
    wait_for("the claim's data removed", Duration::from_secs(20), || {
        (!std::path::Path::new(&dir).exists()).then_some(())
    });
}
