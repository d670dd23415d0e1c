//! Usage metrics end to end: node daemons sample real processes (and Docker
//! containers) and `ork top` shows what they use.

use crate::harness::{Cluster, wait_for};
use serde_json::Value;
use std::time::Duration;

/// Like `wait_for`, but gives `None` on timeout so the caller can say what it saw.
fn wait_for_or<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if std::time::Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn pod_usage(c: &Cluster, name: &str) -> Option<(u64, u64)> {
    let out = c.ork(&["top", "pods", name, "-o", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    let item = v["items"].as_array()?.first()?.clone();
    let usage = &item["containers"][0]["usage"];
    let cpu: ork::api::Quantity = usage["cpu"].as_str()?.parse().ok()?;
    let mem: ork::api::Quantity = usage["memory"].as_str()?.parse().ok()?;
    Some((cpu.milli() as u64, mem.value() as u64))
}

#[test]
fn top_shows_a_busy_pod_near_one_core_an_idle_one_near_zero_and_memory_held() {
    let c = Cluster::start(1, "process");
    c.apply(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: busy, labels: {app: top}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: none, command: ["sh", "-c", "while :; do :; done"]}
---
apiVersion: v1
kind: Pod
metadata: {name: idle, labels: {app: top}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: none, command: ["sleep", "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: hog, labels: {app: top}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: none
    command: ["python3", "-c", "import time\nb = b'x' * (200 << 20)\ntime.sleep(3600)"]
"#,
    );
    c.wait_running("app=top", 3);
    // The busy loop is near 1000m (±30%) in three samples in a row. Other
    // tests share this machine's cores, so a loaded moment may read low:
    // wait (up to 90 s) for three in a row in range rather than take the
    // first three.
    let mut busy = vec![];
    let in_range = |m: &u64| (700..=1300).contains(m);
    let found = wait_for_or(Duration::from_secs(90), || {
        let (cpu, _) = pod_usage(&c, "busy")?;
        if busy.last() != Some(&cpu) {
            busy.push(cpu);
        }
        (busy.len() >= 4 && busy[busy.len() - 3..].iter().all(in_range)).then_some(())
    });
    assert!(
        found.is_some(),
        "busy loop ≈1000m in three samples in a row: {busy:?}"
    );
    let (idle_cpu, _) = wait_for("idle usage", Duration::from_secs(20), || {
        pod_usage(&c, "idle")
    });
    assert!(idle_cpu <= 20, "idle ≈0: {idle_cpu}m");
    let mib = 1024 * 1024;
    let (_, hog_mem) = wait_for("the hog's memory", Duration::from_secs(30), || {
        pod_usage(&c, "hog").filter(|(_, m)| *m > 150 * mib)
    });
    assert!(
        (160 * mib..=240 * mib).contains(&hog_mem),
        "200 MiB ±20%: {} MiB",
        hog_mem / mib
    );
    // The tables as kubectl prints them.
    let pods = c.ok(&["top", "pods"]);
    assert!(
        pods.starts_with("NAME") && pods.contains("CPU(cores)") && pods.contains("MEMORY(bytes)"),
        "{pods}"
    );
    assert!(
        pods.lines()
            .any(|l| l.starts_with("busy ") && l.contains('m')),
        "{pods}"
    );
    let containers = c.ok(&["top", "pods", "-l", "app=top", "--containers"]);
    assert!(containers.starts_with("POD"), "{containers}");
    assert_eq!(containers.lines().count(), 4, "{containers}");
    let nodes = wait_for("node usage", Duration::from_secs(20), || {
        let out = c.ork(&["top", "nodes"]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).to_string())
    });
    assert!(nodes.contains("CPU(%)") && nodes.contains("n1"), "{nodes}");
    // The recent node totals, for sparklines.
    let history: Value = wait_for("two node samples", Duration::from_secs(20), || {
        let v: Value = c
            .http()
            .get(format!("{}/apis/ork.dev/v1/nodes/n1/usage", c.url))
            .bearer_auth(&c.admin)
            .send()
            .ok()?
            .json()
            .ok()?;
        (v["samples"].as_array()?.len() >= 2).then_some(v)
    });
    assert!(
        history["samples"][0]["memoryBytes"].as_u64().unwrap() > 0,
        "{history}"
    );
    // Without a token, no metrics.
    let status = c
        .http()
        .get(format!("{}/apis/metrics.k8s.io/v1beta1/nodes", c.url))
        .send()
        .unwrap()
        .status();
    assert_eq!(status, 401);
}

/// Checks Prometheus text format line by line; returns sample name{labels} → value.
fn parse_prometheus(text: &str) -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    let mut typed = std::collections::BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap();
            let t = parts.next().unwrap();
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&t),
                "{line}"
            );
            assert!(typed.insert(name.to_string()), "TYPE given twice: {line}");
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                && !name.starts_with(|c: char| c.is_ascii_digit()),
            "bad metric name: {line}"
        );
        if name_end < series.len() {
            let labels = &series[name_end..];
            assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
            for pair in labels[1..labels.len() - 1].split("\",") {
                let (k, v) = pair
                    .split_once("=\"")
                    .unwrap_or_else(|| panic!("bad label: {line}"));
                assert!(
                    k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{line}"
                );
                let _ = v;
            }
        }
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|b| typed.contains(*b)))
            .unwrap_or(name);
        assert!(typed.contains(base), "sample before its TYPE: {line}");
        let v: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        out.insert(series.to_string(), v);
    }
    out
}

#[test]
fn metrics_are_prometheus_text_need_a_token_and_count_requests() {
    let c = Cluster::start(1, "fake");
    let url = format!("{}/metrics", c.url);
    let http = c.http();
    assert_eq!(http.get(&url).send().unwrap().status(), 401);
    let scrape = || {
        let r = http.get(&url).bearer_auth(&c.admin).send().unwrap();
        assert_eq!(r.status(), 200);
        parse_prometheus(&r.text().unwrap())
    };
    let before = scrape();
    let gets = |m: &std::collections::BTreeMap<String, f64>| {
        m.get("ork_api_requests_total{method=\"GET\",code=\"200\"}")
            .copied()
            .unwrap_or(0.0)
    };
    for _ in 0..5 {
        c.ok(&["get", "pods"]);
    }
    c.apply(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: counted}
spec:
  containers: [{name: c, image: none, command: ["none"]}]
"#,
    );
    let after = wait_for(
        "the pod running and counted",
        Duration::from_secs(20),
        || {
            let m = scrape();
            (m.get("ork_pods{phase=\"Running\"}").copied() == Some(1.0)).then_some(m)
        },
    );
    assert!(gets(&after) >= gets(&before) + 5.0, "GET counter moved");
    let commits = |m: &std::collections::BTreeMap<String, f64>| {
        m.get("ork_store_commit_duration_seconds_count")
            .copied()
            .unwrap_or(0.0)
    };
    assert!(commits(&after) > commits(&before), "commits counted");
    assert!(
        after
            .get("ork_scheduler_attempts_total{result=\"scheduled\"}")
            .copied()
            .unwrap_or(0.0)
            >= 1.0
    );
    assert_eq!(after.get("ork_nodes{ready=\"true\"}"), Some(&1.0));
    assert!(
        after.contains_key("ork_api_request_duration_seconds_bucket{method=\"GET\",le=\"+Inf\"}")
    );
    assert!(after.contains_key("ork_node_cpu_usage_cores{node=\"n1\"}"));
}
