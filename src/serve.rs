//! Serving HTTP/1.1 over TLS for both daemons, hardened against clients
//! that are slow on purpose:
//!
//! - the TLS handshake must finish within [`Limits::handshake`], and each
//!   request's headers within [`Limits::headers`] (which also closes a
//!   keep-alive connection idle that long between requests);
//! - at most [`Limits::connections`] connections are open at once; beyond
//!   that a new one is closed at once (refused), so file descriptors never
//!   run out;
//! - one address may have at most [`Limits::pending_per_address`]
//!   connections that have not yet sent a whole request; a newer one
//!   closes the oldest, so a flood of half-open connections from one
//!   address cannot keep anyone else (even from that address) out.
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
    pub headers: Duration,
    pub connections: usize,
    pub pending_per_address: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            handshake: Duration::from_secs(10),
            headers: Duration::from_secs(10),
            connections: default_connections(),
            pending_per_address: 256,
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

/// Connections not yet past their first request, by address, oldest first.
#[derive(Default)]
struct Pending {
    by_addr: HashMap<IpAddr, VecDeque<(u64, Arc<Notify>)>>,
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
    /// that evicts it, and evicts the oldest of its address when over.
    fn pend(&self, ip: IpAddr) -> (u64, Arc<Notify>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let evict = Arc::new(Notify::new());
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let q = p.by_addr.entry(ip).or_default();
        q.push_back((id, evict.clone()));
        while q.len() > self.limits.pending_per_address {
            if let Some((_, old)) = q.pop_front() {
                old.notify_one();
            }
        }
        (id, evict)
    }

    fn settle(&self, ip: IpAddr, id: u64) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(q) = p.by_addr.get_mut(&ip) {
            q.retain(|(i, _)| *i != id);
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
        tokio::select! {
            _ = self.serve(stream, addr, id, settled.clone()) => {}
            _ = evict.notified() => {
                tracing::debug!(%addr, "closing a connection that sent no request: a newer one from its address came");
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
                let peer = Peer { addr, cert };
                self.http(tls, peer, id, settled).await
            }
            None => {
                let peer = Peer { addr, cert: None };
                self.http(stream, peer, id, settled).await
            }
        }
    }

    async fn http<IO>(self, io: IO, peer: Peer, id: u64, settled: Arc<AtomicBool>)
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        use hyper_util::rt::{TokioIo, TokioTimer};
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
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.shared.limits.headers)
            .serve_connection(TokioIo::new(io), svc)
            .with_upgrades();
        let mut conn = std::pin::pin!(conn);
        let mut stop = self.stop.clone();
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
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
