//! Node-facing routes: heartbeats (kept in memory by [`crate::control::leases`])
//! and pod logs, which the control daemon fetches from the node daemon that
//! runs the pod and streams back.

use super::{ApiError, App};
use crate::api::{Node, Pod};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes(r: Router<Arc<App>>) -> Router<Arc<App>> {
    r.route("/api/v1/nodes/{name}/heartbeat", post(heartbeat))
        .route("/api/v1/namespaces/{ns}/pods/{name}/log", get(logs))
}

async fn heartbeat(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    if app.store.get::<Node>("", &name).is_none() {
        return Err(ApiError::not_found(format!(
            "node {name:?} is not registered; the node daemon registers it at start"
        )));
    }
    app.leases.renew(&name);
    Ok((StatusCode::OK, axum::Json(serde_json::json!({}))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogQuery {
    pub container: Option<String>,
    pub follow: Option<bool>,
    pub tail_lines: Option<i64>,
    pub previous: Option<bool>,
}

async fn logs(
    State(app): State<Arc<App>>,
    Path((ns, name)): Path<(String, String)>,
    Query(q): Query<LogQuery>,
) -> Result<Response, ApiError> {
    let pod = app.store.get::<Pod>(&ns, &name).ok_or_else(|| {
        ApiError::not_found(format!("pod {name:?} not found in namespace {ns:?}"))
    })?;
    let names: Vec<&str> = pod
        .spec
        .containers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let container = match q.container.as_deref() {
        Some(c) if names.contains(&c) => c.to_string(),
        Some(c) => {
            return Err(ApiError::bad_request(format!(
                "container {c:?} is not in pod {name:?}; choose one of: {}",
                names.join(", ")
            )));
        }
        None if names.len() == 1 => names[0].to_string(),
        None => {
            return Err(ApiError::bad_request(format!(
                "pod {name:?} has several containers; choose one with -c: {}",
                names.join(", ")
            )));
        }
    };
    if pod.spec.node_name.is_empty() {
        return Err(ApiError::bad_request(format!(
            "pod {name:?} is not scheduled to a node yet, so it has no logs"
        )));
    }
    let node = app
        .store
        .get::<Node>("", &pod.spec.node_name)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "node {:?} of pod {name:?} is gone",
                pod.spec.node_name
            ))
        })?;
    let host = node.address("InternalIP").ok_or_else(|| {
        ApiError::bad_request(format!("node {:?} reports no address", node.metadata.name))
    })?;
    let port = node.status.daemon_endpoints.kubelet_endpoint.port;
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let url = format!(
        "http://{host}:{port}/logs/{}/{}",
        pod.metadata.uid, container
    );
    let mut query: Vec<(&str, String)> = vec![];
    if q.follow == Some(true) {
        query.push(("follow", "true".into()));
    }
    if let Some(n) = q.tail_lines {
        query.push(("tail", n.to_string()));
    }
    if q.previous == Some(true) {
        query.push(("previous", "true".into()));
    }
    let resp = app
        .nodes_http
        .get(&url)
        .query(&query)
        .bearer_auth(&app.tokens.node)
        .send()
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "BadGateway",
                format!(
                    "reaching node {:?} at {host}:{port} for logs: {e}",
                    node.metadata.name
                ),
            )
        })?;
    let status = resp.status();
    if !status.is_success() {
        let text = resp.text().await.unwrap_or_default();
        let code = StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        return Err(ApiError::new(
            code,
            "NodeError",
            format!("node {:?}: {}", node.metadata.name, text.trim()),
        ));
    }
    let mut r = (StatusCode::OK, Body::from_stream(resp.bytes_stream())).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(r)
}
