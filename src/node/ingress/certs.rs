//! The certificates the ingress server presents, chosen by SNI from the
//! `kubernetes.io/tls` Secrets the served Ingresses name in `spec.tls`.
//! [`CertTable::build`] and [`CertTable::pick`] are pure; [`Resolver`] is
//! the rustls hook that reads the current table.
//!
//! A host listed by several Ingresses gets the oldest Ingress's
//! certificate. A wildcard host (`*.example.com`) covers one label. A
//! client that sends no SNI, or a name no entry lists, gets the first
//! certificate of the oldest Ingress (as ingress-nginx serves its default
//! certificate); with no certificate at all the handshake fails.

use super::route::{ByKey, HostMatch};
use crate::api::Secret;
use crate::api::ingress::Ingress;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::sync::{Arc, RwLock};

/// The `type` of Secrets that hold a certificate and its key.
pub const TLS_SECRET_TYPE: &str = "kubernetes.io/tls";

/// Certificates by host.
#[derive(Clone, Debug, Default)]
pub struct CertTable {
    entries: Vec<(HostMatch, Arc<CertifiedKey>)>,
}

/// Why a Secret cannot serve as a certificate.
pub fn certified_key(secret: &Secret) -> Result<CertifiedKey, String> {
    if secret.type_name() != TLS_SECRET_TYPE {
        return Err(format!(
            "type {:?} is not {TLS_SECRET_TYPE}",
            secret.type_name()
        ));
    }
    let what = format!("secret {}", secret.metadata.name);
    let cert = secret.value("tls.crt").ok_or("tls.crt is missing")?;
    let key = secret.value("tls.key").ok_or("tls.key is missing")?;
    let chain = crate::tls::certs_from_pem(&cert, &what).map_err(|e| e.to_string())?;
    let key = crate::tls::key_from_pem(&key, &what).map_err(|e| e.to_string())?;
    let key = rustls::crypto::ring::sign::any_supported_type(&key).map_err(|e| e.to_string())?;
    Ok(CertifiedKey::new(chain, key))
}

impl CertTable {
    /// The table from served Ingresses (oldest first) and the certificates
    /// of their Secrets by (namespace, name); Secrets missing from `keys`
    /// are skipped.
    pub fn build(ingresses: &[Arc<Ingress>], keys: &ByKey<CertifiedKey>) -> CertTable {
        let mut entries: Vec<(HostMatch, Arc<CertifiedKey>)> = vec![];
        for ing in ingresses {
            for t in &ing.spec.tls {
                let key = (ing.metadata.namespace.clone(), t.secret_name.clone());
                let Some(k) = keys.get(&key) else { continue };
                let hosts: Vec<HostMatch> = if t.hosts.is_empty() {
                    vec![HostMatch::Any]
                } else {
                    t.hosts.iter().map(|h| HostMatch::parse(h)).collect()
                };
                for h in hosts {
                    if !entries.iter().any(|(e, _)| *e == h) {
                        entries.push((h, k.clone()));
                    }
                }
            }
        }
        CertTable { entries }
    }

    /// The certificate for a client's SNI name (exact, then wildcard, then
    /// an entry without hosts, then the first certificate).
    pub fn pick(&self, sni: Option<&str>) -> Option<Arc<CertifiedKey>> {
        if let Some(name) = sni.map(str::to_ascii_lowercase) {
            for rank in [0u8, 1, 2] {
                let hit = self.entries.iter().find(|(h, _)| {
                    let r = match h {
                        HostMatch::Exact(_) => 0,
                        HostMatch::Wildcard(_) => 1,
                        HostMatch::Any => 2,
                    };
                    r == rank && h.matches(&name)
                });
                if let Some((_, k)) = hit {
                    return Some(k.clone());
                }
            }
        }
        self.entries.first().map(|(_, k)| k.clone())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The rustls resolver over the current [`CertTable`].
#[derive(Debug, Default)]
pub struct Resolver(RwLock<Arc<CertTable>>);

impl Resolver {
    pub fn set(&self, t: CertTable) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(t);
    }
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let t = self.0.read().unwrap_or_else(|e| e.into_inner()).clone();
        t.pick(hello.server_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ingress::IngressTls;
    use crate::api::new_object;

    /// A self-signed certificate for `name` as a `kubernetes.io/tls` Secret.
    fn tls_secret(secret: &str, name: &str) -> Secret {
        let c = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
        let mut s: Secret = new_object("default", secret);
        s.type_ = TLS_SECRET_TYPE.into();
        s.string_data.insert("tls.crt".into(), c.cert.pem());
        s.string_data
            .insert("tls.key".into(), c.signing_key.serialize_pem());
        s.fold_string_data();
        s
    }

    #[test]
    fn sni_picks_exact_then_wildcard_then_the_first() {
        let mut keys = ByKey::new();
        for (secret, name) in [("a", "a.example"), ("w", "*.example"), ("b", "b.test")] {
            let k = certified_key(&tls_secret(secret, name)).unwrap();
            keys.insert(("default".into(), secret.into()), Arc::new(k));
        }
        let mut ing: Ingress = new_object("default", "web");
        ing.spec.tls = vec![
            IngressTls {
                hosts: vec!["b.test".into()],
                secret_name: "b".into(),
            },
            IngressTls {
                hosts: vec!["a.example".into()],
                secret_name: "a".into(),
            },
            IngressTls {
                hosts: vec!["*.example".into()],
                secret_name: "w".into(),
            },
            IngressTls {
                hosts: vec!["gone.example".into()],
                secret_name: "missing".into(),
            },
        ];
        let t = CertTable::build(&[Arc::new(ing)], &keys);
        let pick = |sni: Option<&str>| {
            let k = t.pick(sni).unwrap();
            keys.iter()
                .find(|(_, v)| Arc::ptr_eq(v, &k))
                .map(|((_, name), _)| name.clone())
                .unwrap()
        };
        assert_eq!(pick(Some("A.example")), "a");
        assert_eq!(pick(Some("c.example")), "w");
        assert_eq!(pick(Some("x.c.example")), "b");
        assert_eq!(pick(None), "b");
        assert!(CertTable::default().pick(Some("a.example")).is_none());
    }

    #[test]
    fn only_tls_secrets_with_both_keys_serve() {
        let good = tls_secret("a", "a.example");
        assert!(certified_key(&good).is_ok());
        let mut opaque = good.clone();
        opaque.type_ = "Opaque".into();
        assert!(
            certified_key(&opaque)
                .unwrap_err()
                .contains("is not kubernetes.io/tls")
        );
        let mut no_key = good.clone();
        no_key.data.remove("tls.key");
        assert_eq!(certified_key(&no_key).unwrap_err(), "tls.key is missing");
    }
}
