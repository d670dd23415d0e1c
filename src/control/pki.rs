//! The cluster's certificate authority and what it signs.
//!
//! At first start `ork control` makes an ECDSA P-256 CA (`ca.crt`, and
//! `ca.key` 0600, in the data dir, valid ten years) and a serving
//! certificate (`server.crt` with the CA after it, `server.key` 0600) whose
//! SANs cover the listen address, the machine's hostname and addresses,
//! `127.0.0.1`, `::1`, `localhost` and every `--tls-san`. A later start
//! keeps them while they are valid and cover those names, else issues new
//! ones. The CA signs:
//!
//! - node certificates (`system:node:<name>`, group `system:nodes`), usable
//!   for the node's client and its server, from the node's own key (a CSR);
//! - user certificates (`<name>`, group `ork:<role>`), from a CSR;
//! - the control daemon's own client certificate (`system:ork-control`),
//!   which node daemons accept and nothing else.
//!
//! # Guarantees
//!
//! - A CSR contributes only its public key (its signature proves the key is
//!   held); every name and usage comes from the caller's profile.
//! - Private keys are written 0600 and never leave the data dir.
//!
//! # Caveats
//!
//! - There is no revocation list: a node's or user's certificate stays valid
//!   until it expires (leaf validity defaults to a year; `--cert-validity`).
//!
//! It imports `tls` and `sys`; not the store or HTTP.

use crate::sys::write_private;
use crate::tls::{self, LiveCert, TlsError};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::CertificateDer;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, SystemTime};

pub use crate::tls::{CONTROL_IDENTITY, NODE_PREFIX, NODES_GROUP};
/// How long the CA is valid.
const CA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// Leaf certificates' default validity.
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(365 * 24 * 3600);

/// What went wrong with the CA or a certificate.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error(transparent)]
    Sys(#[from] crate::sys::SysError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("{0}")]
    Sign(String),
    #[error("certificate signing request: {0}")]
    Csr(String),
}

type Result<T> = std::result::Result<T, PkiError>;

fn sign_err(e: rcgen::Error) -> PkiError {
    PkiError::Sign(e.to_string())
}

/// What a certificate may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    Server,
    Client,
    Both,
}

/// The names and usage of a certificate to issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub common_name: String,
    pub organizations: Vec<String>,
    pub dns_names: Vec<String>,
    pub ips: Vec<IpAddr>,
    pub usage: Usage,
}

impl Profile {
    /// A node's certificate: its client identity and its server's.
    pub fn node(name: &str, ips: &[IpAddr]) -> Profile {
        Profile {
            common_name: format!("{NODE_PREFIX}{name}"),
            organizations: vec![NODES_GROUP.into()],
            dns_names: vec![name.into()],
            ips: ips.to_vec(),
            usage: Usage::Both,
        }
    }

    /// The control daemon's client certificate (for node daemons).
    pub fn control() -> Profile {
        Profile {
            common_name: CONTROL_IDENTITY.into(),
            organizations: vec![],
            dns_names: vec![],
            ips: vec![],
            usage: Usage::Client,
        }
    }

    /// A user's client certificate, in the group of its role.
    pub fn user(name: &str, group: &str) -> Profile {
        Profile {
            common_name: name.into(),
            organizations: vec![group.into()],
            dns_names: vec![],
            ips: vec![],
            usage: Usage::Client,
        }
    }
}

/// The cluster CA, ready to sign.
pub struct Ca {
    cert: CertificateDer<'static>,
    pem: String,
    issuer: Issuer<'static, KeyPair>,
    /// Validity of the leaf certificates it issues.
    pub validity: Duration,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca")
            .field("hash", &self.hash())
            .field("validity", &self.validity)
            .finish_non_exhaustive()
    }
}

fn read(path: &Path, what: &'static str) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(PkiError::Sys(crate::sys::SysError::Io {
            what,
            path: path.to_path_buf(),
            source,
        })),
    }
}

fn offset(t: SystemTime) -> time::OffsetDateTime {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(0))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

impl Ca {
    /// Loads `ca.crt`/`ca.key` from the data dir, or makes them.
    pub fn load_or_create(data_dir: &Path, validity: Duration) -> Result<Ca> {
        let (crt, key) = (data_dir.join("ca.crt"), data_dir.join("ca.key"));
        match (read(&crt, "reading")?, read(&key, "reading")?) {
            (Some(c), Some(k)) => {
                let key_pem = String::from_utf8_lossy(&k);
                let pair = KeyPair::from_pem(&key_pem)
                    .map_err(|e| PkiError::Sign(format!("{}: {e}", key.display())))?;
                let cert = tls::certs_from_pem(&c, &crt.display().to_string())?.remove(0);
                let issuer = Issuer::from_ca_cert_der(&cert, pair).map_err(sign_err)?;
                crate::sys::make_private(&key);
                Ok(Ca {
                    pem: tls::cert_pem(&cert),
                    cert,
                    issuer,
                    validity,
                })
            }
            (None, None) => {
                let pair = tls::new_key()?;
                let mut p = CertificateParams::default();
                p.distinguished_name = rcgen::DistinguishedName::new();
                p.distinguished_name
                    .push(DnType::CommonName, "ork cluster CA");
                p.distinguished_name.push(DnType::OrganizationName, "ork");
                p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
                p.key_usages = vec![
                    KeyUsagePurpose::KeyCertSign,
                    KeyUsagePurpose::CrlSign,
                    KeyUsagePurpose::DigitalSignature,
                ];
                let now = SystemTime::now();
                p.not_before = offset(now - Duration::from_secs(3600));
                p.not_after = offset(now + CA_VALIDITY);
                let cert = p.self_signed(&pair).map_err(sign_err)?;
                write_private(&key, pair.serialize_pem().as_bytes())?;
                write_private(&crt, cert.pem().as_bytes())?;
                let der = cert.der().clone();
                Ok(Ca {
                    pem: tls::cert_pem(&der),
                    issuer: Issuer::new(p, pair),
                    cert: der,
                    validity,
                })
            }
            _ => Err(PkiError::Sign(format!(
                "only one of {} and {} exists: restore the other, or remove both to make a new CA (every node must then join again)",
                crt.display(),
                key.display()
            ))),
        }
    }

    pub fn cert(&self) -> &CertificateDer<'static> {
        &self.cert
    }

    /// The CA certificate as PEM.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The hex SHA-256 of the CA's public key, as join tokens carry it.
    pub fn hash(&self) -> String {
        tls::ca_hash(&self.cert).unwrap_or_default()
    }

    fn params(&self, p: &Profile) -> Result<CertificateParams> {
        let mut c = CertificateParams::default();
        c.distinguished_name = rcgen::DistinguishedName::new();
        c.distinguished_name
            .push(DnType::CommonName, p.common_name.as_str());
        for o in &p.organizations {
            c.distinguished_name
                .push(DnType::OrganizationName, o.as_str());
        }
        for d in &p.dns_names {
            c.subject_alt_names.push(SanType::DnsName(
                d.clone()
                    .try_into()
                    .map_err(|e: rcgen::Error| PkiError::Sign(format!("{d:?}: {e}")))?,
            ));
        }
        for ip in &p.ips {
            c.subject_alt_names.push(SanType::IpAddress(*ip));
        }
        c.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        c.extended_key_usages = match p.usage {
            Usage::Server => vec![ExtendedKeyUsagePurpose::ServerAuth],
            Usage::Client => vec![ExtendedKeyUsagePurpose::ClientAuth],
            Usage::Both => vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
        };
        c.use_authority_key_identifier_extension = true;
        let now = SystemTime::now();
        // Slack for clocks a little behind (a minute, less for short lives).
        c.not_before = offset(now - Duration::from_secs(60).min(self.validity / 10));
        c.not_after = offset(now + self.validity);
        let mut serial = [0u8; 16];
        serial.copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        serial[0] &= 0x7f;
        c.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
        Ok(c)
    }

    /// Issues a certificate and a new key for `profile`: the chain (the
    /// certificate, then the CA) and the key, as PEM.
    pub fn issue(&self, profile: &Profile) -> Result<(String, String)> {
        let key = tls::new_key()?;
        let cert = self
            .params(profile)?
            .signed_by(&key, &self.issuer)
            .map_err(sign_err)?;
        Ok((format!("{}{}", cert.pem(), self.pem), key.serialize_pem()))
    }

    /// Signs the public key of a CSR (PEM) with `profile`'s names: the chain
    /// (the certificate, then the CA) as PEM.
    pub fn sign_csr(&self, csr_pem: &str, profile: &Profile) -> Result<String> {
        let csr = CertificateSigningRequestParams::from_pem(csr_pem)
            .map_err(|e| PkiError::Csr(e.to_string()))?;
        let cert = self
            .params(profile)?
            .signed_by(&csr.public_key, &self.issuer)
            .map_err(sign_err)?;
        Ok(format!("{}{}", cert.pem(), self.pem))
    }

    /// A certificate for `profile` with a key of its own, in memory.
    pub fn live(&self, profile: &Profile) -> Result<LiveCert> {
        let (chain, key) = self.issue(profile)?;
        Ok(LiveCert::from_pem(
            chain.as_bytes(),
            key.as_bytes(),
            &profile.common_name,
        )?)
    }
}

/// The names the API's serving certificate must cover.
pub fn serving_names(listen: IpAddr, extra: &[String]) -> (Vec<String>, Vec<IpAddr>) {
    let mut dns: BTreeSet<String> = BTreeSet::from(["localhost".to_string()]);
    let mut ips: BTreeSet<IpAddr> = BTreeSet::from([
        IpAddr::from([127, 0, 0, 1]),
        IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
    ]);
    if !listen.is_unspecified() {
        ips.insert(listen);
    }
    if let Ok(h) = nix::unistd::gethostname()
        && let Some(h) = h.to_str()
        && !h.is_empty()
    {
        dns.insert(h.to_string());
    }
    if let Ok(addrs) = nix::ifaddrs::getifaddrs() {
        for a in addrs {
            let Some(sa) = a.address else { continue };
            if let Some(v4) = sa.as_sockaddr_in() {
                ips.insert(IpAddr::V4(v4.ip()));
            } else if let Some(v6) = sa.as_sockaddr_in6() {
                let ip = v6.ip();
                // Link-local addresses need a zone and name nothing stable.
                if (ip.segments()[0] & 0xffc0) != 0xfe80 {
                    ips.insert(IpAddr::V6(ip));
                }
            }
        }
    }
    for e in extra {
        match e.parse::<IpAddr>() {
            Ok(ip) => {
                ips.insert(ip);
            }
            Err(_) => {
                dns.insert(e.clone());
            }
        }
    }
    (dns.into_iter().collect(), ips.into_iter().collect())
}

/// Whether a certificate's SANs include every name and address.
fn covers(cert: &CertificateDer<'_>, dns: &[String], ips: &[IpAddr]) -> bool {
    let Ok((_, c)) = x509_parser::parse_x509_certificate(cert.as_ref()) else {
        return false;
    };
    let Ok(Some(san)) = c.subject_alternative_name() else {
        return false;
    };
    let mut have_dns = BTreeSet::new();
    let mut have_ip = BTreeSet::new();
    for n in &san.value.general_names {
        match n {
            x509_parser::extensions::GeneralName::DNSName(d) => {
                have_dns.insert(d.to_string());
            }
            x509_parser::extensions::GeneralName::IPAddress(b) => {
                let ip = match b.len() {
                    4 => <[u8; 4]>::try_from(*b).map(IpAddr::from).ok(),
                    16 => <[u8; 16]>::try_from(*b).map(IpAddr::from).ok(),
                    _ => None,
                };
                if let Some(ip) = ip {
                    have_ip.insert(ip);
                }
            }
            _ => {}
        }
    }
    dns.iter().all(|d| have_dns.contains(d)) && ips.iter().all(|i| have_ip.contains(i))
}

/// The API's serving certificate: `server.crt`/`server.key` from the data
/// dir while they are valid, signed by this CA, not due for renewal and
/// cover the names; otherwise a new one, written there.
pub fn serving_cert(ca: &Ca, data_dir: &Path, dns: &[String], ips: &[IpAddr]) -> Result<LiveCert> {
    let (crt, key) = (data_dir.join("server.crt"), data_dir.join("server.key"));
    if let (Some(c), Some(k)) = (read(&crt, "reading")?, read(&key, "reading")?)
        && let Ok(chain) = tls::certs_from_pem(&c, "server.crt")
        && chain.len() >= 2
        && chain[1].as_ref() == ca.cert().as_ref()
        && covers(&chain[0], dns, ips)
        && !tls::due_for_renewal(&chain[0], SystemTime::now()).unwrap_or(true)
        && let Ok(live) = LiveCert::from_pem(&c, &k, "server.crt")
    {
        crate::sys::make_private(&key);
        return Ok(live);
    }
    renew_serving(ca, data_dir, dns, ips, None)
}

/// Issues a new serving certificate, writes it to the data dir and, when
/// given, puts it in place of `live`'s.
pub fn renew_serving(
    ca: &Ca,
    data_dir: &Path,
    dns: &[String],
    ips: &[IpAddr],
    live: Option<&LiveCert>,
) -> Result<LiveCert> {
    let profile = Profile {
        common_name: "ork-control".into(),
        organizations: vec![],
        dns_names: dns.to_vec(),
        ips: ips.to_vec(),
        usage: Usage::Server,
    };
    let (chain, key) = ca.issue(&profile)?;
    write_private(&data_dir.join("server.key"), key.as_bytes())?;
    write_private(&data_dir.join("server.crt"), chain.as_bytes())?;
    let certs = tls::certs_from_pem(chain.as_bytes(), "server.crt")?;
    let key = tls::key_from_pem(key.as_bytes(), "server.key")?;
    match live {
        Some(l) => {
            l.replace(certs, key)?;
            Ok(l.clone())
        }
        None => Ok(LiveCert::new(certs, key)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_ca_is_made_once_private_and_reloaded_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let a = Ca::load_or_create(dir.path(), DEFAULT_VALIDITY).unwrap();
        let b = Ca::load_or_create(dir.path(), DEFAULT_VALIDITY).unwrap();
        assert_eq!(a.hash(), b.hash());
        assert_eq!(a.hash().len(), 64);
        let mode = |p: &str| {
            std::fs::metadata(dir.path().join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("ca.key"), 0o600);
        // A certificate issued by the reloaded CA verifies against the first.
        let (chain, _) = b.issue(&Profile::user("alice", "ork:view")).unwrap();
        let certs = tls::certs_from_pem(chain.as_bytes(), "t").unwrap();
        assert_eq!(certs[1].as_ref(), a.cert().as_ref());
        let s = tls::subject_of(&certs[0]).unwrap();
        assert_eq!(s.common_name, "alice");
        assert_eq!(s.organizations, ["ork:view"]);
    }

    #[test]
    fn a_csr_gives_only_its_key_the_names_come_from_the_profile() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Ca::load_or_create(dir.path(), DEFAULT_VALIDITY).unwrap();
        let key = tls::new_key().unwrap();
        let csr = tls::csr_pem(&key, "system:admin").unwrap();
        let chain = ca
            .sign_csr(&csr, &Profile::node("n1", &[IpAddr::from([10, 0, 0, 5])]))
            .unwrap();
        let certs = tls::certs_from_pem(chain.as_bytes(), "t").unwrap();
        let s = tls::subject_of(&certs[0]).unwrap();
        assert_eq!(s.common_name, "system:node:n1");
        assert_eq!(s.organizations, [NODES_GROUP]);
        assert!(covers(
            &certs[0],
            &["n1".into()],
            &[IpAddr::from([10, 0, 0, 5])]
        ));
        // The certificate carries the CSR's key.
        let (_, c) = x509_parser::parse_x509_certificate(certs[0].as_ref()).unwrap();
        assert_eq!(
            c.tbs_certificate
                .subject_pki
                .subject_public_key
                .data
                .as_ref(),
            key.public_key_raw()
        );
        assert!(ca.sign_csr("not a csr", &Profile::user("x", "g")).is_err());
    }

    #[test]
    fn the_serving_certificate_is_kept_while_it_covers_the_names_and_renewed_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Ca::load_or_create(dir.path(), DEFAULT_VALIDITY).unwrap();
        let (dns, ips) = serving_names(IpAddr::from([127, 0, 0, 1]), &["ork.example".into()]);
        assert!(dns.contains(&"ork.example".to_string()) && dns.contains(&"localhost".to_string()));
        let a = serving_cert(&ca, dir.path(), &dns, &ips).unwrap();
        let b = serving_cert(&ca, dir.path(), &dns, &ips).unwrap();
        assert_eq!(a.leaf(), b.leaf(), "kept while valid");
        let more = [dns.clone(), vec!["other.example".into()]].concat();
        let c = serving_cert(&ca, dir.path(), &more, &ips).unwrap();
        assert_ne!(a.leaf(), c.leaf(), "a new name means a new certificate");
        // Short-lived: due for renewal at once.
        let short = Ca::load_or_create(dir.path(), Duration::from_secs(30)).unwrap();
        let d = renew_serving(&short, dir.path(), &dns, &ips, Some(&c)).unwrap();
        assert_eq!(d.leaf(), c.leaf(), "renewed in place");
        assert!(!tls::due_for_renewal(&d.leaf(), SystemTime::now()).unwrap());
        assert!(
            tls::due_for_renewal(&d.leaf(), SystemTime::now() + Duration::from_secs(25)).unwrap()
        );
    }
}
