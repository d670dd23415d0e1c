//! Node-facing routes: heartbeats (kept in memory by [`crate::control::leases`]),
//! pod logs, which the control daemon fetches from the node daemon that runs
//! the pod and streams back, and exec, which it upgrades on both sides and
//! then relays byte for byte (the framing is [`crate::api::exec`]'s, end to end);
//! also two small in-memory or store-level actions: heartbeat ages for the
//! dashboard, and re-encrypting Secrets under a new key.

use super::{ApiError, App};
use crate::api::exec::{UPGRADE_PROTOCOL, wants_exec_stream};
use crate::api::wire::{self, ExecParams, Heartbeat, HeartbeatList, LogParams, RotatedKey};
use crate::api::{Node, Pod};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;

pub fn routes(r: super::Routes) -> super::Routes {
    r.route("/api/v1/nodes/{name}/heartbeat", post(heartbeat))
        .route(wire::HEARTBEATS_PATH, get(heartbeats))
        .route(wire::ROTATE_KEY_PATH, post(rotate_key))
        .route("/api/v1/namespaces/{ns}/pods/{name}/log", get(logs))
        .route("/api/v1/namespaces/{ns}/pods/{name}/exec", post(exec))
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

/// Re-encrypts every Secret under a new key (admin only, as every route
/// outside what nodes need).
async fn rotate_key(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    let store = app.store.clone();
    let r = tokio::task::spawn_blocking(move || store.backend().rotate_key())
        .await
        .map_err(|e| {
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                e.to_string(),
            )
        })?;
    match r {
        Ok((id, n)) => {
            tracing::info!(
                key = id,
                secrets = n,
                "secrets re-encrypted under a new key"
            );
            Ok(axum::Json(RotatedKey {
                key_id: id,
                secrets: n,
            })
            .into_response())
        }
        Err(e) => Err(ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            format!("rotating the secret key: {e}"),
        )),
    }
}

/// How long ago each node was heard from (the TUI's nodes view):
/// heartbeats are kept in memory, so they are read here rather than watched.
async fn heartbeats(State(app): State<Arc<App>>) -> axum::Json<HeartbeatList> {
    let items = app
        .leases
        .ages()
        .into_iter()
        .map(|(node, d)| Heartbeat {
            node,
            seconds_ago: d.as_secs_f64(),
        })
        .collect();
    axum::Json(HeartbeatList { items })
}

/// The pod, the container a request names (or the only one), and the base
/// URL of the node daemon that runs it.
pub(super) fn locate(
    app: &App,
    ns: &str,
    name: &str,
    container: Option<&str>,
    what: &str,
) -> Result<(Arc<Pod>, String, String), ApiError> {
    let pod = app.store.get::<Pod>(ns, name).ok_or_else(|| {
        ApiError::not_found(format!("pod {name:?} not found in namespace {ns:?}"))
    })?;
    let names: Vec<&str> = pod
        .spec
        .containers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let container = match container {
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
            "pod {name:?} is not scheduled to a node yet, so it has no {what}"
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
    let base = format!("https://{host}:{port}");
    Ok((pod, container, base))
}

/// The client for the node a pod runs on (it checks it reaches that node).
pub(super) fn node_client(app: &App, pod: &Pod) -> Result<reqwest::Client, ApiError> {
    app.nodes.get(&pod.spec.node_name).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            format!("a client for node {:?}: {e}", pod.spec.node_name),
        )
    })
}

fn unreachable(pod: &Pod, base: &str, what: &str, e: reqwest::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "BadGateway",
        format!(
            "reaching node {:?} at {base} for {what}: {e}",
            pod.spec.node_name
        ),
    )
}

async fn node_error(pod: &Pod, resp: reqwest::Response) -> ApiError {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let code = StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    // The node's refusals of the request itself are sentences for the caller.
    match code {
        StatusCode::BAD_REQUEST => ApiError::new(code, "BadRequest", text.trim().to_string()),
        StatusCode::NOT_FOUND => ApiError::new(code, "NotFound", text.trim().to_string()),
        _ => ApiError::new(
            code,
            "NodeError",
            format!("node {:?}: {}", pod.spec.node_name, text.trim()),
        ),
    }
}

async fn logs(
    State(app): State<Arc<App>>,
    Path((ns, name)): Path<(String, String)>,
    Query(q): Query<LogParams>,
) -> Result<Response, ApiError> {
    let (pod, container, base) = locate(&app, &ns, &name, q.container.as_deref(), "logs")?;
    let url = format!("{base}/logs/{}/{}", pod.metadata.uid, container);
    let (query, limit) = super::logs::prepare(
        LogParams {
            container: None,
            ..q
        },
        &pod,
        &container,
        chrono::Utc::now(),
    )?;
    let resp = node_client(&app, &pod)?
        .get(&url)
        .query(&query)
        .send()
        .await
        .map_err(|e| unreachable(&pod, &base, "logs", e))?;
    if !resp.status().is_success() {
        return Err(node_error(&pod, resp).await);
    }
    let body = Body::from_stream(super::logs::limited(resp.bytes_stream(), limit));
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(r)
}

/// `POST .../pods/{name}/exec` with `Upgrade: ork-exec`: opens an exec on
/// the pod's node, answers 101, then relays bytes both ways until either
/// side closes.
async fn exec(
    State(app): State<Arc<App>>,
    Path((ns, name)): Path<(String, String)>,
    q: Result<Query<ExecParams>, axum::extract::rejection::QueryRejection>,
    mut req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let upgrade = req.headers().get(header::UPGRADE).map(|v| v.as_bytes());
    if !wants_exec_stream(upgrade) {
        if upgrade.is_some_and(|u| u.to_ascii_lowercase().starts_with(b"spdy/")) {
            return Err(super::stream::refuse_spdy(&app, &ns, &name, "exec"));
        }
        return Err(ApiError::bad_request(format!(
            "exec streams need `Connection: Upgrade` and `Upgrade: {UPGRADE_PROTOCOL}` (use `ork exec`)"
        )));
    }
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let (pod, container, base) = locate(&app, &ns, &name, q.container.as_deref(), "exec")?;
    let url = format!("{base}/exec/{}/{}", pod.metadata.uid, container);
    let query = ExecParams {
        container: None,
        ..q
    };
    let resp = node_client(&app, &pod)?
        .post(&url)
        .query(&query)
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, UPGRADE_PROTOCOL)
        .send()
        .await
        .map_err(|e| unreachable(&pod, &base, "exec", e))?;
    if resp.status() != reqwest::StatusCode::SWITCHING_PROTOCOLS {
        return Err(node_error(&pod, resp).await);
    }
    let node_io = resp
        .upgrade()
        .await
        .map_err(|e| unreachable(&pod, &base, "exec", e))?;
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let Ok(client) = on_upgrade.await else {
            return;
        };
        let mut client = hyper_util::rt::TokioIo::new(client);
        let mut node_io = node_io;
        let _ = tokio::io::copy_bidirectional(&mut client, &mut node_io).await;
    });
    let mut r = StatusCode::SWITCHING_PROTOCOLS.into_response();
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    r.headers_mut()
        .insert(header::UPGRADE, HeaderValue::from_static(UPGRADE_PROTOCOL));
    Ok(r)
}
