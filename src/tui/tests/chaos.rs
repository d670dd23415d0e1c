//! The nodes view's chaos actions (kill, restart, pause, resume, partition,
//! heal a machine; kill and restart the control daemon): each asks first,
//! only yes runs it, and without machines the keys say why nothing happens;
//! and the failover timeline, which shows the actions (Events `Chaos*`) in
//! time order among what the cluster did about them.

use super::snapshots::snapshot;
use super::*;
use crate::tui::app::ChaosAction;
use crate::tui::data::incidents;

/// The seeded app on the nodes view, its nodes n1 and n2 being machines.
fn with_machines() -> App {
    let mut app = seeded();
    app.machines = Ok(vec!["n1".into(), "n2".into()]);
    key(&mut app, KeyCode::Char('4'));
    app
}

/// A chaos Event on `node`'s Node, as `ork chaos` records it.
fn chaos_event(node: &str, reason: &str, message: &str, at: &str) -> AnyObject {
    node_event_from("ork-chaos", node, reason, message, at)
}

fn watched(app: &mut App, e: AnyObject) {
    update(app, Msg::Watched(Kind::Event, WatchEventType::Added, e));
    app.refresh();
}

const KILLED: &str =
    "SIGKILL to the machine; its pods die with it (docker kill --signal KILL ork-n2)";

#[test]
fn without_machines_the_chaos_keys_say_why_and_ask_nothing() {
    let mut app = seeded();
    key(&mut app, KeyCode::Char('4'));
    for code in ['K', 'R', 'p', 'P', 'x', 'X'] {
        assert!(key(&mut app, KeyCode::Char(code)).is_empty());
        assert!(app.prompt.is_none(), "{code} asked something");
        let (text, error, _) = app.flash.clone().expect("a reason");
        assert!(error && text.contains("ork up --machines docker"), "{text}");
        app.flash = None;
    }
    assert!(ctrl(&mut app, 'k').is_empty());
    assert!(app.prompt.is_none());
}

#[test]
fn each_chaos_key_asks_first_and_yes_runs_it_on_the_selected_machine() {
    let cases = [
        ('K', ChaosAction::Kill, "Kill machine n1 (SIGKILL)?"),
        ('R', ChaosAction::Restart, "Start machine n1 again?"),
        ('p', ChaosAction::Pause, "Pause machine n1?"),
        ('P', ChaosAction::Resume, "Resume machine n1?"),
        ('x', ChaosAction::Partition, "Partition machine n1?"),
        ('X', ChaosAction::Heal, "Heal machine n1"),
    ];
    for (code, action, asked) in cases {
        let mut app = with_machines();
        assert!(key(&mut app, KeyCode::Char(code)).is_empty(), "{code}");
        match &app.prompt {
            Some(Prompt::Confirm { question, .. }) => {
                assert!(question.starts_with(asked), "{code}: {question}")
            }
            other => panic!("{code}: {other:?}"),
        }
        assert_eq!(
            key(&mut app, KeyCode::Char('y')),
            [Effect::Chaos {
                action,
                target: "n1".into()
            }]
        );
    }
    // No cancels; the second row is n2.
    let mut app = with_machines();
    key(&mut app, KeyCode::Char('K'));
    assert!(key(&mut app, KeyCode::Char('n')).is_empty());
    assert!(app.prompt.is_none());
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('K'));
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        [Effect::Chaos {
            action: ChaosAction::Kill,
            target: "n2".into()
        }]
    );
}

#[test]
fn the_control_daemon_is_killed_and_restarted_with_ctrl_k_and_ctrl_r() {
    let mut app = with_machines();
    ctrl(&mut app, 'k');
    assert!(
        matches!(&app.prompt, Some(Prompt::Confirm { question, .. }) if question.starts_with("Kill the control daemon"))
    );
    assert_eq!(
        key(&mut app, KeyCode::Char('y')),
        [Effect::Chaos {
            action: ChaosAction::Kill,
            target: "control".into()
        }]
    );
    ctrl(&mut app, 'r');
    assert_eq!(
        key(&mut app, KeyCode::Char('y')),
        [Effect::Chaos {
            action: ChaosAction::Restart,
            target: "control".into()
        }]
    );
}

#[test]
fn a_node_that_is_not_a_machine_is_refused_and_other_views_ignore_the_keys() {
    let mut app = seeded();
    app.machines = Ok(vec!["node-1".into()]);
    key(&mut app, KeyCode::Char('4'));
    assert!(key(&mut app, KeyCode::Char('K')).is_empty());
    assert!(app.prompt.is_none());
    let (text, _, _) = app.flash.clone().expect("a reason");
    assert!(
        text.contains("node/n1 is not one of") && text.contains("node-1"),
        "{text}"
    );
    // On the pods view K is nothing at all.
    let mut app = seeded();
    app.machines = Ok(vec!["n1".into()]);
    assert!(key(&mut app, KeyCode::Char('K')).is_empty());
    assert!(app.prompt.is_none() && app.flash.is_none());
}

#[test]
fn a_chaos_kill_takes_its_place_in_the_failover_it_caused() {
    let mut app = seeded();
    // Killed 0.2 s after n2's last heartbeat (09:59:59.8); restarted later.
    watched(
        &mut app,
        chaos_event("n2", "ChaosKill", KILLED, "2026-12-01T10:00:00Z"),
    );
    watched(
        &mut app,
        chaos_event(
            "n2",
            "ChaosRestart",
            "the machine starts again (docker start ork-n2)",
            "2026-12-01T10:00:20Z",
        ),
    );
    let inc = incidents(&app.data);
    assert_eq!(inc.len(), 1);
    let steps: Vec<(&str, Option<f64>, bool)> = inc[0]
        .steps
        .iter()
        .map(|s| (s.label.as_str(), s.secs, s.chaos))
        .collect();
    assert_eq!(
        steps,
        [
            ("heartbeat lost", Some(0.0), false),
            ("chaos kill: SIGKILL to the machine", Some(0.2), true),
            ("node NotReady", Some(5.2), false),
            ("3 pods marked lost", Some(5.2), false),
            ("replacements scheduled", Some(5.6), false),
            ("chaos restart: the machine starts again", Some(20.2), true),
            ("replacements ready", None, false),
        ]
    );
    assert!(inc[0].noticed);
}

#[test]
fn a_chaos_action_the_control_plane_has_not_noticed_yet_waits_for_it() {
    let mut app = seeded();
    watched(
        &mut app,
        chaos_event(
            "n1",
            "ChaosPartition",
            "the machine is cut off from the control daemon and the other nodes; it keeps running (docker network disconnect --force ork-net ork-n1)",
            "2026-12-01T10:00:28Z",
        ),
    );
    let inc = incidents(&app.data);
    assert_eq!(inc.len(), 2);
    let n1 = &inc[0];
    assert_eq!(
        (n1.node.as_str(), n1.noticed, n1.complete),
        ("n1", false, false)
    );
    assert_eq!(n1.steps.len(), 2);
    assert!(
        n1.steps[0].chaos
            && n1.steps[0]
                .label
                .starts_with("chaos partition: the machine is cut off")
    );
    assert_eq!(
        (n1.steps[1].label.as_str(), n1.steps[1].secs),
        ("node NotReady", None)
    );
    // Healed before the grace ran out: nothing left to wait for.
    watched(
        &mut app,
        chaos_event(
            "n1",
            "ChaosHeal",
            "the machine is connected again (docker network connect --ip 10.1.1.11 ork-net ork-n1)",
            "2026-12-01T10:00:30Z",
        ),
    );
    let n1 = &incidents(&app.data)[0];
    assert!(n1.back && n1.complete);
    assert_eq!(
        n1.steps.iter().map(|s| s.secs).collect::<Vec<_>>(),
        [Some(0.0), Some(2.0)]
    );
}

#[test]
fn a_machine_taken_away_again_after_it_came_back_starts_a_new_incident() {
    let mut app = seeded();
    watched(
        &mut app,
        node_event(
            "n2",
            "NodeReady",
            "Node n2 status is now: NodeReady",
            "2026-12-01T10:00:15Z",
        ),
    );
    assert!(incidents(&app.data)[0].back);
    watched(
        &mut app,
        chaos_event(
            "n2",
            "ChaosPause",
            "the machine is frozen (docker pause ork-n2)",
            "2026-12-01T10:00:25Z",
        ),
    );
    let inc = incidents(&app.data);
    assert_eq!(inc.len(), 1);
    assert!(!inc[0].noticed && !inc[0].back);
    assert_eq!(inc[0].lost_at.format("%H:%M:%S").to_string(), "10:00:25");
    assert!(inc[0].steps[0].label.starts_with("chaos pause"));
}

#[test]
fn snapshot_of_the_chaos_confirmation_and_the_timeline() {
    let mut app = with_machines();
    snapshot("nodes-machines", &mut app);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('K'));
    snapshot("confirm-chaos-kill", &mut app);
    key(&mut app, KeyCode::Char('n'));
    ctrl(&mut app, 'k');
    snapshot("confirm-chaos-kill-control", &mut app);
    key(&mut app, KeyCode::Esc);
    watched(
        &mut app,
        chaos_event("n2", "ChaosKill", KILLED, "2026-12-01T10:00:00Z"),
    );
    watched(
        &mut app,
        chaos_event(
            "n1",
            "ChaosPartition",
            "the machine is cut off from the control daemon and the other nodes; it keeps running (docker network disconnect --force ork-net ork-n1)",
            "2026-12-01T10:00:28Z",
        ),
    );
    key(&mut app, KeyCode::Char('8'));
    snapshot("failover-chaos", &mut app);
}
