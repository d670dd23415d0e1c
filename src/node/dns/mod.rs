//! Cluster DNS on every node: the records ([`records`], a pure function of
//! Services and Endpoints), the server that answers them and forwards other
//! names to the node's own resolvers ([`server`]), where pods find it
//! ([`netns`] for Docker pods, [`resolv`] for what goes in their
//! `resolv.conf`), and [`run`], the thin loop that keeps the records in
//! step with the node's view of Services and Endpoints
//! ([`crate::node::services`]).
//!
//! Where it listens: `--dns-addr` (default `127.77.0.10:53`) on the host's
//! loopback, for the node and its process pods; for each Docker pod, the
//! same address inside the pod's own network namespace (a socket the node
//! opens there, so no container and no engine option is needed, and
//! nothing listens on the Docker bridge). Docker pods are told to use it
//! through the engine's `dns`, `dns_search` and `dns_options`.
//!
//! Reads the API only through the services view; must not import
//! `control`, `cli` or `tui`.

pub mod netns;
pub mod records;
pub mod resolv;
pub mod server;

use crate::node::services::View;
use records::Table;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use tokio::sync::watch;

/// The address of the cluster DNS (reserved in the service range).
pub const DEFAULT_ADDR: &str = "127.77.0.10:53";

/// How a node serves DNS (`ork node`/`ork up` flags).
#[derive(Clone, Debug)]
pub struct DnsSettings {
    /// Off: no server, pods keep the engine's resolv.conf.
    pub enabled: bool,
    /// Where the node listens, and the nameserver pods are given (its port
    /// must be 53 for pods, whose resolv.conf cannot name a port).
    pub addr: SocketAddr,
    pub cluster_domain: String,
    /// Resolvers for names outside the cluster (empty: the node's
    /// `/etc/resolv.conf` at start).
    pub upstreams: Vec<SocketAddr>,
}

impl Default for DnsSettings {
    fn default() -> Self {
        DnsSettings {
            enabled: true,
            addr: SocketAddr::from(([127, 77, 0, 10], 53)),
            cluster_domain: records::CLUSTER_DOMAIN.into(),
            upstreams: vec![],
        }
    }
}

/// `IP` or `IP:PORT` (port 53 by default), for `--dns-upstream` and `--dns-addr`.
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    s.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("{s:?} is not an address (IP or IP:PORT)"))
}

/// What a node's DNS needs once settled: the settings, the upstreams
/// resolved, and the server state shared with the runtimes.
#[derive(Clone)]
pub struct NodeDns {
    pub settings: DnsSettings,
    pub dns: server::Dns,
    /// Docker pods' sockets inside their network namespaces.
    pub pods: netns::PodSockets,
}

impl NodeDns {
    /// Reads the node's resolvers (unless given) and makes the empty server state.
    pub fn new(settings: DnsSettings) -> NodeDns {
        let upstreams = if settings.upstreams.is_empty() {
            let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
            server::nameservers(&conf, &[settings.addr.ip()])
        } else {
            settings.upstreams.clone()
        };
        let dns = server::Dns::new(
            Table::build(&settings.cluster_domain, &BTreeMap::new(), &BTreeMap::new()),
            upstreams,
        );
        NodeDns {
            pods: netns::PodSockets::new(dns.clone(), settings.addr),
            settings,
            dns,
        }
    }
}

/// A UDP socket and a TCP listener on `addr`, with SO_REUSEPORT so that
/// several node daemons of one machine (`ork up --nodes 3`) share it.
pub fn bind(addr: SocketAddr) -> std::io::Result<(std::net::UdpSocket, std::net::TcpListener)> {
    use socket2::{Domain, Protocol, Socket, Type};
    let domain = Domain::for_address(addr);
    let u = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    u.set_reuse_port(true)?;
    u.set_nonblocking(true)?;
    u.bind(&addr.into())?;
    let t = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
    t.set_reuse_address(true)?;
    t.set_reuse_port(true)?;
    t.set_nonblocking(true)?;
    t.bind(&addr.into())?;
    t.listen(1024)?;
    Ok((u.into(), t.into()))
}

/// Serves DNS on the host address and keeps the records in step with the
/// Services and Endpoints of `view` until shutdown. A host address that
/// cannot be bound (not root, port taken) is logged; pods' sockets still work.
pub async fn run(mut view: View, node: NodeDns, mut shutdown: watch::Receiver<bool>) {
    let _host = match bind(node.settings.addr).and_then(|(u, t)| {
        Ok((
            tokio::net::UdpSocket::from_std(u)?,
            tokio::net::TcpListener::from_std(t)?,
        ))
    }) {
        Ok((u, t)) => {
            tracing::info!(addr = %node.settings.addr, "cluster DNS listening");
            Some(node.dns.serve(u, Some(t)))
        }
        Err(e) => {
            tracing::warn!(addr = %node.settings.addr, error = %e, "cluster DNS cannot listen on the host");
            None
        }
    };
    loop {
        let now = tokio::select! {
            s = view.next() => match s { Some(s) => s, None => break },
            _ = shutdown.changed() => break,
        };
        node.dns.set_table(Table::build(
            &node.settings.cluster_domain,
            &now.services,
            &now.endpoints,
        ));
    }
    node.pods.close_all();
}
