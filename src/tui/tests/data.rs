//! What the dashboard derives from watched data: node usage histories,
//! failover timelines, revision diffs and the natural order of cells.

use super::*;
use crate::tui::data::{self, diff, incidents};

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
    assert_eq!(s.len(), crate::tui::app::SPARK);
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
