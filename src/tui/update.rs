//! `update(&mut App, Msg)`: how every message changes the app (watch events,
//! API answers, ticks) and how keys become actions, prompts and effects.
//! Pure: no I/O, no terminal.

use super::app::*;
use super::data;
use super::keys::{self, Action};
use crate::api::{AnyObject, Kind};
use crate::verbs::output::to_yaml;
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::VecDeque;
use std::time::Duration;

/// Applies one message; returns the API calls it asks for.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(k) => return key(app, k),
        Msg::Tick => {
            if app
                .flash
                .as_ref()
                .is_some_and(|(_, _, at)| at.elapsed() > Duration::from_secs(6))
            {
                app.flash = None;
            }
        }
        Msg::Listed(kind, items) => {
            app.data.replace(kind, items);
            app.dirty = true;
        }
        Msg::Watched(kind, t, obj) => {
            app.data.apply(kind, t, obj);
            app.dirty = true;
        }
        Msg::Connected => app.conn = Conn::Up,
        Msg::Disconnected(why) => app.conn = Conn::Down(why),
        Msg::Latency(d) => {
            app.latency = Some(d);
            app.conn = Conn::Up;
        }
        Msg::NodeStats {
            heartbeats,
            cpu_milli,
        } => {
            app.heartbeats = heartbeats.into_iter().collect();
            for (n, v) in cpu_milli {
                let s = app.usage.entry(n).or_default();
                if s.len() == SPARK {
                    s.pop_front();
                }
                s.push_back(v);
            }
        }
        Msg::NodeHistory { node, cpu_milli } => {
            let have = app.usage.get(&node).map_or(0, VecDeque::len);
            if cpu_milli.len() > have {
                let skip = cpu_milli.len().saturating_sub(SPARK);
                app.usage
                    .insert(node, cpu_milli.into_iter().skip(skip).collect());
            }
        }
        Msg::Text { title, body } => match body {
            Ok(text) => app.page = Some(Page::text(title, &text)),
            Err(e) => app.flash(e, true),
        },
        Msg::LogChunk { id, text } => {
            if let Some(p) = &mut app.page
                && matches!(p.kind, PageKind::Logs { id: i, .. } if i == id)
            {
                append(p, &text);
            }
        }
        Msg::LogEnd { id, error } => {
            if let Some(p) = &mut app.page
                && matches!(p.kind, PageKind::Logs { id: i, .. } if i == id)
            {
                let line = match error {
                    Some(e) => format!("── {e}"),
                    None => "── end of log".to_string(),
                };
                p.lines.push(line);
            }
        }
        Msg::History { target, result } => match result {
            Ok((revisions, current)) => {
                let selected = revisions
                    .iter()
                    .position(|r| r.number == current)
                    .unwrap_or(revisions.len().saturating_sub(1));
                let mut p = Page {
                    title: format!("rollout history {}", target.label()),
                    kind: PageKind::History {
                        target,
                        revisions,
                        current,
                        selected,
                    },
                    lines: vec![],
                    scroll: 0,
                    follow: false,
                };
                history_lines(&mut p);
                app.page = Some(p);
            }
            Err(e) => app.flash(e, true),
        },
        Msg::Done(r) => match r {
            Ok(m) => app.flash(m, false),
            Err(e) => app.flash(e, true),
        },
        Msg::Progress { title, line } => {
            if let Some(p) = &mut app.page
                && p.title == title
            {
                p.lines.push(line.clone());
            }
            app.flash(line, false);
        }
    }
    vec![]
}

fn append(p: &mut Page, text: &str) {
    // The last line stays open: a chunk may end mid-line.
    for (i, part) in text.split('\n').enumerate() {
        let part = part.trim_end_matches('\r');
        match p.lines.last_mut() {
            Some(last) if i == 0 => last.push_str(part),
            _ => p.lines.push(part.to_string()),
        }
    }
    // Cap what a followed log keeps.
    const KEEP: usize = 20_000;
    if p.lines.len() > KEEP {
        let cut = p.lines.len() - KEEP;
        p.lines.drain(..cut);
        p.scroll = p.scroll.saturating_sub(cut);
    }
    if p.follow {
        p.scroll = p.lines.len().saturating_sub(1);
    }
}

/// The history page's text: the revisions, then the selected one's diff
/// against the current template.
fn history_lines(p: &mut Page) {
    let PageKind::History {
        revisions,
        current,
        selected,
        ..
    } = &p.kind
    else {
        return;
    };
    let mut lines = vec![];
    for (i, r) in revisions.iter().enumerate() {
        let mark = if i == *selected { "▶" } else { " " };
        let cur = if r.number == *current {
            " (current)"
        } else {
            ""
        };
        lines.push(format!(
            "{mark} {:>4}{cur:<10}  {}  {}",
            r.number, r.replicaset, r.cause
        ));
    }
    lines.push(String::new());
    if let (Some(sel), Some(cur)) = (
        revisions.get(*selected),
        revisions.iter().find(|r| r.number == *current),
    ) {
        if sel.number == cur.number {
            lines.push(format!(
                "revision {} is the current one; its template:",
                sel.number
            ));
            lines.extend(sel.template.lines().map(|l| format!("  {l}")));
        } else {
            lines.push(format!(
                "from current (revision {}) to revision {}: u rolls back to it",
                cur.number, sel.number
            ));
            lines.extend(data::diff(&cur.template, &sel.template));
        }
    }
    p.lines = lines;
}

fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    // Keys act on the rows as they are now, not as they were at the last frame.
    app.refresh();
    if let Some(p) = app.prompt.take() {
        return super::prompt::prompt_key(app, p, k);
    }
    if app.help {
        // j/k and the arrows scroll a help taller than the terminal.
        match k.code {
            KeyCode::Char('j') | KeyCode::Down | KeyCode::PageDown => {
                app.help_scroll = app.help_scroll.saturating_add(1);
                return vec![];
            }
            KeyCode::Char('k') | KeyCode::Up | KeyCode::PageUp => {
                app.help_scroll = app.help_scroll.saturating_sub(1);
                return vec![];
            }
            _ => {}
        }
        // Any other key closes the help; `?` and esc just close it.
        app.help = false;
        app.help_scroll = 0;
        if matches!(
            k.code,
            KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q')
        ) {
            return vec![];
        }
    }
    let Some(action) = keys::lookup(&k, app.scopes()) else {
        return vec![];
    };
    act(app, action)
}

fn move_by(app: &mut App, delta: isize) {
    if let Some(p) = &mut app.page {
        if let PageKind::History { .. } = p.kind {
            if let PageKind::History {
                selected,
                revisions,
                ..
            } = &mut p.kind
            {
                let n = revisions.len() as isize;
                *selected = (*selected as isize + delta).clamp(0, (n - 1).max(0)) as usize;
            }
            history_lines(p);
            return;
        }
        let max = p.lines.len().saturating_sub(1) as isize;
        p.scroll = (p.scroll as isize + delta).clamp(0, max) as usize;
        p.follow = false;
        return;
    }
    let n = app.rows.len() as isize;
    app.selected = (app.selected as isize + delta).clamp(0, (n - 1).max(0)) as usize;
    app.clamp();
}

fn act(app: &mut App, action: Action) -> Vec<Effect> {
    let page_h = app.height.max(1) as isize;
    match action {
        Action::Up => move_by(app, -1),
        Action::Down => move_by(app, 1),
        Action::PageUp => move_by(app, -page_h),
        Action::PageDown => move_by(app, page_h),
        Action::Top => move_by(app, isize::MIN / 2),
        Action::Bottom => {
            move_by(app, isize::MAX / 2);
            if let Some(p) = &mut app.page
                && matches!(p.kind, PageKind::Logs { .. })
            {
                p.follow = true;
            }
        }
        Action::Quit => app.quit = true,
        Action::Help => app.help = true,
        Action::Command => app.prompt = Some(Prompt::Command(String::new())),
        Action::Filter => app.prompt = Some(Prompt::Filter(app.filter.clone())),
        Action::Back => return back(app),
        Action::View(n) => {
            let had_logs = closing_logs(app);
            match VIEWS.iter().find(|(i, _, _)| *i == n) {
                Some((_, _, v)) => app.switch(*v),
                None => app.flash(format!("no view {n} in this cluster"), true),
            }
            return had_logs;
        }
        Action::AllNamespaces => {
            app.namespace = None;
            app.dirty = true;
            app.flash("all namespaces", false);
        }
        Action::SortNext | Action::SortReverse => {
            if let Some(kind) = app.kind() {
                let cols = app.columns().headers(kind).len();
                app.sort = Some(match (app.sort, action) {
                    (None, Action::SortNext) => (0, false),
                    (None, _) => (0, true),
                    (Some((c, d)), Action::SortNext) => ((c + 1) % cols.max(1), d),
                    (Some((c, d)), _) => (c, !d),
                });
                app.dirty = true;
            }
        }
        Action::Enter => enter(app),
        Action::Failover => {
            let node = app.current().map(|o| o.meta().name.clone());
            app.switch(View::Failover);
            if let Some(n) = node {
                app.filter = n;
            }
        }
        Action::Events => {
            if let Some(o) = app.current()
                && o.kind() != Kind::Event
            {
                let label = format!("{}/{}", o.kind().info().singular, o.meta().name);
                let cluster_scoped = !o.kind().namespaced();
                app.switch(View::Table(Kind::Event));
                if cluster_scoped {
                    // Their events are recorded in a namespace of their own choosing.
                    app.namespace = None;
                }
                app.filter = label;
            }
        }
        Action::Describe => {
            if let Some(o) = app.current() {
                return vec![Effect::Describe(Target::of(o))];
            }
        }
        Action::Yaml => {
            if let Some(o) = app.current() {
                let t = Target::of(o);
                let text = o
                    .to_value()
                    .map_err(|e| e.to_string())
                    .and_then(|v| to_yaml(&v).map_err(|e| e.to_string()));
                match text {
                    Ok(y) => app.page = Some(Page::text(format!("yaml {}", t.label()), &y)),
                    Err(e) => app.flash(e, true),
                }
            }
        }
        Action::Logs => {
            if let Some(AnyObject::Pod(p)) = app.current() {
                let (target, container) = (
                    Target::of(app.current().expect("checked")),
                    p.spec.containers.first().map(|c| c.name.clone()),
                );
                return open_logs(app, target, container, false);
            }
        }
        Action::Previous => {
            if let Some(Page {
                kind:
                    PageKind::Logs {
                        target,
                        container,
                        previous,
                        ..
                    },
                ..
            }) = &app.page
            {
                let (t, c, prev) = (target.clone(), container.clone(), !*previous);
                let mut fx = vec![Effect::StopLogs];
                fx.extend(open_logs(app, t, c, prev));
                return fx;
            }
        }
        Action::Pause => {
            if let Some(p) = &mut app.page
                && let PageKind::Logs { paused, .. } = &mut p.kind
            {
                *paused = !*paused;
                p.follow = !*paused;
                if p.follow {
                    p.scroll = p.lines.len().saturating_sub(1);
                }
            }
        }
        Action::Scale | Action::ScaleUp | Action::ScaleDown => {
            let Some(o) = app.current() else {
                return vec![];
            };
            let current = match o {
                AnyObject::Deployment(d) => d.replicas(),
                AnyObject::ReplicaSet(r) => r.replicas(),
                _ => return vec![],
            };
            let target = Target::of(o);
            match action {
                Action::Scale => {
                    app.prompt = Some(Prompt::Scale {
                        target,
                        input: current.to_string(),
                    })
                }
                _ => {
                    let replicas = if action == Action::ScaleUp {
                        current + 1
                    } else {
                        (current - 1).max(0)
                    };
                    return vec![Effect::Scale { target, replicas }];
                }
            }
        }
        Action::Restart => confirm(
            app,
            |t| format!("Restart every pod of {}?", t.label()),
            Effect::Restart,
        ),
        Action::History => {
            if let Some(o) = app.current() {
                return vec![Effect::History(Target::of(o))];
            }
        }
        Action::Undo => {
            if let Some(Page {
                kind:
                    PageKind::History {
                        target,
                        revisions,
                        selected,
                        ..
                    },
                ..
            }) = &app.page
                && let Some(r) = revisions.get(*selected)
            {
                app.prompt = Some(Prompt::Confirm {
                    question: format!("Roll {} back to revision {}?", target.label(), r.number),
                    effect: Effect::Undo {
                        target: target.clone(),
                        revision: r.number,
                    },
                });
            }
        }
        Action::Cordon | Action::Uncordon => {
            if let Some(o) = app.current() {
                return vec![Effect::Cordon {
                    node: o.meta().name.clone(),
                    on: action == Action::Cordon,
                }];
            }
        }
        Action::Drain => confirm(
            app,
            |t| {
                format!(
                    "Drain node/{}? Its pods are evicted and replaced elsewhere.",
                    t.name
                )
            },
            |t| Effect::Drain(t.name),
        ),
        Action::Delete => confirm(app, |t| format!("Delete {}?", t.label()), Effect::Delete),
        Action::Chaos(a) => chaos(app, a, false),
        Action::ChaosControl(a) => chaos(app, a, true),
    }
    vec![]
}

/// Asks before a chaos action on the selected node's machine (or on the
/// control daemon); says why not when the cluster has no machines or the
/// node is not one of them.
fn chaos(app: &mut App, action: ChaosAction, control: bool) {
    let machines = match &app.machines {
        Ok(m) => m.clone(),
        Err(why) => {
            let why = why.clone();
            app.flash(why, true);
            return;
        }
    };
    let target = if control {
        crate::verbs::chaos::CONTROL.to_string()
    } else {
        let Some(o) = app.current() else {
            app.flash("no node selected", true);
            return;
        };
        let name = o.meta().name.clone();
        if !machines.contains(&name) {
            let known = machines.join(", ");
            app.flash(
                format!("node/{name} is not one of this cluster's machines ({known})"),
                true,
            );
            return;
        }
        name
    };
    app.prompt = Some(Prompt::Confirm {
        question: chaos_question(action, &target),
        effect: Effect::Chaos { action, target },
    });
}

/// The question a chaos action asks first.
pub fn chaos_question(action: ChaosAction, target: &str) -> String {
    use ChaosAction as A;
    if target == crate::verbs::chaos::CONTROL {
        return match action {
            A::Kill => {
                "Kill the control daemon (SIGKILL)? The API is gone until ctrl-r starts it again."
                    .into()
            }
            _ => "Start the control daemon again?".into(),
        };
    }
    match action {
        A::Kill => format!("Kill machine {target} (SIGKILL)? Its pods die with it."),
        A::Restart => format!("Start machine {target} again?"),
        A::Pause => format!("Pause machine {target}? Every process in it freezes."),
        A::Resume => format!("Resume machine {target}?"),
        A::Partition => format!(
            "Partition machine {target}? It is cut off from the control daemon and the other nodes, and keeps running."
        ),
        A::Heal => format!("Heal machine {target}: connect it to the network again?"),
    }
}

/// Asks `question` about the selected row; yes runs the effect `effect` makes of it.
fn confirm(app: &mut App, question: impl Fn(&Target) -> String, effect: impl Fn(Target) -> Effect) {
    if let Some(o) = app.current() {
        let t = Target::of(o);
        app.prompt = Some(Prompt::Confirm {
            question: question(&t),
            effect: effect(t),
        });
    }
}

fn open_logs(
    app: &mut App,
    target: Target,
    container: Option<String>,
    previous: bool,
) -> Vec<Effect> {
    app.next_log += 1;
    let id = app.next_log;
    let what = if previous { " (previous)" } else { "" };
    app.page = Some(Page {
        title: format!("logs {}{what}", target.label()),
        kind: PageKind::Logs {
            id,
            target: target.clone(),
            container: container.clone(),
            previous,
            paused: false,
        },
        lines: vec![],
        scroll: 0,
        follow: true,
    });
    vec![Effect::Logs {
        id,
        target,
        container,
        previous,
    }]
}

/// `StopLogs` if a log page is being closed.
pub(super) fn closing_logs(app: &App) -> Vec<Effect> {
    match &app.page {
        Some(Page {
            kind: PageKind::Logs { .. },
            ..
        }) => vec![Effect::StopLogs],
        _ => vec![],
    }
}

fn back(app: &mut App) -> Vec<Effect> {
    if app.page.is_some() {
        let fx = closing_logs(app);
        app.page = None;
        return fx;
    }
    if let Some(d) = app.drill.take() {
        app.view = d.back.0;
        app.selected = d.back.1;
        app.filter.clear();
        app.dirty = true;
        return vec![];
    }
    if !app.filter.is_empty() {
        app.filter.clear();
        app.dirty = true;
    }
    vec![]
}

fn enter(app: &mut App) {
    let Some(o) = app.current() else {
        return;
    };
    let back = (app.view, app.selected);
    let m = o.meta();
    let (label, filter) = match o {
        AnyObject::Deployment(_) => (
            format!("deploy/{}", m.name),
            DrillFilter::Deployment { uid: m.uid.clone() },
        ),
        AnyObject::ReplicaSet(_) => (
            format!("rs/{}", m.name),
            DrillFilter::Owner { uid: m.uid.clone() },
        ),
        AnyObject::Node(_) => (
            format!("node/{}", m.name),
            DrillFilter::OnNode(m.name.clone()),
        ),
        AnyObject::Service(s) => (
            format!("svc/{} (its endpoints)", m.name),
            DrillFilter::Selector {
                namespace: m.namespace.clone(),
                labels: s.spec.selector.clone(),
            },
        ),
        AnyObject::Namespace(_) => {
            let ns = m.name.clone();
            app.namespace = Some(ns.clone());
            app.switch(View::Table(Kind::Pod));
            app.flash(format!("namespace {ns}"), false);
            return;
        }
        _ => return,
    };
    app.view = View::Table(Kind::Pod);
    app.drill = Some(Drill {
        label,
        filter,
        back,
    });
    app.filter.clear();
    app.sort = None;
    app.selected = 0;
    app.offset = 0;
    app.dirty = true;
}
