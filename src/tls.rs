//! TLS plumbing every role shares: the one rustls crypto provider (ring),
//! PEM and certificate reading, the CA hash that join tokens carry,
//! certificates that renew in place ([`LiveCert`]), and the client and
//! server configurations of ork's connections:
//!
//! - clients of the API trust the cluster CA ([`client_config`]), optionally
//!   presenting a client certificate;
//! - a node joining for the first time trusts only a CA whose public key
//!   hashes to the value in its join token ([`pinned_client_config`]), so its
//!   token's secret goes to no other server;
//! - the control daemon reaching a node daemon checks the node's certificate
//!   names that node ([`peer_client_config`]);
//! - servers present a [`LiveCert`] and may ask for client certificates.
//!
//! It imports nothing else of ork.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex, Once, RwLock};
use std::time::{Duration, SystemTime};

/// The common name of the control daemon's client certificate: node
/// daemons serve this identity and no other.
pub const CONTROL_IDENTITY: &str = "system:ork-control";
/// The prefix of node identities (`system:node:<name>`).
pub const NODE_PREFIX: &str = "system:node:";
/// The group (certificate organization) of node identities.
pub const NODES_GROUP: &str = "system:nodes";

/// What went wrong reading or using certificates.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{what}: no PEM {kind} found")]
    NoPem { what: String, kind: &'static str },
    #[error("{what}: {message}")]
    Pem { what: String, message: String },
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("TLS: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("TLS client verifier: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
}

type Result<T> = std::result::Result<T, TlsError>;

/// Makes ring the process's rustls crypto provider. Idempotent; every
/// place that builds an HTTP client or a TLS server calls it first.
pub fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another provider was installed first: that one serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn provider() -> Arc<CryptoProvider> {
    install_crypto();
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// Every certificate in a PEM text (`what` names it in errors).
pub fn certs_from_pem(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            what: what.into(),
            message: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoPem {
            what: what.into(),
            kind: "certificate",
        });
    }
    Ok(certs)
}

/// The private key in a PEM text.
pub fn key_from_pem(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::NoPem {
            what: what.into(),
            kind: "private key",
        },
        e => TlsError::Pem {
            what: what.into(),
            message: e.to_string(),
        },
    })
}

/// A certificate's DER as PEM.
pub fn cert_pem(cert: &CertificateDer<'_>) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn parse<'a>(
    cert: &'a CertificateDer<'_>,
) -> Result<x509_parser::certificate::X509Certificate<'a>> {
    x509_parser::parse_x509_certificate(cert.as_ref())
        .map(|(_, c)| c)
        .map_err(|e| TlsError::Certificate(e.to_string()))
}

/// SHA-256 of a certificate's SubjectPublicKeyInfo: what kubeadm's
/// `--discovery-token-ca-cert-hash` pins, and what ork's join tokens carry.
pub fn spki_sha256(cert: &CertificateDer<'_>) -> Result<[u8; 32]> {
    let c = parse(cert)?;
    Ok(Sha256::digest(c.tbs_certificate.subject_pki.raw).into())
}

/// [`spki_sha256`] as 64 lowercase hex digits.
pub fn ca_hash(cert: &CertificateDer<'_>) -> Result<String> {
    Ok(hex(&spki_sha256(cert)?))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who a certificate names: its subject's common name and organizations
/// (Kubernetes reads these as the user name and its groups).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub common_name: String,
    pub organizations: Vec<String>,
}

pub fn subject_of(cert: &CertificateDer<'_>) -> Result<Subject> {
    let c = parse(cert)?;
    let s = c.subject();
    let text = |a: &x509_parser::x509::AttributeTypeAndValue<'_>| {
        a.as_str().map(str::to_string).unwrap_or_default()
    };
    Ok(Subject {
        common_name: s.iter_common_name().next().map(text).unwrap_or_default(),
        organizations: s.iter_organization().map(text).collect(),
    })
}

/// When a certificate stops being valid.
pub fn not_after(cert: &CertificateDer<'_>) -> Result<SystemTime> {
    let c = parse(cert)?;
    let secs = c.validity().not_after.timestamp();
    Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

/// When a certificate started being valid.
pub fn not_before(cert: &CertificateDer<'_>) -> Result<SystemTime> {
    let c = parse(cert)?;
    let secs = c.validity().not_before.timestamp();
    Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

/// Whether a certificate is in the last third of its validity (or past it):
/// the point at which ork renews it.
pub fn due_for_renewal(cert: &CertificateDer<'_>, now: SystemTime) -> Result<bool> {
    let (from, to) = (not_before(cert)?, not_after(cert)?);
    let life = to.duration_since(from).unwrap_or_default();
    let renew_at = to.checked_sub(life / 3).unwrap_or(to);
    Ok(now >= renew_at)
}

/// A trust store holding exactly these certificates.
pub fn roots(certs: &[CertificateDer<'static>]) -> Result<RootCertStore> {
    let mut r = RootCertStore::empty();
    for c in certs {
        r.add(c.clone())?;
    }
    Ok(r)
}

/// A certificate chain and its key, replaceable while servers and clients
/// use it: renewal swaps it in, and new connections present the new one.
#[derive(Clone, Debug)]
pub struct LiveCert(Arc<RwLock<Arc<CertifiedKey>>>);

impl LiveCert {
    pub fn new(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Result<Self> {
        Ok(LiveCert(Arc::new(RwLock::new(Arc::new(certified(
            chain, key,
        )?)))))
    }

    /// From PEM texts (the chain, leaf first, and its key).
    pub fn from_pem(chain: &[u8], key: &[u8], what: &str) -> Result<Self> {
        Self::new(certs_from_pem(chain, what)?, key_from_pem(key, what)?)
    }

    /// Puts a new chain and key in place.
    pub fn replace(
        &self,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<()> {
        let new = Arc::new(certified(chain, key)?);
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = new;
        Ok(())
    }

    pub fn current(&self) -> Arc<CertifiedKey> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The end-entity certificate.
    pub fn leaf(&self) -> CertificateDer<'static> {
        self.current().cert[0].clone()
    }
}

fn certified(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<CertifiedKey> {
    if chain.is_empty() {
        return Err(TlsError::Certificate("an empty certificate chain".into()));
    }
    let key = provider().key_provider.load_private_key(key)?;
    Ok(CertifiedKey::new(chain, key))
}

impl ResolvesServerCert for LiveCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

impl ResolvesClientCert for LiveCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// Who may present client certificates to a server.
pub enum ClientAuth {
    /// Nobody is asked for one.
    None,
    /// Certificates signed by these roots are accepted; none is fine too
    /// (the request then authenticates with a token).
    Optional(RootCertStore),
    /// A certificate signed by these roots is required.
    Required(RootCertStore),
}

/// A TLS 1.2/1.3 server presenting `cert`: HTTP/1.1 to every client that
/// offers it (kubectl, browsers, ork's CLI), HTTP/2 only to one offering
/// nothing else (ork's node daemons: one multiplexed connection each).
pub fn server_config(cert: &LiveCert, clients: ClientAuth) -> Result<ServerConfig> {
    let p = provider();
    let builder =
        ServerConfig::builder_with_provider(p.clone()).with_safe_default_protocol_versions()?;
    let builder = match clients {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Optional(r) => builder.with_client_cert_verifier(
            WebPkiClientVerifier::builder_with_provider(Arc::new(r), p)
                .allow_unauthenticated()
                .build()?,
        ),
        ClientAuth::Required(r) => builder.with_client_cert_verifier(
            WebPkiClientVerifier::builder_with_provider(Arc::new(r), p).build()?,
        ),
    };
    let mut c = builder.with_cert_resolver(Arc::new(cert.clone()));
    // rustls picks the first of the server's protocols the client offers.
    c.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    Ok(c)
}

fn client_builder(
    verifier: Arc<dyn ServerCertVerifier>,
    identity: Option<&LiveCert>,
) -> Result<ClientConfig> {
    let b = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut c = match identity {
        Some(id) => b.with_client_cert_resolver(Arc::new(id.clone())),
        None => b.with_no_client_auth(),
    };
    c.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(c)
}

/// A client that trusts `roots` (checking the server's name as usual) and
/// presents `identity` when given.
pub fn client_config(roots: RootCertStore, identity: Option<&LiveCert>) -> Result<ClientConfig> {
    let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    client_builder(v, identity)
}

/// A client that trusts `roots` and accepts only a server whose
/// certificate names `peer` (a DNS name in its SANs), whatever address it
/// was reached at: how the control daemon checks it reached the node it meant.
pub fn peer_client_config(
    roots: RootCertStore,
    peer: &str,
    identity: Option<&LiveCert>,
) -> Result<ClientConfig> {
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    let name = ServerName::try_from(peer.to_string())
        .map_err(|e| TlsError::Certificate(format!("{peer:?} is not a valid name: {e}")))?;
    client_builder(Arc::new(Verifier::new(Named { inner, name })), identity)
}

/// Accepts any server certificate (kubeconfig's `insecure-skip-tls-verify`):
/// the connection is encrypted but the server is not authenticated.
pub fn insecure_client_config(identity: Option<&LiveCert>) -> Result<ClientConfig> {
    client_builder(Arc::new(Verifier::new(AnyServer)), identity)
}

/// How a server's certificate chain is judged; the handshake signatures
/// are always checked with the crypto provider's algorithms ([`Verifier`]).
trait ChainCheck: std::fmt::Debug + Send + Sync {
    fn check(&self, c: &Chain<'_>) -> std::result::Result<ServerCertVerified, rustls::Error>;
}

/// What a server presented, as rustls hands it to a verifier.
struct Chain<'a> {
    end_entity: &'a CertificateDer<'a>,
    intermediates: &'a [CertificateDer<'a>],
    server_name: &'a ServerName<'a>,
    ocsp: &'a [u8],
    now: UnixTime,
}

/// A rustls verifier made of a [`ChainCheck`].
#[derive(Debug)]
pub struct Verifier<C> {
    check: C,
    algorithms: WebPkiSupportedAlgorithms,
}

impl<C> Verifier<C> {
    fn new(check: C) -> Self {
        Verifier {
            check,
            algorithms: provider().signature_verification_algorithms,
        }
    }
}

impl<C: ChainCheck> ServerCertVerifier for Verifier<C> {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        self.check.check(&Chain {
            end_entity,
            intermediates,
            server_name,
            ocsp,
            now,
        })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The chain must verify against the roots, for a fixed name.
#[derive(Debug)]
struct Named {
    inner: Arc<WebPkiServerVerifier>,
    name: ServerName<'static>,
}

impl ChainCheck for Named {
    fn check(&self, c: &Chain<'_>) -> std::result::Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(c.end_entity, c.intermediates, &self.name, c.ocsp, c.now)
    }
}

/// Any chain passes.
#[derive(Debug)]
struct AnyServer;

impl ChainCheck for AnyServer {
    fn check(&self, _: &Chain<'_>) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
}

/// Trusts a server only when a certificate of the chain it presents has a
/// public key that hashes to `ca_hash` and that certificate signed the
/// server's; then the CA certificate is kept ([`PinnedCa::ca`]), to be
/// trusted from then on. The handshake (and so the first byte of any
/// request) fails otherwise.
#[derive(Debug)]
pub struct PinnedCa {
    hash: [u8; 32],
    seen: Mutex<Option<CertificateDer<'static>>>,
}

impl PinnedCa {
    /// The CA certificate the server presented, once a handshake passed.
    pub fn ca(&self) -> Option<CertificateDer<'static>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl ChainCheck for Arc<PinnedCa> {
    fn check(&self, c: &Chain<'_>) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let ca = c
            .intermediates
            .iter()
            .find(|c| spki_sha256(c).is_ok_and(|h| h == self.hash))
            .ok_or_else(|| {
                rustls::Error::General(
                    "the server's certificate chain has no CA matching the hash in the join token"
                        .into(),
                )
            })?
            .clone()
            .into_owned();
        let mut roots = RootCertStore::empty();
        roots.add(ca.clone())?;
        let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        let rest: Vec<CertificateDer<'_>> = c
            .intermediates
            .iter()
            .filter(|i| i.as_ref() != ca.as_ref())
            .cloned()
            .collect();
        let ok = v.verify_server_cert(c.end_entity, &rest, c.server_name, c.ocsp, c.now)?;
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(ca);
        Ok(ok)
    }
}

/// A client for a first join: see [`PinnedCa`].
pub fn pinned_client_config(ca_hash: [u8; 32]) -> Result<(ClientConfig, Arc<PinnedCa>)> {
    let pin = Arc::new(PinnedCa {
        hash: ca_hash,
        seen: Mutex::new(None),
    });
    Ok((
        client_builder(Arc::new(Verifier::new(pin.clone())), None)?,
        pin,
    ))
}

/// A new ECDSA P-256 key.
pub fn new_key() -> Result<rcgen::KeyPair> {
    rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| TlsError::Certificate(e.to_string()))
}

/// A certificate signing request for `key` naming `common_name`; the
/// signer decides every other field.
pub fn csr_pem(key: &rcgen::KeyPair, common_name: &str) -> Result<String> {
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params
        .serialize_request(key)
        .and_then(|r| r.pem())
        .map_err(|e| TlsError::Certificate(e.to_string()))
}
