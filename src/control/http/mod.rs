//! The HTTP API in Kubernetes' shape: `/api/v1/...` for the core group,
//! `/apis/apps/v1/...` for workloads, JSON bodies, `?watch=true` streams of
//! one JSON event per line, errors as `Status` objects. Every route but
//! `/healthz`, `/livez` and `/readyz` needs credentials: [`authenticate`] finds the caller's
//! identity ([`crate::control::authn`]), asks [`crate::control::authz`]
//! whether it may make the request, and records it in the audit log.
//!
//! Handlers are thin: they decode, call the store (reads from its cache,
//! writes through transactions that pass client objects through
//! [`crate::control::admission`] and deletes through
//! [`crate::control::ops`]), and encode.
//! This module must not import controllers or the scheduler.

mod access;
mod apply;
mod backup;
mod binding;
mod discovery;
mod eviction;
mod field_validation;
mod hpa_v1;
mod logs;
mod metrics;
mod nodes;
mod pages;
mod patch;
mod resources;
mod rules;
mod scale;
mod spdy;
mod stream;
mod table;
mod tokenrequest;
mod watch;

pub use access::Caller;

use crate::api::{Kind, Status, StatusCause, StatusDetails};
use crate::control::audit::AuditLog;
use crate::control::authn::Authenticator;
use crate::control::leases::Leases;
use crate::control::node_link::NodeClients;
use crate::control::pki::Ca;
use crate::control::store::{Store, StoreError};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

/// Largest request body accepted.
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// What the handlers share.
pub struct App {
    pub store: Store,
    /// Who is calling.
    pub authn: Authenticator,
    /// Signs the certificates of nodes that join.
    pub ca: Arc<Ca>,
    pub leases: Leases,
    /// Clients for reaching node daemons (logs, exec).
    pub nodes: NodeClients,
    /// Serve `/metrics` without a token.
    pub metrics_public: bool,
    /// Usage reported by nodes, in memory.
    pub usage: crate::control::usage::UsageStore,
    /// Becomes true when the daemon stops; open watches end then.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// How the scheduler weighs free capacity (`ork why` scores the same way).
    pub scheduling_strategy: crate::scheduler::Strategy,
    /// One line per request.
    pub audit: AuditLog,
    /// Concurrency budgets per class of caller.
    pub fairness: crate::control::fairness::Fairness,
    /// The data dir, whose `secret.key` seals Secrets in backups.
    pub data_dir: std::path::PathBuf,
}

/// An error answered as a Kubernetes `Status`.
#[derive(Debug)]
pub struct ApiError(pub Box<Status>);

impl ApiError {
    pub fn new(code: StatusCode, reason: &str, message: impl Into<String>) -> Self {
        ApiError(Box::new(Status::failure(code.as_u16(), reason, message)))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFound", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let message = e.to_string();
        let (code, reason) = match &e {
            StoreError::NotFound { .. } => (StatusCode::NOT_FOUND, "NotFound"),
            StoreError::AlreadyExists { .. } => (StatusCode::CONFLICT, "AlreadyExists"),
            StoreError::Conflict { .. } => (StatusCode::CONFLICT, "Conflict"),
            StoreError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "Invalid"),
            StoreError::BadRequest(_) => (StatusCode::BAD_REQUEST, "BadRequest"),
            StoreError::Forbidden(_) => (StatusCode::FORBIDDEN, "Forbidden"),
            StoreError::Denied { code, reason, .. } => (
                StatusCode::from_u16(*code).unwrap_or(StatusCode::FORBIDDEN),
                *reason,
            ),
            StoreError::Expired { .. } => (StatusCode::GONE, "Expired"),
            StoreError::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "InternalError"),
            StoreError::Closed => (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable"),
            StoreError::Raced(_) => (StatusCode::CONFLICT, "Conflict"),
            StoreError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable"),
        };
        let mut status = Status::failure(code.as_u16(), reason, message);
        match e {
            StoreError::Invalid { kind, name, errors } => {
                status.details = Some(StatusDetails {
                    name,
                    kind: kind.as_str().to_string(),
                    causes: errors
                        .into_iter()
                        .map(|fe| StatusCause {
                            reason: "FieldValueInvalid".into(),
                            message: fe.message,
                            field: fe.path,
                        })
                        .collect(),
                    item: None,
                });
            }
            StoreError::NotFound { kind, name, .. }
            | StoreError::AlreadyExists { kind, name, .. }
            | StoreError::Conflict { kind, name, .. } => {
                status.details = Some(StatusDetails {
                    name,
                    kind: kind.as_str().to_string(),
                    ..Default::default()
                });
            }
            _ => {}
        }
        ApiError(Box::new(status))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.0.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (code, Json(*self.0)).into_response()
    }
}

/// A JSON response from bytes that are already JSON.
/// Kubernetes' answer to a subresource `POST` that did what it asked (an
/// eviction, a binding): 201 and a `Success` Status.
pub fn created() -> Response {
    let body = serde_json::json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    });
    json_bytes(StatusCode::CREATED, body.to_string())
}

pub fn json_bytes(code: StatusCode, body: impl Into<Bytes>) -> Response {
    let mut r = (code, body.into()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The request body, at most [`MAX_BODY`] bytes, protobuf bodies as the
/// JSON they hold; refusals are JSON `Status`es.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        match Bytes::from_request(req, state).await {
            // A protobuf body (kubectl's access reviews) is read as the JSON it holds.
            Ok(b) => Ok(Body(table::json_body(&headers, b)?)),
            Err(rej) => {
                let code = rej.status();
                let msg = if code == StatusCode::PAYLOAD_TOO_LARGE {
                    format!(
                        "request body is larger than {} MiB; split the input",
                        MAX_BODY >> 20
                    )
                } else {
                    rej.body_text()
                };
                Err(ApiError::new(
                    code,
                    code.canonical_reason().unwrap_or("Error"),
                    msg,
                ))
            }
        }
    }
}

async fn fallback(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route for {} {}; resources live under /api/v1 and /apis/apps/v1",
        req.method(),
        req.uri().path()
    ))
}

/// Counts every request and its latency for `/metrics`.
async fn track(req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    crate::control::telemetry::global().request(&method, resp.status().as_u16(), started.elapsed());
    resp
}

/// Routes as they are added, each path kept: [`route_paths`] lists every
/// route the router has, so tests go through all of them.
pub struct Routes {
    router: Router<Arc<App>>,
    paths: Vec<String>,
}

impl Routes {
    pub fn route(mut self, path: &str, handler: axum::routing::MethodRouter<Arc<App>>) -> Self {
        self.paths.push(path.to_string());
        self.router = self.router.route(path, handler);
        self
    }
}

/// Every route that needs credentials (all but `/healthz`, `/livez`, `/readyz` and `/metrics`
/// when it is public).
fn protected_routes(public_metrics: bool) -> Routes {
    let mut r = discovery::routes(Routes {
        router: Router::new(),
        paths: vec![],
    });
    for kind in Kind::ALL {
        r = crate::with_kind!(kind, T => resources::routes::<T>(r));
    }
    r = nodes::routes(r);
    r = eviction::routes(r);
    r = binding::routes(r);
    r = tokenrequest::routes(r);
    r = stream::routes(r);
    r = hpa_v1::routes(r);
    r = rules::routes(r);
    r = metrics::routes(r);
    if !public_metrics {
        r = r.route("/metrics", get(metrics::prometheus));
    }
    r = apply::routes(r);
    r = backup::routes(r);
    access::routes(r)
}

/// The path (with `{param}`s) of every route that needs credentials.
pub fn route_paths() -> Vec<String> {
    protected_routes(false).paths
}

/// The whole API.
pub fn router(app: Arc<App>) -> Router {
    let public_metrics = app.metrics_public;
    let app_for_metrics = app.clone();
    let protected = protected_routes(public_metrics)
        .router
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(
            app.clone(),
            access::authenticate,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(app);
    let mut open = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/livez", get(discovery::livez))
        .route(
            "/readyz",
            get(discovery::readyz).with_state(app_for_metrics.clone()),
        );
    if public_metrics {
        open = open.route(
            "/metrics",
            get(metrics::prometheus).with_state(app_for_metrics),
        );
    }
    open.merge(protected).layer(middleware::from_fn(track))
}

#[cfg(test)]
mod tests;
