//! Transactions: what a closure passed to `Store::txn` can read and write.
//! A [`Tx`] sees the committed cache, the writes of earlier transactions of the
//! same group, and its own writes, in that order of precedence. Server-owned
//! fields (uid, timestamps, generation, resourceVersion) are set here and only
//! here, and every object is validated before it is written. What one kind
//! needs from other objects (a Service's ports) is admission's
//! (`control::admission`), not this file's; the rules here hold for every
//! kind alike (a namespaced object needs a live namespace).

use super::backend::{Change, ChangeType};
use super::cache::{Cache, Entry, Key, key_of};
use super::watch::WatchEvent;
use super::{Hooks, StoreError};
use crate::api::{AnyObject, Kind, Namespace, Object, Pod, Time};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Which part of an object a replacement writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subresource {
    /// Everything but status.
    Main,
    /// Only status.
    Status,
}

/// How many objects of each kind a group or a transaction added (less
/// those it deleted).
type Delta = HashMap<Kind, i64>;

/// The largest object the store keeps, as JSON (etcd's limit too).
pub const MAX_OBJECT_BYTES: usize = 1536 * 1024;

/// Conditions a delete must meet.
pub use crate::api::wire::Preconditions;

impl Preconditions {
    /// Refuses (409) when the object is not the one the caller meant.
    pub fn check(&self, obj: &AnyObject) -> Result<(), StoreError> {
        let m = obj.meta();
        let conflict = |message: String| StoreError::Conflict {
            kind: obj.kind(),
            name: m.name.clone(),
            message,
        };
        if let Some(uid) = &self.uid
            && *uid != m.uid
        {
            return Err(conflict(format!(
                "uid precondition failed: the object was replaced (uid is now {})",
                m.uid
            )));
        }
        if let Some(rv) = &self.resource_version
            && *rv != m.resource_version
        {
            return Err(conflict(format!(
                "resourceVersion precondition failed: {rv} is not the current {}",
                m.resource_version
            )));
        }
        Ok(())
    }
}

type Writes = HashMap<(Kind, Key), Option<Entry>>;

/// The writes of the transactions of one group that succeeded so far.
pub(super) struct Staged {
    base: u64,
    rev: u64,
    writes: Writes,
    events: Vec<WatchEvent>,
    delta: Delta,
}

/// What one successful transaction wrote.
pub(super) struct Own {
    rev: u64,
    writes: Writes,
    events: Vec<WatchEvent>,
    delta: Delta,
}

impl Staged {
    pub fn new(revision: u64) -> Self {
        Staged {
            base: revision,
            rev: revision,
            writes: HashMap::new(),
            events: vec![],
            delta: HashMap::new(),
        }
    }

    pub fn absorb(&mut self, own: Own) {
        self.rev = own.rev;
        self.writes.extend(own.writes);
        self.events.extend(own.events);
        for (k, d) in own.delta {
            *self.delta.entry(k).or_default() += d;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rev == self.base
    }

    /// The revision the group was computed against.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The rows to commit, the events to publish, and the new revision.
    pub fn into_changes(self) -> (Vec<Change>, Vec<WatchEvent>, u64) {
        let changes = self
            .events
            .iter()
            .map(|e| {
                let m = e.obj.meta();
                Change {
                    rev: e.rev,
                    kind: e.kind.as_str().to_string(),
                    namespace: m.namespace.clone(),
                    name: m.name.clone(),
                    type_: e.type_,
                    data: e.json.clone(),
                }
            })
            .collect();
        (changes, self.events, self.rev)
    }
}

/// A transaction in progress. See the module documentation.
pub struct Tx<'a> {
    cache: &'a Cache,
    staged: &'a Staged,
    hooks: &'a Hooks,
    own: Writes,
    events: Vec<WatchEvent>,
    delta: Delta,
    rev: u64,
    now: Time,
    memo: &'a mut Memo,
    /// How many times each key of [`Tx::once`] was asked for in this run.
    asked: HashMap<u64, u32>,
    /// Warnings for the client (an admission policy's `Warn`).
    warnings: Vec<String>,
    /// Whether the writes are thrown away.
    dry_run: bool,
}

/// What [`Tx::once`] computed for one call of [`super::Store::txn`],
/// kept across the runs of its closure.
#[derive(Default)]
pub(super) struct Memo(HashMap<(u64, u32), Box<dyn std::any::Any + Send>>);

const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `n` random characters of the alphabet Kubernetes uses for generated names.
pub fn random_suffix(n: usize) -> String {
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in uuid::Uuid::new_v4().as_bytes() {
            if out.len() == n {
                break;
            }
            out.push(NAME_ALPHABET[*b as usize % NAME_ALPHABET.len()] as char);
        }
    }
    out
}

/// The object with its `resourceVersion` set to `rev`.
pub(super) fn with_revision(obj: &AnyObject, rev: u64) -> AnyObject {
    into_revision(obj.clone(), rev)
}

/// The object with its `resourceVersion` set to `rev`, copied only when it
/// is shared.
fn into_revision(obj: AnyObject, rev: u64) -> AnyObject {
    crate::dispatch!(obj, o => {
        let mut o = Arc::unwrap_or_clone(o);
        o.meta_mut().resource_version = rev.to_string();
        o.into_any()
    })
}

impl<'a> Tx<'a> {
    pub(super) fn new(
        cache: &'a Cache,
        staged: &'a Staged,
        hooks: &'a Hooks,
        memo: &'a mut Memo,
        dry_run: bool,
    ) -> Self {
        Tx {
            cache,
            staged,
            hooks,
            own: HashMap::new(),
            events: vec![],
            delta: HashMap::new(),
            rev: staged.rev,
            now: Time::now(),
            memo,
            asked: HashMap::new(),
            warnings: vec![],
            dry_run,
        }
    }

    /// Whether this run's writes are thrown away (a dry run).
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// Adds a warning for the client that asked for this write.
    pub fn warn(&mut self, text: String) {
        if !self.warnings.contains(&text) {
            self.warnings.push(text);
        }
    }

    /// The warnings this run added, for the response.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// A side effect outside the store, done once per call however often
    /// the closure runs (on a shared store a closure overtaken by another
    /// daemon's commit runs again): the first run computes `f`; later runs
    /// get that value back for the same `key` asked for the same number of
    /// times.
    pub fn once<T: Clone + Send + 'static>(&mut self, key: u64, f: impl FnOnce() -> T) -> T {
        let n = self.asked.entry(key).or_insert(0);
        *n += 1;
        let slot = (key, *n);
        if let Some(v) = self.memo.0.get(&slot).and_then(|v| v.downcast_ref::<T>()) {
            return v.clone();
        }
        let v = f();
        self.memo.0.insert(slot, Box::new(v.clone()));
        v
    }

    pub(super) fn finish(self) -> Own {
        Own {
            rev: self.rev,
            writes: self.own,
            events: self.events,
            delta: self.delta,
        }
    }

    /// How many objects of a kind exist as this transaction sees them
    /// (committed, plus the creates and less the deletes of its group so
    /// far and its own). Exact, and without listing them.
    pub fn count(&self, kind: Kind) -> usize {
        let d = self.staged.delta.get(&kind).copied().unwrap_or(0)
            + self.delta.get(&kind).copied().unwrap_or(0);
        let n = i64::try_from(self.cache.count(kind)).unwrap_or(i64::MAX) + d;
        usize::try_from(n).unwrap_or(0)
    }

    /// The time this transaction started; use it for every timestamp it writes.
    pub fn now(&self) -> Time {
        self.now
    }

    pub fn get_entry(&self, kind: Kind, ns: &str, name: &str) -> Option<Entry> {
        let k = (kind, (ns.to_string(), name.to_string()));
        if let Some(w) = self.own.get(&k) {
            return w.clone();
        }
        if let Some(w) = self.staged.writes.get(&k) {
            return w.clone();
        }
        self.cache.get(kind, ns, name).cloned()
    }

    pub fn get_any(&self, kind: Kind, ns: &str, name: &str) -> Option<AnyObject> {
        self.get_entry(kind, ns, name).map(|e| e.obj)
    }

    pub fn get<T: Object>(&self, ns: &str, name: &str) -> Option<Arc<T>> {
        self.get_any(T::KIND, ns, name)
            .and_then(|o| T::from_any(&o).cloned())
    }

    /// The object, or `NotFound` naming it. Cluster-scoped kinds ignore `ns`.
    pub fn require_any(&self, kind: Kind, ns: &str, name: &str) -> Result<AnyObject, StoreError> {
        let ns = if kind.namespaced() { ns } else { "" };
        self.get_any(kind, ns, name)
            .ok_or_else(|| StoreError::NotFound {
                kind,
                namespace: ns.to_string(),
                name: name.to_string(),
            })
    }

    /// The typed object, or `NotFound` naming it.
    pub fn require<T: Object>(&self, ns: &str, name: &str) -> Result<Arc<T>, StoreError> {
        let o = self.require_any(T::KIND, ns, name)?;
        Ok(T::from_any(&o).cloned().expect("kind preserved"))
    }

    fn overlay_writes(&self, kind: Kind) -> impl Iterator<Item = (&Key, &Option<Entry>)> {
        self.staged
            .writes
            .iter()
            .chain(self.own.iter())
            .filter(move |((k, _), _)| *k == kind)
            .map(|((_, key), e)| (key, e))
    }

    /// Every object of a type, optionally in one namespace, in key order.
    pub fn list<T: Object>(&self, ns: Option<&str>) -> Vec<Arc<T>> {
        self.list_any(T::KIND, ns)
            .iter()
            .filter_map(|o| T::from_any(o).cloned())
            .collect()
    }

    /// Every object of a kind, optionally in one namespace, in key order.
    pub fn list_any(&self, kind: Kind, ns: Option<&str>) -> Vec<AnyObject> {
        let mut all: BTreeMap<Key, AnyObject> = self
            .cache
            .range(kind, ns)
            .map(|e| (key_of(&e.obj), e.obj.clone()))
            .collect();
        for (key, e) in self.overlay_writes(kind) {
            if ns.is_some_and(|ns| kind.namespaced() && key.0 != ns) {
                continue;
            }
            match e {
                Some(e) => all.insert(key.clone(), e.obj.clone()),
                None => all.remove(key),
            };
        }
        all.into_values().collect()
    }

    /// Objects whose ownerReferences name `uid`.
    pub fn owned_by(&self, uid: &str) -> Vec<AnyObject> {
        let mut keys: HashSet<(Kind, Key)> = self.cache.owner_keys(uid).cloned().collect();
        for ((kind, key), e) in self.staged.writes.iter().chain(self.own.iter()) {
            keys.remove(&(*kind, key.clone()));
            if let Some(e) = e
                && e.obj.meta().owner_references.iter().any(|r| r.uid == uid)
            {
                keys.insert((*kind, key.clone()));
            }
        }
        let mut out: Vec<AnyObject> = keys
            .into_iter()
            .filter_map(|(k, (ns, name))| self.get_any(k, &ns, &name))
            .collect();
        out.sort_by_key(|o| (o.kind(), key_of(o)));
        out
    }

    /// Pods bound to a node, including binds made earlier in this group.
    pub fn pods_on_node(&self, node: &str) -> Vec<Arc<Pod>> {
        let mut keys: HashSet<Key> = self.cache.pod_keys_on_node(node).cloned().collect();
        for (key, e) in self.overlay_writes(Kind::Pod) {
            keys.remove(key);
            if let Some(Entry {
                obj: AnyObject::Pod(p),
                ..
            }) = e
                && p.spec.node_name == node
            {
                keys.insert(key.clone());
            }
        }
        keys.into_iter()
            .filter_map(|(ns, name)| self.get::<Pod>(&ns, &name))
            .collect()
    }

    fn write(
        &mut self,
        type_: ChangeType,
        obj: AnyObject,
        prev: Option<AnyObject>,
    ) -> Result<AnyObject, StoreError> {
        self.rev += 1;
        let obj = into_revision(obj, self.rev);
        let entry = Entry::new(obj.clone()).map_err(StoreError::BadRequest)?;
        let kind = obj.kind();
        if type_ != ChangeType::Deleted && entry.json.len() > MAX_OBJECT_BYTES {
            return Err(StoreError::Invalid {
                kind,
                name: obj.meta().name.clone(),
                errors: vec![crate::api::FieldError::new(
                    "",
                    format!(
                        "the object is {} bytes; an object may be at most 1.5 MiB (split it, or keep large data elsewhere)",
                        entry.json.len()
                    ),
                )],
            });
        }
        let key = key_of(&obj);
        match type_ {
            ChangeType::Added => *self.delta.entry(kind).or_default() += 1,
            ChangeType::Deleted => *self.delta.entry(kind).or_default() -= 1,
            ChangeType::Modified => {}
        }
        self.events.push(WatchEvent {
            rev: self.rev,
            type_,
            kind,
            obj: obj.clone(),
            json: entry.json.clone(),
            prev,
        });
        let stored = if type_ == ChangeType::Deleted {
            None
        } else {
            Some(entry)
        };
        self.own.insert((kind, key), stored);
        Ok(obj)
    }

    fn invalid<T: Object>(obj: &T) -> Result<(), StoreError> {
        let errors = obj.validate();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid {
                kind: T::KIND,
                name: obj.meta().name.clone(),
                errors,
            })
        }
    }

    /// Names an object that has only a `generateName` (as [`Tx::create`]
    /// does), so admission can name it before it is created.
    pub fn generate_name<T: Object>(&self, obj: &mut T) -> Result<(), StoreError> {
        if obj.meta().name.is_empty() && !obj.meta().generate_name.is_empty() {
            let base = obj.meta().generate_name.clone();
            let ns = obj.meta().namespace.clone();
            let name = (0..16)
                .map(|_| format!("{base}{}", random_suffix(5)))
                .find(|n| self.get_entry(T::KIND, &ns, n).is_none())
                .ok_or_else(|| {
                    StoreError::BadRequest(format!(
                        "could not generate a unique name from {base:?}"
                    ))
                })?;
            obj.meta_mut().name = name;
        }
        Ok(())
    }

    /// Creates an object: assigns uid, creation time, generation 1 and a name
    /// from `generateName` when it has none. Its namespace must exist.
    pub fn create<T: Object>(&mut self, mut obj: T) -> Result<Arc<T>, StoreError> {
        obj.set_type_meta();
        obj.normalize();
        let kind = T::KIND;
        let now = self.now;
        {
            let m = obj.meta_mut();
            if !kind.namespaced() {
                m.namespace.clear();
            } else if m.namespace.is_empty() {
                return Err(StoreError::BadRequest(format!(
                    "{kind} {:?}: a namespace is required",
                    m.name
                )));
            }
            m.uid = uuid::Uuid::new_v4().to_string();
            m.creation_timestamp = Some(now);
            m.deletion_timestamp = None;
            m.deletion_grace_period_seconds = None;
            m.generation = 1;
            m.resource_version.clear();
        }
        self.generate_name(&mut obj)?;
        obj.on_create();
        Self::invalid(&obj)?;
        let (ns, name) = (obj.meta().namespace.clone(), obj.meta().name.clone());
        if self.get_entry(kind, &ns, &name).is_some() {
            return Err(StoreError::AlreadyExists {
                kind,
                namespace: ns,
                name,
            });
        }
        if kind.namespaced() {
            match self.get::<Namespace>("", &ns) {
                None => {
                    return Err(StoreError::NotFound {
                        kind: Kind::Namespace,
                        namespace: String::new(),
                        name: ns,
                    });
                }
                Some(n) if n.metadata.is_terminating() => {
                    return Err(StoreError::Forbidden(format!(
                        "namespace {ns:?} is being deleted; nothing new can be created in it"
                    )));
                }
                Some(_) => {}
            }
        }
        // What the store was told to run before a create of this kind (the
        // Event cap); it writes in this same transaction.
        let hooks: &'a Hooks = self.hooks;
        if let Some(hook) = hooks.before_create(kind) {
            hook(self)?;
        }
        let stored = self.write(ChangeType::Added, obj.into_any(), None)?;
        Ok(T::from_any(&stored).cloned().expect("kind preserved"))
    }

    /// The stored object `obj` would replace: `NotFound` when there is none,
    /// `Conflict` (409) when `obj` carries a `resourceVersion` or `uid` other
    /// than the stored one.
    pub fn replaced_by<T: Object>(&self, obj: &T) -> Result<Arc<T>, StoreError> {
        let m = obj.meta();
        let conflict = |message: String| StoreError::Conflict {
            kind: T::KIND,
            name: m.name.clone(),
            message,
        };
        let old = self.require::<T>(&m.namespace, &m.name)?;
        let om = old.meta();
        if !m.resource_version.is_empty() && m.resource_version != om.resource_version {
            return Err(conflict(format!(
                "the object has been modified (resourceVersion {} is not the current {}); read it again and retry",
                m.resource_version, om.resource_version
            )));
        }
        if !m.uid.is_empty() && m.uid != om.uid {
            return Err(conflict(format!(
                "uid precondition failed: the object was replaced (uid is now {})",
                om.uid
            )));
        }
        Ok(old)
    }

    /// Replaces an object. A non-empty `resourceVersion` or `uid` in `obj` must
    /// match the stored one (409 otherwise). Main writes keep status, status
    /// writes keep everything else. Writing an identical object changes nothing.
    pub fn update<T: Object>(&mut self, obj: T, sub: Subresource) -> Result<Arc<T>, StoreError> {
        self.replace(obj, Some(sub))
    }

    /// Replaces an object's spec and its status in one write: what an
    /// update of the main resource followed by one of `/status` would
    /// leave, as one change (one revision, one watch event). Server-owned
    /// fields are kept as by a main update.
    pub fn update_with_status<T: Object>(&mut self, obj: T) -> Result<Arc<T>, StoreError> {
        self.replace(obj, None)
    }

    /// [`Tx::update`] of `sub`, or of everything when `None`.
    fn replace<T: Object>(
        &mut self,
        mut obj: T,
        sub: Option<Subresource>,
    ) -> Result<Arc<T>, StoreError> {
        let kind = T::KIND;
        let old = self.replaced_by(&obj)?;
        let om = old.meta();
        let ns = om.namespace.clone();
        obj.set_type_meta();
        match sub {
            Some(Subresource::Main) | None => {
                obj.normalize();
                if sub.is_some() {
                    obj.keep_status(&old);
                }
                let generation = om.generation + i64::from(obj.spec_differs(&old));
                let m = obj.meta_mut();
                m.namespace = ns;
                m.uid = om.uid.clone();
                m.creation_timestamp = om.creation_timestamp;
                m.deletion_timestamp = om.deletion_timestamp;
                m.deletion_grace_period_seconds = om.deletion_grace_period_seconds;
                m.generate_name = om.generate_name.clone();
                m.generation = generation;
            }
            Some(Subresource::Status) => obj.keep_spec(&old),
        }
        obj.meta_mut().resource_version = om.resource_version.clone();
        if obj == *old {
            return Ok(old);
        }
        Self::invalid(&obj)?;
        let mut errors = obj.validate_update(&old);
        if om.is_terminating() && (obj.meta().finalizers.iter()).any(|f| !om.finalizers.contains(f))
        {
            errors.push(crate::api::FieldError::new(
                "metadata.finalizers",
                "Forbidden: no new finalizers can be added if the object is being deleted",
            ));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid {
                kind,
                name: obj.meta().name.clone(),
                errors,
            });
        }
        // The stored version itself, shared, not a copy of it.
        let prev = self.get_any(kind, &om.namespace, &om.name);
        if obj.meta().finalized(om, kind) {
            // The last finalizer of a deleted object is gone: so is it.
            let gone = self.write(ChangeType::Deleted, obj.into_any(), prev)?;
            return Ok(T::from_any(&gone).cloned().expect("kind preserved"));
        }
        let stored = self.write(ChangeType::Modified, obj.into_any(), prev)?;
        Ok(T::from_any(&stored).cloned().expect("kind preserved"))
    }

    /// Reads, changes and writes one object. `f` returns whether it changed
    /// anything; when it did not, nothing is written.
    pub fn mutate<T, F>(
        &mut self,
        ns: &str,
        name: &str,
        sub: Subresource,
        f: F,
    ) -> Result<Arc<T>, StoreError>
    where
        T: Object,
        F: FnOnce(&mut T) -> Result<bool, StoreError>,
    {
        self.mutate_with(ns, name, f, |tx, obj| tx.update(obj, sub))
    }

    /// Like [`Tx::mutate`], with `write` writing the changed object (at the
    /// stored resourceVersion) in place of [`Tx::update`].
    pub fn mutate_with<T, F, W>(
        &mut self,
        ns: &str,
        name: &str,
        f: F,
        write: W,
    ) -> Result<Arc<T>, StoreError>
    where
        T: Object,
        F: FnOnce(&mut T) -> Result<bool, StoreError>,
        W: FnOnce(&mut Self, T) -> Result<Arc<T>, StoreError>,
    {
        let old = self.require::<T>(ns, name)?;
        let mut obj = (*old).clone();
        if !f(&mut obj)? {
            return Ok(old);
        }
        obj.meta_mut().resource_version = old.meta().resource_version.clone();
        write(self, obj)
    }

    /// Marks an object as being deleted: sets `deletionTimestamp` and
    /// `deletionGracePeriodSeconds`, which ordinary updates never change.
    pub fn set_deletion<T: Object>(
        &mut self,
        ns: &str,
        name: &str,
        at: Time,
        grace_seconds: i64,
        edit: impl FnOnce(&mut T),
    ) -> Result<Arc<T>, StoreError> {
        let old = self.require::<T>(ns, name)?;
        let mut obj = (*old).clone();
        obj.meta_mut().deletion_timestamp = Some(at);
        obj.meta_mut().deletion_grace_period_seconds = Some(grace_seconds);
        edit(&mut obj);
        if obj == *old {
            return Ok(old);
        }
        let prev = self.require_any(T::KIND, ns, name).ok();
        let stored = self.write(ChangeType::Modified, obj.into_any(), prev)?;
        Ok(T::from_any(&stored).cloned().expect("kind preserved"))
    }

    /// Removes an object for good (no grace, no cascade: callers do those).
    pub fn delete<T: Object>(
        &mut self,
        ns: &str,
        name: &str,
        pre: Preconditions,
    ) -> Result<Arc<T>, StoreError> {
        let obj = self.delete_any(T::KIND, ns, name, pre)?;
        Ok(T::from_any(&obj).cloned().expect("kind preserved"))
    }

    pub fn delete_any(
        &mut self,
        kind: Kind,
        ns: &str,
        name: &str,
        pre: Preconditions,
    ) -> Result<AnyObject, StoreError> {
        let old = self.require_any(kind, ns, name)?;
        pre.check(&old)?;
        self.write(ChangeType::Deleted, old.clone(), Some(old))
    }
}
