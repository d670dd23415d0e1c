//! A tiny Docker registry (Registry HTTP API v2) for pull-credential tests:
//! it serves one image, taken from the local engine with `docker save`, on
//! 127.0.0.1 behind HTTP basic auth, and counts the requests it refused (401)
//! and answered (200), so a test can tell whether credentials such as a pod's
//! `imagePullSecrets` reached the engine's pull. Nothing comes from the
//! internet: it uses only std, the image on the local engine and crates
//! already in Cargo.toml (serde_json, sha2, tar, base64, flate2; uuid and
//! tempfile in its tests).
//!
//! The image is served as a schema 2 manifest
//! (`application/vnd.docker.distribution.manifest.v2+json`) with gzipped
//! layers. Each registry gives its copy a label and its layers a gzip header
//! naming the repository, so the config and layer digests are new to the
//! engine and a pull really fetches every blob (Docker 20.10 skips the blobs
//! of a config it already has, and layers whose compressed digest it knows).
//!
//! What Docker 20.10 does against it: it tries TLS first (the registry hangs
//! up, the engine falls back to plain HTTP), pings `GET /v2/` without
//! credentials (so every pull or login costs one 401, even a successful one),
//! then, with credentials, `HEAD` the manifest by tag, `GET` it by digest and
//! `GET` the blobs. Without credentials it stops after the ping with "no
//! basic auth credentials", so `authorized()` stays 0.
//! Its tests need Docker: they skip without it, unless `ORK_REQUIRE_DOCKER=1`.

use crate::docker::{IMAGE, docker_ready};
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const CONFIG_V1: &str = "application/vnd.docker.container.image.v1+json";
pub const LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// The label each registry puts on its copy of the image (value: the repository).
pub const LABEL: &str = "ork-test.registry";
const REALM: &str = "ork-test";
/// How long a kept-alive connection may sit idle before the registry closes it.
const IDLE: Duration = Duration::from_secs(30);

/// A registry on 127.0.0.1:`port` serving one image as `<repository>:latest`
/// to clients presenting `user`/`password` with basic auth. Dropping it stops
/// accepting connections and closes the kept-alive ones at their next request.
pub struct Registry {
    pub port: u16,
    shared: Arc<Shared>,
}

struct Shared {
    repository: String,
    /// `user:password`, what a `Basic` credential must decode to.
    credentials: String,
    manifest: Vec<u8>,
    manifest_digest: String,
    /// Digest -> bytes: the config and the gzipped layers.
    blobs: HashMap<String, Vec<u8>>,
    unauthorized: AtomicUsize,
    authorized: AtomicUsize,
    requests: Mutex<Vec<String>>,
    stop: AtomicBool,
}

impl Registry {
    /// Exports `image` from the local engine and serves it as
    /// `<repository>:latest` on a free loopback port, from a background thread.
    pub fn start(image: &str, repository: &str, user: &str, password: &str) -> Registry {
        let out = Command::new("docker")
            .args(["save", image])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docker save {image}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let files = untar(&out.stdout);
        let index: Value = serde_json::from_slice(files.get("manifest.json")).unwrap();
        let entry = &index[0];

        let mut config: Value =
            serde_json::from_slice(files.get(entry["Config"].as_str().unwrap())).unwrap();
        config["config"]["Labels"][LABEL] = json!(repository);
        let config = serde_json::to_vec(&config).unwrap();

        let mut blobs = HashMap::new();
        let config_digest = sha256(&config);
        let config_desc =
            json!({"mediaType": CONFIG_V1, "size": config.len(), "digest": config_digest});
        blobs.insert(config_digest, config);
        let mut layers = vec![];
        for (i, path) in entry["Layers"].as_array().unwrap().iter().enumerate() {
            let mut gz = flate2::GzBuilder::new()
                .filename(format!("{repository}/{i}"))
                .mtime(0)
                .write(Vec::new(), flate2::Compression::fast());
            gz.write_all(files.get(path.as_str().unwrap())).unwrap();
            let gz = gz.finish().unwrap();
            let digest = sha256(&gz);
            layers.push(json!({"mediaType": LAYER_GZIP, "size": gz.len(), "digest": digest}));
            blobs.insert(digest, gz);
        }
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_V2,
            "config": config_desc,
            "layers": layers,
        }))
        .unwrap();

        let shared = Arc::new(Shared {
            repository: repository.into(),
            credentials: format!("{user}:{password}"),
            manifest_digest: sha256(&manifest),
            manifest,
            blobs,
            unauthorized: AtomicUsize::new(0),
            authorized: AtomicUsize::new(0),
            requests: Mutex::new(vec![]),
            stop: AtomicBool::new(false),
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepting = shared.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let shared = accepting.clone();
                std::thread::spawn(move || serve(conn, &shared));
            }
        });
        Registry { port, shared }
    }

    /// `127.0.0.1:<port>/<repository>:latest`, what to pull.
    pub fn image_ref(&self) -> String {
        format!("127.0.0.1:{}/{}:latest", self.port, self.shared.repository)
    }

    /// `127.0.0.1:<port>`, what to log in to (a docker config `auths` key).
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The manifest's digest (`sha256:...`): the engine lists the pulled
    /// image's RepoDigest as `127.0.0.1:<port>/<repository>@<digest>`.
    pub fn manifest_digest(&self) -> &str {
        &self.shared.manifest_digest
    }

    /// Requests answered 401 (no or wrong credentials).
    pub fn unauthorized(&self) -> usize {
        self.shared.unauthorized.load(Ordering::SeqCst)
    }

    /// Requests answered 200 (right credentials, something to serve).
    pub fn authorized(&self) -> usize {
        self.shared.authorized.load(Ordering::SeqCst)
    }

    /// Every request so far as `METHOD /path STATUS`, oldest first.
    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().unwrap().clone()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so it sees `stop` and drops the listener.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// `sha256:<hex>` of `bytes`.
fn sha256(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// The regular files of a `docker save` archive, symlinks resolved.
struct Files {
    files: HashMap<String, Vec<u8>>,
    links: HashMap<String, String>,
}

impl Files {
    fn get(&self, path: &str) -> &[u8] {
        let mut path = path.to_string();
        for _ in 0..8 {
            if let Some(f) = self.files.get(&path) {
                return f;
            }
            let Some(target) = self.links.get(&path) else {
                break;
            };
            // Relative to the link's directory, e.g. `../<id>/layer.tar`.
            let mut p: PathBuf = Path::new(&path).parent().unwrap_or(Path::new("")).into();
            for c in Path::new(target).components() {
                match c {
                    std::path::Component::ParentDir => {
                        p.pop();
                    }
                    std::path::Component::Normal(n) => p.push(n),
                    _ => {}
                }
            }
            path = p.to_string_lossy().into_owned();
        }
        panic!("docker save archive has no {path}")
    }
}

fn untar(bytes: &[u8]) -> Files {
    let mut files = Files {
        files: HashMap::new(),
        links: HashMap::new(),
    };
    let mut archive = tar::Archive::new(bytes);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let kind = entry.header().entry_type();
        if kind.is_symlink() {
            let target = entry.link_name().unwrap().unwrap();
            files
                .links
                .insert(path, target.to_string_lossy().into_owned());
        } else if kind.is_file() {
            let mut data = vec![];
            entry.read_to_end(&mut data).unwrap();
            files.files.insert(path, data);
        }
    }
    files
}

/// One connection: HTTP/1.1 requests (no bodies expected) until the client
/// closes, asks to close, goes idle for [`IDLE`], or the registry stops.
fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let Ok(read) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read);
    let mut out = stream;
    loop {
        // Not a plain-HTTP request (e.g. the engine trying TLS first): hang
        // up at once rather than wait for a line that never comes.
        match reader.fill_buf() {
            Ok(buf) if buf.first().is_some_and(u8::is_ascii_uppercase) => {}
            _ => return,
        }
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (Some(method), Some(target), Some(version)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let body_len: u64 = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if std::io::copy(&mut (&mut reader).take(body_len), &mut std::io::sink()).is_err() {
            return;
        }
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let close = version == "HTTP/1.0"
            || headers
                .get("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let path = target.split('?').next().unwrap_or_default();
        let (status, reply_headers, body) = shared.respond(method, path, &headers);
        shared
            .requests
            .lock()
            .unwrap()
            .push(format!("{method} {path} {status}"));
        match status {
            200 => shared.authorized.fetch_add(1, Ordering::SeqCst),
            401 => shared.unauthorized.fetch_add(1, Ordering::SeqCst),
            _ => 0,
        };
        let reason = match status {
            200 => "OK",
            401 => "Unauthorized",
            _ => "Not Found",
        };
        let mut head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nDocker-Distribution-API-Version: registry/2.0\r\n",
            body.len()
        );
        for (k, v) in reply_headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let written = out.write_all(head.as_bytes()).and_then(|()| {
            if method == "HEAD" {
                Ok(())
            } else {
                out.write_all(&body)
            }
        });
        if written.and_then(|()| out.flush()).is_err() || close {
            return;
        }
    }
}

type Reply<'a> = (u16, Vec<(&'static str, String)>, Cow<'a, [u8]>);

impl Shared {
    fn respond(&self, method: &str, path: &str, headers: &HashMap<String, String>) -> Reply<'_> {
        if !self.authorizes(headers.get("authorization")) {
            return (
                401,
                vec![(
                    "WWW-Authenticate",
                    format!("Basic realm=\"{REALM}\", charset=\"UTF-8\""),
                )],
                error("UNAUTHORIZED", "authentication required"),
            );
        }
        if method != "GET" && method != "HEAD" {
            return not_found("UNSUPPORTED", "this registry only serves pulls");
        }
        if path == "/v2/" || path == "/v2" {
            return (
                200,
                vec![("Content-Type", "application/json".into())],
                Cow::Borrowed(b"{}"),
            );
        }
        let Some(rest) = path.strip_prefix("/v2/") else {
            return not_found("NAME_UNKNOWN", "not a registry API path");
        };
        if let Some((name, reference)) = rest.rsplit_once("/manifests/") {
            if name != self.repository {
                return not_found("NAME_UNKNOWN", "repository name not known to registry");
            }
            if reference != "latest" && reference != self.manifest_digest {
                return not_found("MANIFEST_UNKNOWN", "manifest unknown");
            }
            return (
                200,
                vec![
                    ("Content-Type", MANIFEST_V2.into()),
                    ("Docker-Content-Digest", self.manifest_digest.clone()),
                ],
                Cow::Borrowed(&self.manifest),
            );
        }
        if let Some((name, digest)) = rest.rsplit_once("/blobs/") {
            if name != self.repository {
                return not_found("NAME_UNKNOWN", "repository name not known to registry");
            }
            let Some(blob) = self.blobs.get(digest) else {
                return not_found("BLOB_UNKNOWN", "blob unknown to registry");
            };
            return (
                200,
                vec![
                    ("Content-Type", "application/octet-stream".into()),
                    ("Docker-Content-Digest", digest.to_string()),
                ],
                Cow::Borrowed(blob),
            );
        }
        not_found("UNSUPPORTED", "unknown registry API path")
    }

    /// Whether `Authorization: Basic <base64(user:password)>` matches.
    fn authorizes(&self, header: Option<&String>) -> bool {
        let Some((scheme, token)) = header.and_then(|h| h.split_once(' ')) else {
            return false;
        };
        scheme.eq_ignore_ascii_case("basic")
            && base64::engine::general_purpose::STANDARD
                .decode(token.trim())
                .is_ok_and(|c| c == self.credentials.as_bytes())
    }
}

fn error(code: &str, message: &str) -> Cow<'static, [u8]> {
    let body = json!({"errors": [{"code": code, "message": message, "detail": null}]});
    Cow::Owned(serde_json::to_vec(&body).unwrap())
}

fn not_found(code: &str, message: &str) -> Reply<'static> {
    (
        404,
        vec![("Content-Type", "application/json".into())],
        error(code, message),
    )
}

// ---- tests ----

/// A repository name no other test (or earlier run) uses, so pulls do not
/// share the engine's image and tag.
fn fresh_repository() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("ork-test/registry-{}", &id[..12])
}

/// `docker --config <config> <args>`, with `stdin` fed in when given.
fn docker(config: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new("docker")
        .arg("--config")
        .arg(config)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn image_exists(reference: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", reference])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Removes a pulled tag when the test ends, even by panic (and even while
/// a container left behind still uses it).
pub struct Untag(pub String);

impl Drop for Untag {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rmi", "-f", &self.0]).output();
    }
}

#[test]
fn the_registry_answers_the_v2_api_only_with_the_right_credentials() {
    if !docker_ready() {
        return;
    }
    let repo = fresh_repository();
    let reg = Registry::start(IMAGE, &repo, "puller", "s3cret");
    let base = format!("http://{}", reg.host());
    let client = crate::harness::http();
    let basic = |user: &str, password: &str| {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        format!("Basic {token}")
    };
    let good = basic("puller", "s3cret");
    let manifest_url = format!("{base}/v2/{repo}/manifests/latest");

    // Without, or with wrong, credentials every route is refused alike.
    for (url, auth) in [
        (format!("{base}/v2/"), None),
        (manifest_url.clone(), None),
        (format!("{base}/v2/{repo}/blobs/sha256:00"), None),
        (format!("{base}/v2/"), Some(basic("puller", "wrong"))),
        (manifest_url.clone(), Some(basic("other", "s3cret"))),
        (format!("{base}/v2/"), Some(format!("Bearer {}", "s3cret"))),
    ] {
        let mut req = client.get(&url);
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        let resp = req.send().unwrap();
        assert_eq!(resp.status().as_u16(), 401, "{url} with {auth:?}");
        assert_eq!(
            resp.headers()["www-authenticate"].to_str().unwrap(),
            "Basic realm=\"ork-test\", charset=\"UTF-8\""
        );
        let body: Value = resp.json().unwrap();
        assert_eq!(body["errors"][0]["code"], "UNAUTHORIZED", "{body}");
    }
    assert_eq!(reg.unauthorized(), 6);
    assert_eq!(reg.authorized(), 0);

    // With them: the ping, the manifest, every blob it names, digests intact.
    let ping = client
        .get(format!("{base}/v2/"))
        .header("Authorization", &good)
        .send()
        .unwrap();
    assert_eq!(ping.status().as_u16(), 200);
    assert_eq!(
        ping.headers()["docker-distribution-api-version"],
        "registry/2.0"
    );
    assert_eq!(ping.text().unwrap(), "{}");

    let resp = client
        .get(&manifest_url)
        .header("Authorization", &good)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], MANIFEST_V2);
    assert_eq!(
        resp.headers()["docker-content-digest"],
        reg.manifest_digest()
    );
    let bytes = resp.bytes().unwrap();
    assert_eq!(sha256(&bytes), reg.manifest_digest());
    let manifest: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(manifest["schemaVersion"], 2);
    assert_eq!(manifest["mediaType"], MANIFEST_V2);
    assert_eq!(manifest["config"]["mediaType"], CONFIG_V1);
    let layers = manifest["layers"].as_array().unwrap();
    assert!(!layers.is_empty(), "{manifest}");

    // HEAD of the manifest by digest: headers, length, no body.
    let head = client
        .head(format!(
            "{base}/v2/{repo}/manifests/{}",
            reg.manifest_digest()
        ))
        .header("Authorization", &good)
        .send()
        .unwrap();
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(
        head.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    assert_eq!(
        head.headers()["docker-content-digest"],
        reg.manifest_digest()
    );

    let mut blobs = vec![&manifest["config"]];
    blobs.extend(layers);
    for desc in blobs {
        let digest = desc["digest"].as_str().unwrap();
        let resp = client
            .get(format!("{base}/v2/{repo}/blobs/{digest}"))
            .header("Authorization", &good)
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{digest}");
        assert_eq!(resp.headers()["docker-content-digest"], digest);
        let blob = resp.bytes().unwrap();
        assert_eq!(sha256(&blob), digest);
        assert_eq!(Some(blob.len() as u64), desc["size"].as_u64());
        if desc["mediaType"] == CONFIG_V1 {
            let config: Value = serde_json::from_slice(&blob).unwrap();
            assert_eq!(config["config"]["Labels"][LABEL], repo.as_str());
        } else {
            assert_eq!(desc["mediaType"], LAYER_GZIP);
            assert_eq!(&blob[..2], &[0x1f, 0x8b], "gzip magic");
        }
    }

    // Unknown names, tags and digests: 404 with the registry's error codes.
    for (url, code) in [
        (format!("{base}/v2/{repo}/manifests/v1"), "MANIFEST_UNKNOWN"),
        (format!("{base}/v2/{repo}/blobs/sha256:00"), "BLOB_UNKNOWN"),
        (format!("{base}/v2/other/manifests/latest"), "NAME_UNKNOWN"),
    ] {
        let resp = client
            .get(&url)
            .header("Authorization", &good)
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 404, "{url}");
        let body: Value = resp.json().unwrap();
        assert_eq!(body["errors"][0]["code"], code, "{url}: {body}");
    }
    assert_eq!(reg.authorized(), 4 + layers.len());
    assert_eq!(reg.unauthorized(), 6);

    // Dropped, it stops listening.
    let port = reg.port;
    drop(reg);
    crate::harness::wait_for(
        "the registry to stop listening",
        Duration::from_secs(10),
        || {
            TcpStream::connect(("127.0.0.1", port))
                .is_err()
                .then_some(())
        },
    );
}

#[test]
fn a_pull_without_credentials_is_refused_and_never_authorized() {
    if !docker_ready() {
        return;
    }
    let reg = Registry::start(IMAGE, &fresh_repository(), "puller", "s3cret");
    let config = tempfile::tempdir().unwrap();
    let reference = reg.image_ref();
    let _untag = Untag(reference.clone());

    let out = docker(config.path(), &["pull", &reference], None);
    assert!(!out.status.success(), "pull without login: {}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    // Docker 20.10 answers a basic challenge it has no credentials for with
    // "no basic auth credentials", without sending the manifest request.
    assert!(
        [
            "no basic auth credentials",
            "unauthorized",
            "authentication required"
        ]
        .iter()
        .any(|m| err.contains(m)),
        "{}",
        text(&out)
    );

    // A login with the wrong password is refused too, and stores nothing.
    let out = docker(
        config.path(),
        &["login", &reg.host(), "-u", "puller", "--password-stdin"],
        Some("wrong\n"),
    );
    assert!(
        !out.status.success(),
        "login, wrong password: {}",
        text(&out)
    );
    let out = docker(config.path(), &["pull", &reference], None);
    assert!(
        !out.status.success(),
        "pull after failed login: {}",
        text(&out)
    );

    assert!(reg.unauthorized() > 0, "{:?}", reg.requests());
    assert_eq!(reg.authorized(), 0, "{:?}", reg.requests());
    assert!(!image_exists(&reference));
}

#[test]
fn a_pull_after_login_fetches_every_blob_and_the_image_runs() {
    if !docker_ready() {
        return;
    }
    let repo = fresh_repository();
    let reg = Registry::start(IMAGE, &repo, "puller", "s3cret");
    let config = tempfile::tempdir().unwrap();
    let reference = reg.image_ref();
    let untag = Untag(reference.clone());

    let out = docker(
        config.path(),
        &["login", &reg.host(), "-u", "puller", "--password-stdin"],
        Some("s3cret\n"),
    );
    assert!(out.status.success(), "login: {}", text(&out));
    let after_login = reg.authorized();
    assert!(after_login > 0, "{:?}", reg.requests());

    let out = docker(config.path(), &["pull", &reference], None);
    assert!(out.status.success(), "pull: {}", text(&out));
    assert!(reg.authorized() > after_login, "{:?}", reg.requests());
    // The config and every layer came from this registry, with credentials.
    let requests = reg.requests();
    for digest in reg.shared.blobs.keys() {
        let fetched = format!("GET /v2/{repo}/blobs/{digest} 200");
        assert!(requests.contains(&fetched), "{fetched} in {requests:?}");
    }

    // The engine has exactly this manifest, labelled as served.
    let inspect = Command::new("docker")
        .args(["image", "inspect", &reference])
        .output()
        .unwrap();
    assert!(inspect.status.success(), "{}", text(&inspect));
    let info: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    let repo_digest = format!("127.0.0.1:{}/{repo}@{}", reg.port, reg.manifest_digest());
    assert!(
        info[0]["RepoDigests"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == repo_digest.as_str()),
        "{repo_digest} in {}",
        info[0]["RepoDigests"]
    );
    assert_eq!(info[0]["Config"]["Labels"][LABEL], repo.as_str());

    let out = docker(
        config.path(),
        &["run", "--rm", &reference, "sh", "-c", "echo ok"],
        None,
    );
    assert!(out.status.success(), "run: {}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");

    drop(untag);
    assert!(!image_exists(&reference), "{reference} removed");
}
