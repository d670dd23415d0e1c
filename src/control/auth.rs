//! Tokens and who may do what. `ork control` keeps two bearer tokens in its
//! data dir: `admin.token` (everything) and `node.token` (what a node daemon
//! needs: register and heartbeat its Node, read pods, report their status,
//! finish their deletion, record events). Files are 0600 in a 0700 dir
//! (see [`crate::sys`]).

use crate::sys::{private_dir, read_private, write_private};
use axum::http::Method;
use std::path::{Path, PathBuf};

/// Who a request comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Node,
}

/// The tokens the API accepts.
#[derive(Clone)]
pub struct Tokens {
    pub admin: String,
    pub node: String,
}

/// Errors preparing the data dir or its token files.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("token file {0} is empty; delete it to have a new token made")]
    Empty(PathBuf),
    #[error(transparent)]
    Sys(#[from] crate::sys::SysError),
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

impl Tokens {
    /// Loads (or creates) `admin.token` and `node.token` in the data dir.
    pub fn load(data_dir: &Path) -> Result<Tokens, AuthError> {
        private_dir(data_dir)?;
        Ok(Tokens {
            admin: load_or_create_token(&data_dir.join("admin.token"))?,
            node: load_or_create_token(&data_dir.join("node.token"))?,
        })
    }

    /// The role a bearer token grants, if any.
    pub fn role(&self, presented: &str) -> Option<Role> {
        if constant_time_eq(presented.as_bytes(), self.admin.as_bytes()) {
            Some(Role::Admin)
        } else if constant_time_eq(presented.as_bytes(), self.node.as_bytes()) {
            Some(Role::Node)
        } else {
            None
        }
    }
}

/// Compares in constant time, so timing tells nothing about the token's
/// contents (tokens all have the same length).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// Whether a role may make a request. Admins may do everything; node daemons
/// may read pods, nodes, namespaces, events, services and endpoints (their
/// service proxy), ConfigMaps and Secrets (what pods consume), write Nodes and their heartbeats, write pod status,
/// delete pods, and record events.
pub fn allowed(role: Role, method: &Method, path: &str) -> bool {
    if role == Role::Admin {
        return true;
    }
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let resource = resource_of(&segs);
    let read = method == Method::GET;
    match resource.as_deref() {
        Some("pods") if read => true,
        Some("pods/status") => matches!(*method, Method::GET | Method::PUT | Method::PATCH),
        Some("pods") => *method == Method::DELETE,
        Some("nodes") | Some("nodes/status") | Some("nodes/heartbeat") | Some("nodes/usage") => {
            true
        }
        Some("events") => matches!(
            *method,
            Method::GET | Method::POST | Method::PUT | Method::PATCH
        ),
        Some("namespaces") | Some("services") | Some("endpoints") => read,
        // What pods consume: env and volumes.
        Some("configmaps") | Some("secrets") | Some("persistentvolumeclaims") => read,
        _ => path == "/version",
    }
}

/// `pods`, `pods/status`, `nodes/heartbeat`... from a core (`/api/v1/...`) path.
fn resource_of(segs: &[&str]) -> Option<String> {
    let rest = match segs {
        ["api", "v1", rest @ ..] => rest,
        _ => return None,
    };
    let rest = match rest {
        ["namespaces", _, r @ ..] if !r.is_empty() => r,
        r => r,
    };
    match rest {
        [res] | [res, _] => Some(res.to_string()),
        [res, _, sub] => Some(format!("{res}/{sub}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn tokens_are_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let t1 = Tokens::load(&data).unwrap();
        let t2 = Tokens::load(&data).unwrap();
        assert_eq!(t1.admin, t2.admin);
        assert_ne!(t1.admin, t1.node);
        assert_eq!(t1.admin.len(), 64);
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("admin.token")), 0o600);
        assert_eq!(mode(&data.join("node.token")), 0o600);
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

    #[test]
    fn roles_come_from_exact_tokens_only() {
        let t = Tokens {
            admin: "a".repeat(64),
            node: "n".repeat(64),
        };
        assert_eq!(t.role(&"a".repeat(64)), Some(Role::Admin));
        assert_eq!(t.role(&"n".repeat(64)), Some(Role::Node));
        assert_eq!(t.role(&"a".repeat(63)), None);
        assert_eq!(t.role(&"a".repeat(65)), None);
        assert_eq!(t.role(""), None);
    }

    #[test]
    fn node_tokens_reach_only_what_a_node_needs() {
        let ok = |m: Method, p: &str| allowed(Role::Node, &m, p);
        assert!(ok(Method::GET, "/api/v1/pods"));
        assert!(ok(Method::GET, "/api/v1/namespaces/default/pods/a"));
        assert!(ok(Method::PUT, "/api/v1/namespaces/default/pods/a/status"));
        assert!(ok(Method::DELETE, "/api/v1/namespaces/default/pods/a"));
        assert!(ok(Method::POST, "/api/v1/nodes"));
        assert!(ok(Method::POST, "/api/v1/nodes/n1/heartbeat"));
        assert!(ok(Method::POST, "/api/v1/namespaces/default/events"));
        assert!(ok(Method::GET, "/api/v1/services"));
        assert!(ok(Method::GET, "/api/v1/endpoints"));
        assert!(!ok(Method::PUT, "/api/v1/namespaces/default/endpoints/a"));
        assert!(!ok(Method::POST, "/api/v1/namespaces/default/pods"));
        assert!(!ok(Method::PUT, "/api/v1/namespaces/default/pods/a"));
        assert!(!ok(Method::GET, "/apis/apps/v1/deployments"));
        assert!(!ok(Method::DELETE, "/api/v1/namespaces/default"));
        assert!(!ok(Method::POST, "/apis/ork.dev/v1/apply"));
        assert!(allowed(
            Role::Admin,
            &Method::DELETE,
            "/api/v1/namespaces/x"
        ));
    }
}
