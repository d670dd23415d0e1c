//! CronJobs on a cluster of process nodes, without waiting for the clock:
//! a CronJob whose last run is set a day back (as after a control-daemon
//! outage) makes exactly one catch-up Job for its most recent time, named
//! after that minute, which completes; `ork create job --from=cronjob/NAME`
//! runs its template now, and the history limit keeps only the newest
//! finished Job.

use crate::harness::{Cluster, wait_for};
use serde_json::Value;
use std::time::Duration;

fn condition<'a>(job: &'a Value, type_: &str) -> Option<&'a Value> {
    job["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_ && c["status"] == "True")
}

/// Names of the Jobs a CronJob controls.
fn jobs_of(c: &Cluster, cronjob: &str) -> Vec<Value> {
    c.json(&["get", "jobs"])
        .and_then(|v| v["items"].as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter(|j| {
            j["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|o| {
                    o.iter()
                        .any(|r| r["kind"] == "CronJob" && r["name"] == cronjob)
                })
        })
        .collect()
}

/// Writes a CronJob's status through the API (as a controller would).
fn patch_status(c: &Cluster, name: &str, status: Value) {
    let r = c
        .http()
        .patch(format!(
            "{}/apis/batch/v1/namespaces/default/cronjobs/{name}/status",
            c.url
        ))
        .bearer_auth(&c.admin)
        .header("Content-Type", "application/merge-patch+json")
        .body(serde_json::json!({ "status": status }).to_string())
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().unwrap_or_default());
}

#[test]
fn a_cronjob_catches_up_its_most_recent_missed_time_once() {
    let c = Cluster::start(1, "process");
    // A daily schedule whose time was three minutes ago: not due again
    // during the test.
    let now = chrono::Utc::now();
    let due = now - chrono::Duration::minutes(3);
    let schedule = format!("{} {} * * *", due.format("%M"), due.format("%H"));
    let out = c.ok(&[
        "create",
        "cronjob",
        "hello",
        "--image",
        "busybox",
        "--schedule",
        &schedule,
        "--",
        "sh",
        "-c",
        "echo hello from the cronjob",
    ]);
    assert_eq!(out.trim(), "cronjob.batch/hello created");
    let table = c.ok(&["get", "cronjobs"]);
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        [
            "NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST", "SCHEDULE", "AGE"
        ]
    );
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(row[..6].join(" "), format!("hello {schedule}"));
    assert_eq!(row[6..10], ["<none>", "False", "0", "<none>"]);
    // Its last run a day ago, as if the control daemon had been down since.
    let last = (due - chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    patch_status(&c, "hello", serde_json::json!({ "lastScheduleTime": last }));
    let job = wait_for(
        "the catch-up Job to complete",
        Duration::from_secs(60),
        || {
            jobs_of(&c, "hello")
                .into_iter()
                .find(|j| condition(j, "Complete").is_some())
        },
    );
    let minute = due.timestamp() / 60;
    assert_eq!(job["metadata"]["name"], format!("hello-{minute}"));
    let scheduled =
        job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
            .as_str()
            .unwrap();
    let scheduled = chrono::DateTime::parse_from_rfc3339(scheduled).unwrap();
    assert_eq!(scheduled.timestamp(), minute * 60);
    assert_eq!(
        jobs_of(&c, "hello").len(),
        1,
        "only the most recent missed time runs"
    );
    let cj = wait_for(
        "the CronJob to see its Job finish",
        Duration::from_secs(30),
        || {
            c.json(&["get", "cronjob", "hello"])
                .filter(|cj| cj["status"]["lastSuccessfulTime"].is_string())
        },
    );
    assert!(cj["status"].get("active").is_none(), "{cj}");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(cj["status"]["lastScheduleTime"].as_str().unwrap())
            .unwrap()
            .timestamp(),
        minute * 60
    );
    let pod = c.pods(&format!("batch.kubernetes.io/job-name=hello-{minute}"));
    let name = pod[0]["metadata"]["name"].as_str().unwrap();
    assert_eq!(c.ok(&["logs", name]).trim(), "hello from the cronjob");
    let text = c.ok(&["describe", "cronjob", "hello"]);
    assert!(text.contains("Concurrency Policy:"), "{text}");
    assert!(text.contains("SuccessfulCreate"), "{text}");
    assert!(
        text.contains(&format!("Created job hello-{minute}")),
        "{text}"
    );
}

#[test]
fn jobs_made_from_a_cronjob_by_hand_keep_only_the_history_limit() {
    let c = Cluster::start(1, "process");
    // The documentation's CronJob and budgets apply unchanged.
    let docs =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/docs_examples/kubernetes");
    let apply = |f: &str| c.ok(&["apply", "-f", docs.join(f).to_str().unwrap()]);
    assert_eq!(apply("cronjob.yaml").trim(), "cronjob.batch/hello created");
    assert_eq!(
        apply("zookeeper-pod-disruption-budget-minavailable.yaml").trim(),
        "poddisruptionbudget.policy/zk-pdb created"
    );
    assert_eq!(
        apply("zookeeper-pod-disruption-budget-maxunavailable.yaml").trim(),
        "poddisruptionbudget.policy/zk-pdb configured"
    );
    c.ok(&["delete", "cronjob", "hello"]);
    c.apply(
        r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: hist
spec:
  schedule: "0 0 1 1 *"
  successfulJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: main
            image: busybox
            command: ["sh", "-c", "echo run"]
"#,
    );
    let complete = |name: &str| {
        wait_for(
            &format!("Job {name} to complete"),
            Duration::from_secs(60),
            || {
                c.json(&["get", "job", name])
                    .filter(|j| condition(j, "Complete").is_some())
            },
        )
    };
    let out = c.ok(&["create", "job", "run1", "--from=cronjob/hist"]);
    assert_eq!(out.trim(), "job.batch/run1 created");
    let first = complete("run1");
    assert_eq!(
        first["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"],
        "manual"
    );
    assert_eq!(first["metadata"]["ownerReferences"][0]["name"], "hist");
    c.ok(&["create", "job", "run2", "--from=cronjob/hist"]);
    complete("run2");
    wait_for(
        "the older finished Job to be pruned",
        Duration::from_secs(30),
        || {
            let names: Vec<String> = jobs_of(&c, "hist")
                .iter()
                .map(|j| j["metadata"]["name"].as_str().unwrap_or("").to_string())
                .collect();
            (names == ["run2"]).then_some(())
        },
    );
    // Its pods went with it.
    wait_for("run1's pods to go", Duration::from_secs(30), || {
        c.pods("batch.kubernetes.io/job-name=run1")
            .is_empty()
            .then_some(())
    });
    // A source that is not a CronJob is refused with a reason.
    let out = c.ork(&["create", "job", "x", "--from=deployment/web"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("only cronjob/NAME"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
