//! The node daemon's HTTPS endpoint, reached by the control daemon only:
//! it presents the node's certificate and accepts a client only when it
//! presents the control daemon's (`system:ork-control`, signed by the
//! cluster CA).
//!
//! - `GET /logs/{pod uid}/{container}` with `follow`, `tail` and `previous`;
//! - `GET /stats/{pod uid}`: CPU time and memory of the pod's running containers;
//! - `POST /exec/{pod uid}/{container}?command=[json array]&stdin=&tty=`,
//!   upgraded to an exec stream framed as [`crate::api::exec`] says;
//! - `POST /portforward/{pod uid}?port=N`: one connection to a pod's port
//!   ([`super::forward`]).
//!
//! This module must not import `control`, `cli` or `tui`.

use super::runtime::{
    ContainerInfo, ExecOutput, ExecRequest, ExecSession, LogOptions, RunState, Runtime, Runtimes,
};
use crate::api::exec::{Frame, UPGRADE_PROTOCOL, wants_exec_stream};
use crate::api::wire::{ExecParams, LogParams};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct NodeApp {
    runtimes: Runtimes,
}

/// Lets through only the control daemon: the TLS layer has checked the
/// certificate chains to the cluster CA; this checks whom it names.
async fn auth(req: Request, next: Next) -> Response {
    let ok = req
        .extensions()
        .get::<crate::serve::Peer>()
        .and_then(|p| p.cert.as_ref())
        .and_then(|c| crate::tls::subject_of(c).ok())
        .is_some_and(|s| s.common_name == crate::tls::CONTROL_IDENTITY);
    if ok {
        next.run(req).await
    } else {
        error(
            StatusCode::FORBIDDEN,
            "only the control daemon may use a node's endpoint",
        )
    }
}

fn error(code: StatusCode, message: impl std::fmt::Display) -> Response {
    (code, format!("{message}\n")).into_response()
}

/// Every instance of a pod's containers, with the runtime that has it, oldest first.
async fn instances(
    app: &NodeApp,
    uid: &str,
) -> Result<Vec<(Arc<dyn Runtime>, ContainerInfo)>, Response> {
    let mut found = vec![];
    for rt in app.runtimes.all() {
        let list = rt
            .list()
            .await
            .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e))?;
        found.extend(
            list.into_iter()
                .filter(|c| c.pod_uid == uid)
                .map(|c| (rt.clone(), c)),
        );
    }
    found.sort_by_key(|(_, c)| c.attempt);
    Ok(found)
}

async fn logs(
    State(app): State<Arc<NodeApp>>,
    Path((uid, container)): Path<(String, String)>,
    Query(q): Query<LogParams>,
) -> Response {
    let mut found = match instances(&app, &uid).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    found.retain(|(_, c)| c.container_name == container);
    let pick = if q.previous {
        found.len().checked_sub(2).map(|i| &found[i])
    } else {
        found.last()
    };
    let Some((rt, inst)) = pick else {
        let what = if q.previous {
            format!(
                "previous terminated container {container:?} not found: it has not restarted (drop --previous for its current output)"
            )
        } else {
            format!("container {container:?} has not started yet (is it still being created?)")
        };
        return error(StatusCode::BAD_REQUEST, what);
    };
    let since = q
        .since_seconds
        .map(|s| std::time::SystemTime::now() - std::time::Duration::from_secs(s.unsigned_abs()));
    let opts = LogOptions {
        follow: q.follow,
        tail: q.tail_lines.map(|n| usize::try_from(n).unwrap_or(0)),
        since,
        timestamps: q.timestamps,
    };
    match rt.logs(&inst.id, opts).await {
        Ok(stream) => {
            Body::from_stream(stream.map(|r| r.map_err(std::io::Error::other))).into_response()
        }
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// Usage of one running container.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStats {
    pub name: String,
    pub id: String,
    /// CPU time used since the instance started, in nanoseconds.
    pub cpu_nanos: u64,
    pub memory_bytes: u64,
}

async fn stats(State(app): State<Arc<NodeApp>>, Path(uid): Path<String>) -> Response {
    let found = match instances(&app, &uid).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut out = vec![];
    for (rt, c) in found.iter().filter(|(_, c)| c.state == RunState::Running) {
        match rt.stats(&c.id).await {
            Ok(u) => out.push(ContainerStats {
                name: c.container_name.clone(),
                id: c.id.clone(),
                cpu_nanos: u.cpu_nanos,
                memory_bytes: u.memory_bytes,
            }),
            Err(e) => tracing::debug!(id = %c.id, error = %e, "reading container stats failed"),
        }
    }
    axum::Json(serde_json::json!({ "containers": out })).into_response()
}

async fn exec(
    State(app): State<Arc<NodeApp>>,
    Path((uid, container)): Path<(String, String)>,
    Query(q): Query<ExecParams>,
    mut req: Request,
) -> Response {
    let command = match q.argv() {
        Ok(c) => c,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if !wants_exec_stream(req.headers().get(header::UPGRADE).map(|v| v.as_bytes())) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("exec needs `Upgrade: {UPGRADE_PROTOCOL}`"),
        );
    }
    let found = match instances(&app, &uid).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some((rt, inst)) = found
        .iter()
        .rev()
        .find(|(_, c)| c.container_name == container)
    else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("container {container:?} has not started yet"),
        );
    };
    if inst.state != RunState::Running {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "container {container:?} is not running (it exited); exec needs a running container"
            ),
        );
    }
    let session = match rt
        .exec_session(
            &inst.id,
            ExecRequest {
                command,
                stdin: q.stdin,
                tty: q.tty,
            },
        )
        .await
    {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(up) => pump(hyper_util::rt::TokioIo::new(up), session).await,
            Err(e) => tracing::debug!(error = %e, "exec upgrade failed"),
        }
    });
    let mut r = StatusCode::SWITCHING_PROTOCOLS.into_response();
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    r.headers_mut()
        .insert(header::UPGRADE, HeaderValue::from_static(UPGRADE_PROTOCOL));
    r
}

/// Moves an exec's bytes between the upgraded connection and the session
/// until the command ends; sends its exit code last.
async fn pump<S>(io: S, session: ExecSession)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(io);
    let ExecSession {
        mut output,
        input,
        exit,
        resize,
    } = session;
    // Input: frames from the client to the command's stdin.
    let mut input_task = tokio::spawn(async move {
        let mut input = input;
        let mut buf = vec![];
        let mut chunk = vec![0u8; 16 * 1024];
        loop {
            let n = match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            buf.extend_from_slice(&chunk[..n]);
            loop {
                match Frame::decode(&mut buf) {
                    Ok(Some(Frame::Stdin(b))) => {
                        if let Some(i) = input.as_mut()
                            && i.write_all(&b).await.is_err()
                        {
                            input = None;
                        }
                    }
                    Ok(Some(Frame::StdinEof)) => {
                        if let Some(mut i) = input.take() {
                            let _ = i.shutdown().await;
                        }
                    }
                    Ok(Some(Frame::Resize { cols, rows })) => {
                        if let Some(r) = &resize {
                            r(cols, rows).await;
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => {
                        tracing::debug!(error = %e, "bad exec frame; closing stdin");
                        return;
                    }
                }
            }
        }
    });
    let mut failed = None;
    loop {
        let item = tokio::select! {
            item = output.next() => item,
            // The connection closed (the client went away): dropping the
            // session ends the command, even one that writes nothing.
            _ = &mut input_task => return,
        };
        let Some(item) = item else { break };
        let frame = match item {
            Ok(ExecOutput::Stdout(b)) => Frame::Stdout(b.to_vec()),
            Ok(ExecOutput::Stderr(b)) => Frame::Stderr(b.to_vec()),
            Err(e) => {
                failed = Some(e.to_string());
                break;
            }
        };
        if wr.write_all(&frame.encode()).await.is_err() {
            input_task.abort();
            return;
        }
    }
    let last = match failed {
        Some(e) => Frame::Error(e),
        None => match exit.await {
            Ok(code) => Frame::Exit(code),
            Err(e) => Frame::Error(e.to_string()),
        },
    };
    let _ = wr.write_all(&last.encode()).await;
    let _ = wr.shutdown().await;
    input_task.abort();
}

async fn portforward(
    State(app): State<Arc<NodeApp>>,
    Path(uid): Path<String>,
    Query(q): Query<super::forward::ForwardParams>,
    req: Request,
) -> Response {
    match instances(&app, &uid).await {
        Ok(found) => super::forward::serve(found, q.port, req).await,
        Err(r) => r,
    }
}

/// Serves over TLS (`tls` presents the node's certificate and requires a
/// client certificate from the cluster CA) until `shutdown` becomes true.
pub fn serve(
    listener: tokio::net::TcpListener,
    runtimes: Runtimes,
    tls: Arc<rustls::ServerConfig>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let app = Arc::new(NodeApp { runtimes });
    let router = Router::new()
        .route("/logs/{uid}/{container}", get(logs))
        .route("/stats/{uid}", get(stats))
        .route("/exec/{uid}/{container}", post(exec))
        .route("/portforward/{uid}", post(portforward))
        .layer(middleware::from_fn(auth))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(app);
    tokio::spawn(crate::serve::serve(
        listener,
        Some(tls),
        router,
        crate::serve::Limits::default(),
        shutdown,
    ))
}
