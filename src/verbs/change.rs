//! Changing one field of a live object without clobbering the rest: fetch
//! it, change a copy, and replace the object with that copy, which carries
//! the `resourceVersion` fetched, so a write made in between is a 409 rather
//! than lost. [`update`] retries those from a fresh copy. Every other field
//! (a container's command when its image changes) is sent as it was read.
//!
//! [`merge_diff`] says what an edit changed, so it can be laid over a newer
//! copy of the object after a conflict.

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

/// Fetches the object, lets `change` edit a copy (it returns whether it
/// changed anything, or why it cannot), and replaces the object with it
/// under the resourceVersion fetched, starting over after a conflict.
/// Returns whether anything was sent.
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
        if next == live {
            return Ok(false);
        }
        match ctx
            .client
            .replace_value(t.kind, &t.namespace, &t.name, &next)
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
}
