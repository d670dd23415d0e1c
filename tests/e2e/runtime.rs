//! The process runtime against real processes and the real shim (the `ork`
//! binary built for these tests), each test in its own temporary state dir.
//! Every wait has a deadline; conditions are polled, never slept on.

use futures::StreamExt;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use ork::api::ContainerPort;
use ork::node::runtime::process::ProcessRuntime;
use ork::node::runtime::{
    ContainerInfo, ContainerSpec, LogOptions, RunState, Runtime, RuntimeError,
};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ORK: &str = env!("CARGO_BIN_EXE_ork");
const LONG: Duration = Duration::from_secs(10);

struct Env {
    _tmp: tempfile::TempDir,
    state: PathBuf,
    rt: ProcessRuntime,
}

/// A failed test leaves nothing running: the process group of every
/// instance still running in the state dir is killed, once checked to be a
/// group led by that instance's process in its shim's session.
impl Drop for Env {
    fn drop(&mut self) {
        let Ok(dirs) = std::fs::read_dir(&self.state) else {
            return;
        };
        for d in dirs.flatten() {
            let dir = d.path();
            let pid = std::fs::read_to_string(dir.join("pid"))
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok());
            let shim = std::fs::read(dir.join("spec.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|v| v["shimPid"].as_i64());
            if let (Some(pid), Some(shim)) = (pid, shim)
                && pid > 1
                && !dir.join("exit.json").exists()
                && stat(pid).is_some_and(|f| f[2] == pid.to_string() && f[3] == shim.to_string())
            {
                let _ = nix::sys::signal::killpg(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
    }
}

fn env() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("containers");
    let rt = ProcessRuntime::new(state.clone(), ORK.into()).unwrap();
    let state = state.canonicalize().unwrap();
    Env {
        _tmp: tmp,
        state,
        rt,
    }
}

fn spec(name: &str, argv: &[&str]) -> ContainerSpec {
    ContainerSpec {
        pod_uid: uuid::Uuid::new_v4().to_string(),
        pod_name: "pod".into(),
        namespace: "default".into(),
        container_name: name.into(),
        attempt: 0,
        image: "unused".into(),
        command: argv.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

/// A `sleep` argument no other process has: it finds this test's processes.
fn marker() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 1_000_000;
    format!("{}.{n:06}", 10_000 + n % 1000)
}

async fn within<T>(what: &str, limit: Duration, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, f).await {
        Ok(v) => v,
        Err(_) => panic!("{what}: not done within {limit:?}"),
    }
}

/// Polls `f` every 20 ms until it returns Some, for at most `limit`.
async fn eventually<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Fields of /proc/PID/stat after the command: state, ppid, pgrp, session...
fn stat(pid: i32) -> Option<Vec<String>> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = s.rsplit_once(')')?.1;
    Some(rest.split_whitespace().map(String::from).collect())
}

fn living(pid: i32) -> bool {
    stat(pid).is_some_and(|f| f[0] != "Z" && f[0] != "X")
}

/// Live (not zombie) `sleep` processes with `arg` among their arguments.
fn pids_with_arg(arg: &str) -> Vec<i32> {
    let mut out = vec![];
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let mut args = cmdline.split(|b| *b == 0);
        let is_sleep = args.next().is_some_and(|a| a.ends_with(b"sleep"));
        if is_sleep && args.any(|a| a == arg.as_bytes()) && living(pid) {
            out.push(pid);
        }
    }
    out
}

fn spec_json(state: &Path, id: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(state.join(id).join("spec.json")).unwrap()).unwrap()
}

fn shim_pid(state: &Path, id: &str) -> i32 {
    spec_json(state, id)["shimPid"].as_i64().unwrap() as i32
}

fn child_pid(state: &Path, id: &str) -> i32 {
    std::fs::read_to_string(state.join(id).join("pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

async fn read_log(rt: &ProcessRuntime, id: &str, opts: LogOptions) -> String {
    let mut s = rt.logs(id, opts).await.unwrap();
    let mut out = vec![];
    while let Some(chunk) = within("the next log chunk", LONG, s.next()).await {
        out.extend_from_slice(&chunk.unwrap());
    }
    String::from_utf8(out).unwrap()
}

async fn wait_exit(rt: &ProcessRuntime, id: &str) -> ContainerInfo {
    let info = within("the container's exit", LONG, rt.wait(id))
        .await
        .unwrap();
    assert!(
        info.state != RunState::Running,
        "wait returned a running instance"
    );
    info
}

/// (code, signal, reason) of an exited instance.
fn exit(info: &ContainerInfo) -> (i32, Option<i32>, String) {
    match &info.state {
        RunState::Exited {
            code,
            signal,
            reason,
            ..
        } => (*code, *signal, reason.clone()),
        RunState::Running => panic!("{} still runs", info.id),
    }
}

fn exited(code: i32, signal: Option<i32>, reason: &str) -> (i32, Option<i32>, String) {
    (code, signal, reason.to_string())
}

#[tokio::test]
async fn a_sleep_runs_in_its_own_group_and_session_and_is_listed_running() {
    let e = env();
    let m = marker();
    let info = e.rt.start(&spec("sleeper", &["sleep", &m])).await.unwrap();
    assert_eq!(info.state, RunState::Running);
    assert!(info.id.ends_with("_sleeper_0"), "{}", info.id);
    let listed = e.rt.list().await.unwrap();
    assert_eq!(listed, vec![info.clone()]);

    let pid = child_pid(&e.state, &info.id);
    assert_eq!(pids_with_arg(&m), vec![pid]);
    let (shim, me) = (shim_pid(&e.state, &info.id), std::process::id() as i32);
    let child = stat(pid).unwrap();
    let shim_stat = stat(shim).unwrap();
    // The shim is our child (we reap it), in a session of its own; the
    // process is the shim's child and leads its own process group.
    assert_eq!(shim_stat[1], me.to_string());
    assert_eq!(shim_stat[3], shim.to_string(), "the shim leads a session");
    assert_ne!(stat(me).unwrap()[3], shim_stat[3]);
    assert_eq!(child[1], shim.to_string());
    assert_eq!(child[2], pid.to_string(), "the process leads its group");
    assert_eq!(child[3], shim_stat[3], "in the shim's session");

    // State is private.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(e.state.clone()), 0o700);
    assert_eq!(mode(e.state.join(&info.id)), 0o700);
    for f in ["spec.json", "pid", "log", "shim.log"] {
        assert_eq!(mode(e.state.join(&info.id).join(f)), 0o600, "{f}");
    }

    e.rt.stop(&info.id, LONG).await.unwrap();
    let done = wait_exit(&e.rt, &info.id).await;
    assert_eq!(exit(&done), exited(143, Some(15), "Error"));
    assert_eq!(done.started_at, info.started_at);
    assert!(pids_with_arg(&m).is_empty());
}

#[tokio::test]
async fn the_environment_is_exactly_the_given_one_plus_path_and_home() {
    let e = env();
    let mut s = spec("env", &["env"]);
    s.ports = vec![
        ContainerPort {
            name: "web-ui".into(),
            container_port: 80,
            host_port: Some(31555),
            ..Default::default()
        },
        ContainerPort {
            container_port: 81,
            host_port: Some(31556),
            ..Default::default()
        },
    ];
    s.env = vec![("GREETING".into(), "hi there".into())];
    s.env.extend(e.rt.injected_env(&s.ports));
    let info = e.rt.start(&s).await.unwrap();
    wait_exit(&e.rt, &info.id).await;
    let out = read_log(&e.rt, &info.id, LogOptions::default()).await;
    let vars: BTreeMap<&str, &str> = out.lines().filter_map(|l| l.split_once('=')).collect();
    let mut want = vec!["GREETING", "ORK_PORT_WEB_UI", "PORT"];
    for inherited in ["HOME", "PATH"] {
        if std::env::var_os(inherited).is_some() {
            want.push(inherited);
        }
    }
    want.sort();
    assert_eq!(
        vars.keys().copied().collect::<Vec<_>>(),
        want,
        "nothing else of the daemon's environment (CARGO_*...) leaks in:\n{out}"
    );
    assert_eq!(vars["GREETING"], "hi there");
    assert_eq!(vars["PORT"], "31555");
    assert_eq!(vars["ORK_PORT_WEB_UI"], "31555");
    if let Some(path) = std::env::var_os("PATH") {
        assert_eq!(std::ffi::OsStr::new(vars["PATH"]), path);
    }

    // What the container sets wins over the daemon's PATH and HOME; an
    // empty HOME stays empty; the working directory defaults to the
    // instance's directory.
    let mut s = spec(
        "own",
        &["/bin/sh", "-c", "echo \"[$PATH] [$HOME] [$(pwd)]\""],
    );
    s.env = vec![
        ("PATH".into(), "/usr/bin:/bin".into()),
        ("HOME".into(), String::new()),
    ];
    let info = e.rt.start(&s).await.unwrap();
    wait_exit(&e.rt, &info.id).await;
    let out = read_log(&e.rt, &info.id, LogOptions::default()).await;
    let dir = e.state.join(&info.id);
    assert_eq!(out, format!("[/usr/bin:/bin] [] [{}]\n", dir.display()));

    // workingDir is honoured.
    let wd = tempfile::tempdir().unwrap();
    let mut s = spec("wd", &["pwd"]);
    s.working_dir = wd.path().to_str().unwrap().into();
    let info = e.rt.start(&s).await.unwrap();
    wait_exit(&e.rt, &info.id).await;
    let out = read_log(&e.rt, &info.id, LogOptions::default()).await;
    assert_eq!(
        out.trim(),
        wd.path().canonicalize().unwrap().to_str().unwrap()
    );
}

#[tokio::test]
async fn the_process_gets_default_signal_handling_and_the_shim_outlives_term_int_hup_quit() {
    let e = env();
    // Run directly by the shim (no shell in between to reset anything).
    let info =
        e.rt.start(&spec("mask", &["grep", "^SigBlk", "/proc/self/status"]))
            .await
            .unwrap();
    wait_exit(&e.rt, &info.id).await;
    let blocked = read_log(&e.rt, &info.id, LogOptions::default()).await;
    assert_eq!(
        blocked.split_whitespace().nth(1),
        Some("0000000000000000"),
        "the container must not inherit the shim's blocked signals: {blocked}"
    );

    let info =
        e.rt.start(&spec("sleeper", &["sleep", &marker()]))
            .await
            .unwrap();
    let shim = shim_pid(&e.state, &info.id);
    // The shim blocks the signals once the process runs, and the pid file is
    // written after that: they cannot arrive too early here.
    for s in [
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
        Signal::SIGQUIT,
    ] {
        kill(Pid::from_raw(shim), s).unwrap();
    }
    // Blocked: pending, not delivered (bit N-1 for signal N).
    let want: u64 = [15u64, 2, 1, 3].iter().map(|n| 1 << (n - 1)).sum();
    eventually("the signals pending on the shim", LONG, || {
        let status = std::fs::read_to_string(format!("/proc/{shim}/status")).ok()?;
        let pending = status.lines().find_map(|l| l.strip_prefix("ShdPnd:"))?;
        let bits = u64::from_str_radix(pending.trim(), 16).ok()?;
        (bits & want == want).then_some(())
    })
    .await;
    assert!(living(shim));
    let listed = e.rt.list().await.unwrap();
    assert_eq!(
        listed.iter().find(|c| c.id == info.id).unwrap().state,
        RunState::Running
    );
    // The process handles SIGTERM by default (dies), and the shim records it.
    e.rt.stop(&info.id, LONG).await.unwrap();
    let done = wait_exit(&e.rt, &info.id).await;
    assert_eq!(exit(&done), exited(143, Some(15), "Error"));
}

#[tokio::test]
async fn stdout_and_stderr_land_in_the_log_and_tail_and_follow_work() {
    let e = env();
    let work = tempfile::tempdir().unwrap();
    let mut s = spec(
        "talk",
        &[
            "sh",
            "-c",
            "echo out 1; echo err 1 >&2; echo out 2; \
             while [ ! -e go ]; do sleep 0.02; done; \
             echo err 2 >&2; echo out 3",
        ],
    );
    s.working_dir = work.path().to_str().unwrap().into();
    let info = e.rt.start(&s).await.unwrap();
    let mut follow =
        e.rt.logs(
            &info.id,
            LogOptions {
                follow: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // The first lines arrive while the process still runs (it waits for us).
    let mut got = String::new();
    while got != "out 1\nerr 1\nout 2\n" {
        let chunk = within("the first lines", LONG, follow.next())
            .await
            .expect("the stream ended while the process runs")
            .unwrap();
        got.push_str(std::str::from_utf8(&chunk).unwrap());
        assert!("out 1\nerr 1\nout 2\n".starts_with(&got), "{got:?}");
    }
    assert_eq!(e.rt.list().await.unwrap()[0].state, RunState::Running);
    // A tail of a running one.
    let tail = read_log(
        &e.rt,
        &info.id,
        LogOptions {
            follow: false,
            tail: Some(1),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(tail, "out 2\n");
    std::fs::write(work.path().join("go"), "").unwrap();
    // The rest, and the stream ends by itself once the process has exited.
    while let Some(chunk) = within("the rest of the log", LONG, follow.next()).await {
        got.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
    }
    assert_eq!(got, "out 1\nerr 1\nout 2\nerr 2\nout 3\n");
    assert_eq!(
        exit(&wait_exit(&e.rt, &info.id).await),
        exited(0, None, "Completed")
    );

    let tail = |n| LogOptions {
        follow: false,
        tail: Some(n),
        ..Default::default()
    };
    assert_eq!(read_log(&e.rt, &info.id, tail(2)).await, "err 2\nout 3\n");
    assert_eq!(read_log(&e.rt, &info.id, tail(0)).await, "");
    assert_eq!(read_log(&e.rt, &info.id, tail(99)).await, got);
    assert_eq!(read_log(&e.rt, &info.id, LogOptions::default()).await, got);
    // Nothing written in the last moment: a `since` after the last write
    // gives nothing; one before it gives the whole log.
    let since = |t| LogOptions {
        since: Some(t),
        ..Default::default()
    };
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    assert_eq!(read_log(&e.rt, &info.id, since(later)).await, "");
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    assert_eq!(read_log(&e.rt, &info.id, since(hour_ago)).await, got);
    // Following an exited instance gives what there is and ends.
    let all = read_log(
        &e.rt,
        &info.id,
        LogOptions {
            follow: true,
            tail: Some(1),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(all, "out 3\n");
    assert!(matches!(
        e.rt.logs("nope_x_0", LogOptions::default()).await,
        Err(RuntimeError::NotFound(_))
    ));
}

#[tokio::test]
async fn exit_codes_and_death_by_signal_are_reported() {
    let e = env();
    let ok = e.rt.start(&spec("ok", &["true"])).await.unwrap();
    let three =
        e.rt.start(&spec("three", &["sh", "-c", "exit 3"]))
            .await
            .unwrap();
    let m = marker();
    let killed = e.rt.start(&spec("killed", &["sleep", &m])).await.unwrap();
    assert_eq!(
        exit(&wait_exit(&e.rt, &ok.id).await),
        exited(0, None, "Completed")
    );
    assert_eq!(
        exit(&wait_exit(&e.rt, &three.id).await),
        exited(3, None, "Error")
    );
    kill(
        Pid::from_raw(child_pid(&e.state, &killed.id)),
        Signal::SIGKILL,
    )
    .unwrap();
    let done = wait_exit(&e.rt, &killed.id).await;
    assert_eq!(exit(&done), exited(137, Some(9), "Error"));
    let exit_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(e.state.join(&killed.id).join("exit.json")).unwrap())
            .unwrap();
    assert_eq!(exit_json["exitCode"], 137);
    assert_eq!(exit_json["signal"], 9);
    assert!(exit_json["finishedAt"].as_str().unwrap().ends_with('Z'));

    // list agrees with wait, and waiting again answers at once.
    let listed = e.rt.list().await.unwrap();
    assert_eq!(listed.len(), 3);
    for i in &listed {
        let again = within("a second wait", LONG, e.rt.wait(&i.id))
            .await
            .unwrap();
        assert_eq!(&again, i);
    }
}

#[tokio::test]
async fn what_cannot_start_is_a_start_error_and_leaves_nothing() {
    let e = env();
    match e
        .rt
        .start(&spec("typo", &["definitely-not-a-program-ork", "x"]))
        .await
    {
        Err(RuntimeError::Start(msg)) => {
            assert!(msg.contains("definitely-not-a-program-ork"), "{msg}")
        }
        other => panic!("expected a start error, got {other:?}"),
    }
    let script = e.state.parent().unwrap().join("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    match e
        .rt
        .start(&spec("noexec", &[script.to_str().unwrap()]))
        .await
    {
        Err(RuntimeError::Start(msg)) => {
            assert!(msg.contains("not-executable.sh"), "{msg}");
            assert!(msg.to_lowercase().contains("permission denied"), "{msg}");
        }
        other => panic!("expected a start error, got {other:?}"),
    }
    match e.rt.start(&spec("none", &[])).await {
        Err(RuntimeError::Start(msg)) => {
            assert!(msg.contains("command") && msg.contains("image"), "{msg}")
        }
        other => panic!("expected a start error, got {other:?}"),
    }
    let mut s = spec("wd", &["true"]);
    s.working_dir = "/definitely/not/a/dir".into();
    match e.rt.start(&s).await {
        Err(RuntimeError::Start(msg)) => assert!(msg.contains("/definitely/not/a/dir"), "{msg}"),
        other => panic!("expected a start error, got {other:?}"),
    }
    let mut s = spec("bad/name", &["true"]);
    s.container_name = "../../etc".into();
    assert!(matches!(e.rt.start(&s).await, Err(RuntimeError::Start(_))));
    assert!(e.rt.list().await.unwrap().is_empty());
    assert_eq!(std::fs::read_dir(&e.state).unwrap().count(), 0);
}

#[tokio::test]
async fn stop_kills_a_child_that_ignores_term_after_the_grace() {
    let e = env();
    let m = marker();
    let stubborn =
        e.rt.start(&spec(
            "stubborn",
            &[
                "sh",
                "-c",
                &format!("trap '' TERM; sleep {m}; echo survived"),
            ],
        ))
        .await
        .unwrap();
    // The trap is set once sleep runs (the shell forks it after `trap`).
    eventually("the sleeper", LONG, || {
        (!pids_with_arg(&m).is_empty()).then_some(())
    })
    .await;
    let grace = Duration::from_secs(1);
    let t0 = Instant::now();
    within("stop", LONG, e.rt.stop(&stubborn.id, grace))
        .await
        .unwrap();
    let took = t0.elapsed();
    assert!(
        took >= grace && took < grace + Duration::from_secs(2),
        "{took:?}"
    );
    assert!(pids_with_arg(&m).is_empty());
    assert_eq!(
        exit(&wait_exit(&e.rt, &stubborn.id).await),
        exited(137, Some(9), "Error")
    );

    // A polite one stops at once, however long the grace.
    let polite =
        e.rt.start(&spec("polite", &["sleep", &marker()]))
            .await
            .unwrap();
    let t0 = Instant::now();
    e.rt.stop(&polite.id, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert_eq!(
        exit(&wait_exit(&e.rt, &polite.id).await),
        exited(143, Some(15), "Error")
    );
    // Stopping what has stopped is fine; stopping what never was is not found.
    e.rt.stop(&polite.id, grace).await.unwrap();
    assert!(matches!(
        e.rt.stop("nope_x_0", grace).await,
        Err(RuntimeError::NotFound(_))
    ));
}

#[tokio::test]
async fn stopping_kills_the_whole_process_group_and_an_exit_kills_what_is_left() {
    let e = env();
    let m = marker();
    let parent =
        e.rt.start(&spec(
            "parent",
            &["sh", "-c", &format!("sleep {m} & sleep {m} & wait")],
        ))
        .await
        .unwrap();
    let kids = eventually("two grandchildren", LONG, || {
        let p = pids_with_arg(&m);
        (p.len() == 2).then_some(p)
    })
    .await;
    for k in &kids {
        assert_eq!(
            stat(*k).unwrap()[2],
            child_pid(&e.state, &parent.id).to_string()
        );
    }
    within("stop", LONG, e.rt.stop(&parent.id, LONG))
        .await
        .unwrap();
    assert!(pids_with_arg(&m).is_empty(), "grandchildren survived");

    // The main process exits and leaves a child behind: it dies with it,
    // as a container's processes die with its init.
    let m = marker();
    let left =
        e.rt.start(&spec(
            "leaves",
            &["sh", "-c", &format!("sleep {m} & echo started")],
        ))
        .await
        .unwrap();
    assert_eq!(
        exit(&wait_exit(&e.rt, &left.id).await),
        exited(0, None, "Completed")
    );
    assert!(pids_with_arg(&m).is_empty(), "the leftover child survived");
}

#[tokio::test]
async fn a_restarted_daemon_adopts_running_instances() {
    let e = env();
    let m = marker();
    let info = e.rt.start(&spec("long", &["sleep", &m])).await.unwrap();
    let other =
        e.rt.start(&spec("other", &["sleep", &marker()]))
            .await
            .unwrap();
    let done =
        e.rt.start(&spec("done", &["sh", "-c", "exit 4"]))
            .await
            .unwrap();
    wait_exit(&e.rt, &done.id).await;

    // A new daemon on the same state dir knows nothing but the files.
    let second = ProcessRuntime::new(e.state.clone(), ORK.into()).unwrap();
    let listed = second.list().await.unwrap();
    let by_id: BTreeMap<&str, &ContainerInfo> = listed.iter().map(|c| (c.id.as_str(), c)).collect();
    assert_eq!(by_id.len(), 3);
    assert_eq!(*by_id[info.id.as_str()], info, "same id, started_at, ports");
    assert_eq!(by_id[other.id.as_str()].state, RunState::Running);
    assert_eq!(exit(by_id[done.id.as_str()]), exited(4, None, "Error"));

    // Its wait resolves when the process is killed from outside.
    let second = std::sync::Arc::new(second);
    let waiter = tokio::spawn({
        let (second, id) = (second.clone(), info.id.clone());
        async move { second.wait(&id).await }
    });
    kill(
        Pid::from_raw(child_pid(&e.state, &info.id)),
        Signal::SIGKILL,
    )
    .unwrap();
    let gone = within("the adopted wait", LONG, waiter)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(exit(&gone), exited(137, Some(9), "Error"));
    assert_eq!(gone.started_at, info.started_at);

    // It stops and removes what it adopted.
    within("stop", LONG, second.stop(&other.id, LONG))
        .await
        .unwrap();
    assert_eq!(
        exit(&within("wait", LONG, second.wait(&other.id)).await.unwrap()),
        exited(143, Some(15), "Error")
    );
    for c in &listed {
        second.remove(&c.id).await.unwrap();
    }
    assert!(second.list().await.unwrap().is_empty());
    assert!(e.rt.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_shim_killed_outright_leaves_an_unknown_state_and_stop_still_kills_the_process() {
    let e = env();
    let m = marker();
    let info = e.rt.start(&spec("orphan", &["sleep", &m])).await.unwrap();
    let shim = shim_pid(&e.state, &info.id);
    kill(Pid::from_raw(shim), Signal::SIGKILL).unwrap();
    let gone = wait_exit(&e.rt, &info.id).await;
    assert_eq!(exit(&gone), exited(137, None, "ContainerStatusUnknown"));
    // The process outlived its shim; stopping the instance kills it.
    assert_eq!(pids_with_arg(&m).len(), 1);
    within("stop", LONG, e.rt.stop(&info.id, Duration::from_secs(1)))
        .await
        .unwrap();
    assert!(pids_with_arg(&m).is_empty());
}

#[tokio::test]
async fn remove_forgets_instances_and_list_survives_damaged_dirs() {
    let e = env();
    let m = marker();
    let running = e.rt.start(&spec("running", &["sleep", &m])).await.unwrap();
    let quick = e.rt.start(&spec("quick", &["true"])).await.unwrap();
    wait_exit(&e.rt, &quick.id).await;

    // Damage: a corrupt spec.json with a pid file (kept, skipped), a fresh
    // half-started dir (kept: it may be starting), an old one (removed).
    let corrupt = e.state.join("corrupt_c_0");
    std::fs::create_dir(&corrupt).unwrap();
    std::fs::write(corrupt.join("spec.json"), "{not json").unwrap();
    std::fs::write(corrupt.join("pid"), "1\n").unwrap();
    let fresh = e.state.join("fresh_c_0");
    std::fs::create_dir(&fresh).unwrap();
    let old = e.state.join("old_c_0");
    std::fs::create_dir(&old).unwrap();
    std::fs::File::open(&old)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    std::fs::write(e.state.join("stray-file"), "x").unwrap();

    let ids: Vec<String> =
        e.rt.list()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
    let mut want = vec![running.id.clone(), quick.id.clone()];
    want.sort();
    assert_eq!(ids, want);
    assert!(corrupt.exists() && fresh.exists() && !old.exists());

    e.rt.remove(&quick.id).await.unwrap();
    assert!(!e.state.join(&quick.id).exists());
    e.rt.remove(&quick.id).await.unwrap();
    // Removing a running one stops it first.
    within("remove", LONG, e.rt.remove(&running.id))
        .await
        .unwrap();
    assert!(pids_with_arg(&m).is_empty());
    assert!(e.rt.list().await.unwrap().is_empty());
    assert!(matches!(
        e.rt.wait(&running.id).await,
        Err(RuntimeError::NotFound(_))
    ));
}

/// Zombie children of this process among `pids`.
fn zombies_among(pids: &[i32]) -> Vec<i32> {
    let me = std::process::id().to_string();
    pids.iter()
        .copied()
        .filter(|p| stat(*p).is_some_and(|f| f[0] == "Z" && f[1] == me))
        .collect()
}

#[tokio::test]
async fn shims_are_reaped_whether_or_not_anyone_waits() {
    let e = env();
    let mut shims = vec![];
    for i in 0..5 {
        let info =
            e.rt.start(&spec(&format!("waited{i}"), &["true"]))
                .await
                .unwrap();
        shims.push(shim_pid(&e.state, &info.id));
        wait_exit(&e.rt, &info.id).await;
    }
    // wait resolves once the shim is reaped.
    assert_eq!(zombies_among(&shims), Vec::<i32>::new());

    // Nobody waits for these: they are reaped all the same.
    let mut unwaited = vec![];
    for i in 0..5 {
        let info =
            e.rt.start(&spec(&format!("unwaited{i}"), &["true"]))
                .await
                .unwrap();
        unwaited.push((shim_pid(&e.state, &info.id), info.id));
    }
    eventually("every shim exited and reaped", LONG, || {
        unwaited
            .iter()
            .all(|(pid, id)| {
                e.state.join(id).join("exit.json").exists()
                    && stat(*pid).is_none_or(|f| f[1] != std::process::id().to_string())
            })
            .then_some(())
    })
    .await;
    let pids: Vec<i32> = unwaited.iter().map(|(p, _)| *p).collect();
    assert_eq!(zombies_among(&pids), Vec::<i32>::new());
}

fn as_user(mut s: ContainerSpec, uid: u32, gid: u32) -> ContainerSpec {
    s.security.user = Some(ork::node::security::User {
        uid,
        gid: Some(gid),
    });
    s
}

async fn exec_output(rt: &ProcessRuntime, id: &str, argv: &[&str]) -> String {
    let session = rt
        .exec_session(
            id,
            ork::node::runtime::ExecRequest {
                command: argv.iter().map(|s| s.to_string()).collect(),
                stdin: false,
                tty: false,
            },
        )
        .await
        .unwrap();
    let mut out = session.output;
    let mut text = vec![];
    while let Some(chunk) = within("exec output", LONG, out.next()).await {
        match chunk.unwrap() {
            ork::node::runtime::ExecOutput::Stdout(b)
            | ork::node::runtime::ExecOutput::Stderr(b) => text.extend_from_slice(&b),
        }
    }
    assert_eq!(within("exec exit", LONG, session.exit).await.unwrap(), 0);
    String::from_utf8(text).unwrap()
}

#[tokio::test]
async fn a_container_runs_as_the_user_it_is_given_and_so_do_its_execs() {
    let e = env();
    let mut s = as_user(
        spec(
            "user",
            &[
                "sh",
                "-c",
                "id -u; id -g; id -G; grep NoNewPrivs /proc/self/status; sleep 3600",
            ],
        ),
        4242,
        4343,
    );
    s.security.no_new_privileges = true;
    // Without a pods dir the instance's own (private) dir is no place for it.
    s.working_dir = "/".into();
    let info = e.rt.start(&s).await.unwrap();
    let log = eventually("the ids in the log", LONG, || {
        let l = std::fs::read_to_string(e.state.join(&info.id).join("log")).ok()?;
        l.contains("NoNewPrivs").then_some(l)
    })
    .await;
    assert_eq!(log, "4242\n4343\n4343\nNoNewPrivs:\t1\n");
    // Its shim stays root, and who it runs as is recorded for exec.
    let shim =
        std::fs::read_to_string(format!("/proc/{}/status", shim_pid(&e.state, &info.id))).unwrap();
    assert!(shim.lines().any(|l| l.starts_with("Uid:\t0\t")), "{shim}");
    let run_as: serde_json::Value =
        serde_json::from_slice(&std::fs::read(e.state.join(&info.id).join("run-as.json")).unwrap())
            .unwrap();
    assert_eq!(
        run_as,
        serde_json::json!({"uid": 4242, "gid": 4343, "noNewPrivileges": true})
    );
    // exec and exec probes: the container's user and no_new_privs, not the daemon's root.
    let out = exec_output(
        &e.rt,
        &info.id,
        &[
            "sh",
            "-c",
            "id -u; id -G; grep NoNewPrivs /proc/self/status",
        ],
    )
    .await;
    assert_eq!(out, "4242\n4343\nNoNewPrivs:\t1\n");
    let probe = vec!["sh".to_string(), "-c".into(), "test $(id -u) = 4242".into()];
    assert_eq!(e.rt.exec(&info.id, &probe, LONG).await.unwrap(), 0);
    // The daemon's own threads keep their privileges.
    let me = std::fs::read_to_string("/proc/self/status").unwrap();
    assert!(me.contains("NoNewPrivs:\t0"), "{me}");
    e.rt.remove(&info.id).await.unwrap();
}

#[tokio::test]
async fn a_working_dir_its_user_cannot_enter_fails_the_start_saying_so() {
    use std::os::unix::fs::PermissionsExt;
    let e = env();
    let private = tempfile::tempdir().unwrap();
    std::fs::set_permissions(private.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut s = as_user(spec("locked", &["pwd"]), 4242, 4242);
    s.working_dir = private.path().to_str().unwrap().into();
    match e.rt.start(&s).await {
        Err(RuntimeError::Start(msg)) => {
            assert!(
                msg.contains("uid 4242") && msg.contains("Permission denied"),
                "{msg}"
            )
        }
        other => panic!("expected a start error, got {other:?}"),
    }
}

#[tokio::test]
async fn with_a_pods_dir_each_instance_gets_a_working_dir_of_its_users_removed_with_it() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let pods = tmp.path().join("pods");
    std::fs::create_dir(&pods).unwrap();
    std::fs::set_permissions(&pods, std::fs::Permissions::from_mode(0o711)).unwrap();
    let rt = ProcessRuntime::new(tmp.path().join("containers"), ORK.into())
        .unwrap()
        .with_pods_dir(pods.clone());
    let s = as_user(
        spec(
            "w",
            &["sh", "-c", "pwd; echo $HOME; touch mine && echo WROTE"],
        ),
        4242,
        4343,
    );
    let info = rt.start(&s).await.unwrap();
    wait_exit(&rt, &info.id).await;
    let work = pods.join(&s.pod_uid).join("work").join("w_0");
    let out = read_log(&rt, &info.id, LogOptions::default()).await;
    assert_eq!(out, format!("{0}\n{0}\nWROTE\n", work.display()));
    let m = std::fs::metadata(&work).unwrap();
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o777), (4242, 4343, 0o700));
    for d in [pods.join(&s.pod_uid), pods.join(&s.pod_uid).join("work")] {
        assert_eq!(
            std::fs::metadata(&d).unwrap().mode() & 0o777,
            0o711,
            "{}",
            d.display()
        );
    }
    rt.remove(&info.id).await.unwrap();
    assert!(!work.exists());
}
