//! The ingress server every node runs: HTTP on `--ingress-port` (default
//! 80) and HTTPS on `--ingress-tls-port` (default 443) on all of the
//! node's addresses, serving the Ingresses of ork's IngressClass
//! ([`crate::api::ingress`]): it watches Ingresses and IngressClasses,
//! follows the node's view of Services and Endpoints
//! ([`crate::node::services`]), and reads the `kubernetes.io/tls` Secrets
//! the Ingresses name. [`route`] decides where a request goes (pure),
//! [`certs`] which certificate a TLS client gets (pure), [`serve`] does
//! the I/O.
//!
//! The ports are bound before the node registers, and the Node carries
//! the labels [`crate::api::ingress::HTTP_PORT_LABEL`] and
//! [`crate::api::ingress::HTTPS_PORT_LABEL`] for the ports it really
//! serves; the control daemon lists those nodes' addresses in the
//! Ingresses' `status.loadBalancer`. A port that cannot be bound (taken,
//! or below 1024 without the privilege) is logged and reported as a
//! Warning event on the Node, and the node runs on without it. Port 0
//! turns a listener off.
//!
//! Secrets are read when an Ingress first names them and again every few
//! seconds, so a renewed certificate is served within [`SECRET_REFRESH`].
//!
//! Talks to the API only through `client`; must not import `control`,
//! `cli` or `tui`, nor the service proxy's internals.

pub mod certs;
pub mod route;
pub mod serve;

use crate::api::ingress::{CLASS, HTTP_PORT_LABEL, HTTPS_PORT_LABEL, Ingress, IngressClass};
use crate::api::{AnyObject, Kind, Secret};
use crate::client::{Client, ListParams, watcher};
use crate::node::services::{Snapshot, View, follow};
use futures::{FutureExt, StreamExt};
use route::ByKey;
use rustls::sign::CertifiedKey;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How often the Secrets of served TLS hosts are read again.
pub const SECRET_REFRESH: Duration = Duration::from_secs(5);

/// The ports a node serves Ingresses on; 0 turns one off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ports {
    pub http: u16,
    pub https: u16,
}

impl Ports {
    /// Kubernetes' usual ports: 80 and 443.
    pub const STANDARD: Ports = Ports {
        http: 80,
        https: 443,
    };

    /// The ports of the `i`-th (from 0) of several nodes on one machine:
    /// each non-zero port moved up by `i`, so they do not collide.
    pub fn nth(self, i: u16) -> Ports {
        let shift = |p: u16| if p == 0 { 0 } else { p.saturating_add(i) };
        Ports {
            http: shift(self.http),
            https: shift(self.https),
        }
    }
}

/// The listeners a node could open, and why the others could not be.
#[derive(Default)]
pub struct Bound {
    http: Option<TcpListener>,
    https: Option<TcpListener>,
    /// One line per port that could not be bound.
    pub failures: Vec<String>,
}

impl Bound {
    /// The Node labels for the ports really served.
    pub fn labels(&self) -> Vec<(String, String)> {
        let port = |l: &Option<TcpListener>| {
            l.as_ref()
                .and_then(|l| l.local_addr().ok())
                .map(|a| a.port().to_string())
        };
        [
            (HTTP_PORT_LABEL, port(&self.http)),
            (HTTPS_PORT_LABEL, port(&self.https)),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v?)))
        .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }
}

fn bind_one(port: u16, what: &str, failures: &mut Vec<String>) -> Option<TcpListener> {
    if port == 0 {
        return None;
    }
    let addr = SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port);
    let bound = (|| {
        let s = tokio::net::TcpSocket::new_v4()?;
        s.set_reuseaddr(true)?;
        s.bind(addr)?;
        s.listen(1024)
    })();
    match bound {
        Ok(l) => Some(l),
        Err(e) => {
            let hint = match e.kind() {
                std::io::ErrorKind::AddrInUse => {
                    " (another program serves it; choose another port)"
                }
                std::io::ErrorKind::PermissionDenied => {
                    " (ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a port of 1024 or more)"
                }
                _ => "",
            };
            let line = format!(
                "cannot serve Ingress {what} on port {port}: {e}{hint}; the node runs without it (--ingress-{}port)",
                if what == "HTTPS" { "tls-" } else { "" }
            );
            tracing::warn!("{line}");
            failures.push(line);
            None
        }
    }
}

/// Binds the ingress ports on every address of the machine.
pub fn bind(ports: Ports) -> Bound {
    let mut failures = vec![];
    let http = bind_one(ports.http, "HTTP", &mut failures);
    let https = bind_one(ports.https, "HTTPS", &mut failures);
    Bound {
        http,
        https,
        failures,
    }
}

/// What the server knows of the cluster.
#[derive(Default)]
struct World {
    ingresses: ByKey<Ingress>,
    classes: ByKey<IngressClass>,
    /// The Services and Endpoints.
    cluster: Arc<Snapshot>,
    /// Certificates by Secret, with the resourceVersion they were read at.
    keys: BTreeMap<(String, String), (String, Arc<CertifiedKey>)>,
    /// The last problem reported per Secret (reported once until it changes).
    problems: BTreeMap<(String, String), String>,
}

impl World {
    /// The Ingresses ork serves, oldest first.
    fn served(&self) -> Vec<Arc<Ingress>> {
        let ork_default = self
            .classes
            .get(&(String::new(), CLASS.to_string()))
            .is_some_and(|c| c.is_default());
        let mut v: Vec<Arc<Ingress>> = self
            .ingresses
            .values()
            .filter(|i| i.served_by_ork(ork_default))
            .cloned()
            .collect();
        v.sort_by(|a, b| {
            let k = |i: &Ingress| {
                (
                    i.metadata.creation_timestamp,
                    i.metadata.namespace.clone(),
                    i.metadata.name.clone(),
                )
            };
            k(a).cmp(&k(b))
        });
        v
    }

    /// The Secrets the served Ingresses name for TLS.
    fn wanted_secrets(served: &[Arc<Ingress>]) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = served
            .iter()
            .flat_map(|i| {
                i.spec
                    .tls
                    .iter()
                    .filter(|t| !t.secret_name.is_empty())
                    .map(|t| (i.metadata.namespace.clone(), t.secret_name.clone()))
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Reads the wanted Secrets (all of them when `all`, else the ones not
    /// read yet); returns whether a certificate changed.
    async fn read_secrets(&mut self, client: &Client, served: &[Arc<Ingress>], all: bool) -> bool {
        let wanted = Self::wanted_secrets(served);
        let before = self.keys.len();
        self.keys.retain(|k, _| wanted.contains(k));
        let mut changed = self.keys.len() != before;
        for k in wanted {
            if !all && self.keys.contains_key(&k) {
                continue;
            }
            let problem = match client.get::<Secret>(&k.0, &k.1).await {
                Ok(s) => {
                    let rv = s.metadata.resource_version.clone();
                    if self.keys.get(&k).is_some_and(|(v, _)| *v == rv) {
                        continue;
                    }
                    match certs::certified_key(&s) {
                        Ok(c) => {
                            self.keys.insert(k.clone(), (rv, Arc::new(c)));
                            self.problems.remove(&k);
                            changed = true;
                            continue;
                        }
                        Err(e) => e,
                    }
                }
                Err(e) if e.is_not_found() => "not found".to_string(),
                Err(e) => {
                    tracing::debug!(secret = %format!("{}/{}", k.0, k.1), error = %e, "ingress: reading a TLS secret failed");
                    continue;
                }
            };
            changed |= self.keys.remove(&k).is_some();
            if self.problems.get(&k) != Some(&problem) {
                tracing::warn!(secret = %format!("{}/{}", k.0, k.1), "ingress TLS secret unusable: {problem}");
                self.problems.insert(k, problem);
            }
        }
        changed
    }

    fn cert_table(&self, served: &[Arc<Ingress>]) -> certs::CertTable {
        let keys: ByKey<CertifiedKey> = self
            .keys
            .iter()
            .map(|(k, (_, c))| (k.clone(), c.clone()))
            .collect();
        certs::CertTable::build(served, &keys)
    }
}

/// Serves the bound listeners until shutdown, following the cluster
/// (Services and Endpoints through `view`).
pub async fn run(
    client: Client,
    mut view: View,
    bound: Bound,
    mut shutdown: watch::Receiver<bool>,
) {
    if bound.is_empty() {
        return;
    }
    let shared = Arc::new(serve::Shared::default());
    let resolver = Arc::new(certs::Resolver::default());
    let mut tasks = vec![];
    if let Some(l) = bound.http {
        tasks.push(tokio::spawn(serve::serve(
            l,
            shared.clone(),
            None,
            shutdown.clone(),
        )));
    }
    if let Some(l) = bound.https {
        match tls_acceptor(resolver.clone()) {
            Ok(a) => tasks.push(tokio::spawn(serve::serve(
                l,
                shared.clone(),
                Some(a),
                shutdown.clone(),
            ))),
            Err(e) => tracing::warn!(error = %e, "ingress HTTPS cannot start"),
        }
    }
    let tagged = |kind: Kind| {
        watcher(client.clone(), kind, None, ListParams::default()).map(move |c| (kind, c))
    };
    let mut changes = std::pin::pin!(futures::stream::select_all([
        tagged(Kind::Ingress).boxed(),
        tagged(Kind::IngressClass).boxed(),
    ]));
    let mut world = World::default();
    let mut refresh = tokio::time::interval(SECRET_REFRESH);
    refresh.tick().await;
    loop {
        let mut batch = vec![];
        let all_secrets = tokio::select! {
            c = changes.next() => match c { Some(c) => { batch.push(c); false } None => break },
            s = view.next() => match s { Some(s) => { world.cluster = s; false } None => break },
            _ = refresh.tick() => true,
            _ = shutdown.changed() => break,
        };
        // Take whatever else is ready, then rebuild once.
        while let Some(Some(c)) = changes.next().now_or_never() {
            batch.push(c);
        }
        if let Some(Some(s)) = view.next().now_or_never() {
            world.cluster = s;
        }
        for (kind, c) in batch {
            match kind {
                Kind::Ingress => follow(&mut world.ingresses, c, |o| match o {
                    AnyObject::Ingress(i) => Some(i),
                    _ => None,
                }),
                _ => follow(&mut world.classes, c, |o| match o {
                    AnyObject::IngressClass(i) => Some(i),
                    _ => None,
                }),
            };
        }
        let served = world.served();
        shared.set_table(route::Table::build(
            &served,
            &world.cluster.services,
            &world.cluster.endpoints,
        ));
        if world.read_secrets(&client, &served, all_secrets).await || !all_secrets {
            resolver.set(world.cert_table(&served));
        }
    }
    for t in tasks {
        t.abort();
    }
}

/// The HTTPS side: TLS 1.2/1.3, HTTP/1.1, certificates by SNI.
fn tls_acceptor(
    resolver: Arc<certs::Resolver>,
) -> Result<tokio_rustls::TlsAcceptor, rustls::Error> {
    crate::tls::install_crypto();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut c = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    c.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_on_one_machine_take_consecutive_ports_and_zero_stays_off() {
        let p = Ports {
            http: 8080,
            https: 0,
        };
        assert_eq!(p.nth(0), p);
        assert_eq!(
            p.nth(2),
            Ports {
                http: 8082,
                https: 0
            }
        );
        assert_eq!(
            Ports::STANDARD.nth(1),
            Ports {
                http: 81,
                https: 444
            }
        );
    }

    #[tokio::test]
    async fn a_taken_port_is_reported_and_the_rest_still_binds() {
        let taken = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let b = bind(Ports {
            http: port,
            https: 0,
        });
        assert!(b.http.is_none() && b.https.is_none());
        assert_eq!(b.failures.len(), 1);
        assert!(
            b.failures[0].starts_with(&format!("cannot serve Ingress HTTP on port {port}: ")),
            "{}",
            b.failures[0]
        );
        assert!(
            b.failures[0].contains("choose another port"),
            "{}",
            b.failures[0]
        );
        assert!(b.labels().is_empty());
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let free_port = free.local_addr().unwrap().port();
        drop(free);
        let b = bind(Ports {
            http: 0,
            https: free_port,
        });
        assert_eq!(
            b.labels(),
            [(HTTPS_PORT_LABEL.to_string(), free_port.to_string())]
        );
    }
}
