//! Who is calling: a request's [`Identity`] from the client certificate it
//! presented over TLS (verified against the cluster CA by the TLS layer)
//! or its bearer token, and the facts about the cluster the authorizer
//! needs ([`StoreFacts`]).
//!
//! - A certificate names `system:node:<name>` in group `system:nodes` (a
//!   node), or a user in group `ork:<role>`. Any other certificate
//!   authenticates nobody.
//! - A bearer token is the admin token (`admin.token`), or a token made by
//!   `ork token create` (a Secret in `kube-system`, see
//!   [`crate::api::token`]): a `node` token is a join token, others
//!   are users named `token:<id>`; a JWT is a bound service-account token
//!   ([`crate::api::bound_token`]), accepted while it is unexpired, its
//!   ServiceAccount exists with the uid it names and so does the pod it is
//!   bound to: it authenticates as that ServiceAccount.
//!
//! It reads the store's cache; it never writes.

use crate::api::bound_token::{self, Claims};
use crate::api::rbac::{self, ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding};
use crate::api::serviceaccount::ServiceAccount;
use crate::api::token::{self as tokens, Refused, Token, TokenRole};
use crate::api::volume::claims_of;
use crate::api::{Event, Pod, Secret, Time};
use crate::control::authz::{self, Facts, Identity};
use crate::control::pki::{CONTROL_IDENTITY, NODE_PREFIX, NODES_GROUP};
use crate::control::store::Store;
use rustls::pki_types::CertificateDer;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The annotation that binds a claim to a node.
const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";

/// Finds the identity of requests.
#[derive(Clone)]
pub struct Authenticator {
    admin_token: String,
    store: Store,
    /// Signs and checks bound service-account tokens.
    sa_key: Arc<Vec<u8>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authenticator")
    }
}

impl Authenticator {
    /// An authenticator whose service-account tokens are signed under a
    /// key of its own, good until it stops (see
    /// [`Authenticator::with_service_account_key`]).
    pub fn new(admin_token: String, store: Store) -> Self {
        Authenticator {
            admin_token,
            store,
            sa_key: Arc::new(bound_token::derive_key(uuid::Uuid::new_v4().as_bytes())),
        }
    }

    /// Signs service-account tokens under `key` (derived from the CA key,
    /// so they outlive restarts).
    pub fn with_service_account_key(mut self, key: Vec<u8>) -> Self {
        self.sa_key = Arc::new(key);
        self
    }

    /// A signed token with these claims.
    pub fn sign(&self, claims: &Claims) -> String {
        bound_token::sign(&self.sa_key, claims)
    }

    /// The ServiceAccount a bound token names, if the token verifies at
    /// `now` and its account and pod are still there.
    pub fn service_account(&self, token: &str, now: i64) -> Result<Identity, String> {
        let c = bound_token::verify(&self.sa_key, token, now).map_err(|e| e.to_string())?;
        let k = &c.kubernetes;
        let sa = self
            .store
            .get::<ServiceAccount>(&k.namespace, &k.serviceaccount.name)
            .filter(|sa| sa.metadata.uid == k.serviceaccount.uid);
        if sa.is_none() {
            return Err(format!(
                "invalid bearer token: service account {}/{} (uid {}) no longer exists",
                k.namespace, k.serviceaccount.name, k.serviceaccount.uid
            ));
        }
        if let Some(p) = &k.pod {
            let live = self
                .store
                .get::<Pod>(&k.namespace, &p.name)
                .is_some_and(|pod| pod.metadata.uid == p.uid);
            if !live {
                return Err(format!(
                    "invalid bearer token: the token is bound to pod {}/{} (uid {}), which no longer exists",
                    k.namespace, p.name, p.uid
                ));
            }
        }
        Ok(Identity::ServiceAccount {
            namespace: k.namespace.clone(),
            name: k.serviceaccount.name.clone(),
        })
    }

    /// The identity of a request, or why it has none (a 401).
    pub fn identify(
        &self,
        cert: Option<&CertificateDer<'_>>,
        bearer: Option<&str>,
    ) -> Result<Identity, String> {
        if let Some(c) = cert {
            return identity_of_cert(c);
        }
        let Some(t) = bearer.map(str::trim).filter(|t| !t.is_empty()) else {
            return Err("no credentials: present a client certificate or a bearer token (the admin kubeconfig is in the control daemon's data dir, admin.kubeconfig)".into());
        };
        if bool::from(t.as_bytes().ct_eq(self.admin_token.as_bytes())) {
            return Ok(Identity::User {
                name: "admin".into(),
                role: authz::Role::Admin,
            });
        }
        if bound_token::is_jwt(t) {
            return self.service_account(t, chrono::Utc::now().timestamp());
        }
        let refused =
            || "invalid bearer token: pass --token, or use a kubeconfig that ork wrote".to_string();
        let token = Token::parse(t).ok_or_else(refused)?;
        let stored = self
            .store
            .get::<Secret>(tokens::NAMESPACE, &tokens::secret_name(&token.id))
            .ok_or_else(refused)?;
        match tokens::check(&stored, &token, &Time::now()) {
            Ok(TokenRole::Node) => Ok(Identity::Bootstrap(token.id)),
            Ok(TokenRole::User(role)) => Ok(Identity::User {
                name: format!("token:{}", token.id),
                role,
            }),
            Err(Refused::Expired(id)) => Err(format!(
                "token {id} has expired: ask an admin for a new one (ork token create)"
            )),
            Err(Refused::Unknown) => Err(refused()),
        }
    }
}

/// The identity a verified client certificate names.
pub fn identity_of_cert(c: &CertificateDer<'_>) -> Result<Identity, String> {
    let s = crate::tls::subject_of(c).map_err(|e| e.to_string())?;
    if let Some(node) = s.common_name.strip_prefix(NODE_PREFIX) {
        if s.organizations.iter().any(|o| o == NODES_GROUP) && !node.is_empty() {
            return Ok(Identity::Node(node.to_string()));
        }
    } else if s.common_name != CONTROL_IDENTITY
        && let Some(role) = s
            .organizations
            .iter()
            .find_map(|o| authz::Role::from_group(o))
    {
        return Ok(Identity::User {
            name: s.common_name,
            role,
        });
    }
    Err(format!(
        "the client certificate {:?} names no ork identity",
        s.common_name
    ))
}

/// What a pod takes from ConfigMaps, Secrets and claims: `(resource, name)`.
pub fn pod_uses(p: &Pod) -> Vec<(&'static str, &str)> {
    let mut out = vec![];
    for v in &p.spec.volumes {
        if let Some(c) = &v.config_map {
            out.push(("configmaps", c.name.as_str()));
        }
        if let Some(s) = &v.secret {
            out.push(("secrets", s.secret_name.as_str()));
        }
        for src in v.projected.iter().flat_map(|p| &p.sources) {
            if let Some(c) = &src.config_map {
                out.push(("configmaps", c.name.as_str()));
            }
            if let Some(s) = &src.secret {
                out.push(("secrets", s.name.as_str()));
            }
        }
    }
    out.push(("serviceaccounts", p.service_account()));
    for s in &p.spec.image_pull_secrets {
        out.push(("secrets", s.name.as_str()));
    }
    for c in claims_of(&p.spec) {
        out.push(("persistentvolumeclaims", c));
    }
    for c in p.spec.all_containers() {
        for e in &c.env {
            if let Some(from) = &e.value_from {
                if let Some(k) = &from.config_map_key_ref {
                    out.push(("configmaps", k.name.as_str()));
                }
                if let Some(k) = &from.secret_key_ref {
                    out.push(("secrets", k.name.as_str()));
                }
            }
        }
        for ef in &c.env_from {
            if let Some(r) = &ef.config_map_ref {
                out.push(("configmaps", r.name.as_str()));
            }
            if let Some(r) = &ef.secret_ref {
                out.push(("secrets", r.name.as_str()));
            }
        }
    }
    out
}

/// The authorizer's facts, read from the store's cache.
pub struct StoreFacts<'a>(pub &'a Store);

impl Facts for StoreFacts<'_> {
    fn pod_node(&self, namespace: &str, name: &str) -> Option<String> {
        self.0
            .get::<Pod>(namespace, name)
            .map(|p| p.spec.node_name.clone())
            .filter(|n| !n.is_empty())
    }

    fn node_uses(&self, node: &str, resource: &str, namespace: &str, name: &str) -> bool {
        if resource == "persistentvolumeclaims"
            && self
                .0
                .get::<crate::api::volume::PersistentVolumeClaim>(namespace, name)
                .is_some_and(|c| {
                    c.metadata
                        .annotations
                        .get(SELECTED_NODE)
                        .map(String::as_str)
                        == Some(node)
                })
        {
            return true;
        }
        // Every node serves ork's Ingresses, so it reads their TLS Secrets.
        if resource == "secrets" {
            use crate::api::ingress::{CLASS, Ingress, IngressClass};
            let ork_default = self
                .0
                .get::<IngressClass>("", CLASS)
                .is_some_and(|c| c.is_default());
            let tls_of_ingress = self
                .0
                .list::<Ingress>(Some(namespace))
                .iter()
                .filter(|i| i.served_by_ork(ork_default))
                .any(|i| i.spec.tls.iter().any(|t| t.secret_name == name));
            if tls_of_ingress {
                return true;
            }
        }
        self.0.pods_on_node(node).iter().any(|p| {
            p.metadata.namespace == namespace
                && pod_uses(p)
                    .iter()
                    .any(|(r, n)| *r == resource && *n == name)
        })
    }

    fn event_about(&self, namespace: &str, name: &str) -> Option<(String, String, String)> {
        self.0.get::<Event>(namespace, name).map(|e| {
            let o = &e.involved_object;
            (o.kind.clone(), o.namespace.clone(), o.name.clone())
        })
    }

    fn rbac_rules(&self, user: &str, groups: &[String], namespace: &str) -> Vec<PolicyRule> {
        let cluster_rules = |name: &str| {
            self.0
                .get::<ClusterRole>("", name)
                .map(|r| r.rules.clone())
                .unwrap_or_default()
        };
        let mut out = vec![];
        for b in self.0.list::<ClusterRoleBinding>(None) {
            if b.subjects
                .iter()
                .any(|s| rbac::subject_matches(s, "", user, groups))
            {
                out.extend(cluster_rules(&b.role_ref.name));
            }
        }
        if namespace.is_empty() {
            return out;
        }
        for b in self.0.list::<RoleBinding>(Some(namespace)) {
            if !b
                .subjects
                .iter()
                .any(|s| rbac::subject_matches(s, namespace, user, groups))
            {
                continue;
            }
            match b.role_ref.kind.as_str() {
                "Role" => out.extend(
                    self.0
                        .get::<Role>(namespace, &b.role_ref.name)
                        .map(|r| r.rules.clone())
                        .unwrap_or_default(),
                ),
                // A ClusterRole bound in a namespace grants its resource
                // rules there only.
                _ => out.extend(
                    cluster_rules(&b.role_ref.name)
                        .into_iter()
                        .filter(|r| r.non_resource_urls.is_empty()),
                ),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::pki::{Ca, DEFAULT_VALIDITY, Profile};

    #[test]
    fn certificates_name_nodes_and_users_by_their_group() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Ca::load_or_create(dir.path(), DEFAULT_VALIDITY).unwrap();
        let leaf = |p: &Profile| {
            let (chain, _) = ca.issue(p).unwrap();
            crate::tls::certs_from_pem(chain.as_bytes(), "t")
                .unwrap()
                .remove(0)
        };
        assert_eq!(
            identity_of_cert(&leaf(&Profile::node("n1", &[]))),
            Ok(Identity::Node("n1".into()))
        );
        assert_eq!(
            identity_of_cert(&leaf(&Profile::user("alice", "ork:edit"))),
            Ok(Identity::User {
                name: "alice".into(),
                role: authz::Role::Edit
            })
        );
        assert!(identity_of_cert(&leaf(&Profile::user("x", "devs"))).is_err());
        assert!(identity_of_cert(&leaf(&Profile::user(CONTROL_IDENTITY, "ork:admin"))).is_err());
        assert!(identity_of_cert(&leaf(&Profile::user("system:node:n2", "ork:admin"))).is_err());
    }
}
