//! Serving HTTP over TLS for both daemons (HTTP/1.1, and HTTP/2 to clients
//! that offer only that: ork's node daemons), hardened against clients
//! that are slow on purpose:
//!
//! - the TLS handshake must finish within [`Limits::handshake`], the first
//!   request's headers within [`Limits::headers`] of the connection's
//!   start, and each later request's within [`Limits::idle`] (which also
//!   closes a keep-alive connection idle that long between requests; an
//!   HTTP/2 connection is closed when its client leaves a ping unanswered
//!   that long);
//! - at most [`Limits::connections`] connections are open at once; beyond
//!   that a new one is closed at once (refused), so file descriptors never
//!   run out;
//! - one address may have at most [`Limits::pending_per_address`]
//!   connections that have not yet sent a whole request; a newer one
//!   closes the oldest once that has waited a few seconds, so a flood of
//!   half-open connections from one address cannot keep anyone else (even
//!   from that address) out, while many clients behind one address (nodes
//!   on one machine) connecting at once on a busy server are not closed
//!   mid-handshake.
//!
//! Each request carries a [`Peer`] extension: the client's address and the
//! certificate it presented, if any. Upgrades (exec) are supported. When
//! `stop` turns true, listening ends and open requests get 3 s to finish.
//!
//! It imports `tls` only.

use rustls::ServerConfig;
use rustls::pki_types::CertificateDer;
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

/// Bounds on what clients may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub handshake: Duration,
    /// From the connection's start to its first request's whole headers.
    pub headers: Duration,
    /// Between requests of a kept-alive connection, and for each later
    /// request's headers (hyper's one timer for both). Longer than
    /// clients keep idle connections pooled (the node's client: 20 s), so
    /// a client's bursts reuse its connections instead of opening new ones.
    pub idle: Duration,
    pub connections: usize,
    pub pending_per_address: usize,
    /// A pending connection younger than this is not closed to make room:
    /// on a busy server a handshake and first request can take that long,
    /// and closing them would make their clients connect (and handshake)
    /// again.
    pub evict_after: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            handshake: Duration::from_secs(10),
            headers: Duration::from_secs(10),
            idle: Duration::from_secs(30),
            connections: default_connections(),
            pending_per_address: 256,
            evict_after: Duration::from_secs(3),
        }
    }
}

/// Three quarters of the open-files limit, at most 16,384.
fn default_connections() -> usize {
    let soft = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .map(|(soft, _)| soft)
        .unwrap_or(1024);
    usize::try_from(soft / 4 * 3)
        .unwrap_or(768)
        .clamp(64, 16_384)
}

/// Who is at the other end of a request.
#[derive(Clone, Debug)]
pub struct Peer {
    pub addr: SocketAddr,
    /// The client certificate, when one was presented (and verified).
    pub cert: Option<CertificateDer<'static>>,
}

/// Connections not yet past their first request, by address, oldest first,
/// with when each came.
#[derive(Default)]
struct Pending {
    by_addr: HashMap<IpAddr, VecDeque<(u64, Instant, Arc<Notify>)>>,
}

struct Shared {
    open: AtomicUsize,
    next_id: AtomicU64,
    pending: Mutex<Pending>,
    limits: Limits,
    /// When a refusal was last logged (one line a minute at most).
    refused_logged: Mutex<Option<Instant>>,
}

impl Shared {
    /// Registers a new pending connection; returns its id and the signal
    /// that evicts it, and evicts the oldest of its address when over (if
    /// they have waited [`Limits::evict_after`]).
    fn pend(&self, ip: IpAddr) -> (u64, Arc<Notify>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let evict = Arc::new(Notify::new());
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let q = p.by_addr.entry(ip).or_default();
        let now = Instant::now();
        q.push_back((id, now, evict.clone()));
        while q.len() > self.limits.pending_per_address
            && q.front()
                .is_some_and(|(_, at, _)| now.duration_since(*at) >= self.limits.evict_after)
        {
            if let Some((_, _, old)) = q.pop_front() {
                old.notify_one();
            }
        }
        (id, evict)
    }

    fn settle(&self, ip: IpAddr, id: u64) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(q) = p.by_addr.get_mut(&ip) {
            q.retain(|(i, _, _)| *i != id);
            if q.is_empty() {
                p.by_addr.remove(&ip);
            }
        }
    }

    fn log_refusal(&self) {
        let mut last = self
            .refused_logged
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if last.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
            *last = Some(Instant::now());
            tracing::warn!(
                limit = self.limits.connections,
                "refusing connections: the limit of open connections is reached"
            );
        }
    }
}

/// Resolves after `limit` if the connection has not sent its first
/// request's headers by then; never otherwise.
async fn unsettled_after(limit: Duration, settled: Arc<AtomicBool>) {
    tokio::time::sleep(limit).await;
    if settled.load(Ordering::Relaxed) {
        std::future::pending::<()>().await;
    }
}

/// Resolves once `stop` is true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Serves `router` on `listener` (over TLS when `tls` is given) until `stop`.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    router: axum::Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let shared = Arc::new(Shared {
        open: AtomicUsize::new(0),
        next_id: AtomicU64::new(0),
        pending: Mutex::default(),
        limits,
        refused_logged: Mutex::new(None),
    });
    // Each connection task holds a receiver; all dropped = all closed.
    let (closed_tx, closed_rx) = watch::channel(());
    loop {
        let (stream, addr) = tokio::select! {
            r = listener.accept() => match r {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped(&mut stop) => break,
        };
        if shared.open.load(Ordering::Relaxed) >= shared.limits.connections {
            shared.log_refusal();
            drop(stream);
            continue;
        }
        shared.open.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let conn = Conn {
            shared: shared.clone(),
            acceptor: acceptor.clone(),
            router: router.clone(),
            stop: stop.clone(),
            _closed: closed_rx.clone(),
        };
        tokio::spawn(conn.run(stream, addr));
    }
    drop(listener);
    drop(closed_rx);
    let _ = tokio::time::timeout(Duration::from_secs(3), closed_tx.closed()).await;
}

struct Conn {
    shared: Arc<Shared>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    router: axum::Router,
    stop: watch::Receiver<bool>,
    _closed: watch::Receiver<()>,
}

impl Conn {
    async fn run(self, stream: TcpStream, addr: SocketAddr) {
        let shared = self.shared.clone();
        let (id, evict) = shared.pend(addr.ip());
        let settled = Arc::new(AtomicBool::new(false));
        let first_request = shared.limits.headers;
        tokio::select! {
            _ = self.serve(stream, addr, id, settled.clone()) => {}
            _ = evict.notified() => {
                tracing::debug!(%addr, "closing a connection that sent no request: a newer one from its address came");
            }
            _ = unsettled_after(first_request, settled.clone()) => {
                tracing::debug!(%addr, "closing a connection whose first request did not come in time");
            }
        }
        if !settled.load(Ordering::Relaxed) {
            shared.settle(addr.ip(), id);
        }
        shared.open.fetch_sub(1, Ordering::Relaxed);
    }

    async fn serve(self, stream: TcpStream, addr: SocketAddr, id: u64, settled: Arc<AtomicBool>) {
        match &self.acceptor {
            Some(acceptor) => {
                let tls = match tokio::time::timeout(
                    self.shared.limits.handshake,
                    acceptor.accept(stream),
                )
                .await
                {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => {
                        tracing::debug!(%addr, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%addr, "TLS handshake timed out");
                        return;
                    }
                };
                let cert = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| c.clone().into_owned());
                // Only a client offering nothing else gets HTTP/2 (the
                // server's list puts http/1.1 first): ork's own node daemons.
                let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                let peer = Peer { addr, cert };
                self.http(tls, peer, id, settled, h2).await
            }
            None => {
                let peer = Peer { addr, cert: None };
                self.http(stream, peer, id, settled, false).await
            }
        }
    }

    async fn http<IO>(self, io: IO, peer: Peer, id: u64, settled: Arc<AtomicBool>, h2: bool)
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
        let shared = self.shared.clone();
        let router = self.router.clone();
        let svc =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                if !settled.swap(true, Ordering::Relaxed) {
                    shared.settle(peer.addr.ip(), id);
                }
                req.extensions_mut().insert(peer.clone());
                let mut router = router.clone();
                async move {
                    use tower_service::Service;
                    router.call(req.map(axum::body::Body::new)).await
                }
            });
        let stop = self.stop.clone();
        if h2 {
            let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                // A peer that stops answering pings is gone (the TCP
                // connection may never say so).
                .keep_alive_interval(self.shared.limits.idle)
                .keep_alive_timeout(self.shared.limits.idle)
                .max_concurrent_streams(H2_STREAMS)
                .serve_connection(TokioIo::new(io), svc);
            until_stopped(std::pin::pin!(conn), stop, |c| c.graceful_shutdown()).await;
        } else {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(self.shared.limits.idle)
                .serve_connection(TokioIo::new(io), svc)
                .with_upgrades();
            until_stopped(std::pin::pin!(conn), stop, |c| c.graceful_shutdown()).await;
        }
    }
}

/// Requests one HTTP/2 connection may have in flight at once: a node's
/// pod workers, watches and heartbeats together.
const H2_STREAMS: u32 = 256;

/// Drives a connection to its end; once `stop` turns true, asks it to
/// finish its requests and close.
async fn until_stopped<C, E>(
    mut conn: std::pin::Pin<&mut C>,
    mut stop: watch::Receiver<bool>,
    shutdown: impl Fn(std::pin::Pin<&mut C>),
) where
    C: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut stopping = false;
    loop {
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::trace!(error = %e, "connection ended");
                }
                break;
            }
            _ = stopped(&mut stop), if !stopping => {
                stopping = true;
                shutdown(conn.as_mut());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    fn shared(evict_after: Duration) -> Shared {
        Shared {
            open: AtomicUsize::new(0),
            next_id: AtomicU64::new(0),
            pending: Mutex::default(),
            limits: Limits {
                pending_per_address: 1,
                evict_after,
                ..Limits::default()
            },
            refused_logged: Mutex::new(None),
        }
    }

    #[test]
    fn over_its_pending_limit_an_address_loses_its_oldest_only_once_it_has_waited() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        // Young: both stay (a busy server's handshakes take time).
        let s = shared(Duration::from_secs(3600));
        let (_, first) = s.pend(ip);
        let (_, second) = s.pend(ip);
        assert!(first.notified().now_or_never().is_none());
        assert!(second.notified().now_or_never().is_none());
        // Waited long enough: the newest closes the oldest, of its own
        // address only.
        let s = shared(Duration::ZERO);
        let (_, elsewhere) = s.pend(other);
        let (_, first) = s.pend(ip);
        let (_, second) = s.pend(ip);
        assert!(first.notified().now_or_never().is_some());
        assert!(second.notified().now_or_never().is_none());
        assert!(elsewhere.notified().now_or_never().is_none());
        // One that sent its first request is no longer pending.
        let (id, third) = s.pend(other);
        s.settle(other, id);
        let (_, fourth) = s.pend(other);
        assert!(third.notified().now_or_never().is_none());
        assert!(fourth.notified().now_or_never().is_none());
    }
}
