//! The real kubectl's `get` (server-side Tables, `-o wide`, `-w`) and its
//! `create` (protobuf bodies from 1.32 on) against ork, with every kubectl
//! version the machine has; objects read back with `ork get -o json`.

use crate::harness::{Cluster, Deploy, wait_for};
use crate::kubectl::{kubectl_version, require_kubectl};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// The default kubectl and, where present, 1.27 and 1.33.
fn kubectls() -> Option<Vec<PathBuf>> {
    let bin = require_kubectl()?;
    let mut bins = vec![bin];
    bins.extend([27, 33].into_iter().filter_map(kubectl_version));
    Some(bins)
}

/// The words of a table's header line.
fn header(out: &str) -> Vec<String> {
    let first = out.lines().next().unwrap_or_default();
    // Columns are separated by two spaces or more; names have single spaces.
    first
        .split("  ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The line of a table that starts with `name`.
fn row<'a>(out: &'a str, name: &str) -> Vec<&'a str> {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no row {name} in:\n{out}"))
        .split_whitespace()
        .collect()
}

#[test]
fn kubectl_get_prints_kubernetes_columns_from_server_tables() {
    let Some(bins) = kubectls() else { return };
    let c = Cluster::start(1, "process");
    c.apply(&Deploy::new("web", 1).command(&["sleep", "3600"]).yaml());
    c.apply(
        "apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
",
    );
    c.wait_running("app=web", 1);
    wait_for("web to be available", Duration::from_secs(30), || {
        let v = c.json(&["get", "deployment", "web"])?;
        (v["status"]["availableReplicas"] == 1).then_some(())
    });
    for bin in &bins {
        let who = bin.display();
        let pods = c.kubectl_ok(bin, &["get", "pods"]);
        assert_eq!(
            header(&pods),
            ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            "{who}:\n{pods}"
        );
        let pod = c.pods("app=web")[0]["metadata"]["name"]
            .as_str()
            .unwrap()
            .to_string();
        let r = row(&pods, &pod);
        assert_eq!(&r[1..4], ["1/1", "Running", "0"], "{who}:\n{pods}");

        let wide = c.kubectl_ok(bin, &["get", "pods", "-o", "wide"]);
        assert_eq!(
            header(&wide),
            [
                "NAME",
                "READY",
                "STATUS",
                "RESTARTS",
                "AGE",
                "IP",
                "NODE",
                "NOMINATED NODE",
                "READINESS GATES"
            ],
            "{who}:\n{wide}"
        );

        let deploys = c.kubectl_ok(bin, &["get", "deployments", "-o", "wide"]);
        assert_eq!(
            header(&deploys),
            [
                "NAME",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "AGE",
                "CONTAINERS",
                "IMAGES",
                "SELECTOR"
            ],
            "{who}:\n{deploys}"
        );
        let r = row(&deploys, "web");
        assert_eq!(&r[1..4], ["1/1", "1", "1"], "{who}:\n{deploys}");
        assert_eq!(&r[5..], ["main", "busybox", "app=web"], "{who}:\n{deploys}");

        let nodes = c.kubectl_ok(bin, &["get", "nodes"]);
        assert_eq!(
            header(&nodes),
            ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
            "{who}:\n{nodes}"
        );
        let node_name = c.json(&["get", "nodes"]).unwrap()["items"][0]["metadata"]["name"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(row(&nodes, &node_name)[1], "Ready", "{who}:\n{nodes}");

        let svcs = c.kubectl_ok(bin, &["get", "services"]);
        assert_eq!(
            header(&svcs),
            [
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE"
            ],
            "{who}:\n{svcs}"
        );
        let r = row(&svcs, "web");
        assert_eq!(r[1], "ClusterIP", "{who}:\n{svcs}");
        assert!(r[4].starts_with("80"), "{who}:\n{svcs}");

        // `ork get` prints the same columns.
        let ork = c.ok(&["get", "deployments", "-o", "wide"]);
        assert_eq!(header(&ork), header(&deploys), "ork:\n{ork}");
    }
}

#[test]
fn kubectl_create_sends_protobuf_bodies_ork_decodes() {
    let Some(bins) = kubectls() else { return };
    let c = Cluster::start(0, "fake");
    for (i, bin) in bins.iter().enumerate() {
        let who = bin.display();
        let web = format!("web{i}");
        let out = c.kubectl_with(
            bin,
            &[
                "create",
                "deployment",
                &web,
                "--image=nginx:1.27",
                "--replicas=2",
                "-v=8",
            ],
        );
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{who}: {log}");
        if i == 0 {
            // kubectl 1.32 sends builtin kinds in protobuf.
            assert!(
                log.contains("application/vnd.kubernetes.protobuf"),
                "{who} sent no protobuf body:\n{log}"
            );
        }
        let d = c.json(&["get", "deployment", &web]).unwrap();
        assert_eq!(d["spec"]["replicas"], 2, "{who}: {d}");
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.27",
            "{who}: {d}"
        );
        assert_eq!(d["spec"]["selector"]["matchLabels"]["app"], web.as_str());

        let cm = format!("cfg{i}");
        c.kubectl_ok(
            bin,
            &[
                "create",
                "configmap",
                &cm,
                "--from-literal=a=1",
                "--from-literal=b=two",
            ],
        );
        let v = c.json(&["get", "configmap", &cm]).unwrap();
        assert_eq!(v["data"]["a"], "1", "{who}: {v}");
        assert_eq!(v["data"]["b"], "two", "{who}: {v}");

        let sec = format!("creds{i}");
        c.kubectl_ok(
            bin,
            &[
                "create",
                "secret",
                "generic",
                &sec,
                "--from-literal=password=s3cret",
            ],
        );
        let v = c.json(&["get", "secret", &sec]).unwrap();
        assert_eq!(v["data"]["password"], "czNjcmV0", "{who}: {v}");
        assert_eq!(v["type"], "Opaque", "{who}: {v}");

        let ns = format!("team{i}");
        c.kubectl_ok(bin, &["create", "namespace", &ns]);
        let v = c.json(&["get", "namespace", &ns]).unwrap();
        assert_eq!(v["metadata"]["name"], ns.as_str(), "{who}: {v}");
    }
}

#[test]
fn kubectl_get_watch_prints_a_row_when_a_pod_appears() {
    let Some(bins) = kubectls() else { return };
    let c = Cluster::start(1, "process");
    for (i, bin) in bins.iter().enumerate() {
        let mut child = c.kubectl_cmd(bin, &["get", "pods", "-w"]).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let name = format!("w{i}");
        c.apply(&Deploy::new(&name, 1).command(&["sleep", "3600"]).yaml());
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let mut seen = vec![];
        let found = loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let hit = line.starts_with(&format!("{name}-"));
                    seen.push(line);
                    if hit {
                        break true;
                    }
                }
                Err(_) => break false,
            }
        };
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            found,
            "{}: no row for a pod of {name} in:\n{}",
            bin.display(),
            seen.join("\n")
        );
    }
}
