//! Sockets of the cluster DNS inside Docker pods' network namespaces: for
//! each pod, a thread of the node daemon enters the namespace of the pod's
//! sandbox (`/proc/<pid>/ns/net`), binds UDP and TCP on the cluster DNS
//! address there, and leaves; the sockets stay in that namespace and are
//! served by the node's one [`Dns`]. So a pod reaches `127.77.0.10:53` on
//! its own loopback, every node of a machine (and every cluster) has its
//! own, and nothing listens on the Docker bridge.
//!
//! Entering a namespace needs CAP_SYS_ADMIN (a node running as root);
//! without it [`PodSockets::attach`] fails and the pod keeps the engine's
//! resolv.conf (the caller says so in an Event).

use super::server::{Dns, Handler};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// The per-pod servers, by pod uid; dropping one closes its sockets.
#[derive(Clone)]
pub struct PodSockets {
    dns: Dns,
    addr: SocketAddr,
    servers: Arc<Mutex<HashMap<String, hickory_server::Server<Handler>>>>,
}

/// Binds the cluster DNS address in the network namespace of process `pid`.
fn bind_in(
    pid: i32,
    addr: SocketAddr,
) -> Result<(std::net::UdpSocket, std::net::TcpListener), String> {
    let path = format!("/proc/{pid}/ns/net");
    let ns = std::fs::File::open(&path).map_err(|e| format!("opening {path}: {e}"))?;
    // A thread of its own: setns changes only the calling thread, which
    // ends here and so never runs anything else in the pod's namespace.
    std::thread::spawn(move || {
        nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWNET)
            .map_err(|e| format!("entering the pod's network namespace: {e}"))?;
        super::bind(addr).map_err(|e| format!("listening on {addr} in the pod: {e}"))
    })
    .join()
    .map_err(|_| "the thread entering the pod's network namespace panicked".to_string())?
}

impl PodSockets {
    pub fn new(dns: Dns, addr: SocketAddr) -> PodSockets {
        PodSockets {
            dns,
            addr,
            servers: Arc::default(),
        }
    }

    /// The address pods are told to use.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves the cluster DNS inside the network namespace of process
    /// `pid` (a pod's sandbox), for pod `uid`; replaces an earlier one.
    pub async fn attach(&self, uid: &str, pid: i32) -> Result<(), String> {
        let addr = self.addr;
        let (u, t) = tokio::task::spawn_blocking(move || bind_in(pid, addr))
            .await
            .map_err(|e| e.to_string())??;
        let u = tokio::net::UdpSocket::from_std(u).map_err(|e| e.to_string())?;
        let t = tokio::net::TcpListener::from_std(t).map_err(|e| e.to_string())?;
        let server = self.dns.serve(u, Some(t));
        self.servers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uid.to_string(), server);
        Ok(())
    }

    /// Whether pod `uid` has its sockets.
    pub fn has(&self, uid: &str) -> bool {
        self.servers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(uid)
    }

    /// Closes pod `uid`'s sockets (its namespace can then go).
    pub fn detach(&self, uid: &str) {
        self.servers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uid);
    }

    pub fn close_all(&self) {
        self.servers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
