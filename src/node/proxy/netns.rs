//! Listening sockets for the service proxy, on the node or inside a pod's
//! network namespace. A socket belongs to the namespace it was created in,
//! whichever thread later uses it; so a short-lived thread enters the pod's
//! namespace (`setns`, which needs CAP_SYS_ADMIN: a node running as root),
//! creates and binds the sockets there, and exits. The proxy then accepts
//! and receives on them from its ordinary tasks, and connects to endpoints
//! from the node's own namespace. `127.0.0.0/8` is the pod's own loopback
//! inside its namespace, so a cluster IP such as `127.77.0.12` binds there
//! with no routes, addresses or packet filters to add.
//!
//! Imports nothing of ork but the protocol type.

use crate::api::Protocol;
use socket2::{Domain, SockAddr, Socket, Type};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A bound socket, ready for tokio (`from_std`).
pub enum Bound {
    Tcp(std::net::TcpListener),
    Udp(std::net::UdpSocket),
}

/// Creates a listening socket at `addr` in the calling thread's namespace,
/// with SO_REUSEADDR and SO_REUSEPORT (several node daemons on one machine
/// serve the same addresses), non-blocking.
pub fn bind(addr: SocketAddr, protocol: Protocol) -> std::io::Result<Bound> {
    let domain = Domain::for_address(addr);
    let s = match protocol {
        Protocol::TCP => Socket::new(domain, Type::STREAM, Some(socket2::Protocol::TCP))?,
        Protocol::UDP => Socket::new(domain, Type::DGRAM, Some(socket2::Protocol::UDP))?,
    };
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.set_nonblocking(true)?;
    s.bind(&SockAddr::from(addr))?;
    Ok(match protocol {
        Protocol::TCP => {
            s.listen(1024)?;
            Bound::Tcp(s.into())
        }
        Protocol::UDP => Bound::Udp(s.into()),
    })
}

/// Binds `wanted` inside the network namespace at `netns` (a
/// `/proc/PID/ns/net` file) from a thread of its own, which ends once they
/// are bound. Entering the namespace failing fails them all.
pub fn bind_in(
    netns: &Path,
    wanted: Vec<(SocketAddr, Protocol)>,
) -> std::io::Result<Vec<std::io::Result<Bound>>> {
    let path: PathBuf = netns.to_path_buf();
    std::thread::Builder::new()
        .name("ork-netns".into())
        .spawn(move || {
            enter(&path)?;
            Ok(wanted.into_iter().map(|(a, p)| bind(a, p)).collect())
        })?
        .join()
        .map_err(|_| std::io::Error::other("the namespace thread panicked"))?
}

/// Moves the calling thread into the network namespace at `path`.
fn enter(path: &Path) -> std::io::Result<()> {
    let f = std::fs::File::open(path)?;
    nix::sched::setns(&f, nix::sched::CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)
}

/// Whether this node may enter pods' network namespaces: tried once, by
/// entering its own from a throwaway thread.
pub fn supported() -> Result<(), String> {
    static ANSWER: OnceLock<Result<(), String>> = OnceLock::new();
    ANSWER
        .get_or_init(|| {
            let probe = std::thread::spawn(|| enter(Path::new("/proc/self/ns/net")))
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the probe thread panicked")));
            probe.map_err(|e| {
                format!(
                    "the node cannot enter pods' network namespaces ({e}; it needs to run as root): \
                     cluster IPs are not served inside this pod; it reaches services at the node's \
                     gateway address and their cluster ports (<NAME>_SERVICE_HOST/PORT)"
                )
            })
        })
        .clone()
}
