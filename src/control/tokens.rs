//! Bearer tokens made by `ork token create`: join tokens (role `node`)
//! and user tokens (`admin`, `edit`, `view`).
//!
//! A token is `<id>.<secret>` (6 and 16 characters of `[a-z0-9]`, as
//! kubeadm's bootstrap tokens). It is kept as a Secret `token-<id>` in the
//! `kube-system` namespace, of type `ork.dev/token`, holding the id, the
//! role, an optional expiry and description, and the SHA-256 of the secret
//! part, never the secret itself: the token is shown once, when it is made.
//! A join token is handed to nodes as `K10<ca hash>::<id>.<secret>`, so a
//! joining node can check the server's CA before it sends the secret.
//!
//! Pure: building and checking these objects; the store holds them.

pub use crate::api::token::{Token, parse_join};
use crate::api::{Secret, Time, new_object};
use crate::control::authz::Role;
use base64::Engine;
use subtle::ConstantTimeEq;

/// The namespace tokens live in.
pub const NAMESPACE: &str = "kube-system";
/// The Secret type of tokens.
pub const SECRET_TYPE: &str = "ork.dev/token";

/// What a token grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRole {
    /// Joins a node, nothing else.
    Node,
    User(Role),
}

impl TokenRole {
    pub fn parse(s: &str) -> Option<TokenRole> {
        if s == "node" {
            Some(TokenRole::Node)
        } else {
            Role::parse(s).map(TokenRole::User)
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TokenRole::Node => "node",
            TokenRole::User(r) => r.as_str(),
        }
    }
}

/// The Secret's name for a token id.
pub fn secret_name(id: &str) -> String {
    format!("token-{id}")
}

fn put(s: &mut Secret, key: &str, value: &str) {
    s.data.insert(
        key.into(),
        base64::engine::general_purpose::STANDARD.encode(value),
    );
}

fn get(s: &Secret, key: &str) -> Option<String> {
    s.value(key)
        .map(|v| String::from_utf8_lossy(&v).into_owned())
}

/// The Secret that records `token`.
pub fn to_secret(
    token: &Token,
    role: TokenRole,
    expires: Option<Time>,
    description: &str,
) -> Secret {
    let mut s: Secret = new_object(NAMESPACE, &secret_name(&token.id));
    s.type_ = SECRET_TYPE.into();
    put(&mut s, "token-id", &token.id);
    put(&mut s, "token-secret-sha256", &token.secret_sha256());
    put(&mut s, "role", role.as_str());
    if let Some(t) = expires {
        put(&mut s, "expiration", &t.0.to_rfc3339());
    }
    if !description.is_empty() {
        put(&mut s, "description", description);
    }
    s
}

/// What a stored token says (its secret's hash aside).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: String,
    pub role: TokenRole,
    pub expires: Option<Time>,
    pub description: String,
}

/// Reads a token Secret (`None`: not a token).
pub fn info(s: &Secret) -> Option<TokenInfo> {
    if s.type_ != SECRET_TYPE {
        return None;
    }
    Some(TokenInfo {
        id: get(s, "token-id")?,
        role: TokenRole::parse(&get(s, "role")?)?,
        expires: get(s, "expiration")
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| Time(t.with_timezone(&chrono::Utc))),
        description: get(s, "description").unwrap_or_default(),
    })
}

/// Why a presented token is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("unknown token")]
    Unknown,
    #[error("token {0} expired")]
    Expired(String),
}

/// Checks a presented token against its stored Secret at `now`.
pub fn check(stored: &Secret, presented: &Token, now: &Time) -> Result<TokenRole, Refused> {
    let info = info(stored).ok_or(Refused::Unknown)?;
    let want = get(stored, "token-secret-sha256").ok_or(Refused::Unknown)?;
    let same: bool = presented
        .secret_sha256()
        .as_bytes()
        .ct_eq(want.as_bytes())
        .into();
    if info.id != presented.id || !same {
        return Err(Refused::Unknown);
    }
    if info.expires.is_some_and(|e| e.0 <= now.0) {
        return Err(Refused::Expired(info.id));
    }
    Ok(info.role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_only_the_right_secret_passes_until_expiry() {
        let t = Token::generate();
        assert_eq!(Token::parse(&t.to_text()), Some(t.clone()));
        assert!(!format!("{t:?}").contains(&t.secret));
        let now = Time::now();
        let later = Time(now.0 + chrono::Duration::hours(2));
        let s = to_secret(
            &t,
            TokenRole::Node,
            Some(Time(now.0 + chrono::Duration::hours(1))),
            "n",
        );
        assert!(
            !serde_json::to_string(&s).unwrap().contains(&t.secret),
            "the secret is not stored"
        );
        assert_eq!(check(&s, &t, &now), Ok(TokenRole::Node));
        assert_eq!(check(&s, &t, &later), Err(Refused::Expired(t.id.clone())));
        let wrong = Token {
            id: t.id.clone(),
            secret: "0000000000000000".into(),
        };
        assert_eq!(check(&s, &wrong, &now), Err(Refused::Unknown));
        let i = info(&s).unwrap();
        assert_eq!((i.role, i.description.as_str()), (TokenRole::Node, "n"));
    }
}
