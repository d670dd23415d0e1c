//! Watches: a stream of changes of one kind (or all) from a revision on.
//! Recent history comes from the cache's ring, older history from the
//! backend's change log, and the live tail from a broadcast channel that the
//! writer feeds under the cache lock, so no change is missed or repeated.

use super::backend::ChangeType;
use super::{Store, StoreError};
use crate::api::{AnyObject, Kind};
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::broadcast;

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
    rx: broadcast::Receiver<Arc<Vec<Arc<WatchEvent>>>>,
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
    let matches = move |k: Kind| kind.is_none_or(|want| want == k);
    let (rx, current, mut backlog, replay_after) = {
        let c = store.read();
        let rx = store.inner.events.subscribe();
        let current = c.revision;
        let mut backlog = VecDeque::new();
        let mut replay_after = None;
        match from {
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
                            .filter(|e| e.rev > r && matches(e.kind))
                            .cloned(),
                    );
                } else {
                    replay_after = Some(r);
                }
            }
        }
        (rx, current, backlog, replay_after)
    };
    if let Some(mut after) = replay_after {
        let backend = store.inner.backend.clone();
        while after < current {
            let b = backend.clone();
            let page = tokio::task::spawn_blocking(move || b.changes_since(after, PAGE))
                .await
                .map_err(|e| StoreError::BadRequest(format!("reading the change log: {e}")))?
                .map_err(|e| StoreError::Storage(Arc::new(e)))?;
            let Some(first) = page.first() else { break };
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
                backlog.push_back(Arc::new(WatchEvent {
                    rev: ch.rev,
                    type_: ch.type_,
                    kind: k,
                    obj,
                    json: ch.data.clone(),
                    prev: None,
                }));
            }
            if page.len() < PAGE {
                break;
            }
        }
    }
    Ok(WatchStream {
        backlog,
        rx,
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
            match self.rx.recv().await {
                Ok(group) => {
                    for e in group.iter() {
                        if e.rev > self.after && self.kind.is_none_or(|k| k == e.kind) {
                            self.after = e.rev;
                            self.pending.push_back(e.clone());
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    return Some(Err(StoreError::Expired {
                        requested: self.after,
                        compacted: self.after + n,
                    }));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The revision of the last event handed out (or the start revision).
    pub fn revision(&self) -> u64 {
        self.after.max(self.start_revision)
    }
}
