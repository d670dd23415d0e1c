//! The `scale` subresource of Deployments and ReplicaSets
//! (`GET|PUT|PATCH .../{name}/scale`), an `autoscaling/v1` Scale object as
//! `kubectl scale` and autoscalers use it.

use super::resources::{Params, Write, entry, key};
use super::{ApiError, App};
use crate::api::{AnyObject, Deployment, Object, ReplicaSet};
use crate::control::store::Subresource;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// The `autoscaling/v1` Scale view of a Deployment or ReplicaSet.
fn scale_of(obj: &AnyObject) -> Result<serde_json::Value, ApiError> {
    let rc_selector;
    let (spec_replicas, status_replicas, selector) = match obj {
        AnyObject::Deployment(d) => (d.replicas(), d.status.replicas, &d.spec.selector),
        AnyObject::ReplicaSet(r) => (r.replicas(), r.status.replicas, &r.spec.selector),
        AnyObject::StatefulSet(s) => (s.replicas(), s.status.replicas, &s.spec.selector),
        AnyObject::ReplicationController(r) => {
            rc_selector = crate::api::selector::LabelSelector {
                match_labels: r.selector(),
                ..Default::default()
            };
            (r.replicas(), r.status.replicas, &rc_selector)
        }
        _ => {
            return Err(ApiError::not_found(
                "only deployments, replicasets, statefulsets and replicationcontrollers have a scale",
            ));
        }
    };
    let m = obj.meta();
    let sel = selector
        .to_selector()
        .map(|s| s.to_string())
        .unwrap_or_default();
    Ok(serde_json::json!({
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {
            "name": m.name, "namespace": m.namespace, "uid": m.uid,
            "resourceVersion": m.resource_version,
            "creationTimestamp": m.creation_timestamp,
        },
        "spec": { "replicas": spec_replicas },
        "status": { "replicas": status_replicas, "selector": sel },
    }))
}

pub async fn get_scale<T: Object>(
    State(app): State<Arc<App>>,
    Path(p): Params,
) -> Result<Response, ApiError> {
    let e = entry(&app, T::KIND, &p)?;
    Ok((StatusCode::OK, axum::Json(scale_of(&e.obj)?)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScaleBody {
    #[serde(default)]
    metadata: ScaleMeta,
    #[serde(default)]
    spec: ScaleSpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ScaleMeta {
    #[serde(default)]
    resource_version: String,
}

#[derive(Deserialize, Default)]
struct ScaleSpec {
    replicas: Option<i32>,
}

async fn set_scale<T: Object>(
    app: Arc<App>,
    p: HashMap<String, String>,
    replicas: i32,
    rv: String,
    dry: bool,
    manager: String,
) -> Result<Response, ApiError> {
    if replicas < 0 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid",
            format!("spec.replicas: {replicas} must not be negative"),
        ));
    }
    let (ns, name) = key(T::KIND, &p);
    let f = move |tx: &mut crate::control::store::Tx<'_>| {
        let kind = T::KIND;
        let obj = tx.get_any(kind, &ns, &name).ok_or_else(|| {
            crate::control::store::StoreError::NotFound {
                kind,
                namespace: ns.clone(),
                name: name.clone(),
            }
        })?;
        if !rv.is_empty() && rv != obj.meta().resource_version {
            return Err(crate::control::store::StoreError::Conflict {
                kind,
                name: name.clone(),
                message: format!(
                    "the object has been modified (resourceVersion {rv} is not the current {}); read it again and retry",
                    obj.meta().resource_version
                ),
            });
        }
        // Sets `spec.replicas` of the stored `U`, recording the manager.
        fn set<U: Object>(
            tx: &mut crate::control::store::Tx<'_>,
            (ns, name, manager): (&str, &str, &str),
            replicas: i32,
            field: impl Fn(&mut U) -> &mut Option<i32>,
        ) -> Result<AnyObject, crate::control::store::StoreError> {
            let updated = tx.mutate::<U, _>(ns, name, Subresource::Main, |o| {
                let before = o.clone();
                let changed = *field(o) != Some(replicas);
                *field(o) = Some(replicas);
                super::patch::track(o, Some(&before), manager, "scale");
                Ok(changed)
            })?;
            Ok(updated.as_ref().clone().into_any())
        }
        let at = (ns.as_str(), name.as_str(), manager.as_str());
        let updated = match &obj {
            AnyObject::Deployment(_) => {
                set::<Deployment>(tx, at, replicas, |d| &mut d.spec.replicas)?
            }
            AnyObject::StatefulSet(_) => {
                set::<crate::api::statefulset::StatefulSet>(tx, at, replicas, |s| {
                    &mut s.spec.replicas
                })?
            }
            AnyObject::ReplicationController(_) => {
                set::<crate::api::replication::ReplicationController>(tx, at, replicas, |r| {
                    &mut r.spec.replicas
                })?
            }
            _ => set::<ReplicaSet>(tx, at, replicas, |r| &mut r.spec.replicas)?,
        };
        Ok(updated)
    };
    let obj = app.store.txn_with(dry, f).await?;
    Ok((StatusCode::OK, axum::Json(scale_of(&obj)?)).into_response())
}

pub async fn put_scale<T: Object>(
    State(app): State<Arc<App>>,
    w: Write,
) -> Result<Response, ApiError> {
    let s: ScaleBody = serde_json::from_slice(&w.body)
        .map_err(|e| ApiError::bad_request(format!("Scale body: {e}")))?;
    let replicas = s
        .spec
        .replicas
        .ok_or_else(|| ApiError::bad_request("Scale body: spec.replicas is required"))?;
    let dry = w.dry_run()?;
    let manager = super::patch::manager(&w.query, &w.headers)?;
    set_scale::<T>(
        app,
        w.path,
        replicas,
        s.metadata.resource_version,
        dry,
        manager,
    )
    .await
}

pub async fn patch_scale<T: Object>(
    State(app): State<Arc<App>>,
    w: Write,
) -> Result<Response, ApiError> {
    let v = w.patch()?;
    let replicas = v
        .pointer("/spec/replicas")
        .and_then(|r| r.as_i64())
        .ok_or_else(|| ApiError::bad_request("scale patch must set spec.replicas to an integer"))?;
    let replicas = i32::try_from(replicas)
        .map_err(|_| ApiError::bad_request(format!("spec.replicas {replicas} is out of range")))?;
    let dry = w.dry_run()?;
    let manager = super::patch::manager(&w.query, &w.headers)?;
    set_scale::<T>(app, w.path, replicas, String::new(), dry, manager).await
}
