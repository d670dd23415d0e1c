//! The keymap: one registry that both dispatches keys and writes the help
//! screen (`?`), so the two cannot disagree. Prompts (`:`, `/`, scale,
//! confirm) read their keys directly; everything else goes through here.
//!
//! Pure data and lookup: no app state, no I/O. Imports only the chaos
//! actions' names from `verbs`.

use crate::verbs::chaos::Action as ChaosAction;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Enter,
    Back,
    Command,
    Filter,
    SortNext,
    SortReverse,
    AllNamespaces,
    /// Switch to the view of this number (1-based, as shown in the header).
    View(u8),
    Describe,
    Yaml,
    Logs,
    Scale,
    ScaleUp,
    ScaleDown,
    Restart,
    History,
    Cordon,
    Uncordon,
    Drain,
    Delete,
    Failover,
    /// The events of the selected object.
    Events,
    Help,
    Quit,
    /// Logs: stop or resume following.
    Pause,
    /// Logs: the previous instance of the container.
    Previous,
    /// History: roll back to the selected revision.
    Undo,
    /// A chaos action on the selected node's machine (asks first).
    Chaos(ChaosAction),
    /// A chaos action on the control daemon (asks first).
    ChaosControl(ChaosAction),
}

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere (tables and pages).
    Anywhere,
    /// Any table view.
    Table,
    Pods,
    /// Deployments and ReplicaSets.
    Scalable,
    Deployments,
    Nodes,
    /// The nodes view's chaos actions (on a cluster of machines).
    Machines,
    /// A page of text (describe, YAML, logs, history).
    Page,
    Logs,
    History,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Anywhere => "General",
            Scope::Table => "Tables",
            Scope::Pods => "Pods",
            Scope::Scalable => "Deployments and ReplicaSets",
            Scope::Deployments => "Deployments",
            Scope::Nodes => "Nodes",
            Scope::Machines => "Machines (--machines docker; each asks first)",
            Scope::Page => "Describe, YAML, logs",
            Scope::Logs => "Logs",
            Scope::History => "Rollout history",
        }
    }
}

/// One key, what it does, where, and its line in the help.
pub struct Binding {
    pub code: KeyCode,
    pub mods: KeyModifiers,
    pub label: &'static str,
    pub action: Action,
    pub scope: Scope,
    pub help: &'static str,
}

const fn b(
    code: KeyCode,
    label: &'static str,
    action: Action,
    scope: Scope,
    help: &'static str,
) -> Binding {
    Binding {
        code,
        mods: KeyModifiers::NONE,
        label,
        action,
        scope,
        help,
    }
}

const fn ctrl(
    c: char,
    label: &'static str,
    action: Action,
    scope: Scope,
    help: &'static str,
) -> Binding {
    Binding {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
        label,
        action,
        scope,
        help,
    }
}

/// A plain character's binding, labelled with that character.
macro_rules! key {
    ($c:literal, $action:ident $(($n:literal))?, $scope:ident, $help:literal) => {
        b(Char($c), concat!($c), A::$action$(($n))?, S::$scope, $help)
    };
}

use Action as A;
use KeyCode::{Char, Down, End, Enter, Esc, Home, PageDown, PageUp, Up};
use Scope as S;

/// Every binding, in the order the help shows them. The first binding that
/// matches a key in scope wins, so scoped bindings come before general ones.
pub const BINDINGS: &[Binding] = &[
    key!('?', Help, Anywhere, "this help"),
    key!(
        ':',
        Command,
        Anywhere,
        "command: :pods :deploy :rs :nodes :svc :events :ns [NAME] :failover :q"
    ),
    b(
        Esc,
        "esc",
        A::Back,
        S::Anywhere,
        "back: close the page, leave the drill-down, clear the filter",
    ),
    key!('q', Quit, Anywhere, "quit"),
    ctrl('c', "ctrl-c", A::Quit, S::Anywhere, "quit"),
    b(Char('j'), "j/↓", A::Down, S::Anywhere, "down"),
    b(Down, "↓", A::Down, S::Anywhere, ""),
    b(Char('k'), "k/↑", A::Up, S::Anywhere, "up"),
    b(Up, "↑", A::Up, S::Anywhere, ""),
    b(PageDown, "pgdn", A::PageDown, S::Anywhere, "page down"),
    ctrl('f', "ctrl-f", A::PageDown, S::Anywhere, ""),
    b(PageUp, "pgup", A::PageUp, S::Anywhere, "page up"),
    ctrl('b', "ctrl-b", A::PageUp, S::Anywhere, ""),
    key!('g', Top, Anywhere, "first line"),
    b(Home, "home", A::Top, S::Anywhere, ""),
    key!('G', Bottom, Anywhere, "last line (logs: follow again)"),
    b(End, "end", A::Bottom, S::Anywhere, ""),
    // Pages.
    b(
        Char(' '),
        "space",
        A::Pause,
        S::Logs,
        "pause or resume following",
    ),
    key!('p', Previous, Logs, "logs of the previous instance"),
    key!('u', Undo, History, "roll back to the selected revision"),
    // Tables.
    b(
        Enter,
        "enter",
        A::Enter,
        S::Table,
        "drill in: deployment/rs/node → pods, namespace → its pods, service → endpoints",
    ),
    key!(
        '/',
        Filter,
        Table,
        "filter: text, or -l app=web for a label selector"
    ),
    key!('o', SortNext, Table, "sort by the next column"),
    key!('O', SortReverse, Table, "reverse the sort"),
    key!('0', AllNamespaces, Table, "all namespaces"),
    key!('1', View(1), Anywhere, "pods"),
    key!('2', View(2), Anywhere, "deployments"),
    key!('3', View(3), Anywhere, "replica sets"),
    key!('4', View(4), Anywhere, "nodes"),
    key!('5', View(5), Anywhere, "services"),
    key!('6', View(6), Anywhere, "events"),
    key!('7', View(7), Anywhere, "namespaces"),
    key!('8', View(8), Anywhere, "failover timeline"),
    key!('d', Describe, Table, "describe, with the object's events"),
    key!('y', Yaml, Table, "YAML"),
    key!('e', Events, Table, "events of the selected object, live"),
    ctrl('d', "ctrl-d", A::Delete, S::Table, "delete (asks first)"),
    key!('l', Logs, Pods, "logs (follows)"),
    key!('s', Scale, Scalable, "scale to… (prompt)"),
    key!('+', ScaleUp, Scalable, "one replica more"),
    key!('-', ScaleDown, Scalable, "one replica less"),
    key!('r', Restart, Deployments, "rollout restart (asks first)"),
    key!(
        'h',
        History,
        Deployments,
        "rollout history, each revision's diff; u to undo"
    ),
    key!('c', Cordon, Nodes, "cordon"),
    key!('C', Uncordon, Nodes, "uncordon"),
    key!('D', Drain, Nodes, "drain (asks first, shows progress)"),
    key!('f', Failover, Nodes, "the node's failover timeline"),
    b(
        Char('K'),
        "K",
        A::Chaos(ChaosAction::Kill),
        S::Machines,
        "kill the node's machine (SIGKILL; its pods die with it)",
    ),
    b(
        Char('R'),
        "R",
        A::Chaos(ChaosAction::Restart),
        S::Machines,
        "start a killed machine again",
    ),
    b(
        Char('p'),
        "p",
        A::Chaos(ChaosAction::Pause),
        S::Machines,
        "pause (freeze) the machine",
    ),
    b(
        Char('P'),
        "P",
        A::Chaos(ChaosAction::Resume),
        S::Machines,
        "resume a paused machine",
    ),
    b(
        Char('x'),
        "x",
        A::Chaos(ChaosAction::Partition),
        S::Machines,
        "partition: cut the machine off the network",
    ),
    b(
        Char('X'),
        "X",
        A::Chaos(ChaosAction::Heal),
        S::Machines,
        "heal: connect a partitioned machine again",
    ),
    ctrl(
        'k',
        "ctrl-k",
        A::ChaosControl(ChaosAction::Kill),
        S::Machines,
        "kill the control daemon",
    ),
    ctrl(
        'r',
        "ctrl-r",
        A::ChaosControl(ChaosAction::Restart),
        S::Machines,
        "start the control daemon again",
    ),
];

/// The action of a key, among the bindings whose scope `active` accepts.
pub fn lookup(key: &KeyEvent, active: impl Fn(Scope) -> bool) -> Option<Action> {
    // Terminals report shifted characters with SHIFT, or not: ignore it for
    // characters (the character itself says `G` or `g`).
    let mods = match key.code {
        KeyCode::Char(_) => key.modifiers - KeyModifiers::SHIFT,
        _ => key.modifiers,
    };
    BINDINGS
        .iter()
        .find(|bd| bd.code == key.code && bd.mods == mods && active(bd.scope))
        .map(|bd| bd.action)
}

/// The word the footer shows beside a key.
pub fn hint(a: Action) -> &'static str {
    match a {
        Action::Logs => "logs",
        Action::Scale => "scale",
        Action::ScaleUp => "scale+1",
        Action::ScaleDown => "scale-1",
        Action::Restart => "restart",
        Action::History => "history",
        Action::Cordon => "cordon",
        Action::Uncordon => "uncordon",
        Action::Drain => "drain",
        Action::Failover => "failover",
        Action::Events => "events",
        Action::Pause => "pause",
        Action::Previous => "previous",
        Action::Undo => "undo",
        _ => "",
    }
}

/// The help: per scope, `key  what it does`, from [`BINDINGS`].
pub fn help_lines() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    let mut out: Vec<(&'static str, Vec<(&'static str, &'static str)>)> = vec![];
    for bd in BINDINGS.iter().filter(|bd| !bd.help.is_empty()) {
        let title = bd.scope.title();
        match out.iter_mut().find(|(t, _)| *t == title) {
            Some((_, v)) => v.push((bd.label, bd.help)),
            None => out.push((title, vec![(bd.label, bd.help)])),
        }
    }
    out
}
