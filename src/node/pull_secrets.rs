//! Registry credentials from a pod's `imagePullSecrets`: reading them out
//! of a `kubernetes.io/dockerconfigjson` (`.dockerconfigjson`) or
//! `kubernetes.io/dockercfg` (`.dockercfg`) Secret's data, and choosing
//! those for an image's registry, as the kubelet's keyring does: the
//! registry is the image name's first part when it looks like a host
//! (has a `.` or a `:`, or is `localhost`), else Docker Hub; a key matches
//! by host (a `*.` wildcard for one label) and, when it has one, by path
//! prefix. Pure: the node reads the Secrets, the runtime pulls.
//!
//! Must not import `control`, `cli` or `tui`.

use base64::Engine;
use serde_json::Value;
use std::collections::BTreeMap;

/// One registry's credentials.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RegistryAuth {
    /// The key it was given under, as written (`registry.example.com:5000`,
    /// `https://index.docker.io/v1/`).
    pub server: String,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for RegistryAuth {
    /// The password is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryAuth")
            .field("server", &self.server)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Docker Hub's names, any of which a key for it may use.
const DOCKER_HUB: &[&str] = &["docker.io", "index.docker.io", "registry-1.docker.io"];

/// The credentials in a Secret's data; `Err` says why the data holds none
/// (no `.dockerconfigjson` or `.dockercfg` key, or not their JSON).
pub fn from_secret(data: &BTreeMap<String, Vec<u8>>) -> Result<Vec<RegistryAuth>, String> {
    let (auths, key) = if let Some(b) = data.get(".dockerconfigjson") {
        let v: Value =
            serde_json::from_slice(b).map_err(|e| format!(".dockerconfigjson is not JSON: {e}"))?;
        (
            v.get("auths").cloned().unwrap_or(Value::Null),
            ".dockerconfigjson",
        )
    } else if let Some(b) = data.get(".dockercfg") {
        let v: Value =
            serde_json::from_slice(b).map_err(|e| format!(".dockercfg is not JSON: {e}"))?;
        (v, ".dockercfg")
    } else {
        return Err("it has neither a .dockerconfigjson nor a .dockercfg key".into());
    };
    let Value::Object(auths) = auths else {
        return Err(format!("{key} has no registries"));
    };
    let mut out = vec![];
    for (server, entry) in auths {
        let field = |k: &str| {
            entry
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let (mut username, mut password) = (field("username"), field("password"));
        let auth = field("auth");
        if username.is_empty() && !auth.is_empty() {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| format!("{key}: the auth of {server:?} is not base64"))?;
            let text = String::from_utf8_lossy(&decoded).into_owned();
            let (u, p) = text
                .split_once(':')
                .ok_or_else(|| format!("{key}: the auth of {server:?} is not user:password"))?;
            (username, password) = (u.to_string(), p.to_string());
        }
        out.push(RegistryAuth {
            server,
            username,
            password,
        });
    }
    Ok(out)
}

/// The registry host of an image and the repository path after it
/// (`registry.example.com:5000/team/app:1` → (`registry.example.com:5000`,
/// `team/app`); `nginx` → (`docker.io`, `library/nginx`)).
pub fn registry_of(image: &str) -> (String, String) {
    let name = image.split('@').next().unwrap_or(image);
    let (first, rest) = name.split_once('/').unwrap_or(("", name));
    let host_like = first.contains('.') || first.contains(':') || first == "localhost";
    let (host, path) = if host_like {
        (first.to_string(), rest)
    } else {
        ("docker.io".to_string(), name)
    };
    // The tag is after the last ':' of the last part.
    let path = match path.rsplit_once('/') {
        Some((dir, last)) => format!("{dir}/{}", last.split(':').next().unwrap_or(last)),
        None => path.split(':').next().unwrap_or(path).to_string(),
    };
    let path = if host == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path
    };
    (host, path)
}

/// A key's host and path: the scheme and Docker Hub's `/v1/` left out.
fn key_parts(server: &str) -> (String, String) {
    let s = server
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let (host, path) = s.split_once('/').unwrap_or((s, ""));
    let path = path.trim_end_matches('/');
    let path = if path == "v1" || path == "v2" {
        ""
    } else {
        path
    };
    (host.to_lowercase(), path.to_string())
}

fn host_matches(key: &str, host: &str) -> bool {
    if DOCKER_HUB.contains(&key) && DOCKER_HUB.contains(&host) {
        return true;
    }
    match key.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => key == host,
    }
}

/// The credentials for `image`, most specific key (longest path) first,
/// then in the order given; empty when none is for its registry.
pub fn for_image<'a>(auths: &'a [RegistryAuth], image: &str) -> Vec<&'a RegistryAuth> {
    let (host, path) = registry_of(image);
    let host = host.to_lowercase();
    let mut found: Vec<(usize, &RegistryAuth)> = auths
        .iter()
        .filter_map(|a| {
            let (key_host, key_path) = key_parts(&a.server);
            let path_ok = key_path.is_empty()
                || path == key_path
                || path.starts_with(&format!("{key_path}/"));
            (host_matches(&key_host, &host) && path_ok).then_some((key_path.len(), a))
        })
        .collect();
    found.sort_by_key(|(len, _)| std::cmp::Reverse(*len));
    found.into_iter().map(|(_, a)| a).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(key: &str, json: &str) -> BTreeMap<String, Vec<u8>> {
        BTreeMap::from([(key.to_string(), json.as_bytes().to_vec())])
    }

    fn auth(server: &str, user: &str) -> RegistryAuth {
        RegistryAuth {
            server: server.into(),
            username: user.into(),
            password: "pw".into(),
        }
    }

    #[test]
    fn both_secret_forms_give_their_registries_with_auth_decoded() {
        let b64 = base64::engine::general_purpose::STANDARD.encode("ann:s3cret");
        let got = from_secret(&data(
            ".dockerconfigjson",
            &format!(
                r#"{{"auths": {{"reg.example.com:5000": {{"auth": "{b64}"}}, "https://index.docker.io/v1/": {{"username": "bob", "password": "pw"}}}}}}"#
            ),
        ))
        .unwrap();
        assert_eq!(
            got,
            [
                auth("https://index.docker.io/v1/", "bob"),
                RegistryAuth {
                    server: "reg.example.com:5000".into(),
                    username: "ann".into(),
                    password: "s3cret".into()
                },
            ]
        );
        let old = from_secret(&data(
            ".dockercfg",
            r#"{"quay.io": {"username": "q", "password": "pw"}}"#,
        ))
        .unwrap();
        assert_eq!(old, [auth("quay.io", "q")]);
        assert!(from_secret(&data("token", "x")).is_err());
        assert!(from_secret(&data(".dockerconfigjson", "{")).is_err());
        let bad = from_secret(&data(
            ".dockerconfigjson",
            r#"{"auths": {"r.io": {"auth": "bm9jb2xvbg=="}}}"#,
        ))
        .unwrap_err();
        assert!(bad.contains("not user:password"), "{bad}");
        assert!(
            !format!("{:?}", auth("r.io", "u")).contains("pw"),
            "passwords stay out of logs"
        );
    }

    #[test]
    fn images_name_their_registry_as_docker_does() {
        let cases = [
            ("nginx", ("docker.io", "library/nginx")),
            ("nginx:1.25", ("docker.io", "library/nginx")),
            ("team/app:v1", ("docker.io", "team/app")),
            (
                "reg.example.com:5000/team/app:v1",
                ("reg.example.com:5000", "team/app"),
            ),
            ("localhost/app", ("localhost", "app")),
            ("127.0.0.1:5000/app@sha256:abc", ("127.0.0.1:5000", "app")),
        ];
        for (image, (host, path)) in cases {
            assert_eq!(registry_of(image), (host.into(), path.into()), "{image}");
        }
    }

    #[test]
    fn credentials_match_by_host_wildcard_and_path_most_specific_first() {
        let auths = [
            auth("https://index.docker.io/v1/", "hub"),
            auth("reg.example.com", "any"),
            auth("reg.example.com/team", "team"),
            auth("*.corp.example", "corp"),
            auth("127.0.0.1:5000", "local"),
        ];
        let users = |image: &str| -> Vec<String> {
            for_image(&auths, image)
                .iter()
                .map(|a| a.username.clone())
                .collect()
        };
        assert_eq!(users("nginx"), ["hub"]);
        assert_eq!(users("reg.example.com/team/app:1"), ["team", "any"]);
        assert_eq!(users("reg.example.com/other/app"), ["any"]);
        assert_eq!(users("a.corp.example/app"), ["corp"]);
        assert_eq!(users("a.b.corp.example/app"), Vec::<String>::new());
        assert_eq!(users("127.0.0.1:5000/app:latest"), ["local"]);
        assert_eq!(users("127.0.0.1:5001/app"), Vec::<String>::new());
    }
}
