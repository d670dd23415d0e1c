//! A newcomer's first hour, from the README itself: its first fenced block
//! must stay the two commands (build and `ork up`, then the tests); the `ork`
//! commands of its "First run" section run, in order, against a fresh `ork
//! up` (own data dir, a free port, own client config); and every file in
//! `examples/` reaches Running (or Completed) with the process runtime, and
//! with Docker when an engine answers (`ORK_REQUIRE_DOCKER=1`: it must). The
//! README's commands are read, not copied here, so the two cannot drift.

use crate::harness::{ORK, Up, wait_for};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).unwrap()
}

/// The lines of each ```sh block, in order.
fn sh_blocks(text: &str) -> Vec<Vec<String>> {
    let mut out = vec![];
    let mut cur: Option<Vec<String>> = None;
    for line in text.lines() {
        match (&mut cur, line.trim_start()) {
            (None, l) if l.starts_with("```sh") => cur = Some(vec![]),
            (Some(_), "```") => out.extend(cur.take()),
            (Some(b), l) => b.push(l.to_string()),
            _ => {}
        }
    }
    out
}

/// The text of a `## TITLE` section, up to the next heading.
fn section<'a>(text: &'a str, title: &str) -> &'a str {
    let head = format!("\n## {title}\n");
    let start = text
        .find(&head)
        .unwrap_or_else(|| panic!("README has no {head:?}"))
        + head.len();
    let rest = &text[start..];
    let end = rest.find("\n#").unwrap_or(rest.len());
    &rest[..end]
}

/// The command of a README line, without its `# comment`.
fn command_of(line: &str) -> String {
    let cmd = match line.find("  #") {
        Some(i) => &line[..i],
        None => line,
    };
    cmd.trim().to_string()
}

/// Which `ork` commands of a block this test runs: not `ork up` (the test
/// starts it with its own data dir and port), not the interactive `ork
/// tui`, not lines with a `<placeholder>`.
fn runnable(cmd: &str) -> bool {
    cmd.starts_with("ork ")
        && !cmd.starts_with("ork up")
        && !cmd.starts_with("ork tui")
        && !cmd.contains('<')
}

#[test]
fn the_readme_opens_with_the_build_and_the_test_command() {
    let blocks = sh_blocks(&readme());
    let first: Vec<String> = blocks[0].iter().map(|l| command_of(l)).collect();
    assert_eq!(first, ["cargo run --release -- up", "cargo test"]);
}

#[test]
fn the_readme_first_run_commands_work_on_a_fresh_cluster() {
    let text = readme();
    let cmds: Vec<String> = sh_blocks(section(&text, "First run"))
        .concat()
        .iter()
        .map(|l| command_of(l))
        .filter(|c| runnable(c))
        .collect();
    assert!(
        cmds.len() >= 6,
        "the First run section lost its commands: {cmds:?}"
    );
    let up = Up::start(&["--runtime", "process"]);
    for cmd in &cmds {
        let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
        // From the repository, as the README's relative paths assume.
        let out = Command::new(ORK)
            .args(&args)
            .current_dir(repo())
            .env("ORK_CONFIG", &up.config)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "README command `{cmd}` failed:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Whether an example's `# Needs:` header asks for "a Docker engine".
fn needs_docker(yaml: &str) -> bool {
    let needs: String = yaml
        .lines()
        .take_while(|l| l.starts_with('#'))
        .skip_while(|l| !l.starts_with("# Needs:"))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(!needs.is_empty(), "every example opens with `# Needs: ...`");
    needs.contains("a Docker engine")
}

/// How many pods an example runs: the sum of its `replicas:`, or one per
/// other document.
fn expected_pods(yaml: &str) -> usize {
    let replicas: usize = yaml
        .lines()
        .filter_map(|l| l.trim().strip_prefix("replicas:"))
        .map(|n| n.trim().parse::<usize>().unwrap())
        .sum();
    if replicas > 0 { replicas } else { 1 }
}

fn examples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

/// Applies each example that `runtime` can run, waits until its pods are
/// Running or Succeeded, and deletes it (waiting) before the next.
fn run_examples(up: &Up, docker: bool) {
    let mut ran = 0;
    for file in examples() {
        let yaml = std::fs::read_to_string(&file).unwrap();
        if needs_docker(&yaml) && !docker {
            continue;
        }
        let path = file.to_str().unwrap();
        let out = up.ork(&["apply", "-f", path]);
        assert!(
            out.status.success(),
            "apply {path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let n = expected_pods(&yaml);
        wait_for(
            &format!("{n} pods of {path} Running or Completed"),
            Duration::from_secs(90),
            || {
                let pods: Vec<Value> = up.json(&["get", "pods"])?["items"].as_array()?.clone();
                let done = pods.len() == n
                    && pods.iter().all(|p| {
                        matches!(p["status"]["phase"].as_str(), Some("Running" | "Succeeded"))
                    });
                done.then_some(())
            },
        );
        let out = up.ork(&["delete", "-f", path]);
        assert!(
            out.status.success(),
            "delete {path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran > 0);
}

#[test]
fn every_example_runs_with_the_process_runtime() {
    let up = Up::start(&["--runtime", "process"]);
    run_examples(&up, false);
}

#[test]
fn every_example_runs_with_docker_and_no_registry() {
    if !crate::docker::docker_ready() {
        return;
    }
    // The image web-docker.yaml runs, built as its header says when this
    // machine has a static busybox (else docker_ready built the same image
    // with tests/images/build.sh).
    let out = Command::new(ORK)
        .args(["image", "build-busybox"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || err.contains("no static busybox"),
        "ork image build-busybox: {err}"
    );
    let up = Up::start(&["--runtime", "docker"]);
    // The engine passed ork's startup check, and the node says so.
    let nodes = up.json(&["get", "nodes"]).unwrap();
    let conds = nodes["items"][0]["status"]["conditions"]
        .as_array()
        .unwrap();
    assert!(
        conds
            .iter()
            .any(|c| c["type"] == "ContainerRuntimeReady" && c["status"] == "True"),
        "{conds:?}"
    );
    run_examples(&up, true);
}

#[test]
fn readme_commands_are_read_as_written() {
    let blocks = sh_blocks("x\n```sh\nork get pods   # comment\n```\n```\nno\n```\n");
    assert_eq!(blocks, [vec!["ork get pods   # comment".to_string()]]);
    assert_eq!(command_of("ork get pods   # comment"), "ork get pods");
    assert!(!runnable("ork tui"));
    assert!(!runnable("curl http://127.0.0.1:<port>/"));
    assert!(runnable("ork logs deployment/hello"));
    assert_eq!(expected_pods("spec:\n  replicas: 3\n"), 3);
}

/// Each failing command prints exactly one line on stderr (and nothing
/// else there), and fails.
#[test]
fn every_failure_is_one_line_on_stderr() {
    let up = Up::start(&["--runtime", "process"]);
    let sleepers = repo().join("examples/sleepers.yaml");
    let out = up.ork(&["apply", "-f", sleepers.to_str().unwrap()]);
    assert!(out.status.success());
    let pod = wait_for("a running sleeper", Duration::from_secs(60), || {
        let v = up.json(&["get", "pods"])?;
        v["items"]
            .as_array()?
            .iter()
            .find(|p| p["status"]["phase"] == "Running")
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
    });
    let cases: Vec<Vec<&str>> = vec![
        vec!["get", "pods", "nonexistent"],
        vec!["get", "nope"],
        vec!["get", "pods", "--bogus"],
        vec!["describe", "pod", "nope"],
        vec!["delete", "pod", "nope"],
        vec!["logs", "nope"],
        vec!["logs", "deployment/nope"],
        vec!["logs", "statefulset/nope"],
        vec!["logs", "configmap/x"],
        vec!["logs", "--previous", &pod],
        vec![
            "logs",
            "-f",
            "-l",
            "app=sleepers",
            "--max-log-requests",
            "1",
        ],
        vec!["scale", "deployment/nope", "--replicas", "2"],
        vec!["rollout", "status", "deployment/nope"],
        vec!["rollout", "history", "deployment/nope"],
        vec!["why", "pod", "nope"],
        vec!["cordon", "nope"],
        vec!["taint", "node", "nope", "a=b:NoSchedule"],
        vec!["exec", "nope", "--", "true"],
        vec![
            "autoscale",
            "deployment/sleepers",
            "--min",
            "3",
            "--max",
            "2",
        ],
        vec!["rollout", "undo", "deployment/nope"],
        vec!["uncordon", "nope"],
        vec!["user", "create", "x", "--role", "bogus"],
        vec!["apply", "-f", "/nonexistent.yaml"],
        vec!["delete", "-f", "/nonexistent.yaml"],
        vec!["events", "--for", "nope"],
        vec!["create", "configmap", "x", "--from-file", "/nonexistent"],
        vec!["token", "revoke", "nope"],
        vec!["top", "nope"],
        vec!["image", "build-busybox", "--busybox", "/nonexistent"],
        vec!["get", "pods", "--context", "nope"],
        vec!["scale", "deployment/sleepers"],
        vec!["down", "--data-dir", up.data.to_str().unwrap()],
    ];
    let mut wrong = vec![];
    for args in &cases {
        let out = up.ork(args);
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.success() || err.lines().count() != 1 {
            wrong.push(format!(
                "ork {}: exit {:?}, stderr:\n{err}",
                args.join(" "),
                out.status.code()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn down_purge_asks_then_deletes_the_cluster_and_its_client_config() {
    let mut up = Up::start(&["--runtime", "process"]);
    let sleepers = repo().join("examples/sleepers.yaml");
    assert!(
        up.ork(&["apply", "-f", sleepers.to_str().unwrap()])
            .status
            .success()
    );
    up.stop();
    let data = up.data.to_str().unwrap().to_string();
    // No terminal to ask on and no --yes: nothing is deleted.
    let out = up.ork(&["down", "--data-dir", &data, "--purge"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(up.data.join("ork.db").exists() && up.config.exists());
    let out = up.ork(&["down", "--data-dir", &data, "--purge", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!up.data.exists(), "the data dir is gone");
    assert!(!up.config.exists(), "the client config it wrote is gone");
}
