//! The node daemon's HTTP endpoint, reached by the control daemon (with the
//! node token) to stream container logs: `GET /logs/{pod uid}/{container}`
//! with `follow`, `tail` and `previous`.

use super::runtime::{LogOptions, Runtime};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::StreamExt;
use serde::Deserialize;
use std::sync::Arc;

struct NodeApp {
    runtime: Arc<dyn Runtime>,
    token: String,
}

#[derive(Deserialize, Default)]
struct LogQuery {
    follow: Option<bool>,
    tail: Option<usize>,
    previous: Option<bool>,
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn auth(State(app): State<Arc<NodeApp>>, req: Request, next: Next) -> Response {
    let ok = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| same(t.trim().as_bytes(), app.token.as_bytes()));
    if ok {
        next.run(req).await
    } else {
        (StatusCode::UNAUTHORIZED, "a valid node token is required\n").into_response()
    }
}

async fn logs(
    State(app): State<Arc<NodeApp>>,
    Path((uid, container)): Path<(String, String)>,
    Query(q): Query<LogQuery>,
) -> Response {
    let mut instances: Vec<_> = match app.runtime.list().await {
        Ok(l) => l
            .into_iter()
            .filter(|c| c.pod_uid == uid && c.container_name == container)
            .collect(),
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    };
    instances.sort_by_key(|c| c.attempt);
    let pick = if q.previous == Some(true) {
        instances.len().checked_sub(2).map(|i| &instances[i])
    } else {
        instances.last()
    };
    let Some(inst) = pick else {
        let what = if q.previous == Some(true) {
            "no previous terminated instance"
        } else {
            "no instance yet (is it still being created?)"
        };
        return (
            StatusCode::BAD_REQUEST,
            format!("container {container:?}: {what}\n"),
        )
            .into_response();
    };
    let opts = LogOptions {
        follow: q.follow == Some(true),
        tail: q.tail,
    };
    match app.runtime.logs(&inst.id, opts).await {
        Ok(stream) => {
            Body::from_stream(stream.map(|r| r.map_err(std::io::Error::other))).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// Serves until `shutdown` becomes true.
pub fn serve(
    listener: tokio::net::TcpListener,
    runtime: Arc<dyn Runtime>,
    token: String,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let app = Arc::new(NodeApp { runtime, token });
    let router = Router::new()
        .route("/logs/{uid}/{container}", get(logs))
        .layer(middleware::from_fn_with_state(app.clone(), auth))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(app);
    tokio::spawn(async move {
        let stop = async move {
            let _ = shutdown.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, router)
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::error!(error = %e, "node server stopped");
        }
    })
}
