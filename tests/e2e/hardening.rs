//! The control daemon under clients that are slow on purpose, and its
//! certificates renewing while everything keeps running.

use crate::harness::{Cluster, Deploy, wait_for};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A connection that sends half of something and waits.
enum Held {
    Tcp(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Held {
    /// Whether the server has closed it (a read ends or fails).
    fn closed(&mut self) -> bool {
        let mut b = [0u8; 64];
        let r = match self {
            Held::Tcp(s) => {
                s.set_read_timeout(Some(Duration::from_millis(1))).unwrap();
                s.read(&mut b)
            }
            Held::Tls(s) => {
                s.sock
                    .set_read_timeout(Some(Duration::from_millis(1)))
                    .unwrap();
                s.read(&mut b)
            }
        };
        match r {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        }
    }
}

#[test]
fn half_open_connections_neither_keep_an_admin_out_nor_stay_open() {
    ork::sys::raise_fd_limit();
    ork::tls::install_crypto();
    let c = Cluster::start(1, "fake");
    let addr = c.url.trim_start_matches("https://").to_string();
    let pem = std::fs::read(c.ca_file()).unwrap();
    let roots = ork::tls::roots(&ork::tls::certs_from_pem(&pem, "ca").unwrap()).unwrap();
    let config = Arc::new(ork::tls::client_config(roots, None).unwrap());
    let mut held = Vec::with_capacity(3000);
    // Half a TLS ClientHello: the record header and a few bytes of it.
    for _ in 0..1500 {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(&[
            0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
        ])
        .unwrap();
        held.push(Held::Tcp(s));
    }
    // A whole handshake, then half a request's headers.
    for _ in 0..1500 {
        let sock = TcpStream::connect(&addr).unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let conn = rustls::ClientConnection::new(config.clone(), name).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, sock);
        // The write drives the handshake.
        if tls
            .write_all(b"GET /api/v1/nodes HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .is_ok()
        {
            held.push(Held::Tls(Box::new(tls)));
        }
    }
    let opened = held.len();
    assert!(opened >= 2900, "only {opened} connections opened");
    // The admin is served at once meanwhile.
    let t = Instant::now();
    let out = c.ok(&["get", "nodes"]);
    let took = t.elapsed();
    assert!(out.contains("n1"), "{out}");
    assert!(took < Duration::from_secs(2), "ork get nodes took {took:?}");
    eprintln!("with {opened} half-open connections, ork get nodes answered in {took:?}");
    // The server closes every one of them within 15 s.
    let t = Instant::now();
    wait_for(
        "every half-open connection closed",
        Duration::from_secs(15),
        || {
            held.retain_mut(|h| !h.closed());
            held.is_empty().then_some(())
        },
    );
    eprintln!("all closed after {:?}", t.elapsed());
}

/// The first certificate of a PEM file.
fn leaf(path: &std::path::Path) -> Vec<u8> {
    let pem = std::fs::read(path).unwrap();
    ork::tls::certs_from_pem(&pem, "t").unwrap()[0].to_vec()
}

/// The node's client certificate, from its kubeconfig.
fn node_leaf(c: &Cluster) -> Vec<u8> {
    let k = ork::client::Kubeconfig::read(&c.nodes[0].dir.join("node.kubeconfig"))
        .unwrap()
        .unwrap();
    let creds = k.credentials(None, &c.nodes[0].dir).unwrap();
    ork::tls::certs_from_pem(&creds.client_cert_pem.unwrap(), "t").unwrap()[0].to_vec()
}

#[test]
fn certificates_renew_before_expiry_without_restarting_anything() {
    // Certificates live 24 s, so each renews in its last third, from 16 s.
    let c = Cluster::start_with(1, "process", &["--cert-validity", "24s"]);
    c.apply(&Deploy::new("steady", 1).yaml());
    let pods = c.wait_running("app=steady", 1);
    let name = pods[0]["metadata"]["name"].as_str().unwrap().to_string();
    let container = pods[0]["status"]["containerStatuses"][0]["containerID"].clone();
    let serving = leaf(&c.data().join("server.crt"));
    let node = node_leaf(&c);
    wait_for(
        "the API and node certificates renewed",
        Duration::from_secs(40),
        || (leaf(&c.data().join("server.crt")) != serving && node_leaf(&c) != node).then_some(()),
    );
    // Past the first certificates' expiry: nothing can be using them.
    let first = rustls::pki_types::CertificateDer::from(serving);
    let expiry = ork::tls::not_after(&first).unwrap();
    wait_for(
        "the first certificates to expire",
        Duration::from_secs(40),
        || (std::time::SystemTime::now() > expiry + Duration::from_secs(1)).then_some(()),
    );
    // The API serves, the node still reports, logs and exec still reach the
    // node (the control daemon's own certificate renewed too), and the pod
    // is the same process.
    let p = c.json(&["get", "pod", &name]).unwrap();
    assert_eq!(
        p["status"]["containerStatuses"][0]["containerID"],
        container
    );
    assert_eq!(p["status"]["containerStatuses"][0]["restartCount"], 0);
    let n = c.json(&["get", "node", "n1"]).unwrap();
    assert!(
        n["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True"),
        "{n}"
    );
    let out = c.ork(&["exec", &name, "--", "echo", "still here"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "still here\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    c.ok(&["logs", &name]);
}
