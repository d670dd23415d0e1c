//! The ingress server's I/O: accept HTTP (and HTTPS through rustls with the
//! SNI [`super::certs::Resolver`]), route each request by the current
//! [`super::route::Table`], and forward it to a ready endpoint of the
//! chosen Service (round robin; an endpoint that refuses the connection is
//! skipped). Clients' connections are HTTP/1.1 with keep-alive; upstream
//! connections are kept and reused per endpoint. A request asking for a
//! protocol upgrade (WebSocket) gets a connection of its own, and once the
//! endpoint answers `101 Switching Protocols` the two sides are joined
//! byte for byte. The endpoint sees `X-Forwarded-For`, `X-Forwarded-Proto`
//! and `X-Forwarded-Host`.
//!
//! Answers of its own: 404 when no rule matches, 503 when the Service has
//! no ready endpoint, 502 when no endpoint could be reached.

use super::route::{Decision, Table, Target};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long connecting to an endpoint may take before the next is tried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Idle upstream connections kept per endpoint.
const POOL_PER_ENDPOINT: usize = 64;

type Body = BoxBody<Bytes, hyper::Error>;

/// What every connection shares: the routing table, the round-robin
/// counter and the idle upstream connections.
#[derive(Default)]
pub struct Shared {
    table: RwLock<Arc<Table>>,
    next: AtomicUsize,
    pool: Mutex<HashMap<SocketAddr, Vec<SendRequest<Incoming>>>>,
}

impl Shared {
    pub fn set_table(&self, t: Table) {
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(t);
    }

    fn table(&self) -> Arc<Table> {
        self.table.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn idle(&self, to: SocketAddr) -> Option<SendRequest<Incoming>> {
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        let list = pool.get_mut(&to)?;
        while let Some(s) = list.pop() {
            if s.is_ready() {
                return Some(s);
            }
            // Busy or closed: a busy one finishes its response and closes.
        }
        None
    }

    fn keep(&self, to: SocketAddr, s: SendRequest<Incoming>) {
        if s.is_closed() {
            return;
        }
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        let list = pool.entry(to).or_default();
        if list.len() >= POOL_PER_ENDPOINT {
            list.remove(0);
        }
        list.push(s);
    }
}

/// Accepts connections until shutdown; `tls` makes it the HTTPS listener.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    tracing::debug!(error = %e, "ingress accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let (shared, tls) = (shared.clone(), tls.clone());
        tokio::spawn(async move {
            match tls {
                None => connection(TokioIo::new(stream), peer, shared, false).await,
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(s) => connection(TokioIo::new(s), peer, shared, true).await,
                    Err(e) => tracing::debug!(%peer, error = %e, "ingress TLS handshake failed"),
                },
            }
        });
    }
}

async fn connection<I>(io: I, peer: SocketAddr, shared: Arc<Shared>, https: bool)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(handle(&shared, req, peer, https).await) }
    });
    if let Err(e) = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service)
        .with_upgrades()
        .await
    {
        tracing::debug!(%peer, error = %e, "ingress connection ended");
    }
}

fn text(status: StatusCode, body: String) -> Response<Body> {
    let mut r = Response::new(
        Full::new(Bytes::from(body))
            .map_err(|never| -> hyper::Error { match never {} })
            .boxed(),
    );
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The request's host: the Host header, else the URI's authority.
fn host_of(req: &Request<Incoming>) -> String {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default()
}

async fn handle(
    shared: &Shared,
    req: Request<Incoming>,
    peer: SocketAddr,
    https: bool,
) -> Response<Body> {
    let host = host_of(&req);
    let table = shared.table();
    let target = match table.route(&host, req.uri().path()) {
        Decision::NotFound => {
            return text(
                StatusCode::NOT_FOUND,
                "404 page not found: no Ingress rule matches this host and path\n".into(),
            );
        }
        Decision::Unavailable(t) => {
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "503 service unavailable: {} has no ready endpoint\n",
                    t.name
                ),
            );
        }
        Decision::Forward(t) => t.clone(),
    };
    drop(table);
    forward(shared, req, peer, https, &host, &target).await
}

/// Whether the request asks to switch protocols (`Connection: upgrade`).
fn is_upgrade(h: &HeaderMap) -> bool {
    h.contains_key(header::UPGRADE)
        && h.get_all(header::CONNECTION).iter().any(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
            })
        })
}

/// Removes the hop-by-hop headers (those `Connection` names too).
fn strip_hop_by_hop(h: &mut HeaderMap) {
    let named: Vec<HeaderName> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    for n in named {
        h.remove(n);
    }
    for n in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    ] {
        h.remove(n);
    }
}

/// Adds the `X-Forwarded-*` headers.
fn forwarded_headers(h: &mut HeaderMap, peer: SocketAddr, https: bool, host: &str) {
    let ip = peer.ip().to_string();
    let xff = match h.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(prior) if !prior.is_empty() => format!("{prior}, {ip}"),
        _ => ip,
    };
    let proto = if https { "https" } else { "http" };
    for (name, value) in [
        ("x-forwarded-for", xff.as_str()),
        ("x-forwarded-proto", proto),
        ("x-forwarded-host", host),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
}

async fn connect(to: SocketAddr) -> Option<SendRequest<Incoming>> {
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(to))
        .await
        .ok()?
        .ok()?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(async move {
        if let Err(e) = conn.with_upgrades().await {
            tracing::debug!(endpoint = %to, error = %e, "ingress upstream connection ended");
        }
    });
    Some(sender)
}

async fn forward(
    shared: &Shared,
    mut req: Request<Incoming>,
    peer: SocketAddr,
    https: bool,
    host: &str,
    target: &Target,
) -> Response<Body> {
    let upgrade = is_upgrade(req.headers());
    let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
    let (mut parts, body) = req.into_parts();
    if !upgrade {
        strip_hop_by_hop(&mut parts.headers);
    }
    forwarded_headers(&mut parts.headers, peer, https, host);
    if let Some(pq) = parts.uri.path_and_query()
        && let Ok(u) = pq.as_str().parse()
    {
        parts.uri = u;
    }
    if !parts.headers.contains_key(header::HOST)
        && let Ok(v) = HeaderValue::from_str(host)
    {
        parts.headers.insert(header::HOST, v);
    }
    // The next endpoint, then the ones after it if they cannot be reached.
    let n = target.endpoints.len();
    let start = shared.next.fetch_add(1, Ordering::Relaxed);
    let mut chosen = None;
    for i in 0..n {
        let to = target.endpoints[(start + i) % n];
        let pooled = if upgrade { None } else { shared.idle(to) };
        let sender = match pooled {
            Some(s) => Some(s),
            None => connect(to).await,
        };
        if let Some(s) = sender {
            chosen = Some((to, s));
            break;
        }
        tracing::debug!(endpoint = %to, "ingress endpoint unreachable; trying the next");
    }
    let Some((to, mut sender)) = chosen else {
        return text(
            StatusCode::BAD_GATEWAY,
            format!("502 bad gateway: no endpoint of {} answered\n", target.name),
        );
    };
    let out = Request::from_parts(parts, body);
    let mut resp = match sender.send_request(out).await {
        Ok(r) => r,
        Err(e) => {
            return text(
                StatusCode::BAD_GATEWAY,
                format!("502 bad gateway: {} ({to}): {e}\n", target.name),
            );
        }
    };
    if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        if let Some(client_side) = client_upgrade {
            let upstream = hyper::upgrade::on(&mut resp);
            tokio::spawn(async move {
                match tokio::try_join!(client_side, upstream) {
                    Ok((c, u)) => {
                        let (mut c, mut u) = (TokioIo::new(c), TokioIo::new(u));
                        let _ = tokio::io::copy_bidirectional(&mut c, &mut u).await;
                    }
                    Err(e) => tracing::debug!(error = %e, "ingress upgrade failed"),
                }
            });
        }
    } else if !upgrade {
        shared.keep(to, sender);
        strip_hop_by_hop(resp.headers_mut());
    }
    resp.map(|b| b.boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrades_are_recognised_and_hop_by_hop_headers_dropped() {
        let mut h = HeaderMap::new();
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, Upgrade"),
        );
        assert!(is_upgrade(&h));
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, x-secret"),
        );
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert("x-kept", HeaderValue::from_static("1"));
        assert!(!is_upgrade(&h));
        strip_hop_by_hop(&mut h);
        let names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["x-kept"]);
    }

    #[test]
    fn forwarded_headers_append_the_client_and_name_the_scheme_and_host() {
        let mut h = HeaderMap::new();
        let peer: SocketAddr = "10.1.2.3:5555".parse().unwrap();
        forwarded_headers(&mut h, peer, true, "shop.example");
        assert_eq!(h["x-forwarded-for"], "10.1.2.3");
        assert_eq!(h["x-forwarded-proto"], "https");
        assert_eq!(h["x-forwarded-host"], "shop.example");
        forwarded_headers(&mut h, "127.0.0.1:1".parse().unwrap(), false, "a");
        assert_eq!(h["x-forwarded-for"], "10.1.2.3, 127.0.0.1");
        assert_eq!(h["x-forwarded-proto"], "http");
    }
}
