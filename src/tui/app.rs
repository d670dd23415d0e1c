//! The dashboard's state and its one way to change: `update(&mut App, Msg)`
//! returns the [`Effect`]s (API calls) the I/O side must run. Keys, watch
//! events and API answers all arrive as [`Msg`]s, so every behaviour is a
//! pure function of the state and a message, tested without a terminal.
//!
//! This file holds the state and its types; [`super::update`](mod@super::update) holds
//! `update` and the key handling. Imports `api`, `client`'s plain types,
//! the cells of `verbs::output` and the sibling `keys` and `data`; never a
//! socket, a clock-driven loop or the terminal. The time it shows ages at
//! is [`App::now`], set by whoever runs the loop.

use super::data::{self, Data, Incident, Requested, natural_cmp};
use super::keys::Scope;
use crate::{
    api::{AnyObject, Kind, Selector, Time},
    client::WatchEventType,
    verbs::output::Columns,
};
use crossterm::event::KeyEvent;
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
    "pvc", "ep", "ds", "sts", "ing", "cj", "pdb", "quit",
];

/// The object an action is about.
pub use crate::verbs::objects::Target;

pub use crate::verbs::chaos::Action as ChaosAction;

/// Why the chaos keys do nothing until machines are known.
pub const NO_MACHINES: &str =
    "no machines: chaos actions work on a cluster started with `ork up --machines docker`";

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
    /// A chaos action on machine `target` (or the control daemon, target
    /// `control`), run by `ork chaos`'s code.
    Chaos {
        action: ChaosAction,
        target: String,
    },
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
    Watched(Kind, WatchEventType, AnyObject),
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
    pub(super) fn text(title: String, body: &str) -> Page {
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
    /// The moment ages and live timers are shown at: the loop sets it before
    /// each frame, tests fix it.
    pub now: Time,
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
    /// Lines the help is scrolled by (when it does not fit).
    pub help_scroll: u16,
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
    /// The machines the chaos actions work on (their names, as their Nodes
    /// are named), or why there are none.
    pub machines: Result<Vec<String>, String>,
    pub dirty: bool,
    pub quit: bool,
    pub(super) next_log: u64,
}

impl App {
    pub fn new(server: &str, namespace: Option<String>) -> App {
        App {
            server: server.to_string(),
            now: Time(chrono::DateTime::UNIX_EPOCH),
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
            help_scroll: 0,
            conn: Conn::Connecting,
            latency: None,
            flash: None,
            rows: vec![],
            incidents: vec![],
            requested: HashMap::new(),
            counts: Counts::default(),
            heartbeats: HashMap::new(),
            usage: HashMap::new(),
            machines: Err(NO_MACHINES.into()),
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

    /// The columns of the current table (as `ork get` prints them), ages at [`App::now`].
    pub fn columns(&self) -> Columns {
        Columns {
            with_ns: self.with_ns(),
            ..Columns::at(self.now)
        }
    }

    /// The object under the cursor.
    pub fn current(&self) -> Option<&AnyObject> {
        let k = self.kind()?;
        self.data.get(k, self.rows.get(self.selected)?)
    }

    pub(super) fn flash(&mut self, text: impl Into<String>, error: bool) {
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
        let cols = self.columns();
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
                            || cols.row(o).iter().any(|c| c.contains(text))
                    }
                }
            })
            .collect();
        match self.sort {
            Some((col, desc)) => {
                let headers = cols.headers(kind);
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
                            cols.row(o).into_iter().nth(col).unwrap_or_default()
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

    pub(super) fn clamp(&mut self) {
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

    pub(super) fn switch(&mut self, view: View) {
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

    pub(super) fn scopes(&self) -> impl Fn(Scope) -> bool + '_ {
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
            (None, Scope::Machines) => self.view == View::Table(Kind::Node),
            (None, _) => false,
        }
    }
}

pub use super::prompt::{command, complete};
pub use super::update::update;
