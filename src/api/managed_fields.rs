//! Field ownership as Kubernetes' server-side apply keeps it in
//! `metadata.managedFields`: which manager set which fields, the merge of
//! an applied configuration into the live object, conflicts between
//! managers, and the fields a manager releases.
//!
//! *Sets*: a [`FieldSet`] is Kubernetes' FieldsV1 tree: `f:<field>` for a
//! field, `k:{"name":"app"}` for an element of a list merged by key,
//! `v:<json>` for an element of a set, `.` for an element itself. Leaves are
//! scalars, atomic lists (replaced whole) and atomic structs (label
//! selectors). Metadata the server sets (name, uid, resourceVersion...),
//! `apiVersion`, `kind` and the other half of a status/spec split are never
//! owned.
//!
//! *Apply* ([`apply`]): fields the configuration sets whose value differs
//! from the live one and that another manager owns are conflicts (409)
//! unless forced, which moves them to the applier. The configuration is
//! merged into the live object (maps by key, keyed lists by key, sets as
//! sets, everything else replaced); fields the applier set last time and no
//! longer sets are removed unless another manager owns them.
//!
//! *Update* ([`record_update`]): any other write gives its manager the
//! fields it changed and takes them from everyone else, without conflicts.
//!
//! A subset of Kubernetes' structured-merge-diff: no per-version
//! conversion, no `x-kubernetes-map-type: granular` subtleties. Pure
//! functions; imports only `api`.

use super::meta::{ManagedFieldsEntry, Time};
use super::strategic_merge::Ty;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const APPLY: &str = "Apply";
pub const UPDATE: &str = "Update";

/// A set of field paths in FieldsV1 form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSet {
    own: bool,
    children: BTreeMap<String, FieldSet>,
}

/// A path of FieldsV1 elements (`f:spec`, `k:{"name":"app"}`...).
pub type Path = Vec<String>;

impl FieldSet {
    pub fn is_empty(&self) -> bool {
        !self.own && self.children.is_empty()
    }

    pub fn insert(&mut self, path: &[String]) {
        match path.split_first() {
            None => self.own = true,
            Some((h, rest)) => self.children.entry(h.clone()).or_default().insert(rest),
        }
    }

    pub fn contains(&self, path: &[String]) -> bool {
        match path.split_first() {
            None => self.own,
            Some((h, rest)) => self.children.get(h).is_some_and(|c| c.contains(rest)),
        }
    }

    /// Removes `path` (not its descendants) and prunes what is left empty.
    pub fn remove(&mut self, path: &[String]) {
        match path.split_first() {
            None => self.own = false,
            Some((h, rest)) => {
                if let Some(c) = self.children.get_mut(h) {
                    c.remove(rest);
                    if c.is_empty() {
                        self.children.remove(h);
                    }
                }
            }
        }
    }

    /// Every path in the set.
    pub fn paths(&self) -> Vec<Path> {
        let mut out = vec![];
        self.walk(&mut vec![], &mut out);
        out
    }

    fn walk(&self, at: &mut Path, out: &mut Vec<Path>) {
        if self.own {
            out.push(at.clone());
        }
        for (k, c) in &self.children {
            at.push(k.clone());
            c.walk(at, out);
            at.pop();
        }
    }

    /// The FieldsV1 JSON of the set.
    pub fn to_v1(&self) -> Value {
        let mut m = Map::new();
        if self.own && !self.children.is_empty() {
            m.insert(".".into(), Value::Object(Map::new()));
        }
        for (k, c) in &self.children {
            m.insert(k.clone(), c.to_v1());
        }
        Value::Object(m)
    }

    /// Reads FieldsV1 JSON (anything else is an empty set).
    pub fn from_v1(v: &Value) -> FieldSet {
        let mut s = FieldSet::default();
        if let Value::Object(m) = v {
            if m.is_empty() {
                s.own = true;
            }
            for (k, c) in m {
                if k == "." {
                    s.own = true;
                } else {
                    s.children.insert(k.clone(), FieldSet::from_v1(c));
                }
            }
        }
        s
    }
}

/// The keys identifying an element of a list merged by key, as server-side
/// apply has them (Kubernetes' `listMapKeys`), or `None` for other lists.
fn list_keys(ty: Ty, field: &str) -> Option<Vec<&'static str>> {
    match (ty.name(), field) {
        (Some("Container"), "ports") => return Some(vec!["containerPort", "protocol"]),
        (Some("ServiceSpec"), "ports") => return Some(vec!["port", "protocol"]),
        _ => {}
    }
    let s = ty.strategy(field)?;
    if !s.merge {
        return None;
    }
    Some(s.merge_key.into_iter().collect())
}

/// How a list field is owned: by element key, as a set, or whole.
enum ListKind {
    Keyed(Vec<&'static str>),
    Set,
    Atomic,
}

fn list_kind(ty: Ty, field: &str) -> ListKind {
    match list_keys(ty, field) {
        Some(k) if k.is_empty() => ListKind::Set,
        Some(k) => ListKind::Keyed(k),
        None => ListKind::Atomic,
    }
}

fn key_value(elem: &Value, key: &str) -> Value {
    match elem.get(key) {
        Some(v) => v.clone(),
        None if key == "protocol" => Value::String("TCP".into()),
        None => Value::Null,
    }
}

fn key_element(elem: &Value, keys: &[&str]) -> String {
    let m: Map<String, Value> = keys
        .iter()
        .map(|k| (k.to_string(), key_value(elem, k)))
        .collect();
    format!("k:{}", Value::Object(m))
}

fn atomic(ty: Ty) -> bool {
    matches!(ty.name(), Some("LabelSelector"))
}

/// The set of fields `v` (of type `ty`) sets.
pub fn fields_of(v: &Value, ty: Ty) -> FieldSet {
    let mut s = FieldSet::default();
    collect(v, ty, &mut vec![], &mut s);
    s
}

fn collect(v: &Value, ty: Ty, at: &mut Path, out: &mut FieldSet) {
    match v {
        Value::Object(m) if !m.is_empty() && !atomic(ty) => {
            for (k, c) in m {
                at.push(format!("f:{k}"));
                match c {
                    Value::Array(items) => collect_list(items, ty, k, at, out),
                    _ => collect(c, ty.field(k), at, out),
                }
                at.pop();
            }
        }
        _ => out.insert(at),
    }
}

fn collect_list(items: &[Value], parent: Ty, field: &str, at: &mut Path, out: &mut FieldSet) {
    let ity = parent.field(field).items();
    match list_kind(parent, field) {
        ListKind::Keyed(keys) if items.iter().all(Value::is_object) => {
            for it in items {
                at.push(key_element(it, &keys));
                out.insert(at);
                collect(it, ity, at, out);
                at.pop();
            }
        }
        ListKind::Set => {
            for it in items {
                at.push(format!("v:{it}"));
                out.insert(at);
                at.pop();
            }
        }
        _ => out.insert(at),
    }
}

/// The value at `path` in `v`, if any.
pub fn value_at<'v>(v: &'v Value, path: &[String]) -> Option<&'v Value> {
    let mut cur = v;
    for pe in path {
        cur = step(cur, pe)?.1;
    }
    Some(cur)
}

/// One step down: the value and, in a list, its index.
fn step<'v>(v: &'v Value, pe: &str) -> Option<(Option<usize>, &'v Value)> {
    if let Some(f) = pe.strip_prefix("f:") {
        return v.get(f).map(|c| (None, c));
    }
    let items = v.as_array()?;
    if let Some(k) = pe.strip_prefix("k:") {
        let want: Map<String, Value> = serde_json::from_str(k).ok()?;
        let keys: Vec<&str> = want.keys().map(String::as_str).collect();
        return items
            .iter()
            .enumerate()
            .find(|(_, it)| keys.iter().all(|key| key_value(it, key) == want[*key]))
            .map(|(i, it)| (Some(i), it));
    }
    if let Some(j) = pe.strip_prefix("v:") {
        let want: Value = serde_json::from_str(j).ok()?;
        return items
            .iter()
            .enumerate()
            .find(|(_, it)| **it == want)
            .map(|(i, it)| (Some(i), it));
    }
    None
}

/// Removes the value at `path` from `v` (nothing when absent).
pub fn remove_at(v: &mut Value, path: &[String]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for pe in parent {
        let idx = match step(cur, pe) {
            Some((i, _)) => i,
            None => return,
        };
        cur = match (idx, cur) {
            (Some(i), Value::Array(a)) => &mut a[i],
            (None, Value::Object(m)) => match m.get_mut(&pe[2..]) {
                Some(c) => c,
                None => return,
            },
            _ => return,
        };
    }
    match step(cur, last) {
        Some((Some(i), _)) => {
            if let Value::Array(a) = cur {
                a.remove(i);
            }
        }
        Some((None, _)) => {
            if let Value::Object(m) = cur {
                m.remove(&last[2..]);
            }
        }
        None => {}
    }
}

/// Kubernetes' text for a path: `.spec.template.spec.containers[name="app"].image`.
pub fn path_string(path: &[String]) -> String {
    let mut s = String::new();
    for pe in path {
        if let Some(f) = pe.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(k) = pe.strip_prefix("k:") {
            let m: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
            let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!("[{}]", parts.join(",")));
        } else if let Some(v) = pe.strip_prefix("v:") {
            s.push_str(&format!("[={v}]"));
        }
    }
    s
}

/// Which part of an object a write owns: the status subresource owns only
/// `status`, the main resource everything but `status`; server-set metadata
/// is nobody's.
pub fn strip(set: &mut FieldSet, status: bool) {
    set.children.remove("f:apiVersion");
    set.children.remove("f:kind");
    if status {
        set.children.retain(|k, _| k == "f:status");
    } else {
        set.children.remove("f:status");
    }
    if let Some(m) = set.children.get_mut("f:metadata") {
        for f in [
            "name",
            "namespace",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "managedFields",
            "generateName",
            "selfLink",
        ] {
            m.children.remove(&format!("f:{f}"));
        }
        if m.children.is_empty() {
            set.children.remove("f:metadata");
        }
    }
}

fn is_element(pe: &str) -> bool {
    pe.starts_with("k:") || pe.starts_with("v:")
}

/// Whether writing `new` over `old` changes the field at `path`.
fn changed(old: Option<&Value>, new: &Value, path: &[String]) -> bool {
    let o = old.and_then(|o| value_at(o, path));
    let n = value_at(new, path);
    if path.last().is_some_and(|pe| is_element(pe)) {
        return o.is_some() != n.is_some();
    }
    o != n
}

/// One manager that owns a conflicting field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// `"kubectl" with subresource "scale" using apps/v1`, as
    /// Kubernetes prints a manager.
    pub manager: String,
    /// `.spec.replicas`.
    pub path: String,
}

/// Kubernetes' message for a failed apply.
pub fn conflict_message(conflicts: &[Conflict]) -> String {
    if let [c] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            c.manager, c.path
        );
    }
    let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in conflicts {
        by.entry(&c.manager).or_default().push(&c.path);
    }
    let mut lines = vec![];
    for (m, paths) in by {
        lines.push(format!("conflicts with {m}:"));
        lines.extend(paths.iter().map(|p| format!("- {p}")));
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

/// A manager as Kubernetes names it in conflicts.
fn describe(e: &ManagedFieldsEntry) -> String {
    let mut s = format!("{:?}", e.manager);
    if !e.subresource.is_empty() {
        s = format!("{s} with subresource {:?}", e.subresource);
    }
    if e.operation == UPDATE {
        s = format!("{s} using {}", e.api_version);
    }
    s
}

/// The entry of `manager` for `operation` on `subresource`, if any.
fn entry_index(
    entries: &[ManagedFieldsEntry],
    manager: &str,
    operation: &str,
    subresource: &str,
) -> Option<usize> {
    entries.iter().position(|e| {
        e.manager == manager && e.operation == operation && e.subresource == subresource
    })
}

fn set_of(e: &ManagedFieldsEntry) -> FieldSet {
    e.fields_v1
        .as_ref()
        .map(FieldSet::from_v1)
        .unwrap_or_default()
}

fn put_set(e: &mut ManagedFieldsEntry, s: &FieldSet) {
    e.fields_type = "FieldsV1".into();
    e.fields_v1 = Some(s.to_v1());
}

/// Who writes, and how Kubernetes records it.
#[derive(Clone, Debug)]
pub struct Writer<'a> {
    pub manager: &'a str,
    /// `""` or `"status"`, `"scale"`.
    pub subresource: &'a str,
    pub api_version: &'a str,
    pub now: Time,
}

impl Writer<'_> {
    fn entry(&self, operation: &str) -> ManagedFieldsEntry {
        ManagedFieldsEntry {
            manager: self.manager.to_string(),
            operation: operation.to_string(),
            api_version: self.api_version.to_string(),
            time: Some(self.now),
            fields_type: "FieldsV1".into(),
            fields_v1: None,
            subresource: self.subresource.to_string(),
        }
    }
}

/// Records an Update by `w` that turned `old` (absent on create) into
/// `new`: `w` gains the fields it changed, the others lose them, and
/// fields gone from the object are nobody's.
pub fn record_update(
    old: Option<&Value>,
    new: &Value,
    ty: Ty,
    w: &Writer<'_>,
    mut entries: Vec<ManagedFieldsEntry>,
) -> Vec<ManagedFieldsEntry> {
    let mut set = fields_of(new, ty);
    strip(&mut set, w.subresource == "status");
    let changed_paths: Vec<Path> = set
        .paths()
        .into_iter()
        .filter(|p| changed(old, new, p))
        .collect();
    for e in entries.iter_mut() {
        let mut s = set_of(e);
        let before = s.clone();
        for p in &changed_paths {
            s.remove(p);
        }
        for p in s.paths() {
            if value_at(new, &p).is_none() {
                s.remove(&p);
            }
        }
        if s != before {
            put_set(e, &s);
        }
    }
    if !changed_paths.is_empty() {
        let i = match entry_index(&entries, w.manager, UPDATE, w.subresource) {
            Some(i) => i,
            None => {
                entries.push(w.entry(UPDATE));
                entries.len() - 1
            }
        };
        let mut s = set_of(&entries[i]);
        for p in &changed_paths {
            s.insert(p);
        }
        put_set(&mut entries[i], &s);
        entries[i].time = Some(w.now);
        entries[i].api_version = w.api_version.to_string();
    }
    entries.retain(|e| !set_of(e).is_empty());
    entries
}

/// The result of an apply: the object to store (its `managedFields` set).
pub type Applied = Value;

/// Applies configuration `config` of manager `w` to `live` (absent: the
/// object is created from it). Conflicts with other managers fail the
/// apply unless `force`, which takes the fields over.
pub fn apply(
    live: Option<&Value>,
    config: &Value,
    ty: Ty,
    w: &Writer<'_>,
    force: bool,
) -> Result<Applied, Vec<Conflict>> {
    let status = w.subresource == "status";
    let empty = Value::Object(Map::new());
    let live_v = live.unwrap_or(&empty);
    let mut entries: Vec<ManagedFieldsEntry> = live_v
        .pointer("/metadata/managedFields")
        .and_then(|m| serde_json::from_value(m.clone()).ok())
        .unwrap_or_default();
    let mut set = fields_of(config, ty);
    strip(&mut set, status);
    let new_paths = set.paths();
    let mine = entry_index(&entries, w.manager, APPLY, w.subresource);
    // Conflicts: another manager's field that this apply changes.
    let allowed = match live {
        Some(l) if w.manager == CLIENT_SIDE_UPGRADER => allowed_by_last_applied(l, ty),
        _ => FieldSet::default(),
    };
    let mut conflicts = vec![];
    let mut taken: Vec<(usize, Path)> = vec![];
    for (i, e) in entries.iter().enumerate() {
        if Some(i) == mine {
            continue;
        }
        let theirs = set_of(e);
        for p in &new_paths {
            if theirs.contains(p) && changed(Some(live_v), config, p) {
                if !allowed.contains(p) {
                    conflicts.push(Conflict {
                        manager: describe(e),
                        path: path_string(p),
                    });
                }
                taken.push((i, p.clone()));
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    for (i, p) in taken {
        let mut s = set_of(&entries[i]);
        s.remove(&p);
        put_set(&mut entries[i], &s);
    }
    let mut merged = merge(Some(live_v), config, ty, None);
    // Fields this manager applied before and no longer does, when nobody
    // else owns them.
    if let Some(i) = mine {
        let before = set_of(&entries[i]);
        let others: Vec<FieldSet> = entries
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, e)| set_of(e))
            .collect();
        let mut dropped: Vec<Path> = before
            .paths()
            .into_iter()
            .filter(|p| !set.contains(p) && !others.iter().any(|o| o.contains(p)))
            .collect();
        // Deepest first, so removing an element does not move a sibling
        // another path still points to.
        dropped.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for p in dropped {
            remove_at(&mut merged, &p);
        }
    }
    match mine {
        Some(i) => {
            put_set(&mut entries[i], &set);
            entries[i].time = Some(w.now);
        }
        None => {
            let mut e = w.entry(APPLY);
            put_set(&mut e, &set);
            entries.push(e);
        }
    }
    entries.retain(|e| !set_of(e).is_empty());
    if let Some(m) = merged.as_object_mut() {
        let meta = m
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert(
                "managedFields".into(),
                serde_json::to_value(&entries).unwrap_or(Value::Null),
            );
        }
    }
    Ok(merged)
}

/// The manager whose server-side applies take over, without conflicts, the
/// fields its client-side applies set (Kubernetes' upgrade from client-side
/// to server-side apply; another manager name opts out).
pub const CLIENT_SIDE_UPGRADER: &str = "kubectl";

/// The fields the `last-applied-configuration` annotation of `live` sets
/// to their live values: what client-side apply owned.
fn allowed_by_last_applied(live: &Value, ty: Ty) -> FieldSet {
    let last = live
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(super::LAST_APPLIED_ANNOTATION))
        .and_then(Value::as_str)
        .and_then(|t| serde_json::from_str::<Value>(t).ok());
    let mut out = FieldSet::default();
    if let Some(last) = last {
        let mut set = fields_of(&last, ty);
        strip(&mut set, false);
        for p in set.paths() {
            if !changed(Some(live), &last, &p) {
                out.insert(&p);
            }
        }
    }
    out
}

/// `config` laid over `live`: maps by key, keyed lists by key, sets as
/// sets, anything else replaced.
fn merge(live: Option<&Value>, config: &Value, ty: Ty, list: Option<ListKind>) -> Value {
    match (live, config) {
        (Some(Value::Object(l)), Value::Object(c)) if !atomic(ty) => {
            let mut out = l.clone();
            for (k, cv) in c {
                let lk = match cv {
                    Value::Array(_) => Some(list_kind(ty, k)),
                    _ => None,
                };
                let v = merge(l.get(k), cv, ty.field(k), lk);
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        (Some(Value::Array(l)), Value::Array(c)) => match list {
            Some(ListKind::Keyed(keys)) if c.iter().all(Value::is_object) => {
                let mut out = l.clone();
                let ity = ty.items();
                for item in c {
                    let k = key_element(item, &keys);
                    let at = out.iter().position(|o| key_element(o, &keys) == k);
                    match at {
                        Some(i) => out[i] = merge(Some(&out[i]), item, ity, None),
                        None => out.push(item.clone()),
                    }
                }
                Value::Array(out)
            }
            Some(ListKind::Set) => {
                let mut out = l.clone();
                for item in c {
                    if !out.contains(item) {
                        out.push(item.clone());
                    }
                }
                Value::Array(out)
            }
            _ => config.clone(),
        },
        _ => config.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Kind;
    use serde_json::json;

    fn t() -> Time {
        Time(chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap())
    }

    fn w(manager: &str) -> Writer<'_> {
        Writer {
            manager,
            subresource: "",
            api_version: "apps/v1",
            now: t(),
        }
    }

    fn deploy(replicas: Option<i64>, image: &str, extra: Value) -> Value {
        let mut c = json!({"name": "app", "image": image});
        if let (Value::Object(c), Value::Object(x)) = (&mut c, extra) {
            c.extend(x);
        }
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [c]}}}});
        if let Some(r) = replicas {
            d["spec"]["replicas"] = json!(r);
        }
        d
    }

    fn ty() -> Ty {
        Ty::of_kind(Kind::Deployment)
    }

    fn managers(v: &Value) -> Vec<(String, String, String)> {
        v["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["manager"].as_str().unwrap().to_string(),
                    e["operation"].as_str().unwrap().to_string(),
                    e["subresource"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn fields_v1_has_kubernetes_shape() {
        let s = fields_of(&deploy(Some(3), "nginx", json!({})), ty());
        let mut s2 = s.clone();
        strip(&mut s2, false);
        assert_eq!(
            s2.to_v1(),
            json!({"f:spec": {"f:replicas": {}, "f:selector": {},
                "f:template": {"f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {
                        ".": {}, "f:image": {}, "f:name": {}}}}}}})
        );
        assert_eq!(FieldSet::from_v1(&s2.to_v1()), s2);
    }

    #[test]
    fn container_ports_are_keyed_by_port_and_protocol() {
        let d = deploy(None, "x", json!({"ports": [{"containerPort": 80}]}));
        let s = fields_of(&d, ty());
        let p: Vec<String> = [
            "f:spec",
            "f:template",
            "f:spec",
            "f:containers",
            "k:{\"name\":\"app\"}",
            "f:ports",
            "k:{\"containerPort\":80,\"protocol\":\"TCP\"}",
            "f:containerPort",
        ]
        .map(String::from)
        .to_vec();
        assert!(s.contains(&p), "{}", s.to_v1());
        assert_eq!(
            path_string(&p),
            ".spec.template.spec.containers[name=\"app\"].ports[containerPort=80,protocol=\"TCP\"].containerPort"
        );
    }

    #[test]
    fn reapplying_without_a_field_removes_it() {
        let first = apply(
            None,
            &deploy(Some(3), "nginx", json!({"workingDir": "/w"})),
            ty(),
            &w("kubectl"),
            false,
        )
        .unwrap();
        let second = apply(
            Some(&first),
            &deploy(Some(3), "nginx", json!({})),
            ty(),
            &w("kubectl"),
            false,
        )
        .unwrap();
        let c = &second["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c.get("workingDir"), None);
        assert_eq!(c["image"], "nginx");
        assert_eq!(
            managers(&second),
            vec![("kubectl".into(), "Apply".into(), "".into())]
        );
    }

    #[test]
    fn a_field_another_manager_changed_is_a_conflict_unless_forced() {
        let first = apply(
            None,
            &deploy(Some(3), "nginx", json!({})),
            ty(),
            &w("kubectl"),
            false,
        )
        .unwrap();
        let err = apply(
            Some(&first),
            &deploy(Some(3), "nginx:2", json!({})),
            ty(),
            &w("other"),
            false,
        )
        .unwrap_err();
        assert_eq!(
            conflict_message(&err),
            "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.template.spec.containers[name=\"app\"].image"
        );
        // The same value is shared, not a conflict.
        let shared = apply(
            Some(&first),
            &deploy(Some(3), "nginx", json!({})),
            ty(),
            &w("other"),
            false,
        )
        .unwrap();
        assert_eq!(managers(&shared).len(), 2);
        let forced = apply(
            Some(&first),
            &deploy(Some(3), "nginx:2", json!({})),
            ty(),
            &w("other"),
            true,
        )
        .unwrap();
        assert_eq!(
            forced["spec"]["template"]["spec"]["containers"][0]["image"],
            "nginx:2"
        );
        let kubectl = forced["metadata"]["managedFields"][0]["fieldsV1"].to_string();
        assert!(!kubectl.contains("f:image"), "{kubectl}");
        // The first manager no longer sets the image: dropping it keeps it.
        let again = apply(
            Some(&forced),
            &deploy(Some(3), "nginx:2", json!({})),
            ty(),
            &w("kubectl"),
            false,
        );
        assert!(again.is_ok());
    }

    #[test]
    fn scaling_then_reapplying_replicas_conflicts_with_the_scale_manager() {
        let first = apply(
            None,
            &deploy(Some(3), "nginx", json!({})),
            ty(),
            &w("kubectl"),
            false,
        )
        .unwrap();
        let mut scaled = first.clone();
        scaled["spec"]["replicas"] = json!(5);
        // kubectl scale sends no fieldManager: its manager is the
        // User-Agent's program name, on the scale subresource.
        let scaler = Writer {
            manager: "kubectl",
            subresource: "scale",
            api_version: "apps/v1",
            now: t(),
        };
        let entries = serde_json::from_value(first["metadata"]["managedFields"].clone()).unwrap();
        let recorded = record_update(Some(&first), &scaled, ty(), &scaler, entries);
        scaled["metadata"]["managedFields"] = serde_json::to_value(&recorded).unwrap();
        let err = apply(
            Some(&scaled),
            &deploy(Some(3), "nginx", json!({})),
            ty(),
            &w("kubectl"),
            false,
        )
        .unwrap_err();
        assert_eq!(
            conflict_message(&err),
            "Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas"
        );
        // Without replicas in the manifest, the scale stays.
        let ok = apply(
            Some(&scaled),
            &deploy(None, "nginx", json!({})),
            ty(),
            &w("kubectl"),
            false,
        )
        .unwrap();
        assert_eq!(ok["spec"]["replicas"], 5);
    }

    #[test]
    fn kubectl_takes_over_what_its_client_side_apply_set() {
        let mut live = deploy(Some(1), "nginx", json!({}));
        let last = live.to_string();
        live["metadata"]["annotations"] = json!({crate::api::LAST_APPLIED_ANNOTATION: last});
        let entries = record_update(None, &live, ty(), &w("kubectl-client-side-apply"), vec![]);
        live["metadata"]["managedFields"] = serde_json::to_value(&entries).unwrap();
        let out = apply(
            Some(&live),
            &deploy(Some(4), "nginx", json!({})),
            ty(),
            &w("kubectl"),
            false,
        )
        .unwrap();
        assert_eq!(out["spec"]["replicas"], 4);
        // Another manager name opts out.
        let err = apply(
            Some(&live),
            &deploy(Some(4), "nginx", json!({})),
            ty(),
            &w("mine"),
            false,
        )
        .unwrap_err();
        assert_eq!(err[0].path, ".spec.replicas");
    }

    #[test]
    fn updates_take_the_fields_they_change() {
        let d = deploy(Some(1), "a", json!({}));
        let e = record_update(None, &d, ty(), &w("kubectl-create"), vec![]);
        let mut d2 = d.clone();
        d2["spec"]["template"]["spec"]["containers"][0]["image"] = json!("b");
        let e = record_update(Some(&d), &d2, ty(), &w("kubectl-set"), e);
        assert_eq!(e.len(), 2);
        let set = e[1].fields_v1.as_ref().unwrap().to_string();
        assert!(
            set.contains("f:image") && !set.contains("f:replicas"),
            "{set}"
        );
        assert!(
            !e[0]
                .fields_v1
                .as_ref()
                .unwrap()
                .to_string()
                .contains("f:image")
        );
    }
}
