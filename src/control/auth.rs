//! The credentials `ork control` keeps in its data dir (0700, files 0600):
//!
//! - `admin.token`: a bearer token with the admin role, and
//!   `admin.kubeconfig`, a kubeconfig holding it with the cluster CA;
//! - `node.token`: a join token `K10<ca hash>::<id>.<secret>` for adding
//!   nodes, kept as long as the store still has it (a Secret in
//!   `kube-system`, see [`crate::api::token`]); it does not expire, and
//!   `ork token revoke <id>` retires it (the next start makes a new one).
//!
//! Who may do what with these is [`crate::control::authz`]'s business.

use crate::api::token::{self as tokens, TokenRole};
use crate::api::token::{Token, parse_join};
use crate::api::{Secret, Time};
use crate::control::store::{Store, StoreError};
use crate::sys::{private_dir, read_private, write_private};
use std::path::{Path, PathBuf};

/// The tokens ork control hands out at start.
#[derive(Clone)]
pub struct Tokens {
    /// The admin bearer token.
    pub admin: String,
    /// The join token for nodes, as `K10<ca hash>::<id>.<secret>`.
    pub node: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(<redacted>)")
    }
}

/// Errors preparing the data dir or its token files.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("token file {0} is empty; delete it to have a new token made")]
    Empty(PathBuf),
    #[error(transparent)]
    Sys(#[from] crate::sys::SysError),
    #[error("recording the join token: {0}")]
    Store(#[from] StoreError),
}

/// A new random token: 64 hex characters (244 random bits).
pub fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Reads a token file, creating it with a new token when absent. A file
/// readable by others is made private again.
pub fn load_or_create_token(path: &Path) -> Result<String, AuthError> {
    match read_private(path)? {
        Some(s) => {
            let t = s.trim().to_string();
            if t.is_empty() {
                return Err(AuthError::Empty(path.to_path_buf()));
            }
            Ok(t)
        }
        None => {
            let t = new_token();
            write_private(path, format!("{t}\n").as_bytes())?;
            Ok(t)
        }
    }
}

/// The admin token (`admin.token`, made on first start).
pub fn admin_token(data_dir: &Path) -> Result<String, AuthError> {
    private_dir(data_dir)?;
    load_or_create_token(&data_dir.join("admin.token"))
}

/// The key bound service-account tokens are signed with, derived from the
/// CA key (`ca.key`, 0600), so it is never written anywhere else and every
/// control daemon sharing the CA accepts the same tokens.
pub fn service_account_key(data_dir: &Path) -> Result<Vec<u8>, AuthError> {
    let path = data_dir.join("ca.key");
    match read_private(&path)? {
        Some(k) if !k.trim().is_empty() => Ok(crate::api::bound_token::derive_key(k.as_bytes())),
        _ => Err(AuthError::Empty(path)),
    }
}

/// The join token of `node.token`: kept while it names this CA and the
/// store still holds it unexpired; otherwise a new one, recorded in the
/// store and written to the file.
pub async fn join_token(
    data_dir: &Path,
    store: &Store,
    ca_hash: &str,
) -> Result<String, AuthError> {
    let path = data_dir.join("node.token");
    if let Some(text) = read_private(&path)?
        && let Ok((hash, token)) = parse_join(&text)
        && crate::tls::hex(&hash) == ca_hash
        && store
            .get::<Secret>(tokens::NAMESPACE, &tokens::secret_name(&token.id))
            .is_some_and(|s| tokens::check(&s, &token, &Time::now()) == Ok(TokenRole::Node))
    {
        return Ok(text.trim().to_string());
    }
    let token = Token::generate();
    let secret = tokens::to_secret(
        &token,
        TokenRole::Node,
        None,
        "node.token of ork control: joins nodes",
    );
    store.create(secret).await?;
    let text = token.join_text(ca_hash);
    write_private(&path, format!("{text}\n").as_bytes())?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_admin_token_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let t1 = admin_token(&data).unwrap();
        let t2 = admin_token(&data).unwrap();
        assert_eq!(t1, t2);
        assert_eq!(t1.len(), 64);
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("admin.token")), 0o600);
    }

    #[test]
    fn a_token_file_readable_by_others_is_made_private() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("admin.token");
        fs::write(&p, "abc\n").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(load_or_create_token(&p).unwrap(), "abc");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[tokio::test]
    async fn the_join_token_is_kept_while_the_store_has_it_and_replaced_when_revoked() {
        let store = crate::control::store::testing::temp_store().await;
        let dir = tempfile::tempdir().unwrap();
        crate::control::daemon::ensure_namespace(&store, tokens::NAMESPACE)
            .await
            .unwrap();
        let hash = "ab".repeat(32);
        let a = join_token(dir.path(), &store, &hash).await.unwrap();
        assert!(a.starts_with(&format!("K10{hash}::")), "{a}");
        assert_eq!(join_token(dir.path(), &store, &hash).await.unwrap(), a);
        let (_, t) = parse_join(&a).unwrap();
        store
            .delete::<Secret>(
                tokens::NAMESPACE,
                &tokens::secret_name(&t.id),
                Default::default(),
            )
            .await
            .unwrap();
        let b = join_token(dir.path(), &store, &hash).await.unwrap();
        assert_ne!(a, b, "a revoked token is not handed out again");
        // Another CA: another token.
        let c = join_token(dir.path(), &store, &"cd".repeat(32))
            .await
            .unwrap();
        assert!(c.starts_with(&format!("K10{}::", "cd".repeat(32))));
    }
}
