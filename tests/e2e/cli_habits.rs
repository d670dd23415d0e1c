//! The kubectl habits of ork's own CLI against a real cluster: `edit` with
//! an editor script (a change, no change, an invalid edit reopened and
//! fixed, a write made meanwhile), `run`, `expose`, `set image|env`,
//! `create deployment|namespace`, and `get` with `--show-labels`,
//! `--sort-by`, `-o jsonpath=`, `-o custom-columns=`, `all`, and a
//! misspelled kind.

use crate::harness::{Cluster, ORK, wait_for};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// `ork ARGS` against the cluster with `EDITOR` set to `editor`.
fn ork_editing(c: &Cluster, editor: &PathBuf, args: &[&str]) -> Output {
    Command::new(ORK)
        .args(args)
        .env("ORK_SERVER", &c.url)
        .env("ORK_TOKEN", &c.admin)
        .env("ORK_CA", c.ca_file())
        .env("ORK_CONFIG", c.dir.path().join("no-config.yaml"))
        .env_remove("ORK_NAMESPACE")
        .env_remove("KUBE_EDITOR")
        .env("EDITOR", editor)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// An executable editor script in the cluster's dir.
fn script(c: &Cluster, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = c.dir.path().join(name);
    std::fs::write(&p, format!("#!/bin/sh\nset -e\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn get(c: &Cluster, args: &[&str]) -> String {
    c.ok(&[&["get"], args].concat())
}

#[test]
fn edit_sends_a_change_reopens_an_invalid_one_and_keeps_a_concurrent_write() {
    let c = Cluster::start(1, "fake");
    c.ok(&[
        "create",
        "deployment",
        "web",
        "--image=busybox",
        "--replicas=2",
        "--",
        "sleep",
        "3600",
    ]);
    let replicas = |c: &Cluster| get(c, &["deploy", "web", "-o", "jsonpath={.spec.replicas}"]);

    // A change: the file carries kubectl's header, is private, and the change is sent.
    let seen = c.dir.path().join("seen.yaml");
    let ed = script(
        &c,
        "replicas3.sh",
        &format!(
            "cp \"$1\" {seen}\nstat -c %a \"$1\" > {seen}.mode\nsed -i 's/^  replicas: 2$/  replicas: 3/' \"$1\"",
            seen = seen.display()
        ),
    );
    let out = ork_editing(&c, &ed, &["edit", "deployment/web"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "deployment.apps/web edited\n");
    assert_eq!(replicas(&c), "3");
    let opened = std::fs::read_to_string(&seen).unwrap();
    assert!(
        opened.starts_with(
            "# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
        ),
        "{opened}"
    );
    assert!(
        opened.contains("\nkind: Deployment\n") && !opened.contains("managedFields"),
        "{opened}"
    );
    assert_eq!(
        std::fs::read_to_string(format!("{}.mode", seen.display()))
            .unwrap()
            .trim(),
        "600"
    );

    // No change: nothing sent.
    let out = ork_editing(&c, &PathBuf::from("true"), &["edit", "deploy", "web"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "Edit cancelled, no changes made.\n");

    // An invalid edit is reopened with the reason on top; fixing it sends it.
    let reopened = c.dir.path().join("reopened.yaml");
    let ed = script(
        &c,
        "invalid-then-fixed.sh",
        &format!(
            "if grep -q 'was not valid' \"$1\"; then cp \"$1\" {r}; sed -i 's/^  replicas: -1$/  replicas: 4/' \"$1\"; else sed -i 's/^  replicas: 3$/  replicas: -1/' \"$1\"; fi",
            r = reopened.display()
        ),
    );
    let out = ork_editing(&c, &ed, &["edit", "deployment/web"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "error: deployments.apps \"web\" is invalid\n"
    );
    assert_eq!(replicas(&c), "4");
    let r = std::fs::read_to_string(&reopened).unwrap();
    assert!(
        r.contains("# deployments.apps \"web\" was not valid:\n# * spec.replicas: "),
        "{r}"
    );

    // Saving the same invalid file again gives up, keeping a copy.
    let ed = script(
        &c,
        "always-invalid.sh",
        "sed -i 's/^  replicas: 4$/  replicas: -1/' \"$1\"",
    );
    let out = ork_editing(&c, &ed, &["edit", "deployment/web"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("A copy of your changes has been stored to")
            && err.ends_with("error: Edit cancelled, no valid changes were saved.\n"),
        "{err}"
    );
    assert_eq!(replicas(&c), "4");

    // A write made while the file is open is a conflict: the file comes back
    // with the edits laid over the latest version, and saving it keeps both.
    let marker = c.dir.path().join("scaled");
    let ed = script(
        &c,
        "conflict.sh",
        &format!(
            "if [ ! -f {m} ]; then touch {m}; {ork} scale deployment web --replicas=5 >/dev/null; sed -i 's/image: busybox$/image: busybox:1.37/' \"$1\"; else grep -q 'was changed by someone else' \"$1\"; fi",
            m = marker.display(),
            ork = ORK
        ),
    );
    // (The script's `ork scale` finds the cluster through the variables it inherits.)
    let out = ork_editing(&c, &ed, &["edit", "deployment/web"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "deployment.apps/web edited\n");
    assert!(
        text(&out.stderr).contains("could not be updated: Conflict (409)"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        get(
            &c,
            &[
                "deploy",
                "web",
                "-o",
                "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].command}"
            ]
        ),
        r#"5 busybox:1.37 ["sleep","3600"]"#
    );
}

#[test]
fn run_expose_set_and_create_make_what_kubectl_makes() {
    let c = Cluster::start(1, "process");
    assert_eq!(
        c.ok(&[
            "create",
            "deployment",
            "web",
            "--image=busybox",
            "--replicas=2",
            "--port=8080",
            "--",
            "sleep",
            "3600"
        ]),
        "deployment.apps/web created\n"
    );
    assert_eq!(
        c.ok(&["create", "namespace", "team"]),
        "namespace/team created\n"
    );
    // A client dry run prints the object and creates nothing.
    let y = c.ok(&[
        "create",
        "deployment",
        "dry",
        "--image=nginx:1.27",
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    assert!(
        y.contains("kind: Deployment") && y.contains("name: nginx") && y.contains("app: dry"),
        "{y}"
    );
    assert_eq!(
        c.ok(&["run", "dry", "--image=nginx", "--dry-run=client"]),
        "pod/dry created (dry run)\n"
    );
    assert!(!c.ork(&["get", "deploy", "dry"]).status.success());
    assert!(!c.ork(&["get", "pod", "dry"]).status.success());
    assert_eq!(
        get(&c, &["ns", "team", "-o", "jsonpath={.metadata.name}"]),
        "team"
    );
    let d = c.json(&["get", "deploy", "web"]).unwrap();
    assert_eq!(d["spec"]["selector"]["matchLabels"]["app"], "web");
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["name"],
        "busybox"
    );
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"],
        8080
    );

    assert_eq!(
        c.ok(&[
            "run",
            "one",
            "--image=busybox",
            "--restart=Never",
            "--env",
            "A=1",
            "--labels=tier=x",
            "--port=81",
            "--command",
            "--",
            "sleep",
            "600"
        ]),
        "pod/one created\n"
    );
    let p = c.json(&["get", "pod", "one"]).unwrap();
    assert_eq!(p["metadata"]["labels"], serde_json::json!({"tier": "x"}));
    assert_eq!(p["spec"]["restartPolicy"], "Never");
    assert_eq!(
        p["spec"]["containers"][0]["command"],
        serde_json::json!(["sleep", "600"])
    );
    assert_eq!(p["spec"]["containers"][0]["env"][0]["value"], "1");
    wait_for("pod one running", Duration::from_secs(30), || {
        (get(&c, &["pod", "one", "-o", "jsonpath={.status.phase}"]) == "Running").then_some(())
    });

    assert_eq!(
        c.ok(&[
            "expose",
            "deployment",
            "web",
            "--port=80",
            "--target-port=8080"
        ]),
        "service/web exposed\n"
    );
    let s = c.json(&["get", "svc", "web"]).unwrap();
    assert_eq!(s["spec"]["selector"], serde_json::json!({"app": "web"}));
    assert_eq!(s["spec"]["ports"][0]["port"], 80);
    assert_eq!(s["spec"]["ports"][0]["targetPort"], 8080);
    assert_eq!(
        c.ok(&["expose", "pod/one", "--name=one-np", "--type=NodePort"]),
        "service/one-np exposed\n"
    );
    let s = c.json(&["get", "svc", "one-np"]).unwrap();
    assert_eq!(s["spec"]["type"], "NodePort");
    assert_eq!(s["spec"]["ports"][0]["port"], 81);
    assert_eq!(s["spec"]["selector"], serde_json::json!({"tier": "x"}));

    // set image changes that container's image and nothing else of it.
    assert_eq!(
        c.ok(&["set", "image", "deployment/web", "busybox=busybox:1.36"]),
        "deployment.apps/web image updated\n"
    );
    let cont = |c: &Cluster| {
        c.json(&["get", "deploy", "web"]).unwrap()["spec"]["template"]["spec"]["containers"][0]
            .clone()
    };
    let c0 = cont(&c);
    assert_eq!(c0["image"], "busybox:1.36");
    assert_eq!(c0["command"], serde_json::json!(["sleep", "3600"]));
    assert_eq!(c0["ports"][0]["containerPort"], 8080);
    let out = c.ork(&["set", "image", "deployment/web", "nope=x"]);
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr),
        "error: unable to find container named \"nope\"\n"
    );

    assert_eq!(
        c.ok(&["set", "env", "deployment/web", "A=1", "B=2"]),
        "deployment.apps/web env updated\n"
    );
    assert_eq!(
        c.ok(&["set", "env", "deploy", "web", "B-", "A=3"]),
        "deployment.apps/web env updated\n"
    );
    let c0 = cont(&c);
    assert_eq!(c0["env"], serde_json::json!([{"name": "A", "value": "3"}]));
    assert_eq!(c0["image"], "busybox:1.36");
    assert_eq!(c0["command"], serde_json::json!(["sleep", "3600"]));
    c.wait_running("app=web", 2);
}

#[test]
fn get_prints_labels_sorted_paths_columns_all_and_says_which_kind_was_meant() {
    let c = Cluster::start(1, "fake");
    c.ok(&[
        "create",
        "deployment",
        "web",
        "--image=busybox",
        "--replicas=2",
        "--",
        "sleep",
        "3600",
    ]);
    c.ok(&[
        "run",
        "zeta",
        "--image=busybox",
        "--labels=app=z",
        "--command",
        "--",
        "sleep",
        "600",
    ]);
    c.ok(&["expose", "deployment", "web", "--port=80"]);
    wait_for("3 pods running", Duration::from_secs(30), || {
        let phases = get(&c, &["pods", "-o", "jsonpath={.items[*].status.phase}"]);
        (phases == "Running Running Running").then_some(())
    });

    let t = get(&c, &["pods", "--show-labels", "--sort-by=.metadata.name"]);
    let lines: Vec<&str> = t.lines().collect();
    assert!(
        lines[0].starts_with("NAME ") && lines[0].ends_with("   LABELS"),
        "{t}"
    );
    assert!(
        lines[1].starts_with("web-") && lines[1].contains("app=web,pod-template-hash="),
        "{t}"
    );
    assert!(
        lines[3].starts_with("zeta ") && lines[3].ends_with(" app=z"),
        "{t}"
    );

    let by_time = get(
        &c,
        &[
            "pods",
            "--sort-by=.metadata.creationTimestamp",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ],
    );
    assert!(by_time.ends_with("zeta"), "{by_time}");
    let restarts = get(
        &c,
        &[
            "pods",
            "--sort-by=.status.containerStatuses[0].restartCount",
            "--no-headers",
        ],
    );
    assert_eq!(restarts.lines().count(), 3, "{restarts}");

    let jp = get(
        &c,
        &[
            "pods",
            "-l",
            "app=z",
            "-o",
            r#"jsonpath={range .items[*]}{.metadata.name}{"\t"}{.spec.containers[0].image}{"\n"}{end}"#,
        ],
    );
    assert_eq!(jp, "zeta\tbusybox\n");
    assert_eq!(
        get(&c, &["pod", "zeta", "-o", "jsonpath={.metadata.labels}"]),
        r#"{"app":"z"}"#
    );
    let cc = get(
        &c,
        &[
            "pods",
            "--sort-by=.metadata.name",
            "-o",
            "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,IMG:.spec.containers[*].image,X:.nope",
        ],
    );
    let last = cc.lines().last().unwrap();
    assert!(cc.starts_with("NAME "), "{cc}");
    assert!(
        last.starts_with("zeta ") && last.contains(" n1 ") && last.ends_with("busybox   <none>"),
        "{cc}"
    );
    let file = c.dir.path().join("cols.txt");
    std::fs::write(&file, "NAME LABEL\n.metadata.name .metadata.labels.app\n").unwrap();
    let cf = get(
        &c,
        &[
            "pod",
            "zeta",
            &format!("-o=custom-columns-file={}", file.display()),
        ],
    );
    assert_eq!(
        cf.lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["zeta", "z"]
    );

    let out = c.ork(&["get", "pods", "-o", "jsonpath={.items["]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("error parsing jsonpath"),
        "{}",
        text(&out.stderr)
    );

    let all = get(&c, &["all"]);
    for want in [
        "pod/zeta",
        "service/web",
        "deployment.apps/web",
        "replicaset.apps/web-",
    ] {
        assert!(all.contains(want), "{want} missing from:\n{all}");
    }

    let out = c.ork(&["get", "deploymnets"]);
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr),
        "error: the server doesn't have a resource type \"deploymnets\"; did you mean \"deployments\"?\n"
    );
}
