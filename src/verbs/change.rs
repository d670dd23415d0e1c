//! Changing one field of a live object without clobbering the rest: fetch
//! it, change a copy, and send only the difference as a JSON merge patch
//! that carries the `resourceVersion` fetched, so a write made in between
//! is a 409 rather than lost. [`update`] retries those from a fresh copy.
//!
//! Lists come from the live object, so a patch that changes one container's
//! image sends that container list whole, every other field of every
//! container included: nothing is dropped whichever way the server merges.

use super::objects::Target;
use super::{Ctx, Result, VerbError};
use serde_json::{Map, Value};

/// How many times [`update`] starts over after a conflict.
const CONFLICT_RETRIES: usize = 5;

/// The RFC 7386 merge patch that turns `from` into `to` (`Null` when they
/// are equal).
pub fn merge_diff(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(f), Value::Object(t)) => {
            let mut out = Map::new();
            for (k, fv) in f {
                match t.get(k) {
                    None => {
                        out.insert(k.clone(), Value::Null);
                    }
                    Some(tv) if tv != fv => {
                        let d = merge_diff(fv, tv);
                        // A change to null is a removal in a merge patch.
                        out.insert(k.clone(), if tv.is_null() { Value::Null } else { d });
                    }
                    Some(_) => {}
                }
            }
            for (k, tv) in t {
                if !f.contains_key(k) && !tv.is_null() {
                    out.insert(k.clone(), tv.clone());
                }
            }
            if out.is_empty() {
                Value::Null
            } else {
                Value::Object(out)
            }
        }
        (f, t) if f == t => Value::Null,
        (_, t) => t.clone(),
    }
}

/// `patch` with `metadata.resourceVersion` set to `rv`: the server refuses
/// it with a 409 when the object has changed since.
pub fn with_precondition(mut patch: Value, rv: &str) -> Value {
    if !patch.is_object() {
        patch = Value::Object(Map::new());
    }
    if let Some(p) = patch.as_object_mut() {
        let meta = p
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(m) = meta.as_object_mut() {
            m.insert("resourceVersion".into(), Value::String(rv.to_string()));
        }
    }
    patch
}

/// Fetches the object, lets `change` edit a copy (it returns whether it
/// changed anything, or why it cannot), and sends the difference with a
/// resourceVersion precondition, starting over after a conflict. Returns
/// whether anything was sent.
pub async fn update<F>(ctx: &Ctx, t: &Target, mut change: F) -> Result<bool>
where
    F: FnMut(&mut Value) -> std::result::Result<bool, String>,
{
    let mut attempt = 0;
    loop {
        let live = ctx.client.get_value(t.kind, &t.namespace, &t.name).await?;
        let mut next = live.clone();
        if !change(&mut next).map_err(VerbError::Failed)? {
            return Ok(false);
        }
        let diff = merge_diff(&live, &next);
        if diff.is_null() {
            return Ok(false);
        }
        let rv = live
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let patch = with_precondition(diff, rv);
        match ctx
            .client
            .patch_value(t.kind, &t.namespace, &t.name, &patch, false)
            .await
        {
            Ok(_) => return Ok(true),
            Err(e) if e.is_conflict() && attempt < CONFLICT_RETRIES => attempt += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::merge::merge_patch;
    use serde_json::json;

    #[test]
    fn a_diff_applied_gives_the_target_back() {
        let from = json!({"a": 1, "b": {"c": [1, 2], "d": "x"}, "gone": true});
        let to = json!({"a": 2, "b": {"c": [1, 2, 3], "d": "x"}, "new": {"k": "v"}});
        let d = merge_diff(&from, &to);
        assert_eq!(
            d,
            json!({"a": 2, "b": {"c": [1, 2, 3]}, "gone": null, "new": {"k": "v"}})
        );
        let mut applied = from.clone();
        merge_patch(&mut applied, &d);
        assert_eq!(applied, to);
        assert!(merge_diff(&to, &to).is_null());
    }

    #[test]
    fn the_precondition_rides_in_metadata() {
        assert_eq!(
            with_precondition(json!({"spec": {"replicas": 3}}), "42"),
            json!({"spec": {"replicas": 3}, "metadata": {"resourceVersion": "42"}})
        );
        assert_eq!(
            with_precondition(Value::Null, "7"),
            json!({"metadata": {"resourceVersion": "7"}})
        );
    }
}
