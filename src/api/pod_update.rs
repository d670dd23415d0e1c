//! What an update may change in a Pod's spec, as Kubernetes allows it: the
//! containers' and init containers' images, `activeDeadlineSeconds` (set,
//! or lowered), additions to `tolerations`, removals from
//! `schedulingGates`. Anything else is refused naming the first field that
//! changed; a change belongs in the template of the pod's controller, or
//! in a new pod (`kubectl replace --force`).
//!
//! Pure; imports only `api`.

use super::pod::PodSpec;
use super::validation::FieldError;
use serde_json::Value;

/// Kubernetes' list of what a pod update may change.
pub const MAY_CHANGE: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// Why replacing `old` by `new` is forbidden, or `None` when it only
/// changes what a pod update may change.
pub fn forbidden(old: &PodSpec, new: &PodSpec) -> Option<FieldError> {
    let old = serde_json::to_value(old).ok()?;
    let mut new = serde_json::to_value(new).ok()?;
    allow_permitted(&old, &mut new);
    let changed = first_difference(&old, &new, "spec")?;
    Some(FieldError::new(
        "spec",
        format!(
            "Forbidden: pod updates may not change fields other than {MAY_CHANGE} (changed: {changed})"
        ),
    ))
}

/// Copies into `new` from `old` what an update may change, so that what
/// is left to compare is what it may not.
fn allow_permitted(old: &Value, new: &mut Value) {
    let (Some(o), Some(n)) = (old.as_object(), new.as_object_mut()) else {
        return;
    };
    for list in ["containers", "initContainers"] {
        let (Some(Value::Array(os)), Some(Value::Array(ns))) = (o.get(list), n.get_mut(list))
        else {
            continue;
        };
        for (oc, nc) in os.iter().zip(ns.iter_mut()) {
            if let (Some(oc), Some(nc)) = (oc.as_object(), nc.as_object_mut()) {
                match oc.get("image") {
                    Some(i) => nc.insert("image".into(), i.clone()),
                    None => nc.remove("image"),
                };
            }
        }
    }
    let empty = Value::Array(vec![]);
    let subset = |small: &Value, big: &Value| {
        let big = big.as_array();
        small
            .as_array()
            .is_none_or(|s| s.iter().all(|x| big.is_some_and(|b| b.contains(x))))
    };
    // Tolerations may only be added; scheduling gates only removed.
    for (field, grows) in [("tolerations", true), ("schedulingGates", false)] {
        let before = o.get(field).unwrap_or(&empty);
        let after = n.get(field).unwrap_or(&empty).clone();
        let ok = if grows {
            subset(before, &after)
        } else {
            subset(&after, before)
        };
        if ok {
            match o.get(field) {
                Some(v) => n.insert(field.into(), v.clone()),
                None => n.remove(field),
            };
        }
    }
    // activeDeadlineSeconds may be set, or lowered, never raised or unset.
    let before = o.get("activeDeadlineSeconds").and_then(Value::as_i64);
    let after = n.get("activeDeadlineSeconds").and_then(Value::as_i64);
    if let Some(a) = after
        && a > 0
        && before.is_none_or(|b| a <= b)
    {
        match o.get("activeDeadlineSeconds") {
            Some(v) => n.insert("activeDeadlineSeconds".into(), v.clone()),
            None => n.remove("activeDeadlineSeconds"),
        };
    }
}

/// The path of the first field that differs, as Kubernetes writes it.
fn first_difference(old: &Value, new: &Value, path: &str) -> Option<String> {
    if old == new {
        return None;
    }
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let null = Value::Null;
                first_difference(
                    o.get(k).unwrap_or(&null),
                    n.get(k).unwrap_or(&null),
                    &format!("{path}.{k}"),
                )
            })
        }
        (Value::Array(o), Value::Array(n)) if o.len() == n.len() => o
            .iter()
            .zip(n)
            .enumerate()
            .find_map(|(i, (a, b))| first_difference(a, b, &format!("{path}[{i}]"))),
        _ => Some(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: Value) -> PodSpec {
        serde_json::from_value(v).expect("a pod spec")
    }

    fn base() -> Value {
        json!({
            "containers": [{"name": "c", "image": "busybox:1", "command": ["sleep", "1"]}],
            "tolerations": [{"key": "a", "operator": "Exists"}]
        })
    }

    #[test]
    fn images_tolerations_added_and_metadata_may_change() {
        let old = spec(base());
        let mut v = base();
        v["containers"][0]["image"] = json!("busybox:2");
        v["tolerations"]
            .as_array_mut()
            .unwrap()
            .push(json!({"key": "b", "operator": "Exists"}));
        assert_eq!(forbidden(&old, &spec(v)), None);
        assert_eq!(forbidden(&old, &old.clone()), None);
    }

    #[test]
    fn anything_else_is_forbidden_naming_the_field() {
        let old = spec(base());
        for (change, field) in [
            (
                json!({"containers": [{"name": "c", "image": "busybox:1", "command": ["sleep", "2"]}]}),
                "spec.containers[0].command[1]",
            ),
            (
                json!({"containers": [{"name": "c", "image": "busybox:1", "command": ["sleep", "1"], "env": [{"name": "A", "value": "1"}]}]}),
                "spec.containers[0].env",
            ),
            (json!({"tolerations": []}), "spec.tolerations"),
            (json!({"nodeName": "n2"}), "spec.nodeName"),
        ] {
            let mut v = base();
            for (k, x) in change.as_object().unwrap() {
                v[k] = x.clone();
            }
            let e = forbidden(&old, &spec(v)).expect("forbidden");
            assert_eq!(e.path, "spec");
            assert_eq!(
                e.message,
                format!(
                    "Forbidden: pod updates may not change fields other than {MAY_CHANGE} (changed: {field})"
                )
            );
        }
    }
}
