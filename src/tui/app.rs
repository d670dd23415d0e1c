//! The dashboard's state and its one way to change: `update(&mut App, Msg)`
//! returns the [`Effect`]s (API calls) the I/O side must run. Keys, watch
//! events and API answers all arrive as [`Msg`]s, so every behaviour is a
//! pure function of the state and a message, tested without a terminal.
//!
//! Imports `api`, `client`'s plain types and the sibling `keys` and `data`;
//! never a socket, a clock-driven loop or the terminal.

use super::data::{self, Data, Incident, Requested, natural_cmp};
use super::keys::{self, Action, Scope};
use crate::api::{AnyObject, Kind, Selector};
use crate::client::EventType;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// What the screen shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Table(Kind),
    Failover,
}

/// The views behind the number keys, with the names `:` accepts.
pub const VIEWS: &[(u8, &str, View)] = &[
    (1, "pods", View::Table(Kind::Pod)),
    (2, "deploy", View::Table(Kind::Deployment)),
    (3, "rs", View::Table(Kind::ReplicaSet)),
    (4, "nodes", View::Table(Kind::Node)),
    (5, "svc", View::Table(Kind::Service)),
    (6, "events", View::Table(Kind::Event)),
    (7, "ns", View::Table(Kind::Namespace)),
    (8, "failover", View::Failover),
];

/// Words `:` completes.
pub const COMMANDS: &[&str] = &[
    "pods", "deploy", "rs", "nodes", "svc", "events", "ns", "failover", "hpa", "cm", "secrets",
    "pvc", "ep", "quit",
];

/// The object an action is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
}

impl Target {
    fn of(obj: &AnyObject) -> Target {
        Target {
            kind: obj.kind(),
            namespace: obj.meta().namespace.clone(),
            name: obj.meta().name.clone(),
        }
    }

    pub fn label(&self) -> String {
        format!("{}/{}", self.kind.as_str().to_lowercase(), self.name)
    }
}

/// An API call the I/O side runs; its answer comes back as a [`Msg`].
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Scale {
        target: Target,
        replicas: i32,
    },
    Delete(Target),
    Cordon {
        node: String,
        on: bool,
    },
    Drain(String),
    Restart(Target),
    Undo {
        target: Target,
        revision: i64,
    },
    Describe(Target),
    History(Target),
    Logs {
        id: u64,
        target: Target,
        container: Option<String>,
        previous: bool,
    },
    StopLogs,
}

/// One revision of a deployment, for the history page.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub number: i64,
    pub replicaset: String,
    pub cause: String,
    /// The pod template as YAML.
    pub template: String,
}

/// Everything that changes the app.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// A second passed (ages, live failover timers, flash expiry).
    Tick,
    Listed(Kind, Vec<AnyObject>),
    Watched(Kind, EventType, AnyObject),
    Connected,
    Disconnected(String),
    Latency(Duration),
    NodeStats {
        heartbeats: Vec<(String, f64)>,
        cpu_milli: Vec<(String, u64)>,
    },
    /// A node's recent CPU samples (oldest first), to fill its sparkline.
    NodeHistory {
        node: String,
        cpu_milli: Vec<u64>,
    },
    /// A page's text arrived (describe), or failed.
    Text {
        title: String,
        body: Result<String, String>,
    },
    LogChunk {
        id: u64,
        text: String,
    },
    LogEnd {
        id: u64,
        error: Option<String>,
    },
    History {
        target: Target,
        result: Result<(Vec<Revision>, i64), String>,
    },
    /// An action finished: what happened, or why it failed.
    Done(Result<String, String>),
    /// A step of a long action (drain), shown on its page.
    Progress {
        title: String,
        line: String,
    },
}

/// A question or input line at the bottom of the screen.
#[derive(Clone, Debug, PartialEq)]
pub enum Prompt {
    Command(String),
    Filter(String),
    Scale { target: Target, input: String },
    Confirm { question: String, effect: Effect },
}

#[derive(Clone, Debug, PartialEq)]
pub enum PageKind {
    Text,
    Logs {
        id: u64,
        target: Target,
        container: Option<String>,
        previous: bool,
        paused: bool,
    },
    History {
        target: Target,
        revisions: Vec<Revision>,
        current: i64,
        selected: usize,
    },
}

/// A full-screen page over the table: describe, YAML, logs, history, drain.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub title: String,
    pub kind: PageKind,
    pub lines: Vec<String>,
    pub scroll: usize,
    /// Stay at the end as lines arrive.
    pub follow: bool,
}

impl Page {
    fn text(title: String, body: &str) -> Page {
        Page {
            title,
            kind: PageKind::Text,
            lines: body.lines().map(str::to_string).collect(),
            scroll: 0,
            follow: false,
        }
    }
}

/// A narrower set of rows reached with `enter`.
#[derive(Clone, Debug, PartialEq)]
pub struct Drill {
    pub label: String,
    pub filter: DrillFilter,
    /// Where `esc` goes back to.
    pub back: (View, usize),
}

#[derive(Clone, Debug, PartialEq)]
pub enum DrillFilter {
    /// Pods of a deployment (through its ReplicaSets).
    Deployment {
        uid: String,
    },
    /// Pods owned by this controller.
    Owner {
        uid: String,
    },
    OnNode(String),
    /// The pods a service's selector picks: its endpoints (READY says which
    /// are in rotation).
    Selector {
        namespace: String,
        labels: std::collections::BTreeMap<String, String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Conn {
    Connecting,
    Up,
    Down(String),
}

/// Cluster totals of the header, recomputed when data changes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counts {
    pub nodes: usize,
    pub nodes_ready: usize,
    pub pods: usize,
    pub pods_running: usize,
}

/// How many CPU samples a node's sparkline keeps.
pub const SPARK: usize = 30;

pub struct App {
    pub server: String,
    pub data: Data,
    pub view: View,
    /// `None`: all namespaces.
    pub namespace: Option<String>,
    pub filter: String,
    /// Column index and descending.
    pub sort: Option<(usize, bool)>,
    pub drill: Option<Drill>,
    pub selected: usize,
    pub offset: usize,
    /// Table rows that fit on screen (set by `draw`).
    pub height: usize,
    pub prompt: Option<Prompt>,
    pub page: Option<Page>,
    pub help: bool,
    pub conn: Conn,
    pub latency: Option<Duration>,
    pub flash: Option<(String, bool, Instant)>,
    /// Keys of the rows of the current table, filtered and sorted.
    pub rows: Vec<String>,
    pub incidents: Vec<Incident>,
    pub requested: HashMap<String, Requested>,
    pub counts: Counts,
    pub heartbeats: HashMap<String, f64>,
    pub usage: HashMap<String, VecDeque<u64>>,
    pub dirty: bool,
    pub quit: bool,
    next_log: u64,
}

impl App {
    pub fn new(server: &str, namespace: Option<String>) -> App {
        App {
            server: server.to_string(),
            data: Data::default(),
            view: View::Table(Kind::Pod),
            namespace,
            filter: String::new(),
            sort: None,
            drill: None,
            selected: 0,
            offset: 0,
            height: 20,
            prompt: None,
            page: None,
            help: false,
            conn: Conn::Connecting,
            latency: None,
            flash: None,
            rows: vec![],
            incidents: vec![],
            requested: HashMap::new(),
            counts: Counts::default(),
            heartbeats: HashMap::new(),
            usage: HashMap::new(),
            dirty: true,
            quit: false,
            next_log: 0,
        }
    }

    /// The kind of the current table, if the view is one.
    pub fn kind(&self) -> Option<Kind> {
        match self.view {
            View::Table(k) => Some(k),
            View::Failover => None,
        }
    }

    /// Whether the table shows a NAMESPACE column.
    pub fn with_ns(&self) -> bool {
        self.namespace.is_none() && self.kind().is_some_and(Kind::namespaced)
    }

    /// The object under the cursor.
    pub fn current(&self) -> Option<&AnyObject> {
        let k = self.kind()?;
        self.data.get(k, self.rows.get(self.selected)?)
    }

    fn flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some((text.into(), error, Instant::now()));
    }

    /// Recomputes rows and totals if data or the view changed.
    pub fn refresh(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        self.counts = Counts {
            nodes: self.data.count(Kind::Node),
            nodes_ready: self
                .data
                .of(Kind::Node)
                .into_iter()
                .flat_map(|m| m.values())
                .filter(|o| matches!(o, AnyObject::Node(n) if n.is_ready()))
                .count(),
            pods: self.data.count(Kind::Pod),
            pods_running: self
                .data
                .pods()
                .filter(|p| {
                    p.status.phase == crate::api::PodPhase::Running && !p.metadata.is_terminating()
                })
                .count(),
        };
        match self.view {
            View::Failover => {
                self.incidents = data::incidents(&self.data);
                if !self.filter.is_empty() {
                    let f = self.filter.clone();
                    self.incidents.retain(|i| i.node.contains(&f));
                }
                self.rows = self.incidents.iter().map(|i| i.node.clone()).collect();
            }
            View::Table(kind) => {
                if kind == Kind::Node {
                    self.requested = data::requested_per_node(&self.data);
                }
                self.rows = self.compute_rows(kind);
            }
        }
        self.clamp();
    }

    fn compute_rows(&self, kind: Kind) -> Vec<String> {
        let Some(objs) = self.data.of(kind) else {
            return vec![];
        };
        let labels = self
            .filter
            .strip_prefix("-l")
            .map(|s| Selector::parse(s.trim()));
        let text = if labels.is_some() {
            ""
        } else {
            self.filter.as_str()
        };
        let rs_of_deploy: Vec<&str> = match &self.drill {
            Some(Drill {
                filter: DrillFilter::Deployment { uid },
                ..
            }) => self
                .data
                .of(Kind::ReplicaSet)
                .into_iter()
                .flat_map(|m| m.values())
                .filter(|o| o.meta().controller().is_some_and(|c| &c.uid == uid))
                .map(|o| o.meta().uid.as_str())
                .collect(),
            _ => vec![],
        };
        let with_ns = self.with_ns();
        let mut rows: Vec<(&String, &AnyObject)> = objs
            .iter()
            .filter(|(_, o)| {
                let m = o.meta();
                if let Some(ns) = &self.namespace
                    && kind.namespaced()
                    && &m.namespace != ns
                {
                    return false;
                }
                let drilled = match self.drill.as_ref().map(|d| &d.filter) {
                    None => true,
                    Some(DrillFilter::Deployment { .. }) => m
                        .controller()
                        .is_some_and(|c| rs_of_deploy.contains(&c.uid.as_str())),
                    Some(DrillFilter::Owner { uid }) => {
                        m.controller().is_some_and(|c| &c.uid == uid)
                    }
                    Some(DrillFilter::OnNode(n)) => {
                        matches!(o, AnyObject::Pod(p) if &p.spec.node_name == n)
                    }
                    Some(DrillFilter::Selector { namespace, labels }) => {
                        &m.namespace == namespace
                            && !labels.is_empty()
                            && labels.iter().all(|(k, v)| m.labels.get(k) == Some(v))
                    }
                };
                if !drilled {
                    return false;
                }
                match &labels {
                    Some(Ok(sel)) => sel.matches(&m.labels),
                    Some(Err(_)) => false,
                    None if text.is_empty() => true,
                    None => {
                        m.name.contains(text)
                            || m.namespace.contains(text)
                            || crate::cli::output::row(o, false, with_ns, false)
                                .iter()
                                .any(|c| c.contains(text))
                    }
                }
            })
            .collect();
        match self.sort {
            Some((col, desc)) => {
                let headers = crate::cli::output::headers(kind, false, with_ns);
                let by_age = headers.get(col).is_some_and(|h| h == "AGE");
                let mut keyed: Vec<(String, &String, &AnyObject)> = rows
                    .into_iter()
                    .map(|(k, o)| {
                        let cell = if by_age {
                            // Oldest first, as the AGE column reads ascending.
                            o.meta()
                                .creation_timestamp
                                .map(|t| format!("{:020}", i64::MAX - t.0.timestamp()))
                                .unwrap_or_default()
                        } else {
                            crate::cli::output::row(o, false, with_ns, false)
                                .into_iter()
                                .nth(col)
                                .unwrap_or_default()
                        };
                        (cell, k, o)
                    })
                    .collect();
                keyed.sort_by(|a, b| natural_cmp(&a.0, &b.0).then(a.1.cmp(b.1)));
                if desc {
                    keyed.reverse();
                }
                keyed.into_iter().map(|(_, k, _)| k.clone()).collect()
            }
            None if kind == Kind::Event => {
                // Newest first.
                rows.sort_by_key(|(k, o)| {
                    let t = match o {
                        AnyObject::Event(e) => e.last_timestamp.or(e.first_timestamp),
                        _ => None,
                    };
                    (
                        std::cmp::Reverse(t),
                        std::cmp::Reverse(o.meta().revision()),
                        *k,
                    )
                });
                rows.into_iter().map(|(k, _)| k.clone()).collect()
            }
            None => rows.into_iter().map(|(k, _)| k.clone()).collect(),
        }
    }

    fn clamp(&mut self) {
        let n = self.rows.len();
        if self.selected >= n {
            self.selected = n.saturating_sub(1);
        }
        let h = self.height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + h {
            self.offset = self.selected + 1 - h;
        }
        self.offset = self.offset.min(n.saturating_sub(h));
        if self.selected < self.offset {
            self.offset = self.selected;
        }
    }

    fn switch(&mut self, view: View) {
        if self.view != view || self.drill.is_some() {
            self.view = view;
            self.drill = None;
            self.filter.clear();
            self.sort = None;
            self.selected = 0;
            self.offset = 0;
        }
        self.page = None;
        self.dirty = true;
    }

    fn scopes(&self) -> impl Fn(Scope) -> bool + '_ {
        move |s| match (&self.page, s) {
            (_, Scope::Anywhere) => true,
            (Some(_), Scope::Page) => true,
            (Some(p), Scope::Logs) => matches!(p.kind, PageKind::Logs { .. }),
            (Some(p), Scope::History) => matches!(p.kind, PageKind::History { .. }),
            (Some(_), _) => false,
            (None, Scope::Table) => true,
            (None, Scope::Pods) => self.view == View::Table(Kind::Pod),
            (None, Scope::Scalable) => matches!(
                self.view,
                View::Table(Kind::Deployment) | View::Table(Kind::ReplicaSet)
            ),
            (None, Scope::Deployments) => self.view == View::Table(Kind::Deployment),
            (None, Scope::Nodes) => self.view == View::Table(Kind::Node),
            (None, _) => false,
        }
    }
}

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
        return prompt_key(app, p, k);
    }
    if app.help {
        // Any key closes the help; `?` and esc just close it.
        app.help = false;
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
                let cols = crate::cli::output::headers(kind, false, app.with_ns()).len();
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
                    .and_then(|v| crate::cli::output::to_yaml(&v).map_err(|e| e.to_string()));
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
        Action::Restart => {
            if let Some(o) = app.current() {
                let t = Target::of(o);
                app.prompt = Some(Prompt::Confirm {
                    question: format!("Restart every pod of {}?", t.label()),
                    effect: Effect::Restart(t),
                });
            }
        }
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
        Action::Drain => {
            if let Some(o) = app.current() {
                let n = o.meta().name.clone();
                app.prompt = Some(Prompt::Confirm {
                    question: format!(
                        "Drain node/{n}? Its pods are evicted and replaced elsewhere."
                    ),
                    effect: Effect::Drain(n),
                });
            }
        }
        Action::Delete => {
            if let Some(o) = app.current() {
                let t = Target::of(o);
                app.prompt = Some(Prompt::Confirm {
                    question: format!("Delete {}?", t.label()),
                    effect: Effect::Delete(t),
                });
            }
        }
    }
    vec![]
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
fn closing_logs(app: &App) -> Vec<Effect> {
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

/// Completions of a `:` word.
pub fn complete(word: &str) -> Vec<&'static str> {
    COMMANDS
        .iter()
        .copied()
        .filter(|c| c.starts_with(word))
        .collect()
}

/// Runs a `:` command line (a view name, `ns NAME`, `q`).
pub fn command(app: &mut App, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let Some(w) = words.next() else {
        return vec![];
    };
    let arg = words.next();
    let fx = closing_logs(app);
    match w {
        "q" | "quit" | "q!" => app.quit = true,
        "failover" | "fo" => app.switch(View::Failover),
        "ns" | "namespace" | "namespaces" if arg.is_some() => {
            let a = arg.unwrap_or_default();
            app.namespace = if a == "all" || a == "-A" {
                None
            } else {
                Some(a.to_string())
            };
            let label = app.namespace.clone().unwrap_or_else(|| "all".into());
            app.switch(View::Table(Kind::Pod));
            app.flash(format!("namespace {label}"), false);
        }
        other => match Kind::from_name(other) {
            Some(k) if super::data::WATCHED.contains(&k) => {
                app.switch(View::Table(k));
                if let Some(a) = arg {
                    app.namespace = if a == "-A" || a == "all" {
                        None
                    } else {
                        Some(a.to_string())
                    };
                }
            }
            Some(k) => app.flash(
                format!(
                    "{} are not shown here yet: use `ork get {}`",
                    k.plural(),
                    k.plural()
                ),
                true,
            ),
            None => {
                let near = complete(other);
                let hint = if near.is_empty() {
                    COMMANDS.join(" ")
                } else {
                    near.join(" ")
                };
                app.flash(format!("unknown view {other:?}: try {hint}"), true)
            }
        },
    }
    fx
}

fn edit(input: &mut String, k: &KeyEvent) -> bool {
    match k.code {
        KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => input.clear(),
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => input.push(c),
        KeyCode::Backspace => {
            input.pop();
        }
        _ => return false,
    }
    true
}

fn prompt_key(app: &mut App, p: Prompt, k: KeyEvent) -> Vec<Effect> {
    let cancel = k.code == KeyCode::Esc
        || (k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL));
    if cancel {
        return vec![];
    }
    match p {
        Prompt::Command(mut input) => match k.code {
            KeyCode::Enter => return command(app, &input),
            KeyCode::Tab => {
                if let [one] = complete(input.trim())[..] {
                    input = one.to_string();
                } else if let Some(first) = complete(input.trim()).first() {
                    input = first.to_string();
                }
                app.prompt = Some(Prompt::Command(input));
            }
            _ => {
                edit(&mut input, &k);
                app.prompt = Some(Prompt::Command(input));
            }
        },
        Prompt::Filter(mut input) => {
            if k.code == KeyCode::Enter {
                app.filter = input.trim().to_string();
                if let Some(Err(e)) = app
                    .filter
                    .strip_prefix("-l")
                    .map(|s| Selector::parse(s.trim()))
                {
                    app.flash(format!("bad label selector: {e}"), true);
                }
                app.selected = 0;
                app.offset = 0;
                app.dirty = true;
                return vec![];
            }
            edit(&mut input, &k);
            // Filter as you type.
            app.filter = input.trim().to_string();
            app.dirty = true;
            app.prompt = Some(Prompt::Filter(input));
        }
        Prompt::Scale { target, mut input } => {
            if k.code == KeyCode::Enter {
                return match input.trim().parse::<i32>() {
                    Ok(n) if n >= 0 => vec![Effect::Scale {
                        target,
                        replicas: n,
                    }],
                    _ => {
                        app.flash(format!("{input:?} is not a replica count"), true);
                        vec![]
                    }
                };
            }
            if matches!(k.code, KeyCode::Char(c) if !c.is_ascii_digit()) {
                app.prompt = Some(Prompt::Scale { target, input });
                return vec![];
            }
            edit(&mut input, &k);
            app.prompt = Some(Prompt::Scale { target, input });
        }
        Prompt::Confirm { question, effect } => match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                if let Effect::Drain(n) = &effect {
                    let title = format!("drain node/{n}");
                    app.page = Some(Page::text(title, ""));
                }
                return vec![effect];
            }
            KeyCode::Char('n') | KeyCode::Char('N') => {}
            _ => app.prompt = Some(Prompt::Confirm { question, effect }),
        },
    }
    vec![]
}
