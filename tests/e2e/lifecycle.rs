//! Container lifecycle hooks on the process runtime: a postStart hook's
//! effect is seen by the app, a failing one is an event and a restart, and a
//! preStop hook delays the stop signal.

use crate::harness::{Cluster, marker, pids_of, wait_for};
use std::time::{Duration, Instant};

#[test]
fn a_post_start_hook_writes_a_file_the_app_sees() {
    let c = Cluster::start(1, "process");
    let m = marker();
    c.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: hooked
  labels: {{app: hooked}}
spec:
  volumes:
  - name: work
    emptyDir: {{}}
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "while [ ! -f $ORK_VOLUME_WORK/hook ]; do sleep 0.1; done; cat $ORK_VOLUME_WORK/hook; exec sleep {m}"]
    volumeMounts: [{{name: work, mountPath: /work}}]
    lifecycle:
      postStart:
        exec:
          command: ["sh", "-c", "echo from-post-start > $ORK_VOLUME_WORK/hook"]
"#
    ));
    c.wait_running("app=hooked", 1);
    let logs = wait_for("the app's output", Duration::from_secs(20), || {
        let l = c.ok(&["logs", "hooked"]);
        (!l.trim().is_empty()).then_some(l)
    });
    assert_eq!(logs.trim(), "from-post-start");
}

#[test]
fn a_failing_post_start_hook_is_an_event_and_kills_the_container() {
    let c = Cluster::start(1, "process");
    let m = marker();
    c.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: bad-hook
spec:
  containers:
  - name: app
    image: busybox
    command: ["sleep", "{m}"]
    lifecycle:
      postStart:
        exec:
          command: ["sh", "-c", "exit 7"]
"#
    ));
    let message = wait_for(
        "a FailedPostStartHook event",
        Duration::from_secs(30),
        || {
            let events = c.json(&["get", "events"])?;
            events["items"].as_array()?.iter().find_map(|e| {
                (e["reason"] == "FailedPostStartHook")
                    .then(|| e["message"].as_str().unwrap_or("").to_string())
            })
        },
    );
    assert!(message.contains("exited with 7"), "{message}");
    c.wait_json(
        "the container restarted",
        Duration::from_secs(30),
        &["get", "pod", "bad-hook"],
        |v| v["status"]["containerStatuses"][0]["restartCount"].as_i64() >= Some(1),
    );
}

#[test]
fn a_pre_stop_hook_delays_the_stop_signal() {
    let c = Cluster::start(1, "process");
    let m = marker();
    let ms = m.to_string();
    c.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: slow-stop
  labels: {{app: slow-stop}}
spec:
  terminationGracePeriodSeconds: 20
  containers:
  - name: app
    image: busybox
    command: ["sleep", "{m}"]
    lifecycle:
      preStop:
        sleep: {{seconds: 3}}
"#
    ));
    c.wait_running("app=slow-stop", 1);
    wait_for("the app's process", Duration::from_secs(10), || {
        (!pids_of(&["sleep", &ms]).is_empty()).then_some(())
    });
    let t = Instant::now();
    c.ok(&["delete", "pod", "slow-stop"]);
    wait_for("the app's process gone", Duration::from_secs(20), || {
        pids_of(&["sleep", &ms]).is_empty().then_some(())
    });
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(2900),
        "the process stopped after {took:?}, before the 3 s preStop hook ended"
    );
    assert!(took < Duration::from_secs(15), "stopped after {took:?}");
}

#[test]
fn termination_messages_come_from_the_file_or_the_log_on_error() {
    let c = Cluster::start(1, "process");
    c.apply(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: says-why
spec:
  restartPolicy: Never
  containers:
  - name: file
    image: busybox
    command: ["sh", "-c", "echo -n 'out of cheese' > $ORK_TERMINATION_MESSAGE_PATH; exit 2"]
  - name: logs
    image: busybox
    terminationMessagePolicy: FallbackToLogsOnError
    command: ["sh", "-c", "echo first; echo last words; exit 3"]
"#,
    );
    let v = c.wait_json(
        "the pod Failed",
        Duration::from_secs(30),
        &["get", "pod", "says-why"],
        |v| v["status"]["phase"] == "Failed",
    );
    let term = |i: usize| v["status"]["containerStatuses"][i]["state"]["terminated"].clone();
    assert_eq!(term(0)["message"], "out of cheese", "{v}");
    assert_eq!(term(1)["message"], "first\nlast words\n", "{v}");
}
