//! A node's identity: the client certificate `system:node:<name>` that
//! authenticates it to the control daemon and serves its own endpoint.
//!
//! # Expected flow
//!
//! 1. First start: the node makes a key (it never leaves the data dir),
//!    reads its join token `K10<ca hash>::<id>.<secret>`, and connects to
//!    the server trusting only a CA whose public key hashes to `<ca hash>`.
//!    Only once that TLS handshake has passed does it send the token, with a
//!    certificate request for its key. The answer (its certificate and the
//!    CA) goes into `node.kubeconfig` (0600) in the data dir.
//! 2. Later starts use `node.kubeconfig`; the join token is not needed.
//! 3. In the last third of its validity the certificate is renewed (a new
//!    key, authenticated by the current certificate) and swapped in place:
//!    connections made after it present the new one; nothing restarts.
//!
//! # Errors
//!
//! A server with another CA, a token with a changed hash, or an expired or
//! revoked token: the join fails with a message saying which, and nothing
//! secret was sent in the first two cases.
//!
//! Talks to the control daemon only through `client`.

use crate::api::wire::{self, CertificateRequest, IssuedCertificate};
use crate::client::kubeconfig::{Kubeconfig, User};
use crate::client::{Client, ClientError, Credentials};
use crate::tls::{self, LiveCert};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The file a node keeps its credentials in.
pub const KUBECONFIG: &str = "node.kubeconfig";
/// The cluster CA (the signer of the control daemon's certificate, which
/// the node's endpoint accepts), beside it.
pub const CLUSTER_CA: &str = "cluster-ca.crt";

/// Why a node could not get its credentials.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error("the join token: {0}")]
    Token(String),
    #[error(
        "this node has no credentials yet ({0} is missing): give it a join token with --token-file (print one with `ork token create --role node` on the control machine, or use DATA/node.token of ork control)"
    )]
    NoToken(PathBuf),
    #[error("joining {server}: {source}")]
    Join {
        server: String,
        #[source]
        source: ClientError,
    },
    #[error("{0}")]
    Credentials(String),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error(transparent)]
    Sys(#[from] crate::sys::SysError),
}

/// What a node presents and trusts.
#[derive(Clone, Debug)]
pub struct NodeIdentity {
    /// The server, the CA its certificate chains to, and the node's
    /// certificate and key.
    pub credentials: Credentials,
    /// The node's certificate, renewed in place.
    pub cert: LiveCert,
    /// The cluster CA, as PEM.
    pub cluster_ca: Vec<u8>,
}

impl NodeIdentity {
    /// A client of the control daemon presenting the node's certificate,
    /// over one HTTP/2 connection.
    pub fn client(&self) -> Result<Client, ClientError> {
        let c = Credentials {
            client_cert_pem: None,
            client_key_pem: None,
            ..self.credentials.clone()
        };
        Client::multiplexed(&c, Some(self.cert.clone()))
    }

    /// The cluster CA: whom the node's endpoint serves is signed by it.
    pub fn cluster_ca(
        &self,
    ) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, tls::TlsError> {
        tls::certs_from_pem(&self.cluster_ca, CLUSTER_CA)
    }
}

/// The node's credentials: from `node.kubeconfig` when it holds a valid
/// certificate for this node and this server, else by joining with the
/// join token `token` (its text, `K10<ca hash>::<id>.<secret>`).
pub async fn credentials(
    data_dir: &Path,
    server: &str,
    token: Option<&str>,
    name: &str,
    addresses: &[IpAddr],
) -> Result<NodeIdentity, JoinError> {
    let path = data_dir.join(KUBECONFIG);
    let join = token
        .map(|t| crate::api::token::parse_join(t).map_err(JoinError::Token))
        .transpose()?;
    if let Some(id) = existing(&path, server, name, join.as_ref().map(|(h, _)| h))? {
        return Ok(id);
    }
    let Some((hash, token)) = join else {
        return Err(JoinError::NoToken(path));
    };
    let key = tls::new_key()?;
    let req = CertificateRequest {
        node_name: name.to_string(),
        csr: tls::csr_pem(&key, &format!("{}{name}", tls::NODE_PREFIX))?,
        addresses: addresses.iter().map(IpAddr::to_string).collect(),
    };
    let (client, pin) =
        Client::pinned(server, &token.to_text(), hash).map_err(|source| JoinError::Join {
            server: server.to_string(),
            source,
        })?;
    let issued: IssuedCertificate =
        client
            .post(wire::JOIN_PATH, &req)
            .await
            .map_err(|source| JoinError::Join {
                server: server.to_string(),
                source,
            })?;
    // The server's certificate chains to the CA the token named: trust it
    // from now on.
    let trusted = pin
        .ca()
        .map(|c| tls::cert_pem(&c))
        .ok_or_else(|| JoinError::Credentials("the join passed no certificate check".into()))?;
    let id = save(data_dir, server, &trusted, &issued, &key.serialize_pem())?;
    tracing::info!(node = %name, server = %server, "joined: credentials in {}", path.display());
    Ok(id)
}

/// The credentials kept in `node.kubeconfig`, when they are this node's,
/// unexpired, and (when a join token is given) of the cluster whose CA the
/// token names. The server may have moved: the kept CA still decides whom to
/// trust.
fn existing(
    path: &Path,
    server: &str,
    name: &str,
    token_hash: Option<&[u8; 32]>,
) -> Result<Option<NodeIdentity>, JoinError> {
    let base = path.parent().unwrap_or(Path::new("."));
    let Some(cluster_ca) = crate::sys::read_private(&base.join(CLUSTER_CA))? else {
        return Ok(None);
    };
    let Some(k) = Kubeconfig::read(path).map_err(|e| JoinError::Credentials(e.to_string()))? else {
        return Ok(None);
    };
    let mut c = k
        .credentials(None, base)
        .map_err(|e| JoinError::Credentials(format!("{}: {e}", path.display())))?;
    let (Some(cert), Some(key)) = (&c.client_cert_pem, &c.client_key_pem) else {
        return Ok(None);
    };
    let live = LiveCert::from_pem(cert, key, "node.kubeconfig")?;
    let subject = tls::subject_of(&live.leaf())?;
    let valid = tls::not_after(&live.leaf())? > SystemTime::now();
    let same_cluster = match token_hash {
        None => true,
        Some(h) => c
            .ca_pem
            .as_deref()
            .and_then(|pem| tls::certs_from_pem(pem, "node.kubeconfig").ok())
            .is_some_and(|certs| {
                certs
                    .iter()
                    .any(|c| tls::spki_sha256(c).ok().as_ref() == Some(h))
            }),
    };
    if subject.common_name != format!("{}{name}", tls::NODE_PREFIX) || !valid || !same_cluster {
        tracing::info!(
            "{} is for another cluster, another node or expired: joining again",
            path.display()
        );
        return Ok(None);
    }
    c.server = server.to_string();
    Ok(Some(NodeIdentity {
        credentials: c,
        cert: live,
        cluster_ca: cluster_ca.into_bytes(),
    }))
}

/// Writes `node.kubeconfig` (the server, the CA `trusted_pem` its
/// certificate chains to, the node's certificate and key) and the cluster CA.
fn save(
    data_dir: &Path,
    server: &str,
    trusted_pem: &str,
    issued: &IssuedCertificate,
    key_pem: &str,
) -> Result<NodeIdentity, JoinError> {
    let k = Kubeconfig::single(
        "ork",
        server,
        Some(trusted_pem.as_bytes()),
        User::certificate(issued.certificate.as_bytes(), key_pem.as_bytes()),
    );
    crate::sys::write_private(
        &data_dir.join(CLUSTER_CA),
        issued.certificate_authority.as_bytes(),
    )?;
    k.write(&data_dir.join(KUBECONFIG))?;
    let credentials = k
        .credentials(None, data_dir)
        .map_err(JoinError::Credentials)?;
    let cert = LiveCert::from_pem(
        issued.certificate.as_bytes(),
        key_pem.as_bytes(),
        "node certificate",
    )?;
    Ok(NodeIdentity {
        credentials,
        cert,
        cluster_ca: issued.certificate_authority.clone().into_bytes(),
    })
}

/// Renews the node's certificate when it is due: a new key, a request
/// authenticated by the current certificate, the answer swapped in place
/// and saved. Returns whether it renewed.
pub async fn renew_if_due(
    client: &Client,
    id: &NodeIdentity,
    data_dir: &Path,
    name: &str,
    addresses: &[IpAddr],
) -> Result<bool, JoinError> {
    if !tls::due_for_renewal(&id.cert.leaf(), SystemTime::now())? {
        return Ok(false);
    }
    let key = tls::new_key()?;
    let req = CertificateRequest {
        node_name: name.to_string(),
        csr: tls::csr_pem(&key, &format!("{}{name}", tls::NODE_PREFIX))?,
        addresses: addresses.iter().map(IpAddr::to_string).collect(),
    };
    let issued: IssuedCertificate = client
        .post(&wire::node_certificate_path(name), &req)
        .await
        .map_err(|source| JoinError::Join {
            server: client.server().to_string(),
            source,
        })?;
    let key_pem = key.serialize_pem();
    let trusted =
        String::from_utf8_lossy(id.credentials.ca_pem.as_deref().unwrap_or_default()).into_owned();
    save(
        data_dir,
        &client.servers().join(","),
        &trusted,
        &issued,
        &key_pem,
    )?;
    id.cert.replace(
        tls::certs_from_pem(issued.certificate.as_bytes(), "node certificate")?,
        tls::key_from_pem(key_pem.as_bytes(), "node key")?,
    )?;
    tracing::info!(node = %name, "node certificate renewed");
    Ok(true)
}

/// How often to check whether the certificate is due: a tenth of its
/// lifetime, between 1 s and an hour.
pub fn check_every(cert: &LiveCert) -> Duration {
    let leaf = cert.leaf();
    let life = match (tls::not_before(&leaf), tls::not_after(&leaf)) {
        (Ok(a), Ok(b)) => b.duration_since(a).unwrap_or_default(),
        _ => Duration::from_secs(3600),
    };
    (life / 10).clamp(Duration::from_secs(1), Duration::from_secs(3600))
}
