//! The process runtime against real processes and the real shim.

use crate::harness::{ORK, marker, pids_of, wait_for};
use futures::StreamExt;
use ork::api::ContainerPort;
use ork::node::runtime::process::ProcessRuntime;
use ork::node::runtime::{ContainerSpec, LogOptions, RunState, Runtime, RuntimeError};
use std::time::{Duration, Instant};

fn runtime(dir: &std::path::Path) -> ProcessRuntime {
    ProcessRuntime::new(dir.join("containers"), ORK.into()).unwrap()
}

fn spec(name: &str, argv: &[&str]) -> ContainerSpec {
    ContainerSpec {
        pod_uid: format!("uid-{}", uuid::Uuid::new_v4().simple()),
        pod_name: "p".into(),
        namespace: "default".into(),
        container_name: name.into(),
        attempt: 0,
        command: argv.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

async fn read_all(rt: &ProcessRuntime, id: &str, opts: LogOptions) -> String {
    let mut s = rt.logs(id, opts).await.unwrap();
    let mut out = vec![];
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(10), s.next())
        .await
        .unwrap()
    {
        out.extend_from_slice(&chunk.unwrap());
    }
    String::from_utf8(out).unwrap()
}

async fn exit_of(rt: &ProcessRuntime, id: &str) -> (i32, Option<i32>) {
    let info = tokio::time::timeout(Duration::from_secs(10), rt.wait(id))
        .await
        .unwrap()
        .unwrap();
    match info.state {
        RunState::Exited { code, signal, .. } => (code, signal),
        RunState::Running => panic!("wait returned a running instance"),
    }
}

#[tokio::test]
async fn the_environment_is_exactly_the_containers_plus_path_and_home() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path());
    let mut s = spec("env", &["env"]);
    s.ports = vec![ContainerPort {
        name: "web-ui".into(),
        container_port: 80,
        host_port: Some(31555),
        ..Default::default()
    }];
    s.env = vec![("GREETING".into(), "hi there".into())];
    s.env.extend(rt.injected_env(&s.ports));
    let info = rt.start(&s).await.unwrap();
    assert_eq!(exit_of(&rt, &info.id).await, (0, None));
    let out = read_all(&rt, &info.id, LogOptions::default()).await;
    let mut keys: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        vec!["GREETING", "HOME", "ORK_PORT_WEB_UI", "PATH", "PORT"],
        "{out}"
    );
    assert!(out.contains("GREETING=hi there\n"));
    assert!(out.contains("PORT=31555\n"));
}

#[tokio::test]
async fn output_is_logged_and_tail_and_follow_work() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path());
    let info = rt
        .start(&spec(
            "talk",
            &[
                "sh",
                "-c",
                "for i in 1 2 3; do echo out $i; echo err $i >&2; sleep 0.2; done",
            ],
        ))
        .await
        .unwrap();
    // Follow streams lines as they are printed and ends when the process does.
    let followed = read_all(
        &rt,
        &info.id,
        LogOptions {
            follow: true,
            tail: None,
        },
    )
    .await;
    assert_eq!(followed, "out 1\nerr 1\nout 2\nerr 2\nout 3\nerr 3\n");
    let tail = read_all(
        &rt,
        &info.id,
        LogOptions {
            follow: false,
            tail: Some(2),
        },
    )
    .await;
    assert_eq!(tail, "out 3\nerr 3\n");
}

#[tokio::test]
async fn exit_codes_and_signals_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path());
    let ok = rt.start(&spec("ok", &["true"])).await.unwrap();
    assert_eq!(exit_of(&rt, &ok.id).await, (0, None));
    let three = rt
        .start(&spec("three", &["sh", "-c", "exit 3"]))
        .await
        .unwrap();
    assert_eq!(exit_of(&rt, &three.id).await, (3, None));
    let m = marker().to_string();
    let killed = rt.start(&spec("killed", &["sleep", &m])).await.unwrap();
    let pid = wait_for("the sleeper", Duration::from_secs(5), || {
        pids_of(&["sleep", &m]).first().copied()
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert_eq!(exit_of(&rt, &killed.id).await, (137, Some(9)));
    let reasons: Vec<String> = rt
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|c| match c.state {
            RunState::Exited { reason, .. } => reason,
            RunState::Running => "Running".into(),
        })
        .collect();
    assert!(
        reasons.contains(&"Completed".to_string()) && reasons.contains(&"Error".to_string()),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn a_missing_program_is_a_start_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path());
    match rt
        .start(&spec("typo", &["definitely-not-a-program-ork"]))
        .await
    {
        Err(RuntimeError::Start(msg)) => {
            assert!(msg.contains("definitely-not-a-program-ork"), "{msg}")
        }
        other => panic!("expected a start error, got {other:?}"),
    }
    assert!(
        rt.list().await.unwrap().is_empty(),
        "no half-started instance is left"
    );
    match rt.start(&spec("none", &[])).await {
        Err(RuntimeError::Start(msg)) => assert!(msg.contains("command"), "{msg}"),
        other => panic!("expected a start error, got {other:?}"),
    }
}

#[tokio::test]
async fn stop_sends_term_then_kill_after_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path());
    let m = marker().to_string();
    // Ignores SIGTERM (and so does its child sleep, which inherits the ignore).
    let stubborn = rt
        .start(&spec(
            "stubborn",
            &["sh", "-c", &format!("trap '' TERM; sleep {m}")],
        ))
        .await
        .unwrap();
    wait_for("the sleeper", Duration::from_secs(5), || {
        pids_of(&["sleep", &m]).first().copied()
    });
    let t0 = Instant::now();
    rt.stop(&stubborn.id, Duration::from_secs(1)).await.unwrap();
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert!(pids_of(&["sleep", &m]).is_empty());
    // A polite one stops at once.
    let m2 = marker().to_string();
    let polite = rt.start(&spec("polite", &["sleep", &m2])).await.unwrap();
    let t0 = Instant::now();
    rt.stop(&polite.id, Duration::from_secs(30)).await.unwrap();
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert_eq!(exit_of(&rt, &polite.id).await, (143, Some(15)));
    // Stopping what already stopped is fine.
    rt.stop(&polite.id, Duration::from_secs(1)).await.unwrap();
}

#[tokio::test]
async fn stopping_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path());
    let m = marker().to_string();
    let parent = rt
        .start(&spec(
            "parent",
            &["sh", "-c", &format!("sleep {m} & sleep {m} & wait")],
        ))
        .await
        .unwrap();
    wait_for("two children", Duration::from_secs(5), || {
        (pids_of(&["sleep", &m]).len() == 2).then_some(())
    });
    rt.stop(&parent.id, Duration::from_secs(5)).await.unwrap();
    wait_for("children gone", Duration::from_secs(5), || {
        pids_of(&["sleep", &m]).is_empty().then_some(())
    });
}

#[tokio::test]
async fn a_second_runtime_on_the_same_dir_adopts_running_instances() {
    let dir = tempfile::tempdir().unwrap();
    let m = marker().to_string();
    let first = runtime(dir.path());
    let info = first.start(&spec("long", &["sleep", &m])).await.unwrap();
    let pid = wait_for("the sleeper", Duration::from_secs(5), || {
        pids_of(&["sleep", &m]).first().copied()
    });
    // A new daemon: knows nothing but the files.
    let second = runtime(dir.path());
    let listed = second.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, info.id);
    assert_eq!(listed[0].state, RunState::Running);
    assert_eq!(
        listed[0].started_at.0.timestamp(),
        info.started_at.0.timestamp()
    );
    let waiter = tokio::spawn({
        let id = info.id.clone();
        async move { second.wait(&id).await }
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let done = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        matches!(done.state, RunState::Exited { code: 143, .. }),
        "{:?}",
        done.state
    );
    drop(first);
}

#[tokio::test]
async fn shims_are_reaped() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path());
    for i in 0..5 {
        let info = rt
            .start(&spec(&format!("quick{i}"), &["true"]))
            .await
            .unwrap();
        exit_of(&rt, &info.id).await;
    }
    let me = std::process::id().to_string();
    let zombies = wait_for("no zombie children", Duration::from_secs(5), || {
        let z: Vec<String> = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
            .filter(|s| {
                let rest = s
                    .rsplit_once(')')
                    .map(|(_, r)| r.trim_start().to_string())
                    .unwrap_or_default();
                let f: Vec<&str> = rest.split_whitespace().collect();
                f.first() == Some(&"Z") && f.get(1) == Some(&me.as_str())
            })
            .collect();
        z.is_empty().then_some(z)
    });
    assert!(zombies.is_empty());
}
