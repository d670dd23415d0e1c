//! The service-account token directory a pod's containers see at
//! `/var/run/secrets/kubernetes.io/serviceaccount` (`token`, `ca.crt`,
//! `namespace`), as Kubernetes' `kube-api-access-*` projected volume gives
//! it. In-cluster clients (client-go, the Python client's
//! `load_incluster_config`) reach ork's API at `KUBERNETES_SERVICE_HOST` and
//! `KUBERNETES_SERVICE_PORT`: the API's Service `default/kubernetes`, which
//! every container's environment names (with the Service variables);
//! while the node does
//! not know that Service, they name the control daemon this node talks to.
//!
//! - Whether a pod gets one: [`crate::api::serviceaccount::automount`] of
//!   the pod's and its ServiceAccount's `automountServiceAccountToken`.
//! - The token is a bound one (TokenRequest, `expirationSeconds` 3607 as the
//!   kubelet asks), bound to the pod: it stops working once the pod is gone.
//!   It is kept in `P/<pod uid>/serviceaccount` (files 0644 in a directory
//!   written atomically, as configMap volumes are) and replaced after 80% of
//!   its life by one task per pod, which ends when the pod's directory is
//!   removed or the API refuses (the pod is gone).
//! - Docker binds the directory read-only; the process runtime, when the
//!   node runs as root, bind-mounts it in the container's own mount
//!   namespace ([`crate::node::runtime::shim`]); a node that is not root
//!   cannot put it at that path, and the container gets
//!   `ORK_SERVICE_ACCOUNT_DIR` pointing at it instead.
//!
//! A token that cannot be had is a Warning event (`FailedMountServiceAccountToken`);
//! the container starts without it.

use super::Worker;
use crate::api::Pod;
use crate::api::bound_token::MOUNT_PATH;
use crate::api::serviceaccount::{ServiceAccount, automount};
use crate::client::Client;
use crate::node::runtime::ContainerSpec;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The lifetime the node asks for, as the kubelet does.
const EXPIRATION: i64 = 3607;
/// The volume name the mount carries (the process runtime finds it by it).
pub const VOLUME: &str = "kube-api-access";

/// Pods (by uid) whose token is being kept fresh.
fn refreshing() -> &'static Mutex<HashSet<String>> {
    static SET: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    SET.get_or_init(Default::default)
}

/// `KUBERNETES_SERVICE_HOST` and `_PORT` for a server URL.
pub fn service_env(server: &str) -> Vec<(String, String)> {
    let Ok(url) = reqwest::Url::parse(server) else {
        return vec![];
    };
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or(443).to_string();
    vec![
        ("KUBERNETES_SERVICE_HOST".into(), host),
        ("KUBERNETES_SERVICE_PORT".into(), port.clone()),
        ("KUBERNETES_SERVICE_PORT_HTTPS".into(), port),
    ]
}

/// Asks for a token bound to `pod`; returns it and when to replace it.
async fn request(client: &Client, pod: &Pod) -> Result<(String, i64), String> {
    crate::node::volumes::tokens::request(client, pod, vec![], EXPIRATION).await
}

/// Writes the directory's files (atomically, all at once).
fn write(dir: &Path, token: &str, ca: &[u8], namespace: &str) -> Result<(), String> {
    let files: BTreeMap<String, Vec<u8>> = [
        ("token".to_string(), token.as_bytes().to_vec()),
        ("ca.crt".to_string(), ca.to_vec()),
        ("namespace".to_string(), namespace.as_bytes().to_vec()),
    ]
    .into();
    crate::node::volumes::write_atomic(dir, &files, 0o644, None)
        .map(|_| ())
        .map_err(|e| format!("writing {}: {e}", dir.display()))
}

/// Keeps the token of `pod` in `dir` fresh until the directory is removed
/// or the API refuses (the pod or its account is gone).
async fn refresh(client: Client, pod: Pod, dir: PathBuf, ca: Vec<u8>, mut at: i64) {
    let uid = pod.metadata.uid.clone();
    loop {
        let wait = (at - chrono::Utc::now().timestamp()).max(1);
        tokio::time::sleep(std::time::Duration::from_secs(wait.unsigned_abs())).await;
        if !dir.exists() {
            break;
        }
        match request(&client, &pod).await {
            Ok((token, next)) => {
                if let Err(e) = write(&dir, &token, &ca, &pod.metadata.namespace) {
                    tracing::warn!(pod = %pod.metadata.name, error = %e, "refreshing the service-account token");
                }
                at = next;
            }
            Err(e) if e.contains("(403)") || e.contains("(404)") || e.contains("(422)") => {
                tracing::debug!(pod = %pod.metadata.name, error = %e, "no more service-account tokens");
                break;
            }
            // The API is unreachable: try again soon.
            Err(_) => at = chrono::Utc::now().timestamp() + 10,
        }
    }
    if let Ok(mut s) = refreshing().lock() {
        s.remove(&uid);
    }
}

impl Worker {
    /// Mounts the pod's service-account token directory into `spec` (see
    /// the module docs), making it on the first start.
    pub(super) async fn service_account_token(&self, runtime: &str, spec: &mut ContainerSpec) {
        if !matches!(runtime, "process" | "docker") {
            return;
        }
        let pod = self.state.pod().as_ref().clone();
        if pod.spec.automount_service_account_token == Some(false) {
            return;
        }
        let client = &self.shared.client;
        let ns = pod.metadata.namespace.clone();
        let account = match client
            .get::<ServiceAccount>(&ns, pod.service_account())
            .await
        {
            Ok(sa) => sa,
            Err(e) => {
                let why = format!("reading ServiceAccount {ns}/{}: {e}", pod.service_account());
                self.event("Warning", "FailedMountServiceAccountToken", &why)
                    .await;
                return;
            }
        };
        if !automount(
            pod.spec.automount_service_account_token,
            account.automount_service_account_token,
        ) {
            return;
        }
        let dir = match crate::node::volumes::traversable_dirs(
            &self.shared.volumes.pods,
            &[&pod.metadata.uid],
        ) {
            Ok(d) => d.join("serviceaccount"),
            Err(e) => {
                tracing::warn!(pod = %self.key(), error = %e, "no service-account token directory");
                return;
            }
        };
        let fresh = dir.join("token").exists()
            && refreshing()
                .lock()
                .is_ok_and(|s| s.contains(&pod.metadata.uid));
        if !fresh {
            let ca = self.shared.cluster_ca.clone();
            let made = match request(client, &pod).await {
                Ok((token, at)) => write(&dir, &token, &ca, &ns).map(|()| at),
                Err(e) => Err(e),
            };
            match made {
                Ok(at) => {
                    if let Ok(mut s) = refreshing().lock()
                        && s.insert(pod.metadata.uid.clone())
                    {
                        tokio::spawn(refresh(client.clone(), pod.clone(), dir.clone(), ca, at));
                    }
                }
                Err(e) => {
                    let why = format!(
                        "a token for ServiceAccount {ns}/{}: {e}",
                        pod.service_account()
                    );
                    self.event("Warning", "FailedMountServiceAccountToken", &why)
                        .await;
                    return;
                }
            }
        }
        // The API's Service gave them already; a node that does not know it
        // (a control plane that has none yet) names its own server.
        if !spec.env.iter().any(|(k, _)| k == "KUBERNETES_SERVICE_HOST") {
            spec.env.extend(service_env(client.server()));
        }
        spec.env
            .push(("ORK_SERVICE_ACCOUNT_DIR".into(), dir.display().to_string()));
        spec.mounts.push(crate::node::volumes::Mount {
            volume: VOLUME.into(),
            host_path: dir,
            container_path: MOUNT_PATH.into(),
            read_only: true,
            tmpfs: false,
            size_limit: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_variables_name_the_api_server() {
        let env = service_env("https://127.0.0.1:6443");
        assert_eq!(
            env[0],
            ("KUBERNETES_SERVICE_HOST".into(), "127.0.0.1".into())
        );
        assert_eq!(env[1], ("KUBERNETES_SERVICE_PORT".into(), "6443".into()));
        let env = service_env("https://[::1]:7000");
        assert_eq!(env[0].1, "::1");
        assert!(service_env("not a url").is_empty());
    }
}
