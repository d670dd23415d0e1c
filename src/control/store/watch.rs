//! Watches: a stream of changes of one kind (or all) from a revision on.
//! Recent history comes from the cache's ring, older history from the
//! backend's change log, and the live tail from the writer's fan-out
//! ([`Fanout`]), which it feeds under the cache lock, so no change is missed
//! or repeated. Each watcher has its own queue and is sent only the changes
//! it asked for (one kind, or the pods of one node); the queue is bounded in
//! groups and in bytes, and a watcher that falls further behind is ended as
//! expired (410 Gone: it lists again) instead of holding history without
//! bound. Queued groups are shared, so all queues together hold at most one
//! budget's worth of history.

use super::backend::ChangeType;
use super::{Store, StoreError};
use crate::api::{AnyObject, Kind};
use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

type Group = Arc<Vec<Arc<WatchEvent>>>;

/// Committed groups a watcher may have queued before it counts as fallen
/// behind (besides its byte budget).
pub(super) const GROUPS_QUEUED: usize = 1024;

/// A watcher's end of the writer's fan-out.
struct Sender {
    tx: mpsc::Sender<(Group, usize)>,
    /// Bytes queued and not yet received (as [`WatchEvent::held_bytes`] counts).
    queued: Arc<AtomicUsize>,
    /// Set when the writer dropped this watcher for falling behind.
    lagged: Arc<AtomicBool>,
}

impl Sender {
    /// Queues a group; false when this watcher is to be dropped (gone, or
    /// fallen behind: then marked lagged).
    fn offer(&self, group: &Group, bytes: usize, budget: usize) -> bool {
        let queued = self.queued.load(Ordering::Relaxed);
        // A group larger than the budget still goes to a watcher that has
        // read everything, or such a group would expire every watcher.
        if queued > 0 && queued + bytes > budget {
            self.lagged.store(true, Ordering::Relaxed);
            return false;
        }
        self.queued.fetch_add(bytes, Ordering::Relaxed);
        match self.tx.try_send((group.clone(), bytes)) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.queued.fetch_sub(bytes, Ordering::Relaxed);
                self.lagged.store(true, Ordering::Relaxed);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
}

/// What a watcher is sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Scope {
    Kind(Option<Kind>),
    Node(String),
}

/// Every open watcher, by what it watches.
pub(super) struct Fanout {
    watchers: Mutex<HashMap<Scope, Vec<Sender>>>,
    /// Bytes one watcher may have queued.
    budget: usize,
}

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

/// The receiving end of a watcher's queue.
struct Queue {
    rx: mpsc::Receiver<(Group, usize)>,
    queued: Arc<AtomicUsize>,
    lagged: Arc<AtomicBool>,
}

impl Fanout {
    pub(super) fn new(budget: usize) -> Self {
        Fanout {
            watchers: Mutex::new(HashMap::new()),
            budget,
        }
    }

    fn register(&self, scope: Scope) -> Queue {
        let (tx, rx) = mpsc::channel(GROUPS_QUEUED);
        let queued = Arc::new(AtomicUsize::new(0));
        let lagged = Arc::new(AtomicBool::new(false));
        self.watchers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(scope)
            .or_default()
            .push(Sender {
                tx,
                queued: queued.clone(),
                lagged: lagged.clone(),
            });
        Queue { rx, queued, lagged }
    }

    /// Sends each watcher its share of a committed group. Called by the
    /// writer under the cache lock.
    pub(super) fn dispatch(&self, events: &Group) {
        let mut map = self.watchers.lock().unwrap_or_else(|e| e.into_inner());
        if map.is_empty() {
            return;
        }
        let nodes = map.keys().any(|s| matches!(s, Scope::Node(_)));
        let mut shares: HashMap<Scope, Vec<Arc<WatchEvent>>> = HashMap::new();
        for ev in events.iter() {
            let kind = Scope::Kind(Some(ev.kind));
            if map.contains_key(&kind) {
                shares.entry(kind).or_default().push(ev.clone());
            }
            if nodes && ev.kind == Kind::Pod {
                for n in pod_nodes(ev).into_iter().flatten() {
                    let node = Scope::Node(n.to_string());
                    if map.contains_key(&node) {
                        shares.entry(node).or_default().push(ev.clone());
                    }
                }
            }
        }
        let mut groups: Vec<(Scope, Group)> = shares
            .into_iter()
            .map(|(scope, evs)| (scope, Arc::new(evs)))
            .collect();
        if map.contains_key(&Scope::Kind(None)) {
            groups.push((Scope::Kind(None), events.clone()));
        }
        for (scope, group) in groups {
            let bytes = group.iter().map(|e| e.held_bytes()).sum();
            let Some(senders) = map.get_mut(&scope) else {
                continue;
            };
            senders.retain(|s| s.offer(&group, bytes, self.budget));
            if senders.is_empty() {
                map.remove(&scope);
            }
        }
    }
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

impl WatchEvent {
    /// The memory this change keeps alive while it is held in history, as
    /// budgets count it: its JSON, the parsed form's text again, 32 bytes per
    /// quote in the JSON (each string of the parsed form, a label's key or
    /// value, costs a header, an allocation and its share of a map node: an
    /// object of 100k labels is about eight times its JSON when parsed), and
    /// a fixed overhead. The previous version is not counted: it is the
    /// change before's object, shared.
    pub fn held_bytes(&self) -> usize {
        let quotes = self.json.iter().filter(|&&b| b == b'"').count();
        2 * self.json.len() + 32 * quotes + 256
    }
}

/// A stream of changes; see [`Store::watch`].
pub struct WatchStream {
    backlog: VecDeque<Arc<WatchEvent>>,
    tail: Queue,
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
        let tail = store.inner.fanout.register(match node {
            None => Scope::Kind(kind),
            Some(n) => Scope::Node(n.to_string()),
        });
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
            let tail = &mut self.tail;
            let group = match tail.rx.recv().await {
                Some((group, bytes)) => {
                    tail.queued.fetch_sub(bytes, Ordering::Relaxed);
                    group
                }
                // Dropped for falling behind, and what was queued is read:
                // it lists again.
                None if tail.lagged.load(Ordering::Relaxed) => {
                    return Some(Err(StoreError::Expired {
                        requested: self.after,
                        compacted: self.after,
                    }));
                }
                None => return None,
            };
            for e in group.iter() {
                if e.rev > self.after && self.kind.is_none_or(|k| k == e.kind) {
                    self.after = e.rev;
                    self.pending.push_back(e.clone());
                }
            }
        }
    }

    /// The bytes queued for this watcher and not yet received.
    pub fn queued_bytes(&self) -> usize {
        self.tail.queued.load(Ordering::Relaxed)
    }

    /// The revision of the last event handed out (or the start revision).
    pub fn revision(&self) -> u64 {
        self.after.max(self.start_revision)
    }
}
