//! Tokens: `<id>.<secret>` (6 and 16 characters of `[a-z0-9]`, as
//! kubeadm's bootstrap tokens) with a role — `node` (a join token, which
//! only joins) or a user's `admin`, `edit`, `view`.
//!
//! A token is kept as a Secret `token-<id>` in the `kube-system`
//! namespace, of type `ork.dev/token`, holding the id, the role, an optional
//! expiry and description, and the SHA-256 of the secret part, never the
//! secret itself: the token is shown once, when it is made. A join token is
//! handed to nodes as `K10<ca hash>::<id>.<secret>`, so a joining node can
//! check the server's CA before it sends the secret.
//!
//! Pure: building and checking these; the store holds them.

use super::{Secret, Time, new_object};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// The prefix of a join token that carries the CA hash.
pub const JOIN_PREFIX: &str = "K10";

/// A token's two parts.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub id: String,
    pub secret: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({}.<redacted>)", self.id)
    }
}

fn random_lower(n: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in uuid::Uuid::new_v4().as_bytes() {
            // 252 = 7 * 36: no bias.
            if *b < 252 && out.len() < n {
                out.push(ALPHABET[usize::from(*b) % 36] as char);
            }
        }
    }
    out
}

fn well_formed(part: &str, len: usize) -> bool {
    part.len() == len
        && part
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl Token {
    pub fn generate() -> Token {
        Token {
            id: random_lower(6),
            secret: random_lower(16),
        }
    }

    /// Reads `<id>.<secret>`.
    pub fn parse(s: &str) -> Option<Token> {
        let (id, secret) = s.trim().split_once('.')?;
        (well_formed(id, 6) && well_formed(secret, 16)).then(|| Token {
            id: id.into(),
            secret: secret.into(),
        })
    }

    pub fn to_text(&self) -> String {
        format!("{}.{}", self.id, self.secret)
    }

    /// `K10<ca hash>::<id>.<secret>`.
    pub fn join_text(&self, ca_hash: &str) -> String {
        format!("{JOIN_PREFIX}{ca_hash}::{}", self.to_text())
    }

    /// The SHA-256 of the secret part, in hex: what the server keeps.
    pub fn secret_sha256(&self) -> String {
        Sha256::digest(self.secret.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Reads a join token's text: the CA hash (raw bytes) and the token.
pub fn parse_join(s: &str) -> Result<([u8; 32], Token), String> {
    let s = s.trim();
    let rest = s.strip_prefix(JOIN_PREFIX).ok_or_else(|| {
        format!("a join token starts with {JOIN_PREFIX} followed by the CA's hash (print one with `ork token create --role node`)")
    })?;
    let (hash, token) = rest
        .split_once("::")
        .ok_or("a join token is K10<hash>::<id>.<secret>")?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("the CA hash of a join token is 64 hex digits".into());
    }
    let mut raw = [0u8; 32];
    for (i, b) in raw.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hash[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
    }
    let token = Token::parse(token).ok_or("the token part is <6 characters>.<16 characters>")?;
    Ok((raw, token))
}

/// A user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Edit,
    View,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Edit, Role::View];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Edit => "edit",
            Role::View => "view",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The group a user of this role is in (certificates carry it as their
    /// organization).
    pub fn group(self) -> String {
        format!("ork:{}", self.as_str())
    }

    pub fn from_group(g: &str) -> Option<Role> {
        g.strip_prefix("ork:").and_then(Role::parse)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    fn join_tokens_carry_the_ca_hash() {
        let t = Token::generate();
        let hash = "ab".repeat(32);
        let (raw, back) = parse_join(&t.join_text(&hash)).unwrap();
        assert_eq!(back, t);
        assert_eq!(raw, [0xab; 32]);
        assert!(parse_join(&t.to_text()).is_err());
        assert!(parse_join(&format!("K10{}::{}", "zz".repeat(32), t.to_text())).is_err());
        assert!(parse_join(&format!("K10{hash}::short.token")).is_err());
        assert_eq!(Token::parse("ABCDEF.0123456789abcdef"), None);
    }

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
