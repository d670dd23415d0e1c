//! Carrying traffic from one listening socket to a service's endpoints:
//! TCP connections (each new one to the next ready endpoint, round robin,
//! one that refuses skipped) and UDP flows (datagrams from one client
//! address go to one endpoint; replies come back from the address the
//! client sent to; a flow idle for [`UDP_IDLE`] is forgotten). With
//! `sessionAffinity: ClientIP` a client address keeps its endpoint while it
//! stays in the list and returns within the timeout. Clients outside a load
//! balancer's source ranges are dropped unanswered.
//!
//! Which endpoint comes first is [`order`], a pure function.

use crate::api::service::Cidr;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

/// How long a connection to an endpoint may take before the next is tried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a UDP flow lives without a datagram either way.
pub const UDP_IDLE: Duration = Duration::from_secs(30);
/// At most one "no endpoint answered" warning per listener this often.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// Where a listener sends its clients, swapped in place as endpoints change.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Target {
    pub backends: Vec<SocketAddr>,
    /// `sessionAffinity: ClientIP` and its timeout.
    pub affinity: Option<Duration>,
    /// Clients allowed in (empty: all).
    pub allow: Vec<Cidr>,
}

impl Target {
    fn admits(&self, ip: IpAddr) -> bool {
        self.allow.is_empty() || self.allow.iter().any(|c| c.contains(ip))
    }
}

/// The endpoints to try, in order: the client's sticky one first (when it
/// is still a backend), then round robin from `start`. Pure.
pub fn order(backends: &[SocketAddr], start: usize, sticky: Option<SocketAddr>) -> Vec<SocketAddr> {
    let n = backends.len();
    let first = sticky.filter(|s| backends.contains(s));
    let mut out: Vec<SocketAddr> = first.into_iter().collect();
    out.extend(
        (0..n)
            .map(|i| backends[(start + i) % n])
            .filter(|b| Some(*b) != first),
    );
    out
}

/// What one listener shares between its clients: the target, the round
/// robin cursor and the affinity table.
#[derive(Clone)]
pub struct Shared {
    pub target: Arc<RwLock<Target>>,
    next: Arc<AtomicUsize>,
    sticky: Arc<Mutex<HashMap<IpAddr, (SocketAddr, Instant)>>>,
    /// When a client was last dropped for want of an answering endpoint
    /// was last logged.
    warned: Arc<Mutex<Option<Instant>>>,
}

impl Shared {
    pub fn new(target: Target) -> Self {
        Shared {
            target: Arc::new(RwLock::new(target)),
            next: Arc::new(AtomicUsize::new(0)),
            sticky: Arc::default(),
            warned: Arc::default(),
        }
    }

    fn current(&self) -> Target {
        self.target
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The endpoints to try for `client`, or `None` when it may not come in.
    fn plan(&self, client: IpAddr) -> Option<(Vec<SocketAddr>, Option<Duration>)> {
        let t = self.current();
        if !t.admits(client) || t.backends.is_empty() {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let sticky = t.affinity.and_then(|timeout| {
            let mut m = self.sticky.lock().unwrap_or_else(|e| e.into_inner());
            // Forget what expired (cheaply: only while the table is looked at).
            m.retain(|_, (_, at)| at.elapsed() < timeout);
            m.get(&client).map(|(b, _)| *b)
        });
        Some((order(&t.backends, start, sticky), t.affinity))
    }

    /// Whether a dropped client is worth a warning now (one per
    /// [`WARN_EVERY`]): a wrong endpoint port, say a process pod that
    /// listens on its manifest's port instead of `$PORT`, shows in the
    /// node's log instead of only as resets.
    fn should_warn(&self) -> bool {
        let mut w = self.warned.lock().unwrap_or_else(|e| e.into_inner());
        if w.is_some_and(|at| at.elapsed() < WARN_EVERY) {
            return false;
        }
        *w = Some(Instant::now());
        true
    }

    fn chosen(&self, client: IpAddr, backend: SocketAddr, affinity: Option<Duration>) {
        if affinity.is_some() {
            self.sticky
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(client, (backend, Instant::now()));
        }
    }
}

/// Accepts on `l` until aborted, carrying each connection to an endpoint.
pub async fn serve_tcp(l: TcpListener, shared: Shared) {
    let at = l.local_addr().ok();
    loop {
        let (mut conn, peer) = match l.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors and the like: do not spin on it.
                tracing::debug!(error = %e, "service proxy accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some((list, affinity)) = shared.plan(peer.ip()) else {
            continue; // dropped: closed unanswered
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut why = vec![];
            for b in &list {
                match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(b)).await {
                    Ok(Ok(mut up)) => {
                        shared.chosen(peer.ip(), *b, affinity);
                        let _ = up.set_nodelay(true);
                        let _ = conn.set_nodelay(true);
                        let _ = tokio::io::copy_bidirectional(&mut conn, &mut up).await;
                        return;
                    }
                    Ok(Err(e)) => why.push(format!("{b}: {e}")),
                    Err(_) => why.push(format!("{b}: no answer in {CONNECT_TIMEOUT:?}")),
                }
                tracing::debug!(backend = %b, "service endpoint unreachable; trying the next");
            }
            if shared.should_warn() {
                tracing::warn!(
                    listen = ?at,
                    client = %peer,
                    endpoints = %why.join("; "),
                    "service proxy: no endpoint answered; the client's connection is closed"
                );
            }
        });
    }
}

/// One client's UDP flow: its socket towards the endpoint, and the task
/// sending replies back.
struct Flow {
    up: Arc<UdpSocket>,
    task: tokio::task::JoinHandle<()>,
}

/// Relays datagrams on `sock` until aborted.
pub async fn serve_udp(sock: UdpSocket, shared: Shared) {
    let sock = Arc::new(sock);
    let mut flows: HashMap<SocketAddr, Flow> = HashMap::new();
    let mut buf = vec![0u8; 65536];
    loop {
        let (n, peer) = match sock.recv_from(&mut buf).await {
            Ok(x) => x,
            Err(e) => {
                tracing::debug!(error = %e, "service proxy receive failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if flows.get(&peer).is_some_and(|f| f.task.is_finished()) {
            flows.remove(&peer);
        }
        if !flows.contains_key(&peer) {
            flows.retain(|_, f| !f.task.is_finished());
            let Some((list, affinity)) = shared.plan(peer.ip()) else {
                continue;
            };
            let Some(b) = list.first().copied() else {
                continue;
            };
            let local: SocketAddr = if b.is_ipv4() {
                (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
            } else {
                (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
            };
            let up = match UdpSocket::bind(local).await {
                Ok(u) => u,
                Err(e) => {
                    tracing::debug!(error = %e, "service proxy cannot open a UDP flow");
                    continue;
                }
            };
            if up.connect(b).await.is_err() {
                continue;
            }
            shared.chosen(peer.ip(), b, affinity);
            let up = Arc::new(up);
            let task = tokio::spawn(replies(up.clone(), sock.clone(), peer));
            flows.insert(peer, Flow { up, task });
        }
        if let Some(f) = flows.get(&peer) {
            let _ = f.up.send(&buf[..n]).await;
        }
    }
}

/// Sends what the endpoint answers back to `client`, until the flow is idle.
async fn replies(up: Arc<UdpSocket>, down: Arc<UdpSocket>, client: SocketAddr) {
    let mut buf = vec![0u8; 65536];
    while let Ok(Ok(n)) = tokio::time::timeout(UDP_IDLE, up.recv(&mut buf)).await {
        if down.send_to(&buf[..n], client).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(p: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], p))
    }

    #[test]
    fn round_robin_starts_at_the_cursor_and_a_sticky_endpoint_comes_first() {
        let b = [a(1), a(2), a(3)];
        assert_eq!(order(&b, 0, None), [a(1), a(2), a(3)]);
        assert_eq!(order(&b, 4, None), [a(2), a(3), a(1)]);
        assert_eq!(order(&b, 0, Some(a(3))), [a(3), a(1), a(2)]);
        // A sticky endpoint that is gone is ignored.
        assert_eq!(order(&b, 1, Some(a(9))), [a(2), a(3), a(1)]);
        assert!(order(&[], 0, Some(a(1))).is_empty());
    }

    #[test]
    fn affinity_keeps_a_client_on_its_endpoint_and_ranges_refuse_others() {
        let s = Shared::new(Target {
            backends: vec![a(1), a(2)],
            affinity: Some(Duration::from_secs(60)),
            allow: vec!["127.0.0.1/32".parse().unwrap()],
        });
        let me: IpAddr = "127.0.0.1".parse().unwrap();
        let (first, aff) = s.plan(me).unwrap();
        s.chosen(me, first[0], aff);
        for _ in 0..5 {
            assert_eq!(s.plan(me).unwrap().0[0], first[0]);
        }
        assert!(s.plan("127.0.0.2".parse().unwrap()).is_none());
        // Without affinity, round robin.
        let rr = Shared::new(Target {
            backends: vec![a(1), a(2)],
            ..Default::default()
        });
        let firsts: Vec<SocketAddr> = (0..4).map(|_| rr.plan(me).unwrap().0[0]).collect();
        assert_eq!(firsts, [a(1), a(2), a(1), a(2)]);
    }
}
