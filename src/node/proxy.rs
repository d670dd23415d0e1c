//! The service proxy every node runs: it follows the node's view of
//! Services and Endpoints ([`crate::node::services`]) and serves every
//! service port that has ready endpoints:
//!
//! - at the service's cluster IP and declared port on the node (any
//!   `127.x` address binds on Linux's loopback), for the node itself and
//!   its process pods;
//! - at the same address inside the network namespace of every Docker pod
//!   of this node ([`netns`]: sockets bound there by a thread that enters
//!   the namespace, served from here), kept in step as pods and services
//!   come and go; a pod whose namespace cannot be entered reaches services
//!   at the Docker gateway and the cluster ports;
//! - at its cluster port on loopback and the Docker gateway;
//! - for NodePort and LoadBalancer services, at the node port on every
//!   address; for a LoadBalancer listing this node's address in its status,
//!   at the declared port on every address too, to clients in
//!   `loadBalancerSourceRanges` only;
//! - on a host outside the cluster that reaches its pods (the one running
//!   `ork up --machines docker`, [`run_outside`]): the cluster IPs at their
//!   declared ports, on the host's loopback, and nothing else.
//!
//! TCP and UDP alike ([`relay`]): each new connection or flow goes to the
//! next ready endpoint, round robin (one that refuses is skipped), or to the
//! client's last one under `sessionAffinity: ClientIP`. Traffic policies
//! `Local` keep it to this node's endpoints (internal for the cluster IP,
//! external for node and load balancer ports). A port without ready
//! endpoints is not listened on, so clients get "connection refused" at
//! once instead of a hang. Listeners use SO_REUSEPORT, so several node
//! daemons on one machine serve the same addresses.
//!
//! Reads the API only through the services view (and, for [`run_outside`],
//! `client`, to feed one); the decisions (which addresses, which backends)
//! are [`plan`], a pure function. Must not import `control`, `cli` or `tui`.

mod netns;
pub mod relay;

use crate::api::service::Cidr;
use crate::api::{Endpoints, Protocol, Service};
use crate::client::Client;
use crate::node::services::{self, Snapshot, View};
use relay::{Shared, Target};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// How long a pod waits for the proxy to serve its namespace.
const JOIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The services of the node's view (for the service variables of pods
/// that start on this node), and the pod network namespaces the proxy serves.
#[derive(Clone)]
pub struct Services {
    view: View,
    /// Pods whose namespace the proxy serves cluster IPs in.
    joined: Arc<RwLock<HashSet<String>>>,
    tx: mpsc::UnboundedSender<PodNet>,
    rx: Arc<Mutex<Option<mpsc::UnboundedReceiver<PodNet>>>>,
}

impl Services {
    /// The proxy's side of the node: services from `view`, no pods yet.
    pub fn new(view: View) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Services {
            view,
            joined: Arc::default(),
            tx,
            rx: Arc::new(Mutex::new(Some(rx))),
        }
    }
}

/// A pod network namespace coming or going.
enum PodNet {
    Join {
        uid: String,
        path: PathBuf,
        done: oneshot::Sender<Result<(), String>>,
    },
    Leave(String),
}

impl Services {
    /// The services of a namespace.
    pub fn of(&self, ns: &str) -> Vec<Arc<Service>> {
        self.view.services_of(ns)
    }

    /// Whether pod `uid`'s namespace is served cluster IPs.
    pub fn serves_pod(&self, uid: &str) -> bool {
        self.joined
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(uid)
    }

    /// Serves cluster IPs inside pod `uid`'s network namespace at `path`
    /// (again after its sandbox changed); returns once they are listened
    /// on, or why they cannot be.
    pub async fn join(&self, uid: &str, path: PathBuf) -> Result<(), String> {
        netns::supported()?;
        let (done, answer) = oneshot::channel();
        self.tx
            .send(PodNet::Join {
                uid: uid.to_string(),
                path,
                done,
            })
            .map_err(|_| "the node's service proxy is not running".to_string())?;
        match tokio::time::timeout(JOIN_TIMEOUT, answer).await {
            Ok(Ok(Ok(()))) => {
                self.joined
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(uid.to_string());
                Ok(())
            }
            Ok(Ok(Err(e))) => Err(e),
            _ => Err("the node's service proxy did not answer".into()),
        }
    }

    /// Stops serving pod `uid`'s namespace (its sockets close).
    pub fn leave(&self, uid: &str) {
        let was = self
            .joined
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uid);
        if was {
            let _ = self.tx.send(PodNet::Leave(uid.to_string()));
        }
    }
}

/// Where a route listens: on the node, or in every served pod namespace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Listen {
    pub in_pods: bool,
    pub addr: SocketAddr,
    pub protocol: Protocol,
}

/// One listening address and where its clients go.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub listen: Listen,
    pub target: Target,
}

/// The node a plan is for.
pub struct Here<'a> {
    /// Its name (endpoints' `nodeName`).
    pub node: &'a str,
    /// The address it registered: it serves a load balancer whose status lists it.
    pub address: &'a str,
    /// Where cluster ports are served (loopback, the Docker gateway).
    pub local: &'a [IpAddr],
    /// A host outside the cluster (the one `ork up --machines` runs on):
    /// it serves cluster IPs only, never node or load balancer ports.
    pub outside: bool,
}

/// What to listen on and where to send, from the services and endpoints.
/// Ports without ready endpoints (for the policy in force) are left out
/// (refused); of two load balancers wanting one port, the first by
/// namespace and name has it. Pure.
pub fn plan(
    services: &BTreeMap<(String, String), Arc<Service>>,
    endpoints: &BTreeMap<(String, String), Arc<Endpoints>>,
    here: &Here<'_>,
) -> Vec<Route> {
    let mut out = vec![];
    let mut lb_ports: HashSet<(u16, Protocol)> = HashSet::new();
    for (key, s) in services {
        let Some(ep) = endpoints.get(key) else {
            continue;
        };
        let cluster_ip: Option<IpAddr> = s.spec.cluster_ip.parse().ok();
        let serves_lb = s.is_load_balancer() && s.ingress_ips().iter().any(|ip| ip == here.address);
        let allow: Vec<Cidr> = s
            .spec
            .load_balancer_source_ranges
            .iter()
            .filter_map(|r| r.parse().ok())
            .collect();
        for p in &s.spec.ports {
            let all: Vec<(SocketAddr, bool)> = ep
                .ready_on_nodes(&p.name)
                .into_iter()
                .filter_map(|(ip, port, node)| {
                    let ip: IpAddr = ip.parse().ok()?;
                    Some((
                        SocketAddr::new(ip, u16::try_from(port).ok()?),
                        node == here.node,
                    ))
                })
                .collect();
            let pick = |local_only: bool| -> Vec<SocketAddr> {
                let mut v: Vec<SocketAddr> = all
                    .iter()
                    .filter(|(_, mine)| *mine || !local_only)
                    .map(|(a, _)| *a)
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            let target = |backends: Vec<SocketAddr>, allow: Vec<Cidr>| Target {
                backends,
                affinity: s.affinity_timeout(),
                allow,
            };
            let mut push = |in_pods: bool, addr: SocketAddr, t: &Target| {
                out.push(Route {
                    listen: Listen {
                        in_pods,
                        addr,
                        protocol: p.protocol,
                    },
                    target: t.clone(),
                });
            };
            let internal = pick(s.internal_local());
            if !internal.is_empty() {
                let t = target(internal, vec![]);
                if let (Some(ip), Ok(port)) = (cluster_ip, u16::try_from(p.port)) {
                    push(false, SocketAddr::new(ip, port), &t);
                    push(true, SocketAddr::new(ip, port), &t);
                }
                if let Some(c) = p.cluster_port.and_then(|c| u16::try_from(c).ok()) {
                    for ip in here.local {
                        push(false, SocketAddr::new(*ip, c), &t);
                    }
                }
            }
            let external = pick(s.external_local());
            if here.outside || external.is_empty() || !s.is_node_port() {
                continue;
            }
            let any = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
            if let Some(n) = p.node_port.and_then(|n| u16::try_from(n).ok()) {
                push(
                    false,
                    SocketAddr::new(any, n),
                    &target(external.clone(), vec![]),
                );
            }
            if let Ok(port) = u16::try_from(p.port)
                && serves_lb
                && lb_ports.insert((port, p.protocol))
            {
                push(
                    false,
                    SocketAddr::new(any, port),
                    &target(external, allow.clone()),
                );
            }
        }
    }
    out.sort_by(|a, b| a.listen.cmp(&b.listen));
    out
}

/// A listener: where it sends, and the task serving it.
struct Active {
    target: Arc<RwLock<Target>>,
    task: JoinHandle<()>,
}

/// Listeners by namespace (`None`: the node's; else a pod uid) and address.
type Listeners = HashMap<(Option<String>, Listen), Active>;

fn start(bound: netns::Bound, target: Target) -> std::io::Result<Active> {
    let shared = Shared::new(target);
    let t = shared.target.clone();
    let task = match bound {
        netns::Bound::Tcp(l) => tokio::spawn(relay::serve_tcp(
            tokio::net::TcpListener::from_std(l)?,
            shared,
        )),
        netns::Bound::Udp(u) => tokio::spawn(relay::serve_udp(
            tokio::net::UdpSocket::from_std(u)?,
            shared,
        )),
    };
    Ok(Active { target: t, task })
}

/// Applies a plan: new addresses are bound (on the node, and in each pod
/// namespace of `pods`), gone ones closed, targets swapped in place
/// (connections already open stay on theirs). Returns, per pod, why its
/// namespace could not be entered.
async fn apply(
    listeners: &mut Listeners,
    routes: &[Route],
    pods: &BTreeMap<String, PathBuf>,
) -> BTreeMap<String, String> {
    let mut want: HashMap<(Option<String>, Listen), Target> = HashMap::new();
    for r in routes {
        if r.listen.in_pods {
            for uid in pods.keys() {
                want.insert((Some(uid.clone()), r.listen.clone()), r.target.clone());
            }
        } else {
            want.insert((None, r.listen.clone()), r.target.clone());
        }
    }
    listeners.retain(|k, l| {
        let keep = want.contains_key(k);
        if !keep {
            l.task.abort();
        }
        keep
    });
    // What is new, by namespace.
    let mut new: BTreeMap<Option<String>, Vec<(Listen, Target)>> = BTreeMap::new();
    for (k, t) in want {
        if let Some(l) = listeners.get(&k) {
            let mut cur = l.target.write().unwrap_or_else(|e| e.into_inner());
            if *cur != t {
                *cur = t;
            }
            continue;
        }
        new.entry(k.0).or_default().push((k.1, t));
    }
    let mut failed = BTreeMap::new();
    for (ns, list) in new {
        let addrs: Vec<(SocketAddr, Protocol)> =
            list.iter().map(|(l, _)| (l.addr, l.protocol)).collect();
        let bound: std::io::Result<Vec<std::io::Result<netns::Bound>>> = match &ns {
            None => Ok(addrs.into_iter().map(|(a, p)| netns::bind(a, p)).collect()),
            Some(uid) => {
                let Some(path) = pods.get(uid).cloned() else {
                    continue;
                };
                tokio::task::spawn_blocking(move || netns::bind_in(&path, addrs))
                    .await
                    .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
            }
        };
        let bound = match bound {
            Ok(b) => b,
            Err(e) => {
                if let Some(uid) = &ns {
                    failed.insert(
                        uid.clone(),
                        format!("entering the pod's network namespace: {e}"),
                    );
                }
                continue;
            }
        };
        for ((listen, target), b) in list.into_iter().zip(bound) {
            match b.and_then(|b| start(b, target)) {
                Ok(a) => {
                    listeners.insert((ns.clone(), listen), a);
                }
                Err(e) => {
                    tracing::warn!(addr = %listen.addr, protocol = ?listen.protocol, pod_uid = ?ns, error = %e, "service proxy cannot listen")
                }
            }
        }
    }
    failed
}

/// Runs the proxy until shutdown: `node` is this node's name, `address`
/// the one it registered, `local` where cluster ports are served; the
/// services come from `services`' view.
pub async fn run(
    node: String,
    address: String,
    local: Vec<IpAddr>,
    services: Services,
    shutdown: watch::Receiver<bool>,
) {
    let here = Here {
        node: &node,
        address: &address,
        local: &local,
        outside: false,
    };
    serve(&here, services, shutdown).await
}

/// Serves the cluster IPs (only) on this host's loopback until shutdown,
/// for a host that runs no node but reaches the nodes' pods: the one that
/// runs `ork up --machines docker`. It watches Services and Endpoints
/// itself ([`services::run`]).
pub async fn run_outside(client: Client, shutdown: watch::Receiver<bool>) {
    let here = Here {
        node: "",
        address: "",
        local: &[],
        outside: true,
    };
    let (feed, view) = services::channel();
    tokio::join!(
        services::run(client, feed, shutdown.clone()),
        serve(&here, Services::new(view), shutdown)
    );
}

async fn serve(here: &Here<'_>, services: Services, mut shutdown: watch::Receiver<bool>) {
    let mut view = services.view.clone();
    let Some(mut pod_nets) = services.rx.lock().unwrap_or_else(|e| e.into_inner()).take() else {
        tracing::error!("the service proxy is already running");
        return;
    };
    let mut now: Arc<Snapshot> = Arc::default();
    let mut listeners: Listeners = HashMap::new();
    let mut pods: BTreeMap<String, PathBuf> = BTreeMap::new();
    loop {
        let mut waiting: Vec<(String, oneshot::Sender<Result<(), String>>)> = vec![];
        tokio::select! {
            s = view.next() => {
                let Some(s) = s else { break };
                now = s;
            }
            m = pod_nets.recv() => {
                let Some(m) = m else { break };
                let mut next = Some(m);
                while let Some(m) = next.take() {
                    match m {
                        PodNet::Join { uid, path, done } => {
                            if pods.get(&uid) != Some(&path) {
                                // A new sandbox: its old sockets go.
                                listeners.retain(|(ns, _), l| {
                                    let keep = ns.as_deref() != Some(uid.as_str());
                                    if !keep {
                                        l.task.abort();
                                    }
                                    keep
                                });
                                pods.insert(uid.clone(), path);
                            }
                            waiting.push((uid, done));
                        }
                        PodNet::Leave(uid) => {
                            pods.remove(&uid);
                        }
                    }
                    next = pod_nets.try_recv().ok();
                }
            }
            _ = shutdown.changed() => break,
        }
        let routes = plan(&now.services, &now.endpoints, here);
        let failed = apply(&mut listeners, &routes, &pods).await;
        for uid in failed.keys() {
            pods.remove(uid);
        }
        for (uid, done) in waiting {
            let _ = done.send(match failed.get(&uid) {
                Some(why) => Err(why.clone()),
                None => Ok(()),
            });
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

    fn svc(name: &str, type_: &str) -> Service {
        let mut s = Service::test(name);
        s.spec.type_ = type_.into();
        s.spec.cluster_ip = "127.77.0.20".into();
        s.spec.ports[0].cluster_port = Some(20001);
        s.spec.ports[0].node_port = (type_ != "ClusterIP").then_some(30001);
        s
    }

    /// Endpoints on 127.0.0.1: (port, node) ready, and not-ready ports.
    fn eps(name: &str, ready: &[(u16, &str)], not_ready: &[u16]) -> Arc<Endpoints> {
        let mut e: Endpoints = new_object("default", name);
        let addr = |node: &str| EndpointAddress {
            ip: "127.0.0.1".into(),
            node_name: node.into(),
            ..Default::default()
        };
        let ports = |p: u16| {
            vec![EndpointPort {
                port: i32::from(p),
                ..Default::default()
            }]
        };
        e.subsets = ready
            .iter()
            .map(|(p, n)| EndpointSubset {
                addresses: vec![addr(n)],
                ports: ports(*p),
                ..Default::default()
            })
            .chain(not_ready.iter().map(|p| EndpointSubset {
                not_ready_addresses: vec![addr("n1")],
                ports: ports(*p),
                ..Default::default()
            }))
            .collect();
        Arc::new(e)
    }

    fn k(n: &str) -> (String, String) {
        ("default".into(), n.into())
    }

    fn here(local: &[IpAddr]) -> Here<'_> {
        Here {
            node: "n1",
            address: "10.0.0.1",
            local,
            outside: false,
        }
    }

    /// `[pod:]addr/proto -> backend ports` of each route.
    fn show(routes: &[Route]) -> Vec<String> {
        routes
            .iter()
            .map(|r| {
                let ports: Vec<String> = r
                    .target
                    .backends
                    .iter()
                    .map(|b| b.port().to_string())
                    .collect();
                format!(
                    "{}{}/{:?} -> {}",
                    if r.listen.in_pods { "pod:" } else { "" },
                    r.listen.addr,
                    r.listen.protocol,
                    ports.join(",")
                )
            })
            .collect()
    }

    #[test]
    fn only_ready_endpoints_are_backends_and_none_means_no_listener() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let services = BTreeMap::from([
            (k("a"), Arc::new(svc("a", "ClusterIP"))),
            (k("b"), Arc::new(svc("b", "NodePort"))),
        ]);
        let endpoints = BTreeMap::from([
            (k("a"), eps("a", &[(5001, "n1"), (5002, "n2")], &[5003])),
            (k("b"), eps("b", &[], &[6001])),
        ]);
        let lo = [lo];
        assert_eq!(
            show(&plan(&services, &endpoints, &here(&lo))),
            [
                "127.0.0.1:20001/TCP -> 5001,5002",
                "127.77.0.20:80/TCP -> 5001,5002",
                "pod:127.77.0.20:80/TCP -> 5001,5002",
            ]
        );
        let endpoints = BTreeMap::from([(k("b"), eps("b", &[(6001, "n2")], &[]))]);
        assert_eq!(
            show(&plan(&services, &endpoints, &here(&lo))),
            [
                "0.0.0.0:30001/TCP -> 6001",
                "127.0.0.1:20001/TCP -> 6001",
                "127.77.0.20:80/TCP -> 6001",
                "pod:127.77.0.20:80/TCP -> 6001",
            ]
        );
    }

    #[test]
    fn a_host_outside_the_cluster_serves_cluster_ips_only() {
        let services = BTreeMap::from([(k("b"), Arc::new(svc("b", "LoadBalancer")))]);
        let endpoints = BTreeMap::from([(k("b"), eps("b", &[(6001, "n2")], &[]))]);
        let outside = Here {
            node: "",
            address: "",
            local: &[],
            outside: true,
        };
        assert_eq!(
            show(&plan(&services, &endpoints, &outside)),
            [
                "127.77.0.20:80/TCP -> 6001",
                "pod:127.77.0.20:80/TCP -> 6001",
            ]
        );
    }

    #[test]
    fn local_traffic_policies_keep_to_this_nodes_endpoints() {
        let mut s = svc("a", "NodePort");
        s.spec.internal_traffic_policy = "Local".into();
        let services = BTreeMap::from([(k("a"), Arc::new(s.clone()))]);
        let endpoints = BTreeMap::from([(k("a"), eps("a", &[(5001, "n1"), (5002, "n2")], &[]))]);
        assert_eq!(
            show(&plan(&services, &endpoints, &here(&[]))),
            [
                "0.0.0.0:30001/TCP -> 5001,5002",
                "127.77.0.20:80/TCP -> 5001",
                "pod:127.77.0.20:80/TCP -> 5001",
            ]
        );
        // No local endpoint: the node port is not served here at all.
        s.spec.internal_traffic_policy.clear();
        s.spec.external_traffic_policy = "Local".into();
        let services = BTreeMap::from([(k("a"), Arc::new(s))]);
        let endpoints = BTreeMap::from([(k("a"), eps("a", &[(5002, "n2")], &[]))]);
        assert_eq!(
            show(&plan(&services, &endpoints, &here(&[]))),
            [
                "127.77.0.20:80/TCP -> 5002",
                "pod:127.77.0.20:80/TCP -> 5002"
            ]
        );
    }

    #[test]
    fn a_load_balancer_is_served_where_its_status_lists_the_node_first_come_per_port() {
        let lb = |name: &str, ip: &str| {
            let mut s = svc(name, "LoadBalancer");
            s.spec.cluster_ip = ip.into();
            s.spec.ports[0].protocol = Protocol::UDP;
            s.spec.load_balancer_source_ranges = vec!["127.0.0.1/32".into()];
            s.status.load_balancer = serde_json::json!({"ingress": [{"ip": "10.0.0.1"}]})
                .as_object()
                .unwrap()
                .clone();
            s
        };
        let mut elsewhere = lb("c", "127.77.0.22");
        elsewhere.status.load_balancer = serde_json::json!({"ingress": [{"ip": "10.0.0.2"}]})
            .as_object()
            .unwrap()
            .clone();
        let services = BTreeMap::from([
            (k("a"), Arc::new(lb("a", "127.77.0.20"))),
            (k("b"), Arc::new(lb("b", "127.77.0.21"))),
            (k("c"), Arc::new(elsewhere)),
        ]);
        let endpoints = BTreeMap::from([
            (k("a"), eps("a", &[(5001, "n1")], &[])),
            (k("b"), eps("b", &[(5002, "n1")], &[])),
            (k("c"), eps("c", &[(5003, "n1")], &[])),
        ]);
        let routes = plan(&services, &endpoints, &here(&[]));
        let lb_port: Vec<&Route> = routes
            .iter()
            .filter(|r| r.listen.addr.to_string() == "0.0.0.0:80")
            .collect();
        assert_eq!(lb_port.len(), 1, "{:?}", show(&routes));
        assert_eq!(lb_port[0].target.backends[0].port(), 5001);
        assert_eq!(lb_port[0].listen.protocol, Protocol::UDP);
        assert_eq!(lb_port[0].target.allow.len(), 1);
        // The cluster IPs carry no source ranges.
        let cip = routes
            .iter()
            .find(|r| r.listen.addr.to_string() == "127.77.0.20:80")
            .unwrap();
        assert!(cip.target.allow.is_empty());
    }
}
