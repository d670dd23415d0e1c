//! The service proxy every node runs: it watches Services and Endpoints and,
//! for each service port with ready endpoints, listens on the port's cluster
//! port (on loopback, and on the Docker gateway for containers) and, for
//! NodePort services, on its node port on every address. Each new connection
//! goes to the next ready endpoint, round robin; one that refuses is skipped.
//! A port without ready endpoints is not listened on, so clients get
//! "connection refused" at once instead of a hang. Listeners use
//! SO_REUSEPORT, so several node daemons on one machine serve the same port.
//!
//! Talks to the API only through `client`; the decisions (which ports, which
//! backends) are [`plan`], a pure function.

use crate::api::{AnyObject, Endpoints, Kind, Service};
use crate::client::{Change, Client, ListParams, watcher};
use futures::{FutureExt, StreamExt};
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long a connection to an endpoint may take before the next is tried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The services the proxy knows, for the `<NAME>_SERVICE_*` variables of
/// pods that start on this node.
#[derive(Clone, Default)]
pub struct Services(Arc<RwLock<ServiceMap>>);

/// Services by (namespace, name).
type ServiceMap = BTreeMap<(String, String), Arc<Service>>;

impl Services {
    /// The services of a namespace.
    pub fn of(&self, ns: &str) -> Vec<Arc<Service>> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|((n, _), _)| n == ns)
            .map(|(_, s)| s.clone())
            .collect()
    }
}

/// One listening address and the endpoints behind it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub listen: SocketAddr,
    pub backends: Vec<SocketAddr>,
}

/// What to listen on and where to send, from the services and endpoints.
/// Ports without ready endpoints are left out (refused). Pure.
pub fn plan(
    services: &BTreeMap<(String, String), Arc<Service>>,
    endpoints: &BTreeMap<(String, String), Arc<Endpoints>>,
    local: &[IpAddr],
) -> Vec<Route> {
    let mut out = vec![];
    for (key, s) in services {
        let Some(ep) = endpoints.get(key) else {
            continue;
        };
        for p in &s.spec.ports {
            let mut backends: Vec<SocketAddr> = ep
                .ready(&p.name)
                .into_iter()
                .filter_map(|(ip, port)| {
                    let ip: IpAddr = ip.parse().ok()?;
                    Some(SocketAddr::new(ip, u16::try_from(port).ok()?))
                })
                .collect();
            backends.sort();
            backends.dedup();
            if backends.is_empty() {
                continue;
            }
            if let Some(c) = p.cluster_port.and_then(|c| u16::try_from(c).ok()) {
                for ip in local {
                    out.push(Route {
                        listen: SocketAddr::new(*ip, c),
                        backends: backends.clone(),
                    });
                }
            }
            if s.is_node_port()
                && let Some(n) = p.node_port.and_then(|n| u16::try_from(n).ok())
            {
                out.push(Route {
                    listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), n),
                    backends: backends.clone(),
                });
            }
        }
    }
    out.sort();
    out
}

struct Listener {
    backends: Arc<RwLock<Vec<SocketAddr>>>,
    task: JoinHandle<()>,
}

fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let s = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    s.set_reuseaddr(true)?;
    s.set_reuseport(true)?;
    s.bind(addr)?;
    s.listen(1024)
}

async fn serve(l: tokio::net::TcpListener, backends: Arc<RwLock<Vec<SocketAddr>>>) {
    let next = Arc::new(AtomicUsize::new(0));
    loop {
        let mut conn = match l.accept().await {
            Ok((c, _)) => c,
            Err(e) => {
                // Out of descriptors and the like: do not spin on it.
                tracing::debug!(error = %e, "service proxy accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let list = backends.read().unwrap_or_else(|e| e.into_inner()).clone();
        let start = next.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            // The next endpoint, then the ones after it if it refuses.
            for i in 0..list.len() {
                let b = list[(start + i) % list.len()];
                match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(b)).await {
                    Ok(Ok(mut up)) => {
                        let _ = up.set_nodelay(true);
                        let _ = conn.set_nodelay(true);
                        let _ = tokio::io::copy_bidirectional(&mut conn, &mut up).await;
                        return;
                    }
                    _ => {
                        tracing::debug!(backend = %b, "service endpoint unreachable; trying the next")
                    }
                }
            }
        });
    }
}

/// Applies a plan: new ports are bound, gone ones closed, backends swapped
/// in place (connections already open stay on theirs).
fn apply(listeners: &mut HashMap<SocketAddr, Listener>, routes: Vec<Route>) {
    let want: HashMap<SocketAddr, Vec<SocketAddr>> =
        routes.into_iter().map(|r| (r.listen, r.backends)).collect();
    listeners.retain(|addr, l| {
        let keep = want.contains_key(addr);
        if !keep {
            l.task.abort();
        }
        keep
    });
    for (addr, backends) in want {
        if let Some(l) = listeners.get(&addr) {
            *l.backends.write().unwrap_or_else(|e| e.into_inner()) = backends;
            continue;
        }
        match bind(addr) {
            Ok(sock) => {
                let shared = Arc::new(RwLock::new(backends));
                let task = tokio::spawn(serve(sock, shared.clone()));
                listeners.insert(
                    addr,
                    Listener {
                        backends: shared,
                        task,
                    },
                );
            }
            Err(e) => tracing::warn!(%addr, error = %e, "service proxy cannot listen"),
        }
    }
}

fn key(o: &AnyObject) -> (String, String) {
    (o.meta().namespace.clone(), o.meta().name.clone())
}

/// Keeps `by_key` in step with one watched kind.
fn follow<T>(
    by_key: &mut BTreeMap<(String, String), Arc<T>>,
    change: Change,
    pick: fn(AnyObject) -> Option<Arc<T>>,
) {
    match change {
        Change::Listed(items) => {
            *by_key = items
                .into_iter()
                .filter_map(|o| Some((key(&o), pick(o)?)))
                .collect();
        }
        Change::Applied(o) => {
            let k = key(&o);
            if let Some(x) = pick(o) {
                by_key.insert(k, x);
            }
        }
        Change::Deleted(o) => {
            by_key.remove(&key(&o));
        }
        Change::Failed(e) => {
            tracing::debug!(error = %e, "service proxy: watch failed; listing again")
        }
    }
}

/// Runs the proxy until shutdown. `local` are the addresses cluster ports
/// are served on.
pub async fn run(
    client: Client,
    local: Vec<IpAddr>,
    services: Services,
    mut shutdown: watch::Receiver<bool>,
) {
    let tagged = |kind: Kind| {
        watcher(client.clone(), kind, None, ListParams::default()).map(move |c| (kind, c))
    };
    let mut changes = std::pin::pin!(futures::stream::select(
        tagged(Kind::Service),
        tagged(Kind::Endpoints)
    ));
    let mut endpoints: BTreeMap<(String, String), Arc<Endpoints>> = BTreeMap::new();
    let mut listeners: HashMap<SocketAddr, Listener> = HashMap::new();
    loop {
        let change = tokio::select! {
            c = changes.next() => match c { Some(c) => c, None => break },
            _ = shutdown.changed() => break,
        };
        // Take whatever else is ready, then plan once.
        let mut batch = vec![change];
        while let Some(Some(c)) = changes.next().now_or_never() {
            batch.push(c);
        }
        {
            let mut svcs = services.0.write().unwrap_or_else(|e| e.into_inner());
            for (kind, c) in batch {
                if kind == Kind::Service {
                    follow(&mut svcs, c, |o| match o {
                        AnyObject::Service(s) => Some(s),
                        _ => None,
                    });
                } else {
                    follow(&mut endpoints, c, |o| match o {
                        AnyObject::Endpoints(e) => Some(e),
                        _ => None,
                    });
                }
            }
            apply(&mut listeners, plan(&svcs, &endpoints, &local));
        }
    }
    for (_, l) in listeners {
        l.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::new_object;
    use crate::api::service::{EndpointAddress, EndpointPort, EndpointSubset};

    fn svc(name: &str, node_port: bool) -> Arc<Service> {
        let mut s = Service::test(name);
        if node_port {
            s.spec.type_ = "NodePort".into();
        }
        s.spec.ports[0].cluster_port = Some(20001);
        s.spec.ports[0].node_port = node_port.then_some(30001);
        Arc::new(s)
    }

    fn eps(name: &str, ready: &[u16], not_ready: &[u16]) -> Arc<Endpoints> {
        let mut e: Endpoints = new_object("default", name);
        let addr = |_p: &u16| EndpointAddress {
            ip: "127.0.0.1".into(),
            ..Default::default()
        };
        e.subsets = ready
            .iter()
            .map(|p| EndpointSubset {
                addresses: vec![addr(p)],
                ports: vec![EndpointPort {
                    port: i32::from(*p),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .chain(not_ready.iter().map(|p| EndpointSubset {
                not_ready_addresses: vec![addr(p)],
                ports: vec![EndpointPort {
                    port: i32::from(*p),
                    ..Default::default()
                }],
                ..Default::default()
            }))
            .collect();
        Arc::new(e)
    }

    fn k(n: &str) -> (String, String) {
        ("default".into(), n.into())
    }

    #[test]
    fn only_ready_endpoints_are_backends_and_none_means_no_listener() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let services = BTreeMap::from([(k("a"), svc("a", false)), (k("b"), svc("b", true))]);
        let endpoints = BTreeMap::from([
            (k("a"), eps("a", &[5001, 5002], &[5003])),
            (k("b"), eps("b", &[], &[6001])),
        ]);
        let routes = plan(&services, &endpoints, &[lo]);
        assert_eq!(
            routes,
            [Route {
                listen: "127.0.0.1:20001".parse().unwrap(),
                backends: vec![
                    "127.0.0.1:5001".parse().unwrap(),
                    "127.0.0.1:5002".parse().unwrap()
                ],
            }]
        );
        let endpoints = BTreeMap::from([(k("b"), eps("b", &[6001], &[]))]);
        let routes = plan(&services, &endpoints, &[lo]);
        let listens: Vec<String> = routes.iter().map(|r| r.listen.to_string()).collect();
        assert_eq!(listens, ["0.0.0.0:30001", "127.0.0.1:20001"]);
    }
}
