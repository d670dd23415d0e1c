//! `POST /apis/ork.dev/v1/apply`: applies a list of objects in one store
//! transaction, so a file is applied whole or not at all.
//!
//! Each object is created when absent; otherwise it is three-way merged (the
//! last applied manifest, kept in the `kubectl.kubernetes.io/last-applied-configuration`
//! annotation, the live object, the new manifest): fields the manifest owns
//! are set, fields it dropped are removed, fields others set are kept.
//! Namespaces in the list are applied first, so a file may create the
//! namespace its other objects live in.

use super::resources::dry_run;
use super::{ApiError, App, Body, Caller};
use crate::api::merge::three_way;
use crate::api::wire::{self, Applied, ApplyRequest, ApplyResponse, WriteParams};
use crate::api::{AnyObject, Kind, LAST_APPLIED_ANNOTATION, Object, StatusDetails};
use crate::control::admission;
use crate::control::authz::{Attributes, Decision, Identity, authorize};
use crate::control::store::{StoreError, Subresource, Tx};
use axum::extract::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;
use std::sync::Arc;

pub fn routes(r: super::Routes) -> super::Routes {
    r.route(wire::APPLY_PATH, post(apply))
}

struct ItemError {
    index: usize,
    error: StoreError,
}

fn item_err(index: usize) -> impl Fn(StoreError) -> ItemError {
    move |error| ItemError { index, error }
}

fn bad(msg: String) -> StoreError {
    StoreError::BadRequest(msg)
}

fn strip_server_fields(v: &mut Value) {
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for f in [
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "managedFields",
            "selfLink",
        ] {
            m.remove(f);
        }
        if let Some(a) = m.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove(LAST_APPLIED_ANNOTATION);
            if a.is_empty() {
                m.remove("annotations");
            }
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
}

/// The object as JSON without the last-applied annotation.
fn without_last_applied(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(a) = v
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.remove(LAST_APPLIED_ANNOTATION);
    }
    v
}

/// What the last-applied record keeps of a Secret: its keys, never its
/// values (the record is readable by anyone who can read the object).
fn redacted(kind: Kind, desired: &Value) -> Value {
    let mut v = desired.clone();
    if kind == Kind::Secret {
        for field in ["data", "stringData"] {
            if let Some(m) = v.get_mut(field).and_then(Value::as_object_mut) {
                for val in m.values_mut() {
                    *val = Value::String(String::new());
                }
            }
        }
    }
    v
}

fn set_last_applied(v: &mut Value, desired: &Value) {
    let text = desired.to_string();
    if let Some(m) = v.as_object_mut() {
        let meta = m
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(meta) = meta.as_object_mut() {
            let ann = meta
                .entry("annotations")
                .or_insert_with(|| Value::Object(Default::default()));
            if let Some(ann) = ann.as_object_mut() {
                ann.insert(LAST_APPLIED_ANNOTATION.into(), Value::String(text));
            }
        }
    }
}

/// Whether `who` may write this object (apply's one route carries objects
/// of every kind, so each is authorized as its own create or patch).
fn authorized(
    who: &Identity,
    kind: Kind,
    ns: &str,
    name: &str,
    exists: bool,
) -> Result<(), StoreError> {
    let group = kind
        .api_version()
        .rsplit_once('/')
        .map(|(g, _)| g)
        .unwrap_or("");
    let attrs = Attributes {
        verb: if exists { "patch" } else { "create" }.into(),
        resource_request: true,
        group: group.into(),
        resource: kind.plural().into(),
        namespace: ns.into(),
        name: name.into(),
        ..Default::default()
    };
    match authorize(who, &attrs, &NoFacts) {
        Decision::Deny(why) => Err(StoreError::Forbidden(why)),
        _ => Ok(()),
    }
}

/// Apply is for users: the policy needs no facts about nodes' pods.
struct NoFacts;

impl crate::control::authz::Facts for NoFacts {
    fn pod_node(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn node_uses(&self, _: &str, _: &str, _: &str, _: &str) -> bool {
        false
    }
    fn event_about(&self, _: &str, _: &str) -> Option<(String, String, String)> {
        None
    }
}

fn apply_one(tx: &mut Tx<'_>, who: &Identity, mut desired: Value) -> Result<Applied, StoreError> {
    let av = desired
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let k = desired.get("kind").and_then(Value::as_str).unwrap_or("");
    let kind = Kind::from_type_meta(av, k).ok_or_else(|| {
        bad(format!(
            "apiVersion {av:?} kind {k:?} is not a kind ork serves"
        ))
    })?;
    strip_server_fields(&mut desired);
    let meta = desired
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| bad("metadata is required".into()))?;
    let name = meta
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        return Err(bad(
            "metadata.name is required (apply cannot use generateName)".into(),
        ));
    }
    let ns = if kind.namespaced() {
        let ns = meta
            .get("namespace")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or(crate::api::DEFAULT_NAMESPACE)
            .to_string();
        meta.insert("namespace".into(), Value::String(ns.clone()));
        ns
    } else {
        meta.remove("namespace");
        String::new()
    };
    let mut result = Applied {
        kind: kind.as_str().into(),
        namespace: ns.clone(),
        name: name.clone(),
        action: String::new(),
    };
    let live = tx.get_entry(kind, &ns, &name);
    authorized(who, kind, &ns, &name, live.is_some())?;
    match live {
        None => {
            let mut v = desired.clone();
            set_last_applied(&mut v, &redacted(kind, &desired));
            let obj =
                AnyObject::from_value(kind, v).map_err(|e| bad(format!("{kind} {name:?}: {e}")))?;
            crate::dispatch!(obj, o => { admission::create(tx, who, (*o).clone())?; });
            result.action = "created".into();
        }
        Some(live) => {
            let live_v: Value = serde_json::from_slice(&live.json)
                .map_err(|e| bad(format!("reading live {kind} {name:?}: {e}")))?;
            let last: Option<Value> = live
                .obj
                .meta()
                .annotations
                .get(LAST_APPLIED_ANNOTATION)
                .and_then(|s| serde_json::from_str(s).ok());
            let mut merged = three_way(last.as_ref(), &live_v, &desired);
            // "unchanged" means the object is: the record of what was applied
            // (the annotation) may still move, so later merges stay right.
            let same = without_last_applied(&merged) == without_last_applied(&live_v);
            set_last_applied(&mut merged, &redacted(kind, &desired));
            let obj = AnyObject::from_value(kind, merged)
                .map_err(|e| bad(format!("{kind} {name:?}: {e}")))?;
            let before = live.obj.meta().resource_version.clone();
            let after = crate::dispatch!(obj, o => {
                admission::update(tx, who, (*o).clone(), Subresource::Main)?
                    .meta()
                    .resource_version
                    .clone()
            });
            result.action = if same || after == before {
                "unchanged"
            } else {
                "configured"
            }
            .into();
        }
    }
    Ok(result)
}

fn apply_all(
    tx: &mut Tx<'_>,
    who: &Identity,
    items: Vec<Value>,
) -> Result<Vec<Applied>, ItemError> {
    // Namespaces first, otherwise in the order given.
    let mut order: Vec<(usize, Value)> = items.into_iter().enumerate().collect();
    order.sort_by_key(|(i, v)| {
        (
            v.get("kind").and_then(Value::as_str) != Some("Namespace"),
            *i,
        )
    });
    let mut out: Vec<(usize, Applied)> = Vec::with_capacity(order.len());
    for (i, v) in order {
        out.push((i, apply_one(tx, who, v).map_err(item_err(i))?));
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, a)| a).collect())
}

async fn apply(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<WriteParams>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let req: ApplyRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!("apply body must be {{\"items\": [...]}}: {e}"))
    })?;
    if req.items.len() > 10_000 {
        return Err(ApiError::bad_request("at most 10000 objects per apply"));
    }
    let dry = dry_run(&q)?;
    // The transaction's error type is StoreError: carry the item index out of
    // it through a side channel, and abort the transaction with the error.
    let failed: Arc<std::sync::Mutex<Option<usize>>> = Arc::default();
    let failed_in = failed.clone();
    // The store may run it again (after another control daemon's commit
    // overtook its group): only the last run's failure counts.
    let f = move |tx: &mut Tx<'_>| {
        *failed_in.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let applied = apply_all(tx, &caller.identity, req.items).map_err(|ie| {
            *failed_in.lock().unwrap_or_else(|e| e.into_inner()) = Some(ie.index);
            ie.error
        })?;
        Ok(ApplyResponse {
            items: applied,
            warnings: tx.warnings(),
        })
    };
    let result = app.store.txn_with(dry, f).await;
    match result {
        Ok(applied) => Ok((StatusCode::OK, axum::Json(applied)).into_response()),
        Err(e) => {
            let index = *failed.lock().unwrap_or_else(|e| e.into_inner());
            let mut err = ApiError::from(e);
            if let Some(i) = index {
                err.0.message = format!("item {}: {}", i + 1, err.0.message);
                err.0
                    .details
                    .get_or_insert_with(StatusDetails::default)
                    .item = Some(i);
            }
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_fields_and_status_are_not_applied() {
        let mut v = json!({
            "metadata": {"name": "a", "uid": "x", "resourceVersion": "9",
                          "annotations": {LAST_APPLIED_ANNOTATION: "{}"}},
            "status": {"phase": "Running"}
        });
        strip_server_fields(&mut v);
        assert_eq!(v, json!({"metadata": {"name": "a"}}));
    }
}
