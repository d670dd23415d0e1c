//! The store: every object of the cluster, durable in a [`Backend`] (SQLite,
//! or etcd shared by several control daemons), served from an in-memory
//! cache kept exactly in step with it, with a global revision and a change
//! log that watches resume from.
//!
//! # Expected flow
//!
//! Writers call [`Store::txn`] with a closure. The closure runs on the one
//! writer thread against a [`Tx`]: a view of the cache plus the writes made so
//! far in the same group. The writer takes every request waiting in its queue,
//! runs their closures one after another, writes all their changes to the
//! backend in one transaction (one fsync), then applies them to the cache,
//! appends them to the change log ring and fans them out to watchers, and only
//! then answers each caller.
//!
//! Every history held in memory is bounded in bytes ([`Budgets`]): the ring
//! of recent changes drops its oldest, and a watcher whose queue passes its
//! budget is ended as expired (it lists again), as one behind the compacted
//! log is.
//!
//! # Guarantees
//!
//! - A write is acknowledged only after it is durable; nobody (reader or
//!   watcher) sees a change before it is durable.
//! - Each write bumps the global revision by one; an object's
//!   `resourceVersion` is the revision of its last write.
//! - A closure that returns an error changes nothing, even if it wrote before
//!   failing; other closures of the same group are unaffected.
//! - Reads never touch SQLite; watches resume from any revision newer than the
//!   compacted one (older ones get [`StoreError::Expired`]).
//!
//! # Several control daemons
//!
//! With a shared backend each daemon's writer computes its groups against
//! its own cache, and the backend commits a group only if the store is still
//! at the revision the group was computed at (nothing is written if not).
//! Commits of the other daemons arrive through [`Backend::follow`] and are
//! applied to the cache, published to watchers and fanned out exactly like
//! local ones; the echo of a local commit is skipped. When the backend does
//! not answer, writes fail with [`StoreError::Unavailable`] while reads and
//! watches go on from the cache.
//!
//! A commit that another daemon's overtook is not a failure of its callers:
//! the writer waits until its cache has followed the winner, runs the
//! group's closures again against it (so closures must be `Clone`: each run
//! gets its own copy of what it captured) and commits again, up to
//! [`RACE_ATTEMPTS`] times within [`RACE_BUDGET`]; one overtaken
//! [`TURN_AFTER`] times takes the turn ([`Backend::take_turn`]), holding the
//! other daemons' commits until it lands, so a steady stream of commits from
//! one daemon cannot starve another's. So, as with Kubernetes'
//! apiserver, a write conflicts (409 [`StoreError::Conflict`],
//! [`StoreError::AlreadyExists`], …) only when an object it depends on
//! really changed: its own resourceVersion precondition, or what the closure
//! read. Only a group still overtaken after that budget answers
//! [`StoreError::Raced`]. A daemon that lost the lead its commits are
//! fenced with ([`BackendError::Fenced`]) does not try again: its callers
//! get [`StoreError::Raced`] saying it is no longer the leader. On a
//! backend no other daemon writes (SQLite) a group runs exactly once and its
//! closures are never copied.
//!
//! # Caveats
//!
//! Closures run on the writer thread: they must be quick and must not block.
//! On a shared backend a closure may run more than once for one call: what
//! it does outside its [`Tx`] must bear that, or go through [`Tx::once`].
//!
//! This module must not import the HTTP layer, controllers or the scheduler.

pub mod backend;
mod cache;
#[cfg(test)]
mod conformance;
pub mod etcd;
pub mod sealed;
#[cfg(test)]
pub mod testing;
mod tx;
mod watch;

pub use backend::{Backend, BackendError, ChangeType, Followed, Sqlite};
pub use cache::Entry;
pub use etcd::{Etcd, EtcdConfig, StoreUrl};
pub use tx::{Preconditions, Subresource, Tx};
pub use watch::{WatchEvent, WatchStream};

use crate::api::{AnyObject, FieldError, Kind, Object, Pod};
use cache::Cache;
use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use tokio::sync::{mpsc, oneshot};

/// Fewest changes the durable log keeps, so a watcher that reconnects after
/// a short break resumes instead of listing again.
const LOG_MIN: u64 = 1_000;
/// Most changes the durable log keeps.
const LOG_MAX: u64 = 50_000;

/// How many changes the durable log keeps with `live` objects in the store:
/// a quarter as many as there are objects (within [`LOG_MIN`, `LOG_MAX`]).
/// Watchers of a running daemon resume from the larger in-memory ring; this
/// log serves those that reconnect after a restart. One further behind lists
/// again, and the database stays under twice the live data however many
/// updates it takes.
fn log_retain(live: usize) -> u64 {
    (live as u64 / 4).clamp(LOG_MIN, LOG_MAX)
}
/// How many bytes of history the store holds in memory (as
/// [`WatchEvent::held_bytes`] counts them: an object's JSON and its parsed
/// form).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budgets {
    /// The ring of recent changes that watches resume from and consistent
    /// lists read (`--watch-history-bytes`); past it the oldest changes go.
    pub history_bytes: usize,
    /// What one watcher may have queued and not yet read
    /// (`--watch-queue-bytes`); a watcher further behind is ended with 410
    /// Gone and lists again. Queued changes are shared between watchers, so
    /// this also bounds all queues together.
    pub queue_bytes: usize,
}

/// The default `--watch-history-bytes`: room for ~4,000 changes of 2 KiB
/// pods, or 5 of a 1.5 MiB object.
pub const DEFAULT_HISTORY_BYTES: usize = 16 << 20;
/// The default `--watch-queue-bytes`: several large commits (a scheduler
/// batch of 1,000 bound pods is ~4 MiB).
pub const DEFAULT_QUEUE_BYTES: usize = 64 << 20;

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            history_bytes: DEFAULT_HISTORY_BYTES,
            queue_bytes: DEFAULT_QUEUE_BYTES,
        }
    }
}

/// What runs inside a transaction before an object of a kind is created,
/// writing in the same transaction (the Event cap evicts old Events there).
/// It must be quick, like any transaction.
pub type CreateHook = Arc<dyn Fn(&mut Tx<'_>) -> Result<(), StoreError> + Send + Sync>;

/// The [`CreateHook`]s of one store, by kind.
#[derive(Clone, Default)]
pub struct Hooks(HashMap<Kind, CreateHook>);

impl Hooks {
    pub(crate) fn before_create(&self, kind: Kind) -> Option<&CreateHook> {
        self.0.get(&kind)
    }
}

/// Most requests grouped into one commit.
const MAX_GROUP: usize = 2_000;

/// What went wrong with a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{kind} {name:?} not found{}", ns_suffix(namespace))]
    NotFound {
        kind: Kind,
        namespace: String,
        name: String,
    },
    #[error("{kind} {name:?} already exists{}", ns_suffix(namespace))]
    AlreadyExists {
        kind: Kind,
        namespace: String,
        name: String,
    },
    #[error("{kind} {name:?}: {message}")]
    Conflict {
        kind: Kind,
        name: String,
        message: String,
    },
    #[error("{kind} {name:?} is invalid: {}", join_errors(errors))]
    Invalid {
        kind: Kind,
        name: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    /// Refused by an admission policy, with the status its rule names
    /// (401, 403, 413).
    #[error("{message}")]
    Denied {
        code: u16,
        reason: &'static str,
        message: String,
    },
    #[error(
        "resource version {requested} is too old (the log starts after {compacted}); list again"
    )]
    Expired { requested: u64, compacted: u64 },
    #[error("storage failed: {0}")]
    Storage(#[source] Arc<BackendError>),
    /// Another control daemon wrote first: nothing was written; retry.
    #[error("{0}")]
    Raced(String),
    /// The store does not answer (etcd lost its quorum): writes wait for it;
    /// reads and watches go on from the cache.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    #[error("the store is shutting down")]
    Closed,
}

fn ns_suffix(ns: &str) -> String {
    if ns.is_empty() {
        String::new()
    } else {
        format!(" in namespace {ns:?}")
    }
}

fn join_errors(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// How many times a group is computed against a cache another control
/// daemon's commit overtook before its callers get [`StoreError::Raced`].
const RACE_ATTEMPTS: u32 = 30;
/// After how many attempts a group overtaken each time takes the turn
/// ([`Backend::take_turn`]).
const TURN_AFTER: u32 = 3;
/// How long a group keeps being computed again after races.
const RACE_BUDGET: std::time::Duration = std::time::Duration::from_secs(4);

/// A transaction's closure, run once per attempt at committing its group.
/// With `again` it runs on a copy of what it captured, so it can run once
/// more; without, on the captures themselves, and never again.
type TxFn = Box<dyn FnMut(&mut Tx<'_>, bool) -> Result<Box<dyn Any + Send>, StoreError> + Send>;

/// What a transaction answers its caller.
type Answer = Result<Box<dyn Any + Send>, StoreError>;

struct Request {
    f: TxFn,
    /// What the closure did once for all its runs ([`Tx::once`]).
    memo: tx::Memo,
    /// Run the closure, answer with its result, keep none of its writes.
    dry_run: bool,
    reply: oneshot::Sender<Result<Box<dyn Any + Send>, StoreError>>,
}

struct Inner {
    cache: RwLock<Cache>,
    /// Every watcher's queue of live changes.
    fanout: watch::Fanout,
    hooks: RwLock<Arc<Hooks>>,
    backend: Arc<dyn Backend>,
    /// Groups computed again after another control daemon's commit
    /// overtook them.
    recomputed: AtomicU64,
    /// Notified each time the cache applies what the backend followed.
    followed: (Mutex<()>, Condvar),
}

/// Handle to the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
    queue: mpsc::Sender<Request>,
}

impl Store {
    /// Loads every object from the backend and starts the writer thread,
    /// with the default [`Budgets`].
    pub fn open(backend: Arc<dyn Backend>) -> Result<Store, StoreError> {
        Self::open_with(backend, Budgets::default())
    }

    /// [`Store::open`] with these budgets for the history held in memory.
    pub fn open_with(backend: Arc<dyn Backend>, budgets: Budgets) -> Result<Store, StoreError> {
        let loaded = backend
            .load()
            .map_err(|e| StoreError::Storage(Arc::new(e)))?;
        let cache = Cache::load(loaded, budgets.history_bytes).map_err(StoreError::BadRequest)?;
        let inner = Arc::new(Inner {
            cache: RwLock::new(cache),
            fanout: watch::Fanout::new(budgets.queue_bytes),
            hooks: RwLock::default(),
            backend,
            recomputed: AtomicU64::new(0),
            followed: (Mutex::new(()), Condvar::new()),
        });
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        inner
            .backend
            .follow(Box::new(move |followed| match weak.upgrade() {
                Some(inner) => {
                    apply_followed(&inner, followed);
                    true
                }
                None => false,
            }))
            .map_err(|e| StoreError::Storage(Arc::new(e)))?;
        let (queue, rx) = mpsc::channel(65_536);
        let writer_inner = inner.clone();
        // Admission evaluates CEL expressions on this thread: it gets the
        // stack they may need (reserved, not used).
        std::thread::Builder::new()
            .name("ork-store-writer".into())
            .stack_size(crate::api::cel::STACK)
            .spawn(move || {
                crate::api::cel::declare_deep_stack();
                writer_loop(writer_inner, rx)
            })
            .map_err(|e| StoreError::BadRequest(format!("starting the store writer: {e}")))?;
        Ok(Store { inner, queue })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cache> {
        self.inner.cache.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The revision of the last committed write.
    pub fn revision(&self) -> u64 {
        self.read().revision
    }

    /// How many times a group of writes was computed again because another
    /// control daemon's commit overtook it (always 0 on SQLite).
    pub fn recomputed(&self) -> u64 {
        self.inner.recomputed.load(Ordering::Relaxed)
    }

    /// The bytes of recent changes held in memory, as [`Budgets`] counts them.
    pub fn history_bytes(&self) -> usize {
        self.read().history_bytes()
    }

    /// Runs `hook` inside every transaction of this store, before each
    /// create of `kind` (replacing the hook it had).
    pub fn before_create(&self, kind: Kind, hook: CreateHook) {
        let mut hooks = self.inner.hooks.write().unwrap_or_else(|e| e.into_inner());
        let mut next = hooks.as_ref().clone();
        next.0.insert(kind, hook);
        *hooks = Arc::new(next);
    }

    pub fn get<T: Object>(&self, namespace: &str, name: &str) -> Option<Arc<T>> {
        let c = self.read();
        c.get(T::KIND, namespace, name)
            .and_then(|e| T::from_any(&e.obj).cloned())
    }

    pub fn get_entry(&self, kind: Kind, namespace: &str, name: &str) -> Option<Entry> {
        self.read().get(kind, namespace, name).cloned()
    }

    /// Every object of a type (in one namespace, or all), sorted by namespace and name.
    pub fn list<T: Object>(&self, namespace: Option<&str>) -> Vec<Arc<T>> {
        let c = self.read();
        c.range(T::KIND, namespace)
            .filter_map(|e| T::from_any(&e.obj).cloned())
            .collect()
    }

    /// Entries of a kind matching `keep`, and the revision they are current at.
    pub fn list_entries(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        mut keep: impl FnMut(&Entry) -> bool,
    ) -> (Vec<Entry>, u64) {
        let c = self.read();
        let items = c
            .range(kind, namespace)
            .filter(|e| keep(e))
            .cloned()
            .collect();
        (items, c.revision)
    }

    /// Entries of a kind matching `keep` as they were at revision `at` (the
    /// current ones when `at` is the current revision or newer), and the
    /// revision they are current at. [`StoreError::Expired`] when the
    /// changes since `at` are no longer all held in memory.
    pub fn list_entries_at(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        at: u64,
        mut keep: impl FnMut(&Entry) -> bool,
    ) -> Result<(Vec<Entry>, u64), StoreError> {
        let c = self.read();
        let mut items = c.range_at(kind, namespace, at).ok_or(StoreError::Expired {
            requested: at,
            compacted: c.recent.front().map_or(c.revision, |e| e.rev - 1),
        })?;
        items.retain(|e| keep(e));
        Ok((items, at.min(c.revision)))
    }

    /// Objects whose ownerReferences name `uid`.
    pub fn owned_by(&self, uid: &str) -> Vec<AnyObject> {
        self.read().owned_by(uid)
    }

    /// Pods bound to a node.
    pub fn pods_on_node(&self, node: &str) -> Vec<Arc<Pod>> {
        self.read().pods_on_node(node)
    }

    /// Runs `f` on the writer thread as one atomic transaction and returns its
    /// result once the writes are durable. On a shared backend a copy of `f`
    /// may run again, against a newer cache, when another control daemon's
    /// commit overtook this one; only the last run's result and writes count.
    pub async fn txn<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<R, StoreError> + Clone + Send + 'static,
    {
        self.run(f, false).await
    }

    /// Like [`Store::txn`], but every write is checked and then thrown away:
    /// the result is what the transaction would have done.
    pub async fn txn_dry_run<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<R, StoreError> + Clone + Send + 'static,
    {
        self.run(f, true).await
    }

    /// [`Store::txn`], or [`Store::txn_dry_run`] when `dry_run`.
    pub async fn txn_with<R, F>(&self, dry_run: bool, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<R, StoreError> + Clone + Send + 'static,
    {
        self.run(f, dry_run).await
    }

    async fn run<R, F>(&self, f: F, dry_run: bool) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<R, StoreError> + Clone + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let mut f = Some(f);
        let f: TxFn = Box::new(move |tx, again| {
            let f = if again { f.clone() } else { f.take() };
            let f = f.ok_or_else(|| {
                StoreError::BadRequest("internal: a transaction ran after its last attempt".into())
            })?;
            f(tx).map(|r| Box::new(r) as Box<dyn Any + Send>)
        });
        self.queue
            .send(Request {
                f,
                memo: tx::Memo::default(),
                dry_run,
                reply,
            })
            .await
            .map_err(|_| StoreError::Closed)?;
        let out = rx.await.map_err(|_| StoreError::Closed)??;
        out.downcast::<R>()
            .map(|b| *b)
            .map_err(|_| StoreError::BadRequest("internal: transaction result type".into()))
    }

    pub async fn create<T: Object>(&self, obj: T) -> Result<Arc<T>, StoreError> {
        self.txn(move |tx| tx.create(obj)).await
    }

    /// Replaces the object (its status is kept).
    pub async fn update<T: Object>(&self, obj: T) -> Result<Arc<T>, StoreError> {
        self.txn(move |tx| tx.update(obj, Subresource::Main)).await
    }

    /// Replaces the object's status (everything else is kept).
    pub async fn update_status<T: Object>(&self, obj: T) -> Result<Arc<T>, StoreError> {
        self.txn(move |tx| tx.update(obj, Subresource::Status))
            .await
    }

    /// Reads, changes and writes one object atomically. `f` returns whether it
    /// changed anything; nothing is written when it did not.
    pub async fn mutate<T: Object, F>(
        &self,
        namespace: &str,
        name: &str,
        sub: Subresource,
        f: F,
    ) -> Result<Arc<T>, StoreError>
    where
        F: FnOnce(&mut T) -> Result<bool, StoreError> + Clone + Send + 'static,
    {
        let (ns, n) = (namespace.to_string(), name.to_string());
        self.txn(move |tx| tx.mutate::<T, _>(&ns, &n, sub, f)).await
    }

    pub async fn delete<T: Object>(
        &self,
        namespace: &str,
        name: &str,
        pre: Preconditions,
    ) -> Result<Arc<T>, StoreError> {
        let (ns, n) = (namespace.to_string(), name.to_string());
        self.txn(move |tx| tx.delete::<T>(&ns, &n, pre)).await
    }

    /// Watches changes of one kind (or all kinds). With `from = None` the
    /// stream starts with an ADDED event for every current object; with
    /// `Some(rev)` it replays every change after `rev` first.
    pub async fn watch(
        &self,
        kind: Option<Kind>,
        from: Option<u64>,
    ) -> Result<WatchStream, StoreError> {
        watch::start(self, kind, from).await
    }

    /// Watches the pods bound to one node: like `watch(Some(Pod), from)`
    /// filtered to that node, but fed only that node's changes, so a
    /// thousand node daemons do not each wake for every pod of the cluster.
    /// Events of pods that move on or off the node are included (with
    /// `prev`), so a filter can turn them into ADDED / DELETED.
    pub async fn watch_node_pods(
        &self,
        node: &str,
        from: Option<u64>,
    ) -> Result<WatchStream, StoreError> {
        watch::start_node(self, node, from).await
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.inner.backend
    }
}

fn writer_loop(inner: Arc<Inner>, mut rx: mpsc::Receiver<Request>) {
    while let Some(first) = rx.blocking_recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(r) => group.push(r),
                Err(_) => break,
            }
        }
        run_group(&inner, group);
    }
}

/// Runs a group's closures and commits their writes. On a shared backend a
/// commit that another control daemon's overtook (a race on the global
/// revision, not on any object) is not the callers' failure: once the cache
/// has followed the winner, the closures run again against it and the group
/// commits again, up to [`RACE_ATTEMPTS`] times within [`RACE_BUDGET`]. The
/// closures check existence and resourceVersion preconditions each time, so
/// a write to an object that really changed meanwhile fails as it would on
/// one daemon. A daemon that lost the lead does not try again.
fn run_group(inner: &Inner, mut group: Vec<Request>) {
    let hooks = inner
        .hooks
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let shared = inner.backend.shared();
    let started = std::time::Instant::now();
    let mut attempt = 1;
    loop {
        let again = shared && attempt < RACE_ATTEMPTS && started.elapsed() < RACE_BUDGET;
        let (staged, results) = compute(inner, &mut group, &hooks, again);
        if staged.is_empty() {
            if attempt > 1 {
                inner.backend.release_turn();
            }
            answer(group, results);
            return;
        }
        match commit(inner, staged) {
            Ok(compact_to) => {
                answer(group, results);
                if let Some(upto) = compact_to {
                    compact(inner, upto);
                }
                return;
            }
            Err(BackendError::Raced {
                mut current,
                message,
            }) => {
                if again && attempt >= TURN_AFTER {
                    // Overtaken again and again by another daemon's stream of
                    // commits: hold them until this group lands.
                    match inner.backend.take_turn() {
                        Ok(at) => current = current.max(at),
                        Err(e) => tracing::debug!(error = %e, "taking the turn to commit failed"),
                    }
                }
                // Let the cache catch up with what won, before computing the
                // group again or before the next group.
                let left = RACE_BUDGET.saturating_sub(started.elapsed());
                wait_for_revision(inner, current, left.max(std::time::Duration::from_secs(1)));
                if again && started.elapsed() < RACE_BUDGET {
                    inner.recomputed.fetch_add(1, Ordering::Relaxed);
                    attempt += 1;
                    continue;
                }
                return fail(inner, group, StoreError::Raced(message));
            }
            Err(BackendError::Fenced(m)) => return fail(inner, group, StoreError::Raced(m)),
            Err(BackendError::Unavailable(m)) => {
                return fail(inner, group, StoreError::Unavailable(m));
            }
            Err(e) => {
                tracing::error!(error = %e, "store commit failed; the writes of this group are refused");
                return fail(inner, group, StoreError::Storage(Arc::new(e)));
            }
        }
    }
}

/// Runs every closure of a group against the cache, each seeing the writes
/// of those before it; `again` keeps each closure able to run once more.
fn compute(
    inner: &Inner,
    group: &mut [Request],
    hooks: &Hooks,
    again: bool,
) -> (tx::Staged, Vec<Answer>) {
    let cache = inner.cache.read().unwrap_or_else(|e| e.into_inner());
    let mut staged = tx::Staged::new(cache.revision);
    let mut results = Vec::with_capacity(group.len());
    for req in group.iter_mut() {
        let mut t = Tx::new(&cache, &staged, hooks, &mut req.memo, req.dry_run);
        let result = (req.f)(&mut t, again);
        if result.is_ok() && !req.dry_run {
            let own = t.finish();
            staged.absorb(own);
        }
        results.push(result);
    }
    (staged, results)
}

fn answer(group: Vec<Request>, results: Vec<Answer>) {
    for (req, r) in group.into_iter().zip(results) {
        let _ = req.reply.send(r);
    }
}

/// Answers every caller of a group that wrote nothing with the same error.
fn fail(inner: &Inner, group: Vec<Request>, err: StoreError) {
    inner.backend.release_turn();
    for req in group {
        let _ = req.reply.send(Err(clone_error(&err)));
    }
}

/// Commits a group's writes, then applies them to the cache and fans them
/// out; the revision to compact the log to, when it is due.
fn commit(inner: &Inner, staged: tx::Staged) -> Result<Option<u64>, BackendError> {
    let base = staged.base();
    let (changes, events, revision) = staged.into_changes();
    let started = std::time::Instant::now();
    let committed = inner.backend.commit(&changes, revision);
    let t = crate::control::telemetry::global();
    t.commit_latency.observe(started.elapsed());
    t.commit_writes.observe_value(changes.len() as f64);
    committed?;
    let events: Arc<Vec<Arc<WatchEvent>>> = Arc::new(events.into_iter().map(Arc::new).collect());
    let mut cache = inner.cache.write().unwrap_or_else(|e| e.into_inner());
    // Otherwise the follower applied this commit's echo first.
    if cache.revision == base {
        cache.apply(&events, revision);
        // Sent under the lock so a watcher that subscribes under the read
        // lock sees either all of this group in the cache or all of it as
        // events.
        inner.fanout.dispatch(&events);
    }
    // Compact in steps of a quarter of the retained length, so the log
    // stays between 1× and 1.25× of it without a delete per commit.
    let retain = log_retain(cache.len());
    Ok((revision > cache.compacted + retain + retain / 4).then(|| revision - retain))
}

fn compact(inner: &Inner, upto: u64) {
    match inner.backend.compact(upto) {
        Ok(()) => {
            let mut cache = inner.cache.write().unwrap_or_else(|e| e.into_inner());
            cache.compacted = cache.compacted.max(upto);
        }
        Err(e) => tracing::warn!(error = %e, "compacting the change log failed"),
    }
}

/// Waits (on the writer thread) until the cache reaches `revision`, or `max`.
fn wait_for_revision(inner: &Inner, revision: u64, max: std::time::Duration) {
    let until = std::time::Instant::now() + max;
    let (lock, followed) = &inner.followed;
    let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
    // The follower applies to the cache before it takes `lock` to notify,
    // so a revision read under `lock` cannot miss a notification.
    while inner
        .cache
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .revision
        < revision
    {
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return;
        }
        guard = followed
            .wait_timeout(guard, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

/// The same error for every caller of a failed group.
fn clone_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::Raced(m) => StoreError::Raced(m.clone()),
        StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
        StoreError::Storage(e) => StoreError::Storage(e.clone()),
        other => StoreError::BadRequest(other.to_string()),
    }
}

fn kind_named(name: &str) -> Option<Kind> {
    Kind::ALL.into_iter().find(|k| k.as_str() == name)
}

/// Applies what a shared backend followed: another daemon's commit (or
/// this one's echo, skipped) or a reset after the backend lost track.
fn apply_followed(inner: &Inner, followed: Followed) {
    let mut cache = inner.cache.write().unwrap_or_else(|e| e.into_inner());
    let (events, revision) = match followed {
        Followed::Group { revision, changes } => {
            if revision <= cache.revision {
                return;
            }
            let mut events = Vec::with_capacity(changes.len());
            for ch in changes {
                let Some(kind) = kind_named(&ch.kind) else {
                    continue;
                };
                let prev = cache
                    .get(kind, &ch.namespace, &ch.name)
                    .map(|e| e.obj.clone());
                let ev = match ch.type_ {
                    backend::ChangeType::Deleted => {
                        let Some(prev) = prev else { continue };
                        let obj = tx::with_revision(&prev, ch.rev);
                        let Ok(entry) = Entry::new(obj) else { continue };
                        WatchEvent {
                            rev: ch.rev,
                            type_: ChangeType::Deleted,
                            kind,
                            obj: entry.obj,
                            json: entry.json,
                            prev: Some(prev),
                        }
                    }
                    _ => match AnyObject::from_json(kind, &ch.data) {
                        Ok(obj) => WatchEvent {
                            rev: ch.rev,
                            type_: if prev.is_some() {
                                ChangeType::Modified
                            } else {
                                ChangeType::Added
                            },
                            kind,
                            obj,
                            json: ch.data.clone(),
                            prev,
                        },
                        Err(e) => {
                            tracing::error!(error = %e, %kind, name = %ch.name, "the store holds an unreadable object");
                            continue;
                        }
                    },
                };
                events.push(Arc::new(ev));
            }
            (events, revision)
        }
        Followed::Reset(loaded) => {
            if loaded.revision <= cache.revision {
                return;
            }
            let revision = loaded.revision;
            let fresh = match Cache::load(loaded, 0) {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "reading the store again failed");
                    return;
                }
            };
            (cache.diff(&fresh, revision), revision)
        }
    };
    let events: Arc<Vec<Arc<WatchEvent>>> = Arc::new(events);
    cache.apply(&events, revision);
    inner.fanout.dispatch(&events);
    drop(cache);
    let _held = inner.followed.0.lock().unwrap_or_else(|e| e.into_inner());
    inner.followed.1.notify_all();
}

#[cfg(test)]
mod tests;
