//! Jobs on a cluster of three process nodes: an Indexed Job runs each index
//! once, two at a time, and its pods' logs hold the index outputs; a Job
//! whose container keeps failing ends Failed with BackoffLimitExceeded.

use crate::harness::{Cluster, wait_for};
use serde_json::Value;
use std::time::Duration;

fn condition<'a>(job: &'a Value, type_: &str) -> Option<&'a Value> {
    job["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_ && c["status"] == "True")
}

#[test]
fn an_indexed_job_completes_each_index_once_with_its_output_in_the_logs() {
    let c = Cluster::start(3, "process");
    c.apply(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: idx
spec:
  completions: 3
  parallelism: 2
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "echo index=$JOB_COMPLETION_INDEX; sleep 1"]
"#,
    );
    // Never more than two running at once, while it runs.
    let mut most = 0;
    let job = wait_for(
        "the Indexed Job to complete",
        Duration::from_secs(60),
        || {
            let running = c
                .pods("batch.kubernetes.io/job-name=idx")
                .iter()
                .filter(|p| p["status"]["phase"] == "Running" || p["status"]["phase"] == "Pending")
                .count();
            most = most.max(running);
            c.json(&["get", "job", "idx"])
                .filter(|j| condition(j, "Complete").is_some())
        },
    );
    assert!(most <= 2, "{most} pods ran at once with parallelism 2");
    assert_eq!(job["status"]["succeeded"], 3);
    assert_eq!(job["status"]["completedIndexes"], "0-2");
    assert!(condition(&job, "SuccessCriteriaMet").is_some());
    assert!(job["status"]["completionTime"].is_string());
    // Each index ran in exactly one pod, which is kept with its log.
    let pods = c.pods("batch.kubernetes.io/job-name=idx");
    assert_eq!(pods.len(), 3, "one pod per index, none retried");
    let mut outputs: Vec<String> = pods
        .iter()
        .map(|p| {
            let name = p["metadata"]["name"].as_str().unwrap();
            assert_eq!(p["status"]["phase"], "Succeeded");
            let index = p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
                .as_str()
                .unwrap();
            assert!(name.starts_with(&format!("idx-{index}-")), "{name}");
            c.ok(&["logs", name]).trim().to_string()
        })
        .collect();
    outputs.sort();
    assert_eq!(outputs, vec!["index=0", "index=1", "index=2"]);
    // `ork logs job/NAME` reads one of its pods.
    let first = c.ok(&["logs", "job/idx"]);
    assert!(outputs.contains(&first.trim().to_string()), "{first}");
    // The table as kubectl prints it.
    let table = c.ok(&["get", "job", "idx"]);
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]);
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(&row[..3], ["idx", "Complete", "3/3"]);
    // Deleting the Job takes its finished pods with it.
    c.ok(&["delete", "job", "idx"]);
    wait_for("the Job's pods to go", Duration::from_secs(30), || {
        c.pods("batch.kubernetes.io/job-name=idx")
            .is_empty()
            .then_some(())
    });
}

#[test]
fn a_job_that_keeps_failing_ends_failed_past_its_backoff_limit() {
    let c = Cluster::start(3, "process");
    c.apply(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: fails
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "exit 3"]
"#,
    );
    // Two failures (the first retry waits 10 s), then Failed.
    let job = wait_for("the Job to fail", Duration::from_secs(60), || {
        c.json(&["get", "job", "fails"])
            .filter(|j| condition(j, "Failed").is_some())
    });
    let failed = condition(&job, "Failed").unwrap();
    assert_eq!(failed["reason"], "BackoffLimitExceeded");
    assert_eq!(
        failed["message"],
        "Job has reached the specified backoff limit"
    );
    assert!(condition(&job, "FailureTarget").is_some());
    assert_eq!(job["status"]["failed"], 2);
    assert!(job["status"].get("succeeded").is_none());
    let pods = c.pods("batch.kubernetes.io/job-name=fails");
    assert_eq!(pods.len(), 2, "the failed pods are kept");
    for p in &pods {
        assert_eq!(p["status"]["phase"], "Failed");
        assert_eq!(
            p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"],
            3
        );
    }
    // `ork create job` makes kubectl's Job, which runs to completion.
    c.ok(&[
        "create",
        "job",
        "once",
        "--image",
        "busybox",
        "--",
        "sh",
        "-c",
        "echo once",
    ]);
    let once = wait_for(
        "the created Job to complete",
        Duration::from_secs(30),
        || {
            c.json(&["get", "job", "once"])
                .filter(|j| condition(j, "Complete").is_some())
        },
    );
    assert_eq!(once["spec"]["template"]["spec"]["restartPolicy"], "Never");
    assert_eq!(once["spec"]["backoffLimit"], 6, "Kubernetes' default");
    assert_eq!(c.ok(&["logs", "job/once"]).trim(), "once");
    let row = c.ok(&["get", "job", "fails", "--no-headers"]);
    let row: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&row[..3], ["fails", "Failed", "0/1"]);
    let described = c.ok(&["describe", "job", "fails"]);
    assert!(described.contains("Pods Statuses:"), "{described}");
    assert!(
        described.contains("0 Active (0 Ready) / 0 Succeeded / 2 Failed"),
        "{described}"
    );
    assert!(described.contains("BackoffLimitExceeded"), "{described}");
}
