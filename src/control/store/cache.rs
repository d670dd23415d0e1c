//! The in-memory copy of every object, with the indexes the control plane
//! reads by (owner uid, pods by node) and a ring of recent changes that most
//! watches resume from without touching SQLite. The ring is bounded in
//! changes and in bytes (as [`WatchEvent::held_bytes`] counts them): past
//! either, the oldest changes go, and a watch from before them replays from
//! the backend's log or lists again. Only the writer thread changes it,
//! after a commit.

use super::backend::{ChangeType, Loaded};
use super::watch::WatchEvent;
use crate::api::{AnyObject, Kind, Pod};
use bytes::Bytes;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

/// Most recent changes kept in memory for watches.
const RING: usize = 4_096;

/// A stored object and its JSON, as served.
#[derive(Clone, Debug)]
pub struct Entry {
    pub obj: AnyObject,
    pub json: Bytes,
}

impl Entry {
    pub fn new(obj: AnyObject) -> Result<Self, String> {
        let json = obj
            .to_json()
            .map_err(|e| format!("encoding {}: {e}", obj.kind()))?;
        Ok(Entry {
            obj,
            json: json.into(),
        })
    }

    pub fn rev(&self) -> u64 {
        self.obj.meta().revision()
    }
}

pub type Key = (String, String);

pub(super) fn key_of(obj: &AnyObject) -> Key {
    let m = obj.meta();
    (m.namespace.clone(), m.name.clone())
}

pub(super) struct Cache {
    kinds: Vec<BTreeMap<Key, Entry>>,
    by_owner: HashMap<String, HashSet<(Kind, Key)>>,
    pods_by_node: HashMap<String, HashSet<Key>>,
    pub revision: u64,
    pub compacted: u64,
    pub recent: VecDeque<Arc<WatchEvent>>,
    /// What `recent` holds, in [`WatchEvent::held_bytes`].
    recent_bytes: usize,
    /// Most bytes `recent` may hold.
    history_budget: usize,
}

impl Cache {
    pub fn load(loaded: Loaded, history_budget: usize) -> Result<Cache, String> {
        let mut c = Cache {
            kinds: Kind::ALL.iter().map(|_| BTreeMap::new()).collect(),
            by_owner: HashMap::new(),
            pods_by_node: HashMap::new(),
            revision: loaded.revision,
            compacted: loaded.compacted,
            recent: VecDeque::new(),
            recent_bytes: 0,
            history_budget,
        };
        for (kind_name, json) in loaded.objects {
            let kind = Kind::ALL
                .into_iter()
                .find(|k| k.as_str() == kind_name)
                .ok_or_else(|| format!("database holds unknown kind {kind_name:?}"))?;
            let obj = AnyObject::from_json(kind, &json)
                .map_err(|e| format!("database holds an unreadable {kind_name}: {e}"))?;
            c.insert(Entry {
                obj,
                json: json.into(),
            });
        }
        Ok(c)
    }

    /// Number of objects of every kind.
    pub fn len(&self) -> usize {
        self.kinds.iter().map(BTreeMap::len).sum()
    }

    /// Number of objects of one kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.map(kind).len()
    }

    /// The bytes the ring of recent changes holds, as budgets count them.
    pub fn history_bytes(&self) -> usize {
        self.recent_bytes
    }

    fn map(&self, kind: Kind) -> &BTreeMap<Key, Entry> {
        &self.kinds[kind as usize]
    }

    pub fn get(&self, kind: Kind, ns: &str, name: &str) -> Option<&Entry> {
        self.map(kind).get(&(ns.to_string(), name.to_string()))
    }

    /// Entries of a kind, optionally in one namespace, in key order.
    pub fn range<'a>(
        &'a self,
        kind: Kind,
        ns: Option<&str>,
    ) -> Box<dyn Iterator<Item = &'a Entry> + 'a> {
        let map = self.map(kind);
        match ns {
            Some(ns) if kind.namespaced() => {
                let start = (ns.to_string(), String::new());
                let ns = ns.to_string();
                Box::new(
                    map.range(start..)
                        .take_while(move |((n, _), _)| *n == ns)
                        .map(|(_, e)| e),
                )
            }
            _ => Box::new(map.values()),
        }
    }

    /// Entries of a kind (optionally in one namespace) as they were at
    /// revision `at`, in key order: the current ones with the ring's changes
    /// after `at` undone, newest first. `None` when the ring no longer holds
    /// every change after `at`.
    pub fn range_at(&self, kind: Kind, ns: Option<&str>, at: u64) -> Option<Vec<Entry>> {
        if at >= self.revision {
            return Some(self.range(kind, ns).cloned().collect());
        }
        if self.recent.front().is_none_or(|e| e.rev > at + 1) {
            return None;
        }
        let in_scope = |k: &Key| !kind.namespaced() || ns.is_none_or(|ns| k.0 == ns);
        let mut map: BTreeMap<Key, Entry> = self
            .range(kind, ns)
            .map(|e| (key_of(&e.obj), e.clone()))
            .collect();
        for ev in self.recent.iter().rev().take_while(|e| e.rev > at) {
            let k = key_of(&ev.obj);
            if ev.kind != kind || !in_scope(&k) {
                continue;
            }
            match (ev.type_, &ev.prev) {
                (ChangeType::Added, _) => {
                    map.remove(&k);
                }
                (_, Some(prev)) => {
                    map.insert(k, Entry::new(prev.clone()).ok()?);
                }
                (ChangeType::Deleted, None) => {
                    map.insert(
                        k,
                        Entry {
                            obj: ev.obj.clone(),
                            json: ev.json.clone(),
                        },
                    );
                }
                (ChangeType::Modified, None) => return None,
            }
        }
        Some(map.into_values().collect())
    }

    pub fn owned_by(&self, uid: &str) -> Vec<AnyObject> {
        self.by_owner
            .get(uid)
            .into_iter()
            .flatten()
            .filter_map(|(k, key)| self.map(*k).get(key).map(|e| e.obj.clone()))
            .collect()
    }

    pub fn owner_keys(&self, uid: &str) -> impl Iterator<Item = &(Kind, Key)> {
        self.by_owner.get(uid).into_iter().flatten()
    }

    pub fn pod_keys_on_node(&self, node: &str) -> impl Iterator<Item = &Key> {
        self.pods_by_node.get(node).into_iter().flatten()
    }

    pub fn pod_entries_on_node<'a>(&'a self, node: &str) -> impl Iterator<Item = &'a Entry> + 'a {
        let pods = self.map(Kind::Pod);
        self.pods_by_node
            .get(node)
            .into_iter()
            .flatten()
            .filter_map(move |k| pods.get(k))
    }

    pub fn pods_on_node(&self, node: &str) -> Vec<Arc<Pod>> {
        self.pod_keys_on_node(node)
            .filter_map(|k| self.map(Kind::Pod).get(k))
            .filter_map(|e| match &e.obj {
                AnyObject::Pod(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    fn index(&mut self, obj: &AnyObject, add: bool) {
        let kind = obj.kind();
        let key = key_of(obj);
        for r in &obj.meta().owner_references {
            if add {
                self.by_owner
                    .entry(r.uid.clone())
                    .or_default()
                    .insert((kind, key.clone()));
            } else if let Some(set) = self.by_owner.get_mut(&r.uid) {
                set.remove(&(kind, key.clone()));
                if set.is_empty() {
                    self.by_owner.remove(&r.uid);
                }
            }
        }
        if let AnyObject::Pod(p) = obj
            && !p.spec.node_name.is_empty()
        {
            if add {
                self.pods_by_node
                    .entry(p.spec.node_name.clone())
                    .or_default()
                    .insert(key);
            } else if let Some(set) = self.pods_by_node.get_mut(&p.spec.node_name) {
                set.remove(&key);
                if set.is_empty() {
                    self.pods_by_node.remove(&p.spec.node_name);
                }
            }
        }
    }

    fn insert(&mut self, e: Entry) {
        let kind = e.obj.kind();
        let key = key_of(&e.obj);
        if let Some(old) = self.kinds[kind as usize].remove(&key) {
            self.index(&old.obj, false);
        }
        self.index(&e.obj, true);
        self.kinds[kind as usize].insert(key, e);
    }

    fn remove(&mut self, kind: Kind, key: &Key) {
        if let Some(old) = self.kinds[kind as usize].remove(key) {
            self.index(&old.obj, false);
        }
    }

    /// The events that turn this cache into `fresh` (read at `revision`):
    /// changed objects at their own revisions, deletes at revisions between
    /// this cache's and `revision` that no live object holds.
    pub fn diff(&self, fresh: &Cache, revision: u64) -> Vec<Arc<WatchEvent>> {
        let mut puts = vec![];
        let mut gone = vec![];
        for kind in Kind::ALL {
            let (old, new) = (self.map(kind), fresh.map(kind));
            for (k, e) in new {
                let prev = old.get(k);
                if prev.is_some_and(|p| p.rev() == e.rev()) {
                    continue;
                }
                puts.push(WatchEvent {
                    rev: e.rev(),
                    type_: if prev.is_some() {
                        ChangeType::Modified
                    } else {
                        ChangeType::Added
                    },
                    kind,
                    obj: e.obj.clone(),
                    json: e.json.clone(),
                    prev: prev.map(|p| p.obj.clone()),
                });
            }
            gone.extend(
                old.iter()
                    .filter(|(k, _)| !new.contains_key(*k))
                    .map(|(_, e)| (kind, e.clone())),
            );
        }
        let used: HashSet<u64> = puts.iter().map(|e| e.rev).collect();
        let mut free = (self.revision + 1..=revision).filter(|r| !used.contains(r));
        let mut events = puts;
        for (kind, e) in gone {
            let rev = free.next().unwrap_or(revision);
            let obj = super::tx::with_revision(&e.obj, rev);
            let json = obj
                .to_json()
                .map(Bytes::from)
                .unwrap_or_else(|_| e.json.clone());
            events.push(WatchEvent {
                rev,
                type_: ChangeType::Deleted,
                kind,
                obj,
                json,
                prev: Some(e.obj),
            });
        }
        events.sort_by_key(|e| e.rev);
        events.into_iter().map(Arc::new).collect()
    }

    /// Applies a committed group of changes.
    pub fn apply(&mut self, events: &[Arc<WatchEvent>], revision: u64) {
        for ev in events {
            match ev.type_ {
                ChangeType::Deleted => self.remove(ev.kind, &key_of(&ev.obj)),
                _ => self.insert(Entry {
                    obj: ev.obj.clone(),
                    json: ev.json.clone(),
                }),
            }
            self.recent_bytes += ev.held_bytes();
            self.recent.push_back(ev.clone());
        }
        while self.recent.len() > RING || self.recent_bytes > self.history_budget {
            let Some(old) = self.recent.pop_front() else {
                break;
            };
            self.recent_bytes -= old.held_bytes();
        }
        self.revision = revision;
    }
}
