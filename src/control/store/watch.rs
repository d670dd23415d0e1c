//! Watches: a stream of changes of one kind (or all) from a revision on.
//! Recent history comes from the cache's ring, older history from the
//! backend's change log, and the live tail from a broadcast channel that the
//! writer feeds under the cache lock, so no change is missed or repeated.
//! Watches of one node's pods have their own tail instead: the writer sends
//! each of them only the changes of pods on that node ([`NodeWatchers`]), and
//! one that falls too far behind is ended as expired (it lists again).

use super::backend::ChangeType;
use super::{Store, StoreError};
use crate::api::{AnyObject, Kind};
use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, mpsc};

type Group = Arc<Vec<Arc<WatchEvent>>>;

/// Groups of changes a node watcher may have queued before it counts as
/// fallen behind.
const NODE_QUEUE: usize = 1024;

/// A node watcher's end of the writer's fan-out.
struct NodeSender {
    tx: mpsc::Sender<Group>,
    /// Set when the writer dropped this watcher for falling behind.
    lagged: Arc<AtomicBool>,
}

/// Watchers of the pods of each node, by node name.
#[derive(Default)]
pub(super) struct NodeWatchers(Mutex<HashMap<String, Vec<NodeSender>>>);

/// The node a pod change concerns: the pod's node, and its node before the
/// change when that differs.
fn pod_node(o: &AnyObject) -> Option<&str> {
    match o {
        AnyObject::Pod(p) if !p.spec.node_name.is_empty() => Some(p.spec.node_name.as_str()),
        _ => None,
    }
}

fn pod_nodes(ev: &WatchEvent) -> [Option<&str>; 2] {
    let node = pod_node;
    let now = node(&ev.obj);
    let before = ev.prev.as_ref().and_then(node).filter(|b| Some(*b) != now);
    [now, before]
}

impl NodeWatchers {
    fn register(&self, node: &str) -> (mpsc::Receiver<Group>, Arc<AtomicBool>) {
        let (tx, rx) = mpsc::channel(NODE_QUEUE);
        let lagged = Arc::new(AtomicBool::new(false));
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(node.to_string())
            .or_default()
            .push(NodeSender {
                tx,
                lagged: lagged.clone(),
            });
        (rx, lagged)
    }

    /// Sends each watched node its share of a committed group. Called by the
    /// writer under the cache lock, like the broadcast.
    pub(super) fn dispatch(&self, events: &[Arc<WatchEvent>]) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.is_empty() {
            return;
        }
        let mut share: HashMap<&str, Vec<Arc<WatchEvent>>> = HashMap::new();
        for ev in events.iter().filter(|e| e.kind == Kind::Pod) {
            for n in pod_nodes(ev).into_iter().flatten() {
                if map.contains_key(n) {
                    share.entry(n).or_default().push(ev.clone());
                }
            }
        }
        for (node, evs) in share {
            let group: Group = Arc::new(evs);
            let Some(senders) = map.get_mut(node) else {
                continue;
            };
            senders.retain(|s| match s.tx.try_send(group.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    s.lagged.store(true, Ordering::Relaxed);
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
            if senders.is_empty() {
                map.remove(node);
            }
        }
    }
}

/// Where a stream's live changes come from.
enum Tail {
    All(broadcast::Receiver<Group>),
    Node {
        rx: mpsc::Receiver<Group>,
        lagged: Arc<AtomicBool>,
    },
}

/// One change, as committed.
#[derive(Clone, Debug)]
pub struct WatchEvent {
    pub rev: u64,
    pub type_: ChangeType,
    pub kind: Kind,
    /// The object after the change (for deletes: its last state).
    pub obj: AnyObject,
    /// `obj` as JSON.
    pub json: Bytes,
    /// The object before the change, when known (live changes only).
    pub prev: Option<AnyObject>,
}

/// A stream of changes; see [`Store::watch`].
pub struct WatchStream {
    backlog: VecDeque<Arc<WatchEvent>>,
    tail: Tail,
    after: u64,
    kind: Option<Kind>,
    pending: VecDeque<Arc<WatchEvent>>,
    /// The revision the stream started at (the backlog ends there).
    pub start_revision: u64,
}

/// Most log rows read per backend query while replaying.
const PAGE: usize = 5_000;

pub(super) async fn start(
    store: &Store,
    kind: Option<Kind>,
    from: Option<u64>,
) -> Result<WatchStream, StoreError> {
    open(store, kind, None, from).await
}

pub(super) async fn start_node(
    store: &Store,
    node: &str,
    from: Option<u64>,
) -> Result<WatchStream, StoreError> {
    open(store, Some(Kind::Pod), Some(node), from).await
}

async fn open(
    store: &Store,
    kind: Option<Kind>,
    node: Option<&str>,
    from: Option<u64>,
) -> Result<WatchStream, StoreError> {
    let matches = move |k: Kind| kind.is_none_or(|want| want == k);
    // With a node, only changes of pods on that node (now or before).
    let on_node = |ev: &WatchEvent| node.is_none_or(|n| pod_nodes(ev).contains(&Some(n)));
    let (tail, current, mut backlog, replay_after) = {
        let c = store.read();
        let tail = match node {
            None => Tail::All(store.inner.events.subscribe()),
            Some(n) => {
                let (rx, lagged) = store.inner.by_node.register(n);
                Tail::Node { rx, lagged }
            }
        };
        let current = c.revision;
        let mut backlog = VecDeque::new();
        let mut replay_after = None;
        match from {
            None if node.is_some() => {
                for e in c.pod_entries_on_node(node.unwrap_or_default()) {
                    backlog.push_back(Arc::new(WatchEvent {
                        rev: e.rev(),
                        type_: ChangeType::Added,
                        kind: Kind::Pod,
                        obj: e.obj.clone(),
                        json: e.json.clone(),
                        prev: None,
                    }));
                }
            }
            None => {
                let kinds: Vec<Kind> = match kind {
                    Some(k) => vec![k],
                    None => Kind::ALL.to_vec(),
                };
                for k in kinds {
                    for e in c.range(k, None) {
                        backlog.push_back(Arc::new(WatchEvent {
                            rev: e.rev(),
                            type_: ChangeType::Added,
                            kind: k,
                            obj: e.obj.clone(),
                            json: e.json.clone(),
                            prev: None,
                        }));
                    }
                }
            }
            Some(r) if r >= current => {}
            Some(r) if r < c.compacted => {
                return Err(StoreError::Expired {
                    requested: r,
                    compacted: c.compacted,
                });
            }
            Some(r) => {
                let covered = c.recent.front().is_some_and(|e| e.rev <= r + 1);
                if covered {
                    backlog.extend(
                        c.recent
                            .iter()
                            .filter(|e| e.rev > r && matches(e.kind) && on_node(e))
                            .cloned(),
                    );
                } else {
                    replay_after = Some(r);
                }
            }
        }
        (tail, current, backlog, replay_after)
    };
    if let Some(mut after) = replay_after {
        let backend = store.inner.backend.clone();
        while after < current {
            let b = backend.clone();
            let page = tokio::task::spawn_blocking(move || b.changes_since(after, PAGE))
                .await
                .map_err(|e| StoreError::BadRequest(format!("reading the change log: {e}")))?
                .map_err(|e| StoreError::Storage(Arc::new(e)))?;
            let Some(first) = page.first() else {
                // The log ends before the store does: those changes are
                // held nowhere any more (a shared store keeps no log).
                return Err(StoreError::Expired {
                    requested: after,
                    compacted: current,
                });
            };
            if first.rev > after + 1 {
                // Compacted away while we looked.
                return Err(StoreError::Expired {
                    requested: after,
                    compacted: first.rev - 1,
                });
            }
            for ch in &page {
                after = ch.rev;
                if ch.rev > current {
                    break;
                }
                let Some(k) = Kind::ALL.into_iter().find(|k| k.as_str() == ch.kind) else {
                    continue;
                };
                if !matches(k) {
                    continue;
                }
                let obj = AnyObject::from_json(k, &ch.data).map_err(|e| {
                    StoreError::BadRequest(format!("the change log holds an unreadable {k}: {e}"))
                })?;
                let ev = WatchEvent {
                    rev: ch.rev,
                    type_: ch.type_,
                    kind: k,
                    obj,
                    json: ch.data.clone(),
                    prev: None,
                };
                if on_node(&ev) {
                    backlog.push_back(Arc::new(ev));
                }
            }
            if page.len() < PAGE {
                break;
            }
        }
    }
    Ok(WatchStream {
        backlog,
        tail,
        after: current,
        kind,
        pending: VecDeque::new(),
        start_revision: current,
    })
}

impl WatchStream {
    /// The next change. `None` when the store shut down; an error when this
    /// watcher fell too far behind (list again and watch from there).
    pub async fn next(&mut self) -> Option<Result<Arc<WatchEvent>, StoreError>> {
        if let Some(e) = self.backlog.pop_front() {
            return Some(Ok(e));
        }
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some(Ok(e));
            }
            let group = match &mut self.tail {
                Tail::All(rx) => match rx.recv().await {
                    Ok(group) => group,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        return Some(Err(StoreError::Expired {
                            requested: self.after,
                            compacted: self.after + n,
                        }));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                Tail::Node { rx, lagged } => match rx.recv().await {
                    Some(group) => group,
                    None if lagged.load(Ordering::Relaxed) => {
                        return Some(Err(StoreError::Expired {
                            requested: self.after,
                            compacted: self.after,
                        }));
                    }
                    None => return None,
                },
            };
            for e in group.iter() {
                if e.rev > self.after && self.kind.is_none_or(|k| k == e.kind) {
                    self.after = e.rev;
                    self.pending.push_back(e.clone());
                }
            }
        }
    }

    /// The revision of the last event handed out (or the start revision).
    pub fn revision(&self) -> u64 {
        self.after.max(self.start_revision)
    }
}
