//! Tokens as clients hold them: `<id>.<secret>` (6 and 16 characters of
//! `[a-z0-9]`, as kubeadm's bootstrap tokens), and join tokens
//! `K10<ca hash>::<id>.<secret>`, which carry the SHA-256 of the cluster
//! CA's public key so a joining node can check the server before it sends
//! the secret. Pure: no I/O.

use sha2::{Digest, Sha256};

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
}
