//! `POST /api/v1/namespaces/{ns}/pods/{name}/eviction`: a policy/v1
//! `Eviction`, what `kubectl drain` and `ork drain` send for each pod. An
//! eviction is the delete of the pod with the eviction's `deleteOptions`,
//! unless the PodDisruptionBudget covering the pod forbids it
//! ([`crate::api::pdb::decide_eviction`]): then it is answered 429
//! `TooManyRequests` with Kubernetes' message and the budget's cause, and
//! nothing changes. An allowed eviction takes one disruption from the
//! budget's status in the same transaction as the delete, so two evictions
//! at once cannot both spend the last one. Success is answered as
//! Kubernetes answers it (201 and a `Success` Status).
//!
//! This module must not import controllers or the scheduler.

use super::resources::{Write, not_found};
use super::{ApiError, App, created};
use crate::api::pdb::{
    EVICTION_BLOCKED, Eviction as Decision, PodDisruptionBudget, charge, decide_eviction,
};
use crate::api::wire::DeleteOptions;
use crate::api::{Kind, Pod, StatusCause, StatusDetails};
use crate::control::ops;
use crate::control::store::{StoreError, Subresource, Tx};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use std::sync::Arc;

/// The Eviction body: who is evicted and how the pod is deleted.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct Eviction {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: EvictionMeta,
    #[serde(default)]
    delete_options: Option<DeleteOptions>,
}

#[derive(Deserialize, Debug, Default)]
struct EvictionMeta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

pub fn routes(r: super::Routes) -> super::Routes {
    r.route("/api/v1/namespaces/{ns}/pods/{name}/eviction", post(evict))
}

/// Checks the Eviction against the URL; a mismatch is a 400 that says which part.
fn check(ev: &Eviction, ns: &str, name: &str) -> Result<(), ApiError> {
    if !ev.kind.is_empty() && ev.kind != "Eviction" {
        return Err(ApiError::bad_request(format!(
            "the body is a {} but pods/eviction takes a policy/v1 Eviction",
            ev.kind
        )));
    }
    if !ev.api_version.is_empty()
        && !matches!(ev.api_version.as_str(), "policy/v1" | "policy/v1beta1")
    {
        return Err(ApiError::bad_request(format!(
            "apiVersion {:?} is not served for Eviction; use policy/v1",
            ev.api_version
        )));
    }
    if !ev.metadata.name.is_empty() && ev.metadata.name != name {
        return Err(ApiError::bad_request(format!(
            "name in URL does not match name in Eviction object ({:?} is not {name:?})",
            ev.metadata.name
        )));
    }
    if !ev.metadata.namespace.is_empty() && ev.metadata.namespace != ns {
        return Err(ApiError::bad_request(format!(
            "namespace in URL does not match namespace in Eviction object ({:?} is not {ns:?})",
            ev.metadata.namespace
        )));
    }
    Ok(())
}

async fn evict(State(app): State<Arc<App>>, w: Write) -> Result<Response, ApiError> {
    let ns = w.path.get("ns").cloned().unwrap_or_default();
    let name = w.path.get("name").cloned().unwrap_or_default();
    let ev: Eviction = serde_json::from_slice(&w.body)
        .map_err(|e| ApiError::bad_request(format!("Eviction body: {e}")))?;
    check(&ev, &ns, &name)?;
    if app.store.get_entry(Kind::Pod, &ns, &name).is_none() {
        return Err(not_found(Kind::Pod, &ns, &name));
    }
    let opts = ev
        .delete_options
        .unwrap_or_default()
        .with_query(&w.query)
        .map_err(ApiError::bad_request)?;
    let dry = opts.is_dry_run();
    let f = move |tx: &mut Tx<'_>| -> Result<Decision, StoreError> {
        let pod = tx.require::<Pod>(&ns, &name)?;
        let budgets = tx.list::<PodDisruptionBudget>(Some(&ns));
        let covering: Vec<&PodDisruptionBudget> = budgets
            .iter()
            .map(|b| b.as_ref())
            .filter(|b| b.covers(&pod))
            .collect();
        let decision = decide_eviction(&pod, &covering);
        match &decision {
            Decision::Allowed { charge: budget } => {
                if let Some(budget) = budget {
                    let now = tx.now();
                    let pod_name = name.clone();
                    tx.mutate::<PodDisruptionBudget, _>(
                        &ns,
                        budget,
                        Subresource::Status,
                        move |b| {
                            charge(&mut b.status, &pod_name, now);
                            Ok(true)
                        },
                    )?;
                }
                ops::delete(tx, Kind::Pod, &ns, &name, &opts)?;
            }
            Decision::Blocked { .. } | Decision::Refused { .. } => {}
        }
        Ok(decision)
    };
    match app.store.txn_with(dry, f).await? {
        Decision::Allowed { .. } => {}
        Decision::Blocked { cause, .. } => {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                EVICTION_BLOCKED,
            );
            e.0.details = Some(StatusDetails {
                causes: vec![StatusCause {
                    reason: "DisruptionBudget".into(),
                    message: cause,
                    ..Default::default()
                }],
                ..Default::default()
            });
            return Err(e);
        }
        Decision::Refused { code, message } => {
            let (status, reason) = match code {
                403 => (StatusCode::FORBIDDEN, "Forbidden"),
                _ => (StatusCode::INTERNAL_SERVER_ERROR, "InternalError"),
            };
            return Err(ApiError::new(status, reason, message));
        }
    }
    Ok(created())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eviction(v: serde_json::Value) -> Eviction {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn an_eviction_must_name_the_pod_of_its_url() {
        let ok = eviction(serde_json::json!({
            "apiVersion": "policy/v1", "kind": "Eviction",
            "metadata": {"name": "web", "namespace": "default"},
            "deleteOptions": {"gracePeriodSeconds": 0}
        }));
        assert!(check(&ok, "default", "web").is_ok());
        assert_eq!(
            ok.delete_options.as_ref().unwrap().grace_period_seconds,
            Some(0)
        );
        let e = check(&ok, "default", "other").unwrap_err();
        assert!(e.0.message.contains("does not match"), "{}", e.0.message);
        let wrong = eviction(serde_json::json!({"kind": "Pod"}));
        assert_eq!(check(&wrong, "default", "web").unwrap_err().0.code, 400);
    }
}
