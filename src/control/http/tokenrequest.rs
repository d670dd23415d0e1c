//! `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`: an
//! `authentication.k8s.io/v1` TokenRequest, answered with a bound token
//! ([`crate::api::bound_token`]) signed by the control daemon (201, the
//! request with `status.token` and `status.expirationTimestamp`), as
//! `kubectl create token` and the node's token mounts ask for it.
//!
//! A node may only ask for tokens bound to pods bound to it that run as
//! that account (Kubernetes' NodeRestriction); who else may ask is
//! [`crate::control::authz`]'s business (`create serviceaccounts/token`).
//! Nothing is stored.
//!
//! This module must not import controllers or the scheduler.

use super::resources::{Write, not_found};
use super::{ApiError, App};
use crate::api::bound_token::{self, TokenRequestSpec};
use crate::api::serviceaccount::ServiceAccount;
use crate::api::{Kind, Pod};
use crate::control::authz::Identity;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::Arc;

pub fn routes(r: super::Routes) -> super::Routes {
    r.route(
        "/api/v1/namespaces/{ns}/serviceaccounts/{name}/token",
        post(token),
    )
}

async fn token(State(app): State<Arc<App>>, w: Write) -> Result<Response, ApiError> {
    let ns = w.path.get("ns").cloned().unwrap_or_default();
    let name = w.path.get("name").cloned().unwrap_or_default();
    let mut req: Value = serde_json::from_slice(&w.body)
        .map_err(|e| ApiError::bad_request(format!("TokenRequest body: {e}")))?;
    if let Some(k) = req.get("kind").and_then(Value::as_str)
        && !k.is_empty()
        && k != "TokenRequest"
    {
        return Err(ApiError::bad_request(format!(
            "the body is a {k} but serviceaccounts/token takes an authentication.k8s.io/v1 TokenRequest"
        )));
    }
    let spec: TokenRequestSpec =
        serde_json::from_value(req.get("spec").cloned().unwrap_or_else(|| json!({})))
            .map_err(|e| ApiError::bad_request(format!("TokenRequest spec: {e}")))?;
    let sa = app
        .store
        .get::<ServiceAccount>(&ns, &name)
        .ok_or_else(|| not_found(Kind::ServiceAccount, &ns, &name))?;
    let pod = spec
        .bound_object_ref
        .as_ref()
        .filter(|r| r.kind == "Pod")
        .and_then(|r| app.store.get::<Pod>(&ns, &r.name));
    if let Identity::Node(me) = &w.caller.identity {
        let on_me = pod.as_ref().is_some_and(|p| p.spec.node_name == *me);
        if !on_me {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                format!(
                    "system:node:{me} may only ask for tokens bound to pods bound to it (spec.boundObjectRef)"
                ),
            ));
        }
    }
    let now = chrono::Utc::now().timestamp();
    let claims = bound_token::claims_for(
        &spec,
        &sa,
        pod.as_deref(),
        now,
        uuid::Uuid::new_v4().to_string(),
    )
    .map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid",
            format!("TokenRequest.authentication.k8s.io {name:?} is invalid: {e}"),
        )
    })?;
    let token = app.authn.sign(&claims);
    let expires = chrono::DateTime::from_timestamp(claims.exp, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    req["apiVersion"] = json!("authentication.k8s.io/v1");
    req["kind"] = json!("TokenRequest");
    let meta = req
        .get("metadata")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    req["metadata"] = meta;
    req["metadata"]["name"] = json!(name);
    req["metadata"]["namespace"] = json!(ns);
    req["metadata"]["creationTimestamp"] = json!(crate::api::Time::now());
    req["spec"] = serde_json::to_value(TokenRequestSpec {
        audiences: claims.aud.clone(),
        expiration_seconds: Some(claims.exp - claims.iat),
        ..spec
    })
    .unwrap_or_default();
    req["status"] = json!({"token": token, "expirationTimestamp": expires});
    tracing::debug!(account = %format!("{ns}/{name}"), by = %w.caller.identity, "service-account token issued");
    Ok((StatusCode::CREATED, axum::Json(req)).into_response())
}
