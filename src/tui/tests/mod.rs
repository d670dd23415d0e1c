//! Tests of the dashboard without a terminal: `update()` driven by keys and
//! messages on a seeded app ([`tables`], [`actions`]), the data it derives
//! ([`data`]), and every view drawn on ratatui's TestBackend ([`snapshots`]).
//! The objects come from `api::testing`'s builders; the app's clock is
//! fixed ([`NOW`]), so ages are part of what is checked.

mod actions;
mod chaos;
mod data;
mod snapshots;
mod tables;

use super::app::{App, Conn, Effect, Msg, PageKind, Prompt, Revision, Target, View, update};
use crate::{
    api::testing::Build,
    api::{
        AnyObject, ContainerState, ContainerStateRunning, ContainerStateWaiting, ContainerStatus,
        Deployment, Event, IntOrString, Kind, Node, Object, ObjectReference, Pod, PodPhase,
        PodStatus, ReplicaSet, Service, Time, new_object,
    },
    client::WatchEventType,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;

/// A pod of one container `c` (busybox, requesting 250m and 256Mi),
/// labelled `app` with the first word of its name, on `node` (`""`: not
/// placed), owned by the ReplicaSet `(name, uid)` if given.
fn pod(name: &str, owner: Option<(&str, &str)>, node: &str, status: PodStatus) -> AnyObject {
    let app = name.split('-').next().unwrap_or(name);
    let mut p = Pod::test(name)
        .with_uid(&format!("uid-{name}"))
        .labelled("app", app)
        .on_node(node)
        .requesting("250m", "256Mi");
    if let Some((rs, uid)) = owner {
        p = p.owned_by(&ReplicaSet::test(rs, 1).with_uid(uid));
    }
    p.status = status;
    p.into_any()
}

/// Running, its container `c` in `state`.
fn running_as(ready: bool, restarts: i32, state: ContainerState) -> PodStatus {
    PodStatus {
        phase: PodPhase::Running,
        container_statuses: vec![ContainerStatus {
            name: "c".into(),
            ready,
            restart_count: restarts,
            image: "busybox".into(),
            state,
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn running() -> PodStatus {
    running_as(
        true,
        0,
        ContainerState {
            running: Some(ContainerStateRunning::default()),
            ..Default::default()
        },
    )
}

fn crashing() -> PodStatus {
    running_as(
        false,
        4,
        ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: "CrashLoopBackOff".into(),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
}

/// A node of 2 CPUs and 4 GiB, Ready or not.
fn node(name: &str, ready: bool) -> AnyObject {
    Node::test(name)
        .with_uid(&format!("uid-{name}"))
        .with_allocatable("2", "4Gi")
        .ready(ready)
        .into_any()
}

fn deployment(name: &str, replicas: i32, ready: i32) -> Deployment {
    let mut d = Deployment::test(name, replicas).with_uid(&format!("uid-{name}"));
    d.status.replicas = replicas;
    d.status.ready_replicas = ready;
    d.status.updated_replicas = replicas;
    d.status.available_replicas = ready;
    d
}

fn replicaset(name: &str, deploy: &Deployment, replicas: i32) -> AnyObject {
    let mut r = ReplicaSet::test(name, replicas)
        .with_uid(&format!("uid-{name}"))
        .owned_by(deploy);
    r.status.replicas = replicas;
    r.status.ready_replicas = replicas;
    r.into_any()
}

/// A Warning the node controller recorded about `node` at `at`.
fn node_event(node: &str, reason: &str, message: &str, at: &str) -> AnyObject {
    node_event_from("node-controller", node, reason, message, at)
}

/// A Warning `component` recorded about `node` at `at`.
fn node_event_from(
    component: &str,
    node: &str,
    reason: &str,
    message: &str,
    at: &str,
) -> AnyObject {
    let mut e: Event = new_object("default", &format!("{node}.{reason}"));
    e.involved_object = ObjectReference {
        kind: "Node".into(),
        name: node.into(),
        ..Default::default()
    };
    e.reason = reason.into();
    e.message = message.into();
    e.type_ = "Warning".into();
    e.count = 1;
    let at = Some(Time(at.parse().expect("a time")));
    (e.first_timestamp, e.last_timestamp) = (at, at);
    e.source.component = component.into();
    e.into_any()
}

/// The service `web` on port 80 (every node's 20000) to the pods' `http`.
fn service() -> AnyObject {
    let mut s = Service::test("web").with_uid("uid-svc-web");
    s.spec.cluster_ip = "127.0.0.1".into();
    s.spec.ports[0].target_port = Some(IntOrString::String("http".into()));
    s.spec.ports[0].cluster_port = Some(20000);
    s.into_any()
}

/// The moment every seeded app shows: 25 s after node n2 was marked NotReady.
const NOW: &str = "2026-12-01T10:00:30Z";

/// Two nodes (one lost), a deployment `web` (3 pods, one crashing), a
/// deployment `db` (1 pod), and the failover events of node n2.
fn seeded() -> App {
    let mut app = App::new("http://127.0.0.1:7700", Some("default".into()));
    app.now = Time(NOW.parse().expect("a time"));
    app.conn = Conn::Up;
    app.latency = Some(Duration::from_micros(1500));
    app.height = 10;
    let send = |app: &mut App, kind: Kind, items: Vec<AnyObject>| {
        update(app, Msg::Listed(kind, items));
    };
    send(
        &mut app,
        Kind::Node,
        vec![node("n1", true), node("n2", false)],
    );
    let (web_d, db_d) = (deployment("web", 3, 2), deployment("db", 1, 1));
    send(
        &mut app,
        Kind::ReplicaSet,
        vec![
            replicaset("web-5d8f", &web_d, 3),
            replicaset("db-77c1", &db_d, 1),
        ],
    );
    send(
        &mut app,
        Kind::Deployment,
        vec![web_d.into_any(), db_d.into_any()],
    );
    let web = Some(("web-5d8f", "uid-web-5d8f"));
    send(
        &mut app,
        Kind::Pod,
        vec![
            pod("web-5d8f-a1", web, "n1", running()),
            pod("web-5d8f-b2", web, "n1", crashing()),
            pod("web-5d8f-c3", web, "", PodStatus::default()),
            pod(
                "db-77c1-z9",
                Some(("db-77c1", "uid-db-77c1")),
                "n1",
                running(),
            ),
        ],
    );
    send(
        &mut app,
        Kind::Event,
        vec![
            node_event(
                "n2",
                "NodeNotReady",
                "Node n2 status is now: NodeNotReady (no heartbeat for 5.2s)",
                "2026-12-01T10:00:05Z",
            ),
            node_event(
                "n2",
                "PodsMarkedLost",
                "Marked 3 pods lost 5.2s after the last heartbeat: default/a, default/b, default/c",
                "2026-12-01T10:00:05Z",
            ),
            node_event(
                "n2",
                "ReplacementsScheduled",
                "Replacements of the 3 pods lost with node n2 were scheduled 5.6s after its last heartbeat",
                "2026-12-01T10:00:06Z",
            ),
        ],
    );
    send(&mut app, Kind::Namespace, vec![]);
    send(&mut app, Kind::Service, vec![service()]);
    app.refresh();
    app
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let fx = update(app, Msg::Key(KeyEvent::from(code)));
    app.refresh();
    fx
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    let fx = update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    );
    app.refresh();
    fx
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn names(app: &App) -> Vec<String> {
    app.rows
        .iter()
        .map(|k| k.rsplit('/').next().unwrap_or(k).to_string())
        .collect()
}

fn web() -> Target {
    Target {
        kind: Kind::Deployment,
        namespace: "default".into(),
        name: "web".into(),
    }
}
