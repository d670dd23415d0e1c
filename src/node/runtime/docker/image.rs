//! Images: when to pull (`imagePullPolicy`, defaulting as Kubernetes does:
//! `Always` for `:latest` or no tag, `IfNotPresent` otherwise) and pulling
//! with a deadline, so a pull that cannot work here ends in a clear error
//! (`ErrImagePull`, `ErrImageNeverPull`) instead of a hang; with the pod's
//! `imagePullSecrets` credentials for the image's registry.

use super::super::RuntimeError;
use crate::api::PullPolicy;
use crate::node::pull_secrets::RegistryAuth;
use bollard::Docker;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::CreateImageOptions;
use futures::StreamExt;
use std::time::Duration;

/// Longest a pull may take.
pub const PULL_DEADLINE: Duration = Duration::from_secs(180);

/// The policy in force for an image.
pub fn effective_policy(image: &str, policy: Option<PullPolicy>) -> PullPolicy {
    if let Some(p) = policy {
        return p;
    }
    // The tag is after the last ':' that follows the last '/' (a registry port is not a tag).
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    match last.rsplit_once(':') {
        Some((_, "latest")) | None if !image.contains('@') => PullPolicy::Always,
        _ => PullPolicy::IfNotPresent,
    }
}

/// `name` and `tag` for a pull (`nginx` → `nginx:latest`).
pub fn split_ref(image: &str) -> (String, String) {
    if image.contains('@') {
        return (image.to_string(), String::new());
    }
    let slash = image.rfind('/').map(|i| i + 1).unwrap_or(0);
    match image[slash..].rfind(':') {
        Some(i) => (
            image[..slash + i].to_string(),
            image[slash + i + 1..].to_string(),
        ),
        None => (image.to_string(), "latest".to_string()),
    }
}

async fn present(docker: &Docker, image: &str) -> bool {
    docker.inspect_image(image).await.is_ok()
}

/// Whether the image must be pulled, as the policy says; a missing image
/// under `Never` is an `ErrImageNeverPull` error.
pub async fn needs_pull(
    docker: &Docker,
    image: &str,
    policy: Option<PullPolicy>,
) -> Result<bool, RuntimeError> {
    match effective_policy(image, policy) {
        PullPolicy::Always => Ok(true),
        PullPolicy::IfNotPresent => Ok(!present(docker, image).await),
        PullPolicy::Never if present(docker, image).await => Ok(false),
        PullPolicy::Never => Err(RuntimeError::Image {
            reason: "ErrImageNeverPull",
            message: format!("Container image {image:?} is not present with pull policy of Never"),
        }),
    }
}

/// Pulls the image, within [`PULL_DEADLINE`], with each of the pod's
/// credentials for its registry in turn until one works (the last one's
/// error if none does), or without any when none is for its registry.
pub async fn pull(
    docker: &Docker,
    image: &str,
    auths: &[RegistryAuth],
) -> Result<(), RuntimeError> {
    let matching = crate::node::pull_secrets::for_image(auths, image);
    if matching.is_empty() {
        return pull_as(docker, image, None).await;
    }
    let mut last = None;
    for a in matching {
        match pull_as(docker, image, Some(a)).await {
            Ok(()) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| RuntimeError::Other("no pull was tried".into())))
}

/// One pull, as `auth` when given.
async fn pull_as(
    docker: &Docker,
    image: &str,
    auth: Option<&RegistryAuth>,
) -> Result<(), RuntimeError> {
    let (name, tag) = split_ref(image);
    let opts = CreateImageOptions {
        from_image: Some(name),
        tag: (!tag.is_empty()).then_some(tag),
        ..Default::default()
    };
    let credentials = auth.map(|a| DockerCredentials {
        username: Some(a.username.clone()),
        password: Some(a.password.clone()),
        serveraddress: Some(a.server.clone()),
        ..Default::default()
    });
    let pull = async {
        let mut s = docker.create_image(Some(opts), None, credentials);
        while let Some(item) = s.next().await {
            let info = item.map_err(|e| match e {
                bollard::errors::Error::DockerResponseServerError { message, .. } => message,
                other => other.to_string(),
            })?;
            if let Some(err) = info.error_detail.and_then(|d| d.message) {
                return Err(err);
            }
        }
        Ok(())
    };
    match tokio::time::timeout(PULL_DEADLINE, pull).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(msg)) => Err(RuntimeError::Image {
            reason: "ErrImagePull",
            message: msg,
        }),
        Err(_) => Err(RuntimeError::Image {
            reason: "ErrImagePull",
            message: format!(
                "no answer from the registry within {}s",
                PULL_DEADLINE.as_secs()
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policies_default_like_kubernetes() {
        assert_eq!(effective_policy("nginx", None), PullPolicy::Always);
        assert_eq!(effective_policy("nginx:latest", None), PullPolicy::Always);
        assert_eq!(
            effective_policy("nginx:1.25", None),
            PullPolicy::IfNotPresent
        );
        assert_eq!(
            effective_policy("reg:5000/team/app", None),
            PullPolicy::Always
        );
        assert_eq!(
            effective_policy("reg:5000/team/app:v2", None),
            PullPolicy::IfNotPresent
        );
        assert_eq!(
            effective_policy("app@sha256:abc", None),
            PullPolicy::IfNotPresent
        );
        assert_eq!(
            effective_policy("nginx", Some(PullPolicy::Never)),
            PullPolicy::Never
        );
    }

    #[test]
    fn references_split_into_name_and_tag() {
        assert_eq!(split_ref("nginx"), ("nginx".into(), "latest".into()));
        assert_eq!(split_ref("nginx:1.25"), ("nginx".into(), "1.25".into()));
        assert_eq!(
            split_ref("reg:5000/app"),
            ("reg:5000/app".into(), "latest".into())
        );
        assert_eq!(
            split_ref("reg:5000/app:v1"),
            ("reg:5000/app".into(), "v1".into())
        );
    }
}
