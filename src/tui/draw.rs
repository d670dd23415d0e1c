//! Drawing: `draw(&App, &mut Frame)` paints the header, the current table or
//! page, and the prompt. Only the rows in the visible window are built, so a
//! frame costs the same at 10 pods and at 10,000.
//!
//! Reads the app; changes nothing; no I/O, not even the clock: ages and
//! live timers are counted to [`App::now`]. Cells come from the same column
//! functions `ork get` prints with (`verbs::output`).

use super::app::{App, Conn, PageKind, Prompt, View, complete};
use super::keys::{self, Scope};
use crate::api::{AnyObject, Kind, Node};
use crate::verbs::output::human_duration;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};

/// Lines the header, status line and prompt take, plus the table's borders
/// and column headers: what is left of the screen's height for rows.
pub const CHROME: u16 = 3 + 3;

/// How many table rows fit in a terminal of this height.
pub fn rows_for(height: u16) -> usize {
    height.saturating_sub(CHROME).max(1) as usize
}

fn status_style(s: &str) -> Style {
    let red = [
        "CrashLoopBackOff",
        "Error",
        "Failed",
        "NotReady",
        "NodeLost",
        "ImagePullBackOff",
        "ErrImagePull",
        "CreateContainerConfigError",
        "Unknown",
        "OOMKilled",
        "Evicted",
        "Warning",
    ];
    let yellow = [
        "Pending",
        "ContainerCreating",
        "Terminating",
        "SchedulingDisabled",
        "Init",
        "PodInitializing",
    ];
    if red.iter().any(|r| s.contains(r)) {
        Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
    } else if yellow.iter().any(|y| s.contains(y)) {
        Style::new().fg(Color::Yellow)
    } else if matches!(
        s,
        "Running" | "Ready" | "Completed" | "Succeeded" | "Active" | "Normal"
    ) {
        Style::new().fg(Color::Green)
    } else {
        Style::new()
    }
}

/// `2/3`-style readiness: yellow until whole.
fn ready_style(s: &str) -> Style {
    match s.split_once('/') {
        Some((a, b)) if a == b => Style::new().fg(Color::Green),
        Some(_) => Style::new().fg(Color::Yellow),
        None => Style::new(),
    }
}

pub fn draw(app: &App, f: &mut Frame) {
    let [head, status, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(f.area());
    header(app, f, head);
    status_line(app, f, status);
    match (&app.page, app.view) {
        (Some(_), _) => page(app, f, body),
        (None, View::Failover) => failover(app, f, body),
        (None, View::Table(Kind::Node)) => nodes(app, f, body),
        (None, View::Table(_)) => table(app, f, body),
    }
    footer(app, f, foot);
    if app.help {
        help(app, f, body);
    }
}

fn header(app: &App, f: &mut Frame, area: Rect) {
    let c = &app.counts;
    let ns = app.namespace.clone().unwrap_or_else(|| "all".into());
    let latency = match (&app.conn, app.latency) {
        (Conn::Down(_), _) => "api down".to_string(),
        (_, Some(d)) => format!("api {:.1} ms", d.as_secs_f64() * 1000.0),
        (_, None) => "api …".to_string(),
    };
    let sep = Span::raw(" │ ").dark_gray();
    let nodes_style = if c.nodes_ready < c.nodes {
        Style::new().fg(Color::Red)
    } else {
        Style::new()
    };
    let line = Line::from(vec![
        Span::raw(" ork ").bold().black().on_cyan(),
        Span::raw(" "),
        Span::raw(app.server.clone()).cyan(),
        sep.clone(),
        Span::raw(format!("ns {ns}")),
        sep.clone(),
        Span::styled(
            format!("nodes {}/{} ready", c.nodes_ready, c.nodes),
            nodes_style,
        ),
        sep.clone(),
        Span::raw(format!("pods {}/{} running", c.pods_running, c.pods)),
        sep,
        Span::raw(latency),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

fn view_name(app: &App) -> String {
    match app.view {
        View::Failover => "failover".into(),
        View::Table(k) => k.plural().to_string(),
    }
}

fn status_line(app: &App, f: &mut Frame, area: Rect) {
    let line = if let Conn::Down(why) = &app.conn {
        Line::from(format!(" disconnected, retrying: {why}"))
            .style(Style::new().fg(Color::White).bg(Color::Red).bold())
    } else if let Some((text, err, _)) = &app.flash {
        let s = if *err {
            Style::new().fg(Color::Red).bold()
        } else {
            Style::new().fg(Color::Green)
        };
        Line::from(format!(" {text}")).style(s)
    } else if matches!(app.conn, Conn::Connecting) {
        Line::from(" connecting…").dark_gray()
    } else {
        let mut parts = vec![Span::raw(" "), Span::raw(view_name(app)).bold()];
        if let Some(d) = &app.drill {
            parts.push(Span::raw(format!(" of {}", d.label)).cyan());
        }
        if !app.filter.is_empty() {
            parts.push(Span::raw(format!("  /{}", app.filter)).yellow());
        }
        if let (Some((col, desc)), Some(k)) = (app.sort, app.kind()) {
            let h = app.columns().headers(k);
            let arrow = if desc { "↓" } else { "↑" };
            parts.push(Span::raw(format!(
                "  sort {}{arrow}",
                h.get(col).cloned().unwrap_or_default()
            )));
        }
        Line::from(parts)
    };
    f.render_widget(Paragraph::new(line), area);
}

fn title(app: &App) -> String {
    let ns = match (&app.namespace, app.kind()) {
        (Some(ns), Some(k)) if k.namespaced() => format!("({ns})"),
        (None, Some(k)) if k.namespaced() => "(all)".into(),
        _ => String::new(),
    };
    let pos = if app.rows.is_empty() {
        "0".to_string()
    } else {
        format!("{}/{}", app.selected + 1, app.rows.len())
    };
    format!(" {}{ns}[{pos}] ", view_name(app))
}

fn block(title: String) -> Block<'static> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Span::raw(title).bold())
}

/// The rows of the visible window: (index in `app.rows`, object).
fn window(app: &App, kind: Kind, height: usize) -> Vec<(usize, &AnyObject)> {
    let start = app.offset.min(app.rows.len());
    let end = (start + height).min(app.rows.len());
    (start..end)
        .filter_map(|i| app.data.get(kind, &app.rows[i]).map(|o| (i, o)))
        .collect()
}

fn widths(hs: &[String], cells: &[Vec<String>]) -> Vec<Constraint> {
    let n = hs.len();
    (0..n)
        .map(|c| {
            let w = cells
                .iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .chain([hs[c].chars().count() + 1])
                .max()
                .unwrap_or(1)
                .min(60);
            if c + 1 == n {
                Constraint::Fill(1)
            } else {
                Constraint::Length(w as u16)
            }
        })
        .collect()
}

fn styled_table<'a>(
    app: &App,
    hs: Vec<String>,
    cells: Vec<Vec<String>>,
    first: usize,
    styles: impl Fn(usize, &str) -> Style,
) -> Table<'a> {
    let w = widths(&hs, &cells);
    let header_cells: Vec<Cell> = hs
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mark = match app.sort {
                Some((c, true)) if c == i => "↓",
                Some((c, false)) if c == i => "↑",
                _ => "",
            };
            Cell::from(format!("{h}{mark}"))
        })
        .collect();
    let rows: Vec<Row> = cells
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let row = Row::new(
                r.iter()
                    .enumerate()
                    .map(|(c, s)| Cell::from(s.clone()).style(styles(c, s)))
                    .collect::<Vec<_>>(),
            );
            if first + i == app.selected {
                row.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                row
            }
        })
        .collect();
    Table::new(rows, w)
        .header(Row::new(header_cells).style(Style::new().bold().fg(Color::White)))
        .column_spacing(2)
}

fn table(app: &App, f: &mut Frame, area: Rect) {
    let Some(kind) = app.kind() else { return };
    let cols = app.columns();
    let hs = cols.headers(kind);
    let h = area.height.saturating_sub(3) as usize;
    let win = window(app, kind, h);
    let first = win.first().map_or(0, |(i, _)| *i);
    let cells: Vec<Vec<String>> = win.iter().map(|(_, o)| cols.row(o)).collect();
    let status_col = hs.iter().position(|h| h == "STATUS" || h == "TYPE");
    let ready_col = hs.iter().position(|h| h == "READY");
    let empty = cells.is_empty();
    let t = styled_table(app, hs, cells, first, |c, s| {
        if Some(c) == status_col {
            status_style(s)
        } else if Some(c) == ready_col {
            ready_style(s)
        } else {
            Style::new()
        }
    });
    f.render_widget(t.block(block(title(app))), area);
    if empty {
        let msg = if !app.data.synced(kind) {
            "loading…"
        } else if !app.filter.is_empty() || app.drill.is_some() {
            "nothing matches"
        } else {
            "none yet"
        };
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1.min(area.height.saturating_sub(2)),
        };
        f.render_widget(Paragraph::new(msg).dark_gray(), inner);
    }
}

/// `███░░░░░░░ 30%` for `used` of `total`.
pub fn bar(used: i128, total: i128, width: usize) -> String {
    if total <= 0 {
        return format!("{} n/a", "░".repeat(width));
    }
    let pct = (used * 100 / total).clamp(0, 999);
    let full = ((used * width as i128) / total).clamp(0, width as i128) as usize;
    format!("{}{} {pct:>3}%", "█".repeat(full), "░".repeat(width - full))
}

/// A sparkline of samples scaled to `max`.
pub fn spark(samples: &[u64], max: u64) -> String {
    const TICKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = max.max(1);
    samples
        .iter()
        .map(|v| TICKS[((v * 7) / max).min(7) as usize])
        .collect()
}

fn mem_text(bytes: i128) -> String {
    let gib = bytes as f64 / (1u64 << 30) as f64;
    if gib >= 1.0 {
        format!("{gib:.1}Gi")
    } else {
        format!("{}Mi", bytes >> 20)
    }
}

fn nodes(app: &App, f: &mut Frame, area: Rect) {
    let hs: Vec<String> = [
        "NAME",
        "STATUS",
        "CPU REQUESTED",
        "MEMORY REQUESTED",
        "PODS",
        "HEARTBEAT",
        "CPU USE",
    ]
    .map(String::from)
    .to_vec();
    let h = area.height.saturating_sub(3) as usize;
    let win = window(app, Kind::Node, h);
    let first = win.first().map_or(0, |(i, _)| *i);
    let cells: Vec<Vec<String>> = win
        .iter()
        .filter_map(|(_, o)| match o {
            AnyObject::Node(n) => Some(node_cells(app, n)),
            _ => None,
        })
        .collect();
    let t = styled_table(app, hs, cells, first, |c, s| match c {
        1 => status_style(s),
        2 | 3 => {
            let pct: i64 = s
                .rsplit(' ')
                .next()
                .and_then(|p| p.trim_end_matches('%').trim().parse().ok())
                .unwrap_or(0);
            if pct >= 90 {
                Style::new().fg(Color::Red)
            } else if pct >= 70 {
                Style::new().fg(Color::Yellow)
            } else {
                Style::new().fg(Color::Green)
            }
        }
        _ => Style::new(),
    });
    f.render_widget(t.block(block(title(app))), area);
}

fn node_cells(app: &App, n: &Node) -> Vec<String> {
    let name = &n.metadata.name;
    let req = app.requested.get(name).copied().unwrap_or_default();
    let cpu_alloc = n.allocatable_milli("cpu");
    let mem_alloc = n.allocatable_milli("memory") / 1000;
    let beat = match app.heartbeats.get(name) {
        Some(s) if *s < 120.0 => format!("{s:.1}s ago"),
        Some(s) => format!("{} ago", human_duration(*s as i64)),
        None => "-".into(),
    };
    let usage: Vec<u64> = app
        .usage
        .get(name)
        .map(|d| d.iter().copied().collect())
        .unwrap_or_default();
    let use_text = match usage.last() {
        Some(last) => format!(
            "{} {:.2} cpu",
            spark(&usage, cpu_alloc.max(1) as u64),
            *last as f64 / 1000.0
        ),
        None => "-".into(),
    };
    vec![
        name.clone(),
        n.display_status(),
        format!(
            "{} {:.1}/{:.1}",
            bar(req.cpu_milli, cpu_alloc, 10),
            req.cpu_milli as f64 / 1000.0,
            cpu_alloc as f64 / 1000.0
        ),
        format!(
            "{} {}/{}",
            bar(req.memory, mem_alloc, 10),
            mem_text(req.memory),
            mem_text(mem_alloc)
        ),
        req.pods.to_string(),
        beat,
        use_text,
    ]
}

fn failover(app: &App, f: &mut Frame, area: Rect) {
    let now = app.now.0;
    let mut lines: Vec<Line> = vec![];
    if app.incidents.is_empty() {
        lines.push(
            Line::from(
                "no node has been lost: when one stops heartbeating, its failover shows here, step by step",
            )
            .dark_gray(),
        );
    }
    for (i, inc) in app.incidents.iter().enumerate().skip(app.offset) {
        let sel = i == app.selected;
        let state = if inc.back {
            Span::raw("node back").green()
        } else if inc.complete {
            Span::raw("replaced").green()
        } else {
            Span::raw("in progress").yellow().bold()
        };
        let since = if inc.noticed {
            "last heartbeat"
        } else {
            "machine taken away"
        };
        let mut head = vec![
            Span::raw(if sel { "▶ " } else { "  " }),
            Span::raw(format!("node/{}", inc.node)).bold(),
            Span::raw(format!("  {since} {}  ", inc.lost_at.format("%H:%M:%S"))),
            state,
        ];
        if sel {
            head = head
                .into_iter()
                .map(|s| s.add_modifier(Modifier::REVERSED))
                .collect();
        }
        lines.push(Line::from(head));
        for s in &inc.steps {
            let l = match s.secs {
                Some(t) if s.chaos => Line::from(vec![
                    Span::raw(format!("    ✗ {t:>7.1}s  ")).magenta().bold(),
                    Span::raw(s.label.clone()).magenta(),
                ]),
                Some(t) => Line::from(vec![
                    Span::raw(format!("    ✔ {t:>7.1}s  ")).green(),
                    Span::raw(s.label.clone()),
                ]),
                None => {
                    let waited = (now - inc.lost_at).num_milliseconds() as f64 / 1000.0;
                    Line::from(vec![
                        Span::raw("    …          ").yellow(),
                        Span::raw(s.label.clone()),
                        Span::raw(format!("  (waiting, {waited:.0}s so far)")).yellow(),
                    ])
                }
            };
            lines.push(l);
        }
        lines.push(Line::from(""));
    }
    f.render_widget(Paragraph::new(lines).block(block(title(app))), area);
}

fn page(app: &App, f: &mut Frame, area: Rect) {
    let Some(p) = &app.page else { return };
    let h = area.height.saturating_sub(2) as usize;
    let start = if p.follow {
        p.lines.len().saturating_sub(h)
    } else {
        p.scroll.min(p.lines.len().saturating_sub(1))
    };
    let diff = matches!(p.kind, PageKind::History { .. });
    let lines: Vec<Line> = p
        .lines
        .iter()
        .skip(start)
        .take(h)
        .map(|l| {
            if diff && l.starts_with("+ ") {
                Line::from(l.clone()).green()
            } else if diff && l.starts_with("- ") {
                Line::from(l.clone()).red()
            } else if diff && l.starts_with('▶') {
                Line::from(l.clone()).bold().cyan()
            } else {
                Line::from(l.clone())
            }
        })
        .collect();
    let mut t = format!(" {} ", p.title);
    if let PageKind::Logs { paused, .. } = p.kind {
        t.push_str(if paused || !p.follow {
            "[paused] "
        } else {
            "[following] "
        });
    }
    f.render_widget(Paragraph::new(lines).block(block(t)), area);
}

fn footer(app: &App, f: &mut Frame, area: Rect) {
    let line = match &app.prompt {
        Some(Prompt::Command(input)) => {
            let c = complete(input.trim());
            let hint = if input.is_empty() {
                String::new()
            } else {
                c.join(" ")
            };
            Line::from(vec![
                Span::raw(format!(":{input}▏")).bold(),
                Span::raw(format!("  {hint}")).dark_gray(),
            ])
        }
        Some(Prompt::Filter(input)) => Line::from(vec![
            Span::raw(format!("/{input}▏")).bold(),
            Span::raw("  text, or -l key=value").dark_gray(),
        ]),
        Some(Prompt::Scale { target, input }) => Line::from(vec![
            Span::raw(format!("Scale {} to: {input}▏", target.label())).bold(),
            Span::raw("  enter applies, esc cancels").dark_gray(),
        ]),
        Some(Prompt::Confirm { question, .. }) => {
            Line::from(format!(" {question} [y/n] ")).style(Style::new().black().on_yellow().bold())
        }
        None => {
            // The keys of what is on screen, not the ones that work everywhere.
            let in_scope = app.scopes();
            let active = |s: Scope| {
                !matches!(s, Scope::Anywhere | Scope::Table | Scope::Machines) && in_scope(s)
            };
            let mut spans = vec![];
            for b in keys::BINDINGS.iter().filter(|b| active(b.scope)) {
                let word = keys::hint(b.action);
                spans.push(Span::raw(format!(" {} ", b.label)).black().on_dark_gray());
                spans.push(Span::raw(format!(" {word} ")));
            }
            // The chaos keys in one hint (the help lists each), when they work.
            if in_scope(Scope::Machines) && app.machines.is_ok() {
                spans.push(Span::raw(" K/R/p/x ").black().on_magenta());
                spans.push(Span::raw(" chaos "));
            }
            for (k, w) in [("enter", "open"), ("d", "describe"), ("/", "filter")] {
                if app.page.is_none() && app.view != View::Failover {
                    spans.push(Span::raw(format!(" {k} ")).black().on_dark_gray());
                    spans.push(Span::raw(format!(" {w} ")));
                }
            }
            spans.push(Span::raw(" ? ").black().on_dark_gray());
            spans.push(Span::raw(" help "));
            Line::from(spans)
        }
    };
    f.render_widget(Paragraph::new(line), area);
}

/// Width of the key column of the help.
const HELP_KEY: usize = 10;

/// `text` wrapped at word boundaries into lines of at most `width` chars.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let len = cur.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// The help for columns `width` wide: each scope's title, then `key  what
/// it does`, long descriptions wrapped under themselves.
pub fn help_text(width: usize) -> Vec<Line<'static>> {
    let text_w = width.saturating_sub(HELP_KEY).max(12);
    let mut lines = vec![];
    for (title, rows) in keys::help_lines() {
        lines.push(Line::from(title).bold().cyan());
        for (k, h) in rows {
            for (i, part) in wrap(h, text_w).into_iter().enumerate() {
                let key = if i == 0 {
                    format!("  {k:<8}")
                } else {
                    " ".repeat(HELP_KEY)
                };
                lines.push(Line::from(vec![Span::raw(key).bold(), Span::raw(part)]));
            }
        }
    }
    lines
}

/// How many columns the help takes in `width` x `height`: the fewest that
/// fit it whole, else the most that keep 40 columns each (and it scrolls).
pub fn help_columns(width: usize, height: usize) -> usize {
    let max = (width / 40).clamp(1, 3);
    (1..=max)
        .find(|n| help_text(width / n - 1).len().div_ceil(*n) <= height)
        .unwrap_or(max)
}

fn help(app: &App, f: &mut Frame, area: Rect) {
    f.render_widget(Clear, area);
    let probe = block(String::new()).inner(area);
    let (w, h) = (probe.width as usize, probe.height as usize);
    let n = help_columns(w, h);
    let mut lines = help_text(w / n - 1);
    let per = lines.len().div_ceil(n);
    let title = if per > h {
        " keys (j/k scroll, any other key closes) "
    } else {
        " keys (any key closes) "
    };
    let outer = block(title.into());
    let inner = outer.inner(area);
    f.render_widget(outer, area);
    let scroll = app.help_scroll.min(per.saturating_sub(h) as u16);
    let areas = Layout::horizontal(vec![Constraint::Fill(1); n]).split(inner);
    for a in areas.iter() {
        let rest = lines.split_off(per.min(lines.len()));
        f.render_widget(
            Paragraph::new(std::mem::replace(&mut lines, rest)).scroll((scroll, 0)),
            *a,
        );
    }
}
