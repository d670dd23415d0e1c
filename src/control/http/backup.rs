//! `GET /apis/ork.dev/v1/backup` (admins only, as everything under
//! `ork.dev` but a few node routes): a snapshot of every object at one
//! revision, streamed as [`crate::control::backup`]'s format while it is
//! encoded. The revision, object count and sealing key id come first, as
//! response headers.

use super::{ApiError, App};
use crate::api::wire;
use crate::control::backup::{self, BackupError};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use std::sync::Arc;
use tokio::sync::mpsc;

pub fn routes(r: super::Routes) -> super::Routes {
    r.route(wire::BACKUP_PATH, get(download))
}

/// Bytes handed to the response as they are written.
struct Chunks {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

const CHUNK: usize = 256 << 10;

impl Chunks {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let b = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(b))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl std::io::Write for Chunks {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalError",
        format!("backup: {e}"),
    )
}

async fn download(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    let ring = backup::keyring(&app.data_dir).map_err(internal)?;
    let snap = match backup::snapshot(&app.store) {
        Ok(s) => s,
        Err(e @ BackupError::Busy) => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                e.to_string(),
            ));
        }
        Err(e) => return Err(internal(e)),
    };
    let head = backup::header(&snap, &ring);
    tracing::info!(
        revision = head.revision,
        objects = head.objects,
        "backup requested"
    );
    let (tx, mut rx) = mpsc::channel(8);
    let h = head.clone();
    tokio::task::spawn_blocking(move || {
        let mut out = Chunks {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
        };
        let r = backup::write(&snap, &h, &ring, &mut out)
            .and_then(|_| std::io::Write::flush(&mut out).map_err(BackupError::Write));
        if let Err(e) = r {
            tracing::warn!(error = %e, "backup stream ended early");
            // The client sees a cut stream, which its gzip reader refuses.
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut resp = Body::from_stream(stream).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/gzip"),
    );
    let num = |n: u64| HeaderValue::from_str(&n.to_string()).map_err(internal);
    headers.insert(wire::BACKUP_REVISION_HEADER, num(head.revision)?);
    headers.insert(wire::BACKUP_OBJECTS_HEADER, num(head.objects as u64)?);
    if let Some(k) = head.sealing_key_id {
        headers.insert(wire::BACKUP_KEY_HEADER, num(k.into())?);
    }
    Ok(resp)
}
