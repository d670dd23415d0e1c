//! Bound service-account tokens: what `POST .../serviceaccounts/NAME/token`
//! (a `authentication.k8s.io/v1` TokenRequest) answers and what pods find in
//! `/var/run/secrets/kubernetes.io/serviceaccount/token`.
//!
//! A token is a JWT (`header.claims.signature`, base64url) signed with
//! HMAC-SHA256 under a key the control daemon derives from its CA key (so
//! the key itself never leaves the CA key's 0600 file). Its claims are
//! Kubernetes': `iss`, `sub` (`system:serviceaccount:NS:NAME`), `aud`,
//! `exp`, `iat`, `nbf`, `jti`, and under `kubernetes.io` the namespace, the
//! account (name, uid) and the pod it is bound to (name, uid).
//!
//! # Guarantees
//!
//! - [`verify`] accepts only a token signed under the same key, not expired
//!   (`exp`), not used before `nbf`; the caller then checks the account and
//!   the bound pod still exist with the uids the token names.
//! - [`claims_for`] refuses what Kubernetes refuses: an expiry under ten
//!   minutes, a bound object that is not a Pod, a pod of another account.
//!
//! Pure: building, signing and checking; the store and the clock are the
//! caller's.

use super::pod::Pod;
use super::serviceaccount::ServiceAccount;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};

/// The issuer, and the audience the API accepts (Kubernetes' defaults).
pub const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";
/// Seconds a token lives when the request names no expiry.
pub const DEFAULT_EXPIRATION: i64 = 3600;
/// Seconds a token lives at least.
pub const MIN_EXPIRATION: i64 = 600;
/// Seconds a token lives at most (Kubernetes' `2^32`).
pub const MAX_EXPIRATION: i64 = 1 << 32;
/// Where pods find their token, CA and namespace.
pub const MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// A name and uid.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub name: String,
    pub uid: String,
}

/// The `kubernetes.io` claim.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Private {
    pub namespace: String,
    pub serviceaccount: Named,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<Named>,
}

/// A token's claims.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    #[serde(rename = "kubernetes.io")]
    pub kubernetes: Private,
}

/// A TokenRequest's `spec`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TokenRequestSpec {
    pub audiences: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound_object_ref: Option<BoundObjectReference>,
}

/// What a token is bound to (only Pods here).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BoundObjectReference {
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
}

/// Why a token was not issued or not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The request is wrong (a 400 or 422).
    #[error("{0}")]
    Invalid(String),
    /// Not a token of ours, or altered.
    #[error("invalid bearer token: its signature does not verify")]
    BadSignature,
    #[error("invalid bearer token: service account token has expired")]
    Expired,
    #[error("invalid bearer token: service account token is not valid yet")]
    NotYetValid,
    #[error("invalid bearer token: token audiences {0:?} do not include the API's ({ISSUER})")]
    Audience(Vec<String>),
}

/// The claims of a token for `sa`, bound to `pod` when given, issued at
/// `now` (seconds since the epoch); `jti` is a fresh unique id.
pub fn claims_for(
    spec: &TokenRequestSpec,
    sa: &ServiceAccount,
    pod: Option<&Pod>,
    now: i64,
    jti: String,
) -> Result<Claims, TokenError> {
    let life = spec.expiration_seconds.unwrap_or(DEFAULT_EXPIRATION);
    if life < MIN_EXPIRATION {
        return Err(TokenError::Invalid(
            "spec.expirationSeconds: Invalid value: may not specify a duration less than 10 minutes".into(),
        ));
    }
    if life > MAX_EXPIRATION {
        return Err(TokenError::Invalid(
            "spec.expirationSeconds: Invalid value: may not specify a duration larger than 2^32 seconds".into(),
        ));
    }
    let ns = &sa.metadata.namespace;
    let bound = match (&spec.bound_object_ref, pod) {
        (None, _) => None,
        (Some(r), _) if r.kind != "Pod" => {
            return Err(TokenError::Invalid(format!(
                "spec.boundObjectRef.kind: Unsupported value: {:?}: ork binds tokens to Pods only (supported values: \"Pod\")",
                r.kind
            )));
        }
        (Some(r), None) => {
            return Err(TokenError::Invalid(format!(
                "spec.boundObjectRef: pod {ns}/{} not found",
                r.name
            )));
        }
        (Some(r), Some(p)) => {
            if !r.uid.is_empty() && r.uid != p.metadata.uid {
                return Err(TokenError::Invalid(format!(
                    "spec.boundObjectRef.uid: the uid of pod {ns}/{} is {}, not {}",
                    r.name, p.metadata.uid, r.uid
                )));
            }
            if p.service_account() != sa.metadata.name {
                return Err(TokenError::Invalid(format!(
                    "spec.boundObjectRef: pod {ns}/{} runs as service account {:?}, not {:?}",
                    r.name,
                    p.service_account(),
                    sa.metadata.name
                )));
            }
            Some(Named {
                name: p.metadata.name.clone(),
                uid: p.metadata.uid.clone(),
            })
        }
    };
    let aud = if spec.audiences.is_empty() {
        vec![ISSUER.to_string()]
    } else {
        spec.audiences.clone()
    };
    Ok(Claims {
        iss: ISSUER.into(),
        sub: super::rbac::service_account_user(ns, &sa.metadata.name),
        aud,
        exp: now + life,
        iat: now,
        nbf: now,
        jti,
        kubernetes: Private {
            namespace: ns.clone(),
            serviceaccount: Named {
                name: sa.metadata.name.clone(),
                uid: sa.metadata.uid.clone(),
            },
            pod: bound,
        },
    })
}

/// The signing key derived from the CA key's bytes.
pub fn derive_key(ca_key: &[u8]) -> Vec<u8> {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"ork service-account tokens v1");
    ring::hmac::sign(&k, ca_key).as_ref().to_vec()
}

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// The signed token.
pub fn sign(key: &[u8], claims: &Claims) -> String {
    let body = serde_json::to_vec(claims).unwrap_or_default();
    let signed = format!("{}.{}", B64.encode(HEADER), B64.encode(body));
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let sig = ring::hmac::sign(&k, signed.as_bytes());
    format!("{signed}.{}", B64.encode(sig.as_ref()))
}

/// Whether `token` looks like a JWT (three base64url parts, a JSON header).
pub fn is_jwt(token: &str) -> bool {
    token.starts_with("eyJ") && token.split('.').count() == 3
}

/// The claims of a token signed under `key`, valid at `now`, for the API.
pub fn verify(key: &[u8], token: &str, now: i64) -> Result<Claims, TokenError> {
    let (signed, sig) = token.rsplit_once('.').ok_or(TokenError::BadSignature)?;
    let sig = B64.decode(sig).map_err(|_| TokenError::BadSignature)?;
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    ring::hmac::verify(&k, signed.as_bytes(), &sig).map_err(|_| TokenError::BadSignature)?;
    let (header, body) = signed.split_once('.').ok_or(TokenError::BadSignature)?;
    if B64.decode(header).ok().as_deref() != Some(HEADER.as_bytes()) {
        return Err(TokenError::BadSignature);
    }
    let claims: Claims = B64
        .decode(body)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::BadSignature)?;
    if now >= claims.exp {
        return Err(TokenError::Expired);
    }
    if now < claims.nbf {
        return Err(TokenError::NotYetValid);
    }
    if !claims.aud.iter().any(|a| a == ISSUER) {
        return Err(TokenError::Audience(claims.aud));
    }
    Ok(claims)
}

/// When a token issued at `iat` for `exp` should be replaced: after 80% of
/// its life, as the kubelet does.
pub fn refresh_at(iat: i64, exp: i64) -> i64 {
    iat + (exp - iat) * 4 / 5
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::new_object;

    fn account() -> ServiceAccount {
        let mut sa: ServiceAccount = new_object("team", "reader");
        sa.metadata.uid = "sa-uid".into();
        sa
    }

    fn pod(sa: &str) -> Pod {
        let mut p: Pod = new_object("team", "web");
        p.metadata.uid = "pod-uid".into();
        p.spec.service_account_name = sa.into();
        p
    }

    fn bound(spec_uid: &str) -> TokenRequestSpec {
        TokenRequestSpec {
            bound_object_ref: Some(BoundObjectReference {
                kind: "Pod".into(),
                name: "web".into(),
                uid: spec_uid.into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires_and_not_under_another_key() {
        let key = derive_key(b"ca key");
        let p = pod("reader");
        let c = claims_for(&bound(""), &account(), Some(&p), 1000, "j".into()).unwrap();
        assert_eq!(c.sub, "system:serviceaccount:team:reader");
        assert_eq!(c.exp, 1000 + DEFAULT_EXPIRATION);
        assert_eq!(c.kubernetes.pod.as_ref().unwrap().uid, "pod-uid");
        let t = sign(&key, &c);
        assert!(is_jwt(&t), "{t}");
        assert_eq!(verify(&key, &t, 1001), Ok(c.clone()));
        assert_eq!(verify(&key, &t, c.exp), Err(TokenError::Expired));
        assert_eq!(verify(&key, &t, 999), Err(TokenError::NotYetValid));
        let other = derive_key(b"another ca key");
        assert_eq!(verify(&other, &t, 1001), Err(TokenError::BadSignature));
        // A changed claim breaks the signature.
        let mut parts: Vec<&str> = t.split('.').collect();
        let mut forged = c.clone();
        forged.sub = "system:serviceaccount:kube-system:admin".into();
        let body = B64.encode(serde_json::to_vec(&forged).unwrap());
        parts[1] = &body;
        assert_eq!(
            verify(&key, &parts.join("."), 1001),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_token_for_another_audience_does_not_reach_the_api() {
        let key = derive_key(b"k");
        let spec = TokenRequestSpec {
            audiences: vec!["vault".into()],
            ..Default::default()
        };
        let c = claims_for(&spec, &account(), None, 0, "j".into()).unwrap();
        assert!(matches!(
            verify(&key, &sign(&key, &c), 1),
            Err(TokenError::Audience(_))
        ));
    }

    #[test]
    fn requests_kubernetes_refuses_are_refused() {
        let sa = account();
        let short = TokenRequestSpec {
            expiration_seconds: Some(60),
            ..Default::default()
        };
        let e = claims_for(&short, &sa, None, 0, "j".into()).unwrap_err();
        assert!(e.to_string().contains("less than 10 minutes"), "{e}");
        let mut secret = bound("");
        secret.bound_object_ref.as_mut().unwrap().kind = "Secret".into();
        assert!(claims_for(&secret, &sa, None, 0, "j".into()).is_err());
        assert!(
            claims_for(&bound(""), &sa, None, 0, "j".into()).is_err(),
            "no such pod"
        );
        let p = pod("reader");
        assert!(claims_for(&bound("other-uid"), &sa, Some(&p), 0, "j".into()).is_err());
        let builder = pod("builder");
        let e = claims_for(&bound(""), &sa, Some(&builder), 0, "j".into()).unwrap_err();
        assert!(e.to_string().contains("runs as service account"), "{e}");
    }

    #[test]
    fn tokens_are_refreshed_after_four_fifths_of_their_life() {
        assert_eq!(refresh_at(0, 3600), 2880);
    }
}
