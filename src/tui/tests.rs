//! `update()` behaviour (navigation, filters, views, prompts, pages) and
//! snapshots of every view drawn on ratatui's TestBackend from a seeded app.
//! Snapshots live in `src/tui/snapshots/`; `ORK_UPDATE_SNAPSHOTS=1` rewrites
//! them. The app's clock is fixed ([`NOW`]), so ages are part of them.

use super::app::{App, Conn, Effect, Msg, PageKind, Prompt, Revision, Target, View, update};
use super::data::{self, diff, incidents};
use super::draw::draw;
use super::keys::{self, Action, BINDINGS, Scope};
use crate::api::{AnyObject, Kind, Time};
use crate::client::WatchEventType;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use std::time::Duration;

fn obj(kind: Kind, v: Value) -> AnyObject {
    AnyObject::from_value(kind, v).expect("valid object")
}

fn pod(name: &str, owner: Option<(&str, &str)>, node: &str, status: Value) -> AnyObject {
    let mut meta = json!({"name": name, "namespace": "default", "uid": format!("uid-{name}"),
        "labels": {"app": name.split('-').next().unwrap_or(name)}});
    if let Some((rs, uid)) = owner {
        meta["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "name": rs, "uid": uid, "controller": true}]);
    }
    obj(
        Kind::Pod,
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox",
                "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}}}]},
            "status": status}),
    )
}

fn running() -> Value {
    json!({"phase": "Running", "containerStatuses": [{"name": "c", "ready": true,
        "restartCount": 0, "image": "busybox", "state": {"running": {}}}]})
}

fn crashing() -> Value {
    json!({"phase": "Running", "containerStatuses": [{"name": "c", "ready": false,
        "restartCount": 4, "image": "busybox",
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]})
}

fn node(name: &str, ready: bool) -> AnyObject {
    obj(
        Kind::Node,
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": format!("uid-{name}")},
            "status": {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"},
                "capacity": {"cpu": "2", "memory": "4Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": if ready {"True"} else {"Unknown"},
                    "reason": if ready {"NodeReady"} else {"NodeStatusUnknown"}}]}}),
    )
}

fn deployment(name: &str, replicas: i32, ready: i32) -> AnyObject {
    obj(
        Kind::Deployment,
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}")},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "c", "image": "busybox"}]}}},
            "status": {"replicas": replicas, "readyReplicas": ready, "updatedReplicas": replicas,
                "availableReplicas": ready}}),
    )
}

fn replicaset(name: &str, deploy: &str, replicas: i32) -> AnyObject {
    obj(
        Kind::ReplicaSet,
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"),
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                    "name": deploy, "uid": format!("uid-{deploy}"), "controller": true}]},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": deploy}},
                "template": {"metadata": {"labels": {"app": deploy}},
                    "spec": {"containers": [{"name": "c", "image": "busybox"}]}}},
            "status": {"replicas": replicas, "readyReplicas": replicas}}),
    )
}

fn node_event(node: &str, reason: &str, message: &str, at: &str) -> AnyObject {
    obj(
        Kind::Event,
        json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("{node}.{reason}"), "namespace": "default"},
            "involvedObject": {"kind": "Node", "name": node},
            "reason": reason, "message": message, "type": "Warning", "count": 1,
            "firstTimestamp": at, "lastTimestamp": at,
            "source": {"component": "node-controller"}}),
    )
}

/// The moment every seeded app shows: 25 s after node n2 was marked NotReady.
const NOW: &str = "2026-12-01T10:00:30Z";

/// Two nodes (one lost), a deployment `web` (3 pods, one crashing), a
/// deployment `db` (1 pod), and the failover events of node n2.
fn seeded() -> App {
    let mut app = App::new("http://127.0.0.1:7700", Some("default".into()));
    app.now = Time(NOW.parse().expect("a time"));
    app.conn = Conn::Up;
    app.latency = Some(Duration::from_micros(1500));
    app.height = 10;
    let send = |app: &mut App, kind: Kind, items: Vec<AnyObject>| {
        update(app, Msg::Listed(kind, items));
    };
    send(
        &mut app,
        Kind::Node,
        vec![node("n1", true), node("n2", false)],
    );
    send(
        &mut app,
        Kind::Deployment,
        vec![deployment("web", 3, 2), deployment("db", 1, 1)],
    );
    send(
        &mut app,
        Kind::ReplicaSet,
        vec![
            replicaset("web-5d8f", "web", 3),
            replicaset("db-77c1", "db", 1),
        ],
    );
    let web = Some(("web-5d8f", "uid-web-5d8f"));
    send(
        &mut app,
        Kind::Pod,
        vec![
            pod("web-5d8f-a1", web, "n1", running()),
            pod("web-5d8f-b2", web, "n1", crashing()),
            pod("web-5d8f-c3", web, "", json!({"phase": "Pending"})),
            pod(
                "db-77c1-z9",
                Some(("db-77c1", "uid-db-77c1")),
                "n1",
                running(),
            ),
        ],
    );
    send(
        &mut app,
        Kind::Event,
        vec![
            node_event(
                "n2",
                "NodeNotReady",
                "Node n2 status is now: NodeNotReady (no heartbeat for 5.2s)",
                "2026-12-01T10:00:05Z",
            ),
            node_event(
                "n2",
                "PodsMarkedLost",
                "Marked 3 pods lost 5.2s after the last heartbeat: default/a, default/b, default/c",
                "2026-12-01T10:00:05Z",
            ),
            node_event(
                "n2",
                "ReplacementsScheduled",
                "Replacements of the 3 pods lost with node n2 were scheduled 5.6s after its last heartbeat",
                "2026-12-01T10:00:06Z",
            ),
        ],
    );
    send(&mut app, Kind::Namespace, vec![]);
    send(
        &mut app,
        Kind::Service,
        vec![obj(
            Kind::Service,
            json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "web", "namespace": "default", "uid": "uid-svc-web"},
                "spec": {"selector": {"app": "web"}, "clusterIP": "127.0.0.1",
                    "ports": [{"port": 80, "targetPort": "http", "clusterPort": 20000}]}}),
        )],
    );
    app.refresh();
    app
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let fx = update(app, Msg::Key(KeyEvent::from(code)));
    app.refresh();
    fx
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    let fx = update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    );
    app.refresh();
    fx
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn names(app: &App) -> Vec<String> {
    app.rows
        .iter()
        .map(|k| k.rsplit('/').next().unwrap_or(k).to_string())
        .collect()
}

fn web() -> Target {
    Target {
        kind: Kind::Deployment,
        namespace: "default".into(),
        name: "web".into(),
    }
}

#[test]
fn navigation_moves_the_cursor_and_keeps_it_in_the_window() {
    let mut app = App::new("s", None);
    app.height = 5;
    let pods: Vec<AnyObject> = (0..30)
        .map(|i| pod(&format!("p-{i:02}"), None, "n1", running()))
        .collect();
    update(&mut app, Msg::Listed(Kind::Pod, pods));
    app.refresh();
    assert_eq!(app.rows.len(), 30);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Down);
    assert_eq!(app.selected, 2);
    key(&mut app, KeyCode::PageDown);
    assert_eq!(app.selected, 7);
    assert!(
        app.offset <= 7 && 7 < app.offset + 5,
        "offset {}",
        app.offset
    );
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(app.selected, 29);
    assert_eq!(app.offset, 25);
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(app.selected, 28);
    key(&mut app, KeyCode::Char('g'));
    assert_eq!((app.selected, app.offset), (0, 0));
    key(&mut app, KeyCode::Up);
    assert_eq!(app.selected, 0, "the cursor stops at the top");
    // A deleted row pulls the cursor back inside the table.
    key(&mut app, KeyCode::Char('G'));
    let last = app.current().cloned().expect("a row");
    update(
        &mut app,
        Msg::Watched(Kind::Pod, WatchEventType::Deleted, last),
    );
    app.refresh();
    assert_eq!(app.rows.len(), 29);
    assert_eq!(app.selected, 28);
}

#[test]
fn the_filter_narrows_rows_by_text_or_label_selector() {
    let mut app = seeded();
    assert_eq!(app.rows.len(), 4);
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "web");
    // Filters as you type.
    assert_eq!(app.rows.len(), 3);
    key(&mut app, KeyCode::Enter);
    assert!(app.prompt.is_none());
    assert_eq!(app.filter, "web");
    // Status text matches too.
    key(&mut app, KeyCode::Char('/'));
    ctrl(&mut app, 'u');
    typed(&mut app, "CrashLoop");
    key(&mut app, KeyCode::Enter);
    assert_eq!(names(&app), ["web-5d8f-b2"]);
    key(&mut app, KeyCode::Char('/'));
    ctrl(&mut app, 'u');
    typed(&mut app, "-l app=db");
    key(&mut app, KeyCode::Enter);
    assert_eq!(names(&app), ["db-77c1-z9"]);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.filter, "");
    assert_eq!(app.rows.len(), 4);
    // A bad selector says so and matches nothing.
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "-l app in (");
    key(&mut app, KeyCode::Enter);
    assert!(app.rows.is_empty());
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|(m, err, _)| *err && m.contains("selector"))
    );
}

#[test]
fn views_switch_by_command_with_completion_and_by_number() {
    let mut app = seeded();
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "dep");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.prompt, Some(Prompt::Command("deploy".into())));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view, View::Table(Kind::Deployment));
    assert_eq!(names(&app), ["db", "web"]);
    key(&mut app, KeyCode::Char('4'));
    assert_eq!(app.view, View::Table(Kind::Node));
    key(&mut app, KeyCode::Char('8'));
    assert_eq!(app.view, View::Failover);
    for (cmd, view) in [
        ("po", View::Table(Kind::Pod)),
        ("replicasets", View::Table(Kind::ReplicaSet)),
        ("no", View::Table(Kind::Node)),
        ("svc", View::Table(Kind::Service)),
        ("cm", View::Table(Kind::ConfigMap)),
        ("secrets", View::Table(Kind::Secret)),
        ("pvc", View::Table(Kind::PersistentVolumeClaim)),
        ("ep", View::Table(Kind::Endpoints)),
        ("ev", View::Table(Kind::Event)),
        ("ns", View::Table(Kind::Namespace)),
        ("failover", View::Failover),
    ] {
        key(&mut app, KeyCode::Char(':'));
        typed(&mut app, cmd);
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.view, view, ":{cmd}");
    }
    // `:ns NAME` switches the namespace; `0` shows all.
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "ns kube-system");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.namespace.as_deref(), Some("kube-system"));
    assert_eq!(app.view, View::Table(Kind::Pod));
    assert!(app.rows.is_empty());
    key(&mut app, KeyCode::Char('0'));
    assert_eq!(app.namespace, None);
    assert_eq!(app.rows.len(), 4);
    // Unknown words say what exists.
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "pdos");
    key(&mut app, KeyCode::Enter);
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|(m, err, _)| *err && m.contains("pods"))
    );
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "q");
    key(&mut app, KeyCode::Enter);
    assert!(app.quit);
}

#[test]
fn enter_drills_into_the_pods_of_a_deployment_and_a_node_and_esc_comes_back() {
    let mut app = seeded();
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('j')); // web (after db)
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view, View::Table(Kind::Pod));
    assert_eq!(names(&app), ["web-5d8f-a1", "web-5d8f-b2", "web-5d8f-c3"]);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view, View::Table(Kind::Deployment));
    assert_eq!(app.selected, 1);
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(names(&app), ["db-77c1-z9", "web-5d8f-a1", "web-5d8f-b2"]);
    key(&mut app, KeyCode::Esc);
    // A service drills into the pods its selector picks.
    key(&mut app, KeyCode::Char('5'));
    assert_eq!(names(&app), ["web"]);
    key(&mut app, KeyCode::Enter);
    assert_eq!(names(&app), ["web-5d8f-a1", "web-5d8f-b2", "web-5d8f-c3"]);
}

#[test]
fn delete_asks_first_and_only_yes_deletes() {
    let mut app = seeded();
    assert!(ctrl(&mut app, 'd').is_empty());
    assert!(
        matches!(&app.prompt, Some(Prompt::Confirm { question, .. }) if question.contains("db-77c1-z9"))
    );
    // Other keys leave the question up.
    assert!(key(&mut app, KeyCode::Char('x')).is_empty());
    assert!(app.prompt.is_some());
    assert!(key(&mut app, KeyCode::Char('n')).is_empty());
    assert!(app.prompt.is_none());
    ctrl(&mut app, 'd');
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    ctrl(&mut app, 'd');
    let fx = key(&mut app, KeyCode::Char('y'));
    assert_eq!(
        fx,
        [Effect::Delete(Target {
            kind: Kind::Pod,
            namespace: "default".into(),
            name: "db-77c1-z9".into()
        })]
    );
}

#[test]
fn scaling_by_one_and_by_prompt() {
    let mut app = seeded();
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(
        key(&mut app, KeyCode::Char('+')),
        [Effect::Scale {
            target: web(),
            replicas: 4
        }]
    );
    assert_eq!(
        key(&mut app, KeyCode::Char('-')),
        [Effect::Scale {
            target: web(),
            replicas: 2
        }]
    );
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(
        app.prompt,
        Some(Prompt::Scale {
            target: web(),
            input: "3".into()
        })
    );
    key(&mut app, KeyCode::Backspace);
    typed(&mut app, "x7"); // letters are ignored
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        [Effect::Scale {
            target: web(),
            replicas: 7
        }]
    );
    // Pods do not scale.
    key(&mut app, KeyCode::Char('1'));
    assert!(key(&mut app, KeyCode::Char('+')).is_empty());
}

#[test]
fn drain_and_restart_confirm_and_drain_shows_its_progress() {
    let mut app = seeded();
    key(&mut app, KeyCode::Char('4'));
    assert_eq!(
        key(&mut app, KeyCode::Char('c')),
        [Effect::Cordon {
            node: "n1".into(),
            on: true
        }]
    );
    assert!(key(&mut app, KeyCode::Char('D')).is_empty());
    assert_eq!(key(&mut app, KeyCode::Enter), [Effect::Drain("n1".into())]);
    update(
        &mut app,
        Msg::Progress {
            title: "drain node/n1".into(),
            line: "evicting pod default/web-5d8f-a1".into(),
        },
    );
    let page = app.page.as_ref().expect("a drain page");
    assert_eq!(
        page.lines.last().map(String::as_str),
        Some("evicting pod default/web-5d8f-a1")
    );
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('j'));
    assert!(key(&mut app, KeyCode::Char('r')).is_empty());
    assert_eq!(key(&mut app, KeyCode::Char('y')), [Effect::Restart(web())]);
}

#[test]
fn history_shows_each_revisions_diff_and_undo_confirms() {
    let mut app = seeded();
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(key(&mut app, KeyCode::Char('h')), [Effect::History(web())]);
    let rev = |n: i64, image: &str| Revision {
        number: n,
        replicaset: format!("web-{n}"),
        cause: String::new(),
        template: format!("spec:\n  containers:\n  - image: {image}\n    name: c\n"),
    };
    update(
        &mut app,
        Msg::History {
            target: web(),
            result: Ok((vec![rev(1, "web:1"), rev(2, "web:2")], 2)),
        },
    );
    let lines = |app: &App| {
        app.page
            .as_ref()
            .map(|p| p.lines.clone())
            .unwrap_or_default()
    };
    assert!(lines(&app).iter().any(|l| l.contains("is the current one")));
    key(&mut app, KeyCode::Char('k'));
    let l = lines(&app);
    assert!(l.contains(&"-   - image: web:2".to_string()), "{l:#?}");
    assert!(l.contains(&"+   - image: web:1".to_string()), "{l:#?}");
    assert!(key(&mut app, KeyCode::Char('u')).is_empty());
    assert!(
        matches!(&app.prompt, Some(Prompt::Confirm { question, .. }) if question.contains("revision 1"))
    );
    assert_eq!(
        key(&mut app, KeyCode::Char('y')),
        [Effect::Undo {
            target: web(),
            revision: 1
        }]
    );
}

#[test]
fn logs_follow_join_partial_lines_pause_and_stop() {
    let mut app = seeded();
    let fx = key(&mut app, KeyCode::Char('l'));
    let Some(Effect::Logs {
        id,
        previous,
        container,
        ..
    }) = fx.first().cloned()
    else {
        panic!("no logs effect: {fx:?}");
    };
    assert!(!previous);
    assert_eq!(container.as_deref(), Some("c"));
    update(
        &mut app,
        Msg::LogChunk {
            id,
            text: "one\ntw".into(),
        },
    );
    update(
        &mut app,
        Msg::LogChunk {
            id,
            text: "o\nthree\n".into(),
        },
    );
    // Chunks of an older stream are ignored.
    update(
        &mut app,
        Msg::LogChunk {
            id: id + 100,
            text: "stale\n".into(),
        },
    );
    let p = app.page.clone().expect("a log page");
    assert_eq!(p.lines, ["one", "two", "three", ""]);
    assert!(p.follow);
    key(&mut app, KeyCode::Char(' '));
    assert!(matches!(
        app.page.as_ref().map(|p| &p.kind),
        Some(PageKind::Logs { paused: true, .. })
    ));
    let fx = key(&mut app, KeyCode::Char('p'));
    assert!(
        matches!(
            &fx[..],
            [Effect::StopLogs, Effect::Logs { previous: true, .. }]
        ),
        "{fx:?}"
    );
    assert_eq!(key(&mut app, KeyCode::Esc), [Effect::StopLogs]);
    assert!(app.page.is_none());
}

#[test]
fn sorting_cycles_columns_and_reverses() {
    let mut app = seeded();
    key(&mut app, KeyCode::Char('o')); // NAME ascending
    assert_eq!(app.sort, Some((0, false)));
    assert_eq!(names(&app)[0], "db-77c1-z9");
    key(&mut app, KeyCode::Char('O'));
    assert_eq!(names(&app)[0], "web-5d8f-c3");
    key(&mut app, KeyCode::Char('o'));
    key(&mut app, KeyCode::Char('o')); // STATUS, descending
    assert_eq!(app.sort, Some((2, true)));
    // Running > Pending > CrashLoopBackOff, descending.
    let n = names(&app);
    assert_eq!(n[2..], ["web-5d8f-c3", "web-5d8f-b2"]);
}

#[test]
fn e_shows_the_events_of_the_selected_object() {
    let mut app = seeded();
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('j')); // n2
    key(&mut app, KeyCode::Char('e'));
    assert_eq!(app.view, View::Table(Kind::Event));
    assert_eq!(app.filter, "node/n2");
    assert_eq!(app.rows.len(), 3, "the three failover events of n2");
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char('e'));
    assert!(app.rows.is_empty(), "no events about that pod");
}

#[test]
fn a_nodes_usage_history_fills_its_sparkline_once() {
    let mut app = seeded();
    let hist: Vec<u64> = (0..50).collect();
    update(
        &mut app,
        Msg::NodeHistory {
            node: "n1".into(),
            cpu_milli: hist,
        },
    );
    let s = app.usage.get("n1").expect("samples");
    assert_eq!(s.len(), super::app::SPARK);
    assert_eq!(s.back(), Some(&49), "the newest samples are kept");
    // Live samples append; a shorter history later does not replace them.
    update(
        &mut app,
        Msg::NodeStats {
            heartbeats: vec![],
            cpu_milli: vec![("n1".into(), 7)],
        },
    );
    update(
        &mut app,
        Msg::NodeHistory {
            node: "n1".into(),
            cpu_milli: vec![1, 2],
        },
    );
    assert_eq!(app.usage["n1"].back(), Some(&7));
}

#[test]
fn the_connection_banner_follows_the_watches() {
    let mut app = seeded();
    update(&mut app, Msg::Disconnected("connection refused".into()));
    assert_eq!(app.conn, Conn::Down("connection refused".into()));
    // The data stays on screen meanwhile.
    assert_eq!(app.rows.len(), 4);
    update(&mut app, Msg::Connected);
    assert_eq!(app.conn, Conn::Up);
}

#[test]
fn every_binding_dispatches_its_own_action_and_is_in_the_help() {
    for b in BINDINGS {
        let k = KeyEvent::new(b.code, b.mods);
        let got = keys::lookup(&k, |s| s == b.scope || s == Scope::Anywhere);
        // A key bound in a narrow scope may also be bound everywhere; the
        // narrow one must win where it applies.
        assert_eq!(got, Some(b.action), "{} in {:?}", b.label, b.scope);
    }
    let help: Vec<&str> = keys::help_lines()
        .into_iter()
        .flat_map(|(_, v)| v.into_iter().map(|(k, _)| k))
        .collect();
    for a in [Action::Delete, Action::Drain, Action::Undo, Action::Logs] {
        let b = BINDINGS.iter().find(|b| b.action == a).expect("bound");
        assert!(help.contains(&b.label), "{a:?} missing from help");
    }
}

#[test]
fn failover_steps_come_from_node_events_with_their_seconds() {
    let app = seeded();
    let inc = incidents(&app.data);
    assert_eq!(inc.len(), 1);
    let i = &inc[0];
    assert_eq!(i.node, "n2");
    // NotReady at 10:00:05 after 5.2 s of silence.
    assert_eq!(i.lost_at.format("%H:%M:%S%.3f").to_string(), "09:59:59.800");
    let steps: Vec<(String, Option<f64>)> =
        i.steps.iter().map(|s| (s.label.clone(), s.secs)).collect();
    assert_eq!(
        steps,
        [
            ("heartbeat lost".to_string(), Some(0.0)),
            ("node NotReady".to_string(), Some(5.2)),
            ("3 pods marked lost".to_string(), Some(5.2)),
            ("replacements scheduled".to_string(), Some(5.6)),
            ("replacements ready".to_string(), None),
        ]
    );
    assert!(!i.complete);
}

#[test]
fn the_diff_marks_removed_and_added_lines() {
    assert_eq!(
        diff("a\nb\nc\n", "a\nx\nc\nd\n"),
        ["  a", "+ x", "- b", "  c", "+ d"]
    );
    assert_eq!(data::natural_cmp("9", "10"), std::cmp::Ordering::Less);
    assert_eq!(data::natural_cmp("2/3", "10/10"), std::cmp::Ordering::Less);
}

// ---- snapshots ----

fn render(app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    app.height = super::draw::rows_for(h);
    app.refresh();
    t.draw(|f| draw(app, f)).expect("draw");
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn snapshot(name: &str, app: &mut App) {
    let got = render(app, 110, 18);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/tui/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("ORK_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, &got).expect("write snapshot");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}; run with ORK_UPDATE_SNAPSHOTS=1 and review it",
            path.display()
        )
    });
    assert_eq!(got, want, "snapshot {name} differs:\n{got}");
}

#[test]
fn snapshot_of_each_view() {
    let mut app = seeded();
    snapshot("pods", &mut app);
    key(&mut app, KeyCode::Char('2'));
    snapshot("deployments", &mut app);
    key(&mut app, KeyCode::Char('3'));
    snapshot("replicasets", &mut app);
    key(&mut app, KeyCode::Char('4'));
    update(
        &mut app,
        Msg::NodeStats {
            heartbeats: vec![("n1".into(), 0.4), ("n2".into(), 31.0)],
            cpu_milli: vec![("n1".into(), 300)],
        },
    );
    update(
        &mut app,
        Msg::NodeStats {
            heartbeats: vec![("n1".into(), 0.6), ("n2".into(), 33.0)],
            cpu_milli: vec![("n1".into(), 1500)],
        },
    );
    snapshot("nodes", &mut app);
    key(&mut app, KeyCode::Char('5'));
    snapshot("services", &mut app);
    key(&mut app, KeyCode::Char('6'));
    snapshot("events", &mut app);
    key(&mut app, KeyCode::Char('8'));
    // The last step is pending: its seconds so far count to the app's clock.
    snapshot("failover", &mut app);
}

#[test]
fn snapshot_of_prompts_pages_help_and_the_banner() {
    let mut app = seeded();
    key(&mut app, KeyCode::Char('?'));
    snapshot("help", &mut app);
    key(&mut app, KeyCode::Esc);
    ctrl(&mut app, 'd');
    snapshot("confirm-delete", &mut app);
    key(&mut app, KeyCode::Esc);
    update(
        &mut app,
        Msg::Disconnected(
            "cannot reach the ork API at http://127.0.0.1:7700: Connection refused".into(),
        ),
    );
    snapshot("disconnected", &mut app);
    update(&mut app, Msg::Connected);
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('h'));
    update(
        &mut app,
        Msg::History {
            target: web(),
            result: Ok((
                vec![
                    Revision {
                        number: 1,
                        replicaset: "web-1a".into(),
                        cause: "first".into(),
                        template: "spec:\n  containers:\n  - image: web:1\n".into(),
                    },
                    Revision {
                        number: 2,
                        replicaset: "web-2b".into(),
                        cause: "second".into(),
                        template: "spec:\n  containers:\n  - image: web:2\n".into(),
                    },
                ],
                2,
            )),
        },
    );
    key(&mut app, KeyCode::Char('k'));
    snapshot("history", &mut app);
}
