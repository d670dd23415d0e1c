//! Actions on the selected row: the effects they ask for, the questions
//! they ask first, and the pages they open (drain progress, rollout
//! history, logs).

use super::*;

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
