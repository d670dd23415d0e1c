//! JSON merges: RFC 7386 merge patches (`PATCH` with
//! `application/merge-patch+json`) and the three-way merge `apply` uses to
//! change only what the manifest owns.
//!
//! Lists are replaced whole (Kubernetes' strategic merge by key is not done).

use serde_json::{Map, Value};

/// Applies an RFC 7386 merge patch: objects merge key by key, `null` removes a
/// key, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// The three-way merge of `apply`: starting from `live`, set every field of
/// `desired`, and remove fields that the last applied manifest had but
/// `desired` no longer has. Fields set by others (status, defaults, `ork
/// scale` on a manifest without `replicas`) are kept.
pub fn three_way(last: Option<&Value>, live: &Value, desired: &Value) -> Value {
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => {
            let last_obj = last.and_then(Value::as_object);
            let mut out = l.clone();
            if let Some(lo) = last_obj {
                for k in lo.keys() {
                    if !d.contains_key(k) {
                        out.remove(k);
                    }
                }
            }
            for (k, dv) in d {
                let lv = l.get(k);
                let last_v = last_obj.and_then(|lo| lo.get(k));
                let merged = match lv {
                    Some(lv) if lv.is_object() && dv.is_object() => three_way(last_v, lv, dv),
                    _ => dv.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (_, d) => d.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut t = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        merge_patch(
            &mut t,
            &json!({"a": "z", "c": {"f": null}, "l": [3], "n": {"x": 1}}),
        );
        assert_eq!(
            t,
            json!({"a": "z", "c": {"d": "e"}, "l": [3], "n": {"x": 1}})
        );
    }

    #[test]
    fn apply_keeps_fields_it_does_not_own() {
        let last = json!({"spec": {"template": {"x": 1}}});
        let live = json!({"spec": {"replicas": 5, "template": {"x": 1}}, "status": {"ready": 5}});
        let desired = json!({"spec": {"template": {"x": 2}}});
        assert_eq!(
            three_way(Some(&last), &live, &desired),
            json!({"spec": {"replicas": 5, "template": {"x": 2}}, "status": {"ready": 5}})
        );
    }

    #[test]
    fn apply_removes_fields_dropped_from_the_manifest() {
        let last = json!({"metadata": {"labels": {"a": "1", "b": "2"}}});
        let live = json!({"metadata": {"labels": {"a": "1", "b": "2", "c": "3"}}});
        let desired = json!({"metadata": {"labels": {"a": "1"}}});
        assert_eq!(
            three_way(Some(&last), &live, &desired),
            json!({"metadata": {"labels": {"a": "1", "c": "3"}}})
        );
    }

    #[test]
    fn apply_sets_fields_it_owns_even_when_changed_by_others() {
        let last = json!({"spec": {"replicas": 3}});
        let live = json!({"spec": {"replicas": 7}});
        let desired = json!({"spec": {"replicas": 3}});
        assert_eq!(
            three_way(Some(&last), &live, &desired),
            json!({"spec": {"replicas": 3}})
        );
    }
}
