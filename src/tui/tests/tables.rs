//! The table views: moving the cursor, filtering, switching views,
//! drilling in and out, sorting, the events of a row, the connection
//! banner, and the keymap behind them.

use super::*;
use crate::tui::keys::{self, Action, BINDINGS, Scope};

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
        ("ds", View::Table(Kind::DaemonSet)),
        ("cj", View::Table(Kind::CronJob)),
        ("pdb", View::Table(Kind::PodDisruptionBudget)),
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
