//! Every view drawn on ratatui's TestBackend from the seeded app and
//! compared with its golden copy in `src/tui/snapshots/`
//! (`ORK_UPDATE_SNAPSHOTS=1` rewrites them; review the diff).

use super::*;
use crate::tui::draw::draw;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    app.height = crate::tui::draw::rows_for(h);
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

pub(super) fn snapshot(name: &str, app: &mut App) {
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

#[test]
fn the_help_fits_80_columns_and_up_without_cutting_a_word() {
    use crate::tui::draw::{help_columns, help_text};
    for inner in [78usize, 108, 158] {
        let n = help_columns(inner, 20);
        let col = inner / n - 1;
        let text = help_text(col);
        for l in &text {
            assert!(
                l.width() <= col,
                "{inner}: {:?} is wider than {col}",
                l.to_string()
            );
        }
        let all = text
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        for (_, rows) in crate::tui::keys::help_lines() {
            for (_, h) in rows {
                for word in h.split_whitespace() {
                    assert!(all.contains(word), "{inner}: {word:?} of {h:?} is missing");
                }
            }
        }
    }
    // At 80x24 the help scrolls rather than being cut.
    let mut app = seeded();
    key(&mut app, KeyCode::Char('?'));
    let top = render(&mut app, 80, 24);
    assert!(top.contains("j/k scroll"), "{top}");
    key(&mut app, KeyCode::Char('j'));
    assert!(app.help, "j scrolls the help instead of closing it");
    let got = render(&mut app, 80, 24);
    assert_ne!(got, top, "j scrolled nothing");
    assert!(got.lines().all(|l| l.chars().count() <= 80));
}
