//! Controllers: each keeps one kind at its declared state. A controller is a
//! pure `reconcile(desired, observed) -> plan` function (tested without I/O)
//! and a thin loop here that feeds it: watches put the keys of changed
//! objects on a work queue (deduplicated), a worker takes keys one at a time,
//! reads the store's cache, computes the plan and writes it in one store
//! transaction. Every object is also requeued periodically (resync), and a
//! failed reconcile is retried with backoff. Reconciles are idempotent: running
//! one twice changes nothing the second time.
//!
//! Because the store's cache is updated before a write is acknowledged, a
//! worker always sees its own previous writes: no "expectations" bookkeeping.

pub mod apiservice;
pub mod clusterroles;
pub mod cronjob;
pub mod daemonset;
pub mod deployment;
pub mod disruption;
pub mod endpoints;
pub mod gc;
pub mod hpa;
pub mod ingress;
pub mod job;
pub mod node_lifecycle;
pub mod replicaset;
pub mod resourcequota;
pub mod serviceaccount;
pub mod servicelb;
pub mod statefulset;
pub mod storage;
pub mod taint_eviction;

use crate::api::{Kind, Object, Pod};
use crate::backoff::Backoff;
use crate::control::admission;
use crate::control::events::{EventType, Recorder};
use crate::control::store::{Store, StoreError, Tx, WatchEvent};
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// `(namespace, name)` of the object a reconcile is about.
pub type Key = (String, String);

/// Creates a pod `owner`'s controller made, through the admission a
/// client's pod goes through (ServiceAccount, LimitRanges, ResourceQuotas,
/// admission policies). A refusal (or a pod the store finds invalid) is
/// recorded on the owner as a `FailedCreate` Warning, in
/// Kubernetes' words, and answered with `None`: the caller stops creating
/// for this pass and keeps what it did. Other errors abort the transaction.
pub fn create_owned_pod<O: Object>(
    tx: &mut Tx<'_>,
    events: Recorder,
    owner: &O,
    pod: Pod,
) -> Result<Option<Arc<Pod>>, StoreError> {
    if owner.meta().is_terminating() {
        // Its deletion is under way (foreground: waiting for these very pods).
        return Ok(None);
    }
    match admission::create_pod(tx, pod) {
        Ok(p) => Ok(Some(p)),
        Err(
            why @ (StoreError::Forbidden(_)
            | StoreError::Denied { .. }
            | StoreError::Invalid { .. }),
        ) => {
            events.record(
                tx,
                owner,
                EventType::Warning,
                "FailedCreate",
                &format!("Error creating: {why}"),
            )?;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The objects of kind `T` that `owner` controls: those whose
/// `controller: true` reference names its uid.
pub fn controlled<T: Object, O: Object>(store: &Store, owner: &O) -> Vec<Arc<T>> {
    let uid = &owner.meta().uid;
    store
        .owned_by(uid)
        .into_iter()
        .filter_map(|o| T::from_any(&o).cloned())
        .filter(|o| o.meta().controller().is_some_and(|r| &r.uid == uid))
        .collect()
}

/// How often every object is reconciled even without a change.
pub const RESYNC: Duration = Duration::from_secs(30);

/// A deduplicating FIFO of keys.
#[derive(Default)]
pub struct WorkQueue {
    inner: Mutex<(VecDeque<Key>, HashSet<Key>)>,
    notify: Notify,
}

impl WorkQueue {
    pub fn new() -> Arc<Self> {
        Arc::new(WorkQueue::default())
    }

    pub fn add(&self, key: Key) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if g.1.insert(key.clone()) {
            g.0.push_back(key);
            self.notify.notify_one();
        }
    }

    pub fn add_after(self: &Arc<Self>, key: Key, delay: Duration) {
        let q = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            q.add(key);
        });
    }

    pub async fn next(&self) -> Key {
        loop {
            {
                let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(k) = g.0.pop_front() {
                    g.1.remove(&k);
                    return k;
                }
            }
            self.notify.notified().await;
        }
    }

    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Watches `kind` and puts the keys `map` derives from each change on the
/// queue, until shutdown. Starts with every current object (a full sync);
/// after falling behind it starts over the same way.
pub fn feed(
    store: Store,
    kind: Kind,
    queue: Arc<WorkQueue>,
    map: impl Fn(&WatchEvent) -> Vec<Key> + Send + 'static,
    mut shutdown: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        loop {
            let mut w = match store.watch(Some(kind), None).await {
                Ok(w) => w,
                Err(e) => {
                    tracing::warn!(%kind, error = %e, "controller watch failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            loop {
                tokio::select! {
                    ev = w.next() => match ev {
                        Some(Ok(ev)) => for k in map(&ev) { queue.add(k) },
                        Some(Err(e)) => {
                            tracing::debug!(%kind, error = %e, "controller watch fell behind; resyncing");
                            break;
                        }
                        None => return,
                    },
                    _ = shutdown.changed() => return,
                }
            }
        }
    });
}

/// Puts every object of `kind` on the queue every [`RESYNC`].
pub fn resync(
    store: Store,
    kind: Kind,
    queue: Arc<WorkQueue>,
    mut shutdown: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RESYNC);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let (entries, _) = store.list_entries(kind, None, |_| true);
                    for e in entries {
                        let m = e.obj.meta();
                        queue.add((m.namespace.clone(), m.name.clone()));
                    }
                }
                _ = shutdown.changed() => return,
            }
        }
    });
}

/// How a failed reconcile of one key is retried: 0.2 s, doubling to 25.6 s.
const RETRY: Backoff = Backoff::new(Duration::from_millis(200), Duration::from_millis(25_600));

/// Runs `reconcile` on each key from the queue until shutdown. `Ok(Some(d))`
/// asks to see the key again after `d`; errors retry with backoff (conflicts
/// at once: the cache already holds the newer object).
pub fn work<F, Fut>(
    name: &'static str,
    queue: Arc<WorkQueue>,
    mut reconcile: F,
    mut shutdown: watch::Receiver<bool>,
) where
    F: FnMut(Key) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Option<Duration>, StoreError>> + Send,
{
    tokio::spawn(async move {
        let mut failures: std::collections::HashMap<Key, Backoff> = Default::default();
        loop {
            let key = tokio::select! {
                k = queue.next() => k,
                _ = shutdown.changed() => return,
            };
            match reconcile(key.clone()).await {
                Ok(again) => {
                    failures.remove(&key);
                    if let Some(d) = again {
                        queue.add_after(key, d);
                    }
                }
                Err(StoreError::Conflict { .. }) => queue.add(key),
                Err(StoreError::Closed) => return,
                Err(e) => {
                    let delay = failures.entry(key.clone()).or_insert(RETRY).next_delay();
                    tracing::warn!(controller = name, ns = %key.0, name = %key.1, error = %e, "reconcile failed; retrying in {delay:?}");
                    queue.add_after(key, delay);
                }
            }
        }
    });
}

/// A keyed controller being wired: one queue its watches feed and one
/// worker drains.
pub struct Controller {
    name: &'static str,
    store: Store,
    queue: Arc<WorkQueue>,
    shutdown: watch::Receiver<bool>,
}

impl Controller {
    pub fn new(name: &'static str, store: Store, shutdown: watch::Receiver<bool>) -> Self {
        Controller {
            name,
            store,
            queue: WorkQueue::new(),
            shutdown,
        }
    }

    /// Queues the keys `map` derives from each change of `kind` ([`feed`]).
    pub fn watch(self, kind: Kind, map: impl Fn(&WatchEvent) -> Vec<Key> + Send + 'static) -> Self {
        feed(
            self.store.clone(),
            kind,
            self.queue.clone(),
            map,
            self.shutdown.clone(),
        );
        self
    }

    /// Requeues every object of `kind` every [`RESYNC`] and runs `sync` on
    /// each key until shutdown ([`work`]).
    pub fn run<F, Fut>(self, kind: Kind, sync: F)
    where
        F: Fn(Store, Key) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Option<Duration>, StoreError>> + Send,
    {
        resync(
            self.store.clone(),
            kind,
            self.queue.clone(),
            self.shutdown.clone(),
        );
        let store = self.store;
        work(
            self.name,
            self.queue,
            move |key| sync(store.clone(), key),
            self.shutdown,
        );
    }
}

/// The key of the controlling owner of a given kind, if any.
pub fn owner_key(ev: &WatchEvent, owner_kind: Kind) -> Vec<Key> {
    let m = ev.obj.meta();
    m.controller()
        .filter(|r| r.kind == owner_kind.as_str())
        .map(|r| vec![(m.namespace.clone(), r.name.clone())])
        .unwrap_or_default()
}

/// The key of the changed object itself.
pub fn self_key(ev: &WatchEvent) -> Vec<Key> {
    let m = ev.obj.meta();
    vec![(m.namespace.clone(), m.name.clone())]
}

/// Makes `obj`, an object ork keeps by default (its IngressClass, its
/// StorageClass), when none of its kind and name exists: in the
/// background, retried with backoff until it is made or the store closes.
pub fn ensure_exists<T: Object + Clone + Send + Sync + 'static>(store: Store, obj: T) {
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(200);
        let (ns, name) = (obj.namespace().to_string(), obj.name().to_string());
        loop {
            if store.get::<T>(&ns, &name).is_some() {
                return;
            }
            let made = obj.clone();
            match store.txn(move |tx| tx.create(made).map(|_| ())).await {
                Ok(()) | Err(StoreError::AlreadyExists { .. }) | Err(StoreError::Closed) => return,
                Err(e) => {
                    tracing::warn!(kind = %T::KIND, %name, error = %e, "creating a default object failed; retrying");
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(10));
        }
    });
}
