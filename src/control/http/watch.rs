//! `?watch=true`: a chunked response of one JSON event per line,
//! `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}`.
//!
//! Without `resourceVersion` (or with `0`) the stream starts with an ADDED
//! event per current object; with one, it replays every change after it. An
//! object that stops matching the selectors is sent as DELETED, one that
//! starts matching as ADDED, as Kubernetes does. A revision that is too old
//! ends the stream with an ERROR event carrying a 410 `Status`.

use super::resources::Filters;
use super::table::{self, Answer};
use super::{ApiError, App};
use crate::api::wire::{ListParams, WatchEventType, WatchLine};
use crate::api::{Kind, Status};
use crate::control::store::{ChangeType, StoreError, WatchStream};
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How often an idle watch with bookmarks enabled sends one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(10);

struct State {
    stream: Option<WatchStream>,
    filters: Filters,
    kind: Kind,
    bookmarks: bool,
    deadline: Option<Instant>,
    pending_error: Option<Status>,
    /// Plain objects, or Tables (`kubectl get -w`).
    answer: Answer,
    shutdown: tokio::sync::watch::Receiver<bool>,
    /// Counts this watch in `/metrics` while it is open.
    _open: crate::control::telemetry::WatchGuard,
}

fn line(type_: WatchEventType, object: &[u8]) -> Bytes {
    WatchLine::encode(type_, object).into()
}

fn error_line(status: &Status) -> Bytes {
    line(
        WatchEventType::Error,
        &serde_json::to_vec(status).unwrap_or_default(),
    )
}

fn bookmark_line(kind: Kind, rev: u64, answer: Answer) -> Bytes {
    if let Some(body) = table::bookmark_body(answer, kind, rev) {
        return line(WatchEventType::Bookmark, &body);
    }
    let obj = serde_json::json!({
        "apiVersion": kind.api_version(),
        "kind": kind.as_str(),
        "metadata": { "resourceVersion": rev.to_string() },
    });
    line(WatchEventType::Bookmark, obj.to_string().as_bytes())
}

/// What a change looks like to a watcher with these filters, if anything.
fn visible(filters: &Filters, ev: &crate::control::store::WatchEvent) -> Option<WatchEventType> {
    let now = filters.matches(&ev.obj);
    match ev.type_ {
        ChangeType::Added => now.then_some(WatchEventType::Added),
        ChangeType::Deleted => now.then_some(WatchEventType::Deleted),
        ChangeType::Modified => match (ev.prev.as_ref().map(|p| filters.matches(p)), now) {
            (Some(false), true) => Some(WatchEventType::Added),
            (Some(true), false) => Some(WatchEventType::Deleted),
            (_, true) => Some(WatchEventType::Modified),
            (_, false) => None,
        },
    }
}

/// Resolves when the daemon stops (never, if nobody can stop it any more).
async fn stopped(rx: &mut tokio::sync::watch::Receiver<bool>) {
    if rx.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

enum Next {
    Line(Bytes),
    Fail(Status),
    End,
}

async fn step(mut st: State) -> Option<(Result<Bytes, std::convert::Infallible>, State)> {
    if let Some(status) = st.pending_error.take() {
        st.stream = None;
        return Some((Ok(error_line(&status)), st));
    }
    let next = {
        let State {
            stream,
            filters,
            kind,
            bookmarks,
            deadline,
            shutdown,
            answer,
            ..
        } = &mut st;
        let stream = stream.as_mut()?;
        loop {
            let bookmark = async {
                if *bookmarks {
                    tokio::time::sleep(BOOKMARK_EVERY).await
                } else {
                    std::future::pending::<()>().await
                }
            };
            let until = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(*d).await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                ev = stream.next() => match ev {
                    None => break Next::End,
                    Some(Err(e)) => break Next::Fail(*ApiError::from(e).0),
                    Some(Ok(ev)) => {
                        if let Some(t) = visible(filters, &ev) {
                            let body = table::object_body(*answer, &ev.obj, &ev.json);
                            break Next::Line(line(t, body.as_deref().unwrap_or(&ev.json)));
                        }
                    }
                },
                _ = bookmark => break Next::Line(bookmark_line(*kind, stream.revision(), *answer)),
                _ = until => break Next::End,
                _ = stopped(shutdown) => break Next::End,
            }
        }
    };
    match next {
        Next::Line(b) => Some((Ok(b), st)),
        Next::Fail(status) => {
            st.stream = None;
            Some((Ok(error_line(&status)), st))
        }
        Next::End => None,
    }
}

pub async fn serve(
    app: Arc<App>,
    kind: Kind,
    filters: Filters,
    q: &ListParams,
    answer: Answer,
) -> Result<Response, ApiError> {
    let from = match q.resource_version.as_deref() {
        None | Some("") | Some("0") => None,
        Some(s) => Some(s.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!("resourceVersion {s:?} is not a number"))
        })?),
    };
    // A node daemon's watch of its own pods gets only that node's changes.
    let node = (kind == Kind::Pod)
        .then(|| filters.fields.equals("spec.nodeName"))
        .flatten()
        .filter(|n| !n.is_empty());
    let opened = match node {
        Some(n) => app.store.watch_node_pods(n, from).await,
        None => app.store.watch(Some(kind), from).await,
    };
    let (stream, pending_error) = match opened {
        Ok(s) => (Some(s), None),
        Err(e @ StoreError::Expired { .. }) => (None, Some(*ApiError::from(e).0)),
        Err(e) => return Err(e.into()),
    };
    let st = State {
        stream,
        filters,
        kind,
        bookmarks: q.allow_watch_bookmarks.unwrap_or(false),
        deadline: q
            .timeout_seconds
            .map(|s| Instant::now() + Duration::from_secs(s)),
        pending_error,
        answer,
        shutdown: app.shutdown.clone(),
        _open: crate::control::telemetry::WatchGuard::new(),
    };
    let body = Body::from_stream(futures::stream::unfold(st, step));
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}
