//! Strategic merge patch (`application/strategic-merge-patch+json`) as
//! Kubernetes applies it: maps merge key by key and `null` deletes a key;
//! lists merge or are replaced as the kind's types say ([`super::strategic`]:
//! lists with a merge key merge element by element, lists of primitives with
//! the `merge` strategy merge as sets, every other list is replaced);
//! directives `$patch: replace|delete` (maps and list elements),
//! `$setElementOrder/<field>`, `$retainKeys` and
//! `$deleteFromPrimitiveList/<field>`. The order of a merged list is the
//! patch's order for the elements the patch names, and the live order for
//! the rest, interleaved as Kubernetes does.
//!
//! The type of each value is found by walking the JSON schema ork derives
//! from its types ([`Ty`], named like Kubernetes' types), which the
//! server-side apply field sets use too.
//!
//! Pure functions over `serde_json` values; imports only `api`.

use super::object::Kind;
use super::strategic::{FieldStrategy, field_strategy};
use serde_json::{Map, Value};

/// Why a strategic merge patch could not be applied (the request is a 400
/// or 422; nothing is changed).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SmpError {
    /// `$patch` has a value other than `replace`, `delete` (or `merge` where
    /// it is meaningful).
    #[error("invalid $patch directive {0}: use replace or delete")]
    BadDirective(String),
    /// `$patch: merge` on a list element, which Kubernetes refuses too.
    #[error("merging lists cannot yet be specified in the patch ($patch: merge in {0})")]
    MergeDirectiveInList(String),
    /// An element of a list merged by key lacks the key.
    #[error("{field}: every element needs its merge key {key:?}: {element}")]
    NoMergeKey {
        field: String,
        key: String,
        element: String,
    },
    /// A directive's value has the wrong shape.
    #[error("{0}")]
    BadForm(String),
    /// A patch value does not fit the object (e.g. a list where a map is).
    #[error("{0}: {1}")]
    BadValue(String, String),
}

/// A position in the schema of a kind: the schema node of a value and the
/// name of its type when it is one of ork's named types (`PodSpec`,
/// `Container`...). An unknown position has no node: maps then merge and
/// lists are replaced, as for any type without strategy tags.
#[derive(Clone, Copy, Debug)]
pub struct Ty {
    root: &'static Value,
    node: Option<&'static Value>,
    name: Option<&'static str>,
}

impl Ty {
    /// The type of a whole object of `kind`.
    pub fn of_kind(kind: Kind) -> Ty {
        let root = super::manifest::kind_schema(kind);
        let mut t = Ty::resolve(root, root);
        t.name = Some(kind.as_str());
        t
    }

    fn unknown(root: &'static Value) -> Ty {
        Ty {
            root,
            node: None,
            name: None,
        }
    }

    /// Follows `$ref`s and `Option`'s `anyOf [T, null]` to the node that
    /// says what the value is.
    fn resolve(root: &'static Value, mut node: &'static Value) -> Ty {
        let mut name = None;
        for _ in 0..16 {
            if let Some(r) = node.get("$ref").and_then(Value::as_str) {
                let n = r.rsplit('/').next().unwrap_or(r);
                match root.get("$defs").and_then(|d| d.get(n)) {
                    Some(def) => {
                        name = Some(n);
                        node = def;
                        continue;
                    }
                    None => break,
                }
            }
            let branches = ["anyOf", "oneOf", "allOf"]
                .iter()
                .find_map(|k| node.get(*k).and_then(Value::as_array));
            if let Some(bs) = branches {
                let pick = bs
                    .iter()
                    .find(|b| b.get("type").and_then(Value::as_str) != Some("null"));
                if let Some(b) = pick {
                    node = b;
                    continue;
                }
            }
            break;
        }
        Ty {
            root,
            node: Some(node),
            name,
        }
    }

    /// The schema type name (`Container`), when the value has one.
    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// The type of field (or map value) `field`.
    pub fn field(&self, field: &str) -> Ty {
        let Some(node) = self.node else {
            return *self;
        };
        if let Some(p) = node.get("properties").and_then(|p| p.get(field)) {
            return Ty::resolve(self.root, p);
        }
        match node.get("additionalProperties") {
            Some(ap) if ap.is_object() => Ty::resolve(self.root, ap),
            _ => Ty::unknown(self.root),
        }
    }

    /// The type of the elements of a list.
    pub fn items(&self) -> Ty {
        match self.node.and_then(|n| n.get("items")) {
            Some(i) => Ty::resolve(self.root, i),
            None => Ty::unknown(self.root),
        }
    }

    /// How field `field` of this type merges (Kubernetes' patch tags).
    pub fn strategy(&self, field: &str) -> Option<FieldStrategy> {
        self.name.and_then(|n| field_strategy(n, field))
    }
}

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ORDER: &str = "$setElementOrder/";
const DELETE_PRIMITIVE: &str = "$deleteFromPrimitiveList/";

/// Applies strategic merge patch `patch` to `original`, an object of `kind`.
pub fn strategic_merge(kind: Kind, original: &Value, patch: &Value) -> Result<Value, SmpError> {
    let (Value::Object(o), Value::Object(p)) = (original, patch) else {
        return Err(SmpError::BadForm(
            "a strategic merge patch must be a JSON object".into(),
        ));
    };
    merge_map(o.clone(), p.clone(), Ty::of_kind(kind), "").map(Value::Object)
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    ty: Ty,
    path: &str,
) -> Result<Map<String, Value>, SmpError> {
    if let Some(d) = patch.remove(DIRECTIVE) {
        return match d.as_str() {
            Some("replace") => merge_map(Map::new(), patch, ty, path),
            Some("delete") => Ok(Map::new()),
            // `merge` is what happens anyway.
            Some("merge") => merge_map(original, patch, ty, path),
            _ => Err(SmpError::BadDirective(d.to_string())),
        };
    }
    retain_keys(&mut original, &mut patch, path)?;
    set_element_order(&mut original, &mut patch, ty, path)?;
    for (k, pv) in patch {
        if let Some(field) = k.strip_prefix(DELETE_PRIMITIVE) {
            let Value::Array(del) = pv else {
                return Err(SmpError::BadForm(format!(
                    "{}: {k} must be a list",
                    join(path, field)
                )));
            };
            if let Some(Value::Array(cur)) = original.get_mut(field) {
                if ty.strategy(field).is_some_and(|s| s.merge) {
                    cur.retain(|v| !del.contains(v));
                } else {
                    *cur = del;
                }
            }
            continue;
        }
        if k.starts_with('$') {
            return Err(SmpError::BadForm(format!(
                "{}: unknown patch directive {k:?}",
                join(path, &k)
            )));
        }
        let fpath = join(path, &k);
        let fty = ty.field(&k);
        if pv.is_null() {
            original.remove(&k);
            continue;
        }
        let merged = match (original.remove(&k), pv) {
            (Some(Value::Object(o)), Value::Object(p)) => {
                Value::Object(merge_map(o, p, fty, &fpath)?)
            }
            (Some(Value::Array(o)), Value::Array(p)) => {
                Value::Array(merge_list(o, p, ty.strategy(&k), fty.items(), &fpath)?)
            }
            (_, p) => clean(p, ty.strategy(&k), fty, &fpath)?,
        };
        original.insert(k, merged);
    }
    Ok(original)
}

/// A patch value where the original has none: merged into an empty value
/// of its type, so its directives and `null`s are not stored.
fn clean(v: Value, strategy: Option<FieldStrategy>, ty: Ty, path: &str) -> Result<Value, SmpError> {
    Ok(match v {
        Value::Object(p) => Value::Object(merge_map(Map::new(), p, ty, path)?),
        Value::Array(p) => Value::Array(merge_list(vec![], p, strategy, ty.items(), path)?),
        other => other,
    })
}

/// `$retainKeys`: clears the keys of `original` the list does not name.
fn retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    path: &str,
) -> Result<(), SmpError> {
    let Some(rk) = patch.remove(RETAIN_KEYS) else {
        return Ok(());
    };
    let bad = || {
        SmpError::BadForm(format!(
            "{path}: $retainKeys must be a list of the field names the patch keeps, and name every field the patch sets"
        ))
    };
    let keys: Vec<&str> = rk
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|v| v.as_str().ok_or_else(bad))
        .collect::<Result<_, _>>()?;
    for (k, v) in patch.iter() {
        if v.is_null() || k.starts_with(DELETE_PRIMITIVE) || k.starts_with(SET_ORDER) {
            continue;
        }
        if !keys.contains(&k.as_str()) {
            return Err(bad());
        }
    }
    original.retain(|k, _| keys.contains(&k.as_str()));
    Ok(())
}

/// `$setElementOrder/<field>`: merges the field's list and orders it as
/// the directive says, the live elements it does not name in their order.
fn set_element_order(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    ty: Ty,
    path: &str,
) -> Result<(), SmpError> {
    let keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ORDER))
        .cloned()
        .collect();
    for key in keys {
        let order = patch.remove(&key).unwrap_or(Value::Null);
        let field = &key[SET_ORDER.len()..];
        let fpath = join(path, field);
        let Value::Array(order) = order else {
            return Err(SmpError::BadForm(format!("{fpath}: {key} must be a list")));
        };
        let strategy = ty.strategy(field);
        let merge_key = strategy.and_then(|s| s.merge_key);
        let items = ty.field(field).items();
        let orig = match original.get(field) {
            Some(Value::Array(a)) => Some(a.clone()),
            Some(_) => {
                return Err(SmpError::BadValue(fpath, "is not a list".into()));
            }
            None => None,
        };
        let pl = match patch.remove(field) {
            Some(Value::Array(a)) => Some(a),
            Some(Value::Null) | None => None,
            Some(_) => {
                return Err(SmpError::BadValue(fpath, "must be a list".into()));
            }
        };
        if let Some(pl) = &pl {
            check_order(pl, &order, merge_key, &fpath)?;
        }
        let merged = match (orig.clone(), pl) {
            (Some(o), None) => o,
            (None, Some(p)) => merge_list(vec![], p, strategy, items, &fpath)?,
            (Some(o), Some(p)) => merge_list(o, p, strategy, items, &fpath)?,
            (None, None) => continue,
        };
        let (named, server_only): (Vec<Value>, Vec<Value>) = merged
            .into_iter()
            .partition(|v| index_of(&order, v, merge_key).is_some());
        let out = interleave(
            sort_by(named, &order, merge_key),
            sort_by(server_only, orig.as_deref().unwrap_or(&[]), merge_key),
            orig.as_deref().unwrap_or(&[]),
            merge_key,
        );
        original.insert(field.to_string(), Value::Array(out));
    }
    Ok(())
}

/// The patch's list must name its elements in the order the
/// `$setElementOrder` list has them.
fn check_order(
    patch: &[Value],
    order: &[Value],
    merge_key: Option<&str>,
    path: &str,
) -> Result<(), SmpError> {
    let kept: Vec<&Value> = patch
        .iter()
        .filter(|v| v.get(DIRECTIVE).is_none())
        .collect();
    let (mut i, mut j) = (0, 0);
    while i < kept.len() && j < order.len() {
        if key_of(kept[i], merge_key) == key_of(&order[j], merge_key) {
            i += 1;
        }
        j += 1;
    }
    if i < kept.len() {
        return Err(SmpError::BadForm(format!(
            "{path}: the order in the patch list does not match the $setElementOrder list"
        )));
    }
    Ok(())
}

fn key_of<'v>(v: &'v Value, merge_key: Option<&str>) -> Option<&'v Value> {
    match merge_key {
        Some(k) => v.get(k),
        None => Some(v),
    }
}

fn index_of(list: &[Value], v: &Value, merge_key: Option<&str>) -> Option<usize> {
    let want = key_of(v, merge_key)?;
    list.iter().position(|x| key_of(x, merge_key) == Some(want))
}

/// Stable sort of `items` by their position in `order` (unknown last).
fn sort_by(mut items: Vec<Value>, order: &[Value], merge_key: Option<&str>) -> Vec<Value> {
    items.sort_by_key(|v| index_of(order, v, merge_key).unwrap_or(usize::MAX));
    items
}

/// Merges the live-only elements (`left`, in live order) into the patch's
/// (`right`, in patch order): a live element goes first only when both are
/// in the live list and it was before there.
fn interleave(
    right: Vec<Value>,
    left: Vec<Value>,
    server_order: &[Value],
    merge_key: Option<&str>,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        match (l.peek(), r.peek()) {
            (None, None) => break,
            (Some(_), None) => out.extend(l.next()),
            (None, Some(_)) => out.extend(r.next()),
            (Some(a), Some(b)) => {
                let li = index_of(server_order, a, merge_key);
                let ri = index_of(server_order, b, merge_key);
                match (li, ri) {
                    (Some(li), Some(ri)) if li < ri => out.extend(l.next()),
                    _ => out.extend(r.next()),
                }
            }
        }
    }
    out
}

/// Merges list `patch` into list `original` by the field's strategy.
fn merge_list(
    original: Vec<Value>,
    patch: Vec<Value>,
    strategy: Option<FieldStrategy>,
    items: Ty,
    path: &str,
) -> Result<Vec<Value>, SmpError> {
    let Some(s) = strategy.filter(|s| s.merge) else {
        // Replaced: each element only loses its directives.
        return patch
            .into_iter()
            .map(|v| clean(v, None, items, path))
            .collect();
    };
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let Some(mk) = s.merge_key else {
        // A set of primitives.
        let mut merged = original.clone();
        for v in &patch {
            if !merged.contains(v) {
                merged.push(v.clone());
            }
        }
        let (named, rest): (Vec<Value>, Vec<Value>) =
            merged.into_iter().partition(|v| patch.contains(v));
        return Ok(interleave(
            sort_by(named, &patch, None),
            sort_by(rest, &original, None),
            &original,
            None,
        ));
    };
    let no_key = |v: &Value| SmpError::NoMergeKey {
        field: path.to_string(),
        key: mk.to_string(),
        element: v.to_string(),
    };
    // Elements with `$patch`: delete, or replace the whole list.
    let mut original = original;
    let mut plain = Vec::with_capacity(patch.len());
    let mut replace = false;
    for v in patch {
        let Some(d) = v.get(DIRECTIVE) else {
            plain.push(v);
            continue;
        };
        match d.as_str() {
            Some("delete") => {
                let key = v.get(mk).ok_or_else(|| no_key(&v))?;
                original.retain(|o| o.get(mk) != Some(key));
            }
            Some("replace") => replace = true,
            Some("merge") => return Err(SmpError::MergeDirectiveInList(path.to_string())),
            _ => return Err(SmpError::BadDirective(d.to_string())),
        }
    }
    if replace {
        return plain
            .into_iter()
            .map(|v| clean(v, None, items, path))
            .collect();
    }
    let mut merged = original.clone();
    for v in &plain {
        let key = v.get(mk).ok_or_else(|| no_key(v))?;
        let Value::Object(pm) = v else {
            return Err(SmpError::BadValue(
                path.into(),
                "elements must be objects".into(),
            ));
        };
        let at = merged.iter().position(|o| o.get(mk) == Some(key));
        match at {
            Some(i) => {
                let Value::Object(om) = std::mem::take(&mut merged[i]) else {
                    return Err(SmpError::BadValue(
                        path.into(),
                        "live elements must be objects".into(),
                    ));
                };
                merged[i] = Value::Object(merge_map(om, pm.clone(), items, path)?);
            }
            None => merged.push(Value::Object(merge_map(
                Map::new(),
                pm.clone(),
                items,
                path,
            )?)),
        }
    }
    let key = Some(mk);
    for v in &merged {
        if v.get(mk).is_none() {
            return Err(no_key(v));
        }
    }
    let (named, rest): (Vec<Value>, Vec<Value>) = merged
        .into_iter()
        .partition(|v| index_of(&plain, v, key).is_some());
    Ok(interleave(
        sort_by(named, &plain, key),
        sort_by(rest, &original, key),
        &original,
        key,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web"},
               "spec": {"selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": containers}}}})
    }

    fn containers(v: &Value) -> &Value {
        &v["spec"]["template"]["spec"]["containers"]
    }

    fn smp(kind: Kind, o: &Value, p: Value) -> Value {
        strategic_merge(kind, o, &p).unwrap()
    }

    #[test]
    fn changing_one_container_keeps_its_other_fields_and_the_other_containers() {
        let live = deploy(json!([
            {"name": "app", "image": "app:1", "command": ["serve"],
             "ports": [{"containerPort": 80}], "resources": {"limits": {"cpu": "1"}}},
            {"name": "side", "image": "side:1"}
        ]));
        let out = smp(
            Kind::Deployment,
            &live,
            json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}}),
        );
        assert_eq!(
            containers(&out),
            &json!([
                {"name": "app", "image": "app:2", "command": ["serve"],
                 "ports": [{"containerPort": 80}], "resources": {"limits": {"cpu": "1"}}},
                {"name": "side", "image": "side:1"}
            ])
        );
    }

    #[test]
    fn a_list_without_a_merge_key_is_replaced_and_null_deletes_a_key() {
        let live = deploy(json!([{"name": "app", "image": "a", "args": ["x", "y"],
                                  "workingDir": "/w"}]));
        let out = smp(
            Kind::Deployment,
            &live,
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "app", "args": ["z"], "workingDir": null}]}}}}),
        );
        assert_eq!(
            containers(&out),
            &json!([{"name": "app", "image": "a", "args": ["z"]}])
        );
    }

    #[test]
    fn a_new_element_goes_before_the_live_ones_it_does_not_name() {
        // From Kubernetes' docs: patching a Deployment with a second container
        // lists the patch's container first.
        let live = deploy(json!([{"name": "patch-demo-ctr", "image": "nginx"}]));
        let out = smp(
            Kind::Deployment,
            &live,
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "patch-demo-ctr-2", "image": "redis"}]}}}}),
        );
        assert_eq!(
            containers(&out),
            &json!([{"name": "patch-demo-ctr-2", "image": "redis"},
                    {"name": "patch-demo-ctr", "image": "nginx"}])
        );
    }

    #[test]
    fn patch_replace_on_a_list_element_replaces_the_list() {
        let live = deploy(json!([{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]));
        let out = smp(
            Kind::Deployment,
            &live,
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "c", "image": "3"}, {"$patch": "replace"}]}}}}),
        );
        assert_eq!(containers(&out), &json!([{"name": "c", "image": "3"}]));
    }

    #[test]
    fn patch_delete_on_a_list_element_removes_it() {
        let live = deploy(json!([{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]));
        let out = smp(
            Kind::Deployment,
            &live,
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "a", "$patch": "delete"}]}}}}),
        );
        assert_eq!(containers(&out), &json!([{"name": "b", "image": "2"}]));
    }

    #[test]
    fn patch_replace_and_delete_on_maps() {
        let live = json!({"metadata": {"name": "p", "labels": {"a": "1", "b": "2"}},
                          "spec": {"containers": [], "nodeSelector": {"x": "1"}}});
        let out = smp(
            Kind::Pod,
            &live,
            json!({"metadata": {"labels": {"$patch": "replace", "c": "3"}},
                   "spec": {"nodeSelector": {"$patch": "delete"}}}),
        );
        assert_eq!(out["metadata"]["labels"], json!({"c": "3"}));
        assert_eq!(out["spec"]["nodeSelector"], json!({}));
    }

    #[test]
    fn patch_merge_in_a_list_is_refused_like_kubernetes() {
        let live = deploy(json!([{"name": "a"}]));
        let err = strategic_merge(
            Kind::Deployment,
            &live,
            &json!({"spec": {"template": {"spec": {"containers": [{"$patch": "merge"}]}}}}),
        )
        .unwrap_err();
        assert!(matches!(err, SmpError::MergeDirectiveInList(_)), "{err}");
        let err = strategic_merge(Kind::Pod, &json!({}), &json!({"metadata": {"$patch": "x"}}))
            .unwrap_err();
        assert!(matches!(err, SmpError::BadDirective(_)), "{err}");
    }

    #[test]
    fn set_element_order_orders_the_merged_list() {
        // Kubernetes' preserve-order design: the patch carries the new order.
        let live = deploy(
            json!([{"name": "a", "image": "1"}, {"name": "b", "image": "2"},
                                 {"name": "c", "image": "3"}]),
        );
        let out = smp(
            Kind::Deployment,
            &live,
            json!({"spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}, {"name": "b"}],
                "containers": [{"name": "a", "image": "9"}]}}}}),
        );
        assert_eq!(
            containers(&out),
            &json!([{"name": "c", "image": "3"}, {"name": "a", "image": "9"},
                    {"name": "b", "image": "2"}])
        );
    }

    #[test]
    fn set_element_order_keeps_live_elements_it_does_not_name() {
        let live = deploy(json!([{"name": "a"}, {"name": "x"}, {"name": "b"}]));
        let out = smp(
            Kind::Deployment,
            &live,
            json!({"spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}}}}),
        );
        let names: Vec<&str> = containers(&out)
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        // `x` was before `b` in the live list, so it stays before it.
        assert_eq!(names, ["x", "b", "a"]);
    }

    #[test]
    fn retain_keys_clears_the_fields_it_does_not_list() {
        // Kubernetes' docs: switching a Deployment to Recreate drops rollingUpdate.
        let live = json!({"metadata": {"name": "d"}, "spec": {"selector": {},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}});
        let out = smp(
            Kind::Deployment,
            &live,
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
        );
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
        let err = strategic_merge(
            Kind::Deployment,
            &live,
            &json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}),
        )
        .unwrap_err();
        assert!(matches!(err, SmpError::BadForm(_)), "{err}");
    }

    #[test]
    fn retain_keys_on_a_volume_switches_its_source() {
        let live = json!({"metadata": {"name": "p"}, "spec": {"containers": [],
            "volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "emptyDir": {}}]}});
        let out = smp(
            Kind::Pod,
            &live,
            json!({"spec": {"volumes": [{"name": "v", "$retainKeys": ["name", "hostPath"],
                                         "hostPath": {"path": "/data"}}]}}),
        );
        assert_eq!(
            out["spec"]["volumes"],
            json!([{"name": "v", "hostPath": {"path": "/data"}}, {"name": "w", "emptyDir": {}}])
        );
    }

    #[test]
    fn primitive_lists_with_merge_are_sets_and_delete_from_primitive_list_removes() {
        let live = json!({"metadata": {"name": "p", "finalizers": ["a", "b"]}});
        let out = smp(
            Kind::ConfigMap,
            &live,
            json!({"metadata": {"finalizers": ["c", "a"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["c", "a", "b"]));
        let out = smp(
            Kind::ConfigMap,
            &live,
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["b"]));
    }

    #[test]
    fn env_merges_by_name_inside_a_container() {
        let live = deploy(json!([{"name": "app", "env": [{"name": "A", "value": "1"},
                                                         {"name": "B", "value": "2"}]}]));
        let out = smp(
            Kind::Deployment,
            &live,
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "app", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}]}}}}),
        );
        assert_eq!(
            containers(&out)[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "3"},
                   {"name": "C", "value": "4"}])
        );
    }

    #[test]
    fn new_values_lose_their_directives_and_nulls() {
        let live = json!({"metadata": {"name": "p"}, "spec": {}});
        let out = smp(
            Kind::Pod,
            &live,
            json!({"spec": {"containers": [{"name": "a", "image": null,
                                             "$setElementOrder/env": [{"name": "X"}],
                                             "env": [{"name": "X", "value": "1"}]}]}}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "a", "env": [{"name": "X", "value": "1"}]}])
        );
    }

    #[test]
    fn an_element_without_its_merge_key_is_refused() {
        let live = deploy(json!([{"name": "a"}]));
        let err = strategic_merge(
            Kind::Deployment,
            &live,
            &json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}),
        )
        .unwrap_err();
        assert!(matches!(err, SmpError::NoMergeKey { .. }), "{err}");
    }
}
