//! `/apis/autoscaling/v1/...horizontalpodautoscalers`: ork stores
//! HorizontalPodAutoscalers as autoscaling/v2 and serves v1 clients (such as
//! `kubectl autoscale`) a converted view ([`crate::api::autoscaling_v1`]):
//! list, watch, get, create, replace, merge-patch and delete, each going
//! through the same admission and store as v2, then converted on the way out.
//!
//! This module must not import controllers or the scheduler.

use super::resources::{Filters, Params, Write, key, not_found};
use super::{ApiError, App, json_bytes};
use crate::api::autoscaling_v1::{self, HpaV1};
use crate::api::merge::merge_patch;
use crate::api::wire::{DeleteOptions, ListParams};
use crate::api::{HorizontalPodAutoscaler as Hpa, Kind, Object};
use crate::control::store::{StoreError, Subresource, Tx};
use crate::control::{admission, ops};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;
use futures::StreamExt;
use std::sync::Arc;

const PREFIX: &str = "/apis/autoscaling/v1";

pub fn routes(r: super::Routes) -> super::Routes {
    let collection = format!("{PREFIX}/namespaces/{{ns}}/horizontalpodautoscalers");
    let item = format!("{collection}/{{name}}");
    r.route(&collection, get(list).post(create))
        .route(&format!("{PREFIX}/horizontalpodautoscalers"), get(list))
        .route(
            &item,
            get(get_one).put(replace).patch(patch).delete(delete_one),
        )
        .route(&format!("{item}/status"), get(get_one))
}

fn bad(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(e.to_string())
}

fn v1_json(h: &Hpa) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(&autoscaling_v1::to_v1(h)).map_err(bad)
}

/// A stored object's JSON as v1 (unchanged when it is not an HPA).
fn convert_object(obj: &serde_json::Value) -> Option<serde_json::Value> {
    let h: Hpa = serde_json::from_value(obj.clone()).ok()?;
    serde_json::to_value(autoscaling_v1::to_v1(&h)).ok()
}

/// A v2 list body as a v1 one.
fn convert_list(body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let mut v: serde_json::Value = serde_json::from_slice(body).map_err(bad)?;
    v["apiVersion"] = autoscaling_v1::API_VERSION.into();
    if let Some(items) = v["items"].as_array_mut() {
        for it in items.iter_mut() {
            if let Some(c) = convert_object(it) {
                *it = c;
            }
        }
    }
    serde_json::to_vec(&v).map_err(bad)
}

/// One watch line (`{"type":..,"object":..}\n`) with its object as v1.
fn convert_line(line: Bytes) -> Bytes {
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&line) else {
        return line;
    };
    match v["object"]["kind"].as_str() {
        Some("HorizontalPodAutoscaler") => {
            if let Some(c) = convert_object(&v["object"]) {
                v["object"] = c;
            }
        }
        // A bookmark carries only a revision.
        _ if v["type"] == "BOOKMARK" => {
            v["object"]["apiVersion"] = autoscaling_v1::API_VERSION.into();
        }
        _ => return line,
    }
    let mut out = serde_json::to_vec(&v).unwrap_or_default();
    out.push(b'\n');
    out.into()
}

async fn list(
    State(app): State<Arc<App>>,
    Path(p): Params,
    q: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
    caller: Option<axum::extract::Extension<super::Caller>>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let ns = p.get("ns").cloned();
    let used_by = caller.and_then(|c| c.0.used_by);
    let filters =
        Filters::parse(Kind::HorizontalPodAutoscaler, ns, &q)?.used_by(used_by, &app.store);
    if q.watching().map_err(ApiError::bad_request)? {
        let r = super::watch::serve(
            app,
            Kind::HorizontalPodAutoscaler,
            filters,
            &q,
            super::table::Answer::Json,
        )
        .await?;
        let (parts, body) = r.into_parts();
        let lines = body.into_data_stream().map(|c| c.map(convert_line));
        return Ok(Response::from_parts(parts, Body::from_stream(lines)));
    }
    let r = super::pages::serve(
        app,
        Kind::HorizontalPodAutoscaler,
        filters,
        &q,
        super::table::Answer::Json,
    )
    .await?;
    let (parts, body) = r.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(bad)?;
    let mut out = Response::from_parts(parts, Body::from(convert_list(&bytes)?));
    out.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
    Ok(out)
}

async fn get_one(State(app): State<Arc<App>>, Path(p): Params) -> Result<Response, ApiError> {
    let (ns, name) = key(Kind::HorizontalPodAutoscaler, &p);
    let h = app
        .store
        .get::<Hpa>(&ns, &name)
        .ok_or_else(|| not_found(Kind::HorizontalPodAutoscaler, &ns, &name))?;
    Ok(json_bytes(StatusCode::OK, v1_json(&h)?))
}

/// Decodes a v1 body strictly and checks it against the URL.
fn decode(body: &[u8], ns: &str, name: Option<&str>) -> Result<HpaV1, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let mut v1: HpaV1 = serde_path_to_error::deserialize(de).map_err(|e| {
        ApiError::bad_request(format!(
            "decoding autoscaling/v1 HorizontalPodAutoscaler body: {}: {}",
            e.path(),
            e.inner()
        ))
    })?;
    if !v1.api_version.is_empty() && v1.api_version != autoscaling_v1::API_VERSION {
        return Err(ApiError::bad_request(format!(
            "body is {} but this URL takes {}",
            v1.api_version,
            autoscaling_v1::API_VERSION
        )));
    }
    let m = &mut v1.metadata;
    for (what, field, url) in [
        ("namespace", &mut m.namespace, Some(ns)),
        ("name", &mut m.name, name),
    ] {
        let Some(url) = url else { continue };
        if field.is_empty() {
            *field = url.to_string();
        } else if field != url {
            return Err(ApiError::bad_request(format!(
                "the {what} of the body ({field}) does not match the {what} of the URL ({url})"
            )));
        }
    }
    Ok(v1)
}

async fn create(State(app): State<Arc<App>>, w: Write) -> Result<Response, ApiError> {
    let ns = w.path.get("ns").cloned().unwrap_or_default();
    let v1 = decode(&w.body, &ns, None)?;
    let obj = autoscaling_v1::from_v1(v1, None);
    let who = w.caller.identity.clone();
    let stored = app
        .store
        .txn_with(w.dry_run()?, move |tx| admission::create(tx, &who, obj))
        .await?;
    Ok(json_bytes(StatusCode::CREATED, v1_json(&stored)?))
}

async fn replace(State(app): State<Arc<App>>, w: Write) -> Result<Response, ApiError> {
    let (ns, name) = key(Kind::HorizontalPodAutoscaler, &w.path);
    let v1 = decode(&w.body, &ns, Some(&name))?;
    let who = w.caller.identity.clone();
    let f = move |tx: &mut Tx<'_>| {
        let old = tx.require::<Hpa>(&ns, &name)?;
        let obj = autoscaling_v1::from_v1(v1, Some(&old));
        admission::update(tx, &who, obj, Subresource::Main)
    };
    let stored = app.store.txn_with(w.dry_run()?, f).await?;
    Ok(json_bytes(StatusCode::OK, v1_json(&stored)?))
}

/// A merge patch of the v1 view (v1 has no lists, so a strategic merge
/// patch merges the same way).
async fn patch(State(app): State<Arc<App>>, w: Write) -> Result<Response, ApiError> {
    let patch = w.patch()?;
    let (ns, name) = key(Kind::HorizontalPodAutoscaler, &w.path);
    let who = w.caller.identity.clone();
    let f = move |tx: &mut Tx<'_>| {
        admission::mutate::<Hpa>(tx, &who, &ns, &name, Subresource::Main, |obj| {
            let mut v = serde_json::to_value(autoscaling_v1::to_v1(obj))
                .map_err(|e| StoreError::BadRequest(e.to_string()))?;
            merge_patch(&mut v, &patch);
            let v1: HpaV1 = serde_path_to_error::deserialize(v).map_err(|e| {
                StoreError::BadRequest(format!(
                    "the patched object is not a valid autoscaling/v1 HorizontalPodAutoscaler: {}: {}",
                    e.path(),
                    e.inner()
                ))
            })?;
            let rv = obj.metadata.resource_version.clone();
            let mut patched = autoscaling_v1::from_v1(v1, Some(obj));
            if patched.metadata.resource_version.is_empty() {
                patched.metadata.resource_version = rv;
            }
            let changed = patched != *obj;
            *obj = patched;
            Ok(changed)
        })
    };
    let stored = app.store.txn_with(w.dry_run()?, f).await?;
    Ok(json_bytes(StatusCode::OK, v1_json(&stored)?))
}

async fn delete_one(State(app): State<Arc<App>>, w: Write) -> Result<Response, ApiError> {
    let (ns, name) = key(Kind::HorizontalPodAutoscaler, &w.path);
    let b: DeleteOptions = if w.body.iter().all(u8::is_ascii_whitespace) {
        DeleteOptions::default()
    } else {
        serde_json::from_slice(&w.body)
            .map_err(|e| ApiError::bad_request(format!("DeleteOptions body: {e}")))?
    };
    let opts = b.with_query(&w.query).map_err(ApiError::bad_request)?;
    let dry = opts.is_dry_run();
    let f = move |tx: &mut Tx<'_>| {
        ops::delete(tx, Kind::HorizontalPodAutoscaler, &ns, &name, &opts).map(|d| d.object)
    };
    let obj = app.store.txn_with(dry, f).await?;
    let body = match Hpa::from_any(&obj) {
        Some(h) => v1_json(h)?,
        None => obj.to_json().map_err(bad)?,
    };
    Ok(json_bytes(StatusCode::OK, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_lines_and_lists_are_converted_to_v1() {
        let h = autoscaling_v1::from_v1(
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": "web", "namespace": "default"},
                "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"},
                         "maxReplicas": 3, "targetCPUUtilizationPercentage": 50}
            }))
            .unwrap(),
            None,
        );
        let obj = serde_json::to_string(&h).unwrap();
        let line = convert_line(format!("{{\"type\":\"ADDED\",\"object\":{obj}}}\n").into());
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["object"]["apiVersion"], "autoscaling/v1");
        assert_eq!(v["object"]["spec"]["targetCPUUtilizationPercentage"], 50);
        assert!(line.ends_with(b"\n"));
        let list = format!(
            "{{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscalerList\",\"metadata\":{{}},\"items\":[{obj}]}}"
        );
        let v: serde_json::Value =
            serde_json::from_slice(&convert_list(list.as_bytes()).unwrap()).unwrap();
        assert_eq!(v["apiVersion"], "autoscaling/v1");
        assert_eq!(v["items"][0]["spec"]["maxReplicas"], 3);
    }
}
